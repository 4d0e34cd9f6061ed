/*
 * cs_libc.c - the C library routines Capstone calls that hv/lib lacks
 * (its headers are hv/emul/cs_libc/, included here for the prototypes;
 * snprintf and vsnprintf are hv/lib/format.c's, by name).
 */
#include <assert.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panic.h"

char *strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

char *strncpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = 0;
	return dst;
}

int tolower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int toupper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Insertion sort: Capstone sorts one table of a few hundred entries, once. */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *b = base;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--)
			for (size_t k = 0; k < size; k++) {
				char t = b[(j - 1) * size + k];

				b[(j - 1) * size + k] = b[j * size + k];
				b[j * size + k] = t;
			}
}

void cs_assert_failed(const char *expr, const char *file, int line)
{
	panic("Capstone assertion failed: %s (%s:%d)", expr, file, line);
}
