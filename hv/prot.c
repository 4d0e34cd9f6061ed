/*
 * prot.c - the programs L2 registered and their EPT views: registration
 * (HC_PROT_REGISTER: the table read from L2's memory, checked, built into a
 * view), switching on MOV to CR3 and on HC_PROT_SWITCH, and the VMFUNC
 * EPTP list and trampoline.
 *
 * INVEPT: cached EPT translations are tagged with the EP4TA (the view's
 * root) they came from, so switching EPTP needs no flush as such; a view's
 * paging structures must only not have changed since this CPU last used
 * that EP4TA (SDM Vol. 3C 29.4.3.1, 29.4.4). A view never changes once
 * built, but its root page may have been another structure before, so
 * each vCPU does one single-context INVEPT of a view before it first
 * enters it through the CR3 or hypercall path (stale_cpus); the
 * registering vCPU does it at once, since VMFUNC may enter the view
 * without an exit. When the base changes (the xAPIC write trap of SMP
 * bring-up), prot_base_changed brings every view in line and marks it
 * stale on every vCPU.
 */
#include "boot_mem.h"
#include "emul/mmio.h"
#include "exit.h"
#include "guest_mem.h"
#include "hypercall.h"
#include "l0.h"
#include "lib/format.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "log.h"
#include "options.h"
#include "panic.h"
#include "prot.h"
#include "vmx.h"
#include "vmx_bits.h"

#define CR3_ROOT_MASK 0x000ffffffffff000ull

_Static_assert(HC_PROT_R == EPT_R && HC_PROT_W == EPT_W && HC_PROT_X == EPT_X,
	       "hypercall rights are EPT rights");
_Static_assert((int)HC_PROT_INJECT_PF == PROT_INJECT_PF && (int)HC_PROT_INJECT_GP ==
	       PROT_INJECT_GP && (int)HC_PROT_STOP == PROT_STOP, "policies match");
_Static_assert(HC_PROT_MAX_REGIONS == PROT_MAX_REGIONS, "region limits match");

static struct prot_program programs[PROT_MAX_PROGRAMS + 1]; /* [0] unused: the base */
static unsigned nprograms;
static struct prot_program *others; /* the table of every unregistered CR3, or NULL */
static struct spinlock prot_lock;
static uint64_t base_eptp;
static uint64_t *eptp_list;        /* the VMFUNC EPTP list; NULL without VMFUNC */
static struct mem_range trampoline_storage[1];
static struct mem_ranges trampoline = { trampoline_storage, 0, 1 };

/*
 * The trampoline: void switch_view(unsigned index) in the SysV ABI.
 * mov %edi,%ecx; xor %eax,%eax (leaf 0: EPTP switching); vmfunc; ret.
 */
static const uint8_t trampoline_code[] = { 0x89, 0xf9, 0x31, 0xc0, 0x0f, 0x01, 0xd4, 0xc3 };

/* Views' own pages: from the pool, but running out is L2's problem, not a panic. */
static uint64_t view_alloc(void *ctx)
{
	(void)ctx;
	return alloc_page_or_zero();
}

static void view_free(uint64_t pa, void *ctx)
{
	(void)ctx;
	free_page_to_pool(pa);
}

static void *view_virt(uint64_t pa, void *ctx)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static const struct ept_ops view_ops = { view_alloc, view_free, view_virt };

static bool vmfunc_offered(void)
{
	return l0.caps.has[VMXF_EPTP_SWITCHING];
}

void prot_init(void)
{
	base_eptp = guest_mem_eptp();
	if (!hv_opts.protect)
		return;
	if (vmfunc_offered()) {
		eptp_list = (uint64_t *)(uintptr_t)alloc_page_or_panic("VMFUNC EPTP list");
		eptp_list[0] = base_eptp;
	}
	log_info("protection tables on: MOV to CR3 exits and picks the program's view; "
		 "VMFUNC EPTP switching %s", eptp_list ? "offered by L0, in use" : "not offered");
	log_mline("prot", "protect=on vmfunc=%d max_programs=%d", eptp_list != NULL,
		  PROT_MAX_PROGRAMS);
}

void prot_vmcs_setup(void)
{
	uint64_t proc = vmread(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);

	if (!vmx_ctl_may_be_1(l0.caps.proc, PROC_CR3_LOAD_EXITING))
		panic("protect=on needs CR3-load exiting, which L0 does not offer");
	vmcs_write(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   proc | PROC_CR3_LOAD_EXITING);
	if (!eptp_list)
		return;
	/* SDM Vol. 3C 25.6.14 and 27.2.1.1: the list page, EPTP switching on. */
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   vmread(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) |
		   PROC2_ENABLE_VMFUNC);
	vmcs_write(VMCS_VM_FUNCTION_CONTROLS, VMFUNC_EPTP_SWITCHING);
	vmcs_write(VMCS_EPTP_LIST_ADDRESS, (uint64_t)(uintptr_t)eptp_list);
}

