/*
 * host_pt.c - builds the hypervisor's own identity page tables, page by
 * page access rights included. Pure logic over the caller's page source, so
 * the host unit tests walk exactly what the hypervisor will run on.
 */
#include "mmu/host_pt.h"

#define PAGE_4K 0x1000ull
#define PAGE_2M 0x200000ull
#define ADDR_MASK 0x000ffffffffff000ull
#define MAX_VA (512ull << 30) /* one PML4 entry is plenty for an identity map below 4 GiB */

static uint64_t *table(const struct host_pt *pt, uint64_t entry)
{
	return pt->ops->phys_to_virt(entry & ADDR_MASK, pt->ctx);
}

/* Entry bits for 'prot' (a leaf; PS is the caller's). */
static uint64_t prot_bits(const struct host_pt *pt, enum host_prot prot)
{
	uint64_t nx = pt->nx ? HOST_PT_NX : 0;

	switch (prot) {
	case HOST_PROT_R:
		return HOST_PT_P | nx;
	case HOST_PROT_RW:
		return HOST_PT_P | HOST_PT_W | nx;
	case HOST_PROT_RX:
		return HOST_PT_P;
	case HOST_PROT_USER_RWX:
		return HOST_PT_P | HOST_PT_W | HOST_PT_U;
	default:
		return 0;
	}
}

/* The entry at 'slot' of a non-leaf table, made to point at a new table if empty. */
static enum host_pt_error next_level(struct host_pt *pt, uint64_t *slot)
{
	uint64_t pa;

	if (*slot & HOST_PT_P)
		return HOST_PT_OK;
	pa = pt->ops->alloc_page(pt->ctx);
	if (!pa)
		return HOST_PT_ERR_NOMEM;
	pt->pages++;
	/* Upper levels allow everything, U included: the leaves decide (SDM Vol. 3A 4.6). */
	*slot = pa | HOST_PT_P | HOST_PT_W | HOST_PT_U;
	return HOST_PT_OK;
}

/* Replaces the 2 MiB leaf at 'pde' by a table of 512 4 KiB pages with its access. */
static enum host_pt_error split(struct host_pt *pt, uint64_t *pde)
{
	uint64_t big = *pde, pa, *ptes;

	pa = pt->ops->alloc_page(pt->ctx);
	if (!pa)
		return HOST_PT_ERR_NOMEM;
	pt->pages++;
	ptes = pt->ops->phys_to_virt(pa, pt->ctx);
	for (unsigned i = 0; i < 512; i++)
		ptes[i] = big & HOST_PT_P ? ((big & ~HOST_PT_PS) + i * PAGE_4K) : 0;
	*pde = pa | HOST_PT_P | HOST_PT_W | HOST_PT_U;
	return HOST_PT_OK;
}

/* The page directory entry for 'va', with the tables above it made. */
static enum host_pt_error pde_of(struct host_pt *pt, uint64_t va, uint64_t **pde)
{
	uint64_t *pml4 = pt->ops->phys_to_virt(pt->pml4, pt->ctx), *pdpt;
	enum host_pt_error err = next_level(pt, &pml4[va >> 39 & 511]);

	if (err)
		return err;
	pdpt = table(pt, pml4[va >> 39 & 511]);
	err = next_level(pt, &pdpt[va >> 30 & 511]);
	if (err)
		return err;
	*pde = &table(pt, pdpt[va >> 30 & 511])[va >> 21 & 511];
	return HOST_PT_OK;
}

enum host_pt_error host_pt_init(struct host_pt *pt, const struct host_pt_ops *ops, void *ctx,
				bool nx)
{
	*pt = (struct host_pt){ .ops = ops, .ctx = ctx, .nx = nx };
	pt->pml4 = ops->alloc_page(ctx);
	if (!pt->pml4)
		return HOST_PT_ERR_NOMEM;
	pt->pages = 1;
	return HOST_PT_OK;
}

enum host_pt_error host_pt_map(struct host_pt *pt, uint64_t base, uint64_t end,
			       enum host_prot prot, bool small)
{
	uint64_t bits = prot_bits(pt, prot);

	if ((base | end) & (PAGE_4K - 1) || end < base || end > MAX_VA)
		return HOST_PT_ERR_INVAL;
	while (base < end) {
		uint64_t *pde;
		enum host_pt_error err = pde_of(pt, base, &pde);

		if (err)
			return err;
		if (!small && !(base & (PAGE_2M - 1)) && end - base >= PAGE_2M &&
		    (!(*pde & HOST_PT_P) || *pde & HOST_PT_PS)) {
			*pde = bits ? base | bits | HOST_PT_PS : 0;
			base += PAGE_2M;
			continue;
		}
		if (*pde & HOST_PT_PS)
			err = split(pt, pde);
		else
			err = next_level(pt, pde);
		if (err)
			return err;
		table(pt, *pde)[base >> 12 & 511] = bits ? base | bits : 0;
		base += PAGE_4K;
	}
	return HOST_PT_OK;
}

uint64_t host_pt_lookup(const struct host_pt *pt, uint64_t va, int *level)
{
	const uint64_t *t = pt->ops->phys_to_virt(pt->pml4, pt->ctx);
	uint64_t e;

	if (va >= MAX_VA)
		return 0;
	e = t[va >> 39 & 511];
	for (int lvl = 3; lvl >= 1; lvl--) {
		if (!(e & HOST_PT_P))
			return 0;
		e = table(pt, e)[va >> (12 + 9 * (lvl - 1)) & 511];
		if (lvl == 1 || (lvl == 2 && e & HOST_PT_PS)) {
			*level = lvl;
			return e;
		}
	}
	return 0;
}

enum host_prot host_pt_prot(const struct host_pt *pt, uint64_t entry)
{
	if (!(entry & HOST_PT_P))
		return HOST_PROT_NONE;
	if (entry & HOST_PT_U)
		return HOST_PROT_USER_RWX;
	if (entry & HOST_PT_W)
		return HOST_PROT_RW;
	(void)pt;
	return entry & HOST_PT_NX ? HOST_PROT_R : HOST_PROT_RX;
}

const char *host_prot_name(enum host_prot prot)
{
	static const char *const names[] = { "none", "r", "rw", "rx", "user-rwx" };

	return prot <= HOST_PROT_USER_RWX ? names[prot] : "?";
}
