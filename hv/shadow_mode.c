/*
 * shadow_mode.c - shadow paging on VMX (paging=shadow). L2 starts under EPT
 * as usual (it may run unpaged, which VMX allows only with EPT and
 * unrestricted guest); CR3 loads exit from the start. The first CR3 load
 * with paging (and CR0.WP, which the write protection of guest tables
 * relies on) turns shadow paging on: EPT and unrestricted guest off, CR3
 * stores and INVLPG exit, every #PF exits (PFEC mask and match 0),
 * PE/PG/WP belong to the host, and GUEST_CR3 holds the shadow root of L2's
 * CR3 (shadow_pt.h, cached per root). Paging (or WP) turned off returns L2
 * to EPT until it pages again; 32-bit and PAE paging run on PAE-format
 * shadows (mmu/shadow_format.h) with the real CR4.PAE the host's. L2's EPT
 * stays the guest-physical map the shadow entries are built from, so the
 * memory hidden from L2 stays hidden. A #PF is hidden (filled, L2 resumes), L2's
 * own (injected, CR2 set) or a write to a guest table (emulated by
 * hv/emul/, then the shadow entries it changed are dropped). No page pool
 * or protection views.
 *
 * More than one vCPU: each turns shadow paging on in its own VMCS at its
 * own first CR3 load with paging and runs on its own cache slot of the
 * one shared set of shadow tables, under one lock. Until then (and in a
 * nested space under hybrid) it runs on EPT, where every page holding a
 * table some shadow mirrors is read-only, so its writes to such tables
 * are emulated too. Another CPU's stale translations are shot down
 * (shadow_kick.c) before a newly protected table is relied on and before
 * a freed shadow table page is reused; what L2 changes in its own tables
 * it shoots down itself (INVLPG and CR3 loads exit and flush on its CPU).
 */
#include "boot_mem.h"
#include "emul/emul_exit.h"
#include "emul/mmio.h"
#include "emul/pt_store_exit.h"
#include "exit.h"
#include "guest_mem.h"
#include "guest_stop.h"
#include "irq/irq.h"
#include "l0.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "log.h"
#include "mmu/hybrid_policy.h"
#include "mmu/shadow_pt.h"
#include "options.h"
#include "panic.h"
#include "power.h"
#include "shadow_kick.h"
#include "shadow_mode.h"
#include "smp.h"
#include "vmcs/l2_mem.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define SHADOW_PAGES 1024u   /* 4 MiB of shadow tables */
#define SHADOW_BUCKETS 1024u
#define SHADOW_RMAP 32768u
#define SHADOW_ROOTS 16u
#define VEC_PF 14
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_ERROR_VALID (1u << 11)
#define INTR_TYPE(info) (((info) >> 8) & 7)
#define INTR_TYPE_SOFT_INTR 4
#define INTR_TYPE_PRIV_SOFT_EXC 5
#define INTR_TYPE_SOFT_EXC 6
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define RFLAGS_AC (1ull << 18)
#define CR4_PCIDE (1ull << 17)
#define CR4_PGE (1ull << 7)
#define CPUID7_EBX_INVPCID (1u << 10)
/* Inlined into every CR3 load (a context switch): a call costs a switch ~3%. */
#define CR3_PATH inline __attribute__((always_inline))

/* One vCPU's side of it. */
struct shadow_vcpu {
	bool active;             /* shadow paging on in its VMCS (it paged in long mode) */
	bool ept_on;             /* its VMCS runs on EPT: not active yet, or a nested space */
	bool fresh;              /* turned on, no shadow run on yet */
	enum shadow_format fmt;  /* the format it runs in while active */
	bool told_nested;        /* its 32-bit/PAE paging runs nested: no table pages below 4 GiB */
	uint32_t proc2_off;      /* the secondary controls turn_on cleared (EPT, unrestricted) */
	int slot;                /* its shadow_pt cache slot (spt.current while it works) */
	uint64_t guest_cr3;      /* L2's CR3 as it loaded it */
	uint64_t last_ad;        /* update_ad's last address */
	uint32_t exc_bitmap;     /* the exception bitmap besides #PF */
	struct hybrid_space *space; /* hybrid: the policy's entry of its space */
};

static struct shadow_pt spt;
static struct spinlock lock; /* spt, the policy and the counters */
static struct shadow_vcpu vstate[MAX_VCPUS];
static bool started;         /* some vCPU turned shadow paging on */
static bool low_tables;      /* the table pages lie below 4 GiB: PAE-format roots can */
static uint64_t cr3_loads, invlpgs, nested_loads, to_nested, to_shadow, nested_pt_writes;
static uint64_t ad_updates, unshadows, invpcids, quiet_moves, turn_offs;
static uint64_t format_starts[3]; /* shadow paging began in each shadow_format */
static struct hybrid_policy policy; /* paging=hybrid: mmu/hybrid_policy.h */

/* The vCPU this CPU runs. */
static struct shadow_vcpu *this_vcpu(void)
{
	return &vstate[this_cpu()->vcpu->index];
}

/* Takes the lock and puts sv's slot in spt.current for the operations that follow. */
static void enter(struct shadow_vcpu *sv)
{
	spin_lock(&lock);
	spt.current = sv->slot;
}

