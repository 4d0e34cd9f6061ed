/*
 * test_emulate.c - the instruction emulator against the real CPU: every
 * supported form is decoded by Capstone (decode.c), then run natively on the
 * host (native_slot.S) and through emulate.c from the same registers, flags
 * and RAM, for many random operand values; registers, flags and memory
 * must come out identical. AF after AND/OR/XOR/TEST is undefined (SDM) and
 * is not compared. Forms the host cannot run natively (16-bit addressing,
 * segment bases) are checked against hand-computed results.
 */
#define _GNU_SOURCE /* MAP_32BIT, MAP_ANONYMOUS */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "emul/decode.h"
#include "emul/emulate.h"

struct native_state {
	uint64_t gpr[16];
	uint64_t rflags;
};

extern const uint8_t native_run[], native_slot[], native_run_end[];

/* One form: its bytes and where its immediate, moffs or rel32 sit (0: none). */
struct form {
	uint8_t b[15];
	uint8_t len;
	uint8_t imm_at, imm_size; /* randomised per iteration */
	uint8_t abs_at;           /* moffs64: gets the data address */
	uint8_t rel_at;           /* rel32: gets data - next RIP */
};

#define F(...) { .b = { __VA_ARGS__ }, .len = sizeof((uint8_t[]){ __VA_ARGS__ }) }
#define FI(at, sz, ...) { .b = { __VA_ARGS__ }, .len = sizeof((uint8_t[]){ __VA_ARGS__ }), \
			  .imm_at = at, .imm_size = sz }

static const struct form fixed_forms[] = {
	/* MOV: every width, both directions, immediates, SIB, disp8/32, high bytes */
	F(0x88, 0x03), F(0x88, 0x23), F(0x66, 0x89, 0x03), F(0x89, 0x03), F(0x48, 0x89, 0x03),
	F(0x44, 0x89, 0x43, 0x08), F(0x4e, 0x89, 0x44, 0xa3, 0x10),
	F(0x42, 0x89, 0x8c, 0xa6, 0x00, 0x01, 0x00, 0x00), F(0x40, 0x88, 0x33),
	F(0x8a, 0x03), F(0x8a, 0x23), F(0x66, 0x8b, 0x03), F(0x8b, 0x03), F(0x48, 0x8b, 0x03),
	F(0x4e, 0x8b, 0x44, 0xa3, 0x10), F(0x8b, 0x45, 0xf8),
	FI(2, 1, 0xc6, 0x03, 0), FI(3, 2, 0x66, 0xc7, 0x03, 0, 0), FI(2, 4, 0xc7, 0x03, 0, 0, 0, 0),
	FI(3, 4, 0x48, 0xc7, 0x03, 0, 0, 0, 0), FI(3, 1, 0xc6, 0x43, 0x20, 0),
	F(0x67, 0x8b, 0x03), F(0x67, 0x89, 0x43, 0x04), F(0x67, 0x66, 0x89, 0x0b),
	/* MOVZX / MOVSX / MOVSXD */
	F(0x0f, 0xb6, 0x03), F(0x66, 0x0f, 0xb6, 0x03), F(0x0f, 0xb7, 0x03),
	F(0x48, 0x0f, 0xb6, 0x03), F(0x48, 0x0f, 0xb7, 0x03), F(0x0f, 0xb6, 0xc4),
	F(0x0f, 0xbe, 0x03), F(0x66, 0x0f, 0xbe, 0x03), F(0x0f, 0xbf, 0x03),
	F(0x48, 0x0f, 0xbe, 0x03), F(0x48, 0x0f, 0xbf, 0x03), F(0x48, 0x63, 0x03),
	/* MOVS / STOS, with and without REP (DF is random) */
	F(0xa4), F(0x66, 0xa5), F(0xa5), F(0x48, 0xa5), F(0xf3, 0xa4), F(0xf3, 0x66, 0xa5),
	F(0xf3, 0xa5), F(0xf3, 0x48, 0xa5), F(0x67, 0xf3, 0xa4),
	F(0xaa), F(0x66, 0xab), F(0xab), F(0x48, 0xab), F(0xf3, 0xaa), F(0xf3, 0xab),
	F(0xf3, 0x48, 0xab), F(0x67, 0xf3, 0x66, 0xab),
	/* TEST, XCHG */
	F(0x84, 0x03), F(0x84, 0x23), F(0x85, 0x03), F(0x66, 0x85, 0x03), F(0x48, 0x85, 0x03),
	FI(2, 1, 0xf6, 0x03, 0), FI(3, 2, 0x66, 0xf7, 0x03, 0, 0), FI(2, 4, 0xf7, 0x03, 0, 0, 0, 0),
	FI(3, 4, 0x48, 0xf7, 0x03, 0, 0, 0, 0),
	F(0x86, 0x03), F(0x86, 0x23), F(0x87, 0x03), F(0x66, 0x87, 0x03), F(0x48, 0x87, 0x03),
	F(0x4c, 0x87, 0x03),
	/* moffs and RIP-relative (addresses patched in) */
	{ .b = { 0xa0 }, .len = 9, .abs_at = 1 }, { .b = { 0x66, 0xa1 }, .len = 10, .abs_at = 2 },
	{ .b = { 0xa1 }, .len = 9, .abs_at = 1 }, { .b = { 0x48, 0xa3 }, .len = 10, .abs_at = 2 },
	{ .b = { 0xa2 }, .len = 9, .abs_at = 1 },
	{ .b = { 0x8b, 0x05 }, .len = 6, .rel_at = 2 }, { .b = { 0x48, 0x89, 0x0d }, .len = 7, .rel_at = 3 },
	{ .b = { 0x80, 0x05, 0, 0, 0, 0, 0 }, .len = 7, .rel_at = 2, .imm_at = 6, .imm_size = 1 },
};

