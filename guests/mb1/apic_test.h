/*
 * apic_test.h - the mb1 guest's local-APIC test (x2APIC mode switches per
 * SDM Vol. 3A 11.12.5, self-IPIs, an AP started by INIT/SIPI through the
 * x2APIC ICR, fixed IPIs both ways), shared by apic_test.c and the stubs.
 */
#ifndef GUESTS_MB1_APIC_TEST_H
#define GUESTS_MB1_APIC_TEST_H

/* The AP's start-up page (below 1 MiB; SIPI vector = page number) and its data. */
#define AP_PAGE 0x6000
#define AP_STACK_TOP 0xe00           /* offset in AP_PAGE */
#define AP_DATA_STARTED 0xf00        /* u32: APs that ran the start-up code */
#define AP_DATA_IPIS 0xf04           /* u32: fixed IPIs the AP took */
#define AP_DATA_BSP_ID 0xf08         /* u32: where the AP replies */
#define AP_DATA_AP_ID 0xf0c          /* u32: the AP's x2APIC ID */
#define AP_DATA_REPLY_AFTER 0xf10    /* u32: reply at this count */
#define AP_VECTOR 0x40               /* BSP -> AP (real-mode IVT) */
#define SELF_VECTOR 0x41             /* BSP self-IPIs */
#define BSP_VECTOR 0x42              /* AP -> BSP */

#ifndef __ASSEMBLER__
#include <stdbool.h>

/* Runs the test and prints "@guest apic ..." and "@guest ipi ..." lines. */
void apic_test(unsigned cpus);
#endif

#endif