/* The program registered with this CR3 root, or NULL; readers need no lock. */
static const struct prot_program *program_of_cr3(uint64_t root)
{
	unsigned n = __atomic_load_n(&nprograms, __ATOMIC_ACQUIRE);

	for (unsigned i = 1; i <= n; i++)
		if (programs[i].cr3 == root)
			return &programs[i];
	return NULL;
}

bool prot_active(void)
{
	return __atomic_load_n(&nprograms, __ATOMIC_ACQUIRE) != 0;
}

struct prot_program *prot_program_of_eptp(uint64_t eptp)
{
	unsigned n = __atomic_load_n(&nprograms, __ATOMIC_ACQUIRE);

	for (unsigned i = 1; i <= n; i++)
		if (programs[i].eptp == eptp)
			return &programs[i];
	return NULL;
}

/* Drops this CPU's cached translations of a view: single-context where L0 offers it. */
static void flush_view(uint64_t eptp)
{
	if (l0.caps.ept_vpid_cap & EPT_CAP_INVEPT_SINGLE)
		invept_single(eptp);
	else
		invept_all();
}

/* Runs v with p's view (NULL: the base view), flushing it first if stale here. */
static void enter_view(struct vcpu *v, struct prot_program *p)
{
	uint64_t bit = 1ull << v->index;

	if (p && (__atomic_load_n(&p->stale_cpus, __ATOMIC_ACQUIRE) & bit)) {
		flush_view(p->eptp);
		__atomic_fetch_and(&p->stale_cpus, ~bit, __ATOMIC_RELEASE);
	}
	if (p)
		__atomic_fetch_add(&p->entries, 1, __ATOMIC_RELAXED);
	vmcs_write(VMCS_EPT_POINTER, p ? p->eptp : base_eptp);
}

/* The view a CR3 runs with: its program's, else the others' table's (NULL: the base). */
static struct prot_program *program_to_run(uint64_t cr3)
{
	const struct prot_program *p = program_of_cr3(cr3 & CR3_ROOT_MASK);

	return p ? (struct prot_program *)p : __atomic_load_n(&others, __ATOMIC_ACQUIRE);
}

void prot_cr3_loaded(struct vcpu *v, uint64_t cr3)
{
	enter_view(v, program_to_run(cr3));
}

/* Logs a refusal that is not one region's fault; returns err. */
static int64_t refuse_call(uint64_t cr3, int64_t err, const char *why)
{
	log_error("HC_PROT_REGISTER for CR3 %#lx refused: %s", cr3, why);
	log_mline("prot-refused", "cr3=%#lx reason=\"%s\"", cr3, why);
	return err;
}

/* Logs why a table was refused, with the region at fault; returns HC_ERR_INVAL. */
static int64_t refuse(uint64_t cr3, const struct prot_table *t, const struct prot_check *c)
{
	const struct prot_region *r = &t->r[c->region];
	char rights[4];

	if (c->err == PROT_ERR_COUNT || c->err == PROT_ERR_POLICY)
		return refuse_call(cr3, HC_ERR_INVAL, prot_strerror(c->err));

	log_error("protection table for CR3 %#lx refused: region %u [%#lx, +%#lx) %s: %s",
		  cr3, c->region, r->base, r->size, prot_rights_str(r->rights, rights),
		  prot_strerror(c->err));
	log_mline("prot-refused", "cr3=%#lx reason=\"%s\" region=%u base=%#lx size=%#lx "
		  "rights=%s other=%u", cr3, prot_strerror(c->err), c->region, r->base, r->size,
		  rights, c->other);
	return HC_ERR_INVAL;
}

/* Copies L2's struct hc_prot_table at gpa into t; false if it is not all in L2's RAM. */
static bool read_table(uint64_t gpa, struct prot_table *t, bool *reserved_set)
{
	const struct hc_prot_table *h = guest_mem_ptr(gpa, sizeof(*h));
	unsigned n;

	if (!h)
		return false;
	n = h->n;
	t->policy = (enum prot_policy)h->policy;
	t->n = n;
	*reserved_set = false;
	if (n > PROT_MAX_REGIONS)
		return true; /* prot_table_check says why */
	h = guest_mem_ptr(gpa, sizeof(*h) + n * sizeof(h->region[0]));
	if (!h)
		return false;
	for (unsigned i = 0; i < n; i++) {
		t->r[i] = (struct prot_region){ h->region[i].base, h->region[i].size,
						h->region[i].rights };
		*reserved_set |= h->region[i].reserved != 0;
	}
	return true;
}

