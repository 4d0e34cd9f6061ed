/*
 * irq/policy.h - the per-CPU interrupt-interception policy, from the boot
 * option irq=<cpu>:direct|intercept,... (DESIGN.md section 3).
 *
 * direct: external-interrupt exiting off; the CPU's interrupts go straight
 * through L2's IDT, no VM exit. intercept: every external interrupt exits;
 * the hypervisor acknowledges it (VM-exit control "acknowledge interrupt on
 * exit"), handles its own vectors and queues L2's as virtual interrupts.
 * Pure logic: it also builds hosted, for tests/unit/test_irq_policy.c.
 */
#ifndef HV_IRQ_POLICY_H
#define HV_IRQ_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IRQ_POLICY_MAX_CPUS 64

struct irq_policy {
	uint64_t intercept; /* a bit per CPU index: 1 intercept, 0 direct */
	uint64_t named;     /* the CPUs the text names by number, checked against those that exist */
};

/*
 * Parses TEXT: comma-separated items "<cpu>:direct", "<cpu>:intercept",
 * "all:<word>" or a bare word (= all); later items win, so
 * "intercept,0:direct" intercepts everywhere but CPU 0. The empty text is
 * the default: direct everywhere. On error returns false with ERR set to a
 * sentence naming the bad item.
 */
bool irq_policy_parse(const char *text, struct irq_policy *p, char *err, size_t err_size);

/* The policy in effect: irq= parsed at boot (options.c). */
extern struct irq_policy irq_policy;
/* False, with ERR set, if TEXT named a CPU at or above NCPUS. */
bool irq_policy_check_cpus(const struct irq_policy *p, unsigned ncpus, char *err, size_t err_size);

static inline bool irq_policy_intercepts(const struct irq_policy *p, unsigned cpu)
{
	return cpu < IRQ_POLICY_MAX_CPUS && (p->intercept >> cpu & 1);
}

/* "0:direct,1:intercept" for the first NCPUS CPUs, into BUF. */
void irq_policy_format(const struct irq_policy *p, unsigned ncpus, char *buf, size_t size);

#endif
