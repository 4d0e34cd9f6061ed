/*
 * op_cr.c - fuzz kind "cr": MOV to CR0 and CR4 with random bits flipped,
 * including the ones the hypervisor owns (CR0.NE, CR4.VMXE: a write that
 * changes them exits and is emulated), bits that end long mode or caching
 * rules (PG, PE, CD/NW), and reserved bits: #GP is an expected outcome. A
 * write that went through is put back, so the guest keeps running as it
 * was; CR8 (the TPR) gets random priorities and is put back to 0.
 */
#include "extable.h"
#include "fuzz.h"
#include "x86.h"

/* CR0: PE MP EM TS ET NE WP AM NW CD PG, and reserved bits 6, 17, 31..63. */
static const uint8_t cr0_bits[] = { 0, 1, 2, 3, 4, 5, 16, 18, 29, 30, 31, 6, 17, 32, 40, 63 };
/* CR4: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR VMXE SMXE FSGSBASE PCIDE OSXSAVE SMEP SMAP, reserved. */
static const uint8_t cr4_bits[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 16, 17, 18, 20, 21,
				    15, 19, 28, 31, 40, 63 };

#define NBITS(a) (sizeof(a) / sizeof((a)[0]))

static bool write_cr_safe(unsigned cr, uint64_t value)
{
	uint8_t fault = 0;

	if (cr == 0)
		__asm__ volatile(EXTABLE_INSN("movq %[v], %%cr0")
				 : [fault] "+qm"(fault) : [v] "r"(value) : "memory");
	else if (cr == 4)
		__asm__ volatile(EXTABLE_INSN("movq %[v], %%cr4")
				 : [fault] "+qm"(fault) : [v] "r"(value) : "memory");
	else
		__asm__ volatile(EXTABLE_INSN("movq %[v], %%cr8")
				 : [fault] "+qm"(fault) : [v] "r"(value) : "memory");
	return fault;
}

/* 1-3 bits of 'bits' chosen at random, as a mask. */
static uint64_t flips(struct rng *r, const uint8_t *bits, unsigned n)
{
	uint64_t m = 0;

	for (unsigned k = 1 + (unsigned)rng_below(r, 3); k; k--)
		m |= 1ull << bits[rng_below(r, n)];
	return m;
}

static enum fuzz_outcome run(struct rng *r, bool trace)
{
	unsigned which = (unsigned)rng_below(r, 3), cr = which == 0 ? 0 : which == 1 ? 4 : 8;
	uint64_t old = cr == 0 ? read_cr0() : cr == 4 ? read_cr4() : 0, value;
	bool fault;

	value = cr == 0 ? old ^ flips(r, cr0_bits, NBITS(cr0_bits)) :
		cr == 4 ? old ^ flips(r, cr4_bits, NBITS(cr4_bits)) : rng_below(r, 16);
	if (trace)
		fuzz_trace("mov cr%u old=%#lx new=%#lx", cr, old, value);
	fault = write_cr_safe(cr, value);
	if (!fault && write_cr_safe(cr, old))
		return FUZZ_ERROR; /* the old value refused: the guest's state is now wrong */
	return fault ? FUZZ_FAULT : FUZZ_OK;
}

const struct fuzz_op fuzz_op_cr = { .name = "cr", .run = run };
