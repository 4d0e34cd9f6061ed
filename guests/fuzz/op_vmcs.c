/*
 * op_vmcs.c - fuzz kind "vmcs" (nested=on): the fuzzing guest as a guest
 * hypervisor. Each operation takes a valid VMCS for a tiny L3 (minihv's
 * vmcs_build, then L3 moved into vmcs_space.c's confined pages under L2's
 * EPT), VMWRITEs 0-4 random fields with random values and enters L3 with
 * VMLAUNCH (after a VMCLEAR, from the valid base) or, one time in four,
 * VMRESUME of whatever the VMCS holds now. Counted: VMWRITEs refused, the
 * entry's VMfailInvalid, VMfailValid by VM-instruction error, VM-entry
 * failure exits by reason, and successful entries by L3's exit reason.
 *
 * Values: any for the controls and the guest-state area. The host-state
 * area is what a VM exit loads into L2 itself, so there a value either
 * breaks a check (RPL/TI in a selector, a non-canonical address, a fixed
 * CR bit, a reserved EFER bit) or is one L2 survives (FS/GS bases,
 * SYSENTER, PAT): the fuzzer must outlive its own VM exits. Addresses point
 * at pages of L2's (vmcs_space.c) or are misaligned or beyond the
 * physical-address width, and the EPT pointer never at a page of garbage:
 * L1 stops a guest whose EPT maps memory it does not have. The VM-exit
 * MSR lists hold only entries that store and load: a failure there is a
 * VMX abort (SDM Vol. 3C 28.4, 28.6), which shuts L2 down, by design. The activity
 * state is never HLT: an L3 halted with nothing to wake it waits forever,
 * on hardware as here.
 */
#include "extable.h"
#include "fuzz.h"
#include "guest.h"
#include "hypercall.h"
#include "lib/format.h"
#include "../minihv/minihv.h"
#include "../minihv/vmx_ops.h"
#include "vmcs/fields.h"
#include "vmcs_space.h"
#include "vmx_bits.h"
#include "x86.h"

#define CPUID1_ECX_VMX (1u << 5)
#define MSR_PAT 0x277
#define MSR_DEBUGCTL 0x1d9
#define MAX_MUTATIONS 4
#define NREASONS 80
#define NERRORS 32
#define ENTRY_FAILED (1u << 31)
#define ACTIVITY_STATE 0x4826u
#define EXIT_LIST_ENTRIES 5

struct minihv_caps caps;

static const struct row {
	uint32_t enc;
	uint8_t type, l2;
} table[] = {
#define ROW(enc, width, area, kvm, l2, name) { enc, VMCS_TYPE_##area, VMCS_L2_##l2 },
	VMCS_FIELD_LIST(ROW)
#undef ROW
};

#define NROWS (sizeof(table) / sizeof(table[0]))

/* The fields L2 may write, their values in the valid VMCS, and which differ now. */
static uint16_t writable[NROWS];
static uint64_t base[NROWS];
static bool dirty[NROWS];
static unsigned nwritable;
static uint8_t regions[3][4096] __attribute__((aligned(4096)));
static uint64_t vmcs_pa, other_vmcs_pa, l2_pat, l2_debugctl;
static bool l3_ran; /* L3's exit rewrote the guest-state area */
static unsigned maxphyaddr;

/* The counters the report prints. */
static uint64_t n_launch, n_resume, n_refused, n_fail_invalid, n_entered, n_entry_failed;
static uint64_t vmfail_valid[NERRORS], exits[NREASONS], entry_failures[NREASONS];

uint64_t vmr(uint64_t field)
{
	uint64_t v = 0;

	vmread_r(field, &v);
	return v;
}

void vmw(uint64_t field, uint64_t value)
{
	vmwrite_r(field, value);
}

