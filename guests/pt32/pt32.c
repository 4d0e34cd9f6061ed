/*
 * pt32.c - a test guest for paging outside long mode: it leaves long mode
 * (legacy.S) three times, for 32-bit paging with 4 KiB pages only, 32-bit
 * paging with PSE (4 MiB pages), and PAE paging (2 MiB pages, NX with
 * EFER.NXE, four PDPTEs), and in each runs a script that maps, remaps and
 * unmaps pages by writing its tables (MOV, XCHG; CMPXCHG8B under PAE) with
 * INVLPG, switches CR3 between two address spaces, reads the accessed and
 * dirty bits back, toggles EFER.NXE by WRMSR, and takes true #PFs whose
 * CR2 and error code it checks (not present, write to a read-only page,
 * reserved bit, NX fetch). Every
 * result is checked here in 64-bit code against what the SDM says
 * (Vol. 3A 4.3, 4.4, 4.7, 4.8), so the same guest is the reference under
 * paging=nested and the test of paging=shadow.
 */
#include <stddef.h>

#include "guest.h"
#include "lib/string.h"
#include "pt32.h"

#define PAGE 4096u
#define P 0x1u
#define RW 0x2u
#define A 0x20u
#define D 0x40u
#define PS 0x80u
#define XD_HI 0x80000000u /* bit 63 of a PAE entry, in its high dword */
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define EFER_NXE (1u << 11)
#define CR4_VMXE (1u << 13)
#define PF_P 1u
#define PF_W 2u
#define PF_RSVD 8u
#define PF_I 16u
#define MIB (1u << 20)
#define IDENT (32 * MIB)    /* identity-mapped: the image, its tables and stack */
#define WIN 0x40000000u     /* the window: a page table's worth of 4 KiB pages */
#define BIG 0x80000000u     /* a large page */
#define HOLE 0x50000000u    /* nothing mapped */
#define FRAMES 16
#define STAMP 0x5a000000u
#define MAX_OPS 160

enum check_id { C_MAP, C_AD, C_REMAP, C_UNMAP, C_RO, C_CR3, C_XCHG, C_LARGE, C_NX, C_RSVD,
		C_PDPTE, C_PSE, C_NXE, C_VMX, C_CHECKS };

static const char *const check_names[C_CHECKS] = {
	"map", "ad", "remap", "unmap", "readonly", "cr3", "xchg", "large", "nx", "rsvd", "pdpte",
	"pse", "nxe", "vmx",
};

extern char __bss_end[];

static uint8_t frames[FRAMES][PAGE] __attribute__((aligned(PAGE)));
static uint8_t big[4 * MIB] __attribute__((aligned(4 * MIB)));

/* 32-bit paging: two page directories, identity page tables, a window table each. */
static uint32_t pd32[2][1024] __attribute__((aligned(PAGE)));
static uint32_t ident32[IDENT / (4 * MIB)][1024] __attribute__((aligned(PAGE)));
static uint32_t win32[2][1024] __attribute__((aligned(PAGE)));

/* PAE paging: a PDPT each (one page holds both), shared and private directories. */
static uint64_t pdpt[2][4] __attribute__((aligned(PAGE)));
static uint64_t pd_ident[512] __attribute__((aligned(PAGE)));
static uint64_t pd_win[2][512] __attribute__((aligned(PAGE)));
static uint64_t pd_big[512] __attribute__((aligned(PAGE)));
static uint64_t win64[2][512] __attribute__((aligned(PAGE)));

/* The script and what each op must give. */
struct expect {
	uint8_t check;
	uint8_t fault;
	uint32_t mask, value; /* no fault: (value & mask) == value */
	uint32_t err, cr2;    /* fault */
};

static struct op ops[MAX_OPS];
static struct rec recs[MAX_OPS];
static struct expect want[MAX_OPS];
static unsigned nops;

