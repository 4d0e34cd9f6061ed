/*
 * insn.h - one decoded instruction in the emulator's own compact form: what
 * decode.c makes of Capstone's output, what the promotion cache keeps and
 * what emulate.c executes. Plain data, no pointers: it can be copied,
 * cached and compared.
 */
#ifndef HV_EMUL_INSN_H
#define HV_EMUL_INSN_H

#include <stdint.h>

enum emul_op {
	EOP_MOV, EOP_MOVZX, EOP_MOVSX, EOP_MOVS, EOP_STOS,
	EOP_ADD, EOP_SUB, EOP_CMP, EOP_AND, EOP_OR, EOP_XOR, EOP_TEST, EOP_XCHG,
	EOP_COUNT
};

enum emul_opnd_kind { OPND_NONE, OPND_REG, OPND_MEM, OPND_IMM };

/* Segment registers in the SDM's encoding order (Vol. 2A 3.1.1.1 Sreg). */
enum emul_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

#define EMUL_NO_REG 0xff
#define EMUL_RIP 0xfe /* base register of a RIP-relative operand */

struct emul_opnd {
	uint8_t kind;  /* enum emul_opnd_kind */
	uint8_t size;  /* bytes: 1, 2, 4, 8 */
	uint8_t reg;   /* OPND_REG: GPR number (SDM order, 0 = RAX) */
	uint8_t high8; /* OPND_REG, size 1: AH/CH/DH/BH (reg 0-3 + this) */
	uint64_t imm;  /* OPND_IMM: the value, already sign-extended to size */
};

/* The one explicit memory operand (or MOVS's source, STOS/MOVS's segment). */
struct emul_mem {
	uint8_t seg;       /* enum emul_seg, overrides applied */
	uint8_t base;      /* GPR, EMUL_RIP or EMUL_NO_REG */
	uint8_t index;     /* GPR or EMUL_NO_REG */
	uint8_t scale;     /* 1, 2, 4, 8 */
	uint8_t addr_size; /* bytes: 2, 4, 8 */
	int64_t disp;
};

struct emul_insn {
	uint8_t op;    /* enum emul_op */
	uint8_t len;   /* instruction length in bytes */
	uint8_t rep;   /* MOVS/STOS with a REP prefix */
	uint8_t lock;  /* LOCK prefix (executed atomically with respect to the device) */
	struct emul_opnd dst, src;
	struct emul_mem mem;
};

/* The operation's name, for log lines. */
const char *emul_op_name(unsigned op);

#endif
