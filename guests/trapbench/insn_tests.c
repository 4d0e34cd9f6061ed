/*
 * insn_tests.c - round trips of single instructions that a hypervisor may
 * intercept. Each body loads the operands RDTSC overwrote (EAX, EDX) itself,
 * one tick each under Bochs, except OUT's AL, which both ports ignore;
 * operands in other registers are loaded before the timed region. Writes
 * put back the value the register already held.
 */
#include "emul/test_mmio.h"
#include "extable.h"
#include "hypercall.h"
#include "lib/format.h"
#include "trapbench.h"
#include "tsc_measure.h"
#include "vmcall.h"
#include "x86.h"

#define PORT_EMULATED 0xe0    /* the hypervisor answers IN with 0xe0 bytes */
#define PORT_PASSTHROUGH 0x80 /* POST-code port: never exits */
#define MSR_PASSTHROUGH 0x174 /* IA32_SYSENTER_CS: never exits */
#define SCRATCH_PATTERN 0x5a5a00ff12345678ull
#define MMIO_SCRATCH (TEST_MMIO_BASE + TEST_MMIO_SCRATCH) /* a 32-bit MOV exits here */
#define REASON_MAX 96
#define KVM_ENOSYS 1000 /* KVM's answer to a hypercall it does not know: -KVM_ENOSYS */

static uint64_t sysenter_cs;
static uint8_t invlpg_target[4096] __attribute__((aligned(4096)));

TSC_TIMED(cpuid_once, "xor %%eax, %%eax\n\tcpuid", (), "rbx", "rcx")
TSC_TIMED(vmcall_once, "mov %[fn], %%eax\n\tvmcall", ([fn] "i"(HC_VERSION)), "rbx", "rcx")
/* HC_IRQ_INFO: a few loads in C, so the VMCALL takes the generic dispatch (vmexit_handler). */
TSC_TIMED(vmcall_generic_once, "mov %[fn], %%eax\n\tvmcall", ([fn] "i"(HC_IRQ_INFO)), "rbx", "rcx")
TSC_TIMED(pio_in_emulated_once, "inb %[port], %%al", ([port] "i"(PORT_EMULATED)))
TSC_TIMED(pio_out_emulated_once, "outb %%al, %[port]", ([port] "i"(PORT_EMULATED)))
TSC_TIMED(pio_in_passthrough_once, "inb %[port], %%al", ([port] "i"(PORT_PASSTHROUGH)))
TSC_TIMED(pio_out_passthrough_once, "outb %%al, %[port]", ([port] "i"(PORT_PASSTHROUGH)))
TSC_TIMED(mmio_read_once, "mov (%[p]), %%ecx", ([p] "r"(MMIO_SCRATCH)), "rcx")
TSC_TIMED(mmio_write_once, "mov %%ecx, (%[p])", ([p] "r"(MMIO_SCRATCH), "c"(0x5a5a5a5a)))
/* 3 bytes (8b 4e 08), so that a VMCALL fits in its place when patched. */
TSC_TIMED(mmio_patched_once, "mov 8(%[p]), %%ecx", ([p] "S"(MMIO_SCRATCH - 8)), "rcx")
TSC_TIMED(rdmsr_emulated_once, "rdmsr", ("c"(HV_MSR_SCRATCH)))
TSC_TIMED(wrmsr_emulated_once, "mov %%esi, %%eax\n\tmov %%edi, %%edx\n\twrmsr",
	  ("c"(HV_MSR_SCRATCH), "S"((uint32_t)SCRATCH_PATTERN),
	   "D"((uint32_t)(SCRATCH_PATTERN >> 32))))
TSC_TIMED(rdmsr_passthrough_once, "rdmsr", ("c"(MSR_PASSTHROUGH)))
TSC_TIMED(wrmsr_passthrough_once, "mov %%esi, %%eax\n\tmov %%edi, %%edx\n\twrmsr",
	  ("c"(MSR_PASSTHROUGH), "S"((uint32_t)sysenter_cs), "D"((uint32_t)(sysenter_cs >> 32))))
