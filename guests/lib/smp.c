/*
 * smp.c - starting an application processor from a test guest. The new
 * CPU leaves the trampoline in long mode with the trampoline's GDT; it
 * loads the boot CPU's GDT and IDT before running C that may take
 * interrupts (the gates name the boot GDT's code selector).
 */
#include "ap_trampoline.h"
#include "apic.h"
#include "lib/string.h"
#include "smp.h"
#include "x86.h"

#define APIC_ID 0x020
#define APIC_ICR_HIGH 0x310
#define ICR_PENDING (1u << 12)
#define ICR_INIT 0x4500u
#define ICR_STARTUP 0x4600u
#define AP_STACK_SIZE 16384
#define START_SPIN 50000000ull /* TSC ticks to wait for the CPU to report in */

struct table_desc {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern char boot_pml4[];
static struct table_desc gdt, idt;
static uint8_t ap_stack[AP_STACK_SIZE] __attribute__((aligned(16)));
static void (*ap_entry)(unsigned);
static volatile bool ap_up;

uint32_t smp_apic_id(void)
{
	return *apic_reg(APIC_ID) >> 24;
}

void smp_send_ipi(uint32_t dest, uint32_t icr)
{
	*apic_reg(APIC_ICR_HIGH) = dest << 24;
	*apic_reg(APIC_ICR_LOW) = icr;
	while (*apic_reg(APIC_ICR_LOW) & ICR_PENDING)
		__asm__ volatile("pause");
}

/* The trampoline's parameter slot 'linked', in its copy at AP_TRAMPOLINE. */
static volatile uint64_t *param(const uint64_t *linked)
{
	return (volatile uint64_t *)(uintptr_t)(AP_TRAMPOLINE +
						((const char *)linked - ap_trampoline_start));
}

/* First C of the new CPU: the boot CPU's descriptor tables, CS reloaded, its xAPIC on. */
static void ap_start(unsigned index)
{
	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\tmovl $0x10, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "lidt %1"
			 : : "m"(gdt), "m"(idt) : "rax", "memory");
	apic_init(0xff);
	ap_up = true;
	ap_entry(index);
	for (;;)
		__asm__ volatile("cli; hlt");
}

bool smp_start_cpu(uint32_t apic_id, unsigned index, void (*entry)(unsigned index))
{
	uint64_t deadline;

	__asm__ volatile("sgdt %0\n\tsidt %1" : "=m"(gdt), "=m"(idt));
	memcpy((void *)(uintptr_t)AP_TRAMPOLINE, ap_trampoline_start,
	       (size_t)(ap_trampoline_end - ap_trampoline_start));
	*param(ap_param_cr3) = (uint64_t)(uintptr_t)boot_pml4;
	*param(ap_param_stack) = (uint64_t)(uintptr_t)(ap_stack + AP_STACK_SIZE);
	*param(ap_param_entry) = (uint64_t)(uintptr_t)ap_start;
	*param(ap_param_index) = index;
	ap_entry = entry;
	smp_send_ipi(apic_id, ICR_INIT);
	for (int i = 0; i < 2; i++)
		smp_send_ipi(apic_id, ICR_STARTUP | AP_TRAMPOLINE >> 12);
	deadline = rdtsc() + START_SPIN;
	while (!ap_up && rdtsc() < deadline)
		__asm__ volatile("pause");
	return ap_up;
}
