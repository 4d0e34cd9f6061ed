/*
 * patch_bound.c - patched sites bound to their device (issue 6, part 4):
 * at patch time a MOV/MOVZX/MOVSX between a register (or immediate) and a
 * device is bound to that device, its operand registers, displacement and
 * width, so its VMCALL exit costs a few loads, the device call and the RIP
 * advance: no walk, no decode. vmx_entry.S calls patch_bound_vmcall straight
 * from its VMCALL fast path (no vmexit_handler, no hypercall switch); with
 * the fast paths off, handle_vmcall does (emul_patched_vmcall).
 */
#include "emul/emul_exit.h"
#include "emul/emul_internal.h"
#include "emul/emulate.h"
#include "exit_fast.h"
#include "page_alloc.h"
#include "smp.h"
#include "vcpu.h"
#include "vmx.h"

#define AR_CONFORMING (1u << 2) /* CS access rights: type bit 2 of a code segment */

/*
 * VMCALL has no operand, so a site is selected by its linear RIP (64-bit
 * code: CS base 0, so RIP itself), hashed into this direct-mapped table; a
 * slot taken by another site leaves the newcomer on the generic path.
 * Valid while CR3, CS's access rights (64-bit, non-conforming, so CPL =
 * CS.DPL, SDM Vol. 3C 26.3.1.2) and the leaf entries that mapped the code
 * and the operand page are what they were when it was bound (one load each,
 * as the translation cache revalidates). Laid out for the exit path: what
 * it reads first comes first.
 */
#define PATCH_FAST 16 /* a power of two */
struct patch_binding {
	uint64_t la, cr3;          /* la ~0: a free slot (no instruction starts there) */
	const volatile uint64_t *code_leaf, *op_leaf;
	uint64_t code_pte, op_pte; /* their values when bound */
	/*
	 * The operand address less the lowest one on the device in the bound
	 * page ('lowest'): ea_bias + base and index terms, 0 .. op_span inside.
	 */
	uint64_t ea_bias;          /* displacement (absolute for RIP-relative, moffs) - lowest */
	uint64_t op_span;
	uint64_t dev_off;          /* the device offset of 'lowest' */
	struct mmio_device *dev;
	uint64_t next_rip;         /* la + the original instruction's length */
	uint64_t wmask;            /* load: reg = (reg & keep) | ((v << shift) & wmask) */
	union {
		uint64_t keep;     /* load */
		uint64_t imm;      /* store of an immediate (has_reg 0) */
	};
	uint64_t mask;             /* the access's width & wmask: all a plain load needs (merge 0) */
	uint32_t cs_ar;
	uint8_t base, index;       /* GPRs (0 when unused: their scale is 0) */
	uint8_t bscale, iscale, size, store;
	uint8_t reg, shift;        /* the register operand; shift 8 for AH..BH */
	uint8_t sext;              /* MOVSX: 64 - source bits; 0: none */
	uint8_t has_reg;           /* a store of a register, not of imm */
	uint8_t merge;             /* a load with sext or keep: not just masked */
	uint8_t result;            /* what patch_bound_vmcall returns when done */
} __attribute__((aligned(128))); /* a shift, not a multiply, finds the slot */
_Static_assert(sizeof(struct patch_binding) == 128, "binding_slot shifts by 7");
static struct patch_binding bindings[PATCH_FAST];
static const void *binding_owner[PATCH_FAST]; /* whose binding it is */
static uint64_t fast_hits;  /* VMCALLs served bound (one CPU: one counter) */

/* The callee-saved GPRs of the SysV ABI: vmx_entry.S reloads them only if told. */
#define CALLEE_SAVED ((1u << GPR_RBX) | (1u << GPR_RBP) | (1u << GPR_R12) | \
		      (1u << GPR_R13) | (1u << GPR_R14) | (1u << GPR_R15))

/* The low bits of RIP: neighbouring sites differ there, and no multiply is spent. */
static unsigned binding_slot(uint64_t la)
{
	return (unsigned)(la & (PATCH_FAST - 1));
}

/*
 * VMREAD without the per-CPU count: the bound path charges its reads to
 * the VMCALL's counter at once (vcpu.h), as vmx_entry.S's fast paths do.
 */
static inline uint64_t vmread_uncounted(uint64_t field)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
	return v;
}

static inline void vmcs_write_uncounted(uint64_t field, uint64_t v)
{
	__asm__ goto("vmwrite %[v], %[f]\n\t"
		     "jbe %l[failed]"
		     :
		     : [v] "r"(v), [f] "r"(field)
		     : "cc"
		     : failed);
	return;
failed:
	vmwrite_failed(field, v);
}

