/*
 * prot_checks.c - what the protection test guest checks: tables the
 * hypervisor must refuse, each program's allowed and forbidden accesses
 * (read, write, fetch) with the fault its table's policy says, and view
 * switches by hypercall and by VMFUNC outside either program.
 */
#include "emul/test_mmio.h"
#include "guest.h"
#include "prot.h"
#include "trap.h"
#include "vmcall.h"
#include "x86.h"

#define UD 6
#define GP 13
#define PF 14
#define PF_P 1u
#define PF_W 2u
#define HV_IMAGE 0x200000ull /* the hypervisor's image (its "@hv memory" line) */
#define PATTERN_A 0xa11ce5ec12e7a000ull
#define PATTERN_B 0xb0b5ec12e7b00000ull

static bool read_faults(uint64_t addr, uint64_t *value)
{
	uint64_t v = 0;
	uint8_t fault = 0;

	__asm__ volatile(EXTABLE_INSN("movq (%[p]), %[v]")
			 : [v] "+r"(v), [fault] "+qm"(fault) : [p] "r"(addr) : "memory");
	*value = v;
	return fault;
}

static bool write_faults(uint64_t addr, uint64_t value)
{
	uint8_t fault = 0;

	__asm__ volatile(EXTABLE_INSN("movq %[v], (%[p])")
			 : [fault] "+qm"(fault) : [p] "r"(addr), [v] "r"(value) : "memory");
	return fault;
}

/* Whether the last expected fault was 'vector' with 'error' (and CR2 = cr2 for #PF). */
static bool fault_was(bool faulted, unsigned vector, uint64_t error, uint64_t cr2)
{
	return faulted_with(faulted, vector) && guest_last_fault.error_code == error &&
	       (vector != PF || read_cr2() == cr2);
}

static uint64_t pa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Registers 'n' regions for program A's CR3; passes if the result is 'want'. */
static bool refused(const char *name, int64_t want, unsigned n, struct hc_prot_region r0,
		    struct hc_prot_region r1)
{
	struct table4 t = { { HC_PROT_INJECT_PF, n }, { r0, r1 } };
	int64_t got = prot_register(cr3_a, &t);

	return guest_check(name, got == want, "ret=%ld want=%ld", got, want);
}

bool refused_table_checks(bool have_trampoline)
{
	const struct hc_prot_region ok = { pa(secret_a), PAGE, HC_PROT_R, 0 };
	const struct hc_prot_region none = { 0, 0, 0, 0 };
	bool pass = true;
	int64_t got;

	pass &= refused("refuse-empty", HC_ERR_INVAL, 2, ok,
			(struct hc_prot_region){ pa(secret_b), 0, HC_PROT_R, 0 });
	pass &= refused("refuse-unaligned", HC_ERR_INVAL, 1,
			(struct hc_prot_region){ pa(secret_a) + 8, PAGE, HC_PROT_R, 0 }, none);
	pass &= refused("refuse-wrap", HC_ERR_INVAL, 1,
			(struct hc_prot_region){ ~0xfffull, 2 * PAGE, HC_PROT_R, 0 }, none);
	pass &= refused("refuse-conflict", HC_ERR_INVAL, 2, ok,
			(struct hc_prot_region){ pa(secret_a), PAGE, HC_PROT_R | HC_PROT_W, 0 });
	pass &= refused("refuse-hv-memory", HC_ERR_INVAL, 2, ok,
			(struct hc_prot_region){ HV_IMAGE, PAGE, 0, 0 });
	pass &= refused("refuse-device", HC_ERR_INVAL, 2, ok,
			(struct hc_prot_region){ TEST_MMIO_BASE, TEST_MMIO_SIZE, HC_PROT_R, 0 });
	pass &= refused("refuse-write-only", HC_ERR_INVAL, 1,
			(struct hc_prot_region){ pa(secret_a), PAGE, HC_PROT_W, 0 }, none);
	if (have_trampoline)
		pass &= refused("refuse-trampoline", HC_ERR_INVAL, 1,
				(struct hc_prot_region){ pa(trampoline_page), PAGE, HC_PROT_R, 0 },
				none);
	pass &= refused("refuse-count", HC_ERR_INVAL, HC_PROT_MAX_REGIONS + 1, ok, ok);
	got = (int64_t)vmcall(HC_PROT_REGISTER, cr3_a, HV_IMAGE, 0).ret;
	pass &= guest_check("refuse-not-ram", got == HC_ERR_INVAL, "ret=%ld", got);
	return pass;
}

