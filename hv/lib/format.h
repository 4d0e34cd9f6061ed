/*
 * format.h - printf-style formatting for the freestanding images.
 * Supports %d %i %u %x %X %o %p %s %c %% with flags '-' '0' ' ' '+' '#',
 * width, precision (also '*') and the length modifiers hh h l ll z t j.
 */
#ifndef HV_LIB_FORMAT_H
#define HV_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Like C's vsnprintf: returns the length the full output would have. */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
