/*
 * guest_walk.c - the guest page walk of guest_walk.h: present and
 * write/user permission checks (CR0.WP), large pages (PS), reserved bits
 * above the physical-address width not checked (the CPU would have).
 * Accessed/dirty bits are not set: the hypervisor's own accesses are few
 * and the guest's next access by the CPU sets them.
 */
#include "mmu/guest_walk.h"

#define CR0_PG (1ull << 31)
#define CR0_WP (1ull << 16)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define EFER_LMA (1ull << 10)
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PS (1ull << 7)
#define ADDR_MASK 0x000ffffffffff000ull

struct walk {
	bool write, user, wp;
	bool writable, usable; /* so far along the walk */
	uint32_t error;
};

/* Applies one entry's permissions; false (with the error code) if it faults. */
static bool step(struct walk *w, uint64_t e)
{
	if (!(e & PTE_P)) {
		w->error = 0;
		return false;
	}
	w->writable &= (e & PTE_W) != 0;
	w->usable &= (e & PTE_U) != 0;
	return true;
}

/* Whether the finished walk allows the access (SDM Vol. 3A 4.6). */
static bool allowed(const struct walk *w)
{
	if (w->user && !w->usable)
		return false;
	if (w->write && !w->writable && (w->user || w->wp))
		return false;
	return true;
}

enum guest_walk_result guest_walk(const struct guest_paging *p, uint64_t la, bool write,
				  bool user, guest_phys_read_fn read, void *ctx, uint64_t *gpa,
				  uint32_t *pf_error)
{
	struct walk w = { write, user, (p->cr0 & CR0_WP) != 0, true, true, 0 };
	bool pae = p->cr4 & CR4_PAE, lma = p->efer & EFER_LMA;
	unsigned levels = lma ? 4 : pae ? 3 : 2;
	uint64_t table = pae ? p->cr3 & (lma ? ADDR_MASK : 0xffffffe0ull) : p->cr3 & 0xfffff000ull;

	if (!(p->cr0 & CR0_PG)) {
		*gpa = lma ? la : (uint32_t)la;
		return GUEST_WALK_OK;
	}
	for (unsigned level = levels; level >= 1; level--) {
		unsigned shift = pae ? 12 + 9 * (level - 1) : 12 + 10 * (level - 1);
		unsigned bits = pae ? 9 : 10;
		unsigned idx = (unsigned)(la >> shift) & ((1u << bits) - 1);
		unsigned size = pae ? 8 : 4;
		uint64_t e;

		if (pae && !lma && level == 3)
			idx = (unsigned)(la >> 30) & 3; /* the PDPTE: no permissions in it */
		if (!read(ctx, table + (uint64_t)idx * size, size, &e))
			return GUEST_WALK_NO_MEMORY;
		if (pae && !lma && level == 3) {
			if (!(e & PTE_P))
				goto fault;
			table = e & ADDR_MASK;
			continue;
		}
		if (!step(&w, e))
			goto fault;
		if (level == 1 || (e & PTE_PS && (level <= 3) && (pae || p->cr4 & CR4_PSE))) {
			uint64_t page = (1ull << shift) - 1;
			uint64_t base = pae ? e & ADDR_MASK & ~page :
				level == 2 ? (e & 0xffc00000ull) | (e & 0x1fe000ull) << 19 :
				e & 0xfffff000ull;

			if (!allowed(&w)) {
				w.error = PF_PRESENT;
				goto fault;
			}
			*gpa = base | (la & page);
			return GUEST_WALK_OK;
		}
		table = e & (pae ? ADDR_MASK : 0xfffff000ull);
	}
fault:
	*pf_error = w.error | (write ? PF_WRITE : 0) | (user ? PF_USER : 0);
	return GUEST_WALK_PAGE_FAULT;
}
