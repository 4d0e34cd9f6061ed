/*
 * hybrid_policy.h - paging=hybrid's choice per address space (guest table
 * root): shadowed or nested, decided at each of its CR3 loads from what the
 * hypervisor measured of it. VMX turns EPT on or off for a whole VM entry,
 * so a space is one or the other (hv/shadow_mode.c applies the choice;
 * scripts/hvtool/walkmodel.py replays the same policy as hybrid-sw).
 *
 * What is measured: while a space is shadowed, its page-table-write traps
 * (the table pages written: its "hot" tables) and its hidden faults (the
 * TLB misses the shadow serves, the miss cost a nested space pays 24 walk
 * references for instead of 4). While it is nested neither traps, so at
 * each of its CR3 loads its hot tables are fingerprinted (their entries
 * without the A/D bits the CPU sets): unchanged since its previous load
 * means its tables have gone quiet. Pure logic: tests/unit/test_hybrid_policy.c.
 */
#ifndef HV_MMU_HYBRID_POLICY_H
#define HV_MMU_HYBRID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define HYBRID_SPACES 32  /* spaces tracked (least recently loaded forgotten) */
#define HYBRID_HOT 2      /* hot table pages remembered per space */
#define HYBRID_TRIAL 16   /* shadowed loads after which a quiet move has paid off */
#define HYBRID_QUIET_MAX 64

/* The policy's settings (boot options hybrid_*). */
struct hybrid_config {
	uint32_t writes;   /* table-write traps while shadowed that move a space to nested */
	uint32_t probe;    /* CR3 loads nested before it is shadowed again anyway; 0: never */
	uint32_t quiet;    /* its loads in a row with its hot tables unchanged ... */
	uint32_t misses;   /* ... and hidden faults per 100 shadowed loads: back to shadow */
};

/* What a CR3 load does to its space. */
enum hybrid_move {
	HYBRID_STAY,
	HYBRID_TO_NESTED,       /* it trapped cfg.writes table writes while shadowed */
	HYBRID_TO_SHADOW_QUIET, /* its tables went quiet and its miss cost is high */
	HYBRID_TO_SHADOW_PROBE, /* cfg.probe loads nested: shadowed to be measured anew */
};

struct hybrid_space {
	uint64_t root, last_use;
	uint64_t hot[HYBRID_HOT];      /* guest-physical table pages its trapped writes hit */
	uint64_t hot_print[HYBRID_HOT]; /* their fingerprints at its last nested load */
	uint64_t misses;       /* hidden faults while shadowed (its life in the table) */
	uint64_t shadow_loads; /* CR3 loads while shadowed (likewise) */
	uint32_t nhot;
	uint32_t writes;       /* table-write traps in this shadowed stint */
	uint32_t stint_loads;  /* its loads since it last changed mode */
	uint32_t quiet_loads;  /* nested loads in a row with its hot tables unchanged */
	uint32_t quiet_need;   /* how many it needs: cfg.quiet, doubled by failed quiet moves */
	bool nested, valid;
	bool quiet_move;       /* this shadowed stint began with a quiet move */
};

struct hybrid_policy {
	struct hybrid_config cfg;
	struct hybrid_space spaces[HYBRID_SPACES];
	uint64_t clock;
	/* A guest-physical page's 512 entries as the hypervisor reads them (NULL: none). */
	const uint64_t *(*page)(void *ctx, uint64_t gpa);
	void *ctx;
};

void hybrid_init(struct hybrid_policy *p, const struct hybrid_config *cfg,
		 const uint64_t *(*page)(void *ctx, uint64_t gpa), void *ctx);
/* The entry of the space rooted at root (a new one starts shadowed). */
struct hybrid_space *hybrid_space_of(struct hybrid_policy *p, uint64_t root);
/* A CR3 load of s: the move it makes (s is in its new mode after it). */
enum hybrid_move hybrid_load(struct hybrid_policy *p, struct hybrid_space *s);
/* A trapped write to the guest table at gpa while s ran shadowed. */
void hybrid_pt_write(struct hybrid_space *s, uint64_t gpa);
/* A hidden fault (a shadow fill) while s ran shadowed. */
void hybrid_miss(struct hybrid_space *s);
/* The fingerprint of a table page's entries, A and D left out (the CPU sets them). */
uint64_t hybrid_table_print(const uint64_t *entries);
/* The reason a move gives in the log: pt-writes, quiet, probe ("" for none). */
const char *hybrid_move_reason(enum hybrid_move m);

#endif
