/*
 * paging.c - the paging mode and the paging hypercalls. paging=nested is
 * EPT alone, as the hypervisor has always run L2. shadow and hybrid are
 * refused for now: their pure parts exist (mmu/shadow_pt.h: the shadow
 * tables, their root cache, hidden and true faults), the VMX side does not
 * (EPT off once L2 pages, CR3-load and INVLPG exiting, #PF interception,
 * write-protected guest tables emulated through hv/emul/).
 */
#include "guest_pool.h"
#include "hypercall.h"
#include "log.h"
#include "options.h"
#include "paging.h"
#include "power.h"
#include "shared_page.h"

void paging_init(void)
{
	static const char *const names[] = { "nested", "shadow", "hybrid" };

	if (hv_opts.paging == PAGING_NESTED)
		return;
	log_error("paging=%s is not implemented yet: only paging=nested runs L2 (the shadow "
		  "tables exist as tested pure logic, their VMX side does not)",
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