static void leave(struct shadow_vcpu *sv)
{
	sv->slot = spt.current;
	spin_unlock(&lock);
}

/* ---- what the shadow builder reads and writes ---- */

static bool translate(void *ctx, uint64_t gpa, uint64_t *hpa, bool *writable)
{
	struct ept_mapping m;

	(void)ctx;
	if (!ept_lookup(&guest_ept, gpa, &m))
		return false;
	*hpa = m.hpa;
	*writable = m.perms & EPT_W;
	return true;
}

static uint64_t *table(void *ctx, uint64_t hpa)
{
	(void)ctx;
	return (uint64_t *)(uintptr_t)hpa;
}

/* hybrid: a guest table page's entries, for the policy's fingerprints (NULL: not RAM). */
static const uint64_t *table_page(void *ctx, uint64_t gpa)
{
	(void)ctx;
	return guest_mem_ptr(gpa & ~(PAGE_SIZE - 1), PAGE_SIZE);
}

/*
 * paging=hybrid: a page holding a table some shadow mirrors is read-only in
 * EPT too, so a nested space's writes to it (a table it shares with a
 * shadowed space) exit and are emulated like a shadowed one's.
 */
static void track(void *ctx, uint64_t gpa, bool on)
{
	struct ept_mapping m;

	(void)ctx;
	if (!ept_lookup(&guest_ept, gpa, &m))
		return;
	if (ept_map(&guest_ept, gpa & ~(PAGE_SIZE - 1), m.hpa & ~(PAGE_SIZE - 1), PAGE_SIZE,
		    on ? EPT_R | EPT_X : EPT_RWX, m.memtype, m.ignore_pat))
		panic("paging=hybrid: write-protecting a guest table in EPT failed");
	invept_all();
}

static void sync_others(void *ctx)
{
	(void)ctx;
	shadow_kick_others();
}

static struct shadow_pt_ops ops = { .translate = translate, .table = table };

/* ---- set-up ---- */

__attribute__((noreturn)) static void refuse(const char *why)
{
	log_error("paging=%s: %s", hv_opts.paging == PAGING_HYBRID ? "hybrid" : "shadow", why);
	hv_finish(false, "bad-cmdline");
}

static void *alloc_bytes(uint64_t bytes, const char *what)
{
	return (void *)(uintptr_t)alloc_pages_or_panic((bytes + PAGE_SIZE - 1) / PAGE_SIZE, what);
}

void shadow_mode_init(void)
{
	struct shadow_pt_config c = {
		.ops = &ops, .npages = SHADOW_PAGES, .nbuckets = SHADOW_BUCKETS,
		.nrmap = SHADOW_RMAP, .roots = SHADOW_ROOTS,
	};
	const uint32_t proc = PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING | PROC_INVLPG_EXITING;

	if (smp_cpus > 1 && !shadow_kick_possible())
		refuse("more than one CPU needs NMI exiting with virtual NMIs (the TLB "
		       "shoot-down is an NMI), which L0 does not offer: boot with one CPU");
	if (hv_opts.pool || hv_opts.protect)
		refuse("the page pool and protection views work on EPT, which shadow paging "
		       "turns off: use one or the other");
	/* Every secondary control may be 0 (SDM Vol. 3D A.3.3): EPT can go off. */
	if (!vmx_ctl_may_be_1(l0.caps.proc, proc))
		refuse("L0 does not offer CR3-load, CR3-store and INVLPG exiting");
	c.page_base = alloc_pages_or_panic(SHADOW_PAGES, "shadow page tables");
	c.pages = alloc_bytes(SHADOW_PAGES * sizeof(*c.pages), "shadow page descriptors");
	c.buckets = alloc_bytes(SHADOW_BUCKETS * sizeof(uint32_t), "shadow hash");
	c.rmap = alloc_bytes(SHADOW_RMAP * sizeof(*c.rmap), "shadow rmap");
	c.rmap_buckets = alloc_bytes(SHADOW_BUCKETS * sizeof(uint32_t), "shadow rmap hash");
	ops.guest = emul_table_ops;
	/* A PAE-format root is a 32-bit CR3 (Vol. 3A 4.4.1). */
	low_tables = c.page_base + (uint64_t)SHADOW_PAGES * PAGE_SIZE <= 1ull << 32;
	/* A vCPU on EPT (a nested space, or not paging yet) must not write tables unseen. */
	if (hv_opts.paging == PAGING_HYBRID || smp_cpus > 1)
		ops.track = track;
	if (smp_cpus > 1)
		ops.sync = sync_others;
	if (!shadow_pt_init(&spt, &c))
		panic("shadow page tables: bad configuration");
	if (hv_opts.paging == PAGING_HYBRID)
		hybrid_init(&policy, &(struct hybrid_config){
			.writes = (uint32_t)hv_opts.hybrid_writes,
			.probe = (uint32_t)hv_opts.hybrid_probe,
			.quiet = (uint32_t)hv_opts.hybrid_quiet,
			.misses = (uint32_t)hv_opts.hybrid_misses }, table_page, NULL);
	for (unsigned i = 0; i < MAX_VCPUS; i++)
		vstate[i] = (struct shadow_vcpu){ .ept_on = true, .slot = SHADOW_NO_SLOT };
	log_info("paging=%s: %u shadow table pages, %u roots cached, %u CPU%s; shadow paging "
		 "starts at each vCPU's first CR3 load with paging on", hv_opts.paging ==
		 PAGING_HYBRID ? "hybrid" : "shadow", SHADOW_PAGES, SHADOW_ROOTS, smp_cpus,
		 smp_cpus > 1 ? "s (shoot-downs by NMI)" : "");
}

