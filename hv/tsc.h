/*
 * tsc.h - the TSC frequency, measured at boot against the PIT, reported to
 * L2 through CPUID so it needs no calibration of its own.
 */
#ifndef HV_TSC_H
#define HV_TSC_H

#include <stdint.h>

extern uint64_t tsc_hz;

/* Measures tsc_hz with PIT channel 2 (10 ms one-shot). */
void tsc_calibrate(void);

#endif
