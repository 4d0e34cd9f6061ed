/*
 * patch.c - patching the hottest promoted sites (issue 6, part 4): a site
 * past patch=<n> promoted hits gets its code page copied into hypervisor
 * memory with the instruction replaced by VMCALL + NOPs, and the copy is
 * mapped execute-only in place of the original (L2's reads of the page are
 * emulated from the original, a write undoes the patch). A patched MOV
 * between a register and a device is also bound to that device, its
 * operand registers, displacement and width: its VMCALL exit then costs a
 * few loads, the device call and the RIP advance (patched_fast). Anything
 * not bound, or whose binding no longer holds, is walked and emulated
 * generically (patched_generic). One CPU only (see patch_site).
 */
#include "boot_mem.h"
#include "emul/copy.h"
#include "emul/emul_exit.h"
#include "emul/emul_internal.h"
#include "emul/emulate.h"
#include "emul/promote.h"
#include "exit.h"
#include "guest_mem.h"
#include "guest_stop.h"
#include "l0.h"
#include "lib/spinlock.h"
#include "log.h"
#include "smp.h"
#include "vmx.h"

#define AR_CONFORMING (1u << 2) /* CS access rights: type bit 2 of a code segment */

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
/*
 * A patched site bound at patch time to its device, operand registers,
 * displacement and width: its VMCALL exit does no page walk and no decode.
 * VMCALL has no operand, so the site is selected by its linear RIP (64-bit
 * code: CS base 0, so RIP itself), hashed into this direct-mapped table; a
 * slot taken by another site leaves the newcomer on the generic path.
 * Valid while CR3, CS's access rights (64-bit, non-conforming, so CPL =
 * CS.DPL, SDM Vol. 3C 26.3.1.2) and the leaf entries that mapped the code
 * and the operand page are what they were when it was bound (one load each,
 * as the translation cache revalidates). Patching runs on one CPU only, so
 * the table is read without the lock.
 */
#define PATCH_FAST 16 /* a power of two */
struct patch_binding {
	uint64_t la, cr3;          /* la ~0: a free slot (no instruction starts there) */
	const volatile uint64_t *code_leaf, *op_leaf;
	uint64_t code_pte, op_pte; /* their values when bound */
	int64_t disp;              /* absolute for RIP-relative and moffs forms */
	uint64_t op_la;            /* the lowest operand address on the device in that page */
	uint64_t op_span;          /* ea - op_la may be 0 .. op_span (the access stays inside) */
	uint64_t dev_off;          /* the device offset of op_la */
	struct mmio_device *dev;
	uint64_t wmask;            /* load: reg = (reg & keep) | ((v << shift) & wmask) */
	union {
		uint64_t keep;     /* load */
		uint64_t imm;      /* store of an immediate (has_reg 0) */
	};
	uint64_t smask;            /* the access's width: a device's value masked to it */
	uint32_t cs_ar;
	uint8_t base, index;       /* GPRs (0 when unused: their scale is 0) */
	uint8_t bscale, iscale, size, store, len;
	uint8_t reg, shift;        /* the register operand; shift 8 for AH..BH */
	uint8_t sext;              /* MOVSX: 64 - source bits; 0: none */
	uint8_t has_reg;           /* a store of a register, not of imm */
} __attribute__((aligned(128))); /* a shift, not a multiply, finds the slot */
static struct patch_binding bindings[PATCH_FAST];
static struct patched_site *binding_site[PATCH_FAST]; /* whose binding it is */
static uint64_t fast_hits; /* VMCALLs served bound (one CPU: one counter) */
volatile unsigned emul_npatched;    /* sites in use: VMCALL's one-load check */
uint64_t patch_threshold;    /* promoted hits before a site is patched; 0 = never */
static uint64_t patch_stats[4];     /* patched, unpatched, vmcall_hits (unbound), code_reads */
enum { PATCHED, UNPATCHED, VMCALL_HITS, CODE_READS };

static struct patched_page *patched_page_of(uint64_t gpa)
{
	for (unsigned i = 0; i < PATCH_PAGES; i++)
		if (patch_pages[i].page && patch_pages[i].page == (gpa & ~(PAGE_SIZE - 1)))
			return &patch_pages[i];
	return NULL;
}

static unsigned binding_slot(uint64_t la)
{
	return (unsigned)((la * 0x9e3779b97f4a7c15ull) >> 60); /* 4 bits: PATCH_FAST */
}

/* The register operand is RSP, which lives in the VMCS, not in v->gpr. */
static bool uses_rsp(const struct emul_opnd *o)
{
	return o->kind == OPND_REG && o->reg == GPR_RSP && !o->high8;
}

/*
 * Binds the site just patched at la (promote_lock held), whose operand is
 * the access that exited, if its form allows: a MOV/MOVZX/MOVSX between a
 * register and the device, 64-bit code, 64-bit addressing without FS/GS,
 * no RSP, and rights CR0.WP, SMAP or RFLAGS.AC cannot change. Anything else
 * stays on the generic patched path.
 */
