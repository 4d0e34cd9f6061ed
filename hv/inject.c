/*
 * inject.c - one deliberate fault per kind; the exception handler, not this
 * file, decides what happens next.
 */
#include "canary.h"
#include "inject.h"
#include "log.h"
#include "panic.h"
#include "self_protect.h"
#include "x86.h"

#define CANARY_LEAK_GPA 0x800000 /* L2's RAM, below where test guests load */

static volatile int sink;
static uint8_t data_code[16] = { 0xc3 }; /* RET, in .data: never executable */
extern const uint8_t __rodata_start[];

/* Recurses with a large frame until the stack runs into its guard page. */
__attribute__((noinline)) static unsigned overflow_stack(unsigned depth)
{
	volatile uint8_t frame[512];

	frame[0] = (uint8_t)depth;
	if (depth < (1u << 30))
		return overflow_stack(depth + 1) + frame[0]; /* not a tail call */
	return frame[0];
}

void inject_fault(enum inject_kind kind)
{
	volatile int zero = 0;
	void *user;

	if (kind == INJECT_NONE)
		return;
	if (kind == INJECT_CANARY_LEAK) { /* not a fault: the probe sweep must find it */
		canary_leak(CANARY_LEAK_GPA);
		return;
	}
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
	case INJECT_STACK_OVERFLOW:
		sink = (int)overflow_stack(0);
		break;
	case INJECT_WRITE_TEXT:
		*(volatile uint8_t *)(uintptr_t)&inject_fault = 0xcc;
		break;
	case INJECT_WRITE_RODATA:
		*(volatile uint8_t *)(uintptr_t)__rodata_start = 0;
		break;
	case INJECT_EXEC_DATA:
		((void (*)(void))(uintptr_t)data_code)();
		break;
	case INJECT_SMEP: /* a call into a user page */
		if ((user = self_protect_user_page()))
			((void (*)(void))user)();
		break;
	case INJECT_SMAP: /* a read of one, EFLAGS.AC clear */
		if ((user = self_protect_user_page()))
			sink = *(volatile int *)user;
		break;
	default:
		break;
	}
	panic("injected fault %d did not fault", kind);
}
