/*
 * ptchurn.c - a page-table-churn test guest for the paging modes
 * (paging=nested|shadow): SPACES address spaces of its own (each a PML4
 * sharing the boot identity map in entry 0, with private tables for a
 * window at 512 GiB), then loops that switch between them (MOV to CR3),
 * remap and unmap pages in them (PTE writes + INVLPG) and touch what is
 * mapped, checking every word read against the frame that should be there,
 * and that an unmapped page faults with the right error code. Bench lines
 * time a switch + access, a remap + access, and a first access after a
 * remap, and a TLB-miss loop (random reads over 2 MiB of 4 KiB pages, a
 * whole page table's worth). The atomic check changes a PTE with XCHG,
 * LOCK CMPXCHG (taken and failed), LOCK CMPXCHG8B, LOCK BTR and LOCK OR,
 * as Linux does, checking each result, its flags and the mapping after it
 * (under shadow paging: emulated and propagated to the shadow). The PCID
 * check turns CR4.PCIDE on and switches spaces with a PCID each, with and
 * without CR3's no-flush bit, then remaps with INVPCID of every type and
 * checks INVPCID's #GP cases. With cpus=2 a second CPU joins for the tests
 * of ptchurn_smp.c. It ends with HC_EXIT (pass or fail) under the
 * hypervisor.
 */
#include <stddef.h>

#include "extable.h"
#include "guest.h"
#include "guest_options.h"
#include "ptchurn.h"
#include "stats.h"
#include "trap.h"
#include "tsc_measure.h"
#include "vmcall.h"

#define ROUNDS 256
#define P_AD 0x60ull         /* accessed, dirty: the CPU's */

extern uint64_t boot_pml4[512];

table_t pml4[SPACES], pdpt[SPACES], pd[SPACES], pt[SPACES];
static table_t wide_pt;
uint8_t frames[FRAMES][PAGE] __attribute__((aligned(PAGE)));
static uint64_t samples[ROUNDS];
static unsigned bad;

struct ptchurn_options {
	uint64_t cpus;
};

static const struct opt_def option_table[] = {
	{ .name = "cpus", .type = OPT_UINT, .offset = offsetof(struct ptchurn_options, cpus),
	  .min = 1, .max = 2, .help = "2: the tests with a second CPU too" },
};

static unsigned frame_of(unsigned space, unsigned i, unsigned round)
{
	return (space * 7 + i * 3 + round) % FRAMES;
}

static void build_spaces(void)
{
	for (unsigned f = 0; f < FRAMES; f++)
		*(volatile uint64_t *)frames[f] = STAMP | f;
	for (unsigned s = 0; s < SPACES; s++) {
		pml4[s][0] = boot_pml4[0];
		pml4[s][1] = pa(pdpt[s]) | P_RW;
		pdpt[s][0] = pa(pd[s]) | P_RW;
		pd[s][0] = pa(pt[s]) | P_RW;
		for (unsigned i = 0; i < WINDOW; i++)
			pt[s][i] = pa(frames[frame_of(s, i, 0)]) | P_RW;
	}
}

bool ptchurn_check_read(unsigned space, unsigned i, unsigned frame)
{
	static unsigned reported;
	uint64_t v = *window(i);

	if (v == (STAMP | frame))
		return true;
	if (__atomic_fetch_add(&reported, 1, __ATOMIC_RELAXED) < 4)
		guest_printf("ptchurn: space %u page %u reads %#lx, not frame %u\n", space, i, v,
			     frame);
	return false;
}

static void check(unsigned space, unsigned i, unsigned frame)
{
	bad += !ptchurn_check_read(space, i, frame);
}

static uint64_t now(void)
{
	uint64_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi));
	return hi << 32 | lo;
}

static bool under_hv;

static uint64_t exits_so_far(void)
{
	return under_hv ? (uint64_t)vmcall(HC_EXIT_COUNT, 0, 0, 0).rbx : 1;
}

static void bench_line(const char *test, uint64_t exits)
{
	struct sample_stats s = stats_summarize(samples, ROUNDS);

	guest_mline("bench", "test=%s min=%lu median=%lu p99=%lu n=%zu exits=%lu", test, s.min,
		    s.median, s.p99, s.n, exits);
}

