/*
 * options.c - the table of boot options. A new mechanism adds its switch
 * here and nowhere else: parsing, errors and the "@hv options" line follow.
 */
#include <stddef.h>

#include "irq/policy.h"
#include "lib/format.h"
#include "lib/string.h"
#include "log.h"
#include "options.h"

struct hv_options hv_opts = {
	.log = LOG_INFO,
	.inject = INJECT_NONE,
	.selftest = true,
	.hvmem = 32,
	.prefetch = "default",
	.promote_threshold = 4,
	.selfprotect = true,
	.pool_mib = 8,
	.pool_backing = 50,
	.exit_fastpath = true,
	.irq_eoi = IRQ_EOI_VIRTUAL,
	.hybrid_writes = 2,
	.hybrid_quiet = 4,
	.hybrid_misses = 5,
};

static const char *const launch_choices[] = { "vmx", "direct", NULL };
static const char *const vmcs_shadow_choices[] = { "sw", "hw", NULL };
static const char *const paging_choices[] = { "nested", "shadow", "hybrid", NULL };
static const char *const emul_unsupported_choices[] = { "stop", "ud", NULL };
static const char *const log_choices[] = { "error", "warn", "info", "debug", NULL };
static const char *const inject_choices[] = { "none", "pf", "ud", "gp", "de", "panic",
					      "hang", "stack-overflow", "write-text",
					      "write-rodata", "exec-data", "canary-leak", "smep", "smap", NULL };
static const char *const guest_fault_choices[] = { "stop", "inject", NULL };
static const char *const irq_eoi_choices[] = { "count", "virtual", NULL };

#define OPT(n, t, field, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct hv_options, field), __VA_ARGS__ }

static const struct opt_def option_table[] = {
	OPT("log", OPT_ENUM, log, .choices = log_choices, .help = "serial log level"),
	OPT("inject", OPT_ENUM, inject, .choices = inject_choices,
	    .help = "cause a fault after boot (tests the panic path)"),
	OPT("selftest", OPT_BOOL, selftest, .help = "allocator self-check at boot"),
	OPT("hvmem", OPT_UINT, hvmem, .min = 4, .max = 2048,
	    .help = "MiB of RAM the hypervisor keeps (its page pool); L2 gets the rest"),
	OPT("launch", OPT_ENUM, launch, .choices = launch_choices,
	    .help = "vmx: run the guest as L2; direct: load it the same way, then jump to it "
		    "without VMX (a 64-bit guest only: the native baseline)"),
	OPT("protect", OPT_BOOL, protect,
	    .help = "per-program protection tables (MOV to CR3 exits and picks the EPT view)"),
	OPT("exc_intercept", OPT_SET, exc_intercept, .min = 0, .max = 31,
	    .help = "exception vectors that exit to the hypervisor, which reflects them"),
	OPT("nested", OPT_BOOL, nested, .help = "offer VMX to L2, so it can run its own guest (L3)"),
	OPT("vmcs_shadow", OPT_ENUM, vmcs_shadow, .choices = vmcs_shadow_choices,
	    .help = "L2's VMREAD/VMWRITE: sw, all trapped and served from its virtual VMCS; "
		    "hw, the shadowed fields served by L0's VMCS shadowing without an exit"),
	OPT("prefetch", OPT_STR, prefetch,
	    .help = "fields copied into L2's virtual VMCS at every reflected exit: none, "
		    "default, all, or field names joined by commas (e.g. EXIT_QUALIFICATION)"),
	OPT("emul_unsupported", OPT_ENUM, emul_unsupported, .choices = emul_unsupported_choices,
	    .help = "an instruction the emulator cannot do: stop the run, or give L2 #UD"),
	OPT("mmio_test", OPT_BOOL, mmio_test,
	    .help = "the test MMIO device at 0xd0000000 (hv/emul/test_mmio.h)"),
	OPT("promote", OPT_UINT, promote_threshold, .min = 1, .max = 1000000, .off = true,
	    .help = "traps of an emulated instruction before its decode is cached"),
	OPT("patch", OPT_UINT, patch_threshold, .min = 1, .max = 1000000, .off = true,
	    .help = "promoted traps of a site before it is patched to a VMCALL"),
	OPT("selfprotect", OPT_BOOL, selfprotect,
	    .help = "the hypervisor's own W^X/NX page tables, stack guard pages, SMEP/SMAP"),
	OPT("watchdog", OPT_UINT, watchdog, .min = 1, .max = 3600000, .off = true,
	    .help = "ms an L2 vCPU may go without a VM exit or a RIP change before the run "
		    "fails (VMX-preemption timer)"),
	OPT("guest_fault", OPT_ENUM, guest_fault, .choices = guest_fault_choices,
	    .help = "an L2 access to memory it may not touch: stop the run, or report it and "
		    "inject #GP(0) so L2 goes on"),
	OPT("paging", OPT_ENUM, paging, .choices = paging_choices,
	    .help = "nested: EPT only; shadow: shadow page tables once L2 pages; hybrid: both, "
		    "per address space"),
	OPT("paging_trace", OPT_BOOL, paging_trace,
	    .help = "paging=shadow|hybrid: log each CR3 load, guest page-table write and hidden "
		    "fault (@hv ptrace), a trace for scripts/hvtool/walkmodel.py"),
	OPT("hybrid_writes", OPT_UINT, hybrid_writes, .min = 1, .max = 1000000,
	    .help = "paging=hybrid: page-table-write traps of a shadowed space that move it "
		    "to nested (at its next CR3 load)"),
	OPT("hybrid_probe", OPT_UINT, hybrid_probe, .min = 1, .max = 1000000, .off = true,
	    .help = "paging=hybrid: CR3 loads of a nested space before it is shadowed again "
		    "to be measured anew, quiet or not (default off)"),
	OPT("hybrid_quiet", OPT_UINT, hybrid_quiet, .min = 1, .max = 64,
	    .help = "paging=hybrid: CR3 loads of a nested space in a row with the tables it "
		    "wrote unchanged before it may be shadowed again (doubled after a failed try)"),
	OPT("hybrid_misses", OPT_UINT, hybrid_misses, .min = 0, .max = 100000,
	    .help = "paging=hybrid: hidden faults per 100 shadowed CR3 loads a quiet space "
		    "must have taken (its TLB-miss cost) to be shadowed again"),
	OPT("pool", OPT_BOOL, pool,
	    .help = "back the top pool_mib MiB of L2's RAM on demand from a page pool "
		    "(first touch, sharing, swapping; one CPU)"),
	OPT("pool_mib", OPT_UINT, pool_mib, .min = 1, .max = 1024,
	    .help = "MiB of L2's RAM the page pool backs"),
	OPT("pool_backing", OPT_UINT, pool_backing, .min = 1, .max = 100,
	    .help = "percent of the pool's region machine pages back; the rest swaps"),
	OPT("exit_fastpath", OPT_BOOL, exit_fastpath,
	    .help = "serve CPUID and VMCALL HC_VERSION on vmx_entry.S's fast path (off: "
		    "every exit takes the generic path, for comparison)"),
	OPT("ioapic_model", OPT_BOOL, ioapic_model,
	    .help = "L2's IOAPIC through the hypervisor's model, routes checked against irq="),
	OPT("msi_model", OPT_BOOL, msi_model,
	    .help = "L2's PCI configuration space (0xcf8/0xcfc, ECAM) and MSI-X tables through "
		    "the hypervisor, MSI and MSI-X addresses checked against irq="),
	OPT("msix_test", OPT_BOOL, msix_test,
	    .help = "with msi_model=on: a synthetic MSI-X table (no PCI function) at 0xd0010000 "
		    "behind the model, for tests on platforms without an MSI-X device"),
	OPT("ecam_test", OPT_BOOL, ecam_test,
	    .help = "with msi_model=on: a synthetic ECAM window for bus 0 at 0xd0100000 (not in "
		    "MCFG) behind the model, for tests on platforms without ECAM"),
	OPT("irq", OPT_STR, irq,
	    .help = "<cpu>:direct|intercept,...: external interrupts straight to L2 or through "
		    "the hypervisor, per CPU (default: direct everywhere)"),
	OPT("irq_eoi", OPT_ENUM, irq_eoi, .choices = irq_eoi_choices,
	    .help = "intercepting CPUs: count, L2's EOI ends the real APIC's highest vector in "
		    "service; virtual, virtual-interrupt delivery ends each vector, level-"
		    "triggered ones on the real APIC at L2's EOI (where L0 offers it)"),
};

