/*
 * entry_checks.h - the checks VMLAUNCH/VMRESUME make on a guest
 * hypervisor's (L2's) VMCS before entering L3 (SDM Vol. 3C 27.2-27.3), as
 * pure logic over the virtual VMCS's fields and L2's capability MSRs.
 * A failure is reported the SDM's way: controls -> VMfailValid(7), host
 * state -> VMfailValid(8) (27.2), guest state -> a VM-entry failure exit
 * with basic reason 33 and its qualification (27.8).
 */
#ifndef HV_VMCS_ENTRY_CHECKS_H
#define HV_VMCS_ENTRY_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcs/field_list.h"
#include "vmx_caps.h"

struct entry_check_env {
	const struct vmx_cap_msrs *caps; /* what L2 was offered */
	unsigned maxphyaddr;             /* physical-address width */
	bool host_lma;                   /* L2's IA32_EFER.LMA at the VM entry */
	/* A field of L2's current VMCS, by VMCS_IDX_<name>. */
	uint64_t (*field)(void *arg, enum vmcs_index idx);
	/* 8 bytes of L2's physical memory (PDPTEs, the link pointer's region); false if none. */
	bool (*read_phys)(void *arg, uint64_t pa, uint64_t *value);
	void *arg;
};

enum entry_check_kind {
	ENTRY_CHECK_OK,
	ENTRY_CHECK_CONTROL, /* VMfailValid(7) */
	ENTRY_CHECK_HOST,    /* VMfailValid(8) */
	ENTRY_CHECK_GUEST,   /* VM-entry failure exit, reason 33, qualification qual */
};

struct entry_check_result {
	enum entry_check_kind kind;
	uint32_t qual;    /* ENTRY_CHECK_GUEST: 0, or ENTRY_QUAL_* of vm_errors.h */
	const char *what; /* the rule that failed, in words, for the log */
};

/* 27.2: VMX controls, then host state; OK or the first failure. */
struct entry_check_result entry_check_controls_and_host(const struct entry_check_env *env);
/* 27.3.1: guest state (with PDPTEs and the VMCS link pointer); OK or the first failure. */
struct entry_check_result entry_check_guest(const struct entry_check_env *env);

/*
 * The checks whose fields a guest hypervisor's exit handler changes between
 * two entries of one VMCS: event injection (27.2.1.3: VMfailValid(7)), and
 * RIP, RFLAGS, activity and interruptibility state (27.3.1.4-5: exit 33).
 * Enough when nothing else changed since the last entry passed every check
 * or the CPU saved the state at a VM exit.
 */
struct entry_check_result entry_check_event_injection(const struct entry_check_env *env);
struct entry_check_result entry_check_resume_guest(const struct entry_check_env *env);

/*
 * Whether WRMSR would take 'value' for an MSR the VMCS switches (IA32_EFER,
 * IA32_PAT, IA32_DEBUGCTL, SYSENTER_CS/ESP/EIP): a VM-entry MSR-load entry
 * that it would not fails the entry (SDM Vol. 3C 27.4: reason 34), a
 * VM-exit one is a VMX abort (28.6). Other MSRs: true (the CPU decides).
 */
bool entry_check_msr_value(uint32_t msr, uint64_t value);

/* Whether a linear address is canonical (48-bit linear addresses). */
static inline bool is_canonical(uint64_t la)
{
	return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

#endif