/* Builds program p's view from its table; HC_OK or an error after logging it. */
static int64_t build_program(struct vcpu *v, struct prot_program *p)
{
	struct prot_check c;
	bool exec_only = l0.caps.ept_vpid_cap & EPT_CAP_EXEC_ONLY;
	int err;

	struct mem_range dev_storage[MMIO_MAX_DEVICES];
	struct mem_ranges devs = { dev_storage, 0, MMIO_MAX_DEVICES };
	struct prot_forbidden f = { &hv_private, &trampoline, &devs };
	unsigned ndev;
	struct mmio_device *const *dev = mmio_devices(&ndev);

	for (unsigned i = 0; i < ndev; i++)
		mem_ranges_add(&devs, dev[i]->base, dev[i]->base + dev[i]->size);
	if (!prot_table_check(&p->table, &f, exec_only, &c))
		return refuse(p->cr3, &p->table, &c);
	err = ept_view_build(&p->view, &guest_ept, &p->table, &view_ops, NULL);
	if (err)
		return refuse_call(p->cr3, HC_ERR_PROT_FULL, "out of hypervisor memory for the view");
	p->eptp = ept_eptp(&p->view.ept, false);
	p->stale_cpus = ~0ull & ~(1ull << v->index);
	flush_view(p->eptp);
	if (eptp_list)
		eptp_list[p->index] = p->eptp;
	return HC_OK;
}

static int64_t hc_register(struct vcpu *v)
{
	uint64_t flags = v->gpr[GPR_RDX];
	bool for_others = flags & HC_PROT_FOR_OTHERS;
	uint64_t cr3 = for_others ? PROT_CR3_OTHERS : v->gpr[GPR_RBX] ? v->gpr[GPR_RBX] :
		       vmread(VMCS_GUEST_CR3);
	struct prot_program *p;
	bool reserved_set;
	bool user = ((vmread(VMCS_GUEST_SS_ACCESS_RIGHTS) >> 5) & 3) != 0; /* SS.DPL is CPL */
	char who[40];
	int64_t ret;

	if (!for_others)
		cr3 &= CR3_ROOT_MASK;
	spin_lock(&prot_lock);
	p = &programs[nprograms + 1];
	if (flags & ~(uint64_t)HC_PROT_FOR_OTHERS)
		ret = refuse_call(cr3, HC_ERR_INVAL, "unknown flags");
	else if (user && !for_others && cr3 != (vmread(VMCS_GUEST_CR3) & CR3_ROOT_MASK))
		ret = refuse_call(cr3, HC_ERR_PERM, "from user mode a program registers only itself");
	else if (for_others && others)
		ret = refuse_call(cr3, HC_ERR_PROT_BUSY, "the others' table is registered already");
	else if (program_of_cr3(cr3))
		ret = refuse_call(cr3, HC_ERR_PROT_BUSY, "this CR3 is registered already");
	else if (nprograms == PROT_MAX_PROGRAMS)
		ret = refuse_call(cr3, HC_ERR_PROT_FULL, "no room for another program");
	else if (!read_table(v->gpr[GPR_RCX], &p->table, &reserved_set))
		ret = refuse_call(cr3, HC_ERR_INVAL, "the table is not in L2's RAM");
	else if (reserved_set)
		ret = refuse_call(cr3, HC_ERR_INVAL, "a region's reserved field is not 0");
	else {
		p->index = nprograms + 1;
		p->cr3 = cr3;
		ret = build_program(v, p);
	}
	if (ret == HC_OK) {
		__atomic_store_n(&nprograms, p->index, __ATOMIC_RELEASE);
		if (for_others)
			__atomic_store_n(&others, p, __ATOMIC_RELEASE);
	} else
		memset(p, 0, sizeof(*p));
	spin_unlock(&prot_lock);
	if (ret != HC_OK)
		return ret;
	hv_snprintf(who, sizeof(who), for_others ? "every unregistered CR3" : "CR3 %#lx", cr3);
	log_info("program %u registered: %s, %u regions, policy %s, view with %lu pages of its "
		 "own", p->index, who, p->table.n, prot_policy_name(p->table.policy),
		 p->view.own_pages);
	log_mline("prot-program", "id=%u scope=%s cr3=%#lx regions=%u policy=%s own_pages=%lu "
		  "eptp=%#lx", p->index, for_others ? "others" : "program", cr3, p->table.n,
		  prot_policy_name(p->table.policy), p->view.own_pages, p->eptp);
	if (program_to_run(vmread(VMCS_GUEST_CR3)) == p)
		enter_view(v, p); /* the program is running now */
	v->gpr[GPR_RBX] = p->index;
	return HC_OK;
}

