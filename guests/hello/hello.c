/*
 * hello.c - the smallest test guest: proves the guest runtime, the ISO and
 * the launcher's verdict path. Prints its command line and the CPU vendor.
 */
#include "guest.h"
#include "x86.h"

bool guest_main(const char *cmdline)
{
	struct cpuid_regs r = cpuid(0, 0);
	char vendor[13];

	for (int i = 0; i < 4; i++) {
		vendor[i] = (char)(r.ebx >> (8 * i));
		vendor[4 + i] = (char)(r.edx >> (8 * i));
		vendor[8 + i] = (char)(r.ecx >> (8 * i));
	}
	vendor[12] = '\0';
	guest_printf("hello from a test guest, cmdline \"%s\"\n", cmdline);
	guest_mline("hello", "vendor=%s max_leaf=%u", vendor, r.eax);
	return true;
}
