/*
 * vmx_on.h - turning VMX operation on for the calling CPU.
 */
#ifndef HV_VMX_ON_H
#define HV_VMX_ON_H

/* VMXON on this CPU; panics with the reason if L0 refuses. */
void vmx_on_this_cpu(void);

#endif
