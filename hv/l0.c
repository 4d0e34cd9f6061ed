/*
 * l0.c - identifies L0 and decodes its VMX capability MSRs for the banner.
 * Bochs is recognised by its port 0xE9 hack (reads back 0xE9); KVM by its
 * CPUID hypervisor signature.
 */
#include "l0.h"
#include "lib/format.h"
#include "lib/string.h"
#include "log.h"
#include "x86.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define BOCHS_E9_PORT 0xe9

struct l0_info l0;

const char *l0_kind_name(enum l0_kind k)
{
	static const char *const names[] = { "unknown", "bochs", "kvm", "other-hypervisor" };

	return names[k];
}

static void copy_regs(char *dst, const uint32_t *regs, int n)
{
	memcpy(dst, regs, (size_t)n * 4);
	dst[n * 4] = '\0';
}

static void probe_cpu(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t vendor[3] = { r.ebx, r.edx, r.ecx };
	uint32_t brand[12];

	copy_regs(l0.vendor, vendor, 3);
	r = cpuid(1, 0);
	l0.family = (r.eax >> 8 & 0xf) + (r.eax >> 20 & 0xff);
	l0.model = (r.eax >> 4 & 0xf) | (r.eax >> 12 & 0xf0);
	l0.stepping = r.eax & 0xf;
	l0.vmx = r.ecx & CPUID1_ECX_VMX;
	if (r.ecx & CPUID1_ECX_HYPERVISOR) {
		struct cpuid_regs h = cpuid(0x40000000, 0);
		uint32_t sig[3] = { h.ebx, h.ecx, h.edx };

		copy_regs(l0.hv_signature, sig, 3);
	}
	if (cpuid(0x80000000, 0).eax >= 0x80000004) {
		for (int i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i, 0);
			brand[i * 4] = r.eax;
			brand[i * 4 + 1] = r.ebx;
			brand[i * 4 + 2] = r.ecx;
			brand[i * 4 + 3] = r.edx;
		}
		copy_regs(l0.brand, brand, 12);
	}
}

static enum l0_kind detect_kind(void)
{
	if (!strncmp(l0.hv_signature, "KVMKVMKVM", 9))
		return L0_KVM;
	if (l0.hv_signature[0])
		return L0_OTHER_HYPERVISOR;
	if (inb(BOCHS_E9_PORT) == BOCHS_E9_PORT)
		return L0_BOCHS;
	return L0_UNKNOWN;
}

/* Reads the capability MSRs that exist, per SDM Appendix A. */
static void read_vmx_msrs(struct vmx_cap_msrs *m)
{
	m->basic = rdmsr(0x480);
	m->pinbased = rdmsr(0x481);
	m->procbased = rdmsr(0x482);
	m->exit = rdmsr(0x483);
	m->entry = rdmsr(0x484);
	m->misc = rdmsr(0x485);
	m->cr0_fixed0 = rdmsr(0x486);
	m->cr0_fixed1 = rdmsr(0x487);
	m->cr4_fixed0 = rdmsr(0x488);
	m->cr4_fixed1 = rdmsr(0x489);
	m->vmcs_enum = rdmsr(0x48a);
	if (m->procbased >> 32 & (1ull << 31)) {
		m->procbased2 = rdmsr(0x48b);
		/* 0x48C exists if EPT (bit 1) or VPID (bit 5) may be 1. */
		if (m->procbased2 >> 32 & ((1ull << 1) | (1ull << 5)))
			m->ept_vpid_cap = rdmsr(0x48c);
		/* 0x491 exists if "enable VM functions" (bit 13) may be 1. */
		if (m->procbased2 >> 32 & (1ull << 13))
			m->vmfunc = rdmsr(0x491);
	}
	if (m->basic & (1ull << 55)) {
		m->true_pinbased = rdmsr(0x48d);
		m->true_procbased = rdmsr(0x48e);
		m->true_exit = rdmsr(0x48f);
		m->true_entry = rdmsr(0x490);
	}
}

/* Prints one "@hv vmx-features" line with name=0|1 for every feature. */
static void log_features(void)
{
	char line[640];
	size_t len = 0;

	for (int f = 0; f < VMXF_COUNT && len < sizeof(line); f++)
		len += (size_t)hv_snprintf(line + len, sizeof(line) - len, "%s%s=%d", f ? " " : "",
					   vmx_feature_name((enum vmx_feature)f), l0.caps.has[f]);
	log_mline("vmx-features", "%s", line);

	len = 0;
	for (int f = 0; f < VMXF_COUNT && len < sizeof(line); f++)
		if (l0.caps.has[f])
			len += (size_t)hv_snprintf(line + len, sizeof(line) - len, " %s",
						   vmx_feature_name((enum vmx_feature)f));
	log_info("VMX features:%s", len ? line : " none");
}

void l0_probe(void)
{
	uint64_t fc;

	probe_cpu();
	l0.kind = detect_kind();
	log_info("L0: %s, CPU %s \"%s\" family %u model %u stepping %u", l0_kind_name(l0.kind),
		 l0.vendor, l0.brand, l0.family, l0.model, l0.stepping);
	log_mline("l0", "kind=%s vendor=%s family=%u model=%u stepping=%u vmx=%d hv_signature=\"%s\"",
		  l0_kind_name(l0.kind), l0.vendor, l0.family, l0.model, l0.stepping, l0.vmx,
		  l0.hv_signature);
	if (!l0.vmx) {
		log_error("L0 offers no VMX (CPUID.1:ECX.VMX = 0): nothing to virtualize with");
		return;
	}
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	l0.vmx_enabled = (fc & FEATURE_CONTROL_LOCK) && (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	read_vmx_msrs(&l0.msrs);
	l0.caps_error = vmx_caps_decode(&l0.msrs, &l0.caps);
	log_mline("vmx", "revision=%#x vmcs_size=%u memtype=%u true_ctls=%d feature_control=%#lx "
		  "enabled=%d decode=%s", l0.caps.revision, l0.caps.vmcs_size,
		  l0.caps.vmcs_memtype, l0.caps.true_ctls, fc, l0.vmx_enabled,
		  vmx_caps_strerror(l0.caps_error));
	if (l0.caps_error != VMX_CAPS_OK)
		log_error("VMX capability MSRs are inconsistent: %s",
			  vmx_caps_strerror(l0.caps_error));
	log_features();
}