#define NOPTS (sizeof(option_table) / sizeof(option_table[0]))

int options_parse(const char *cmdline)
{
	struct cmdline_error errs[8];
	char msg_irq[160];
	int n = cmdline_parse(cmdline, option_table, NOPTS, &hv_opts, errs, 8);

	for (int i = 0; i < n && i < 8; i++) {
		char msg[256];

		cmdline_error_format(&errs[i], option_table, NOPTS, msg, sizeof(msg));
		log_error("command line: %s", msg);
		log_mline("cmdline-error", "token=\"%s\"", errs[i].token);
	}
	if (n > 8)
		log_error("command line: %d more errors", n - 8);
	if (!irq_policy_parse(hv_opts.irq, &irq_policy, msg_irq, sizeof(msg_irq))) {
		log_error("command line: %s", msg_irq);
		log_mline("cmdline-error", "token=\"irq=%s\"", hv_opts.irq);
		n++;
	}
	log_level = (enum log_level)hv_opts.log;
	return n;
}

/*
 * Every option's value, as "@hv options" lines of whole key=value tokens:
 * a token that would not fit starts another line (scripts merge them), so
 * no option is ever cut off, however many the table grows to.
 */
void options_log(void)
{
	char line[400], tok[CMDLINE_STR_MAX + 40]; /* a line within CONSOLE_LINE_MAX with the prefix */
	size_t len = 0;

	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt_def *d = &option_table[i];
		const char *field = (const char *)&hv_opts + d->offset;
		size_t n;

		if (d->type == OPT_ENUM)
			hv_snprintf(tok, sizeof(tok), "%s=%s", d->name,
				    d->choices[*(const unsigned *)field]);
		else if (d->type == OPT_BOOL)
			hv_snprintf(tok, sizeof(tok), "%s=%s", d->name,
				    *(const bool *)field ? "on" : "off");
		else if (d->type == OPT_SET)
			hv_snprintf(tok, sizeof(tok), "%s=%#lx", d->name, *(const uint64_t *)field);
		else if (d->type == OPT_UINT && d->off && !*(const uint64_t *)field)
			hv_snprintf(tok, sizeof(tok), "%s=off", d->name);
		else if (d->type == OPT_UINT)
			hv_snprintf(tok, sizeof(tok), "%s=%lu", d->name, *(const uint64_t *)field);
		else
			hv_snprintf(tok, sizeof(tok), "%s=\"%s\"", d->name, field);
		n = strlen(tok);
		if (len && len + 1 + n >= sizeof(line)) {
			log_mline("options", "%s", line);
			len = 0;
		}
		len += (size_t)hv_snprintf(line + len, sizeof(line) - len, "%s%s", len ? " " : "",
					   tok);
	}
	if (len)
		log_mline("options", "%s", line);
}