static uint32_t pa(const volatile void *p)
{
	return (uint32_t)(uintptr_t)p; /* identity-mapped in every space here */
}

static uint32_t stamp(unsigned f)
{
	return STAMP | f;
}

static void emit(enum check_id c, uint32_t code, uint32_t a, uint32_t b, uint32_t cc,
		 struct expect e)
{
	if (nops >= MAX_OPS - 1) {
		guest_printf("pt32: script too long\n");
		guest_finish(false, "script-too-long");
	}
	e.check = (uint8_t)c;
	ops[nops] = (struct op){ code, a, b, cc };
	want[nops++] = e;
}

static void load(enum check_id c, uint32_t va, uint32_t mask, uint32_t value)
{
	emit(c, OP_LOAD, va, 0, 0, (struct expect){ .mask = mask, .value = value });
}

static void store(enum check_id c, uint32_t va, uint32_t v)
{
	emit(c, OP_STORE, va, v, 0, (struct expect){ 0 });
}

static void invlpg(enum check_id c, uint32_t va)
{
	emit(c, OP_INVLPG, va, 0, 0, (struct expect){ 0 });
}

static void load_cr3(enum check_id c, uint32_t cr3)
{
	emit(c, OP_CR3, cr3, 0, 0, (struct expect){ 0 });
}

/* An op that must take #PF at cr2 with error code err. */
static void faults(enum check_id c, uint32_t code, uint32_t va, uint32_t err)
{
	emit(c, code, va, 1, 0, (struct expect){ .fault = 1, .err = err, .cr2 = va });
}

/* The (identity-mapped) entry at 'entry' gets v in its low dword, and va is flushed. */
static void set_entry(enum check_id c, uint32_t entry, uint32_t v, uint32_t va)
{
	store(c, entry, v);
	invlpg(c, va);
}

/* A PAE entry gets hi:lo by LOCK CMPXCHG8B (must succeed), and va is flushed. */
static void set_entry64(enum check_id c, volatile void *entry, uint32_t lo, uint32_t hi,
			uint32_t va)
{
	emit(c, OP_CX8, pa(entry), lo, hi, (struct expect){ .mask = ~0u, .value = 1 });
	invlpg(c, va);
}

static void init_frames(void)
{
	for (unsigned f = 0; f < FRAMES; f++)
		*(volatile uint32_t *)frames[f] = stamp(f);
	for (unsigned k = 0; k < 4; k++)
		*(volatile uint32_t *)&big[k * MIB] = stamp(0x100 + k);
}

/* 32-bit IDT: #PF to legacy_pf, every other exception to its stub. */
static void init_idt(void)
{
	for (unsigned v = 0; v < 32; v++) {
		uint32_t off = v == 14 ? pa((void *)legacy_pf) : pa(legacy_exc_stubs + 16 * v);

		legacy_idt[v] = (off & 0xffff) | (uint64_t)0x18 << 16 | (uint64_t)0x8e00 << 32 |
				(uint64_t)(off >> 16) << 48;
	}
}

/* Where a mode's window is: its entries in space A, the directory entry, both spaces. */
struct layout {
	uint32_t pt, esize;  /* space A's window table, its entry size */
	uint32_t pde;        /* the directory entry that maps it */
	uint32_t cr3[2];     /* spaces A and B */
	uint32_t b_page;     /* a window page of space B ... */
	unsigned b_frame;    /* ... and the frame it maps */
};

static uint32_t entry(const struct layout *l, unsigned i)
{
	return l->pt + i * l->esize;
}

