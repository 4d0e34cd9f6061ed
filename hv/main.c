/*
 * main.c - the bootstrap processor's path from GRUB to a verdict: serial
 * log, descriptor tables, boot information, options, memory, L0 probe.
 */
#include "boot_mem.h"
#include "emul/emul_exit.h"
#include "canary.h"
#include "exit_setup.h"
#include "gdt.h"
#include "guest_load.h"
#include "guest_mem.h"
#include "guest_pool.h"
#include "paging.h"
#include "idt.h"
#include "inject.h"
#include "irq/irq.h"
#include "l0.h"
#include "lib/string.h"
#include "log.h"
#include "multiboot2.h"
#include "options.h"
#include "panic.h"
#include "percpu.h"
#include "platform.h"
#include "smp.h"
#include "power.h"
#include "self_protect.h"
#include "prot.h"
#include "qemu_devices.h"
#include "tsc.h"
#include "vcpu.h"
#include "vmcs/nested.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_on.h"
#include "watchdog.h"
#include "x86.h"

#define HV_VERSION "0.1"
#define MB2_INFO_MAX (1u << 20) /* we never accept a larger info */
#define MB2_INFO_COPY_MAX (64u << 10)

static struct mb2_info mbi;
/* GRUB's info, copied into the image: its page, often in L2's low RAM, is L2's. */
static uint8_t info_copy[MB2_INFO_COPY_MAX] __attribute__((aligned(8)));
static uint64_t hv_start_tsc; /* for the boot-cost benchmark */

static void log_boot_info(void)
{
	log_info("boot loader: \"%s\", command line: \"%s\"", mbi.loader_name, mbi.cmdline);
	for (unsigned i = 0; i < mbi.n_mmap; i++)
		log_debug("  mmap %#014lx-%#014lx %s", mbi.mmap[i].base,
			  mbi.mmap[i].base + mbi.mmap[i].len, mb2_mem_type_name(mbi.mmap[i].type));
	for (unsigned i = 0; i < mbi.n_modules; i++) {
		log_info("module %u: %#lx-%#lx \"%s\"", i, mbi.modules[i].start, mbi.modules[i].end,
			 mbi.modules[i].cmdline);
		log_mline("module", "index=%u start=%#lx end=%#lx cmdline=\"%s\"", i,
			  mbi.modules[i].start, mbi.modules[i].end, mbi.modules[i].cmdline);
	}
	log_mline("boot", "loader=\"%s\" cmdline=\"%s\" mmap_entries=%u modules=%u rsdp=%#lx "
		  "rsdp_tag=%d", mbi.loader_name, mbi.cmdline, mbi.n_mmap, mbi.n_modules,
		  (uint64_t)(uintptr_t)mbi.rsdp, mbi.rsdp_tag);
}

static void parse_boot_info(uint32_t magic, uint64_t info)
{
	size_t bad_offset = 0;
	enum mb2_error err;

	if (magic != MB2_BOOTLOADER_MAGIC) {
		log_error("not booted by a Multiboot2 loader (EAX=%#x)", magic);
		hv_finish(false, "bad-boot-info");
	}
	err = mb2_parse(magic, (const void *)(uintptr_t)info, MB2_INFO_MAX, &mbi, &bad_offset);
	if (err == MB2_OK && mbi.total_size > sizeof(info_copy)) {
		log_error("Multiboot2 info at %#lx is %u bytes; the hypervisor keeps at most %zu",
			  info, mbi.total_size, sizeof(info_copy));
		hv_finish(false, "bad-boot-info");
	}
	if (err == MB2_OK) {
		memcpy(info_copy, (const void *)(uintptr_t)info, mbi.total_size);
		err = mb2_parse(magic, info_copy, mbi.total_size, &mbi, &bad_offset);
	}
	if (err != MB2_OK) {
		log_error("Multiboot2 info at %#lx is malformed: %s (at offset %zu)", info,
			  mb2_strerror(err), bad_offset);
		hv_finish(false, "bad-boot-info");
	}
}