/* MSRs of the VM-entry/exit MSR lists: switched by the VMCS, refused in lists, or L1's. */
static const uint32_t list_msrs[] = { 0x174, 0x175, 0x176, MSR_PAT, MSR_DEBUGCTL, MSR_EFER,
				      0xc0000100u, 0x808, 0x3a, 0x480, HV_MSR_SCRATCH };

/* A list entry: a chosen MSR, and a value near the one L2 has or any. */
static void fill_list_entry(struct rng *r, unsigned i)
{
	uint32_t msr = list_msrs[rng_below(r, sizeof(list_msrs) / sizeof(list_msrs[0]))];
	uint64_t value = 0;

	(void)rdmsr_safe(msr, &value);
	if (rng_one_in(r, 2))
		value ^= 1ull << rng_below(r, 64);
	else if (rng_one_in(r, 2))
		value = rng_next(r);
	vmcs_space.msr_list[2 * i] = msr | (rng_one_in(r, 16) ? 1ull << 40 : 0);
	vmcs_space.msr_list[2 * i + 1] = value;
}

/* The VM-exit MSR lists: MSRs that store, and L2's own values to load. */
static void fill_exit_lists(void)
{
	static const uint32_t msrs[EXIT_LIST_ENTRIES] = { 0x174, 0x175, 0x176, MSR_PAT,
							  MSR_DEBUGCTL };

	for (unsigned i = 0; i < EXIT_LIST_ENTRIES; i++) {
		vmcs_space.exit_list[2 * i] = msrs[i];
		vmcs_space.exit_list[2 * i + 1] = rdmsr(msrs[i]);
		vmcs_space.store_list[2 * i] = msrs[i];
	}
}

static bool init(const char **why)
{
	uint64_t proc;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_VMX)) {
		*why = "no VMX for L2 (boot the hypervisor with nested=on)";
		return false;
	}
	caps_read();
	maxphyaddr = cpuid(0x80000008, 0).eax & 0xff;
	l2_pat = rdmsr(MSR_PAT);
	l2_debugctl = rdmsr(MSR_DEBUGCTL);
	gdt_with_tss_init();
	write_cr4(read_cr4() | CR4_VMXE);
	for (unsigned i = 0; i < 3; i++)
		*(uint32_t *)regions[i] = caps.revision;
	vmcs_pa = (uint64_t)(uintptr_t)regions[1];
	other_vmcs_pa = (uint64_t)(uintptr_t)regions[2];
	if (vmxon((uint64_t)(uintptr_t)regions[0]) != VMX_OK || vmclear(vmcs_pa) != VMX_OK ||
	    vmptrld(vmcs_pa) != VMX_OK) {
		*why = "VMXON, VMCLEAR or VMPTRLD failed";
		return false;
	}
	vmcs_space_init();
	vmcs_build((void (*)(void))(uintptr_t)vmcs_space_entry(L3_CPUID),
		   (uint64_t)(uintptr_t)vmcs_space.stack + sizeof(vmcs_space.stack));
	/* L3 in its confined pages, under L2's EPT. */
	proc = vmr(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);
	vmw(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, proc | PROC_ACTIVATE_SECONDARY);
	vmw(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
	    (PROC2_ENABLE_EPT & (uint32_t)(caps.proc2 >> 32)) | (uint32_t)caps.proc2);
	vmw(VMCS_EPT_POINTER, vmcs_space_eptp());
	vmw(VMCS_GUEST_CR3, (uint64_t)(uintptr_t)vmcs_space.pml4);
	vmw(VMCS_GUEST_GDTR_BASE, (uint64_t)(uintptr_t)vmcs_space.gdt);
	vmw(VMCS_GUEST_GDTR_LIMIT, 5 * 8 - 1);
	vmw(VMCS_GUEST_IDTR_BASE, (uint64_t)(uintptr_t)vmcs_space.idt);
	vmw(VMCS_GUEST_IDTR_LIMIT, sizeof(vmcs_space.idt) - 1);
	vmw(VMCS_GUEST_TR_BASE, (uint64_t)(uintptr_t)vmcs_space.tss);
	vmw(VMCS_GUEST_TR_LIMIT, VMCS_SPACE_TSS_SIZE - 1);
	vmw(VMCS_VM_EXIT_MSR_STORE_ADDRESS, (uint64_t)(uintptr_t)vmcs_space.store_list);
	vmw(VMCS_VM_EXIT_MSR_LOAD_ADDRESS, (uint64_t)(uintptr_t)vmcs_space.exit_list);
	fill_exit_lists();
	vmw(VMCS_VM_ENTRY_MSR_LOAD_ADDRESS, (uint64_t)(uintptr_t)vmcs_space.msr_list);
	for (unsigned i = 0; i < NROWS; i++) {
		if (table[i].l2 != VMCS_L2_RW)
			continue;
		writable[nwritable] = (uint16_t)i;
		base[nwritable++] = vmr(table[i].enc);
	}
	return true;
}

