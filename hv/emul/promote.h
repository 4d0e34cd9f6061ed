/*
 * promote.h - the emulation promotion cache (DESIGN.md section 2): per-site
 * trap counters (site = guest-physical address of the instruction + its
 * bytes + code size) and, past a threshold, the site's decoded operation,
 * so the next trap skips Capstone. Set-associative and bounded; a full set
 * evicts its least recently used counter-only site first, then its least
 * recently used promoted one. Pure logic (tests/unit/test_promote.c); the
 * caller locks and keeps promoted code pages write-protected
 * (promote_page_has_promoted, promote_invalidate_page).
 */
#ifndef HV_EMUL_PROMOTE_H
#define HV_EMUL_PROMOTE_H

#include <stdbool.h>
#include <stdint.h>

#include "emul/insn.h"

#define PROMOTE_WAYS 4
#define PROMOTE_SETS 64
#define PROMOTE_ENTRIES (PROMOTE_WAYS * PROMOTE_SETS)
#define PROMOTE_MAX_INSN 15

struct promote_site {
	uint64_t gpa;        /* first byte of the instruction (in one page) */
	uint64_t last_use;   /* the cache's clock at the last trap */
	uint32_t traps;      /* the frequency judgment */
	uint32_t hits;       /* traps served promoted (the patching judgment) */
	uint8_t len, code_bits, promoted; /* len 0: an empty way */
	uint8_t bytes[PROMOTE_MAX_INSN];
	struct emul_insn insn; /* valid when promoted */
};

struct promote_stats {
	uint64_t hits, misses, promotions, invalidations, evictions;
};

struct promote_cache {
	struct promote_site s[PROMOTE_ENTRIES];
	uint64_t threshold;  /* traps before a site is promoted; 0 = never */
	uint64_t clock;
	struct promote_stats st;
};

void promote_init(struct promote_cache *c, uint64_t threshold);
/*
 * The promoted operation of the site at gpa whose bytes start 'bytes'
 * (n of them fetched), or NULL (a miss: decode, then promote_record).
 */
const struct emul_insn *promote_lookup(struct promote_cache *c, uint64_t gpa,
				       const uint8_t *bytes, unsigned n, unsigned code_bits,
				       uint32_t *hits);
/* Counts a decoded trap of the site; returns true when this one promoted it. */
bool promote_record(struct promote_cache *c, uint64_t gpa, const uint8_t *bytes,
		    unsigned code_bits, const struct emul_insn *insn);
/* Forgets every site whose bytes touch the 4 KiB page at page_gpa; returns how many. */
unsigned promote_invalidate_page(struct promote_cache *c, uint64_t page_gpa);
/* Whether a promoted site has bytes in that page (it must stay write-protected). */
bool promote_page_has_promoted(const struct promote_cache *c, uint64_t page_gpa);
/*
 * Rewrites the len-byte instruction at code[off] (inside one 4 KiB page) as
 * VMCALL followed by NOPs, so the instructions after it keep their
 * boundaries. False (nothing written) if it is shorter than a VMCALL.
 */
bool promote_patch_bytes(uint8_t *code, unsigned off, unsigned len);
#define PATCH_VMCALL_LEN 3
/* Forgets everything (counted as invalidations of the promoted sites). */
void promote_flush(struct promote_cache *c);

#endif
