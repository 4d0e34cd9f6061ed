/*
 * irq/msi.h - L2's PCI configuration space through the hypervisor
 * (msi_model=on): configuration mechanism #1 (the address register at
 * port 0xCF8, the data window at 0xCFC-0xCFF; PCI Local Bus 3.0 3.2.2.3.2)
 * and, where ACPI's MCFG offers one, the memory-mapped configuration space
 * (PCIe ECAM, irq/ecam.h), both forwarded to the real one through one
 * model, except that every message address L2 writes into an MSI
 * capability (PCI Local Bus 3.0 6.8.1) or an MSI-X table entry (6.8.2,
 * irq/msix.h) is checked against the interrupt policy (irq/route.h) and
 * programmed corrected when it breaks it; reads show L2 what it wrote, as
 * the IOAPIC model does.
 *
 * A PCI device's interrupts are L2's own: dedicated, so their message
 * address must name a CPU whose interception is off.
 * Pure logic: it also builds hosted, for tests/unit/test_irq_msi.c.
 */
#ifndef HV_IRQ_MSI_H
#define HV_IRQ_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "irq/msix.h"
#include "irq/route.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE (1u << 31)
#define PCI_CONFIG_SPACE 4096u  /* bytes of a function through ECAM (256 through 0xCF8) */
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_MSIX 0x11
#define MSI_MODEL_MAX_DEVICES 32
/* The interrupt message window (SDM Vol. 3A 11.11.1): other addresses are plain writes. */
#define MSI_ADDR_BASE 0xfee00000u
#define MSI_ADDR_BASE_MASK 0xfff00000u

/*
 * The real configuration space: accesses of SIZE bytes (1, 2, 4, within one
 * dword) at byte OFFSET (below PCI_CONFIG_SPACE) of function BDF (bus 15:8,
 * device 7:3, function 2:0).
 */
struct pci_cfg_hw {
	uint32_t (*read)(void *ctx, uint16_t bdf, uint16_t offset, unsigned size);
	void (*write)(void *ctx, uint16_t bdf, uint16_t offset, unsigned size, uint32_t value);
	void *ctx;
};

struct msi_device {
	uint16_t bdf;
	uint8_t cap;          /* the MSI capability's offset */
	uint32_t l2_addr;     /* the message address (low dword) as L2 wrote it */
	uint32_t programmed;  /* ... and as the device has it */
};

struct msi_model;

/* A message address that breaks the policy: where, what L2 wrote, what the device got. */
struct msi_note {
	uint16_t bdf;
	int entry;            /* the MSI-X table entry, or -1 for an MSI capability */
	uint64_t wrote, programmed;
	enum irq_route_result result;
};

struct msi_model_ops {
	struct pci_cfg_hw cfg;
	struct msix_table_hw table;  /* MSI-X tables in memory (unused without MSI-X) */
	/* Told of every message address that breaks the policy. */
	void (*note)(struct msi_model *m, const struct msi_note *n);
	/*
	 * An MSI-X table moved (L2 reprogrammed its BAR) from OLD_PA to
	 * f->table_pa: the caller moves the interception and says whether the
	 * new pages are intercepted. NULL: moves are only recorded.
	 */
	bool (*moved)(struct msi_model *m, struct msix_function *f, uint64_t old_pa);
};

struct msi_model {
	uint32_t address;     /* L2's 0xCF8 register */
	struct msi_model_ops ops;
	const struct irq_cpus *cpus;
	struct msi_device dev[MSI_MODEL_MAX_DEVICES];
	unsigned n_dev;
	struct msix_function msix[MSIX_MODEL_MAX_FUNCTIONS];
	unsigned n_msix;
	uint32_t msix_addr[MSIX_MODEL_MAX_ENTRIES][2]; /* L2's MSI-X addresses, sliced per function */
	unsigned msix_addr_used;
	uint64_t config_accesses, msi_writes, corrections;
	uint64_t ecam_accesses, msix_writes, msix_corrections, msix_unmasked_updates, msix_moves;
};

/* The bus/device/function word of a configuration address (bits 23:8). */
static inline uint16_t pci_bdf(uint32_t address)
{
	return (uint16_t)(address >> 8);
}

/* Whether a message address (high dword HI, low LO) is an interrupt message. */
static inline bool msi_addr_is_interrupt(uint32_t hi, uint32_t lo)
{
	return hi == 0 && (lo & MSI_ADDR_BASE_MASK) == MSI_ADDR_BASE;
}

/*
 * The offset of BDF's first capability with ID in its list (PCI Local Bus
 * 3.0 6.7), or 0: no list, not found, or a list that loops.
 */
uint8_t pci_find_cap(const struct pci_cfg_hw *hw, uint16_t bdf, uint8_t id);

/*
 * Fills M: scans every bus, device and function of OPS->cfg for MSI and
 * MSI-X capabilities (up to the tables' sizes; false if there were more),
 * taking L2's starting view of each message address from the device.
 */
bool msi_model_init(struct msi_model *m, const struct msi_model_ops *ops,
		    const struct irq_cpus *cpus);
/*
 * L2's IN/OUT of SIZE bytes at PORT (0xCF8 or 0xCFC-0xCFF); false for an
 * access the model does not play (not a dword at 0xCF8): the caller does it
 * on the real port.
 */
bool msi_model_port_read(struct msi_model *m, uint16_t port, unsigned size, uint32_t *value);
bool msi_model_port_write(struct msi_model *m, uint16_t port, unsigned size, uint32_t value);
/*
 * One configuration access of L2 (SIZE 1, 2 or 4 bytes within one dword at
 * OFFSET of BDF), whichever way it came (0xCFC, ECAM): the model's view of
 * message addresses, the device's of the rest.
 */
uint32_t msi_model_config_read(struct msi_model *m, uint16_t bdf, uint16_t offset, unsigned size);
void msi_model_config_write(struct msi_model *m, uint16_t bdf, uint16_t offset, unsigned size,
			    uint32_t value);

#endif
