/*
 * irq/pci_config.c - msi_model=on put into effect: L2's configuration
 * mechanism #1 ports (0xCF8 as a dword, 0xCFC-0xCFF) exit and go through
 * the model of irq/msi.h, which forwards them to the real configuration
 * space and checks every MSI message address L2 programs against irq=;
 * irq/pci_mmio.c adds MSI-X tables and ECAM windows. One lock serializes
 * the model and the real address/data pair between the vCPUs, as L2's own
 * lock would between its CPUs. A byte or word at 0xCF8 (0xCF9 is the reset
 * register) is not the address register: it goes to the real port.
 *
 * The real configuration space: through the ECAM window of segment 0 that
 * covers the bus, where MCFG has one below 4 GiB (the hypervisor's
 * identity map), else through 0xCF8/0xCFC, which reaches the first 256
 * bytes of each function only (the rest reads as all ones).
 */
#include "exit_io.h"
#include "irq/ecam.h"
#include "irq/irq.h"
#include "irq/pci_config.h"
#include "log.h"
#include "options.h"
#include "platform.h"
#include "x86.h"

#define IDENTITY_MAPPED_END (4ull << 30)
#define PCI_CF8_SPACE 256u

struct msi_model pci_model;
struct spinlock pci_model_lock;
static bool active;
static struct acpi_mcfg mcfg;
static const struct acpi_mcfg_entry *hw_ecam; /* the window the hypervisor uses, or NULL */

/* BDF's configuration space in the hypervisor's ECAM window, or NULL. */
static volatile void *ecam_ptr(uint16_t bdf, uint16_t offset)
{
	unsigned bus = bdf >> 8;

	if (!hw_ecam || bus < hw_ecam->bus_start || bus > hw_ecam->bus_end)
		return NULL;
	return (volatile void *)(uintptr_t)(hw_ecam->base + ((uint64_t)bdf << ECAM_DEVFN_SHIFT) +
					    offset);
}

/* The real configuration space, with the lock held. */
static void select_dword(uint16_t bdf, uint16_t offset)
{
	outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (uint32_t)bdf << 8 | (offset & 0xfc));
}

static uint32_t hw_read(void *ctx, uint16_t bdf, uint16_t offset, unsigned size)
{
	volatile void *p = ecam_ptr(bdf, offset);

	(void)ctx;
	if (p)
		return size == 4 ? *(volatile uint32_t *)p :
		       size == 2 ? *(volatile uint16_t *)p : *(volatile uint8_t *)p;
	if (offset >= PCI_CF8_SPACE)
		return ~0u;
	select_dword(bdf, offset);
	return io_port_in((uint16_t)(PCI_CONFIG_DATA + (offset & 3)), size);
}

static void hw_write(void *ctx, uint16_t bdf, uint16_t offset, unsigned size, uint32_t value)
{
	volatile void *p = ecam_ptr(bdf, offset);

	(void)ctx;
	if (p) {
		if (size == 4)
			*(volatile uint32_t *)p = value;
		else if (size == 2)
			*(volatile uint16_t *)p = (uint16_t)value;
		else
			*(volatile uint8_t *)p = (uint8_t)value;
		return;
	}
	if (offset >= PCI_CF8_SPACE)
		return;
	select_dword(bdf, offset);
	io_port_out((uint16_t)(PCI_CONFIG_DATA + (offset & 3)), size, value);
}

/*
 * MSI-X tables through the identity map (pci_mmio.c intercepts only those
 * below 4 GiB), msix_test=on's in its hypervisor page.
 */
static volatile void *table_ptr(uint64_t pa)
{
	volatile void *test = pci_msix_test_mem(pa);

	return test ? test : (volatile void *)(uintptr_t)pa;
}

static uint64_t table_hw_read(void *ctx, uint64_t pa, unsigned width)
{
	volatile void *p = table_ptr(pa);

	(void)ctx;
	switch (width) {
	case 8: return *(volatile uint64_t *)p;
	case 4: return *(volatile uint32_t *)p;
	case 2: return *(volatile uint16_t *)p;
	default: return *(volatile uint8_t *)p;
	}
}

static void table_hw_write(void *ctx, uint64_t pa, unsigned width, uint64_t value)
{
	volatile void *p = table_ptr(pa);

	(void)ctx;
	switch (width) {
	case 8: *(volatile uint64_t *)p = value; break;
	case 4: *(volatile uint32_t *)p = (uint32_t)value; break;
	case 2: *(volatile uint16_t *)p = (uint16_t)value; break;
	default: *(volatile uint8_t *)p = (uint8_t)value; break;
	}
}

static void msi_note(struct msi_model *m, const struct msi_note *n)
{
	const char *result = n->result == IRQ_ROUTE_CORRECTED ? "corrected" : "no-cpu";

	(void)m;
	log_info("PCI %02x:%02x.%u: L2's %s address %#lx breaks irq=; %s", n->bdf >> 8,
		 (n->bdf >> 3) & 0x1f, n->bdf & 7, n->entry < 0 ? "MSI" : "MSI-X entry's",
		 n->wrote, n->result == IRQ_ROUTE_CORRECTED ? "moved to a direct CPU" :
							      "no direct CPU, programmed as written");
	if (n->entry < 0)
		log_mline("irq-msi", "bdf=%02x:%02x.%u kind=msi wrote=%#lx programmed=%#lx result=%s",
			  n->bdf >> 8, (n->bdf >> 3) & 0x1f, n->bdf & 7, n->wrote, n->programmed,
			  result);
	else
		log_mline("irq-msi", "bdf=%02x:%02x.%u kind=msix entry=%d wrote=%#lx programmed=%#lx "
			  "result=%s", n->bdf >> 8, (n->bdf >> 3) & 0x1f, n->bdf & 7, n->entry,
			  n->wrote, n->programmed, result);
}

