/*
 * test_cmdline.c - cmdline_parse over tables of good and bad lines against a
 * test option table, and cmdline_error_format's text at every buffer size.
 */
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "cmdline.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct opts {
	bool verbose, serial;
	uint64_t mem, cpus, vectors;
	unsigned mode;
	char name[CMDLINE_STR_MAX];
};

enum { O_VERBOSE, O_SERIAL, O_MEM, O_CPUS, O_MODE, O_NAME, O_VECTORS };

static const char *const modes[] = { "off", "trap", "emulate", NULL };

static const struct opt_def defs[] = {
	[O_VERBOSE] = { "verbose", OPT_BOOL, offsetof(struct opts, verbose), NULL, 0, 0, "" },
	[O_SERIAL] = { "serial", OPT_BOOL, offsetof(struct opts, serial), NULL, 0, 0, "" },
	[O_MEM] = { "mem", OPT_UINT, offsetof(struct opts, mem), NULL, 0, UINT64_MAX, "" },
	[O_CPUS] = { "cpus", OPT_UINT, offsetof(struct opts, cpus), NULL, 1, 64, "" },
	[O_MODE] = { "mode", OPT_ENUM, offsetof(struct opts, mode), modes, 0, 0, "" },
	[O_NAME] = { "name", OPT_STR, offsetof(struct opts, name), NULL, 0, 0, "" },
	[O_VECTORS] = { "vectors", OPT_SET, offsetof(struct opts, vectors), NULL, 1, 31, "" },
};

/* Options before parsing, with the fields listed overridden. */
#define OPTS(...) { .serial = true, .mem = 7, .cpus = 4, .mode = 1, .name = "dflt", \
		    .vectors = 1u << 5, __VA_ARGS__ }

static const struct opts defaults = OPTS();

#define A40 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG_NAME A40 "bbbbbbbbbbbbbbbbbbbbbbb" /* 63 chars: the most OPT_STR holds */

static void check_opts(const struct opts *got, const struct opts *want)
{
	CHECK_EQ(got->verbose, want->verbose);
	CHECK_EQ(got->serial, want->serial);
	CHECK_EQ(got->mem, want->mem);
	CHECK_EQ(got->cpus, want->cpus);
	CHECK_EQ(got->mode, want->mode);
	CHECK_STR(got->name, want->name);
	CHECK_EQ(got->vectors, want->vectors);
}

static int parse(const char *line, struct opts *o, struct cmdline_error *errs, size_t max)
{
	*o = defaults;
	return cmdline_parse(line, defs, ARRAY_SIZE(defs), o, errs, max);
}

/* The token an error keeps: the text, cut to CMDLINE_TOKEN_MAX - 1 chars. */
static void check_token(const char *token, const char *text)
{
	size_t len = strlen(text) < CMDLINE_TOKEN_MAX - 1 ? strlen(text) : CMDLINE_TOKEN_MAX - 1;

	CHECK_EQ(strlen(token), len);
	CHECK(!strncmp(token, text, len));
}

/* Lines that parse cleanly into the expected options. */
static void test_good_lines(void)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init" /* OPTS() overrides defaults */
	static const struct {
		const char *line;
		struct opts want;
	} t[] = {
		{ "", OPTS() },
		{ " \t\r\n  ", OPTS() },
		{ "verbose", OPTS(.verbose = true) },
		{ "serial=off verbose=on", OPTS(.verbose = true, .serial = false) },
		{ "serial=no verbose=yes", OPTS(.verbose = true, .serial = false) },
		{ "serial=false verbose=true", OPTS(.verbose = true, .serial = false) },
		{ "serial=0 verbose=1", OPTS(.verbose = true, .serial = false) },
		{ "mem=123456789 cpus=64", OPTS(.mem = 123456789, .cpus = 64) },
		{ "mem=0x1fF cpus=0X1", OPTS(.mem = 0x1ff, .cpus = 1) },
		{ "mem=0", OPTS(.mem = 0) },
		{ "mem=18446744073709551615", OPTS(.mem = UINT64_MAX) },
		{ "mem=0xFFFFFFFFFFFFFFFF", OPTS(.mem = UINT64_MAX) },
		{ "mem=0x0000000000000000010", OPTS(.mem = 16) },
		{ "mode=off", OPTS(.mode = 0) },
		{ "mode=emulate", OPTS(.mode = 2) },
		{ "name=\"hello  world\" mode=trap", OPTS(.mode = 1, .name = "hello  world") },
		{ "name=a=b", OPTS(.name = "a=b") },
		{ "name=", OPTS(.name = "") },
		{ "name=\"\"", OPTS(.name = "") },
		{ "name=" LONG_NAME, OPTS(.name = LONG_NAME) },
		{ "vectors=3", OPTS(.vectors = 1u << 3) },
		{ "vectors=1,14,0x1f", OPTS(.vectors = 1u << 1 | 1u << 14 | 1u << 31) },
		{ "vectors=3,3", OPTS(.vectors = 1u << 3) },
		{ "vectors=none", OPTS(.vectors = 0) },
		{ "\tverbose\nmode=off\r\nname=x\t",
		  OPTS(.verbose = true, .mode = 0, .name = "x") },
	};
