/*
 * trap.h - exceptions and interrupts in the test guests: an IDT whose
 * vectors 0-31 report exceptions, stubs a guest installs for any vector, and
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
/*
 * Points 'vector' at 'entry', an assembly stub that ends in IRETQ (an
 * interrupt gate: IF is clear inside). NULL puts back the default: an
 * exception's exception_handler() path, or no gate for an interrupt.
 */
void trap_set_gate(uint8_t vector, void (*entry)(void));

/*
 * Installs a catcher the exception path asks first: it returns true when it
 * took the exception (e.g. one raised at CPL 3 by code a guest runs there
 * on purpose), having rewritten the frame to resume where it wants. NULL:
 * none.
 */
void trap_set_catcher(bool (*catcher)(struct exception_frame *f));

/* Whether an EXTABLE_INSN that reported 'faulted' raised 'vector'. */
static inline bool faulted_with(bool faulted, unsigned vector)
{
	return faulted && guest_last_fault.vector == vector;
}

#endif
