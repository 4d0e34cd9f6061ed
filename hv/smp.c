/*
 * smp.c - starts the APs one at a time through the trampoline (INIT, SIPI,
 * SIPI) and waits for each to report in, so a CPU that never starts costs
 * a bounded wait and a warning, not a hang.
 */
#include "ap_trampoline.h"
#include "boot_mem.h"
#include "exit.h"
#include "gdt.h"
#include "guest_boot.h"
#include "idt.h"
#include "lapic.h"
#include "lib/string.h"
#include "log.h"
#include "percpu.h"
#include "platform.h"
#include "self_protect.h"
#include "smp.h"
#include "tsc.h"
#include "vcpu.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_on.h"
#include "x86.h"

#define AP_STACK_PAGES 4
#define AP_START_TIMEOUT_MS 1000

extern char boot_pml4[];

unsigned smp_cpus = 1;
static volatile unsigned aps_up;
static bool aps_run_guest;

/* The trampoline's parameter slot 'linked' as it lies in the copy below 1 MiB. */
static volatile uint64_t *param(const uint64_t *linked)
{
	return (volatile uint64_t *)(uintptr_t)(AP_TRAMPOLINE +
						((const char *)linked - ap_trampoline_start));
}

/* C entry of every AP, on the stack the BSP gave it. */
static void ap_main(unsigned index)
{
	struct guest_boot wait = { .mode = GUEST_WAIT_FOR_SIPI };
	struct vcpu *v = &vcpus[index];

	gdt_init_cpu(&percpus[index].gdt);
	percpu_init(index, lapic_id());
	idt_init_cpu();
	self_protect_enter_cpu();
	vmx_on_this_cpu();
	__atomic_add_fetch(&aps_up, 1, __ATOMIC_RELEASE);
	if (!aps_run_guest)
		cpu_halt_forever();
	v->index = index;
	vmcs_setup(v, &wait);
	this_cpu()->vcpu = v;
	vmrw_restart(0);
	vmx_launch(v);
	vcpu_launch_failed(v);
}

/* Starts one AP; true once it reported in. */
static bool start_ap(unsigned index, uint32_t apic_id)
{
	uint64_t deadline;

	*param(ap_param_stack) = self_protect_stack_alloc(AP_STACK_PAGES, "AP stack", index);
	*param(ap_param_index) = index;
	lapic_start_cpu(apic_id, AP_TRAMPOLINE >> 12);
	deadline = rdtsc() + tsc_hz / 1000 * AP_START_TIMEOUT_MS;
	while (__atomic_load_n(&aps_up, __ATOMIC_ACQUIRE) < index && rdtsc() < deadline)
		__asm__ volatile("pause");
	return aps_up >= index;
}

void smp_start_aps(bool with_guest)
{
	uint32_t self = lapic_id();

	if (!platform_has_madt)
		return;
	aps_run_guest = with_guest;
	memcpy((void *)(uintptr_t)AP_TRAMPOLINE, ap_trampoline_start,
	       (size_t)(ap_trampoline_end - ap_trampoline_start));
	*param(ap_param_cr3) = (uint64_t)(uintptr_t)boot_pml4;
	*param(ap_param_entry) = (uint64_t)(uintptr_t)ap_main;
	for (unsigned i = 0; i < platform_madt.n_cpus && smp_cpus < MAX_CPUS; i++) {
		const struct acpi_cpu *c = &platform_madt.cpus[i];

		if (!c->enabled || c->apic_id == self)
			continue;
		if (!start_ap(smp_cpus, c->apic_id)) {
			log_warn("CPU with APIC ID %u did not start within %u ms", c->apic_id,
				 AP_START_TIMEOUT_MS);
			continue;
		}
		smp_cpus++;
	}
	/* L2's INIT must not reach an AP waiting for its SIPI (exit_apic.c). */
	if (with_guest && smp_cpus > 1)
		apic_trap_start_ipis();
	log_info("SMP: %u CPUs up, VMX on each", smp_cpus);
	log_mline("smp", "cpus=%u madt_cpus=%u", smp_cpus, platform_madt.n_cpus);
}
