/*
 * percpu.h - what each physical CPU of the hypervisor owns, reached through
 * GS base (this_cpu()), so the exit path never searches for it.
 */
#ifndef HV_PERCPU_H
#define HV_PERCPU_H

#include <stdint.h>

#include "gdt.h"

#define MAX_CPUS 64

struct vcpu;

struct percpu {
	struct percpu *self;    /* at offset 0: this_cpu() reads %gs:0 */
	/* Read by vmx_entry.S at fixed offsets (exit_fast.h): keep them here. */
	uint32_t fast_cpuid;    /* the exit reason the CPUID fast path takes, or FASTPATH_OFF */
	uint32_t fast_vmcall;   /* the same for VMCALL HC_VERSION */
	unsigned index;         /* 0 = the bootstrap processor */
	uint32_t apic_id;
	struct cpu_gdt gdt;
	uint64_t vmxon_pa;      /* VMXON region, 0 before VMX is on */
	struct vcpu *vcpu;      /* the one vCPU this CPU runs */
	uint64_t vmrw;          /* VMREAD+VMWRITE not yet charged to an exit (fast paths: never) */
};

extern struct percpu percpus[MAX_CPUS];

/* Points GS base at percpus[index] on this CPU and fills its identity. */
void percpu_init(unsigned index, uint32_t apic_id);

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__("movq %%gs:0, %0" : "=r"(p));
	return p;
}

#endif