#pragma GCC diagnostic pop

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct opts o;
		int n = parse(t[i].line, &o, NULL, 0);

		if (n)
			fprintf(stderr, "  line \"%s\"\n", t[i].line);
		CHECK_EQ(n, 0);
		check_opts(&o, &t[i].want);
	}
	CHECK_EQ(cmdline_parse(NULL, defs, ARRAY_SIZE(defs), NULL, NULL, 0), 0);
}

/* Lines with exactly one error; the options must keep their defaults. */
static void test_each_error(void)
{
	static const struct {
		const char *line;
		enum cmdline_error_kind kind;
		int opt;
	} t[] = {
		{ "bogus", CMDLINE_ERR_UNKNOWN, -1 },
		{ "bogus=1", CMDLINE_ERR_UNKNOWN, -1 },
		{ "=1", CMDLINE_ERR_UNKNOWN, -1 },
		{ "verbos", CMDLINE_ERR_UNKNOWN, -1 },
		{ "verbosex=1", CMDLINE_ERR_UNKNOWN, -1 },
		{ "\"mem\"=1", CMDLINE_ERR_UNKNOWN, -1 },
		{ "mem", CMDLINE_ERR_NO_VALUE, O_MEM },
		{ "mode", CMDLINE_ERR_NO_VALUE, O_MODE },
		{ "name", CMDLINE_ERR_NO_VALUE, O_NAME },
		{ "verbose=maybe", CMDLINE_ERR_BAD_VALUE, O_VERBOSE },
		{ "verbose=", CMDLINE_ERR_BAD_VALUE, O_VERBOSE },
		{ "serial=onn", CMDLINE_ERR_BAD_VALUE, O_SERIAL },
		{ "mode=fast", CMDLINE_ERR_BAD_VALUE, O_MODE },
		{ "mode=tra", CMDLINE_ERR_BAD_VALUE, O_MODE },
		{ "mode=", CMDLINE_ERR_BAD_VALUE, O_MODE },
		{ "mem=12x", CMDLINE_ERR_BAD_VALUE, O_MEM },
		{ "mem=0x", CMDLINE_ERR_BAD_VALUE, O_MEM },
		{ "mem=0xg", CMDLINE_ERR_BAD_VALUE, O_MEM },
		{ "mem=", CMDLINE_ERR_BAD_VALUE, O_MEM },
		{ "mem=-1", CMDLINE_ERR_BAD_VALUE, O_MEM },
		{ "mem=+1", CMDLINE_ERR_BAD_VALUE, O_MEM },
		{ "mem=1a", CMDLINE_ERR_BAD_VALUE, O_MEM },
		{ "mem=18446744073709551616", CMDLINE_ERR_BAD_VALUE, O_MEM },
		{ "mem=0x10000000000000000", CMDLINE_ERR_BAD_VALUE, O_MEM },
		{ "mem=99999999999999999999", CMDLINE_ERR_BAD_VALUE, O_MEM },
		{ "vectors=", CMDLINE_ERR_BAD_VALUE, O_VECTORS },
		{ "vectors=3,", CMDLINE_ERR_BAD_VALUE, O_VECTORS },
		{ "vectors=,3", CMDLINE_ERR_BAD_VALUE, O_VECTORS },
		{ "vectors=3;4", CMDLINE_ERR_BAD_VALUE, O_VECTORS },
		{ "vectors=nonE", CMDLINE_ERR_BAD_VALUE, O_VECTORS },
		{ "vectors=0", CMDLINE_ERR_RANGE, O_VECTORS },
		{ "vectors=3,32", CMDLINE_ERR_RANGE, O_VECTORS },
		{ "vectors", CMDLINE_ERR_NO_VALUE, O_VECTORS },
		{ "cpus=0", CMDLINE_ERR_RANGE, O_CPUS },
		{ "cpus=65", CMDLINE_ERR_RANGE, O_CPUS },
		{ "cpus=0xffffffffffffffff", CMDLINE_ERR_RANGE, O_CPUS },
		{ "name=" LONG_NAME "c", CMDLINE_ERR_TOO_LONG, O_NAME },
		{ "name=\"abc", CMDLINE_ERR_QUOTE, -1 },
		{ "name=\"a b", CMDLINE_ERR_QUOTE, -1 },
		{ "name=a\"b", CMDLINE_ERR_QUOTE, -1 },
		{ "\"", CMDLINE_ERR_QUOTE, -1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct cmdline_error e[2] = { [1] = { .opt = 99 } };
		struct opts o;
		int n = parse(t[i].line, &o, e, 2);

		if (n != 1)
			fprintf(stderr, "  line \"%s\"\n", t[i].line);
		CHECK_EQ(n, 1);
		CHECK_EQ(e[0].kind, t[i].kind);
		CHECK_EQ(e[0].opt, t[i].opt);
		check_token(e[0].token, t[i].line);
		CHECK_EQ(e[1].opt, 99);
		check_opts(&o, &defaults);
	}
}

static void test_duplicates_and_quotes(void)
{
	struct cmdline_error e[2];
	struct opts o;

	CHECK_EQ(parse("mem=1 mem=2", &o, e, 2), 1);
	CHECK_EQ(e[0].kind, CMDLINE_ERR_DUPLICATE);
	CHECK_EQ(e[0].opt, O_MEM);
	CHECK_STR(e[0].token, "mem=2");
	CHECK_EQ(o.mem, 1);
	CHECK_EQ(parse("verbose verbose=off", &o, e, 2), 1);
	CHECK_EQ(e[0].kind, CMDLINE_ERR_DUPLICATE);
	CHECK_EQ(o.verbose, true);
	/* an open quote swallows the rest of the line, which is not parsed */
	CHECK_EQ(parse("verbose name=\"x mem=1", &o, e, 2), 1);
	CHECK_EQ(e[0].kind, CMDLINE_ERR_QUOTE);
	CHECK_STR(e[0].token, "name=\"x mem=1");
	CHECK_EQ(o.verbose, true);
	CHECK_EQ(o.mem, defaults.mem);
}

static void test_many_errors(void)
{
	static const char line[] = "bogus mem=12x verbose cpus=0 verbose=maybe mode";
	struct cmdline_error e[3] = { [2] = { .opt = 99 } };
	struct opts o;

	CHECK_EQ(parse(line, &o, e, 2), 5);
	CHECK_EQ(e[0].kind, CMDLINE_ERR_UNKNOWN);
	CHECK_STR(e[0].token, "bogus");
	CHECK_EQ(e[1].kind, CMDLINE_ERR_BAD_VALUE);
	CHECK_STR(e[1].token, "mem=12x");
	CHECK_EQ(e[2].opt, 99);
	CHECK_EQ(o.verbose, true);
	CHECK_EQ(parse(line, &o, NULL, 0), 5);
	CHECK_EQ(parse(line, &o, e, 3), 5);
	CHECK_EQ(e[2].kind, CMDLINE_ERR_RANGE);
	CHECK_EQ(e[2].opt, O_CPUS);
}

/* Tokens longer than CMDLINE_TOKEN_MAX - 1 are cut, never overflowed. */
static void test_long_tokens(void)
{
	static const char *const lines[] = {
		A40 "1234567",		/* 47: fits exactly */
		A40 "12345678",		/* 48: cut by one */
		A40 A40 A40 "=" A40,	/* far too long */
		"name=" LONG_NAME LONG_NAME,
	};
	struct cmdline_error e[2] = { [1] = { .opt = 99 } };
	struct opts o;

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		CHECK_EQ(parse(lines[i], &o, e, 1), 1);
		check_token(e[0].token, lines[i]);
		CHECK_EQ(e[1].opt, 99);
	}
}

