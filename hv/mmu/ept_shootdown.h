/*
 * ept_shootdown.h - INVEPT on every CPU after a change to L2's EPT that
 * takes rights away or remaps a page (instruction emulation's code-page
 * protection and patching on SMP). See ept_shootdown.c.
 */
#ifndef HV_MMU_EPT_SHOOTDOWN_H
#define HV_MMU_EPT_SHOOTDOWN_H

#include <stdbool.h>
#include <stdint.h>

/* Whether this platform can do it: NMI exiting on every vCPU (the kick). */
bool ept_shootdown_available(void);
/*
 * After an EPT change (its entries written): every CPU whose vCPU runs L2
 * invalidates its cached translations before this returns. Call it with no
 * lock held that another CPU's exit path could wait for... or with such a
 * lock: the kicked CPUs acknowledge from their NMI handler, wherever they are.
 */
void ept_shootdown(void);
/*
 * An NMI on this CPU (an NMI exit, or one taken in VMX root operation):
 * true if it was a shoot-down's kick (translations invalidated, the NMI
 * consumed: not L2's).
 */
bool ept_shootdown_nmi(void);
/* A vCPU about to run L2 for the first time (its SIPI): catches up with every shoot-down. */
void ept_shootdown_join(void);
/* The end-of-run line. */
void ept_shootdown_log(void);

#endif
