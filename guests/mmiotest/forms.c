/*
 * forms.c - the form table of forms.h: fixed forms (MOV, MOVZX/MOVSX, MOVS,
 * STOS, TEST, XCHG, moffs, RIP-relative, 0x67) and the ALU family built
 * from its regular encoding (Vol. 2A: 00-3F and 80/81/83 /digit).
 */
#include "forms.h"

#include "lib/string.h"

#define F(...) { .b = { __VA_ARGS__ }, .len = sizeof((uint8_t[]){ __VA_ARGS__ }) }
#define FI(at, sz, ...) { .b = { __VA_ARGS__ }, .len = sizeof((uint8_t[]){ __VA_ARGS__ }), \
			  .imm_at = at, .imm_size = sz }

static const struct emul_form fixed_forms[] = {
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
	/* XCHG */
	F(0x86, 0x03), F(0x86, 0x23), F(0x87, 0x03), F(0x66, 0x87, 0x03), F(0x48, 0x87, 0x03),
	F(0x4c, 0x87, 0x03),
	/* moffs and RIP-relative (addresses patched in) */
	{ .b = { 0xa0 }, .len = 9, .abs_at = 1 }, { .b = { 0x66, 0xa1 }, .len = 10, .abs_at = 2 },
	{ .b = { 0xa1 }, .len = 9, .abs_at = 1 }, { .b = { 0x48, 0xa3 }, .len = 10, .abs_at = 2 },
	{ .b = { 0xa2 }, .len = 9, .abs_at = 1 },
	{ .b = { 0x8b, 0x05 }, .len = 6, .rel_at = 2 },
	{ .b = { 0x48, 0x89, 0x0d }, .len = 7, .rel_at = 3 },
	{ .b = { 0x80, 0x05, 0, 0, 0, 0, 0 }, .len = 7, .rel_at = 2, .imm_at = 6, .imm_size = 1 },
};

/* TEST: AF undefined. */
static const struct emul_form test_forms[] = {
	F(0x84, 0x03), F(0x84, 0x23), F(0x85, 0x03), F(0x66, 0x85, 0x03), F(0x48, 0x85, 0x03),
	FI(2, 1, 0xf6, 0x03, 0), FI(3, 2, 0x66, 0xf7, 0x03, 0, 0), FI(2, 4, 0xf7, 0x03, 0, 0, 0, 0),
	FI(3, 4, 0x48, 0xf7, 0x03, 0, 0, 0, 0),
};

static unsigned add(struct emul_form *out, unsigned n, unsigned max, const struct emul_form *f,
		    bool af_undefined)
{
	if (n < max) {
		out[n] = *f;
		out[n].af_undefined = af_undefined;
		n++;
	}
	return n;
}

unsigned emul_forms(struct emul_form *out, unsigned max)
{
	static const uint8_t alu[] = { 0x00, 0x08, 0x20, 0x28, 0x30, 0x38 }; /* ADD OR AND SUB XOR CMP */
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(fixed_forms) / sizeof(fixed_forms[0]); i++)
		n = add(out, n, max, &fixed_forms[i], false);
	for (unsigned i = 0; i < sizeof(test_forms) / sizeof(test_forms[0]); i++)
		n = add(out, n, max, &test_forms[i], true);
	for (unsigned i = 0; i < sizeof(alu); i++) {
		uint8_t o = alu[i], m = (uint8_t)(0x03 | (o & 0x38));
		bool logic = o == 0x08 || o == 0x20 || o == 0x30;
		const struct emul_form set[] = {
			F(o, 0x03), F(o, 0x23), F(o + 1, 0x03), F(0x66, o + 1, 0x03),
			F(0x48, o + 1, 0x03), F(o + 2, 0x03), F(o + 3, 0x03), F(0x48, o + 3, 0x03),
			F(0x66, o + 3, 0x03), F(o + 1, 0xc8), F(0x48, o + 3, 0x43, 0x08),
			FI(2, 1, 0x80, m, 0), FI(2, 1, 0x83, m, 0), FI(3, 1, 0x48, 0x83, m, 0),
			FI(3, 1, 0x66, 0x83, m, 0), FI(2, 4, 0x81, m, 0, 0, 0, 0),
			FI(3, 4, 0x48, 0x81, m, 0, 0, 0, 0), FI(3, 2, 0x66, 0x81, m, 0, 0),
		};
		for (unsigned k = 0; k < sizeof(set) / sizeof(set[0]); k++)
			n = add(out, n, max, &set[k], logic);
	}
	return n;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

void form_seed(uint64_t seed)
{
	rng = seed ? seed : 0x9e3779b97f4a7c15ull;
}

uint64_t form_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

uint64_t form_value(void)
{
	static const uint64_t edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
					 0x7fffffff, 0x80000000, 0xffffffff,
					 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull };
	uint64_t r = form_random();

	return r % 3 == 0 ? edge[(r >> 8) % (sizeof(edge) / sizeof(edge[0]))] : form_random();
}

void form_randomize(struct emul_form *f)
{
	for (unsigned i = 0; i < f->imm_size; i++)
		f->b[f->imm_at + i] = (uint8_t)form_value();
}

void form_place(struct emul_form *f, uint64_t data, uint64_t rel_data, uint64_t slot)
{
	if (f->abs_at) {
		uint64_t a = data + FORM_ABS_OFFSET;

		memcpy(&f->b[f->abs_at], &a, 8);
	}
	if (f->rel_at) {
		int32_t rel = (int32_t)(rel_data + FORM_REL_OFFSET - (slot + f->len));

		memcpy(&f->b[f->rel_at], &rel, 4);
	}
}

void form_state(struct native_state *s, uint64_t data)
{
	for (unsigned i = 0; i < 16; i++)
		s->gpr[i] = form_value();
	s->gpr[1] = form_random() % 9;              /* RCX: a small REP count */
	s->gpr[3] = data + FORM_RBX;
	s->gpr[4] = 0;                              /* RSP: not loaded */
	s->gpr[5] = data + FORM_RBP;
	s->gpr[6] = data + FORM_RSI + form_random() % 64;
	s->gpr[7] = data + FORM_RDI + form_random() % 64;
	s->gpr[12] = form_random() % 16;            /* R12: an index */
	s->rflags = 0x202 | (form_random() & 0x8d5) | (form_random() & 1 ? 0x400 : 0);
}

void form_setup(struct emul_form *f, uint8_t *slot, uint64_t data, uint8_t *before,
		unsigned size, struct native_state *s)
{
	form_randomize(f);
	form_place(f, data, data, (uint64_t)(uintptr_t)slot);
	memset(slot, 0x90, 16);
	memcpy(slot, f->b, f->len);
	for (unsigned i = 0; i < size; i += 8) {
		uint64_t v = form_value();

		memcpy(before + i, &v, 8);
	}
	form_state(s, data);
}

void form_rebase(struct native_state *s, uint64_t from, uint64_t to)
{
	static const unsigned pointers[] = { 3, 5, 6, 7 }; /* RBX RBP RSI RDI */

	for (unsigned i = 0; i < sizeof(pointers) / sizeof(pointers[0]); i++)
		s->gpr[pointers[i]] = s->gpr[pointers[i]] - from + to;
}
