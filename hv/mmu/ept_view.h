/*
 * ept_view.h - an EPT view: the base EPT with a protection table's rights
 * applied, sharing every paging-structure page it does not change with the
 * base. Building copies (copy-on-write) only the tables on the way to a
 * region and splits only the large pages a region covers in part; every
 * other entry still points at the base's subtrees. Destroying frees only
 * the view's own pages.
 */
#ifndef HV_MMU_EPT_VIEW_H
#define HV_MMU_EPT_VIEW_H

#include <stdint.h>

#include "mmu/ept.h"
#include "mmu/prot_table.h"

struct ept_view {
	struct ept ept;		/* its root, and where its own pages come from */
	const struct ept *base;
	uint64_t own_pages;	/* paging-structure pages of its own, root included */
};

/*
 * Builds v from base and t (which prot_table_check accepted), its own
 * pages from ops (whose phys_to_virt must agree with the base's): in each
 * region the rights are the base's and the region's together (a region
 * never adds any). Returns 0 or an ept_error; on EPT_ERR_NOMEM nothing of
 * the view is left. The base must not change while the view exists: its
 * tables are the view's too (ept.h: ept_map and ept_unmap replace and free
 * them), except as ept_view_refresh_page allows.
 */
int ept_view_build(struct ept_view *v, const struct ept *base, const struct prot_table *t,
		   const struct ept_ops *ops, void *ctx);

/*
 * The base's translation of the 4 KiB page at gpa changed (ept_map of that
 * one page: its rights, or a split on the way to it; no table of the base
 * freed): makes v, built from t, agree again. Where v still shares the
 * base's tables for gpa nothing is to do; where it has its own, the page
 * gets a 4 KiB entry of its own from the base's translation and t's
 * rights. Returns 0 or EPT_ERR_NOMEM (v then still gives the old rights
 * there, or the page split into the same). Needs an INVEPT of v after.
 */
int ept_view_refresh_page(struct ept_view *v, const struct prot_table *t, uint64_t gpa);

/* Frees the view's own pages (never the base's). */
void ept_view_destroy(struct ept_view *v);

#endif
