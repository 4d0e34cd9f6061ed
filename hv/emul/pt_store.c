/*
 * pt_store.c - the page-table store fast path of pt_store.h: a decoder for
 * a dozen one-byte and 0F opcodes with ModRM/SIB (Vol. 2A 2.1-2.2), and
 * their execution as a compare-and-swap loop on the operand, so LOCKed and
 * plain forms alike update the entry in one atomic step.
 */
#include "emul/pt_store.h"

#include "lib/string.h"

struct cursor {
	const uint8_t *b;
	unsigned n, i;
};

static bool take(struct cursor *c, uint8_t *v)
{
	if (c->i >= c->n)
		return false;
	*v = c->b[c->i++];
	return true;
}

/* A little-endian immediate or displacement of 'size' bytes, sign-extended. */
static bool take_signed(struct cursor *c, unsigned size, int64_t *v)
{
	uint64_t u = 0;

	if (c->i + size > c->n)
		return false;
	for (unsigned k = 0; k < size; k++)
		u |= (uint64_t)c->b[c->i + k] << (8 * k);
	c->i += size;
	*v = size == 1 ? (int8_t)u : size == 2 ? (int16_t)u : (int32_t)u;
	return true;
}

/*
 * The memory operand of ModRM 'modrm' (mod != 3) with REX bits 'rex' (Vol.
 * 2A 2.2.1); outside 64-bit code mod 0 with r/m 5 is a bare disp32, not
 * RIP-relative (Table 2-2).
 */
static bool take_memory(struct cursor *c, uint8_t modrm, uint8_t rex, bool code64,
			struct emul_mem *m)
{
	unsigned mod = modrm >> 6, rm = modrm & 7;
	int64_t disp = 0;

	m->base = (uint8_t)(rm | (rex & 1) << 3);
	m->index = EMUL_NO_REG;
	m->scale = 1;
	if (rm == 4) {
		uint8_t sib;
		unsigned index;

		if (!take(c, &sib))
			return false;
		index = (sib >> 3 & 7) | (rex & 2) << 2;
		if (index != 4)
			m->index = (uint8_t)index;
		m->scale = (uint8_t)(1u << (sib >> 6));
		m->base = (uint8_t)((sib & 7) | (rex & 1) << 3);
		if ((sib & 7) == 5 && mod == 0) {
			m->base = EMUL_NO_REG;
			mod = 2; /* disp32, no base */
		}
	} else if (rm == 5 && mod == 0) {
		m->base = code64 ? EMUL_RIP : EMUL_NO_REG;
		mod = 2;
	}
	if (mod == 1 || mod == 2) {
		if (!take_signed(c, mod == 1 ? 1 : 4, &disp))
			return false;
	}
	m->disp = disp;
	return true;
}

/* The register of ModRM.reg at 'size' (without REX, byte registers 4-7 are AH-BH). */
static struct emul_opnd reg_operand(uint8_t modrm, uint8_t rex, bool has_rex, unsigned size)
{
	unsigned reg = (modrm >> 3 & 7) | (rex & 4) << 1;
	struct emul_opnd o = { .kind = OPND_REG, .size = (uint8_t)size, .reg = (uint8_t)reg };

	if (size == 1 && !has_rex && reg >= 4) {
		o.reg = (uint8_t)(reg - 4);
		o.high8 = 1;
	}
	return o;
}

/* ModRM.reg as an opcode extension for 80/81/83 (Vol. 2A Table A-6 group 1). */
static int group1_op(unsigned ext)
{
	return ext == 1 ? PTS_OR : ext == 4 ? PTS_AND : ext == 6 ? PTS_XOR : -1;
}

static int logic_op(uint8_t opcode)
{
	return (opcode & ~1) == 0x08 ? PTS_OR : (opcode & ~1) == 0x20 ? PTS_AND :
	       (opcode & ~1) == 0x30 ? PTS_XOR : -1;
}

bool pt_store_decode(const uint8_t *bytes, unsigned n, struct pt_store *s)
{
	return pt_store_decode_bits(bytes, n, 64, s);
}

