/*
 * test_pt_store.c - the page-table store fast path (hv/emul/pt_store.c)
 * against the real CPU: every form is decoded by pt_store_decode, run
 * natively on the host (guests/mmiotest/slot.S) and through pt_store_run
 * from the same registers, flags and memory, for many random values (the
 * compare-exchange forms half the time with a matching accumulator, so both
 * outcomes run); registers, flags and memory must come out identical.
 * Undefined flags are not compared (AF after OR/AND/XOR; OF, SF, AF, PF
 * after BTS/BTR/BTC). Then the forms it must leave to the full emulator.
 */
#include "native_code.h"

#include <stdbool.h>

#include "check.h"
#include "emul/pt_store.h"

#define F(...) { .b = { __VA_ARGS__ }, .len = sizeof((uint8_t[]){ __VA_ARGS__ }) }
#define FI(at, sz, ...) { .b = { __VA_ARGS__ }, .len = sizeof((uint8_t[]){ __VA_ARGS__ }), \
			  .imm_at = at, .imm_size = sz }

static struct emul_form forms[] = {
	/* MOV (set_pte, pte_clear): widths, byte registers, immediates, SIB, RIP, 0x67 */
	F(0x89, 0x03), F(0x48, 0x89, 0x03), F(0x66, 0x89, 0x03), F(0x88, 0x23), F(0x40, 0x88, 0x33),
	F(0x4e, 0x89, 0x44, 0xa3, 0x10), F(0x48, 0x89, 0x7d, 0x08), F(0x3e, 0x48, 0x89, 0x13),
	FI(2, 1, 0xc6, 0x03, 0), FI(3, 2, 0x66, 0xc7, 0x03, 0, 0), FI(2, 4, 0xc7, 0x03, 0, 0, 0, 0),
	FI(3, 4, 0x48, 0xc7, 0x03, 0, 0, 0, 0), FI(4, 4, 0x48, 0xc7, 0x43, 0x08, 0, 0, 0, 0),
	{ .b = { 0x48, 0x89, 0x0d }, .len = 7, .rel_at = 3 }, F(0x67, 0x48, 0x89, 0x03),
	/* XCHG (ptep_get_and_clear) */
	F(0x86, 0x03), F(0x86, 0x23), F(0x87, 0x03), F(0x66, 0x87, 0x03), F(0x48, 0x87, 0x03),
	F(0x4c, 0x87, 0x03), F(0xf0, 0x48, 0x87, 0x03),
	/* CMPXCHG (try_cmpxchg; DS is Linux's LOCK patched out on one CPU) */
	F(0x0f, 0xb0, 0x13), F(0x0f, 0xb1, 0x13), F(0x66, 0x0f, 0xb1, 0x13),
	F(0x48, 0x0f, 0xb1, 0x13), F(0xf0, 0x48, 0x0f, 0xb1, 0x13), F(0x3e, 0x0f, 0xb1, 0x17),
	F(0x3e, 0x48, 0x0f, 0xb1, 0x17), F(0x4c, 0x0f, 0xb1, 0x03), F(0xf0, 0x0f, 0xb0, 0x23),
	/* CMPXCHG8B */
	F(0x0f, 0xc7, 0x0f), F(0xf0, 0x0f, 0xc7, 0x0e), F(0x3e, 0x0f, 0xc7, 0x4d, 0x08),
	/* OR / AND / XOR (set_bit, clear_bit) */
	F(0x09, 0x03), F(0x48, 0x09, 0x03), F(0xf0, 0x48, 0x09, 0x03), F(0x08, 0x23),
	F(0x21, 0x03), F(0x48, 0x21, 0x03), F(0x31, 0x03), F(0x66, 0x31, 0x03),
	FI(2, 1, 0x80, 0x0b, 0), FI(3, 1, 0xf0, 0x80, 0x23, 0), FI(4, 1, 0x3e, 0x80, 0x63, 0x01, 0),
	FI(3, 1, 0x48, 0x83, 0x0b, 0), FI(3, 4, 0x48, 0x81, 0x23, 0, 0, 0, 0), FI(2, 1, 0x83, 0x33, 0),
	FI(3, 2, 0x66, 0x81, 0x33, 0, 0),
	/* BTS / BTR / BTC with an immediate (test_and_clear_bit) */
	FI(4, 1, 0x48, 0x0f, 0xba, 0x2b, 0), FI(5, 1, 0xf0, 0x48, 0x0f, 0xba, 0x33, 0),
	FI(3, 1, 0x0f, 0xba, 0x3b, 0), FI(4, 1, 0x66, 0x0f, 0xba, 0x2b, 0),
	F(0x3e, 0x48, 0x0f, 0xba, 0x33, 0x05),
};