static void bind_site(struct emul_env *env, const struct emul_regs *r, uint64_t la,
		      struct patched_site *ps)
{
	const struct emul_insn *in = &ps->insn;
	const struct emul_mem *m = &in->mem;
	struct patch_binding *b = &bindings[binding_slot(la)];
	bool store = in->dst.kind == OPND_MEM;
	unsigned size = store ? in->dst.size : in->src.size;
	uint32_t cs_ar = (uint32_t)vmread(VMCS_GUEST_CS_ACCESS_RIGHTS);
	struct mmio_device *d = env->dev;
	const struct emul_opnd *reg;
	struct walk_result code, op;
	uint64_t op_la, page, lo, hi;
	bool has_base;

	if (b->la != ~0ull || !d || r->code_bits != 64 || (cs_ar & AR_CONFORMING) ||
	    (in->op != EOP_MOV && in->op != EOP_MOVZX && in->op != EOP_MOVSX) ||
	    (!store && in->src.kind != OPND_MEM) || m->addr_size != 8 || m->seg == SEG_FS ||
	    m->seg == SEG_GS || m->base == GPR_RSP || m->index == GPR_RSP ||
	    uses_rsp(store ? &in->src : &in->dst))
		return;
	op_la = emul_linear_address(in, r);
	if (op_la != env->exit_la || (op_la & (PAGE_SIZE - 1)) + size > PAGE_SIZE ||
	    !emul_walk(env, la, WALK_FETCH, &code) ||
	    !emul_walk(env, op_la, store ? WALK_WRITE : WALK_READ, &op) ||
	    code.leaf_size != 8 || op.leaf_size != 8 || (store && !op.writable) ||
	    (env->mode.cpl < 3 && op.user))
		return;
	page = op.gpa & ~(PAGE_SIZE - 1);
	lo = d->base > page ? d->base - page : 0;                 /* the device in this page */
	hi = d->base + d->size - page < PAGE_SIZE ? d->base + d->size - page : PAGE_SIZE;
	if ((op.gpa & (PAGE_SIZE - 1)) < lo || (op.gpa & (PAGE_SIZE - 1)) + size > hi)
		return;
	reg = store ? &in->src : &in->dst;
	has_base = m->base != EMUL_NO_REG && m->base != EMUL_RIP;
	*b = (struct patch_binding){
		.la = la, .cr3 = env->mode.cr3, .cs_ar = cs_ar,
		.code_leaf = emul_map_entry(code.leaf_gpa, 8), .code_pte = code.leaf,
		.op_leaf = emul_map_entry(op.leaf_gpa, 8), .op_pte = op.leaf,
		.disp = m->base == EMUL_RIP ? (int64_t)(la + in->len) + m->disp : m->disp,
		.base = has_base ? m->base : 0, .bscale = has_base,
		.index = m->index != EMUL_NO_REG ? m->index : 0,
		.iscale = m->index != EMUL_NO_REG ? m->scale : 0,
		.size = (uint8_t)size, .store = store, .len = in->len,
		.op_la = (op_la & ~(PAGE_SIZE - 1)) + lo, .op_span = hi - lo - size,
		.dev_off = page + lo - d->base, .dev = d,
		.reg = reg->kind == OPND_REG ? reg->reg : 0, .has_reg = reg->kind == OPND_REG,
		.shift = reg->high8 ? 8 : 0,
		.sext = in->op == EOP_MOVSX ? (uint8_t)(64 - 8 * size) : 0,
		.smask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1,
	};
	/* A load's destination as reg_write() writes it (Vol. 1 3.4.1.1: 32-bit results zero-extend). */
	b->wmask = reg->size >= 8 ? ~0ull : ((1ull << (8 * reg->size)) - 1) << b->shift;
	if (store)
		b->imm = reg->imm;
	else
		b->keep = reg->size == 4 || reg->size == 8 ? 0 : ~b->wmask;
	binding_site[b - bindings] = ps;
	if (!b->code_leaf || !b->op_leaf)
		b->la = ~0ull;
}

/* Forgets the bindings of the site ps (NULL: all of them). */
static void unbind(const struct patched_site *ps)
{
	for (unsigned i = 0; i < PATCH_FAST; i++)
		if (!ps || binding_site[i] == ps) {
			bindings[i] = (struct patch_binding){ .la = ~0ull };
			binding_site[i] = NULL;
		}
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

	/*
	 * One CPU only: undoing a patch INVEPTs this CPU alone, and another CPU
	 * still running the copy would take its VMCALL for a hypercall.
	 * (SMP needs an INVEPT shoot-down first.)
	 */
	if (in->len < PATCH_VMCALL_LEN || !(l0.caps.ept_vpid_cap & 1) || smp_cpus > 1)
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
		if (!pp->copy)
			pp->copy = alloc_page_or_panic("patched code page");
		emul_copy((void *)(uintptr_t)pp->copy,
			  (const void *)(uintptr_t)(gpa & ~(PAGE_SIZE - 1)), PAGE_SIZE);
		pp->page = gpa & ~(PAGE_SIZE - 1);
		guest_mem_map_page(pp->page, pp->copy, EPT_X);
	}
	promote_patch_bytes((uint8_t *)(uintptr_t)pp->copy, (unsigned)(gpa & (PAGE_SIZE - 1)),
			    in->len);
	*ps = (struct patched_site){ .cr3 = env->mode.cr3, .la = la, .gpa = gpa, .insn = *in,
				     .page = pp };
	emul_npatched++;
	patch_stats[PATCHED]++;
	bind_site(env, r, la, ps);
	log_info("vCPU %u: patched the %s at rip %#lx (guest-physical %#lx) to VMCALL%s",
		 env->v->index, emul_op_name(in->op), la, gpa,
		 binding_site[binding_slot(la)] == ps ? ", bound to its device" : "");
}

