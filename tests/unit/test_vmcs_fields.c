/*
 * test_vmcs_fields.c - host unit test of the VMCS field table (every row
 * against its encoding's bits, lookups, KVM's shadowed set) and of the exit
 * reason and VM-error words.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "vmcs/exit_reasons.h"
#include "vmcs/fields.h"
#include "vmcs/vm_errors.h"

/* Bits an encoding must have clear: 31:15 and 12 (SDM Vol. 3C 25.11.2). */
#define ENCODING_RESERVED	0xffff9000u

/* Appendix B as counted when the table was written; KVM 5.3+: 11 RO + 24 RW. */
#define FIELD_ROWS		199
#define KVM_RO_FIELDS		11
#define KVM_RW_FIELDS		24

/* Every row agrees with its own encoding, and rows ascend strictly. */
static void check_rows(void)
{
	size_t n = vmcs_field_count();

	CHECK_EQ(n, FIELD_ROWS);
	for (size_t i = 0; i < n; i++) {
		const struct vmcs_field *f = vmcs_field_at(i);

		CHECK(f != NULL && f->name != NULL && f->name[0] != '\0');
		CHECK_EQ(f->encoding & ENCODING_RESERVED, 0);
		CHECK(!vmcs_encoding_is_high(f->encoding));
		CHECK_EQ(f->width, vmcs_encoding_width(f->encoding));
		CHECK_EQ(f->type, vmcs_encoding_type(f->encoding));
		if (i > 0)
			CHECK(vmcs_field_at(i - 1)->encoding < f->encoding);
		CHECK(vmcs_field_find(f->encoding) == f);
		CHECK_EQ(f->index, i);
	}
	CHECK_EQ(n, VMCS_FIELD_ROWS);
	CHECK(vmcs_field_at(n) == NULL);
}

/* A field's kvm_shadowed, or -1 if the table lacks the encoding. */
static int shadow_of(uint32_t encoding)
{
	const struct vmcs_field *f = vmcs_field_find(encoding);

	return f ? (int)f->kvm_shadowed : -1;
}

/* The shadowed set is KVM's vmcs_shadow_fields.h list, name by name. */
static void check_kvm_shadowed(void)
{
	static const uint32_t ro[KVM_RO_FIELDS] = {
		VMCS_GUEST_PHYSICAL_ADDRESS, VMCS_VM_EXIT_REASON,
		VMCS_VM_EXIT_INTERRUPTION_INFORMATION,
		VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE,
		VMCS_IDT_VECTORING_INFORMATION_FIELD,
		VMCS_IDT_VECTORING_ERROR_CODE, VMCS_VM_EXIT_INSTRUCTION_LENGTH,
		VMCS_GUEST_CS_ACCESS_RIGHTS, VMCS_GUEST_SS_ACCESS_RIGHTS,
		VMCS_EXIT_QUALIFICATION, VMCS_GUEST_LINEAR_ADDRESS,
	};
	static const uint32_t rw[KVM_RW_FIELDS] = {
		VMCS_GUEST_INTERRUPT_STATUS, VMCS_PML_INDEX,
		VMCS_HOST_FS_SELECTOR, VMCS_HOST_GS_SELECTOR,
		VMCS_PIN_BASED_VM_EXECUTION_CONTROLS,
		VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		VMCS_EXCEPTION_BITMAP, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
		VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD,
		VMCS_VM_ENTRY_INSTRUCTION_LENGTH, VMCS_TPR_THRESHOLD,
		VMCS_GUEST_INTERRUPTIBILITY_STATE,
		VMCS_VMX_PREEMPTION_TIMER_VALUE, VMCS_CR0_GUEST_HOST_MASK,
		VMCS_CR0_READ_SHADOW, VMCS_CR4_READ_SHADOW, VMCS_GUEST_CR0,
		VMCS_GUEST_CR3, VMCS_GUEST_CR4, VMCS_GUEST_RSP, VMCS_GUEST_RIP,
		VMCS_GUEST_RFLAGS, VMCS_HOST_FS_BASE, VMCS_HOST_GS_BASE,
	};
	size_t n_ro = 0, n_rw = 0;

	for (size_t i = 0; i < vmcs_field_count(); i++) {
		enum vmcs_kvm_shadow s = vmcs_field_at(i)->kvm_shadowed;

		n_ro += s == VMCS_KVM_RO;
		n_rw += s == VMCS_KVM_RW;
	}
	CHECK_EQ(n_ro, KVM_RO_FIELDS);
	CHECK_EQ(n_rw, KVM_RW_FIELDS);
	for (size_t i = 0; i < KVM_RO_FIELDS; i++)
		CHECK_EQ(shadow_of(ro[i]), VMCS_KVM_RO);
	for (size_t i = 0; i < KVM_RW_FIELDS; i++)
		CHECK_EQ(shadow_of(rw[i]), VMCS_KVM_RW);
	/* Shadowed by KVM before 2019 (or easily assumed to be); not now. */
	CHECK_EQ(shadow_of(VMCS_TSC_OFFSET), VMCS_KVM_NONE);
	CHECK_EQ(shadow_of(VMCS_GUEST_CS_SELECTOR), VMCS_KVM_NONE);
	CHECK_EQ(shadow_of(VMCS_GUEST_ES_BASE), VMCS_KVM_NONE);
	CHECK_EQ(shadow_of(VMCS_VM_EXIT_INSTRUCTION_INFORMATION),
		 VMCS_KVM_NONE);
}

