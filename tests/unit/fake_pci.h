/*
 * fake_pci.h - the configuration spaces of a few PCI functions, for the
 * MSI model's tests (test_irq_msi, test_irq_msix, test_irq_ecam): every
 * function not in fake_pci.bdf is absent (reads all ones, writes dropped);
 * each access is recorded.
 */
#ifndef TESTS_UNIT_FAKE_PCI_H
#define TESTS_UNIT_FAKE_PCI_H

#include <stdint.h>
#include <string.h>

#include "check.h"
#include "irq/msi.h"

#define BDF(b, d, f) ((uint16_t)((b) << 8 | (d) << 3 | (f)))
#define FAKE_PCI_FUNCTIONS 4

struct fake_pci_access {
	uint16_t bdf, offset;
	unsigned size;
};

static struct {
	uint16_t bdf[FAKE_PCI_FUNCTIONS];
	uint8_t space[FAKE_PCI_FUNCTIONS][PCI_CONFIG_SPACE];
	struct fake_pci_access last[8]; /* the first 8 since n_access was cleared */
	unsigned n_access, writes, last_write_size;
} fake_pci;

/* No function present, every space zero. */
static inline void fake_pci_reset(void)
{
	memset(&fake_pci, 0, sizeof(fake_pci));
	memset(fake_pci.bdf, 0xff, sizeof(fake_pci.bdf));
}

static inline uint8_t *fake_pci_space(uint16_t bdf)
{
	for (unsigned i = 0; i < FAKE_PCI_FUNCTIONS; i++)
		if (fake_pci.bdf[i] == bdf)
			return fake_pci.space[i];
	return NULL;
}

/* Every access: 1, 2 or 4 bytes within one dword, below PCI_CONFIG_SPACE. */
static inline void fake_pci_record(uint16_t bdf, uint16_t offset, unsigned size)
{
	CHECK(size == 1 || size == 2 || size == 4);
	CHECK((offset & 3) + size <= 4 && offset < PCI_CONFIG_SPACE);
	if (fake_pci.n_access < 8)
		fake_pci.last[fake_pci.n_access] = (struct fake_pci_access){ bdf, offset, size };
	fake_pci.n_access++;
}

static inline uint32_t fake_pci_read(void *ctx, uint16_t bdf, uint16_t offset, unsigned size)
{
	const uint8_t *s = fake_pci_space(bdf);
	uint32_t v = 0;

	(void)ctx;
	fake_pci_record(bdf, offset, size);
	if (!s)
		return size == 4 ? ~0u : (1u << (8 * size)) - 1;
	memcpy(&v, s + offset, size);
	return v;
}

static inline void fake_pci_write(void *ctx, uint16_t bdf, uint16_t offset, unsigned size,
			   uint32_t value)
{
	uint8_t *s = fake_pci_space(bdf);

	(void)ctx;
	fake_pci_record(bdf, offset, size);
	fake_pci.writes++;
	fake_pci.last_write_size = size;
	if (s)
		memcpy(s + offset, &value, size);
}

static inline void fake_pci_put(uint8_t *s, unsigned offset, uint32_t value, unsigned size)
{
	memcpy(s + offset, &value, size);
}

static inline uint32_t fake_pci_get32(const uint8_t *s, unsigned offset)
{
	uint32_t v;

	memcpy(&v, s + offset, 4);
	return v;
}

#endif
