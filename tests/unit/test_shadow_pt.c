/*
 * test_shadow_pt.c - shadow page tables built from hand-made 4-level guest
 * tables in a fake guest RAM (guest-physical x is host-physical x +
 * HPA_OFF): hidden and true faults with their error codes, A/D bits, the
 * guest's large pages, write-protected guest tables and the invalidation a
 * table write causes, a page becoming a table after being mapped writable,
 * INVLPG, the root cache (hits, LRU eviction) and reclaim under pressure,
 * the neighbours a hidden fault prefetches, a table dropped for being written
 * over and over; two vCPUs sharing the tables (their roots pinned, freed
 * pages reused only after a sync, a fill retried when another CPU wrote a
 * table it protected).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mmu/shadow_pt.h"

#define PAGE 4096ull
#define RAM_PAGES 1024ull          /* 4 MiB of guest RAM */
#define HPA_OFF 0x40000000ull
#define SPT_BASE 0x80000000ull
#define CR0_PE 1ull
#define EFER_LME (1ull << 8)
#define TBL (SPT_P | SPT_W | SPT_U)

static uint8_t *ram;
static uint8_t *spt;
static uint64_t ro_gpa = ~0ull;  /* a page the EPT gives read-only */

static bool g_read(void *ctx, uint64_t gpa, uint64_t *v, unsigned size)
{
	(void)ctx;
	if (gpa + size > RAM_PAGES * PAGE)
		return false;
	*v = 0;
	memcpy(v, ram + gpa, size);
	return true;
}

static bool g_write(void *ctx, uint64_t gpa, uint64_t v, unsigned size)
{
	uint64_t old;

	if (!g_read(ctx, gpa, &old, size))
		return false;
	old |= v; /* A/D: the CPU's locked OR */
	memcpy(ram + gpa, &old, size);
	return true;
}

static bool translate(void *ctx, uint64_t gpa, uint64_t *hpa, bool *w)
{
	(void)ctx;
	if (gpa >= RAM_PAGES * PAGE)
		return false;
	*hpa = gpa + HPA_OFF;
	*w = gpa != ro_gpa;
	return true;
}

static uint64_t *spt_table(void *ctx, uint64_t hpa)
{
	(void)ctx;
	return (uint64_t *)(spt + (hpa - SPT_BASE));
}

static int tracked[RAM_PAGES]; /* the track callback's view: 1 while a table */

static void track(void *ctx, uint64_t gpa, bool on)
{
	(void)ctx;
	CHECK_EQ(tracked[gpa / PAGE], !on); /* called once each way */
	tracked[gpa / PAGE] = on;
}

static unsigned syncs;
static void (*on_sync)(void); /* what "another CPU" does before it flushes */

static void sync_others(void *ctx)
{
	(void)ctx;
	syncs++;
	if (on_sync)
		on_sync();
	on_sync = NULL;
}

static const struct shadow_pt_ops ops = { { g_read, g_write }, translate, spt_table, track,
					  sync_others };

static uint64_t pte(uint64_t table, unsigned i)
{
	uint64_t v;

	memcpy(&v, ram + table + 8 * i, 8);
	return v;
}

static void set_pte(uint64_t table, unsigned i, uint64_t v)
{
	memcpy(ram + table + 8 * i, &v, 8);
}

struct env {
	struct shadow_pt s;
	struct shadow_page *pages;
	uint32_t buckets[64], rbuckets[64];
	struct shadow_rmap rmap[256];
	struct walk_mode m;
	uint64_t root;
};

/* The guest's tables: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000. */
static void build_guest(void)
{
	memset(ram, 0, RAM_PAGES * PAGE);
	set_pte(0x1000, 0, 0x2000 | TBL);
	set_pte(0x2000, 0, 0x3000 | TBL);
	set_pte(0x3000, 0, 0x4000 | TBL);
	set_pte(0x3000, 1, 0x200000 | TBL | SPT_PS);          /* a 2 MiB page */
	set_pte(0x4000, 5, 0xa000 | TBL);                       /* user data */
	set_pte(0x4000, 7, 0x4000 | SPT_P | SPT_W);             /* the PT itself */
	set_pte(0x4000, 8, 0xb000 | SPT_P | SPT_U);             /* user, read-only */
	set_pte(0x4000, 9, 0xc000 | SPT_P | SPT_W | SPT_PCD);   /* supervisor only */
	set_pte(0x4000, 10, 0xd000 | TBL | SPT_NX);             /* no execute */
}

static struct env *env_new(uint32_t npages, unsigned roots)
{
	struct env *e = calloc(1, sizeof(*e));
	struct shadow_pt_config c = {
		.ops = &ops, .page_base = SPT_BASE, .npages = npages, .buckets = e->buckets,
		.nbuckets = 64, .rmap = e->rmap, .nrmap = 256, .rmap_buckets = e->rbuckets,
		.roots = roots,
	};

	e->pages = calloc(npages, sizeof(*e->pages));
	c.pages = e->pages;
	memset(spt, 0xee, 64 * PAGE);
	CHECK(shadow_pt_init(&e->s, &c));
	build_guest();
	e->m = (struct walk_mode){ .cr0 = CR0_PG | CR0_WP | CR0_PE, .cr3 = 0x1000,
				   .cr4 = CR4_PAE, .efer = EFER_LMA | EFER_LME | EFER_NXE,
				   .maxphyaddr = 40 };
	CHECK_EQ(shadow_pt_activate(&e->s, e->m.cr3, &e->root), SHADOW_FILLED);
	return e;
}

