/*
 * test_heap.c - the decoder's heap: alignment, splitting, merging of freed
 * neighbours in any order, realloc in place and by moving, exhaustion and
 * overflowing calloc, usage accounting, and a random churn that must end
 * with the whole region free again.
 */
#include <stdint.h>

#include "check.h"
#include "emul/heap.h"

static _Alignas(16) uint8_t region[4096];

/* The free list is one block covering the region: nothing leaked or lost. */
static int all_free(const struct heap *h)
{
	const size_t *b = h->free_list;

	return h->used == 0 && (uint8_t *)b == h->base && b[0] == h->size && b[1] == 0;
}

int main(void)
{
	struct heap h;
	void *a, *b, *c, *d, *p[64];
	uint32_t seed = 12345;

	heap_init(&h, region, sizeof(region));
	a = heap_alloc(&h, 1);
	b = heap_alloc(&h, 100);
	c = heap_alloc(&h, 17);
	CHECK(a && b && c);
	CHECK_EQ((uintptr_t)a % 16, 0);
	CHECK_EQ((uintptr_t)b % 16, 0);
	CHECK_EQ((uint8_t *)b - (uint8_t *)a, 32);  /* header + 16 */
	CHECK_EQ((uint8_t *)c - (uint8_t *)b, 128); /* header + 112 */
	CHECK_EQ(h.used, 32 + 128 + 48);
	heap_free(&h, b);
	d = heap_alloc(&h, 90); /* first fit: b's hole */
	CHECK(d == b);
	heap_free(&h, a);
	heap_free(&h, c); /* merges with the tail */
	heap_free(&h, d); /* merges with both sides */
	CHECK(all_free(&h));
	CHECK_EQ(h.peak, 32 + 128 + 48);

	/* realloc: grows in place while the block has room, else moves and copies. */
	a = heap_realloc(&h, NULL, 10);
	memset(a, 0x5a, 10);
	CHECK(heap_realloc(&h, a, 16) == a);
	b = heap_alloc(&h, 16);
	c = heap_realloc(&h, a, 200);
	CHECK(c && c != a && ((uint8_t *)c)[9] == 0x5a);
	CHECK(heap_realloc(&h, c, 0) == NULL);
	heap_free(&h, b);
	CHECK(all_free(&h));

	/* Exhaustion: failures are counted and the heap stays usable. */
	CHECK(heap_alloc(&h, sizeof(region)) == NULL);
	CHECK(heap_alloc(&h, SIZE_MAX) == NULL);
	CHECK(heap_calloc(&h, SIZE_MAX / 2, 4) == NULL);
	CHECK_EQ(h.failures, 3);
	a = heap_calloc(&h, 10, 8);
	CHECK(a && ((uint64_t *)a)[9] == 0);
	b = heap_realloc(&h, a, 8192);
	CHECK(b == NULL);
	heap_free(&h, a);
	CHECK(all_free(&h));

	/* Churn: random sizes, random frees; at the end everything merges back. */
	memset(p, 0, sizeof(p));
	for (int i = 0; i < 20000; i++) {
		unsigned k;

		seed = seed * 1103515245 + 12345;
		k = (seed >> 16) % 64;
		if (p[k]) {
			heap_free(&h, p[k]);
			p[k] = NULL;
		} else {
			p[k] = heap_alloc(&h, (seed >> 8) % 200);
			if (p[k])
				memset(p[k], (int)k, (seed >> 8) % 200);
		}
	}
	for (int k = 0; k < 64; k++)
		heap_free(&h, p[k]);
	CHECK(all_free(&h));
	CHECK_EQ(h.allocs, h.frees);
	return check_report("heap");
}
