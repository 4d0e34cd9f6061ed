/*
 * op_mmio.c - fuzz kind "mmio" (boot with mmio_test=on emul_unsupported=ud
 * guest_fault=inject; runs only when ops= names it): one instruction's
 * bytes run at CPL 3 (user_mode.h) with every register, RSP included, a
 * pointer into the test MMIO device's page or a random value. The bytes
 * are, one time in two, a form the emulator supports (guests/mmiotest's
 * table, random immediates and operands), one in four such a form with a
 * prefix added or a bit flipped, one in four random bytes; relative
 * branches become NOPs, in random and mutated bytes every byte that could
 * be one (a loop at CPL 3 would never exit). Run until the
 * first exception: the #UD of the UD2 after the 16-byte slot means the
 * bytes completed, natively or emulated (a VM exit happened between, by
 * HC_EXIT_COUNT); any other is counted per vector, as raised natively or
 * after an exit (the hypervisor's #UD for what it cannot emulate, #GP for
 * an access to nothing, a #PF of the emulator's walk). At CPL 3 the bytes
 * can reach only the code page and the device: the rest of the guest is
 * supervisor-only. One time in two one register points at a supervisor
 * canary page instead: the emulator must refuse that access as the CPU
 * does; a changed canary is an error outcome.
 */
#include "../mmiotest/forms.h"
#include "emul/test_mmio.h"
#include "fuzz.h"
#include "guest.h"
#include "hypercall.h"
#include "lib/format.h"
#include "lib/string.h"
#include "user_mode.h"
#include "vmcall.h"

#define SLOT 16
#define CANARY_BYTE 0x5a
#define NVECTORS 32

static struct emul_form forms[EMUL_FORMS_MAX];
static unsigned nforms;
static uint8_t canary[4096] __attribute__((aligned(4096)));
static uint64_t n_native, n_emulated, n_canary;
static uint64_t fault_native[NVECTORS], fault_after_exit[NVECTORS];

static bool init(const char **why)
{
	if (*(volatile uint32_t *)(uintptr_t)TEST_MMIO_BASE != TEST_MMIO_ID) {
		*why = "no test MMIO device (boot the hypervisor with mmio_test=on)";
		return false;
	}
	nforms = emul_forms(forms, EMUL_FORMS_MAX);
	memset(canary, CANARY_BYTE, sizeof(canary));
	user_mode_init(TEST_MMIO_BASE);
	return true;
}

/* Whether b is a relative branch, LOOP or JCXZ (after prefixes; 0x0f: two-byte map). */
static bool is_relative_branch(uint8_t b, bool two_byte)
{
	if (two_byte)
		return b >= 0x80 && b <= 0x8f;
	return (b >= 0x70 && b <= 0x7f) || (b >= 0xe0 && b <= 0xe3) || b == 0xe8 || b == 0xe9 ||
	       b == 0xeb;
}

/* Turns a relative branch into a NOP: the bytes must not loop at CPL 3. */
static void defuse_branches(uint8_t *b, unsigned len)
{
	unsigned i = 0;

	while (i < len && ((b[i] & 0xf0) == 0x40 || b[i] == 0x66 || b[i] == 0x67 ||
			   b[i] == 0xf0 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x2e ||
			   b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x36 || b[i] == 0x64 || b[i] == 0x65))
		i++;
	if (i < len && is_relative_branch(b[i], false))
		b[i] = 0x90;
	else if (i + 1 < len && b[i] == 0x0f && is_relative_branch(b[i + 1], true))
		b[i] = b[i + 1] = 0x90;
}

/*
 * Random bytes decode as several instructions: any of them may branch back.
 * Every byte that could be such an opcode becomes a NOP.
 */
static void defuse_all_branches(uint8_t *b, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		if (is_relative_branch(b[i], false))
			b[i] = 0x90;
		else if (i + 1 < len && b[i] == 0x0f && is_relative_branch(b[i + 1], true))
			b[i + 1] = 0x90;
	}
}

