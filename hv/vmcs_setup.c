/*
 * vmcs_setup.c - one VMCS per vCPU. Controls: EPT + VPID + unrestricted
 * guest, I/O and MSR bitmaps, HLT exiting, EFER/PAT switched by the CPU.
 * Everything else runs in L2 without exits. Guest state follows the checks
 * of SDM Vol. 3C 27.3.1; host state those of 27.2.2-27.2.4.
 */
#include "boot_mem.h"
#include "exit_fast.h"
#include "gdt.h"
#include "guest_mem.h"
#include "io_bitmap.h"
#include "irq/irq.h"
#include "l0.h"
#include "log.h"
#include "msr_bitmap.h"
#include "options.h"
#include "panic.h"
#include "self_protect.h"
#include "shadow_mode.h"
#include "prot.h"
#include "vmcs/fields.h"
#include "vmcs/vm_errors.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "watchdog.h"
#include "x86.h"

#define MSR_IA32_PAT 0x277
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define PAT_POWER_ON 0x0007040600070406ull
#define DR7_POWER_ON 0x400

extern char vmx_exit_entry[];

void vmwrite_failed(uint64_t field, uint64_t value)
{
	const struct vmcs_field *f = vmcs_field_find((uint32_t)field);

	panic("VMWRITE %s (%#lx) = %#lx failed: %s", f ? f->name : "?", field, value,
	      vmx_instruction_error_str((uint32_t)vmread(VMCS_VM_INSTRUCTION_ERROR)));
}

/* A control word with WANT's bits set if L0 allows them and its must-be-1 bits. */
static uint32_t adjust(uint64_t cap, uint32_t want, uint32_t need, const char *what)
{
	uint32_t may1 = (uint32_t)(cap >> 32), must1 = (uint32_t)cap;

	if (need & ~may1)
		panic("L0 lacks required %s controls %#x", what, need & ~may1);
	return ((want | need) & may1) | must1;
}

static void setup_controls(void)
{
	const struct vmx_caps *c = &l0.caps;
	uint32_t proc2 = adjust(c->proc2, PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID |
				PROC2_ENABLE_XSAVES,
				PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST,
				"secondary");

	vmcs_write(VMCS_PIN_BASED_VM_EXECUTION_CONTROLS, adjust(c->pin, 0, 0, "pin-based"));
	vmcs_write(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   adjust(c->proc, 0, PROC_HLT_EXITING | PROC_USE_IO_BITMAPS |
			  PROC_USE_MSR_BITMAPS | PROC_ACTIVATE_SECONDARY, "primary"));
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, proc2);
	vmcs_write(VMCS_PRIMARY_VM_EXIT_CONTROLS,
		   adjust(c->exit, 0, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
			  EXIT_SAVE_PAT | EXIT_LOAD_PAT, "VM-exit"));
	vmcs_write(VMCS_VM_ENTRY_CONTROLS,
		   adjust(c->entry, 0, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT, "VM-entry"));
	vmcs_write(VMCS_EXCEPTION_BITMAP, hv_opts.exc_intercept);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, 0);
	vmcs_write(VMCS_VIRTUAL_PROCESSOR_IDENTIFIER, GUEST_VPID);
	vmcs_write(VMCS_EPT_POINTER, guest_mem_eptp());
	vmcs_write(VMCS_ADDRESS_OF_IO_BITMAP_A, io_bitmap_pa());
	vmcs_write(VMCS_ADDRESS_OF_IO_BITMAP_B, io_bitmap_pa() + PAGE_SIZE);
	vmcs_write(VMCS_ADDRESS_OF_MSR_BITMAPS, msr_bitmap_pa());
	vmcs_write(VMCS_VMCS_LINK_POINTER, ~0ull);
	/*
	 * CR0/CR4 bits L0 forces (fixed0) belong to the host: the guest reads
	 * its own values from the shadows and changing them exits. With
	 * unrestricted guest PE and PG are the guest's (SDM 27.3.1.1).
	 */
	vmcs_write(VMCS_CR0_GUEST_HOST_MASK, c->cr0_fixed0 & ~(CR0_PE | CR0_PG));
	vmcs_write(VMCS_CR4_GUEST_HOST_MASK, c->cr4_fixed0);
	if (hv_opts.protect)
		prot_vmcs_setup();
	shadow_mode_vmcs_setup();
}