static void env_free(struct env *e)
{
	for (unsigned slot = 0; slot < e->s.cache.nslots; slot++) /* tracking ends with it */
		if (e->s.cache.slot[slot].valid)
			shadow_pt_forget(&e->s, e->s.cache.slot[slot].root);
	for (unsigned g = 0; g < RAM_PAGES; g++)
		CHECK(!tracked[g]);
	free(e->pages);
	free(e);
}

/* The shadow leaf for va under the active root, as the CPU would find it (0: none). */
static uint64_t shadow_leaf(struct env *e, uint64_t va)
{
	uint64_t t = e->root;

	for (int level = (int)shadow_format_top(e->s.fmt); level >= 1; level--) {
		uint64_t ent = spt_table(NULL, t)[(va >> (12 + 9 * (level - 1))) & 511];

		if (!(ent & SPT_P))
			return 0;
		if (level == 1)
			return ent;
		if (level == 3 && e->s.fmt != SHADOW_FMT_LONG) /* a PDPTE: no rights, no A */
			CHECK_EQ(ent & ~SPT_ADDR, SPT_P);
		else /* upper levels grant all */
			CHECK((ent & (SPT_W | SPT_U)) == (SPT_W | SPT_U));
		t = ent & SPT_ADDR;
	}
	return 0;
}

static enum shadow_result fault(struct env *e, uint64_t va, uint32_t err, uint32_t *gerr)
{
	uint64_t pt_gpa = 0;
	uint32_t dummy;

	e->m.cpl = err & PF_U ? 3 : 0;
	return shadow_pt_fault(&e->s, &e->m, va, err, gerr ? gerr : &dummy, &pt_gpa);
}

static void test_hidden_and_ad(void)
{
	struct env *e = env_new(32, 4);
	uint64_t leaf;

	CHECK_EQ(fault(e, 0x5000, PF_U, NULL), SHADOW_FILLED);       /* user read */
	leaf = shadow_leaf(e, 0x5000);
	CHECK_EQ(leaf & SPT_ADDR, 0xa000 + HPA_OFF);
	CHECK(leaf & SPT_U);
	CHECK(!(leaf & SPT_W));                                      /* D clear: read-only */
	CHECK(pte(0x4000, 5) & SPT_A);
	CHECK(!(pte(0x4000, 5) & SPT_D));
	CHECK(pte(0x1000, 0) & SPT_A);                               /* every level */
	CHECK_EQ(fault(e, 0x5008, PF_U | PF_W | PF_P, NULL), SHADOW_FILLED);
	CHECK(pte(0x4000, 5) & SPT_D);                               /* first write: D */
	CHECK(shadow_leaf(e, 0x5000) & SPT_W);
	CHECK_EQ(e->s.stats.hidden, 2);
	/* supervisor-only page, PCD kept; NX page */
	CHECK_EQ(fault(e, 0x9000, 0, NULL), SHADOW_FILLED);
	CHECK(!(shadow_leaf(e, 0x9000) & SPT_U));
	CHECK(shadow_leaf(e, 0x9000) & SPT_PCD);
	CHECK_EQ(fault(e, 0xa000, 0, NULL), SHADOW_FILLED);
	CHECK(shadow_leaf(e, 0xa000) & SPT_NX);
	/* a page the EPT makes read-only: read-only, D or not; a write is the EPT's to serve */
	ro_gpa = 0xa000;
	set_pte(0x4000, 11, 0xa000 | TBL | SPT_D);
	CHECK_EQ(fault(e, 0xb000, 0, NULL), SHADOW_FILLED);
	CHECK(!(shadow_leaf(e, 0xb000) & SPT_W));
	CHECK_EQ(fault(e, 0xb000, PF_W | PF_P, NULL), SHADOW_DEVICE);
	CHECK_EQ(e->s.stats.device, 1);
	ro_gpa = ~0ull;
	env_free(e);
}

static void test_true_faults(void)
{
	struct env *e = env_new(32, 4);
	uint32_t err = 0;

	CHECK_EQ(fault(e, 0x6000, 0, &err), SHADOW_TRUE_FAULT);      /* not present */
	CHECK_EQ(err, 0);
	CHECK_EQ(fault(e, 0x6000, PF_W | PF_U, &err), SHADOW_TRUE_FAULT);
	CHECK_EQ(err, PF_W | PF_U);
	CHECK_EQ(fault(e, 0x8000, PF_U | PF_W, &err), SHADOW_TRUE_FAULT); /* read-only */
	CHECK_EQ(err, PF_P | PF_W | PF_U);
	CHECK_EQ(fault(e, 0x9000, PF_U, &err), SHADOW_TRUE_FAULT);   /* supervisor page */
	CHECK_EQ(err, PF_P | PF_U);
	CHECK_EQ(fault(e, 0xa000, PF_I, &err), SHADOW_TRUE_FAULT);   /* NX */
	CHECK_EQ(err, PF_P | PF_I);
	set_pte(0x4000, 12, 0xe000 | SPT_P | (1ull << 51));            /* reserved bit */
	CHECK_EQ(fault(e, 0xc000, 0, &err), SHADOW_TRUE_FAULT);
	CHECK_EQ(err, PF_P | PF_RSVD);
	CHECK_EQ(e->s.stats.true_faults, 6);
	CHECK_EQ(shadow_leaf(e, 0x6000), 0);
	CHECK(!(pte(0x4000, 8) & SPT_A));                            /* no A on a fault */
	env_free(e);
}

