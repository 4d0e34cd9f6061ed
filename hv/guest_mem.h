/*
 * guest_mem.h - L2's physical address space: the machine's own, mapped 1:1
 * through EPT with the firmware's memory types, minus every byte the
 * hypervisor keeps (boot_mem.h's hv_private), which L2 can never reach.
 */
#ifndef HV_GUEST_MEM_H
#define HV_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/ept.h"
#include "multiboot2.h"

extern struct ept guest_ept;

/* Builds guest_ept over [0, max(4 GiB, top of RAM)) minus hv_private. */
void guest_mem_init(const struct mb2_info *mbi);
/* The EPTP to run L2 with. */
uint64_t guest_mem_eptp(void);
/* A pointer to guest-physical [gpa, gpa + len) if it is all L2's RAM, else NULL. */
void *guest_mem_ptr(uint64_t gpa, uint64_t len);

#endif