/* A value near 'b' or anywhere: bit flips, edges, random. */
static uint64_t any_value(struct rng *r, uint64_t b)
{
	static const uint64_t edges[] = { 0, 1, ~0ull, 0xffffffffull, 0x80000000ull, 1ull << 63,
					  0x00007fffffffffffull, 0xffff800000000000ull, 0xffff,
					  0x8000000000000000ull | 1 };

	switch (rng_below(r, 8)) {
	case 0: return rng_next(r);
	case 1: return edges[rng_below(r, sizeof(edges) / sizeof(edges[0]))];
	case 2: return b ^ 1ull << rng_below(r, 32) ^ 1ull << rng_below(r, 32);
	case 3: return rng_below(r, 16);
	default: return b ^ 1ull << rng_below(r, 64);
	}
}

/* An address field: a page of L2's, or one misaligned or beyond the width. */
static uint64_t address_value(struct rng *r, uint32_t enc, uint64_t b)
{
	switch (rng_below(r, 7)) {
	case 0: return (uint64_t)(uintptr_t)vmcs_space.zero | (enc == VMCS_EPT_POINTER ? b & 0xfff : 0);
	case 1: return b ^ 1ull << rng_below(r, 12);
	case 2: /* an EPT beyond L2's memory stops L2 (nested_ept.c): only beyond the width */
		return b | 1ull << (enc == VMCS_EPT_POINTER ? maxphyaddr + rng_below(r, 64 - maxphyaddr) :
				    36 + rng_below(r, 28));
	case 3: return rng_one_in(r, 2) ? 0 : ~0ull;
	case 4: return enc == VMCS_EPT_POINTER ? b : (uint64_t)(uintptr_t)vmcs_space.msr_list;
	case 5: return enc == VMCS_EPT_POINTER ? b : other_vmcs_pa;
	default: return b;
	}
}

/* A host-state field: a value that fails the checks, or one L2 survives loading. */
static uint64_t host_value(struct rng *r, uint32_t enc, uint64_t b)
{
	switch (enc) {
	case VMCS_HOST_CR0: return b ^ 1ull << (rng_one_in(r, 2) ? 31 : 32 + rng_below(r, 32));
	case VMCS_HOST_CR3: return b | 1ull << (40 + rng_below(r, 24));
	case VMCS_HOST_CR4: return b ^ 1ull << (rng_one_in(r, 2) ? 13 : 32 + rng_below(r, 32));
	case VMCS_HOST_IA32_EFER: return b ^ 1ull << (rng_one_in(r, 2) ? 8 + 2 * rng_below(r, 2) :
							12 + rng_below(r, 52));
	case VMCS_HOST_IA32_PAT: case VMCS_HOST_FS_BASE: case VMCS_HOST_GS_BASE:
	case VMCS_HOST_IA32_SYSENTER_CS: case VMCS_HOST_IA32_SYSENTER_ESP:
	case VMCS_HOST_IA32_SYSENTER_EIP:
		return any_value(r, b);
	default:
		if (enc < 0x0c10) /* selectors: RPL or TI set */
			return b | (1 + rng_below(r, 7));
		return b ^ 1ull << (47 + rng_below(r, 17)); /* bases, RIP, RSP: non-canonical */
	}
}