static void test_large_page(void)
{
	struct env *e = env_new(32, 4);

	CHECK_EQ(fault(e, 0x203000, PF_W, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0x203000) & SPT_ADDR, 0x203000 + HPA_OFF);
	CHECK(shadow_leaf(e, 0x203000) & SPT_W);
	CHECK(pte(0x3000, 1) & SPT_D);
	/* the guest remaps the 2 MiB page: its PD is a table, so the write is trapped */
	set_pte(0x3000, 1, 0x000000 | TBL | SPT_PS);
	shadow_pt_table_write(&e->s, 0x3000 + 8, 8);
	CHECK_EQ(shadow_leaf(e, 0x203000), 0);
	CHECK(e->s.flush);
	CHECK_EQ(fault(e, 0x203000, 0, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0x203000) & SPT_ADDR, 0x003000 + HPA_OFF);
	env_free(e);
}

static void test_table_writes(void)
{
	struct env *e = env_new(32, 4);
	uint64_t pt_gpa = 0;
	uint32_t err;

	CHECK(shadow_pt_is_table(&e->s, 0x1000));                    /* the root's */
	CHECK(!shadow_pt_is_table(&e->s, 0x4000));
	CHECK_EQ(fault(e, 0x5000, PF_W, NULL), SHADOW_FILLED);
	CHECK(shadow_pt_is_table(&e->s, 0x4000));
	/* the PT mapped at 0x7000, even with D set, is read-only in the shadow */
	set_pte(0x4000, 7, pte(0x4000, 7) | SPT_D | SPT_A);
	CHECK_EQ(fault(e, 0x7000, 0, NULL), SHADOW_FILLED);
	CHECK(!(shadow_leaf(e, 0x7000) & SPT_W));
	e->m.cpl = 0;
	CHECK_EQ(shadow_pt_fault(&e->s, &e->m, 0x7000 + 5 * 8, PF_W | PF_P, &err, &pt_gpa),
		 SHADOW_PT_WRITE);
	CHECK_EQ(pt_gpa, 0x4000 + 5 * 8);
	/* the caller emulates the write, then reports it */
	set_pte(0x4000, 5, 0xf000 | TBL);
	e->s.flush = false;
	shadow_pt_table_write(&e->s, pt_gpa, 8);
	CHECK_EQ(shadow_leaf(e, 0x5000), 0);
	CHECK(e->s.flush);
	CHECK(shadow_leaf(e, 0x7000) != 0);                          /* its neighbour stays */
	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0x5000) & SPT_ADDR, 0xf000 + HPA_OFF);
	/* a PML4 write drops the whole subtree below that entry */
	shadow_pt_table_write(&e->s, 0x1000, 8);
	CHECK_EQ(shadow_leaf(e, 0x5000), 0);
	CHECK(!shadow_pt_is_table(&e->s, 0x4000));                   /* mirrors freed */
	CHECK_EQ(e->s.stats.pages_used, 1);                          /* the root alone */
	CHECK_EQ(e->s.stats.pt_writes, 1);
	CHECK(tracked[1] && !tracked[2] && !tracked[3] && !tracked[4]);
	shadow_pt_forget(&e->s, 0x1000);                              /* the root goes too */
	CHECK(!tracked[1]);
	CHECK_EQ(e->s.stats.pages_used, 0);
	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_UNSUPPORTED);      /* none active */
	env_free(e);
}

/* A page mapped writable, then made a table: its writable mapping is taken back. */
static void test_becomes_table(void)
{
	struct env *e = env_new(32, 4);

	set_pte(0x4000, 13, 0x10000 | TBL | SPT_D);
	CHECK_EQ(fault(e, 0xd000, PF_W, NULL), SHADOW_FILLED);
	CHECK(shadow_leaf(e, 0xd000) & SPT_W);
	set_pte(0x3000, 2, 0x10000 | TBL);                           /* PD[2] -> PT 0x10000 */
	set_pte(0x10000, 0, 0x11000 | TBL);
	shadow_pt_table_write(&e->s, 0x3000 + 16, 8);                /* the emulated write */
	e->s.flush = false;
	CHECK_EQ(fault(e, 0x400000, 0, NULL), SHADOW_FILLED);        /* walks PT 0x10000 */
	CHECK(shadow_pt_is_table(&e->s, 0x10000));
	CHECK(!(shadow_leaf(e, 0xd000) & SPT_W));
	CHECK(e->s.flush);
	CHECK_EQ(e->s.stats.write_protects, 1);
	env_free(e);
}

static void test_invlpg(void)
{
	struct env *e = env_new(32, 4);

	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);
	CHECK_EQ(fault(e, 0x9000, 0, NULL), SHADOW_FILLED);
	shadow_pt_invlpg(&e->s, 0x5000);
	CHECK_EQ(shadow_leaf(e, 0x5000), 0);
	CHECK(shadow_leaf(e, 0x9000) != 0);
	shadow_pt_invlpg(&e->s, 0x7654321000ull);                    /* nothing there: fine */
	env_free(e);
}

