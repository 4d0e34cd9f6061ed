/*
 * exit_reasons.h - the VMX basic exit reasons of SDM Vol. 3D Appendix C as
 * EXIT_REASON_<name> constants and words, and the flag bits of the full
 * exit-reason field (SDM Vol. 3C 25.9.1).
 */
#ifndef HV_VMCS_EXIT_REASONS_H
#define HV_VMCS_EXIT_REASONS_H

#include <stddef.h>
#include <stdint.h>

/*
 * X(number, name, words), one row per basic exit reason of Table C-1.
 * Numbers missing here (35, 38, 42, 71, 82, 83) are reserved.  33, 34 and
 * 41 are VM-entry failures: they come with EXIT_REASON_FAILED_VMENTRY set.
 */
#define VMX_EXIT_REASON_LIST(X)							\
	X(0, EXCEPTION_OR_NMI, "exception or NMI")				\
	X(1, EXTERNAL_INTERRUPT, "external interrupt")				\
	X(2, TRIPLE_FAULT, "triple fault")					\
	X(3, INIT_SIGNAL, "INIT signal")					\
	X(4, SIPI, "start-up IPI")						\
	X(5, IO_SMI, "I/O SMI")							\
	X(6, OTHER_SMI, "other SMI")						\
	X(7, INTERRUPT_WINDOW, "interrupt window")				\
	X(8, NMI_WINDOW, "NMI window")						\
	X(9, TASK_SWITCH, "task switch")					\
	X(10, CPUID, "CPUID")							\
	X(11, GETSEC, "GETSEC")							\
	X(12, HLT, "HLT")							\
	X(13, INVD, "INVD")							\
	X(14, INVLPG, "INVLPG")							\
	X(15, RDPMC, "RDPMC")							\
	X(16, RDTSC, "RDTSC")							\
	X(17, RSM, "RSM")							\
	X(18, VMCALL, "VMCALL")							\
	X(19, VMCLEAR, "VMCLEAR")						\
	X(20, VMLAUNCH, "VMLAUNCH")						\
	X(21, VMPTRLD, "VMPTRLD")						\
	X(22, VMPTRST, "VMPTRST")						\
	X(23, VMREAD, "VMREAD")							\
	X(24, VMRESUME, "VMRESUME")						\
	X(25, VMWRITE, "VMWRITE")						\
	X(26, VMXOFF, "VMXOFF")							\
	X(27, VMXON, "VMXON")							\
	X(28, CONTROL_REGISTER_ACCESSES, "control-register access")		\
	X(29, MOV_DR, "MOV DR")							\
	X(30, IO_INSTRUCTION, "I/O instruction")				\
	X(31, RDMSR, "RDMSR")							\
	X(32, WRMSR, "WRMSR")							\
	X(33, INVALID_GUEST_STATE, "invalid guest state")			\
	X(34, MSR_LOADING, "MSR loading")					\
	X(36, MWAIT, "MWAIT")							\
	X(37, MONITOR_TRAP_FLAG, "monitor trap flag")				\
	X(39, MONITOR, "MONITOR")						\
	X(40, PAUSE, "PAUSE")							\
	X(41, MACHINE_CHECK_EVENT, "machine-check event")			\
	X(43, TPR_BELOW_THRESHOLD, "TPR below threshold")			\
	X(44, APIC_ACCESS, "APIC access")					\
	X(45, VIRTUALIZED_EOI, "virtualized EOI")				\
	X(46, ACCESS_TO_GDTR_OR_IDTR, "access to GDTR or IDTR")			\
	X(47, ACCESS_TO_LDTR_OR_TR, "access to LDTR or TR")			\
	X(48, EPT_VIOLATION, "EPT violation")					\
	X(49, EPT_MISCONFIGURATION, "EPT misconfiguration")			\
	X(50, INVEPT, "INVEPT")							\
	X(51, RDTSCP, "RDTSCP")							\
	X(52, VMX_PREEMPTION_TIMER_EXPIRED, "VMX-preemption timer expired")	\
	X(53, INVVPID, "INVVPID")						\
	X(54, WBINVD_OR_WBNOINVD, "WBINVD or WBNOINVD")				\
	X(55, XSETBV, "XSETBV")							\
	X(56, APIC_WRITE, "APIC write")						\
	X(57, RDRAND, "RDRAND")							\
	X(58, INVPCID, "INVPCID")						\
	X(59, VMFUNC, "VMFUNC")							\
	X(60, ENCLS, "ENCLS")							\
	X(61, RDSEED, "RDSEED")							\
	X(62, PAGE_MODIFICATION_LOG_FULL, "page-modification log full")		\
	X(63, XSAVES, "XSAVES")							\
	X(64, XRSTORS, "XRSTORS")						\
	X(65, PCONFIG, "PCONFIG")						\
	X(66, SPP_RELATED_EVENT, "SPP-related event")				\
	X(67, UMWAIT, "UMWAIT")							\
	X(68, TPAUSE, "TPAUSE")							\
	X(69, LOADIWKEY, "LOADIWKEY")						\
	X(70, ENCLV, "ENCLV")							\
	X(72, ENQCMD_PASID_TRANSLATION_FAILURE,					\
	  "ENQCMD PASID translation failure")					\
	X(73, ENQCMDS_PASID_TRANSLATION_FAILURE,				\
	  "ENQCMDS PASID translation failure")					\
	X(74, BUS_LOCK, "bus lock")						\
	X(75, INSTRUCTION_TIMEOUT, "instruction timeout")			\
	X(76, SEAMCALL, "SEAMCALL")						\
	X(77, TDCALL, "TDCALL")							\
	X(78, RDMSRLIST, "RDMSRLIST")						\
	X(79, WRMSRLIST, "WRMSRLIST")						\
	X(80, URDMSR, "URDMSR")							\
	X(81, UWRMSR, "UWRMSR")							\
	X(84, RDMSR_IMMEDIATE, "RDMSR with immediate")				\
	X(85, WRMSRNS_IMMEDIATE, "WRMSRNS with immediate")

