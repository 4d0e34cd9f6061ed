/*
 * ptchurn.h - what the churn guest's parts share: its address spaces (a
 * PML4 each, sharing the boot identity map in entry 0, with private
 * tables for a window at 512 GiB), the data frames they map and the check
 * of a read against the frame that should be there.
 */
#ifndef GUESTS_PTCHURN_H
#define GUESTS_PTCHURN_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE 4096u
#define SPACES 8
#define WINDOW 16            /* pages mapped per space */
#define FRAMES 64            /* data frames */
#define P_RW 3ull            /* present, writable */
#define WINDOW_VA (1ull << 39)
#define STAMP 0xfeed000000000000ull

typedef uint64_t table_t[512] __attribute__((aligned(PAGE)));

extern table_t pml4[SPACES], pdpt[SPACES], pd[SPACES], pt[SPACES];
extern uint8_t frames[FRAMES][PAGE];

static inline uint64_t pa(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p; /* the boot map is the identity */
}

static inline volatile uint64_t *window(unsigned i)
{
	return (volatile uint64_t *)(uintptr_t)(WINDOW_VA + (uint64_t)i * PAGE);
}

static inline void invlpg(volatile void *va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/*
 * Reads window page i of the current space: false if it is not frame
 * 'frame' (with a line, the first few times).
 */
bool ptchurn_check_read(unsigned space, unsigned i, unsigned frame);
/* cpus=2: the tests with a second CPU (ptchurn_smp.c); true if every one passed. */
bool ptchurn_smp(void);

#endif
