/*
 * paging.c - the paging mode and the paging hypercalls. paging=nested is
 * EPT alone, as the hypervisor has always run L2; paging=shadow is
 * shadow_mode.c. paging=hybrid is refused for now: VMX offers no walk that
 * mixes the two, so it would switch a whole address space between them at
 * CR3 loads by its page-table-write and TLB-miss counts (what
 * scripts/hvtool/walkmodel.py calls hybrid-sw), and that policy is not
 * written yet.
 */
#include "guest_pool.h"
#include "hypercall.h"
#include "log.h"
#include "options.h"
#include "paging.h"
#include "power.h"
#include "shadow_mode.h"
#include "shared_page.h"

void paging_init(void)
{
	static const char *const names[] = { "nested", "shadow", "hybrid" };

	if (hv_opts.paging == PAGING_NESTED)
		return;
	if (hv_opts.paging == PAGING_SHADOW) {
		shadow_mode_init();
		return;
	}
	log_error("paging=%s is not implemented yet: paging=nested or paging=shadow",
		  names[hv_opts.paging]);
	hv_finish(false, "bad-cmdline");
}

int64_t paging_hypercall(struct vcpu *v, uint64_t fn)
{
	if (fn >= HC_SHARED_MAP && fn <= HC_SHARED_KICK)
		return shared_page_hypercall(v, fn);
	if (fn >= HC_POOL_INFO && fn <= HC_POOL_STATS)
		return guest_pool_hypercall(v, fn);
	return HC_ERR_UNKNOWN;
}
