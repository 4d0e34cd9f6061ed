/*
 * test_vmx_caps.c - host unit test of the VMX capability decoder: an Ice
 * Lake-like CPU feature by feature, then malformed and partial MSR sets.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "vmx_bits.h"
#include "vmx_caps.h"

/*
 * The MSRs of Bochs's corei7_icelake_u model, worked out by hand from
 * Bochs's cpu/vmx.h and cpu/vmcs.cc (init_*_ctrls, init_ept_vpid_...) for
 * that model's VMX feature list: revision 4, 4 KiB WB VMCS, true controls,
 * no posted interrupts ("not implemented yet" there), no 5-level EPT (no
 * LA57).  MISC, VMCS_ENUM and CR4_FIXED1 are plausible, not bit-exact.
 */
static struct vmx_cap_msrs icelake(void)
{
	return (struct vmx_cap_msrs){
		.basic = 0x00d8100000000004ull,
		.pinbased = 0x0000007f00000016ull,
		.procbased = 0xfff9fffe0401e172ull,
		.exit = 0x407fffff00036dffull,
		.entry = 0x0000ffff000011ffull,
		.misc = 0x00000000600401e0ull,
		.cr0_fixed0 = 0x80000021ull,
		.cr0_fixed1 = 0xffffffffull,
		.cr4_fixed0 = 0x00002000ull,
		.cr4_fixed1 = 0x00772fffull,
		.vmcs_enum = 0x2eull,
		.procbased2 = 0x02d77fff00000000ull,
		.ept_vpid_cap = 0x00000f0106334141ull,
		.true_pinbased = 0x0000007f00000016ull,
		.true_procbased = 0xfff9fffe04006172ull,
		.true_exit = 0x407fffff00036dfbull,
		.true_entry = 0x0000ffff000011fbull,
		.vmfunc = 0x1ull,
	};
}

/* Builds IA32_VMX_BASIC from its fields (SDM Vol. 3D A.1). */
static uint64_t basic(uint64_t revision, uint64_t size, uint64_t memtype,
		      bool true_ctls)
{
	return revision | size << 32 | memtype << 50 |
	       (true_ctls ? 1ull << 55 : 0);
}

/* Clears bits from a control MSR's allowed-1 half. */
static void forbid(uint64_t *ctl, uint32_t bits)
{
	*ctl &= ~((uint64_t)bits << 32);
}

/* Sets bits in a control MSR's allowed-1 half. */
static void allow(uint64_t *ctl, uint32_t bits)
{
	*ctl |= (uint64_t)bits << 32;
}

/* Decodes m, expecting success. */
static struct vmx_caps decode_ok(const struct vmx_cap_msrs *m)
{
	struct vmx_caps c;

	CHECK_EQ(vmx_caps_decode(m, &c), VMX_CAPS_OK);
	return c;
}

/* Decodes m, expecting err and an all-zero result. */
static void decode_err(const struct vmx_cap_msrs *m, enum vmx_caps_error err)
{
	struct vmx_caps c, zero;

	memset(&c, 0xa5, sizeof(c));
	memset(&zero, 0, sizeof(zero));
	CHECK_EQ(vmx_caps_decode(m, &c), err);
	CHECK(memcmp(&c, &zero, sizeof(c)) == 0);
}

/* Checks every feature against want[], naming the ones that differ. */
static void check_features(const struct vmx_caps *c,
			   const bool want[VMXF_COUNT])
{
	for (int f = 0; f < VMXF_COUNT; f++) {
		if (c->has[f] != want[f])
			fprintf(stderr, "  feature %s: has %d, want %d\n",
				vmx_feature_name(f), c->has[f], want[f]);
		CHECK_EQ(c->has[f], want[f]);
	}
}