void shadow_mode_vmcs_setup(void)
{
	if (hv_opts.paging == PAGING_NESTED)
		return;
	vmcs_write(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   vmread(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) |
		   PROC_CR3_LOAD_EXITING);
}

/* Flushes L2's linear translations (its VPID): after a switch, or shadow entries dropped. */
static void flush_vpid(void)
{
	invvpid(l0.caps.ept_vpid_cap & VPID_CAP_INVVPID_SINGLE ? INVVPID_SINGLE : INVVPID_ALL,
		GUEST_VPID, 0);
	spt.flush = false;
}

/* CR0 as L2 sees it: its own bits from the real register, the host's from the shadow. */
static uint64_t guest_cr0(void)
{
	uint64_t mask = vmread(VMCS_CR0_GUEST_HOST_MASK);

	return (vmread(VMCS_GUEST_CR0) & ~mask) | (vmread(VMCS_CR0_READ_SHADOW) & mask);
}

/* EPT off, the exits shadow paging needs on (SDM Vol. 3C 25.6.2, 25.6.3, 27.3.1.1). */
static void turn_on(struct vcpu *v, struct shadow_vcpu *sv)
{
	uint64_t cr0 = guest_cr0(), cr4 = l2_cr4();
	uint64_t proc2 = vmread(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);

	sv->proc2_off = (uint32_t)(proc2 & (PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST));
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   proc2 & ~(uint64_t)sv->proc2_off);
	/* Through v->proc_ctls: irq/event.c writes the VMCS from that copy. */
	irq_proc_update(v, 0, PROC_CR3_STORE_EXITING | PROC_INVLPG_EXITING);
	sv->exc_bitmap = (uint32_t)vmread(VMCS_EXCEPTION_BITMAP);
	vmcs_write(VMCS_EXCEPTION_BITMAP, sv->exc_bitmap | 1u << VEC_PF);
	vmcs_write(VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(VMCS_CR0_GUEST_HOST_MASK,
		   vmread(VMCS_CR0_GUEST_HOST_MASK) | CR0_PE | CR0_PG | CR0_WP);
	vmcs_set_guest_cr0(cr0);
	/*
	 * Setting PCIDE checks L2's CR3, not the shadow root the CPU holds
	 * (exit_cr.c); PAE is the host's (a 32-bit guest runs on PAE-format
	 * shadows), PSE changes what a 32-bit guest's tables mean.
	 */
	vmcs_write(VMCS_CR4_GUEST_HOST_MASK,
		   vmread(VMCS_CR4_GUEST_HOST_MASK) | CR4_PCIDE | CR4_PAE | CR4_PSE);
	vmcs_write(VMCS_CR4_READ_SHADOW, cr4); /* the bits just taken read as they were */
	invept_all();
	sv->active = true;
	sv->fresh = true;
	sv->ept_on = false;
	started = true;
	log_info("paging=%s: vCPU %u pages (CR0 %#lx): shadow page tables on, EPT off",
		 hv_opts.paging == PAGING_HYBRID ? "hybrid" : "shadow", v->index, cr0);
	log_mline("shadow-on", "vcpu=%u cr0=%#lx cr3=%#lx cr4=%#lx efer=%#lx", v->index, cr0,
		  vmread(VMCS_GUEST_CR3), l2_cr4(), vmread(VMCS_GUEST_IA32_EFER));
}

/*
 * L2 turned paging (or CR0.WP) off: back to EPT, as before its first CR3
 * load, until it pages again; its shadows stay cached (SDM Vol. 3C 25.6.2,
 * 27.3.1.1: unpaged code runs only with EPT and unrestricted guest).
 */
static void turn_off(struct vcpu *v, struct shadow_vcpu *sv)
{
	enter(sv);
	shadow_pt_leave(&spt);
	leave(sv);
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   vmread(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) | sv->proc2_off);
	irq_proc_update(v, PROC_CR3_STORE_EXITING | PROC_INVLPG_EXITING, 0);
	vmcs_write(VMCS_EXCEPTION_BITMAP, sv->exc_bitmap);
	vmcs_write(VMCS_GUEST_CR3, sv->guest_cr3);
	vmcs_set_guest_cr4(l2_cr4()); /* PAE as L2 has it, not as a shadow needed it */
	sv->active = false;
	sv->ept_on = true;
	sv->space = NULL;
	flush_vpid();
	turn_offs++;
	log_mline("shadow-off", "vcpu=%u cr0=%#lx cr4=%#lx efer=%#lx", v->index, guest_cr0(),
		  l2_cr4(), vmread(VMCS_GUEST_IA32_EFER));
}

