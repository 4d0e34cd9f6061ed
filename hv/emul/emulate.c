/*
 * emulate.c - the instruction emulator: operands fetched through
 * emul_mem_ops, the operation done in C with the flags of the SDM's
 * pseudo-code (Vol. 1 Appendix A: EFLAGS cross-reference), the results
 * written back. AND/OR/XOR/TEST leave AF undefined; we clear it, as Bochs
 * does. Segment limits are not checked (flat segments: 64-bit code and
 * the test guests); in 64-bit mode only FS and GS bases apply (Vol. 1 3.7.4.1).
 */
#include "emulate.h"

#include "lib/string.h"

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t sign_bit(unsigned size)
{
	return 1ull << (8 * size - 1);
}

static uint64_t reg_read(const struct emul_regs *r, unsigned reg, unsigned size, bool high8)
{
	if (high8)
		return (r->gpr[reg] >> 8) & 0xff;
	return r->gpr[reg] & mask_of(size);
}

/* A 32-bit write zero-extends; 8- and 16-bit writes merge (Vol. 1 3.4.1.1). */
static void reg_write(struct emul_regs *r, unsigned reg, unsigned size, bool high8, uint64_t v)
{
	if (high8)
		r->gpr[reg] = (r->gpr[reg] & ~0xff00ull) | (v & 0xff) << 8;
	else if (size >= 4)
		r->gpr[reg] = v & mask_of(size);
	else
		r->gpr[reg] = (r->gpr[reg] & ~mask_of(size)) | (v & mask_of(size));
}

static uint64_t segment_base(const struct emul_regs *r, unsigned seg)
{
	if (r->code_bits == 64 && seg != SEG_FS && seg != SEG_GS)
		return 0;
	return r->seg_base[seg];
}

#define VEC_SS 12
#define VEC_GP 13
#define AR_TYPE_WRITABLE (1u << 1) /* data segment: writable; code segment: readable */
#define AR_TYPE_EXPAND_DOWN (1u << 2) /* data segment */
#define AR_TYPE_CODE (1u << 3)
#define AR_DB (1u << 14)
#define AR_UNUSABLE (1u << 16)

static bool seg_fault(unsigned seg, struct emul_fault *f)
{
	*f = (struct emul_fault){ .vector = seg == SEG_SS ? VEC_SS : VEC_GP, .has_error = true };
	return false;
}

bool emul_segment_ok(const struct emul_regs *r, unsigned seg, uint64_t offset, unsigned size,
		     bool write, struct emul_fault *f)
{
	uint32_t ar = r->seg_ar[seg], limit = r->seg_limit[seg];
	uint64_t last = offset + size - 1;

	if (r->code_bits == 64) { /* no limits; the address must be canonical (3.3.7.1) */
		uint64_t la = (seg == SEG_FS || seg == SEG_GS ? r->seg_base[seg] : 0) + offset;

		return (uint64_t)((int64_t)(la << 16) >> 16) == la || seg_fault(seg, f);
	}
	if (r->seg_checks == SEG_CHECK_NONE)
		return true;
	if (r->seg_checks == SEG_CHECK_ALL) { /* type checking (5.4.1) */
		if (ar & AR_UNUSABLE)
			return seg_fault(seg, f); /* a null selector was loaded */
		if (write ? (ar & AR_TYPE_CODE) || !(ar & AR_TYPE_WRITABLE)
			  : (ar & AR_TYPE_CODE) && !(ar & AR_TYPE_WRITABLE))
			return seg_fault(seg, f); /* read-only data, or execute-only code */
	}
	/* Expand-down data: offsets above the limit, to 64 KiB or 4 GiB by B (3.4.5.1). */
	if (!(ar & AR_TYPE_CODE) && (ar & AR_TYPE_EXPAND_DOWN))
		return (offset > limit && last <= (ar & AR_DB ? 0xffffffffull : 0xffffull)) ||
		       seg_fault(seg, f);
	return last <= limit || seg_fault(seg, f);
}

static uint64_t to_linear(const struct emul_regs *r, unsigned seg, uint64_t ea)
{
	uint64_t la = segment_base(r, seg) + ea;

	return r->code_bits == 64 ? la : la & 0xffffffffull;
}

/* The effective address (offset in its segment) of the memory operand, not MOVS/STOS. */
static uint64_t effective_address(const struct emul_insn *in, const struct emul_regs *r)
{
	const struct emul_mem *m = &in->mem;
	uint64_t ea = (uint64_t)m->disp;

	if (m->base == EMUL_RIP)
		ea += r->rip + in->len;
	else if (m->base != EMUL_NO_REG)
		ea += r->gpr[m->base];
	if (m->index != EMUL_NO_REG)
		ea += r->gpr[m->index] * m->scale;
	return ea & mask_of(m->addr_size);
}

