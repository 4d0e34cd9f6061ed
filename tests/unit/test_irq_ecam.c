/*
 * test_irq_ecam.c - ECAM windows under msi_model=on: offsets decoded into
 * bus (from the window's start bus), device, function and register at
 * every field's edge; accesses of every width cut at dword boundaries;
 * the MSI address and the MSI-X BAR reached through ECAM take the same
 * path as through 0xCF8/0xCFC; registers past 0xff reach the device.
 */
#include "fake_pci.h"
#include "irq/ecam.h"

#define OFF(bus, dev, fn, reg) ((uint64_t)(bus) << 20 | (uint64_t)(dev) << 15 | (fn) << 12 | (reg))

static uint64_t mem_read(void *ctx, uint64_t pa, unsigned width)
{
	(void)ctx;
	(void)pa;
	(void)width;
	return 0;
}

static void mem_write(void *ctx, uint64_t pa, unsigned width, uint64_t value)
{
	(void)ctx;
	(void)pa;
	(void)width;
	(void)value;
}

static unsigned notes, moves;

static void note(struct msi_model *m, const struct msi_note *n)
{
	(void)m;
	(void)n;
	notes++;
}

static bool moved(struct msi_model *m, struct msix_function *f, uint64_t old_pa)
{
	(void)m;
	(void)f;
	(void)old_pa;
	moves++;
	return true;
}

static void test_decode(void)
{
	/* QEMU q35: one window for buses 0-255 at 0xb0000000. */
	struct acpi_mcfg_entry q35 = { .base = 0xb0000000, .bus_start = 0, .bus_end = 255 };
	/* Buses 0x10-0x1f; MCFG's base names bus 0, so the window starts 16 MiB in. */
	struct acpi_mcfg_entry part = { .base = 0xe0000000, .bus_start = 0x10, .bus_end = 0x1f };
	uint16_t bdf, reg;

	CHECK_EQ(ecam_window_size(&q35), 256ull << 20);
	CHECK_EQ(ecam_window_base(&q35), 0xb0000000);
	CHECK_EQ(ecam_window_base(&part), 0xe1000000);
	CHECK_EQ(ecam_window_size(&part), 16ull << 20);
	CHECK(ecam_decode(&q35, 0, &bdf, &reg) && bdf == 0 && reg == 0);
	CHECK(ecam_decode(&q35, OFF(0, 31, 7, 0xfff), &bdf, &reg) && bdf == BDF(0, 31, 7) &&
	      reg == 0xfff);
	CHECK(ecam_decode(&q35, OFF(255, 31, 7, 0xffc), &bdf, &reg) && bdf == 0xffff && reg == 0xffc);
	CHECK(ecam_decode(&q35, OFF(1, 0, 0, 0), &bdf, &reg) && bdf == BDF(1, 0, 0) && reg == 0);
	CHECK(!ecam_decode(&q35, 256ull << 20, &bdf, &reg));
	CHECK(ecam_decode(&part, OFF(0, 2, 0, 0x40), &bdf, &reg) && bdf == BDF(0x10, 2, 0) &&
	      reg == 0x40);
	CHECK(ecam_decode(&part, OFF(15, 0, 1, 4), &bdf, &reg) && bdf == BDF(0x1f, 0, 1) &&
	      reg == 4);
	CHECK(!ecam_decode(&part, OFF(16, 0, 0, 0), &bdf, &reg));
	/* One bus: a 1 MiB window. */
	part.bus_start = part.bus_end = 0x42;
	CHECK(ecam_decode(&part, OFF(0, 31, 7, 0xfff), &bdf, &reg) && bdf == BDF(0x42, 31, 7));
	CHECK(!ecam_decode(&part, OFF(1, 0, 0, 0), &bdf, &reg));
}

