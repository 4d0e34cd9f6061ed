/*
 * trap.h - exceptions in the test guests: an IDT for vectors 0-31, and
 * instructions expected to fault (EXTABLE_INSN of hv/extable.h), whose
 * exception is recorded in guest_last_fault instead of ending the run.
 */
#ifndef GUESTS_LIB_TRAP_H
#define GUESTS_LIB_TRAP_H

#include <stdbool.h>
#include <stdint.h>

#include "extable.h"

/* The exception the last expected-fault instruction raised. */
struct guest_fault {
	uint64_t vector, error_code, rip;
};

extern volatile struct guest_fault guest_last_fault;

/* Loads the guest's IDT: every exception goes to exception_handler(). */
void trap_init(void);

/* Whether an EXTABLE_INSN that reported 'faulted' raised 'vector'. */
static inline bool faulted_with(bool faulted, unsigned vector)
{
	return faulted && guest_last_fault.vector == vector;
}

#endif