/* What every mode checks, on window pages 0-3 of space A (mapped to frames 0-3). */
static void script_common(const struct layout *l)
{
	/* A on what was read, D only on what was written; A on the directory entry. */
	load(C_AD, entry(l, 2), A | D, A);
	store(C_AD, WIN + PAGE + 8, 0x1234);
	load(C_AD, entry(l, 1), A | D, A | D);
	load(C_AD, l->pde, A, A);
	load(C_AD, WIN + PAGE + 8, ~0u, 0x1234);
	set_entry(C_REMAP, entry(l, 0), pa(frames[12]) | P | RW, WIN);
	load(C_REMAP, WIN, ~0u, stamp(12));
	set_entry(C_UNMAP, entry(l, 3), 0, WIN + 3 * PAGE);
	faults(C_UNMAP, OP_LOAD, WIN + 3 * PAGE, 0);
	faults(C_UNMAP, OP_STORE, WIN + 3 * PAGE + 4, PF_W);
	set_entry(C_UNMAP, entry(l, 3), pa(frames[3]) | P | RW, WIN + 3 * PAGE);
	load(C_UNMAP, WIN + 3 * PAGE, ~0u, stamp(3));
	set_entry(C_RO, entry(l, 2), pa(frames[2]) | P, WIN + 2 * PAGE);
	load(C_RO, WIN + 2 * PAGE, ~0u, stamp(2));
	faults(C_RO, OP_STORE, WIN + 2 * PAGE + 16, PF_P | PF_W);
	load(C_RO, WIN + 2 * PAGE + 16, ~0u, 0);
	for (unsigned round = 0; round < 2; round++) {
		load_cr3(C_CR3, l->cr3[1]);
		load(C_CR3, WIN, ~0u, stamp(8));
		load(C_CR3, l->b_page, ~0u, stamp(l->b_frame));
		load_cr3(C_CR3, l->cr3[0]);
		load(C_CR3, WIN, ~0u, stamp(12));
	}
	emit(C_XCHG, OP_XCHG, entry(l, 1), pa(frames[14]) | P | RW, 0,
	     (struct expect){ .mask = ~0u, .value = pa(frames[1]) | P | RW | A | D });
	invlpg(C_XCHG, WIN + PAGE);
	load(C_XCHG, WIN + PAGE, ~0u, stamp(14));
}

/* ---- 32-bit paging ---- */

static void build32(bool pse)
{
	for (unsigned s = 0; s < 2; s++) {
		for (unsigned i = 0; i < 1024; i++)
			pd32[s][i] = win32[s][i] = 0;
		for (unsigned i = 0; i < IDENT / (4 * MIB); i++)
			pd32[s][i] = pse ? (i * 4 * MIB) | P | RW | PS : pa(ident32[i]) | P | RW;
		pd32[s][WIN >> 22] = pa(win32[s]) | P | RW;
		/* Both halves of the table: a 32-bit table is two PAE-sized ones. */
		for (unsigned k = 0; k < 4; k++) {
			win32[s][k] = pa(frames[s * 8 + k]) | P | RW;
			win32[s][512 + k] = pa(frames[s * 8 + 4 + k]) | P | RW;
		}
	}
	for (unsigned i = 0; i < IDENT / (4 * MIB); i++)
		for (unsigned j = 0; j < 1024; j++)
			ident32[i][j] = ((i * 1024 + j) * PAGE) | P | RW;
	pd32[0][BIG >> 22] = pa(big) | P | RW | PS; /* a table without PSE (script32) */
}

