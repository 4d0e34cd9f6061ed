/*
 * test_walk.c - the guest page walker on hand-built tables in a fake
 * guest-physical memory: paging off, 32-bit (4 KiB, PSE 4 MiB, PSE-36),
 * PAE (4 KiB, 2 MiB, NX), 4-level (4 KiB, 2 MiB, 1 GiB); accessed/dirty
 * bits; not-present, protection and reserved-bit faults with their error
 * codes; U/S, R/W with CR0.WP, NX, SMEP, SMAP with RFLAGS.AC; the
 * translation cache's hits, validation by the leaf entry, and flush.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "emul/walk.h"

static uint8_t mem[0x40000];
static unsigned reads;

static bool rd(void *ctx, uint64_t gpa, uint64_t *v, unsigned size)
{
	(void)ctx;
	if (gpa + size > sizeof(mem))
		return false;
	*v = 0;
	memcpy(v, mem + gpa, size);
	reads++;
	return true;
}

static bool wr(void *ctx, uint64_t gpa, uint64_t v, unsigned size)
{
	(void)ctx;
	if (gpa + size > sizeof(mem))
		return false;
	memcpy(mem + gpa, &v, size);
	return true;
}

static const void *map(void *ctx, uint64_t gpa, unsigned size)
{
	(void)ctx;
	return gpa + size <= sizeof(mem) ? mem + gpa : NULL;
}

static const struct walk_ops ops = { rd, wr };

static void put(uint64_t gpa, uint64_t v, unsigned size)
{
	memcpy(mem + gpa, &v, size);
}

static uint64_t get(uint64_t gpa, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, mem + gpa, size);
	return v;
}

#define P 1ull
#define RW 2ull
#define US 4ull
#define A 0x20ull
#define D 0x40ull
#define PS 0x80ull
#define XD (1ull << 63)

static enum walk_status go(const struct walk_mode *m, uint64_t la, enum walk_access acc,
			   struct walk_result *r)
{
	return walk_guest(m, la, acc, &ops, NULL, r);
}

static void paging_off(void)
{
	struct walk_mode m = { .cr0 = 0 };
	struct walk_result r;

	CHECK_EQ(go(&m, 0x123456789ull, WALK_WRITE, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x23456789);
}

static void legacy32(void)
{
	struct walk_mode m = { .cr0 = CR0_PG | CR0_WP, .cr3 = 0x1000 };
	struct walk_result r;

	memset(mem, 0, sizeof(mem));
	put(0x1000 + 1 * 4, 0x2000 | P | RW | US, 4);          /* PDE for 4 MiB..8 MiB */
	put(0x2000 + 3 * 4, 0x5000 | P | US, 4);               /* PTE: read-only user */
	put(0x1000 + 2 * 4, 0x01000000 | (0x3ull << 13) | P | RW | PS, 4); /* 4 MiB, PSE-36 */
	CHECK_EQ(go(&m, 0x00403abc, WALK_READ, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x5abc);
	CHECK_EQ(get(0x1004, 4) & A, A);
	CHECK_EQ(get(0x200c, 4) & (A | D), A);
	CHECK_EQ(go(&m, 0x00403abc, WALK_WRITE, &r), WALK_PAGE_FAULT); /* WP: read-only */
	CHECK_EQ(r.error, PF_P | PF_W);
	m.cr0 = CR0_PG;                                     /* WP off: supervisor may write */
	CHECK_EQ(go(&m, 0x00403abc, WALK_WRITE, &r), WALK_OK);
	CHECK_EQ(get(0x200c, 4) & D, D);
	m.cpl = 3;
	CHECK_EQ(go(&m, 0x00403abc, WALK_WRITE, &r), WALK_PAGE_FAULT); /* user: never */
	CHECK_EQ(r.error, PF_P | PF_W | PF_U);
	CHECK_EQ(go(&m, 0x00404000, WALK_READ, &r), WALK_PAGE_FAULT);  /* PTE not present */
	CHECK_EQ(r.error, PF_U);
	m.cpl = 0;
	/* PS without CR4.PSE: the PDE points at a table (here outside RAM). */
	CHECK_EQ(go(&m, 0x00800010, WALK_READ, &r), WALK_BAD_TABLE);
	m.cr4 = CR4_PSE;
	CHECK_EQ(go(&m, 0x00812345, WALK_FETCH, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x301012345ull);
	CHECK_EQ(r.page_shift, 22);
	m.cpl = 3;                                          /* a supervisor 4 MiB page */
	CHECK_EQ(go(&m, 0x00812345, WALK_READ, &r), WALK_PAGE_FAULT);
	CHECK_EQ(r.error, PF_P | PF_U);
}

static void pae(void)
{
	struct walk_mode m = { .cr0 = CR0_PG | CR0_WP, .cr3 = 0x3020, .cr4 = CR4_PAE,
			       .efer = EFER_NXE };
	struct walk_result r;

	memset(mem, 0, sizeof(mem));
	put(0x3020 + 1 * 8, 0x4000 | P, 8);                  /* PDPTE 1: 1-2 GiB */
	put(0x4000 + 2 * 8, 0x5000 | P | RW, 8);              /* PDE: 4 MiB..6 MiB */
	put(0x5000 + 7 * 8, 0x9000 | P | RW | XD, 8);         /* PTE: no execute */
	put(0x4000 + 3 * 8, 0x00200000 | P | RW | PS, 8);     /* 2 MiB page */
	CHECK_EQ(go(&m, 0x40407010, WALK_WRITE, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x9010);
	CHECK_EQ(get(0x5038, 8) & (A | D), A | D);
	CHECK_EQ(get(0x3028, 8) & A, 0);                       /* the PDPTE has no A bit */
	CHECK_EQ(go(&m, 0x40407010, WALK_FETCH, &r), WALK_PAGE_FAULT);
	CHECK_EQ(r.error, PF_P | PF_I);
	CHECK_EQ(go(&m, 0x40612345, WALK_READ, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x212345);
	CHECK_EQ(go(&m, 0x00000000, WALK_READ, &r), WALK_PAGE_FAULT); /* PDPTE 0 absent */
	CHECK_EQ(r.error, 0);
	m.efer = 0;                                                  /* XD is reserved now */
	CHECK_EQ(go(&m, 0x40407010, WALK_READ, &r), WALK_PAGE_FAULT);
	CHECK_EQ(r.error, PF_P | PF_RSVD);
	put(0x4000 + 3 * 8, 0x00201000 | P | RW | PS, 8);     /* bit 12 of a 2 MiB page: PAT, ok */
	CHECK_EQ(go(&m, 0x40600000, WALK_READ, &r), WALK_OK);
	put(0x4000 + 3 * 8, 0x00202000 | P | RW | PS, 8);     /* bit 13: reserved */
	CHECK_EQ(go(&m, 0x40600000, WALK_READ, &r), WALK_PAGE_FAULT);
	CHECK_EQ(r.error, PF_P | PF_RSVD);
}

/* PAE with the CPU's PDPTEs given: they, not the memory at CR3, are walked. */
static void pae_cached_pdptes(void)
{
	static const uint64_t held[4] = { 0, 0x4000 | P, 0, 0 };
	static struct walk_tlb t;
	struct walk_mode m = { .cr0 = CR0_PG | CR0_WP, .cr3 = 0x3020, .cr4 = CR4_PAE,
			       .pdpte = held };
	struct walk_result r;

	memset(mem, 0, sizeof(mem));
	put(0x3020 + 0 * 8, 0x4000 | P, 8);                  /* memory: PDPTE 0, not 1 */
	put(0x4000 + 2 * 8, 0x5000 | P | RW, 8);
	put(0x5000 + 7 * 8, 0x9000 | P | RW, 8);
	CHECK_EQ(go(&m, 0x40407010, WALK_WRITE, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x9010);
	CHECK_EQ(go(&m, 0x00407010, WALK_READ, &r), WALK_PAGE_FAULT); /* held PDPTE 0 absent */
	CHECK_EQ(r.error, 0);
	CHECK_EQ(get(0x3028, 8), 0);                                  /* nothing written there */
	reads = 0;
	CHECK_EQ(walk_cached(&t, &m, 0x40407010, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(walk_cached(&t, &m, 0x40407010, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(t.hits, 0);                                          /* never cached */
	CHECK_EQ(reads, 4);                                           /* PDE and PTE, twice */
}

/* 4-level tables: PML4 0x6000, PDPT 0x7000, PD 0x8000, PT 0x9000. */
static void build_long(void)
{
	memset(mem, 0, sizeof(mem));
	put(0x6000 + 0 * 8, 0x7000 | P | RW | US, 8);
	put(0x7000 + 0 * 8, 0x8000 | P | RW | US, 8);
	put(0x7000 + 1 * 8, 0x40000000 | P | RW | PS, 8);     /* 1 GiB supervisor page */
	put(0x8000 + 0 * 8, 0x9000 | P | RW | US, 8);
	put(0x8000 + 1 * 8, 0x00600000 | P | US | PS, 8);     /* 2 MiB user read-only */
	put(0x9000 + 1 * 8, 0xa000 | P | RW | US, 8);         /* user page */
	put(0x9000 + 2 * 8, 0xb000 | P | RW, 8);              /* supervisor page */
}

static void long_mode(void)
{
	struct walk_mode m = { .cr0 = CR0_PG | CR0_WP, .cr3 = 0x6000, .cr4 = CR4_PAE,
			       .efer = EFER_LMA | EFER_NXE, .maxphyaddr = 36 };
	struct walk_result r;

	build_long();
	CHECK_EQ(go(&m, 0x1234, WALK_READ, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0xa234);
	CHECK_EQ(r.leaf_gpa, 0x9008);
	CHECK_EQ(go(&m, 0x40abcdef, WALK_READ, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x40abcdef);
	CHECK_EQ(r.page_shift, 30);
	CHECK_EQ(go(&m, 0x201234, WALK_READ, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x601234);
	CHECK_EQ(go(&m, 0x201234, WALK_WRITE, &r), WALK_PAGE_FAULT); /* WP, read-only */
	CHECK_EQ(r.error, PF_P | PF_W);
	CHECK_EQ(go(&m, 0x8000000000ull, WALK_READ, &r), WALK_PAGE_FAULT);
	CHECK_EQ(r.error, 0);
	m.cpl = 3;
	CHECK_EQ(go(&m, 0x2000, WALK_READ, &r), WALK_PAGE_FAULT);    /* supervisor page */
	CHECK_EQ(r.error, PF_P | PF_U);
	CHECK_EQ(go(&m, 0x2000, WALK_FETCH, &r), WALK_PAGE_FAULT);
	CHECK_EQ(r.error, PF_P | PF_U | PF_I);
	m.cpl = 0;
	m.cr4 |= CR4_SMEP | CR4_SMAP;
	CHECK_EQ(go(&m, 0x1000, WALK_FETCH, &r), WALK_PAGE_FAULT);   /* SMEP */
	CHECK_EQ(r.error, PF_P | PF_I);
	CHECK_EQ(go(&m, 0x1000, WALK_READ, &r), WALK_PAGE_FAULT);    /* SMAP */
	CHECK_EQ(r.error, PF_P);
	m.ac = true;
	CHECK_EQ(go(&m, 0x1000, WALK_WRITE, &r), WALK_OK);
	CHECK_EQ(go(&m, 0x2000, WALK_FETCH, &r), WALK_OK);
	put(0x9000 + 2 * 8, 0x1000000000ull | 0xb000 | P | RW, 8);  /* above MAXPHYADDR */
	CHECK_EQ(go(&m, 0x2000, WALK_READ, &r), WALK_PAGE_FAULT);
	CHECK_EQ(r.error, PF_P | PF_RSVD);
	put(0x6000, 0x7000 | P | RW | US | PS, 8);                  /* PS in a PML4E */
	CHECK_EQ(go(&m, 0x2000, WALK_READ, &r), WALK_PAGE_FAULT);
	CHECK_EQ(r.error, PF_P | PF_RSVD);
	CHECK_EQ(walk_guest(&m, 0x1000, WALK_READ, &ops, NULL, &r), WALK_PAGE_FAULT);
	m.cr3 = sizeof(mem);                                        /* tables outside RAM */
	CHECK_EQ(go(&m, 0x1000, WALK_READ, &r), WALK_BAD_TABLE);
}

static void tlb(void)
{
	static struct walk_tlb t;
	struct walk_mode m = { .cr0 = CR0_PG | CR0_WP, .cr3 = 0x6000, .cr4 = CR4_PAE,
			       .efer = EFER_LMA | EFER_NXE };
	struct walk_result r;

	build_long();
	CHECK_EQ(walk_cached(&t, &m, 0x1004, WALK_READ, &ops, NULL, &r), WALK_OK);
	reads = 0;
	CHECK_EQ(walk_cached(&t, &m, 0x1ff8, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0xaff8);
	CHECK_EQ(reads, 4);                 /* a hit: the four entries re-read, no walk */
	CHECK_EQ(t.hits, 1);
	CHECK_EQ(walk_cached(&t, &m, 0x1000, WALK_WRITE, &ops, NULL, &r), WALK_OK); /* D: walk */
	CHECK_EQ(t.misses, 2);
	CHECK_EQ(walk_cached(&t, &m, 0x1000, WALK_WRITE, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(t.hits, 2);
	put(0x9008, 0xc000 | P | RW | US | A | D, 8);                /* remapped, no exit */
	CHECK_EQ(walk_cached(&t, &m, 0x1000, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0xc000);
	m.cpl = 3;                                                   /* same entry, user */
	CHECK_EQ(walk_cached(&t, &m, 0x1000, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(walk_cached(&t, &m, 0x2000, WALK_READ, &ops, NULL, &r), WALK_PAGE_FAULT);
	CHECK_EQ(r.error, PF_P | PF_U);
	m.cpl = 0;
	m.cr3 = 0x6000 | 0x18;                                       /* another CR3: miss */
	CHECK_EQ(walk_cached(&t, &m, 0x1000, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(t.misses, 5);
	walk_tlb_flush(&t);
	CHECK_EQ(walk_cached(&t, &m, 0x1000, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(t.misses, 6);
	/* A 2 MiB page: cached per 4 KiB linear page, validated by its PDE. */
	CHECK_EQ(walk_cached(&t, &m, 0x201234, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(walk_cached(&t, &m, 0x201238, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x601238);
	CHECK_EQ(t.misses, 7);

	/* With a map callback a hit revalidates through the pointer: no read callback. */
	t.map = map;
	walk_tlb_flush(&t);
	CHECK_EQ(walk_cached(&t, &m, 0x1000, WALK_READ, &ops, NULL, &r), WALK_OK);
	reads = 0;
	CHECK_EQ(walk_cached(&t, &m, 0x1010, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(reads, 0);
	CHECK_EQ(r.gpa, 0xc010);
	put(0x9008, 0xd000 | P | RW | US | A | D, 8);
	CHECK_EQ(walk_cached(&t, &m, 0x1010, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0xd010);

	/*
	 * An upper level changed, the old leaf entry not (INVLPG does not exit):
	 * the PDE now maps a 2 MiB page, and back again. Both must be seen.
	 */
	put(0x8000, 0x00e00000 | P | RW | US | PS | A, 8);
	CHECK_EQ(walk_cached(&t, &m, 0x1010, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0xe01010);
	put(0x8000, 0x9000 | P | RW | US | A, 8);
	CHECK_EQ(walk_cached(&t, &m, 0x1010, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0xd010);
	put(0x7000, 0x5000 | P | RW | US | A, 8);    /* a PDPTE to a PD with nothing present */
	CHECK_EQ(walk_cached(&t, &m, 0x1010, WALK_READ, &ops, NULL, &r), WALK_PAGE_FAULT);
}

/* PAE (not long mode): the PDPTE is validated with the rest. */
static void tlb_pae(void)
{
	static struct walk_tlb t;
	struct walk_mode m = { .cr0 = CR0_PG, .cr3 = 0x3000, .cr4 = CR4_PAE };
	struct walk_result r;

	memset(mem, 0, sizeof(mem));
	put(0x3000, 0x4000 | P, 8);
	put(0x4000, 0x5000 | P | RW, 8);
	put(0x5008, 0xa000 | P | RW, 8);
	CHECK_EQ(walk_cached(&t, &m, 0x1234, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0xa234);
	reads = 0;
	CHECK_EQ(walk_cached(&t, &m, 0x1238, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(reads, 3); /* a hit: the PDPTE, PDE and PTE re-read */
	put(0x3000, 0x6000 | P, 8);                  /* another page directory */
	put(0x6000, 0x5000 | P | RW, 8);
	put(0x5008, 0xa000 | P | RW | A, 8);          /* (the walk had set A) */
	CHECK_EQ(walk_cached(&t, &m, 0x1234, WALK_READ, &ops, NULL, &r), WALK_OK);
	CHECK_EQ(t.misses, 2);
	CHECK_EQ(r.gpa, 0xa234);
}

int main(void)
{
	paging_off();
	legacy32();
	pae();
	pae_cached_pdptes();
	long_mode();
	tlb();
	tlb_pae();
	return check_report("walk");
}
