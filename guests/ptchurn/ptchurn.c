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
 * whole page table's worth). With cpus=2 a second CPU joins for the tests
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

/* In each space: point a PTE at another frame, INVLPG, read through it. */
static bool remap(void)
{
	uint64_t e = exits_so_far();

	bad = 0;
	for (unsigned r = 0; r < ROUNDS; r++) {
		unsigned s = r % SPACES, i = (r / SPACES) % WINDOW, f = frame_of(s, i, r + 1);
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
