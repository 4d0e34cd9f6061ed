/*
 * shared_page.c - separate address spaces, one page shared (seed 000). The
 * hypervisor (L1) runs on its own page tables (the boot identity map, or
 * protect.c's with selfprotect=on; HOST_CR3 in the VMCS) and L2 in its own
 * guest-physical space, whose EPT (guest_mem.c) leaves out every byte of
 * hv_private: the image, the boot information and the hypervisor's pool.
 * The only L1 memory L2 can reach is what is mapped on purpose: this page,
 * one per vCPU, taken from the pool and put into L2's EPT at a page of L2's
 * own RAM that L2 names (HC_SHARED_MAP; the RAM page behind it is not used
 * again). L2 never learns where the page lives in host memory. The
 * hypervisor writes counters into it at HC_SHARED_MAP and HC_SHARED_KICK
 * and reads requests from it at HC_SHARED_KICK, so exits stay as they are:
 * nothing is added to the exit path.
 */
#include "boot_mem.h"
#include "guest_mem.h"
#include "guest_pool.h"
#include "hypercall.h"
#include "lib/string.h"
#include "log.h"
#include "mmu/mtrr.h"
#include "shared_page.h"
#include "vmx.h"

static struct hv_shared_page *pages[MAX_VCPUS];
static uint64_t mapped_at[MAX_VCPUS];

static void refresh(struct vcpu *v, struct hv_shared_page *p)
{
	p->refreshes++;
	p->exits = vcpu_exits(v);
	p->vmrw = vmrw_count();
	for (unsigned r = 0; r < HV_SHARED_REASONS && r < VMX_EXIT_REASON_COUNT; r++)
		p->exit_count[r] = v->exit_count[r];
	guest_pool_stats(&p->pool);
}

static int64_t map_page(struct vcpu *v, uint64_t gpa)
{
	uint64_t hpa;

	if (gpa % PAGE_SIZE || !guest_mem_ptr(gpa, PAGE_SIZE) || guest_pool_contains(gpa))
		return HC_ERR_INVAL;
	if (!pages[v->index]) {
		hpa = alloc_page_or_panic("shared page");
		pages[v->index] = (struct hv_shared_page *)(uintptr_t)hpa;
		*pages[v->index] = (struct hv_shared_page){ .magic = HV_SHARED_MAGIC,
							    .vcpu = v->index };
	}
	hpa = (uint64_t)(uintptr_t)pages[v->index];
	if (mapped_at[v->index] && mapped_at[v->index] != gpa &&
	    ept_map(&guest_ept, mapped_at[v->index], mapped_at[v->index], PAGE_SIZE, EPT_RWX,
		    MTRR_WB, false))
		return HC_ERR_INVAL; /* the RAM page it hid comes back */
	if (ept_map(&guest_ept, gpa, hpa, PAGE_SIZE, EPT_RWX, MTRR_WB, false))
		return HC_ERR_INVAL;
	invept_all();
	mapped_at[v->index] = gpa;
	refresh(v, pages[v->index]);
	log_info("vCPU %u: shared page mapped at L2's %#lx", v->index, gpa);
	log_mline("shared-page", "vcpu=%u gpa=%#lx", v->index, gpa);
	return HC_OK;
}

static void serve(struct vcpu *v, struct hv_shared_request *r)
{
	r->status = HC_OK;
	switch (r->op) {
	case HV_SHARED_OP_ECHO:
		r->result = r->arg + 1;
		break;
	case HV_SHARED_OP_EXIT_COUNT:
		if (r->arg < VMX_EXIT_REASON_COUNT)
			r->result = v->exit_count[r->arg];
		else
			r->status = (unsigned long long)HC_ERR_INVAL;
		break;
	case HV_SHARED_OP_POOL_SHARE:
	case HV_SHARED_OP_POOL_SWAP_OUT: {
		uint64_t fn = r->op == HV_SHARED_OP_POOL_SHARE ? HC_POOL_SHARE : HC_POOL_SWAP_OUT;
		uint64_t rbx = v->gpr[GPR_RBX];
		int64_t ret;

		v->gpr[GPR_RBX] = r->arg;
		ret = guest_pool_hypercall(v, fn);
		r->result = v->gpr[GPR_RBX];
		r->status = (unsigned long long)ret;
		v->gpr[GPR_RBX] = rbx;
		break;
	}
	default:
		r->status = (unsigned long long)HC_ERR_UNKNOWN;
	}
}

static int64_t kick(struct vcpu *v)
{
	struct hv_shared_page *p = pages[v->index];
	uint64_t n;

	if (!p || !mapped_at[v->index])
		return HC_ERR_INVAL;
	n = __atomic_load_n(&p->nreq, __ATOMIC_ACQUIRE);
	if (n > HV_SHARED_REQS)
		return HC_ERR_INVAL;
	for (uint64_t i = 0; i < n; i++)
		serve(v, &p->req[i]);
	p->nreq = 0;
	refresh(v, p);
	v->gpr[GPR_RBX] = n;
	return HC_OK;
}

int64_t shared_page_hypercall(struct vcpu *v, uint64_t fn)
{
	if (fn == HC_SHARED_MAP)
		return map_page(v, v->gpr[GPR_RBX]);
	if (fn == HC_SHARED_KICK)
		return kick(v);
	return HC_ERR_UNKNOWN;
}
