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
#include "emul/walk.h"

struct vcpu;

/*
 * L2's page-table entries by guest-physical address, for emul/walk.h: reads,
 * and the walker's A/D updates as the CPU's locked OR (Vol. 3A 4.8).
 */
extern const struct walk_ops emul_table_ops;

/* At boot: the decoder, the test MMIO device (if asked for). */
void emul_init(void);
/*
 * Emulates L2's instruction at RIP, whose access to guest-physical 'gpa'
 * exited, against device 'dev' (from the registry, or a trap of its own
 * like the xAPIC's). Returns false (nothing done) if the instruction cannot
 * be emulated and the policy (emul_unsupported=) is to stop, or it touched
 * no memory: the caller stops the run. A fault of the guest's own (#PF,
 * #UD by policy) is injected and counts as handled.
 */
bool emul_exit(struct vcpu *v, uint64_t gpa, struct mmio_device *dev);
/*
 * A write exit to guest-physical gpa: if its page is a promoted site's
 * write-protected code page, the page's sites are invalidated, the page is
 * writable again and true returned (L2 retries the write).
 */
bool emul_code_page_write(uint64_t gpa);
/* Forgets every promoted site; then promotes after 'threshold' traps (0: never). */
void emul_set_promotion(uint64_t threshold);
/*
 * Patches promoted sites after 'hits' promoted traps from now on (0: never).
 * False if hits is not 0 but this run cannot patch (paging=shadow|hybrid:
 * code pages are not remapped in EPT), patching left off.
 */
bool emul_set_patching(uint64_t hits);
/* A VMCALL exit: true if it was a patched site's (emulated, RIP past it). */
bool emul_patched_vmcall(struct vcpu *v);
/*
 * A VMCALL exit with L2's GPRs saved: if it is a bound patched site's
 * (patch_bound.c), served and RIP past it: PATCH_BOUND_DONE (L2's
 * callee-saved GPRs unchanged) or PATCH_BOUND_RELOAD_ALL; else
 * PATCH_BOUND_MISS (exit_fast.h). vmx_entry.S calls the _exit one, which
 * also counts the exit (vmexit_handler did not).
 */
int patch_bound_vmcall(struct vcpu *v);
int patch_bound_vmcall_exit(struct vcpu *v);
/* Sites patched now (emul_npatched may be one more: patch.c's stale_copies). */
unsigned emul_patched_sites(void);
/* VMCALLs of bound patched sites served so far. */
uint64_t emul_patch_fast_hits(void);
extern volatile unsigned emul_npatched;
/* Whether any site is patched: the hypercall path's one-load check. */
static inline bool emul_patches_active(void)
{
	return emul_npatched != 0;
}
/*
 * An EPT violation on a patched (execute-only) code page: a write undoes
 * its patches (L2 retries), a read is emulated from the original page.
 * 0: not a patched page; 1: handled; -1: the read could not be emulated.
 */
int emul_patched_page_access(struct vcpu *v, uint64_t gpa, bool write);
/* Forgets every cached guest translation: after a change to L2's EPT. */
void emul_flush_translations(void);
/* The end-of-run counters line. */
void emul_log_counters(void);

#endif