/* Formats into every size from 0 up: a prefix of 'want', NUL-ended, in bounds. */
static void check_error_text(const char *line, const char *want)
{
	size_t len = strlen(want);
	struct cmdline_error e;
	struct opts o;
	char full[256];

	CHECK_EQ(parse(line, &o, &e, 1), 1);
	cmdline_error_format(&e, defs, ARRAY_SIZE(defs), full, sizeof(full));
	CHECK_STR(full, want);
	for (size_t size = 0; size <= len + 1; size++) {
		char got[256], exp[256];
		size_t keep = size && size - 1 < len ? size - 1 : len;

		memset(got, 'X', sizeof(got));
		memset(exp, 'X', sizeof(exp));
		if (size) {
			memcpy(exp, want, keep);
			exp[keep] = '\0';
		}
		cmdline_error_format(&e, defs, ARRAY_SIZE(defs), got, size);
		if (memcmp(got, exp, sizeof(got)))
			fprintf(stderr, "  \"%s\" at size %zu\n", want, size);
		CHECK(!memcmp(got, exp, sizeof(got)));
	}
}

static void test_error_format(void)
{
	struct cmdline_error e;
	struct opts o;
	char buf[8];

	check_error_text("bogus",
			 "unknown option 'bogus' (known: verbose serial mem cpus mode name vectors)");
	check_error_text("mode=fast",
			 "bad value in 'mode=fast' (expected mode=off|trap|emulate)");
	check_error_text("cpus=65",
			 "value out of range in 'cpus=65' (expected cpus=a number in [1, 64])");
	check_error_text("verbose=x", "bad value in 'verbose=x' (expected verbose=on|off)");
	check_error_text("name=" LONG_NAME "c",
			 "value too long in 'name=" A40 "bb' (expected name=a string of at "
			 "most 63 chars)");
	check_error_text("mem", "missing value in 'mem' (expected mem=a number in [0, "
			 "18446744073709551615])");
	check_error_text("cpus=1 cpus=2", "option given twice: 'cpus=2'");
	check_error_text("vectors=40", "value out of range in 'vectors=40' (expected vectors=none "
			 "or a comma-separated list of numbers in [1, 31])");
	check_error_text("name=\"x", "unterminated quote in 'name=\"x'");

	CHECK_EQ(parse("bogus", &o, &e, 1), 1);
	cmdline_error_format(&e, defs, ARRAY_SIZE(defs), buf, 1);
	CHECK_STR(buf, "");
	cmdline_error_format(&e, defs, ARRAY_SIZE(defs), buf, sizeof(buf));
	CHECK_STR(buf, "unknown");
}

