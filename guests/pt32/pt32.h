/*
 * pt32.h - what the pt32 guest's C side (pt32.c, the scripts and their
 * checks) shares with legacy.S (the mode switch and the script runner).
 */
#ifndef GUESTS_PT32_H
#define GUESTS_PT32_H

#include <stdint.h>

/* One operation run in 32-bit code: A, B, C its operands. */
enum op_code {
	OP_END,
	OP_LOAD,   /* the record's value: the dword at A */
	OP_STORE,  /* the dword at A = B */
	OP_INVLPG, /* INVLPG [A] */
	OP_CR3,    /* MOV CR3, A */
	OP_CALL,   /* CALL A (a page that returns at once) */
	OP_XCHG,   /* XCHG the dword at A with B; the value: what it held */
	OP_CX8,    /* LOCK CMPXCHG8B: the qword at A becomes C:B; the value: 1 if written */
	OP_CR4,    /* CR4 = (CR4 & ~B) | A */
	OP_EFER,   /* EFER = (EFER & ~B) | A (WRMSR) */
	OP_VMXON,  /* VMXON [A]; the value: EFLAGS.CF|ZF after it */
};

struct op {
	uint32_t code, a, b, c;
};

/* What an op did: its value, or the #PF it took (CR2, error code). */
struct rec {
	uint32_t value, fault, cr2, err;
};

/* One run in legacy paging (offsets used by legacy.S). */
struct legacy_run {
	uint32_t cr3, cr4, nxe; /* CR4: PAE and PSE only; nxe: EFER.NXE */
	uint32_t done;          /* ops run before OP_END (or the bad exception) */
	uint32_t script, recs;  /* struct op[], struct rec[] */
	uint32_t bad_vector;    /* an exception other than #PF ended it; ~0: none */
	uint32_t pad;
};

void legacy_run(struct legacy_run *r);
void legacy_pf(void);
extern char legacy_exc_stubs[];   /* 32 stubs of 16 bytes */
extern char legacy_exec_page[];
extern uint64_t legacy_idt[32];

#endif