/* Called by lib/boot64.S in long mode on the boot stack. */
/* Runs the first module as L2, with a vCPU on every CPU; does not return. */
void direct_enter(uint64_t cr3, uint64_t gdt_base, uint64_t gdt_limit, uint64_t rip,
		  uint64_t rsi, uint64_t cs_ds) __attribute__((noreturn));

/* launch=direct: the loaded 64-bit guest runs on bare L0; the hypervisor is gone. */
__attribute__((noreturn)) static void launch_direct(const struct guest_boot *b)
{
	if (b->mode != GUEST_LONG64) {
		log_error("launch=direct needs a 64-bit guest (Linux), not a Multiboot2 one");
		hv_finish(false, "bad-cmdline");
	}
	log_info("launch=direct: jumping to the guest at %#lx without VMX", b->rip);
	__asm__ volatile("vmxoff" : : : "cc", "memory"); /* the guest owns the CPU, as natively */
	/* As natively: no SMEP/SMAP until the guest turns them on itself. */
	write_cr4(read_cr4() & ~(CR4_VMXE | CR4_SMEP | CR4_SMAP));
	log_mline("l2-entry", "tsc=%lu hv_start_tsc=%lu launch=direct", rdtsc(), hv_start_tsc);
	direct_enter(b->cr3, b->gdt_base, b->gdt_limit, b->rip, b->rsi,
		     b->cs | (uint64_t)b->ds << 16);
}

__attribute__((noreturn)) static void run_guest(void)
{
	struct guest_boot boot;
	struct vcpu *v = &vcpus[0];

	guest_mem_init(&mbi);
	emul_init();
	prot_init();
	exit_setup();
	nested_init();
	watchdog_init();
	irq_quiesce_platform();
	if (hv_opts.launch == LAUNCH_DIRECT) {
		guest_load(&mbi, &boot);
		launch_direct(&boot);
	}
	smp_start_aps(true);
	qemu_devices_init(&mbi);
	irq_report();
	guest_load(&mbi, &boot);
	paging_init();
	guest_pool_init();
	vmcs_setup(v, &boot);
	this_cpu()->vcpu = v;
	log_info("entering L2 at %#lx", boot.rip);
	log_mline("l2-entry", "tsc=%lu hv_start_tsc=%lu", rdtsc(), hv_start_tsc);
	vmrw_restart(0);
	vmx_launch(v);
	vcpu_launch_failed(v);
}

void boot_main(uint32_t magic, uint64_t info)
{
	hv_start_tsc = rdtsc();
	log_init();
	gdt_init_cpu(&percpus[0].gdt);
	percpu_init(0, 0);
	idt_init_cpu();
	log_raw("\n");
	log_info("nested-virtualization research hypervisor %s", HV_VERSION);
	log_mline("banner", "version=%s", HV_VERSION);

	parse_boot_info(magic, info);
	if (options_parse(mbi.cmdline))
		hv_finish(false, "bad-cmdline");
	options_log();
	if ((hv_opts.msix_test || hv_opts.ecam_test) && !hv_opts.msi_model) {
		log_error("command line: %s=on needs msi_model=on",
			  hv_opts.msix_test ? "msix_test" : "ecam_test");
		hv_finish(false, "bad-cmdline");
	}
	log_boot_info();

	boot_mem_init(&mbi, hv_opts.hvmem);
	if (hv_opts.selftest && !boot_mem_selftest())
		hv_finish(false, "selftest");
	self_protect_init();
	l0_probe();
	tsc_calibrate();
	canary_init();
	inject_fault((enum inject_kind)hv_opts.inject);

	if (!l0.vmx || l0.caps_error != VMX_CAPS_OK)
		hv_finish(false, "no-vmx");
	platform_init(&mbi);
	vmx_on_this_cpu();
	if (mbi.n_modules)
		run_guest();
	smp_start_aps(false);
	hv_finish(true, "boot-complete");
}