static void test_accesses(void)
{
	static const uint32_t ids[2] = { 0, 1 };
	struct irq_policy pol = { .intercept = 1u << 1 };
	struct irq_cpus cpus = { .n = 2, .apic_id = ids, .policy = &pol };
	struct msi_model_ops ops = { .cfg = { fake_pci_read, fake_pci_write, NULL },
				     .table = { mem_read, mem_write, NULL },
				     .note = note, .moved = moved };
	struct acpi_mcfg_entry w = { .base = 0xe0000000, .bus_start = 0x10, .bus_end = 0x11 };
	static struct msi_model m;
	uint8_t *s = fake_pci.space[0];
	uint64_t v, o = OFF(0, 2, 0, 0);
	const struct fake_pci_access *acc = fake_pci.last;

	fake_pci_reset();
	fake_pci.bdf[0] = BDF(0x10, 2, 0);
	fake_pci.bdf[1] = BDF(0x11, 31, 7); /* the window's last function */
	/* 10:02.0 with MSI at 0x50 and MSI-X at 0x60 (BAR 0, memory on); extended regs. */
	memcpy(s, &(uint32_t){ 0x12348086 }, 4);
	s[PCI_COMMAND] = PCI_COMMAND_MEMORY;
	s[0x06] = 1u << 4;
	s[0x34] = 0x50;
	s[0x50] = PCI_CAP_ID_MSI;
	s[0x51] = 0x60;
	s[0x60] = PCI_CAP_ID_MSIX;
	memcpy(s + PCI_BAR0, &(uint32_t){ 0xfe000000 }, 4);
	memcpy(s + 0x100, &(uint32_t){ 0x00010001 }, 4); /* an extended capability header */
	CHECK(msi_model_init(&m, &ops, &cpus));
	CHECK(m.n_dev == 1 && m.n_msix == 1 && moves == 1);

	/* Every width, aligned or not: one configuration access per dword piece. */
	fake_pci.n_access = 0;
	CHECK(ecam_read(&m, &w, o, 4, &v) && v == 0x12348086);
	CHECK(fake_pci.n_access == 1 && acc[0].bdf == BDF(0x10, 2, 0) && acc[0].offset == 0 &&
	      acc[0].size == 4);
	CHECK(ecam_read(&m, &w, o + 2, 2, &v) && v == 0x1234);
	CHECK(ecam_read(&m, &w, o + 1, 1, &v) && v == 0x80);
	fake_pci.n_access = 0;
	CHECK(ecam_read(&m, &w, o, 8, &v) && v == ((uint64_t)PCI_COMMAND_MEMORY << 32 |
						   (1ull << 20) << 32 | 0x12348086));
	CHECK(fake_pci.n_access == 2 && acc[1].offset == 4 && acc[1].size == 4);
	fake_pci.n_access = 0;
	CHECK(ecam_read(&m, &w, o + 1, 4, &v) &&
	      v == (0x00123480 | (uint64_t)PCI_COMMAND_MEMORY << 24));
	/* 3 bytes go as 2 + 1, then the next dword's first byte. */
	CHECK(fake_pci.n_access == 3 && acc[0].offset == 1 && acc[0].size == 2 && acc[1].offset == 3 &&
	      acc[1].size == 1 && acc[2].offset == 4 && acc[2].size == 1);
	CHECK(ecam_read(&m, &w, o + 0x100, 4, &v) && v == 0x00010001); /* past 0xff */
	CHECK(ecam_read(&m, &w, OFF(1, 0, 0, 0), 2, &v) && v == 0xffff); /* nobody there */
	CHECK(!ecam_read(&m, &w, OFF(2, 0, 0, 0), 4, &v));               /* past the window */
	CHECK(!ecam_read(&m, &w, OFF(2, 0, 0, 0) - 4, 8, &v));           /* runs past its end */
	CHECK(ecam_read(&m, &w, OFF(1, 31, 7, 0xffc), 4, &v));            /* its last dword */

	/* The MSI address through ECAM: steered, L2 reads back its own, the port path agrees. */
	CHECK(ecam_write(&m, &w, o + 0x54, 4, MSI_ADDR_BASE | 1u << MSI_ADDR_DEST_SHIFT));
	CHECK_EQ(*(uint32_t *)(s + 0x54), MSI_ADDR_BASE);
	CHECK(ecam_read(&m, &w, o + 0x54, 4, &v) && v == (MSI_ADDR_BASE | 1u << MSI_ADDR_DEST_SHIFT));
	CHECK(msi_model_port_write(&m, PCI_CONFIG_ADDRESS, 4,
				   PCI_CONFIG_ENABLE | (uint32_t)BDF(0x10, 2, 0) << 8 | 0x54));
	CHECK(msi_model_port_read(&m, PCI_CONFIG_DATA + 1, 1, &(uint32_t){ 0 }));
	CHECK(notes == 1 && m.msi_writes == 1 && m.corrections == 1);
	/* A qword over the MSI address and data: each dword its own way. */
	CHECK(ecam_write(&m, &w, o + 0x54, 8, 0x4041ull << 32 | MSI_ADDR_BASE));
	CHECK(*(uint32_t *)(s + 0x54) == MSI_ADDR_BASE && *(uint32_t *)(s + 0x58) == 0x4041);

	/* The MSI-X table's BAR reprogrammed through ECAM: the table follows. */
	CHECK(ecam_write(&m, &w, o + PCI_BAR0, 4, 0xfd000000));
	CHECK(moves == 2 && m.msix[0].table_pa == 0xfd000000);
	/* Extended registers are written through, and counted. */
	CHECK(ecam_write(&m, &w, o + 0x104, 2, 0xbeef));
	CHECK_EQ(*(uint16_t *)(s + 0x104), 0xbeef);
	CHECK_EQ(m.ecam_accesses, 13);
	CHECK(!ecam_write(&m, &w, OFF(2, 0, 0, 0), 1, 0));
}

int main(void)
{
	test_decode();
	test_accesses();
	return check_failures ? 1 : 0;
}
