/*
 * check.h - the host unit tests' assertion macros.
 * Each failed CHECK prints file:line and the expression, and the test exits 1
 * at the end; CHECK_EQ also prints both values.
 */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(expr)                                                          \
	do {                                                                 \
		if (!(expr)) {                                               \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",          \
				__FILE__, __LINE__, #expr);                  \
			check_failures++;                                    \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);  \
		if (check_a_ != check_b_) {                                  \
			fprintf(stderr,                                      \
				"%s:%d: CHECK_EQ failed: %s == %s "           \
				"(0x%" PRIx64 " != 0x%" PRIx64 ")\n",          \
				__FILE__, __LINE__, #a, #b, check_a_,        \
				check_b_);                                   \
			check_failures++;                                    \
		}                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *check_a_ = (a), *check_b_ = (b);                 \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) {   \
			fprintf(stderr,                                      \
				"%s:%d: CHECK_STR failed: %s == %s "          \
				"(\"%s\" != \"%s\")\n",                        \
				__FILE__, __LINE__, #a, #b,                  \
				check_a_ ? check_a_ : "(null)",              \
				check_b_ ? check_b_ : "(null)");             \
			check_failures++;                                    \
		}                                                            \
	} while (0)

/* Ends main(): prints a summary and gives ctest the exit status. */
static inline int check_report(const char *name)
{
	if (check_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
		return 1;
	}
	printf("%s: all checks passed\n", name);
	return 0;
}

#endif