/* Switch address space and read a mapped page, round after round. */
static bool ctxsw(void)
{
	uint64_t e = exits_so_far();

	bad = 0;
	for (unsigned r = 0; r < ROUNDS; r++) {
		unsigned s = r % SPACES, i = r % WINDOW;
		uint64_t t = now();

		write_cr3(pa(pml4[s]));
		check(s, i, frame_of(s, i, 0));
		samples[r] = now() - t;
	}
	bench_line("ptchurn-ctxsw", exits_so_far() - e - 1);
	return guest_check("ptchurn-ctxsw", !bad, "%u rounds over %u spaces, %u bad reads",
			   ROUNDS, SPACES, bad);
}

/*
 * In each space: point a PTE at another frame, INVLPG, read through it
 * (the space's k-th remap names frame_of(.., k + 1): never the one there).
 */
static bool remap(void)
{
	uint64_t e = exits_so_far();

	bad = 0;
	for (unsigned r = 0; r < ROUNDS; r++) {
		unsigned s = r % SPACES, i = (r / SPACES) % WINDOW;
		unsigned f = frame_of(s, i, r / SPACES + 1);
		uint64_t t;

		write_cr3(pa(pml4[s]));
		t = now();
		pt[s][i] = pa(frames[f]) | P_RW;
		invlpg(window(i));
		check(s, i, f);
		samples[r] = now() - t;
	}
	bench_line("ptchurn-remap", exits_so_far() - e - 1);
	return guest_check("ptchurn-remap", !bad, "%u remaps, %u bad reads", ROUNDS, bad);
}

/* Unmapped: a read faults with error 0 (not present, read, supervisor); remapped: it reads. */
static bool unmap(void)
{
	unsigned s = 3, i = 5;
	uint64_t v = 0;
	uint8_t fault = 0;
	bool ok;

	write_cr3(pa(pml4[s]));
	pt[s][i] = 0;
	invlpg(window(i));
	__asm__ volatile(EXTABLE_INSN("movq (%[p]), %[v]")
			 : [v] "+r"(v), [fault] "+qm"(fault) : [p] "r"(window(i)) : "memory");
	ok = faulted_with(fault, 14) && guest_last_fault.error_code == 0;
	pt[s][i] = pa(frames[9]) | P_RW;
	invlpg(window(i));
	bad = 0;
	check(s, i, 9);
	return guest_check("ptchurn-unmap", ok && !bad, "fault %u vector %lu error %#lx",
			   fault, guest_last_fault.vector, guest_last_fault.error_code);
}

/* Writes through every space's window land in the frame its PTE names. */
static bool writes(void)
{
	bad = 0;
	for (unsigned s = 0; s < SPACES; s++) {
		write_cr3(pa(pml4[s]));
		for (unsigned i = 0; i < WINDOW; i++) {
			unsigned f = (s * WINDOW + i) % FRAMES;

			pt[s][i] = pa(frames[f]) | P_RW;
			invlpg(window(i));
			window(i)[1] = s * 1000 + i;
			if (*(volatile uint64_t *)(frames[f] + 8) != s * 1000 + i)
				bad++;
		}
	}
	return guest_check("ptchurn-writes", !bad, "%u bad writes", bad);
}

/* LOCK CMPXCHG of *pte: whether it swapped (ZF); *expect gets what was there. */
static bool cmpxchg_pte(volatile uint64_t *pte, uint64_t *expect, uint64_t val)
{
	bool zf;

	__asm__ volatile("lock cmpxchgq %[val], %[pte]" : [pte] "+m"(*pte), "+a"(*expect),
			 "=@ccz"(zf) : [val] "r"(val) : "memory");
	return zf;
}

/* Space 3 maps space 2's page table too, 2 MiB above its window: page i there. */
static uint64_t shared_read(unsigned i)
{
	write_cr3(pa(pml4[3]));
	return *(volatile uint64_t *)(uintptr_t)(WINDOW_VA + (2ull << 20) + (uint64_t)i * PAGE);
}

/*
 * The read-modify-write forms Linux updates PTEs with, each checked through
 * the mapping; space 3 shares the table, so its shadow (kept across CR3
 * loads) must have dropped what the writes in space 2 changed.
 */
