/*
 * test_irq_policy.c - irq=: every accepted form, order of items, and the
 * errors for a bad CPU number, a bad word, an empty item, a missing CPU.
 */
#include "check.h"
#include "irq/policy.h"

static struct irq_policy parse_ok(const char *text)
{
	struct irq_policy p;
	char err[160] = "";

	if (!irq_policy_parse(text, &p, err, sizeof(err)))
		fprintf(stderr, "unexpected error for '%s': %s\n", text, err), check_failures++;
	return p;
}

static void parse_bad(const char *text, const char *want)
{
	struct irq_policy p;
	char err[160] = "";

	CHECK(!irq_policy_parse(text, &p, err, sizeof(err)));
	if (!strstr(err, want))
		fprintf(stderr, "'%s': error '%s' lacks '%s'\n", text, err, want), check_failures++;
}

int main(void)
{
	struct irq_policy p;
	char buf[160], err[160];

	p = parse_ok("");
	CHECK_EQ(p.intercept, 0);
	CHECK_EQ(p.named, 0);
	p = parse_ok("0:direct,1:intercept");
	CHECK(!irq_policy_intercepts(&p, 0) && irq_policy_intercepts(&p, 1));
	CHECK_EQ(p.named, 3);
	p = parse_ok("intercept");
	CHECK_EQ(p.intercept, ~0ull);
	CHECK_EQ(p.named, 0);
	p = parse_ok("all:intercept,0:direct");
	CHECK_EQ(p.intercept, ~1ull);
	p = parse_ok("3:intercept,3:direct,63:intercept");
	CHECK_EQ(p.intercept, 1ull << 63);
	CHECK(!irq_policy_intercepts(&p, 64));
	p = parse_ok("direct");
	CHECK_EQ(p.intercept, 0);

	parse_bad("64:direct", "bad CPU number in '64:direct'");
	parse_bad("x:direct", "bad CPU number in 'x:direct'");
	parse_bad(":direct", "bad CPU number");
	parse_bad("100:direct", "bad CPU number");
	parse_bad("0:direct,1:maybe", "neither direct nor intercept in '1:maybe'");
	parse_bad("0:", "neither direct nor intercept");
	parse_bad("0:direct,", "an empty item");
	parse_bad("0:directly", "neither direct nor intercept");

	p = parse_ok("0:direct,3:intercept");
	CHECK(!irq_policy_check_cpus(&p, 2, err, sizeof(err)));
	CHECK_STR(err, "irq=: CPU 3 does not exist (this machine has 2: 0-1)");
	CHECK(irq_policy_check_cpus(&p, 4, err, sizeof(err)));
	p = parse_ok("intercept");
	CHECK(irq_policy_check_cpus(&p, 1, err, sizeof(err))); /* "all" names no CPU */

	p = parse_ok("1:intercept");
	irq_policy_format(&p, 3, buf, sizeof(buf));
	CHECK_STR(buf, "0:direct,1:intercept,2:direct");
	return check_failures ? 1 : 0;
}