TSC_TIMED(mov_to_cr0_once, "mov %[v], %%cr0", ([v] "r"(read_cr0())))
TSC_TIMED(mov_from_cr0_once, "mov %%cr0, %%rcx", (), "rcx")
TSC_TIMED(mov_to_cr3_once, "mov %[v], %%cr3", ([v] "r"(read_cr3())))
TSC_TIMED(mov_from_cr3_once, "mov %%cr3, %%rcx", (), "rcx")
TSC_TIMED(mov_to_cr4_once, "mov %[v], %%cr4", ([v] "r"(read_cr4())))
TSC_TIMED(mov_from_cr4_once, "mov %%cr4, %%rcx", (), "rcx")
TSC_TIMED(mov_to_cr8_once, "mov %[v], %%cr8", ([v] "r"(0ull))) /* TPR 0: nothing masked */
TSC_TIMED(mov_from_cr8_once, "mov %%cr8, %%rcx", (), "rcx")
TSC_TIMED(invlpg_once, "invlpg (%[p])", ([p] "r"(invlpg_target)))

/*
 * VMCALL HC_VERSION: this hypervisor's cheapest hypercall; under KVM the
 * same instruction is an unknown hypercall (number 0), which KVM's kernel
 * answers with -KVM_ENOSYS: the same round trip with nothing done.
 */
static const char *hypercall(const struct bench_env *env)
{
	static char reason[REASON_MAX];
	int64_t ret;

	if (env->host == HOST_NATIVE)
		return "VMCALL raises #UD without a hypervisor";
	if (env->host == HOST_HV)
		return NULL;
	ret = vmcall(HC_VERSION, 0, 0, 0).ret;
	if (ret == -KVM_ENOSYS)
		return NULL;
	hv_snprintf(reason, sizeof(reason), "KVM answered VMCALL %d with %ld, not -KVM_ENOSYS",
		    HC_VERSION, ret);
	return reason;
}

/*
 * Under a hypervisor (or kvmrun), port 0xe0 must answer IN with 0xe0 (a
 * bare L0 has no device there).
 */
static const char *emulated_port(const struct bench_env *env)
{
	static char reason[REASON_MAX];
	uint8_t v;

	if (env->host == HOST_NATIVE)
		return NULL;
	v = inb(PORT_EMULATED);
	if (v == PORT_EMULATED)
		return NULL;
	hv_snprintf(reason, sizeof(reason),
		    "hypervisor hook missing: IN from port %#x read %#x, not %#x", PORT_EMULATED,
		    v, PORT_EMULATED);
	return reason;
}

/*
 * The test MMIO device (the hypervisor's with mmio_test=on, or kvmrun's,
 * the same model) must answer with its ID.
 */
static const char *emulated_mmio(const struct bench_env *env)
{
	static char reason[REASON_MAX];
	uint32_t id;

	if (env->host == HOST_NATIVE)
		return "the test MMIO device is the hypervisor's (nothing natively at 0xd0000000)";
	id = *(volatile uint32_t *)(uintptr_t)TEST_MMIO_BASE;
	if (id == TEST_MMIO_ID)
		return NULL;
	hv_snprintf(reason, sizeof(reason), "no test MMIO device (boot with mmio_test=on): "
		    "ID register read %#x", id);
	return reason;
}

/* Port 0x80 is L2's own under this hypervisor; KVM has no such thing. */
static const char *passthrough_port(const struct bench_env *env)
{
	return env->host == HOST_KVM ? "KVM intercepts every port: port 0x80 exits to kvmrun "
				       "like port 0xe0 (see pio-*-emulated)" : NULL;
}

/* The test MMIO device, with the hypervisor's promotion cache flushed and set to 'threshold'. */
static const char *mmio_promoting(const struct bench_env *env, uint64_t threshold)
{
	const char *why = emulated_mmio(env);

	if (!why) {
		vmcall(HC_EMUL_PATCH, 0, 0, 0);
		vmcall(HC_EMUL_PROMOTE, threshold, 0, 0); /* also undoes every patch */
	}
	return why;
}