/* The value of a mutation of field enc (its valid value b). */
static uint64_t mutate(struct rng *r, uint32_t enc, uint8_t type, uint64_t b)
{
	switch (enc) {
	case VMCS_ADDRESS_OF_IO_BITMAP_A: case VMCS_ADDRESS_OF_IO_BITMAP_B:
	case VMCS_ADDRESS_OF_MSR_BITMAPS: case VMCS_VM_ENTRY_MSR_LOAD_ADDRESS:
	case VMCS_EPT_POINTER: case VMCS_VMCS_LINK_POINTER: case VMCS_GUEST_CR3:
		return address_value(r, enc, b);
	case VMCS_VM_EXIT_MSR_LOAD_ADDRESS: case VMCS_VM_EXIT_MSR_STORE_ADDRESS:
		return b;
	case VMCS_VM_EXIT_MSR_LOAD_COUNT: case VMCS_VM_EXIT_MSR_STORE_COUNT:
		return rng_below(r, EXIT_LIST_ENTRIES + 1);
	case VMCS_VM_ENTRY_MSR_LOAD_COUNT:
		return rng_one_in(r, 4) ? any_value(r, b) : rng_below(r, 8);
	case ACTIVITY_STATE: {
		uint64_t v = any_value(r, b);

		return (uint32_t)v == 1 ? 0 : v; /* a 32-bit field: VMWRITE keeps the low half */
	}
	default:
		return type == VMCS_TYPE_HOST ? host_value(r, enc, b) : any_value(r, b);
	}
}

/* Whether a VM exit from L3 writes field enc (what L3 changes, and the two controls). */
static bool exit_changes(uint32_t enc)
{
	switch (enc) {
	case VMCS_GUEST_RIP: case VMCS_GUEST_RSP: case VMCS_GUEST_RFLAGS:
	case VMCS_GUEST_INTERRUPTIBILITY_STATE: case ACTIVITY_STATE:
	case VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS: case VMCS_GUEST_IA32_EFER:
	case VMCS_GUEST_IA32_PAT: case VMCS_GUEST_IA32_DEBUGCTL: case VMCS_GUEST_DR7:
	case VMCS_VM_ENTRY_CONTROLS: case VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD:
		return true;
	default:
		return false;
	}
}

/*
 * Puts back the valid value of every field that differs from it: those
 * mutated, and after L3 ran those its exit saved (L3's code changes no
 * other state: its exception delivery reloads the same CS).
 */
static void restore_base(void)
{
	for (unsigned i = 0; i < nwritable; i++) {
		if (l3_ran && exit_changes(table[writable[i]].enc))
			dirty[i] = true;
		if (dirty[i]) {
			vmw(table[writable[i]].enc, base[i]);
			dirty[i] = false;
		}
	}
	l3_ran = false;
}

/* L2's own state a VM exit may have changed within what it survives. */
static void restore_l2(void)
{
	__asm__ volatile("movl $0x10, %%eax\n\tmovl %%eax, %%ds\n\tmovl %%eax, %%es\n\t"
			 "movl %%eax, %%ss" : : : "rax", "memory");
	wrmsr(MSR_PAT, l2_pat);
	wrmsr(MSR_DEBUGCTL, l2_debugctl);
}

/* Counts how the entry ended; the fuzz outcome. */
static enum fuzz_outcome classify(uint64_t rflags)
{
	uint64_t reason;

