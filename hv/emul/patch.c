/*
 * patch.c - patching the hottest promoted sites (issue 6, part 4): a site
 * past patch=<n> promoted hits gets its code page copied into hypervisor
 * memory with the instruction replaced by VMCALL + NOPs, and the copy is
 * mapped execute-only in place of the original (L2's reads of the page are
 * emulated from the original, a write undoes the patch). A patched MOV
 * between a register and a device is also bound to that device
 * (patch_bound.c): its VMCALL then costs a few loads, the device call and
 * the RIP advance. Anything not bound, or whose binding no longer holds, is
 * walked and emulated generically (patched_generic). One CPU only (see
 * patch_site).
 */
#include "boot_mem.h"
#include "emul/copy.h"
#include "emul/emul_exit.h"
#include "emul/emul_internal.h"
#include "emul/emulate.h"
#include "emul/promote.h"
#include "exit.h"
#include "exit_fast.h"
#include "guest_mem.h"
#include "guest_stop.h"
#include "l0.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "log.h"
#include "shadow_kick.h"
#include "smp.h"
#include "vmx.h"

/*
 * Patched sites (the hottest promoted ones): their code page's copy in
 * hypervisor memory has the instruction replaced by VMCALL + NOPs and is
 * mapped execute-only in place of the original; L2's reads of the page
 * exit and are served from the original, a write undoes the patch.
 */
#define PATCH_PAGES 8
#define PATCH_SITES 16
struct patched_page {
	uint64_t page;  /* guest-physical; 0 = free slot */
	uint64_t copy;  /* the hypervisor's copy (kept for reuse when freed) */
};
struct patched_site {
	uint64_t cr3, la, gpa; /* where L2 ran it: CR3, linear RIP; its guest-physical address */
	struct emul_insn insn;
	struct patched_page *page; /* NULL = free slot */
};
static struct patched_page patch_pages[PATCH_PAGES];
static struct patched_site patch_sites[PATCH_SITES];
volatile unsigned emul_npatched;    /* sites in use: VMCALL's one-load check */
uint64_t patch_threshold;    /* promoted hits before a site is patched; 0 = never */
static uint64_t patch_stats[4];     /* patched, unpatched, vmcall_hits (unbound), code_reads */
enum { PATCHED, UNPATCHED, VMCALL_HITS, CODE_READS };

/*
 * SMP, after the first unpatch: a CPU may have run a VMCALL from a copy
 * just before its shoot-down INVEPT and handle it after the site is gone.
 * emul_npatched then stays one above the sites patched, so that every
 * VMCALL asks patched_generic (and the HC_VERSION fast path stands aside).
 */
static bool stale_copies;
static uint64_t stale_vmcalls, stale_violations;

/* SMP patching needs the shoot-down (NMI exiting on every vCPU). */
static bool patch_smp(void)
{
	return shadow_kick_possible();
}

/*
 * Every other CPU running L2 drops its cached translations (INVEPT) before
 * this returns: shadow_kick.c's NMI shoot-down, shadow paging's too.
 */
static uint64_t shootdowns;
static void patch_shootdown(void)
{
	shadow_kick_others();
	shootdowns++;
}

static struct patched_page *patched_page_of(uint64_t gpa)
{
	for (unsigned i = 0; i < PATCH_PAGES; i++)
		if (patch_pages[i].page && patch_pages[i].page == (gpa & ~(PAGE_SIZE - 1)))
			return &patch_pages[i];
	return NULL;
}

/*
 * Patches the promoted site at gpa (promote_lock held): its page's copy
 * gets VMCALL + NOPs in its place and is mapped execute-only (the CPU must
 * offer it: IA32_VMX_EPT_VPID_CAP bit 0, SDM Vol. 3C A.10). Sites that do
 * not fit a VMCALL, or when the tables are full, stay promoted only.
 */
