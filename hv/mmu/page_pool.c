/*
 * page_pool.c - the page pool's one mapping mechanism (page_pool.h): lists
 * of frame descriptors, the fault handler, page sharing and swapping.
 */
#include "mmu/page_pool.h"
#include "lib/string.h"
#include "mmu/page_words.h"

#define PAGE POOL_PAGE_SIZE

/* ---- lists of frames (by index) ---- */

static void list_init(struct pool_list *l)
{
	l->head = l->tail = POOL_NONE;
	l->n = 0;
}

static void list_push_tail(struct page_pool *p, struct pool_list *l, uint32_t i)
{
	struct pool_frame *f = &p->c.frames[i];

	f->prev = l->tail;
	f->next = POOL_NONE;
	if (l->tail != POOL_NONE)
		p->c.frames[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
	l->n++;
}

static void list_remove(struct page_pool *p, struct pool_list *l, uint32_t i)
{
	struct pool_frame *f = &p->c.frames[i];

	if (f->prev != POOL_NONE)
		p->c.frames[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != POOL_NONE)
		p->c.frames[f->next].prev = f->prev;
	else
		l->tail = f->prev;
	l->n--;
}

/* ---- helpers ---- */

static uint64_t page_gpa(const struct page_pool *p, uint32_t g)
{
	return p->c.gpa_base + (uint64_t)g * PAGE;
}

static uint8_t *frame_bytes(struct page_pool *p, uint32_t i)
{
	return p->c.ops->frame_ptr(p->c.frames[i].hpa, p->c.ctx);
}

static bool map_page(struct page_pool *p, uint32_t g, uint32_t frame, enum pool_rights r)
{
	return p->c.ops->map(page_gpa(p, g), frame == POOL_NONE ? 0 : p->c.frames[frame].hpa,
			     r, p->c.ctx);
}

static void flush(struct page_pool *p)
{
	p->stats.flushes++;
	p->c.ops->flush(p->c.ctx);
}

/* FNV-1a over the page's 64-bit words: a filter; equal pages are compared whole. */
static uint64_t page_hash(const uint8_t *page)
{
	const uint64_t *w = (const uint64_t *)page;
	uint64_t h = 0xcbf29ce484222325ull;

	for (unsigned i = 0; i < PAGE / 8; i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	return h;
}

/* Frame i leaves the active pool for the idle one. */
static void release_frame(struct page_pool *p, uint32_t i)
{
	list_remove(p, &p->active, i);
	p->c.frames[i].state = POOL_FRAME_IDLE;
	p->c.frames[i].refs = 0;
	list_push_tail(p, &p->idle, i);
}

/* Frame i, taken from the idle pool, becomes guest page g's own. */
static void own_frame(struct page_pool *p, uint32_t i, uint32_t g)
{
	struct pool_frame *f = &p->c.frames[i];

	f->state = POOL_FRAME_ACTIVE;
	f->refs = 1;
	f->owner = g;
	list_push_tail(p, &p->active, i);
	p->c.pages[g].state = POOL_PAGE_MAPPED;
	p->c.pages[g].where = i;
}

/* ---- the swap area ---- */

static bool chunk_used(const struct page_pool *p, uint32_t c)
{
	return p->c.swap_map[c / 64] >> (c % 64) & 1;
}

static void mark_chunks(struct page_pool *p, uint32_t first, uint32_t n, bool used)
{
	for (uint32_t c = first; c < first + n; c++) {
		if (used)
			p->c.swap_map[c / 64] |= 1ull << (c % 64);
		else
			p->c.swap_map[c / 64] &= ~(1ull << (c % 64));
	}
	p->swap_used = used ? p->swap_used + n : p->swap_used - n;
}

static uint32_t chunks_for(uint32_t len)
{
	return (len + POOL_SWAP_CHUNK - 1) / POOL_SWAP_CHUNK;
}

/* n contiguous free chunks (first fit from the last hint), or POOL_NONE. */
static uint32_t alloc_chunks(struct page_pool *p, uint32_t n)
{
	uint32_t total = p->swap_chunks, run = 0;

	if (n > total - p->swap_used)
		return POOL_NONE;
	for (uint32_t k = 0, c = p->swap_hint; k < total + n; k++, c++) {
		if (c == total) {
			c = 0;
			run = 0;
		}
		run = chunk_used(p, c) ? 0 : run + 1;
		if (run == n) {
			mark_chunks(p, c + 1 - n, n, true);
			p->swap_hint = c + 1 == total ? 0 : c + 1;
			return c + 1 - n;
		}
	}
	return POOL_NONE;
}

/*
 * Compresses 'bytes' into swap as guest page g's contents (g is then
 * SWAPPED); returns the stored length, or -1 (nothing changed) if swap is full.
 */
static int store_page(struct page_pool *p, uint32_t g, const uint8_t *bytes)
{
	size_t len = page_compress(bytes, p->scratch);
	uint32_t first = 0;

	if (len) {
		first = alloc_chunks(p, chunks_for((uint32_t)len));
		if (first == POOL_NONE)
			return -1;
		memcpy(p->c.swap + (uint64_t)first * POOL_SWAP_CHUNK, p->scratch, len);
	}
	p->c.pages[g] = (struct pool_page){ .state = POOL_PAGE_SWAPPED, .where = first,
					    .swap_len = (uint16_t)len };
	return (int)len;
}

/* Compresses private frame i into swap and gives it back; false if swap is full. */
static bool swap_out_frame(struct page_pool *p, uint32_t i)
{
	uint32_t g = p->c.frames[i].owner;
	int len;

	if (!map_page(p, g, POOL_NONE, POOL_MAP_NONE))
		return false;
	flush(p); /* no stale writable translation may outlive the copy */
	len = store_page(p, g, frame_bytes(p, i));
	if (len < 0) {
		map_page(p, g, i, POOL_MAP_RW);
		return false;
	}
	release_frame(p, i);
	p->stats.swap_out++;
	p->stats.swap_out_zero += len == 0;
	p->stats.swap_bytes += (uint64_t)len;
	return true;
}

/*
 * The coldest private frame by the clock: from the head of the active pool
 * (the oldest), shared frames and frames accessed since the hand last
 * passed go to the tail; POOL_NONE if every frame is shared.
 */
static uint32_t pick_victim(struct page_pool *p)
{
	for (uint32_t k = 0, n = 2 * p->active.n; k < n && p->active.head != POOL_NONE; k++) {
		uint32_t i = p->active.head;
		struct pool_frame *f = &p->c.frames[i];
		bool young = f->state == POOL_FRAME_SHARED ||
			     (p->c.ops->test_clear_accessed &&
			      p->c.ops->test_clear_accessed(page_gpa(p, f->owner), p->c.ctx));

		if (!young)
			return i;
		list_remove(p, &p->active, i);
		list_push_tail(p, &p->active, i);
	}
	return POOL_NONE;
}

uint32_t page_pool_swap_out(struct page_pool *p, uint32_t n)
{
	uint32_t done = 0, failures = 0;

	while (done < n && failures <= p->active.n) {
		uint32_t v = pick_victim(p);

		if (v == POOL_NONE)
			break;
		if (swap_out_frame(p, v)) {
			done++;
		} else { /* no room for this one: try the next */
			failures++;
			list_remove(p, &p->active, v);
			list_push_tail(p, &p->active, v);
		}
	}
	return done;
}

/* An idle frame, swapping a cold page out for it if need be; POOL_NONE if none. */
static uint32_t take_frame(struct page_pool *p)
{
	uint32_t i = p->idle.head;

	if (i == POOL_NONE && page_pool_swap_out(p, 1))
		i = p->idle.head;
	if (i != POOL_NONE)
		list_remove(p, &p->idle, i);
	return i;
}

/* ---- the fault handler ---- */

static enum pool_result first_touch(struct page_pool *p, uint32_t g)
{
	uint32_t i = take_frame(p);

	if (i == POOL_NONE)
		return POOL_ERR_NO_MEMORY;
	page_zero(frame_bytes(p, i));
	own_frame(p, i, g);
	p->stats.first_touch++;
	return map_page(p, g, i, POOL_MAP_RW) ? POOL_FIRST_TOUCH : POOL_ERR_MAP;
}

static enum pool_result swap_in(struct page_pool *p, uint32_t g)
{
	struct pool_page *pg = &p->c.pages[g];
	uint32_t i = take_frame(p), first = pg->where, len = pg->swap_len;

	if (i == POOL_NONE)
		return POOL_ERR_NO_MEMORY;
	if (!page_decompress(p->c.swap + (uint64_t)first * POOL_SWAP_CHUNK, len,
			     frame_bytes(p, i))) {
		list_push_tail(p, &p->idle, i);
		return POOL_ERR_CORRUPT;
	}
	if (len)
		mark_chunks(p, first, chunks_for(len), false);
	own_frame(p, i, g);
	p->stats.swap_in++;
	return map_page(p, g, i, POOL_MAP_RW) ? POOL_SWAP_IN : POOL_ERR_MAP;
}

/* A write to guest page g, which maps shared frame s. */
static enum pool_result cow_break(struct page_pool *p, uint32_t g, uint32_t s)
{
	struct pool_frame *sf = &p->c.frames[s];
	uint32_t i;

	if (sf->refs == 1) { /* the others have copied: the frame is g's alone */
		sf->state = POOL_FRAME_ACTIVE;
		sf->owner = g;
		p->stats.cow_reuse++;
		return map_page(p, g, s, POOL_MAP_RW) ? POOL_COW_REUSE : POOL_ERR_MAP;
	}
	i = take_frame(p); /* never s: the clock passes shared frames by */
	if (i == POOL_NONE)
		return POOL_ERR_NO_MEMORY;
	page_copy(frame_bytes(p, i), frame_bytes(p, s));
	sf->refs--;
	own_frame(p, i, g);
	p->stats.cow_copy++;
	if (!map_page(p, g, i, POOL_MAP_RW))
		return POOL_ERR_MAP;
	flush(p); /* the read-only translation to s may still be cached */
	return POOL_COW_COPY;
}

enum pool_result page_pool_fault(struct page_pool *p, uint64_t gpa, bool write)
{
	uint32_t g;
	struct pool_page *pg;

	if (!page_pool_contains(p, gpa))
		return POOL_ERR_OUTSIDE;
	g = (uint32_t)((gpa - p->c.gpa_base) / PAGE);
	pg = &p->c.pages[g];
	if (pg->state == POOL_PAGE_UNTOUCHED)
		return first_touch(p, g);
	if (pg->state == POOL_PAGE_SWAPPED)
		return swap_in(p, g);
	if (write && p->c.frames[pg->where].state == POOL_FRAME_SHARED)
		return cow_break(p, g, pg->where);
	p->stats.spurious++;
	return POOL_SPURIOUS;
}

uint64_t page_pool_resolve(struct page_pool *p, uint64_t gpa, bool write,
			   enum pool_result *res)
{
	enum pool_result r = POOL_SPURIOUS;
	const struct pool_page *pg;

	if (!page_pool_contains(p, gpa)) {
		r = POOL_ERR_OUTSIDE;
	} else {
		pg = &p->c.pages[(gpa - p->c.gpa_base) / PAGE];
		if (pg->state != POOL_PAGE_MAPPED ||
		    (write && p->c.frames[pg->where].state == POOL_FRAME_SHARED))
			r = page_pool_fault(p, gpa, write);
	}
	if (res)
		*res = r;
	if (r > POOL_SPURIOUS)
		return 0;
	pg = &p->c.pages[(gpa - p->c.gpa_base) / PAGE];
	return p->c.frames[pg->where].hpa + gpa % PAGE;
}

/* ---- sharing ---- */

static void share_insert(struct page_pool *p, uint32_t i)
{
	uint32_t mask = p->c.share_slots - 1, s = (uint32_t)p->c.frames[i].hash & mask;

	while (p->c.share_table[s])
		s = (s + 1) & mask;
	p->c.share_table[s] = i + 1;
}

/* A frame already in the table with the same bytes as frame i, or POOL_NONE. */
static uint32_t share_find(struct page_pool *p, uint32_t i, uint64_t h)
{
	uint32_t mask = p->c.share_slots - 1;
	const uint8_t *bytes = frame_bytes(p, i);

	for (uint32_t s = (uint32_t)h & mask; p->c.share_table[s]; s = (s + 1) & mask) {
		uint32_t c = p->c.share_table[s] - 1;

		if (p->c.frames[c].hash == h && page_equal(frame_bytes(p, c), bytes))
			return c;
	}
	return POOL_NONE;
}

/* Guest page of private frame i now maps shared frame c instead; i goes idle. */
static bool merge_into(struct page_pool *p, uint32_t i, uint32_t c)
{
	struct pool_frame *cf = &p->c.frames[c];
	uint32_t g = p->c.frames[i].owner;

	if (cf->state == POOL_FRAME_ACTIVE) {
		if (!map_page(p, cf->owner, c, POOL_MAP_RO))
			return false;
		cf->state = POOL_FRAME_SHARED;
	}
	if (!map_page(p, g, c, POOL_MAP_RO))
		return false;
	cf->refs++;
	p->c.pages[g].where = c;
	release_frame(p, i);
	p->stats.merged++;
	return true;
}

uint32_t page_pool_share(struct page_pool *p)
{
	uint64_t merged = p->stats.merged;

	memset(p->c.share_table, 0, p->c.share_slots * sizeof(p->c.share_table[0]));
	for (uint32_t i = p->active.head; i != POOL_NONE; i = p->c.frames[i].next)
		if (p->c.frames[i].state == POOL_FRAME_SHARED)
			share_insert(p, i);
	for (uint32_t i = p->active.head, next; i != POOL_NONE; i = next) {
		struct pool_frame *f = &p->c.frames[i];
		uint32_t c;

		next = f->next;
		if (f->state != POOL_FRAME_ACTIVE)
			continue;
		f->hash = page_hash(frame_bytes(p, i));
		c = share_find(p, i, f->hash);
		if (c == POOL_NONE)
			share_insert(p, i);
		else if (!merge_into(p, i, c))
			break;
	}
	p->stats.share_scans++;
	if (p->stats.merged != merged)
		flush(p); /* writable translations were narrowed to read-only */
	return (uint32_t)(p->stats.merged - merged);
}

/* ---- set-up and queries ---- */

bool page_pool_init(struct page_pool *p, const struct page_pool_config *c)
{
	if (!c->ops || !c->ops->frame_ptr || !c->ops->map || !c->ops->flush || !c->npages ||
	    !c->nframes || c->nframes >= POOL_NONE || c->npages >= POOL_NONE ||
	    (c->gpa_base | c->frame_base) % PAGE || c->swap_bytes % POOL_SWAP_CHUNK ||
	    c->share_slots < 2ull * c->nframes || (c->share_slots & (c->share_slots - 1)))
		return false;
	memset(p, 0, sizeof(*p));
	p->c = *c;
	list_init(&p->idle);
	list_init(&p->active);
	for (uint32_t i = 0; i < c->nframes; i++) {
		c->frames[i] = (struct pool_frame){ .hpa = c->frame_base + (uint64_t)i * PAGE };
		list_push_tail(p, &p->idle, i);
	}
	for (uint32_t g = 0; g < c->npages; g++)
		c->pages[g] = (struct pool_page){ .state = POOL_PAGE_UNTOUCHED };
	p->swap_chunks = c->swap_bytes / POOL_SWAP_CHUNK;
	memset(c->swap_map, 0, POOL_SWAP_MAP_WORDS(c->swap_bytes) * sizeof(uint64_t));
	return true;
}

bool page_pool_adopt(struct page_pool *p, uint32_t g, const uint8_t *bytes)
{
	int len = store_page(p, g, bytes);

	if (len == 0) /* a zero page needs nothing: first touch gives one */
		p->c.pages[g] = (struct pool_page){ .state = POOL_PAGE_UNTOUCHED };
	return len >= 0;
}

bool page_pool_contains(const struct page_pool *p, uint64_t gpa)
{
	return gpa >= p->c.gpa_base && (gpa - p->c.gpa_base) / PAGE < p->c.npages;
}

void page_pool_counts(const struct page_pool *p, struct pool_counts *out)
{
	memset(out, 0, sizeof(*out));
	out->idle = p->idle.n;
	for (uint32_t i = p->active.head; i != POOL_NONE; i = p->c.frames[i].next) {
		if (p->c.frames[i].state == POOL_FRAME_SHARED)
			out->shared++;
		else
			out->active++;
	}
	for (uint32_t g = 0; g < p->c.npages; g++) {
		if (p->c.pages[g].state == POOL_PAGE_UNTOUCHED)
			out->untouched++;
		else if (p->c.pages[g].state == POOL_PAGE_MAPPED)
			out->mapped++;
		else
			out->swapped++;
	}
	out->swap_chunks_used = p->swap_used;
	out->swap_chunks = p->swap_chunks;
}

const char *page_pool_result_str(enum pool_result r)
{
	static const char *const names[] = {
		[POOL_FIRST_TOUCH] = "first-touch", [POOL_SWAP_IN] = "swap-in",
		[POOL_COW_COPY] = "cow-copy", [POOL_COW_REUSE] = "cow-reuse",
		[POOL_SPURIOUS] = "spurious", [POOL_ERR_OUTSIDE] = "outside the region",
		[POOL_ERR_NO_MEMORY] = "no frame left and nothing to swap out",
		[POOL_ERR_CORRUPT] = "a swapped page did not decompress",
		[POOL_ERR_MAP] = "mapping the page failed",
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}
