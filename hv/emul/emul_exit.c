/*
 * emul_exit.c - an exit that needs L2's instruction: fetch it through L2's
 * paging (walk.c, with this vCPU's translation cache), decode it (Capstone,
 * decoder.c), run it (emulate.c) with its memory operands going to the
 * device model or to L2's RAM, and resume L2 past it. Faults of L2's own
 * (#PF on the fetch or an operand, #UD by policy) are injected as the CPU
 * would raise them; anything else is reported and stops the run.
 */
#include "boot_mem.h"
#include "emul/decoder.h"
#include "emul/emul_exit.h"
#include "emul/emulate.h"
#include "emul/test_mmio_dev.h"
#include "emul/walk.h"
#include "exit.h"
#include "guest_mem.h"
#include "guest_stop.h"
#include "lib/string.h"
#include "log.h"
#include "options.h"
#include "panic.h"
#include "vmx.h"
#include "x86.h"

#define AR_L (1u << 13)    /* CS access rights: 64-bit code */
#define AR_DB (1u << 14)   /* CS access rights: 32-bit default size */
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define RFLAGS_VM (1u << 17)
#define RFLAGS_AC (1u << 18)
#define BLOCKING_STI_MOVSS 3u /* interruptibility state bits 1:0 */
#define VEC_UD 6
#define VEC_PF 14
#define MAX_INSN 15

/* Per-vCPU counters, printed at the end of the run. */
struct emul_counters {
	uint64_t emulated, page_faults, unsupported, refused;
};

static struct walk_tlb tlbs[MAX_VCPUS];
static struct emul_counters counters[MAX_VCPUS];
static struct mmio_device test_dev;
static struct test_mmio_state test_state;

/* What one emulated instruction works with. */
struct emul_env {
	struct vcpu *v;
	struct walk_mode mode;
	struct mmio_device *dev; /* the device behind the exit (may be NULL) */
	bool failed;             /* an access went to no memory: stop the run */
	uint64_t failed_gpa;
};

/* Table entries in L2's RAM (never in MMIO: the CPU cannot walk there either). */
static bool table_read(void *ctx, uint64_t gpa, uint64_t *val, unsigned size)
{
	const void *p = guest_mem_ptr(gpa, size);

	(void)ctx;
	if (!p)
		return false;
	*val = 0;
	memcpy(val, p, size);
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

static const struct walk_ops table_ops = { table_read, table_write };

static void load_mode(struct emul_env *env)
{
	uint64_t ss_ar = vmread(VMCS_GUEST_SS_ACCESS_RIGHTS);
	uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);

	env->mode = (struct walk_mode){
		.cr0 = vmread(VMCS_GUEST_CR0), .cr3 = vmread(VMCS_GUEST_CR3),
		.cr4 = vmread(VMCS_GUEST_CR4), .efer = vmread(VMCS_GUEST_IA32_EFER),
		.cpl = (uint8_t)(rflags & RFLAGS_VM ? 3 : AR_DPL(ss_ar)),
		.ac = (rflags & RFLAGS_AC) != 0,
	};
}

static void fault_pf(struct emul_fault *f, uint64_t la, uint32_t error)
{
	*f = (struct emul_fault){ .vector = VEC_PF, .has_error = true, .error = error, .cr2 = la };
}

/* Linear to guest-physical for one access that stays in one page. */
static bool translate(struct emul_env *env, uint64_t la, enum walk_access acc, uint64_t *gpa,
		      struct emul_fault *f)
{
	struct walk_result r;

	switch (walk_cached(&tlbs[env->v->index], &env->mode, la, acc, &table_ops, NULL, &r)) {
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
			memcpy(&v, buf, size);
			ok = d->write(d, env->v, gpa - d->base, size, v);
			d->writes++;
		} else {
			ok = d->read(d, env->v, gpa - d->base, size, &v);
			if (!ok)
				v = ~0ull; /* a refused read sees nothing there: all ones */
			memcpy(buf, &v, size);
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
		memcpy(p, buf, size);
	else
		memcpy(buf, p, size);
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
	memcpy(b, p, n);
	return true;
}

/*
 * Up to 15 bytes at CS:RIP. Bytes on the next page are fetched only if the
 * instruction needs them (a fault there is raised only then, as the CPU
 * does): *n is what could be read, *next_fault the next page's fault.
 */
static bool fetch(struct emul_env *env, uint64_t la, uint8_t *b, unsigned *n,
		  struct emul_fault *f, struct emul_fault *next_fault, bool *next_ok)
{
	unsigned first = (unsigned)(PAGE_SIZE - (la & (PAGE_SIZE - 1)));
	uint64_t gpa;