/* The l2 column: read-only exactly for exit information; the features L2 lacks. */
static void check_l2_column(void)
{
	size_t offered = 0;

	for (size_t i = 0; i < vmcs_field_count(); i++) {
		const struct vmcs_field *f = vmcs_field_at(i);

		if (f->l2 == VMCS_L2_NO)
			continue;
		offered++;
		CHECK_EQ(f->l2 == VMCS_L2_RO, vmcs_field_read_only(f));
		/* No FRED, CET or PKRS state: L2 is not offered them. */
		CHECK(!strstr(f->name, "FRED") && !strstr(f->name, "CET") &&
		      !strstr(f->name, "PKRS"));
	}
	CHECK_EQ(offered, 128);
	CHECK_EQ(vmcs_field_find(VMCS_GUEST_RIP)->l2, VMCS_L2_RW);
	CHECK_EQ(vmcs_field_find(VMCS_HOST_RIP)->l2, VMCS_L2_RW);
	CHECK_EQ(vmcs_field_find(VMCS_VM_INSTRUCTION_ERROR)->l2, VMCS_L2_RO);
	CHECK_EQ(vmcs_field_find(VMCS_EXIT_QUALIFICATION)->l2, VMCS_L2_RO);
	CHECK_EQ(vmcs_field_find(VMCS_VIRTUAL_PROCESSOR_IDENTIFIER)->l2, VMCS_L2_RW);
	CHECK_EQ(vmcs_field_find(VMCS_VMCS_LINK_POINTER)->l2, VMCS_L2_RW);
	/* EPT is offered (nested EPT); not offered: TPR shadow, preemption timer. */
	CHECK_EQ(vmcs_field_find(VMCS_EPT_POINTER)->l2, VMCS_L2_RW);
	CHECK_EQ(vmcs_field_find(VMCS_GUEST_PHYSICAL_ADDRESS)->l2, VMCS_L2_RO);
	CHECK_EQ(vmcs_field_find(VMCS_GUEST_PDPTE3)->l2, VMCS_L2_RW);
	CHECK_EQ(vmcs_field_find(VMCS_TPR_THRESHOLD)->l2, VMCS_L2_NO);
	CHECK_EQ(vmcs_field_find(VMCS_VMX_PREEMPTION_TIMER_VALUE)->l2, VMCS_L2_NO);
	CHECK_EQ(VMCS_IDX_VIRTUAL_PROCESSOR_IDENTIFIER, 0);
	CHECK_EQ(vmcs_field_at(VMCS_IDX_GUEST_RIP)->encoding, VMCS_GUEST_RIP);
}

