/*
 * prot.h - the protection-table test guest: two programs (address spaces
 * with their own CR3) whose tables differ, the accesses each tries, the
 * tables the hypervisor must refuse, and the view-switch benchmarks.
 */
#ifndef GUESTS_PROT_PROT_H
#define GUESTS_PROT_PROT_H

#include <stdbool.h>
#include <stdint.h>

#include "hypercall.h"

#define PAGE 4096
/* PML4 slot 1: in each program, its own secret at WINDOW, the other's at WINDOW + PAGE. */
#define WINDOW 0x8000000000ull

/* Pages the tables name (page-aligned, in .bss), and the code page. */
extern uint8_t secret_a[PAGE], secret_b[PAGE], shared_page[PAGE], trampoline_page[PAGE];
extern char prot_exec_page[];
/* In prot_exec_page: returns EXEC_RAN, or EXEC_FAULTED through its fixup. */
uint32_t prot_exec_target(void);
#define EXEC_RAN 0x1234u
#define EXEC_FAULTED 0xdeadu

/* The two programs' CR3s and the one the guest booted with (the base view). */
extern uint64_t cr3_a, cr3_b, cr3_boot;

/* Builds both address spaces. */
void spaces_init(void);
/* A table with up to four regions, for HC_PROT_REGISTER. */
struct table4 {
	struct hc_prot_table h;
	struct hc_prot_region r[4];
};
/* HC_PROT_REGISTER; the view index, or a negative HC_ERR_*. */
int64_t prot_register(uint64_t cr3, const struct table4 *t);

/* The checks (prot_checks.c); each returns true if all passed. */
bool refused_table_checks(bool have_trampoline);
bool program_checks(void);
bool switch_checks(unsigned view_a, void (*vmfunc_switch)(unsigned));
/* Registers a stop-policy program and breaks its table: the run must end. */
void stop_policy_run(void);

/* The benchmarks (prot_bench.c). */
void prot_bench(uint64_t iters, bool protect_on, void (*vmfunc_switch)(unsigned),
		unsigned view_a, unsigned view_b);

#endif