static bool atomic_ptes(void)
{
	unsigned s = 2, i = 7, fails = 0;
	volatile uint64_t *pte = &pt[s][i];
	uint64_t old, expect, hi, lo, want = pa(frames[40]) | P_RW;
	uint8_t fault = 0;
	bool cf;

	write_cr3(pa(pml4[3]));
	pd[3][1] = pa(pt[s]) | P_RW;
	write_cr3(pa(pml4[s]));
	*pte = pa(frames[11]) | P_RW;
	invlpg(window(i));
	check(s, i, 11); /* filled in the shadow */
	bad = 0;
	old = 0;
	__asm__ volatile("xchgq %[v], %[pte]" : [pte] "+m"(*pte), [v] "+r"(old) : : "memory");
	fails |= (unsigned)((old & ~P_AD) != (pa(frames[11]) | P_RW)) << 0;
	invlpg(window(i));
	expect = 0; /* not present: no INVLPG needed after it is mapped */
	fails |= (unsigned)(!cmpxchg_pte(pte, &expect, pa(frames[12]) | P_RW)) << 1;
	check(s, i, 12);
	expect = pa(frames[99 % FRAMES]); /* wrong: nothing changes, RAX gets the entry */
	fails |= (unsigned)(cmpxchg_pte(pte, &expect, pa(frames[13]) | P_RW)) << 2;
	fails |= (unsigned)((expect & ~P_AD) != (pa(frames[12]) | P_RW)) << 3;
	check(s, i, 12);
	fails |= (unsigned)(shared_read(i) != (STAMP | 12)) << 7;
	write_cr3(pa(pml4[s]));
	lo = (uint32_t)expect;
	hi = expect >> 32;
	__asm__ volatile("lock cmpxchg8b %[pte]" : [pte] "+m"(*pte), "+a"(lo), "+d"(hi)
			 : "b"((uint32_t)want), "c"((uint32_t)(want >> 32)) : "memory");
	invlpg(window(i));
	check(s, i, 40);
	fails |= (unsigned)(shared_read(i) != (STAMP | 40)) << 8;
	write_cr3(pa(pml4[s]));
	__asm__ volatile("lock btrq $1, %[pte]" : [pte] "+m"(*pte), "=@ccc"(cf) : : "memory");
	fails |= (unsigned)(!cf) << 4;
	invlpg(window(i));
	__asm__ volatile(EXTABLE_INSN("movq $1, 16(%[p])")
			 : [fault] "+qm"(fault) : [p] "r"(window(i)) : "memory");
	fails |= (unsigned)(!faulted_with(fault, 14) || guest_last_fault.error_code != 3) << 5;
	__asm__ volatile("lock orq $2, %[pte]" : [pte] "+m"(*pte) : : "memory");
	invlpg(window(i));
	window(i)[2] = 0x5a5a;
	fails |= (unsigned)(*(volatile uint64_t *)(frames[40] + 16) != 0x5a5a) << 6;
	check(s, i, 40);
	return guest_check("ptchurn-atomic", !fails && !bad, "wrong results %#x, %u bad reads",
			   fails, bad);
}

#define CR4_PCIDE (1ull << 17)
#define CR3_NO_FLUSH (1ull << 63)

/* INVPCID of 'type' for (pcid, la); whether it raised #GP. */
static bool invpcid(uint64_t type, uint64_t pcid, uint64_t la)
{
	struct { uint64_t pcid, la; } d = { pcid, la };
	uint8_t fault = 0;

	__asm__ volatile(EXTABLE_INSN("invpcid %[d], %[t]")
			 : [fault] "+qm"(fault) : [d] "m"(d), [t] "r"(type) : "memory");
	return faulted_with(fault, 13);
}

/*
 * Spaces with PCIDs: each read sees its own space's frame, whether the
 * switch flushed or not (bit 63), and CR3 reads back with the PCID but not
 * bit 63; remaps made visible by INVPCID of each type; INVPCID's #GP for a
 * bad type or a descriptor with bits above the PCID.
 */
