/*
 * prot.h - per-program memory protection (DESIGN.md section 4, seed 004).
 * L2 registers a program (its CR3) with a protection table; the table
 * becomes an EPT view. With protect=on every MOV to CR3 exits, names the
 * program that starts running, and the hypervisor switches EPTP to its
 * view (the base view for a CR3 nobody registered). Where L0 offers
 * VMFUNC EPTP switching, L2 may also switch views itself, without an exit,
 * through a trampoline the hypervisor writes into its memory.
 */
#ifndef HV_PROT_H
#define HV_PROT_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/ept_view.h"
#include "mmu/prot_table.h"
#include "vcpu.h"

/* View 0 is the base; programs get 1..PROT_MAX_PROGRAMS (their EPTP-list index). */
#define PROT_MAX_PROGRAMS 15
/* The cr3 of the table for every CR3 no program registered (HC_PROT_FOR_OTHERS). */
#define PROT_CR3_OTHERS (~0ull)

struct prot_program {
	unsigned index;          /* its view's EPTP-list index, VMFUNC's ECX */
	uint64_t cr3;            /* its page-table root (CR3 bits 51:12) */
	uint64_t eptp;
	uint64_t stale_cpus;     /* vCPUs that must INVEPT it before first use */
	uint64_t entries;        /* times a vCPU switched to it by MOV to CR3 or hypercall */
	uint64_t violations;     /* accesses it refused */
	struct prot_table table;
	struct ept_view view;
};

/* Sets up the EPTP list (VMFUNC) once guest_mem_init built the base EPT. */
void prot_init(void);
/* With protect=on: CR3-load exiting and VMFUNC EPTP switching in the loaded VMCS. */
void prot_vmcs_setup(void);
/*
 * L2 loaded CR3 (exit_cr.c emulated it): run with that program's view, or
 * the others' table's for a CR3 nobody registered, or else the base view.
 */
void prot_cr3_loaded(struct vcpu *v, uint64_t cr3);
/*
 * The base EPT's 4 KiB page at gpa was remapped (guest_mem.c): every view
 * takes the change; each vCPU INVEPTs a view before it next enters it by
 * MOV to CR3 or hypercall (the caller flushes its own CPU).
 */
void prot_base_changed(uint64_t gpa);
/* The HC_PROT_* hypercalls; returns RAX. */
int64_t prot_hypercall(struct vcpu *v, uint64_t fn);
/* Whether any program is registered (so a view may be in use). */
bool prot_active(void);
/* The registered program whose view 'eptp' is, or NULL (the base view). */
struct prot_program *prot_program_of_eptp(uint64_t eptp);
/* Logs each program's entries and violations ("@hv prot-stats"), at the end of the run. */
void prot_log_counters(void);
/*
 * An EPT violation (exit_fault.c): true if a view refused what the base
 * allows, and the table's policy was applied; false if it is not a view's.
 */
bool prot_ept_violation(struct vcpu *v, uint64_t qual, uint64_t gpa);
/* A VMFUNC that failed (bad leaf or view index): #UD, as without the function. */
void handle_vmfunc(struct vcpu *v);

#endif