enum vmx_exit_reason {
#define VMX_EXIT_REASON_ENUM(nr, name, words) EXIT_REASON_##name = nr,
	VMX_EXIT_REASON_LIST(VMX_EXIT_REASON_ENUM)
#undef VMX_EXIT_REASON_ENUM
};

/* One above the highest basic exit reason named: sizes per-reason arrays. */
#define VMX_EXIT_REASON_COUNT	86u

/* The full exit-reason field (SDM Vol. 3C 25.9.1, Table 25-17). */
#define EXIT_REASON_BASIC_MASK		0xffffu		/* bits 15:0 */
#define EXIT_REASON_SHADOW_STACK_BUSY	(1u << 25)	/* prematurely busy */
#define EXIT_REASON_BUS_LOCK_ASSERTED	(1u << 26)
#define EXIT_REASON_ENCLAVE_MODE	(1u << 27)
#define EXIT_REASON_PENDING_MTF		(1u << 28)	/* SMM VM exits */
#define EXIT_REASON_FROM_VMX_ROOT	(1u << 29)	/* SMM VM exits */
#define EXIT_REASON_FAILED_VMENTRY	(1u << 31)

/* The basic exit reason of a full exit-reason field. */
static inline uint32_t vmx_exit_reason_basic(uint32_t exit_reason)
{
	return exit_reason & EXIT_REASON_BASIC_MASK;
}

/* Words for a basic exit reason ("CPUID"); "unknown" if not named above. */
const char *vmx_exit_reason_name(uint32_t basic);

/*
 * Writes a full exit-reason field as words into buf, e.g. "CPUID (10)",
 * "VM-entry failure: invalid guest state (33)", "EPT violation (48) [bus
 * lock asserted]".  Returns what hv_snprintf would: the untruncated length.
 */
int vmx_exit_reason_format(char *buf, size_t size, uint32_t exit_reason);

#endif