void vmcs_setup_host_state(struct vcpu *v, uint64_t exit_entry)
{
	struct percpu *cpu = this_cpu();
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	uint64_t *slot;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SELECTOR, GDT_CODE64);
	vmcs_write(VMCS_HOST_SS_SELECTOR, GDT_DATA);
	vmcs_write(VMCS_HOST_DS_SELECTOR, GDT_DATA);
	vmcs_write(VMCS_HOST_ES_SELECTOR, GDT_DATA);
	vmcs_write(VMCS_HOST_FS_SELECTOR, 0);
	vmcs_write(VMCS_HOST_GS_SELECTOR, 0);
	vmcs_write(VMCS_HOST_TR_SELECTOR, GDT_TSS);
	vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)cpu);
	vmcs_write(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&cpu->gdt.tss);
	vmcs_write(VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)cpu->gdt.gdt);
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write(VMCS_HOST_IA32_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_IA32_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmcs_write(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	/* The exit stub finds the vcpu at [HOST_RSP]; HOST_RSP stays 16-byte aligned. */
	slot = (uint64_t *)(uintptr_t)(v->host_stack_top - 16);
	*slot = (uint64_t)(uintptr_t)v;
	vmcs_write(VMCS_HOST_RSP, v->host_stack_top - 16);
	vmcs_write(VMCS_HOST_RIP, exit_entry);
}

void vmcs_set_segment(uint32_t sel_field, uint16_t sel, uint64_t base, uint32_t limit,
		      uint32_t ar)
{
	/* Selector, limit, AR and base fields of a segment are at fixed distances. */
	uint32_t n = (sel_field - VMCS_GUEST_ES_SELECTOR) / 2;

	vmcs_write(sel_field, sel);
	vmcs_write(VMCS_GUEST_ES_LIMIT + 2 * n, limit);
	vmcs_write(VMCS_GUEST_ES_ACCESS_RIGHTS + 2 * n, ar);
	vmcs_write(VMCS_GUEST_ES_BASE + 2 * n, base);
}

void vmcs_set_data_segments(uint16_t sel, uint32_t limit, uint32_t ar)
{
	static const uint32_t fields[] = { VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_SS_SELECTOR,
					   VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_FS_SELECTOR,
					   VMCS_GUEST_GS_SELECTOR };

	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		vmcs_set_segment(fields[i], sel, 0, limit, ar);
}

void vmcs_set_guest_cr0(uint64_t value)
{
	const struct vmx_caps *c = &l0.caps;

	vmcs_write(VMCS_CR0_READ_SHADOW, value);
	vmcs_write(VMCS_GUEST_CR0, (value | (c->cr0_fixed0 & ~(CR0_PE | CR0_PG))) &
				   (c->cr0_fixed1 | CR0_PE | CR0_PG));
}

void vmcs_set_guest_cr4(uint64_t value)
{
	vmcs_write(VMCS_CR4_READ_SHADOW, value);
	vmcs_write(VMCS_GUEST_CR4, value | l0.caps.cr4_fixed0);
}

/* State common to every starting mode: MSRs, debug and event state. */
static void setup_guest_common(void)
{
	vmcs_write(VMCS_GUEST_DR7, DR7_POWER_ON);
	vmcs_write(VMCS_GUEST_IA32_PAT, PAT_POWER_ON);
	vmcs_write(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_IA32_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_IA32_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_IA32_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
}

static void setup_guest_state(struct vcpu *v, const struct guest_boot *b)
{
	bool long64 = b->mode == GUEST_LONG64;
	uint64_t cr0_shadow = CR0_PE | CR0_NE | (1u << 4) /* ET */ | (long64 ? CR0_PG : 0);
	uint64_t cr4_shadow = long64 ? CR4_PAE : 0;

	vmcs_set_guest_cr0(cr0_shadow);
	vmcs_set_guest_cr4(cr4_shadow);
	vmcs_write(VMCS_GUEST_CR3, b->cr3);
	vmcs_write(VMCS_GUEST_IA32_EFER, long64 ? (1u << 8) | (1u << 10) : 0); /* LME, LMA */
	if (long64)
		vmcs_write(VMCS_VM_ENTRY_CONTROLS,
			   vmread(VMCS_VM_ENTRY_CONTROLS) | ENTRY_IA32E_MODE_GUEST);
	vmcs_set_segment(VMCS_GUEST_CS_SELECTOR, b->cs, 0, 0xffffffff,
		      long64 ? AR_CODE64 : AR_CODE32);
	vmcs_set_data_segments(b->ds, 0xffffffff, AR_DATA);
	vmcs_set_segment(VMCS_GUEST_LDTR_SELECTOR, 0, 0, 0, AR_UNUSABLE);
	vmcs_set_segment(VMCS_GUEST_TR_SELECTOR, 0, 0, 0x67, AR_TSS_BUSY);
	vmcs_write(VMCS_GUEST_GDTR_BASE, b->gdt_base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, b->gdt_limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_RSP, b->rsp);
	vmcs_write(VMCS_GUEST_RIP, b->rip);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	v->gpr[GPR_RAX] = b->rax;
	v->gpr[GPR_RBX] = b->rbx;
	v->gpr[GPR_RSI] = b->rsi;
}

void vmcs_setup(struct vcpu *v, const struct guest_boot *boot)
{
	enum vmx_status st;

	v->host_stack_top = self_protect_stack_alloc(HOST_STACK_PAGES, "host stack", v->index);
	v->vmcs_pa = alloc_page_or_panic("VMCS");
	*(uint32_t *)(uintptr_t)v->vmcs_pa = l0.caps.revision;
	st = vmclear(v->vmcs_pa);
	if (st == VMX_OK)
		st = vmptrld(v->vmcs_pa);
	if (st != VMX_OK)
		panic("VMCLEAR/VMPTRLD of a new VMCS failed (status %d)", st);
	setup_controls();
	watchdog_setup_vmcs();
	irq_setup_vmcs(v);
	vmcs_setup_host_state(v, (uint64_t)(uintptr_t)vmx_exit_entry);
	exit_fastpath_set(hv_opts.exit_fastpath);
	setup_guest_common();
	if (boot->mode == GUEST_WAIT_FOR_SIPI) {
		/* An AP as after INIT: reset state, asleep (SDM Vol. 3A 10.1.1, 3C 27.3.1.5). */
		vcpu_enter_real_mode(v, 0xf000, 0xffff0000, 0xfff0);
		vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_WAIT_FOR_SIPI);
	} else {
		setup_guest_state(v, boot);
	}
}
