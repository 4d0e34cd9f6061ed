/*
 * shadow.h - vmcs_shadow=hw: L2's VMREAD/VMWRITE of the shadowed fields
 * are served by L0's VMCS shadowing without an exit (SDM Vol. 3C 25.10,
 * 26.3 VMREAD/VMWRITE in VMX non-root operation). vmcs01 links a hardware
 * shadow VMCS that mirrors L2's current virtual VMCS for those fields; the
 * VMREAD bitmap lets L2 read the written set plus the prefetch entries,
 * the VMWRITE bitmap lets it write KVM's read/write set (field_list.h's
 * kvm_shadow column). The two are synchronised at VMPTRLD, VMCLEAR,
 * VMXOFF, VMLAUNCH/VMRESUME and at every reflected exit; with
 * vmcs_shadow=sw every function here does nothing.
 */
#ifndef HV_VMCS_SHADOW_H
#define HV_VMCS_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "vcpu.h"
#include "vmcs/nested.h"

/* Fields L2 reads (writes) through the shadow VMCS; empty with vmcs_shadow=sw. */
extern struct field_set shadow_read_set, shadow_write_set;

/* Boot: the sets, from the prefetch set and L0's IA32_VMX_MISC. */
void shadow_init(void);
/* L2's VMXON: the shadow VMCS and bitmaps; VMCS shadowing on in vmcs01 (no link yet). */
void shadow_vmxon(struct vcpu *v);
/* L2's VMXOFF: shadowing off in vmcs01. */
void shadow_vmxoff(struct vcpu *v);
/* L2's VMPTRLD: the new current VMCS into the shadow VMCS, linked from vmcs01. */
void shadow_load(struct vcpu *v);
/* Before the current VMCS stops being current: what L2 wrote back into it; unlinked. */
void shadow_unload(struct vcpu *v);
/* L2's VMLAUNCH/VMRESUME: what L2 wrote through the shadow, into its VMCS (dirty). */
void shadow_pull(struct vcpu *v);
/* The fields 'which' of the current virtual VMCS into the shadow VMCS; then VMPTRLD back. */
void shadow_push(struct vcpu *v, const struct field_set *which, uint64_t back);

#endif
