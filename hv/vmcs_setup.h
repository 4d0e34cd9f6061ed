/*
 * vmcs_setup.h - creating the VMCS of an L2 vCPU: execution controls chosen
 * from what L0 allows, host state (this CPU), guest state from guest_boot.
 */
#ifndef HV_VMCS_SETUP_H
#define HV_VMCS_SETUP_H

#include "guest_boot.h"
#include "vcpu.h"

/* Allocates, loads and fills v's VMCS on this CPU; panics on any refusal. */
void vmcs_setup(struct vcpu *v, const struct guest_boot *boot);
/* VMWRITE that panics with the field's name and the VM-instruction error. */
void vmcs_write(uint32_t field, uint64_t value);

#endif
