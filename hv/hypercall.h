/*
 * hypercall.h - the hypercall ABI L2 reaches with VMCALL, and the synthetic
 * MSR. Shared with the test guests, which include it.
 *
 *   RAX = function, arguments in RBX, RCX, RDX; result in RAX
 *   (HC_OK or a negative HC_ERR_*), outputs in RBX, RCX, RDX.
 *   Only CPL 0 may call; elsewhere RAX = HC_ERR_PERM.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#define HC_ABI_VERSION 1
/* HC_VERSION's RCX:RDX: the bytes of "NestedHVisor", little-endian. */
#define HC_SIGNATURE_LOW 0x564864657473654eull  /* "NestedHV" */
#define HC_SIGNATURE_HIGH 0x726f7369ull         /* "isor" */

enum hypercall {
	HC_VERSION = 0,    /* -> RBX = ABI version, RCX:RDX = "NestedHVisor" bytes 0-7 */
	HC_LOG = 1,        /* RBX = guest-physical address, RCX = length (<= 200): log it */
	HC_EXIT_COUNT = 2, /* -> RBX = VM exits of this vCPU so far, RCX = VMREAD+VMWRITE */
	HC_EXIT = 3,       /* RBX = exit code (0 = pass): ends the run like isa-debug-exit */

	/* Paging (issue 9): 0x700-0x7ff. HC_ERR_INVAL while pool=off. */
	HC_POOL_INFO = 0x700,     /* -> RBX = the pool region's guest-physical base, RCX = its
				     bytes, RDX = the machine bytes backing it */
	HC_POOL_SHARE = 0x701,    /* a sharing scan now -> RBX = pages merged */
	HC_POOL_SWAP_OUT = 0x702, /* RBX = n: swap out up to n cold pages -> RBX = done */
	HC_POOL_STATS = 0x703,    /* RBX = guest-physical address of a struct hc_pool_stats */
};

#define HC_PAGING_FIRST 0x700
#define HC_PAGING_LAST 0x7ff

/* HC_POOL_STATS's buffer: the page pool's counters (hv/mmu/page_pool.h). */
struct hc_pool_stats {
	unsigned long long first_touch, swap_in, swap_out, swap_out_zero, swap_bytes;
	unsigned long long cow_copy, cow_reuse, merged;
	unsigned long long frames_idle, frames_active, frames_shared, pages_swapped;
};

#define HC_OK 0
#define HC_ERR_UNKNOWN (-1) /* no such function */
#define HC_ERR_INVAL (-2)   /* a bad argument (e.g. memory that is not L2's) */
#define HC_ERR_PERM (-3)    /* not called from CPL 0 */

#define HC_LOG_MAX 200

/*
 * A synthetic MSR the hypervisor emulates (outside the MSR bitmap's ranges,
 * so every access exits): RDMSR returns the vCPU's last WRMSR value. For
 * measuring an emulated MSR round trip.
 */
#define HV_MSR_SCRATCH 0x4e480000u

#endif
