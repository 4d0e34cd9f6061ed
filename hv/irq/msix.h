/*
 * irq/msix.h - MSI-X under msi_model=on (PCI Local Bus 3.0 6.8.2): each
 * function's table of 16-byte entries (message address, upper address,
 * data, vector control) lives in memory, at an offset into one of its BARs.
 * The model finds the capability in the configuration-space scan, follows
 * the BAR and the memory-space enable as L2 programs them, and serves L2's
 * accesses to the table's pages (intercepted through EPT by the caller):
 * message addresses are L2's view, programmed steered as MSI ones are;
 * data, vector control and everything else on those pages (the PBA)
 * reach the device. The model never lets the device see an entry
 * half-written: an address L2 changes while its entry is live (unmasked,
 * function not masked, MSI-X on; "undefined" in 6.8.3.5) is programmed with
 * the entry masked around it, and L2's mask bit is put back.
 * Pure logic: it also builds hosted, for tests/unit/test_irq_msix.c.
 */
#ifndef HV_IRQ_MSIX_H
#define HV_IRQ_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#define MSIX_CONTROL 2                    /* message control, in the capability */
#define MSIX_CONTROL_FUNCTION_MASK (1u << 14)
#define MSIX_CONTROL_ENABLE (1u << 15)
#define MSIX_TABLE 4                      /* table offset/BIR, in the capability */
#define MSIX_PBA 8                        /* PBA offset/BIR */
#define MSIX_BIR(dword) ((unsigned)(dword) & 7)
#define MSIX_OFFSET(dword) ((uint32_t)(dword) & ~7u)
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_ADDR_LO 0
#define MSIX_ENTRY_ADDR_HI 4
#define MSIX_ENTRY_DATA 8
#define MSIX_ENTRY_CTRL 12
#define MSIX_CTRL_MASKED 1u
#define MSIX_PAGE 4096ull
#define MSIX_MODEL_MAX_FUNCTIONS 16
#define MSIX_MODEL_MAX_ENTRIES 4096       /* L2's addresses kept, over all functions */

struct msi_model;

/* The real tables: memory accesses of WIDTH (1, 2, 4, 8) bytes at physical PA. */
struct msix_table_hw {
	uint64_t (*read)(void *ctx, uint64_t pa, unsigned width);
	void (*write)(void *ctx, uint64_t pa, unsigned width, uint64_t value);
	void *ctx;
};

struct msix_function {
	uint16_t bdf;
	uint8_t cap;            /* the MSI-X capability's offset */
	uint8_t n_bars;         /* 6 for a type 0 header, 2 for a bridge's */
	uint16_t n_entries;     /* table size: message control 10:0, plus one */
	uint16_t control;       /* message control, as the device has it */
	uint32_t table, pba;    /* the capability's offset/BIR dwords */
	uint64_t table_pa;      /* where the table is now; 0 while never located */
	bool intercepted;       /* its pages exit to the model (set by the caller) */
	bool synthetic;         /* msix_add_synthetic's: no configuration space */
	uint32_t (*l2_addr)[2]; /* L2's message address (low, high) per entry; NULL: no room */
};

/* The page-aligned range holding F's table: what the caller intercepts. */
static inline uint64_t msix_pages_base(const struct msix_function *f)
{
	return f->table_pa & ~(MSIX_PAGE - 1);
}

static inline uint64_t msix_pages_size(const struct msix_function *f)
{
	return ((f->table_pa & (MSIX_PAGE - 1)) + (uint64_t)f->n_entries * MSIX_ENTRY_SIZE +
		MSIX_PAGE - 1) & ~(MSIX_PAGE - 1);
}

/*
 * The memory address BAR BIR of function BDF decodes now, with the BAR
 * above it for a 64-bit one; 0 when there is none: memory space disabled,
 * an I/O BAR, BIR past the header's N_BARS (or the upper half of a 64-bit
 * BAR in the last slot), an unassigned (zero) BAR.
 */
uint64_t msix_bar_address(struct msi_model *m, uint16_t bdf, unsigned bir, unsigned n_bars);
/* In the scan: records BDF's MSI-X capability at CAP; false when the table is full. */
bool msix_add(struct msi_model *m, uint16_t bdf, uint8_t cap);
/*
 * A table of N entries at PA with no PCI function behind it (msix_test=on:
 * platforms without MSI-X): MSI-X on, function unmasked, the PBA in the
 * same page at 0x800; found as BDF 0xffff. False when full.
 */
bool msix_add_synthetic(struct msi_model *m, uint64_t pa, uint16_t n);
/* Its stand-in for a BAR write: the table (and its memory) is at PA (not 0) now. */
void msix_move_synthetic(struct msi_model *m, struct msix_function *f, uint64_t pa);
/*
 * After L2's configuration write of SIZE bytes at OFFSET of BDF reached the
 * device: message control is read again, and a table whose BAR or
 * memory-space enable changed is located again (and moved, see
 * struct msi_model_ops). A table whose BAR stops decoding stays where it
 * was: BAR sizing turns memory space off around its probe.
 */
void msix_config_written(struct msi_model *m, uint16_t bdf, uint16_t offset, unsigned size);
/* L2's access of WIDTH bytes at OFFSET from msix_pages_base(F). */
bool msix_table_read(struct msi_model *m, struct msix_function *f, uint64_t offset,
		     unsigned width, uint64_t *value);
bool msix_table_write(struct msi_model *m, struct msix_function *f, uint64_t offset,
		      unsigned width, uint64_t value);

#endif
