/*
 * l2_mem.h - what the VMX instruction emulation needs of L2 at an exit from
 * it (vmcs01 current): its privilege level and mode, its registers by SDM
 * number, and its memory operands through its own page tables.
 */
#ifndef HV_VMCS_L2_MEM_H
#define HV_VMCS_L2_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "vcpu.h"
#include "vmcs/vmx_operand.h"

/* L2's CPL (SS.DPL). */
unsigned l2_cpl(void);
/* L2's CR0 and CR4 as it reads them: its read shadow where L1 owns the bit (mask). */
uint64_t l2_cr0(void);
uint64_t l2_cr4(void);
/* Whether L2 runs 64-bit code (IA-32e mode and CS.L). */
bool l2_in_64bit_mode(void);
/* Register reg of L2 (RSP from the VMCS). */
uint64_t l2_gpr(struct vcpu *v, unsigned reg);
/* Writes register reg as an instruction of 'bits' operand size would. */
void l2_set_gpr(struct vcpu *v, unsigned reg, uint64_t value, unsigned bits);
/*
 * The linear address of the exit's memory operand (op, displacement in the
 * exit qualification). False if it raised #GP/#SS in L2 (non-canonical).
 */
bool l2_operand_address(struct vcpu *v, const struct vmx_operand *op, uint64_t *la);
/*
 * Copies len bytes from (or to, if write) L2's linear address la. False if
 * it raised #PF in L2 (CR2 set), or #GP where no guest memory is.
 */
bool l2_linear_copy(uint64_t la, void *buf, unsigned len, bool write);
/* A pointer to L2-physical [pa, pa + len) if it is L2's RAM, else NULL. */
void *l2_phys(uint64_t pa, uint64_t len);

#endif