/* The Ice Lake MSRs decode to the expected words and features. */
static void test_icelake(void)
{
	struct vmx_cap_msrs m = icelake();
	struct vmx_caps c = decode_ok(&m);
	bool want[VMXF_COUNT];

	CHECK_EQ(c.revision, 4);
	CHECK_EQ(c.vmcs_size, 4096);
	CHECK_EQ(c.vmcs_memtype, 6);
	CHECK(c.true_ctls);
	CHECK(c.secondary_ctls);
	CHECK_EQ(c.preemption_timer_shift, 0);
	CHECK_EQ(c.pin, m.true_pinbased);
	CHECK_EQ(c.proc, m.true_procbased);
	CHECK_EQ(c.proc2, m.procbased2);
	CHECK_EQ(c.exit, m.true_exit);
	CHECK_EQ(c.entry, m.true_entry);
	CHECK_EQ(c.ept_vpid_cap, m.ept_vpid_cap);
	CHECK_EQ(c.vmfunc, m.vmfunc);
	CHECK_EQ(c.cr0_fixed0, m.cr0_fixed0);
	CHECK_EQ(c.cr0_fixed1, m.cr0_fixed1);
	CHECK_EQ(c.cr4_fixed0, m.cr4_fixed0);
	CHECK_EQ(c.cr4_fixed1, m.cr4_fixed1);

	for (int f = 0; f < VMXF_COUNT; f++)
		want[f] = true;
	want[VMXF_POSTED_INTERRUPTS] = false;
	want[VMXF_EPT_5LEVEL] = false;
	check_features(&c, want);
}

/* MISC bits 4:0 give the preemption-timer rate. */
static void test_preemption_timer_shift(void)
{
	struct vmx_cap_msrs m = icelake();

	m.misc = 0x7004c1e5ull;
	CHECK_EQ(decode_ok(&m).preemption_timer_shift, 5);
}

/* vmx_ctl_may_be_1 reads the allowed-1 half only, all bits at once. */
static void test_may_be_1(void)
{
	struct vmx_cap_msrs m = icelake();

	CHECK(vmx_ctl_may_be_1(m.true_procbased, PROC_ACTIVATE_SECONDARY));
	CHECK(vmx_ctl_may_be_1(m.true_procbased,
			       PROC_HLT_EXITING | PROC_USE_MSR_BITMAPS));
	CHECK(!vmx_ctl_may_be_1(m.true_pinbased, PIN_POSTED_INTERRUPTS));
	CHECK(!vmx_ctl_may_be_1(m.true_pinbased,
				PIN_EXT_INTR_EXITING | PIN_POSTED_INTERRUPTS));
	CHECK(vmx_ctl_may_be_1(m.true_exit, EXIT_HOST_ADDR_SPACE_SIZE |
				EXIT_LOAD_EFER | EXIT_LOAD_PAT));
	CHECK(vmx_ctl_may_be_1(m.true_entry, ENTRY_IA32E_MODE_GUEST |
				ENTRY_LOAD_EFER | ENTRY_LOAD_PAT));
	/* Bit 1 is must-be-1 (allowed-0 half) and allowed (allowed-1 half). */
	CHECK(vmx_ctl_may_be_1(1ull << 33 | 1ull << 1, 1u << 1));
	CHECK(!vmx_ctl_may_be_1(1ull << 1, 1u << 1));
}

/* Bad revision, VMCS size and memory type are refused; limits are not. */
static void test_basic(void)
{
	struct vmx_cap_msrs m = icelake();
	struct vmx_caps c;

	m.basic = basic(0, 4096, 6, true);
	decode_err(&m, VMX_CAPS_ERR_REVISION);
	m.basic = basic(4 | 1ull << 31, 4096, 6, true);
	decode_err(&m, VMX_CAPS_ERR_REVISION);
	m.basic = basic(4, 0, 6, true);
	decode_err(&m, VMX_CAPS_ERR_VMCS_SIZE);
	m.basic = basic(4, 4097, 6, true);
	decode_err(&m, VMX_CAPS_ERR_VMCS_SIZE);
	m.basic = basic(4, 4096, 3, true);
	decode_err(&m, VMX_CAPS_ERR_MEMTYPE);

	m.basic = basic(0x7fffffff, 1, 0, true);
	c = decode_ok(&m);
	CHECK_EQ(c.revision, 0x7fffffff);
	CHECK_EQ(c.vmcs_size, 1);
	CHECK_EQ(c.vmcs_memtype, 0);
	m.basic = basic(4, 4096, 6, true);
	CHECK_EQ(decode_ok(&m).vmcs_size, 4096);
}

