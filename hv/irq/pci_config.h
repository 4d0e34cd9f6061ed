/*
 * irq/pci_config.h - what the two halves of msi_model=on's glue share:
 * the model and its lock (irq/pci_config.c: the configuration ports, the
 * real configuration space, setup) and the MMIO side (irq/pci_mmio.c:
 * MSI-X table pages and ECAM windows intercepted through EPT).
 */
#ifndef HV_IRQ_PCI_CONFIG_H
#define HV_IRQ_PCI_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi.h"
#include "irq/msi.h"
#include "lib/spinlock.h"

/* The model; every use holds pci_model_lock (L2's CPUs share one configuration space). */
extern struct msi_model pci_model;
extern struct spinlock pci_model_lock;

/*
 * struct msi_model_ops.moved: F's table was located (OLD_PA 0: at boot, the
 * pages get intercepted; after boot that is refused) or moved; the
 * interception follows. Called with pci_model_lock held.
 */
bool pci_msix_moved(struct msi_model *m, struct msix_function *f, uint64_t old_pa);
/*
 * msix_test=on (at setup, before pci_msix_report): a synthetic table of
 * MSIX_TEST_ENTRIES at MSIX_TEST_BASE, its "device memory" a hypervisor
 * page (entries masked, the PBA at 0x800 reads HC_MSIX_TEST_PBA): the whole
 * interception path without a PCI function behind it.
 */
#define MSIX_TEST_BASE 0xd0010000ull
#define MSIX_TEST_ENTRIES 8
void pci_msix_test_setup(void);
/* The synthetic table's memory for an access at PA, or NULL (pci_config.c's table ops). */
volatile void *pci_msix_test_mem(uint64_t pa);
/*
 * ecam_test=on (at setup): a synthetic ECAM window for bus 0 at
 * ECAM_TEST_BASE, not in MCFG, behind the model, so the ECAM path runs
 * live on platforms without one; the real configuration space is behind
 * it (through 0xcf8/0xcfc: registers past 0xff read all ones).
 */
#define ECAM_TEST_BASE 0xd0100000ull
bool pci_ecam_test_setup(void);
/*
 * HC_MSIX_TEST: the "device" side of an entry, for the guest to compare;
 * HC_MSIX_TEST_MOVE: the table moved, as a BAR write would; HC_ECAM_TEST:
 * where the synthetic window is (hypercall.h).
 */
struct vcpu;
int64_t pci_test_hypercall(struct vcpu *v, uint64_t fn);
/* At setup, after the scan: boot is over for pci_msix_moved; one line per MSI-X function. */
void pci_msix_report(void);
/*
 * At setup: every ECAM window of MCFG (N of them) in segment 0 behind the
 * model; returns how many are intercepted, and logs each and the reason
 * when there are none.
 */
unsigned pci_ecam_setup(const struct acpi_mcfg *mcfg, const char *why_none);

#endif
