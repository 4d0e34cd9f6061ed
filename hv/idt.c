/*
 * idt.c - one shared IDT with gates for the 32 exception vectors; #DF, NMI
 * and #MC run on their own IST stacks so a broken stack still reports.
 * Vectors 32-255 collect L2's interrupts (irq/root_isr.S).
 */
#include "gdt.h"
#include "idt.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

extern const uint64_t isr_table[32];
extern const char irq_root_stubs[]; /* irq/root_isr.S: vectors 32-255, 16 bytes each */
static struct idt_gate idt[256] __attribute__((aligned(16)));

static uint8_t ist_for_vector(int vec)
{
	switch (vec) {
	case 2: return IST_NMI;
	case 8: return IST_DOUBLE_FAULT;
	case 18: return IST_MACHINE_CHECK;
	default: return 0;
	}
}

void idt_init_cpu(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (int v = 0; v < 256; v++) {
		uint64_t addr = v < 32 ? isr_table[v] :
					 (uint64_t)(uintptr_t)(irq_root_stubs + 16 * (v - 32));

		idt[v] = (struct idt_gate){
			.offset_lo = addr & 0xffff,
			.selector = GDT_CODE64,
			.ist = ist_for_vector(v),
			.type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
			.offset_mid = addr >> 16 & 0xffff,
			.offset_hi = addr >> 32,
		};
	}
	__asm__ volatile("lidt %0" : : "m"(ptr));
}