/* BASIC bit 55 picks the TRUE_ control MSRs, bit 55 clear the plain ones. */
static void test_true_ctls(void)
{
	struct vmx_cap_msrs m = icelake();
	struct vmx_caps c;

	/* Without bit 55 the TRUE_ MSRs do not exist and read as 0. */
	m.basic = basic(4, 4096, 6, false);
	m.true_pinbased = m.true_procbased = m.true_exit = m.true_entry = 0;
	c = decode_ok(&m);
	CHECK(!c.true_ctls);
	CHECK_EQ(c.pin, m.pinbased);
	CHECK_EQ(c.proc, m.procbased);
	CHECK_EQ(c.exit, m.exit);
	CHECK_EQ(c.entry, m.entry);
	CHECK(c.has[VMXF_EPT] && c.has[VMXF_PREEMPTION_TIMER]);
	CHECK(c.has[VMXF_SAVE_PREEMPTION_TIMER]);

	/* With bit 55 the plain MSRs are ignored. */
	m = icelake();
	m.pinbased = m.procbased = m.exit = m.entry = 0;
	c = decode_ok(&m);
	CHECK(c.true_ctls);
	CHECK_EQ(c.proc, m.true_procbased);
	CHECK_EQ((uint32_t)c.proc, 0x04006172);
	CHECK(c.has[VMXF_EPT] && c.has[VMXF_TPR_SHADOW]);

	/* ... and TRUE_ MSRs that read 0 offer nothing. */
	m = icelake();
	m.true_pinbased = m.true_procbased = m.true_exit = m.true_entry = 0;
	c = decode_ok(&m);
	CHECK(!c.secondary_ctls);
	CHECK(!c.has[VMXF_EPT] && !c.has[VMXF_TPR_SHADOW]);
	CHECK(!c.has[VMXF_PREEMPTION_TIMER]);
}

/* A control that must be 1 but may not be 1 is refused, per word. */
static void test_ctls_inconsistent(void)
{
	struct vmx_cap_msrs m;

	m = icelake();
	forbid(&m.true_pinbased, 1u << 4);	/* bit 4 is a default1 */
	decode_err(&m, VMX_CAPS_ERR_CTLS);
	m = icelake();
	forbid(&m.true_procbased, 1u << 26);
	decode_err(&m, VMX_CAPS_ERR_CTLS);
	m = icelake();
	m.procbased2 |= PROC2_ENABLE_XSAVES;	/* must be 1 ... */
	forbid(&m.procbased2, PROC2_ENABLE_XSAVES);	/* ... may not be */
	decode_err(&m, VMX_CAPS_ERR_CTLS);
	m = icelake();
	forbid(&m.true_exit, 1u << 0);
	decode_err(&m, VMX_CAPS_ERR_CTLS);
	m = icelake();
	forbid(&m.true_entry, 1u << 12);
	decode_err(&m, VMX_CAPS_ERR_CTLS);

	/* The plain MSR is not used when TRUE_ ones exist. */
	m = icelake();
	forbid(&m.procbased, 1u << 15);
	decode_ok(&m);
	/* Nor is a secondary MSR that primary controls cannot activate. */
	m = icelake();
	forbid(&m.true_procbased, PROC_ACTIVATE_SECONDARY);
	m.procbased2 |= PROC2_ENABLE_XSAVES;
	forbid(&m.procbased2, PROC2_ENABLE_XSAVES);
	decode_ok(&m);
}