static uint8_t *code, *data;

static void print_bytes(const struct emul_form *f)
{
	for (unsigned i = 0; i < f->len; i++)
		fprintf(stderr, "%02x ", f->b[i]);
}

/* Flags the SDM leaves undefined after op. */
static uint64_t undefined_flags(unsigned op)
{
	if (op == PTS_OR || op == PTS_AND || op == PTS_XOR)
		return RFLAGS_AF;
	if (op >= PTS_BTS)
		return RFLAGS_OF | RFLAGS_SF | RFLAGS_AF | RFLAGS_PF;
	return 0;
}

/* Runs form f natively and through pt_store from one random state; false on a difference. */
static bool differential(struct emul_form *f, bool match)
{
	static uint8_t before[FORM_DATA_SIZE], native_mem[FORM_DATA_SIZE];
	uint8_t *slot = code + (native_slot - native_run);
	void (*run)(struct native_state *) = (void (*)(struct native_state *))(void *)code;
	struct native_state n;
	struct pt_store s;
	struct emul_regs e = { .rip = (uintptr_t)slot, .code_bits = 64 };
	uint64_t egpr[16], la, acc;

	form_setup(f, slot, (uintptr_t)data, before, FORM_DATA_SIZE, &n);
	if (!pt_store_decode(f->b, f->len, &s) || s.in.len != f->len) {
		print_bytes(f);
		fprintf(stderr, "not decoded, or a wrong length\n");
		return false;
	}
	memcpy(egpr, n.gpr, sizeof(egpr));
	e.gpr = egpr;
	e.rflags = n.rflags;
	la = pt_store_address(&s, &e);
	if (la < (uintptr_t)data || la + s.in.dst.size > (uintptr_t)data + FORM_DATA_SIZE) {
		print_bytes(f);
		fprintf(stderr, "address %#lx outside the data\n", (unsigned long)la);
		return false;
	}
	if (match) { /* the compare-exchange succeeds */
		acc = s.op == PTS_CMPXCHG8B ? (n.gpr[2] << 32) | (uint32_t)n.gpr[0] : n.gpr[0];
		memcpy(before + (la - (uintptr_t)data), &acc, s.in.dst.size);
	}
	memcpy(data, before, FORM_DATA_SIZE);
	run(&n);
	memcpy(native_mem, data, FORM_DATA_SIZE);
	memcpy(data, before, FORM_DATA_SIZE);
	pt_store_run(&s, (void *)(uintptr_t)la, &e);
	n.gpr[4] = e.gpr[4] = 0;
	if (memcmp(n.gpr, egpr, sizeof(egpr)) ||
	    ((n.rflags ^ e.rflags) & ~undefined_flags(s.op)) ||
	    memcmp(native_mem, data, FORM_DATA_SIZE) || e.rip != (uintptr_t)slot + f->len) {
		print_bytes(f);
		fprintf(stderr, "(%s, match %d): differs from the CPU\n", pt_store_op_name(s.op),
			match);
		for (unsigned i = 0; i < 16; i++)
			if (n.gpr[i] != egpr[i])
				fprintf(stderr, "  gpr%u native %#lx ours %#lx\n", i,
					(unsigned long)n.gpr[i], (unsigned long)egpr[i]);
		fprintf(stderr, "  rflags native %#lx ours %#lx\n", (unsigned long)n.rflags,
			(unsigned long)e.rflags);
		return false;
	}
	return true;
}

