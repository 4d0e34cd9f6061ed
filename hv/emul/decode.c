/*
 * decode.c - from Capstone's cs_insn (with detail) to struct emul_insn.
 * Capstone names the instruction and its explicit operands; prefixes
 * (segment override, REP, LOCK, operand and address size) are read from the
 * bytes themselves, where the SDM defines them (Vol. 2A 2.1.1), because
 * Capstone 4 leaves segment overrides out in 64-bit mode.
 */
#include "decode.h"

#include "lib/string.h"

/* A general-purpose register: number (SDM order), size in bytes, AH-style. */
struct gpr_ref {
	uint8_t num, size, high8;
};

static const x86_reg regs64[16] = {
	X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX, X86_REG_RSP, X86_REG_RBP,
	X86_REG_RSI, X86_REG_RDI, X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
	X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15 };
static const x86_reg regs32[16] = {
	X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX, X86_REG_ESP, X86_REG_EBP,
	X86_REG_ESI, X86_REG_EDI, X86_REG_R8D, X86_REG_R9D, X86_REG_R10D, X86_REG_R11D,
	X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D };
static const x86_reg regs16[16] = {
	X86_REG_AX, X86_REG_CX, X86_REG_DX, X86_REG_BX, X86_REG_SP, X86_REG_BP,
	X86_REG_SI, X86_REG_DI, X86_REG_R8W, X86_REG_R9W, X86_REG_R10W, X86_REG_R11W,
	X86_REG_R12W, X86_REG_R13W, X86_REG_R14W, X86_REG_R15W };
static const x86_reg regs8[16] = {
	X86_REG_AL, X86_REG_CL, X86_REG_DL, X86_REG_BL, X86_REG_SPL, X86_REG_BPL,
	X86_REG_SIL, X86_REG_DIL, X86_REG_R8B, X86_REG_R9B, X86_REG_R10B, X86_REG_R11B,
	X86_REG_R12B, X86_REG_R13B, X86_REG_R14B, X86_REG_R15B };
static const x86_reg regs8_high[4] = { X86_REG_AH, X86_REG_CH, X86_REG_DH, X86_REG_BH };

static bool gpr_of(x86_reg r, struct gpr_ref *g)
{
	static const x86_reg *const tables[4] = { regs8, regs16, regs32, regs64 };

	for (unsigned t = 0; t < 4; t++)
		for (uint8_t i = 0; i < 16; i++)
			if (tables[t][i] == r) {
				*g = (struct gpr_ref){ i, (uint8_t)(1u << t), 0 };
				return true;
			}
	for (uint8_t i = 0; i < 4; i++)
		if (regs8_high[i] == r) {
			*g = (struct gpr_ref){ i, 1, 1 };
			return true;
		}
	return false;
}

/* The legacy prefixes at the start of the bytes (Vol. 2A 2.1.1). */
struct prefixes {
	int seg;       /* enum emul_seg, or -1 */
	bool rep, lock, opsize, addrsize;
};

static struct prefixes scan_prefixes(const uint8_t *b, size_t n)
{
	struct prefixes p = { .seg = -1 };

	for (size_t i = 0; i < n; i++) {
		switch (b[i]) {
		case 0x26: p.seg = SEG_ES; break;
		case 0x2e: p.seg = SEG_CS; break;
		case 0x36: p.seg = SEG_SS; break;
		case 0x3e: p.seg = SEG_DS; break;
		case 0x64: p.seg = SEG_FS; break;
		case 0x65: p.seg = SEG_GS; break;
		case 0x66: p.opsize = true; break;
		case 0x67: p.addrsize = true; break;
		case 0xf0: p.lock = true; break;
		case 0xf2: /* fall through: REPNE acts as REP for MOVS/STOS */
		case 0xf3: p.rep = true; break;
		default: return p;
		}
	}
	return p;
}

