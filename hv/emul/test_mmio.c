/*
 * test_mmio.c - the model behind test_mmio.h. Pure logic (no hardware), so
 * tests/unit/test_mmio_dev.c drives it too.
 */
#include "emul/test_mmio.h"
#include "emul/test_mmio_dev.h"

#include "lib/string.h"

/* width bytes (1, 2, 4, 8) of the scratch area: one load or store, not a byte loop. */
static uint64_t scratch_load(const uint8_t *p, unsigned width)
{
	uint64_t v8;
	uint32_t v4;
	uint16_t v2;

	switch (width) {
	case 8: __builtin_memcpy(&v8, p, 8); return v8;
	case 4: __builtin_memcpy(&v4, p, 4); return v4;
	case 2: __builtin_memcpy(&v2, p, 2); return v2;
	default: return *p;
	}
}

static void scratch_store(uint8_t *p, unsigned width, uint64_t v)
{
	uint32_t v4 = (uint32_t)v;
	uint16_t v2 = (uint16_t)v;

	switch (width) {
	case 8: __builtin_memcpy(p, &v, 8); break;
	case 4: __builtin_memcpy(p, &v4, 4); break;
	case 2: __builtin_memcpy(p, &v2, 2); break;
	default: *p = (uint8_t)v; break;
	}
}

static struct test_mmio_state *state_of(struct mmio_device *d)
{
	return d->priv;
}

static bool test_mmio_read(struct mmio_device *d, struct vcpu *v, uint64_t off, unsigned width,
			   uint64_t *value)
{
	struct test_mmio_state *s = state_of(d);
	uint64_t reg;

	(void)v;
	if (off >= TEST_MMIO_SCRATCH) {
		if (off + width > TEST_MMIO_SIZE)
			return false;
		*value = scratch_load(s->scratch + (off - TEST_MMIO_SCRATCH), width);
		s->last_width = width;
		s->last_offset = off;
		return true;
	}
	switch (off & ~7ull) {
	case TEST_MMIO_REG_ID: reg = TEST_MMIO_ID; break;
	case TEST_MMIO_REG_COUNTER: reg = s->counter++; break;
	case TEST_MMIO_REG_LAST_WIDTH: reg = s->last_width; break;
	case TEST_MMIO_REG_LAST_OFFSET: reg = s->last_offset; break;
	case TEST_MMIO_REG_REFUSED: reg = s->refused; break;
	default: reg = ~0ull; break;
	}
	/* A narrower or unaligned read sees the register's bytes from 'off' on. */
	reg >>= 8 * (off & 7);
	*value = width >= 8 ? reg : reg & ((1ull << (8 * width)) - 1);
	return true;
}

static bool test_mmio_write(struct mmio_device *d, struct vcpu *v, uint64_t off, unsigned width,
			    uint64_t value)
{
	struct test_mmio_state *s = state_of(d);

	(void)v;
	if (off < TEST_MMIO_SCRATCH || off + width > TEST_MMIO_SIZE) {
		s->refused++;
		return false;
	}
	scratch_store(s->scratch + (off - TEST_MMIO_SCRATCH), width, value);
	s->last_width = width;
	s->last_offset = off;
	return true;
}

void test_mmio_setup(struct mmio_device *d, struct test_mmio_state *s)
{
	memset(s, 0, sizeof(*s));
	*d = (struct mmio_device){ .name = "test-mmio", .base = TEST_MMIO_BASE,
				   .size = TEST_MMIO_SIZE, .read = test_mmio_read,
				   .write = test_mmio_write, .priv = s };
}
