/*
 * emul_exit.h - instruction emulation on a VM exit: the MMIO path of
 * handle_ept_violation and the xAPIC-write trap fetch L2's instruction
 * through its paging, decode it (Capstone) and run it against the device
 * model or RAM, injecting any fault the access raises.
 */
#ifndef HV_EMUL_EMUL_EXIT_H
#define HV_EMUL_EMUL_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "emul/mmio.h"

struct vcpu;

/* At boot: the decoder, the test MMIO device (if asked for). */
void emul_init(void);
/*
 * Emulates L2's instruction at RIP, whose access to guest-physical 'gpa'
 * exited. Returns false (nothing done) if the instruction cannot be
 * emulated and the policy (emul_unsupported=) is to stop: the caller stops
 * the run. A fault of the guest's own (#PF, #UD by policy) is injected and
 * counts as handled.
 */
bool emul_mmio_exit(struct vcpu *v, uint64_t gpa);
/* The same against device 'dev' (a trap that is not in the registry), or RAM if NULL. */
bool emul_exit(struct vcpu *v, uint64_t gpa, struct mmio_device *dev);
/* Forgets every cached guest translation: after a change to L2's EPT. */
void emul_flush_translations(void);
/* The end-of-run counters line. */
void emul_log_counters(void);

#endif
