/*
 * lapic.c - ICR writes for INIT and SIPI; in xAPIC mode the ICR is two MMIO
 * registers (destination in the high one), in x2APIC mode one MSR.
 * SDM Vol. 3A 11.6.1, 11.12.9; delays per the MP spec (10 ms, 200 us).
 */
#include <stdbool.h>

#include "lapic.h"
#include "tsc.h"
#include "x86.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ADDR_MASK 0xffffff000ull
#define XAPIC_ID 0x20
#define XAPIC_ICR_LOW 0x300
#define XAPIC_ICR_HIGH 0x310
#define X2APIC_ID_MSR 0x802
#define X2APIC_ICR_MSR 0x830
#define XAPIC_EOI 0x0b0
#define XAPIC_SVR 0x0f0
#define X2APIC_EOI_MSR 0x80b
#define X2APIC_SVR_MSR 0x80f
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_INIT 0x00004500u /* INIT, level assert */
#define ICR_STARTUP 0x00004600u
#define ICR_NMI 0x00004400u  /* NMI, level assert */

static bool x2apic(void)
{
	return rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC;
}

static volatile uint32_t *xapic_reg(unsigned offset)
{
	return (volatile uint32_t *)(uintptr_t)((rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK) +
						offset);
}

uint32_t lapic_id(void)
{
	return x2apic() ? (uint32_t)rdmsr(X2APIC_ID_MSR) : *xapic_reg(XAPIC_ID) >> 24;
}

static void send_ipi(uint32_t apic_id, uint32_t icr)
{
	if (x2apic()) {
		wrmsr(X2APIC_ICR_MSR, (uint64_t)apic_id << 32 | icr);
		return;
	}
	*xapic_reg(XAPIC_ICR_HIGH) = apic_id << 24;
	*xapic_reg(XAPIC_ICR_LOW) = icr;
	for (int spin = 0; spin < 1000000 && (*xapic_reg(XAPIC_ICR_LOW) & ICR_DELIVERY_PENDING);
	     spin++)
		__asm__ volatile("pause");
}

static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_hz / 1000000 * us;

	while (rdtsc() < end)
		__asm__ volatile("pause");
}

void lapic_start_cpu(uint32_t apic_id, uint8_t vector)
{
	send_ipi(apic_id, ICR_INIT);
	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		send_ipi(apic_id, ICR_STARTUP | vector);
		delay_us(200);
	}
}

/*
 * L2 may own this APIC (irq=direct) and have exited between its writes of
 * the ICR's high and low words: the high word it wrote goes back.
 */
void lapic_send_nmi(uint32_t apic_id)
{
	uint32_t high = x2apic() ? 0 : *xapic_reg(XAPIC_ICR_HIGH);

	send_ipi(apic_id, ICR_NMI);
	if (!x2apic())
		*xapic_reg(XAPIC_ICR_HIGH) = high;
}

void lapic_eoi(void)
{
	if (x2apic())
		wrmsr(X2APIC_EOI_MSR, 0);
	else
		*xapic_reg(XAPIC_EOI) = 0;
}

uint8_t lapic_spurious_vector(void)
{
	return (uint8_t)(x2apic() ? rdmsr(X2APIC_SVR_MSR) : *xapic_reg(XAPIC_SVR));
}

bool lapic_xapic_base(uint64_t *base)
{
	if (x2apic())
		return false;
	*base = rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK;
	return true;
}
