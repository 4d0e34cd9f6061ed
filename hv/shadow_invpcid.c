/*
 * shadow_invpcid.c - INVPCID under paging=shadow|hybrid. Shadow paging
 * keeps INVLPG exiting on, which makes INVPCID exit as well (SDM Vol. 3C
 * 25.1.3, with "enable INVPCID"). L2's PCIDs are its own (CR3 bits 11:0 in
 * its view; every shadow root runs as PCID 0 with a flush at each switch),
 * and the shadow tables follow every write to a guest table, so what is
 * left to do is the TLB's part: INVVPID, which covers all of L2's PCIDs
 * (over-invalidating is allowed, Vol. 3A 4.10.4). The checks and faults
 * are the instruction's own (Vol. 2A INVPCID); privilege and mode checks
 * come before the exit.
 */
#include "emul/emul_exit.h"
#include "emul/walk.h"
#include "exit.h"
#include "guest_mem.h"
#include "l0.h"
#include "lib/string.h"
#include "page_alloc.h"
#include "shadow_mode.h"
#include "vmcs/entry_checks.h"
#include "vmcs/l2_mem.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define GP 13
#define PF 14
#define CR4_PCIDE (1ull << 17)
#define RFLAGS_AC (1ull << 18)

enum { INVPCID_ADDRESS, INVPCID_SINGLE, INVPCID_ALL_GLOBAL, INVPCID_ALL };

/* The 16-byte descriptor at linear la, read as a CPL-0 data access through L2's own tables. */
static bool read_descriptor(uint64_t la, uint64_t desc[2])
{
	struct walk_mode m = {
		.cr0 = l2_cr0(), .cr3 = shadow_mode_guest_cr3(), .cr4 = vmread(VMCS_GUEST_CR4),
		.efer = vmread(VMCS_GUEST_IA32_EFER), .cpl = 0,
		.ac = (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_AC) != 0,
	};
	uint8_t *b = (uint8_t *)desc;

	for (unsigned done = 0, chunk; done < 16; done += chunk) {
		struct walk_result r;
		const void *p;

		chunk = (unsigned)(PAGE_SIZE - ((la + done) & (PAGE_SIZE - 1)));
		chunk = chunk < 16 - done ? chunk : 16 - done;
		switch (walk_guest(&m, la + done, WALK_READ, &emul_table_ops, NULL, &r)) {
		case WALK_PAGE_FAULT:
			write_cr2(la + done);
			inject_exception(PF, true, r.error);
			return false;
		case WALK_OK:
			if ((p = guest_mem_ptr(r.gpa, chunk)))
				break;
			__attribute__((fallthrough)); /* not RAM */
		default:
			inject_exception(GP, true, 0);
			return false;
		}
		memcpy(b + done, p, chunk);
	}
	return true;
}

void handle_invpcid(struct vcpu *v)
{
	struct vmx_operand op = vmx_operand_decode((uint32_t)vmread(
		VMCS_VM_EXIT_INSTRUCTION_INFORMATION));
	uint64_t type = l2_gpr(v, op.reg2), la, desc[2], cap = l0.caps.ept_vpid_cap;
	bool pcide = vmread(VMCS_GUEST_CR4) & CR4_PCIDE;

	if (!l2_in_64bit_mode())
		type = (uint32_t)type; /* a 32-bit register outside 64-bit mode */
	if (!l2_operand_address(v, &op, &la) || !read_descriptor(la, desc))
		return;
	if (type > INVPCID_ALL || desc[0] >> 12 ||
	    (type == INVPCID_ADDRESS && !is_canonical(desc[1])) ||
	    (type <= INVPCID_SINGLE && !pcide && (desc[0] & 0xfff))) {
		inject_exception(GP, true, 0);
		return;
	}
	if (type == INVPCID_ADDRESS)
		shadow_mode_invlpg(v, desc[1]);
	else
		invvpid(cap & VPID_CAP_INVVPID_SINGLE ? INVVPID_SINGLE : INVVPID_ALL, GUEST_VPID, 0);
	shadow_mode_count_invpcid();
	skip_instruction();
}
