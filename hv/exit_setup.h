/*
 * exit_setup.h - which guest actions exit: the I/O ports and MSRs the
 * hypervisor owns, set up once before any vCPU runs.
 */
#ifndef HV_EXIT_SETUP_H
#define HV_EXIT_SETUP_H

/* Builds the I/O and MSR bitmaps every vCPU shares. */
void exit_setup(void);
void io_ports_init(void);
void msr_intercepts_init(void);

#endif
