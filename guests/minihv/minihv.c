/*
 * minihv.c - the mini guest hypervisor's main line: VMX on, the VMfail
 * checks, L3 run to completion on one VMCS (CPUID, VMCALL, I/O, MSR and
 * exception exits, an injected NMI), the VM-entry failure checks, a second
 * VMCS, L3 under minihv's EPT, an exit during event delivery, the CPUID
 * round-trip benchmark, VMX off, HC_EXIT. Command line:
 * iters=N (benchmark round trips, default 100).
 */
#include "guest.h"
#include "lib/string.h"
#include "minihv.h"
#include "trap.h"
#include "vmcall.h"
#include "vmcs/field_list.h"
#include "vmx_bits.h"
#include "vmx_ops.h"
#include "x86.h"

#define CPUID1_ECX_VMX (1u << 5)
#define EXIT_EXCEPTION 0
#define EXIT_CPUID 10
#define EXIT_HLT 12
#define EXIT_VMCALL 18
#define EXIT_IO 30
#define EXIT_RDMSR 31
#define NMI_INJECT (0x80000000u | 2u << 8 | 2u)
#define L3_STACK 8192

struct minihv_caps caps;
static uint8_t regions[4][4096] __attribute__((aligned(4096)));
static uint8_t l3_stacks[2][L3_STACK] __attribute__((aligned(16)));
static bool vmx_ok = true;
extern volatile uint64_t l3_bench_iters;
extern char l3_nmi_stub[];

uint64_t region(unsigned i, uint32_t revision)
{
	memset(regions[i], 0, sizeof(regions[i]));
	*(uint32_t *)regions[i] = revision;
	return (uint64_t)(uintptr_t)regions[i];
}

uint64_t vmr(uint64_t field)
{
	uint64_t v = 0;

	if (vmread_r(field, &v) != VMX_OK && vmx_ok)
		vmx_ok = guest_check("vmread", false, "field=%#lx", field);
	return v;
}

void vmw(uint64_t field, uint64_t value)
{
	if (vmwrite_r(field, value) != VMX_OK && vmx_ok)
		vmx_ok = guest_check("vmwrite", false, "field=%#lx value=%#lx", field, value);
}

static void read_caps(void)
{
	caps_read();
	guest_mline("minihv-caps", "revision=%#x pin=%#lx proc=%#lx exit=%#lx entry=%#lx",
		    caps.revision, caps.pin, caps.proc, caps.exit, caps.entry);
}

void skip(void)
{
	vmw(VMCS_GUEST_RIP, vmr(VMCS_GUEST_RIP) + vmr(VMCS_VM_EXIT_INSTRUCTION_LENGTH));
}

/* What minihv's exit handler saw, for the checks. */
struct exit_log {
	unsigned cpuid, vmcall, io, rdmsr, ud, other;
	uint8_t io_value;
	uint64_t other_reason;
};

/*
 * CPUID for L3, answered from the last leaf asked when it is asked again,
 * as a guest hypervisor answers from its table: minihv's own CPUID would
 * exit to L1 and add to every reflected CPUID's cost.
 */
static struct cpuid_regs cpuid_cached(uint32_t leaf, uint32_t sub)
{
	static struct cpuid_regs last;
	static uint32_t last_leaf = ~0u, last_sub;

	if (leaf != last_leaf || sub != last_sub) {
		last = cpuid(leaf, sub);
		last_leaf = leaf;
		last_sub = sub;
	}
	return last;
}

/* Handles one exit of L3; false when L3 halted (its end). */
static bool handle_exit(struct l3_regs *r, struct exit_log *log, bool inject_nmi)
{
	uint32_t reason = (uint32_t)vmr(VMCS_VM_EXIT_REASON);

	switch (reason) {
	case EXIT_CPUID: {
		struct cpuid_regs c = cpuid_cached((uint32_t)r->gpr[R_RAX], (uint32_t)r->gpr[R_RCX]);

		r->gpr[R_RAX] = c.eax;
		r->gpr[R_RBX] = c.ebx;
		r->gpr[R_RCX] = c.ecx;
		r->gpr[R_RDX] = c.edx;
		log->cpuid++;
		skip();
		if (inject_nmi && log->cpuid == 1)
			vmw(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, NMI_INJECT);
		return true;
	}
	case EXIT_VMCALL:
		r->gpr[R_RAX] ^= 0xffff;
		log->vmcall++;
		skip();
		return true;
	case EXIT_IO:
		log->io_value = (uint8_t)r->gpr[R_RAX];
		log->io++;
		skip();
		return true;
	case EXIT_RDMSR:
		r->gpr[R_RAX] = 0xabcd;
		r->gpr[R_RDX] = 0;
		log->rdmsr++;
		skip();
		return true;
	case EXIT_EXCEPTION:
		log->ud += (vmr(VMCS_VM_EXIT_INTERRUPTION_INFORMATION) & 0xff) == 6;
		vmw(VMCS_GUEST_RIP, vmr(VMCS_GUEST_RIP) + 2); /* UD2 */
		return true;
	case EXIT_HLT:
		return false;
	default:
		log->other++;
		log->other_reason = reason;
		return false;
	}
}

