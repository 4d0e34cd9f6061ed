/*
 * irq/msi.c - the configuration-space model behind msi_model=on: the scan
 * for MSI and MSI-X capabilities, the forwarding of L2's configuration
 * accesses, and the policy check of each MSI message address L2 writes.
 */
#include "irq/msi.h"

#define PCI_VENDOR_ID 0x00
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_HEADER_MULTI (1u << 7)
#define PCI_CAP_PTR 0x34
#define PCI_CAP_MIN 0x40   /* capabilities live past the standard header */
#define PCI_CAPS_MAX 48    /* (256 - 64) / 4: a longer list loops */
#define MSI_ADDRESS 4      /* the message address's offset in the capability */
#define NO_DEVICE 0xffffu

uint8_t pci_find_cap(const struct pci_cfg_hw *hw, uint16_t bdf, uint8_t id)
{
	uint8_t p;

	if (!(hw->read(hw->ctx, bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	p = (uint8_t)(hw->read(hw->ctx, bdf, PCI_CAP_PTR, 1) & 0xfc);
	for (unsigned i = 0; i < PCI_CAPS_MAX && p >= PCI_CAP_MIN; i++) {
		uint32_t header = hw->read(hw->ctx, bdf, p, 2);

		if ((header & 0xff) == id)
			return p;
		p = (uint8_t)((header >> 8) & 0xfc);
	}
	return 0;
}

/* Records BDF's MSI capability, if it has one; false when the table is full. */
static bool add_if_msi(struct msi_model *m, uint16_t bdf)
{
	uint8_t cap = pci_find_cap(&m->ops.cfg, bdf, PCI_CAP_ID_MSI);
	struct msi_device *d;

	if (!cap)
		return true;
	if (m->n_dev == MSI_MODEL_MAX_DEVICES)
		return false;
	d = &m->dev[m->n_dev++];
	*d = (struct msi_device){ .bdf = bdf, .cap = cap };
	d->l2_addr = d->programmed = m->ops.cfg.read(m->ops.cfg.ctx, bdf, cap + MSI_ADDRESS, 4);
	return true;
}

static bool add_if_msix(struct msi_model *m, uint16_t bdf)
{
	uint8_t cap = pci_find_cap(&m->ops.cfg, bdf, PCI_CAP_ID_MSIX);

	return !cap || msix_add(m, bdf, cap);
}

bool msi_model_init(struct msi_model *m, const struct msi_model_ops *ops,
		    const struct irq_cpus *cpus)
{
	const struct pci_cfg_hw *hw = &ops->cfg;
	bool ok = true;

	*m = (struct msi_model){ .ops = *ops, .cpus = cpus };
	for (unsigned slot = 0; slot < 256 * 32; slot++) { /* bus 15:8, device 7:3 */
		for (unsigned fn = 0; fn < 8; fn++) {
			uint16_t bdf = (uint16_t)(slot << 3 | fn);

			if ((hw->read(hw->ctx, bdf, PCI_VENDOR_ID, 2) & 0xffff) == NO_DEVICE) {
				if (fn == 0)
					break; /* no function 0: no device */
				continue;
			}
			ok &= add_if_msi(m, bdf);
			ok &= add_if_msix(m, bdf);
			if (fn == 0 && !(hw->read(hw->ctx, bdf, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTI))
				break;
		}
	}
	return ok;
}

/* The device whose message address is the dword at OFFSET of BDF, or NULL. */
static struct msi_device *msi_address_at(struct msi_model *m, uint16_t bdf, uint16_t offset)
{
	for (unsigned i = 0; i < m->n_dev; i++)
		if (m->dev[i].bdf == bdf && m->dev[i].cap + MSI_ADDRESS == (offset & ~3))
			return &m->dev[i];
	return NULL;
}

static uint32_t size_mask(unsigned size)
{
	return size >= 4 ? ~0u : (1u << (8 * size)) - 1;
}

/* L2 wrote D's message address (now NEW): the device gets it checked against the policy. */
static void program_msi(struct msi_model *m, struct msi_device *d, uint32_t new)
{
	uint64_t out;
	/* A PCI device's interrupts are L2's alone (irq/route.c: PCI lines are dedicated). */
	enum irq_route_result r = irq_route_msi(new, IRQ_DEDICATED, m->cpus, &out);

	d->l2_addr = new;
	d->programmed = (uint32_t)out;
	m->msi_writes++;
	if (r != IRQ_ROUTE_KEPT) {
		m->corrections += d->programmed != new;
		if (m->ops.note)
			m->ops.note(m, &(struct msi_note){ d->bdf, -1, new, d->programmed, r });
	}
	m->ops.cfg.write(m->ops.cfg.ctx, d->bdf, d->cap + MSI_ADDRESS, 4, d->programmed);
}

uint32_t msi_model_config_read(struct msi_model *m, uint16_t bdf, uint16_t offset, unsigned size)
{
	struct msi_device *d = msi_address_at(m, bdf, offset);

	m->config_accesses++;
	if (d)
		return (d->l2_addr >> (8 * (offset & 3))) & size_mask(size);
	return m->ops.cfg.read(m->ops.cfg.ctx, bdf, offset, size) & size_mask(size);
}

void msi_model_config_write(struct msi_model *m, uint16_t bdf, uint16_t offset, unsigned size,
			    uint32_t value)
{
	struct msi_device *d = msi_address_at(m, bdf, offset);

	m->config_accesses++;
	value &= size_mask(size);
	if (d) {
		unsigned shift = 8 * (offset & 3);

		program_msi(m, d, (d->l2_addr & ~(size_mask(size) << shift)) | value << shift);
		return;
	}
	m->ops.cfg.write(m->ops.cfg.ctx, bdf, offset, size, value);
	if (m->n_msix)
		msix_config_written(m, bdf, offset, size);
}

/* An access at the data window: its offset in the dword, and whether it is a config cycle. */
static bool config_cycle(const struct msi_model *m, uint16_t port, unsigned size, uint16_t *offset)
{
	unsigned byte = port - PCI_CONFIG_DATA;

	if (!(m->address & PCI_CONFIG_ENABLE) || byte + size > 4)
		return false;
	*offset = (uint16_t)((m->address & 0xfc) + byte);
	return true;
}

bool msi_model_port_read(struct msi_model *m, uint16_t port, unsigned size, uint32_t *value)
{
	uint16_t offset;

	if (port == PCI_CONFIG_ADDRESS) {
		if (size != 4)
			return false;
		*value = m->address;
		return true;
	}
	if (!config_cycle(m, port, size, &offset)) {
		m->config_accesses++;
		*value = ~0u; /* no configuration cycle: no device answers */
		return true;
	}
	*value = msi_model_config_read(m, pci_bdf(m->address), offset, size);
	return true;
}

bool msi_model_port_write(struct msi_model *m, uint16_t port, unsigned size, uint32_t value)
{
	uint16_t offset;

	if (port == PCI_CONFIG_ADDRESS) {
		if (size != 4)
			return false; /* a byte at 0xCF9 is the reset register, not ours */
		m->address = value;
		return true;
	}
	if (!config_cycle(m, port, size, &offset)) {
		m->config_accesses++;
		return true; /* no configuration cycle: dropped */
	}
	msi_model_config_write(m, pci_bdf(m->address), offset, size, value);
	return true;
}
