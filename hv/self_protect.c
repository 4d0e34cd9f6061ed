/*
 * self_protect.c - the hypervisor's own protection (selfprotect=on). GRUB's entry
 * code (lib/boot64.S) maps the low 4 GiB read/write/execute; this replaces it
 * with tables in which text is read+execute, rodata read-only, data, bss,
 * the page pool and the rest of memory read+write and never executable
 * (where the CPU has NX), and the page under every stack is absent, so an
 * overflow faults into a #DF on its own IST stack instead of corrupting
 * memory. SMEP and SMAP go on where offered: no page here is a user page, so
 * they stay quiet unless something maps one. The pool is mapped in 4 KiB
 * pages from the start, so a guard page is one entry cleared, never a large
 * page split under other CPUs' TLBs.
 */
#include "boot_mem.h"
#include "gdt.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/spinlock.h"
#include "log.h"
#include "mmu/host_pt.h"
#include "options.h"
#include "panic.h"
#include "percpu.h"
#include "self_protect.h"
#include "x86.h"

#define IDENTITY_END (4ull << 30) /* what boot64.S maps, and all the hypervisor touches */
/* The boot stack, three IST stacks per CPU, an AP stack and a host stack per CPU. */
#define MAX_GUARDS (1 + MAX_IST_CPUS * 3 + 2 * MAX_CPUS)
#define EFER_NXE (1ull << 11)
#define CPUID_EXT_NX (1u << 20)   /* CPUID 0x80000001 EDX */
#define CPUID7_SMEP (1u << 7)     /* CPUID 7.0 EBX */
#define CPUID7_SMAP (1u << 20)

#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_FETCH (1u << 4)

extern char __hv_start[], __rodata_start[], __data_start[], __hv_end[];
extern char boot_stack_guard[];

struct guard {
	uint64_t pa;
	const char *what;
	unsigned cpu;
};

static struct host_pt pt;
static bool active, has_nx, has_smep, has_smap;
static struct guard guards[MAX_GUARDS];
static unsigned n_guards;
static struct spinlock guard_lock;

static uint64_t pt_alloc(void *ctx)
{
	uint64_t pa = alloc_page_or_panic("hypervisor page table");

	(void)ctx;
	memset((void *)(uintptr_t)pa, 0, PAGE_SIZE);
	return pa;
}

static void *pt_virt(uint64_t pa, void *ctx)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static const struct host_pt_ops pt_ops = { pt_alloc, pt_virt };

static void map_or_panic(uint64_t base, uint64_t end, enum host_prot prot, bool small)
{
	enum host_pt_error err = host_pt_map(&pt, base, end, prot, small);

	if (err)
		panic("cannot map %#lx-%#lx %s in the hypervisor's page tables (error %d)", base,
		      end, host_prot_name(prot), err);
}

/* Unmaps the page at 'pa' and names it; with the tables live, this CPU's TLB too. */
static void add_guard(uint64_t pa, const char *what, unsigned cpu)
{
	spin_lock(&guard_lock);
	if (n_guards == MAX_GUARDS) {
		spin_unlock(&guard_lock);
		panic("more than %d guard pages", MAX_GUARDS);
	}
	guards[n_guards++] = (struct guard){ pa, what, cpu };
	map_or_panic(pa, pa + PAGE_SIZE, HOST_PROT_NONE, true);
	spin_unlock(&guard_lock);
	__asm__ volatile("invlpg (%0)" : : "r"(pa) : "memory");
}

static void probe_features(void)
{
	struct cpuid_regs r = cpuid(0x80000000, 0);

	has_nx = r.eax >= 0x80000001 && cpuid(0x80000001, 0).edx & CPUID_EXT_NX;
	if (cpuid(0, 0).eax >= 7) {
		r = cpuid(7, 0);
		has_smep = r.ebx & CPUID7_SMEP;
		has_smap = r.ebx & CPUID7_SMAP;
	}
}

