/*
 * inject.h - deliberate faults (inject=... on the command line) that prove
 * the failure paths work: each fault must end in a register dump and a panic
 * record; a hang must end in the launcher's timeout.
 */
#ifndef HV_INJECT_H
#define HV_INJECT_H

#include "options.h"

/* Causes the requested fault; returns only for INJECT_NONE. */
void inject_fault(enum inject_kind kind);

#endif