/* What the fast path must not claim, and what it reports about memory changing. */
static void boundaries(void)
{
	static const struct { uint8_t b[8]; unsigned n; } refused[] = {
		{ { 0x48, 0x89, 0xc3 }, 3 },             /* mov rbx, rax: no memory */
		{ { 0xf0, 0x48, 0x89, 0x03 }, 4 },       /* lock mov: #UD */
		{ { 0x48, 0x0f, 0xc7, 0x0f }, 4 },       /* cmpxchg16b: alignment, 16 bytes */
		{ { 0xf3, 0x48, 0xab }, 3 },             /* rep stosq */
		{ { 0x48, 0x01, 0x03 }, 3 },             /* add: not a page-table store */
		{ { 0x48, 0x8b, 0x03 }, 3 },             /* a load */
		{ { 0x48, 0xc7, 0x03, 0x01 }, 4 },       /* cut short */
		{ { 0x48, 0x0f, 0xab, 0x03 }, 4 },       /* bts with a register offset */
		{ { 0xc7, 0x0b, 0, 0, 0, 0 }, 6 },       /* C7 /1 is not MOV */
	};
	static const uint8_t linux_cmpxchg[] = { 0x3e, 0x0f, 0xb1, 0x17 };
	struct pt_store s;
	uint64_t gpr[16] = { 0 }, pte = 0x1234067;
	struct emul_regs r = { .gpr = gpr, .code_bits = 64 };

	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		CHECK(!pt_store_decode(refused[i].b, refused[i].n, &s));
	/* Linux's try_cmpxchg on one CPU: cmpxchg ds:[rdi], edx */
	CHECK(pt_store_decode(linux_cmpxchg, sizeof(linux_cmpxchg), &s));
	CHECK_EQ(s.op, PTS_CMPXCHG);
	CHECK_EQ(s.in.dst.size, 4);
	CHECK_EQ(s.in.src.reg, 2);
	CHECK_EQ(s.in.mem.base, 7);
	CHECK_EQ(s.in.len, 4);
	/* a failed compare-exchange leaves memory as it was: nothing for the shadow to drop */
	gpr[7] = (uintptr_t)&pte;
	gpr[0] = 0x67;
	gpr[2] = 0x1234025;
	CHECK(!pt_store_run(&s, &pte, &r));
	CHECK_EQ(pte, 0x1234067);
	CHECK_EQ(gpr[0], 0x1234067);
	CHECK(!(r.rflags & RFLAGS_ZF));
	CHECK(pt_store_run(&s, &pte, &r));
	CHECK_EQ(pte, 0x1234025);
	CHECK(r.rflags & RFLAGS_ZF);
	CHECK_EQ(r.rip, 8);
}

/*
 * 32-bit code (a PAE kernel's PTE writes): no REX (40-4F are INC/DEC),
 * mod 0 r/m 5 a bare disp32, 32-bit addresses, 67 (16-bit addressing) refused.
 */
static void code32(void)
{
	static const uint8_t cx8[] = { 0xf0, 0x0f, 0xc7, 0x4d, 0x00 }; /* lock cmpxchg8b [ebp] */
	static const uint8_t mov_abs[] = { 0x89, 0x05, 0x00, 0x10, 0x00, 0x00 }; /* [0x1000] */
	static const uint8_t dec_then[] = { 0x48, 0x89, 0x03 };           /* dec eax; mov */
	static const uint8_t addr16[] = { 0x67, 0x89, 0x07 };
	uint64_t gpr[16] = { 0 };
	struct emul_regs r = { .gpr = gpr, .code_bits = 32 };
	struct pt_store s;

	CHECK(pt_store_decode_bits(cx8, sizeof(cx8), 32, &s));
	CHECK_EQ(s.op, PTS_CMPXCHG8B);
	CHECK_EQ(s.in.dst.size, 8);
	CHECK_EQ(s.in.mem.base, 5);
	CHECK_EQ(s.in.mem.addr_size, 4);
	CHECK_EQ(s.in.len, 5);
	CHECK(s.in.lock);
	gpr[5] = 0xffffffff00401000ull; /* upper half undefined after 64-bit code: ignored */
	CHECK_EQ(pt_store_address(&s, &r), 0x401000);
	CHECK(pt_store_decode_bits(mov_abs, sizeof(mov_abs), 32, &s));
	CHECK_EQ(s.op, PTS_MOV);
	CHECK_EQ(s.in.mem.base, EMUL_NO_REG);
	CHECK_EQ(pt_store_address(&s, &r), 0x1000);
	CHECK(pt_store_decode(mov_abs, sizeof(mov_abs), &s));   /* 64-bit: RIP-relative */
	CHECK_EQ(s.in.mem.base, EMUL_RIP);
	CHECK(!pt_store_decode_bits(dec_then, sizeof(dec_then), 32, &s));
	CHECK(!pt_store_decode_bits(addr16, sizeof(addr16), 32, &s));
	CHECK(!pt_store_decode_bits(cx8, sizeof(cx8), 16, &s));
}

int main(void)
{
	unsigned failed = 0, nforms = sizeof(forms) / sizeof(forms[0]);

	code = native_code_map();
	if (!code)
		return 1;
	data = code + 0x1000;
	for (unsigned i = 0; i < nforms; i++)
		for (int k = 0; k < 400; k++)
			if (!differential(&forms[i], k & 1)) {
				failed++;
				break;
			}
	CHECK_EQ(failed, 0);
	printf("pt_store: %u forms x 400 operand sets compared with the CPU\n", nforms);
	boundaries();
	code32();
	return check_report("pt_store");
}
