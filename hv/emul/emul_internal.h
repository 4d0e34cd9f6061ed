/*
 * emul_internal.h - what emul_exit.c (fetch, decode, emulate, promote) and
 * patch.c (patched sites) share inside hv/emul/; not for the rest of the
 * hypervisor (that is emul_exit.h). The emul_* helpers are emul_exit.c's
 * hot inline ones, out of line for patch.c's generic (not hot) path.
 */
#ifndef HV_EMUL_EMUL_INTERNAL_H
#define HV_EMUL_EMUL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "emul/emulate.h"
#include "emul/insn.h"
#include "emul/mmio.h"
#include "emul/walk.h"
#include "lib/spinlock.h"
#include "vcpu.h"

/* Inlined into each exit path that uses it: a call costs ticks on every MMIO exit. */
#define HOT __attribute__((always_inline)) inline
#define BLOCKING_STI_MOVSS 3u /* interruptibility state bits 1:0 */

/* Per-vCPU counters, printed at the end of the run. */
struct emul_counters {
	uint64_t emulated, page_faults, unsupported, refused;
};
extern struct emul_counters emul_counters[MAX_VCPUS];
/* Guards the promotion cache, the protected pages and the patched sites. */
extern struct spinlock emul_promote_lock;

/* What one emulated instruction works with. */
struct emul_env {
	struct vcpu *v;
	struct walk_mode mode;
	struct mmio_device *dev; /* the device behind the exit (may be NULL) */
	bool failed;             /* an access went to no memory: stop the run */
	uint64_t failed_gpa;
	uint64_t exit_la;        /* the exit's linear address, translated by the CPU (or ~0) */
	uint64_t exit_page_la;   /* its page (or ~0) */
	uint64_t exit_page_gpa;  /* ... to this guest-physical page */
};

/* emul_exit.c */
bool emul_translate(struct emul_env *env, uint64_t la, enum walk_access acc, uint64_t *gpa,
		    struct emul_fault *f);
/* A walk through this vCPU's translation cache: true if it allows acc. */
bool emul_walk(struct emul_env *env, uint64_t la, enum walk_access acc, struct walk_result *r);
/* Where the paging-structure entry at gpa is in L2's RAM (NULL: not RAM). */
const void *emul_map_entry(uint64_t gpa, unsigned size);
unsigned emul_load_state(struct vcpu *v, struct emul_env *env, struct emul_regs *r);
void emul_store_regs(const struct emul_regs *r, uint64_t rip, uint64_t rflags, uint64_t rsp);
bool emul_fast_mov(struct emul_env *env, const struct emul_insn *in, struct emul_regs *r,
		   uint64_t gpa);
enum emul_status emul_run(struct emul_env *env, const struct emul_insn *in, struct emul_regs *r,
			  struct emul_fault *f);
void emul_inject(struct emul_env *env, const struct emul_fault *f);
bool emul_no_memory(struct emul_env *env, uint64_t gpa);
/* Whether code pages may be write-protected and remapped in L2's EPT (paging=nested). */
bool emul_code_pages_in_ept(void);
/* Whether a promoted site keeps the code page write-protected (lock held). */
bool emul_page_protected(uint64_t page);

/* patch.c; the lock held where it says so */
extern uint64_t patch_threshold; /* promoted hits before a site is patched; 0 = never */
void patch_site(struct emul_env *env, const struct emul_regs *r, uint64_t la, uint64_t gpa,
		const struct emul_insn *in);
/* A promoted hit of the site at la (gpa): patches it past the threshold (lock held). */
HOT static void patch_consider(struct emul_env *env, const struct emul_regs *r, uint64_t la,
			       uint64_t gpa, const struct emul_insn *in, uint32_t hits)
{
	if (patch_threshold && hits >= patch_threshold) /* inline: every promoted hit asks */
		patch_site(env, r, la, gpa, in);
}
bool patch_page_patched(uint64_t gpa);   /* lock held */
void patch_undo_all(void);               /* lock held */
void patch_init(uint64_t threshold);

/* patch_bound.c */
/*
 * Binds the site just patched at la (promote_lock held), whose operand is
 * the access that exited, if its form allows: a MOV/MOVZX/MOVSX between a
 * register (or immediate) and the device, 64-bit code, 64-bit addressing
 * without FS/GS, no RSP, and rights CR0.WP, SMAP or RFLAGS.AC cannot
 * change. False: it stays on the generic patched path. owner: the site.
 */
bool patch_bind(struct emul_env *env, const struct emul_regs *r, uint64_t la,
		const struct emul_insn *in, const void *owner);
/* Forgets owner's bindings (NULL: all, after an EPT change: leaf pointers may be stale). */
void patch_unbind(const void *owner);
void patch_log_counters(void);

#endif
