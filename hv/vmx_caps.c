/*
 * vmx_caps.c - decodes the VMX capability MSRs (SDM Vol. 3D, Appendix A)
 * into struct vmx_caps; every named feature comes from feature_table.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmx_bits.h"
#include "vmx_caps.h"

/* IA32_VMX_BASIC fields (SDM Vol. 3D A.1). */
#define BASIC_REVISION_MASK	0x7fffffffull
#define BASIC_BIT31		(1ull << 31)
#define BASIC_SIZE_SHIFT	32
#define BASIC_SIZE_MASK		0x1fffull	/* bits 44:32 */
#define BASIC_MEMTYPE_SHIFT	50
#define BASIC_MEMTYPE_MASK	0xfull		/* bits 53:50 */
#define BASIC_TRUE_CTLS		(1ull << 55)
#define VMCS_SIZE_MAX		4096u
#define MEMTYPE_UC		0u
#define MEMTYPE_WB		6u

/* IA32_VMX_MISC bits 4:0 (SDM Vol. 3D A.6). */
#define MISC_TIMER_SHIFT_MASK	0x1full

/* The capability words a feature's bit can live in. */
enum cap_word {
	W_PIN,		/* allowed-1 half of the pin-based controls */
	W_PROC,		/* ... primary processor-based controls */
	W_PROC2,	/* ... secondary processor-based controls */
	W_EXIT,		/* ... VM-exit controls */
	W_ENTRY,	/* ... VM-entry controls */
	W_EPT_VPID,	/* IA32_VMX_EPT_VPID_CAP */
	W_VMFUNC,	/* IA32_VMX_VMFUNC */
	W_COUNT
};

/* A feature set as a mask; needs masks name prerequisite features. */
#define F(f) (1ull << (f))
_Static_assert(VMXF_COUNT <= 64, "feature masks are 64 bits wide");

struct feature_desc {
	const char *name;	/* banner name */
	enum cap_word word;	/* where the feature's bit lives */
	uint64_t bit;		/* vmx_bits.h mask within that word */
	uint64_t needs;		/* F() of the features it cannot work without */
};

/*
 * The single source of truth for named features.  "needs" follows the
 * VM-entry checks on VMX controls (SDM Vol. 3C 27.2.1.1 and 27.2.1.2):
 * e.g. "unrestricted guest", PML and EPTP switching require "enable EPT";
 * x2APIC virtualization, APIC-register virtualization and virtual-interrupt
 * delivery require "use TPR shadow"; virtual-interrupt delivery requires
 * external-interrupt exiting; posted interrupts require virtual-interrupt
 * delivery and "acknowledge interrupt on exit"; saving the preemption timer
 * requires activating it.  EPT capabilities need EPT and INVVPID needs VPID
 * (A.10).  Two needs are functional rather than checked: #VE only reports
 * EPT violations (26.5, "Virtualization Exceptions") and TSC scaling only
 * acts together with TSC offsetting (26.3, RDTSC).
 */
