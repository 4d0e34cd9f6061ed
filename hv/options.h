/*
 * options.h - the hypervisor's boot options (the Multiboot2 command line),
 * one table for parsing, the error messages and the boot log.
 */
#ifndef HV_OPTIONS_H
#define HV_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "cmdline.h"

enum inject_kind { INJECT_NONE, INJECT_PF, INJECT_UD, INJECT_GP, INJECT_DE, INJECT_PANIC,
		   INJECT_HANG, INJECT_STACK_OVERFLOW, INJECT_WRITE_TEXT, INJECT_WRITE_RODATA,
		   INJECT_EXEC_DATA, INJECT_CANARY_LEAK, INJECT_SMEP, INJECT_SMAP };

/* What an L2 access to memory it may not touch (an EPT violation) leads to. */
enum guest_fault_policy { GUEST_FAULT_STOP, GUEST_FAULT_INJECT };

/* What an instruction the emulator cannot do gets: the run stops, or L2 gets #UD. */
/* How L2's linear addresses are translated (DESIGN.md section 5). */
enum paging_mode { PAGING_NESTED, PAGING_SHADOW, PAGING_HYBRID };

enum emul_unsupported_policy { EMUL_UNSUPPORTED_STOP, EMUL_UNSUPPORTED_UD };

/* How the loaded guest is started: as L2, or by a plain jump (the native baseline). */
enum launch_mode { LAUNCH_VMX, LAUNCH_DIRECT };

/*
 * How the EOI of an interrupt an intercepting CPU acknowledged is balanced
 * (irq/apicv.c): count, L2's EOI goes to the real APIC and ends its highest
 * vector in service; virtual, virtual-interrupt delivery, EOIs per vector.
 */
enum irq_eoi_mode { IRQ_EOI_COUNT, IRQ_EOI_VIRTUAL };

/* L2's VMREAD/VMWRITE: all trapped (sw), or the shadowed ones on L0's VMCS shadowing (hw). */
enum vmcs_shadow_mode { VMCS_SHADOW_SW, VMCS_SHADOW_HW };

struct hv_options {
	unsigned log;      /* enum log_level */
	unsigned inject;   /* enum inject_kind: a deliberate fault, for tests */
	bool selftest;     /* run the allocator self-check at boot */
	uint64_t hvmem;    /* MiB of RAM the hypervisor keeps for itself */
	uint64_t exc_intercept; /* exception vectors that exit and are reflected */
	unsigned launch;   /* enum launch_mode */
	bool nested;       /* offer VMX to L2 (hv/vmcs/nested.h) */
	unsigned vmcs_shadow; /* enum vmcs_shadow_mode: how L2's VMREAD/VMWRITE are served */
	char prefetch[CMDLINE_STR_MAX]; /* none, default, all or field names: prefetch.c */
	unsigned emul_unsupported; /* enum emul_unsupported_policy */
	bool mmio_test;    /* the test MMIO device (hv/emul/test_mmio.h) */
	uint64_t promote_threshold; /* traps before an emulated site is promoted; 0: off */
	uint64_t patch_threshold;   /* promoted traps before a site is patched; 0: off */
	bool ioapic_model; /* L2's IOAPIC accesses through the model (hv/irq/ioapic.h) */
	bool msi_model;    /* L2's PCI configuration ports through the MSI model (hv/irq/msi.h) */
	bool msix_test;    /* a synthetic MSI-X table behind the model (hv/irq/pci_mmio.c) */
	bool ecam_test;    /* a synthetic ECAM window behind the model (hv/irq/pci_mmio.c) */
	bool selfprotect;  /* W^X, NX, guard pages, SMEP/SMAP for the hypervisor itself */
	bool protect;      /* per-program protection tables: CR3 exits pick EPT views */
	unsigned guest_fault; /* enum guest_fault_policy */
	uint64_t watchdog;    /* ms without progress before an L2 vCPU is failed; 0: off */
	unsigned paging;   /* enum paging_mode */
	bool pool;         /* back part of L2's RAM by a page pool (guest_pool.h) */
	bool paging_trace; /* paging=shadow|hybrid: an @hv ptrace line per paging event */
	uint64_t hybrid_writes; /* paging=hybrid (mmu/hybrid_policy.h): traps that make a space nested */
	uint64_t hybrid_probe;  /* ... its loads nested before it is shadowed anyway; 0: never */
	uint64_t hybrid_quiet;  /* ... its loads in a row with its written tables unchanged */
	uint64_t hybrid_misses; /* ... and hidden faults per 100 shadowed loads: shadowed again */
	uint64_t pool_mib; /* ... that many MiB at the top of its RAM below 4 GiB */
	uint64_t pool_backing; /* percent of the region machine pages back */
	bool exit_fastpath; /* CPUID and VMCALL HC_VERSION served in vmx_entry.S */
	char irq[CMDLINE_STR_MAX]; /* per-CPU interrupt policy, parsed into irq_policy (irq/) */
	unsigned irq_eoi;  /* enum irq_eoi_mode: intercepted interrupts' EOI (irq/apicv.c) */
};

extern struct hv_options hv_opts;

/* Parses the boot command line into hv_opts; reports each error; returns their number. */
int options_parse(const char *cmdline);
/* Logs every option's effective value as one machine line. */
void options_log(void);

#endif
