/*
 * emul_exit.c - an exit that needs L2's instruction: fetch it through L2's
 * paging (walk.c, with this vCPU's translation cache), decode it (Capstone,
 * decoder.c) unless the site is promoted (promote.c: its decode cached, its
 * code page write-protected in the EPT), run it (emulate.c) with its memory
 * operands going to the device model or to L2's RAM, and resume L2 past it. Faults of L2's own
 * (#PF on the fetch or an operand, #UD by policy) are injected as the CPU
 * would raise them; anything else is reported and stops the run.
 */
#include "boot_mem.h"
#include "emul/copy.h"
#include "emul/decoder.h"
#include "emul/emul_exit.h"
#include "emul/emulate.h"
#include "emul/promote.h"
#include "emul/test_mmio_dev.h"
#include "emul/walk.h"
#include "exit.h"
#include "guest_mem.h"
#include "guest_stop.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "l0.h"
#include "log.h"
#include "options.h"
#include "panic.h"
#include "smp.h"
#include "shadow_mode.h"
#include "vmx.h"
#include "x86.h"

#define AR_L (1u << 13)    /* CS access rights: 64-bit code */
#define AR_DB (1u << 14)   /* CS access rights: 32-bit default size */
#define AR_CONFORMING (1u << 2) /* CS access rights: type bit 2 of a code segment */
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define RFLAGS_VM (1u << 17)
#define RFLAGS_AC (1u << 18)
#define BLOCKING_STI_MOVSS 3u /* interruptibility state bits 1:0 */
#define VEC_UD 6
#define VEC_PF 14
#define MAX_INSN 15
/* Inlined into each exit path that uses it: a call costs ticks on every MMIO exit. */
#define HOT __attribute__((always_inline)) inline
/* EPT-violation qualification: a linear address is valid, and it is the access's own
 * (not a paging-structure entry's) (SDM Vol. 3C Table 28-7). */
#define EPTV_LINEAR_ACCESS ((1u << 7) | (1u << 8))

/* Per-vCPU counters, printed at the end of the run. */
struct emul_counters {
	uint64_t emulated, page_faults, unsupported, refused;
};

static struct walk_tlb tlbs[MAX_VCPUS];
static struct emul_counters counters[MAX_VCPUS];
static struct promote_cache promoted;
static struct spinlock promote_lock;
/* Code pages write-protected for promoted sites (a small set: pages, not sites). */
#define PROTECTED_MAX 64
static uint64_t protected_pages[PROTECTED_MAX];
static unsigned nprotected;
static uint64_t protect_full, code_page_writes;
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
static uint64_t patch_threshold;    /* promoted hits before a site is patched; 0 = never */
static uint64_t patch_stats[4];     /* patched, unpatched, vmcall_hits (unbound), code_reads */
enum { PATCHED, UNPATCHED, VMCALL_HITS, CODE_READS };
static struct mmio_device test_dev;
static struct test_mmio_state test_state;

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

/* Table entries in L2's RAM (never in MMIO: the CPU cannot walk there either). */
static bool table_read(void *ctx, uint64_t gpa, uint64_t *val, unsigned size)
{
	const void *p = guest_mem_ptr(gpa, size);

	(void)ctx;
	if (!p)
		return false;
	*val = 0;
	emul_copy(val, p, size);
	return true;
}