	if (rflags & 1) {
		n_fail_invalid++;
		return FUZZ_ERROR;
	}
	if (rflags & 0x40) {
		vmfail_valid[vmr(VMCS_VM_INSTRUCTION_ERROR) % NERRORS]++;
		return FUZZ_ERROR;
	}
	restore_l2();
	reason = vmr(VMCS_VM_EXIT_REASON);
	l3_ran = true;
	if (reason & ENTRY_FAILED) {
		n_entry_failed++;
		entry_failures[(reason & 0xffff) % NREASONS]++;
		return FUZZ_ERROR;
	}
	n_entered++;
	exits[(reason & 0xffff) % NREASONS]++;
	return FUZZ_OK;
}

static enum fuzz_outcome run(struct rng *r, bool trace)
{
	static struct l3_regs regs;
	bool resume = rng_one_in(r, 4);
	unsigned action = (unsigned)rng_below(r, L3_ACTIONS);
	unsigned n = (unsigned)rng_below(r, MAX_MUTATIONS + 1);
	uint32_t enc[MAX_MUTATIONS];
	uint64_t val[MAX_MUTATIONS];
	int row[MAX_MUTATIONS]; /* in writable[], or -1: no field */
	char text[120];
	int len = 0;

	if (rng_one_in(r, 4))
		fill_list_entry(r, (unsigned)rng_below(r, 8));
	for (unsigned m = 0; m < n; m++) {
		unsigned i = (unsigned)rng_below(r, nwritable);

		row[m] = -1;
		if (rng_one_in(r, 32)) {
			enc[m] = (uint32_t)rng_next(r); /* any encoding: mostly no field */
			val[m] = rng_next(r);
			continue;
		}
		row[m] = (int)i;
		enc[m] = table[writable[i]].enc;
		val[m] = mutate(r, enc[m], table[writable[i]].type, base[i]);
	}
	if (trace) {
		for (unsigned m = 0; m < n; m++)
			len += hv_snprintf(text + len, sizeof(text) - (size_t)len, " %#x=%#lx",
					   enc[m], val[m]);
		fuzz_trace("%s action=%u%s", resume ? "vmresume" : "vmlaunch", action, len ? text : "");
	}
	if (!resume) {
		vmclear(vmcs_pa);
		vmptrld(vmcs_pa);
		restore_base();
		vmw(VMCS_GUEST_RIP, vmcs_space_entry(action));
	}
	for (unsigned m = 0; m < n; m++) {
		if (row[m] >= 0)
			dirty[row[m]] = true;
		if (vmwrite_r(enc[m], val[m]) != VMX_OK)
			n_refused++;
	}
	resume ? n_resume++ : n_launch++;
	regs = (struct l3_regs){ { 0 } };
	vmx_run_new_vmcs(); /* HOST_RSP may be a mutated one */
	return classify(vmx_run(&regs, !resume));
}

static void report(void)
{
	guest_mline("fuzz-vmcs", "launch=%lu resume=%lu vmwrite_refused=%lu vmfail_invalid=%lu "
		    "vmfail_valid=%lu entry_failed=%lu entered=%lu", n_launch, n_resume, n_refused,
		    n_fail_invalid, n_launch + n_resume - n_fail_invalid - n_entry_failed - n_entered,
		    n_entry_failed, n_entered);
	for (unsigned e = 0; e < NERRORS; e++)
		if (vmfail_valid[e])
			guest_mline("fuzz-vmcs-vmfail", "error=%u n=%lu", e, vmfail_valid[e]);
	for (unsigned x = 0; x < NREASONS; x++) {
		if (entry_failures[x])
			guest_mline("fuzz-vmcs-exit", "entry_failed=1 reason=%u n=%lu", x,
				    entry_failures[x]);
		if (exits[x])
			guest_mline("fuzz-vmcs-exit", "entry_failed=0 reason=%u n=%lu", x, exits[x]);
	}
}

const struct fuzz_op fuzz_op_vmcs = { .name = "vmcs", .init = init, .run = run, .report = report };
