/*
 * decode.h - Capstone's decode of one instruction turned into struct
 * emul_insn, for the instructions the emulator supports. Pure given a
 * Capstone handle (opened with CS_OPT_DETAIL on): the hypervisor's glue
 * (decoder.c) and the host unit tests both call it.
 */
#ifndef HV_EMUL_DECODE_H
#define HV_EMUL_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include <capstone/capstone.h>

#include "insn.h"

enum decode_result {
	DECODE_OK,
	DECODE_INVALID,     /* Capstone decodes no instruction from the bytes */
	DECODE_TRUNCATED,   /* the bytes end inside an instruction: fetch more */
	DECODE_UNSUPPORTED, /* a valid instruction the emulator does not implement */
};

/*
 * Decodes the instruction at the start of bytes[0..n) for code of
 * 'code_bits' (16, 32, 64: the code segment's default size); the handle's
 * mode must match (decode_mode). 'scratch' from cs_malloc. 'text' (if not
 * NULL) gets Capstone's Intel disassembly.
 */
enum decode_result decode_insn(csh cs, unsigned code_bits, const uint8_t *bytes, size_t n,
			       cs_insn *scratch, struct emul_insn *out, char *text,
			       size_t text_size);
/* Capstone's mode for code of 16, 32 or 64 bits. */
cs_mode decode_mode(unsigned code_bits);
const char *decode_result_str(enum decode_result r);

#endif