/*
 * Undoes every patch of the page (promote_lock held): the original again,
 * write-protected if promoted sites still need it (their list), else writable.
 */
static void unpatch_page(struct patched_page *pp)
{
	for (unsigned i = 0; i < PATCH_SITES; i++)
		if (patch_sites[i].page == pp) {
			unbind(&patch_sites[i]);
			patch_sites[i].page = NULL;
			emul_npatched--;
			patch_stats[UNPATCHED]++;
		}
	guest_mem_map_page(pp->page, pp->page,
			   emul_page_protected(pp->page) ? EPT_R | EPT_X : EPT_RWX);
	pp->page = 0;
}

void emul_set_patching(uint64_t hits)
{
	spin_lock(&emul_promote_lock);
	patch_threshold = hits;
	spin_unlock(&emul_promote_lock);
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

	if ((!store && in->src.kind != OPND_MEM) ||
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
 * A bound site's VMCALL (bind_site): a few loads, the device call, RIP past
 * the original instruction. False: no binding for this RIP, or it no longer
 * holds (the generic path decides).
 */
static bool patched_fast(struct vcpu *v)
{
	uint64_t rip = vmread(VMCS_GUEST_RIP), ea, val, intr;
	const struct patch_binding *b = &bindings[binding_slot(rip)];
	struct mmio_device *d = b->dev;
	uint64_t *gpr = v->gpr;

	if (b->la != rip || b->cr3 != vmread(VMCS_GUEST_CR3) ||
	    b->cs_ar != (uint32_t)vmread(VMCS_GUEST_CS_ACCESS_RIGHTS) ||
	    *b->code_leaf != b->code_pte || *b->op_leaf != b->op_pte)
		return false;
	ea = (uint64_t)b->disp + gpr[b->base] * b->bscale + gpr[b->index] * b->iscale - b->op_la;
	if (ea > b->op_span) /* another page, or off the device */
		return false;
	if (b->store) {
		val = b->has_reg ? gpr[b->reg] >> b->shift : b->imm;
		if (!d->write(d, v, b->dev_off + ea, b->size, val))
			emul_counters[v->index].refused++;
		d->writes++;
	} else {
		if (!d->read(d, v, b->dev_off + ea, b->size, &val)) {
			emul_counters[v->index].refused++;
			val = ~0ull; /* a refused read sees all ones */
		}
		d->reads++;
		val &= b->smask;
		if (b->sext)
			val = (uint64_t)((int64_t)(val << b->sext) >> b->sext);
		gpr[b->reg] = (gpr[b->reg] & b->keep) | ((val << b->shift) & b->wmask);
	}
	vmcs_write(VMCS_GUEST_RIP, rip + b->len);
	intr = vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE);
	if (intr & BLOCKING_STI_MOVSS) /* the instruction completed (Vol. 3C 26.3.1.5) */
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, intr & ~BLOCKING_STI_MOVSS);
	fast_hits++;
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
	/* Still that site: the mapping may have changed since (a real VMCALL elsewhere). */
	if (!ps || !emul_translate(&env, la, WALK_FETCH, &gpa, &f) || gpa != ps->gpa)
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
	return patched_fast(v) || patched_generic(v);
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
		return 0;
	if (write) {
		emul_code_page_write(gpa); /* its promoted sites go too; writable again */
		return 1;                  /* L2 retries the write */
	}
	patch_stats[CODE_READS]++;
	return emul_exit(v, gpa, NULL) ? 1 : -1; /* served from the original page */
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

void patch_unbind_all(void)
{
	unbind(NULL);
}

void patch_init(uint64_t threshold)
{
	patch_threshold = threshold;
}

uint64_t patch_fast_hits(void)
{
	return fast_hits;
}

void patch_log_counters(void)
{
	log_mline("patch", "threshold=%lu patched=%lu unpatched=%lu vmcall_hits=%lu fast_hits=%lu "
		  "code_reads=%lu execute_only=%d", patch_threshold, patch_stats[PATCHED],
		  patch_stats[UNPATCHED], patch_stats[VMCALL_HITS] + fast_hits, fast_hits,
		  patch_stats[CODE_READS], (int)(l0.caps.ept_vpid_cap & 1));
}