/* hybrid: EPT on (a nested space) or off (a shadowed one), #PF exiting with it. */
static void set_ept(struct shadow_vcpu *sv, bool on)
{
	uint64_t proc2 = vmread(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);

	if (on == sv->ept_on)
		return;
	proc2 = on ? proc2 | PROC2_ENABLE_EPT : proc2 & ~(uint64_t)PROC2_ENABLE_EPT;
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, proc2);
	vmcs_write(VMCS_EXCEPTION_BITMAP, on ? sv->exc_bitmap : sv->exc_bitmap | 1u << VEC_PF);
	sv->ept_on = on;
}

/*
 * hybrid: whether the n-th move gets its line: every one at log=debug, else
 * the first LOGGED_MOVES and then one per power of two (a serial line costs
 * Bochs' UART about 4,000 ticks a character, and Linux boots with hundreds).
 */
#define LOGGED_MOVES 16

static bool move_logged(uint64_t n)
{
	return log_level >= LOG_DEBUG || n <= LOGGED_MOVES || !(n & (n - 1));
}

/*
 * hybrid: whether cr3's space runs nested from this load on (the policy of
 * mmu/hybrid_policy.h; each move logged with its reason). A space going
 * nested loses its shadow unless another vCPU runs on it (that one's
 * tables stay protected, so this vCPU's writes to them are still seen).
 */
static bool choose_nested(struct vcpu *v, struct shadow_vcpu *sv, uint64_t cr3)
{
	struct hybrid_space *p = hybrid_space_of(&policy, cr3 & SPT_ADDR);
	enum hybrid_move m = hybrid_load(&policy, p);

	if (m == HYBRID_TO_NESTED) {
		to_nested++;
		shadow_pt_leave(&spt);
		shadow_pt_forget(&spt, cr3);
	} else if (m != HYBRID_STAY) {
		to_shadow++;
		quiet_moves += m == HYBRID_TO_SHADOW_QUIET;
	}
	if (m != HYBRID_STAY && move_logged(to_nested + to_shadow))
		log_mline("hybrid-move", "vcpu=%u n=%lu root=%#lx to=%s reason=%s table=%#lx "
			  "misses=%lu shadow_loads=%lu quiet_need=%u", v->index, to_nested +
			  to_shadow, p->root, p->nested ? "nested" : "shadow",
			  hybrid_move_reason(m), p->hot[0], p->misses, p->shadow_loads,
			  p->quiet_need);
	sv->space = p;
	if (p->nested)
		shadow_pt_leave(&spt);
	return p->nested;
}

/*
 * paging_trace=on: one line per event walkmodel.py replays (its trace's
 * `space`, `ptwrite VA LEVEL` and `miss VA`): a CR3 load, a write to a
 * guest table (the address its entry maps), a hidden fault.
 */
static void trace_space(uint64_t cr3)
{
	if (hv_opts.paging_trace)
		log_mline("ptrace", "e=space root=%#lx", (uint64_t)(cr3 & SPT_ADDR));
}

static void trace_ptwrite(uint64_t gpa)
{
	uint64_t va;
	unsigned level;

	if (hv_opts.paging_trace && shadow_pt_entry_va(&spt, gpa, &va, &level))
		log_mline("ptrace", "e=ptwrite va=%#lx level=%u table=%#lx", va, level,
			  (uint64_t)(gpa & ~(PAGE_SIZE - 1)));
}

static void trace_miss(uint64_t va)
{
	if (hv_opts.paging_trace)
		log_mline("ptrace", "e=miss va=%#lx", (uint64_t)(va & ~(PAGE_SIZE - 1)));
}

/*
 * The format L2 pages in, if shadow paging serves it: paging and CR0.WP
 * on (the write protection of its tables relies on WP); outside long mode
 * only with the table pages below 4 GiB (else nested, logged once).
 */
static bool shadowable(struct vcpu *v, struct shadow_vcpu *sv, enum shadow_format *f)
{
	struct walk_mode m = { .cr0 = guest_cr0(), .cr4 = l2_cr4(),
			       .efer = vmread(VMCS_GUEST_IA32_EFER) };

	if (!(m.cr0 & CR0_WP) || !shadow_format_of(&m, f))
		return false;
	if (*f == SHADOW_FMT_LONG || low_tables)
		return true;
	if (!sv->told_nested)
		log_info("paging=%s: vCPU %u pages in %s mode: it runs nested (EPT) while it does "
			 "(the shadow table pages lie above 4 GiB)", hv_opts.paging ==
			 PAGING_HYBRID ? "hybrid" : "shadow", v->index, shadow_format_name(*f));
	sv->told_nested = true;
	return false;
}

/*
 * The shadow root of L2's CR3 cr3 (the lock held); PAE: built from the
 * PDPTEs exit_cr.c loaded into the VMCS at the CR3 load (or CR0/CR4 write).
 */
static CR3_PATH enum shadow_result activate_root(uint64_t cr3, uint64_t *root)
{
	enum shadow_result r = shadow_pt_activate(&spt, cr3, root);
	uint64_t pdpte[4];

	if (r == SHADOW_FILLED && spt.fmt == SHADOW_FMT_PAE) {
		for (unsigned i = 0; i < 4; i++)
			pdpte[i] = vmread(VMCS_GUEST_PDPTE0 + 2 * i);
		shadow_pt_set_pdptes(&spt, pdpte);
	}
	return r;
}