void patch_site(struct emul_env *env, const struct emul_regs *r, uint64_t la,
		       uint64_t gpa, const struct emul_insn *in)
{
	struct patched_page *pp = patched_page_of(gpa);
	struct patched_site *ps = NULL;
	bool bound;

	/*
	 * On SMP the EPT changes here come with shoot-downs (patch_smp):
	 * without them (no NMI exiting) nothing is patched. The page must be
	 * write-protected already (its promoted site's protect_code_page), and
	 * a shoot-down first leaves no CPU a writable translation while it is
	 * copied; a page patched already gets no more sites, whose VMCALL would
	 * be written into code other CPUs may be running (they stay promoted).
	 */
	if (in->len < PATCH_VMCALL_LEN || !(l0.caps.ept_vpid_cap & 1) ||
	    (smp_cpus > 1 && (!patch_smp() || pp || !emul_page_protected(gpa & ~(PAGE_SIZE - 1)))))
		return;
	for (unsigned i = 0; i < PATCH_SITES && !ps; i++)
		if (!patch_sites[i].page)
			ps = &patch_sites[i];
	for (unsigned i = 0; i < PATCH_PAGES && !pp; i++)
		if (!patch_pages[i].page)
			pp = &patch_pages[i];
	if (!ps || !pp)
		return;
	if (!pp->page) {
		if (smp_cpus > 1)
			patch_shootdown();
		if (!pp->copy)
			pp->copy = alloc_page_or_panic("patched code page");
		emul_copy((void *)(uintptr_t)pp->copy,
			  (const void *)(uintptr_t)(gpa & ~(PAGE_SIZE - 1)), PAGE_SIZE);
		pp->page = gpa & ~(PAGE_SIZE - 1);
		promote_patch_bytes((uint8_t *)(uintptr_t)pp->copy,
				    (unsigned)(gpa & (PAGE_SIZE - 1)), in->len);
		guest_mem_map_page(pp->page, pp->copy, EPT_X);
	} else {
		promote_patch_bytes((uint8_t *)(uintptr_t)pp->copy,
				    (unsigned)(gpa & (PAGE_SIZE - 1)), in->len);
	}
	*ps = (struct patched_site){ .cr3 = env->mode.cr3, .la = la, .gpa = gpa, .insn = *in,
				     .page = pp };
	emul_npatched++;
	patch_stats[PATCHED]++;
	bound = patch_bind(env, r, la, in, ps);
	log_info("vCPU %u: patched the %s at rip %#lx (guest-physical %#lx) to VMCALL%s",
		 env->v->index, emul_op_name(in->op), la, gpa, bound ? ", bound to its device" : "");
}

/*
 * Undoes every patch of the page (promote_lock held): the original again,
 * write-protected if promoted sites still need it (their list), else
 * writable. On SMP every other CPU drops the copy's translation before its
 * sites go; a VMCALL one of them ran from the copy before that and handles
 * after is stale_copy_vmcall's.
 */
static void unpatch_page(struct patched_page *pp)
{
	guest_mem_map_page(pp->page, pp->page,
			   emul_page_protected(pp->page) ? EPT_R | EPT_X : EPT_RWX);
	if (smp_cpus > 1) {
		patch_shootdown();
		if (!stale_copies) { /* from now on every VMCALL asks (emul_patches_active) */
			stale_copies = true;
			emul_npatched++;
		}
	}
	for (unsigned i = 0; i < PATCH_SITES; i++)
		if (patch_sites[i].page == pp) {
			patch_unbind(&patch_sites[i]);
			patch_sites[i].page = NULL;
			emul_npatched--;
			patch_stats[UNPATCHED]++;
		}
	pp->page = 0;
}

bool emul_set_patching(uint64_t hits)
{
	bool offered = emul_code_pages_in_ept();

	spin_lock(&emul_promote_lock);
	patch_threshold = offered ? hits : 0;
	spin_unlock(&emul_promote_lock);
	return offered || !hits;
}

