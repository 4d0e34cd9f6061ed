/*
 * sweep.c - target=sweep: L2 reads the whole guest-physical address space
 * it can name and must read nothing of L1.
 *
 * Below the EPT's top (4 GiB, or the end of RAM rounded up to a GiB, as
 * hv/guest_mem.c maps it) every 4 KiB page is read: every page its memory
 * map lists (RAM, reserved, ACPI, the hypervisor's hidden ranges) word by
 * word, every other page (device holes, MMIO) by its first 32 bits only, so
 * no device register is read wider than it allows. Above the top up to
 * 2^MAXPHYADDR the EPT maps nothing at all, so one read per GiB (its own
 * granularity there: each read meets a different absent entry) covers it.
 * The hypervisor must run with guest_fault=inject: each refused read comes
 * back as a #GP(0), which the read's exception-table entry catches.
 *
 * "Nothing of L1" is checked twice: the runs of readable and refused pages
 * go to the log, where the test compares them with the hypervisor's own
 * ranges; and every word read is compared with the hypervisor's canary
 * (hv/canary.h), of which L2 only ever holds the complement, so finding the
 * value itself means L1's memory was read.
 */
#include "guest.h"
#include "probe.h"
#include "trap.h"
#include "vmcall.h"
#include "x86.h"

#define PAGE 4096ull
#define GIB (1ull << 30)
#define PML4_SPAN (512ull << 30)
#define MAX_PHYS_BITS 42 /* high page tables for up to 4 TiB; a wider CPU is capped */
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull
#define CPUID_EXT_1GB_PAGES (1u << 26)

extern uint64_t boot_pml4[512], boot_pdpt[512]; /* lib/boot64.S: 0-4 GiB mapped */
static uint64_t high_pdpt[(1ull << MAX_PHYS_BITS) / PML4_SPAN - 1][512]
	__attribute__((aligned(4096)));

struct run {
	uint64_t start, end, stride;
	bool readable;
};

struct sweep {
	uint64_t ncanary; /* the canary's complement */
	uint64_t pages, read, faulted, canary_hits;
	struct run run;
};

/* The 'n'-byte value at 'addr' into *v; false if the read faulted. */
static bool read_safe(uint64_t addr, uint64_t *v, unsigned n)
{
	uint64_t val = 0;
	uint8_t fault = 0;

	if (n == 8)
		__asm__ volatile(EXTABLE_INSN("movq (%[a]), %[v]")
				 : [v] "+r"(val), [fault] "+qm"(fault) : [a] "r"(addr) : "memory");
	else
		__asm__ volatile(EXTABLE_INSN("movl (%[a]), %k[v]")
				 : [v] "+r"(val), [fault] "+qm"(fault) : [a] "r"(addr) : "memory");
	*v = val;
	return !fault;
}

/*
 * The words of the page at 'p' whose complement is 'ncanary'. In assembly, so
 * that a value equal to the canary never reaches memory (a spill would
 * plant it in L2's own stack, where the sweep would find it).
 */
static uint64_t scan_page(uint64_t p, uint64_t ncanary)
{
	uint64_t hits = 0;

	__asm__ volatile("xorl %%ecx, %%ecx\n\t"
			 "1: movq (%[p], %%rcx, 8), %%rax\n\t"
			 "notq %%rax\n\t"
			 "cmpq %%rax, %[nc]\n\t"
			 "jne 2f\n\t"
			 "incq %[hits]\n\t"
			 "2: incl %%ecx\n\t"
			 "cmpl $512, %%ecx\n\t"
			 "jb 1b\n\t"
			 "xorl %%eax, %%eax"
			 : [hits] "+r"(hits)
			 : [p] "r"(p), [nc] "r"(ncanary)
			 : "rax", "rcx", "cc", "memory");
	return hits;
}

static void flush_run(const struct run *r)
{
	if (r->end > r->start)
		guest_mline("sweep-run", "start=%#lx end=%#lx access=%s stride=%#lx", r->start,
			    r->end, r->readable ? "read" : "fault", r->stride);
}

