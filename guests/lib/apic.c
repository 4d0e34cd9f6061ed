/*
 * apic.c - the xAPIC of a test guest. Base and mode come from
 * IA32_APIC_BASE (SDM Vol. 3A 11.4.4); the spurious-interrupt vector
 * register's bit 8 enables the APIC in software (11.9).
 */
#include <stddef.h>

#include "apic.h"
#include "x86.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_ADDR_MASK 0xffffff000ull
#define APIC_TPR 0x080
#define APIC_SVR 0x0f0
#define APIC_SVR_ENABLE (1u << 8)
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1
#define BOOT_MAPPED_LIMIT (4ull << 30) /* boot64.S maps 0-4 GiB */

uint64_t apic_eoi_addr;
static uint64_t apic_base;

volatile uint32_t *apic_reg(unsigned offset)
{
	return (volatile uint32_t *)(uintptr_t)(apic_base + offset);
}

const char *apic_init(uint8_t spurious_vector)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);

	if (!(msr & APIC_BASE_ENABLE))
		return "the local APIC is disabled in IA32_APIC_BASE";
	if (msr & APIC_BASE_X2APIC)
		return "the local APIC is in x2APIC mode (no xAPIC registers)";
	if ((msr & APIC_BASE_ADDR_MASK) >= BOOT_MAPPED_LIMIT)
		return "the xAPIC base is above 4 GiB (not mapped)";
	/* Legacy PIC interrupts (the BIOS's timer) would land on exception vectors. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	apic_base = msr & APIC_BASE_ADDR_MASK;
	apic_eoi_addr = apic_base + APIC_EOI;
	*apic_reg(APIC_TPR) = 0;
	*apic_reg(APIC_SVR) = APIC_SVR_ENABLE | spurious_vector;
	return NULL;
}

void apic_self_ipi(uint8_t vector)
{
	*apic_reg(APIC_ICR_LOW) = APIC_ICR_SELF_FIXED | vector;
}
