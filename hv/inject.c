/*
 * inject.c - one deliberate fault per kind; the exception handler, not this
 * file, decides what happens next.
 */
#include "inject.h"
#include "log.h"
#include "panic.h"
#include "x86.h"

static volatile int sink;

void inject_fault(enum inject_kind kind)
{
	volatile int zero = 0;

	if (kind == INJECT_NONE)
		return;
	log_info("injecting a fault as asked (inject=%d)", kind);
	switch (kind) {
	case INJECT_PF:
		sink = *(volatile int *)(uintptr_t)0xdead0000000ull; /* unmapped */
		break;
	case INJECT_UD:
		__asm__ volatile("ud2");
		break;
	case INJECT_GP:
		sink = *(volatile int *)(uintptr_t)0x8000000000000000ull; /* non-canonical */
		break;
	case INJECT_DE: /* asm: the compiler may turn 1/x into compares */
		__asm__ volatile("divl %0" : : "r"(zero), "a"(1), "d"(0));
		break;
	case INJECT_PANIC:
		panic("injected panic");
	case INJECT_HANG: /* for the launcher's timeout path */
		cpu_halt_forever();
	default:
		break;
	}
	panic("injected fault %d did not fault", kind);
}
