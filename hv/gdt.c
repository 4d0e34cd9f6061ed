/*
 * gdt.c - builds and loads the per-CPU GDT and TSS, with separate IST stacks
 * so a double fault (say, a stack overflow) still gets a register dump.
 */
#include "gdt.h"

struct ist_stack ist_stacks[MAX_IST_CPUS][3];
static unsigned ist_next;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t tss_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xffffull) | ((base & 0xffffffull) << 16) |
	       (0x89ull << 40) /* present, 64-bit TSS available */ |
	       ((uint64_t)(limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
}

void gdt_init_cpu(struct cpu_gdt *g)
{
	struct desc_ptr ptr = { sizeof(g->gdt) - 1, (uint64_t)(uintptr_t)g->gdt };
	uint64_t tss = (uint64_t)(uintptr_t)&g->tss;
	unsigned slot = __atomic_fetch_add(&ist_next, 1, __ATOMIC_RELAXED) % MAX_IST_CPUS;

	for (int i = 0; i < 3; i++)
		g->tss.ist[i] = (uint64_t)(uintptr_t)(ist_stacks[slot][i].stack + IST_STACK_SIZE);
	g->tss.iomap_base = sizeof(g->tss); /* no I/O permission bitmap */
	g->gdt[0] = 0;
	g->gdt[GDT_CODE64 / 8] = 0x00af9a000000ffffull;
	g->gdt[GDT_DATA / 8] = 0x00cf92000000ffffull;
	g->gdt[GDT_TSS / 8] = tss_low(tss, sizeof(g->tss) - 1);
	g->gdt[GDT_TSS / 8 + 1] = tss >> 32;

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(ptr), "i"(GDT_CODE64), "i"(GDT_DATA), "r"(GDT_TSS)
			 : "rax", "memory");
}
