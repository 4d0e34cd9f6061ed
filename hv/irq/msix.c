/*
 * irq/msix.c - the MSI-X half of the msi_model=on model (irq/msix.h): the
 * capability's table located through its BAR, and L2's accesses to the
 * table's pages, entry field by entry field.
 */
#include "irq/msi.h"

#define PCI_BAR_IO 1u
#define PCI_BAR_TYPE(lo) (((lo) >> 1) & 3)
#define PCI_BAR_TYPE_32 0
#define PCI_BAR_TYPE_1M 1   /* below 1 MiB: PCI 2.x, a 32-bit BAR */
#define PCI_BAR_TYPE_64 2
#define PCI_HEADER_LAYOUT 0x7f

static uint32_t cfg_read(struct msi_model *m, uint16_t bdf, uint16_t offset, unsigned size)
{
	return m->ops.cfg.read(m->ops.cfg.ctx, bdf, offset, size);
}

static uint64_t table_read(struct msi_model *m, uint64_t pa, unsigned width)
{
	return m->ops.table.read(m->ops.table.ctx, pa, width);
}

static void table_write(struct msi_model *m, uint64_t pa, unsigned width, uint64_t value)
{
	m->ops.table.write(m->ops.table.ctx, pa, width, value);
}

uint64_t msix_bar_address(struct msi_model *m, uint16_t bdf, unsigned bir, unsigned n_bars)
{
	uint32_t lo;
	uint64_t base;

	if (bir >= n_bars || !(cfg_read(m, bdf, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY))
		return 0;
	lo = cfg_read(m, bdf, (uint16_t)(PCI_BAR0 + 4 * bir), 4);
	if (lo & PCI_BAR_IO)
		return 0;
	base = lo & ~0xfu;
	switch (PCI_BAR_TYPE(lo)) {
	case PCI_BAR_TYPE_32:
	case PCI_BAR_TYPE_1M:
		return base;
	case PCI_BAR_TYPE_64:
		if (bir + 1 >= n_bars)
			return 0;
		return base | (uint64_t)cfg_read(m, bdf, (uint16_t)(PCI_BAR0 + 4 * (bir + 1)), 4)
			      << 32;
	}
	return 0; /* type 3 is reserved */
}

/* L2's view of F's addresses, from the device's table. */
static void read_view(struct msi_model *m, struct msix_function *f)
{
	for (unsigned i = 0; i < f->n_entries; i++) {
		uint64_t e = f->table_pa + (uint64_t)i * MSIX_ENTRY_SIZE;

		f->l2_addr[i][0] = (uint32_t)table_read(m, e + MSIX_ENTRY_ADDR_LO, 4);
		f->l2_addr[i][1] = (uint32_t)table_read(m, e + MSIX_ENTRY_ADDR_HI, 4);
	}
}

/*
 * F's table is at PA (not 0) now: when that is somewhere new, L2's view of
 * its addresses is taken from the device (the first time) and the caller
 * moves the interception.
 */
static void relocate(struct msi_model *m, struct msix_function *f, uint64_t pa)
{
	uint64_t old = f->table_pa;

	if (pa == old)
		return;
	f->table_pa = pa;
	if (!old)
		read_view(m, f);
	else
		m->msix_moves++;
	if (m->ops.moved)
		f->intercepted = m->ops.moved(m, f, old);
}

/* Locates F's table again, through its BAR. */
static void locate(struct msi_model *m, struct msix_function *f)
{
	uint64_t bar = msix_bar_address(m, f->bdf, MSIX_BIR(f->table), f->n_bars);

	if (bar && f->l2_addr)
		relocate(m, f, bar + MSIX_OFFSET(f->table));
}

bool msix_add(struct msi_model *m, uint16_t bdf, uint8_t cap)
{
	struct msix_function *f;
	unsigned layout;

	if (m->n_msix == MSIX_MODEL_MAX_FUNCTIONS)
		return false;
	f = &m->msix[m->n_msix++];
	layout = cfg_read(m, bdf, PCI_HEADER_TYPE, 1) & PCI_HEADER_LAYOUT;
	*f = (struct msix_function){ .bdf = bdf, .cap = cap,
				     .n_bars = layout == 0 ? 6 : layout == 1 ? 2 : 0 };
	f->control = (uint16_t)cfg_read(m, bdf, cap + MSIX_CONTROL, 2);
	f->n_entries = (uint16_t)((f->control & 0x7ff) + 1);
	f->table = cfg_read(m, bdf, cap + MSIX_TABLE, 4);
	f->pba = cfg_read(m, bdf, cap + MSIX_PBA, 4);
	if (m->msix_addr_used + f->n_entries <= MSIX_MODEL_MAX_ENTRIES) {
		f->l2_addr = &m->msix_addr[m->msix_addr_used];
		m->msix_addr_used += f->n_entries;
	}
	locate(m, f);
	return true;
}

bool msix_add_synthetic(struct msi_model *m, uint64_t pa, uint16_t n)
{
	struct msix_function *f;

	if (m->n_msix == MSIX_MODEL_MAX_FUNCTIONS || !n || n > MSIX_PAGE / 2 / MSIX_ENTRY_SIZE ||
	    m->msix_addr_used + n > MSIX_MODEL_MAX_ENTRIES)
		return false;
	f = &m->msix[m->n_msix++];
	*f = (struct msix_function){ .bdf = 0xffff, .synthetic = true, .n_entries = n,
				     .control = MSIX_CONTROL_ENABLE, .pba = MSIX_PAGE / 2,
				     .l2_addr = &m->msix_addr[m->msix_addr_used] };
	m->msix_addr_used += n;
	relocate(m, f, pa);
	return true;
}

void msix_move_synthetic(struct msi_model *m, struct msix_function *f, uint64_t pa)
{
	if (f->synthetic && pa)
		relocate(m, f, pa);
}

/* Whether [offset, offset + size) shares a byte with [at, at + len). */
static bool touches(uint16_t offset, unsigned size, unsigned at, unsigned len)
{
	return offset < at + len && at < offset + size;
}

void msix_config_written(struct msi_model *m, uint16_t bdf, uint16_t offset, unsigned size)
{
	for (unsigned i = 0; i < m->n_msix; i++) {
		struct msix_function *f = &m->msix[i];

		if (f->bdf != bdf || f->synthetic)
			continue;
		if (touches(offset, size, f->cap + MSIX_CONTROL, 2))
			f->control = (uint16_t)cfg_read(m, bdf, f->cap + MSIX_CONTROL, 2);
		/* Command, the BAR, and the one above it (a 64-bit BAR's upper half). */
		if (touches(offset, size, PCI_COMMAND, 2) ||
		    touches(offset, size, PCI_BAR0 + 4 * MSIX_BIR(f->table), 8))
			locate(m, f);
	}
}

/* Entry I of F was given an address by L2: the device gets it, steered. */
static void program_entry(struct msi_model *m, struct msix_function *f, unsigned i)
{
	uint32_t lo = f->l2_addr[i][0], hi = f->l2_addr[i][1];
	uint64_t wrote = (uint64_t)hi << 32 | lo, out = wrote;
	uint64_t pa = f->table_pa + (uint64_t)i * MSIX_ENTRY_SIZE;
	enum irq_route_result r = IRQ_ROUTE_KEPT;
	uint32_t ctrl = 0;
	bool live;

	m->msix_writes++;
	/* A PCI device's interrupts are L2's alone; a write elsewhere is no interrupt. */
	if (msi_addr_is_interrupt(hi, lo))
		r = irq_route_msi(wrote, IRQ_DEDICATED, m->cpus, &out);
	if (r != IRQ_ROUTE_KEPT) {
		m->msix_corrections += out != wrote;
		if (m->ops.note)
			m->ops.note(m, &(struct msi_note){ f->bdf, (int)i, wrote, out, r });
	}
	/* PCI 3.0 6.8.3.5: an unmasked entry may be sent at any time; mask it around the update. */
	live = (f->control & MSIX_CONTROL_ENABLE) && !(f->control & MSIX_CONTROL_FUNCTION_MASK);
	if (live) {
		ctrl = (uint32_t)table_read(m, pa + MSIX_ENTRY_CTRL, 4);
		live = !(ctrl & MSIX_CTRL_MASKED);
	}
	if (live) {
		m->msix_unmasked_updates++;
		table_write(m, pa + MSIX_ENTRY_CTRL, 4, ctrl | MSIX_CTRL_MASKED);
	}
	table_write(m, pa + MSIX_ENTRY_ADDR_LO, 4, (uint32_t)out);
	table_write(m, pa + MSIX_ENTRY_ADDR_HI, 4, out >> 32);
	if (live)
		table_write(m, pa + MSIX_ENTRY_CTRL, 4, ctrl);
}

/*
 * Where an access of WIDTH at OFFSET (from the pages' base) falls: *start
 * the table's offset in its pages. 0: wholly outside the table (it passes
 * through); 1: dword-aligned dwords or a qword, served field by field;
 * -1: a narrower or misaligned access to the table, which PCI 3.0 6.8.2
 * leaves undefined: refused (reads see all ones, writes are dropped).
 */
static int table_access(const struct msix_function *f, uint64_t offset, unsigned width,
			uint64_t *start)
{
	uint64_t len = (uint64_t)f->n_entries * MSIX_ENTRY_SIZE;

	*start = f->table_pa & (MSIX_PAGE - 1);
	if (!f->l2_addr || offset + width <= *start || offset >= *start + len)
		return 0;
	return (width == 4 || width == 8) && !(offset & 3) ? 1 : -1;
}

/*
 * L2's view of the message address dword at O (dword-aligned, from the
 * pages' base; the table starts at START), or NULL for any other dword:
 * data, vector control, and what lies outside the table (the device's).
 */
static uint32_t *address_dword(struct msix_function *f, uint64_t start, uint64_t o)
{
	uint64_t t = o - start;

	if (o < start || t >= (uint64_t)f->n_entries * MSIX_ENTRY_SIZE ||
	    t % MSIX_ENTRY_SIZE > MSIX_ENTRY_ADDR_HI)
		return NULL;
	return &f->l2_addr[t / MSIX_ENTRY_SIZE][t % MSIX_ENTRY_SIZE / 4];
}

bool msix_table_read(struct msi_model *m, struct msix_function *f, uint64_t offset,
		     unsigned width, uint64_t *value)
{
	uint64_t start, base = msix_pages_base(f), v = 0;
	int kind = table_access(f, offset, width, &start);

	if (kind <= 0) {
		if (kind == 0)
			*value = table_read(m, base + offset, width);
		return kind == 0;
	}
	for (unsigned k = 0; k < width / 4; k++) {
		uint64_t o = offset + 4 * k;
		const uint32_t *view = address_dword(f, start, o);
		uint64_t d = view ? *view : table_read(m, base + o, 4);

		v |= d << (32 * k);
	}
	*value = v;
	return true;
}

bool msix_table_write(struct msi_model *m, struct msix_function *f, uint64_t offset,
		      unsigned width, uint64_t value)
{
	uint64_t start, base = msix_pages_base(f);
	int kind = table_access(f, offset, width, &start), pending = -1;

	if (kind <= 0) {
		if (kind == 0)
			table_write(m, base + offset, width, value);
		return kind == 0;
	}
	for (unsigned k = 0; k < width / 4; k++) {
		uint64_t o = offset + 4 * k;
		uint32_t *view = address_dword(f, start, o);
		uint32_t d = (uint32_t)(value >> (32 * k));

		if (view) {
			*view = d;
			pending = (int)((o - start) / MSIX_ENTRY_SIZE);
		} else {
			table_write(m, base + o, 4, d); /* data, vector control (the mask bit), PBA */
		}
	}
	/* A qword of both address halves is programmed once, not half at a time. */
	if (pending >= 0)
		program_entry(m, f, (unsigned)pending);
	return true;
}
