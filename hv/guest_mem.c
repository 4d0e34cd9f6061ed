/*
 * guest_mem.c - the 1:1 EPT for L2. Memory types come from the MTRRs the
 * firmware programmed, so large pages are used only where the type is
 * uniform; the hypervisor's ranges are punched out afterwards.
 */
#include "boot_mem.h"
#include "guest_mem.h"
#include "guest_pool.h"
#include "l0.h"
#include "log.h"
#include "mmu/mtrr.h"
#include "page_alloc.h"
#include "panic.h"
#include "prot.h"
#include "vmx.h"
#include "x86.h"

#define MSR_IA32_MTRRCAP 0xfe
#define MSR_IA32_MTRR_DEF_TYPE 0x2ff
#define GIB (1ull << 30)

struct ept guest_ept;
static struct mtrr_state mtrrs;
static struct mem_range ram_storage[MB2_MAX_MMAP];
static struct mem_ranges guest_ram = { ram_storage, 0, MB2_MAX_MMAP };

static uint64_t ept_alloc(void *ctx)
{
	(void)ctx;
	return alloc_page_or_panic("EPT table");
}

static void *ept_virt(uint64_t pa, void *ctx)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static const struct ept_ops ept_ops = { .alloc_page = ept_alloc, .phys_to_virt = ept_virt };

static void read_mtrrs(void)
{
	unsigned vcnt;

	mtrrs.cap = rdmsr(MSR_IA32_MTRRCAP);
	mtrrs.def_type = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
	if (mtrrs.cap & MTRRCAP_FIX)
		for (int i = 0; i < MTRR_FIXED_MSRS; i++)
			mtrrs.fixed[i] = rdmsr(mtrr_fixed_msrs[i].msr);
	vcnt = mtrrs.cap & MTRRCAP_VCNT_MASK;
	for (unsigned n = 0; n < vcnt && n < MTRR_VAR_MAX; n++) {
		mtrrs.var[n].base = rdmsr(MSR_IA32_MTRR_PHYSBASE(n));
		mtrrs.var[n].mask = rdmsr(MSR_IA32_MTRR_PHYSMASK(n));
	}
	mtrrs.maxphyaddr = cpuid(0x80000008, 0).eax & 0xff;
}

static int type_of(uint64_t hpa, uint64_t size, void *ctx)
{
	(void)ctx;
	return mtrr_type_of_range(&mtrrs, hpa, size);
}

void guest_mem_init(const struct mb2_info *mbi)
{
	uint64_t cap = l0.caps.ept_vpid_cap, top = 4 * GIB;
	int err;

	for (unsigned i = 0; i < mbi->n_mmap; i++) {
		const struct mb2_mmap_entry *e = &mbi->mmap[i];

		if (e->type == MB2_MEM_AVAILABLE) {
			mem_ranges_add(&guest_ram, e->base, e->base + e->len);
			if (e->base + e->len > top)
				top = (e->base + e->len + GIB - 1) & ~(GIB - 1);
		}
	}
	for (size_t i = 0; i < hv_private.n; i++)
		mem_ranges_remove(&guest_ram, hv_private.r[i].base, hv_private.r[i].end);

	read_mtrrs();
	err = ept_init(&guest_ept, &ept_ops, NULL, l0.caps.has[VMXF_EPT_1G],
		       l0.caps.has[VMXF_EPT_2M]);
	if (!err)
		err = ept_map_typed(&guest_ept, 0, 0, top, EPT_RWX, type_of, NULL);
	for (size_t i = 0; i < hv_private.n && !err; i++)
		err = ept_unmap(&guest_ept, hv_private.r[i].base,
				hv_private.r[i].end - hv_private.r[i].base);
	if (err)
		panic("building L2's EPT failed (error %d)", err);
	log_info("L2 memory: 1:1 EPT over %lu GiB, %lu MiB of RAM, %zu hypervisor ranges "
		 "hidden (EPT caps %#lx)", top >> 30, mem_ranges_total(&guest_ram) >> 20,
		 hv_private.n, cap);
	log_mline("guest-mem", "top=%#lx ram_kib=%lu hidden_ranges=%zu mtrr_def=%#lx",
		  top, mem_ranges_total(&guest_ram) >> 10, hv_private.n, mtrrs.def_type);
}

uint64_t guest_mem_ram_bytes(void)
{
	return mem_ranges_total(&guest_ram);
}

uint64_t guest_mem_eptp(void)
{
	return ept_eptp(&guest_ept, false);
}

uint64_t guest_mem_highest_block(uint64_t size, uint64_t align)
{
	return mem_ranges_find_highest(&guest_ram, size, align, 4 * GIB);
}

void *guest_mem_ptr(uint64_t gpa, uint64_t len)
{
	if (len && (guest_pool_contains(gpa) || guest_pool_contains(gpa + len - 1)))
		return guest_pool_ptr(gpa, len);
	for (size_t i = 0; i < guest_ram.n; i++)
		if (gpa >= guest_ram.r[i].base && gpa < guest_ram.r[i].end &&
		    len <= guest_ram.r[i].end - gpa)
			return (void *)(uintptr_t)gpa;
	return NULL;
}

void guest_mem_map_page(uint64_t gpa, uint64_t hpa, unsigned perms)
{
	uint64_t page = gpa & ~(PAGE_SIZE - 1);
	int err = ept_map(&guest_ept, page, hpa & ~(PAGE_SIZE - 1), PAGE_SIZE, perms,
			  (unsigned)type_of(page, PAGE_SIZE, NULL), false);

	if (err)
		panic("remapping L2's page %#lx failed (error %d)", page, err);
	invept_all();
}

void guest_mem_write_protect(uint64_t gpa, bool protect)
{
	guest_mem_map_page(gpa, gpa, protect ? EPT_R | EPT_X : EPT_RWX);
}

static uint64_t trapped_apic = ~0ull; /* the page, or ~0 */
static uint64_t apic_page = ~0ull;     /* the page last trapped */

void guest_mem_trap_apic_writes(uint64_t apic_pa, bool on)
{
	int err;

	apic_pa = on ? apic_pa & ~(PAGE_SIZE - 1) : apic_page;
	/* Uncacheable, as the MTRRs make it (SDM Vol. 3A 11.4.1). */
	err = ept_map(&guest_ept, apic_pa, apic_pa, PAGE_SIZE, on ? EPT_R | EPT_X : EPT_RWX, 0,
		      false);
	if (err)
		panic("remapping L2's xAPIC page failed (error %d)", err);
	prot_base_changed(apic_pa);
	invept_all();
	apic_page = apic_pa;
	__atomic_store_n(&trapped_apic, on ? apic_pa : ~0ull, __ATOMIC_RELEASE);
}

bool guest_mem_apic_writes_trapped(void)
{
	return __atomic_load_n(&trapped_apic, __ATOMIC_ACQUIRE) != ~0ull;
}

bool guest_mem_is_trapped_apic(uint64_t gpa)
{
	return (gpa & ~(PAGE_SIZE - 1)) == apic_page;
}
