/*
 * hypercall.h - the hypercall ABI L2 reaches with VMCALL, and the synthetic
 * MSR. Shared with the test guests, which include it.
 *
 *   RAX = function, arguments in RBX, RCX, RDX; result in RAX
 *   (HC_OK or a negative HC_ERR_*), outputs in RBX, RCX, RDX.
 *   Only CPL 0 may call; elsewhere RAX = HC_ERR_PERM. HC_PROT_REGISTER is
 *   the exception: with protect=on a user program may register itself, or
 *   the table of every unregistered CR3 (a table can only take rights
 *   away, never reach the hypervisor's memory).
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
	HC_EXIT_COUNT = 2, /* -> RBX = VM exits of this vCPU so far, RCX = their VMREAD+VMWRITE */
	HC_EXIT = 3,       /* RBX = exit code (0 = pass): ends the run like isa-debug-exit */
	/* nested (0x400-0x4ff): -> RBX = exits from L3, RCX = of them reflected to L2,
	   RDX = L2's VMREAD+VMWRITE exits; HC_ERR_UNKNOWN with nested=off */
	HC_NESTED_STATS = 0x400,

	/* Per-program memory protection (hv/prot.c; protect=on), 0x100-0x1ff. */
	HC_PROT_REGISTER = 0x100,   /* RBX = the program's CR3 (0: the caller's), RCX =
				     * guest-physical address of its struct hc_prot_table,
				     * RDX = flags (HC_PROT_FOR_OTHERS)
				     * -> RBX = the program's view index (VMFUNC's ECX) */
	HC_PROT_SWITCH = 0x101,     /* RBX = view index (0: the base view): run with it now */
	HC_PROT_TRAMPOLINE = 0x102, /* RBX = guest-physical address of a 4 KiB page of
				     * L2's RAM: the hypervisor writes its VMFUNC
				     * trampoline there (void switch(unsigned index))
				     * and makes the page read+execute only; before any
				     * HC_PROT_REGISTER -> RBX = the number of views */
	/* Instruction emulation (hv/emul/; issue 6): 0x200-0x2ff. */
	HC_EMUL_PROMOTE = 0x200, /* RBX = traps before promotion (0 = never, HC_EMUL_PROMOTE_BOOT =
				    the promote= option): every promoted and patched site is
				    forgotten */
	HC_EMUL_PATCH = 0x201,   /* RBX = promoted traps before a site is patched (0 = never,
				    HC_EMUL_PROMOTE_BOOT = the patch= option); HC_ERR_INVAL
				    for a threshold where the run cannot patch
				    (paging=shadow|hybrid), patching left off */
	HC_EMUL_PATCH_STATS = 0x202, /* -> RBX = VMCALLs of bound patched sites served so far
					(all vCPUs), RCX = sites patched now */

	/* Interrupt policy (hv/irq/; issue 7): 0x300-0x3ff. */
	HC_IRQ_INFO = 0x300, /* -> RBX = this vCPU's HC_IRQ_* flags, RCX = external interrupts
			      * it intercepted so far, RDX = NMIs it intercepted */
	HC_MSIX_TEST = 0x380, /* RBX = entry of msix_test=on's synthetic MSI-X table -> RBX =
			       * the table's guest-physical address, RCX = the entry's message
			       * address as the "device" has it, RDX = its vector control;
			       * HC_ERR_INVAL without msix_test=on or past the table */
	HC_MSIX_TEST_MOVE = 0x381, /* RBX = a page-aligned guest-physical address below 4 GiB,
				    * outside RAM: the synthetic table moves there, as a BAR write
				    * moves a device's -> RBX = 1 if intercepted there */
	HC_ECAM_TEST = 0x382, /* -> RBX = the guest-physical base of ecam_test=on's synthetic
			       * ECAM window (bus 0, 1 MiB); HC_ERR_INVAL without ecam_test=on */

	/* Robustness (issue 10): 0x500-0x5ff. */
	HC_PROBE_CANARY = 0x500, /* -> RBX = the complement of hv/canary.h's value */

	/* Paging (issue 9): 0x700-0x7ff. HC_ERR_INVAL while pool=off. */
	HC_POOL_INFO = 0x700,     /* -> RBX = the pool region's guest-physical base, RCX = its
				     bytes, RDX = the machine bytes backing it */
	HC_POOL_SHARE = 0x701,    /* a sharing scan now -> RBX = pages merged */
	HC_POOL_SWAP_OUT = 0x702, /* RBX = n: swap out up to n cold pages -> RBX = done */
	HC_POOL_STATS = 0x703,    /* RBX = guest-physical address of a struct hc_pool_stats */
	HC_SHARED_MAP = 0x710,    /* RBX = guest-physical address of a page of L2's RAM (not
				     the pool's): this vCPU's shared page appears there */
	HC_SHARED_KICK = 0x711,   /* serve the shared page's requests, refresh its counters
				     -> RBX = requests served */
};