/* Without "activate secondary controls" every secondary feature is off. */
static void test_no_secondary(void)
{
	static const enum vmx_feature secondary[] = {
		VMXF_EPT, VMXF_VPID, VMXF_UNRESTRICTED_GUEST,
		VMXF_VMCS_SHADOWING, VMXF_VMFUNC, VMXF_EPTP_SWITCHING,
		VMXF_POSTED_INTERRUPTS, VMXF_APIC_ACCESS_VIRT,
		VMXF_APIC_REGISTER_VIRT, VMXF_VIRTUAL_INTR_DELIVERY,
		VMXF_X2APIC_VIRT, VMXF_PML, VMXF_EPT_VE, VMXF_TSC_SCALING,
		VMXF_EPT_1G, VMXF_EPT_2M, VMXF_EPT_AD, VMXF_EPT_WB,
		VMXF_EPT_4LEVEL, VMXF_EPT_5LEVEL, VMXF_INVEPT, VMXF_INVVPID,
	};
	struct vmx_cap_msrs m = icelake();
	struct vmx_caps c;

	forbid(&m.procbased, PROC_ACTIVATE_SECONDARY);
	forbid(&m.true_procbased, PROC_ACTIVATE_SECONDARY);
	c = decode_ok(&m);
	CHECK(!c.secondary_ctls);
	CHECK_EQ(c.proc2, 0);
	CHECK_EQ(c.ept_vpid_cap, 0);
	CHECK_EQ(c.vmfunc, 0);
	for (size_t i = 0; i < sizeof(secondary) / sizeof(secondary[0]); i++) {
		if (c.has[secondary[i]])
			fprintf(stderr, "  %s still on\n",
				vmx_feature_name(secondary[i]));
		CHECK(!c.has[secondary[i]]);
	}
	CHECK(c.has[VMXF_TPR_SHADOW] && c.has[VMXF_MTF]);
	CHECK(c.has[VMXF_MSR_BITMAPS] && c.has[VMXF_IO_BITMAPS]);
	CHECK(c.has[VMXF_PREEMPTION_TIMER]);
}

/* EPT capability bits count only if EPT may be 1; the MSR needs EPT or VPID. */
static void test_ept_not_allowed(void)
{
	struct vmx_cap_msrs m = icelake();
	struct vmx_caps c;

	forbid(&m.procbased2, PROC2_ENABLE_EPT);
	c = decode_ok(&m);
	CHECK_EQ(c.ept_vpid_cap, m.ept_vpid_cap);	/* valid through VPID */
	CHECK(!c.has[VMXF_EPT]);
	CHECK(!c.has[VMXF_EPT_1G] && !c.has[VMXF_EPT_2M]);
	CHECK(!c.has[VMXF_EPT_AD] && !c.has[VMXF_EPT_WB]);
	CHECK(!c.has[VMXF_EPT_4LEVEL] && !c.has[VMXF_INVEPT]);
	CHECK(!c.has[VMXF_UNRESTRICTED_GUEST] && !c.has[VMXF_PML]);
	CHECK(!c.has[VMXF_EPT_VE] && !c.has[VMXF_EPTP_SWITCHING]);
	CHECK(c.has[VMXF_VPID] && c.has[VMXF_INVVPID]);
	CHECK(c.has[VMXF_VMFUNC]);

	forbid(&m.procbased2, PROC2_ENABLE_VPID);
	c = decode_ok(&m);
	CHECK_EQ(c.ept_vpid_cap, 0);
	CHECK(!c.has[VMXF_VPID] && !c.has[VMXF_INVVPID]);

	/* 5-level EPT shows up when the capability bit is there. */
	m = icelake();
	m.ept_vpid_cap |= EPT_CAP_WALK_5LEVEL;
	CHECK(decode_ok(&m).has[VMXF_EPT_5LEVEL]);
}

