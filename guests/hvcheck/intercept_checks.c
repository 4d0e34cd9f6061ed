/*
 * intercept_checks.c - what the hypervisor emulates or reflects on purpose:
 * the synthetic HV_MSR_SCRATCH keeps what L2 writes, and #UD, intercepted
 * with exc_intercept=6 (the hvcheck scenario sets it), still reaches L2's
 * own handler with the faulting RIP.
 */
#include "guest.h"
#include "hvcheck.h"
#include "hypercall.h"
#include "trap.h"

#define UD 6
#define SCRATCH_VALUE 0x1122334455667788ull

/* Runs UD2; true if L2's handler saw the #UD. */
static bool ud2_faults(void)
{
	uint8_t fault = 0;

	__asm__ volatile(EXTABLE_INSN("ud2") : [fault] "+qm"(fault) : : "memory");
	return fault;
}

bool intercept_checks(void)
{
	uint64_t got = 0;
	bool ok = true, wf, rf, f;

	wf = wrmsr_safe(HV_MSR_SCRATCH, SCRATCH_VALUE);
	rf = rdmsr_safe(HV_MSR_SCRATCH, &got);
	ok &= guest_check("msr-scratch", !wf && !rf && got == SCRATCH_VALUE,
			  "write_faulted=%d read_faulted=%d value=%#lx", wf, rf, got);
	f = ud2_faults();
	ok &= guest_check("ud-reflected", faulted_with(f, UD), "faulted=%d vector=%lu", f,
			  guest_last_fault.vector);
	return ok;
}
