/*
 * watchdog.c - watchdog=<ms>|off. The VMX-preemption timer counts down in
 * VMX non-root operation at the TSC rate divided by 2^IA32_VMX_MISC[4:0]
 * (SDM Vol. 3C 26.5.1); with "save VMX-preemption timer value" left clear,
 * every VM entry reloads the full period (SDM 27.7.4), so the timer expires
 * only after a whole period without any VM exit. Progress is any VM exit or
 * a change of L2's RIP, RSP or general-purpose registers: at an expiry the
 * vCPU is stalled if no other exit happened since the previous expiry and
 * its registers are all the same. RIP alone is not enough: a REP string
 * instruction keeps its RIP while RCX counts down, and under a deterministic
 * L0 (Bochs) a polling loop can sit at the same RIP at every expiry. A vCPU
 * halted or waiting for a SIPI is waiting, not stalled. A stall ends the run
 * with a register dump, "@hv watchdog ... rip=" and verdict reason=watchdog.
 *
 * L3 (nested=on) is watched the same way through vmcs02 (nested_entry.c).
 *
 * Caught: a spin on one instruction, a loop whose registers no longer change
 * (waiting on memory nobody writes), with or without interrupts; not a
 * livelock that keeps changing registers.
 */
#include "exit.h"
#include "guest_stop.h"
#include "l0.h"
#include "log.h"
#include "options.h"
#include "power.h"
#include "tsc.h"
#include "vmcs/nested.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "watchdog.h"

/* What the previous expiry saw, per vCPU. */
struct watch {
	uint64_t fingerprint; /* of RIP, RSP and the other registers */
	uint64_t exits;
};

static struct watch watches[MAX_VCPUS];
static uint32_t timer_value; /* the period in timer units; 0: off */

void watchdog_init(void)
{
	uint64_t ms = hv_opts.watchdog, units;
	unsigned shift = l0.caps.preemption_timer_shift;

	if (!ms)
		return;
	if (!l0.caps.has[VMXF_PREEMPTION_TIMER]) {
		log_error("watchdog=%lu needs the VMX-preemption timer, which L0 does not offer", ms);
		hv_finish(false, "watchdog-unsupported");
	}
	units = ms * (tsc_hz / 1000) >> shift;
	if (units > UINT32_MAX) {
		log_error("watchdog=%lu ms is %lu timer units, more than the 32-bit timer holds",
			  ms, units);
		hv_finish(false, "bad-cmdline");
	}
	timer_value = units ? (uint32_t)units : 1;
	log_info("watchdog: %lu ms = %u VMX-preemption timer units (TSC / 2^%u)", ms,
		 timer_value, shift);
	log_mline("watchdog-setup", "ms=%lu units=%u shift=%u", ms, timer_value, shift);
}

void watchdog_setup_vmcs(void)
{
	if (!timer_value)
		return;
	vmcs_write(VMCS_PIN_BASED_VM_EXECUTION_CONTROLS,
		   vmread(VMCS_PIN_BASED_VM_EXECUTION_CONTROLS) | PIN_ACTIVATE_PREEMPTION_TIMER);
	vmcs_write(VMCS_VMX_PREEMPTION_TIMER_VALUE, timer_value);
}

/* A 64-bit digest of RIP, RSP and the saved registers (splitmix64 steps). */
static uint64_t fingerprint(const struct vcpu *v, uint64_t rip)
{
	uint64_t h = rip ^ vmread(VMCS_GUEST_RSP) * 0x9e3779b97f4a7c15ull;

	for (unsigned i = 0; i < 16; i++) {
		h = (h ^ v->gpr[i]) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	return h;
}

void handle_preemption_timer(struct vcpu *v)
{
	struct watch *w = &watches[v->index];
	uint64_t rip = vmread(VMCS_GUEST_RIP), exits = vcpu_exits(v);
	uint64_t fp = fingerprint(v, rip);
	bool active = vmread(VMCS_GUEST_ACTIVITY_STATE) == ACTIVITY_ACTIVE;

	if (active && exits == w->exits + 1 && fp == w->fingerprint) {
		log_error("watchdog: %s vCPU %u made no progress for %lu ms: no VM exit, RIP %#lx "
			  "and registers unchanged", v->nested && v->nested->in_l3 ? "L3 on" : "L2",
			  v->index, hv_opts.watchdog, rip);
		log_mline("watchdog", "vcpu=%u rip=%#lx ms=%lu exits=%lu", v->index, rip,
			  hv_opts.watchdog, exits);
		guest_stop(v, false, "watchdog");
	}
	w->fingerprint = fp;
	w->exits = exits;
}
