/*
 * prot_table.h - a program's memory protection table (seed 004): regions
 * of guest-physical memory with read/write/execute rights, and what to do
 * when the program breaks them. Memory outside every region keeps the
 * rights of the base EPT; a region only ever takes rights away. Pure
 * logic: the checks a table must pass before it becomes an EPT view.
 */
#ifndef HV_MMU_PROT_TABLE_H
#define HV_MMU_PROT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem_ranges.h"
#include "mmu/ept.h"

#define PROT_MAX_REGIONS 32

/* What a violation does (the table's policy). */
enum prot_policy {
	PROT_INJECT_PF,	/* a #PF into the guest, CR2 = the linear address */
	PROT_INJECT_GP,	/* a #GP(0) into the guest */
	PROT_STOP,	/* the run ends with a failing verdict */
	PROT_POLICY_COUNT
};

struct prot_region {
	uint64_t base, size;	/* guest-physical, 4 KiB aligned */
	unsigned rights;	/* EPT_R | EPT_W | EPT_X, any subset */
};

struct prot_table {
	enum prot_policy policy;
	unsigned n;
	struct prot_region r[PROT_MAX_REGIONS];
};

enum prot_error {
	PROT_OK = 0,
	PROT_ERR_COUNT,		/* more than PROT_MAX_REGIONS regions */
	PROT_ERR_POLICY,	/* no such policy */
	PROT_ERR_EMPTY,		/* a region of size 0 */
	PROT_ERR_ALIGN,		/* base or size not 4 KiB aligned */
	PROT_ERR_WRAP,		/* base + size wraps or passes the guest-physical limit */
	PROT_ERR_RIGHTS,	/* bits besides RWX, or write without read */
	PROT_ERR_EXEC_ONLY,	/* execute-only, which this CPU's EPT cannot express */
	PROT_ERR_CONFLICT,	/* overlaps an earlier region with other rights */
	PROT_ERR_HV_MEMORY,	/* covers memory the hypervisor keeps */
	PROT_ERR_RESERVED,	/* covers the VMFUNC trampoline page */
	PROT_ERR_DEVICE,	/* covers an emulated device: not in the EPT, so no
				 * view could guard it */
};

/* Memory no table may name, by reason (any may be NULL). */
struct prot_forbidden {
	const struct mem_ranges *hv;		/* the hypervisor's own */
	const struct mem_ranges *trampoline;	/* the VMFUNC trampoline page */
	const struct mem_ranges *devices;	/* emulated devices (hv/emul/mmio.h) */
};

/* Where prot_table_check found the first problem. */
struct prot_check {
	enum prot_error err;
	unsigned region;	/* the offending region's index */
	unsigned other;		/* PROT_ERR_CONFLICT: the earlier region it overlaps */
};

/*
 * Checks t: every region non-empty, aligned, not wrapping, with valid
 * rights (execute-only only if exec_only_ok: IA32_VMX_EPT_VPID_CAP bit 0);
 * overlapping regions agree on their rights; nothing of f is covered.
 * Returns true if t may be used; else *c says why and where.
 */
bool prot_table_check(const struct prot_table *t, const struct prot_forbidden *f,
		      bool exec_only_ok, struct prot_check *c);

/* The rights t gives gpa: the region's, or 'outside' where no region covers it. */
unsigned prot_table_rights(const struct prot_table *t, uint64_t gpa, unsigned outside);

const char *prot_strerror(enum prot_error err);
/* "pf", "gp", "stop" */
const char *prot_policy_name(enum prot_policy p);
/* "rwx", "r-x", "---" ... into buf[4]. */
const char *prot_rights_str(unsigned rights, char buf[4]);

#endif
