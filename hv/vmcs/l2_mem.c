/*
 * l2_mem.c - L2's state and memory as a VMX instruction it executed sees
 * them (SDM Vol. 3C 31.3: operands are read and written with the access
 * rights of a CPL-0 data access; segment limits are not checked here).
 */
#include "exit.h"
#include "guest_mem.h"
#include "lib/string.h"
#include "log.h"
#include "shadow_mode.h"
#include "emul/walk.h"
#include "vmcs/entry_checks.h"
#include "vmcs/l2_mem.h"
#include "vmcs/nested.h"
#include "vmx.h"
#include "x86.h"

#define AR_L (1u << 13)
#define PAGE 4096ull
#define GP 13
#define SS_FAULT 12
#define PF 14

unsigned l2_cpl(void)
{
	return (vmread(VMCS_GUEST_SS_ACCESS_RIGHTS) >> 5) & 3;
}

uint64_t l2_cr0(void)
{
	uint64_t mask = vmread(VMCS_CR0_GUEST_HOST_MASK);

	return (vmread(VMCS_GUEST_CR0) & ~mask) | (vmread(VMCS_CR0_READ_SHADOW) & mask);
}

uint64_t l2_cr4(void)
{
	uint64_t mask = vmread(VMCS_CR4_GUEST_HOST_MASK);

	return (vmread(VMCS_GUEST_CR4) & ~mask) | (vmread(VMCS_CR4_READ_SHADOW) & mask);
}

bool l2_in_64bit_mode(void)
{
	return (vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmread(VMCS_GUEST_CS_ACCESS_RIGHTS) & AR_L);
}

uint64_t l2_gpr(struct vcpu *v, unsigned reg)
{
	return reg == GPR_RSP ? vmread(VMCS_GUEST_RSP) : v->gpr[reg];
}

void l2_set_gpr(struct vcpu *v, unsigned reg, uint64_t value, unsigned bits)
{
	if (bits == 32)
		value = (uint32_t)value; /* a 32-bit register write zero-extends */
	if (reg == GPR_RSP)
		vmcs_write(VMCS_GUEST_RSP, value);
	else
		v->gpr[reg] = value;
}

bool l2_operand_address(struct vcpu *v, const struct vmx_operand *op, uint64_t *la)
{
	uint64_t gpr[16], ea, base;
	bool long64 = l2_in_64bit_mode();

	memcpy(gpr, v->gpr, sizeof(gpr));
	gpr[GPR_RSP] = vmread(VMCS_GUEST_RSP);
	ea = vmx_operand_ea(op, gpr, vmread(VMCS_EXIT_QUALIFICATION));
	/* In 64-bit mode only FS and GS have a base (SDM Vol. 3A 3.4.4). */
	base = (!long64 || op->seg >= SEG_FS) ? vmread(VMCS_GUEST_ES_BASE + 2 * op->seg) : 0;
	*la = long64 ? ea + base : (uint32_t)(ea + base);
	if (long64 && !is_canonical(*la)) {
		inject_exception(op->seg == SEG_SS ? SS_FAULT : GP, true, 0);
		return false;
	}
	return true;
}

void *l2_phys(uint64_t pa, uint64_t len)
{
	return guest_mem_ptr(pa, len); /* L2's physical memory is 1:1 (guest_mem.h) */
}

static bool read_table(void *ctx, uint64_t gpa, uint64_t *value, unsigned size)
{
	const void *p = l2_phys(gpa, size);

	(void)ctx;
	if (!p)
		return false;
	*value = 0;
	memcpy(value, p, size);
	return true;
}

static bool write_table(void *ctx, uint64_t gpa, uint64_t value, unsigned size)
{
	void *p = l2_phys(gpa, size);

	(void)ctx;
	if (!p)
		return false;
	memcpy(p, &value, size);
	return true;
}

static const struct walk_ops l2_tables = { read_table, write_table };

bool l2_linear_copy(uint64_t la, void *buf, unsigned len, bool write)
{
	/*
	 * A VMX operand is a supervisor data access (SMAP does not apply at CPL
	 * 0 here), under PAE paging with the PDPTEs L2's CPU holds: its last
	 * CR3 load's, not the memory's (Vol. 3A 4.4.1), which the exit saved in
	 * the VMCS (Vol. 3C 28.3.4; nested=on runs with paging=nested only, so
	 * EPT is on; shadow_mode_* would give L2's own CR3/CR4/PDPTEs too).
	 */
	struct walk_mode mode = { .cr0 = vmread(VMCS_GUEST_CR0),
				  .efer = vmread(VMCS_GUEST_IA32_EFER), .cpl = 0, .ac = true,
				  .maxphyaddr = (uint8_t)nested_maxphyaddr };
	uint8_t *b = buf;

	shadow_mode_guest_paging(&mode); /* CR3, CR4 and the PDPTEs */

	while (len) {
		unsigned chunk = (unsigned)(PAGE - (la & (PAGE - 1)));
		struct walk_result r;
		uint64_t gpa = ~0ull;
		void *p;

		chunk = chunk < len ? chunk : len;
		switch (walk_guest(&mode, la, write ? WALK_WRITE : WALK_READ, &l2_tables, NULL, &r)) {
		case WALK_PAGE_FAULT:
			write_cr2(la);
			inject_exception(PF, true, r.error);
			return false;
		case WALK_BAD_TABLE:
			break;
		case WALK_OK:
			gpa = r.gpa;
			break;
		}
		p = gpa == ~0ull ? NULL : l2_phys(gpa, chunk);
		if (!p) {
			log_warn("L2's VMX operand at linear %#lx is not in its memory: #GP", la);
			inject_exception(GP, true, 0);
			return false;
		}
		if (write)
			memcpy(p, b, chunk);
		else
			memcpy(b, p, chunk);
		la += chunk;
		b += chunk;
		len -= chunk;
	}
	return true;
}
