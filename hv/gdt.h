/*
 * gdt.h - the hypervisor's GDT and 64-bit TSS. VM exits load the host
 * selectors defined here, and the SDM requires a non-zero host TR
 * (SDM 26.2.3), so every CPU gets its own TSS.
 */
#ifndef HV_GDT_H
#define HV_GDT_H

#include <stdint.h>

#define GDT_CODE64 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x18

/* IST slots (1-based, as in the IDT gate) of the exception stacks. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

#define IST_STACK_SIZE 4096
#define MAX_IST_CPUS 64

/* An IST stack with the page under it, which hv/self_protect.c unmaps. */
struct ist_stack {
	uint8_t guard[4096];
	uint8_t stack[IST_STACK_SIZE];
} __attribute__((aligned(4096)));

/* One set of IST stacks per CPU, slot n for the n-th CPU to load its GDT. */
extern struct ist_stack ist_stacks[MAX_IST_CPUS][3];

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct cpu_gdt {
	uint64_t gdt[5]; /* null, code64, data, TSS low, TSS high */
	struct tss64 tss;
};

/* Loads a fresh GDT + TSS on this CPU and reloads every segment register. */
void gdt_init_cpu(struct cpu_gdt *g);

#endif