	if (first > MAX_INSN)
		first = MAX_INSN;
	*n = 0;
	if (!translate(env, la, WALK_FETCH, &gpa, f) || !fetch_ram(env, gpa, b, first))
		return false;
	*n = first;
	*next_ok = true;
	if (first < MAX_INSN) {
		if (translate(env, la + first, WALK_FETCH, &gpa, next_fault) &&
		    fetch_ram(env, gpa, b + first, MAX_INSN - first))
			*n = MAX_INSN;
		else
			*next_ok = false;
	}
	return true;
}

static unsigned code_bits(void)
{
	uint64_t ar = vmread(VMCS_GUEST_CS_ACCESS_RIGHTS);

	if (!(vmread(VMCS_GUEST_CR0) & 1) || (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_VM))
		return 16; /* real mode, virtual-8086 */
	if ((ar & AR_L) && (vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA))
		return 64;
	return ar & AR_DB ? 32 : 16;
}

static void load_regs(const struct vcpu *v, struct emul_regs *r, unsigned bits)
{
	static const uint32_t bases[SEG_COUNT] = {
		VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE, VMCS_GUEST_SS_BASE,
		VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE };

	memcpy(r->gpr, v->gpr, sizeof(r->gpr));
	r->gpr[GPR_RSP] = vmread(VMCS_GUEST_RSP);
	r->rip = vmread(VMCS_GUEST_RIP);
	r->rflags = vmread(VMCS_GUEST_RFLAGS);
	r->code_bits = (uint8_t)bits;
	for (unsigned s = 0; s < SEG_COUNT; s++)
		r->seg_base[s] = bits == 64 && s != SEG_FS && s != SEG_GS ? 0 : vmread(bases[s]);
}

static void store_regs(struct vcpu *v, const struct emul_regs *r, const struct emul_regs *old)
{
	memcpy(v->gpr, r->gpr, sizeof(r->gpr));
	if (r->gpr[GPR_RSP] != old->gpr[GPR_RSP])
		vmcs_write(VMCS_GUEST_RSP, r->gpr[GPR_RSP]);
	if (r->rflags != old->rflags)
		vmcs_write(VMCS_GUEST_RFLAGS, r->rflags);
	if (r->rip != old->rip) {
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

bool emul_exit(struct vcpu *v, uint64_t gpa, struct mmio_device *dev)
{
	struct emul_env env = { .v = v, .dev = dev };
	struct emul_regs regs, old;
	struct emul_fault f, next_fault;
	struct emul_insn in;
	uint8_t b[MAX_INSN];
	char text[96] = "";
	unsigned n, bits = code_bits();
	bool next_ok;
	enum decode_result dr;

	load_mode(&env);
	load_regs(v, &regs, bits);
	old = regs;
	if (!fetch(&env, regs.seg_base[SEG_CS] + regs.rip, b, &n, &f, &next_fault, &next_ok)) {
		if (env.failed)
			return no_memory(&env, gpa);
		inject(&env, &f);
		return true;
	}
	dr = decoder_decode(bits, b, n, &in, text, sizeof(text));
	if (dr == DECODE_TRUNCATED && !next_ok) {
		if (env.failed)
			return no_memory(&env, gpa);
		inject(&env, &next_fault); /* the instruction runs into a page it cannot fetch */
		return true;
	}
	if (dr != DECODE_OK) /* a valid instruction: its own bytes; else all we have */
		return unsupported(&env, dr, b, dr == DECODE_UNSUPPORTED ? in.len : n, text, gpa);
	if (emulate(&in, &regs, &guest_mem_ops, &env, &f) == EMUL_FAULT) {
		if (env.failed)
			return no_memory(&env, gpa);
		store_regs(v, &regs, &old); /* a REP's finished elements stay done */
		inject(&env, &f);
		return true;
	}
	store_regs(v, &regs, &old);
	counters[v->index].emulated++;
	return true;
}

bool emul_mmio_exit(struct vcpu *v, uint64_t gpa)
{
	return emul_exit(v, gpa, mmio_find(gpa));
}

void emul_flush_translations(void)
{
	for (unsigned i = 0; i < MAX_VCPUS; i++)
		walk_tlb_flush(&tlbs[i]);
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
		const struct emul_counters *c = &counters[i];

		if (!c->emulated && !c->page_faults && !c->unsupported)
			continue;
		log_mline("emul", "vcpu=%u emulated=%lu page_faults=%lu unsupported=%lu refused=%lu "
			  "tlb_hits=%lu tlb_misses=%lu", i, c->emulated, c->page_faults,
			  c->unsupported, c->refused, tlbs[i].hits, tlbs[i].misses);
	}
	for (unsigned i = 0; i < n; i++)
		log_mline("mmio-device", "name=%s base=%#lx reads=%lu writes=%lu", devs[i]->name,
			  devs[i]->base, devs[i]->reads, devs[i]->writes);
	log_mline("decoder", "decodes=%lu heap_used=%zu heap_peak=%zu", decodes, used, peak);
}