uint64_t emul_linear_address(const struct emul_insn *in, const struct emul_regs *r)
{
	const struct emul_mem *m = &in->mem;

	if (in->op == EOP_MOVS || in->op == EOP_STOS)
		return to_linear(r, in->op == EOP_MOVS ? m->seg : SEG_ES,
				 r->gpr[in->op == EOP_MOVS ? 6 : 7] & mask_of(m->addr_size));
	return to_linear(r, m->seg, effective_address(in, r));
}

/* The one memory operand: its size, whether it is written (and read: ALU ops, XCHG). */
static unsigned mem_operand(const struct emul_insn *in, bool *write)
{
	bool dst = in->dst.kind == OPND_MEM;

	*write = in->op == EOP_XCHG || (dst && in->op != EOP_CMP && in->op != EOP_TEST);
	return dst ? in->dst.size : in->src.size;
}

bool emul_mem_operand_ok(const struct emul_insn *in, const struct emul_regs *r,
			 struct emul_fault *f)
{
	bool write;
	unsigned size = mem_operand(in, &write);

	return emul_segment_ok(r, in->mem.seg, effective_address(in, r), size, write, f);
}

static unsigned parity_even(uint64_t v)
{
	return !__builtin_parity((unsigned)(v & 0xff));
}

/* The result's SF, ZF and PF. */
static uint64_t szp(uint64_t res, unsigned size)
{
	return (res & sign_bit(size) ? RFLAGS_SF : 0) | (res ? 0 : RFLAGS_ZF) |
	       (parity_even(res) ? RFLAGS_PF : 0);
}

/* a op b at 'size'; *flags gets the arithmetic flags the operation defines. */
static uint64_t alu(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *flags)
{
	uint64_t m = mask_of(size), res, f = 0;

	a &= m;
	b &= m;
	switch (op) {
	case EOP_ADD:
		res = (a + b) & m;
		f = (res < a ? RFLAGS_CF : 0) |
		    (((a ^ res) & (b ^ res)) & sign_bit(size) ? RFLAGS_OF : 0);
		break;
	case EOP_SUB:
	case EOP_CMP:
		res = (a - b) & m;
		f = (a < b ? RFLAGS_CF : 0) |
		    (((a ^ b) & (a ^ res)) & sign_bit(size) ? RFLAGS_OF : 0);
		break;
	case EOP_AND:
	case EOP_TEST:
		res = a & b;
		break;
	case EOP_OR:
		res = a | b;
		break;
	default: /* EOP_XOR */
		res = a ^ b;
		break;
	}
	if (op == EOP_ADD || op == EOP_SUB || op == EOP_CMP)
		f |= (a ^ b ^ res) & RFLAGS_AF;
	*flags = f | szp(res, size);
	return res;
}

uint64_t emul_alu(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *flags)
{
	return alu(op, a, b, size, flags);
}

static bool mem_read(const struct emul_mem_ops *mem, void *ctx, uint64_t la, unsigned size,
		     uint64_t *v, struct emul_fault *f)
{
	*v = 0;
	return mem->read(ctx, la, v, size, f); /* little-endian: the low bytes */
}

static bool mem_write(const struct emul_mem_ops *mem, void *ctx, uint64_t la, unsigned size,
		      uint64_t v, struct emul_fault *f)
{
	return mem->write(ctx, la, &v, size, f);
}

static bool operand_read(const struct emul_opnd *o, const struct emul_regs *r,
			 const struct emul_mem_ops *mem, void *ctx, uint64_t la, uint64_t *v,
			 struct emul_fault *f)
{
	switch (o->kind) {
	case OPND_REG:
		*v = reg_read(r, o->reg, o->size, o->high8);
		return true;
	case OPND_IMM:
		*v = o->imm;
		return true;
	default:
		return mem_read(mem, ctx, la, o->size, v, f);
	}
}

static bool operand_write(const struct emul_opnd *o, struct emul_regs *r,
			  const struct emul_mem_ops *mem, void *ctx, uint64_t la, uint64_t v,
			  struct emul_fault *f)
{
	if (o->kind == OPND_REG) {
		reg_write(r, o->reg, o->size, o->high8, v);
		return true;
	}
	return mem_write(mem, ctx, la, o->size, v, f);
}

