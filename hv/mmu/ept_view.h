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
	struct ept ept;		/* its root; ops and ctx are the base's */
	const struct ept *base;
	uint64_t own_pages;	/* paging-structure pages of its own, root included */
};

/*
 * Builds v from base and t (which prot_table_check accepted): in each
 * region the rights are the base's and the region's together (a region
 * never adds any). Returns 0 or an ept_error; on EPT_ERR_NOMEM nothing of
 * the view is left. The base must not change while the view exists: its
 * tables are the view's too (ept.h: ept_map and ept_unmap replace and free
 * them).
 */
int ept_view_build(struct ept_view *v, const struct ept *base, const struct prot_table *t);

/* Frees the view's own pages (never the base's). */
void ept_view_destroy(struct ept_view *v);

#endif