#define MAX_FORMS 256
static struct form forms[MAX_FORMS];
static unsigned nforms;

static void add(const struct form *f)
{
	if (nforms < MAX_FORMS)
		forms[nforms++] = *f;
}

/* ADD OR AND SUB XOR CMP in each encoding (Vol. 2A: 00-3F and 80/81/83 /digit). */
static void add_alu_forms(void)
{
	static const uint8_t base[] = { 0x00, 0x08, 0x20, 0x28, 0x30, 0x38 };

	for (unsigned i = 0; i < sizeof(base); i++) {
		uint8_t o = base[i], m = (uint8_t)(0x03 | (o & 0x38));
		struct form set[] = {
			F(o, 0x03), F(o, 0x23), F(o + 1, 0x03), F(0x66, o + 1, 0x03),
			F(0x48, o + 1, 0x03), F(o + 2, 0x03), F(o + 3, 0x03), F(0x48, o + 3, 0x03),
			F(0x66, o + 3, 0x03), F(o + 1, 0xc8), F(0x48, o + 3, 0x43, 0x08),
			FI(2, 1, 0x80, m, 0), FI(2, 1, 0x83, m, 0), FI(3, 1, 0x48, 0x83, m, 0),
			FI(3, 1, 0x66, 0x83, m, 0), FI(2, 4, 0x81, m, 0, 0, 0, 0),
			FI(3, 4, 0x48, 0x81, m, 0, 0, 0, 0), FI(3, 2, 0x66, 0x81, m, 0, 0),
		};
		for (unsigned k = 0; k < sizeof(set) / sizeof(set[0]); k++)
			add(&set[k]);
	}
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Interesting values: edges of every width, and random ones. */
static uint64_t value(void)
{
	static const uint64_t edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
					 0x7fffffff, 0x80000000, 0xffffffff,
					 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull };
	uint64_t r = rnd();

	return r % 3 == 0 ? edge[(r >> 8) % (sizeof(edge) / sizeof(edge[0]))] : rnd();
}

#define DATA_SIZE 0x2000
static uint8_t *code, *data;

static bool host_read(void *ctx, uint64_t la, void *buf, unsigned size, struct emul_fault *f)
{
	(void)ctx;
	(void)f;
	if (la < (uintptr_t)data || la + size > (uintptr_t)data + DATA_SIZE) {
		fprintf(stderr, "emulated read outside the data at %#lx\n", (unsigned long)la);
		return false;
	}
	memcpy(buf, (void *)(uintptr_t)la, size);
	return true;
}

static bool host_write(void *ctx, uint64_t la, const void *buf, unsigned size,
		       struct emul_fault *f)
{
	(void)ctx;
	(void)f;
	if (la < (uintptr_t)data || la + size > (uintptr_t)data + DATA_SIZE) {
		fprintf(stderr, "emulated write outside the data at %#lx\n", (unsigned long)la);
		return false;
	}
	memcpy((void *)(uintptr_t)la, buf, size);
	return true;
}

static const struct emul_mem_ops host_mem = { host_read, host_write };

static void print_bytes(const struct form *f)
{
	for (unsigned i = 0; i < f->len; i++)
		fprintf(stderr, "%02x ", f->b[i]);
}

