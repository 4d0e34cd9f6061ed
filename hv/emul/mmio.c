/*
 * mmio.c - the registry of emulated guest-physical ranges: a small array
 * sorted by base, searched by bisection on every MMIO exit.
 */
#include "mmio.h"

#include <stddef.h>

static struct mmio_device *devices[MMIO_MAX_DEVICES];
static unsigned ndevices;

enum mmio_register_result mmio_register(struct mmio_device *d)
{
	unsigned i;

	if (d->size == 0 || d->base + d->size < d->base)
		return MMIO_EMPTY;
	if (ndevices == MMIO_MAX_DEVICES)
		return MMIO_FULL;
	for (i = 0; i < ndevices && devices[i]->base < d->base; i++)
		;
	if ((i > 0 && devices[i - 1]->base + devices[i - 1]->size > d->base) ||
	    (i < ndevices && d->base + d->size > devices[i]->base))
		return MMIO_OVERLAP;
	for (unsigned j = ndevices; j > i; j--)
		devices[j] = devices[j - 1];
	devices[i] = d;
	ndevices++;
	return MMIO_OK;
}

bool mmio_move(struct mmio_device *d, uint64_t base, uint64_t size)
{
	unsigned i;

	for (i = 0; i < ndevices && devices[i] != d; i++)
		;
	if (i == ndevices || size == 0 || base + size < base ||
	    (i > 0 && devices[i - 1]->base + devices[i - 1]->size > base) ||
	    (i + 1 < ndevices && base + size > devices[i + 1]->base))
		return false;
	/* Never wider than the old or the new range: first the smaller size, then the base. */
	__atomic_store_n(&d->size, size < d->size ? size : d->size, __ATOMIC_RELEASE);
	__atomic_store_n(&d->base, base, __ATOMIC_RELEASE);
	__atomic_store_n(&d->size, size, __ATOMIC_RELEASE);
	return true;
}

struct mmio_device *mmio_find(uint64_t gpa)
{
	unsigned lo = 0, hi = ndevices;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		struct mmio_device *d = devices[mid];

		if (gpa < d->base)
			hi = mid;
		else if (gpa - d->base >= d->size)
			lo = mid + 1;
		else
			return d;
	}
	return NULL;
}

struct mmio_device *const *mmio_devices(unsigned *count)
{
	*count = ndevices;
	return devices;
}

void mmio_reset(void)
{
	ndevices = 0;
}

const char *mmio_register_result_str(enum mmio_register_result r)
{
	switch (r) {
	case MMIO_OK:
		return "registered";
	case MMIO_EMPTY:
		return "empty or wrapping range";
	case MMIO_OVERLAP:
		return "overlaps a registered device";
	case MMIO_FULL:
		return "too many MMIO devices";
	}
	return "?";
}
