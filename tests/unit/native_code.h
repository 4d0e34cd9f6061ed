/*
 * native_code.h - for the tests that run instructions on the host CPU
 * (guests/mmiotest/slot.S): two pages below 2 GiB (the 0x67 forms need
 * 32-bit addresses to work natively), the first executable with slot.S's
 * runner copied in, the second for the data the forms touch.
 */
#ifndef TESTS_UNIT_NATIVE_CODE_H
#define TESTS_UNIT_NATIVE_CODE_H

#define _GNU_SOURCE /* MAP_32BIT, MAP_ANONYMOUS */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "forms.h"

/* The runner's page (the data page follows it), or NULL. */
static inline uint8_t *native_code_map(void)
{
	uint8_t *code = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (code == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	memcpy(code, native_run, (size_t)(native_run_end - native_run));
	return code;
}

#endif
