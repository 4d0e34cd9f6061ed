/*
 * shadow_format.c - the names of the guest paging formats of
 * shadow_format.h (its arithmetic is inline there).
 */
#include "mmu/shadow_format.h"

const char *shadow_format_name(enum shadow_format f)
{
	return f == SHADOW_FMT_LONG ? "4-level" : f == SHADOW_FMT_PAE ? "pae" : "32-bit";
}