/* A fill brings its accessed neighbours (the aligned group of 8) with their own rights. */
static void test_prefetch(void)
{
	struct env *e = env_new(32, 4);

	set_pte(0x4000, 1, 0x11000 | TBL | SPT_A | SPT_D);            /* writable, dirty */
	set_pte(0x4000, 2, 0x12000 | TBL | SPT_A);                     /* clean: read-only */
	set_pte(0x4000, 3, 0x13000 | TBL);                             /* not accessed */
	set_pte(0x4000, 4, 0x14000 | SPT_P | SPT_A | SPT_NX);          /* supervisor, NX */
	set_pte(0x4000, 7, pte(0x4000, 7) | SPT_A | SPT_D);            /* the PT itself */
	set_pte(0x4000, 8, 0x18000 | TBL | SPT_A);                     /* the next group */
	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0x1000), 0x11000 + HPA_OFF + (SPT_P | SPT_W | SPT_U | SPT_A | SPT_D));
	CHECK_EQ(shadow_leaf(e, 0x2000) & (SPT_W | SPT_U), SPT_U);
	CHECK_EQ(shadow_leaf(e, 0x3000), 0);
	CHECK(!(pte(0x4000, 3) & SPT_A));                              /* no A bit owed */
	CHECK_EQ(shadow_leaf(e, 0x4000) & (SPT_U | SPT_NX), SPT_NX);
	CHECK_EQ(shadow_leaf(e, 0x7000) & (SPT_W | SPT_P), SPT_P);     /* a table: read-only */
	CHECK_EQ(shadow_leaf(e, 0x8000), 0);
	CHECK_EQ(e->s.stats.prefetched, 4);
	CHECK_EQ(e->s.stats.hidden, 1);
	/* a prefetched writable entry is in the rmap: the page becoming a table takes it back */
	set_pte(0x11000, 0, 0x19000 | TBL);
	set_pte(0x3000, 2, 0x11000 | TBL);
	shadow_pt_table_write(&e->s, 0x3000 + 16, 8);
	CHECK_EQ(fault(e, 0x400000, 0, NULL), SHADOW_FILLED);         /* walks PT 0x11000 */
	CHECK_EQ(shadow_leaf(e, 0x1000) & (SPT_W | SPT_P), SPT_P);
	CHECK_EQ(e->s.stats.write_protects, 1);
	/* a large page: the 4 KiB pieces of the group, in place */
	CHECK_EQ(fault(e, 0x203000, 0, NULL), SHADOW_FILLED);
	for (uint64_t va = 0x200000; va < 0x208000; va += PAGE)
		CHECK_EQ(shadow_leaf(e, va) & SPT_ADDR, va + HPA_OFF);
	CHECK_EQ(shadow_leaf(e, 0x208000), 0);
	env_free(e);
}

/* A table written 8 times with no fault through it between is dropped whole (not the root). */
static void test_write_flooding(void)
{
	struct env *e = env_new(32, 4);

	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);          /* shadows PT 0x4000 */
	for (unsigned i = 0; i < 7; i++)
		shadow_pt_table_write(&e->s, 0x4000 + 8 * (20 + i), 8);
	CHECK_EQ(fault(e, 0x9000, 0, NULL), SHADOW_FILLED);          /* walked: counting restarts */
	for (unsigned i = 0; i < 7; i++)
		shadow_pt_table_write(&e->s, 0x4000 + 8 * (30 + i), 8);
	CHECK(shadow_pt_is_table(&e->s, 0x4000));
	CHECK(shadow_leaf(e, 0x5000) != 0);
	shadow_pt_table_write(&e->s, 0x4000 + 8 * 40, 8);            /* the eighth: dropped */
	CHECK(!shadow_pt_is_table(&e->s, 0x4000));
	CHECK(!tracked[4]);
	CHECK_EQ(shadow_leaf(e, 0x5000), 0);
	CHECK_EQ(e->s.stats.unlinked, 1);
	CHECK(shadow_pt_is_table(&e->s, 0x3000));                    /* the PD above stays */
	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);          /* back when used */
	CHECK(shadow_pt_is_table(&e->s, 0x4000));
	for (int i = 0; i < 20; i++)
		shadow_pt_table_write(&e->s, 0x1000 + 8 * 100, 8);
	CHECK(shadow_pt_is_table(&e->s, 0x1000));                    /* the root never goes */
	CHECK_EQ(e->s.stats.unlinked, 1);
	env_free(e);
}

/* Address spaces: PML4s at 0x20000 + n * 0x1000 sharing the PDPT. */
static uint64_t space(unsigned n)
{
	uint64_t cr3 = 0x20000 + n * PAGE;

	set_pte(cr3, 0, 0x2000 | TBL);
	return cr3;
}

