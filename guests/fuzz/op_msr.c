/*
 * op_msr.c - fuzz kind "msr": RDMSR/WRMSR of MSRs that exit to the
 * hypervisor: the ones its bitmap intercepts (IA32_FEATURE_CONTROL, the VMX
 * capability MSRs, the synthetic HV_MSR_SCRATCH), and indexes outside the
 * bitmap's ranges, which the hypervisor runs on the CPU for L2 (an MSR of
 * another vendor, a made-up one). Random values; #GP is an expected outcome.
 * MSRs L2 owns directly never exit and are left alone: writing them only
 * tests L2.
 */
#include "extable.h"
#include "fuzz.h"
#include "hypercall.h"

static uint32_t pick_msr(struct rng *r)
{
	switch (rng_below(r, 6)) {
	case 0:
		return 0x3a; /* IA32_FEATURE_CONTROL */
	case 1:
		return 0x480 + (uint32_t)rng_below(r, 0x12); /* IA32_VMX_BASIC .. VMFUNC */
	case 2:
		return HV_MSR_SCRATCH;
	case 3:
		return 0x2000 + (uint32_t)rng_below(r, 0xc0000000u - 0x2000); /* between ranges */
	case 4:
		return 0xc0010000u + (uint32_t)rng_below(r, 0x2000); /* AMD's */
	default:
		return 0xc0002000u + (uint32_t)rng_below(r, 0x3fffe000u); /* above the high range */
	}
}

static enum fuzz_outcome run(struct rng *r, bool trace)
{
	uint32_t msr = pick_msr(r);
	bool write = rng_below(r, 2);
	uint64_t value = rng_next(r);
	bool fault;

	if (trace)
		fuzz_trace("%s msr=%#x value=%#lx", write ? "wrmsr" : "rdmsr", msr, value);
	fault = write ? wrmsr_safe(msr, value) : rdmsr_safe(msr, &value);
	return fault ? FUZZ_FAULT : FUZZ_OK;
}

const struct fuzz_op fuzz_op_msr = { .name = "msr", .run = run };
