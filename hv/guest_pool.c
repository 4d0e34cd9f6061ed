/*
 * guest_pool.c - the page pool in the hypervisor: its region is the top of
 * L2's RAM below 4 GiB, absent from L2's EPT until touched; its frames are
 * the first machine pages behind the region itself (pool_backing percent of
 * them, so the rest of the region is overcommitted), its swap area and
 * descriptors come from the hypervisor's own pool. The EPT violation of an
 * access the mapping does not allow goes to page_pool_fault; a mapping is
 * a 4 KiB EPT leaf, RWX or (shared) R+X; every change that removes or
 * narrows a present one is followed by an INVEPT. One CPU only: another
 * CPU could hold translations this one's INVEPT leaves behind.
 */
#include "boot_mem.h"
#include "emul/emul_exit.h"
#include "guest_mem.h"
#include "guest_pool.h"
#include "guest_stop.h"
#include "lib/string.h"
#include "log.h"
#include "mmu/mtrr.h"
#include "mmu/page_pool.h"
#include "options.h"
#include "panic.h"
#include "power.h"
#include "smp.h"
#include "vmx.h"
#include "vmx_bits.h"

#define REGION_ALIGN (2ull << 20)
#define MIN_SWAP (64u << 10)

static struct page_pool pool;
static bool pool_on;

static void *frame_ptr(uint64_t hpa, void *ctx)
{
	(void)ctx;
	return (void *)(uintptr_t)hpa; /* the region lies in the identity map */
}

static bool map_gpa(uint64_t gpa, uint64_t hpa, enum pool_rights r, void *ctx)
{
	(void)ctx;
	if (r == POOL_MAP_NONE)
		return ept_unmap(&guest_ept, gpa, PAGE_SIZE) == EPT_OK;
	/* RAM: write-back, as the MTRRs make it (the region is 2 MiB-aligned RAM). */
	return ept_map(&guest_ept, gpa, hpa, PAGE_SIZE,
		       r == POOL_MAP_RW ? EPT_RWX : EPT_R | EPT_X, MTRR_WB, false) == EPT_OK;
}

static void flush(void *ctx)
{
	(void)ctx;
	invept_all();
	emul_flush_translations(); /* the emulator caches where L2's page tables lie */
}

static const struct pool_ops ops = { .frame_ptr = frame_ptr, .map = map_gpa, .flush = flush };

static void *alloc_bytes(uint64_t bytes, const char *what)
{
	return (void *)(uintptr_t)alloc_pages_or_panic((bytes + PAGE_SIZE - 1) / PAGE_SIZE, what);
}

__attribute__((noreturn)) static void refuse(const char *why)
{
	log_error("pool=on: %s", why);
	hv_finish(false, "bad-cmdline");
}

/* Adopts what the loader left in the region; returns the pages that went to swap. */
static uint32_t adopt_region(void)
{
	uint32_t swapped = 0;

	for (uint32_t g = 0; g < pool.c.npages; g++) {
		const uint8_t *bytes = frame_ptr(pool.c.gpa_base + (uint64_t)g * PAGE_SIZE, NULL);

		if (!page_pool_adopt(&pool, g, bytes))
			refuse("the loader left more in the region than its swap area holds "
			       "(raise pool_backing= or lower pool_mib=)");
		swapped += pool.c.pages[g].state == POOL_PAGE_SWAPPED;
	}
	return swapped;
}

void guest_pool_init(void)
{
	struct page_pool_config c = { .ops = &ops };
	uint64_t size = hv_opts.pool_mib << 20;
	uint32_t slots = 2, adopted;

	if (!hv_opts.pool)
		return;
	if (hv_opts.protect)
		refuse("protect=on builds EPT views the pool's mappings would not reach: "
		       "use one or the other");
	if (smp_cpus > 1)
		refuse("the page pool serves one CPU only (INVEPT reaches no other CPU's "
		       "translations yet): boot with one CPU");
	c.gpa_base = guest_mem_highest_block(size, REGION_ALIGN);
	if (!c.gpa_base)
		refuse("no room for the region in L2's RAM below 4 GiB (lower pool_mib=)");
	c.npages = (uint32_t)(size / PAGE_SIZE);
	c.nframes = (uint32_t)(c.npages * hv_opts.pool_backing / 100);
	c.nframes = c.nframes ? c.nframes : 1;
	c.frame_base = c.gpa_base;
	c.swap_bytes = (c.npages - c.nframes) * (uint32_t)PAGE_SIZE / 2;
	c.swap_bytes = c.swap_bytes < MIN_SWAP ? MIN_SWAP : c.swap_bytes;
	c.swap_bytes -= c.swap_bytes % POOL_SWAP_CHUNK;
	while (slots < 2 * c.nframes)
		slots *= 2;
	c.share_slots = slots;
	c.pages = alloc_bytes(c.npages * sizeof(*c.pages), "pool page states");
	c.frames = alloc_bytes(c.nframes * sizeof(*c.frames), "pool frame descriptors");
	c.swap = alloc_bytes(c.swap_bytes, "pool swap area");
	c.swap_map = alloc_bytes(POOL_SWAP_MAP_WORDS(c.swap_bytes) * 8, "pool swap map");
	c.share_table = alloc_bytes(slots * sizeof(uint32_t), "pool share table");
	if (!page_pool_init(&pool, &c))
		panic("page pool: bad configuration");
	adopted = adopt_region();
	if (ept_unmap(&guest_ept, c.gpa_base, size) != EPT_OK)
		panic("page pool: unmapping its region from L2's EPT failed");
	invept_all();
	pool_on = true;
	log_info("page pool: L2's %#lx-%#lx (%lu MiB) backed on demand by %u machine pages at "
		 "%#lx, %u KiB of swap; %u loaded pages adopted into swap", c.gpa_base,
		 c.gpa_base + size, hv_opts.pool_mib, c.nframes, c.frame_base,
		 c.swap_bytes >> 10, adopted);
	log_mline("pool-init", "base=%#lx size=%#lx pages=%u frames=%u frame_base=%#lx "
		  "swap_kib=%u adopted=%u", c.gpa_base, size, c.npages, c.nframes, c.frame_base,
		  c.swap_bytes >> 10, adopted);
}