static void test_cache(void)
{
	struct env *e = env_new(32, 2);
	uint64_t r0 = e->root, r;

	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);
	e->m.cr3 = space(1);
	CHECK_EQ(shadow_pt_activate(&e->s, e->m.cr3, &r), SHADOW_FILLED);
	CHECK(r != r0);
	e->root = r;
	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);
	e->m.cr3 = 0x1000;                                           /* back: a hit */
	CHECK_EQ(shadow_pt_activate(&e->s, 0x1000 | SPT_PWT, &r), SHADOW_FILLED);
	CHECK_EQ(r, r0);
	e->root = r;
	CHECK(shadow_leaf(e, 0x5000) != 0);                          /* kept, not rebuilt */
	CHECK_EQ(e->s.cache.hits, 1);
	CHECK_EQ(e->s.cache.misses, 2);
	e->m.cr3 = space(2);                                          /* evicts space 1 (LRU) */
	CHECK_EQ(shadow_pt_activate(&e->s, e->m.cr3, &r), SHADOW_FILLED);
	CHECK_EQ(e->s.cache.evictions, 1);
	CHECK(!shadow_pt_is_table(&e->s, space(1)));
	CHECK(shadow_pt_is_table(&e->s, 0x1000));
	for (unsigned i = 0; i < 20; i++) {                           /* a switch loop: hits */
		CHECK_EQ(shadow_pt_activate(&e->s, i % 2 ? 0x1000 : space(2), &r), SHADOW_FILLED);
	}
	CHECK(shadow_cache_hit_rate(&e->s.cache) >= 80);
	shadow_pt_drop_all(&e->s);                                    /* all gone ... */
	CHECK_EQ(e->s.stats.pages_used, 0);
	CHECK(!shadow_pt_is_table(&e->s, 0x1000));
	CHECK_EQ(shadow_pt_activate(&e->s, 0x1000, &r), SHADOW_FILLED);  /* ... and back */
	CHECK(shadow_pt_is_table(&e->s, 0x1000));
	env_free(e);
}

static void test_pressure(void)
{
	struct env *e = env_new(6, 4);                                /* root + 5 pages */
	uint64_t r;

	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);           /* 4 pages */
	e->m.cr3 = space(1);
	CHECK_EQ(shadow_pt_activate(&e->s, e->m.cr3, &r), SHADOW_FILLED); /* 5 */
	e->root = r;
	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);           /* reclaims space 0 */
	CHECK_EQ(e->s.cache.reclaims, 1);
	CHECK(shadow_leaf(e, 0x5000) != 0);
	/* one space alone larger than the pool: reset and go on */
	set_pte(e->m.cr3, 1, 0x2000 | TBL);                            /* another 512 GiB */
	CHECK_EQ(fault(e, (1ull << 39) + 0x5000, 0, NULL), SHADOW_FILLED);
	CHECK(e->s.stats.resets >= 1);
	CHECK(shadow_leaf(e, (1ull << 39) + 0x5000) != 0);
	CHECK(e->s.stats.pages_used <= 6);
	env_free(e);
}

static void test_unsupported(void)
{
	struct env *e = env_new(8, 1);
	uint32_t err;
	uint64_t pg;

	e->m.efer = 0;
	CHECK_EQ(shadow_pt_fault(&e->s, &e->m, 0x5000, 0, &err, &pg), SHADOW_UNSUPPORTED);
	e->m.efer = EFER_LMA;
	set_pte(0x4000, 14, (RAM_PAGES * PAGE + PAGE) | TBL);          /* beyond RAM: a device */
	CHECK_EQ(shadow_pt_fault(&e->s, &e->m, 0xe000, 0, &err, &pg), SHADOW_DEVICE);
	CHECK_EQ(pg, RAM_PAGES * PAGE + PAGE);
	set_pte(0x3000, 3, (RAM_PAGES * PAGE) | TBL);                  /* a table beyond RAM */
	CHECK_EQ(shadow_pt_fault(&e->s, &e->m, 0x600000, 0, &err, &pg), SHADOW_ERROR);
	CHECK_STR(shadow_result_str(SHADOW_PT_WRITE), "guest page-table write");
	env_free(e);
}

/* Another CPU's write through its stale writable translation, before it flushed. */
static void remote_write(void)
{
	set_pte(0xa000, 0, 0xd000 | TBL);
}

static void test_two_vcpus(void)
{
	struct env *e = env_new(8, 2);
	int cpu0, cpu1;
	uint64_t r, r0 = e->root;

	CHECK_EQ(fault(e, 0x5000, PF_W, NULL), SHADOW_FILLED);        /* 0xa000 writable */
	CHECK(shadow_leaf(e, 0x5000) & SPT_W);
	cpu0 = e->s.current;
	e->s.current = SHADOW_NO_SLOT;                                 /* vCPU 1 */
	CHECK_EQ(shadow_pt_activate(&e->s, space(1), &r), SHADOW_FILLED);
	cpu1 = e->s.current;
	CHECK(cpu1 != cpu0 && e->s.users[cpu0] == 1 && e->s.users[cpu1] == 1);
	CHECK_EQ(shadow_pt_activate(&e->s, space(2), &r), SHADOW_FILLED); /* evicts space 1 */
	CHECK_EQ(e->s.cache.evictions, 1);
	CHECK(shadow_pt_is_table(&e->s, 0x1000));                      /* vCPU 0's is pinned */
	shadow_pt_forget(&e->s, 0x1000);                               /* and stays */
	CHECK(shadow_pt_is_table(&e->s, 0x1000));
	cpu1 = e->s.current;
	/* vCPU 0: 0xa000 becomes a table while vCPU 1 "writes" it before its flush */
	e->s.current = cpu0;
	e->m.cr3 = 0x1000;
	set_pte(0x3000, 2, 0xa000 | TBL);
	set_pte(0xa000, 0, 0xc000 | TBL);
	syncs = 0;
	on_sync = remote_write;
	CHECK_EQ(fault(e, 0x400000, 0, NULL), SHADOW_FILLED);
	CHECK(syncs >= 1);
	CHECK(!(shadow_leaf(e, 0x5000) & SPT_W));                      /* write-protected */
	CHECK_EQ(e->s.stats.retries, 1);
	CHECK_EQ(shadow_leaf(e, 0x400000), 0);                         /* not the stale 0xc000 */
	CHECK_EQ(fault(e, 0x400000, 0, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0x400000) & SPT_ADDR, 0xd000 + HPA_OFF);
	CHECK_EQ(e->s.stats.retries, 1);
	/* out of pages: vCPU 1's root is emptied, not reclaimed; freed pages wait for a sync */
	syncs = 0;
	for (unsigned i = 0; i < 4; i++) {
		set_pte(0x1000, 1 + i, 0x2000 | TBL);
		CHECK_EQ(fault(e, ((1ull + i) << 39) + 0x5000, 0, NULL), SHADOW_FILLED);
	}
	CHECK(syncs >= 1);
	CHECK(e->s.cache.slot[cpu1].valid);
	CHECK_EQ(e->root, r0);
	shadow_pt_leave(&e->s);                                        /* vCPU 0 goes nested */
	e->s.current = cpu1;
	env_free(e);
}

