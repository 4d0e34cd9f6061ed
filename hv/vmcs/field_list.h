/*
 * field_list.h - THE VMCS field table: every field of SDM Vol. 3D Appendix B,
 * one X(encoding, width, area, kvm_shadow, l2, name) row each, in encoding
 * order. Expands here into the encodings (VMCS_GUEST_RIP = 0x681e) and the
 * dense row indexes (VMCS_IDX_GUEST_RIP, the slot of a field in the virtual
 * VMCS, hv/vmcs/vvmcs.h), and in fields.c into the searchable table.
 */
#ifndef HV_VMCS_FIELD_LIST_H
#define HV_VMCS_FIELD_LIST_H

/*
 * Columns:
 * - encoding: the full encoding; a 64-bit field's high half is encoding | 1
 *   and has no row of its own (SDM Vol. 3C 25.11.2).
 * - width: 16, 64, 32 or NATURAL; area (the encoding's "type"): CONTROL,
 *   EXIT_INFO (the read-only data: exit information and the VM-instruction
 *   error), GUEST or HOST.  In a guest hypervisor's (L2's) virtual VMCS the
 *   GUEST rows are the guest-status area (the state of L3, the program L2
 *   runs) and the HOST rows the host-status area (the state L2 gets back at
 *   a VM exit).  Width and area repeat what the encoding's bits say,
 *   written out so the unit test can check one against the other.
 * - kvm_shadow: RO or RW where KVM's arch/x86/kvm/vmx/vmcs_shadow_fields.h
 *   lists the field as SHADOW_FIELD_RO or SHADOW_FIELD_RW (Linux 5.3 and
 *   later), so that L1's VMREAD (RO) or VMREAD and VMWRITE (RW) of it do not
 *   exit to KVM; else NONE.
 * - l2: what the virtual VMCS offers L2 (nested=on): NO, a field of a
 *   feature L2 is not offered (its VMREAD/VMWRITE fail with error 12, as on
 *   a CPU without the feature); RO, a read-only field L1 may let L2 VMREAD
 *   through a hardware shadow VMCS without an exit; RW, a field L2 may
 *   VMREAD and VMWRITE there.  Every field L2 can use may be shadowed: the
 *   virtual VMCS is synchronised with the shadow VMCS at VMLAUNCH/VMRESUME,
 *   VMPTRLD, VMCLEAR and reflected exits (hv/vmcs/shadow.c), never between.
 * - name: the SDM's name as an identifier, with KVM's name above the row
 *   where the two differ.
 * The FRED rows (injected/original-event data, IA32_FRED_*) follow Intel's
 * FRED specification.
 */
