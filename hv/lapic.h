/*
 * lapic.h - the few local-APIC operations the hypervisor itself needs:
 * its own APIC ID and INIT/SIPI to start the other CPUs, in xAPIC (MMIO)
 * or x2APIC (MSR) mode, whichever the firmware left on.
 */
#ifndef HV_LAPIC_H
#define HV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/*
 * xAPIC registers by their offset in the APIC page (SDM Vol. 3A Table 11-1);
 * ISR, TMR and IRR are 8 registers each, 16 bytes apart. The virtual-APIC
 * page has the same layout (Vol. 3C 29.1).
 */
#define APIC_TPR 0x080
#define APIC_PPR 0x0a0
#define APIC_EOI 0x0b0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ICR_LO 0x300

/* The 32-bit register at physical address pa (identity-mapped). */
static inline volatile uint32_t *apic_reg32(uint64_t pa)
{
	return (volatile uint32_t *)(uintptr_t)pa;
}

uint32_t lapic_id(void);
/* Sends INIT, then two start-up IPIs at 'vector' (Intel MP spec B.4). */
void lapic_start_cpu(uint32_t apic_id, uint8_t vector);
/* Sends an NMI to apic_id; L2's half-written xAPIC ICR (its destination) is kept. */
void lapic_send_nmi(uint32_t apic_id);
/* Ends the highest-priority interrupt in service on this CPU (xAPIC or x2APIC). */
void lapic_eoi(void);
/* The spurious-interrupt vector this CPU's APIC is programmed with. */
uint8_t lapic_spurious_vector(void);
/* This CPU's xAPIC page into *base; false in x2APIC mode. */
bool lapic_xapic_base(uint64_t *base);

#endif
