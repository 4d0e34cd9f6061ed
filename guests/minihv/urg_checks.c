/*
 * urg_checks.c - L3 as an unrestricted guest (minihv urg=1): under
 * minihv's EPT, L3 runs in real mode (CR0.PE and PG clear, CS base set in
 * the VMCS), entering protected mode itself, and in 32-bit protected mode
 * without paging, reading CS and CR0 before its HLT (SDM Vol. 3C 27.2.1.1,
 * 27.3.1.1-2: the entry checks that let CR0.PE and PG be 0). L1 must offer
 * the control, merge it into vmcs02 and leave CR0.PE/PG to L3.
 */
#include "guest.h"
#include "minihv.h"
#include "vmcs/field_list.h"
#include "vmx_bits.h"
#include "vmx_ops.h"
#include "x86.h"

#define EXIT_HLT 12
#define CR0_ET (1ull << 4)
#define REAL_CS 0x1000

/*
 * mov bx, cs; mov eax, cr0; mov ecx, eax; or ecx, 1; mov cr0, ecx; hlt: the
 * same bytes in 16-bit and 32-bit code (the 0x66 prefix makes the 16-bit
 * forms 32-bit and the 32-bit forms 16-bit). From real mode the MOV to CR0
 * enters protected mode, which must not exit to L1 under unrestricted guest.
 */
static const uint8_t l3_code[32] __attribute__((aligned(16))) = {
	0x8c, 0xcb, 0x0f, 0x20, 0xc0, 0x66, 0x89, 0xc1, 0x66, 0x83, 0xc9, 0x01,
	0x0f, 0x22, 0xc1, 0xf4,
};

/* Runs l3_code on VMCS a in real mode or (pe) protected mode, paging off; its registers. */
static bool run_unrestricted(uint64_t a, void *stack, uint64_t eptp, bool pe, struct l3_regs *r,
			     uint64_t *rflags, uint64_t *reason)
{
	uint64_t code = (uint64_t)(uintptr_t)l3_code;

	vmcs_build_ept(a, l3_main, stack, eptp, PROC2_UNRESTRICTED_GUEST);
	vmw(VMCS_VM_ENTRY_CONTROLS, vmr(VMCS_VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE_GUEST);
	vmw(VMCS_GUEST_CR0, (caps.cr0_fixed0 & ~(CR0_PE | CR0_PG)) | CR0_ET | (pe ? CR0_PE : 0));
	vmw(VMCS_GUEST_CR3, 0);
	vmw(VMCS_GUEST_CR4, caps.cr4_fixed0);
	vmw(VMCS_GUEST_IA32_EFER, 0);
	vmw(VMCS_GUEST_CS_SELECTOR, pe ? 0x08 : REAL_CS);
	vmw(VMCS_GUEST_CS_BASE, pe ? 0 : code);
	vmw(VMCS_GUEST_CS_LIMIT, pe ? 0xffffffff : 0xffff);
	vmw(VMCS_GUEST_CS_ACCESS_RIGHTS, pe ? 0xc09b : 0x9b);
	for (unsigned s = 0; s < 4; s++) {
		if (s == 1)
			continue;
		vmw(VMCS_GUEST_ES_SELECTOR + 2 * s, pe ? 0x10 : 0);
		vmw(VMCS_GUEST_ES_LIMIT + 2 * s, pe ? 0xffffffff : 0xffff);
		vmw(VMCS_GUEST_ES_ACCESS_RIGHTS + 2 * s, pe ? 0xc093 : 0x93);
	}
	vmw(VMCS_GUEST_RIP, pe ? code : 0);
	*r = (struct l3_regs){ { 0 } };
	*rflags = vmx_run(r, 1);
	*reason = *rflags ? 0 : vmr(VMCS_VM_EXIT_REASON);
	return !*rflags && *reason == EXIT_HLT;
}

bool urg_checks(uint64_t a, void *l3_stack_top)
{
	struct l3_regs r;
	uint64_t rflags, reason, eptp;
	bool ran, ok = true;

	if (!guest_check("l3-unrestricted-offered", caps.proc2 >> 32 & PROC2_UNRESTRICTED_GUEST,
			 "proc2=%#lx", caps.proc2))
		return false;
	eptp = ept_build();
	ran = run_unrestricted(a, l3_stack_top, eptp, false, &r, &rflags, &reason);
	ok &= guest_check("l3-real-mode", ran && (r.gpr[R_RBX] & 0xffff) == REAL_CS &&
			  !(r.gpr[R_RAX] & (CR0_PE | CR0_PG)) &&
			  (vmr(VMCS_GUEST_CR0) & (CR0_PE | CR0_PG)) == CR0_PE,
			  "rflags=%#lx reason=%lu cs=%#lx cr0=%#lx cr0_at_exit=%#lx error=%lu",
			  rflags, reason, r.gpr[R_RBX], r.gpr[R_RAX], vmr(VMCS_GUEST_CR0),
			  rflags ? vmr(VMCS_VM_INSTRUCTION_ERROR) : 0);
	ran = run_unrestricted(a, l3_stack_top, eptp, true, &r, &rflags, &reason);
	ok &= guest_check("l3-protected-no-paging", ran && (r.gpr[R_RBX] & 0xffff) == 0x08 &&
			  (r.gpr[R_RAX] & (CR0_PE | CR0_PG)) == CR0_PE,
			  "rflags=%#lx reason=%lu cs=%#lx cr0=%#lx error=%lu", rflags, reason,
			  r.gpr[R_RBX], r.gpr[R_RAX], rflags ? vmr(VMCS_VM_INSTRUCTION_ERROR) : 0);
	return ok;
}