/* ---- guests paging outside long mode: PAE-format shadows ---- */

/* A 4-byte entry: the low half of the 8 bytes from there. */
static uint32_t pte32(uint64_t table, unsigned i)
{
	return (uint32_t)pte(table + 4ull * i, 0);
}

static void set_pte32(uint64_t table, unsigned i, uint32_t v)
{
	memcpy(ram + table + 4 * i, &v, 4);
}

/* The env's guest rebuilt by 'build' and run in format f with mode m (CR3 root). */
static struct env *env_format(enum shadow_format f, void (*build)(void), struct walk_mode m)
{
	struct env *e = env_new(32, 4);

	CHECK(shadow_pt_set_format(&e->s, f)); /* the 4-level shadow goes */
	CHECK_EQ(e->s.stats.pages_used, 0);
	build();
	e->m = m;
	CHECK_EQ(shadow_pt_activate(&e->s, m.cr3, &e->root), SHADOW_FILLED);
	CHECK(e->root < (1ull << 32) || e->root >= SPT_BASE);
	return e;
}

/*
 * 32-bit guest: PD 0x1000 (1,024 entries of 4 bytes): PDE 0 -> PT 0x2000,
 * PDE 2 a 4 MiB page at 0, PDE 256 (1 GiB, the second shadow quadrant) ->
 * PT 0x3000.
 */
static void build32(void)
{
	memset(ram, 0, RAM_PAGES * PAGE);
	set_pte32(0x1000, 0, 0x2000 | TBL);
	set_pte32(0x1000, 2, 0x000000 | TBL | SPT_PS);
	set_pte32(0x1000, 256, 0x3000 | TBL);
	set_pte32(0x2000, 5, 0xa000 | TBL);
	set_pte32(0x2000, 6, 0xb000 | SPT_P | SPT_U);            /* read-only */
	set_pte32(0x2000, 600, 0xc000 | TBL);                    /* the table's second half */
	set_pte32(0x3000, 1, 0xd000 | TBL);
}

static void test_32bit(void)
{
	struct env *e = env_format(SHADOW_FMT_32BIT, build32,
				   (struct walk_mode){ .cr0 = CR0_PG | CR0_WP | CR0_PE,
						       .cr3 = 0x1000, .cr4 = CR4_PSE });
	uint32_t err = 0;
	uint64_t va;
	unsigned level;

	CHECK(!shadow_pt_is_table(&e->s, 0x1000));          /* no mirror before a fault */
	CHECK_EQ(fault(e, 0x5000, PF_U, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0x5000) & SPT_ADDR, 0xa000 + HPA_OFF);
	CHECK(!(shadow_leaf(e, 0x5000) & SPT_W));            /* D clear */
	CHECK(pte32(0x2000, 5) & SPT_A);
	CHECK(pte32(0x1000, 0) & SPT_A);
	CHECK_EQ(fault(e, 0x258000, PF_W, NULL), SHADOW_FILLED); /* entry 600: the second half */
	CHECK(pte32(0x2000, 600) & SPT_D);
	CHECK(shadow_leaf(e, 0x258000) & SPT_W);
	/* root, one shadow directory, the guest table's two halves as two shadow tables */
	CHECK_EQ(e->s.stats.pages_used, 4);
	CHECK(shadow_pt_is_table(&e->s, 0x1000) && shadow_pt_is_table(&e->s, 0x2000));
	CHECK(shadow_pt_entry_va(&e->s, 0x2000 + 600 * 4, &va, &level));
	CHECK(va == 0x258000 && level == 1);
	CHECK(shadow_pt_entry_va(&e->s, 0x1000 + 1 * 4, &va, &level));
	CHECK(va == 0x400000 && level == 2);
	/* a 4-byte write to entry 600 drops that leaf alone */
	shadow_pt_table_write(&e->s, 0x2000 + 600 * 4, 4);
	CHECK_EQ(shadow_leaf(e, 0x258000), 0);
	CHECK(shadow_leaf(e, 0x5000) != 0);
	/* PDE 0 is two shadow entries of 2 MiB: a write drops both */
	CHECK_EQ(fault(e, 0x258000, 0, NULL), SHADOW_FILLED);
	shadow_pt_table_write(&e->s, 0x1000, 4);
	CHECK(shadow_leaf(e, 0x5000) == 0 && shadow_leaf(e, 0x258000) == 0);
	/* the 4 MiB page: 4 KiB shadow entries, in both of its 2 MiB halves */
	CHECK_EQ(fault(e, 0x803000, PF_W, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0x803000) & SPT_ADDR, 0x3000 + HPA_OFF);
	CHECK_EQ(fault(e, 0xa01000, 0, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0xa01000) & SPT_ADDR, 0x201000 + HPA_OFF);
	CHECK(pte32(0x1000, 2) & SPT_D);
	/* quadrant 1 (PDE 256): its own shadow directory */
	CHECK_EQ(fault(e, 0x40001000, 0, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0x40001000) & SPT_ADDR, 0xd000 + HPA_OFF);
	CHECK(shadow_pt_entry_va(&e->s, 0x1000 + 256 * 4, &va, &level));
	CHECK(va == 0x40000000 && level == 2);
	/* true faults: not present, read-only; no NX without PAE (bit 63 is no 4-byte bit) */
	CHECK_EQ(fault(e, 0x7000, 0, &err), SHADOW_TRUE_FAULT);
	CHECK_EQ(err, 0);
	CHECK_EQ(fault(e, 0x6000, PF_W, &err), SHADOW_TRUE_FAULT);
	CHECK_EQ(err, PF_P | PF_W);
	shadow_pt_invlpg(&e->s, 0x40001000);
	CHECK_EQ(shadow_leaf(e, 0x40001000), 0);
	/* without PSE, PDE 2's PS bit means nothing: PD entry 2 points at a table at 0 */
	e->m.cr4 = 0;
	CHECK_EQ(fault(e, 0x800000, 0, &err), SHADOW_TRUE_FAULT); /* PTE 0 of "table" 0 */
	/* a fault in another format is not this shadow's */
	e->m.cr4 = CR4_PAE;
	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_UNSUPPORTED);
	env_free(e);
}

