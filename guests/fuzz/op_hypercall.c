/*
 * op_hypercall.c - fuzz kind "hc": VMCALL with a random function and
 * arguments: mostly the defined functions with hostile arguments (HC_LOG of
 * the hypervisor's memory, of no memory, of lengths past the limit), also
 * undefined numbers in every engineer's range and any 64-bit value.
 * Functions that end the run by design (HC_EXIT) are never called. Some
 * functions write or remap the memory they are given (HC_POOL_STATS,
 * HC_SHARED_MAP, ...): every address that would fall into the guest's own
 * RAM goes to one scratch page instead, so the guest never corrupts itself.
 */
#include "fuzz.h"
#include "vmcall.h"

#define HC_RANGES 8 /* 0x000-0x7ff: every range hypercall.h assigns */

static const uint64_t never_call[] = { HC_EXIT };

#define PAGE 4096
#define OWN_RAM_END (1ull << 30) /* every test guest's memory lies below */
#define SCRATCH_USED 256        /* offsets drawn; the rest of the page is slack */

/* The only page of ours a hypercall may be pointed at (HC_LOG's text among others). */
static char scratch[PAGE] __attribute__((aligned(PAGE)));

static uint64_t pick_function(struct rng *r)
{
	static const uint64_t defined[] = {
		HC_VERSION, HC_LOG, HC_EXIT_COUNT, HC_PROBE_CANARY, HC_PROT_REGISTER,
		HC_PROT_SWITCH, HC_PROT_TRAMPOLINE, HC_POOL_INFO, HC_POOL_SHARE, HC_POOL_SWAP_OUT,
		HC_POOL_STATS, HC_SHARED_MAP, HC_SHARED_KICK,
	};

	switch (rng_below(r, 4)) {
	case 0:
	case 1:
		return defined[rng_below(r, sizeof(defined) / sizeof(defined[0]))];
	case 2:
		return rng_below(r, HC_RANGES) * 0x100 + rng_below(r, 0x100);
	default:
		return rng_next(r);
	}
}

/* Ours (the scratch page), the hypervisor's, nobody's, anywhere but the rest of ours. */
static uint64_t pick_address(struct rng *r)
{
	uint64_t own = (uint64_t)(uintptr_t)scratch + rng_below(r, SCRATCH_USED), a;

	switch (rng_below(r, 5)) {
	case 0:
		return own;
	case 1:
		return 0x200000 + rng_below(r, 0x100000); /* the hypervisor's image */
	case 2:
		return (4ull << 30) - rng_below(r, 0x1000); /* under 4 GiB: MMIO, firmware */
	case 3:
		a = rng_below(r, 1ull << 40);
		break;
	default:
		a = rng_next(r);
		break;
	}
	return a >= 0x100000 && a < OWN_RAM_END ? own : a;
}

static bool forbidden(uint64_t fn)
{
	for (unsigned i = 0; i < sizeof(never_call) / sizeof(never_call[0]); i++)
		if (fn == never_call[i])
			return true;
	return false;
}

static enum fuzz_outcome run(struct rng *r, bool trace)
{
	uint64_t fn = pick_function(r), rbx = pick_address(r), rcx, rdx = rng_next(r);
	struct hc_result res;

	/* A valid log line is rare (1 in 64), so the serial log stays readable. */
	rcx = rng_one_in(r, 64) ? rng_below(r, HC_LOG_MAX + 1) : rng_below(r, 1024);
	if (rng_one_in(r, 4))
		rcx = rng_next(r);
	if (fn == HC_LOG && rbx - (uint64_t)(uintptr_t)scratch < PAGE && rcx <= HC_LOG_MAX &&
	    !rng_one_in(r, 64))
		rcx += HC_LOG_MAX + 1;
	scratch[rng_below(r, SCRATCH_USED)] = (char)rng_next(r);
	if (forbidden(fn))
		fn = HC_VERSION;
	if (trace)
		fuzz_trace("rax=%#lx rbx=%#lx rcx=%#lx rdx=%#lx", fn, rbx, rcx, rdx);
	res = vmcall(fn, rbx, rcx, rdx);
	return res.ret == HC_OK ? FUZZ_OK : FUZZ_ERROR;
}

const struct fuzz_op fuzz_op_hypercall = { .name = "hc", .run = run };
