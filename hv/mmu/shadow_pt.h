/*
 * shadow_pt.h - shadow page tables: tables the CPU walks in one dimension,
 * guest-virtual to host-physical, built on demand from the guest's own
 * tables and L2's guest-physical to host-physical mapping, cached per guest
 * root (shadow_cache.h). The guest pages in one format at a time
 * (shadow_format.h: 4-level, PAE or 32-bit; PAE-format shadows for the
 * last two); a change of format drops every shadow. Pure logic; the
 * hypervisor plugs in guest memory and its EPT (or page pool).
 *
 * A guest table written 8 times with no fault walking through it in
 * between is most likely not a table any more (freed, reused as data) or
 * being rewritten wholesale (fork write-protecting, exit clearing): its
 * shadow is dropped whole, so the page is no longer write-protected (KVM's
 * write-flooding rule, with KVM's 3 measured no better on Linux's boot).
 * The root stays.
 *
 * A #PF in the guest goes to shadow_pt_fault, which walks the guest's
 * tables with the emulator's walker (emul/walk.h: rights, reserved bits,
 * A/D) and says what it was:
 *   hidden   the guest's tables allow it: the shadow entry is filled (the
 *            guest's A bit set on the way; the leaf stays read-only until
 *            the first write sets the guest's D bit, so D is exact)
 *   true     the guest's own fault: inject #PF with the error code given
 *   PT write a write to a page that holds a guest table this shadow
 *            mirrors (such pages are mapped read-only): the caller emulates
 *            the instruction, then calls shadow_pt_table_write, which drops
 *            the shadow entries derived from what was written
 *   device   the guest's tables allow it but L2's guest-physical map does
 *            not (no RAM there, or a write to a read-only page): the caller
 *            serves it as the EPT violation it would be under EPT
 * Shadow entries carry the rights combined over every guest level (U/S,
 * R/W, XD) and the guest leaf's PWT/PCD/PAT; upper shadow levels grant
 * everything. Guest large pages are shadowed by 4 KiB entries. The guest
 * runs with CR0.WP set (the write protection above depends on it), no
 * PCIDs and no global shadow entries: the caller flushes the VPID's
 * translations on every switch (s->flush says when else to).
 *
 * EFER.NXE is L2's own (its WRMSR does not exit) and needs no shadow drop
 * when it changes: a shadow entry carries XD only if it was filled under
 * NXE=1 (bit 63 of a guest entry under NXE=0 is a reserved-bit fault, never
 * filled nor prefetched), and the CPU walks the shadow under L2's current
 * NXE (Vol. 3A 4.4.2, 4.5.4). So a shadow filled under NXE=1 and used
 * under NXE=0 faults with RSVD at the stale entry, the walk of the guest
 * finds the same reserved bit and injects it; one filled under NXE=0 holds
 * no XD the guest has, so it stays right under NXE=1. The same holds for
 * vCPUs sharing shadows with different NXE (guests/pt32 checks both ways).
 *
 * Several vCPUs may share one shadow_pt (under the caller's lock): each
 * keeps the cache slot it runs on and puts it in s->current for its own
 * operations; a slot some vCPU runs on is never evicted or reclaimed.
 * Another CPU may still hold translations through a shadow entry that was
 * dropped, so a freed table page waits (in limbo) until ops->sync has made
 * every other CPU flush, and so does a guest table newly write-protected
 * (another CPU's stale writable translation could still write it): the
 * fill that protected it then reads the guest's entries again and retries
 * if they changed meanwhile (as KVM's gpte_changed).
 */
#ifndef HV_MMU_SHADOW_PT_H
#define HV_MMU_SHADOW_PT_H

#include <stdbool.h>
#include <stdint.h>

#include "emul/walk.h"
#include "mmu/shadow_format.h"
#include "mmu/shadow_cache.h"

#define SHADOW_NONE 0xffffffffu
#define SHADOW_NO_TABLE (~0ull)

/* x86 page-table entry bits (SDM Vol. 3A 4.5). */
#define SPT_P (1ull << 0)
#define SPT_W (1ull << 1)
#define SPT_U (1ull << 2)
#define SPT_PWT (1ull << 3)
#define SPT_PCD (1ull << 4)
#define SPT_A (1ull << 5)
#define SPT_D (1ull << 6)
#define SPT_PS (1ull << 7)
#define SPT_PAT_4K (1ull << 7)
#define SPT_PAT_LARGE (1ull << 12)
#define SPT_NX (1ull << 63)
#define SPT_ADDR 0x000ffffffffff000ull

struct shadow_pt_ops {
	struct walk_ops guest; /* the guest's table entries, by guest-physical address */
	/* L2's gpa (a page) -> hpa; whether L2 may write it; false: not RAM. */
	bool (*translate)(void *ctx, uint64_t gpa, uint64_t *hpa, bool *writable);
	/* The entries of shadow table page hpa. */
	uint64_t *(*table)(void *ctx, uint64_t hpa);
	/*
	 * Optional: guest page gpa became a table some shadow mirrors (on), or
	 * no longer is one (off): e.g. to write-protect it in EPT for the time
	 * L2 runs without the shadow (paging=hybrid).
	 */
	void (*track)(void *ctx, uint64_t gpa, bool on);
	/*
	 * Optional (more than one CPU): returns once every other CPU has
	 * flushed the translations it holds (TLB and paging-structure caches;
	 * with EPT on, its guest-physical ones too).
	 */
	void (*sync)(void *ctx);
};

