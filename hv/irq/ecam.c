/*
 * irq/ecam.c - ECAM windows' addresses decoded into configuration accesses
 * of the msi_model=on model (irq/ecam.h).
 */
#include "irq/ecam.h"

bool ecam_decode(const struct acpi_mcfg_entry *w, uint64_t offset, uint16_t *bdf, uint16_t *reg)
{
	if (offset >= ecam_window_size(w))
		return false;
	*bdf = (uint16_t)(((w->bus_start + (offset >> ECAM_BUS_SHIFT)) << 8) |
			  ((offset >> ECAM_DEVFN_SHIFT) & 0xff));
	*reg = (uint16_t)(offset & (PCI_CONFIG_SPACE - 1));
	return true;
}

/*
 * The next piece of an access [offset, end): within one dword, 1, 2 or 4
 * bytes (3 bytes go as 2 then 1).
 */
static unsigned piece(uint64_t offset, uint64_t end)
{
	unsigned n = (unsigned)(4 - (offset & 3));

	if (end - offset < n)
		n = (unsigned)(end - offset);
	return n == 3 ? 2 : n;
}

/* Whether [offset, offset + width) is a whole access inside W. */
static bool in_window(const struct acpi_mcfg_entry *w, uint64_t offset, unsigned width)
{
	return width >= 1 && width <= 8 && offset < ecam_window_size(w) &&
	       width <= ecam_window_size(w) - offset;
}

/* One access, read or written, piece by piece. */
static bool ecam_access(struct msi_model *m, const struct acpi_mcfg_entry *w, uint64_t offset,
			unsigned width, uint64_t *value, bool write)
{
	uint64_t v = 0;

	if (!in_window(w, offset, width))
		return false;
	m->ecam_accesses++;
	for (uint64_t o = offset, end = offset + width; o < end;) {
		unsigned n = piece(o, end), shift = 8 * (unsigned)(o - offset);
		uint16_t bdf = 0, reg = 0;

		ecam_decode(w, o, &bdf, &reg);
		if (write)
			msi_model_config_write(m, bdf, reg, n, (uint32_t)(*value >> shift));
		else
			v |= (uint64_t)msi_model_config_read(m, bdf, reg, n) << shift;
		o += n;
	}
	if (!write)
		*value = v;
	return true;
}

bool ecam_read(struct msi_model *m, const struct acpi_mcfg_entry *w, uint64_t offset,
	       unsigned width, uint64_t *value)
{
	return ecam_access(m, w, offset, width, value, false);
}

bool ecam_write(struct msi_model *m, const struct acpi_mcfg_entry *w, uint64_t offset,
		unsigned width, uint64_t value)
{
	return ecam_access(m, w, offset, width, &value, true);
}