/* Program A: its secret (at WINDOW) read+write, B's (at WINDOW + PAGE) none, ... */
static bool program_a_checks(void)
{
	uint64_t v = 0;
	bool pass = true, f;

	write_cr3(cr3_a);
	f = write_faults(WINDOW, PATTERN_A) || read_faults(WINDOW, &v);
	pass &= guest_check("a-own-secret", !f && v == PATTERN_A && *(uint64_t *)secret_a ==
			    PATTERN_A, "faulted=%d value=%#lx", f, v);
	f = read_faults(WINDOW + PAGE, &v);
	pass &= guest_check("a-read-other-pf", fault_was(f, PF, PF_P, WINDOW + PAGE),
			    "faulted=%d vector=%lu error=%#lx cr2=%#lx", f,
			    guest_last_fault.vector, guest_last_fault.error_code, read_cr2());
	f = read_faults(pa(shared_page), &v);
	pass &= guest_check("a-read-shared", !f, "faulted=%d", f);
	f = write_faults(pa(shared_page), 1);
	pass &= guest_check("a-write-shared-pf", fault_was(f, PF, PF_P | PF_W, pa(shared_page)),
			    "faulted=%d vector=%lu error=%#lx cr2=%#lx", f,
			    guest_last_fault.vector, guest_last_fault.error_code, read_cr2());
	v = prot_exec_target();
	pass &= guest_check("a-exec", v == EXEC_RAN, "returned=%#lx", v);
	return pass;
}

/* Program B: A's secret none, its own read+write, shared read+write, the code not executable. */
static bool program_b_checks(void)
{
	uint64_t v = 0;
	bool pass = true, f;

	write_cr3(cr3_b);
	f = write_faults(WINDOW, PATTERN_B) || read_faults(WINDOW, &v);
	pass &= guest_check("b-own-secret", !f && v == PATTERN_B && *(uint64_t *)secret_b ==
			    PATTERN_B, "faulted=%d value=%#lx", f, v);
	f = read_faults(pa(secret_a), &v);
	pass &= guest_check("b-read-other-gp", fault_was(f, GP, 0, 0),
			    "faulted=%d vector=%lu error=%#lx", f, guest_last_fault.vector,
			    guest_last_fault.error_code);
	f = write_faults(WINDOW + PAGE, 2);
	pass &= guest_check("b-write-other-gp", fault_was(f, GP, 0, 0),
			    "faulted=%d vector=%lu", f, guest_last_fault.vector);
	f = write_faults(pa(shared_page), 3) || read_faults(pa(shared_page), &v);
	pass &= guest_check("b-shared", !f && v == 3, "faulted=%d value=%lu", f, v);
	v = prot_exec_target();
	pass &= guest_check("b-exec-gp", v == EXEC_FAULTED && guest_last_fault.vector == GP &&
			    guest_last_fault.rip == pa(prot_exec_target), "returned=%#lx vector=%lu "
			    "rip=%#lx", v, guest_last_fault.vector, guest_last_fault.rip);
	return pass;
}

bool program_checks(void)
{
	struct table4 t = { { HC_PROT_STOP, 0 }, { { 0 } } };
	int64_t again = prot_register(cr3_a, &t);
	uint64_t v = 0;
	bool pass = true, f;

	pass &= guest_check("refuse-same-cr3", again == HC_ERR_PROT_BUSY, "ret=%ld", again);
	pass &= program_a_checks();
	pass &= program_b_checks();
	pass &= program_a_checks(); /* back again: A's view, not B's */
	write_cr3(cr3_boot);
	f = read_faults(pa(secret_a), &v) || read_faults(pa(secret_b), &v);
	pass &= guest_check("base-view", !f && v == PATTERN_B, "faulted=%d value=%#lx", f, v);
	return pass;
}

/* Reads secret_b from the boot CR3: in A's view it faults, in the base view not. */
static bool secret_b_check(const char *name, bool in_a)
{
	uint64_t v = 0;
	bool f = read_faults(pa(secret_b), &v);

	return guest_check(name, in_a ? fault_was(f, PF, PF_P, pa(secret_b)) : !f,
			   "faulted=%d vector=%lu", f, guest_last_fault.vector);
}

bool switch_checks(unsigned view_a, void (*vmfunc_switch)(unsigned))
{
	bool pass = true, f;
	uint8_t fault = 0;

	vmcall(HC_PROT_SWITCH, view_a, 0, 0);
	pass &= secret_b_check("hc-switch-a", true);
	vmcall(HC_PROT_SWITCH, 0, 0, 0);
	pass &= secret_b_check("hc-switch-base", false);
	if (!vmfunc_switch) {
		guest_mline("check", "name=vmfunc-switch skipped=\"L0 offers no EPTP switching\"");
		return pass;
	}
	vmfunc_switch(view_a);
	pass &= secret_b_check("vmfunc-switch-a", true);
	vmfunc_switch(0);
	pass &= secret_b_check("vmfunc-switch-base", false);
	__asm__ volatile(EXTABLE_INSN("vmfunc")
			 : [fault] "+qm"(fault) : "a"(0), "c"(99) : "memory");
	f = fault;
	pass &= guest_check("vmfunc-bad-index-ud", faulted_with(f, UD), "faulted=%d vector=%lu",
			    f, guest_last_fault.vector);
	return pass;
}

void stop_policy_run(void)
{
	struct table4 t = { { HC_PROT_STOP, 1 }, { { pa(secret_b), PAGE, 0, 0 } } };
	int64_t view = prot_register(cr3_a, &t);
	uint64_t v;

	guest_check("register-stop", view > 0, "view=%ld", view);
	write_cr3(cr3_a);
	guest_mline("prot-stop-attempt", "gla=%#llx gpa=%#lx", WINDOW + PAGE, pa(secret_b));
	read_faults(WINDOW + PAGE, &v);
	guest_check("stop-policy", false, "reason=\"the forbidden read went on\"");
}