#define VMCS_FIELD_LIST(X)									\
	/* B.1.1 16-bit control fields */							\
	/* KVM: VIRTUAL_PROCESSOR_ID */								\
	X(0x0000, 16,      CONTROL,   NONE, RW, VIRTUAL_PROCESSOR_IDENTIFIER)			\
	/* KVM: POSTED_INTR_NV */								\
	X(0x0002, 16,      CONTROL,   NONE, NO, POSTED_INTERRUPT_NOTIFICATION_VECTOR)		\
	X(0x0004, 16,      CONTROL,   NONE, NO, EPTP_INDEX)						\
	X(0x0006, 16,      CONTROL,   NONE, NO, HLAT_PREFIX_SIZE)					\
	X(0x0008, 16,      CONTROL,   NONE, NO, LAST_PID_POINTER_INDEX)				\
	/* B.1.2 16-bit guest-state fields */							\
	X(0x0800, 16,      GUEST,     NONE, RW, GUEST_ES_SELECTOR)					\
	X(0x0802, 16,      GUEST,     NONE, RW, GUEST_CS_SELECTOR)					\
	X(0x0804, 16,      GUEST,     NONE, RW, GUEST_SS_SELECTOR)					\
	X(0x0806, 16,      GUEST,     NONE, RW, GUEST_DS_SELECTOR)					\
	X(0x0808, 16,      GUEST,     NONE, RW, GUEST_FS_SELECTOR)					\
	X(0x080a, 16,      GUEST,     NONE, RW, GUEST_GS_SELECTOR)					\
	X(0x080c, 16,      GUEST,     NONE, RW, GUEST_LDTR_SELECTOR)				\
	X(0x080e, 16,      GUEST,     NONE, RW, GUEST_TR_SELECTOR)					\
	/* KVM: GUEST_INTR_STATUS */								\
	X(0x0810, 16,      GUEST,     RW, NO, GUEST_INTERRUPT_STATUS)				\
	/* KVM: GUEST_PML_INDEX */								\
	X(0x0812, 16,      GUEST,     RW, NO, PML_INDEX)						\
	X(0x0814, 16,      GUEST,     NONE, NO, GUEST_UINV)						\
	/* B.1.3 16-bit host-state fields */							\
	X(0x0c00, 16,      HOST,      NONE, RW, HOST_ES_SELECTOR)					\
	X(0x0c02, 16,      HOST,      NONE, RW, HOST_CS_SELECTOR)					\
	X(0x0c04, 16,      HOST,      NONE, RW, HOST_SS_SELECTOR)					\
	X(0x0c06, 16,      HOST,      NONE, RW, HOST_DS_SELECTOR)					\
	X(0x0c08, 16,      HOST,      RW, RW, HOST_FS_SELECTOR)					\
	X(0x0c0a, 16,      HOST,      RW, RW, HOST_GS_SELECTOR)					\
	X(0x0c0c, 16,      HOST,      NONE, RW, HOST_TR_SELECTOR)					\
	/* B.2.1 64-bit control fields */							\
	/* KVM: IO_BITMAP_A */									\
	X(0x2000, 64,      CONTROL,   NONE, RW, ADDRESS_OF_IO_BITMAP_A)				\
	/* KVM: IO_BITMAP_B */									\
	X(0x2002, 64,      CONTROL,   NONE, RW, ADDRESS_OF_IO_BITMAP_B)				\
	/* KVM: MSR_BITMAP */									\
	X(0x2004, 64,      CONTROL,   NONE, RW, ADDRESS_OF_MSR_BITMAPS)				\
	/* KVM: VM_EXIT_MSR_STORE_ADDR */							\
	X(0x2006, 64,      CONTROL,   NONE, RW, VM_EXIT_MSR_STORE_ADDRESS)				\
	/* KVM: VM_EXIT_MSR_LOAD_ADDR */							\
	X(0x2008, 64,      CONTROL,   NONE, RW, VM_EXIT_MSR_LOAD_ADDRESS)				\
	/* KVM: VM_ENTRY_MSR_LOAD_ADDR */							\
	X(0x200a, 64,      CONTROL,   NONE, RW, VM_ENTRY_MSR_LOAD_ADDRESS)				\
	X(0x200c, 64,      CONTROL,   NONE, RW, EXECUTIVE_VMCS_POINTER)				\
	X(0x200e, 64,      CONTROL,   NONE, NO, PML_ADDRESS)					\
	X(0x2010, 64,      CONTROL,   NONE, RW, TSC_OFFSET)						\
	/* KVM: VIRTUAL_APIC_PAGE_ADDR */							\
	X(0x2012, 64,      CONTROL,   NONE, NO, VIRTUAL_APIC_ADDRESS)				\
	/* KVM: APIC_ACCESS_ADDR */								\
	X(0x2014, 64,      CONTROL,   NONE, NO, APIC_ACCESS_ADDRESS)				\
	/* KVM: POSTED_INTR_DESC_ADDR */							\
	X(0x2016, 64,      CONTROL,   NONE, NO, POSTED_INTERRUPT_DESCRIPTOR_ADDRESS)		\
	/* KVM: VM_FUNCTION_CONTROL */								\
	X(0x2018, 64,      CONTROL,   NONE, NO, VM_FUNCTION_CONTROLS)				\
	X(0x201a, 64,      CONTROL,   NONE, RW, EPT_POINTER)					\
	/* KVM: EOI_EXIT_BITMAP0 */								\
	X(0x201c, 64,      CONTROL,   NONE, NO, EOI_EXIT_BITMAP_0)					\
	/* KVM: EOI_EXIT_BITMAP1 */								\
	X(0x201e, 64,      CONTROL,   NONE, NO, EOI_EXIT_BITMAP_1)					\
	/* KVM: EOI_EXIT_BITMAP2 */								\
	X(0x2020, 64,      CONTROL,   NONE, NO, EOI_EXIT_BITMAP_2)					\
	/* KVM: EOI_EXIT_BITMAP3 */								\
	X(0x2022, 64,      CONTROL,   NONE, NO, EOI_EXIT_BITMAP_3)					\
	X(0x2024, 64,      CONTROL,   NONE, NO, EPTP_LIST_ADDRESS)					\
	/* KVM: VMREAD_BITMAP */								\
	X(0x2026, 64,      CONTROL,   NONE, NO, VMREAD_BITMAP_ADDRESS)				\
	/* KVM: VMWRITE_BITMAP */								\
	X(0x2028, 64,      CONTROL,   NONE, NO, VMWRITE_BITMAP_ADDRESS)				\
	/* KVM: VE_INFORMATION_ADDRESS */							\
	X(0x202a, 64,      CONTROL,   NONE, NO, VIRTUALIZATION_EXCEPTION_INFORMATION_ADDRESS)	\
	/* KVM: XSS_EXIT_BITMAP */								\
	X(0x202c, 64,      CONTROL,   NONE, NO, XSS_EXITING_BITMAP)					\
	X(0x202e, 64,      CONTROL,   NONE, NO, ENCLS_EXITING_BITMAP)				\
	X(0x2030, 64,      CONTROL,   NONE, NO, SUB_PAGE_PERMISSION_TABLE_POINTER)			\
	X(0x2032, 64,      CONTROL,   NONE, NO, TSC_MULTIPLIER)					\
	/* KVM: TERTIARY_VM_EXEC_CONTROL */							\
	X(0x2034, 64,      CONTROL,   NONE, NO, TERTIARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS)	\
	X(0x2036, 64,      CONTROL,   NONE, NO, ENCLV_EXITING_BITMAP)				\
	X(0x2038, 64,      CONTROL,   NONE, NO, LOW_PASID_DIRECTORY_ADDRESS)			\
	X(0x203a, 64,      CONTROL,   NONE, NO, HIGH_PASID_DIRECTORY_ADDRESS)			\
	X(0x203c, 64,      CONTROL,   NONE, NO, SHARED_EPT_POINTER)					\
	X(0x203e, 64,      CONTROL,   NONE, NO, PCONFIG_EXITING_BITMAP)				\
	X(0x2040, 64,      CONTROL,   NONE, NO, HLATP)						\
	/* KVM: PID_POINTER_TABLE */								\
	X(0x2042, 64,      CONTROL,   NONE, NO, PID_POINTER_TABLE_ADDRESS)				\
	X(0x2044, 64,      CONTROL,   NONE, NO, SECONDARY_VM_EXIT_CONTROLS)				\
	X(0x204a, 64,      CONTROL,   NONE, NO, IA32_SPEC_CTRL_MASK)				\
	X(0x204c, 64,      CONTROL,   NONE, NO, IA32_SPEC_CTRL_SHADOW)				\
	X(0x2052, 64,      CONTROL,   NONE, NO, INJECTED_EVENT_DATA)				\
	/* B.2.2 64-bit read-only data fields */						\
	/* KVM also lists the high half, GUEST_PHYSICAL_ADDRESS_HIGH */				\
	X(0x2400, 64,      EXIT_INFO, RO, RO, GUEST_PHYSICAL_ADDRESS)				\
	X(0x2404, 64,      EXIT_INFO, NONE, NO, ORIGINAL_EVENT_DATA)				\
	/* B.2.3 64-bit guest-state fields */							\
	X(0x2800, 64,      GUEST,     NONE, RW, VMCS_LINK_POINTER)					\
	X(0x2802, 64,      GUEST,     NONE, RW, GUEST_IA32_DEBUGCTL)				\
	X(0x2804, 64,      GUEST,     NONE, RW, GUEST_IA32_PAT)					\
	X(0x2806, 64,      GUEST,     NONE, RW, GUEST_IA32_EFER)					\
	X(0x2808, 64,      GUEST,     NONE, NO, GUEST_IA32_PERF_GLOBAL_CTRL)			\
	/* KVM: GUEST_PDPTR0 */									\
	X(0x280a, 64,      GUEST,     NONE, RW, GUEST_PDPTE0)					\
	/* KVM: GUEST_PDPTR1 */									\
	X(0x280c, 64,      GUEST,     NONE, RW, GUEST_PDPTE1)					\
	/* KVM: GUEST_PDPTR2 */									\
	X(0x280e, 64,      GUEST,     NONE, RW, GUEST_PDPTE2)					\
	/* KVM: GUEST_PDPTR3 */									\
	X(0x2810, 64,      GUEST,     NONE, RW, GUEST_PDPTE3)					\
	/* KVM: GUEST_BNDCFGS */								\
	X(0x2812, 64,      GUEST,     NONE, NO, GUEST_IA32_BNDCFGS)					\
	X(0x2814, 64,      GUEST,     NONE, NO, GUEST_IA32_RTIT_CTL)				\
	X(0x2816, 64,      GUEST,     NONE, NO, GUEST_IA32_LBR_CTL)					\
	X(0x2818, 64,      GUEST,     NONE, NO, GUEST_IA32_PKRS)					\
	X(0x281a, 64,      GUEST,     NONE, NO, GUEST_IA32_FRED_CONFIG)				\
	X(0x281c, 64,      GUEST,     NONE, NO, GUEST_IA32_FRED_RSP1)				\
	X(0x281e, 64,      GUEST,     NONE, NO, GUEST_IA32_FRED_RSP2)				\
	X(0x2820, 64,      GUEST,     NONE, NO, GUEST_IA32_FRED_RSP3)				\
	X(0x2822, 64,      GUEST,     NONE, NO, GUEST_IA32_FRED_STKLVLS)				\
	X(0x2824, 64,      GUEST,     NONE, NO, GUEST_IA32_FRED_SSP1)				\
	X(0x2826, 64,      GUEST,     NONE, NO, GUEST_IA32_FRED_SSP2)				\
	X(0x2828, 64,      GUEST,     NONE, NO, GUEST_IA32_FRED_SSP3)				\
	/* B.2.4 64-bit host-state fields */							\
	X(0x2c00, 64,      HOST,      NONE, RW, HOST_IA32_PAT)					\
	X(0x2c02, 64,      HOST,      NONE, RW, HOST_IA32_EFER)					\
	X(0x2c04, 64,      HOST,      NONE, NO, HOST_IA32_PERF_GLOBAL_CTRL)				\
	X(0x2c06, 64,      HOST,      NONE, NO, HOST_IA32_PKRS)					\
	X(0x2c08, 64,      HOST,      NONE, NO, HOST_IA32_FRED_CONFIG)				\
	X(0x2c0a, 64,      HOST,      NONE, NO, HOST_IA32_FRED_RSP1)				\
	X(0x2c0c, 64,      HOST,      NONE, NO, HOST_IA32_FRED_RSP2)				\
	X(0x2c0e, 64,      HOST,      NONE, NO, HOST_IA32_FRED_RSP3)				\
	X(0x2c10, 64,      HOST,      NONE, NO, HOST_IA32_FRED_STKLVLS)				\
	X(0x2c12, 64,      HOST,      NONE, NO, HOST_IA32_FRED_SSP1)				\
	X(0x2c14, 64,      HOST,      NONE, NO, HOST_IA32_FRED_SSP2)				\
	X(0x2c16, 64,      HOST,      NONE, NO, HOST_IA32_FRED_SSP3)				\
	/* B.3.1 32-bit control fields */							\
	/* KVM: PIN_BASED_VM_EXEC_CONTROL */							\
	X(0x4000, 32,      CONTROL,   RW, RW, PIN_BASED_VM_EXECUTION_CONTROLS)			\
	/* KVM: CPU_BASED_VM_EXEC_CONTROL */							\
	X(0x4002, 32,      CONTROL,   RW, RW, PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS)	\
	X(0x4004, 32,      CONTROL,   RW, RW, EXCEPTION_BITMAP)					\
	X(0x4006, 32,      CONTROL,   NONE, RW, PAGE_FAULT_ERROR_CODE_MASK)				\
	X(0x4008, 32,      CONTROL,   NONE, RW, PAGE_FAULT_ERROR_CODE_MATCH)			\
	X(0x400a, 32,      CONTROL,   NONE, RW, CR3_TARGET_COUNT)					\
	/* KVM: VM_EXIT_CONTROLS */								\
	X(0x400c, 32,      CONTROL,   NONE, RW, PRIMARY_VM_EXIT_CONTROLS)				\
	X(0x400e, 32,      CONTROL,   NONE, RW, VM_EXIT_MSR_STORE_COUNT)				\
	X(0x4010, 32,      CONTROL,   NONE, RW, VM_EXIT_MSR_LOAD_COUNT)				\
	X(0x4012, 32,      CONTROL,   NONE, RW, VM_ENTRY_CONTROLS)					\
	X(0x4014, 32,      CONTROL,   NONE, RW, VM_ENTRY_MSR_LOAD_COUNT)				\
	/* KVM: VM_ENTRY_INTR_INFO_FIELD */							\
	X(0x4016, 32,      CONTROL,   RW, RW, VM_ENTRY_INTERRUPTION_INFORMATION_FIELD)		\
	X(0x4018, 32,      CONTROL,   RW, RW, VM_ENTRY_EXCEPTION_ERROR_CODE)			\
	/* KVM: VM_ENTRY_INSTRUCTION_LEN */							\
	X(0x401a, 32,      CONTROL,   RW, RW, VM_ENTRY_INSTRUCTION_LENGTH)			\
	X(0x401c, 32,      CONTROL,   RW, NO, TPR_THRESHOLD)					\
	/* KVM: SECONDARY_VM_EXEC_CONTROL */							\
	X(0x401e, 32,      CONTROL,   NONE, RW, SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS)	\
	X(0x4020, 32,      CONTROL,   NONE, NO, PLE_GAP)						\
	X(0x4022, 32,      CONTROL,   NONE, NO, PLE_WINDOW)						\
	/* KVM: NOTIFY_WINDOW */								\
	X(0x4024, 32,      CONTROL,   NONE, NO, INSTRUCTION_TIMEOUT_CONTROL)			\
	/* B.3.2 32-bit read-only data fields */						\
	X(0x4400, 32,      EXIT_INFO, NONE, RO, VM_INSTRUCTION_ERROR)				\
	/* the SDM table says "Exit reason" */							\
	X(0x4402, 32,      EXIT_INFO, RO, RO, VM_EXIT_REASON)					\
	/* KVM: VM_EXIT_INTR_INFO */								\
	X(0x4404, 32,      EXIT_INFO, RO, RO, VM_EXIT_INTERRUPTION_INFORMATION)			\
	/* KVM: VM_EXIT_INTR_ERROR_CODE */							\
	X(0x4406, 32,      EXIT_INFO, RO, RO, VM_EXIT_INTERRUPTION_ERROR_CODE)			\
	/* KVM: IDT_VECTORING_INFO_FIELD */							\
	X(0x4408, 32,      EXIT_INFO, RO, RO, IDT_VECTORING_INFORMATION_FIELD)			\
	X(0x440a, 32,      EXIT_INFO, RO, RO, IDT_VECTORING_ERROR_CODE)				\
	/* KVM: VM_EXIT_INSTRUCTION_LEN */							\
	X(0x440c, 32,      EXIT_INFO, RO, RO, VM_EXIT_INSTRUCTION_LENGTH)				\
	/* KVM: VMX_INSTRUCTION_INFO */								\
	X(0x440e, 32,      EXIT_INFO, NONE, RO, VM_EXIT_INSTRUCTION_INFORMATION)			\
	/* B.3.3 32-bit guest-state fields */							\
	X(0x4800, 32,      GUEST,     NONE, RW, GUEST_ES_LIMIT)					\
	X(0x4802, 32,      GUEST,     NONE, RW, GUEST_CS_LIMIT)					\
	X(0x4804, 32,      GUEST,     NONE, RW, GUEST_SS_LIMIT)					\
	X(0x4806, 32,      GUEST,     NONE, RW, GUEST_DS_LIMIT)					\
	X(0x4808, 32,      GUEST,     NONE, RW, GUEST_FS_LIMIT)					\
	X(0x480a, 32,      GUEST,     NONE, RW, GUEST_GS_LIMIT)					\
	X(0x480c, 32,      GUEST,     NONE, RW, GUEST_LDTR_LIMIT)					\
	X(0x480e, 32,      GUEST,     NONE, RW, GUEST_TR_LIMIT)					\
	X(0x4810, 32,      GUEST,     NONE, RW, GUEST_GDTR_LIMIT)					\
	X(0x4812, 32,      GUEST,     NONE, RW, GUEST_IDTR_LIMIT)					\
	/* KVM: GUEST_ES_AR_BYTES */								\
	X(0x4814, 32,      GUEST,     NONE, RW, GUEST_ES_ACCESS_RIGHTS)				\
	/* KVM: GUEST_CS_AR_BYTES */								\
	X(0x4816, 32,      GUEST,     RO, RW, GUEST_CS_ACCESS_RIGHTS)				\
	/* KVM: GUEST_SS_AR_BYTES */								\
	X(0x4818, 32,      GUEST,     RO, RW, GUEST_SS_ACCESS_RIGHTS)				\
	/* KVM: GUEST_DS_AR_BYTES */								\
	X(0x481a, 32,      GUEST,     NONE, RW, GUEST_DS_ACCESS_RIGHTS)				\
	/* KVM: GUEST_FS_AR_BYTES */								\
	X(0x481c, 32,      GUEST,     NONE, RW, GUEST_FS_ACCESS_RIGHTS)				\
	/* KVM: GUEST_GS_AR_BYTES */								\
	X(0x481e, 32,      GUEST,     NONE, RW, GUEST_GS_ACCESS_RIGHTS)				\
	/* KVM: GUEST_LDTR_AR_BYTES */								\
	X(0x4820, 32,      GUEST,     NONE, RW, GUEST_LDTR_ACCESS_RIGHTS)				\
	/* KVM: GUEST_TR_AR_BYTES */								\
	X(0x4822, 32,      GUEST,     NONE, RW, GUEST_TR_ACCESS_RIGHTS)				\
	/* KVM: GUEST_INTERRUPTIBILITY_INFO */							\
	X(0x4824, 32,      GUEST,     RW, RW, GUEST_INTERRUPTIBILITY_STATE)			\
	X(0x4826, 32,      GUEST,     NONE, RW, GUEST_ACTIVITY_STATE)				\
	X(0x4828, 32,      GUEST,     NONE, RW, GUEST_SMBASE)					\
	/* KVM: GUEST_SYSENTER_CS */								\
	X(0x482a, 32,      GUEST,     NONE, RW, GUEST_IA32_SYSENTER_CS)				\
	X(0x482e, 32,      GUEST,     RW, NO, VMX_PREEMPTION_TIMER_VALUE)				\
	/* B.3.4 32-bit host-state field */							\
	X(0x4c00, 32,      HOST,      NONE, RW, HOST_IA32_SYSENTER_CS)				\
	/* B.4.1 natural-width control fields */						\
	X(0x6000, NATURAL, CONTROL,   RW, RW, CR0_GUEST_HOST_MASK)				\
	X(0x6002, NATURAL, CONTROL,   NONE, RW, CR4_GUEST_HOST_MASK)				\
	X(0x6004, NATURAL, CONTROL,   RW, RW, CR0_READ_SHADOW)					\
	X(0x6006, NATURAL, CONTROL,   RW, RW, CR4_READ_SHADOW)					\
	/* KVM: CR3_TARGET_VALUE0 */								\
	X(0x6008, NATURAL, CONTROL,   NONE, RW, CR3_TARGET_VALUE_0)					\
	/* KVM: CR3_TARGET_VALUE1 */								\
	X(0x600a, NATURAL, CONTROL,   NONE, RW, CR3_TARGET_VALUE_1)					\
	/* KVM: CR3_TARGET_VALUE2 */								\
	X(0x600c, NATURAL, CONTROL,   NONE, RW, CR3_TARGET_VALUE_2)					\
	/* KVM: CR3_TARGET_VALUE3 */								\
	X(0x600e, NATURAL, CONTROL,   NONE, RW, CR3_TARGET_VALUE_3)					\
	/* B.4.2 natural-width read-only data fields */						\
	X(0x6400, NATURAL, EXIT_INFO, RO, RO, EXIT_QUALIFICATION)					\
	X(0x6402, NATURAL, EXIT_INFO, NONE, RO, IO_RCX)						\
	X(0x6404, NATURAL, EXIT_INFO, NONE, RO, IO_RSI)						\
	X(0x6406, NATURAL, EXIT_INFO, NONE, RO, IO_RDI)						\
	X(0x6408, NATURAL, EXIT_INFO, NONE, RO, IO_RIP)						\
	X(0x640a, NATURAL, EXIT_INFO, RO, RO, GUEST_LINEAR_ADDRESS)				\
	/* B.4.3 natural-width guest-state fields */						\
	X(0x6800, NATURAL, GUEST,     RW, RW, GUEST_CR0)						\
	X(0x6802, NATURAL, GUEST,     RW, RW, GUEST_CR3)						\
	X(0x6804, NATURAL, GUEST,     RW, RW, GUEST_CR4)						\
	X(0x6806, NATURAL, GUEST,     NONE, RW, GUEST_ES_BASE)					\
	X(0x6808, NATURAL, GUEST,     NONE, RW, GUEST_CS_BASE)					\
	X(0x680a, NATURAL, GUEST,     NONE, RW, GUEST_SS_BASE)					\
	X(0x680c, NATURAL, GUEST,     NONE, RW, GUEST_DS_BASE)					\
	X(0x680e, NATURAL, GUEST,     NONE, RW, GUEST_FS_BASE)					\
	X(0x6810, NATURAL, GUEST,     NONE, RW, GUEST_GS_BASE)					\
	X(0x6812, NATURAL, GUEST,     NONE, RW, GUEST_LDTR_BASE)					\
	X(0x6814, NATURAL, GUEST,     NONE, RW, GUEST_TR_BASE)					\
	X(0x6816, NATURAL, GUEST,     NONE, RW, GUEST_GDTR_BASE)					\
	X(0x6818, NATURAL, GUEST,     NONE, RW, GUEST_IDTR_BASE)					\
	X(0x681a, NATURAL, GUEST,     NONE, RW, GUEST_DR7)						\
	X(0x681c, NATURAL, GUEST,     RW, RW, GUEST_RSP)						\
	X(0x681e, NATURAL, GUEST,     RW, RW, GUEST_RIP)						\
	X(0x6820, NATURAL, GUEST,     RW, RW, GUEST_RFLAGS)					\
	/* KVM: GUEST_PENDING_DBG_EXCEPTIONS */							\
	X(0x6822, NATURAL, GUEST,     NONE, RW, GUEST_PENDING_DEBUG_EXCEPTIONS)			\
	/* KVM: GUEST_SYSENTER_ESP */								\
	X(0x6824, NATURAL, GUEST,     NONE, RW, GUEST_IA32_SYSENTER_ESP)				\
	/* KVM: GUEST_SYSENTER_EIP */								\
	X(0x6826, NATURAL, GUEST,     NONE, RW, GUEST_IA32_SYSENTER_EIP)				\
	/* KVM: GUEST_S_CET */									\
	X(0x6828, NATURAL, GUEST,     NONE, NO, GUEST_IA32_S_CET)					\
	X(0x682a, NATURAL, GUEST,     NONE, NO, GUEST_SSP)						\
	/* KVM: GUEST_INTR_SSP_TABLE */								\
	X(0x682c, NATURAL, GUEST,     NONE, NO, GUEST_IA32_INTERRUPT_SSP_TABLE_ADDR)		\
	/* B.4.4 natural-width host-state fields */						\
	X(0x6c00, NATURAL, HOST,      NONE, RW, HOST_CR0)						\
	X(0x6c02, NATURAL, HOST,      NONE, RW, HOST_CR3)						\
	X(0x6c04, NATURAL, HOST,      NONE, RW, HOST_CR4)						\
	X(0x6c06, NATURAL, HOST,      RW, RW, HOST_FS_BASE)					\
	X(0x6c08, NATURAL, HOST,      RW, RW, HOST_GS_BASE)					\
	X(0x6c0a, NATURAL, HOST,      NONE, RW, HOST_TR_BASE)					\
	X(0x6c0c, NATURAL, HOST,      NONE, RW, HOST_GDTR_BASE)					\
	X(0x6c0e, NATURAL, HOST,      NONE, RW, HOST_IDTR_BASE)					\
	X(0x6c10, NATURAL, HOST,      NONE, RW, HOST_IA32_SYSENTER_ESP)				\
	X(0x6c12, NATURAL, HOST,      NONE, RW, HOST_IA32_SYSENTER_EIP)				\
	X(0x6c14, NATURAL, HOST,      NONE, RW, HOST_RSP)						\
	X(0x6c16, NATURAL, HOST,      NONE, RW, HOST_RIP)						\
	/* KVM: HOST_S_CET */									\
	X(0x6c18, NATURAL, HOST,      NONE, NO, HOST_IA32_S_CET)					\
	X(0x6c1a, NATURAL, HOST,      NONE, NO, HOST_SSP)						\
	/* KVM: HOST_INTR_SSP_TABLE */								\
	X(0x6c1c, NATURAL, HOST,      NONE, NO, HOST_IA32_INTERRUPT_SSP_TABLE_ADDR)

/* The encodings, as VMCS_<name>. */
enum vmcs_encoding {
#define VMCS_ENCODING_ENUM(enc, width, area, kvm_shadow, l2, name) VMCS_##name = enc,
	VMCS_FIELD_LIST(VMCS_ENCODING_ENUM)
#undef VMCS_ENCODING_ENUM
};

/* The rows' indexes, as VMCS_IDX_<name>; VMCS_FIELD_ROWS counts them. */
enum vmcs_index {
#define VMCS_INDEX_ENUM(enc, width, area, kvm_shadow, l2, name) VMCS_IDX_##name,
	VMCS_FIELD_LIST(VMCS_INDEX_ENUM)
#undef VMCS_INDEX_ENUM
	VMCS_FIELD_ROWS
};

#endif
