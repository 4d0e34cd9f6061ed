/*
 * extable.h - instructions allowed to fault: the exception handler resumes
 * at their fixup instead of panicking. Used to run an L2-chosen RDMSR or
 * WRMSR on the CPU and give any #GP back to L2.
 */
#ifndef HV_EXTABLE_H
#define HV_EXTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "idt.h"

/* Runs `insn`; sets `fault` to 1 if it faults (the fixup path). */
#define EXTABLE_INSN(insn)                      \
	"1: " insn "\n\t"                       \
	"2:\n\t"                                \
	".pushsection .fixup, \"ax\"\n\t"       \
	"3: movb $1, %[fault]\n\t"              \
	"jmp 2b\n\t"                            \
	".popsection\n\t"                       \
	".pushsection .extable, \"a\"\n\t"      \
	".balign 8\n\t"                         \
	".quad 1b, 3b\n\t"                      \
	".popsection"

/* If f->rip is an extable entry, points it at the fixup and returns true. */
bool extable_fixup(struct exception_frame *f);

static inline bool rdmsr_safe(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;
	uint8_t fault = 0;

	__asm__ volatile(EXTABLE_INSN("rdmsr")
			 : "+a"(lo), "+d"(hi), [fault] "+qm"(fault)
			 : "c"(msr));
	*v = ((uint64_t)hi << 32) | lo;
	return fault;
}

static inline bool wrmsr_safe(uint32_t msr, uint64_t v)
{
	uint8_t fault = 0;

	__asm__ volatile(EXTABLE_INSN("wrmsr")
			 : [fault] "+qm"(fault)
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
	return fault;
}

#endif
