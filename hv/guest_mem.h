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
/* Bytes of RAM L2 owns: the available entries of its memory map. */
uint64_t guest_mem_ram_bytes(void);
/* The EPTP to run L2 with. */
uint64_t guest_mem_eptp(void);
/* The highest align-aligned base of size bytes of L2's RAM below 4 GiB; 0 if none. */
uint64_t guest_mem_highest_block(uint64_t size, uint64_t align);
/*
 * A pointer to guest-physical [gpa, gpa + len) if it is all L2's RAM, else
 * NULL; in the page pool's region, within one page only (guest_pool_ptr).
 */
void *guest_mem_ptr(uint64_t gpa, uint64_t len);
/*
 * Makes the 4 KiB xAPIC page at apic_pa read-only to L2 (writes exit to
 * exit_apic.c), or (on false; apic_pa unused) the trapped page L2's directly
 * again. INVEPTs on this CPU.
 */
void guest_mem_trap_apic_writes(uint64_t apic_pa, bool on);
/* Whether guest_mem_trap_apic_writes is on. */
bool guest_mem_apic_writes_trapped(void);
/*
 * Makes the 4 KiB RAM page at gpa read+execute only in L2's EPT (writes
 * exit: the emulator's promoted code pages), or writable again. INVEPTs on
 * this CPU only: another CPU may write through a translation it still holds
 * (the promotion cache compares bytes, so that costs a miss, never a wrong
 * instruction).
 */
void guest_mem_write_protect(uint64_t gpa, bool protect);
/*
 * Maps L2's 4 KiB RAM page at gpa to host page hpa with EPT perms (the
 * page's own memory type); INVEPTs on this CPU. For the emulator's patched
 * code pages (execute-only copies).
 */
void guest_mem_map_page(uint64_t gpa, uint64_t hpa, unsigned perms);
/* Whether gpa lies in the trapped xAPIC page. */
bool guest_mem_is_trapped_apic(uint64_t gpa);

#endif