/*
 * PAE guest: its PDPT at 0x1020 (32-byte aligned, in a page with another
 * at 0x1040), PDPTE 0 -> PD 0x2000 (PDE 0 -> PT 0x4000, PDE 1 a 2 MiB
 * page), PDPTE 1 -> PD 0x3000 (PDE 0 -> PT 0x4000 too).
 */
static void build_pae(void)
{
	memset(ram, 0, RAM_PAGES * PAGE);
	set_pte(0x1020, 0, 0x2000 | SPT_P);
	set_pte(0x1020, 1, 0x3000 | SPT_P);
	set_pte(0x1040, 0, 0x3000 | SPT_P);
	set_pte(0x2000, 0, 0x4000 | TBL);
	set_pte(0x2000, 1, 0x200000 | TBL | SPT_PS);
	set_pte(0x3000, 0, 0x4000 | TBL);
	set_pte(0x4000, 5, 0xa000 | TBL | SPT_NX);
	set_pte(0x4000, 6, 0xb000 | TBL);
}

static void pdptes_of(uint64_t pdpt, uint64_t out[4])
{
	for (unsigned i = 0; i < 4; i++)
		out[i] = pte(pdpt, i);
}

static void test_pae(void)
{
	struct env *e = env_format(SHADOW_FMT_PAE, build_pae,
				   (struct walk_mode){ .cr0 = CR0_PG | CR0_WP | CR0_PE,
						       .cr3 = 0x1020, .cr4 = CR4_PAE,
						       .efer = EFER_NXE, .maxphyaddr = 40 });
	uint64_t pdpte[4], r2;
	uint32_t err = 0;

	pdptes_of(0x1020, pdpte);
	shadow_pt_set_pdptes(&e->s, pdpte);
	CHECK_EQ(fault(e, 0x6000, PF_W, NULL), SHADOW_FILLED);
	CHECK(shadow_leaf(e, 0x6000) & SPT_W);
	CHECK_EQ(fault(e, 0x5000, PF_I, &err), SHADOW_TRUE_FAULT);   /* NX */
	CHECK_EQ(err, PF_P | PF_I);
	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);
	CHECK(shadow_leaf(e, 0x5000) & SPT_NX);
	CHECK_EQ(fault(e, 0x201000, 0, NULL), SHADOW_FILLED);         /* the 2 MiB page */
	CHECK_EQ(shadow_leaf(e, 0x201000) & SPT_ADDR, 0x201000 + HPA_OFF);
	CHECK(!(pte(0x1020, 0) & SPT_A));                             /* no A on a PDPTE */
	CHECK(!shadow_pt_is_table(&e->s, 0x1000));                    /* the PDPT is not mirrored */
	/* the PDPTEs are those of the CR3 load, not the memory (Vol. 3A 4.4.1) */
	set_pte(0x1020, 1, 0);
	CHECK_EQ(fault(e, 0x40006000, 0, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0x40006000) & SPT_ADDR, 0xb000 + HPA_OFF);
	pdptes_of(0x1020, pdpte);                                     /* CR3 loaded again */
	CHECK_EQ(shadow_pt_activate(&e->s, 0x1020, &r2), SHADOW_FILLED);
	CHECK_EQ(r2, e->root);                                        /* cached */
	shadow_pt_set_pdptes(&e->s, pdpte);
	CHECK_EQ(shadow_leaf(e, 0x40006000), 0);
	CHECK(shadow_leaf(e, 0x6000) != 0);                           /* PDPTE 0 unchanged */
	CHECK_EQ(fault(e, 0x40006000, 0, &err), SHADOW_TRUE_FAULT);
	CHECK_EQ(err, 0);
	/* a write to the high half of an 8-byte entry drops it */
	shadow_pt_table_write(&e->s, 0x4000 + 6 * 8 + 4, 4);
	CHECK_EQ(shadow_leaf(e, 0x6000), 0);
	CHECK(shadow_leaf(e, 0x5000) != 0);
	/* a reserved bit in a 2 MiB PDE (bit 13) */
	set_pte(0x2000, 2, 0x400000 | TBL | SPT_PS | (1ull << 13));
	CHECK_EQ(fault(e, 0x400000, 0, &err), SHADOW_TRUE_FAULT);
	CHECK_EQ(err, PF_P | PF_RSVD);
	/* another PDPT in the same page is another root */
	e->m.cr3 = 0x1040;
	CHECK_EQ(shadow_pt_activate(&e->s, 0x1040, &r2), SHADOW_FILLED);
	CHECK(r2 != e->root);
	pdptes_of(0x1040, pdpte);
	shadow_pt_set_pdptes(&e->s, pdpte);
	e->root = r2;
	CHECK_EQ(fault(e, 0x6000, 0, NULL), SHADOW_FILLED);
	CHECK_EQ(shadow_leaf(e, 0x6000) & SPT_ADDR, 0xb000 + HPA_OFF);
	env_free(e);
}