static bool pcids(void)
{
	unsigned fails = 0, s = 5, i = 3, f = 20;
	bool has_invpcid = cpuid(7, 0).ebx & (1u << 10);

	if (!(cpuid(1, 0).ecx & (1u << 17))) {
		guest_mline("check", "name=ptchurn-pcid result=skip reason=\"no PCID in CPUID\"");
		return true;
	}
	for (unsigned sp = 0; sp < SPACES; sp++) /* each space's first frames (CR3 loads flush) */
		for (unsigned k = 0; k < WINDOW; k++)
			pt[sp][k] = pa(frames[frame_of(sp, k, 0)]) | P_RW;
	write_cr3(pa(pml4[0]));
	write_cr4(read_cr4() | CR4_PCIDE);
	bad = 0;
	for (unsigned r = 0; r < 2 * SPACES; r++) {
		unsigned sp = r % SPACES;
		uint64_t cr3 = pa(pml4[sp]) | (sp + 1);

		write_cr3(cr3 | (r >= SPACES ? CR3_NO_FLUSH : 0));
		fails |= (unsigned)(read_cr3() != cr3) << 0;
		check(sp, 0, frame_of(sp, 0, 0)); /* one address, a frame per space */
	}
	write_cr3(pa(pml4[s]) | (s + 1));
	for (uint64_t type = 0; has_invpcid && type < 4; type++) {
		pt[s][i] = pa(frames[f]) | P_RW;
		fails |= (unsigned)invpcid(type, s + 1, (uint64_t)(uintptr_t)window(i)) << 1;
		check(s, i, f);
		f++;
	}
	if (has_invpcid) {
		fails |= (unsigned)!invpcid(4, 0, 0) << 2;
		fails |= (unsigned)!invpcid(0, 1ull << 12, (uint64_t)(uintptr_t)window(i)) << 3;
		fails |= (unsigned)!invpcid(0, s + 1, 1ull << 63) << 4; /* not canonical */
	}
	write_cr3(pa(pml4[0]));
	write_cr4(read_cr4() & ~CR4_PCIDE);
	return guest_check("ptchurn-pcid", !fails && !bad, "wrong results %#x, %u bad reads, "
			   "INVPCID %s", fails, bad, has_invpcid ? "checked" : "not offered");
}

/*
 * Random reads over 512 pages (PD entry 1 of space 0: a page table of its
 * own, each page one of the frames): the first touch of each is a fill
 * under shadow paging, the rest TLB misses the CPU walks itself.
 */
static bool tlbmiss(void)
{
	volatile uint64_t *wide = (volatile uint64_t *)(uintptr_t)(WINDOW_VA + (2ull << 20));
	uint64_t e, x = 12345;

	write_cr3(pa(pml4[0]));
	for (unsigned i = 0; i < 512; i++)
		wide_pt[i] = pa(frames[i % FRAMES]) | P_RW;
	pd[0][1] = pa(wide_pt) | P_RW;
	bad = 0;
	e = exits_so_far();
	for (unsigned r = 0; r < ROUNDS; r++) {
		unsigned i;
		uint64_t t;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		i = (unsigned)(x >> 55); /* 0..511 */
		t = now();
		if (wide[i * (PAGE / 8)] != (STAMP | (i % FRAMES)))
			bad++;
		samples[r] = now() - t;
	}
	bench_line("ptchurn-tlbmiss", exits_so_far() - e - 1);
	return guest_check("ptchurn-tlbmiss", !bad, "%u random reads over 512 pages, %u bad",
			   ROUNDS, bad);
}

bool guest_main(const char *cmdline)
{
	struct ptchurn_options o = { .cpus = 1 };
	uint64_t boot_cr3 = read_cr3();
	bool ok;

	if (!guest_parse_options(cmdline, option_table, sizeof(option_table) /
				 sizeof(option_table[0]), &o, "ptchurn-error"))
		return false;
	under_hv = hv_present();
	build_spaces();
	ok = ctxsw();
	ok &= remap();
	ok &= unmap();
	ok &= writes();
	ok &= atomic_ptes();
	ok &= pcids();
	ok &= tlbmiss();
	if (o.cpus == 2)
		ok &= ptchurn_smp();
	write_cr3(boot_cr3);
	ok &= guest_check("ptchurn-cr3-read", read_cr3() == boot_cr3, "CR3 %#lx", read_cr3());
	if (!under_hv)
		return ok;
	vmcall(HC_EXIT, ok ? 0 : 1, 0, 0);
	return false;
}