/* The instruction bytes of one operation; returns their length. */
static unsigned make_bytes(struct rng *r, uint8_t *b)
{
	static const uint8_t prefixes[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26,
					    0x36, 0x64, 0x65, 0x48, 0x41, 0x4c };
	unsigned kind = (unsigned)rng_below(r, 4), len;
	struct emul_form f;

	if (kind == 3) {
		len = 1 + (unsigned)rng_below(r, 15);
		for (unsigned i = 0; i < len; i++)
			b[i] = (uint8_t)rng_next(r);
		defuse_all_branches(b, len);
		return len;
	}
	f = forms[rng_below(r, nforms)];
	form_randomize(&f);
	form_place(&f, USER_MMIO_LA + TEST_MMIO_SCRATCH, USER_MMIO_LA + TEST_MMIO_SCRATCH,
		   USER_CODE_LA);
	len = f.len;
	memcpy(b, f.b, len);
	if (kind == 2 && rng_one_in(r, 2) && len < 15) {
		memmove(b + 1, b, len++);
		b[0] = prefixes[rng_below(r, sizeof(prefixes))];
	} else if (kind == 2) {
		b[rng_below(r, len)] ^= (uint8_t)(1u << rng_below(r, 8));
	}
	if (kind == 2)
		defuse_all_branches(b, len);
	return len;
}

static enum fuzz_outcome run(struct rng *r, bool trace)
{
	uint8_t b[16];
	unsigned len, canary_reg;
	struct native_state s;
	struct exception_frame f;
	uint64_t before, exits;
	char hex[40];

	form_seed(rng_next(r) | 1);
	len = make_bytes(r, b);
	defuse_branches(b, len);
	form_state(&s, USER_MMIO_LA + TEST_MMIO_SCRATCH);
	s.gpr[4] = USER_MMIO_LA + TEST_MMIO_SCRATCH + rng_below(r, 0x800); /* RSP */
	canary_reg = (unsigned)rng_below(r, 32);
	if (canary_reg < 16 && canary_reg != 4)
		s.gpr[canary_reg] = (uint64_t)(uintptr_t)canary + rng_below(r, 0x800);
	if (trace) {
		for (unsigned i = 0; i < len; i++)
			hv_snprintf(hex + 2 * i, 3, "%02x", b[i]);
		fuzz_trace("bytes=%s canary_reg=%u", hex, canary_reg < 16 ? canary_reg : 99);
	}
	memset(user_code_page, 0xcc, sizeof(user_code_page));
	memset(user_code_page, 0x90, SLOT);
	memcpy(user_code_page, b, len);
	user_code_page[SLOT] = 0x0f; /* UD2: the bytes completed */
	user_code_page[SLOT + 1] = 0x0b;
	user_mode_enter_tables();
	before = vmcall(HC_EXIT_COUNT, 0, 0, 0).rbx;
	user_mode_run(s.gpr, s.rflags, &f);
	exits = vmcall(HC_EXIT_COUNT, 0, 0, 0).rbx - before - 1;
	if (canary[0] != CANARY_BYTE || memcmp(canary, canary + 1, sizeof(canary) - 1)) {
		n_canary++;
		guest_mline("fuzz-mmio-canary", "reason=\"a supervisor page changed under CPL 3\"");
		memset(canary, CANARY_BYTE, sizeof(canary));
		return FUZZ_ERROR;
	}
	if (f.vector == 6 && f.rip == USER_CODE_LA + SLOT) {
		exits ? n_emulated++ : n_native++;
		return FUZZ_OK;
	}
	(exits ? fault_after_exit : fault_native)[f.vector % NVECTORS]++;
	return FUZZ_FAULT;
}

static void report(void)
{
	guest_mline("fuzz-mmio", "native=%lu emulated=%lu canary_changed=%lu", n_native, n_emulated,
		    n_canary);
	for (unsigned v = 0; v < NVECTORS; v++)
		if (fault_native[v] | fault_after_exit[v])
			guest_mline("fuzz-mmio-fault", "vector=%u native=%lu after_exit=%lu", v,
				    fault_native[v], fault_after_exit[v]);
}

const struct fuzz_op fuzz_op_mmio = { .name = "mmio", .only_named = true, .init = init,
				      .run = run, .report = report };
