/*
 * triplefault.c - a test guest that triple-faults on purpose: with an IDT
 * of limit 0 no exception can be delivered, so UD2's #UD becomes #GP, then
 * #DF, then a shutdown (SDM Vol. 3A 6.15, interrupt 8), which the
 * hypervisor must catch as a triple-fault exit at this RIP.
 */
#include "guest.h"

extern const char triple_fault_rip[]; /* the UD2 below */

/* Loads an empty IDT and raises #UD; never returns. */
static __attribute__((noinline, noreturn)) void ud_without_idt(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	__asm__ volatile("lidt %0\n\t"
			 ".globl triple_fault_rip\n"
			 "triple_fault_rip: ud2"
			 : : "m"(empty));
	__builtin_unreachable();
}

bool guest_main(const char *cmdline)
{
	(void)cmdline;
	guest_mline("triplefault", "rip=%#lx", (uint64_t)(uintptr_t)triple_fault_rip);
	ud_without_idt();
}
