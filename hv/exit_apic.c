/*
 * exit_apic.c - L2's writes to its xAPIC page while L2 starts its APs.
 *
 * L2's INIT IPI must never reach an AP whose vCPU waits for its SIPI: in
 * the wait-for-SIPI activity state INIT is blocked and causes no VM exit
 * (SDM Vol. 3C 26.2), so it stays pending through the SIPI exit and fires
 * at the VM entry after it, sending the vCPU back to wait-for-SIPI before
 * its first instruction. (Bochs 2.7 also never clears an INIT that caused
 * a VM exit: it fires again at every later VM entry.) Natively an INIT to
 * a CPU that waits for SIPI changes nothing, so dropping it is exact.
 *
 * Until every AP has had its SIPI the xAPIC page is read-only in L2's EPT
 * (guest_mem_trap_apic_writes); each write exits here and is done on the
 * CPU from the hypervisor - a MOV of a register or an immediate, decoded
 * from L2's code - except an INIT to such a vCPU. Then the page is L2's
 * directly again. In x2APIC mode the ICR is MSR 0x830: its writes exit
 * (the MSR bitmap) for as long, with the same filter.
 */
#include "exit.h"
#include "extable.h"
#include "guest_mem.h"
#include "lapic.h"
#include "lib/string.h"
#include "log.h"
#include "msr_bitmap.h"
#include "page_alloc.h"
#include "percpu.h"
#include "smp.h"
#include "vmx.h"

#define CR0_PG (1ull << 31)
#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define XAPIC_ICR_LO 0x300
#define XAPIC_ICR_HI 0x310
#define ICR_MODE(icr) (((icr) >> 8) & 7)
#define ICR_MODE_INIT 5
#define ICR_SHORTHAND(icr) (((icr) >> 18) & 3)
#define ICR_LOGICAL (1u << 11)
#define X2APIC_ICR_MSR 0x830

static volatile bool start_ipis_trapped;

/* Guest-linear to guest-physical through L2's tables: paging off, or 4-level. */
static bool guest_phys(uint64_t gla, uint64_t *gpa)
{
	uint64_t table = vmread(VMCS_GUEST_CR3) & PTE_ADDR;

	if (!(vmread(VMCS_GUEST_CR0) & CR0_PG)) {
		*gpa = gla & 0xffffffffull;
		return true;
	}
	for (int level = 3; level >= 0; level--) {
		const uint64_t *t = guest_mem_ptr(table, PAGE_SIZE);
		uint64_t e;

		if (!t)
			return false;
		e = t[(gla >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P))
			return false;
		if ((level == 1 || level == 2) && (e & PTE_PS)) {
			uint64_t size = 1ull << (12 + 9 * level);

			*gpa = (e & PTE_ADDR & ~(size - 1)) | (gla & (size - 1));
			return true;
		}
		table = e & PTE_ADDR;
	}
	*gpa = table | (gla & 0xfff);
	return true;
}

/*
 * Up to n bytes at L2's RIP, one page walk per byte (they may cross a
 * page); the rest of b zeroed. The count read.
 */
static unsigned fetch_insn(uint8_t *b, unsigned n)
{
	uint64_t lin = vmread(VMCS_GUEST_CS_BASE) + vmread(VMCS_GUEST_RIP), gpa;
	unsigned i;

	memset(b, 0, n);
	for (i = 0; i < n; i++) {
		const uint8_t *p;

		if (!guest_phys(lin + i, &gpa) || !(p = guest_mem_ptr(gpa, 1)))
			break;
		b[i] = *p;
	}
	return i;
}