/* One shadow table page. */
struct shadow_page {
	uint64_t hpa;
	uint64_t guest_table; /* the guest table it mirrors, or SHADOW_NO_TABLE */
	uint64_t va;          /* the first linear address it maps */
	uint32_t next;        /* in its hash chain, or the free list */
	uint32_t parent;      /* the shadow page whose entry parent_index points here */
	uint16_t parent_index;
	uint16_t first;       /* the first entry of guest_table it mirrors (shadow_format_first) */
	int8_t slot;          /* the cache slot whose tree holds it; -1: free */
	uint8_t level;        /* 4: PML4 (3: a PAE-format root) ... 1: page table */
	uint8_t writes;       /* guest writes to its table since a fault last walked it */
};

/* A writable shadow leaf, by the guest page it maps (to write-protect it later). */
struct shadow_rmap {
	uint64_t gfn;
	uint32_t page, next;
	uint16_t index;
};

struct shadow_pt_config {
	const struct shadow_pt_ops *ops;
	void *ctx;
	uint64_t page_base;         /* npages shadow table pages from here */
	uint32_t npages;
	struct shadow_page *pages;  /* npages */
	uint32_t *buckets;          /* nbuckets (a power of two): guest table -> pages */
	uint32_t nbuckets;
	struct shadow_rmap *rmap;   /* nrmap nodes */
	uint32_t nrmap;
	uint32_t *rmap_buckets;     /* nbuckets */
	unsigned roots;             /* cache slots: address spaces kept */
};

struct shadow_pt_stats {
	uint64_t hidden, true_faults, pt_writes, fills, zaps, write_protects;
	uint64_t pages_used, pages_max, resets, unsupported;
	uint64_t syncs, retries; /* ops->sync calls; fills retried after one */
	uint64_t device;         /* accesses L2's EPT does not allow (SHADOW_DEVICE) */
	uint64_t prefetched; /* neighbouring entries filled beside a hidden fault's */
	uint64_t unlinked;   /* shadow tables dropped whole: their guest table kept being written */
};

struct shadow_pt {
	struct shadow_pt_config c;
	struct shadow_cache cache;
	uint32_t root_page[SHADOW_CACHE_MAX]; /* per cache slot */
	int current;                          /* the slot in use, or SHADOW_NO_SLOT */
	uint8_t users[SHADOW_CACHE_MAX];      /* vCPUs running on each slot */
	uint32_t free_head, rmap_free;
	uint32_t limbo_head, limbo_tail;      /* freed, reused after the next sync */
	uint32_t new_tables;                  /* guest tables newly protected, ever */
	bool flush;                           /* translations must be flushed (VPID) */
	enum shadow_format fmt;               /* the guest's paging format */
	uint64_t pdpte[SHADOW_CACHE_MAX][4];  /* PAE: the PDPTEs each root was built from */
	struct shadow_pt_stats stats;
};

enum shadow_result {
	SHADOW_FILLED,      /* hidden fault: resume the guest */
	SHADOW_TRUE_FAULT,  /* inject #PF with *guest_error */
	SHADOW_PT_WRITE,    /* emulate the write to guest table *pt_gpa, then table_write */
	SHADOW_DEVICE,      /* L2's EPT does not map *pt_gpa for it (a device): serve it so */
	SHADOW_UNSUPPORTED, /* the guest pages in another format, or no root active */
	SHADOW_ERROR,       /* a guest table or page outside L2's RAM, or no memory */
};

bool shadow_pt_init(struct shadow_pt *s, const struct shadow_pt_config *c);
/*
 * The guest pages in format f from now on: a change drops every shadow.
 * False if another vCPU runs on a shadow (formats are not mixed); then
 * nothing changed.
 */
bool shadow_pt_set_format(struct shadow_pt *s, enum shadow_format f);
/*
 * The guest loaded CR3 = cr3: the shadow root to run with (cached, or new);
 * s->current leaves its old slot for it. The root lies in page root_hpa
 * (a PAE-format root's 4 entries at its start).
 */
enum shadow_result shadow_pt_activate(struct shadow_pt *s, uint64_t cr3, uint64_t *root_hpa);
/*
 * PAE: the four PDPTEs the guest's CR3 load cached (after activate): the
 * active root's entries built from others are dropped.
 */
void shadow_pt_set_pdptes(struct shadow_pt *s, const uint64_t pdpte[4]);
/* A #PF at va with error code 'error' in mode m (its cr3 the active one). */
enum shadow_result shadow_pt_fault(struct shadow_pt *s, const struct walk_mode *m, uint64_t va,
				   uint32_t error, uint32_t *guest_error, uint64_t *pt_gpa);
/* The guest wrote guest-physical [gpa, gpa + len) (emulated): drop what mirrors it. */
void shadow_pt_table_write(struct shadow_pt *s, uint64_t gpa, unsigned len);
/*
 * Drops the shadow of root cr3 (its tables freed) unless another vCPU runs
 * on it; if it was the active one, none is active until the next
 * shadow_pt_activate.
 */
void shadow_pt_forget(struct shadow_pt *s, uint64_t cr3);
/* s->current stops running on its slot (none active): e.g. its space runs nested now. */
void shadow_pt_leave(struct shadow_pt *s);
/*
 * Drops every shadow (none active after it; those other vCPUs run on are
 * emptied instead): the fallback when a table write cannot be emulated.
 */
void shadow_pt_drop_all(struct shadow_pt *s);
/* INVLPG va in the active address space. */
void shadow_pt_invlpg(struct shadow_pt *s, uint64_t va);
/*
 * The linear address the guest entry at gpa maps, in a space whose shadow
 * mirrors its table, and the entry's level (1: a PTE); false if none does.
 */
bool shadow_pt_entry_va(const struct shadow_pt *s, uint64_t gpa, uint64_t *va, unsigned *level);
/* Whether guest-physical page gpa holds a table some shadow mirrors. */
bool shadow_pt_is_table(const struct shadow_pt *s, uint64_t gpa);
const char *shadow_result_str(enum shadow_result r);

#endif