#define HC_PAGING_FIRST 0x700
#define HC_PAGING_LAST 0x7ff

/* HC_POOL_STATS's buffer: the page pool's counters (hv/mmu/page_pool.h). */
struct hc_pool_stats {
	unsigned long long first_touch, swap_in, swap_out, swap_out_zero, swap_bytes;
	unsigned long long cow_copy, cow_reuse, merged;
	unsigned long long frames_idle, frames_active, frames_shared, pages_swapped;
};

/*
 * The per-vCPU page the hypervisor shares on purpose with L2 (seed 000): the
 * one page of L1's memory L2 can reach (hv/shared_page.c). The hypervisor
 * fills the counters on HC_SHARED_MAP and on every HC_SHARED_KICK, which
 * also serves req[0..nreq) in order, a batch for one exit.
 */
#define HV_SHARED_MAGIC 0x4547415044524853ull /* "SHRDPAGE" */
#define HV_SHARED_REQS 16
#define HV_SHARED_REASONS 64

enum hv_shared_op {
	HV_SHARED_OP_ECHO = 0,       /* result = arg + 1 */
	HV_SHARED_OP_EXIT_COUNT = 1, /* result = exits of basic reason arg so far */
	HV_SHARED_OP_POOL_SHARE = 2, /* result = pages merged (HC_POOL_SHARE) */
	HV_SHARED_OP_POOL_SWAP_OUT = 3, /* swap out up to arg pages; result = done */
};

struct hv_shared_request {
	unsigned long long op, arg, result, status; /* status: HC_OK or HC_ERR_* */
};

struct hv_shared_page {
	unsigned long long magic, vcpu, refreshes;
	unsigned long long exits, vmrw;                       /* this vCPU's, at refresh */
	unsigned long long exit_count[HV_SHARED_REASONS];     /* by basic exit reason */
	struct hc_pool_stats pool;                            /* zero with pool=off */
	unsigned long long nreq;
	struct hv_shared_request req[HV_SHARED_REQS];
};

#define HC_EMUL_PROMOTE_BOOT (~0ull)
#define HC_EMUL_THRESHOLD_MAX 1000000 /* larger: HC_ERR_INVAL */

/* HC_IRQ_INFO's flags. */
#define HC_IRQ_INTERCEPT 1u   /* irq=<cpu>:intercept (else direct) */
#define HC_IRQ_NMI_EXITING 2u /* NMIs exit (virtual NMIs) */
#define HC_IRQ_ROUTES_POLICED 4u /* ioapic_model=on: L2's IOAPIC routes are held to irq= */
/* What HC_MSIX_TEST's synthetic table's PBA reads: entry 3 pending. */
#define HC_MSIX_TEST_PBA 0x8u

#define HC_OK 0
#define HC_ERR_UNKNOWN (-1) /* no such function */
#define HC_ERR_INVAL (-2)   /* a bad argument (e.g. memory that is not L2's) */
#define HC_ERR_PERM (-3)    /* not called from CPL 0 */

#define HC_LOG_MAX 200

/* HC_PROT_* errors besides HC_ERR_INVAL (a refused table: the log says why). */
#define HC_ERR_PROT_OFF (-0x100)      /* protect=off */
#define HC_ERR_PROT_FULL (-0x101)     /* no room for another program, or out of memory */
#define HC_ERR_PROT_NOVMFUNC (-0x102) /* L0 offers no VMFUNC EPTP switching */
#define HC_ERR_PROT_BUSY (-0x103)     /* the CR3 is registered, or programs exist already */

/*
 * HC_PROT_REGISTER's RDX: the table is for every CR3 no program registered
 * (RBX ignored), instead of the base view's full access.
 */
#define HC_PROT_FOR_OTHERS 1u

/* A protection table as L2 passes it to HC_PROT_REGISTER (in its RAM). */
#define HC_PROT_R 1u
#define HC_PROT_W 2u
#define HC_PROT_X 4u
enum hc_prot_policy { HC_PROT_INJECT_PF, HC_PROT_INJECT_GP, HC_PROT_STOP };
#define HC_PROT_MAX_REGIONS 32

struct hc_prot_region {
	unsigned long long base, size; /* guest-physical, 4 KiB aligned */
	unsigned int rights;           /* HC_PROT_R | HC_PROT_W | HC_PROT_X */
	unsigned int reserved;         /* 0 */
};

struct hc_prot_table {
	unsigned int policy;  /* enum hc_prot_policy: what a violation does */
	unsigned int n;       /* regions that follow, <= HC_PROT_MAX_REGIONS */
	struct hc_prot_region region[];
};

/*
 * A synthetic MSR the hypervisor emulates (outside the MSR bitmap's ranges,
 * so every access exits): RDMSR returns the vCPU's last WRMSR value. For
 * measuring an emulated MSR round trip.
 */
#define HV_MSR_SCRATCH 0x4e480000u

#endif
