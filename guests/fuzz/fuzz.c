/*
 * fuzz.c - the fuzzing test guest (seed=, iters=, ops=, trace=): runs
 * 'iters' random operations drawn from one seeded generator over the kinds
 * of fuzz.h's table, and prints the seed, the iterations and per kind how
 * many completed, faulted as expected or returned an error. The hypervisor
 * must never panic; an unexpected exception ends the guest with its
 * register dump (guests/lib/trap.c). Any run reproduces from its seed, and
 * trace=N prints every operation from iteration N on, to find the one that
 * broke something.
 */
#include <stdarg.h>
#include <stddef.h>

#include "fuzz.h"
#include "guest.h"
#include "guest_options.h"
#include "lib/format.h"
#include "lib/string.h"
#include "vmcall.h"
#include "x86.h"

#define MAX_ITERS 100000000ull

static const struct fuzz_op *const op_table[] = {
	&fuzz_op_hypercall,
	&fuzz_op_msr,
	&fuzz_op_io,
	&fuzz_op_cr,
	&fuzz_op_vmcs,
	&fuzz_op_mmio,
};

#define NOPS (sizeof(op_table) / sizeof(op_table[0]))

struct fuzz_options {
	uint64_t seed, iters, trace, progress;
	char ops[CMDLINE_STR_MAX]; /* comma-separated kind names; "" = all */
};

static const struct opt_def option_table[] = {
	{ .name = "seed", .type = OPT_UINT, .offset = offsetof(struct fuzz_options, seed),
	  .min = 1, .max = UINT64_MAX, .help = "the generator's seed" },
	{ .name = "iters", .type = OPT_UINT, .offset = offsetof(struct fuzz_options, iters),
	  .min = 0, .max = MAX_ITERS, .help = "operations to run" },
	{ .name = "trace", .type = OPT_UINT, .offset = offsetof(struct fuzz_options, trace),
	  .min = 0, .max = UINT64_MAX, .help = "print every operation from this iteration on" },
	{ .name = "progress", .type = OPT_UINT, .offset = offsetof(struct fuzz_options, progress),
	  .min = 0, .max = UINT64_MAX, .help = "a progress line every N iterations (0: 10 lines)" },
	{ .name = "ops", .type = OPT_STR, .offset = offsetof(struct fuzz_options, ops),
	  .help = "kinds to run, e.g. hc,msr (default: all)" },
};

#define NOPTIONS (sizeof(option_table) / sizeof(option_table[0]))

static uint64_t counts[NOPS][FUZZ_OUTCOMES];
static uint64_t iter;               /* the operation being run, from 1 */
static const struct fuzz_op *current;

void fuzz_trace(const char *fmt, ...)
{
	char text[160];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	guest_mline("fuzz-trace", "iter=%lu op=%s %s", iter, current->name, text);
}

/* Whether kind 'name' is in the comma-separated list (empty: every kind). */
static bool selected(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (!*list)
		return true;
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (comma != NULL);
	}
	return false;
}

/* The kinds to run, from ops= and each kind's init; returns how many. */
static unsigned choose_ops(const char *list, const struct fuzz_op **chosen, char *names,
			   size_t names_len)
{
	unsigned n = 0;
	size_t len = 0;

	for (unsigned i = 0; i < NOPS; i++) {
		const char *why = "";

		if (!selected(list, op_table[i]->name))
			continue;
		if (op_table[i]->only_named && !*list) {
			guest_mline("fuzz-skip", "op=%s reason=\"runs only when ops= names it\"",
				    op_table[i]->name);
			continue;
		}
		if (op_table[i]->init && !op_table[i]->init(&why)) {
			guest_mline("fuzz-skip", "op=%s reason=\"%s\"", op_table[i]->name, why);
			continue;
		}
		chosen[n++] = op_table[i];
		len += (size_t)hv_snprintf(names + len, names_len - len, "%s%s", len ? "," : "",
					   op_table[i]->name);
	}
	return n;
}

/* The table index of 'op', for the counters. */
static unsigned op_index(const struct fuzz_op *op)
{
	unsigned i = 0;

	while (op_table[i] != op)
		i++;
	return i;
}

static void report(const struct fuzz_options *o, uint64_t done, uint64_t ticks)
{
	static const char *const outcome_names[] = { "ok", "fault", "error" };
	uint64_t total[FUZZ_OUTCOMES] = { 0 };

	for (unsigned i = 0; i < NOPS; i++) {
		if (!(counts[i][FUZZ_OK] | counts[i][FUZZ_FAULT] | counts[i][FUZZ_ERROR]))
			continue;
		guest_mline("fuzz-op", "name=%s n=%lu ok=%lu fault=%lu error=%lu", op_table[i]->name,
			    counts[i][FUZZ_OK] + counts[i][FUZZ_FAULT] + counts[i][FUZZ_ERROR],
			    counts[i][FUZZ_OK], counts[i][FUZZ_FAULT], counts[i][FUZZ_ERROR]);
		for (unsigned k = 0; k < FUZZ_OUTCOMES; k++)
			total[k] += counts[i][k];
		if (op_table[i]->report)
			op_table[i]->report();
	}
	guest_mline("fuzz", "seed=%lu iters=%lu done=%lu %s=%lu %s=%lu %s=%lu ticks=%lu", o->seed,
		    o->iters, done, outcome_names[0], total[0], outcome_names[1], total[1],
		    outcome_names[2], total[2], ticks);
}

bool guest_main(const char *cmdline)
{
	struct fuzz_options o = { .seed = 1, .iters = 10000 };
	const struct fuzz_op *chosen[NOPS];
	char names[96] = "";
	struct rng r;
	unsigned n;
	uint64_t start;

	if (!guest_parse_options(cmdline, option_table, NOPTIONS, &o, "fuzz-error"))
		return false;
	if (!hv_present()) {
		guest_mline("fuzz-error", "reason=\"no hypervisor: nothing to fuzz\"");
		return false;
	}
	n = choose_ops(o.ops, chosen, names, sizeof(names));
	if (!n) {
		guest_mline("fuzz-error", "reason=\"no operation kind selected\"");
		return false;
	}
	if (!o.progress)
		o.progress = o.iters / 10 ? o.iters / 10 : 1;
	r.s = o.seed * 0x9e3779b97f4a7c15ull | 1; /* xorshift state must not be 0 */
	guest_mline("fuzz-start", "seed=%lu iters=%lu ops=%s", o.seed, o.iters, names);
	start = rdtsc();
	for (iter = 1; iter <= o.iters; iter++) {
		current = chosen[rng_below(&r, n)];
		counts[op_index(current)][current->run(&r, o.trace && iter >= o.trace)]++;
		if (iter % o.progress == 0)
			guest_mline("fuzz-progress", "iter=%lu", iter);
	}
	report(&o, iter - 1, rdtsc() - start);
	return true;
}