static void script32(bool pse)
{
	const uint32_t hi = WIN + 2 * MIB; /* the table's second half */
	const struct layout l = { pa(win32[0]), 4, pa(&pd32[0][WIN >> 22]),
				  { pa(pd32[0]), pa(pd32[1]) }, hi + 3 * PAGE, 15 };

	for (unsigned k = 0; k < 4; k++) {
		load(C_MAP, WIN + k * PAGE, ~0u, stamp(k));
		load(C_MAP, hi + k * PAGE, ~0u, stamp(4 + k));
	}
	faults(C_MAP, OP_LOAD, HOLE, 0);
	script_common(&l);
	set_entry(C_REMAP, pa(&win32[0][513]), pa(frames[13]) | P | RW, hi + PAGE);
	load(C_REMAP, hi + PAGE, ~0u, stamp(13));
	if (!pse) {
		/*
		 * BIG's PDE has PS set, which means nothing without CR4.PSE: it points
		 * at a page table (big's first page), whose entry 0 (a stamp, bit 0
		 * clear) is not present. CR4.PSE on with paging on makes it a 4 MiB
		 * page; off again, a table (MOV to CR4 changing PSE flushes the TLB,
		 * Vol. 3A 4.10.4.1; the identity map here needs no PSE).
		 */
		faults(C_PSE, OP_LOAD, BIG, 0);
		emit(C_PSE, OP_CR4, CR4_PSE, 0, 0, (struct expect){ 0 });
		load(C_PSE, BIG + 4, ~0u, 0);
		load(C_PSE, BIG, ~0u, stamp(0x100));
		emit(C_PSE, OP_CR4, 0, CR4_PSE, 0, (struct expect){ 0 });
		faults(C_PSE, OP_LOAD, BIG, 0);
		return;
	}
	load(C_LARGE, BIG, ~0u, stamp(0x100));
	load(C_LARGE, BIG + 3 * MIB, ~0u, stamp(0x103));
	load(C_LARGE, pa(&pd32[0][BIG >> 22]), A | D, A);
	store(C_LARGE, BIG + MIB + 8, 0x77);
	load(C_LARGE, pa(&pd32[0][BIG >> 22]), A | D, A | D);
	/* A 4 MiB page becomes a page table and back. */
	set_entry(C_LARGE, pa(&pd32[0][BIG >> 22]), pa(win32[0]) | P | RW, BIG);
	load(C_LARGE, BIG, ~0u, stamp(12));
	set_entry(C_LARGE, pa(&pd32[0][BIG >> 22]), pa(big) | P | RW | PS, BIG);
	load(C_LARGE, BIG + 2 * MIB, ~0u, stamp(0x102));
	load(C_LARGE, BIG, ~0u, stamp(0x100));
}

/* ---- PAE paging ---- */

static void build_pae(void)
{
	for (unsigned i = 0; i < 512; i++) {
		pd_ident[i] = pd_big[i] = 0;
		for (unsigned s = 0; s < 2; s++)
			pd_win[s][i] = win64[s][i] = 0;
	}
	for (unsigned i = 0; i < IDENT / (2 * MIB); i++)
		pd_ident[i] = (uint64_t)i * 2 * MIB | P | RW | PS;
	for (unsigned s = 0; s < 2; s++) {
		pdpt[s][0] = pa(pd_ident) | P;
		pdpt[s][1] = pa(pd_win[s]) | P;
		pdpt[s][2] = pa(pd_big) | P;
		pdpt[s][3] = 0;
		pd_win[s][0] = pa(win64[s]) | P | RW;
		for (unsigned k = 0; k < 7; k++)
			win64[s][k] = pa(frames[s * 8 + k]) | P | RW;
		win64[s][7] = pa(legacy_exec_page) | P | RW;
	}
	pd_big[0] = pa(big) | P | RW | PS;
	pd_big[1] = (pa(big) + 2 * MIB) | P | RW | PS;
}

