/*
 * check.h - the host unit tests' assertion macros.
 * Each failed CHECK prints file:line and the expression, and the test exits 1
 * at the end; CHECK_EQ also prints both values.
 */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * The file at 'rel' (relative to the repository root, found from this
 * header's own path) read whole into malloc'd memory, or NULL if absent.
 */
static inline uint8_t *read_tree_file(const char *rel, size_t *len)
{
	const char *tail = strstr(__FILE__, "tests/unit/");
	char path[4096];
	uint8_t *buf = NULL;
	FILE *f;

	*len = 0;
	snprintf(path, sizeof(path), "%.*s%s", tail ? (int)(tail - __FILE__) : 0, __FILE__, rel);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	while (!feof(f) && !ferror(f)) {
		buf = realloc(buf, *len + 65536);
		*len += fread(buf + *len, 1, 65536, f);
	}
	fclose(f);
	return buf;
}

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