static void config_port(struct vcpu *v, struct io_access a, uint32_t value)
{
	uint16_t port = io_port(a);
	unsigned size = io_size(a);

	spin_lock(&pci_model_lock);
	if (io_in(a) && !msi_model_port_read(&pci_model, port, size, &value))
		value = io_port_in(port, size);
	else if (!io_in(a) && !msi_model_port_write(&pci_model, port, size, value))
		io_port_out(port, size, value);
	spin_unlock(&pci_model_lock);
	if (io_in(a))
		io_in_result(v, a, value);
}

/* Reads MCFG's windows into mcfg; NULL, or why there are none. */
static const char *read_mcfg(void)
{
	struct acpi_table t;
	enum acpi_error err;

	mcfg.n = 0;
	if (!platform_has_madt)
		return "no usable ACPI tables";
	err = acpi_find_table(&platform_acpi, "MCFG", &t);
	if (err == ACPI_OK)
		err = acpi_parse_mcfg(t.data, t.length, &mcfg);
	if (err != ACPI_OK) {
		mcfg.n = 0;
		return err == ACPI_ERR_NOT_FOUND ? "no ACPI MCFG table (no ECAM on this platform)" :
						   acpi_strerror(err);
	}
	return mcfg.n ? NULL : "the ACPI MCFG table lists no window";
}

/* The segment 0 window below 4 GiB the hypervisor's own configuration accesses use, or NULL. */
static const struct acpi_mcfg_entry *reachable_ecam(void)
{
	for (unsigned i = 0; i < mcfg.n; i++) {
		const struct acpi_mcfg_entry *w = &mcfg.entries[i];

		if (w->segment == 0 && ecam_window_base(w) + ecam_window_size(w) <= IDENTITY_MAPPED_END)
			return w;
	}
	return NULL;
}

void irq_msi_setup(const struct irq_cpus *cpus)
{
	const struct msi_model_ops ops = {
		.cfg = { hw_read, hw_write, NULL },
		.table = { table_hw_read, table_hw_write, NULL },
		.note = msi_note,
		.moved = pci_msix_moved,
	};
	const char *why = read_mcfg();
	unsigned windows, msix;
	bool ecam_test;

	hw_ecam = reachable_ecam();
	spin_lock(&pci_model_lock);
	if (!msi_model_init(&pci_model, &ops, cpus))
		log_warn("msi_model: more than %u PCI functions with MSI or %u with MSI-X; the rest "
			 "unchecked", MSI_MODEL_MAX_DEVICES, MSIX_MODEL_MAX_FUNCTIONS);
	msix = pci_model.n_msix;
	if (hv_opts.msix_test)
		pci_msix_test_setup();
	spin_unlock(&pci_model_lock);
	for (unsigned i = 0; i < pci_model.n_dev; i++) {
		const struct msi_device *d = &pci_model.dev[i];

		log_mline("irq-msi-device", "bdf=%02x:%02x.%u cap=%#x address=%#x", d->bdf >> 8,
			  (d->bdf >> 3) & 0x1f, d->bdf & 7, d->cap, d->l2_addr);
	}
	pci_msix_report();
	windows = pci_ecam_setup(&mcfg, why);
	ecam_test = hv_opts.ecam_test && pci_ecam_test_setup();
	log_info("PCI configuration space (0xcf8/0xcfc%s) through the MSI model: %u function%s "
		 "with MSI, %u with MSI-X%s%s", windows || ecam_test ? " and ECAM" : "", pci_model.n_dev,
		 pci_model.n_dev == 1 ? "" : "s", msix,
		 pci_model.n_dev + msix ? "" : " (nothing to steer on this machine)",
		 hv_opts.msix_test ? "; msix_test=on: a synthetic MSI-X table at 0xd0010000" : "");
	log_mline("irq-msi-model", "devices=%u msix=%u msix_synthetic=%u ecam_windows=%u "
		  "ecam_synthetic=%d", pci_model.n_dev, msix, pci_model.n_msix - msix, windows,
		  ecam_test);
	io_port_claim(PCI_CONFIG_ADDRESS, 1, config_port);
	io_port_claim(PCI_CONFIG_DATA, 4, config_port);
	active = true;
}

void irq_msi_log_counters(void)
{
	const struct msi_model *m = &pci_model;

	if (active)
		log_mline("irq-msi-count", "config_accesses=%lu msi_writes=%lu corrections=%lu "
			  "ecam_accesses=%lu msix_writes=%lu msix_corrections=%lu "
			  "msix_unmasked_updates=%lu msix_moves=%lu", m->config_accesses,
			  m->msi_writes, m->corrections, m->ecam_accesses, m->msix_writes,
			  m->msix_corrections, m->msix_unmasked_updates, m->msix_moves);
}