static void script_pae(bool vmx)
{
	const uint32_t x = WIN + 7 * PAGE; /* the code page */
	const struct layout l = { pa(win64[0]), 8, pa(&pd_win[0][0]),
				  { pa(pdpt[0]), pa(pdpt[1]) }, WIN + 6 * PAGE, 14 };

	for (unsigned k = 0; k < 7; k++)
		load(C_MAP, WIN + k * PAGE, ~0u, stamp(k));
	faults(C_MAP, OP_LOAD, HOLE, 0);
	script_common(&l);
	set_entry64(C_REMAP, &win64[0][4], pa(frames[13]) | P | RW, 0, WIN + 4 * PAGE);
	load(C_REMAP, WIN + 4 * PAGE, ~0u, stamp(13));
	load(C_LARGE, BIG, ~0u, stamp(0x100));
	load(C_LARGE, BIG + 3 * MIB, ~0u, stamp(0x103));
	load(C_LARGE, pa(&pd_big[1]), A | D, A);
	store(C_LARGE, BIG + 3 * MIB + 8, 0x77);
	load(C_LARGE, pa(&pd_big[1]), A | D, A | D);
	/* NX: the code page runs until XD is set (the high dword, by CMPXCHG8B). */
	emit(C_NX, OP_CALL, x, 0, 0, (struct expect){ 0 });
	set_entry64(C_NX, &win64[0][7], pa(legacy_exec_page) | P | RW | A, XD_HI, x);
	faults(C_NX, OP_CALL, x, PF_P | PF_I);
	load(C_NX, x, 0xff, 0xc3); /* still readable: RET */
	set_entry64(C_NX, &win64[0][7], pa(legacy_exec_page) | P | RW | A, 0, x);
	emit(C_NX, OP_CALL, x, 0, 0, (struct expect){ 0 });
	/*
	 * EFER.NXE off by WRMSR with XD set: bit 63 becomes reserved (Vol. 3A
	 * 4.4.2), a fetch no longer sets the I/D bit (4.7); on again, XD means
	 * no-execute. A CR3 load of the same root flushes the TLB (WRMSR does
	 * not, 4.10.4.1); under shadow paging it finds the root's cached shadow,
	 * filled under the other NXE (hv/mmu/shadow_pt.h says why that is right).
	 */
	set_entry64(C_NXE, &win64[0][7], pa(legacy_exec_page) | P | RW | A, XD_HI, x);
	load(C_NXE, x, 0xff, 0xc3);
	emit(C_NXE, OP_EFER, 0, EFER_NXE, 0, (struct expect){ 0 });
	load_cr3(C_NXE, pa(pdpt[0]));
	faults(C_NXE, OP_LOAD, x, PF_P | PF_RSVD);
	faults(C_NXE, OP_CALL, x, PF_P | PF_RSVD);
	emit(C_NXE, OP_EFER, EFER_NXE, 0, 0, (struct expect){ 0 });
	load_cr3(C_NXE, pa(pdpt[0]));
	load(C_NXE, x, 0xff, 0xc3);
	faults(C_NXE, OP_CALL, x, PF_P | PF_I);
	set_entry64(C_NXE, &win64[0][7], pa(legacy_exec_page) | P | RW | A, 0, x);
	emit(C_NXE, OP_CALL, x, 0, 0, (struct expect){ 0 });
	/* A 2 MiB page with bit 13 set: reserved (Vol. 3A 4.4.2). */
	set_entry(C_RSVD, pa(&pd_win[0][1]), pa(big) | P | RW | PS | (1u << 13), WIN + 2 * MIB);
	faults(C_RSVD, OP_LOAD, WIN + 2 * MIB, PF_P | PF_RSVD);
	faults(C_RSVD, OP_STORE, WIN + 2 * MIB, PF_P | PF_W | PF_RSVD);
	/*
	 * PDPTE 3 is not present; writing it in memory changes nothing until
	 * CR3 is loaded again (the PDPTEs are loaded then, Vol. 3A 4.4.1).
	 */
	faults(C_PDPTE, OP_LOAD, 0xc0000000u, 0);
	store(C_PDPTE, pa(&pdpt[0][3]), pa(pd_win[0]) | P);
	faults(C_PDPTE, OP_LOAD, 0xc0000000u, 0);
	if (vmx) {
		/*
		 * nested=on: VMXON's operand, read by the hypervisor (vmcs/l2_mem.c),
		 * goes through the same cached PDPTE 3 (Vol. 3C 31.3: a data read
		 * at CPL 0) and faults; read through the memory's it would be a
		 * pointer (the stamp) that is no VMXON region: VMfailInvalid.
		 */
		emit(C_VMX, OP_CR4, CR4_VMXE, 0, 0, (struct expect){ 0 });
		faults(C_VMX, OP_VMXON, 0xc0000000u, 0);
		emit(C_VMX, OP_CR4, 0, CR4_VMXE, 0, (struct expect){ 0 });
	}
	load_cr3(C_PDPTE, pa(pdpt[0]));
	load(C_PDPTE, 0xc0000000u, ~0u, stamp(12));
	store(C_PDPTE, pa(&pdpt[0][3]), 0);
	load_cr3(C_PDPTE, pa(pdpt[0]));
	faults(C_PDPTE, OP_LOAD, 0xc0000000u, 0);
}

