/*
 * user_mode.c - CPL 3 for the "mmio" fuzz kind (user_mode.h): its GDT and
 * TSS, the two user pages, and the exception catcher that brings the CPU
 * back to CPL 0 at the first exception the user code raises.
 */
#include "lib/string.h"
#include "trap.h"
#include "user_mode.h"
#include "x86.h"

#define PTE_USER 7ull /* present, writable, user */
#define PTE_PCD 0x10ull
#define TSS_SEL 0x18
#define TSS_AVAILABLE 0x89ull
#define TSS_SIZE 104

uint8_t user_code_page[4096] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint64_t gdt[7] __attribute__((aligned(16)));
static uint8_t tss[TSS_SIZE] __attribute__((aligned(16)));
static uint8_t kernel_stack[16384] __attribute__((aligned(16))); /* RSP0 */
static struct exception_frame caught;

extern void user_run_asm(const uint64_t gpr[16], uint64_t rflags);
extern char user_run_back[];
extern uint64_t user_kernel_rsp;

/* An exception at CPL 3: recorded, and the frame pointed back at CPL 0. */
static bool catch_user(struct exception_frame *f)
{
	if ((f->cs & 3) != 3)
		return false;
	caught = *f;
	f->rip = (uint64_t)(uintptr_t)user_run_back;
	f->cs = 0x08;
	f->ss = 0x10;
	f->rsp = user_kernel_rsp;
	f->rflags = 0x2;
	return true;
}

void user_mode_init(uint64_t mmio_pa)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
	uint64_t rsp0 = (uint64_t)(uintptr_t)kernel_stack + sizeof(kernel_stack);

	gdt[1] = 0x00af9a000000ffffull; /* 0x08: 64-bit code, as boot64.S's */
	gdt[2] = 0x00cf92000000ffffull; /* 0x10: data */
	gdt[5] = 0x00cff2000000ffffull; /* 0x28: user data */
	gdt[6] = 0x00affa000000ffffull; /* 0x30: user 64-bit code */
	memcpy(tss + 4, &rsp0, 8);      /* RSP0 */
	tss[102] = TSS_SIZE;            /* I/O map base past the limit: no port at CPL 3 */
	pml4[(USER_LA >> 39) & 511] = (uint64_t)(uintptr_t)pdpt | PTE_USER;
	pdpt[0] = (uint64_t)(uintptr_t)pd | PTE_USER;
	pd[0] = (uint64_t)(uintptr_t)pt | PTE_USER;
	pt[0] = (uint64_t)(uintptr_t)user_code_page | PTE_USER;
	pt[1] = mmio_pa | PTE_USER | PTE_PCD;
	write_cr3(read_cr3());
	trap_set_catcher(catch_user);
}

void user_mode_enter_tables(void)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };

	/* The TSS descriptor as available again: LTR refuses a busy one. */
	gdt[3] = (TSS_SIZE - 1) | (base & 0xffffff) << 16 | TSS_AVAILABLE << 40 |
		 (base >> 24 & 0xff) << 56;
	gdt[4] = base >> 32;
	__asm__ volatile("lgdt %0\n\tltr %w1" : : "m"(d), "r"(TSS_SEL) : "memory");
}

void user_mode_run(const uint64_t gpr[16], uint64_t rflags, struct exception_frame *f)
{
	user_run_asm(gpr, rflags);
	*f = caught;
}