/* Runs L3 from the current VMCS until it halts; false if an entry VMfailed. */
static bool run_l3(struct exit_log *log, bool launch, bool inject_nmi)
{
	static struct l3_regs regs;
	uint64_t rflags;

	memset(log, 0, sizeof(*log));
	memset(&regs, 0, sizeof(regs));
	do {
		rflags = vmx_run(&regs, launch);
		if (rflags)
			return guest_check("l3-entry", false, "rflags=%#lx error=%lu", rflags,
					   vmr(VMCS_VM_INSTRUCTION_ERROR));
		launch = false;
	} while (handle_exit(&regs, log, inject_nmi));
	return true;
}

/* The payload on VMCS a: every kind of exit, the NMI, the results L3 saw. */
static bool run_payload(uint64_t a)
{
	struct exit_log log;
	bool ok = true;

	vmclear(a);
	vmptrld(a);
	vmcs_build(l3_main, (uint64_t)(uintptr_t)(l3_stacks[0] + L3_STACK) - 8);
	vmw(VMCS_GUEST_IA32_SYSENTER_ESP, 0x5e5e);
	trap_set_gate(2, (void (*)(void))l3_nmi_stub);
	ok &= guest_check("l3-run", run_l3(&log, true, true) && vmx_ok, "other_exits=%u reason=%#lx",
			  log.other, log.other_reason);
	trap_set_gate(2, NULL);
	ok &= guest_check("l3-cpuid", log.cpuid == 1 && l3_results[0] == 0x756e6547,
			  "exits=%u ebx=%#lx", log.cpuid, l3_results[0]);
	ok &= guest_check("l3-vmcall", log.vmcall == 1 && l3_results[1] == (0x4c33 ^ 0xffff),
			  "exits=%u rax=%#lx", log.vmcall, l3_results[1]);
	ok &= guest_check("l3-io-to-l2", log.io == 1 && log.io_value == 0x42, "exits=%u value=%#x",
			  log.io, log.io_value);
	ok &= guest_check("l3-io-by-l1", l3_results[2] == 0xe0, "in=%#lx", l3_results[2]);
	ok &= guest_check("l3-rdmsr-to-l2", log.rdmsr == 1 && l3_results[3] == 0xabcd,
			  "exits=%u value=%#lx", log.rdmsr, l3_results[3]);
	ok &= guest_check("l3-rdmsr-by-l1", l3_results[4] == 0x5e5e, "value=%#lx", l3_results[4]);
	ok &= guest_check("l3-exception", log.ud == 1 && l3_results[5] == 1, "ud_exits=%u", log.ud);
	ok &= guest_check("l3-nmi-injected", l3_event_count == 1, "nmis=%u", l3_event_count);
	return ok;
}

/* A second VMCS, launched after the first: several VMCSs per L2. */
static bool run_second_vmcs(uint64_t b)
{
	struct exit_log log;
	bool ran;

	memset((void *)l3_results, 0, sizeof(l3_results));
	vmclear(b);
	vmptrld(b);
	vmcs_build(l3_main, (uint64_t)(uintptr_t)(l3_stacks[1] + L3_STACK) - 8);
	vmw(VMCS_GUEST_IA32_SYSENTER_ESP, 0x5e5e);
	ran = run_l3(&log, true, false);
	return guest_check("second-vmcs", ran && log.cpuid == 1 && l3_results[5] == 1,
			   "cpuid_exits=%u ud2_skipped=%lu", log.cpuid, l3_results[5]);
}

/*
 * An exit during event delivery: the NMI minihv injects cannot be delivered
 * through an IDT of two gates (limit 0xf): the #GP that raises, which
 * minihv intercepts, exits with the NMI in the IDT-vectoring information
 * (SDM 28.2.4) and the error code of an IDT gate (vector 2, IDT bit, EXT:
 * an NMI is external to L3).
 */
static bool event_delivery_exit(uint64_t a)
{
	uint64_t rflags, reason, info, error, idt;

	vmclear(a);
	vmptrld(a);
	vmcs_build(l3_main, (uint64_t)(uintptr_t)(l3_stacks[0] + L3_STACK) - 8);
	vmw(VMCS_EXCEPTION_BITMAP, 1u << 13);
	vmw(VMCS_GUEST_IDTR_LIMIT, 0xf);
	vmw(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, NMI_INJECT);
	rflags = vmx_run(&(struct l3_regs){ { 0 } }, 1);
	reason = vmr(VMCS_VM_EXIT_REASON);
	info = vmr(VMCS_VM_EXIT_INTERRUPTION_INFORMATION);
	error = vmr(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE);
	idt = vmr(VMCS_IDT_VECTORING_INFORMATION_FIELD);
	return guest_check("exit-during-event-delivery", !rflags && reason == EXIT_EXCEPTION &&
			   info == 0x80000b0d && error == (2 * 8 | 2 | 1) && idt == NMI_INJECT,
			   "rflags=%#lx reason=%lu intr_info=%#lx error=%#lx idt_vectoring=%#lx",
			   rflags, reason, info, error, idt);
}