/* Runs form f natively and emulated from one random state; false on a difference. */
static bool differential(csh cs, cs_insn *ci, struct form *f)
{
	static uint8_t before[DATA_SIZE], native_mem[DATA_SIZE];
	uint8_t *slot = code + (native_slot - native_run);
	struct native_state n;
	struct emul_regs e;
	struct emul_insn in;
	struct emul_fault fault;
	char text[160];
	uint64_t flag_mask = ~0ull;
	void (*run)(struct native_state *) = (void (*)(struct native_state *))(void *)code;

	for (unsigned i = 0; i < f->imm_size; i++)
		f->b[f->imm_at + i] = (uint8_t)value();
	if (f->abs_at) {
		uint64_t a = (uintptr_t)data + 0x40;

		memcpy(&f->b[f->abs_at], &a, 8);
	}
	if (f->rel_at) {
		int32_t rel = (int32_t)((intptr_t)(data + 0x60) - (intptr_t)(slot + f->len));

		memcpy(&f->b[f->rel_at], &rel, 4);
	}
	memset(slot, 0x90, 16);
	memcpy(slot, f->b, f->len);
	for (unsigned i = 0; i < DATA_SIZE; i += 8) {
		uint64_t v = value();

		memcpy(before + i, &v, 8);
	}
	for (unsigned i = 0; i < 16; i++)
		n.gpr[i] = value();
	n.gpr[1] = rnd() % 9;                         /* RCX: a small REP count */
	n.gpr[3] = (uintptr_t)data + 0x800;           /* RBX */
	n.gpr[4] = 0;                                 /* RSP: not loaded */
	n.gpr[5] = (uintptr_t)data + 0x900;           /* RBP */
	n.gpr[6] = (uintptr_t)data + 0xa00 + rnd() % 64; /* RSI */
	n.gpr[7] = (uintptr_t)data + 0xc00 + rnd() % 64; /* RDI */
	n.gpr[12] = rnd() % 16;                       /* R12: an index */
	n.rflags = 0x202 | (rnd() & RFLAGS_ARITH) | (rnd() & 1 ? RFLAGS_DF : 0);

	CHECK_EQ(decode_insn(cs, 64, f->b, f->len, ci, &in, text, sizeof(text)), DECODE_OK);
	if (in.len != f->len) {
		print_bytes(f);
		fprintf(stderr, "(%s): decoded length %u\n", text, in.len);
		return false;
	}
	memcpy(e.gpr, n.gpr, sizeof(e.gpr));
	e.rflags = n.rflags;
	e.rip = (uintptr_t)slot;
	e.code_bits = 64;
	memset(e.seg_base, 0, sizeof(e.seg_base));

	memcpy(data, before, DATA_SIZE);
	run(&n);
	memcpy(native_mem, data, DATA_SIZE);
	memcpy(data, before, DATA_SIZE);
	if (emulate(&in, &e, &host_mem, NULL, &fault) != EMUL_DONE) {
		print_bytes(f);
		fprintf(stderr, "(%s): emulation faulted\n", text);
		return false;
	}
	if (in.op == EOP_AND || in.op == EOP_OR || in.op == EOP_XOR || in.op == EOP_TEST)
		flag_mask = ~(uint64_t)RFLAGS_AF;
	n.gpr[4] = 0;
	e.gpr[4] = 0;
	if (memcmp(n.gpr, e.gpr, sizeof(n.gpr)) || ((n.rflags ^ e.rflags) & flag_mask) ||
	    memcmp(native_mem, data, DATA_SIZE) || e.rip != (uintptr_t)slot + f->len) {
		print_bytes(f);
		fprintf(stderr, "(%s): differs from the CPU\n", text);
		for (unsigned i = 0; i < 16; i++)
			if (n.gpr[i] != e.gpr[i])
				fprintf(stderr, "  gpr%u native %#lx emulated %#lx\n", i,
					(unsigned long)n.gpr[i], (unsigned long)e.gpr[i]);
		fprintf(stderr, "  rflags native %#lx emulated %#lx\n", (unsigned long)n.rflags,
			(unsigned long)e.rflags);
		return false;
	}
	return true;
}

