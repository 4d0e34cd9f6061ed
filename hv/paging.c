/*
 * paging.c - the paging mode and the paging hypercalls. paging=nested is
 * EPT alone, as the hypervisor has always run L2; paging=shadow and
 * paging=hybrid (a whole address space shadowed or nested, switched at its
 * CR3 loads: VMX offers no walk that mixes the two) are shadow_mode.c.
 */
#include "guest_pool.h"
#include "hypercall.h"
#include "options.h"
#include "paging.h"
#include "shadow_mode.h"
#include "shared_page.h"

void paging_init(void)
{
	if (hv_opts.paging != PAGING_NESTED)
		shadow_mode_init();
}

int64_t paging_hypercall(struct vcpu *v, uint64_t fn)
{
	if (fn >= HC_SHARED_MAP && fn <= HC_SHARED_KICK)
		return shared_page_hypercall(v, fn);
	if (fn >= HC_POOL_INFO && fn <= HC_POOL_STATS)
		return guest_pool_hypercall(v, fn);
	return HC_ERR_UNKNOWN;
}