/* Adds [addr, addr + stride) to the runs. */
static void note(struct sweep *s, uint64_t addr, uint64_t stride, bool readable)
{
	struct run *r = &s->run;

	s->pages++;
	if (readable)
		s->read++;
	else
		s->faulted++;
	if (r->end == addr && r->readable == readable && r->stride == stride) {
		r->end = addr + stride;
		return;
	}
	flush_run(r);
	*r = (struct run){ addr, addr + stride, stride, readable };
}

/* Whether the memory map lists the page at 'addr'. */
static bool in_map(const struct mb2_info *mbi, uint64_t addr)
{
	for (unsigned i = 0; i < mbi->n_mmap; i++)
		if (addr - mbi->mmap[i].base < mbi->mmap[i].len)
			return true;
	return false;
}

static void sweep_page(struct sweep *s, const struct mb2_info *mbi, uint64_t addr)
{
	bool listed = in_map(mbi, addr);
	uint64_t v;
	bool ok = read_safe(addr, &v, listed ? 8 : 4);

	if (ok && listed)
		s->canary_hits += scan_page(addr, s->ncanary);
	note(s, addr, PAGE, ok);
}

/* Where hv/guest_mem.c's EPT ends: 4 GiB, or RAM's end rounded up to a GiB. */
static uint64_t ept_top(const struct mb2_info *mbi)
{
	uint64_t top = 4 * GIB;

	for (unsigned i = 0; i < mbi->n_mmap; i++) {
		const struct mb2_mmap_entry *e = &mbi->mmap[i];

		if (e->type == MB2_MEM_AVAILABLE && e->base + e->len > top)
			top = (e->base + e->len + GIB - 1) & ~(GIB - 1);
	}
	return top;
}

/* Identity-maps [4 GiB, end) with 1 GiB pages; false if the CPU has none. */
static bool map_high(uint64_t end)
{
	if (!(cpuid(0x80000001, 0).edx & CPUID_EXT_1GB_PAGES))
		return false;
	for (uint64_t a = 4 * GIB; a < end; a += GIB) {
		unsigned l4 = (unsigned)(a / PML4_SPAN), l3 = (unsigned)(a / GIB % 512);
		uint64_t *pdpt = l4 ? high_pdpt[l4 - 1] : boot_pdpt;

		if (l4)
			boot_pml4[l4] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_W;
		pdpt[l3] = a | PTE_P | PTE_W | PTE_PS;
	}
	write_cr3(read_cr3());
	return true;
}

bool probe_sweep(const struct mb2_info *mbi)
{
	struct sweep s = { 0 };
	unsigned phys_bits = cpuid(0x80000008, 0).eax & 0xff;
	uint64_t top = ept_top(mbi), end;
	struct hc_result hc;

	if (!hv_present()) {
		guest_mline("probe-error", "target=sweep reason=\"no hypervisor: no canary\"");
		return false;
	}
	hc = vmcall(HC_PROBE_CANARY, 0, 0, 0);
	if (hc.ret != HC_OK) {
		guest_mline("probe-error", "target=sweep reason=\"HC_PROBE_CANARY: %ld\"", hc.ret);
		return false;
	}
	s.ncanary = hc.rbx;
	end = 1ull << (phys_bits < MAX_PHYS_BITS ? phys_bits : MAX_PHYS_BITS);
	if (!map_high(end))
		end = 4 * GIB;
	guest_mline("sweep-start", "ept_top=%#lx end=%#lx phys_bits=%u", top, end, phys_bits);
	for (uint64_t a = 0; a < top && a < end; a += PAGE)
		sweep_page(&s, mbi, a);
	for (uint64_t a = top; a < end; a += GIB) {
		uint64_t v;

		note(&s, a, GIB, read_safe(a, &v, 4));
	}
	flush_run(&s.run);
	guest_mline("sweep", "reads=%lu read=%lu faulted=%lu canary_hits=%lu ept_top=%#lx "
		    "end=%#lx phys_bits=%u capped=%d", s.pages, s.read, s.faulted, s.canary_hits,
		    top, end, phys_bits, phys_bits > MAX_PHYS_BITS || end == 4 * GIB);
	return guest_check("sweep-no-canary", !s.canary_hits, "hits=%lu", s.canary_hits) &
	       guest_check("sweep-faults-seen", s.faulted > 0, "faulted=%lu", s.faulted);
}
