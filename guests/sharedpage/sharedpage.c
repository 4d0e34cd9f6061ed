/*
 * sharedpage.c - a test guest for the page the hypervisor shares with each
 * vCPU (HC_SHARED_MAP, HC_SHARED_KICK; hv/shared_page.c): it maps the page
 * over one of its own, reads the counters the hypervisor put there, sends a
 * batch of requests through it with one exit, and checks that the page is
 * the only thing that changed: its neighbour is still its own RAM, memory
 * that is not L2's is refused, and the hypervisor's address never shows.
 */
#include <stddef.h>

#include "guest.h"
#include "vmcall.h"

#define PAGE 4096u
#define REASON_CPUID 10

static uint8_t area[3 * PAGE] __attribute__((aligned(PAGE)));

static volatile struct hv_shared_page *shared(void)
{
	return (volatile struct hv_shared_page *)(void *)(area + PAGE);
}

static bool map_checks(void)
{
	volatile uint64_t *below = (volatile uint64_t *)(void *)area;
	volatile uint64_t *above = (volatile uint64_t *)(void *)(area + 2 * PAGE);
	uint64_t gpa = (uint64_t)(uintptr_t)(area + PAGE);
	bool ok = true;

	*below = 0x1111;
	*above = 0x2222;
	((volatile uint64_t *)shared())[0] = 0x3333; /* what the guest had there */
	ok &= guest_check("shared-refuses-hv-memory",
			  vmcall(HC_SHARED_MAP, 0x200000, 0, 0).ret == HC_ERR_INVAL,
			  "the hypervisor's image is not L2's RAM");
	ok &= guest_check("shared-refuses-unaligned",
			  vmcall(HC_SHARED_MAP, gpa + 8, 0, 0).ret == HC_ERR_INVAL, "gpa %#lx",
			  gpa + 8);
	ok &= guest_check("shared-map", vmcall(HC_SHARED_MAP, gpa, 0, 0).ret == HC_OK,
			  "at %#lx", gpa);
	ok &= guest_check("shared-contents", shared()->magic == HV_SHARED_MAGIC &&
			  shared()->vcpu == 0 && shared()->refreshes == 1 && shared()->exits > 0,
			  "magic %#llx vcpu %llu refreshes %llu exits %llu", shared()->magic,
			  shared()->vcpu, shared()->refreshes, shared()->exits);
	ok &= guest_check("shared-neighbours-own", *below == 0x1111 && *above == 0x2222,
			  "the pages around it are still L2's");
	return ok;
}

static bool kick_checks(void)
{
	volatile struct hv_shared_page *p = shared();
	uint64_t cpuids = p->exit_count[REASON_CPUID], exits;
	struct hc_result r;
	bool ok = true;

	for (int i = 0; i < 3; i++)
		cpuid(0, 0);
	p->req[0] = (struct hv_shared_request){ .op = HV_SHARED_OP_ECHO, .arg = 41 };
	p->req[1] = (struct hv_shared_request){ .op = HV_SHARED_OP_EXIT_COUNT,
						.arg = REASON_CPUID };
	p->req[2] = (struct hv_shared_request){ .op = 99 };
	p->req[3] = (struct hv_shared_request){ .op = HV_SHARED_OP_POOL_SHARE };
	p->nreq = 4;
	r = vmcall(HC_SHARED_KICK, 0, 0, 0);
	exits = (uint64_t)vmcall(HC_EXIT_COUNT, 0, 0, 0).rbx;
	ok &= guest_check("shared-kick", r.ret == HC_OK && r.rbx == 4 && p->nreq == 0,
			  "ret %ld served %lu", r.ret, r.rbx);
	ok &= guest_check("shared-echo", p->req[0].result == 42 && p->req[0].status == HC_OK,
			  "echoed %llu", p->req[0].result);
	ok &= guest_check("shared-exit-count", p->req[1].result == cpuids + 3 &&
			  p->exit_count[REASON_CPUID] == cpuids + 3, "CPUID exits %llu, before %lu",
			  p->req[1].result, cpuids);
	ok &= guest_check("shared-unknown-op", p->req[2].status == (unsigned long long)HC_ERR_UNKNOWN,
			  "status %lld", (long long)p->req[2].status);
	ok &= guest_check("shared-pool-off", p->req[3].status == (unsigned long long)HC_ERR_INVAL,
			  "status %lld", (long long)p->req[3].status);
	/* the counters are as of the kick: the HC_EXIT_COUNT after it is one more */
	ok &= guest_check("shared-counters", p->exits + 1 == exits && p->refreshes == 2,
			  "page says %llu exits, HC_EXIT_COUNT %lu", p->exits, exits);
	return ok;
}

bool guest_main(const char *cmdline)
{
	bool ok;

	(void)cmdline;
	if (!hv_present()) {
		guest_mline("sharedpage-error", "reason=\"no hypervisor\"");
		return false;
	}
	ok = map_checks();
	ok = ok && kick_checks();
	vmcall(HC_EXIT, ok ? 0 : 1, 0, 0);
	return false;
}
