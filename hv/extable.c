/*
 * extable.c - the table the linker gathers from every EXTABLE_INSN.
 */
#include "extable.h"

struct extable_entry {
	uint64_t insn, fixup;
};

extern const struct extable_entry __extable_start[], __extable_end[];

bool extable_fixup(struct exception_frame *f)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
		if (e->insn == f->rip) {
			f->rip = e->fixup;
			return true;
		}
	}
	return false;
}
