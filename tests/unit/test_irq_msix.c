/*
 * test_irq_msix.c - MSI-X under msi_model=on: the capability found in the
 * scan behind other capabilities, tables located through 32- and 64-bit
 * BARs (and not through I/O, missing, reserved or disabled ones), entries
 * served field by field (addresses L2's view, steered on the device; data,
 * mask and PBA the device's), the entry masked around an update of a live
 * one, refused narrow accesses, tables that follow BAR reprogramming but
 * not BAR sizing, and the address pool running out.
 */
#include "fake_pci.h"

#define DEST(apic) ((uint32_t)(apic) << MSI_ADDR_DEST_SHIFT)

/* Device memory: two pages at each of a few physical addresses. */
#define NMEM 4
static struct { uint64_t base; uint8_t b[8192]; } mem[NMEM];

/* The last few table writes, to check their order. */
struct mem_write_rec {
	uint64_t pa, v;
};
static struct mem_write_rec wlog[16];
static unsigned nwlog;

static uint8_t *mem_at(uint64_t pa, unsigned width)
{
	for (unsigned i = 0; i < NMEM; i++)
		if (mem[i].base && pa >= mem[i].base && pa + width <= mem[i].base + sizeof(mem[i].b))
			return mem[i].b + (pa - mem[i].base);
	return NULL;
}

static uint64_t mem_read(void *ctx, uint64_t pa, unsigned width)
{
	const uint8_t *p = mem_at(pa, width);
	uint64_t v = 0;

	(void)ctx;
	if (!p)
		return ~0ull; /* nothing decodes there */
	memcpy(&v, p, width);
	return v;
}

static void mem_write(void *ctx, uint64_t pa, unsigned width, uint64_t value)
{
	uint8_t *p = mem_at(pa, width);

	(void)ctx;
	if (nwlog < 16)
		wlog[nwlog++] = (struct mem_write_rec){ pa, value };
	if (p)
		memcpy(p, &value, width);
}

static uint32_t mem32(uint64_t pa)
{
	return (uint32_t)mem_read(NULL, pa, 4);
}

