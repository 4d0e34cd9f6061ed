/*
 * apic_test.c - the local APIC as kernels written for QEMU drive it: the
 * IA32_APIC_BASE mode transitions of SDM Vol. 3A 11.12.5 (Figure 11-27: the
 * valid ones work, x2APIC -> xAPIC, disabled -> x2APIC and EN=0/EXTD=1 #GP),
 * self-IPIs in x2APIC mode, an AP started with INIT/SIPI/SIPI through the
 * x2APIC ICR (shorthand all-excluding-self), fixed IPIs both ways, and last
 * (Bochs cannot come back from it) disabling and re-enabling the APIC.
 * It reports what it saw; the integration tests judge it.
 */
#include <stdint.h>

#include "apic_test.h"
#include "extable.h"
#include "guest.h"
#include "lib/string.h"
#include "trap.h"
#include "x86.h"

#define MSR_APIC_BASE 0x1b
#define BASE_EN (1ull << 11)
#define BASE_EXTD (1ull << 10)
#define BASE_ADDR_MASK 0xffffff000ull
#define XAPIC_ID 0x20
#define X2APIC_ID 0x802
#define X2APIC_VERSION 0x803
#define X2APIC_TPR 0x808
#define X2APIC_SVR 0x80f
#define X2APIC_ICR 0x830
#define X2APIC_SELF_IPI 0x83f
#define SVR_ENABLE 0x1ff
#define ICR_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_SELF (1u << 18)
#define CPUID1_ECX_X2APIC (1u << 21)
#define WAIT_TICKS 20000000ull   /* TSC ticks to wait for an AP or an IPI */
#define INIT_DELAY_TICKS 1000000ull
#define BSP_TO_AP_IPIS 3
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

volatile uint32_t bsp_self_ipis, bsp_replies; /* counted by apic_stubs.S */
extern const char ap16_start[], ap16_end[];
void bsp_self_ipi_stub(void);
void bsp_reply_stub(void);

static volatile uint32_t *ap_data(unsigned offset)
{
	return (volatile uint32_t *)(uintptr_t)(AP_PAGE + offset);
}

/* A WRMSR of IA32_APIC_BASE: "ok", or "gp" if it faulted. */
static const char *set_base(uint64_t v)
{
	return wrmsr_safe(MSR_APIC_BASE, v) ? "gp" : "ok";
}

static uint32_t xapic_id(uint64_t base)
{
	return *(volatile uint32_t *)(uintptr_t)((base & BASE_ADDR_MASK) + XAPIC_ID) >> 24;
}

/* Spins until *counter reaches 'want' or WAIT_TICKS pass, interrupts on. */
static uint32_t wait_for(volatile uint32_t *counter, uint32_t want)
{
	uint64_t end = rdtsc() + WAIT_TICKS;

	__asm__ volatile("sti");
	while (*counter < want && rdtsc() < end)
		__asm__ volatile("pause");
	__asm__ volatile("cli");
	return *counter;
}

static void icr(uint32_t dest, uint32_t low)
{
	wrmsr(X2APIC_ICR, (uint64_t)dest << 32 | low);
}

/*
 * xAPIC -> x2APIC, then the two transitions out of x2APIC that must #GP
 * (to xAPIC, and to the invalid EN=0/EXTD=1); ends in x2APIC mode,
 * software-enabled, with two self-IPIs taken (SELF IPI register, ICR).
 */
static void mode_switches(uint64_t base)
{
	uint64_t x2 = base | BASE_EN | BASE_EXTD, id = 0, version = 0;
	uint32_t id_xapic = xapic_id(base);
	const char *to_x2 = set_base(x2), *to_xa, *invalid;

	rdmsr_safe(X2APIC_ID, &id);
	rdmsr_safe(X2APIC_VERSION, &version);
	to_xa = set_base((base | BASE_EN) & ~BASE_EXTD);
	invalid = set_base((base & ~BASE_EN) | BASE_EXTD);
	guest_mline("apic", "x2apic=1 xapic_id=%u x2apic_id=%lu version=%#lx to_x2apic=%s "
		    "x2apic_to_xapic=%s x2apic_to_en0_extd1=%s mode=%s", id_xapic, id, version,
		    to_x2, to_xa, invalid, rdmsr(MSR_APIC_BASE) & BASE_EXTD ? "x2apic" : "xapic");
	wrmsr(X2APIC_SVR, SVR_ENABLE);
	wrmsr(X2APIC_TPR, 0);
	trap_set_gate(SELF_VECTOR, bsp_self_ipi_stub);
	wrmsr(X2APIC_SELF_IPI, SELF_VECTOR);
	wait_for(&bsp_self_ipis, 1);
	icr(0, ICR_SELF | ICR_ASSERT | SELF_VECTOR);
	guest_mline("apic-self-ipi", "self_ipis=%u", wait_for(&bsp_self_ipis, 2));
}

