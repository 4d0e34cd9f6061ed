/*
 * guest_boot.h - the register state an L2 guest starts in, as its loader
 * decides (Multiboot2: 32-bit protected mode, paging off; Linux: 64-bit).
 */
#ifndef HV_GUEST_BOOT_H
#define HV_GUEST_BOOT_H

#include <stdint.h>

enum guest_mode {
	GUEST_PROTECTED32, /* flat 32-bit segments, paging off (needs unrestricted guest) */
	GUEST_LONG64,      /* 64-bit code segment, paging on with the given CR3 */
	GUEST_WAIT_FOR_SIPI, /* an AP after INIT: asleep until a start-up IPI */
};

struct guest_boot {
	enum guest_mode mode;
	uint64_t rip, rsp;
	uint64_t rax, rbx, rsi;
	uint64_t cr3;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint16_t cs, ds; /* selectors the guest's GDT gives these segments */
};

#endif