/* Looks encoding up and checks name, width and type. */
static void expect(uint32_t encoding, const char *name, enum vmcs_width w,
		   enum vmcs_type t)
{
	const struct vmcs_field *f = vmcs_field_find(encoding);

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_STR(f->name, name);
	CHECK_EQ(f->encoding, encoding);
	CHECK_EQ(f->width, w);
	CHECK_EQ(f->type, t);
}

static void check_known_fields(void)
{
	expect(0x681e, "GUEST_RIP", VMCS_WIDTH_NATURAL, VMCS_TYPE_GUEST);
	expect(0x4402, "VM_EXIT_REASON", VMCS_WIDTH_32, VMCS_TYPE_EXIT_INFO);
	expect(0x201a, "EPT_POINTER", VMCS_WIDTH_64, VMCS_TYPE_CONTROL);
	expect(0x2800, "VMCS_LINK_POINTER", VMCS_WIDTH_64, VMCS_TYPE_GUEST);
	expect(0x6c16, "HOST_RIP", VMCS_WIDTH_NATURAL, VMCS_TYPE_HOST);
	expect(0x0000, "VIRTUAL_PROCESSOR_IDENTIFIER", VMCS_WIDTH_16,
	       VMCS_TYPE_CONTROL);
	expect(0x0002, "POSTED_INTERRUPT_NOTIFICATION_VECTOR", VMCS_WIDTH_16,
	       VMCS_TYPE_CONTROL);
	expect(0x0004, "EPTP_INDEX", VMCS_WIDTH_16, VMCS_TYPE_CONTROL);
	expect(0x0812, "PML_INDEX", VMCS_WIDTH_16, VMCS_TYPE_GUEST);
	expect(0x200e, "PML_ADDRESS", VMCS_WIDTH_64, VMCS_TYPE_CONTROL);
	expect(0x2018, "VM_FUNCTION_CONTROLS", VMCS_WIDTH_64,
	       VMCS_TYPE_CONTROL);
	expect(0x2024, "EPTP_LIST_ADDRESS", VMCS_WIDTH_64, VMCS_TYPE_CONTROL);
	expect(0x2026, "VMREAD_BITMAP_ADDRESS", VMCS_WIDTH_64,
	       VMCS_TYPE_CONTROL);
	expect(0x2028, "VMWRITE_BITMAP_ADDRESS", VMCS_WIDTH_64,
	       VMCS_TYPE_CONTROL);
	expect(0x202a, "VIRTUALIZATION_EXCEPTION_INFORMATION_ADDRESS",
	       VMCS_WIDTH_64, VMCS_TYPE_CONTROL);
	expect(0x202c, "XSS_EXITING_BITMAP", VMCS_WIDTH_64, VMCS_TYPE_CONTROL);
	expect(0x202e, "ENCLS_EXITING_BITMAP", VMCS_WIDTH_64,
	       VMCS_TYPE_CONTROL);
	expect(0x2030, "SUB_PAGE_PERMISSION_TABLE_POINTER", VMCS_WIDTH_64,
	       VMCS_TYPE_CONTROL);
	expect(0x2032, "TSC_MULTIPLIER", VMCS_WIDTH_64, VMCS_TYPE_CONTROL);
	expect(0x2400, "GUEST_PHYSICAL_ADDRESS", VMCS_WIDTH_64,
	       VMCS_TYPE_EXIT_INFO);
	expect(0x2812, "GUEST_IA32_BNDCFGS", VMCS_WIDTH_64, VMCS_TYPE_GUEST);
	expect(0x2814, "GUEST_IA32_RTIT_CTL", VMCS_WIDTH_64, VMCS_TYPE_GUEST);
	expect(0x2818, "GUEST_IA32_PKRS", VMCS_WIDTH_64, VMCS_TYPE_GUEST);
	expect(0x4826, "GUEST_ACTIVITY_STATE", VMCS_WIDTH_32, VMCS_TYPE_GUEST);
	expect(0x4c00, "HOST_IA32_SYSENTER_CS", VMCS_WIDTH_32, VMCS_TYPE_HOST);
	expect(0x6400, "EXIT_QUALIFICATION", VMCS_WIDTH_NATURAL,
	       VMCS_TYPE_EXIT_INFO);
	expect(0x6828, "GUEST_IA32_S_CET", VMCS_WIDTH_NATURAL, VMCS_TYPE_GUEST);
	expect(0x6c18, "HOST_IA32_S_CET", VMCS_WIDTH_NATURAL, VMCS_TYPE_HOST);
	/* The enum is generated from the same rows. */
	CHECK_EQ(VMCS_GUEST_RIP, 0x681e);
	CHECK_EQ(VMCS_VM_EXIT_REASON, 0x4402);
	CHECK_EQ(VMCS_HOST_IA32_INTERRUPT_SSP_TABLE_ADDR, 0x6c1c);
}

