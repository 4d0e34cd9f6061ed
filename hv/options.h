/*
 * options.h - the hypervisor's boot options (the Multiboot2 command line),
 * one table for parsing, the error messages and the boot log.
 */
#ifndef HV_OPTIONS_H
#define HV_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "cmdline.h"

enum inject_kind { INJECT_NONE, INJECT_PF, INJECT_UD, INJECT_GP, INJECT_DE, INJECT_PANIC,
		   INJECT_HANG };

/* How the loaded guest is started: as L2, or by a plain jump (the native baseline). */
enum launch_mode { LAUNCH_VMX, LAUNCH_DIRECT };

/* L2's VMREAD/VMWRITE: all trapped (sw), or the shadowed ones on L0's VMCS shadowing (hw). */
enum vmcs_shadow_mode { VMCS_SHADOW_SW, VMCS_SHADOW_HW };

struct hv_options {
	unsigned log;      /* enum log_level */
	unsigned inject;   /* enum inject_kind: a deliberate fault, for tests */
	bool selftest;     /* run the allocator self-check at boot */
	uint64_t hvmem;    /* MiB of RAM the hypervisor keeps for itself */
	uint64_t exc_intercept; /* exception vectors that exit and are reflected */
	unsigned launch;   /* enum launch_mode */
	bool nested;       /* offer VMX to L2 (hv/vmcs/nested.h) */
	unsigned vmcs_shadow; /* enum vmcs_shadow_mode: how L2's VMREAD/VMWRITE are served */
	char prefetch[CMDLINE_STR_MAX]; /* none, default, all or field names: prefetch.c */
};

extern struct hv_options hv_opts;

/* Parses the boot command line into hv_opts; reports each error; returns their number. */
int options_parse(const char *cmdline);
/* Logs every option's effective value as one machine line. */
void options_log(void);

#endif
