/*
 * fuzz_emulate.c - libFuzzer target: random bytes through Capstone and
 * hv/emul/decode.c, then hv/emul/emulate.c against a 64 KiB sandbox for
 * memory. Byte 0 picks the code size (16/32/64), bytes 1-15 are the
 * instruction (an exact-size heap copy: ASan catches any read past it), the
 * rest fill the registers and the sandbox. The emulator must never crash,
 * touch memory but through its callbacks, or report an instruction length
 * beyond the bytes it was given; every access must stay in the sandbox or
 * fault.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emul/decode.h"
#include "emul/emulate.h"

#define SANDBOX 0x10000u

static uint8_t sandbox[SANDBOX];
static csh handles[3];
static cs_insn *scratch[3];

static bool sb_read(void *ctx, uint64_t la, void *buf, unsigned size, struct emul_fault *f)
{
	(void)ctx;
	if (size == 0 || size > 8)
		abort();
	if (la >= SANDBOX || size > SANDBOX - la) {
		*f = (struct emul_fault){ .vector = 14, .has_error = true, .cr2 = la };
		return false;
	}
	memcpy(buf, sandbox + la, size);
	return true;
}

static bool sb_write(void *ctx, uint64_t la, const void *buf, unsigned size,
		     struct emul_fault *f)
{
	(void)ctx;
	if (size == 0 || size > 8)
		abort();
	if (la >= SANDBOX || size > SANDBOX - la) {
		*f = (struct emul_fault){ .vector = 14, .has_error = true, .error = 2, .cr2 = la };
		return false;
	}
	memcpy(sandbox + la, buf, size);
	return true;
}

static const struct emul_mem_ops sandbox_ops = { sb_read, sb_write };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned bits_of[3] = { 16, 32, 64 };
	uint64_t gpr[16] = { 0 };
	struct emul_regs r = { .gpr = gpr };
	struct emul_insn in;
	struct emul_fault f;
	unsigned mode, n;
	uint8_t *insn;
	char text[96];

	if (size < 2)
		return 0;
	mode = data[0] % 3;
	if (!handles[mode]) {
		if (cs_open(CS_ARCH_X86, decode_mode(bits_of[mode]), &handles[mode]) != CS_ERR_OK)
			abort();
		cs_option(handles[mode], CS_OPT_DETAIL, CS_OPT_ON);
		scratch[mode] = cs_malloc(handles[mode]);
	}
	n = size - 1 < 15 ? (unsigned)(size - 1) : 15;
	insn = malloc(n);
	if (!insn)
		return 0;
	memcpy(insn, data + 1, n);
	if (decode_insn(handles[mode], bits_of[mode], insn, n, scratch[mode], &in, text,
			sizeof(text)) == DECODE_OK) {
		if (in.len == 0 || in.len > n)
			abort();
		/* Registers and the sandbox from the rest of the input; addresses mostly small. */
		for (unsigned i = 0; i < 16 && 1 + 15 + 8 * (i + 1) <= size; i++)
			memcpy(&gpr[i], data + 16 + 8 * i, 8);
		for (unsigned i = 0; i < 16; i++)
			if (i != 0 && i != 2 && (gpr[i] >> 63))
				gpr[i] &= SANDBOX - 1;
		/*
		 * RCX: at most 8 Ki elements, enough for a REP of qwords to
		 * cross the whole sandbox and fault at its end; every element
		 * runs the same code, and longer counts only slowed the run to
		 * 1.4k inputs/s. Bits 63:32 stay when byte 0's top bit is set,
		 * so a REP with 32- or 16-bit addresses must count with ECX or
		 * CX (a 64-bit count there would run until it faults or hangs).
		 */
		gpr[1] &= (data[0] & 0x80 ? ~0ull << 32 : 0) | 0x1fff;
		r.rflags = 0x2 | (size > 3 ? (uint64_t)data[size - 1] << 2 & 0xcd5 : 0);
		r.rip = size > 2 ? data[size - 2] : 0;
		r.code_bits = (uint8_t)bits_of[mode];
		memset(sandbox, 0, sizeof(sandbox));
		if (size > 16 + 128)
			memcpy(sandbox, data + 16 + 128,
			       size - 16 - 128 < SANDBOX ? size - 16 - 128 : SANDBOX);
		(void)emulate(&in, &r, &sandbox_ops, NULL, &f);
	}
	free(insn);
	return 0;
}