/* High halves: found for 64-bit fields only; junk encodings not at all. */
static void check_lookup_edges(void)
{
	const struct vmcs_field *f = vmcs_field_find(VMCS_EPT_POINTER | 1);

	CHECK(f != NULL && f->encoding == VMCS_EPT_POINTER);
	CHECK(vmcs_encoding_is_high(VMCS_EPT_POINTER | 1));
	CHECK(vmcs_field_find(VMCS_GUEST_PHYSICAL_ADDRESS | 1) ==
	      vmcs_field_find(VMCS_GUEST_PHYSICAL_ADDRESS));
	CHECK(vmcs_field_find(VMCS_VM_EXIT_REASON | 1) == NULL);
	CHECK(vmcs_field_find(VMCS_GUEST_RIP | 1) == NULL);
	CHECK(vmcs_field_find(VMCS_GUEST_CS_SELECTOR | 1) == NULL);
	CHECK(vmcs_field_find(0x6c40) == NULL);
	CHECK(vmcs_field_find(0x6c1e) == NULL);
	CHECK(vmcs_field_find(0xffffffff) == NULL);
	CHECK(vmcs_field_find(0xfffffffe) == NULL);
	CHECK(vmcs_field_find(0x1000 | VMCS_GUEST_RIP) == NULL);
	CHECK(vmcs_field_find(0x10000 | VMCS_GUEST_RIP) == NULL);
	CHECK(vmcs_field_find(0x2046) == NULL);
	CHECK(vmcs_field_find(0x482c) == NULL);
	CHECK_EQ(vmcs_encoding_width(0x4400), VMCS_WIDTH_32);
	CHECK_EQ(vmcs_encoding_type(0x4400), VMCS_TYPE_EXIT_INFO);
	CHECK_EQ(vmcs_encoding_width(0x2c01), VMCS_WIDTH_64);
	CHECK_EQ(vmcs_encoding_type(0x2c01), VMCS_TYPE_HOST);
}

/* Formats exit_reason and compares the text. */
static void expect_format(uint32_t exit_reason, const char *text)
{
	char buf[128];
	int n = vmx_exit_reason_format(buf, sizeof(buf), exit_reason);

	CHECK_STR(buf, text);
	CHECK_EQ(n, strlen(text));
}

