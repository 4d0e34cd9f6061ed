/*
 * guest_power.h - L2's requests to power off or reset the machine: ACPI S5
 * through the FADT's PM1 control registers, the FADT's reset register, the
 * reset control register at 0xcf9 and the keyboard controller's reset pulse.
 */
#ifndef HV_GUEST_POWER_H
#define HV_GUEST_POWER_H

#include <stdint.h>

#include "vcpu.h"

/* Makes writes to those registers exit (after io_bitmap_init) and logs them. */
void guest_power_init(void);
/*
 * Called on every OUT to a port that exits: if it asks for power-off or
 * reset, ends the run with a passing verdict; else returns, and the caller
 * does the write on the device.
 */
void guest_power_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value);

#endif
