/*
 * test_format.c - hv_snprintf against the host's snprintf over tables of
 * formats and values, plus truncation and our own NULL / malformed cases.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "lib/format.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Formats the arguments with both implementations and compares the results. */
static void check_same(const char *fmt, ...)
{
	char want[160], got[160];
	va_list ap, aq;
	int want_n, got_n;

	va_start(ap, fmt);
	va_copy(aq, ap);
	want_n = vsnprintf(want, sizeof(want), fmt, ap);
	got_n = hv_vsnprintf(got, sizeof(got), fmt, aq);
	va_end(aq);
	va_end(ap);
	if (got_n != want_n || strcmp(got, want))
		fprintf(stderr, "  format \"%s\"\n", fmt);
	CHECK_EQ(got_n, want_n);
	CHECK_STR(got, want);
}

/* For cases where the host differs or the behaviour is undefined in C. */
static void check_ours(const char *want, const char *fmt, ...)
{
	char got[64];
	va_list ap;
	int got_n;

	va_start(ap, fmt);
	got_n = hv_vsnprintf(got, sizeof(got), fmt, ap);
	va_end(ap);
	CHECK_EQ(got_n, strlen(want));
	CHECK_STR(got, want);
}

static const char *const int_fmts[] = {
	"%d", "%i", "%5d", "%-5d|", "%05d", "%-05d|", "%+d", "% d", "%+ d", "%+05d",
	"% 05d", "%.3d", "%.0d", "%5.0d|", "%+.0d", "%8.3d", "%-+8.3d|", "%08.3d",
	"%hhd", "%hd", "%hhu", "%hu", "%hhx", "%u", "%+u", "% u", "%x", "%X", "%#x",
	"%#X", "%#8x", "%-#8x|", "%#08x", "%.0x", "%#.0x", "%#.6x", "%o", "%#o",
	"%#.0o", "%.0o", "%#.3o", "%#5o", "%#05o", "%c|", "%3c", "%-3c|",
};
static const int int_vals[] = {
	0, 1, -1, 7, 8, 42, -42, 65, 255, 256, 4096, 70000, -70000, INT_MAX, INT_MIN,
};

static const char *const ll_fmts[] = {
	"%lld", "%lli", "%llu", "%llx", "%llX", "%llo", "%#llx", "%#llo", "%+lld",
	"% lld", "%25lld|", "%-25lld|", "%025lld", "%.22lld", "%ld", "%lu", "%lx",
	"%zu", "%zx", "%zd", "%jd", "%ju", "%td",
};
static const long long ll_vals[] = {
	0, 1, -1, 0x123456789abcdefLL, -1000000000000LL, INT64_MAX, INT64_MIN,
	(long long)UINT32_MAX + 1,
};