static const struct feature_desc feature_table[VMXF_COUNT] = {
	[VMXF_EPT] = { "ept", W_PROC2, PROC2_ENABLE_EPT, 0 },
	[VMXF_VPID] = { "vpid", W_PROC2, PROC2_ENABLE_VPID, 0 },
	[VMXF_UNRESTRICTED_GUEST] = { "unrestricted_guest", W_PROC2,
				      PROC2_UNRESTRICTED_GUEST, F(VMXF_EPT) },
	[VMXF_VMCS_SHADOWING] = { "vmcs_shadowing", W_PROC2,
				  PROC2_VMCS_SHADOWING, 0 },
	[VMXF_VMFUNC] = { "vmfunc", W_PROC2, PROC2_ENABLE_VMFUNC, 0 },
	[VMXF_EPTP_SWITCHING] = { "eptp_switching", W_VMFUNC,
				  VMFUNC_EPTP_SWITCHING,
				  F(VMXF_VMFUNC) | F(VMXF_EPT) },
	[VMXF_POSTED_INTERRUPTS] = { "posted_interrupts", W_PIN,
				     PIN_POSTED_INTERRUPTS,
				     F(VMXF_VIRTUAL_INTR_DELIVERY) |
				     F(VMXF_ACK_INTR_ON_EXIT) },
	[VMXF_APIC_ACCESS_VIRT] = { "apic_access_virt", W_PROC2,
				    PROC2_VIRT_APIC_ACCESSES, 0 },
	[VMXF_APIC_REGISTER_VIRT] = { "apic_register_virt", W_PROC2,
				      PROC2_APIC_REGISTER_VIRT,
				      F(VMXF_TPR_SHADOW) },
	[VMXF_VIRTUAL_INTR_DELIVERY] = { "virtual_intr_delivery", W_PROC2,
					 PROC2_VIRT_INTR_DELIVERY,
					 F(VMXF_TPR_SHADOW) |
					 F(VMXF_EXT_INTR_EXITING) },
	[VMXF_X2APIC_VIRT] = { "x2apic_virt", W_PROC2, PROC2_VIRT_X2APIC_MODE,
			       F(VMXF_TPR_SHADOW) },
	[VMXF_TPR_SHADOW] = { "tpr_shadow", W_PROC, PROC_USE_TPR_SHADOW, 0 },
	[VMXF_PREEMPTION_TIMER] = { "preemption_timer", W_PIN,
				    PIN_ACTIVATE_PREEMPTION_TIMER, 0 },
	[VMXF_PML] = { "pml", W_PROC2, PROC2_ENABLE_PML, F(VMXF_EPT) },
	[VMXF_EPT_VE] = { "ept_ve", W_PROC2, PROC2_EPT_VIOLATION_VE,
			  F(VMXF_EPT) },
	[VMXF_MTF] = { "mtf", W_PROC, PROC_MONITOR_TRAP_FLAG, 0 },
	[VMXF_MSR_BITMAPS] = { "msr_bitmaps", W_PROC, PROC_USE_MSR_BITMAPS, 0 },
	[VMXF_IO_BITMAPS] = { "io_bitmaps", W_PROC, PROC_USE_IO_BITMAPS, 0 },
	[VMXF_TSC_SCALING] = { "tsc_scaling", W_PROC2, PROC2_USE_TSC_SCALING,
			       F(VMXF_TSC_OFFSETTING) },
	[VMXF_EPT_1G] = { "ept_1g", W_EPT_VPID, EPT_CAP_1G, F(VMXF_EPT) },
	[VMXF_EPT_2M] = { "ept_2m", W_EPT_VPID, EPT_CAP_2M, F(VMXF_EPT) },
	[VMXF_EPT_AD] = { "ept_ad", W_EPT_VPID, EPT_CAP_AD, F(VMXF_EPT) },
	[VMXF_EPT_WB] = { "ept_wb", W_EPT_VPID, EPT_CAP_WB, F(VMXF_EPT) },
	[VMXF_EPT_4LEVEL] = { "ept_4level", W_EPT_VPID, EPT_CAP_WALK_4LEVEL,
			      F(VMXF_EPT) },
	[VMXF_EPT_5LEVEL] = { "ept_5level", W_EPT_VPID, EPT_CAP_WALK_5LEVEL,
			      F(VMXF_EPT) },
	[VMXF_INVEPT] = { "invept", W_EPT_VPID, EPT_CAP_INVEPT, F(VMXF_EPT) },
	[VMXF_INVVPID] = { "invvpid", W_EPT_VPID, VPID_CAP_INVVPID,
			   F(VMXF_VPID) },
	[VMXF_SAVE_PREEMPTION_TIMER] = { "save_preemption_timer", W_EXIT,
					 EXIT_SAVE_PREEMPTION_TIMER,
					 F(VMXF_PREEMPTION_TIMER) },
	[VMXF_EXT_INTR_EXITING] = { "ext_intr_exiting", W_PIN,
				    PIN_EXT_INTR_EXITING, 0 },
	[VMXF_ACK_INTR_ON_EXIT] = { "ack_intr_on_exit", W_EXIT,
				    EXIT_ACK_INTR_ON_EXIT, 0 },
	[VMXF_TSC_OFFSETTING] = { "tsc_offsetting", W_PROC,
				  PROC_USE_TSC_OFFSETTING, 0 },
};

