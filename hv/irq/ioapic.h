/*
 * irq/ioapic.h - the IOAPIC as L2 sees it: an mmio_device (emul/mmio.h) in
 * front of the real one. L2's register-window accesses (IOREGSEL, IOWIN,
 * the EOI register) are served from a model that keeps L2's redirection
 * entries as written and programs the hardware with each entry checked
 * against the interrupt policy (irq/route.h): a route that breaks it is
 * corrected and reported through the note callback. Reads show L2 what it
 * wrote, with the read-only status bits (delivery status, remote IRR) live
 * from the hardware. 82093AA datasheet 3.0-3.2; the EOI register of
 * IOAPIC version 0x20 and later.
 * Pure logic: it also builds hosted, for tests/unit/test_irq_ioapic.c.
 */
#ifndef HV_IRQ_IOAPIC_H
#define HV_IRQ_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "emul/mmio.h"
#include "irq/route.h"

#define IOAPIC_MMIO_SIZE	0x1000
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10
#define IOAPIC_EOI		0x40
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_RTE0		0x10 /* entry n: 0x10 + 2n (low), 0x11 + 2n (high) */
#define IOAPIC_MAX_PINS		120  /* the version register's 8-bit maximum entry, capped */

/* The real IOAPIC's register window. */
struct ioapic_hw {
	uint32_t (*read)(void *ctx, uint32_t reg);
	void (*write)(void *ctx, uint32_t reg, uint32_t value);
	void (*eoi)(void *ctx, uint32_t vector);
	void *ctx;
};

struct ioapic_model;
/* Told of every entry that breaks the policy: what L2 wrote and what was programmed. */
typedef void (*ioapic_note_fn)(struct ioapic_model *m, unsigned pin, uint64_t wrote,
			       uint64_t programmed, enum irq_route_result r);

struct ioapic_model {
	uint32_t gsi_base;
	unsigned n_pins;
	uint32_t ioregsel;
	uint64_t rte[IOAPIC_MAX_PINS]; /* as L2 wrote them */
	struct ioapic_hw hw;
	const struct irq_cpus *cpus;
	const struct acpi_irq_override *overrides;
	unsigned n_overrides;
	ioapic_note_fn note;
	uint64_t corrections;          /* entries programmed other than written */
};

/*
 * Fills M for the IOAPIC behind HW serving GSIs from GSI_BASE: its pin count
 * from the version register, L2's starting view of every entry from the
 * hardware (what the firmware left).
 */
void ioapic_model_init(struct ioapic_model *m, const struct ioapic_hw *hw, uint32_t gsi_base,
		       const struct irq_cpus *cpus, const struct acpi_irq_override *ov,
		       unsigned n_ov, ioapic_note_fn note);
/* L2's access at OFFSET into the page; false (refused) for any but an aligned dword. */
bool ioapic_model_read(struct ioapic_model *m, uint64_t offset, unsigned width, uint64_t *value);
bool ioapic_model_write(struct ioapic_model *m, uint64_t offset, unsigned width, uint64_t value);

/* An mmio_device for M at guest-physical BASE (not registered: the caller does that). */
void ioapic_model_device(struct ioapic_model *m, uint64_t base, struct mmio_device *d);

#endif