/* 16-bit code: [bx+si+disp8] with a segment base, and an FS override in 64-bit code. */
static void emulated_only(csh cs16, csh cs64, cs_insn *ci16, cs_insn *ci64)
{
	static const uint8_t mov16[] = { 0x89, 0x40, 0x04 };       /* mov [bx+si+4], ax */
	static const uint8_t bp16[] = { 0x8b, 0x46, 0xfe };        /* mov ax, [bp-2] */
	static const uint8_t fs64[] = { 0x64, 0x48, 0x8b, 0x03 };  /* mov rax, fs:[rbx] */
	static const uint8_t es64[] = { 0x26, 0x8b, 0x03 };        /* es: ignored in 64-bit */
	static const uint8_t sse[] = { 0xf2, 0x0f, 0x10, 0xc1 };   /* movsd xmm0, xmm1 */
	static const uint8_t cut[] = { 0x48, 0xc7, 0x03, 0x01 };   /* mov qword [rbx], imm32: cut */
	struct emul_insn in;
	struct emul_regs r = { .code_bits = 16 };
	struct emul_fault f;

	CHECK_EQ(decode_insn(cs16, 16, mov16, sizeof(mov16), ci16, &in, NULL, 0), DECODE_OK);
	CHECK_EQ(in.mem.addr_size, 2);
	r.gpr[3] = 0xfff0;
	r.gpr[6] = 0x20;
	r.seg_base[SEG_DS] = (uintptr_t)data - 0x10 + 0x100; /* ea wraps to 0x14 */
	r.gpr[0] = 0xabcd;
	CHECK_EQ(emul_linear_address(&in, &r), ((uintptr_t)data + 0x104) & 0xffffffff);
	CHECK_EQ(decode_insn(cs16, 16, bp16, sizeof(bp16), ci16, &in, NULL, 0), DECODE_OK);
	CHECK_EQ(in.mem.seg, SEG_SS);
	CHECK_EQ(in.dst.size, 2);

	r = (struct emul_regs){ .code_bits = 64 };
	CHECK_EQ(decode_insn(cs64, 64, fs64, sizeof(fs64), ci64, &in, NULL, 0), DECODE_OK);
	CHECK_EQ(in.mem.seg, SEG_FS);
	r.gpr[3] = 0x18;
	r.seg_base[SEG_FS] = (uintptr_t)data;
	memcpy(data + 0x18, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	CHECK_EQ(emulate(&in, &r, &host_mem, NULL, &f), EMUL_DONE);
	CHECK_EQ(r.gpr[0], 0x8877665544332211ull);
	CHECK_EQ(decode_insn(cs64, 64, es64, sizeof(es64), ci64, &in, NULL, 0), DECODE_OK);
	r.seg_base[SEG_ES] = 0x1000;
	r.gpr[3] = (uintptr_t)data;
	CHECK_EQ(emul_linear_address(&in, &r), (uintptr_t)data);
	CHECK_EQ(decode_insn(cs64, 64, sse, sizeof(sse), ci64, &in, NULL, 0), DECODE_UNSUPPORTED);
	CHECK_EQ(decode_insn(cs64, 64, cut, sizeof(cut), ci64, &in, NULL, 0), DECODE_TRUNCATED);
}

int main(void)
{
	size_t code_len = (size_t)(native_run_end - native_run);
	csh cs64, cs16;
	cs_insn *ci64, *ci16;
	unsigned failed_forms = 0;

	/* Below 2 GiB: the 0x67 forms need 32-bit addresses to work natively. */
	code = mmap(NULL, 0x1000 + DATA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (code == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	data = code + 0x1000;
	memcpy(code, native_run, code_len);
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs64) != CS_ERR_OK ||
	    cs_open(CS_ARCH_X86, CS_MODE_16, &cs16) != CS_ERR_OK)
		return 1;
	cs_option(cs64, CS_OPT_DETAIL, CS_OPT_ON);
	cs_option(cs16, CS_OPT_DETAIL, CS_OPT_ON);
	ci64 = cs_malloc(cs64);
	ci16 = cs_malloc(cs16);

	for (unsigned i = 0; i < sizeof(fixed_forms) / sizeof(fixed_forms[0]); i++)
		add(&fixed_forms[i]);
	add_alu_forms();
	for (unsigned i = 0; i < nforms; i++) {
		for (int k = 0; k < 300; k++)
			if (!differential(cs64, ci64, &forms[i])) {
				failed_forms++;
				break;
			}
	}
	CHECK_EQ(failed_forms, 0);
	printf("emulate: %u forms x 300 operand sets compared with the CPU\n", nforms);
	emulated_only(cs16, cs64, ci16, ci64);
	cs_free(ci64, 1);
	cs_free(ci16, 1);
	cs_close(&cs64);
	cs_close(&cs16);
	return check_report("emulate");
}
