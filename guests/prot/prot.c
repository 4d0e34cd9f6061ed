/*
 * prot.c - a test guest for per-program protection tables (issue 8). It
 * builds two address spaces, registers each as a program with its own
 * table, runs in each and tries allowed and forbidden reads, writes and
 * fetches, checks that the hypervisor refuses bad tables, and measures
 * view switches. mode=stop instead breaks a stop-policy table, which must
 * end the run. Ends through HC_EXIT (code 0 only if every check passed).
 */
#include <stddef.h>

#include "guest.h"
#include "guest_options.h"
#include "prot.h"
#include "vmcall.h"
#include "x86.h"

#define PTE_P 1ull
#define PTE_W 2ull

enum mode { MODE_TEST, MODE_STOP, MODE_BENCH };

struct prot_options {
	unsigned mode;
	uint64_t iters;
};

static const char *const mode_choices[] = { "test", "stop", "bench", NULL };

static const struct opt_def option_table[] = {
	{ .name = "mode", .type = OPT_ENUM, .offset = offsetof(struct prot_options, mode),
	  .choices = mode_choices, .help = "test: the checks and a short bench; stop: break a "
	  "stop-policy table; bench: only the benchmarks" },
	{ .name = "iters", .type = OPT_UINT, .offset = offsetof(struct prot_options, iters),
	  .min = 1, .max = 100000, .help = "timed runs per benchmark" },
};

#define NOPTS (sizeof(option_table) / sizeof(option_table[0]))

uint8_t secret_a[PAGE] __attribute__((aligned(PAGE)));
uint8_t secret_b[PAGE] __attribute__((aligned(PAGE)));
uint8_t shared_page[PAGE] __attribute__((aligned(PAGE)));
uint8_t trampoline_page[PAGE] __attribute__((aligned(PAGE)));
uint64_t cr3_a, cr3_b, cr3_boot;

/* A PML4, and the PDPT, PD and PT of its window, per program. */
static uint64_t tables[2][4][512] __attribute__((aligned(PAGE)));
extern uint64_t boot_pml4[512]; /* hv/lib/boot64.S: the identity map of 0-4 GiB */

static uint64_t pa(const void *p)
{
	return (uint64_t)(uintptr_t)p; /* the guest runs identity-mapped */
}

/* Program 'which': the boot identity map, plus its window on own and other. */
static uint64_t build_space(int which, const void *own, const void *other)
{
	uint64_t (*t)[512] = tables[which];

	t[0][0] = boot_pml4[0];
	t[0][1] = pa(t[1]) | PTE_P | PTE_W;
	t[1][0] = pa(t[2]) | PTE_P | PTE_W;
	t[2][0] = pa(t[3]) | PTE_P | PTE_W;
	t[3][0] = pa(own) | PTE_P | PTE_W;
	t[3][1] = pa(other) | PTE_P | PTE_W;
	return pa(t[0]);
}

void spaces_init(void)
{
	cr3_boot = read_cr3();
	cr3_a = build_space(0, secret_a, secret_b);
	cr3_b = build_space(1, secret_b, secret_a);
}

int64_t prot_register(uint64_t cr3, const struct table4 *t)
{
	struct hc_result r = vmcall(HC_PROT_REGISTER, cr3, pa(t), 0);

	return r.ret == HC_OK ? (int64_t)r.rbx : r.ret;
}

#define REGION(page, rights) { pa(page), PAGE, (rights), 0 }

/* Program A: its secret read+write, B's none, the shared page read-only, the code r-x. */
static struct table4 table_a = { { HC_PROT_INJECT_PF, 4 }, { { 0 } } };
/* Program B: A's secret none, its own read+write, shared read+write, the code not executable. */
static struct table4 table_b = { { HC_PROT_INJECT_GP, 4 }, { { 0 } } };

static void tables_init(void)
{
	const struct hc_prot_region a[4] = {
		REGION(secret_a, HC_PROT_R | HC_PROT_W), REGION(secret_b, 0),
		REGION(shared_page, HC_PROT_R), REGION(prot_exec_page, HC_PROT_R | HC_PROT_X) };
	const struct hc_prot_region b[4] = {
		REGION(secret_a, 0), REGION(secret_b, HC_PROT_R | HC_PROT_W),
		REGION(shared_page, HC_PROT_R | HC_PROT_W), REGION(prot_exec_page, HC_PROT_R) };

	for (int i = 0; i < 4; i++) {
		table_a.r[i] = a[i];
		table_b.r[i] = b[i];
	}
}

/* The VMFUNC trampoline the hypervisor wrote, or NULL without VMFUNC. */
static void (*setup_trampoline(void))(unsigned)
{
	struct hc_result r = vmcall(HC_PROT_TRAMPOLINE, pa(trampoline_page), 0, 0);

	guest_mline("prot-trampoline", "ret=%ld views=%lu", r.ret, r.rbx);
	return r.ret == HC_OK ? (void (*)(unsigned))(uintptr_t)trampoline_page : NULL;
}

bool guest_main(const char *cmdline)
{
	struct prot_options o = { .mode = MODE_TEST, .iters = 100 };
	void (*vmfunc_switch)(unsigned) = NULL;
	int64_t view_a, view_b;
	bool pass = true, on;

	if (!guest_parse_options(cmdline, option_table, NOPTS, &o, "prot-error"))
		return false;
	if (!hv_present())
		return guest_check("hypervisor", false, "reason=\"protection needs the hypervisor\"");
	spaces_init();
	tables_init();
	on = vmcall(HC_PROT_SWITCH, 0, 0, 0).ret != HC_ERR_PROT_OFF;
	guest_mline("prot-setup", "protect=%s cr3_a=%#lx cr3_b=%#lx secret_a=%#lx secret_b=%#lx "
		    "shared=%#lx exec=%#lx window=%#llx", on ? "on" : "off", cr3_a, cr3_b,
		    pa(secret_a), pa(secret_b), pa(shared_page), pa(prot_exec_page), WINDOW);
	if (on && o.mode == MODE_STOP)
		stop_policy_run();
	if (on) {
		vmfunc_switch = setup_trampoline();
		if (o.mode == MODE_TEST)
			pass &= refused_table_checks(vmfunc_switch != NULL);
		view_a = prot_register(cr3_a, &table_a);
		view_b = prot_register(cr3_b, &table_b);
		pass &= guest_check("register", view_a > 0 && view_b > 0, "view_a=%ld view_b=%ld",
				    view_a, view_b);
		if (!pass)
			return false;
		if (o.mode == MODE_TEST) {
			pass &= program_checks();
			pass &= switch_checks((unsigned)view_a, vmfunc_switch);
		}
	} else {
		view_a = view_b = 0;
		pass &= guest_check("protect-off", prot_register(cr3_a, &table_a) ==
				    HC_ERR_PROT_OFF, "reason=\"registration must say protect=off\"");
	}
	prot_bench(o.iters, on, vmfunc_switch, (unsigned)view_a, (unsigned)view_b);
	guest_mline("prot", "result=%s", pass ? "pass" : "fail");
	vmcall(HC_EXIT, pass ? 0 : 1, 0, 0);
	return guest_check("hc-exit", false, "reason=\"HC_EXIT returned\"");
}
