/*
 * ap_trampoline.h - the page the other CPUs start in, and the parameters
 * the BSP writes into its copy before starting each of them.
 */
#ifndef HV_AP_TRAMPOLINE_H
#define HV_AP_TRAMPOLINE_H

#define AP_TRAMPOLINE 0x7000 /* below 1 MiB, page-aligned: SIPI vector 0x07 */

#ifndef __ASSEMBLER__
#include <stdint.h>

extern const char ap_trampoline_start[], ap_trampoline_end[];
/* The parameter slots, as linked; their copies live in the trampoline page. */
extern const uint64_t ap_param_cr3[], ap_param_stack[], ap_param_entry[], ap_param_index[];
#endif

#endif
