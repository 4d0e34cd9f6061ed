/*
 * irq/pci_config.c - msi_model=on put into effect: L2's configuration
 * mechanism #1 ports (0xCF8 as a dword, 0xCFC-0xCFF) exit and go through
 * the model of irq/msi.h, which forwards them to the real ports and checks
 * every MSI message address L2 programs against irq=. One lock serializes
 * the real address/data pair between the vCPUs, as L2's own lock would
 * between its CPUs. A byte or word at 0xCF8 (0xCF9 is the reset register)
 * is not the address register: it goes to the real port.
 */
#include "exit_io.h"
#include "irq/irq.h"
#include "irq/msi.h"
#include "lib/spinlock.h"
#include "log.h"
#include "panic.h"
#include "x86.h"

static struct msi_model model;
static struct spinlock lock;
static bool active;

/* The real configuration space, with the lock held. */
static void select_dword(uint16_t bdf, uint8_t offset)
{
	outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (uint32_t)bdf << 8 | (offset & 0xfc));
}

static uint32_t hw_read(void *ctx, uint16_t bdf, uint8_t offset, unsigned size)
{
	(void)ctx;
	select_dword(bdf, offset);
	return io_port_in((uint16_t)(PCI_CONFIG_DATA + (offset & 3)), size);
}

static void hw_write(void *ctx, uint16_t bdf, uint8_t offset, unsigned size, uint32_t value)
{
	(void)ctx;
	select_dword(bdf, offset);
	io_port_out((uint16_t)(PCI_CONFIG_DATA + (offset & 3)), size, value);
}

static void msi_note(struct msi_model *m, const struct msi_device *d, uint32_t wrote,
		     uint32_t programmed, enum irq_route_result r)
{
	(void)m;
	log_info("PCI %02x:%02x.%u: L2's MSI address %#x breaks irq=; %s", d->bdf >> 8,
		 (d->bdf >> 3) & 0x1f, d->bdf & 7, wrote,
		 r == IRQ_ROUTE_CORRECTED ? "moved to a direct CPU" :
					    "no direct CPU, programmed as written");
	log_mline("irq-msi", "bdf=%02x:%02x.%u wrote=%#x programmed=%#x result=%s", d->bdf >> 8,
		  (d->bdf >> 3) & 0x1f, d->bdf & 7, wrote, programmed,
		  r == IRQ_ROUTE_CORRECTED ? "corrected" : "no-cpu");
}

static void config_port(struct vcpu *v, struct io_access a, uint32_t value)
{
	uint16_t port = io_port(a);
	unsigned size = io_size(a);

	spin_lock(&lock);
	if (io_in(a) && !msi_model_port_read(&model, port, size, &value))
		value = io_port_in(port, size);
	else if (!io_in(a) && !msi_model_port_write(&model, port, size, value))
		io_port_out(port, size, value);
	spin_unlock(&lock);
	if (io_in(a))
		io_in_result(v, a, value);
}

void irq_msi_setup(const struct irq_cpus *cpus)
{
	spin_lock(&lock);
	if (!msi_model_init(&model, &(struct pci_cfg_hw){ hw_read, hw_write, NULL }, cpus,
			    msi_note))
		log_warn("msi_model: more than %u PCI functions with MSI; the rest unchecked",
			 MSI_MODEL_MAX_DEVICES);
	spin_unlock(&lock);
	for (unsigned i = 0; i < model.n_dev; i++) {
		const struct msi_device *d = &model.dev[i];

		log_mline("irq-msi-device", "bdf=%02x:%02x.%u cap=%#x address=%#x", d->bdf >> 8,
			  (d->bdf >> 3) & 0x1f, d->bdf & 7, d->cap, d->l2_addr);
	}
	log_info("PCI configuration space (0xcf8/0xcfc) through the MSI model: %u function%s "
		 "with MSI%s", model.n_dev, model.n_dev == 1 ? "" : "s",
		 model.n_dev ? "" : " (nothing to steer on this machine)");
	log_mline("irq-msi-model", "devices=%u", model.n_dev);
	io_port_claim(PCI_CONFIG_ADDRESS, 1, config_port);
	io_port_claim(PCI_CONFIG_DATA, 4, config_port);
	active = true;
}

void irq_msi_log_counters(void)
{
	if (active)
		log_mline("irq-msi-count", "config_accesses=%lu msi_writes=%lu corrections=%lu",
			  model.config_accesses, model.msi_writes, model.corrections);
}