bool pt_store_decode_bits(const uint8_t *bytes, unsigned n, unsigned bits, struct pt_store *s)
{
	struct cursor c = { bytes, n, 0 };
	uint8_t b, op, modrm, rex = 0;
	bool opsize = false, addrsize = false, lock = false, has_rex = false, two = false;
	unsigned size, imm_size = 0, seg = SEG_DS;
	int kind = -1;
	int64_t imm = 0;

	*s = (struct pt_store){ 0 };
	if (bits != 64 && bits != 32)
		return false;
	for (;;) {
		if (!take(&c, &b))
			return false;
		if (b == 0x66)
			opsize = true;
		else if (b == 0x67)
			addrsize = true;
		else if (b == 0xf0)
			lock = true;
		else if (b == 0x64 || b == 0x65)
			seg = b == 0x64 ? SEG_FS : SEG_GS;
		else if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e)
			break; /* ES/CS/SS/DS overrides are null in 64-bit mode (Vol. 1 3.7.4.1) */
	}
	/*
	 * 32-bit code: 40-4F are INC/DEC, 67 is 16-bit addressing (refused), and
	 * the segment bases count: pt_store_exit.c's check that the address is
	 * the faulting one refuses what is not flat.
	 */
	if (bits == 32 && addrsize)
		return false;
	if (bits == 64 && (b & 0xf0) == 0x40) { /* REX: last before the opcode */
		rex = b;
		has_rex = true;
		if (!take(&c, &b))
			return false;
	}
	op = b;
	if (op == 0x0f) {
		two = true;
		if (!take(&c, &op))
			return false;
	}
	if (!take(&c, &modrm) || modrm >> 6 == 3)
		return false; /* only memory destinations */
	size = rex & 8 ? 8 : opsize ? 2 : 4;
	if (!two) {
		if (op == 0x88 || op == 0x89)
			kind = PTS_MOV;
		else if (op == 0x86 || op == 0x87)
			kind = PTS_XCHG;
		else if (op == 0xc6 || op == 0xc7)
			kind = (modrm >> 3 & 7) == 0 ? PTS_MOV : -1;
		else if (op == 0x80 || op == 0x81 || op == 0x83)
			kind = group1_op(modrm >> 3 & 7);
		else
			kind = logic_op(op);
		if (!(op & 1) && op != 0x83)
			size = 1;
		if (op == 0xc6 || op == 0x80 || op == 0x83)
			imm_size = 1;
		else if (op == 0xc7 || op == 0x81)
			imm_size = size == 2 ? 2 : 4;
	} else if (op == 0xb0 || op == 0xb1) {
		kind = PTS_CMPXCHG;
		size = op == 0xb0 ? 1 : size;
	} else if (op == 0xc7 && (modrm >> 3 & 7) == 1 && !(rex & 8) && !opsize) {
		kind = PTS_CMPXCHG8B; /* REX.W would be CMPXCHG16B: left to the emulator */
		size = 8;
	} else if (op == 0xba && (modrm >> 3 & 7) >= 5) {
		kind = PTS_BTS + (int)(modrm >> 3 & 7) - 5;
		imm_size = 1;
	}
	/* LOCK is #UD on a MOV (Vol. 2A LOCK): not ours to emulate. */
	if (kind < 0 || (lock && kind == PTS_MOV))
		return false;
	s->in.mem.seg = (uint8_t)seg;
	s->in.mem.addr_size = addrsize || bits == 32 ? 4 : 8;
	if (!take_memory(&c, modrm, rex, bits == 64, &s->in.mem) ||
	    (imm_size && !take_signed(&c, imm_size, &imm)))
		return false;
	s->op = (uint8_t)kind;
	s->in.op = EOP_MOV; /* for emul_linear_address: an explicit memory operand */
	s->in.len = (uint8_t)c.i;
	s->in.lock = lock || kind == PTS_XCHG; /* XCHG with memory locks anyway */
	s->in.dst = (struct emul_opnd){ .kind = OPND_MEM, .size = (uint8_t)size };
	if (imm_size)
		s->in.src = (struct emul_opnd){ .kind = OPND_IMM, .size = (uint8_t)size,
						.imm = (uint64_t)imm };
	else if (kind != PTS_CMPXCHG8B)
		s->in.src = reg_operand(modrm, rex, has_rex, size);
	return true;
}

uint64_t pt_store_address(const struct pt_store *s, const struct emul_regs *r)
{
	return emul_linear_address(&s->in, r);
}

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Compare-and-swap of the size-byte value at p: *old updated to what was there. */
#define CAS_AS(type) do { \
		type o = (type)*old; \
		bool ok = __atomic_compare_exchange_n((type *)p, &o, (type)val, false, \
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
		*old = o; \
		return ok; \
	} while (0)