/* mmio-read/-write: the boot option promote= decides (the user's configuration). */
static const char *mmio_boot_policy(const struct bench_env *env)
{
	return mmio_promoting(env, HC_EMUL_PROMOTE_BOOT);
}

/* mmio-cold: promotion off, so every exit decodes with Capstone. */
static const char *mmio_cold(const struct bench_env *env)
{
	return mmio_promoting(env, 0);
}

/* mmio-promoted: promoted at the first trap (a warm-up one), then the cached decode. */
static const char *mmio_promoted(const struct bench_env *env)
{
	return mmio_promoting(env, 1);
}

/* mmio-patched: promoted at the first trap, patched to a VMCALL at the first promoted one. */
static const char *mmio_patched(const struct bench_env *env)
{
	const char *why = mmio_promoting(env, 1);

	if (!why)
		vmcall(HC_EMUL_PATCH, 1, 0, 0);
	return why;
}

/* HV_MSR_SCRATCH must keep what is written to it; it exists only under the hypervisor. */
static const char *emulated_msr(const struct bench_env *env)
{
	static char reason[REASON_MAX];
	uint64_t got = 0;

	if (env->host != HOST_HV)
		return "MSR 0x4e480000 exists only under this hypervisor (#GP elsewhere)";
	if (wrmsr_safe(HV_MSR_SCRATCH, SCRATCH_PATTERN) || rdmsr_safe(HV_MSR_SCRATCH, &got))
		return "hypervisor hook missing: #GP on MSR 0x4e480000";
	if (got == SCRATCH_PATTERN)
		return NULL;
	hv_snprintf(reason, sizeof(reason),
		    "hypervisor hook missing: MSR 0x4e480000 read back %#lx", got);
	return reason;
}

/* Reads IA32_SYSENTER_CS for the write test to put back. */
static const char *passthrough_msr(const struct bench_env *env)
{
	(void)env;
	return rdmsr_safe(MSR_PASSTHROUGH, &sysenter_cs) ? "#GP on MSR 0x174" : NULL;
}

const struct bench_test insn_tests[] = {
	{ "cpuid", cpuid_once, NULL },
	{ "vmcall", vmcall_once, hypercall },
	{ "vmcall-generic", vmcall_generic_once, hypercall },
	{ "pio-in-emulated", pio_in_emulated_once, emulated_port },
	{ "pio-out-emulated", pio_out_emulated_once, emulated_port },
	{ "pio-in-passthrough", pio_in_passthrough_once, passthrough_port },
	{ "pio-out-passthrough", pio_out_passthrough_once, passthrough_port },
	{ "mmio-read", mmio_read_once, mmio_boot_policy },
	{ "mmio-write", mmio_write_once, mmio_boot_policy },
	{ "mmio-cold", mmio_read_once, mmio_cold },
	{ "mmio-promoted", mmio_read_once, mmio_promoted },
	{ "mmio-patched", mmio_patched_once, mmio_patched },
	{ "rdmsr-emulated", rdmsr_emulated_once, emulated_msr },
	{ "wrmsr-emulated", wrmsr_emulated_once, emulated_msr },
	{ "rdmsr-passthrough", rdmsr_passthrough_once, passthrough_msr },
	{ "wrmsr-passthrough", wrmsr_passthrough_once, passthrough_msr },
	{ "mov-to-cr0", mov_to_cr0_once, NULL },
	{ "mov-from-cr0", mov_from_cr0_once, NULL },
	{ "mov-to-cr3", mov_to_cr3_once, NULL },
	{ "mov-from-cr3", mov_from_cr3_once, NULL },
	{ "mov-to-cr4", mov_to_cr4_once, NULL },
	{ "mov-from-cr4", mov_from_cr4_once, NULL },
	{ "mov-to-cr8", mov_to_cr8_once, NULL },
	{ "mov-from-cr8", mov_from_cr8_once, NULL },
	{ "invlpg", invlpg_once, NULL },
};

const size_t n_insn_tests = sizeof(insn_tests) / sizeof(insn_tests[0]);
