/*
 * test_irq_msi.c - the configuration-space model behind msi_model=on: the
 * scan for MSI capabilities (capability lists, single- and multi-function
 * devices; the walk's edges: no list, reserved pointer bits, a pointer into
 * the header, the last dword, loops), configuration mechanism #1 forwarded access by access, and the
 * message address L2 writes: kept, corrected to a direct CPU (shown to L2
 * as written), or no CPU fits.
 */
#include "fake_pci.h"

#define ADDR(bdf, reg) (PCI_CONFIG_ENABLE | (uint32_t)(bdf) << 8 | (reg))
#define MSI_BASE 0xfee00000u

/* 00:00.0 a host bridge without capabilities; 00:03.0 MSI at 0x50 behind a vendor
 * capability; 00:04.0 multi-function without MSI, 00:04.1 MSI at 0x60. */
static void build_spaces(void)
{
	static const uint16_t present[4] = { BDF(0, 0, 0), BDF(0, 3, 0), BDF(0, 4, 0),
					     BDF(0, 4, 1) };

	fake_pci_reset();
	memcpy(fake_pci.bdf, present, sizeof(present));
	fake_pci_put(fake_pci.space[0], 0, 0x8086, 2);
	fake_pci_put(fake_pci.space[1], 0, 0x1234, 2);
	fake_pci_put(fake_pci.space[1], 0x06, 1u << 4, 2);   /* capability list */
	fake_pci.space[1][0x34] = 0x40;
	fake_pci.space[1][0x40] = 0x09;            /* vendor-specific, next 0x50 */
	fake_pci.space[1][0x41] = 0x50;
	fake_pci.space[1][0x50] = PCI_CAP_ID_MSI;  /* last */
	memcpy(fake_pci.space[1] + 0x54, &(uint32_t){ MSI_BASE }, 4);
	fake_pci_put(fake_pci.space[2], 0, 0x1234, 2);
	fake_pci.space[2][0x0e] = 0x80;            /* multi-function */
	fake_pci_put(fake_pci.space[3], 0, 0x1234, 2);
	fake_pci_put(fake_pci.space[3], 0x06, 1u << 4, 2);
	fake_pci.space[3][0x34] = 0x60;
	fake_pci.space[3][0x60] = PCI_CAP_ID_MSI;
}

static const uint32_t ids[2] = { 0, 1 };
static unsigned notes;
static enum irq_route_result last_result;

static void note(struct msi_model *m, const struct msi_note *n)
{
	(void)m;
	CHECK_EQ(n->entry, -1);
	notes++;
	last_result = n->result;
}

static uint32_t cfg_read(struct msi_model *m, uint16_t bdf, unsigned reg, unsigned size)
{
	uint32_t v = 0;

	CHECK(msi_model_port_write(m, PCI_CONFIG_ADDRESS, 4, ADDR(bdf, reg & 0xfc)));
	CHECK(msi_model_port_read(m, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size, &v));
	return v;
}

static void cfg_write(struct msi_model *m, uint16_t bdf, unsigned reg, unsigned size,
		      uint32_t value)
{
	CHECK(msi_model_port_write(m, PCI_CONFIG_ADDRESS, 4, ADDR(bdf, reg & 0xfc)));
	CHECK(msi_model_port_write(m, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size, value));
}

/* The capability walk's edges (PCI 3.0 6.7), on function 00:00.0. */
static void test_find_cap(void)
{
	struct pci_cfg_hw hw = { fake_pci_read, fake_pci_write, NULL };
	uint8_t *s = fake_pci.space[0];
	uint16_t b = BDF(0, 0, 0);

	build_spaces();
	s[0x34] = 0x40;
	s[0x40] = PCI_CAP_ID_MSI;
	CHECK_EQ(pci_find_cap(&hw, b, PCI_CAP_ID_MSI), 0);      /* status: no list */
	fake_pci_put(s, 0x06, 1u << 4, 2);
	CHECK_EQ(pci_find_cap(&hw, b, PCI_CAP_ID_MSI), 0x40);
	s[0x34] = 0x43;                                          /* bits 1:0 reserved */
	CHECK_EQ(pci_find_cap(&hw, b, PCI_CAP_ID_MSI), 0x40);
	s[0x34] = 0x3c;                                          /* inside the header: none */
	CHECK_EQ(pci_find_cap(&hw, b, PCI_CAP_ID_MSI), 0);
	s[0x34] = 0x40;
	s[0x40] = 0x01;
	s[0x41] = 0xfc;                                          /* the last dword... */
	s[0xfc] = PCI_CAP_ID_MSIX;
	CHECK_EQ(pci_find_cap(&hw, b, PCI_CAP_ID_MSIX), 0xfc);
	CHECK_EQ(pci_find_cap(&hw, b, PCI_CAP_ID_MSI), 0);      /* ...ends the list */
	s[0xfd] = 0x40;                                          /* a loop: given up */
	CHECK_EQ(pci_find_cap(&hw, b, PCI_CAP_ID_MSI), 0);
	s[0x41] = 0x41;                                          /* points at itself */
	fake_pci.n_access = 0;
	CHECK_EQ(pci_find_cap(&hw, b, PCI_CAP_ID_MSIX), 0);
	CHECK_EQ(fake_pci.n_access, 2 + 48);                     /* 48 links at the most */
}

