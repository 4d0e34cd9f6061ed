/*
 * self_protect.h - the hypervisor protecting itself (selfprotect=on): its own
 * page tables with W^X and NX by section, guard pages under every stack,
 * SMEP and SMAP, and fault reports that name what was hit.
 */
#ifndef HV_SELF_PROTECT_H
#define HV_SELF_PROTECT_H

#include <stddef.h>
#include <stdint.h>

/* Builds the protected page tables (BSP, once the page pool exists) and enters them. */
void self_protect_init(void);
/* Enters them on this CPU: EFER.NXE, CR4.SMEP/SMAP where offered, CR3. */
void self_protect_enter_cpu(void);
/*
 * A stack of 'pages' pages from the pool with an unmapped guard page under
 * it, named 'what' of CPU 'cpu' in fault reports; returns its top.
 */
uint64_t self_protect_stack_alloc(unsigned pages, const char *what, unsigned cpu);
/*
 * inject=smep|smap: a pool page holding RET, mapped as a user page; fetching
 * from it or reading it must fault with SMEP and SMAP on. NULL when off.
 */
void *self_protect_user_page(void);
/*
 * Explains a page fault or double fault at 'cr2' (error code 'error'): writes
 * a human sentence to 'human' and " key=value" fields for the panic record
 * to 'fields'; both empty when there is nothing to add.
 */
void self_protect_explain_fault(uint64_t vector, uint64_t error, uint64_t cr2, char *human,
			   size_t human_len, char *fields, size_t fields_len);

#endif
