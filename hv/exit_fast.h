/*
 * exit_fast.h - what vmx_entry.S's fast paths need from C, as plain numbers
 * an assembler can read: offsets into struct percpu and struct vcpu, VMCS
 * encodings and the cost each fast path charges. exit.c checks every one
 * against the C definitions at compile time.
 *
 * The fast paths serve the cheapest exits (CPUID of an unedited basic leaf,
 * VMCALL HC_VERSION) in a few instructions before anything is saved; every
 * other exit takes the generic path to vmexit_handler. A mode that needs
 * every exit in C (a nested guest running, say) turns them off for this
 * CPU with exit_fastpath_set(false).
 */
#ifndef HV_EXIT_FAST_H
#define HV_EXIT_FAST_H

/* struct percpu */
#define PERCPU_FAST_CPUID 8        /* EXIT_REASON_CPUID, or FASTPATH_OFF */
#define PERCPU_FAST_VMCALL 12      /* EXIT_REASON_VMCALL, or FASTPATH_OFF */
#define FASTPATH_OFF 0xffffffff    /* no exit reason has every bit set */

/* struct vcpu: the counters follow gpr[16] */
#define VCPU_EXIT_COUNT 128
#define VCPU_EXIT_VMRW (VCPU_EXIT_COUNT + 8 * 86)

/* VMCS encodings (SDM Vol. 3D Appendix B) and basic exit reasons */
#define ENC_VM_EXIT_REASON 0x4402
#define ENC_VM_EXIT_INSTRUCTION_LENGTH 0x440c
#define ENC_GUEST_SS_ACCESS_RIGHTS 0x4818
#define ENC_GUEST_RIP 0x681e
#define ENC_GUEST_INTERRUPTIBILITY_STATE 0x4824
#define BLOCKING_BY_SMI 4          /* interruptibility state bit 2 (SDM Vol. 3C Table 25-3) */
#define FAST_REASON_COUNT 86       /* VMX_EXIT_REASON_COUNT: the counters' length */
#define REASON_CPUID 10
#define REASON_VMCALL 18

/* HC_VERSION's answer (hypercall.h) */
#define FAST_HC_VERSION 0
#define FAST_HC_ABI_VERSION 1
#define FAST_HC_SIGNATURE_LOW 0x564864657473654e
#define FAST_HC_SIGNATURE_HIGH 0x726f7369
#define SS_AR_DPL 0x60 /* access rights bits 6:5; SS.DPL is the CPL (SDM Vol. 3C 26.3.1.5) */

/*
 * patch_bound_vmcall's answers (emul_exit.h): VMCALL of no bound patched
 * site, or served with L2's callee-saved GPRs (SysV: RBX, RBP, R12-R15)
 * unchanged, or served with any GPR changed.
 */
#define PATCH_BOUND_MISS 0 /* vmx_entry.S tests for it with TEST */
#define PATCH_BOUND_DONE 1
#define PATCH_BOUND_RELOAD_ALL 2

/* VMREAD+VMWRITE charged per fast exit: the exit reason, then as listed in vmx_entry.S. */
#define FAST_CPUID_VMRW 4  /* reason, RIP, length, RIP write */
#define FAST_VMCALL_VMRW 5 /* reason, SS access rights, RIP, length, RIP write */
/* ...and on a vCPU with SMI left masked (vmx_exit_entry_smi_masked), per exit first: */
#define SMI_MASKED_VMRW 2  /* interruptibility read and write */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* Basic leaves below 32 whose answer is not L0's as it is (1: take the C path). */
extern const uint8_t cpuid_basic_edited[32];

/* Turns this CPU's fast paths on or off (they start off). */
void exit_fastpath_set(bool on);
#endif

#endif
