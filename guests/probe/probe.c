/*
 * probe.c - a test guest that reads memory the hypervisor keeps for itself
 * (target=image|pool): under the hypervisor the read must end the run as a
 * refused EPT access; on bare L0 it succeeds. target=unmapped reads what no
 * page table maps: the guest runtime's own panic path. target=sweep reads
 * everything L2 can name (sweep.c).
 */
#include <stddef.h>

#include "guest.h"
#include "guest_options.h"
#include "probe.h"

struct probe_options {
	unsigned target; /* enum probe_target */
};

static const char *const target_names[] = { "image", "pool", "unmapped", "sweep", NULL };

static const struct opt_def option_table[] = {
	{ .name = "target", .type = OPT_ENUM, .offset = offsetof(struct probe_options, target),
	  .choices = target_names, .help = "what to read" },
};

#define NOPTS (sizeof(option_table) / sizeof(option_table[0]))

/* The memory map as the loader gave it, for the log's reader. */
static void print_mmap(const struct mb2_info *mbi)
{
	for (unsigned i = 0; i < mbi->n_mmap; i++) {
		const struct mb2_mmap_entry *e = &mbi->mmap[i];

		guest_printf("probe: mmap 0x%012lx-0x%012lx %s\n", e->base, e->base + e->len,
			     mb2_mem_type_name(e->type));
	}
}

bool guest_main(const char *cmdline)
{
	struct probe_options o = { .target = TARGET_IMAGE };
	const char *name;
	uint64_t addr, value;

	if (!guest_parse_options(cmdline, option_table, NOPTS, &o, "probe-error"))
		return false;
	name = target_names[o.target];
	print_mmap(guest_boot_info());
	if (o.target == TARGET_SWEEP)
		return probe_sweep(guest_boot_info());
	addr = probe_target_addr(o.target, guest_boot_info());
	if (!addr) {
		guest_mline("probe-error", "target=%s reason=not-found", name);
		return false;
	}
	guest_mline("probe", "target=%s addr=%#lx", name, addr);
	value = *(const volatile uint64_t *)(uintptr_t)addr;
	guest_mline("probe-read", "target=%s addr=%#lx value=%#lx", name, addr, value);
	return true;
}
