/*
 * fuzz_entry_checks.c - libFuzzer target: the VM-entry checks on a guest
 * hypervisor's VMCS (hv/vmcs/entry_checks.c) over random field values.
 * Byte 0 picks the environment (L2's capabilities as nested_caps.c narrows
 * them or L0's own, the physical-address width, L2's IA-32e mode, whether
 * the base is the valid VMCS of example_vmcs.h or all zeros, what the
 * link pointer's region and PDPTEs read as); the rest are 10-byte records,
 * a field index (bit 15: XOR instead of set) and a 64-bit value.
 *
 * Oracle: the checks read only fields that exist, answer the same twice,
 * report a rule exactly when they fail (a guest-state qualification only
 * for guest state), agree with their subsets (the VMRESUME shortcuts
 * entry_check_event_injection and entry_check_resume_guest never fail a
 * VMCS the full checks pass), and a VMCS they pass obeys a few rules
 * restated here plainly from the SDM (Vol. 3C 27.2-27.3).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "example_vmcs.h"
#include "example_vmx_msrs.h"
#include "vmcs/entry_checks.h"
#include "vmcs/nested_caps.h"
#include "x86.h"

struct env_state {
	uint64_t f[VMCS_FIELD_ROWS];
	uint64_t phys;     /* what every 8-byte read of L2's memory returns */
	bool phys_present; /* false: none of L2's memory is there */
};

static uint64_t get(void *arg, enum vmcs_index idx)
{
	struct env_state *s = arg;

	if ((unsigned)idx >= VMCS_FIELD_ROWS)
		abort();
	return s->f[idx];
}

static bool read_phys(void *arg, uint64_t pa, uint64_t *value)
{
	struct env_state *s = arg;

	(void)pa;
	*value = s->phys;
	return s->phys_present;
}

static bool same(struct entry_check_result a, struct entry_check_result b)
{
	return a.kind == b.kind && a.qual == b.qual && a.what == b.what;
}

/* The result's own consistency: a rule named exactly on failure, qualification only for guests. */
static void check_shape(struct entry_check_result r)
{
	if (r.kind > ENTRY_CHECK_GUEST || (r.kind == ENTRY_CHECK_OK) != (r.what == NULL) ||
	    (r.kind != ENTRY_CHECK_GUEST && r.qual != 0))
		abort();
}

/* What any VMCS that passes controls and host state must obey (27.2), restated. */
static void check_passed_controls(const struct entry_check_env *env, const uint64_t *f)
{
	uint64_t pin_cap = env->caps->basic & (1ull << 55) ? env->caps->true_pinbased :
							    env->caps->pinbased;
	uint64_t pin = f[VMCS_IDX_PIN_BASED_VM_EXECUTION_CONTROLS];
	bool host64 = f[VMCS_IDX_PRIMARY_VM_EXIT_CONTROLS] & EXIT_HOST_ADDR_SPACE_SIZE;

	if ((pin & (uint32_t)pin_cap) != (uint32_t)pin_cap || (pin & ~(pin_cap >> 32)) ||
	    f[VMCS_IDX_HOST_CS_SELECTOR] == 0 || f[VMCS_IDX_HOST_TR_SELECTOR] == 0 ||
	    (f[VMCS_IDX_HOST_CR4] & CR4_VMXE) == 0 || host64 != env->host_lma ||
	    (host64 && !is_canonical(f[VMCS_IDX_HOST_RIP])))
		abort();
}

/* What any VMCS that passes the guest-state checks must obey (27.3), restated. */
static void check_passed_guest(const uint64_t *f)
{
	uint64_t rflags = f[VMCS_IDX_GUEST_RFLAGS], cr0 = f[VMCS_IDX_GUEST_CR0];
	uint64_t cs = f[VMCS_IDX_GUEST_CS_ACCESS_RIGHTS];

	if (!(rflags & 2) || (rflags >> 22) || ((cr0 & CR0_PG) && !(cr0 & 1)) ||
	    !(cs & 1) || !(cs & 8) || f[VMCS_IDX_GUEST_ACTIVITY_STATE] > 1 ||
	    (f[VMCS_IDX_GUEST_INTERRUPTIBILITY_STATE] & 3) == 3 ||
	    f[VMCS_IDX_GUEST_GDTR_LIMIT] > 0xffff || f[VMCS_IDX_GUEST_IDTR_LIMIT] > 0xffff)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned widths[4] = { 36, 39, 46, 52 };
	static struct vmx_cap_msrs nested, *const choice[2] = { &nested,
		(struct vmx_cap_msrs *)&example_l0_msrs };
	static struct env_state s;
	struct entry_check_env env;
	struct entry_check_result ch, g, ch2, g2, ev, res;
	uint8_t flags;

	if (size < 1)
		return 0;
	if (!nested.basic)
		nested_caps_compute(&example_l0_msrs, &nested);
	flags = data[0];
	env = (struct entry_check_env){ choice[flags & 1], widths[(flags >> 1) & 3],
					!(flags & 8), get, read_phys, &s };
	if (flags & 16)
		memset(s.f, 0, sizeof(s.f));
	else
		example_valid_vmcs(s.f, &nested);
	s.phys = flags & 32 ? NESTED_VMCS_REVISION : 0xffffffffffffffffull;
	s.phys_present = !(flags & 64);
	for (size_t at = 1; at + 10 <= size; at += 10) {
		uint16_t idx;
		uint64_t v;

		memcpy(&idx, data + at, 2);
		memcpy(&v, data + at + 2, 8);
		if (idx & 0x8000)
			s.f[(idx & 0x7fff) % VMCS_FIELD_ROWS] ^= v;
		else
			s.f[idx % VMCS_FIELD_ROWS] = v;
	}
	ch = entry_check_controls_and_host(&env);
	g = entry_check_guest(&env);
	ev = entry_check_event_injection(&env);
	res = entry_check_resume_guest(&env);
	ch2 = entry_check_controls_and_host(&env);
	g2 = entry_check_guest(&env);
	check_shape(ch);
	check_shape(g);
	check_shape(ev);
	check_shape(res);
	if (!same(ch, ch2) || !same(g, g2))
		abort();
	if (ch.kind == ENTRY_CHECK_OK) {
		if (ev.kind != ENTRY_CHECK_OK)
			abort();
		check_passed_controls(&env, s.f);
	} else if (ch.kind == ENTRY_CHECK_GUEST) {
		abort(); /* controls and host state never fail as guest state */
	}
	if (g.kind == ENTRY_CHECK_OK) {
		if (res.kind != ENTRY_CHECK_OK)
			abort();
		check_passed_guest(s.f);
	} else if (g.kind != ENTRY_CHECK_GUEST) {
		abort(); /* guest state fails only as guest state */
	}
	return 0;
}
