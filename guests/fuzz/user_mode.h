/*
 * user_mode.h - running a few bytes at CPL 3 for the "mmio" fuzz kind: a
 * GDT with user segments and a TSS (RSP0, no I/O permission), two user
 * pages at USER_LA (the code page, then the test MMIO device), and the
 * switch there and back (user_run.S). Every other page of the guest is
 * supervisor-only, so whatever the bytes do natively stays in those two.
 */
#ifndef GUESTS_FUZZ_USER_MODE_H
#define GUESTS_FUZZ_USER_MODE_H

#include <stdbool.h>
#include <stdint.h>

#include "idt.h"

#define USER_LA 0x0000400000000000ull /* PML4 slot 128: nothing else near it */
#define USER_CODE_LA USER_LA
#define USER_MMIO_LA (USER_LA + 0x1000)

/* The code page, as the guest writes it (supervisor alias of USER_CODE_LA). */
extern uint8_t user_code_page[4096];

/* Builds the tables and maps the two pages; the device is at mmio_pa. */
void user_mode_init(uint64_t mmio_pa);
/* Loads the GDT and TR of user mode (another kind may have loaded its own). */
void user_mode_enter_tables(void);
/*
 * Runs USER_CODE_LA + 0 at CPL 3 with gpr[] (RSP included) and rflags
 * until the first exception, which it returns (vector, error, RIP in *f).
 */
void user_mode_run(const uint64_t gpr[16], uint64_t rflags, struct exception_frame *f);

#endif