/* ---- running and judging ---- */

/* MOV to CR3 in long mode: under paging=shadow, shadow paging starts (or goes on) here. */
static void reload_cr3(void)
{
	uint64_t cr3;

	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

static bool run(const char *mode, uint32_t cr3, uint32_t cr4, bool nxe)
{
	struct legacy_run r = { .cr3 = cr3, .cr4 = cr4, .nxe = nxe, .script = pa(ops),
				.recs = pa(recs), .bad_vector = ~0u };
	unsigned bad[C_CHECKS] = { 0 }, used[C_CHECKS] = { 0 }, nfaults = 0, nbad = 0;
	bool ok = true;

	reload_cr3();
	ops[nops] = (struct op){ OP_END, 0, 0, 0 };
	for (unsigned i = 0; i < nops; i++)
		recs[i] = (struct rec){ 0 };
	legacy_run(&r);
	for (unsigned i = 0; i < nops; i++) {
		const struct expect *e = &want[i];
		const struct rec *c = &recs[i];
		bool good = i < r.done && (e->fault ? c->fault && c->err == e->err &&
						      c->cr2 == e->cr2
						    : !c->fault && (c->value & e->mask) == e->value);

		used[e->check]++;
		nfaults += c->fault;
		if (good)
			continue;
		bad[e->check]++;
		if (nbad++ < 8)
			guest_printf("pt32 %s: op %u (code %u at %#x) %s: value %#x fault %u cr2 %#x "
				     "error %#x; wanted %s %#x/%#x error %#x\n", mode, i, ops[i].code,
				     ops[i].a, i < r.done ? "gave" : "did not run", c->value,
				     c->fault, c->cr2, c->err, e->fault ? "fault at" : "value",
				     e->fault ? e->cr2 : e->value, e->mask, e->err);
	}
	for (unsigned c = 0; c < C_CHECKS; c++)
		if (used[c])
			ok &= guest_check(check_names[c], !bad[c], "mode=%s ops=%u bad=%u", mode,
					  used[c], bad[c]);
	guest_mline("pt32", "mode=%s ops=%u done=%u faults=%u bad=%u bad_vector=%d", mode, nops,
		    r.done, nfaults, nbad, (int)r.bad_vector);
	ok &= guest_check("script-ran", r.done == nops && r.bad_vector == ~0u,
			  "mode=%s done=%u of %u bad_vector=%d", mode, r.done, nops, (int)r.bad_vector);
	nops = 0;
	return ok;
}

bool guest_main(const char *cmdline)
{
	/* "vmx" (with the hypervisor's nested=on): VMXON in PAE paging too. */
	bool ok = true, vmx = cmdline && !strcmp(cmdline, "vmx");

	if ((uintptr_t)__bss_end > IDENT) {
		guest_printf("pt32: the image ends at %p, past the %u MiB mapped\n", __bss_end,
			     IDENT / MIB);
		return false;
	}
	init_frames();
	init_idt();
	build32(false);
	script32(false);
	ok &= run("32bit", pa(pd32[0]), 0, false);
	build32(true);
	script32(true);
	ok &= run("32bit-pse", pa(pd32[0]), CR4_PSE, false);
	build_pae();
	script_pae(vmx);
	ok &= run("pae", pa(pdpt[0]), CR4_PAE, true);
	return ok;
}
