/*
 * heap.c - first fit over an address-ordered free list. Every block starts
 * with a 16-byte header holding its size (header included); a free block's
 * header also links the next free block, so freeing merges neighbours in
 * one pass and the heap never fragments into adjacent free pieces.
 */
#include "heap.h"

#include "lib/string.h"

#define ALIGN 16u
#define HDR ALIGN

struct block {
	size_t size;        /* bytes, header included, a multiple of ALIGN */
	struct block *next; /* next free block (free blocks only) */
};

_Static_assert(sizeof(struct block) <= HDR, "the header holds a block");

void heap_init(struct heap *h, void *base, size_t size)
{
	struct block *b = base;

	memset(h, 0, sizeof(*h));
	h->base = base;
	h->size = size & ~(size_t)(ALIGN - 1);
	b->size = h->size;
	b->next = NULL;
	h->free_list = b;
}

void *heap_alloc(struct heap *h, size_t n)
{
	struct block **link = (struct block **)&h->free_list, *b;
	size_t need;

	if (n > h->size)
		goto fail;
	need = HDR + ((n + ALIGN - 1) & ~(size_t)(ALIGN - 1));
	for (b = *link; b; link = &b->next, b = b->next) {
		if (b->size < need)
			continue;
		if (b->size - need >= 2 * HDR) { /* split: the tail stays free */
			struct block *rest = (struct block *)((uint8_t *)b + need);

			rest->size = b->size - need;
			rest->next = b->next;
			*link = rest;
			b->size = need;
		} else {
			*link = b->next;
		}
		h->used += b->size;
		if (h->used > h->peak)
			h->peak = h->used;
		h->allocs++;
		return (uint8_t *)b + HDR;
	}
fail:
	h->failures++;
	return NULL;
}

void *heap_calloc(struct heap *h, size_t count, size_t size)
{
	void *p;

	if (size && count > h->size / size) {
		h->failures++;
		return NULL;
	}
	p = heap_alloc(h, count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void heap_free(struct heap *h, void *p)
{
	struct block *b, *prev = NULL, *next;

	if (!p)
		return;
	b = (struct block *)((uint8_t *)p - HDR);
	h->used -= b->size;
	h->frees++;
	for (next = h->free_list; next && next < b; prev = next, next = next->next)
		;
	b->next = next;
	if (next && (uint8_t *)b + b->size == (uint8_t *)next) {
		b->size += next->size;
		b->next = next->next;
	}
	if (prev && (uint8_t *)prev + prev->size == (uint8_t *)b) {
		prev->size += b->size;
		prev->next = b->next;
	} else if (prev) {
		prev->next = b;
	} else {
		h->free_list = b;
	}
}

void *heap_realloc(struct heap *h, void *p, size_t n)
{
	struct block *b;
	void *q;

	if (!p)
		return heap_alloc(h, n);
	if (!n) {
		heap_free(h, p);
		return NULL;
	}
	b = (struct block *)((uint8_t *)p - HDR);
	if (b->size - HDR >= n)
		return p;
	q = heap_alloc(h, n);
	if (q) {
		memcpy(q, p, b->size - HDR);
		heap_free(h, p);
	}
	return q;
}
