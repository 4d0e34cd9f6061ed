/*
 * vmx_caps.h - what the VMX capability MSRs (SDM Vol. 3D, Appendix A) say
 * L0 offers, decoded into named features the banner prints and the rest of
 * the hypervisor tests instead of raw bits.
 */
#ifndef HV_VMX_CAPS_H
#define HV_VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

/* Raw MSR values as read on the CPU; absent MSRs are left 0 (see flags). */
struct vmx_cap_msrs {
	uint64_t basic;          /* IA32_VMX_BASIC 0x480 */
	uint64_t pinbased;       /* 0x481 */
	uint64_t procbased;      /* 0x482 */
	uint64_t exit;           /* 0x483 */
	uint64_t entry;          /* 0x484 */
	uint64_t misc;           /* 0x485 */
	uint64_t cr0_fixed0, cr0_fixed1; /* 0x486, 0x487 */
	uint64_t cr4_fixed0, cr4_fixed1; /* 0x488, 0x489 */
	uint64_t vmcs_enum;      /* 0x48a */
	uint64_t procbased2;     /* 0x48b, valid if procbased allows bit 31 */
	uint64_t ept_vpid_cap;   /* 0x48c, valid if EPT or VPID may be 1 */
	uint64_t true_pinbased, true_procbased, true_exit, true_entry; /* 0x48d-0x490 */
	uint64_t vmfunc;         /* 0x491, valid if "enable VM functions" may be 1 */
};

/* One named feature: where its bit lives and whether L0 offers it. */
enum vmx_feature {
	VMXF_EPT,
	VMXF_VPID,
	VMXF_UNRESTRICTED_GUEST,
	VMXF_VMCS_SHADOWING,
	VMXF_VMFUNC,
	VMXF_EPTP_SWITCHING,
	VMXF_POSTED_INTERRUPTS,
	VMXF_APIC_ACCESS_VIRT,      /* virtualize APIC accesses */
	VMXF_APIC_REGISTER_VIRT,
	VMXF_VIRTUAL_INTR_DELIVERY,
	VMXF_X2APIC_VIRT,
	VMXF_TPR_SHADOW,
	VMXF_PREEMPTION_TIMER,
	VMXF_PML,
	VMXF_EPT_VE,                /* EPT-violation #VE */
	VMXF_MTF,                   /* monitor trap flag */
	VMXF_MSR_BITMAPS,
	VMXF_IO_BITMAPS,
	VMXF_TSC_SCALING,
	VMXF_EPT_1G,
	VMXF_EPT_2M,
	VMXF_EPT_AD,
	VMXF_EPT_WB,
	VMXF_EPT_4LEVEL,
	VMXF_EPT_5LEVEL,
	VMXF_INVEPT,
	VMXF_INVVPID,
	VMXF_SAVE_PREEMPTION_TIMER,
	VMXF_EXT_INTR_EXITING,      /* needed by virtual-interrupt delivery */
	VMXF_ACK_INTR_ON_EXIT,      /* needed by posted interrupts */
	VMXF_TSC_OFFSETTING,        /* needed by TSC scaling */
	VMXF_COUNT
};

struct vmx_caps {
	uint32_t revision;      /* VMCS revision identifier, bits 30:0 */
	uint32_t vmcs_size;     /* bytes, 1..4096 */
	uint32_t vmcs_memtype;  /* 0 UC or 6 WB */
	bool true_ctls;         /* IA32_VMX_TRUE_* MSRs exist (BASIC bit 55) */
	bool secondary_ctls;    /* procbased allows "activate secondary controls" */
	uint32_t preemption_timer_shift; /* MISC bits 4:0: timer ticks at TSC >> shift */
	/*
	 * The control words to use: allowed-0 settings in the low half
	 * (must-be-1 bits), allowed-1 settings in the high half, from the
	 * TRUE_ MSRs when they exist (SDM A.3.1-A.5).
	 */
	uint64_t pin, proc, proc2, exit, entry;
	uint64_t ept_vpid_cap;  /* 0x48c; 0 unless EPT or VPID may be 1 */
	uint64_t vmfunc;        /* 0x491; 0 unless VM functions may be 1 */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	/* Offered and everything it needs offered too (see vmx_caps.c). */
	bool has[VMXF_COUNT];
};

enum vmx_caps_error {
	VMX_CAPS_OK = 0,
	VMX_CAPS_ERR_REVISION,   /* revision 0 or bit 31 set */
	VMX_CAPS_ERR_VMCS_SIZE,  /* size 0 or > 4096 (SDM A.1) */
	VMX_CAPS_ERR_MEMTYPE,    /* memory type neither UC nor WB */
	VMX_CAPS_ERR_CTLS,       /* a control must be 1 but may not be 1 */
	VMX_CAPS_ERR_FIXED,      /* CR0/CR4 fixed0 bit not set in fixed1 */
};

/* Decodes msrs into *out; on error *out is all zero. */
enum vmx_caps_error vmx_caps_decode(const struct vmx_cap_msrs *msrs,
				    struct vmx_caps *out);
const char *vmx_caps_strerror(enum vmx_caps_error err);
/* The feature's banner name, e.g. "ept", "unrestricted_guest". */
const char *vmx_feature_name(enum vmx_feature f);
/*
 * True if every control in bits (vmx_bits.h masks) may be 1 in ctl, one of
 * the control words above: its allowed-1 half has them all set.
 */
bool vmx_ctl_may_be_1(uint64_t ctl, uint32_t bits);

#endif
