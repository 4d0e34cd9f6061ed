/*
 * canary.c - the value the probe guest's sweep must never find (canary.h):
 * in a page of the image's data and in every word of one pool page. The
 * value comes from the TSC through a mixing function, so it is not a
 * constant of any binary.
 */
#include "boot_mem.h"
#include "canary.h"
#include "log.h"
#include "x86.h"

#define WORDS (PAGE_SIZE / 8)

static uint64_t data_page[WORDS] __attribute__((aligned(4096)));
static uint64_t value;

/* splitmix64's finalizer: every input bit changes about half the output. */
static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void canary_init(void)
{
	uint64_t *pool_page = (uint64_t *)(uintptr_t)alloc_page_or_panic("canary page");

	value = mix(rdtsc() ^ 0x6e65737465644876ull) | 1; /* never 0 */
	for (unsigned i = 0; i < WORDS; i++)
		data_page[i] = pool_page[i] = value;
	log_mline("canary", "data=%#lx pool=%#lx", (uint64_t)(uintptr_t)data_page,
		  (uint64_t)(uintptr_t)pool_page);
}

uint64_t canary_complement(void)
{
	return ~value;
}

void canary_leak(uint64_t gpa)
{
	*(volatile uint64_t *)(uintptr_t)gpa = value;
	log_warn("inject=canary-leak: the canary written into L2's RAM at %#lx", gpa);
}
