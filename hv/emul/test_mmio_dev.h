/*
 * test_mmio_dev.h - the test MMIO device's model (test_mmio.c): its state
 * and how to make an mmio_device of it. The register layout is test_mmio.h.
 */
#ifndef HV_EMUL_TEST_MMIO_DEV_H
#define HV_EMUL_TEST_MMIO_DEV_H

#include <stdint.h>

#include "emul/mmio.h"
#include "emul/test_mmio.h"

struct test_mmio_state {
	uint64_t counter, last_width, last_offset, refused;
	uint8_t scratch[TEST_MMIO_SIZE - TEST_MMIO_SCRATCH];
};

/* Fills d as the device over state s (zeroed); the caller registers it. */
void test_mmio_setup(struct mmio_device *d, struct test_mmio_state *s);

#endif
