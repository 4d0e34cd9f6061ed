/*
 * vmcs_setup.h - creating the VMCS of an L2 vCPU: execution controls chosen
 * from what L0 allows, host state (this CPU), guest state from guest_boot.
 */
#ifndef HV_VMCS_SETUP_H
#define HV_VMCS_SETUP_H

#include "guest_boot.h"
#include "vcpu.h"

/* L2's VPID: 0 is the host's (SDM Vol. 3C 27.2.1.1). */
#define GUEST_VPID 1

/* Allocates, loads and fills v's VMCS on this CPU; panics on any refusal. */
void vmcs_setup(struct vcpu *v, const struct guest_boot *boot);
/* The loaded VMCS's host state: this CPU's, exits landing at exit_entry (vmx_entry.S). */
void vmcs_setup_host_state(struct vcpu *v, uint64_t exit_entry);
/* One guest segment register, by its selector field: selector, base, limit, rights. */
void vmcs_set_segment(uint32_t sel_field, uint16_t sel, uint64_t base, uint32_t limit,
		      uint32_t ar);

/* ES, SS, DS, FS and GS alike: one selector, base 0, one limit and access rights. */
void vmcs_set_data_segments(uint16_t sel, uint32_t limit, uint32_t ar);
/*
 * L2's CR0/CR4 as L2 sees them (the read shadows), and the real registers:
 * the same with the bits L0 forces (fixed0/fixed1; PE and PG stay L2's
 * under unrestricted guest, SDM Vol. 3C 27.3.1.1).
 */
void vmcs_set_guest_cr0(uint64_t value);
void vmcs_set_guest_cr4(uint64_t value);

/* Access rights (SDM Vol. 3C 25.4.1, Table 25-2). */
#define AR_CODE32 0xc09b   /* present, execute/read accessed, D/B, G */
#define AR_CODE64 0xa09b   /* present, execute/read accessed, L, G */
#define AR_DATA 0xc093     /* present, read/write accessed, D/B, G */
#define AR_CODE16 0x009b   /* real mode: present, execute/read accessed */
#define AR_DATA16 0x0093   /* real mode: present, read/write accessed */
#define AR_TSS_BUSY 0x008b /* present, 32/64-bit busy TSS */
#define AR_UNUSABLE 0x10000

#define ACTIVITY_ACTIVE 0
#define ACTIVITY_HLT 1
#define ACTIVITY_WAIT_FOR_SIPI 3

#endif
