/*
 * minihv.c - the mini guest hypervisor's main line: VMX on, the VMfail
 * checks, L3 run to completion on one VMCS (CPUID, VMCALL, I/O, MSR and
 * exception exits, an injected NMI), the VM-entry failure checks, a second
 * VMCS, L3 under minihv's EPT, an exit during event delivery, the CPUID
 * round-trip benchmarks (bench.c), VMX off, HC_EXIT. Command line:
 * iters=N (benchmark round trips of each kind, default 100, at most
 * L3_BENCH_MAX), irq=1 (the interrupt checks of irq_checks.c, before the
 * benchmark), urg=1 (L3 in real mode and with paging off, urg_checks.c),
 * cpu=1 (all of it on CPU 1, an AP), hang=1 (an L3 that spins forever, for
 * L1's watchdog, first).
 *
 * Under another L1 (Linux KVM through kvmrun: the kvm-l1-nested bench peer)
 * minihv runs the same way without this hypervisor's hypercalls: the
 * benchmarks count the exits into L1 through kvmrun's exit-count port, and
 * the run ends through the guest runtime's power-off (isa-debug-exit). The checks of L1's VMfail and
 * VM-entry-failure outcomes then judge that L1, not minihv: they are
 * printed, summed up in "@guest l1-conformance", and leave the verdict to
 * what minihv itself must do (run L3, handle its exits, time them).
 */
#include "apic.h"
#include "guest.h"
#include "lib/string.h"
#include "minihv.h"
#include "smp.h"
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
bool under_hv;
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
	guest_mline("minihv-caps", "revision=%#x pin=%#lx proc=%#lx exit=%#lx entry=%#lx "
		    "misc=%#lx", caps.revision, caps.pin, caps.proc, caps.exit, caps.entry,
		    caps.misc);
}

void skip(void)
{
	vmw(VMCS_GUEST_RIP, vmr(VMCS_GUEST_RIP) + vmr(VMCS_VM_EXIT_INSTRUCTION_LENGTH));
}

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
bool run_l3(struct exit_log *log, bool launch, bool inject_nmi)
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

/* L3 for hang=1: spins on one instruction, its registers unchanged (L1's watchdog). */
extern char l3_spin_forever[];
__asm__(".globl l3_spin_forever\n"
	"l3_spin_forever:\n\t"
	"jmp l3_spin_forever");

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

