/*
 * shadow_kick.c - the shoot-down of shadow_kick.h. A kick is an NMI: NMIs
 * exit under every irq= policy (irq.c turns NMI exiting on wherever L0
 * offers virtual NMIs; external interrupts go straight to L2 on a direct
 * CPU) and reach the hypervisor in VMX root operation with interrupts off,
 * so a target answers even while it spins on a lock the sender holds. The
 * target flushes in its NMI handler (INVVPID and INVEPT need no VMCS) and
 * reports; the sender waits for every report.
 *
 * Requests are counted per target (req, done: a report covers every request
 * made before the target read req), and an NMI is sent only when none is on
 * its way to that CPU (nmi_pending), so the NMIs a CPU takes as kicks are
 * as many as were sent: an NMI of L2's that arrives in between is taken
 * for the kick and the kick's own NMI then goes to L2 in its place, and
 * neither is lost (up to the CPU's own collapsing of NMIs that arrive
 * while one is blocked, as on hardware).
 */
#include "l0.h"
#include "lapic.h"
#include "panic.h"
#include "percpu.h"
#include "shadow_kick.h"
#include "smp.h"
#include "tsc.h"
#include "vcpu.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define KICK_TIMEOUT_S 20 /* of TSC time: Bochs' TSC counts instructions, a busy L0 is slow */

struct kick {
	uint64_t req, done;     /* requests made, requests served (its flush began after them) */
	uint32_t nmi_pending;   /* an NMI is on its way to this CPU */
} __attribute__((aligned(64)));

static struct kick kicks[MAX_VCPUS];
static uint64_t kicks_sent, wait_ticks;

bool shadow_kick_possible(void)
{
	return vmx_ctl_may_be_1(l0.caps.pin, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS) &&
	       vmx_ctl_may_be_1(l0.caps.proc, PROC_NMI_WINDOW_EXITING);
}

/* Whether vCPU i has run L2 (a vCPU waiting for its SIPI holds no translation and takes no NMI). */
static bool running(unsigned i)
{
	return i == 0 || __atomic_load_n(&vcpus[i].started, __ATOMIC_ACQUIRE);
}

void shadow_kick_others(void)
{
	unsigned me = this_cpu()->index;
	uint64_t want[MAX_VCPUS] = { 0 }, t0 = rdtsc(), deadline = t0 + KICK_TIMEOUT_S * tsc_hz;

	for (unsigned i = 0; i < smp_cpus && i < MAX_VCPUS; i++) {
		if (i == me || !running(i))
			continue;
		want[i] = __atomic_add_fetch(&kicks[i].req, 1, __ATOMIC_ACQ_REL);
		if (!__atomic_exchange_n(&kicks[i].nmi_pending, 1, __ATOMIC_ACQ_REL)) {
			lapic_send_nmi(percpus[i].apic_id);
			__atomic_add_fetch(&kicks_sent, 1, __ATOMIC_RELAXED);
		}
	}
	for (unsigned i = 0; i < smp_cpus && i < MAX_VCPUS; i++) {
		if (i == me || !want[i])
			continue;
		/* One that went back to waiting for a SIPI takes the NMI once started. */
		while (running(i) && __atomic_load_n(&kicks[i].done, __ATOMIC_ACQUIRE) < want[i]) {
			if (rdtsc() > deadline)
				panic("shadow paging: CPU %u did not answer the TLB shoot-down "
				      "NMI", i);
			__asm__ volatile("pause");
		}
	}
	__atomic_add_fetch(&wait_ticks, rdtsc() - t0, __ATOMIC_RELAXED);
}

bool shadow_kick_nmi(void)
{
	struct kick *k = &kicks[this_cpu()->index];
	uint64_t req, cap = l0.caps.ept_vpid_cap;

	if (!__atomic_exchange_n(&k->nmi_pending, 0, __ATOMIC_ACQ_REL))
		return false;
	req = __atomic_load_n(&k->req, __ATOMIC_ACQUIRE);
	invvpid(cap & VPID_CAP_INVVPID_SINGLE ? INVVPID_SINGLE : INVVPID_ALL, GUEST_VPID, 0);
	invept_all();
	__atomic_store_n(&k->done, req, __ATOMIC_RELEASE);
	return true;
}

void shadow_kick_counts(uint64_t *sent, uint64_t *ticks)
{
	*sent = __atomic_load_n(&kicks_sent, __ATOMIC_RELAXED);
	*ticks = __atomic_load_n(&wait_ticks, __ATOMIC_RELAXED);
}