static uint64_t truncate(uint64_t v, unsigned size)
{
	return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static bool operand_of(const cs_x86_op *op, struct emul_opnd *o, struct emul_mem *m,
		       const struct prefixes *p, unsigned addr_size)
{
	struct gpr_ref g;

	o->size = op->size;
	switch (op->type) {
	case X86_OP_REG:
		if (!gpr_of(op->reg, &g))
			return false;
		o->kind = OPND_REG;
		o->reg = g.num;
		o->high8 = g.high8;
		return true;
	case X86_OP_IMM:
		o->kind = OPND_IMM;
		o->imm = truncate((uint64_t)op->imm, op->size);
		return true;
	case X86_OP_MEM:
		o->kind = OPND_MEM;
		m->scale = (uint8_t)(op->mem.scale ? op->mem.scale : 1);
		m->disp = op->mem.disp;
		m->addr_size = (uint8_t)addr_size;
		m->base = m->index = EMUL_NO_REG;
		if (op->mem.base == X86_REG_RIP || op->mem.base == X86_REG_EIP)
			m->base = EMUL_RIP;
		else if (op->mem.base != X86_REG_INVALID) {
			if (!gpr_of(op->mem.base, &g))
				return false;
			m->base = g.num;
		}
		if (op->mem.index != X86_REG_INVALID) {
			if (!gpr_of(op->mem.index, &g))
				return false;
			m->index = g.num;
		}
		/* Default segment: SS for rBP/rSP-based addresses (Vol. 1 3.7.4). */
		if (p->seg >= 0)
			m->seg = (uint8_t)p->seg;
		else
			m->seg = m->base == 4 || m->base == 5 ? SEG_SS : SEG_DS;
		return true;
	default:
		return false;
	}
}

/* Operation of Capstone's instruction id, or EOP_COUNT. */
static unsigned op_of(const cs_insn *ci)
{
	uint8_t opc = ci->detail->x86.opcode[0];

	switch (ci->id) {
	case X86_INS_MOV: case X86_INS_MOVABS: return EOP_MOV;
	case X86_INS_MOVZX: return EOP_MOVZX;
	case X86_INS_MOVSX: case X86_INS_MOVSXD: return EOP_MOVSX;
	case X86_INS_MOVSB: case X86_INS_MOVSW: case X86_INS_MOVSQ: return EOP_MOVS;
	case X86_INS_MOVSD: return opc == 0xa5 ? EOP_MOVS : EOP_COUNT; /* not SSE's */
	case X86_INS_STOSB: case X86_INS_STOSW: case X86_INS_STOSD: case X86_INS_STOSQ:
		return EOP_STOS;
	case X86_INS_ADD: return EOP_ADD;
	case X86_INS_SUB: return EOP_SUB;
	case X86_INS_CMP: return EOP_CMP;
	case X86_INS_AND: return EOP_AND;
	case X86_INS_OR: return EOP_OR;
	case X86_INS_XOR: return EOP_XOR;
	case X86_INS_TEST: return EOP_TEST;
	case X86_INS_XCHG: return EOP_XCHG;
	default: return EOP_COUNT;
	}
}

/* The string forms: operand size from the opcode, segments fixed by the SDM. */
static void string_operands(const cs_insn *ci, struct emul_insn *out, const struct prefixes *p,
			    unsigned code_size, unsigned addr_size)
{
	uint8_t opc = ci->detail->x86.opcode[0], size;

	if (opc == 0xa4 || opc == 0xaa)
		size = 1;
	else if (ci->detail->x86.rex & 8)
		size = 8;
	else
		size = (code_size == 2) != p->opsize ? 2 : 4;
	out->dst = (struct emul_opnd){ .kind = OPND_MEM, .size = size };
	/* MOVS reads DS:rSI (override allowed), both write ES:rDI (Vol. 2B MOVS). */
	out->src = opc == 0xaa || opc == 0xab
			   ? (struct emul_opnd){ .kind = OPND_REG, .size = size, .reg = 0 }
			   : (struct emul_opnd){ .kind = OPND_MEM, .size = size };
	out->mem = (struct emul_mem){ .seg = (uint8_t)(p->seg >= 0 ? p->seg : SEG_DS),
				      .base = EMUL_NO_REG, .index = EMUL_NO_REG, .scale = 1,
				      .addr_size = (uint8_t)addr_size };
	out->rep = p->rep;
}

cs_mode decode_mode(unsigned code_bits)
{
	return code_bits == 64 ? CS_MODE_64 : code_bits == 32 ? CS_MODE_32 : CS_MODE_16;
}

enum decode_result decode_insn(csh cs, unsigned code_bits, const uint8_t *bytes, size_t n,
			       cs_insn *ci, struct emul_insn *out, char *text, size_t text_size)
{
	const uint8_t *code = bytes;
	uint64_t addr = 0;
	size_t left = n;
	struct prefixes p;
	unsigned code_size, addr_size;
	const cs_x86 *x;

	if (text && text_size)
		text[0] = 0;
	if (!cs_disasm_iter(cs, &code, &left, &addr, ci)) {
		/* Fewer than 15 bytes may just cut the instruction short. */
		return n < 15 ? DECODE_TRUNCATED : DECODE_INVALID;
	}
	if (text && text_size) {
		size_t m = strnlen(ci->mnemonic, sizeof(ci->mnemonic));

		if (m >= text_size)
			m = text_size - 1;
		memcpy(text, ci->mnemonic, m);
		text[m] = 0;
		if (ci->op_str[0] && m + 1 < text_size) {
			size_t k = strnlen(ci->op_str, sizeof(ci->op_str));

			if (m + 1 + k >= text_size)
				k = text_size - m - 2;
			text[m] = ' ';
			memcpy(text + m + 1, ci->op_str, k);
			text[m + 1 + k] = 0;
		}
	}
	memset(out, 0, sizeof(*out));
	out->op = (uint8_t)op_of(ci);
	out->len = (uint8_t)ci->size;
	if (out->op == EOP_COUNT)
		return DECODE_UNSUPPORTED;
	x = &ci->detail->x86;
	p = scan_prefixes(bytes, ci->size);
	code_size = code_bits / 8;
	addr_size = x->addr_size;
	out->lock = p.lock;
	if (out->op == EOP_MOVS || out->op == EOP_STOS) {
		string_operands(ci, out, &p, code_size, addr_size);
		return DECODE_OK;
	}
	if (x->op_count != 2 || !operand_of(&x->operands[0], &out->dst, &out->mem, &p, addr_size) ||
	    !operand_of(&x->operands[1], &out->src, &out->mem, &p, addr_size))
		return DECODE_UNSUPPORTED;
	if (out->dst.kind == OPND_IMM)
		return DECODE_UNSUPPORTED;
	/* An immediate takes the destination's size, sign-extended (imm8/imm32 forms). */
	if (out->src.kind == OPND_IMM && out->src.size < out->dst.size) {
		unsigned bits = 8 * out->src.size;
		uint64_t v = out->src.imm;

		if (v >> (bits - 1) & 1)
			v |= ~0ull << bits;
		out->src.imm = truncate(v, out->dst.size);
		out->src.size = out->dst.size;
	}
	return DECODE_OK;
}

const char *decode_result_str(enum decode_result r)
{
	switch (r) {
	case DECODE_OK:
		return "ok";
	case DECODE_INVALID:
		return "invalid";
	case DECODE_TRUNCATED:
		return "truncated";
	case DECODE_UNSUPPORTED:
		return "unsupported";
	}
	return "?";
}

const char *emul_op_name(unsigned op)
{
	static const char *const names[EOP_COUNT] = {
		"mov", "movzx", "movsx", "movs", "stos", "add", "sub", "cmp", "and", "or",
		"xor", "test", "xchg" };

	return op < EOP_COUNT ? names[op] : "?";
}
