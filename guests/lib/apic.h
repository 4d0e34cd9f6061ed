/*
 * apic.h - the guest's local APIC in xAPIC mode: its registers at the base
 * IA32_APIC_BASE gives (identity-mapped by boot64.S), software enable,
 * self-IPIs and EOI. SDM Vol. 3A 11.4, 11.6.
 */
#ifndef GUESTS_LIB_APIC_H
#define GUESTS_LIB_APIC_H

#include <stdint.h>

#define APIC_EOI 0x0b0
#define APIC_ICR_LOW 0x300
/* ICR: fixed delivery, level assert, destination shorthand "self". */
#define APIC_ICR_SELF_FIXED 0x44000u

/* The EOI register's address, for interrupt stubs in assembly (0 until apic_init). */
extern uint64_t apic_eoi_addr;

/*
 * Software-enables the xAPIC with 'spurious_vector' and TPR 0 and masks the
 * 8259 PICs, so only the APIC's own interrupts arrive. Returns NULL, or why
 * the xAPIC cannot be used (e.g. the firmware left x2APIC mode on).
 */
const char *apic_init(uint8_t spurious_vector);
/* The address of the xAPIC register at 'offset'. */
volatile uint32_t *apic_reg(unsigned offset);
/* Sends 'vector' to this CPU (fixed delivery, shorthand self). */
void apic_self_ipi(uint8_t vector);

#endif
