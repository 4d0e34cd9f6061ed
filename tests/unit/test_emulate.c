/*
 * test_emulate.c - the instruction emulator against the real CPU: every
 * supported form is decoded by Capstone (decode.c), then run natively on the
 * host (guests/mmiotest/slot.S; the form table is guests/mmiotest/forms.c,
 * which the conformance guest runs too) and through emulate.c from the same registers, flags
 * and RAM, for many random operand values; registers, flags and memory
 * must come out identical. AF after AND/OR/XOR/TEST is undefined (SDM) and
 * is not compared. Forms the host cannot run natively (16-bit addressing,
 * segment bases) are checked against hand-computed results.
 */
#include "native_code.h"

#include <stdbool.h>

#include "check.h"
#include "emul/decode.h"
#include "emul/emulate.h"

#define DATA_SIZE FORM_DATA_SIZE
static uint8_t *code, *data;
static struct emul_form forms[EMUL_FORMS_MAX];
static unsigned nforms;

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

static void print_bytes(const struct emul_form *f)
{
	for (unsigned i = 0; i < f->len; i++)
		fprintf(stderr, "%02x ", f->b[i]);
}

/* Runs form f natively and emulated from one random state; false on a difference. */
static bool differential(csh cs, cs_insn *ci, struct emul_form *f)
{
	static uint8_t before[DATA_SIZE], native_mem[DATA_SIZE];
	uint8_t *slot = code + (native_slot - native_run);
	struct native_state n;
	struct emul_regs e;
	uint64_t egpr[16];
	struct emul_insn in;
	struct emul_fault fault;
	char text[160];
	uint64_t flag_mask = ~0ull;
	void (*run)(struct native_state *) = (void (*)(struct native_state *))(void *)code;

	form_setup(f, slot, (uintptr_t)data, before, DATA_SIZE, &n);

	CHECK_EQ(decode_insn(cs, 64, f->b, f->len, ci, &in, text, sizeof(text)), DECODE_OK);
	if (in.len != f->len) {
		print_bytes(f);
		fprintf(stderr, "(%s): decoded length %u\n", text, in.len);
		return false;
	}
	memcpy(egpr, n.gpr, sizeof(egpr));
	e.gpr = egpr;
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
	if (f->af_undefined)
		flag_mask = ~(uint64_t)RFLAGS_AF;
	CHECK_EQ(f->af_undefined, in.op == EOP_AND || in.op == EOP_OR || in.op == EOP_XOR ||
				  in.op == EOP_TEST);
	n.gpr[4] = 0;
	e.gpr[4] = 0;
	if (memcmp(n.gpr, egpr, sizeof(n.gpr)) || ((n.rflags ^ e.rflags) & flag_mask) ||
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
	uint64_t gpr[16] = { 0 };
	struct emul_regs r = { .gpr = gpr, .code_bits = 16 };
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

	memset(gpr, 0, sizeof(gpr));
	r = (struct emul_regs){ .gpr = gpr, .code_bits = 64 };
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

/* VMCS access rights (SDM Vol. 3C 24.4.1): type, S, P, B; unusable. */
#define AR_DATA_RW 0x4093u
#define AR_DATA_RO 0x4091u
#define AR_DATA_DOWN 0x4097u     /* expand-down, B = 1: up to 4 GiB */
#define AR_DATA_DOWN16 0x0097u   /* expand-down, B = 0: up to 64 KiB */
#define AR_CODE_XO 0x4099u       /* execute-only */
#define AR_CODE_XR 0x409bu       /* execute/read */
#define AR_UNUSABLE_SEG 0x10000u
#define VEC_SS 12
#define VEC_GP 13

static bool seg_ok(struct emul_regs *r, unsigned seg, uint32_t ar, uint32_t limit,
		   uint64_t offset, unsigned size, bool write, struct emul_fault *f)
{
	r->seg_ar[seg] = ar;
	r->seg_limit[seg] = limit;
	*f = (struct emul_fault){ .vector = 0xff };
	return emul_segment_ok(r, seg, offset, size, write, f);
}

/* Segmentation outside 64-bit code (SDM Vol. 3A 5.3, 5.4.1, 3.4.5.1), canonical inside. */
static void segment_checks(void)
{
	uint64_t gpr[16] = { 0 };
	struct emul_regs r = { .gpr = gpr, .code_bits = 32, .seg_checks = SEG_CHECK_ALL };
	struct emul_fault f;

	/* Expand-up: the last byte must be at or below the limit; #SS(0) for SS. */
	CHECK(seg_ok(&r, SEG_DS, AR_DATA_RW, 0xfff, 0xffc, 4, false, &f));
	CHECK(!seg_ok(&r, SEG_DS, AR_DATA_RW, 0xfff, 0xffd, 4, false, &f));
	CHECK_EQ(f.vector, VEC_GP);
	CHECK(f.has_error && f.error == 0);
	CHECK(!seg_ok(&r, SEG_SS, AR_DATA_RW, 0xfff, 0x1000, 1, true, &f));
	CHECK_EQ(f.vector, VEC_SS);
	CHECK(seg_ok(&r, SEG_ES, AR_DATA_RW, 0xffffffff, 0xfffffffc, 4, true, &f));
	/* Expand-down: above the limit, up to 4 GiB (B = 1) or 64 KiB (B = 0). */
	CHECK(seg_ok(&r, SEG_DS, AR_DATA_DOWN, 0xfff, 0x1000, 4, false, &f));
	CHECK(!seg_ok(&r, SEG_DS, AR_DATA_DOWN, 0xfff, 0xfff, 1, false, &f));
	CHECK(seg_ok(&r, SEG_DS, AR_DATA_DOWN, 0xfff, 0xfffffffc, 4, false, &f));
	CHECK(!seg_ok(&r, SEG_DS, AR_DATA_DOWN, 0xfff, 0xfffffffd, 4, false, &f));
	CHECK(seg_ok(&r, SEG_SS, AR_DATA_DOWN16, 0xfff, 0xfffe, 2, true, &f));
	CHECK(!seg_ok(&r, SEG_SS, AR_DATA_DOWN16, 0xfff, 0xffff, 2, true, &f));
	CHECK_EQ(f.vector, VEC_SS);
	/* Types: no write to read-only data or to code, no read of execute-only code. */
	CHECK(seg_ok(&r, SEG_DS, AR_DATA_RO, 0xffff, 0x10, 4, false, &f));
	CHECK(!seg_ok(&r, SEG_DS, AR_DATA_RO, 0xffff, 0x10, 4, true, &f));
	CHECK_EQ(f.vector, VEC_GP);
	CHECK(!seg_ok(&r, SEG_CS, AR_CODE_XO, 0xffff, 0x10, 4, false, &f));
	CHECK(seg_ok(&r, SEG_CS, AR_CODE_XR, 0xffff, 0x10, 4, false, &f));
	CHECK(!seg_ok(&r, SEG_CS, AR_CODE_XR, 0xffff, 0x10, 4, true, &f));
	CHECK(!seg_ok(&r, SEG_FS, AR_UNUSABLE_SEG, 0xffff, 0x10, 1, false, &f));
	CHECK_EQ(f.vector, VEC_GP);
	CHECK(!seg_ok(&r, SEG_SS, AR_UNUSABLE_SEG | AR_DATA_RW, 0xffff, 0x10, 1, false, &f));
	CHECK_EQ(f.vector, VEC_SS);
	/* Real mode and virtual-8086: limits only (a word at 0xffff crosses 64 KiB). */
	r.code_bits = 16;
	r.seg_checks = SEG_CHECK_LIMITS;
	CHECK(seg_ok(&r, SEG_DS, AR_DATA_RO, 0xffff, 0xfffe, 2, true, &f));
	CHECK(!seg_ok(&r, SEG_DS, AR_DATA_RW, 0xffff, 0xffff, 2, false, &f));
	CHECK_EQ(f.vector, VEC_GP);
	r.seg_checks = SEG_CHECK_NONE; /* no segment state given: nothing checked */
	CHECK(seg_ok(&r, SEG_DS, 0, 0, 0xffff, 2, true, &f));
	/* 64-bit: no limits; the linear address must be canonical. */
	r = (struct emul_regs){ .gpr = gpr, .code_bits = 64 };
	CHECK(seg_ok(&r, SEG_DS, 0, 0, 0x00007ffffffffff8ull, 8, false, &f));
	CHECK(!seg_ok(&r, SEG_DS, 0, 0, 0x0000800000000000ull, 8, false, &f));
	CHECK_EQ(f.vector, VEC_GP);
	CHECK(!seg_ok(&r, SEG_SS, 0, 0, 0x8000000000000000ull, 8, false, &f));
	CHECK_EQ(f.vector, VEC_SS);
	r.seg_base[SEG_GS] = 0xffff800000000000ull;
	CHECK(seg_ok(&r, SEG_GS, 0, 0, 0x10, 8, false, &f));
}

/* emulate() raises the fault before the access; a REP keeps the elements done. */
static void segment_faults(void)
{
	uint64_t gpr[16] = { 0 };
	struct emul_regs r = { .gpr = gpr, .code_bits = 32, .seg_checks = SEG_CHECK_ALL };
	struct emul_insn mov = {
		.op = EOP_MOV, .len = 3, .dst = { .kind = OPND_REG, .size = 4, .reg = 0 },
		.src = { .kind = OPND_MEM, .size = 4 },
		.mem = { .seg = SEG_DS, .base = 3, .index = EMUL_NO_REG, .scale = 1,
			 .addr_size = 4, .disp = 2 } };
	struct emul_insn stos = {
		.op = EOP_STOS, .len = 2, .rep = 1, .dst = { .kind = OPND_MEM, .size = 1 },
		.src = { .kind = OPND_REG, .size = 1, .reg = 0 },
		.mem = { .seg = SEG_ES, .base = EMUL_NO_REG, .index = EMUL_NO_REG, .scale = 1,
			 .addr_size = 4 } };
	struct emul_fault f;

	for (unsigned s = 0; s < SEG_COUNT; s++) {
		r.seg_base[s] = (uintptr_t)data;
		r.seg_ar[s] = AR_DATA_RW;
		r.seg_limit[s] = 0x103;
	}
	memset(data, 0, 0x200);
	gpr[0] = 0x1111;
	gpr[3] = 0x100;                  /* [ebx+2]: bytes 0x102-0x105, past 0x103 */
	CHECK_EQ(emulate(&mov, &r, &host_mem, NULL, &f), EMUL_FAULT);
	CHECK_EQ(f.vector, VEC_GP);
	CHECK_EQ(gpr[0], 0x1111);
	gpr[3] = 0xfe;                   /* bytes 0x100-0x103: inside */
	CHECK_EQ(emulate(&mov, &r, &host_mem, NULL, &f), EMUL_DONE);
	mov.mem.seg = SEG_SS;
	gpr[3] = 0x100;
	CHECK_EQ(emulate(&mov, &r, &host_mem, NULL, &f), EMUL_FAULT);
	CHECK_EQ(f.vector, VEC_SS);
	/* REP STOSB of 8 from 0x100 with ES's limit 0x103: 4 stored, then #GP(0). */
	gpr[0] = 0x5a;
	gpr[1] = 8;
	gpr[7] = 0x100;
	r.rip = 0x1000;
	CHECK_EQ(emulate(&stos, &r, &host_mem, NULL, &f), EMUL_FAULT);
	CHECK_EQ(f.vector, VEC_GP);
	CHECK_EQ(gpr[1], 4);
	CHECK_EQ(gpr[7], 0x104);
	CHECK_EQ(r.rip, 0x1000);
	CHECK(data[0x100] == 0x5a && data[0x103] == 0x5a && data[0x104] == 0);
}

int main(void)
{
	csh cs64, cs16;
	cs_insn *ci64, *ci16;
	unsigned failed_forms = 0;

	code = native_code_map();
	if (!code)
		return 1;
	data = code + 0x1000;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs64) != CS_ERR_OK ||
	    cs_open(CS_ARCH_X86, CS_MODE_16, &cs16) != CS_ERR_OK)
		return 1;
	cs_option(cs64, CS_OPT_DETAIL, CS_OPT_ON);
	cs_option(cs16, CS_OPT_DETAIL, CS_OPT_ON);
	ci64 = cs_malloc(cs64);
	ci16 = cs_malloc(cs16);

	nforms = emul_forms(forms, EMUL_FORMS_MAX);
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
	segment_checks();
	segment_faults();
	cs_free(ci64, 1);
	cs_free(ci16, 1);
	cs_close(&cs64);
	cs_close(&cs16);
	return check_report("emulate");
}