int main(void)
{
	struct irq_policy pol = { .intercept = 1u << 1 }; /* CPU 1 intercepts, CPU 0 direct */
	struct irq_cpus cpus = { .n = 2, .apic_id = ids, .policy = &pol };
	struct msi_model_ops ops = { .cfg = { fake_pci_read, fake_pci_write, NULL }, .note = note };
	static struct msi_model m;
	uint32_t v;

	test_find_cap();
	build_spaces();
	CHECK(msi_model_init(&m, &ops, &cpus));
	CHECK_EQ(m.n_dev, 2);
	CHECK_EQ(m.dev[0].bdf, BDF(0, 3, 0));
	CHECK_EQ(m.dev[0].cap, 0x50);
	CHECK_EQ(m.dev[0].l2_addr, MSI_BASE);
	CHECK_EQ(m.dev[1].bdf, BDF(0, 4, 1));
	CHECK_EQ(m.dev[1].cap, 0x60);

	/* The address register: dwords are the model's, anything else (0xCF9...) is not. */
	CHECK(msi_model_port_write(&m, PCI_CONFIG_ADDRESS, 4, ADDR(BDF(0, 3, 0), 0)));
	CHECK(msi_model_port_read(&m, PCI_CONFIG_ADDRESS, 4, &v));
	CHECK_EQ(v, ADDR(BDF(0, 3, 0), 0));
	CHECK(!msi_model_port_write(&m, PCI_CONFIG_ADDRESS, 1, 6));
	CHECK(!msi_model_port_read(&m, PCI_CONFIG_ADDRESS, 2, &v));

	/* Ordinary registers pass through at their own size. */
	CHECK_EQ(cfg_read(&m, BDF(0, 0, 0), 0, 2), 0x8086);
	CHECK_EQ(cfg_read(&m, BDF(0, 0, 0), 1, 1), 0x80);
	CHECK_EQ(cfg_read(&m, BDF(0, 1, 0), 0, 4), ~0u); /* no such device */
	cfg_write(&m, BDF(0, 3, 0), 0x04, 1, 0x06);      /* command: a byte, status untouched */
	CHECK_EQ(fake_pci.last_write_size, 1);
	CHECK_EQ(fake_pci.space[1][0x04], 0x06);

	/* Dedicated (a PCI device) to APIC ID 1, an intercepting CPU: moved to APIC ID 0. */
	cfg_write(&m, BDF(0, 3, 0), 0x54, 4, MSI_BASE | 1u << MSI_ADDR_DEST_SHIFT);
	CHECK_EQ(fake_pci_get32(fake_pci.space[1], 0x54), MSI_BASE);
	CHECK_EQ(cfg_read(&m, BDF(0, 3, 0), 0x54, 4), MSI_BASE | 1u << MSI_ADDR_DEST_SHIFT);
	CHECK(notes == 1 && last_result == IRQ_ROUTE_CORRECTED);
	CHECK(m.msi_writes == 1 && m.corrections == 1);
	/* Its upper half as a word: merged with L2's view, still corrected. */
	cfg_write(&m, BDF(0, 3, 0), 0x56, 2, 0xfee0);
	CHECK_EQ(cfg_read(&m, BDF(0, 3, 0), 0x56, 2), 0xfee0);
	CHECK_EQ(cfg_read(&m, BDF(0, 3, 0), 0x55, 1), 0x10); /* L2's destination byte's half */
	CHECK_EQ(fake_pci_get32(fake_pci.space[1], 0x54), MSI_BASE);
	CHECK_EQ(notes, 2);
	/* To APIC ID 0, direct: kept, nothing reported. */
	cfg_write(&m, BDF(0, 4, 1), 0x64, 4, MSI_BASE);
	CHECK_EQ(fake_pci_get32(fake_pci.space[3], 0x64), MSI_BASE);
	CHECK_EQ(notes, 2);
	/* The data word next to it is not the model's. */
	cfg_write(&m, BDF(0, 4, 1), 0x68, 2, 0x4041);
	CHECK_EQ(fake_pci_get32(fake_pci.space[3], 0x68), 0x4041);

	/* No configuration cycle without the enable bit: reads all ones, writes dropped. */
	fake_pci.writes = 0;
	CHECK(msi_model_port_write(&m, PCI_CONFIG_ADDRESS, 4, ADDR(BDF(0, 3, 0), 0x54) &
						 ~PCI_CONFIG_ENABLE));
	CHECK(msi_model_port_write(&m, PCI_CONFIG_DATA, 4, 0));
	CHECK(msi_model_port_read(&m, PCI_CONFIG_DATA, 4, &v));
	CHECK(v == ~0u && fake_pci.writes == 0);

	/* Every CPU intercepts: no CPU fits a dedicated device, the address is kept. */
	pol.intercept = 3;
	cfg_write(&m, BDF(0, 3, 0), 0x54, 4, MSI_BASE | 1u << MSI_ADDR_DEST_SHIFT);
	CHECK_EQ(fake_pci_get32(fake_pci.space[1], 0x54), MSI_BASE | 1u << MSI_ADDR_DEST_SHIFT);
	CHECK(notes == 3 && last_result == IRQ_ROUTE_NO_CPU);
	CHECK_EQ(m.corrections, 2);
	return check_failures ? 1 : 0;
}
