/*
 * ept_shootdown.c - INVEPT on every CPU. INVEPT invalidates cached EPT
 * translations on the logical processor that executes it only (SDM Vol. 3C
 * 29.4.3.1 and INVEPT in Vol. 3C 31.3), so after a change to L2's EPT that
 * takes rights away or remaps a page, every other CPU running L2 could go on
 * using the old translation. The initiator bumps a generation, invalidates
 * its own translations and kicks every other CPU whose vCPU runs L2 with an
 * NMI, then waits until each has invalidated and acknowledged the
 * generation. An NMI is the one event that makes a CPU exit whatever its
 * irq= policy (the external interrupts of an irq=direct CPU go straight to
 * L2), and it also reaches a CPU in VMX root operation, holding a lock or
 * spinning for one: the kicked CPU acknowledges in its NMI exit or its NMI
 * handler (a per-CPU flag says the NMI is the hypervisor's; it is not
 * passed to L2). So the wait cannot deadlock on a lock the initiator holds,
 * and two initiators at once acknowledge each other's kicks.
 *
 * Caveat: NMIs do not queue. An NMI of L2's that reaches a CPU while a kick
 * is pending there merges with the kick and is taken for it (lost to L2);
 * the window is the kick's delivery, a few hundred cycles per shoot-down.
 */
#include "lapic.h"
#include "log.h"
#include "mmu/ept_shootdown.h"
#include "percpu.h"
#include "smp.h"
#include "vcpu.h"
#include "vmx.h"

static uint64_t generation;           /* EPT changes that needed a shoot-down so far */
static uint64_t acked[MAX_CPUS];      /* the generation each CPU has invalidated up to */
static uint8_t kicked[MAX_CPUS];      /* a kick NMI is on its way to that CPU */
static uint64_t shootdowns, kicks;

bool ept_shootdown_available(void)
{
	for (unsigned i = 0; i < smp_cpus; i++)
		if (!percpus[i].vcpu || !percpus[i].vcpu->virtual_nmis)
			return false;
	return true;
}

/* This CPU's translations invalidated up to the generation read before the INVEPT. */
static void invalidate_self(void)
{
	unsigned self = this_cpu()->index;
	uint64_t g = __atomic_load_n(&generation, __ATOMIC_SEQ_CST);

	if (__atomic_load_n(&acked[self], __ATOMIC_RELAXED) >= g)
		return;
	invept_all();
	__atomic_store_n(&acked[self], g, __ATOMIC_RELEASE);
}

/* CPU i runs L2: the boot vCPU from launch, an AP from its SIPI (ept_shootdown_join). */
static bool runs_l2(unsigned i)
{
	const struct vcpu *v = percpus[i].vcpu;

	return v && (i == 0 || __atomic_load_n(&v->started, __ATOMIC_SEQ_CST));
}

void ept_shootdown(void)
{
	unsigned self = this_cpu()->index;
	uint64_t g = __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);

	invalidate_self();
	for (unsigned i = 0; i < smp_cpus; i++) {
		if (i == self || !runs_l2(i) || __atomic_load_n(&acked[i], __ATOMIC_ACQUIRE) >= g)
			continue;
		__atomic_store_n(&kicked[i], 1, __ATOMIC_SEQ_CST);
		lapic_send_nmi(percpus[i].apic_id);
		__atomic_add_fetch(&kicks, 1, __ATOMIC_RELAXED);
	}
	for (unsigned i = 0; i < smp_cpus; i++)
		while (i != self && runs_l2(i) && __atomic_load_n(&acked[i], __ATOMIC_ACQUIRE) < g) {
			invalidate_self(); /* another initiator's change, if its kick is late */
			__asm__ volatile("pause");
		}
	__atomic_add_fetch(&shootdowns, 1, __ATOMIC_RELAXED);
}

bool ept_shootdown_nmi(void)
{
	if (!__atomic_exchange_n(&kicked[this_cpu()->index], 0, __ATOMIC_ACQ_REL))
		return false;
	invalidate_self();
	return true;
}

void ept_shootdown_join(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* 'started' before the generation (Dekker) */
	invalidate_self();
}

void ept_shootdown_log(void)
{
	if (shootdowns)
		log_mline("ept-shootdown", "shootdowns=%lu kicks=%lu generation=%lu", shootdowns,
			  kicks, generation);
}