void self_protect_init(void)
{
	uint64_t pool_base, pool_end;
	int nx;

	if (!hv_opts.selfprotect) {
		log_warn("selfprotect=off: the hypervisor runs on GRUB-entry page tables, "
			 "all memory writable and executable, no guard pages");
		log_mline("protect", "enabled=0");
		return;
	}
	probe_features();
	if (host_pt_init(&pt, &pt_ops, NULL, has_nx))
		panic("no page for the hypervisor's page tables");
	boot_mem_pool_range(&pool_base, &pool_end);
	map_or_panic(0, IDENTITY_END, HOST_PROT_RW, false);
	map_or_panic((uintptr_t)__hv_start, (uintptr_t)__rodata_start, HOST_PROT_RX, true);
	map_or_panic((uintptr_t)__rodata_start, (uintptr_t)__data_start, HOST_PROT_R, true);
	map_or_panic((uintptr_t)__data_start, (uintptr_t)__hv_end, HOST_PROT_RW, true);
	map_or_panic(pool_base, pool_end, HOST_PROT_RW, true);
	add_guard((uintptr_t)boot_stack_guard, "boot stack", 0);
	for (unsigned c = 0; c < MAX_IST_CPUS; c++) {
		add_guard((uintptr_t)ist_stacks[c][IST_DOUBLE_FAULT - 1].guard, "#DF IST stack", c);
		add_guard((uintptr_t)ist_stacks[c][IST_NMI - 1].guard, "NMI IST stack", c);
		add_guard((uintptr_t)ist_stacks[c][IST_MACHINE_CHECK - 1].guard, "#MC IST stack", c);
	}
	active = true;
	self_protect_enter_cpu();
	log_info("self-protection: text %#lx-%#lx rx, rodata r, data rw%s, %u guard pages, "
		 "SMEP %s, SMAP %s, %u table pages", (uint64_t)(uintptr_t)__hv_start,
		 (uint64_t)(uintptr_t)__rodata_start, has_nx ? " nx" : " (no NX: executable)",
		 n_guards, has_smep ? "on" : "not offered", has_smap ? "on" : "not offered",
		 pt.pages);
	/* What the CPU now runs with, read back; W^X holds only where NX does. */
	nx = !!(rdmsr(MSR_EFER) & EFER_NXE);
	log_mline("protect", "enabled=1 nx=%d wx=%d smep=%d smap=%d guards=%u text=%#lx-%#lx "
		  "rodata_end=%#lx cr3=%#lx", nx, nx, !!(read_cr4() & CR4_SMEP),
		  !!(read_cr4() & CR4_SMAP), n_guards,
		  (uint64_t)(uintptr_t)__hv_start, (uint64_t)(uintptr_t)__rodata_start,
		  (uint64_t)(uintptr_t)__data_start, pt.pml4);
}

void self_protect_enter_cpu(void)
{
	if (!active)
		return;
	if (has_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr3(pt.pml4);
	write_cr4(read_cr4() | (has_smep ? CR4_SMEP : 0) | (has_smap ? CR4_SMAP : 0));
}

uint64_t self_protect_stack_alloc(unsigned pages, const char *what, unsigned cpu)
{
	uint64_t base = alloc_pages_or_panic(pages + 1, what);

	if (active)
		add_guard(base, what, cpu);
	return base + (pages + 1) * PAGE_SIZE;
}

void *self_protect_user_page(void)
{
	uint64_t pa;

	if (!active)
		return NULL;
	pa = alloc_page_or_panic("SMEP/SMAP test page");
	memset((void *)(uintptr_t)pa, 0xc3, PAGE_SIZE); /* RET */
	map_or_panic(pa, pa + PAGE_SIZE, HOST_PROT_USER_RWX, true);
	__asm__ volatile("invlpg (%0)" : : "r"(pa) : "memory");
	return (void *)(uintptr_t)pa;
}

static const struct guard *guard_at(uint64_t addr)
{
	for (unsigned i = 0; i < n_guards; i++)
		if (addr - guards[i].pa < PAGE_SIZE)
			return &guards[i];
	return NULL;
}

/* Which part of the hypervisor 'addr' lies in, for a fault report. */
static const char *region_of(uint64_t addr)
{
	if (addr >= (uintptr_t)__hv_start && addr < (uintptr_t)__rodata_start)
		return "hv-text";
	if (addr >= (uintptr_t)__rodata_start && addr < (uintptr_t)__data_start)
		return "hv-rodata";
	if (addr >= (uintptr_t)__data_start && addr < (uintptr_t)__hv_end)
		return "hv-data";
	return hv_private_overlaps(addr & ~(PAGE_SIZE - 1), PAGE_SIZE) ? "hv-private" :
									     "other";
}

void self_protect_explain_fault(uint64_t vector, uint64_t error, uint64_t cr2, char *human,
			   size_t human_len, char *fields, size_t fields_len)
{
	const struct guard *g = active && (vector == 8 || vector == 14) ? guard_at(cr2) : NULL;
	const char *access = error & PF_FETCH ? "fetch" : error & PF_WRITE ? "write" : "read";
	int level = 0;

	human[0] = fields[0] = '\0';
	if (g) {
		hv_snprintf(human, human_len, "stack overflow: CPU %u's %s ran into its guard page "
			    "at %#lx", g->cpu, g->what, g->pa);
		hv_snprintf(fields, fields_len, " stack_overflow=\"%s\" stack_cpu=%u", g->what,
			    g->cpu);
	} else if (active && vector == 14 && error & PF_PRESENT) {
		enum host_prot prot = host_pt_prot(&pt, host_pt_lookup(&pt, cr2, &level));
		/* A supervisor access to a user page can only fail by SMEP or SMAP. */
		const char *by = prot != HOST_PROT_USER_RWX ? "rights" :
				 error & PF_FETCH ? "smep" : "smap";

		hv_snprintf(human, human_len, "%s of a page mapped %s (%s): refused by %s", access,
			    host_prot_name(prot), region_of(cr2), by);
		hv_snprintf(fields, fields_len, " access=%s page=%s region=%s by=%s", access,
			    host_prot_name(prot), region_of(cr2), by);
	}
}