/* The register operand is RSP, which lives in the VMCS, not in v->gpr. */
static bool uses_rsp(const struct emul_opnd *o)
{
	return o->kind == OPND_REG && o->reg == GPR_RSP && !o->high8;
}

/* The low 'size' bytes. */
static uint64_t width_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

bool patch_bind(struct emul_env *env, const struct emul_regs *r, uint64_t la,
		const struct emul_insn *in, const void *owner)
{
	const struct emul_mem *m = &in->mem;
	struct patch_binding *b = &bindings[binding_slot(la)];
	bool store = in->dst.kind == OPND_MEM;
	unsigned size = store ? in->dst.size : in->src.size;
	uint32_t cs_ar = (uint32_t)vmread(VMCS_GUEST_CS_ACCESS_RIGHTS);
	struct mmio_device *d = env->dev;
	const struct emul_opnd *reg;
	struct walk_result code, op;
	uint64_t op_la, page, lo, hi, disp, lowest;
	bool has_base;

	/*
	 * One CPU only: the exit path reads the table without a lock, so a
	 * binding rewritten while another CPU reads it could be torn.
	 */
	if (smp_cpus > 1 || b->la != ~0ull || !d || r->code_bits != 64 || (cs_ar & AR_CONFORMING) ||
	    (in->op != EOP_MOV && in->op != EOP_MOVZX && in->op != EOP_MOVSX) ||
	    (!store && in->src.kind != OPND_MEM) || m->addr_size != 8 || m->seg == SEG_FS ||
	    m->seg == SEG_GS || m->base == GPR_RSP || m->index == GPR_RSP ||
	    uses_rsp(store ? &in->src : &in->dst))
		return false;
	op_la = emul_linear_address(in, r);
	if (op_la != env->exit_la || (op_la & (PAGE_SIZE - 1)) + size > PAGE_SIZE ||
	    !emul_walk(env, la, WALK_FETCH, &code) ||
	    !emul_walk(env, op_la, store ? WALK_WRITE : WALK_READ, &op) ||
	    code.leaf_size != 8 || op.leaf_size != 8 || (store && !op.writable) ||
	    (env->mode.cpl < 3 && op.user))
		return false;
	page = op.gpa & ~(PAGE_SIZE - 1);
	lo = d->base > page ? d->base - page : 0;                 /* the device in this page */
	hi = d->base + d->size - page < PAGE_SIZE ? d->base + d->size - page : PAGE_SIZE;
	if ((op.gpa & (PAGE_SIZE - 1)) < lo || (op.gpa & (PAGE_SIZE - 1)) + size > hi)
		return false;
	reg = store ? &in->src : &in->dst;
	has_base = m->base != EMUL_NO_REG && m->base != EMUL_RIP;
	disp = m->base == EMUL_RIP ? la + in->len + (uint64_t)m->disp : (uint64_t)m->disp;
	*b = (struct patch_binding){
		.la = la, .cr3 = env->mode.cr3, .cs_ar = cs_ar,
		.code_leaf = emul_map_entry(code.leaf_gpa, 8), .code_pte = code.leaf,
		.op_leaf = emul_map_entry(op.leaf_gpa, 8), .op_pte = op.leaf,
		.base = has_base ? m->base : 0, .bscale = has_base,
		.index = m->index != EMUL_NO_REG ? m->index : 0,
		.iscale = m->index != EMUL_NO_REG ? m->scale : 0,
		.size = (uint8_t)size, .store = store, .next_rip = la + in->len,
		.op_span = hi - lo - size,
		.dev_off = page + lo - d->base, .dev = d,
		.reg = reg->kind == OPND_REG ? reg->reg : 0, .has_reg = reg->kind == OPND_REG,
		.shift = reg->high8 ? 8 : 0,
		.sext = in->op == EOP_MOVSX ? (uint8_t)(64 - 8 * size) : 0,
	};
	lowest = (op_la & ~(PAGE_SIZE - 1)) + lo; /* the lowest operand address on the device there */
	b->ea_bias = disp - lowest;
	/* A load's destination as reg_write() writes it (Vol. 1 3.4.1.1: 32-bit results zero-extend). */
	b->wmask = reg->size >= 8 ? ~0ull : ((1ull << (8 * reg->size)) - 1) << b->shift;
	if (store)
		b->imm = reg->imm;
	else
		b->keep = reg->size == 4 || reg->size == 8 ? 0 : ~b->wmask;
	b->mask = width_mask(size) & b->wmask;
	b->merge = !store && (b->sext || b->keep);
	/* A load into a callee-saved GPR: vmx_entry.S must reload that one too. */
	b->result = !store && (CALLEE_SAVED >> b->reg & 1) ? PATCH_BOUND_RELOAD_ALL
							   : PATCH_BOUND_DONE;
	if (!b->code_leaf || !b->op_leaf) {
		b->la = ~0ull;
		return false;
	}
	binding_owner[b - bindings] = owner;
	return true;
}

