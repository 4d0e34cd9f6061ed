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
	/* Instruction emulation (0x200-0x2ff): */
	HC_EMUL_PROMOTE = 0x200, /* RBX = traps before promotion (0 = never, HC_EMUL_PROMOTE_BOOT =
				    the promote= option): every promoted site is forgotten */
	HC_EMUL_PATCH = 0x201,   /* RBX = promoted traps before a site is patched (0 = never,
				    HC_EMUL_PROMOTE_BOOT = the patch= option) */
};

#define HC_EMUL_PROMOTE_BOOT (~0ull)

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
