/*
 * vm_errors.h - why a VMX instruction or a VM entry failed: the
 * VM-instruction error numbers (SDM Vol. 3C 31.4) and the exit qualification
 * of a VM-entry failure (SDM Vol. 3C 27.8), as constants and words.
 */
#ifndef HV_VMCS_VM_ERRORS_H
#define HV_VMCS_VM_ERRORS_H

#include <stddef.h>
#include <stdint.h>

/*
 * X(number, name, words), one row per error of Table 31-1; 14, 21 and 27
 * are reserved.  The words are the SDM's, the parenthesized context of
 * 18, 19, 22, 24 and 25 (dual-monitor treatment of SMIs and SMM) shortened.
 */
#define VMX_INSTRUCTION_ERROR_LIST(X)						\
	X(1, VMCALL_IN_VMX_ROOT, "VMCALL executed in VMX root operation")	\
	X(2, VMCLEAR_INVALID_ADDRESS, "VMCLEAR with invalid physical address")	\
	X(3, VMCLEAR_VMXON_POINTER, "VMCLEAR with VMXON pointer")		\
	X(4, VMLAUNCH_NONCLEAR_VMCS, "VMLAUNCH with non-clear VMCS")		\
	X(5, VMRESUME_NONLAUNCHED_VMCS, "VMRESUME with non-launched VMCS")	\
	X(6, VMRESUME_AFTER_VMXOFF,						\
	  "VMRESUME after VMXOFF (VMXOFF and VMXON between VMLAUNCH and "	\
	  "VMRESUME)")								\
	X(7, ENTRY_INVALID_CONTROL_FIELD,					\
	  "VM entry with invalid control field(s)")				\
	X(8, ENTRY_INVALID_HOST_STATE_FIELD,					\
	  "VM entry with invalid host-state field(s)")				\
	X(9, VMPTRLD_INVALID_ADDRESS, "VMPTRLD with invalid physical address")	\
	X(10, VMPTRLD_VMXON_POINTER, "VMPTRLD with VMXON pointer")		\
	X(11, VMPTRLD_INCORRECT_REVISION,					\
	  "VMPTRLD with incorrect VMCS revision identifier")			\
	X(12, UNSUPPORTED_VMCS_COMPONENT,					\
	  "VMREAD/VMWRITE from/to unsupported VMCS component")			\
	X(13, VMWRITE_READ_ONLY_COMPONENT,					\
	  "VMWRITE to read-only VMCS component")				\
	X(15, VMXON_IN_VMX_ROOT, "VMXON executed in VMX root operation")	\
	X(16, ENTRY_INVALID_EXECUTIVE_VMCS_POINTER,				\
	  "VM entry with invalid executive-VMCS pointer")			\
	X(17, ENTRY_NONLAUNCHED_EXECUTIVE_VMCS,					\
	  "VM entry with non-launched executive VMCS")				\
	X(18, ENTRY_EXECUTIVE_VMCS_NOT_VMXON_POINTER,				\
	  "VM entry with executive-VMCS pointer not VMXON pointer "		\
	  "(deactivating dual-monitor treatment)")				\
	X(19, VMCALL_NONCLEAR_VMCS,						\
	  "VMCALL with non-clear VMCS (activating dual-monitor treatment)")	\
	X(20, VMCALL_INVALID_EXIT_CONTROLS,					\
	  "VMCALL with invalid VM-exit control fields")				\
	X(22, VMCALL_INCORRECT_MSEG_REVISION,					\
	  "VMCALL with incorrect MSEG revision identifier "			\
	  "(activating dual-monitor treatment)")				\
	X(23, VMXOFF_UNDER_DUAL_MONITOR,					\
	  "VMXOFF under dual-monitor treatment of SMIs and SMM")		\
	X(24, VMCALL_INVALID_SMM_MONITOR_FEATURES,				\
	  "VMCALL with invalid SMM-monitor features "				\
	  "(activating dual-monitor treatment)")				\
	X(25, ENTRY_INVALID_EXECUTIVE_CONTROLS,					\
	  "VM entry with invalid VM-execution control fields in executive "	\
	  "VMCS (returning from SMM)")						\
	X(26, ENTRY_EVENTS_BLOCKED_BY_MOV_SS,					\
	  "VM entry with events blocked by MOV SS")				\
	X(28, INVALID_INVEPT_INVVPID_OPERAND,					\
	  "invalid operand to INVEPT/INVVPID")

enum vmx_instruction_error {
#define VMX_INSTRUCTION_ERROR_ENUM(nr, name, words) VMXERR_##name = nr,
	VMX_INSTRUCTION_ERROR_LIST(VMX_INSTRUCTION_ERROR_ENUM)
#undef VMX_INSTRUCTION_ERROR_ENUM
};

/* Words for a VM-instruction error number; "unknown" if not in Table 31-1. */
const char *vmx_instruction_error_str(uint32_t error);

/*
 * Exit qualification of a VM-entry failure due to invalid guest state
 * (basic exit reason 33).  Most failed checks leave it 0; 1 is not used.
 */
enum vmx_entry_failure_qual {
	ENTRY_QUAL_NONE = 0,
	ENTRY_QUAL_PDPTE = 2,		/* loading the PDPTEs failed */
	ENTRY_QUAL_NMI_STI = 3,		/* NMI injected while STI-blocked */
	ENTRY_QUAL_VMCS_LINK_POINTER = 4,
};

/*
 * Words for the exit qualification of a VM-entry failure, given its basic
 * exit reason, written into buf: for invalid guest state (33) the cause
 * above; for MSR loading (34) which VM-entry MSR-load entry failed (the
 * qualification counts from 1); for anything else, that there is none.
 * Returns buf.
 */
const char *vmx_entry_failure_qual_str(char *buf, size_t size,
				       uint32_t basic_reason, uint64_t qual);

#endif
