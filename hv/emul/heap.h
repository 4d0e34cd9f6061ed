/*
 * heap.h - a small first-fit heap over one contiguous region, for the code
 * that needs malloc/calloc/realloc/free inside the hypervisor (Capstone,
 * through cs_opt_mem). Pure logic, no locking (the caller locks): it also
 * builds hosted, for tests/unit/test_heap.c.
 */
#ifndef HV_EMUL_HEAP_H
#define HV_EMUL_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct heap {
	uint8_t *base;
	size_t size;
	void *free_list;   /* free blocks, in address order */
	size_t used;       /* bytes handed out, headers included */
	size_t peak;       /* the most 'used' ever was */
	uint64_t allocs, frees, failures;
};

/* Manages [base, base + size); base 16-byte aligned. */
void heap_init(struct heap *h, void *base, size_t size);
/* 16-byte aligned memory, or NULL when no free block fits (counted in failures). */
void *heap_alloc(struct heap *h, size_t n);
void *heap_calloc(struct heap *h, size_t count, size_t size);
/* C's realloc: NULL p allocates, n 0 frees; on failure p stays valid. */
void *heap_realloc(struct heap *h, void *p, size_t n);
/* Gives p (from this heap, or NULL) back; neighbours are merged. */
void heap_free(struct heap *h, void *p);

#endif