bool guest_pool_contains(uint64_t gpa)
{
	return pool_on && page_pool_contains(&pool, gpa);
}

__attribute__((noreturn)) static void pool_failed(struct vcpu *v, uint64_t gpa,
						  enum pool_result r)
{
	log_error("page pool: L2's access to %#lx failed: %s", gpa, page_pool_result_str(r));
	log_mline("guest-fault", "kind=pool vcpu=%u gpa=%#lx error=\"%s\"", v->index, gpa,
		  page_pool_result_str(r));
	guest_stop(v, false, "pool-error");
}

bool guest_pool_violation(struct vcpu *v, uint64_t gpa, uint64_t qual)
{
	enum pool_result r;

	if (!guest_pool_contains(gpa))
		return false;
	r = page_pool_fault(&pool, gpa, qual & EPTV_WRITE);
	if (r > POOL_SPURIOUS)
		pool_failed(v, gpa, r);
	return true;
}

void *guest_pool_ptr(uint64_t gpa, uint64_t len)
{
	uint64_t hpa;

	if (!len || gpa / PAGE_SIZE != (gpa + len - 1) / PAGE_SIZE)
		return NULL;
	hpa = page_pool_resolve(&pool, gpa, true, NULL);
	return hpa ? (void *)(uintptr_t)hpa : NULL;
}

void guest_pool_stats(struct hc_pool_stats *out)
{
	struct pool_counts n;

	if (!pool_on) {
		*out = (struct hc_pool_stats){ 0 };
		return;
	}
	page_pool_counts(&pool, &n);
	*out = (struct hc_pool_stats){
		.first_touch = pool.stats.first_touch, .swap_in = pool.stats.swap_in,
		.swap_out = pool.stats.swap_out, .swap_out_zero = pool.stats.swap_out_zero,
		.swap_bytes = pool.stats.swap_bytes, .cow_copy = pool.stats.cow_copy,
		.cow_reuse = pool.stats.cow_reuse, .merged = pool.stats.merged,
		.frames_idle = n.idle, .frames_active = n.active, .frames_shared = n.shared,
		.pages_swapped = n.swapped,
	};
}

/* HC_POOL_STATS: the counters into L2's buffer. */
static int64_t hc_pool_stats(uint64_t gpa)
{
	struct hc_pool_stats *out = guest_mem_ptr(gpa, sizeof(*out));

	if (!out)
		return HC_ERR_INVAL;
	guest_pool_stats(out);
	return HC_OK;
}

int64_t guest_pool_hypercall(struct vcpu *v, uint64_t fn)
{
	if (!pool_on)
		return HC_ERR_INVAL;
	switch (fn) {
	case HC_POOL_INFO:
		v->gpr[GPR_RBX] = pool.c.gpa_base;
		v->gpr[GPR_RCX] = (uint64_t)pool.c.npages * PAGE_SIZE;
		v->gpr[GPR_RDX] = (uint64_t)pool.c.nframes * PAGE_SIZE;
		return HC_OK;
	case HC_POOL_SHARE:
		v->gpr[GPR_RBX] = page_pool_share(&pool);
		return HC_OK;
	case HC_POOL_SWAP_OUT:
		v->gpr[GPR_RBX] = page_pool_swap_out(&pool, (uint32_t)v->gpr[GPR_RBX]);
		return HC_OK;
	case HC_POOL_STATS:
		return hc_pool_stats(v->gpr[GPR_RBX]);
	default:
		return HC_ERR_UNKNOWN;
	}
}

void guest_pool_report(void)
{
	struct pool_counts n;
	const struct pool_stats *s = &pool.stats;

	if (!pool_on)
		return;
	page_pool_counts(&pool, &n);
	log_info("page pool: %lu first touches, %lu swap-ins, %lu swap-outs (%lu zero, %lu "
		 "bytes), %lu copy-on-write copies, %lu pages merged", s->first_touch, s->swap_in,
		 s->swap_out, s->swap_out_zero, s->swap_bytes, s->cow_copy, s->merged);
	log_mline("pool", "first_touch=%lu swap_in=%lu swap_out=%lu swap_out_zero=%lu "
		  "swap_bytes=%lu cow_copy=%lu cow_reuse=%lu merged=%lu share_scans=%lu "
		  "spurious=%lu flushes=%lu frames_idle=%u frames_active=%u frames_shared=%u "
		  "pages_untouched=%u pages_mapped=%u pages_swapped=%u swap_chunks_used=%u",
		  s->first_touch, s->swap_in, s->swap_out, s->swap_out_zero, s->swap_bytes,
		  s->cow_copy, s->cow_reuse, s->merged, s->share_scans, s->spurious, s->flushes,
		  n.idle, n.active, n.shared, n.untouched, n.mapped, n.swapped,
		  n.swap_chunks_used);
}