static bool table_write(void *ctx, uint64_t gpa, uint64_t val, unsigned size)
{
	void *p = guest_mem_ptr(gpa, size);

	(void)ctx;
	if (!p)
		return false;
	/* A/D bits: an atomic OR, as the CPU's locked update (Vol. 3A 4.8). */
	if (size == 8)
		__atomic_fetch_or((uint64_t *)p, val, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_or((uint32_t *)p, (uint32_t)val, __ATOMIC_SEQ_CST);
	return true;
}

static const void *table_map(void *ctx, uint64_t gpa, unsigned size)
{
	(void)ctx;
	return guest_mem_ptr(gpa, size);
}

const struct walk_ops emul_table_ops = { table_read, table_write };

static void fault_pf(struct emul_fault *f, uint64_t la, uint32_t error)
{
	*f = (struct emul_fault){ .vector = VEC_PF, .has_error = true, .error = error, .cr2 = la };
}

/*
 * Linear to guest-physical for one access that stays in one page. The page
 * of the access that exited is the CPU's own translation (its GPA and GLA in
 * the VMCS, SDM Vol. 3C 28.2.1), as KVM's emulator also uses it: no walk.
 */
HOT static bool translate(struct emul_env *env, uint64_t la, enum walk_access acc, uint64_t *gpa,
		      struct emul_fault *f)
{
	struct walk_result r;

	if (acc != WALK_FETCH && (la & ~(PAGE_SIZE - 1)) == env->exit_page_la) {
		*gpa = env->exit_page_gpa | (la & (PAGE_SIZE - 1));
		return true;
	}

	switch (walk_cached(&tlbs[env->v->index], &env->mode, la, acc, &emul_table_ops, NULL,
			    &r)) {
	case WALK_OK:
		*gpa = r.gpa;
		return true;
	case WALK_PAGE_FAULT:
		fault_pf(f, la, r.error);
		return false;
	default:
		env->failed = true;
		env->failed_gpa = r.leaf_gpa;
		f->vector = 0xff;
		return false;
	}
}

/* One piece of an access (inside one page) at guest-physical gpa: device or RAM. */
static bool access_gpa(struct emul_env *env, uint64_t gpa, void *buf, unsigned size,
		       bool write)
{
	struct mmio_device *d = env->dev && gpa - env->dev->base < env->dev->size ? env->dev
										  : mmio_find(gpa);
	void *p;

	if (d) {
		uint64_t v = 0;
		bool ok;

		if (write) {
			emul_copy(&v, buf, size);
			ok = d->write(d, env->v, gpa - d->base, size, v);
			d->writes++;
		} else {
			ok = d->read(d, env->v, gpa - d->base, size, &v);
			if (!ok)
				v = ~0ull; /* a refused read sees nothing there: all ones */
			emul_copy(buf, &v, size);
			d->reads++;
		}
		if (!ok)
			counters[env->v->index].refused++;
		return true; /* a refused access is dropped, as on a bus */
	}
	p = guest_mem_ptr(gpa, size);
	if (!p) {
		env->failed = true;
		env->failed_gpa = gpa;
		return false;
	}
	if (write)
		emul_copy(p, buf, size);
	else
		emul_copy(buf, p, size);
	return true;
}

/* An operand access, split at page boundaries; each page translated first (Vol. 3A 4.7). */
static bool access_linear(struct emul_env *env, uint64_t la, void *buf, unsigned size,
			  bool write, struct emul_fault *f)
{
	unsigned first = (unsigned)(PAGE_SIZE - (la & (PAGE_SIZE - 1)));
	uint64_t gpa0, gpa1 = 0;
	enum walk_access acc = write ? WALK_WRITE : WALK_READ;

	if (first > size)
		first = size;
	if (!translate(env, la, acc, &gpa0, f) ||
	    (first < size && !translate(env, la + first, acc, &gpa1, f)))
		return false;
	if (!access_gpa(env, gpa0, buf, first, write))
		return false;
	return first == size || access_gpa(env, gpa1, (uint8_t *)buf + first, size - first, write);
}

static bool op_read(void *ctx, uint64_t la, void *buf, unsigned size, struct emul_fault *f)
{
	return access_linear(ctx, la, buf, size, false, f);
}

static bool op_write(void *ctx, uint64_t la, const void *buf, unsigned size,
		     struct emul_fault *f)
{
	return access_linear(ctx, la, (void *)(uintptr_t)buf, size, true, f);
}

static const struct emul_mem_ops guest_mem_ops = { op_read, op_write };

/* Instruction bytes come from RAM only: code in an MMIO range is not emulated. */
static bool fetch_ram(struct emul_env *env, uint64_t gpa, uint8_t *b, unsigned n)
{
	const void *p = guest_mem_ptr(gpa, n);

	if (!p) {
		env->failed = true;
		env->failed_gpa = gpa;
		return false;
	}
	emul_copy(b, p, n);
	return true;
}

/* The instruction at CS:RIP: its first page in place, then (for Capstone) all of it. */
struct fetched {
	const uint8_t *first; /* L2's RAM at RIP */
	unsigned in_page;     /* bytes there, at most 15 */
	uint64_t gpa;         /* of RIP */
	uint8_t b[MAX_INSN];  /* fetch_all: a copy, with the next page's bytes if any */
	unsigned n;           /* of them */
};

/* Translates RIP and finds its bytes in RAM (no copy: a promoted site needs none). */
static bool fetch_first(struct emul_env *env, uint64_t la, struct fetched *fe,
			struct emul_fault *f)
{
	unsigned first = (unsigned)(PAGE_SIZE - (la & (PAGE_SIZE - 1)));

	fe->in_page = first > MAX_INSN ? MAX_INSN : first;
	if (!translate(env, la, WALK_FETCH, &fe->gpa, f))
		return false;
	fe->first = guest_mem_ptr(fe->gpa, fe->in_page);
	if (!fe->first) {
		env->failed = true; /* code in an MMIO range is not emulated */
		env->failed_gpa = fe->gpa;
		return false;
	}
	return true;
}

/*
 * Up to 15 bytes for the decoder. Bytes on the next page are fetched only
 * if the instruction needs them (a fault there is raised only then, as the
 * CPU does): *next_ok false and *next_fault say the next page faulted.
 */
static void fetch_all(struct emul_env *env, uint64_t la, struct fetched *fe,
		      struct emul_fault *next_fault, bool *next_ok)
{
	uint64_t gpa;

	emul_copy(fe->b, fe->first, fe->in_page);
	fe->n = fe->in_page;
	*next_ok = true;
	*next_fault = (struct emul_fault){ 0 };
	if (fe->n < MAX_INSN) {
		if (translate(env, la + fe->n, WALK_FETCH, &gpa, next_fault) &&
		    fetch_ram(env, gpa, fe->b + fe->n, MAX_INSN - fe->n))
			fe->n = MAX_INSN;
		else
			*next_ok = false;
	}
}

/*
 * The paging mode (env->mode) and the registers (in place: v->gpr, with RSP
 * from the VMCS in its unused slot); returns the code size, 16, 32 or 64.
 */
HOT static unsigned load_state(struct vcpu *v, struct emul_env *env, struct emul_regs *r)
{
	static const uint32_t bases[SEG_COUNT] = {
		VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE, VMCS_GUEST_SS_BASE,
		VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE };
	uint64_t rflags = vmread(VMCS_GUEST_RFLAGS), cs_ar = vmread(VMCS_GUEST_CS_ACCESS_RIGHTS);
	unsigned bits;

	env->mode = (struct walk_mode){
		.cr0 = vmread(VMCS_GUEST_CR0), .cr3 = shadow_mode_guest_cr3(),
		.cr4 = vmread(VMCS_GUEST_CR4), .efer = vmread(VMCS_GUEST_IA32_EFER),
		.ac = (rflags & RFLAGS_AC) != 0,
	};
	env->mode.cpl = (uint8_t)(rflags & RFLAGS_VM ? 3
					     : AR_DPL(vmread(VMCS_GUEST_SS_ACCESS_RIGHTS)));
	if (!(env->mode.cr0 & 1) || (rflags & RFLAGS_VM))
		bits = 16; /* real mode, virtual-8086 */
	else if ((cs_ar & AR_L) && (env->mode.efer & EFER_LMA))
		bits = 64;
	else
		bits = cs_ar & AR_DB ? 32 : 16;
	r->gpr = v->gpr;
	v->gpr[GPR_RSP] = vmread(VMCS_GUEST_RSP);
	r->rip = vmread(VMCS_GUEST_RIP);
	r->rflags = rflags;
	r->code_bits = (uint8_t)bits;
	for (unsigned s = 0; s < SEG_COUNT; s++) /* 64-bit code: only FS and GS have one */
		r->seg_base[s] = bits == 64 && s != SEG_FS && s != SEG_GS ? 0 : vmread(bases[s]);
	return bits;
}

/* What changed goes back to the VMCS (RIP, RFLAGS, RSP; the rest is v->gpr). */
HOT static void store_regs(const struct emul_regs *r, uint64_t rip, uint64_t rflags, uint64_t rsp)
{
	if (r->gpr[GPR_RSP] != rsp)
		vmcs_write(VMCS_GUEST_RSP, r->gpr[GPR_RSP]);
	if (r->rflags != rflags)
		vmcs_write(VMCS_GUEST_RFLAGS, r->rflags);
	if (r->rip != rip) {
		uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE);

		vmcs_write(VMCS_GUEST_RIP, r->rip);
		/* The instruction completed: STI/MOV SS blocking ends (Vol. 3C 26.3.1.5). */
		if (intr & BLOCKING_STI_MOVSS)
			vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, intr & ~BLOCKING_STI_MOVSS);
	}
}

