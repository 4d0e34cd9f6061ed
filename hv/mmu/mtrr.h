/*
 * mtrr.h - the memory type the MTRRs give a physical range (SDM Vol. 3A
 * 12.11), computed from raw MSR values the caller read, so that EPT leaves
 * can carry the host's types and large pages are used only where uniform.
 */
#ifndef HV_MMU_MTRR_H
#define HV_MMU_MTRR_H

#include <stdint.h>

/* Memory type encodings the MTRRs can hold (SDM Vol. 3A 12.11). */
#define MTRR_UC 0
#define MTRR_WC 1
#define MTRR_WT 4
#define MTRR_WP 5
#define MTRR_WB 6

#define MSR_IA32_MTRRCAP		0xfe
#define MSR_IA32_MTRR_DEF_TYPE		0x2ff
#define MSR_IA32_MTRR_PHYSBASE(n)	(0x200 + 2 * (n))
#define MSR_IA32_MTRR_PHYSMASK(n)	(0x201 + 2 * (n))

/* IA32_MTRRCAP and IA32_MTRR_DEF_TYPE bits (SDM Vol. 3A 12.11.1, 12.11.2.1). */
#define MTRRCAP_VCNT_MASK	0xffull		/* variable ranges offered */
#define MTRRCAP_FIX		(1ull << 8)	/* fixed ranges offered */
#define MTRR_DEF_TYPE_MASK	0xffull
#define MTRR_DEF_FE		(1ull << 10)	/* fixed ranges enabled */
#define MTRR_DEF_E		(1ull << 11)	/* MTRRs enabled */
#define MTRR_PHYSMASK_V		(1ull << 11)	/* variable range valid */

#define MTRR_FIXED_MSRS 11
#define MTRR_FIXED_END 0x100000ull	/* the fixed ranges cover [0, 1 MiB) */
#define MTRR_VAR_MAX 32			/* pairs kept; VCNT above this is clamped */

/*
 * One fixed-range MSR: 8 sub-ranges of 'unit' bytes from 'base', the type
 * of sub-range i in byte i of the MSR (SDM Vol. 3A 12.11.2.2).
 */
struct mtrr_fixed_msr {
	uint32_t msr;
	uint32_t base;
	uint32_t unit;
};

/* The fixed-range MSRs in mtrr_state.fixed order: 0x250, 0x258, 0x259, 0x268-0x26f. */
extern const struct mtrr_fixed_msr mtrr_fixed_msrs[MTRR_FIXED_MSRS];

/*
 * The MTRR MSRs as read on the CPU. The privileged reader fills it: cap and
 * def_type always; fixed[i] from mtrr_fixed_msrs[i].msr when cap has FIX;
 * var[n] from PHYSBASEn/PHYSMASKn for n < min(VCNT, MTRR_VAR_MAX); and
 * maxphyaddr from CPUID 0x80000008 EAX[7:0]. Whatever is not read stays 0.
 */
struct mtrr_state {
	uint64_t cap;			/* IA32_MTRRCAP */
	uint64_t def_type;		/* IA32_MTRR_DEF_TYPE */
	uint64_t fixed[MTRR_FIXED_MSRS];
	struct {
		uint64_t base;		/* IA32_MTRR_PHYSBASEn: type 7:0, base */
		uint64_t mask;		/* IA32_MTRR_PHYSMASKn: V bit 11, mask */
	} var[MTRR_VAR_MAX];
	unsigned int maxphyaddr;
};

/*
 * The memory type of every byte of [base, base + size), or -1 if the bytes
 * do not all have the same type, if size is 0, or if the range reaches
 * into the top 4 KiB of the 64-bit space (never physical memory).
 * Overlapping variable ranges follow SDM Vol. 3A 12.11.4.1: UC wins, WT and
 * WB give WT, and any other mix, which the SDM leaves undefined, is taken
 * as UC, the one type that cannot corrupt memory. Reserved type encodings
 * (which the CPU refuses to load) are taken as UC too.
 */
int mtrr_type_of_range(const struct mtrr_state *s, uint64_t base, uint64_t size);

#endif