/* MOVS/STOS, REP or not: registers move per element, so a fault resumes exactly. */
static enum emul_status string_op(const struct emul_insn *in, struct emul_regs *r,
				  const struct emul_mem_ops *mem, void *ctx,
				  struct emul_fault *f)
{
	unsigned size = in->dst.size, as = in->mem.addr_size;
	uint64_t amask = mask_of(as);
	int64_t step = r->rflags & RFLAGS_DF ? -(int64_t)size : (int64_t)size;

	for (;;) {
		uint64_t v, count = r->gpr[1] & amask, di = r->gpr[7] & amask;

		if (in->rep && count == 0)
			break;
		if (in->op == EOP_MOVS) {
			uint64_t si = r->gpr[6] & amask;

			if (!emul_segment_ok(r, in->mem.seg, si, size, false, f) ||
			    !mem_read(mem, ctx, to_linear(r, in->mem.seg, si), size, &v, f) ||
			    !emul_segment_ok(r, SEG_ES, di, size, true, f) ||
			    !mem_write(mem, ctx, to_linear(r, SEG_ES, di), size, v, f))
				return EMUL_FAULT;
			reg_write(r, 6, as, false, si + (uint64_t)step);
		} else {
			v = reg_read(r, 0, size, false);
			if (!emul_segment_ok(r, SEG_ES, di, size, true, f) ||
			    !mem_write(mem, ctx, to_linear(r, SEG_ES, di), size, v, f))
				return EMUL_FAULT;
		}
		reg_write(r, 7, as, false, di + (uint64_t)step);
		if (!in->rep)
			break;
		reg_write(r, 1, as, false, count - 1);
	}
	r->rip += in->len;
	return EMUL_DONE;
}

static uint64_t extend(uint64_t v, unsigned from, bool sign)
{
	if (sign && (v & sign_bit(from)))
		return v | ~mask_of(from);
	return v & mask_of(from);
}

uint64_t emul_operand_value(const struct emul_regs *r, const struct emul_opnd *o)
{
	return o->kind == OPND_REG ? reg_read(r, o->reg, o->size, o->high8) : o->imm;
}

void emul_load_result(const struct emul_insn *in, struct emul_regs *r, uint64_t v)
{
	if (in->op == EOP_MOVZX || in->op == EOP_MOVSX)
		v = extend(v, in->src.size, in->op == EOP_MOVSX);
	reg_write(r, in->dst.reg, in->dst.size, in->dst.high8, v);
}

enum emul_status emulate(const struct emul_insn *in, struct emul_regs *r,
			 const struct emul_mem_ops *mem, void *ctx, struct emul_fault *f)
{
	uint64_t la = 0, a = 0, b, res, flags;
	unsigned size = in->dst.size;

	if (in->op == EOP_MOVS || in->op == EOP_STOS)
		return string_op(in, r, mem, ctx, f);
	if (in->dst.kind == OPND_MEM || in->src.kind == OPND_MEM) {
		if (!emul_mem_operand_ok(in, r, f)) /* before any access (5.3) */
			return EMUL_FAULT;
		la = emul_linear_address(in, r);
	}
	if (!operand_read(&in->src, r, mem, ctx, la, &b, f))
		return EMUL_FAULT;
	switch (in->op) {
	case EOP_MOV:
		res = b;
		break;
	case EOP_MOVZX:
	case EOP_MOVSX:
		res = extend(b, in->src.size, in->op == EOP_MOVSX);
		break;
	case EOP_XCHG: {
		/* The memory operand is written first: after a fault nothing has changed. */
		const struct emul_opnd *first = in->src.kind == OPND_MEM ? &in->src : &in->dst;
		const struct emul_opnd *second = first == &in->src ? &in->dst : &in->src;

		if (!operand_read(&in->dst, r, mem, ctx, la, &a, f) ||
		    !operand_write(first, r, mem, ctx, la, first == &in->dst ? b : a, f))
			return EMUL_FAULT;
		operand_write(second, r, mem, ctx, la, second == &in->dst ? b : a, f);
		r->rip += in->len;
		return EMUL_DONE;
	}
	default:
		if (!operand_read(&in->dst, r, mem, ctx, la, &a, f))
			return EMUL_FAULT;
		res = alu(in->op, a, b, size, &flags);
		if (in->op != EOP_CMP && in->op != EOP_TEST &&
		    !operand_write(&in->dst, r, mem, ctx, la, res, f))
			return EMUL_FAULT;
		r->rflags = (r->rflags & ~(uint64_t)RFLAGS_ARITH) | flags;
		r->rip += in->len;
		return EMUL_DONE;
	}
	if (!operand_write(&in->dst, r, mem, ctx, la, res, f))
		return EMUL_FAULT;
	r->rip += in->len;
	return EMUL_DONE;
}
