/*
 * vmcs_space.h - L3's pages for the "vmcs" fuzz kind (vmcs_space.c): code,
 * stack, descriptor tables, L3's page tables and the EPT that confines L3
 * to them, plus pages the fuzzer points VMCS address fields at.
 */
#ifndef GUESTS_FUZZ_VMCS_SPACE_H
#define GUESTS_FUZZ_VMCS_SPACE_H

#include <stdint.h>

/* L3's actions: its code starts at block 'action' (vmcs_space_entry). */
enum vmcs_l3_action {
	L3_CPUID, L3_VMCALL, L3_OUT, L3_RDMSR, L3_UD2, L3_MOV_CR3, L3_RDTSC, L3_INT3,
	L3_ACTIONS
};

#define VMCS_SPACE_TSS_SIZE 104

/* 64 KiB-aligned, so the whole block lies in one 2 MiB region (one page table). */
struct vmcs_space {
	uint8_t code[4096];
	uint8_t stack[4096];
	uint64_t idt[512];
	uint64_t gdt[32];
	uint8_t tss[4096 - 32 * 8];
	uint64_t pml4[512], pdpt[512], pd[512], pt[512];                 /* L3's */
	uint64_t ept_pml4[512], ept_pdpt[512], ept_pd[512], ept_pt[512]; /* L2's EPT for L3 */
	uint8_t zero[4096];       /* stays zero: an EPT or bitmap of nothing */
	uint64_t msr_list[512];   /* the VM-entry MSR-load list the fuzzer fills */
	uint64_t exit_list[512];  /* the VM-exit MSR-load list: entries that load */
	uint64_t store_list[512]; /* the VM-exit MSR-store list: entries that store */
};

extern struct vmcs_space vmcs_space;

void vmcs_space_init(void);
/* The EPT pointer of the block's EPT (write-back, 4 levels). */
uint64_t vmcs_space_eptp(void);
/* Where L3 starts for 'action'. */
uint64_t vmcs_space_entry(unsigned action);

#endif