/*
 * L2 runs on the shadow of CR3 cr3 in format f from now on (a CR3 load, or
 * paging turned on); PAE: with the PDPTEs exit_cr.c loaded into the VMCS.
 * False if L2 runs nested instead (hybrid's choice).
 */
static CR3_PATH bool run_shadowed(struct vcpu *v, struct shadow_vcpu *sv, uint64_t cr3,
			 enum shadow_format f)
{
	uint64_t root;
	enum shadow_result r;

	enter(sv);
	sv->guest_cr3 = cr3;
	sv->fmt = f;
	if (f != spt.fmt || sv->fresh)
		format_starts[f]++;
	sv->fresh = false;
	if (f != spt.fmt && !shadow_pt_set_format(&spt, f)) {
		leave(sv);
		log_error("paging=shadow: vCPU %u pages in %s mode while another vCPU runs on "
			  "shadows of another format: not supported", v->index,
			  shadow_format_name(f));
		guest_stop(v, false, "shadow-error");
	}
	if (hv_opts.paging == PAGING_HYBRID && choose_nested(v, sv, cr3)) {
		nested_loads++;
		leave(sv);
		set_ept(sv, true);
		vmcs_write(VMCS_GUEST_CR3, cr3);
		/* On EPT the CPU walks L2's own tables: a 32-bit guest's without PAE. */
		if (f == SHADOW_FMT_32BIT)
			vmcs_write(VMCS_GUEST_CR4, vmread(VMCS_GUEST_CR4) & ~CR4_PAE);
		return false;
	}
	r = activate_root(cr3, &root);
	leave(sv);
	set_ept(sv, false);
	if (r != SHADOW_FILLED) {
		log_error("paging=shadow: no shadow root for CR3 %#lx (out of table pages)", cr3);
		guest_stop(v, false, "shadow-error");
	}
	/* The CPU walks PAE-format shadows for PAE and 32-bit guests alike. */
	if (f == SHADOW_FMT_32BIT)
		vmcs_write(VMCS_GUEST_CR4, vmread(VMCS_GUEST_CR4) | CR4_PAE);
	vmcs_write(VMCS_GUEST_CR3, root);
	return true;
}

bool shadow_mode_cr3_load(struct vcpu *v, uint64_t cr3)
{
	struct shadow_vcpu *sv = &vstate[v->index];
	enum shadow_format f;

	if (hv_opts.paging == PAGING_NESTED)
		return false;
	/* Active, the format changes only by a CR0/CR4 write (shadow_mode_paging_changed). */
	if (sv->active) {
		f = sv->fmt;
	} else {
		if (!shadowable(v, sv, &f))
			return false; /* not paging yet (or not in a format shadowed): nested */
		turn_on(v, sv);
	}
	cr3_loads++;
	trace_space(cr3);
	return run_shadowed(v, sv, cr3, f);
}

void shadow_mode_paging_changed(struct vcpu *v)
{
	struct shadow_vcpu *sv = &vstate[v->index];
	enum shadow_format f;

	if (hv_opts.paging == PAGING_NESTED)
		return;
	if (!shadowable(v, sv, &f)) {
		if (sv->active)
			turn_off(v, sv);
		return;
	}
	if (!sv->active) {
		sv->guest_cr3 = vmread(VMCS_GUEST_CR3);
		turn_on(v, sv);
	}
	run_shadowed(v, sv, sv->guest_cr3, f);
	flush_vpid();
}

uint64_t shadow_mode_guest_cr3(void)
{
	const struct shadow_vcpu *sv = this_vcpu();

	return sv->active ? sv->guest_cr3 : vmread(VMCS_GUEST_CR3);
}

void shadow_mode_cr4_written(struct vcpu *v, uint64_t old, uint64_t value)
{
	struct shadow_vcpu *sv = &vstate[v->index];

	if (hv_opts.paging == PAGING_NESTED)
		return;
	/* PSE changes what a 32-bit guest's PS bits mean: its shadows go, of every root. */
	if ((old ^ value) & CR4_PSE && sv->active && sv->fmt == SHADOW_FMT_32BIT) {
		enter(sv);
		shadow_pt_drop_all(&spt);
		leave(sv);
	}
	/* Another format (PAE), or PDPTEs reloaded (PGE, SMEP, PSE: exit_cr.c). */
	if ((old ^ value) & (CR4_PAE | CR4_PSE | CR4_PGE | CR4_SMEP))
		shadow_mode_paging_changed(v);
	else if (sv->active && !sv->ept_on) /* the write took the real PAE the shadow needs */
		vmcs_write(VMCS_GUEST_CR4, vmread(VMCS_GUEST_CR4) | CR4_PAE);
}

const uint64_t *shadow_mode_guest_pdptes(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	static uint64_t pdptes[MAX_VCPUS][4];
	uint64_t *p;

	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (efer & EFER_LMA))
		return NULL;
	p = pdptes[this_cpu()->vcpu->index];
	for (unsigned i = 0; i < 4; i++)
		p[i] = vmread(VMCS_GUEST_PDPTE0 + 2 * i);
	return p;
}

