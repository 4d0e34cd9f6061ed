/*
 * forms.h - every instruction form the emulator supports (hv/emul/insn.h),
 * as bytes with the places a run fills in: the table both the host unit
 * test (against the host CPU) and the conformance guest mmiotest (RAM
 * against the test MMIO device) run through slot.S. 64-bit code; memory
 * operands are based on RBX, RBP, RSI, RDI (pointers the runner sets) and
 * R12 (a small index).
 */
#ifndef GUESTS_MMIOTEST_FORMS_H
#define GUESTS_MMIOTEST_FORMS_H

#include <stdbool.h>
#include <stdint.h>

/* What slot.S loads and saves. */
struct native_state {
	uint64_t gpr[16]; /* SDM order; RSP (4) is neither loaded nor saved */
	uint64_t rflags;
};

extern const uint8_t native_run[], native_slot[], native_run_end[];

struct emul_form {
	uint8_t b[15];
	uint8_t len;
	uint8_t imm_at, imm_size; /* randomised per run */
	uint8_t abs_at;           /* moffs64: the data address + FORM_ABS_OFFSET */
	uint8_t rel_at;           /* rel32: to the data address + FORM_REL_OFFSET */
	bool af_undefined;        /* AND/OR/XOR/TEST: AF is undefined (SDM) */
};

#define FORM_ABS_OFFSET 0x40
#define FORM_REL_OFFSET 0x60
/* Where the runner points the base registers, from the data's start. */
#define FORM_RBX 0x300
#define FORM_RBP 0x380
#define FORM_RSI 0x400
#define FORM_RDI 0x500
/* Bytes of data a form may touch from its start (REP counts are < 9). */
#define FORM_DATA_SIZE 0x800

#define EMUL_FORMS_MAX 256

/* Fills out[] with every form; returns how many. */
unsigned emul_forms(struct emul_form *out, unsigned max);
/* A value for an operand: edges of every width, or random. */
uint64_t form_value(void);
/* The next pseudo-random number (xorshift; the sequence repeats from the seed). */
uint64_t form_random(void);
void form_seed(uint64_t seed);
/* New random immediates. */
void form_randomize(struct emul_form *f);
/*
 * The moffs and rel32 fields pointed at 'data' (for the instruction run at
 * 'slot'; the rel32 target is 'rel_data', another address of the same data).
 */
void form_place(struct emul_form *f, uint64_t data, uint64_t rel_data, uint64_t slot);
/* A random starting state whose pointers lie in the data at 'data'. */
void form_state(struct native_state *s, uint64_t data);
/*
 * One random run of f: new immediates, f placed at 'slot' (16 bytes, the
 * rest NOPs) for data at 'data', 'size' random bytes into 'before', and a
 * form_state into *s.
 */
void form_setup(struct emul_form *f, uint8_t *slot, uint64_t data, uint8_t *before,
		unsigned size, struct native_state *s);
/* Moves the pointers of a form_state from the data at 'from' to the data at 'to'. */
void form_rebase(struct native_state *s, uint64_t from, uint64_t to);

#endif
