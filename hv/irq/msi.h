/*
 * irq/msi.h - L2's PCI configuration space through the hypervisor
 * (msi_model=on): configuration mechanism #1 (the address register at
 * port 0xCF8, the data window at 0xCFC-0xCFF; PCI Local Bus 3.0 3.2.2.3.2)
 * forwarded to the real one, except that every message address L2 writes
 * into an MSI capability (PCI Local Bus 3.0 6.8.1) is checked against the
 * interrupt policy (irq/route.h) and programmed corrected when it breaks
 * it; reads show L2 what it wrote, as the IOAPIC model does.
 *
 * A PCI device's interrupts are L2's own: dedicated, so their MSI address
 * must name a CPU whose interception is off. Not covered: MSI-X (its table
 * lives in a BAR), and the memory-mapped configuration space (PCIe ECAM),
 * which an OS uses where the ACPI MCFG table offers it (QEMU's q35, not its
 * i440fx 'pc' machine or Bochs).
 * Pure logic: it also builds hosted, for tests/unit/test_irq_msi.c.
 */
#ifndef HV_IRQ_MSI_H
#define HV_IRQ_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "irq/route.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE (1u << 31)
#define PCI_CAP_ID_MSI 0x05
#define MSI_MODEL_MAX_DEVICES 32

/*
 * The real configuration space: accesses of SIZE bytes (1, 2, 4, within one
 * dword) at byte OFFSET of function BDF (bus 15:8, device 7:3, function 2:0).
 */
struct pci_cfg_hw {
	uint32_t (*read)(void *ctx, uint16_t bdf, uint8_t offset, unsigned size);
	void (*write)(void *ctx, uint16_t bdf, uint8_t offset, unsigned size, uint32_t value);
	void *ctx;
};

struct msi_device {
	uint16_t bdf;
	uint8_t cap;          /* the MSI capability's offset */
	uint32_t l2_addr;     /* the message address (low dword) as L2 wrote it */
	uint32_t programmed;  /* ... and as the device has it */
};

struct msi_model;
/* Told of every message address that breaks the policy. */
typedef void (*msi_note_fn)(struct msi_model *m, const struct msi_device *d, uint32_t wrote,
			    uint32_t programmed, enum irq_route_result r);

struct msi_model {
	uint32_t address;     /* L2's 0xCF8 register */
	struct pci_cfg_hw hw;
	const struct irq_cpus *cpus;
	msi_note_fn note;
	struct msi_device dev[MSI_MODEL_MAX_DEVICES];
	unsigned n_dev;
	uint64_t config_accesses, msi_writes, corrections;
};

/* The bus/device/function word of a configuration address (bits 23:8). */
static inline uint16_t pci_bdf(uint32_t address)
{
	return (uint16_t)(address >> 8);
}

/*
 * Fills M: scans every bus, device and function of HW for MSI capabilities
 * (up to MSI_MODEL_MAX_DEVICES; false if there were more), taking L2's
 * starting view of each message address from the device.
 */
bool msi_model_init(struct msi_model *m, const struct pci_cfg_hw *hw, const struct irq_cpus *cpus,
		    msi_note_fn note);
/*
 * L2's IN/OUT of SIZE bytes at PORT (0xCF8 or 0xCFC-0xCFF); false for an
 * access the model does not play (not a dword at 0xCF8): the caller does it
 * on the real port.
 */
bool msi_model_port_read(struct msi_model *m, uint16_t port, unsigned size, uint32_t *value);
bool msi_model_port_write(struct msi_model *m, uint16_t port, unsigned size, uint32_t value);

#endif