void shadow_mode_guest_paging_shadowed(struct walk_mode *m)
{
	const struct shadow_vcpu *sv = this_vcpu();

	m->cr3 = sv->active ? sv->guest_cr3 : vmread(VMCS_GUEST_CR3);
	m->cr4 = vmread(VMCS_GUEST_CR4);
	m->pdpte = NULL;
	if (m->efer & EFER_LMA)
		return; /* 4-level: the real CR4 is L2's; no PDPTEs */
	if (sv->active && !sv->ept_on && sv->fmt == SHADOW_FMT_32BIT)
		m->cr4 &= ~CR4_PAE; /* the host's PAE under a 32-bit guest's shadows */
	m->pdpte = shadow_mode_guest_pdptes(m->cr0, m->cr4, m->efer);
}

/* ---- #PF ---- */

/* Writes to a guest table: straight to L2's RAM, then the shadow forgets what they change. */
static bool guest_table_read(struct mmio_device *d, struct vcpu *v, uint64_t off,
			     unsigned width, uint64_t *value)
{
	(void)v;
	return emul_table_ops.read(NULL, d->base + off, value, width);
}

static bool guest_table_write(struct mmio_device *d, struct vcpu *v, uint64_t off,
			      unsigned width, uint64_t value)
{
	void *p = guest_mem_ptr(d->base + off, width);

	(void)v;
	if (!p)
		return false;
	memcpy(p, &value, width);
	shadow_pt_table_write(&spt, d->base + off, width);
	return true;
}

/*
 * The paging state of L2's access: RFLAGS.AC matters for SMAP (Linux's
 * user copies run with it set); a user access is one at CPL 3 (the fault
 * path corrects this from the error code: an event delivered from CPL 3
 * reads the IDT and TSS as a supervisor).
 */
static void load_mode(struct walk_mode *m)
{
	*m = (struct walk_mode){
		.cr0 = vmread(VMCS_GUEST_CR0), .efer = vmread(VMCS_GUEST_IA32_EFER),
		.cpl = (uint8_t)AR_DPL(vmread(VMCS_GUEST_SS_ACCESS_RIGHTS)),
		.ac = (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_AC) != 0,
	};
	shadow_mode_guest_paging(m);
}

/* The event whose delivery the #PF interrupted goes in again (SDM Vol. 3C 28.2.4). */
static void reinject(uint32_t vectoring)
{
	if (vectoring & INTR_INFO_ERROR_VALID)
		vmcs_write(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmread(VMCS_IDT_VECTORING_ERROR_CODE));
	if (INTR_TYPE(vectoring) == INTR_TYPE_SOFT_INTR ||
	    INTR_TYPE(vectoring) == INTR_TYPE_PRIV_SOFT_EXC ||
	    INTR_TYPE(vectoring) == INTR_TYPE_SOFT_EXC)
		vmcs_write(VMCS_VM_ENTRY_INSTRUCTION_LENGTH,
			   vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH));
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, vectoring & ~(1u << 12));
}

__attribute__((noreturn)) static void fault_failed(struct vcpu *v, uint64_t va, uint32_t err,
						   const char *what, uint64_t gpa)
{
	log_error("paging=shadow: L2's #PF at %#lx (error %#x): %s (guest-physical %#lx)", va,
		  err, what, gpa);
	log_mline("guest-fault", "kind=shadow vcpu=%u va=%#lx error=%#x gpa=%#lx what=\"%s\"",
		  v->index, va, err, gpa, what);
	guest_stop(v, false, "shadow-error");
}

/*
 * A write to guest table page at gpa: a plain store, exchange or
 * compare-exchange (what Linux writes its tables with) by the fast path;
 * anything else emulated in full, the device being the table page. An instruction the emulator lacks (Linux's CMPXCHG on a page that
 * was a table and holds other data now, say) is not emulated: every shadow
 * is dropped instead, so the page is nobody's table any more, and L2 runs
 * the instruction itself on the new shadow of its CR3 (KVM unshadows such
 * pages likewise; in a nested space it runs on as it is, the page writable
 * in EPT again). Unless the page is the shadowed CR3's own top table: then
 * the run stops.
 */
static void emulate_table_write(struct vcpu *v, struct shadow_vcpu *sv, const struct walk_mode *m,
				uint64_t va,
				uint32_t err, uint64_t gpa)
{
	struct mmio_device dev = { .name = "guest-page-table", .base = gpa & ~(PAGE_SIZE - 1),
				   .size = PAGE_SIZE, .read = guest_table_read,
				   .write = guest_table_write };
	uint64_t root;
	unsigned len;

	if (pt_store_exit(v, m, va, gpa, &len)) {
		if (len)
			shadow_pt_table_write(&spt, gpa, len);
		return;
	}
	if (emul_exit(v, gpa, &dev))
		return;
	if (!sv->ept_on && (gpa & SPT_ADDR) == (sv->guest_cr3 & SPT_ADDR))
		fault_failed(v, va, err, "the write to a guest page table was not emulated", gpa);
	log_info("paging: the write to guest table %#lx at rip %#lx is not emulated: every "
		 "shadow dropped, L2 runs it itself", gpa, vmread(VMCS_GUEST_RIP));
	shadow_pt_drop_all(&spt);
	unshadows++;
	if (sv->ept_on)
		return;
	if (activate_root(sv->guest_cr3, &root) != SHADOW_FILLED)
		fault_failed(v, va, err, "no shadow root after dropping them all", gpa);
	vmcs_write(VMCS_GUEST_CR3, root);
}