static int64_t hc_switch(struct vcpu *v)
{
	uint64_t index = v->gpr[GPR_RBX];

	if (index > __atomic_load_n(&nprograms, __ATOMIC_ACQUIRE))
		return HC_ERR_INVAL;
	enter_view(v, index ? &programs[index] : NULL);
	return HC_OK;
}

/* Writes the trampoline at gpa and makes the page read+execute in the base EPT. */
static int64_t hc_trampoline(struct vcpu *v)
{
	uint64_t gpa = v->gpr[GPR_RBX];
	uint8_t *page = gpa & (PAGE_SIZE - 1) ? NULL : guest_mem_ptr(gpa, PAGE_SIZE);
	struct ept_mapping m;
	int64_t ret = HC_OK;

	spin_lock(&prot_lock);
	if (!eptp_list)
		ret = HC_ERR_PROT_NOVMFUNC;
	else if (nprograms || trampoline.n)
		ret = HC_ERR_PROT_BUSY; /* views copy the base: it must be final before them */
	else if (!page || !ept_lookup(&guest_ept, gpa, &m))
		ret = HC_ERR_INVAL;
	if (ret == HC_OK) {
		memset(page, 0xcc, PAGE_SIZE); /* INT3 around the code */
		memcpy(page, trampoline_code, sizeof(trampoline_code));
		if (ept_map(&guest_ept, gpa, gpa, PAGE_SIZE, EPT_R | EPT_X, m.memtype,
			    m.ignore_pat))
			panic("making the VMFUNC trampoline page read-only failed");
		invept_all();
		mem_ranges_add(&trampoline, gpa, gpa + PAGE_SIZE);
	}
	spin_unlock(&prot_lock);
	if (ret != HC_OK)
		return ret;
	log_info("VMFUNC trampoline at guest-physical %#lx (read+execute)", gpa);
	log_mline("prot-trampoline", "gpa=%#lx views=%d", gpa, PROT_MAX_PROGRAMS + 1);
	v->gpr[GPR_RBX] = PROT_MAX_PROGRAMS + 1;
	return HC_OK;
}

void prot_log_counters(void)
{
	unsigned n = __atomic_load_n(&nprograms, __ATOMIC_ACQUIRE);

	for (unsigned i = 1; i <= n; i++) {
		const struct prot_program *p = &programs[i];

		log_info("  program %-2u %s %#-18lx %10lu entries by MOV to CR3 or hypercall, "
			 "%lu violations", i, p == others ? "others" : "CR3   ", p->cr3,
			 p->entries, p->violations);
		log_mline("prot-stats", "program=%u scope=%s cr3=%#lx entries=%lu violations=%lu", i,
			  p == others ? "others" : "program", p->cr3, p->entries, p->violations);
	}
}

void prot_base_changed(uint64_t gpa)
{
	spin_lock(&prot_lock);
	for (unsigned i = 1; i <= nprograms; i++) {
		struct prot_program *p = &programs[i];

		if (ept_view_refresh_page(&p->view, &p->table, gpa))
			panic("out of hypervisor memory updating program %u's view at %#lx "
			      "(raise hvmem=)", i, gpa);
		__atomic_store_n(&p->stale_cpus, ~0ull, __ATOMIC_RELEASE);
	}
	spin_unlock(&prot_lock);
}

int64_t prot_hypercall(struct vcpu *v, uint64_t fn)
{
	if (!hv_opts.protect)
		return HC_ERR_PROT_OFF;
	switch (fn) {
	case HC_PROT_REGISTER:
		return hc_register(v);
	case HC_PROT_SWITCH:
		return hc_switch(v);
	case HC_PROT_TRAMPOLINE:
		return hc_trampoline(v);
	default:
		return HC_ERR_UNKNOWN;
	}
}

void handle_vmfunc(struct vcpu *v)
{
	uint64_t rip = vmread(VMCS_GUEST_RIP);

	log_warn("L2's VMFUNC leaf %lu index %lu at rip %#lx failed: #UD", v->gpr[GPR_RAX],
		 v->gpr[GPR_RCX], rip);
	log_mline("prot-vmfunc-fault", "vcpu=%u leaf=%lu index=%lu rip=%#lx", v->index,
		  v->gpr[GPR_RAX], v->gpr[GPR_RCX], rip);
	inject_exception(6, false, 0);
}