/* MOV r/m32, r32 (89 /r) or MOV r/m32, imm32 (C7 /0): the value and the length. */
static bool decode_mov_store(const struct vcpu *v, const uint8_t *b, uint32_t *val,
			     unsigned *len)
{
	unsigned n = 0, modrm, mod, rm;
	uint8_t rex = 0;

	while (n < 4 && (b[n] == 0x26 || b[n] == 0x2e || b[n] == 0x36 || b[n] == 0x3e ||
			 b[n] == 0x64 || b[n] == 0x65))
		n++;
	if ((b[n] & 0xf0) == 0x40)
		rex = b[n++];
	if ((b[n] != 0x89 && b[n] != 0xc7) || (rex & 8))
		return false;
	modrm = b[n + 1];
	mod = modrm >> 6;
	rm = modrm & 7;
	*len = n + 2;
	if (mod == 3)
		return false;
	if (rm == 4) {
		uint8_t sib = b[(*len)++];

		if (mod == 0 && (sib & 7) == 5)
			*len += 4; /* no base: disp32 */
	}
	if (mod == 1)
		*len += 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		*len += 4;
	if (b[n] == 0xc7) {
		if ((modrm >> 3) & 7)
			return false;
		*val = (uint32_t)b[*len] | (uint32_t)b[*len + 1] << 8 |
		       (uint32_t)b[*len + 2] << 16 | (uint32_t)b[*len + 3] << 24;
		*len += 4;
		return true;
	}
	unsigned reg = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);

	if (reg == GPR_RSP)
		return false; /* in the VMCS, and no APIC write uses it */
	*val = (uint32_t)v->gpr[reg];
	return true;
}

/* The vCPU of the CPU with this APIC ID, or NULL. */
static struct vcpu *vcpu_of_apic(uint32_t apic_id)
{
	for (unsigned i = 0; i < smp_cpus; i++)
		if (percpus[i].apic_id == apic_id)
			return &vcpus[i];
	return NULL;
}

/*
 * An INIT that natively changes nothing: every target still waits for its
 * SIPI. 'dest' is the physical destination's APIC ID.
 */
static bool init_to_waiting(struct vcpu *self, uint32_t icr, uint32_t dest)
{
	struct vcpu *t;

	if (ICR_MODE(icr) != ICR_MODE_INIT)
		return false;
	switch (ICR_SHORTHAND(icr)) {
	case 0:
		if (icr & ICR_LOGICAL)
			return false;
		t = vcpu_of_apic(dest);
		return t && t != self && !t->started;
	case 3: /* all excluding self */
		for (unsigned i = 0; i < smp_cpus; i++)
			if (&vcpus[i] != self && vcpus[i].started)
				return false;
		return true;
	default:
		return false;
	}
}

bool apic_write_exit(struct vcpu *v, uint64_t gpa)
{
	volatile uint32_t *reg = (volatile uint32_t *)(uintptr_t)gpa;
	uint8_t insn[15];
	unsigned got = fetch_insn(insn, sizeof(insn)), len;
	uint32_t val;

	if (!decode_mov_store(v, insn, &val, &len) || len > got)
		return false;
	if ((gpa & 0xfff) == XAPIC_ICR_LO &&
	    init_to_waiting(v, val, *(volatile uint32_t *)(uintptr_t)((gpa & ~0xfffull) +
								      XAPIC_ICR_HI) >> 24))
		log_info("vCPU %u: L2's INIT IPI %#x to a vCPU waiting for SIPI: dropped",
			 v->index, val);
	else
		*reg = val;
	vmcs_write(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + len);
	if (!guest_mem_apic_writes_trapped())
		invept_all(); /* this CPU may still hold the read-only translation */
	return true;
}

/* WRMSR to the x2APIC ICR: the destination is bits 63:32 (SDM Vol. 3A 11.12.9). */
void x2apic_icr_exit(struct vcpu *v, uint64_t icr)
{
	if (init_to_waiting(v, (uint32_t)icr, (uint32_t)(icr >> 32))) {
		log_info("vCPU %u: L2's x2APIC INIT IPI %#lx to a vCPU waiting for SIPI: dropped",
			 v->index, icr);
	} else if (wrmsr_safe(X2APIC_ICR_MSR, icr)) {
		inject_exception(13, true, 0); /* not in x2APIC mode, or reserved bits */
		return;
	}
	skip_instruction();
}

void apic_trap_start_ipis(void)
{
	uint64_t apic;

	if (lapic_xapic_base(&apic))
		guest_mem_trap_apic_writes(apic, true);
	msr_bitmap_intercept(X2APIC_ICR_MSR, 1, false, true);
	start_ipis_trapped = true;
}

void apic_release_start_ipis(void)
{
	if (!start_ipis_trapped)
		return;
	start_ipis_trapped = false;
	if (guest_mem_apic_writes_trapped())
		guest_mem_trap_apic_writes(0, false);
	msr_bitmap_release(X2APIC_ICR_MSR, 1, false, true);
}
