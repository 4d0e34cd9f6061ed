/*
 * smp.h - a second CPU for a test guest: started with INIT and two
 * start-up IPIs through the hypervisor's own trampoline (hv/ap_trampoline.S:
 * real mode to long mode on the guest's page tables), then given the
 * guest's GDT and IDT and its xAPIC enabled. SDM Vol. 3A 9.4.4, 11.6.1.
 */
#ifndef GUESTS_LIB_SMP_H
#define GUESTS_LIB_SMP_H

#include <stdbool.h>
#include <stdint.h>

/* Starts the CPU with APIC ID apic_id; it runs entry(index) and must never return. */
bool smp_start_cpu(uint32_t apic_id, unsigned index, void (*entry)(unsigned index));
/* This CPU's local APIC ID (xAPIC). */
uint32_t smp_apic_id(void);
/* Sends an IPI: ICR low word 'icr' (vector, delivery mode) to APIC ID 'dest', physical. */
void smp_send_ipi(uint32_t dest, uint32_t icr);

#endif