static const char *const error_text[] = {
	[VMX_CAPS_OK] = "ok",
	[VMX_CAPS_ERR_REVISION] = "VMCS revision is 0 or has bit 31 set",
	[VMX_CAPS_ERR_VMCS_SIZE] = "VMCS size is 0 or above 4096",
	[VMX_CAPS_ERR_MEMTYPE] = "VMCS memory type is neither UC nor WB",
	[VMX_CAPS_ERR_CTLS] = "a VMX control must be 1 but may not be 1",
	[VMX_CAPS_ERR_FIXED] = "a CR0/CR4 bit is fixed to 1 but not allowed 1",
};

/* True if every control in bits may be 1: allowed-1 half (SDM Vol. 3D A.3). */
bool vmx_ctl_may_be_1(uint64_t ctl, uint32_t bits)
{
	return ((uint32_t)(ctl >> 32) & bits) == bits;
}

/* True if some control must be 1 (allowed-0) but may not be 1 (allowed-1). */
static bool ctl_inconsistent(uint64_t ctl)
{
	return (uint32_t)ctl & ~(uint32_t)(ctl >> 32);
}

/* Decodes IA32_VMX_BASIC: revision, VMCS size and memory type (A.1). */
static enum vmx_caps_error decode_basic(uint64_t basic, struct vmx_caps *c)
{
	c->revision = basic & BASIC_REVISION_MASK;
	c->vmcs_size = (basic >> BASIC_SIZE_SHIFT) & BASIC_SIZE_MASK;
	c->vmcs_memtype = (basic >> BASIC_MEMTYPE_SHIFT) & BASIC_MEMTYPE_MASK;
	c->true_ctls = basic & BASIC_TRUE_CTLS;
	if (c->revision == 0 || (basic & BASIC_BIT31))
		return VMX_CAPS_ERR_REVISION;
	if (c->vmcs_size == 0 || c->vmcs_size > VMCS_SIZE_MAX)
		return VMX_CAPS_ERR_VMCS_SIZE;
	if (c->vmcs_memtype != MEMTYPE_UC && c->vmcs_memtype != MEMTYPE_WB)
		return VMX_CAPS_ERR_MEMTYPE;
	return VMX_CAPS_OK;
}

/*
 * Picks the control words: the TRUE_ MSRs when BASIC bit 55 says they exist
 * (A.2), the secondary controls only if the primary ones allow activating
 * them (A.3.3), and each optional MSR only where it is defined (A.10, A.11).
 */
static void pick_controls(const struct vmx_cap_msrs *m, struct vmx_caps *c)
{
	c->pin = c->true_ctls ? m->true_pinbased : m->pinbased;
	c->proc = c->true_ctls ? m->true_procbased : m->procbased;
	c->exit = c->true_ctls ? m->true_exit : m->exit;
	c->entry = c->true_ctls ? m->true_entry : m->entry;
	c->secondary_ctls = vmx_ctl_may_be_1(c->proc, PROC_ACTIVATE_SECONDARY);
	c->proc2 = c->secondary_ctls ? m->procbased2 : 0;
	c->ept_vpid_cap = vmx_ctl_may_be_1(c->proc2, PROC2_ENABLE_EPT) ||
			  vmx_ctl_may_be_1(c->proc2, PROC2_ENABLE_VPID) ?
			  m->ept_vpid_cap : 0;
	c->vmfunc = vmx_ctl_may_be_1(c->proc2, PROC2_ENABLE_VMFUNC) ?
		    m->vmfunc : 0;
}

