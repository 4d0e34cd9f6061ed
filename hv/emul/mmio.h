/*
 * mmio.h - guest-physical ranges the hypervisor emulates (device models).
 *
 * A device model registers a range; L2's accesses to it exit (the range is
 * not present in L2's EPT: the caller unmaps it), the instruction emulator
 * (hv/emul/) decodes the instruction behind the EPT violation and calls the
 * model's read or write with the offset into the range and the access width
 * (1, 2, 4 or 8 bytes). A model that refuses an access returns false; the
 * emulator then handles it as the platform would (reads of nothing give all
 * ones, the run stops on policy). The registry is pure logic: it also builds
 * hosted, for tests/unit/test_mmio.c.
 */
#ifndef HV_EMUL_MMIO_H
#define HV_EMUL_MMIO_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct mmio_device;

typedef bool (*mmio_read_fn)(struct mmio_device *d, struct vcpu *v, uint64_t offset,
			     unsigned width, uint64_t *value);
typedef bool (*mmio_write_fn)(struct mmio_device *d, struct vcpu *v, uint64_t offset,
			      unsigned width, uint64_t value);

struct mmio_device {
	const char *name;       /* in log lines: "ioapic", "test-mmio", ... */
	uint64_t base, size;    /* guest-physical range [base, base + size) */
	mmio_read_fn read;
	mmio_write_fn write;
	void *priv;             /* the model's own state */
	uint64_t reads, writes; /* accesses served, for the end-of-run counters */
};

#define MMIO_MAX_DEVICES 32

enum mmio_register_result {
	MMIO_OK,
	MMIO_EMPTY,     /* size 0, or base + size wraps */
	MMIO_OVERLAP,   /* shares a byte with a registered range */
	MMIO_FULL,      /* MMIO_MAX_DEVICES already registered */
};

/* Adds D (kept by pointer; it must outlive the run). Not thread-safe: at boot. */
enum mmio_register_result mmio_register(struct mmio_device *d);
/*
 * Moves registered D to [base, base + size) if that keeps its place in the
 * order and shares no byte with another device; false (D unchanged)
 * otherwise. Callers serialize their moves; a concurrent mmio_find sees D
 * at its old range, its new one, or a part of either, never another
 * device's bytes (a guest racing a BAR move with an access to it can miss).
 */
bool mmio_move(struct mmio_device *d, uint64_t base, uint64_t size);
/* The device whose range holds GPA, or NULL. Lock-free: only mmio_move changes it after boot. */
struct mmio_device *mmio_find(uint64_t gpa);
/* The registered devices, in ascending base order: *count set. */
struct mmio_device *const *mmio_devices(unsigned *count);
/* Forgets every device (unit tests). */
void mmio_reset(void);
/* The result in words, for error messages. */
const char *mmio_register_result_str(enum mmio_register_result r);

#endif
