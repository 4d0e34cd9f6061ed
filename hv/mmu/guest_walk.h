/*
 * guest_walk.h - translating a guest-linear address through the guest's
 * own page tables (SDM Vol. 3A 4.3-4.5: 32-bit, PAE and 4-level paging), for
 * the hypervisor's accesses to a guest's memory operands. The guest-physical
 * memory is read through a callback, so the walk is pure and unit-tested.
 */
#ifndef HV_MMU_GUEST_WALK_H
#define HV_MMU_GUEST_WALK_H

#include <stdbool.h>
#include <stdint.h>

struct guest_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* Reads 'size' (4 or 8) bytes of guest-physical memory; false if none is there. */
typedef bool (*guest_phys_read_fn)(void *ctx, uint64_t gpa, unsigned size, uint64_t *value);

enum guest_walk_result {
	GUEST_WALK_OK,
	GUEST_WALK_PAGE_FAULT, /* *pf_error holds the #PF error code */
	GUEST_WALK_NO_MEMORY,  /* a paging structure is not in guest memory */
};

/* #PF error code bits (SDM Vol. 3A 4.7). */
#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_USER (1u << 2)
#define PF_RESERVED (1u << 3)

/* Translates la for a supervisor (or user) read (or write) access. */
enum guest_walk_result guest_walk(const struct guest_paging *p, uint64_t la, bool write,
				  bool user, guest_phys_read_fn read, void *ctx, uint64_t *gpa,
				  uint32_t *pf_error);

#endif
