/*
 * emul_exit.c - an exit that needs L2's instruction: fetch it through L2's
 * paging (walk.c, with this vCPU's translation cache), decode it (Capstone,
 * decoder.c) unless the site is promoted (promote.c: its decode cached, its
 * code page write-protected in the EPT), run it (emulate.c) with its memory
 * operands going to the device model or to L2's RAM, and resume L2 past
 * it. Faults of L2's own (#PF on the fetch or an operand, #UD by policy)
 * are injected as the CPU would raise them; anything else is reported and
 * stops the run. Patching the hottest promoted sites is patch.c's.
 */
#include "boot_mem.h"
#include "emul/copy.h"
#include "emul/decoder.h"
#include "emul/emul_exit.h"
#include "emul/emul_internal.h"
#include "emul/emulate.h"
#include "emul/promote.h"
#include "emul/test_mmio_dev.h"
#include "emul/walk.h"
#include "exit.h"
#include "guest_mem.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "log.h"
#include "options.h"
#include "panic.h"
#include "shadow_mode.h"
#include "vmx.h"
#include "x86.h"

#define AR_L (1u << 13)    /* CS access rights: 64-bit code */
#define AR_DB (1u << 14)   /* CS access rights: 32-bit default size */
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define RFLAGS_VM (1u << 17)
#define RFLAGS_AC (1u << 18)
#define VEC_UD 6
#define VEC_PF 14
#define MAX_INSN 15
/* EPT-violation qualification: a linear address is valid, and it is the access's own
 * (not a paging-structure entry's) (SDM Vol. 3C Table 28-7). */
#define EPTV_LINEAR_ACCESS ((1u << 7) | (1u << 8))

static struct walk_tlb tlbs[MAX_VCPUS];
struct emul_counters emul_counters[MAX_VCPUS];
static struct promote_cache promoted;
struct spinlock emul_promote_lock;
/* Code pages write-protected for promoted sites (a small set: pages, not sites). */
#define PROTECTED_MAX 64
static uint64_t protected_pages[PROTECTED_MAX];
static unsigned nprotected;
static uint64_t protect_full, code_page_writes;
static struct mmio_device test_dev;
static struct test_mmio_state test_state;

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
			emul_counters[env->v->index].refused++;
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
 * Outside 64-bit code, the segments' limits and access rights for the
 * emulator's segmentation checks (emulate.c: limits always, types in
 * protected mode). Out of line: 64-bit exits never pay for it.
 */
