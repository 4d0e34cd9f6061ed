/*
 * kvmrun_mmio.c - KVM_EXIT_MMIO bytes to and from the test MMIO model.
 */
#include <string.h>

#include "kvmrun_mmio.h"

bool kvmrun_mmio(struct mmio_device *d, uint64_t gpa, uint8_t *data, unsigned len, bool write,
		 uint64_t *refused)
{
	uint64_t value = 0;
	bool ok;

	if (gpa < d->base || gpa - d->base >= d->size || len == 0 || len > 8)
		return false;
	if (write) {
		memcpy(&value, data, len); /* little-endian: the low 'len' bytes */
		ok = d->write(d, NULL, gpa - d->base, len, value);
	} else {
		ok = d->read(d, NULL, gpa - d->base, len, &value);
		if (!ok)
			value = ~0ull;
		memcpy(data, &value, len);
	}
	*refused += !ok;
	return true;
}
