/*
 * vmx_bits.h - the VMX control and capability bits the hypervisor uses, as
 * masks named after the SDM (Vol. 3C chapter 25, Vol. 3D Appendix A).
 */
#ifndef HV_VMX_BITS_H
#define HV_VMX_BITS_H

/* Pin-based VM-execution controls (SDM Vol. 3C 25.6.1). */
#define PIN_EXT_INTR_EXITING		(1u << 0)
#define PIN_NMI_EXITING			(1u << 3)
#define PIN_VIRTUAL_NMIS		(1u << 5)
#define PIN_ACTIVATE_PREEMPTION_TIMER	(1u << 6)
#define PIN_POSTED_INTERRUPTS		(1u << 7)

/* Primary processor-based VM-execution controls (SDM Vol. 3C 25.6.2). */
#define PROC_INTR_WINDOW_EXITING	(1u << 2)
#define PROC_USE_TSC_OFFSETTING		(1u << 3)
#define PROC_HLT_EXITING		(1u << 7)
#define PROC_INVLPG_EXITING		(1u << 9)
#define PROC_MWAIT_EXITING		(1u << 10)
#define PROC_CR3_LOAD_EXITING		(1u << 15)
#define PROC_CR3_STORE_EXITING		(1u << 16)
#define PROC_CR8_LOAD_EXITING		(1u << 19)
#define PROC_CR8_STORE_EXITING		(1u << 20)
#define PROC_USE_TPR_SHADOW		(1u << 21)
#define PROC_NMI_WINDOW_EXITING		(1u << 22)
#define PROC_UNCOND_IO_EXITING		(1u << 24)
#define PROC_USE_IO_BITMAPS		(1u << 25)
#define PROC_MONITOR_TRAP_FLAG		(1u << 27)
#define PROC_USE_MSR_BITMAPS		(1u << 28)
#define PROC_ACTIVATE_SECONDARY		(1u << 31)

/* Secondary processor-based VM-execution controls (SDM Vol. 3C 25.6.2). */
#define PROC2_VIRT_APIC_ACCESSES	(1u << 0)
#define PROC2_ENABLE_EPT		(1u << 1)
#define PROC2_ENABLE_RDTSCP		(1u << 3)
#define PROC2_VIRT_X2APIC_MODE		(1u << 4)
#define PROC2_ENABLE_VPID		(1u << 5)
#define PROC2_UNRESTRICTED_GUEST	(1u << 7)
#define PROC2_APIC_REGISTER_VIRT	(1u << 8)
#define PROC2_VIRT_INTR_DELIVERY	(1u << 9)
#define PROC2_ENABLE_INVPCID		(1u << 12)
#define PROC2_ENABLE_VMFUNC		(1u << 13)
#define PROC2_VMCS_SHADOWING		(1u << 14)
#define PROC2_ENABLE_PML		(1u << 17)
#define PROC2_EPT_VIOLATION_VE		(1u << 18)
#define PROC2_ENABLE_XSAVES		(1u << 20)
#define PROC2_USE_TSC_SCALING		(1u << 25)

/* VM-exit controls (SDM Vol. 3C 25.7.1). */
#define EXIT_HOST_ADDR_SPACE_SIZE	(1u << 9)
#define EXIT_ACK_INTR_ON_EXIT		(1u << 15)
#define EXIT_SAVE_PAT			(1u << 18)
#define EXIT_LOAD_PAT			(1u << 19)
#define EXIT_SAVE_EFER			(1u << 20)
#define EXIT_LOAD_EFER			(1u << 21)
#define EXIT_SAVE_PREEMPTION_TIMER	(1u << 22)

/* VM-exit controls that the SDM's default1 class makes must-be-1 without TRUE_ MSRs. */
#define EXIT_SAVE_DEBUG_CONTROLS	(1u << 2)

/* VM-entry controls (SDM Vol. 3C 25.8.1). */
#define ENTRY_LOAD_DEBUG_CONTROLS	(1u << 2)
#define ENTRY_IA32E_MODE_GUEST		(1u << 9)
#define ENTRY_LOAD_PAT			(1u << 14)
#define ENTRY_LOAD_EFER			(1u << 15)

/* IA32_VMX_EPT_VPID_CAP (SDM Vol. 3D A.10). */
#define EPT_CAP_EXEC_ONLY		(1ull << 0)
#define EPT_CAP_WALK_4LEVEL		(1ull << 6)
#define EPT_CAP_WALK_5LEVEL		(1ull << 7)
#define EPT_CAP_WB			(1ull << 14)
#define EPT_CAP_2M			(1ull << 16)
#define EPT_CAP_1G			(1ull << 17)
#define EPT_CAP_INVEPT			(1ull << 20)
#define EPT_CAP_AD			(1ull << 21)
#define EPT_CAP_INVEPT_SINGLE		(1ull << 25)
#define EPT_CAP_INVEPT_ALL		(1ull << 26)
#define VPID_CAP_INVVPID		(1ull << 32)
#define VPID_CAP_INVVPID_SINGLE		(1ull << 41)
#define VPID_CAP_INVVPID_ALL		(1ull << 42)
#define VPID_CAP_INVVPID_SINGLE_GLOBALS	(1ull << 43)

/* EPT-violation exit qualification (SDM Vol. 3C Table 28-7). */
#define EPTV_READ			(1u << 0)
#define EPTV_WRITE			(1u << 1)
#define EPTV_FETCH			(1u << 2)
#define EPTV_GLA_VALID			(1u << 7)
#define EPTV_GLA_TRANSLATED		(1u << 8) /* the access to the linear address itself */
#define EPTV_NMI_UNBLOCKING		(1u << 12)

/* VM-function controls, as IA32_VMX_VMFUNC reports them (SDM Vol. 3D A.11). */
#define VMFUNC_EPTP_SWITCHING		(1ull << 0)

#endif
