/*
 * page_pool.h - guest memory backed on demand from a pool of machine pages
 * (seed 002: one dynamic mapping f: guest page -> machine page serves
 * on-demand allocation, sharing and swapping alike).
 *
 * Every machine page of the pool has a descriptor (frame, reference count,
 * state) on one of two lists: the idle pool (free) or the active pool (in
 * use, in clock order). Every guest page of the pool's region is untouched,
 * mapped to a frame, or swapped out. One entry point, page_pool_fault,
 * serves an access the mapping did not allow:
 *   untouched      -> a zeroed frame, mapped writable (first touch)
 *   swapped        -> a frame, the page decompressed into it (swap-in)
 *   write, shared  -> a private copy (copy-on-write), or the frame itself
 *                     made private if this is its last user
 * page_pool_share collapses identical active pages into one read-only
 * shared frame (content hash, then a full compare); page_pool_swap_out
 * (and any allocation that finds the idle pool empty) compresses cold
 * private pages (page_compress.h) into a reserved swap area.
 *
 * The pool never touches page tables itself: ops->map changes one guest
 * page's translation (EPT in the hypervisor, an array in the unit test) and
 * ops->flush invalidates translations after a present one was removed or
 * narrowed. The guest must not run while the pool works (one vCPU, served
 * synchronously from its exits). Pure logic: also builds hosted.
 */
#ifndef HV_MMU_PAGE_POOL_H
#define HV_MMU_PAGE_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/page_compress.h"

#define POOL_PAGE_SIZE 4096u
#define POOL_NONE 0xffffffffu
/* The swap area is allocated in chunks of this many bytes. */
#define POOL_SWAP_CHUNK 64u
#define POOL_SWAP_MAP_WORDS(bytes) (((bytes) / POOL_SWAP_CHUNK + 63) / 64)

/* Rights ops->map gives a guest page. */
enum pool_rights { POOL_MAP_NONE, POOL_MAP_RO, POOL_MAP_RW };

enum pool_frame_state {
	POOL_FRAME_IDLE,    /* in the idle pool */
	POOL_FRAME_ACTIVE,  /* one guest page's own, mapped writable */
	POOL_FRAME_SHARED,  /* read-only, mapped by refs guest pages */
};

enum pool_page_state {
	POOL_PAGE_UNTOUCHED, /* never accessed: no frame */
	POOL_PAGE_MAPPED,    /* 'where' is its frame */
	POOL_PAGE_SWAPPED,   /* 'where' is its first swap chunk, swap_len its bytes */
};

/* A machine page descriptor. */
struct pool_frame {
	uint64_t hpa;
	uint64_t hash;       /* content hash, valid while SHARED */
	uint32_t refs;       /* guest pages mapping it */
	uint32_t owner;      /* the guest page (index) of an ACTIVE frame */
	uint32_t prev, next; /* in its list */
	uint8_t state;       /* enum pool_frame_state */
};

/* One guest page of the region. */
struct pool_page {
	uint32_t where;
	uint16_t swap_len;   /* 0: a zero page, no chunks */
	uint8_t state;       /* enum pool_page_state */
};

struct pool_list {
	uint32_t head, tail, n;
};

struct pool_ops {
	/* A pointer through which the hypervisor reaches machine page hpa. */
	void *(*frame_ptr)(uint64_t hpa, void *ctx);
	/* Maps guest-physical gpa to hpa with 'rights' (POOL_MAP_NONE: unmaps). */
	bool (*map)(uint64_t gpa, uint64_t hpa, enum pool_rights rights, void *ctx);
	/* Invalidates cached translations (after a present mapping changed). */
	void (*flush)(void *ctx);
	/* Optional: whether gpa was accessed since the last call (clears it). */
	bool (*test_clear_accessed)(uint64_t gpa, void *ctx);
};