/* EPTP switching needs "enable VM functions" and VMFUNC bit 0. */
static void test_vmfunc(void)
{
	struct vmx_cap_msrs m = icelake();
	struct vmx_caps c;

	m.vmfunc = 0;
	c = decode_ok(&m);
	CHECK(c.has[VMXF_VMFUNC]);
	CHECK(!c.has[VMXF_EPTP_SWITCHING]);

	m = icelake();
	forbid(&m.procbased2, PROC2_ENABLE_VMFUNC);
	c = decode_ok(&m);
	CHECK_EQ(c.vmfunc, 0);
	CHECK(!c.has[VMXF_VMFUNC] && !c.has[VMXF_EPTP_SWITCHING]);
}

/* Posted interrupts need virtual-interrupt delivery, which needs more. */
static void test_interrupt_chain(void)
{
	struct vmx_cap_msrs m = icelake();
	struct vmx_caps c;

	allow(&m.true_pinbased, PIN_POSTED_INTERRUPTS);
	CHECK(decode_ok(&m).has[VMXF_POSTED_INTERRUPTS]);

	m = icelake();
	allow(&m.true_pinbased, PIN_POSTED_INTERRUPTS);
	forbid(&m.true_exit, EXIT_ACK_INTR_ON_EXIT);
	c = decode_ok(&m);
	CHECK(!c.has[VMXF_POSTED_INTERRUPTS]);
	CHECK(c.has[VMXF_VIRTUAL_INTR_DELIVERY]);

	m = icelake();
	allow(&m.true_pinbased, PIN_POSTED_INTERRUPTS);
	forbid(&m.procbased2, PROC2_VIRT_INTR_DELIVERY);
	CHECK(!decode_ok(&m).has[VMXF_POSTED_INTERRUPTS]);

	/* No TPR shadow: the whole chain goes, APIC-access virt stays. */
	m = icelake();
	allow(&m.true_pinbased, PIN_POSTED_INTERRUPTS);
	forbid(&m.true_procbased, PROC_USE_TPR_SHADOW);
	c = decode_ok(&m);
	CHECK(!c.has[VMXF_TPR_SHADOW]);
	CHECK(!c.has[VMXF_VIRTUAL_INTR_DELIVERY]);
	CHECK(!c.has[VMXF_POSTED_INTERRUPTS]);
	CHECK(!c.has[VMXF_X2APIC_VIRT] && !c.has[VMXF_APIC_REGISTER_VIRT]);
	CHECK(c.has[VMXF_APIC_ACCESS_VIRT]);

	m = icelake();
	forbid(&m.true_pinbased, PIN_EXT_INTR_EXITING);
	CHECK(!decode_ok(&m).has[VMXF_VIRTUAL_INTR_DELIVERY]);
}

/* Other prerequisites: the preemption timer and TSC offsetting. */
static void test_other_needs(void)
{
	struct vmx_cap_msrs m = icelake();
	struct vmx_caps c;

	forbid(&m.true_pinbased, PIN_ACTIVATE_PREEMPTION_TIMER);
	c = decode_ok(&m);
	CHECK(!c.has[VMXF_PREEMPTION_TIMER]);
	CHECK(!c.has[VMXF_SAVE_PREEMPTION_TIMER]);

	m = icelake();
	forbid(&m.true_procbased, PROC_USE_TSC_OFFSETTING);
	c = decode_ok(&m);
	CHECK(!c.has[VMXF_TSC_OFFSETTING] && !c.has[VMXF_TSC_SCALING]);
}

/* A CR bit fixed to 1 that is not allowed to be 1 is refused. */
static void test_fixed(void)
{
	struct vmx_cap_msrs m = icelake();

	m.cr0_fixed1 &= ~1ull;			/* PE must be 1, may not be */
	decode_err(&m, VMX_CAPS_ERR_FIXED);
	m = icelake();
	m.cr4_fixed1 &= ~(1ull << 13);		/* VMXE likewise */
	decode_err(&m, VMX_CAPS_ERR_FIXED);
	m = icelake();
	m.cr4_fixed0 |= 1ull << 12;		/* LA57 not in fixed1 */
	decode_err(&m, VMX_CAPS_ERR_FIXED);
}