/*
 * fast_mov for a patched site: the operand's translation is the cache's
 * (there is no exit GPA), then straight to the device. False: not a MOV to
 * or from a device, or the access faults (emulate() raises it).
 */
static bool fast_patched_mov(struct emul_env *env, const struct emul_insn *in,
			     struct emul_regs *r)
{
	bool store = in->dst.kind == OPND_MEM;
	uint64_t la = emul_linear_address(in, r), gpa;
	struct emul_fault f;

	if ((!store && in->src.kind != OPND_MEM) || !emul_mem_operand_ok(in, r, &f) ||
	    !emul_translate(env, la, store ? WALK_WRITE : WALK_READ, &gpa, &f) ||
	    !(env->dev = mmio_find(gpa)))
		return false;
	env->exit_la = la;
	return emul_fast_mov(env, in, r, gpa);
}

/* The patched site L2 ran at la under cr3 (promote_lock held), or NULL. */
static struct patched_site *patched_site_at(uint64_t cr3, uint64_t la)
{
	for (unsigned i = 0; i < PATCH_SITES; i++)
		if (patch_sites[i].page && patch_sites[i].la == la && patch_sites[i].cr3 == cr3)
			return &patch_sites[i];
	return NULL;
}

/*
 * A VMCALL of no patched site while stale copies may run (SMP): if L2's own
 * memory holds no VMCALL at RIP, it was a patch's, run from a copy before
 * this CPU's shoot-down INVEPT; the instruction L2's memory holds there is
 * emulated instead. Until a CPU serializes after code is modified, the old
 * or the new instruction is what it may run (SDM Vol. 3A 9.1.3); the copy
 * held the old one, RAM holds the old one or L2's new one.
 */
static bool stale_copy_vmcall(struct vcpu *v, struct emul_env *env, uint64_t la)
{
	static const uint8_t vmcall_bytes[PATCH_VMCALL_LEN] = { 0x0f, 0x01, 0xc1 };
	struct emul_fault f;
	const uint8_t *p;
	uint64_t gpa;

	if ((la & (PAGE_SIZE - 1)) > PAGE_SIZE - PATCH_VMCALL_LEN || /* no site crosses a page */
	    !emul_translate(env, la, WALK_FETCH, &gpa, &f) ||
	    !(p = guest_mem_ptr(gpa, PATCH_VMCALL_LEN)) ||
	    !memcmp(p, vmcall_bytes, PATCH_VMCALL_LEN))
		return false; /* a hypercall */
	__atomic_add_fetch(&stale_vmcalls, 1, __ATOMIC_RELAXED);
	if (!emul_exit(v, gpa, NULL))
		guest_stop(v, false, "emul-failed");
	return true;
}

/* A patched site's VMCALL that is not bound (or no longer): walked and emulated generically. */
static __attribute__((noinline)) bool patched_generic(struct vcpu *v)
{
	struct emul_env env = { .v = v, .exit_la = ~0ull, .exit_page_la = ~0ull };
	struct emul_regs regs;
	struct patched_site *ps;

	struct emul_insn in;
	struct emul_fault f;
	uint64_t la, gpa, rip, rflags, rsp;
	unsigned bits;

	bits = emul_load_state(v, &env, &regs);
	la = regs.seg_base[SEG_CS] + regs.rip;
	if (bits != 64)
		la &= 0xffffffffull;
	spin_lock(&emul_promote_lock);
	ps = patched_site_at(env.mode.cr3, la);
	if (ps)
		in = ps->insn;
	spin_unlock(&emul_promote_lock);
	if (!ps)
		return stale_copies && stale_copy_vmcall(v, &env, la);
	/* Still that site: the mapping may have changed since (a real VMCALL elsewhere). */
	if (!emul_translate(&env, la, WALK_FETCH, &gpa, &f) || gpa != ps->gpa)
		return false;
	rip = regs.rip;
	rflags = regs.rflags;
	rsp = regs.gpr[GPR_RSP];
	patch_stats[VMCALL_HITS]++;
	if (!fast_patched_mov(&env, &in, &regs) &&
	    emul_run(&env, &in, &regs, &f) == EMUL_FAULT) {
		if (env.failed) {
			emul_no_memory(&env, gpa);
			guest_stop(v, false, "emul-failed");
		}
		emul_inject(&env, &f);
	}
	emul_store_regs(&regs, rip, rflags, rsp);
	emul_counters[v->index].emulated++;
	return true;
}