static void check_exit_reasons(void)
{
	char small[8];

	CHECK_EQ(EXIT_REASON_CPUID, 10);
	CHECK_EQ(EXIT_REASON_EPT_VIOLATION, 48);
	CHECK_EQ(EXIT_REASON_TDCALL, 77);
	CHECK_STR(vmx_exit_reason_name(0), "exception or NMI");
	CHECK_STR(vmx_exit_reason_name(EXIT_REASON_CPUID), "CPUID");
	CHECK_STR(vmx_exit_reason_name(EXIT_REASON_VMCALL), "VMCALL");
	CHECK_STR(vmx_exit_reason_name(49), "EPT misconfiguration");
	CHECK_STR(vmx_exit_reason_name(VMX_EXIT_REASON_COUNT - 1),
		  "WRMSRNS with immediate");
	CHECK_STR(vmx_exit_reason_name(35), "unknown");
	CHECK_STR(vmx_exit_reason_name(71), "unknown");
	CHECK_STR(vmx_exit_reason_name(VMX_EXIT_REASON_COUNT), "unknown");
	CHECK_STR(vmx_exit_reason_name(0xffffffff), "unknown");
	CHECK_EQ(vmx_exit_reason_basic(0x80000021), 33);

	expect_format(10, "CPUID (10)");
	expect_format(EXIT_REASON_FAILED_VMENTRY | 33,
		      "VM-entry failure: invalid guest state (33)");
	expect_format(EXIT_REASON_FAILED_VMENTRY | 34,
		      "VM-entry failure: MSR loading (34)");
	expect_format(EXIT_REASON_BUS_LOCK_ASSERTED | 48,
		      "EPT violation (48) [bus lock asserted]");
	expect_format(EXIT_REASON_PENDING_MTF | EXIT_REASON_FROM_VMX_ROOT | 6,
		      "other SMI (6) [pending MTF VM exit, "
		      "from VMX root operation]");
	expect_format(99, "unknown (99)");

	CHECK_EQ(vmx_exit_reason_format(small, sizeof(small),
					EXIT_REASON_FAILED_VMENTRY | 33),
		 strlen("VM-entry failure: invalid guest state (33)"));
	CHECK_STR(small, "VM-entr");
	CHECK_EQ(vmx_exit_reason_format(NULL, 0, 10), strlen("CPUID (10)"));
}

static void check_vm_errors(void)
{
	char buf[64];

	CHECK_EQ(VMXERR_ENTRY_INVALID_CONTROL_FIELD, 7);
	CHECK_EQ(VMXERR_INVALID_INVEPT_INVVPID_OPERAND, 28);
	CHECK_STR(vmx_instruction_error_str(VMXERR_VMCALL_IN_VMX_ROOT),
		  "VMCALL executed in VMX root operation");
	CHECK_STR(vmx_instruction_error_str(7),
		  "VM entry with invalid control field(s)");
	CHECK_STR(vmx_instruction_error_str(8),
		  "VM entry with invalid host-state field(s)");
	CHECK_STR(vmx_instruction_error_str(12),
		  "VMREAD/VMWRITE from/to unsupported VMCS component");
	CHECK_STR(vmx_instruction_error_str(28),
		  "invalid operand to INVEPT/INVVPID");
	CHECK_STR(vmx_instruction_error_str(0), "unknown");
	CHECK_STR(vmx_instruction_error_str(14), "unknown");
	CHECK_STR(vmx_instruction_error_str(21), "unknown");
	CHECK_STR(vmx_instruction_error_str(27), "unknown");
	CHECK_STR(vmx_instruction_error_str(29), "unknown");
	CHECK_STR(vmx_instruction_error_str(0xffffffff), "unknown");

	CHECK_STR(vmx_entry_failure_qual_str(buf, sizeof(buf),
					     EXIT_REASON_INVALID_GUEST_STATE,
					     ENTRY_QUAL_VMCS_LINK_POINTER),
		  "invalid VMCS link pointer");
	CHECK_STR(vmx_entry_failure_qual_str(buf, sizeof(buf), 33, 0),
		  "no further information");
	CHECK_STR(vmx_entry_failure_qual_str(buf, sizeof(buf), 33, 2),
		  "problem loading the PDPTEs");
	CHECK_STR(vmx_entry_failure_qual_str(buf, sizeof(buf), 33, 1),
		  "unknown");
	CHECK_STR(vmx_entry_failure_qual_str(buf, sizeof(buf), 33, 5),
		  "unknown");
	CHECK_STR(vmx_entry_failure_qual_str(buf, sizeof(buf),
					     EXIT_REASON_MSR_LOADING, 3),
		  "VM-entry MSR-load entry 3 failed");
	CHECK_STR(vmx_entry_failure_qual_str(buf, sizeof(buf), 41, 0),
		  "no qualification for this exit reason");
}

int main(void)
{
	check_rows();
	check_kvm_shadowed();
	check_l2_column();
	check_known_fields();
	check_lookup_edges();
	check_exit_reasons();
	check_vm_errors();
	return check_report("vmcs_fields");
}