/* An OPT_UINT that also takes "off" (stored as 0), as watchdog= does. */
static void test_uint_off(void)
{
	static const struct opt_def wd[] = {
		{ "wd", OPT_UINT, 0, NULL, 1, 60000, "", .off = true },
	};
	struct cmdline_error err;
	uint64_t v = 5;
	struct opts o;
	char msg[128];

	CHECK_EQ(cmdline_parse("wd=off", wd, 1, &v, &err, 1), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(cmdline_parse("wd=250", wd, 1, &v, &err, 1), 0);
	CHECK_EQ(v, 250);
	CHECK_EQ(cmdline_parse("wd=0", wd, 1, &v, &err, 1), 1);
	CHECK_EQ(err.kind, CMDLINE_ERR_RANGE);
	CHECK_EQ(cmdline_parse("wd=of", wd, 1, &v, &err, 1), 1);
	CHECK_EQ(err.kind, CMDLINE_ERR_BAD_VALUE);
	cmdline_error_format(&err, wd, 1, msg, sizeof(msg));
	CHECK_STR(msg, "bad value in 'wd=of' (expected wd=a number in [1, 60000] or off)");
	CHECK_EQ(parse("mem=off", &o, &err, 1), 1);
	CHECK_EQ(err.kind, CMDLINE_ERR_BAD_VALUE); /* only where the table allows it */
}

int main(void)
{
	test_good_lines();
	test_each_error();
	test_duplicates_and_quotes();
	test_many_errors();
	test_long_tokens();
	test_error_format();
	test_uint_off();
	return check_report("cmdline");
}
