/*
 * hypercall.c - VMCALL: the functions of hypercall.h.
 */
#include "canary.h"
#include "emul/emul_exit.h"
#include "exit.h"
#include "guest_mem.h"
#include "paging.h"
#include "guest_stop.h"
#include "hypercall.h"
#include "irq/irq.h"
#include "irq/pci_config.h"
#include "lib/string.h"
#include "log.h"
#include "vmcs/nested.h"
#include "options.h"
#include "prot.h"
#include "vmx.h"

#define AR_DPL(ar) (((ar) >> 5) & 3)

static int64_t hc_log(struct vcpu *v)
{
	uint64_t len = v->gpr[GPR_RCX];
	const char *text = len <= HC_LOG_MAX ? guest_mem_ptr(v->gpr[GPR_RBX], len) : NULL;
	char buf[HC_LOG_MAX + 1];

	if (!text)
		return HC_ERR_INVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (char *c = buf; *c; c++)
		if (*c == '"' || *c < ' ' || *c > '~')
			*c = '?'; /* keep the machine line parseable */
	log_mline("guest-log", "vcpu=%u text=\"%s\"", v->index, buf);
	return HC_OK;
}

/* HC_EMUL_PROMOTE / HC_EMUL_PATCH: a threshold as promote= and patch= take it. */
static int64_t hc_emul(struct vcpu *v)
{
	bool promote = v->gpr[GPR_RAX] == HC_EMUL_PROMOTE;
	uint64_t n = v->gpr[GPR_RBX];

	if (n == HC_EMUL_PROMOTE_BOOT)
		n = promote ? hv_opts.promote_threshold : hv_opts.patch_threshold;
	else if (n > HC_EMUL_THRESHOLD_MAX)
		return HC_ERR_INVAL;
	if (promote)
		emul_set_promotion(n);
	else if (!emul_set_patching(n))
		return HC_ERR_INVAL; /* no patching in this run (paging=shadow|hybrid) */
	return HC_OK;
}

void handle_vmcall(struct vcpu *v)
{
	int64_t ret = HC_OK;

	if (emul_patches_active() && emul_patched_vmcall(v))
		return; /* a patched site's VMCALL, not a hypercall */
	if (AR_DPL(vmread(VMCS_GUEST_SS_ACCESS_RIGHTS)) != 0 &&
	    v->gpr[GPR_RAX] != HC_PROT_REGISTER) {
		ret = HC_ERR_PERM;
	} else {
		switch (v->gpr[GPR_RAX]) {
		case HC_VERSION:
			v->gpr[GPR_RBX] = HC_ABI_VERSION;
			v->gpr[GPR_RCX] = HC_SIGNATURE_LOW;
			v->gpr[GPR_RDX] = HC_SIGNATURE_HIGH;
			break;
		case HC_LOG:
			ret = hc_log(v);
			break;
		case HC_PROBE_CANARY:
			v->gpr[GPR_RBX] = canary_complement();
			break;
		case HC_EXIT_COUNT:
			v->gpr[GPR_RBX] = vcpu_exits(v);
			v->gpr[GPR_RCX] = vcpu_vmrw(v);
			break;
		case HC_IRQ_INFO:
			v->gpr[GPR_RBX] = (v->intercept_irq ? HC_IRQ_INTERCEPT : 0) |
					  (v->virtual_nmis ? HC_IRQ_NMI_EXITING : 0) |
					  (irq_routes_policed() ? HC_IRQ_ROUTES_POLICED : 0);
			v->gpr[GPR_RCX] = v->irq.raised;
			v->gpr[GPR_RDX] = v->irq.nmis_raised;
			break;
		case HC_NESTED_STATS:
			ret = nested_hc_stats(v);
			break;
		case HC_EMUL_PROMOTE:
		case HC_EMUL_PATCH:
			ret = hc_emul(v);
			break;
		case HC_EMUL_PATCH_STATS:
			v->gpr[GPR_RBX] = emul_patch_fast_hits();
			v->gpr[GPR_RCX] = emul_patched_sites();
			break;
		case HC_EXIT:
			log_mline("guest-exit", "device=hypercall code=%lu", v->gpr[GPR_RBX]);
			guest_stop(v, v->gpr[GPR_RBX] == 0,
				   v->gpr[GPR_RBX] == 0 ? "guest-exit-pass" : "guest-exit-fail");
			/* guest_stop does not return */
		default:
			if (v->gpr[GPR_RAX] >= HC_PAGING_FIRST && v->gpr[GPR_RAX] <= HC_PAGING_LAST)
				ret = paging_hypercall(v, v->gpr[GPR_RAX]);
			else if (v->gpr[GPR_RAX] >= HC_MSIX_TEST &&
				 v->gpr[GPR_RAX] <= HC_ECAM_TEST)
				ret = pci_test_hypercall(v, v->gpr[GPR_RAX]);
			else
				ret = v->gpr[GPR_RAX] >> 8 == HC_PROT_REGISTER >> 8 ?
				      prot_hypercall(v, v->gpr[GPR_RAX]) : HC_ERR_UNKNOWN;
		}
	}
	v->gpr[GPR_RAX] = (uint64_t)ret;
	skip_instruction();
}