/* Function I at BDF: header LAYOUT, capabilities from 0x40, MSI-X at CAP after them. */
static uint8_t *add_fn(unsigned i, uint16_t bdf, uint8_t layout, uint8_t cap, uint16_t control,
		       uint32_t table, uint32_t pba)
{
	uint8_t *s = fake_pci.space[i];

	fake_pci.bdf[i] = bdf;
	fake_pci_put(s, 0x00, 0x1234, 2);
	fake_pci_put(s, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	fake_pci_put(s, 0x06, 1u << 4, 2);  /* capability list */
	s[PCI_HEADER_TYPE] = layout;
	s[0x34] = 0x40;
	s[0x40] = 0x01;            /* power management, next: MSI-X */
	s[0x41] = cap;
	s[cap] = PCI_CAP_ID_MSIX;
	fake_pci_put(s, cap + MSIX_CONTROL, control, 2);
	fake_pci_put(s, cap + MSIX_TABLE, table, 4);
	fake_pci_put(s, cap + MSIX_PBA, pba, 4);
	return s;
}

static unsigned notes, moves;
static struct msi_note last_note;
static uint64_t last_old;

static void note(struct msi_model *m, const struct msi_note *n)
{
	(void)m;
	notes++;
	last_note = *n;
}

static bool moved(struct msi_model *m, struct msix_function *f, uint64_t old_pa)
{
	(void)m;
	(void)f;
	moves++;
	last_old = old_pa;
	return true;
}

static const uint32_t ids[2] = { 0, 1 };
static struct irq_policy pol = { .intercept = 1u << 1 }; /* CPU 1 intercepts, CPU 0 direct */
static const struct irq_cpus cpus = { .n = 2, .apic_id = ids, .policy = &pol };
static const struct msi_model_ops ops = { .cfg = { fake_pci_read, fake_pci_write, NULL },
					  .table = { mem_read, mem_write, NULL },
					  .note = note, .moved = moved };
static struct msi_model m;

#define T0 0xfebf0800ull  /* 00:03.0's table: BAR 2 (64-bit) + 0x800 */
#define T2 0xfe000ff8ull  /* 00:05.0's: a bridge's BAR 0 + 0xff8, across two pages */

static void build(void)
{
	uint8_t *s;

	fake_pci_reset();
	memset(mem, 0, sizeof(mem));
	/* 00:03.0: 4 entries, table and PBA in BAR 2, a 64-bit BAR (2 and 3). */
	s = add_fn(0, BDF(0, 3, 0), 0, 0x70, 3, 0x800 | 2, 0x900 | 2);
	fake_pci_put(s, PCI_BAR0 + 8, 0xfebf0000 | 4, 4);
	mem[0].base = 0xfebf0000;
	/* Entry 0 as firmware left it: to APIC 1, masked; entry 1 cleared, masked. */
	fake_pci_put(mem[0].b, 0x800, MSI_ADDR_BASE | DEST(1), 4);
	fake_pci_put(mem[0].b, 0x80c, MSIX_CTRL_MASKED, 4);
	fake_pci_put(mem[0].b, 0x81c, MSIX_CTRL_MASKED, 4);
	fake_pci_put(mem[0].b, 0x900, 0x5, 4);         /* PBA: entries 0 and 2 pending */
	/* 00:04.0: the table in BAR 5 said to be 64-bit: no BAR 6 holds its upper half. */
	s = add_fn(1, BDF(0, 4, 0), 0, 0x50, 0, 5, 5);
	fake_pci_put(s, PCI_BAR0 + 20, 0xfd000000 | 4, 4);
	/* 00:05.0: a bridge (two BARs), 2 entries from 0xff8 of BAR 0 on. */
	s = add_fn(2, BDF(0, 5, 0), 1, 0x60, 1, 0xff8, 0x1000);
	fake_pci_put(s, PCI_BAR0, 0xfe000000, 4);
	mem[1].base = 0xfe000000;
}

static uint64_t rd(struct msix_function *f, uint64_t off, unsigned width)
{
	uint64_t v = 0xdead;

	CHECK(msix_table_read(&m, f, off, width, &v));
	return v;
}

static void wr(struct msix_function *f, uint64_t off, unsigned width, uint64_t v)
{
	CHECK(msix_table_write(&m, f, off, width, v));
}

static void test_scan_and_locate(void)
{
	CHECK(msi_model_init(&m, &ops, &cpus));
	CHECK_EQ(m.n_dev, 0);
	CHECK_EQ(m.n_msix, 3);
	CHECK(m.msix[0].bdf == BDF(0, 3, 0) && m.msix[0].cap == 0x70 && m.msix[0].n_entries == 4);
	CHECK_EQ(m.msix[0].table_pa, T0);
	CHECK(msix_pages_base(&m.msix[0]) == 0xfebf0000 && msix_pages_size(&m.msix[0]) == 0x1000);
	CHECK_EQ(m.msix[0].l2_addr[0][0], MSI_ADDR_BASE | DEST(1)); /* L2 starts from the device's */
	CHECK_EQ(m.msix[1].table_pa, 0);
	CHECK_EQ(m.msix[1].n_bars, 6);
	CHECK(m.msix[2].n_bars == 2 && m.msix[2].n_entries == 2 && m.msix[2].table_pa == T2);
	CHECK(msix_pages_base(&m.msix[2]) == 0xfe000000 && msix_pages_size(&m.msix[2]) == 0x2000);
	CHECK(moves == 2 && last_old == 0); /* told of each table found */
	CHECK_EQ(m.msix_addr_used, 4 + 1 + 2);
}

static void test_bar_decode(void)
{
	uint8_t *s = fake_pci.space[1];
	uint16_t b = BDF(0, 4, 0);

	fake_pci_put(s, PCI_BAR0, 0xfd000000, 4);
	CHECK_EQ(msix_bar_address(&m, b, 0, 6), 0xfd000000);
	fake_pci_put(s, PCI_BAR0, 0xfd000000 | 2, 4);         /* below 1 MiB type: still 32 bits */
	CHECK_EQ(msix_bar_address(&m, b, 0, 6), 0xfd000000);
	fake_pci_put(s, PCI_BAR0, 0xfd000000 | 6, 4);         /* type 3: reserved */
	CHECK_EQ(msix_bar_address(&m, b, 0, 6), 0);
	fake_pci_put(s, PCI_BAR0, 0xc001, 4);                 /* I/O */
	CHECK_EQ(msix_bar_address(&m, b, 0, 6), 0);
	fake_pci_put(s, PCI_BAR0, 0, 4);                      /* unassigned */
	CHECK_EQ(msix_bar_address(&m, b, 0, 6), 0);
	fake_pci_put(s, PCI_BAR0 + 4, 0xc | 4, 4);            /* 64-bit, prefetchable, above 4 GiB */
	fake_pci_put(s, PCI_BAR0 + 8, 0x8, 4);
	CHECK_EQ(msix_bar_address(&m, b, 1, 6), 0x800000000ull);
	CHECK_EQ(msix_bar_address(&m, b, 1, 2), 0);  /* a bridge has no BAR 2 for its top */
	CHECK_EQ(msix_bar_address(&m, b, 6, 6), 0);  /* BIR 6, 7: reserved */
	CHECK_EQ(msix_bar_address(&m, b, 5, 6), 0);  /* 64-bit in the last slot */
	fake_pci_put(s, PCI_COMMAND, 0, 2);                   /* memory space off */
	CHECK_EQ(msix_bar_address(&m, b, 1, 6), 0);
}

static void test_entries(void)
{
	struct msix_function *f = &m.msix[0];
	uint64_t msix_writes;

	/* Reads: addresses from L2's view, data and mask from the device, PBA passes through. */
	CHECK_EQ(rd(f, 0x800, 4), MSI_ADDR_BASE | DEST(1));
	CHECK_EQ(rd(f, 0x800, 8), MSI_ADDR_BASE | DEST(1));       /* low and high */
	CHECK_EQ(rd(f, 0x808, 8), (uint64_t)MSIX_CTRL_MASKED << 32); /* data 0, masked */
	CHECK_EQ(rd(f, 0x900, 8), 5);
	CHECK_EQ(rd(f, 0x901, 1), 0);                             /* PBA at any width */

	/* Masked entry 1 to APIC 1 (intercepting): the device gets APIC 0; L2 reads its own. */
	nwlog = 0;
	wr(f, 0x810, 4, MSI_ADDR_BASE | DEST(1) | MSI_ADDR_LOGICAL);
	CHECK_EQ(mem32(T0 + 0x10), MSI_ADDR_BASE | DEST(0));
	CHECK_EQ(rd(f, 0x810, 4), MSI_ADDR_BASE | DEST(1) | MSI_ADDR_LOGICAL);
	CHECK(notes == 1 && last_note.entry == 1 && last_note.bdf == BDF(0, 3, 0) &&
	      last_note.result == IRQ_ROUTE_CORRECTED &&
	      last_note.programmed == (MSI_ADDR_BASE | DEST(0)));
	CHECK(m.msix_corrections == 1 && m.msix_unmasked_updates == 0);
	for (unsigned i = 0; i < nwlog; i++)
		CHECK(wlog[i].pa != T0 + 0x1c); /* masked: the mask is left alone */

	/* A qword of both halves is one update; data and the mask bit reach the device. */
	msix_writes = m.msix_writes;
	wr(f, 0x810, 8, MSI_ADDR_BASE | DEST(0));
	CHECK_EQ(m.msix_writes, msix_writes + 1);
	CHECK_EQ(notes, 1); /* to a direct CPU: kept, nothing reported */
	wr(f, 0x818, 8, 0x4041);                                  /* data, and unmask */
	CHECK(mem32(T0 + 0x18) == 0x4041 && mem32(T0 + 0x1c) == 0);
	CHECK_EQ(rd(f, 0x818, 4), 0x4041);

	/* MSI-X on, entry 1 live: an address update masks it around, then unmasks it. */
	msi_model_config_write(&m, BDF(0, 3, 0), 0x70 + MSIX_CONTROL, 2, MSIX_CONTROL_ENABLE);
	CHECK_EQ(f->control & MSIX_CONTROL_ENABLE, MSIX_CONTROL_ENABLE);
	nwlog = 0;
	wr(f, 0x810, 4, MSI_ADDR_BASE | DEST(1));
	CHECK_EQ(nwlog, 4);
	CHECK(wlog[0].pa == T0 + 0x1c && wlog[0].v == MSIX_CTRL_MASKED);
	CHECK(wlog[1].pa == T0 + 0x10 && wlog[1].v == (MSI_ADDR_BASE | DEST(0)));
	CHECK(wlog[2].pa == T0 + 0x14 && wlog[2].v == 0);
	CHECK(wlog[3].pa == T0 + 0x1c && wlog[3].v == 0);
	CHECK_EQ(m.msix_unmasked_updates, 1);
	/* Function masked: nothing live, the vector's mask is left alone. */
	msi_model_config_write(&m, BDF(0, 3, 0), 0x71 + MSIX_CONTROL, 1,
			       (MSIX_CONTROL_ENABLE | MSIX_CONTROL_FUNCTION_MASK) >> 8);
	CHECK(f->control & MSIX_CONTROL_FUNCTION_MASK);
	nwlog = 0;
	wr(f, 0x810, 4, MSI_ADDR_BASE | DEST(1));
	CHECK(nwlog == 2 && m.msix_unmasked_updates == 1);

	/* Not an interrupt message (upper half set, or outside 0xFEExxxxx): as written. */
	wr(f, 0x820, 8, 0x1234567800000000ull | MSI_ADDR_BASE | DEST(1));
	CHECK_EQ(mem32(T0 + 0x24), 0x12345678);
	CHECK_EQ(mem32(T0 + 0x20), MSI_ADDR_BASE | DEST(1));
	wr(f, 0x830, 4, 0xfec00000 | DEST(1));
	CHECK_EQ(mem32(T0 + 0x30), 0xfec00000 | DEST(1));
	CHECK_EQ(notes, 3);

	/* Narrow or misaligned accesses to the table are refused; past it they pass. */
	CHECK(!msix_table_read(&m, f, 0x800, 2, &(uint64_t){ 0 }));
	CHECK(!msix_table_write(&m, f, 0x801, 4, 0));
	CHECK(!msix_table_write(&m, f, 0x83c, 1, 0));
	CHECK_EQ(mem32(T0), MSI_ADDR_BASE | DEST(1)); /* untouched by the refused writes */
	wr(f, 0x7fc, 8, 0x0000000077777777ull | (uint64_t)(MSI_ADDR_BASE | DEST(1)) << 32);
	CHECK_EQ(mem32(T0 - 4), 0x77777777);          /* the dword before the table: passed */
	CHECK_EQ(mem32(T0), MSI_ADDR_BASE | DEST(0));  /* entry 0's address: steered */
	fake_pci_put(mem[0].b, 0x83c, MSIX_CTRL_MASKED, 4);
	fake_pci_put(mem[0].b, 0x840, 0x99, 4);
	CHECK_EQ(rd(f, 0x83c, 8), 0x99ull << 32 | MSIX_CTRL_MASKED); /* last mask, then past */

	/* All CPUs intercept: no CPU fits, programmed as written. */
	pol.intercept = 3;
	wr(f, 0x800, 4, MSI_ADDR_BASE | DEST(1));
	CHECK_EQ(mem32(T0), MSI_ADDR_BASE | DEST(1));
	CHECK(notes == 5 && last_note.result == IRQ_ROUTE_NO_CPU);
	pol.intercept = 1u << 1;
}

static void test_two_pages(void)
{
	struct msix_function *f = &m.msix[2];

	/* Entry 0 at the first page's end, entry 1 on the next page. */
	wr(f, 0xff8, 4, MSI_ADDR_BASE | DEST(1));
	CHECK_EQ(mem32(T2), MSI_ADDR_BASE | DEST(0));
	wr(f, 0x1008, 4, MSI_ADDR_BASE | DEST(1));
	CHECK_EQ(mem32(T2 + 0x10), MSI_ADDR_BASE | DEST(0));
	CHECK_EQ(rd(f, 0x1008, 4), MSI_ADDR_BASE | DEST(1));
	wr(f, 0x1018, 4, 0xabcd);                    /* past the table: the device's */
	CHECK_EQ(mem32(T2 + 0x20), 0xabcd);
}

static void test_bar_moves(void)
{
	struct msix_function *f = &m.msix[0];
	uint16_t b = BDF(0, 3, 0);
	unsigned before = moves;

	/* Linux's BAR sizing: memory off, all ones, read, restore, memory on: no move. */
	msi_model_config_write(&m, b, PCI_COMMAND, 2, 0);
	msi_model_config_write(&m, b, PCI_BAR0 + 8, 4, ~0u);
	msi_model_config_write(&m, b, PCI_BAR0 + 8, 4, 0xfebf0000 | 4);
	msi_model_config_write(&m, b, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK(moves == before && f->table_pa == T0 && m.msix_moves == 0);

	/* Reprogrammed while decoding: the table follows, L2's view with it. */
	mem[2].base = 0xfeb00000;
	memcpy(mem[2].b, mem[0].b, sizeof(mem[0].b)); /* the device's table, now there */
	msi_model_config_write(&m, b, PCI_BAR0 + 8, 4, 0xfeb00000 | 4);
	CHECK(moves == before + 1 && last_old == T0 && f->table_pa == 0xfeb00800);
	CHECK_EQ(m.msix_moves, 1);
	CHECK_EQ(rd(f, 0x800, 4), MSI_ADDR_BASE | DEST(1));
	wr(f, 0x810, 4, MSI_ADDR_BASE | DEST(1));
	CHECK_EQ(mem32(0xfeb00810), MSI_ADDR_BASE | DEST(0));
	/* Its upper half (a word of it): above 4 GiB. */
	msi_model_config_write(&m, b, PCI_BAR0 + 12, 2, 0x1);
	CHECK(moves == before + 2 && f->table_pa == 0x1feb00800ull);
	/* Another function's BAR, or a register beside: nothing moves. */
	msi_model_config_write(&m, BDF(0, 5, 0), PCI_BAR0 + 4, 4, 0);
	msi_model_config_write(&m, b, PCI_BAR0 + 16, 4, 0);
	CHECK_EQ(moves, before + 2);
}

/* msix_test=on's table: no configuration space, MSI-X on, moved by hand. */
static void test_synthetic(void)
{
	struct msix_function *f;
	unsigned before = moves;

	mem[3].base = 0xd0010000;
	fake_pci_put(mem[3].b, 0, MSI_ADDR_BASE | DEST(1), 4);
	CHECK(msix_add_synthetic(&m, 0xd0010000, 8));
	f = &m.msix[m.n_msix - 1];
	CHECK(f->synthetic && f->bdf == 0xffff && f->table_pa == 0xd0010000 && f->n_entries == 8);
	CHECK(moves == before + 1 && last_old == 0);
	CHECK_EQ(rd(f, 0, 4), MSI_ADDR_BASE | DEST(1));
	CHECK_EQ(f->control, MSIX_CONTROL_ENABLE);
	/* Configuration writes to ff:1f.7 are nobody's: nothing moves. */
	msi_model_config_write(&m, 0xffff, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK_EQ(moves, before + 1);
	msix_move_synthetic(&m, f, 0xd0011000);
	CHECK(moves == before + 2 && last_old == 0xd0010000 && f->table_pa == 0xd0011000);
	CHECK_EQ(rd(f, 0, 4), MSI_ADDR_BASE | DEST(1)); /* L2's view moved along */
	msix_move_synthetic(&m, f, 0);                   /* nowhere: ignored */
	msix_move_synthetic(&m, &m.msix[0], 0xd0012000); /* a PCI function's: by its BAR only */
	CHECK(moves == before + 2 && m.msix[0].table_pa != 0xd0012000);
	CHECK(!msix_add_synthetic(&m, 0xd0020000, 129)); /* more than half a page of entries */
}

/* Three tables of 2048 entries: the third finds no room for L2's addresses. */
static void test_pool(void)
{
	static struct msi_model big;

	build();
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *s = add_fn(i, BDF(1, i, 0), 0, 0x50, 2047, 0, 0);

		fake_pci_put(s, PCI_BAR0, 0xf0000000 + i * 0x100000, 4);
	}
	moves = 0;
	CHECK(msi_model_init(&big, &ops, &cpus));
	CHECK_EQ(big.n_msix, 3);
	CHECK(big.msix[0].l2_addr && big.msix[1].l2_addr && !big.msix[2].l2_addr);
	CHECK(big.msix[2].table_pa == 0 && moves == 2);
	CHECK_EQ(big.msix_addr_used, MSIX_MODEL_MAX_ENTRIES);
	CHECK(msix_table_read(&big, &big.msix[2], 0, 4, &(uint64_t){ 0 })); /* passes through */
}

int main(void)
{
	build();
	test_scan_and_locate();
	test_entries();
	test_two_pages();
	test_bar_moves();
	test_bar_decode();
	test_synthetic();
	test_pool();
	return check_failures ? 1 : 0;
}
