/*
 * copy.h - small copies on the emulation exit path: 8 bytes at a time
 * (hv/lib's memcpy goes a byte at a time, and under Bochs every
 * instruction is a tick of the MMIO exit being measured).
 */
#ifndef HV_EMUL_COPY_H
#define HV_EMUL_COPY_H

#include <stddef.h>

static inline void emul_copy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n >= 8; n -= 8, d += 8, s += 8)
		__builtin_memcpy(d, s, 8);
	for (; n; n--)
		*d++ = *s++;
}

#endif
