/*
 * fuzz.h - the fuzzing test guest: a seeded generator and a table of
 * operation kinds, each of which makes one random privileged access the
 * hypervisor must survive (a hypercall, an MSR, a port, a control register)
 * and says how it ended. A new kind (virtual-VMCS fields + VMLAUNCH, an
 * instruction stream against emulated MMIO) is one more file defining a
 * struct fuzz_op and one row in fuzz.c's table.
 */
#ifndef GUESTS_FUZZ_FUZZ_H
#define GUESTS_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

/* xorshift64* (Vigna): fast, and the whole run follows from the seed. */
struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* A number in [0, n), n > 0 (the modulo bias is irrelevant here). */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* True with probability 1/n. */
static inline bool rng_one_in(struct rng *r, uint64_t n)
{
	return rng_below(r, n) == 0;
}

/* How one operation ended. */
enum fuzz_outcome {
	FUZZ_OK,     /* it completed */
	FUZZ_FAULT,  /* it raised an exception the guest expected (#GP, #UD) */
	FUZZ_ERROR,  /* it completed with an error result (a hypercall's HC_ERR_*) */
	FUZZ_OUTCOMES
};

struct fuzz_op {
	const char *name;
	/* Run only when ops= names it (it needs boot options the others do not). */
	bool only_named;
	/* Prepares the kind once; false: leave it out, 'why' says why. NULL: nothing to do. */
	bool (*init)(const char **why);
	/*
	 * One random operation from 'r'; draws never depend on outcomes, so the
	 * run follows from the seed. With 'trace' it calls fuzz_trace() before
	 * the access, so the line is out even if the access never returns.
	 */
	enum fuzz_outcome (*run)(struct rng *r, bool trace);
	/* Prints the kind's own counters at the end of a run; NULL: none. */
	void (*report)(void);
};

/* Prints "@guest fuzz-trace iter=N op=NAME " and the operation's parameters. */
void fuzz_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

extern const struct fuzz_op fuzz_op_hypercall, fuzz_op_msr, fuzz_op_io, fuzz_op_cr, fuzz_op_vmcs,
	fuzz_op_mmio;

#endif