static void inject(struct emul_env *env, const struct emul_fault *f)
{
	if (f->vector == VEC_PF) {
		write_cr2(f->cr2); /* VM entry leaves CR2 alone: L2 finds it there */
		counters[env->v->index].page_faults++;
	}
	inject_exception(f->vector, f->has_error, f->error);
}

static void format_bytes(char *out, size_t size, const uint8_t *b, unsigned n)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;

	for (unsigned i = 0; i < n && k + 3 < size; i++) {
		out[k++] = hex[b[i] >> 4];
		out[k++] = hex[b[i] & 15];
		if (i + 1 < n)
			out[k++] = ' ';
	}
	out[k] = 0;
}

/* An instruction we cannot emulate: reported with its bytes; #UD or stop by policy. */
static bool unsupported(struct emul_env *env, enum decode_result why, const uint8_t *b,
			unsigned n, const char *text, uint64_t gpa)
{
	char bytes[3 * MAX_INSN + 1];

	format_bytes(bytes, sizeof(bytes), b, n);
	counters[env->v->index].unsupported++;
	log_error("vCPU %u: cannot emulate the instruction at rip %#lx (%s) for guest-physical "
		  "%#lx: %s \"%s\"", env->v->index, vmread(VMCS_GUEST_RIP), decode_result_str(why),
		  gpa, bytes, text[0] ? text : "?");
	log_mline("emul-unsupported", "vcpu=%u rip=%#lx gpa=%#lx why=%s bytes=\"%s\" insn=\"%s\" "
		  "policy=%s", env->v->index, vmread(VMCS_GUEST_RIP), gpa, decode_result_str(why),
		  bytes, text, hv_opts.emul_unsupported == EMUL_UNSUPPORTED_UD ? "ud" : "stop");
	if (hv_opts.emul_unsupported != EMUL_UNSUPPORTED_UD)
		return false;
	inject_exception(VEC_UD, false, 0);
	return true;
}