/*
 * x2APIC -> disabled (x2APIC MSRs then #GP), disabled -> x2APIC (#GP), and
 * disabled -> xAPIC, read back: Bochs 2.7 ignores every IA32_APIC_BASE write
 * once the APIC is disabled (reenable=ignored), hardware and KVM take it.
 */
static void disable_reenable(uint64_t base)
{
	uint64_t ignored, after;
	const char *to_off = set_base(base & ~(BASE_EN | BASE_EXTD)), *msr_off, *to_x2, *to_xa;

	msr_off = rdmsr_safe(X2APIC_ID, &ignored) ? "gp" : "ok";
	to_x2 = set_base(base | BASE_EN | BASE_EXTD);
	to_xa = set_base((base | BASE_EN) & ~BASE_EXTD);
	after = rdmsr(MSR_APIC_BASE);
	guest_mline("apic-disable", "x2apic_to_disabled=%s x2apic_msr_disabled=%s "
		    "disabled_to_x2apic=%s disabled_to_xapic=%s reenable=%s xapic_id_after=%u",
		    to_off, msr_off, to_x2, to_xa, after & BASE_EN ? "ok" : "ignored",
		    after & BASE_EN ? xapic_id(after) : ~0u);
}

/* INIT, SIPI, SIPI to all but self (MP spec B.4), then fixed IPIs both ways. */
static void ap_ipis(unsigned cpus, uint32_t bsp_id)
{
	uint64_t t;
	uint32_t started, to_ap = 0;

	memcpy((void *)(uintptr_t)AP_PAGE, ap16_start, (size_t)(ap16_end - ap16_start));
	*ap_data(AP_DATA_STARTED) = 0;
	*ap_data(AP_DATA_IPIS) = 0;
	*ap_data(AP_DATA_BSP_ID) = bsp_id;
	*ap_data(AP_DATA_AP_ID) = ~0u;
	*ap_data(AP_DATA_REPLY_AFTER) = BSP_TO_AP_IPIS;
	trap_set_gate(BSP_VECTOR, bsp_reply_stub);
	icr(0, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT);
	for (t = rdtsc() + INIT_DELAY_TICKS; rdtsc() < t;)
		__asm__ volatile("pause");
	for (int i = 0; i < 2; i++)
		icr(0, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | (AP_PAGE >> 12));
	started = wait_for(ap_data(AP_DATA_STARTED), cpus - 1);
	if (started) {
		for (uint32_t i = 1; i <= BSP_TO_AP_IPIS; i++) {
			icr(*ap_data(AP_DATA_AP_ID), ICR_ASSERT | AP_VECTOR);
			to_ap = wait_for(ap_data(AP_DATA_IPIS), i);
		}
	}
	guest_mline("ipi", "cpus=%u aps_started=%u ap_x2apic_id=%u bsp_to_ap=%u ap_to_bsp=%u",
		    cpus, started, *ap_data(AP_DATA_AP_ID), to_ap, wait_for(&bsp_replies, 1));
}

void apic_test(unsigned cpus)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_X2APIC)) {
		guest_mline("apic", "x2apic=0 skipped=\"CPUID.1:ECX.x2APIC is clear\"");
		return;
	}
	if ((base & (BASE_EN | BASE_EXTD)) != BASE_EN) {
		guest_mline("apic", "x2apic=1 skipped=\"the loader left the APIC out of xAPIC mode "
			    "(IA32_APIC_BASE %#lx)\"", base);
		return;
	}
	outb(PIC1_DATA, 0xff); /* only the APIC's own interrupts: the BIOS left the PIT's on */
	outb(PIC2_DATA, 0xff);
	mode_switches(base);
	if (cpus > 1)
		ap_ipis(cpus, (uint32_t)rdmsr(X2APIC_ID));
	disable_reenable(base);
}