/* Where each piece of the pool's state lives: the caller's memory. */
struct page_pool_config {
	const struct pool_ops *ops;
	void *ctx;
	uint64_t gpa_base;         /* the region: npages guest pages from here */
	uint32_t npages;
	struct pool_page *pages;   /* npages */
	uint64_t frame_base;       /* the pool: nframes machine pages from here */
	uint32_t nframes;
	struct pool_frame *frames; /* nframes */
	uint8_t *swap;             /* the swap area */
	uint32_t swap_bytes;       /* a multiple of POOL_SWAP_CHUNK */
	uint64_t *swap_map;        /* POOL_SWAP_MAP_WORDS(swap_bytes) */
	uint32_t *share_table;     /* share_slots: a power of two >= 2 * nframes */
	uint32_t share_slots;
};

struct pool_stats {
	uint64_t first_touch;   /* pages given a zeroed frame */
	uint64_t swap_in;       /* pages brought back from swap */
	uint64_t swap_out;      /* pages swapped out (zero pages included) */
	uint64_t swap_out_zero; /* ... of which zero pages, stored in no bytes */
	uint64_t swap_bytes;    /* compressed bytes written to swap, summed */
	uint64_t cow_copy;      /* writes to a shared page that copied it */
	uint64_t cow_reuse;     /* ... that took the frame over (its last user) */
	uint64_t merged;        /* pages merged into a shared frame */
	uint64_t share_scans;
	uint64_t spurious;      /* faults the mapping already allowed */
	uint64_t flushes;
};

/* Where the pool stands now. */
struct pool_counts {
	uint32_t idle, active, shared;         /* frames */
	uint32_t untouched, mapped, swapped;   /* guest pages */
	uint32_t swap_chunks_used, swap_chunks;
};

struct page_pool {
	struct page_pool_config c;
	struct pool_list idle, active;
	uint32_t swap_chunks, swap_used, swap_hint;
	struct pool_stats stats;
	uint8_t scratch[PAGE_COMPRESS_PAGE];
};

enum pool_result {
	POOL_FIRST_TOUCH,
	POOL_SWAP_IN,
	POOL_COW_COPY,
	POOL_COW_REUSE,
	POOL_SPURIOUS,
	POOL_ERR_OUTSIDE,    /* gpa is not in the region */
	POOL_ERR_NO_MEMORY,  /* no idle frame, and nothing could be swapped out */
	POOL_ERR_CORRUPT,    /* a swapped page did not decompress */
	POOL_ERR_MAP,        /* ops->map failed */
};

/* Sets the pool up: every frame idle, every page untouched; false on a bad config. */
bool page_pool_init(struct page_pool *p, const struct page_pool_config *c);
/*
 * Takes guest page g's initial contents (what a loader put there before the
 * pool existed): a zero page stays untouched, any other goes to swap, to
 * come back on first access. Only before the first fault (the pool's frames
 * may hold such contents too). False if swap has no room.
 */
bool page_pool_adopt(struct page_pool *p, uint32_t g, const uint8_t *bytes);
/* Whether gpa lies in the pool's region. */
bool page_pool_contains(const struct page_pool *p, uint64_t gpa);
/* Serves an access to gpa (a write if 'write') that its mapping did not allow. */
enum pool_result page_pool_fault(struct page_pool *p, uint64_t gpa, bool write);
/*
 * The machine address behind gpa for the hypervisor's own access: the page
 * is brought in as a guest access would (a write breaks sharing). 0 on an
 * error, which *res (if not NULL) gives; else *res says what was done.
 */
uint64_t page_pool_resolve(struct page_pool *p, uint64_t gpa, bool write,
			   enum pool_result *res);
/* Merges identical active pages into shared frames; returns the pages merged. */
uint32_t page_pool_share(struct page_pool *p);
/* Swaps out up to n cold private pages; returns how many it did. */
uint32_t page_pool_swap_out(struct page_pool *p, uint32_t n);
void page_pool_counts(const struct page_pool *p, struct pool_counts *out);
const char *page_pool_result_str(enum pool_result r);

#endif