static void test_int_tables(void)
{
	for (size_t f = 0; f < ARRAY_SIZE(int_fmts); f++)
		for (size_t v = 0; v < ARRAY_SIZE(int_vals); v++)
			check_same(int_fmts[f], int_vals[v]);
	for (size_t f = 0; f < ARRAY_SIZE(ll_fmts); f++)
		for (size_t v = 0; v < ARRAY_SIZE(ll_vals); v++)
			check_same(ll_fmts[f], ll_vals[v]);
	check_same("%llu %llx %llo", (unsigned long long)UINT64_MAX,
		   (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX);
	check_same("%zu", SIZE_MAX);
}

/* '*' takes width and precision from the arguments; spare ones are ignored. */
static void test_star(void)
{
	static const struct {
		const char *fmt;
		int a, b, c;
	} t[] = {
		{ "%*d|", 6, 42, 0 },     { "%*d|", -6, 42, 0 },   { "%-*d|", 6, -42, 0 },
		{ "%0*d", 6, -42, 0 },    { "%*d|", 0, 42, 0 },    { "%.*d", 5, 42, 0 },
		{ "%.*d", 0, 0, 0 },      { "%.*d", -3, 42, 0 },   { "%.*x", 0, 0, 0 },
		{ "%*.*d|", 8, 4, -42 },  { "%*.*d|", -8, 4, 42 }, { "%0*.*d", 8, -1, 42 },
		{ "%*d%*d", 3, 1, 4 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		check_same(t[i].fmt, t[i].a, t[i].b, t[i].c);
	check_same("%*d%*d", 3, 1, 4, 2);
	check_same("%.*s|%*s|%-*s|", 2, "abcdef", 5, "ab", 5, "ab");
	check_same("%.*s|", -1, "abc");
}

static void test_strings_and_pointers(void)
{
	static const char *const str_fmts[] = {
		"%s|", "%10s|", "%-10s|", "%.3s|", "%.0s|", "%10.2s|", "%-10.2s|", "%.20s|",
	};
	static const char *const strs[] = { "", "a", "abc", "hello world" };
	int x;
	void *const ptrs[] = { &x, (void *)0x1000, (void *)UINTPTR_MAX };

	for (size_t f = 0; f < ARRAY_SIZE(str_fmts); f++)
		for (size_t s = 0; s < ARRAY_SIZE(strs); s++)
			check_same(str_fmts[f], strs[s]);
	for (size_t p = 0; p < ARRAY_SIZE(ptrs); p++) {
		check_same("%p", ptrs[p]);
		check_same("%24p|", ptrs[p]);
		check_same("%-24p|", ptrs[p]);
	}
	check_same("100%% %%d %c%c%s", 'o', 'k', "");
	check_same("%s=%d,%s=%#x", "a", -1, "b", 255u);
	check_ours("(null)", "%s", (const char *)NULL);
	check_ours("  (null)|", "%8s|", (const char *)NULL);
}

/* Malformed formats: ours stops at a lone '%' and echoes unknown ones. */
static void test_malformed(void)
{
	static const char *const fmt[] = { "abc%", "%-5", "a%yb", "%5k|", "%" };
	static const char *const want[] = { "abc", "", "a%yb", "%k|", "" };

	for (size_t i = 0; i < ARRAY_SIZE(fmt); i++)
		check_ours(want[i], fmt[i], 0);
}

/* Every buffer size from 0 to past the end: same bytes as the host, canary kept. */
static void check_truncation(const char *fmt, ...)
{
	char full[64];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(full, sizeof(full), fmt, ap);
	va_end(ap);
	for (size_t size = 0; size <= (size_t)len + 2; size++) {
		char want[64], got[64];
		int got_n;

		memset(want, 'X', sizeof(want));
		memset(got, 'X', sizeof(got));
		va_start(ap, fmt);
		vsnprintf(want, size, fmt, ap);
		va_end(ap);
		va_start(ap, fmt);
		got_n = hv_vsnprintf(got, size, fmt, ap);
		va_end(ap);
		CHECK_EQ(got_n, len);
		CHECK(!memcmp(got, want, sizeof(got)));
	}
}

static void test_truncation(void)
{
	char buf[16];

	check_truncation("%s-%d", "hello", 42);
	check_truncation("%08x|%-6s|%+d", 0xbeefu, "ab", 7);
	CHECK_EQ(hv_snprintf(NULL, 0, "%s-%d", "hello", 42), 8);

	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(hv_snprintf(buf, 0, "%s-%d", "hello", 42), 8);
	CHECK_EQ(buf[0], 'X');
	CHECK_EQ(hv_snprintf(buf, 1, "%s-%d", "hello", 42), 8);
	CHECK_STR(buf, "");
	CHECK_EQ(hv_snprintf(buf, 8, "%s-%d", "hello", 42), 8); /* one short */
	CHECK_STR(buf, "hello-4");
	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(hv_snprintf(buf, 9, "%s-%d", "hello", 42), 8); /* exact fit */
	CHECK_STR(buf, "hello-42");
	CHECK_EQ(buf[9], 'X');
}

int main(void)
{
	test_int_tables();
	test_star();
	test_strings_and_pointers();
	test_malformed();
	test_truncation();
	return check_report("format");
}