/* A change of format drops every shadow, unless another vCPU runs on one. */
static void test_format_change(void)
{
	struct env *e = env_new(16, 2);
	uint64_t r;
	int cpu0 = e->s.current;

	CHECK_EQ(fault(e, 0x5000, 0, NULL), SHADOW_FILLED);
	CHECK(shadow_pt_set_format(&e->s, SHADOW_FMT_LONG));         /* the same: kept */
	CHECK(shadow_leaf(e, 0x5000) != 0);
	e->s.current = SHADOW_NO_SLOT;                                  /* vCPU 1 */
	CHECK_EQ(shadow_pt_activate(&e->s, space(1), &r), SHADOW_FILLED);
	CHECK(!shadow_pt_set_format(&e->s, SHADOW_FMT_32BIT));         /* vCPU 0 runs on one */
	CHECK_EQ(e->s.fmt, SHADOW_FMT_LONG);
	shadow_pt_leave(&e->s);
	e->s.current = cpu0;
	CHECK(shadow_pt_set_format(&e->s, SHADOW_FMT_32BIT));
	CHECK_EQ(e->s.stats.pages_used, 0);
	CHECK_EQ(e->s.current, SHADOW_NO_SLOT);
	env_free(e);
}

/* The pure arithmetic of the formats. */
static void test_formats(void)
{
	struct walk_mode m = { .cr0 = CR0_PG, .cr4 = CR4_PSE };
	enum shadow_format f;

	CHECK(shadow_format_of(&m, &f) && f == SHADOW_FMT_32BIT);
	m.cr4 = CR4_PAE;
	CHECK(shadow_format_of(&m, &f) && f == SHADOW_FMT_PAE);
	m.efer = EFER_LMA;
	CHECK(shadow_format_of(&m, &f) && f == SHADOW_FMT_LONG);
	m.cr0 = 0;
	CHECK(!shadow_format_of(&m, &f));
	CHECK_EQ(shadow_format_root_key(SHADOW_FMT_PAE, 0x12345fe0), 0x12345fe0);
	CHECK_EQ(shadow_format_root_key(SHADOW_FMT_32BIT, 0x12345fe0), 0x12345000);
	CHECK_EQ(shadow_format_guest_index(SHADOW_FMT_32BIT, 2, 0xffc00000), 1023);
	CHECK_EQ(shadow_format_guest_index(SHADOW_FMT_32BIT, 1, 0x003ff000), 1023);
	CHECK_EQ(shadow_format_guest_index(SHADOW_FMT_PAE, 2, 0xffe00000), 511);
	CHECK_EQ(shadow_format_first(SHADOW_FMT_32BIT, 2, 0xc0000000), 768);
	CHECK_EQ(shadow_format_first(SHADOW_FMT_32BIT, 1, 0x00200000), 512);
	CHECK_EQ(shadow_format_first(SHADOW_FMT_PAE, 1, 0x00200000), 0);
	CHECK_EQ(shadow_format_per(SHADOW_FMT_32BIT, 2), 2);
	CHECK_EQ(shadow_format_per(SHADOW_FMT_32BIT, 1), 1);
	m = (struct walk_mode){ .cr0 = CR0_PG };
	CHECK(!shadow_format_leaf(SHADOW_FMT_32BIT, &m, 2, SPT_PS));   /* PSE off */
	m.cr4 = CR4_PSE;
	CHECK(shadow_format_leaf(SHADOW_FMT_32BIT, &m, 2, SPT_PS));
	CHECK(!shadow_format_leaf(SHADOW_FMT_LONG, &m, 4, SPT_PS));
	CHECK_STR(shadow_format_name(SHADOW_FMT_PAE), "pae");
}

int main(void)
{
	ram = aligned_alloc(PAGE, RAM_PAGES * PAGE);
	spt = aligned_alloc(PAGE, 64 * PAGE);
	test_hidden_and_ad();
	test_true_faults();
	test_large_page();
	test_table_writes();
	test_becomes_table();
	test_invlpg();
	test_prefetch();
	test_write_flooding();
	test_cache();
	test_pressure();
	test_unsupported();
	test_two_vcpus();
	test_32bit();
	test_pae();
	test_format_change();
	test_formats();
	free(ram);
	free(spt);
	return check_report("shadow_pt");
}
