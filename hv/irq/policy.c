/*
 * irq/policy.c - parsing and printing irq=<cpu>:direct|intercept,...
 */
#include "irq/policy.h"
#include "lib/format.h"
#include "lib/string.h"

#define ALL_CPUS (~0ull)

/* "direct" or "intercept" in [s, s+len): the mode into *intercept. */
static bool parse_word(const char *s, size_t len, bool *intercept)
{
	if (len == 6 && !strncmp(s, "direct", 6))
		*intercept = false;
	else if (len == 9 && !strncmp(s, "intercept", 9))
		*intercept = true;
	else
		return false;
	return true;
}

/* A CPU number below IRQ_POLICY_MAX_CPUS, or "all", in [s, s+len): its mask. */
static bool parse_cpu(const char *s, size_t len, uint64_t *mask)
{
	unsigned n = 0;

	if (len == 3 && !strncmp(s, "all", 3)) {
		*mask = ALL_CPUS;
		return true;
	}
	if (len == 0 || len > 2)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (unsigned)(s[i] - '0');
	}
	if (n >= IRQ_POLICY_MAX_CPUS)
		return false;
	*mask = 1ull << n;
	return true;
}

static const char *find_colon(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == ':')
			return s + i;
	return NULL;
}

static bool item_error(char *err, size_t size, const char *what, const char *item, size_t len)
{
	hv_snprintf(err, size, "irq=: %s in '%.*s' (expected <cpu>:direct|intercept, <cpu> "
		    "0-%u or all)", what, (int)len, item, IRQ_POLICY_MAX_CPUS - 1);
	return false;
}

struct irq_policy irq_policy;

bool irq_policy_parse(const char *text, struct irq_policy *p, char *err, size_t err_size)
{
	*p = (struct irq_policy){ 0 };
	while (*text) {
		const char *end = strchr(text, ',');
		size_t len = end ? (size_t)(end - text) : strlen(text);
		const char *colon = find_colon(text, len);
		uint64_t mask = ALL_CPUS;
		bool intercept;
		const char *word = colon ? colon + 1 : text;
		size_t word_len = len - (size_t)(word - text);

		if (colon && !parse_cpu(text, (size_t)(colon - text), &mask))
			return item_error(err, err_size, "bad CPU number", text, len);
		if (!parse_word(word, word_len, &intercept))
			return item_error(err, err_size, "neither direct nor intercept", text, len);
		if (colon && mask != ALL_CPUS)
			p->named |= mask;
		p->intercept = intercept ? p->intercept | mask : p->intercept & ~mask;
		text += len + (end != NULL);
		if (end && !*text)
			return item_error(err, err_size, "an empty item", text - 1, 1);
	}
	return true;
}

bool irq_policy_check_cpus(const struct irq_policy *p, unsigned ncpus, char *err, size_t err_size)
{
	uint64_t beyond = ncpus >= IRQ_POLICY_MAX_CPUS ? 0 : p->named & ~((1ull << ncpus) - 1);

	if (!beyond)
		return true;
	hv_snprintf(err, err_size, "irq=: CPU %d does not exist (this machine has %u: 0-%u)",
		    __builtin_ctzll(beyond), ncpus, ncpus - 1);
	return false;
}

void irq_policy_format(const struct irq_policy *p, unsigned ncpus, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned c = 0; c < ncpus && c < IRQ_POLICY_MAX_CPUS && len < size; c++)
		len += (size_t)hv_snprintf(buf + len, size - len, "%s%u:%s", c ? "," : "", c,
					   irq_policy_intercepts(p, c) ? "intercept" : "direct");
}