void patch_unbind(const void *owner)
{
	for (unsigned i = 0; i < PATCH_FAST; i++)
		if (!owner || binding_owner[i] == owner) {
			bindings[i] = (struct patch_binding){ .la = ~0ull };
			binding_owner[i] = NULL;
		}
}

/* A load's new register value: the access's width, MOVSX's sign, an 8/16-bit destination. */
static uint64_t merge_load(const struct patch_binding *b, uint64_t old, uint64_t val)
{
	val = (uint64_t)((int64_t)((val & width_mask(b->size)) << b->sext) >> b->sext); /* sext 0: as is */
	return (old & b->keep) | ((val << b->shift) & b->wmask);
}

/* A bound-path miss after 'reads' uncounted VMREADs: the generic path decides. */
static __attribute__((noinline, cold)) int bound_miss(struct vcpu *v, unsigned reads)
{
	v->exit_vmrw[EXIT_REASON_VMCALL] += reads;
	return PATCH_BOUND_MISS;
}

/*
 * A bound site's VMCALL: the binding's checks, the device access, RIP past
 * the original instruction (STI/MOV-SS blocking ends with it, Vol. 3C
 * 26.3.1.5). Its 4 or 5 VMREAD+VMWRITE are charged to VMCALL here, and
 * with 'count' the exit itself and its reason's VMREAD (vmx_entry.S's
 * caller; the generic path counted those in vmexit_handler).
 */
static inline __attribute__((always_inline)) int bound_vmcall(struct vcpu *v, bool count)
{
	uint64_t rip = vmread_uncounted(VMCS_GUEST_RIP), ea, val, intr;
	const struct patch_binding *b = &bindings[binding_slot(rip)];
	struct mmio_device *d;
	uint64_t *gpr = v->gpr;
	unsigned vmrw = 5 + count; /* RIP, CR3, CS access rights, the RIP write, interruptibility */

	__asm__("" : "+r"(b)); /* kept in a register: not recomputed from the slot after calls */
	if (b->la != rip)
		return bound_miss(v, 1);
	if (b->cr3 != vmread_uncounted(VMCS_GUEST_CR3))
		return bound_miss(v, 2);
	if (b->cs_ar != (uint32_t)vmread_uncounted(VMCS_GUEST_CS_ACCESS_RIGHTS) ||
	    *b->code_leaf != b->code_pte || *b->op_leaf != b->op_pte)
		return bound_miss(v, 3);
	ea = b->ea_bias + gpr[b->base] * b->bscale;
	if (b->iscale)
		ea += gpr[b->index] * b->iscale;
	if (ea > b->op_span) /* another page, or off the device */
		return bound_miss(v, 3);
	vmcs_write_uncounted(VMCS_GUEST_RIP, b->next_rip);
	intr = vmread_uncounted(VMCS_GUEST_INTERRUPTIBILITY_STATE);
	if (__builtin_expect(intr & BLOCKING_STI_MOVSS, 0)) {
		vmcs_write_uncounted(VMCS_GUEST_INTERRUPTIBILITY_STATE, intr & ~BLOCKING_STI_MOVSS);
		vmrw++;
	}
	v->exit_vmrw[EXIT_REASON_VMCALL] += vmrw;
	v->exit_count[EXIT_REASON_VMCALL] += count;
	fast_hits++;
	d = b->dev;
	if (b->store) {
		val = b->has_reg ? gpr[b->reg] >> b->shift : b->imm;
		d->writes++;
		if (!d->write(d, v, b->dev_off + ea, b->size, val))
			emul_counters[v->index].refused++;
		return PATCH_BOUND_DONE;
	}
	d->reads++;
	if (!d->read(d, v, b->dev_off + ea, b->size, &val)) {
		emul_counters[v->index].refused++;
		val = ~0ull; /* a refused read sees all ones */
	}
	if (__builtin_expect(b->merge, 0))
		val = merge_load(b, gpr[b->reg], val);
	else
		val &= b->mask;
	gpr[b->reg] = val;
	return b->result;
}

int patch_bound_vmcall(struct vcpu *v)
{
	return bound_vmcall(v, false);
}

int patch_bound_vmcall_exit(struct vcpu *v)
{
	return bound_vmcall(v, true);
}

uint64_t emul_patch_fast_hits(void)
{
	return fast_hits;
}