static __attribute__((noinline)) void load_segments(struct emul_regs *r, const uint32_t *limits,
						     const uint32_t *rights, bool protected_mode)
{
	for (unsigned s = 0; s < SEG_COUNT; s++) {
		r->seg_limit[s] = (uint32_t)vmread(limits[s]);
		r->seg_ar[s] = (uint32_t)vmread(rights[s]);
	}
	r->seg_checks = protected_mode ? SEG_CHECK_ALL : SEG_CHECK_LIMITS;
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
	static const uint32_t limits[SEG_COUNT] = {
		VMCS_GUEST_ES_LIMIT, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_SS_LIMIT,
		VMCS_GUEST_DS_LIMIT, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_GS_LIMIT };
	static const uint32_t rights[SEG_COUNT] = {
		VMCS_GUEST_ES_ACCESS_RIGHTS, VMCS_GUEST_CS_ACCESS_RIGHTS, VMCS_GUEST_SS_ACCESS_RIGHTS,
		VMCS_GUEST_DS_ACCESS_RIGHTS, VMCS_GUEST_FS_ACCESS_RIGHTS,
		VMCS_GUEST_GS_ACCESS_RIGHTS };
	uint64_t rflags = vmread(VMCS_GUEST_RFLAGS), cs_ar = vmread(VMCS_GUEST_CS_ACCESS_RIGHTS);
	unsigned bits;

	env->mode = (struct walk_mode){
		.cr0 = vmread(VMCS_GUEST_CR0), .efer = vmread(VMCS_GUEST_IA32_EFER),
		.ac = (rflags & RFLAGS_AC) != 0,
	};
	shadow_mode_guest_paging(&env->mode);
	env->mode.cpl = (uint8_t)(rflags & RFLAGS_VM ? 3
					     : AR_DPL(vmread(VMCS_GUEST_SS_ACCESS_RIGHTS)));
	/* Segment limits and rights only outside 64-bit code (emulate.c ignores seg_checks there). */
	if (!(env->mode.cr0 & 1) || (rflags & RFLAGS_VM)) {
		bits = 16; /* real mode, virtual-8086 */
		load_segments(r, limits, rights, false);
	} else if ((cs_ar & AR_L) && (env->mode.efer & EFER_LMA)) {
		bits = 64;
	} else {
		bits = cs_ar & AR_DB ? 32 : 16;
		load_segments(r, limits, rights, true);
	}
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

void emul_inject(struct emul_env *env, const struct emul_fault *f)
{
	if (f->vector == VEC_PF) {
		write_cr2(f->cr2); /* VM entry leaves CR2 alone: L2 finds it there */
		emul_counters[env->v->index].page_faults++;
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
	emul_counters[env->v->index].unsupported++;
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

bool emul_no_memory(struct emul_env *env, uint64_t gpa)
{
	log_error("vCPU %u: the emulated instruction at rip %#lx touched guest-physical %#lx: "
		  "nothing is there", env->v->index, vmread(VMCS_GUEST_RIP), env->failed_gpa);
	log_mline("guest-fault", "kind=emul-no-memory vcpu=%u gpa=%#lx exit_gpa=%#lx rip=%#lx",
		  env->v->index, env->failed_gpa, gpa, vmread(VMCS_GUEST_RIP));
	return false;
}

/*
 * Code pages are write-protected and remapped in L2's EPT (promotion,
 * patching) only under paging=nested: shadow and hybrid paging shadow L2's
 * pages read-only on their own terms and do not look at those EPT entries
 * (Linux under shadow looped on a write to such a page). There promoted
 * sites go unprotected (every hit compares the bytes) and nothing is patched.
 */
bool emul_code_pages_in_ept(void)
{
	return hv_opts.paging == PAGING_NESTED;
}

/* Write-protects the code page of a newly promoted site (once per page). */
static void protect_code_page(uint64_t gpa)
{
	uint64_t page = gpa & ~(PAGE_SIZE - 1);

	if (!emul_code_pages_in_ept())
		return;
	for (unsigned i = 0; i < nprotected; i++)
		if (protected_pages[i] == page)
			return;
	if (patch_page_patched(page))
		return; /* execute-only already */
	if (nprotected == PROTECTED_MAX) {
		protect_full++; /* still correct: every hit compares the bytes */
		return;
	}
	protected_pages[nprotected++] = page;
	/*
	 * Other CPUs may still hold a writable translation: a promoted hit
	 * compares the bytes anyway, and patching shoots them down first.
	 */
	guest_mem_write_protect(page, true);
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
		emul_counters[env->v->index].refused++;
	r->rip += in->len;
	return true;
}

/* For patch.c (emul_internal.h): the helpers above, out of line (not its hot path). */
bool emul_translate(struct emul_env *env, uint64_t la, enum walk_access acc, uint64_t *gpa,
		    struct emul_fault *f)
{
	return translate(env, la, acc, gpa, f);
}

bool emul_walk(struct emul_env *env, uint64_t la, enum walk_access acc, struct walk_result *r)
{
	return walk_cached(&tlbs[env->v->index], &env->mode, la, acc, &emul_table_ops, NULL, r) ==
	       WALK_OK;
}

const void *emul_map_entry(uint64_t gpa, unsigned size)
{
	return table_map(NULL, gpa, size);
}

unsigned emul_load_state(struct vcpu *v, struct emul_env *env, struct emul_regs *r)
{
	return load_state(v, env, r);
}

void emul_store_regs(const struct emul_regs *r, uint64_t rip, uint64_t rflags, uint64_t rsp)
{
	store_regs(r, rip, rflags, rsp);
}

bool emul_fast_mov(struct emul_env *env, const struct emul_insn *in, struct emul_regs *r,
		   uint64_t gpa)
{
	return fast_mov(env, in, r, gpa);
}

enum emul_status emul_run(struct emul_env *env, const struct emul_insn *in, struct emul_regs *r,
			  struct emul_fault *f)
{
	return emulate(in, r, &guest_mem_ops, env, f);
}

bool emul_page_protected(uint64_t page)
{
	for (unsigned i = 0; i < nprotected; i++)
		if (protected_pages[i] == page)
			return true;
	return false;
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

	spin_lock(&emul_promote_lock);
	hit = promote_lookup(&promoted, fe->gpa, fe->first, fe->in_page, bits, &hits);
	if (hit) {
		__builtin_memcpy(in, hit, sizeof(*in));
		patch_consider(env, r, la, fe->gpa, in, hits);
	}
	spin_unlock(&emul_promote_lock);
	*promoted_hit = hit != NULL;
	if (hit)
		return DECODE_OK;
	fetch_all(env, la, fe, next_fault, next_ok);
	dr = decoder_decode(bits, fe->b, fe->n, in, text, text_size);
	/* Only sites inside one page: their bytes have one guest-physical address. */
	if (dr == DECODE_OK && in->len <= fe->in_page) {
		spin_lock(&emul_promote_lock);
		if (promote_record(&promoted, fe->gpa, fe->b, bits, in))
			protect_code_page(fe->gpa);
		spin_unlock(&emul_promote_lock);
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
	if ((v->exit_reason & 0xffff) == EXIT_REASON_EPT_VIOLATION && /* not an APIC access */
	    (vmread(VMCS_EXIT_QUALIFICATION) & EPTV_LINEAR_ACCESS) == EPTV_LINEAR_ACCESS) {
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
			return emul_no_memory(&env, gpa);
		emul_inject(&env, &f);
		return true;
	}
	dr = decode_site(&env, &regs, la, &fe, bits, &in, text, sizeof(text), &next_fault, &next_ok,
			 &hit);
	if (dr == DECODE_TRUNCATED && !next_ok) {
		if (env.failed)
			return emul_no_memory(&env, gpa);
		emul_inject(&env, &next_fault); /* the instruction runs into a page it cannot fetch */
		return true;
	}
	if (dr != DECODE_OK) /* a valid instruction: its own bytes; else all we have */
		return unsupported(&env, dr, fe.b, dr == DECODE_UNSUPPORTED ? in.len : fe.n, text,
				   gpa); /* (a miss: fe.b holds the bytes) */
	if ((!hit || !fast_mov(&env, &in, &regs, gpa)) &&
	    emulate(&in, &regs, &guest_mem_ops, &env, &f) == EMUL_FAULT) {
		if (env.failed)
			return emul_no_memory(&env, gpa);
		store_regs(&regs, rip, rflags, rsp); /* a REP's finished elements stay done */
		emul_inject(&env, &f);
		return true;
	}
	store_regs(&regs, rip, rflags, rsp);
	emul_counters[v->index].emulated++;
	return true;
}

bool emul_code_page_write(uint64_t gpa)
{
	uint64_t page = gpa & ~(PAGE_SIZE - 1);
	bool found = false;

	spin_lock(&emul_promote_lock);
	for (unsigned i = 0; i < nprotected && !found; i++) {
		if (protected_pages[i] != page)
			continue;
		protected_pages[i] = protected_pages[--nprotected];
		promote_invalidate_page(&promoted, page);
		guest_mem_write_protect(page, false);
		code_page_writes++;
		found = true;
	}
	spin_unlock(&emul_promote_lock);
	return found; /* L2 retries the write, now allowed */
}

void emul_set_promotion(uint64_t threshold)
{
	spin_lock(&emul_promote_lock);
	patch_undo_all();
	promote_flush(&promoted);
	promoted.threshold = threshold;
	while (nprotected)
		guest_mem_write_protect(protected_pages[--nprotected], false);
	spin_unlock(&emul_promote_lock);
}

void emul_flush_translations(void)
{
	patch_unbind(NULL); /* bindings hold pointers to L2's page-table entries too */
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
	promote_init(&promoted, hv_opts.promote_threshold);
	patch_init(hv_opts.patch_threshold);
	decoder_init();
	if (hv_opts.mmio_test)
		register_test_device();
}

void emul_log_counters(void)
{
	size_t used, peak;
	uint64_t decodes;
	unsigned n;
	struct mmio_device *const *devs = mmio_devices(&n);

	decoder_stats(&used, &peak, &decodes);
	for (unsigned i = 0; i < MAX_VCPUS; i++) {
		const struct emul_counters *c = &emul_counters[i];

		/* Bound patched sites run on one CPU only: theirs is vCPU 0's. */
		uint64_t emulated = c->emulated + (i == 0 ? emul_patch_fast_hits() : 0);

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
	patch_log_counters();
	log_mline("promote", "threshold=%lu hits=%lu misses=%lu promotions=%lu invalidations=%lu "
		  "evictions=%lu code_page_writes=%lu protected_pages=%u protect_full=%lu",
		  promoted.threshold, promoted.st.hits, promoted.st.misses, promoted.st.promotions,
		  promoted.st.invalidations, promoted.st.evictions, code_page_writes, nprotected,
		  protect_full);
}