/* The number after 'key' (e.g. "iters=") on the command line, or 'dflt'. */
static uint64_t cmdline_number(const char *cmdline, const char *key, uint64_t dflt)
{
	size_t len = strlen(key);
	const char *p = cmdline;
	uint64_t n = 0;

	while (*p && memcmp(p, key, len))
		p++;
	if (!*p)
		return dflt;
	for (p += len; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	return n;
}

/* iters=: benchmark round trips of each kind, 100 unless given, at most L3_BENCH_MAX. */
static uint64_t cmdline_iters(const char *cmdline)
{
	uint64_t n = cmdline_number(cmdline, "iters=", 100);

	return !n ? 100 : n > L3_BENCH_MAX ? L3_BENCH_MAX : n;
}

/* The L1 hypervisor's CPUID signature (leaf 0x40000000), e.g. "KVMKVMKVM" or "NestedHVisor". */
static void l1_signature(char out[13])
{
	struct cpuid_regs r = cpuid(HV_CPUID_LEAF, 0);

	memcpy(out, &r.ebx, 4);
	memcpy(out + 4, &r.ecx, 4);
	memcpy(out + 8, &r.edx, 4);
	out[12] = 0;
	for (int i = 0; i < 12; i++)
		out[i] = out[i] > ' ' && out[i] < 0x7f && out[i] != '"' ? out[i] : (out[i] ? '?' : 0);
}

/*
 * Everything minihv checks, on the CPU it runs on. Under this hypervisor it
 * ends the run (HC_EXIT); under another L1 it returns the verdict.
 */
static bool minihv_run(const char *cmdline, unsigned cpu)
{
	uint64_t vmxon_pa, a, b;
	bool ok = true, conform = true; /* conform: L1 gave the SDM's VMfail and entry outcomes */
	char l1[13];

	under_hv = hv_present();
	l1_signature(l1);
	guest_mline("minihv-l1", "signature=\"%s\" hypercalls=%d", l1, under_hv);
	if (!under_hv && !(cpuid(1, 0).ecx & CPUID1_ECX_VMX)) {
		/* Not minihv's failure: that L1 (e.g. kvm_intel with nested=0) offers no VMX. */
		guest_mline("minihv", "result=skip reason=\"L1 %s offers no VMX (CPUID.1:ECX.VMX=0)\"",
			    l1);
		return true;
	}
	if (!guest_check("cpuid-vmx", cpuid(1, 0).ecx & CPUID1_ECX_VMX, "ecx=%#x", cpuid(1, 0).ecx))
		goto out;
	read_caps();
	gdt_with_tss_init();
	write_cr4(read_cr4() | CR4_VMXE);
	conform &= vmfail_checks_before_vmxon();
	vmxon_pa = region(0, caps.revision);
	if (!guest_check("vmxon", vmxon(vmxon_pa) == VMX_OK, "region=%#lx", vmxon_pa)) {
		ok = false;
		goto out;
	}
	conform &= vmfail_checks(vmxon_pa);
	a = region(1, caps.revision);
	if (cmdline_number(cmdline, "hang=", 0)) {
		vmclear(a);
		vmptrld(a);
		vmcs_build((void (*)(void))l3_spin_forever, (uint64_t)(uintptr_t)(l3_stacks[0] + L3_STACK) - 8);
		guest_mline("hang", "kind=l3-spin rip=%#lx", (uint64_t)(uintptr_t)l3_spin_forever);
		vmx_run(&(struct l3_regs){ { 0 } }, 1);
		ok = guest_check("l3-hang", false, "reason=\"L3 exited\"");
	}
	b = region(3, caps.revision);
	ok &= run_payload(a);
	conform &= vmlaunch_launched(a);
	vmclear(a);
	vmptrld(a);
	vmcs_build(l3_main, (uint64_t)(uintptr_t)(l3_stacks[0] + L3_STACK) - 8);
	conform &= entry_failure_checks();
	ok &= run_second_vmcs(b);
	ok &= ept_checks(b, l3_stacks[1] + L3_STACK);
	ok &= invept_checks(b, l3_stacks[1] + L3_STACK);
	ok &= l1_ept_checks(b, l3_stacks[1] + L3_STACK);
	if (cmdline_number(cmdline, "urg=", 0))
		ok &= urg_checks(b, l3_stacks[1] + L3_STACK);
	ok &= event_delivery_exit(a);
	if (cmdline_number(cmdline, "irq=", 0))
		ok &= irq_checks(a, l3_stacks[0] + L3_STACK);
	ok &= bench(a, l3_stacks[0] + L3_STACK, cmdline_iters(cmdline));
	ok &= guest_check("vmxoff", vmxoff() == VMX_OK, "cr4=%#lx", read_cr4());
	conform &= vmresume_after_vmxoff(vmxon_pa, a);
	write_cr4(read_cr4() & ~CR4_VMXE);
	guest_mline("l1-conformance", "result=%s judged=%d", conform ? "pass" : "fail", under_hv);
	if (under_hv)
		ok &= conform;
out:
	ok &= vmx_ok;
	guest_mline("minihv", "result=%s cpu=%u", ok ? "pass" : "fail", cpu);
	if (!under_hv)
		return ok; /* the guest runtime powers off (isa-debug-exit) */
	vmcall(HC_EXIT, ok ? 0 : 1, 0, 0);
	guest_check("hc-exit", false, "reason=\"HC_EXIT returned\"");
	for (;;)
		__asm__ volatile("cli\n\thlt");
}

static const char *ap_cmdline;

/*
 * CPU 1 (cpu=1): minihv as on the boot CPU, once CR0.NE is set (VMXON
 * needs it; the AP trampoline leaves it clear). Under this hypervisor only:
 * the run ends with HC_EXIT.
 */
static void ap_main(unsigned index)
{
	write_cr0(read_cr0() | CR0_NE);
	(void)minihv_run(ap_cmdline, index);
	for (;;)
		__asm__ volatile("cli\n\thlt");
}

/*
 * cpu=1: the boot CPU starts CPU 1 (APIC ID 1), which runs minihv, and
 * waits; an L2 AP runs L3 (its exits on an AP: vmx_entry.S).
 */
bool guest_main(const char *cmdline)
{
	const char *why;

	if (!cmdline_number(cmdline, "cpu=", 0))
		return minihv_run(cmdline, 0);
	why = apic_init(0xff);
	ap_cmdline = cmdline;
	if (why || !smp_start_cpu(1, 1, ap_main))
		return guest_check("ap-start", false, "why=\"%s\"", why ? why : "no answer");
	for (;;)
		__asm__ volatile("pause");
}