static bool cas(void *p, uint64_t *old, uint64_t val, unsigned size)
{
	switch (size) {
	case 1: CAS_AS(uint8_t);
	case 2: CAS_AS(uint16_t);
	case 4: CAS_AS(uint32_t);
	default: CAS_AS(uint64_t);
	}
}

/* A register written at o's size (32-bit zero-extends, 8/16-bit merge). */
static void put_reg(struct emul_regs *r, struct emul_opnd o, uint64_t v)
{
	struct emul_insn t = { .op = EOP_MOV, .dst = o };

	emul_load_result(&t, r, v);
}

static void set_arith(struct emul_regs *r, uint64_t mask, uint64_t flags)
{
	r->rflags = (r->rflags & ~mask) | (flags & mask);
}

bool pt_store_run(const struct pt_store *s, void *p, struct emul_regs *r)
{
	static const uint8_t alu_op[] = { [PTS_OR] = EOP_OR, [PTS_AND] = EOP_AND,
					  [PTS_XOR] = EOP_XOR };
	const struct emul_insn *in = &s->in;
	unsigned size = in->dst.size;
	uint64_t m = mask_of(size), old = 0, val = 0, flags = 0, acc = 0, bit = 0;
	uint64_t src = in->src.kind == OPND_NONE ? 0 : emul_operand_value(r, &in->src) & m;
	struct emul_opnd rax = { .kind = OPND_REG, .size = (uint8_t)size, .reg = 0 };
	bool store;

	if (s->op == PTS_CMPXCHG8B) {
		acc = (r->gpr[2] << 32) | (r->gpr[0] & 0xffffffffull);
		src = (r->gpr[1] << 32) | (r->gpr[3] & 0xffffffffull);
	} else if (s->op == PTS_CMPXCHG) {
		acc = r->gpr[0] & m;
	} else if (s->op >= PTS_BTS) {
		bit = 1ull << (src % (8 * size)); /* an immediate bit offset is taken modulo */
	}
	memcpy(&old, p, size);
	do {
		store = true;
		switch (s->op) {
		case PTS_CMPXCHG:
		case PTS_CMPXCHG8B:
			store = old == acc;
			val = src;
			break;
		case PTS_OR:
		case PTS_AND:
		case PTS_XOR:
			val = emul_alu(alu_op[s->op], old, src, size, &flags);
			break;
		case PTS_BTS:
			val = old | bit;
			break;
		case PTS_BTR:
			val = old & ~bit;
			break;
		case PTS_BTC:
			val = old ^ bit;
			break;
		default: /* MOV, XCHG */
			val = src;
			break;
		}
	} while (store && !cas(p, &old, val, size));
	switch (s->op) {
	case PTS_XCHG:
		put_reg(r, in->src, old);
		break;
	case PTS_CMPXCHG: /* the flags of CMP accumulator, destination (Vol. 2A CMPXCHG) */
		emul_alu(EOP_CMP, acc, old, size, &flags);
		set_arith(r, RFLAGS_ARITH, flags);
		if (!store)
			put_reg(r, rax, old);
		break;
	case PTS_CMPXCHG8B: /* ZF alone; a failure loads EDX:EAX (Vol. 2A CMPXCHG8B) */
		set_arith(r, RFLAGS_ZF, store ? RFLAGS_ZF : 0);
		if (!store) {
			rax.size = 4;
			put_reg(r, rax, old);
			rax.reg = 2;
			put_reg(r, rax, old >> 32);
		}
		break;
	case PTS_OR:
	case PTS_AND:
	case PTS_XOR:
		set_arith(r, RFLAGS_ARITH, flags);
		break;
	case PTS_BTS:
	case PTS_BTR:
	case PTS_BTC: /* CF the old bit; OF, SF, AF, PF undefined: left alone */
		set_arith(r, RFLAGS_CF, old & bit ? RFLAGS_CF : 0);
		break;
	}
	r->rip += in->len;
	return store && val != old;
}

const char *pt_store_op_name(unsigned op)
{
	static const char *const names[] = {
		[PTS_MOV] = "mov", [PTS_XCHG] = "xchg", [PTS_CMPXCHG] = "cmpxchg",
		[PTS_CMPXCHG8B] = "cmpxchg8b", [PTS_OR] = "or", [PTS_AND] = "and",
		[PTS_XOR] = "xor", [PTS_BTS] = "bts", [PTS_BTR] = "btr", [PTS_BTC] = "btc",
	};

	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}