/* Every PROGRESS_EVERY #PF exits, a line: a long run (Linux) shows where its time goes. */
#define PROGRESS_EVERY (1u << 16)

static void progress(void)
{
	static uint64_t faults;
	const struct shadow_pt_stats *s = &spt.stats;

	if (++faults % PROGRESS_EVERY)
		return;
	log_mline("shadow-progress", "pf_exits=%lu hidden=%lu true_faults=%lu pt_writes=%lu "
		  "cr3_loads=%lu resets=%lu pages_used=%lu tsc=%lu", faults, s->hidden,
		  s->true_faults, s->pt_writes, cr3_loads, s->resets, s->pages_used, rdtsc());
}

bool shadow_mode_exception(struct vcpu *v, uint32_t info)
{
	struct shadow_vcpu *sv = &vstate[v->index];
	uint64_t va, gpa = 0;
	uint32_t err, guest_err = 0, vectoring;
	struct walk_mode m;
	bool device = false;

	if (!sv->active || sv->ept_on || (info & 0xff) != VEC_PF)
		return false;
	va = vmread(VMCS_EXIT_QUALIFICATION);
	err = (uint32_t)vmread(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE);
	vectoring = (uint32_t)vmread(VMCS_IDT_VECTORING_INFORMATION_FIELD);
	load_mode(&m);
	m.cpl = err & PF_U ? 3 : 0; /* the access's own privilege (Vol. 3A 4.6.1) */
	enter(sv);
	progress();
	switch (shadow_pt_fault(&spt, &m, va, err, &guest_err, &gpa)) {
	case SHADOW_FILLED:
		if (vectoring & INTR_INFO_VALID)
			reinject(vectoring);
		trace_miss(va);
		if (sv->space)
			hybrid_miss(sv->space);
		break;
	case SHADOW_TRUE_FAULT:
		if (vectoring & INTR_INFO_VALID)
			fault_failed(v, va, err, "L2's own #PF while delivering an event "
				     "(a double fault): not handled yet", 0);
		write_cr2(va); /* CR2 is not in the VMCS: L2 sees the real one */
		inject_exception(VEC_PF, true, guest_err);
		break;
	case SHADOW_PT_WRITE:
		if (vectoring & INTR_INFO_VALID)
			fault_failed(v, va, err, "a guest table written while delivering an event",
				     gpa);
		trace_ptwrite(gpa);
		emulate_table_write(v, sv, &m, va, err, gpa);
		if (sv->space)
			hybrid_pt_write(sv->space, gpa);
		break;
	case SHADOW_DEVICE:
		device = true; /* served below, the lock free: a device may take its time */
		break;
	case SHADOW_UNSUPPORTED:
		fault_failed(v, va, err, "L2 pages in another format than its shadows", 0);
	case SHADOW_ERROR:
		fault_failed(v, va, err, "a guest table or page outside L2's memory, or no "
			     "shadow table pages left", 0);
	}
	if (spt.flush)
		flush_vpid();
	leave(sv);
	if (device && ((err & PF_I) || !ept_device_access(v, gpa, err & PF_W)))
		fault_failed(v, va, err, vectoring & INTR_INFO_VALID ? "a device access while "
			     "delivering an event" : "L2's EPT maps nothing (or nothing writable) "
			     "there", gpa);
	return true;
}

/*
 * The CPU's own accessed/dirty update in a guest table that EPT write-
 * protects (hybrid, a nested space): the walker makes it instead. Which
 * bits the CPU wanted is not reported: A on every level first; if the same
 * address comes back, the leaf's D too (SDM Vol. 3A 4.8).
 */
static void update_ad(struct shadow_vcpu *sv, uint64_t gla)
{
	struct walk_mode m;
	struct walk_result r;

	load_mode(&m);
	walk_guest(&m, gla, gla == sv->last_ad ? WALK_WRITE : WALK_READ, &emul_table_ops, NULL,
		   &r);
	sv->last_ad = gla;
	ad_updates++;
}

/* Whether L2 may write gpa in EPT now: this CPU's read-only translation was stale. */
static bool writable_now(uint64_t gpa)
{
	struct ept_mapping m;

	return ept_lookup(&guest_ept, gpa, &m) && (m.perms & EPT_W);
}