static bool no_memory(struct emul_env *env, uint64_t gpa)
{
	log_error("vCPU %u: the emulated instruction at rip %#lx touched guest-physical %#lx: "
		  "nothing is there", env->v->index, vmread(VMCS_GUEST_RIP), env->failed_gpa);
	log_mline("guest-fault", "kind=emul-no-memory vcpu=%u gpa=%#lx exit_gpa=%#lx rip=%#lx",
		  env->v->index, env->failed_gpa, gpa, vmread(VMCS_GUEST_RIP));
	return false;
}

static struct patched_page *patched_page_of(uint64_t gpa)
{
	for (unsigned i = 0; i < PATCH_PAGES; i++)
		if (patch_pages[i].page && patch_pages[i].page == (gpa & ~(PAGE_SIZE - 1)))
			return &patch_pages[i];
	return NULL;
}

/* Write-protects the code page of a newly promoted site (once per page). */
static void protect_code_page(uint64_t gpa)
{
	uint64_t page = gpa & ~(PAGE_SIZE - 1);

	for (unsigned i = 0; i < nprotected; i++)
		if (protected_pages[i] == page)
			return;
	if (patched_page_of(page))
		return; /* execute-only already */
	if (nprotected == PROTECTED_MAX) {
		protect_full++; /* still correct: every hit compares the bytes */
		return;
	}
	protected_pages[nprotected++] = page;
	guest_mem_write_protect(page, true);
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
	    walk_cached(&tlbs[env->v->index], &env->mode, la, WALK_FETCH, &emul_table_ops, NULL,
			&code) != WALK_OK ||
	    walk_cached(&tlbs[env->v->index], &env->mode, op_la, store ? WALK_WRITE : WALK_READ,
			&emul_table_ops, NULL, &op) != WALK_OK ||
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
		.code_leaf = table_map(NULL, code.leaf_gpa, 8), .code_pte = code.leaf,
		.op_leaf = table_map(NULL, op.leaf_gpa, 8), .op_pte = op.leaf,
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
static void patch_site(struct emul_env *env, const struct emul_regs *r, uint64_t la,
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
	bool protect = false;

	for (unsigned i = 0; i < PATCH_SITES; i++)
		if (patch_sites[i].page == pp) {
			unbind(&patch_sites[i]);
			patch_sites[i].page = NULL;
			emul_npatched--;
			patch_stats[UNPATCHED]++;
		}
	for (unsigned i = 0; i < nprotected; i++)
		protect |= protected_pages[i] == pp->page;
	guest_mem_map_page(pp->page, pp->page, protect ? EPT_R | EPT_X : EPT_RWX);
	pp->page = 0;
}

/*
 * A promoted MOV/MOVZX/MOVSX whose one memory access is the one that exited,
 * to the device, inside one page: done here without emulate()'s generic
 * operand path. False: not such a case (nothing done).
 */
HOT static bool fast_mov(struct emul_env *env, const struct emul_insn *in, struct emul_regs *r,
		     uint64_t gpa)
{
	struct mmio_device *d = env->dev;
	bool store = in->dst.kind == OPND_MEM;
	unsigned size = store ? in->dst.size : in->src.size;
	uint64_t off = gpa - (d ? d->base : 0), v;
	bool ok;

	if ((in->op != EOP_MOV && in->op != EOP_MOVZX && in->op != EOP_MOVSX) || !d ||
	    (!store && in->src.kind != OPND_MEM) || off + size > d->size ||
	    (gpa & (PAGE_SIZE - 1)) + size > PAGE_SIZE || emul_linear_address(in, r) != env->exit_la)
		return false;
	if (store) {
		ok = d->write(d, env->v, off, size, emul_operand_value(r, &in->src));
		d->writes++;
	} else {
		ok = d->read(d, env->v, off, size, &v);
		d->reads++;
		emul_load_result(in, r, ok ? v : ~0ull);
	}
	if (!ok)
		counters[env->v->index].refused++;
	r->rip += in->len;
	return true;
}

/*
 * The decode of the site at la: promoted, or Capstone's (then counted for
 * promotion). DECODE_TRUNCATED with *next_ok false: the next page faulted.
 */
static enum decode_result decode_site(struct emul_env *env, const struct emul_regs *r,
				      uint64_t la, struct fetched *fe, unsigned bits, struct emul_insn *in, char *text,
				      size_t text_size, struct emul_fault *next_fault,
				      bool *next_ok, bool *promoted_hit)
{
	const struct emul_insn *hit;
	enum decode_result dr;

	uint32_t hits;

	spin_lock(&promote_lock);
	hit = promote_lookup(&promoted, fe->gpa, fe->first, fe->in_page, bits, &hits);
	if (hit) {
		__builtin_memcpy(in, hit, sizeof(*in));
		if (patch_threshold && hits >= patch_threshold)
			patch_site(env, r, la, fe->gpa, in);
	}
	spin_unlock(&promote_lock);
	*promoted_hit = hit != NULL;
	if (hit)
		return DECODE_OK;
	fetch_all(env, la, fe, next_fault, next_ok);
	dr = decoder_decode(bits, fe->b, fe->n, in, text, text_size);
	/* Only sites inside one page: their bytes have one guest-physical address. */
	if (dr == DECODE_OK && in->len <= fe->in_page) {
		spin_lock(&promote_lock);
		if (promote_record(&promoted, fe->gpa, fe->b, bits, in))
			protect_code_page(fe->gpa);
		spin_unlock(&promote_lock);
	}
	return dr;
}

bool emul_exit(struct vcpu *v, uint64_t gpa, struct mmio_device *dev)
{
	struct emul_env env = { .v = v, .dev = dev };
	struct emul_regs regs;
	uint64_t rip, rflags, rsp;
	struct emul_fault f, next_fault;
	struct emul_insn in;
	struct fetched fe;
	char text[96];
	unsigned bits;
	bool next_ok = true, hit;
	uint64_t la;
	enum decode_result dr;

	text[0] = 0; /* not "= \"\"": that clears all 96 bytes on every exit */
	env.exit_la = env.exit_page_la = ~0ull;
	if ((vmread(VMCS_EXIT_QUALIFICATION) & EPTV_LINEAR_ACCESS) == EPTV_LINEAR_ACCESS) {
		env.exit_la = vmread(VMCS_GUEST_LINEAR_ADDRESS);
		env.exit_page_la = env.exit_la & ~(PAGE_SIZE - 1);
		env.exit_page_gpa = gpa & ~(PAGE_SIZE - 1);
	}
	bits = load_state(v, &env, &regs);
	rip = regs.rip;
	rflags = regs.rflags;
	rsp = regs.gpr[GPR_RSP];
	la = regs.seg_base[SEG_CS] + regs.rip;
	if (bits != 64)
		la &= 0xffffffffull;
	if (!fetch_first(&env, la, &fe, &f)) {
		if (env.failed)
			return no_memory(&env, gpa);
		inject(&env, &f);
		return true;
	}
	dr = decode_site(&env, &regs, la, &fe, bits, &in, text, sizeof(text), &next_fault, &next_ok,
			 &hit);
	if (dr == DECODE_TRUNCATED && !next_ok) {
		if (env.failed)
			return no_memory(&env, gpa);
		inject(&env, &next_fault); /* the instruction runs into a page it cannot fetch */
		return true;
	}
	if (dr != DECODE_OK) /* a valid instruction: its own bytes; else all we have */
		return unsupported(&env, dr, fe.b, dr == DECODE_UNSUPPORTED ? in.len : fe.n, text,
				   gpa); /* (a miss: fe.b holds the bytes) */
	if ((!hit || !fast_mov(&env, &in, &regs, gpa)) &&
	    emulate(&in, &regs, &guest_mem_ops, &env, &f) == EMUL_FAULT) {
		if (env.failed)
			return no_memory(&env, gpa);
		store_regs(&regs, rip, rflags, rsp); /* a REP's finished elements stay done */
		inject(&env, &f);
		return true;
	}
	store_regs(&regs, rip, rflags, rsp);
	counters[v->index].emulated++;
	return true;
}

bool emul_code_page_write(uint64_t gpa)
{
	uint64_t page = gpa & ~(PAGE_SIZE - 1);
	bool found = false;

	spin_lock(&promote_lock);
	for (unsigned i = 0; i < nprotected && !found; i++) {
		if (protected_pages[i] != page)
			continue;
		protected_pages[i] = protected_pages[--nprotected];
		promote_invalidate_page(&promoted, page);
		guest_mem_write_protect(page, false);
		code_page_writes++;
		found = true;
	}
	spin_unlock(&promote_lock);
	return found; /* L2 retries the write, now allowed */
}

void emul_set_promotion(uint64_t threshold)
{
	spin_lock(&promote_lock);
	for (unsigned i = 0; i < PATCH_PAGES; i++)
		if (patch_pages[i].page)
			unpatch_page(&patch_pages[i]);
	promote_flush(&promoted);
	promoted.threshold = threshold;
	while (nprotected)
		guest_mem_write_protect(protected_pages[--nprotected], false);
	spin_unlock(&promote_lock);
}

void emul_set_patching(uint64_t hits)
{
	spin_lock(&promote_lock);
	patch_threshold = hits;
	spin_unlock(&promote_lock);
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
	    !translate(env, la, store ? WALK_WRITE : WALK_READ, &gpa, &f) ||
	    !(env->dev = mmio_find(gpa)))
		return false;
	env->exit_la = la;
	return fast_mov(env, in, r, gpa);
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
			counters[v->index].refused++;
		d->writes++;
	} else {
		if (!d->read(d, v, b->dev_off + ea, b->size, &val)) {
			counters[v->index].refused++;
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

	bits = load_state(v, &env, &regs);
	la = regs.seg_base[SEG_CS] + regs.rip;
	if (bits != 64)
		la &= 0xffffffffull;
	spin_lock(&promote_lock);
	ps = patched_site_at(env.mode.cr3, la);
	if (ps)
		in = ps->insn;
	spin_unlock(&promote_lock);
	/* Still that site: the mapping may have changed since (a real VMCALL elsewhere). */
	if (!ps || !translate(&env, la, WALK_FETCH, &gpa, &f) || gpa != ps->gpa)
		return false;
	rip = regs.rip;
	rflags = regs.rflags;
	rsp = regs.gpr[GPR_RSP];
	patch_stats[VMCALL_HITS]++;
	if (!fast_patched_mov(&env, &in, &regs) &&
	    emulate(&in, &regs, &guest_mem_ops, &env, &f) == EMUL_FAULT) {
		if (env.failed) {
			no_memory(&env, gpa);
			guest_stop(v, false, "emul-failed");
		}
		inject(&env, &f);
	}
	store_regs(&regs, rip, rflags, rsp);
	counters[v->index].emulated++;
	return true;
}

bool emul_patched_vmcall(struct vcpu *v)
{
	return patched_fast(v) || patched_generic(v);
}

int emul_patched_page_access(struct vcpu *v, uint64_t gpa, bool write)
{
	struct patched_page *pp;

	spin_lock(&promote_lock);
	pp = patched_page_of(gpa);
	if (pp && write)
		unpatch_page(pp);
	spin_unlock(&promote_lock);
	if (!pp)
		return 0;
	if (write) {
		emul_code_page_write(gpa); /* its promoted sites go too; writable again */
		return 1;                  /* L2 retries the write */
	}
	patch_stats[CODE_READS]++;
	return emul_exit(v, gpa, NULL) ? 1 : -1; /* served from the original page */
}

void emul_flush_translations(void)
{
	unbind(NULL); /* they hold pointers to L2's page-table entries too */
	for (unsigned i = 0; i < MAX_VCPUS; i++) {
		tlbs[i].map = table_map;
		walk_tlb_flush(&tlbs[i]);
	}
}

static void register_test_device(void)
{
	enum mmio_register_result r;
	int err;

	if (guest_mem_ptr(TEST_MMIO_BASE, TEST_MMIO_SIZE))
		panic("mmio_test=on: %#llx is L2's RAM; boot with less memory",
		      (unsigned long long)TEST_MMIO_BASE);
	test_mmio_setup(&test_dev, &test_state);
	r = mmio_register(&test_dev);
	if (r != MMIO_OK)
		panic("test MMIO device: %s", mmio_register_result_str(r));
	err = ept_unmap(&guest_ept, TEST_MMIO_BASE, TEST_MMIO_SIZE);
	if (err)
		panic("unmapping the test MMIO page from L2's EPT failed (error %d)", err);
	emul_flush_translations();
	log_info("test MMIO device at %#llx-%#llx", (unsigned long long)TEST_MMIO_BASE,
		 (unsigned long long)(TEST_MMIO_BASE + TEST_MMIO_SIZE - 1));
}

void emul_init(void)
{
	emul_flush_translations(); /* and hands the caches their map() */
	/*
	 * Promotion write-protects code pages in EPT and patching remaps them
	 * there: paging=shadow|hybrid does not walk EPT, so neither is used.
	 */
	promote_init(&promoted, hv_opts.paging == PAGING_NESTED ? hv_opts.promote_threshold : 0);
	patch_threshold = hv_opts.paging == PAGING_NESTED ? hv_opts.patch_threshold : 0;
	decoder_init();
	if (hv_opts.mmio_test)
		register_test_device();
}

void emul_log_counters(void)
{
	size_t used, peak;
	uint64_t decodes, fast = fast_hits;
	unsigned n;
	struct mmio_device *const *devs = mmio_devices(&n);

	decoder_stats(&used, &peak, &decodes);
	for (unsigned i = 0; i < MAX_VCPUS; i++) {
		const struct emul_counters *c = &counters[i];

		/* Bound patched sites run on one CPU only: theirs is vCPU 0's. */
		uint64_t emulated = c->emulated + (i == 0 ? fast_hits : 0);

		if (!emulated && !c->page_faults && !c->unsupported)
			continue;
		log_mline("emul", "vcpu=%u emulated=%lu page_faults=%lu unsupported=%lu refused=%lu "
			  "tlb_hits=%lu tlb_misses=%lu", i, emulated, c->page_faults,
			  c->unsupported, c->refused, tlbs[i].hits, tlbs[i].misses);
	}
	for (unsigned i = 0; i < n; i++)
		log_mline("mmio-device", "name=%s base=%#lx reads=%lu writes=%lu", devs[i]->name,
			  devs[i]->base, devs[i]->reads, devs[i]->writes);
	log_mline("decoder", "decodes=%lu heap_used=%zu heap_peak=%zu", decodes, used, peak);
	log_mline("patch", "threshold=%lu patched=%lu unpatched=%lu vmcall_hits=%lu fast_hits=%lu "
		  "code_reads=%lu execute_only=%d", patch_threshold, patch_stats[PATCHED],
		  patch_stats[UNPATCHED], patch_stats[VMCALL_HITS] + fast, fast,
		  patch_stats[CODE_READS], (int)(l0.caps.ept_vpid_cap & 1));
	log_mline("promote", "threshold=%lu hits=%lu misses=%lu promotions=%lu invalidations=%lu "
		  "evictions=%lu code_page_writes=%lu protected_pages=%u protect_full=%lu",
		  promoted.threshold, promoted.st.hits, promoted.st.misses, promoted.st.promotions,
		  promoted.st.invalidations, promoted.st.evictions, code_page_writes, nprotected,
		  protect_full);
}
