/*
 * hello.c - the smallest test guest: proves the guest runtime, the ISO and
 * the launcher's verdict path. Prints its command line and the CPU vendor.
 * hang=cli-spin then spins on one instruction with interrupts off, for
 * the hypervisor's watchdog; greeting= is free text it only prints.
 */
#include <stddef.h>

#include "guest.h"
#include "guest_options.h"
#include "x86.h"

struct hello_options {
	char greeting[CMDLINE_STR_MAX];
	unsigned hang; /* 0: none, 1: cli-spin */
};

static const char *const hang_names[] = { "none", "cli-spin", NULL };

static const struct opt_def option_table[] = {
	{ .name = "greeting", .type = OPT_STR, .offset = offsetof(struct hello_options, greeting),
	  .help = "printed, nothing else" },
	{ .name = "hang", .type = OPT_ENUM, .offset = offsetof(struct hello_options, hang),
	  .choices = hang_names, .help = "cli-spin: spin on one instruction, interrupts off" },
};

/* Spins forever on one instruction with interrupts off; prints where first. */
__attribute__((noreturn)) static void cli_spin(void)
{
	uint64_t rip;

	__asm__ volatile("leaq 1f(%%rip), %0" : "=r"(rip));
	guest_mline("hang", "kind=cli-spin rip=%#lx", rip);
	__asm__ volatile("cli\n1: jmp 1b" ::: "memory");
	__builtin_unreachable();
}

bool guest_main(const char *cmdline)
{
	struct cpuid_regs r = cpuid(0, 0);
	struct hello_options o = { .hang = 0 };
	char vendor[13];

	for (int i = 0; i < 4; i++) {
		vendor[i] = (char)(r.ebx >> (8 * i));
		vendor[4 + i] = (char)(r.edx >> (8 * i));
		vendor[8 + i] = (char)(r.ecx >> (8 * i));
	}
	vendor[12] = '\0';
	guest_printf("hello from a test guest, cmdline \"%s\"\n", cmdline);
	if (!guest_parse_options(cmdline, option_table,
				 sizeof(option_table) / sizeof(option_table[0]), &o, "hello-error"))
		return false;
	guest_mline("hello", "vendor=%s max_leaf=%u", vendor, r.eax);
	if (o.hang)
		cli_spin();
	return true;
}