bool shadow_mode_ept_violation(struct vcpu *v, uint64_t gpa, uint64_t qual)
{
	struct shadow_vcpu *sv = &vstate[v->index];
	struct walk_mode m;

	if (!sv->ept_on || !(qual & EPTV_WRITE) || hv_opts.paging == PAGING_NESTED)
		return false;
	enter(sv);
	if (!shadow_pt_is_table(&spt, gpa)) {
		/* No table any more: another CPU made it writable after this one cached it. */
		bool stale = ops.track && writable_now(gpa);

		leave(sv);
		if (stale)
			invept_all();
		return stale;
	}
	if ((qual & EPTV_GLA_VALID) && !(qual & EPTV_GLA_TRANSLATED)) {
		update_ad(sv, vmread(VMCS_GUEST_LINEAR_ADDRESS));
	} else {
		nested_pt_writes++;
		trace_ptwrite(gpa);
		load_mode(&m);
		emulate_table_write(v, sv, &m, vmread(VMCS_GUEST_LINEAR_ADDRESS), 0, gpa);
	}
	if (spt.flush)
		flush_vpid();
	leave(sv);
	return true;
}

void shadow_mode_invlpg(struct vcpu *v, uint64_t va)
{
	struct shadow_vcpu *sv = &vstate[v->index];

	enter(sv);
	if (!sv->ept_on)
		shadow_pt_invlpg(&spt, va);
	spt.flush = false;
	invlpgs++;
	leave(sv);
	invvpid(INVVPID_ADDRESS, GUEST_VPID, va);
}

void shadow_mode_count_invpcid(void)
{
	spin_lock(&lock);
	invpcids++;
	spin_unlock(&lock);
}

void handle_invlpg(struct vcpu *v)
{
	shadow_mode_invlpg(v, vmread(VMCS_EXIT_QUALIFICATION));
	skip_instruction();
}

void shadow_mode_cpuid(uint32_t leaf, uint32_t sub, uint32_t *ebx, uint32_t *ecx)
{
	(void)ecx;
	if (hv_opts.paging != PAGING_NESTED && leaf == 7 && sub == 0 &&
	    !(vmread(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) & PROC2_ENABLE_INVPCID))
		*ebx &= ~CPUID7_EBX_INVPCID;
}

/* More than one CPU: how many paged under the shadow, and what their shoot-downs cost. */
static void report_smp(void)
{
	uint64_t kicks, wait;
	unsigned on = 0;

	if (smp_cpus < 2)
		return;
	for (unsigned i = 0; i < smp_cpus && i < MAX_VCPUS; i++)
		on += vstate[i].active;
	shadow_kick_counts(&kicks, &wait);
	log_info("shadow paging on %u of %u vCPUs: %lu shoot-downs (%lu NMIs sent, %lu ticks "
		 "waited), %lu fills retried", on, smp_cpus, spt.stats.syncs, kicks, wait,
		 spt.stats.retries);
	log_mline("shadow-smp", "cpus=%u active_vcpus=%u syncs=%lu kicks=%lu kick_wait_ticks=%lu "
		  "retries=%lu", smp_cpus, on, spt.stats.syncs, kicks, wait, spt.stats.retries);
}

void shadow_mode_report(void)
{
	const struct shadow_pt_stats *s = &spt.stats;
	const struct shadow_cache *c = &spt.cache;

	if (hv_opts.paging == PAGING_NESTED)
		return;
	log_info("shadow paging: %s; %lu hidden faults, %lu true, %lu page-table writes, %lu CR3 "
		 "loads (%u%% found cached), %lu INVLPG", started ? "on" : "never started",
		 s->hidden, s->true_faults, s->pt_writes, cr3_loads, shadow_cache_hit_rate(c),
		 invlpgs);
	if (hv_opts.paging == PAGING_HYBRID)
		log_info("hybrid: %lu of the CR3 loads nested, %lu moves to nested, %lu back to "
			 "shadow (%lu as their tables went quiet), %lu table writes trapped while "
			 "nested, %lu A/D updates", nested_loads, to_nested, to_shadow, quiet_moves,
			 nested_pt_writes, ad_updates);
	log_mline("shadow", "mode=%s nested_loads=%lu to_nested=%lu to_shadow=%lu "
		  "to_shadow_quiet=%lu nested_pt_writes=%lu ad_updates=%lu unshadows=%lu "
		  "invpcid=%lu turn_offs=%lu on_4level=%lu on_pae=%lu on_32bit=%lu",
		  hv_opts.paging == PAGING_HYBRID ? "hybrid" : "shadow", nested_loads, to_nested,
		  to_shadow, quiet_moves, nested_pt_writes, ad_updates, unshadows, invpcids,
		  turn_offs, format_starts[SHADOW_FMT_LONG], format_starts[SHADOW_FMT_PAE],
		  format_starts[SHADOW_FMT_32BIT]);
	log_mline("shadow", "active=%d hidden=%lu true_faults=%lu pt_writes=%lu fills=%lu "
		  "zaps=%lu write_protects=%lu cr3_loads=%lu invlpg=%lu cache_hits=%lu "
		  "cache_misses=%lu cache_evictions=%lu cache_reclaims=%lu hit_rate=%u "
		  "pages_used=%lu pages_max=%lu resets=%lu prefetched=%lu unlinked=%lu device=%lu",
		  started, s->hidden, s->true_faults, s->pt_writes, s->fills, s->zaps,
		  s->write_protects, cr3_loads, invlpgs, c->hits, c->misses, c->evictions,
		  c->reclaims, shadow_cache_hit_rate(c), s->pages_used, s->pages_max, s->resets,
		  s->prefetched, s->unlinked, s->device);
	report_smp();
	pt_store_log_counters();
}