bool emul_patched_vmcall(struct vcpu *v)
{
	return patch_bound_vmcall(v) != PATCH_BOUND_MISS || patched_generic(v);
}

/*
 * SMP: an EPT violation raised through a translation that another CPU had
 * widened or remapped (an unpatch, a code page writable again) while this
 * exit was on its way. The violation itself dropped that cached
 * translation (SDM Vol. 3C 29.4.3.1, operations that invalidate cached
 * mappings): if L2's EPT, the one running, now allows the access, L2
 * retries it. The qualification's bits 2:0 are read, write, fetch (Vol. 3C
 * Table 28-7), EPT_R/W/X's positions.
 */
static bool stale_violation(uint64_t gpa)
{
	uint64_t access = vmread(VMCS_EXIT_QUALIFICATION) & EPT_RWX;
	struct ept_mapping m;

	if ((vmread(VMCS_EPT_POINTER) & ~(PAGE_SIZE - 1)) != (guest_mem_eptp() & ~(PAGE_SIZE - 1)) ||
	    !ept_lookup(&guest_ept, gpa, &m) || (m.perms & access) != access)
		return false;
	__atomic_add_fetch(&stale_violations, 1, __ATOMIC_RELAXED);
	return true;
}

int emul_patched_page_access(struct vcpu *v, uint64_t gpa, bool write)
{
	struct patched_page *pp;

	spin_lock(&emul_promote_lock);
	pp = patched_page_of(gpa);
	if (pp && write)
		unpatch_page(pp);
	spin_unlock(&emul_promote_lock);
	if (!pp)
		return smp_cpus > 1 && stale_violation(gpa);
	if (write) {
		emul_code_page_write(gpa); /* its promoted sites go too; writable again */
		return 1;                  /* L2 retries the write */
	}
	patch_stats[CODE_READS]++;
	return emul_exit(v, gpa, NULL) ? 1 : -1; /* served from the original page */
}

unsigned emul_patched_sites(void)
{
	return emul_npatched - stale_copies;
}

bool patch_page_patched(uint64_t gpa)
{
	return patched_page_of(gpa) != NULL;
}

void patch_undo_all(void)
{
	for (unsigned i = 0; i < PATCH_PAGES; i++)
		if (patch_pages[i].page)
			unpatch_page(&patch_pages[i]);
}

void patch_init(uint64_t threshold)
{
	patch_threshold = emul_code_pages_in_ept() ? threshold : 0;
}

void patch_log_counters(void)
{
	log_mline("patch", "threshold=%lu patched=%lu unpatched=%lu vmcall_hits=%lu fast_hits=%lu "
		  "code_reads=%lu stale_vmcalls=%lu stale_violations=%lu execute_only=%d",
		  patch_threshold, patch_stats[PATCHED], patch_stats[UNPATCHED],
		  patch_stats[VMCALL_HITS] + emul_patch_fast_hits(), emul_patch_fast_hits(),
		  patch_stats[CODE_READS], stale_vmcalls, stale_violations,
		  (int)(l0.caps.ept_vpid_cap & 1));
	if (shootdowns) {
		uint64_t kicks, wait;

		shadow_kick_counts(&kicks, &wait);
		log_mline("patch-shootdown", "shootdowns=%lu kicks=%lu kick_wait_ticks=%lu",
			  shootdowns, kicks, wait);
	}
}
