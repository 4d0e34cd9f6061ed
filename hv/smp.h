/*
 * smp.h - bringing up the other CPUs: each enters long mode, turns VMX on
 * and, when there is a guest, runs its vCPU from the wait-for-SIPI state,
 * so L2 starts its own APs with INIT/SIPI as on hardware.
 */
#ifndef HV_SMP_H
#define HV_SMP_H

#include <stdbool.h>

extern unsigned smp_cpus; /* CPUs up, the BSP included */

/* Starts every enabled CPU of the MADT; with_guest: give each a vCPU. */
void smp_start_aps(bool with_guest);

#endif
