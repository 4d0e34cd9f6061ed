/*
 * pt_store.h - the direct path for the stores that write guest page tables
 * under shadow paging: MOV, XCHG, CMPXCHG, CMPXCHG8B, (LOCK) OR/AND/XOR and
 * BTS/BTR/BTC with an immediate bit, to one memory operand, in 64-bit code
 * or 32-bit code (a PAE kernel writes its 8-byte entries with CMPXCHG8B).
 * These are what Linux writes its PTEs with (set_pte, ptep_get_and_clear,
 * clear_bit, test_and_clear_bit, try_cmpxchg; on one CPU its LOCK prefixes
 * are patched to DS, which is ignored in 64-bit mode). A few dozen lines of
 * decoding instead of Capstone's thousands of instructions; anything else
 * is left to the general emulator (emul_exit.c). Executed on the page's
 * memory with the CPU's own atomic operations (a locked read-modify-write
 * stays one, Vol. 3A 9.1.2.2) and the flags of the SDM (Vol. 2). Pure.
 */
#ifndef HV_EMUL_PT_STORE_H
#define HV_EMUL_PT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "emulate.h"
#include "insn.h"

enum pt_store_op {
	PTS_MOV, PTS_XCHG, PTS_CMPXCHG, PTS_CMPXCHG8B, PTS_OR, PTS_AND, PTS_XOR,
	PTS_BTS, PTS_BTR, PTS_BTC,
};

struct pt_store {
	uint8_t op;           /* enum pt_store_op */
	struct emul_insn in;  /* len, lock; dst: the memory operand; src: register or immediate */
};

/*
 * Decodes 64-bit code at bytes[0..n): true if it is one of the stores above
 * with a memory destination (nothing else is claimed, so a false answer
 * leaves it to the general emulator).
 */
bool pt_store_decode(const uint8_t *bytes, unsigned n, struct pt_store *s);
/* The same for code of 'bits' 64 or 32 (a 32-bit code segment: CS.D set, not CS.L). */
bool pt_store_decode_bits(const uint8_t *bytes, unsigned n, unsigned bits, struct pt_store *s);
/* The linear address it writes (emul_linear_address with r->rip at the instruction). */
uint64_t pt_store_address(const struct pt_store *s, const struct emul_regs *r);
/*
 * Runs it on its operand at p (s->in.dst.size bytes, the caller's mapping
 * of guest memory): registers and RFLAGS in r updated, RIP past it.
 * Returns whether memory changed (a failed CMPXCHG leaves it as it was).
 */
bool pt_store_run(const struct pt_store *s, void *p, struct emul_regs *r);
const char *pt_store_op_name(unsigned op);

#endif