/* L3 CPUID round trips as L3 times them; exits counted by L1 (HC_NESTED_STATS). */
static bool bench(uint64_t a, uint64_t iters)
{
	struct exit_log log;
	struct hc_result s0, s1, e0, e1;
	uint64_t l1_exits, reflected;

	l3_bench_iters = iters;
	vmclear(a);
	vmptrld(a);
	vmcs_build(l3_bench, (uint64_t)(uintptr_t)(l3_stacks[0] + L3_STACK) - 8);
	e0 = vmcall(HC_EXIT_COUNT, 0, 0, 0);
	s0 = vmcall(HC_NESTED_STATS, 0, 0, 0);
	if (!run_l3(&log, true, false))
		return false;
	s1 = vmcall(HC_NESTED_STATS, 0, 0, 0);
	e1 = vmcall(HC_EXIT_COUNT, 0, 0, 0);
	reflected = s1.rcx - s0.rcx;
	/* Less the three VMCALLs after the first HC_EXIT_COUNT: L2's own exits. */
	l1_exits = e1.rbx - e0.rbx - 3;
	guest_mline("nested-bench", "test=cpuid iters=%lu min=%lu avg=%lu reflected=%lu "
		    "l1_exits=%lu l1_exits_x100_per_reflect=%lu l2_vmrw_exits_x100_per_reflect=%lu",
		    iters, l3_results[0], l3_results[1] / iters, reflected, l1_exits,
		    reflected ? 100 * l1_exits / reflected : 0,
		    reflected ? 100 * (s1.rdx - s0.rdx) / reflected : 0);
	return guest_check("bench", log.cpuid == iters && reflected == iters + 1,
			   "cpuid_exits=%u reflected=%lu", log.cpuid, reflected);
}

/* VMLAUNCH of a launched VMCS: VMfailValid(4). */
static bool vmlaunch_launched(uint64_t a)
{
	uint64_t rflags, err;

	vmptrld(a);
	rflags = vmx_run(&(struct l3_regs){ { 0 } }, 1);
	err = vmr(VMCS_VM_INSTRUCTION_ERROR);
	return guest_check("vmlaunch-launched", (rflags & 0x40) && err == 4,
			   "rflags=%#lx error=%lu", rflags, err);
}

/* VMXOFF and VMXON between VMLAUNCH and VMRESUME of a VMCS never cleared: error 6. */
static bool vmresume_after_vmxoff(uint64_t vmxon_pa, uint64_t a)
{
	uint64_t rflags = 0, err = 0;
	bool on = vmxon(vmxon_pa) == VMX_OK;

	if (on && vmptrld(a) == VMX_OK) {
		rflags = vmx_run(&(struct l3_regs){ { 0 } }, 0);
		err = vmr(VMCS_VM_INSTRUCTION_ERROR);
	}
	vmclear(a);
	on &= vmxoff() == VMX_OK;
	return guest_check("vmresume-after-vmxoff", on && (rflags & 0x40) && err == 6,
			   "rflags=%#lx error=%lu", rflags, err);
}

static uint64_t cmdline_iters(const char *cmdline)
{
	const char *p = cmdline;
	uint64_t n = 0;

	while (*p && memcmp(p, "iters=", 6))
		p++;
	if (!*p)
		return 100;
	for (p += 6; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	return n ? n : 100;
}

bool guest_main(const char *cmdline)
{
	uint64_t vmxon_pa, a, b;
	bool ok = true;

	if (!guest_check("cpuid-vmx", cpuid(1, 0).ecx & CPUID1_ECX_VMX, "ecx=%#x", cpuid(1, 0).ecx))
		goto out;
	read_caps();
	gdt_with_tss_init();
	write_cr4(read_cr4() | CR4_VMXE);
	ok &= vmfail_checks_before_vmxon();
	vmxon_pa = region(0, caps.revision);
	if (!guest_check("vmxon", vmxon(vmxon_pa) == VMX_OK, "region=%#lx", vmxon_pa)) {
		ok = false;
		goto out;
	}
	ok &= vmfail_checks(vmxon_pa);
	a = region(1, caps.revision);
	b = region(3, caps.revision);
	ok &= run_payload(a);
	ok &= vmlaunch_launched(a);
	vmclear(a);
	vmptrld(a);
	vmcs_build(l3_main, (uint64_t)(uintptr_t)(l3_stacks[0] + L3_STACK) - 8);
	ok &= entry_failure_checks();
	ok &= run_second_vmcs(b);
	ok &= ept_checks(b, l3_stacks[1] + L3_STACK);
	ok &= event_delivery_exit(a);
	ok &= bench(a, cmdline_iters(cmdline));
	ok &= guest_check("vmxoff", vmxoff() == VMX_OK, "cr4=%#lx", read_cr4());
	ok &= vmresume_after_vmxoff(vmxon_pa, a);
	write_cr4(read_cr4() & ~CR4_VMXE);
out:
	guest_mline("minihv", "result=%s", ok && vmx_ok ? "pass" : "fail");
	vmcall(HC_EXIT, ok && vmx_ok ? 0 : 1, 0, 0);
	return guest_check("hc-exit", false, "reason=\"HC_EXIT returned\"");
}