/* True if any chosen control word asks for a 1 it does not allow. */
static bool controls_inconsistent(const struct vmx_caps *c)
{
	const uint64_t words[] = { c->pin, c->proc, c->proc2, c->exit,
				   c->entry };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (ctl_inconsistent(words[i]))
			return true;
	return false;
}

/* Each word's bits that may be 1, indexed by enum cap_word. */
static void offered_words(const struct vmx_caps *c, uint64_t w[W_COUNT])
{
	w[W_PIN] = c->pin >> 32;
	w[W_PROC] = c->proc >> 32;
	w[W_PROC2] = c->proc2 >> 32;
	w[W_EXIT] = c->exit >> 32;
	w[W_ENTRY] = c->entry >> 32;
	w[W_EPT_VPID] = c->ept_vpid_cap;
	w[W_VMFUNC] = c->vmfunc;
}

/* Drops features with a missing prerequisite until none is left (chains). */
static uint64_t drop_unmet(uint64_t have)
{
	uint64_t before;

	do {
		before = have;
		for (int f = 0; f < VMXF_COUNT; f++)
			if (feature_table[f].needs & ~have)
				have &= ~F(f);
	} while (have != before);
	return have;
}

/* Fills has[] from feature_table and the chosen capability words. */
static void decode_features(struct vmx_caps *c)
{
	uint64_t w[W_COUNT], have = 0;

	offered_words(c, w);
	for (int f = 0; f < VMXF_COUNT; f++)
		if (w[feature_table[f].word] & feature_table[f].bit)
			have |= F(f);
	have = drop_unmet(have);
	for (int f = 0; f < VMXF_COUNT; f++)
		c->has[f] = have & F(f);
}

/* The decoding proper; vmx_caps_decode() clears *out around it. */
static enum vmx_caps_error decode(const struct vmx_cap_msrs *m,
				  struct vmx_caps *c)
{
	enum vmx_caps_error err = decode_basic(m->basic, c);

	if (err != VMX_CAPS_OK)
		return err;
	pick_controls(m, c);
	if (controls_inconsistent(c))
		return VMX_CAPS_ERR_CTLS;
	/* A CR bit fixed to 1 must also be allowed to be 1 (A.7, A.8). */
	if ((m->cr0_fixed0 & ~m->cr0_fixed1) ||
	    (m->cr4_fixed0 & ~m->cr4_fixed1))
		return VMX_CAPS_ERR_FIXED;
	c->cr0_fixed0 = m->cr0_fixed0;
	c->cr0_fixed1 = m->cr0_fixed1;
	c->cr4_fixed0 = m->cr4_fixed0;
	c->cr4_fixed1 = m->cr4_fixed1;
	c->preemption_timer_shift = m->misc & MISC_TIMER_SHIFT_MASK;
	decode_features(c);
	return VMX_CAPS_OK;
}

/* Decodes msrs into *out; on error *out is left all zero. */
enum vmx_caps_error vmx_caps_decode(const struct vmx_cap_msrs *msrs,
				    struct vmx_caps *out)
{
	enum vmx_caps_error err;

	memset(out, 0, sizeof(*out));
	err = decode(msrs, out);
	if (err != VMX_CAPS_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

/* A one-line description of err for the boot log. */
const char *vmx_caps_strerror(enum vmx_caps_error err)
{
	if ((unsigned)err >= sizeof(error_text) / sizeof(error_text[0]))
		return "unknown error";
	return error_text[err];
}

/* The feature's banner name, or "unknown" for a value out of range. */
const char *vmx_feature_name(enum vmx_feature f)
{
	if ((unsigned)f >= VMXF_COUNT)
		return "unknown";
	return feature_table[f].name;
}