/* Every feature has the agreed, distinct, non-empty banner name. */
static void test_names(void)
{
	static const char *const want[VMXF_COUNT] = {
		[VMXF_EPT] = "ept",
		[VMXF_VPID] = "vpid",
		[VMXF_UNRESTRICTED_GUEST] = "unrestricted_guest",
		[VMXF_VMCS_SHADOWING] = "vmcs_shadowing",
		[VMXF_VMFUNC] = "vmfunc",
		[VMXF_EPTP_SWITCHING] = "eptp_switching",
		[VMXF_POSTED_INTERRUPTS] = "posted_interrupts",
		[VMXF_APIC_ACCESS_VIRT] = "apic_access_virt",
		[VMXF_APIC_REGISTER_VIRT] = "apic_register_virt",
		[VMXF_VIRTUAL_INTR_DELIVERY] = "virtual_intr_delivery",
		[VMXF_X2APIC_VIRT] = "x2apic_virt",
		[VMXF_TPR_SHADOW] = "tpr_shadow",
		[VMXF_PREEMPTION_TIMER] = "preemption_timer",
		[VMXF_PML] = "pml",
		[VMXF_EPT_VE] = "ept_ve",
		[VMXF_MTF] = "mtf",
		[VMXF_MSR_BITMAPS] = "msr_bitmaps",
		[VMXF_IO_BITMAPS] = "io_bitmaps",
		[VMXF_TSC_SCALING] = "tsc_scaling",
		[VMXF_EPT_1G] = "ept_1g",
		[VMXF_EPT_2M] = "ept_2m",
		[VMXF_EPT_AD] = "ept_ad",
		[VMXF_EPT_WB] = "ept_wb",
		[VMXF_EPT_4LEVEL] = "ept_4level",
		[VMXF_EPT_5LEVEL] = "ept_5level",
		[VMXF_INVEPT] = "invept",
		[VMXF_INVVPID] = "invvpid",
		[VMXF_SAVE_PREEMPTION_TIMER] = "save_preemption_timer",
		[VMXF_EXT_INTR_EXITING] = "ext_intr_exiting",
		[VMXF_ACK_INTR_ON_EXIT] = "ack_intr_on_exit",
		[VMXF_TSC_OFFSETTING] = "tsc_offsetting",
	};

	for (int f = 0; f < VMXF_COUNT; f++) {
		const char *name = vmx_feature_name(f);

		CHECK(name && name[0]);
		CHECK_STR(name, want[f]);
		for (const char *p = name; p && *p; p++)
			CHECK((*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') || *p == '_');
		for (int g = 0; g < f; g++)
			CHECK(strcmp(name, vmx_feature_name(g)) != 0);
	}
	CHECK_STR(vmx_feature_name(VMXF_COUNT), "unknown");
}

/* Every error has a distinct, non-empty description. */
static void test_strerror(void)
{
	for (int e = VMX_CAPS_OK; e <= VMX_CAPS_ERR_FIXED; e++) {
		const char *s = vmx_caps_strerror(e);

		CHECK(s && s[0]);
		for (int g = VMX_CAPS_OK; g < e; g++)
			CHECK(strcmp(s, vmx_caps_strerror(g)) != 0);
	}
	CHECK_STR(vmx_caps_strerror(VMX_CAPS_ERR_FIXED + 1), "unknown error");
}

int main(void)
{
	test_icelake();
	test_preemption_timer_shift();
	test_may_be_1();
	test_basic();
	test_true_ctls();
	test_ctls_inconsistent();
	test_no_secondary();
	test_ept_not_allowed();
	test_vmfunc();
	test_interrupt_chain();
	test_other_needs();
	test_fixed();
	test_names();
	test_strerror();
	return check_report("vmx_caps");
}
