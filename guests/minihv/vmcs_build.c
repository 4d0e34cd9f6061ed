/*
 * vmcs_build.c - the VMCS minihv runs L3 with: controls from the capability
 * MSRs (must-be-1 bits plus HLT exiting, I/O and MSR bitmaps), host state =
 * minihv as it runs now, guest state = flat 64-bit code sharing minihv's
 * page tables, GDT and IDT, on a stack of its own.
 */
#include "guest.h"
#include "minihv.h"
#include "vmcs/field_list.h"
#include "vmx_bits.h"
#include "vmx_ops.h"
#include "x86.h"

#define MSR_PAT 0x277
#define TSS_SEL 0x18
#define BENCH_PORT 0x80
#define MSR_INTERCEPTED 0x174 /* IA32_SYSENTER_CS: L3's RDMSR of it exits to minihv */

static uint64_t gdt[5] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));
static uint8_t io_bitmaps[2][4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void gdt_with_tss_init(void)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	struct desc_ptr d = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };

	gdt[1] = 0x00af9a000000ffffull; /* 0x08: 64-bit code, as boot64.S's */
	gdt[2] = 0x00cf92000000ffffull; /* 0x10: data */
	gdt[3] = (sizeof(tss) - 1) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		 (base >> 24 & 0xff) << 56; /* 0x18: available 64-bit TSS */
	gdt[4] = base >> 32;
	__asm__ volatile("lgdt %0\n\tltr %w1" : : "m"(d), "r"(TSS_SEL) : "memory");
}

void caps_read(void)
{
	caps.revision = (uint32_t)rdmsr(0x480);
	caps.pin = rdmsr(0x48d);
	caps.proc = rdmsr(0x48e);
	caps.exit = rdmsr(0x48f);
	caps.entry = rdmsr(0x490);
	caps.proc2 = rdmsr(0x48b);
	caps.ept_vpid = rdmsr(0x48c);
	caps.cr0_fixed0 = rdmsr(0x486);
	caps.cr4_fixed0 = rdmsr(0x488);
	caps.misc = rdmsr(0x485);
}

/* A control word: the wanted bits where allowed, and the must-be-1 bits. */
static uint32_t ctl(uint64_t cap, uint32_t want)
{
	return (want & (uint32_t)(cap >> 32)) | (uint32_t)cap;
}

void vmcs_build(void (*l3_entry)(void), uint64_t l3_stack_top)
{
	struct desc_ptr g, i;
	uint64_t cr4 = read_cr4();

	__asm__ volatile("sgdt %0\n\tsidt %1" : "=m"(g), "=m"(i));
	vmx_run_new_vmcs();
	io_bitmaps[0][BENCH_PORT / 8] |= 1u << (BENCH_PORT % 8);
	msr_bitmap[MSR_INTERCEPTED / 8] |= 1u << (MSR_INTERCEPTED % 8);
	vmw(VMCS_PIN_BASED_VM_EXECUTION_CONTROLS, ctl(caps.pin, 0));
	vmw(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
	    ctl(caps.proc, PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS));
	vmw(VMCS_PRIMARY_VM_EXIT_CONTROLS,
	    ctl(caps.exit, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_LOAD_EFER | EXIT_SAVE_EFER |
		EXIT_LOAD_PAT | EXIT_SAVE_PAT));
	vmw(VMCS_VM_ENTRY_CONTROLS,
	    ctl(caps.entry, ENTRY_IA32E_MODE_GUEST | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT));
	vmw(VMCS_EXCEPTION_BITMAP, 1u << 6); /* #UD exits to minihv */
	vmw(VMCS_ADDRESS_OF_IO_BITMAP_A, (uint64_t)(uintptr_t)io_bitmaps[0]);
	vmw(VMCS_ADDRESS_OF_IO_BITMAP_B, (uint64_t)(uintptr_t)io_bitmaps[1]);
	vmw(VMCS_ADDRESS_OF_MSR_BITMAPS, (uint64_t)(uintptr_t)msr_bitmap);
	vmw(VMCS_CR4_GUEST_HOST_MASK, CR4_VMXE);
	vmw(VMCS_CR4_READ_SHADOW, cr4 & ~CR4_VMXE);
	vmw(VMCS_VMCS_LINK_POINTER, ~0ull);
	/* Host: minihv itself. */
	vmw(VMCS_HOST_CR0, read_cr0());
	vmw(VMCS_HOST_CR3, read_cr3());
	vmw(VMCS_HOST_CR4, cr4);
	vmw(VMCS_HOST_CS_SELECTOR, 0x08);
	vmw(VMCS_HOST_SS_SELECTOR, 0x10);
	vmw(VMCS_HOST_DS_SELECTOR, 0x10);
	vmw(VMCS_HOST_ES_SELECTOR, 0x10);
	vmw(VMCS_HOST_TR_SELECTOR, TSS_SEL);
	vmw(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)tss);
	vmw(VMCS_HOST_GDTR_BASE, g.base);
	vmw(VMCS_HOST_IDTR_BASE, i.base);
	vmw(VMCS_HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmw(VMCS_HOST_IA32_PAT, rdmsr(MSR_PAT));
	vmw(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_stub);
	/* Guest: L3, flat 64-bit. */
	vmw(VMCS_GUEST_CR0, read_cr0());
	vmw(VMCS_GUEST_CR3, read_cr3());
	vmw(VMCS_GUEST_CR4, cr4);
	vmw(VMCS_GUEST_CS_SELECTOR, 0x08);
	vmw(VMCS_GUEST_CS_LIMIT, 0xffffffff);
	vmw(VMCS_GUEST_CS_ACCESS_RIGHTS, 0xa09b);
	for (unsigned s = 0; s < 6; s++) {
		if (s == 1)
			continue;
		vmw(VMCS_GUEST_ES_SELECTOR + 2 * s, s < 4 ? 0x10 : 0);
		vmw(VMCS_GUEST_ES_LIMIT + 2 * s, 0xffffffff);
		vmw(VMCS_GUEST_ES_ACCESS_RIGHTS + 2 * s, s < 4 ? 0xc093 : 0x10000);
		vmw(VMCS_GUEST_ES_BASE + 2 * s, 0);
	}
	vmw(VMCS_GUEST_LDTR_ACCESS_RIGHTS, 0x10000);
	vmw(VMCS_GUEST_TR_SELECTOR, TSS_SEL);
	vmw(VMCS_GUEST_TR_BASE, (uint64_t)(uintptr_t)tss);
	vmw(VMCS_GUEST_TR_LIMIT, sizeof(tss) - 1);
	vmw(VMCS_GUEST_TR_ACCESS_RIGHTS, 0x8b);
	vmw(VMCS_GUEST_GDTR_BASE, g.base);
	vmw(VMCS_GUEST_GDTR_LIMIT, g.limit);
	vmw(VMCS_GUEST_IDTR_BASE, i.base);
	vmw(VMCS_GUEST_IDTR_LIMIT, i.limit);
	vmw(VMCS_GUEST_IA32_EFER, rdmsr(MSR_EFER));
	vmw(VMCS_GUEST_IA32_PAT, rdmsr(MSR_PAT));
	vmw(VMCS_GUEST_DR7, 0x400);
	vmw(VMCS_GUEST_RFLAGS, 0x2);
	vmw(VMCS_GUEST_RSP, l3_stack_top);
	vmw(VMCS_GUEST_RIP, (uint64_t)(uintptr_t)l3_entry);
	vmw(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmw(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
}
