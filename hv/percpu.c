/*
 * percpu.c - the per-CPU areas, one static slot per possible CPU.
 */
#include "percpu.h"
#include "x86.h"

#define MSR_GS_BASE 0xc0000101

struct percpu percpus[MAX_CPUS];

void percpu_init(unsigned index, uint32_t apic_id)
{
	struct percpu *p = &percpus[index];

	p->self = p;
	p->index = index;
	p->apic_id = apic_id;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)p);
}
