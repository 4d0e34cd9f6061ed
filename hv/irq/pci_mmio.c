/*
 * irq/pci_mmio.c - the memory side of msi_model=on: each MSI-X table's
 * pages and each ECAM window of segment 0 are unmapped from L2's EPT and
 * registered as emulated MMIO (hv/emul), so L2's accesses reach the model
 * (irq/msix.h, irq/ecam.h) under pci_model_lock. A table follows its BAR:
 * the old pages are mapped back, the new ones unmapped, and the other CPUs
 * flush their EPT translations (shadow_kick.h) before the move returns.
 *
 * Limits, logged where they bite: tables are intercepted only below 4 GiB
 * (the hypervisor reaches device memory through its identity map), only if
 * located at boot (the MMIO registry grows only then), and a move must keep
 * the table's place among the other emulated ranges (emul/mmio.h).
 */
#include "emul/emul_exit.h"
#include "emul/mmio.h"
#include "guest_mem.h"
#include "hypercall.h"
#include "irq/ecam.h"
#include "irq/pci_config.h"
#include "log.h"
#include "mmu/ept.h"
#include "panic.h"
#include "shadow_kick.h"
#include "vcpu.h"
#include "vmx.h"

#define IDENTITY_MAPPED_END (4ull << 30)

static struct mmio_device msix_devices[MSIX_MODEL_MAX_FUNCTIONS];
static const char *msix_why_not[MSIX_MODEL_MAX_FUNCTIONS]; /* the last refusal, per function */
static uint8_t msix_test_page[MSIX_PAGE] __attribute__((aligned(MSIX_PAGE)));
static struct msix_function *msix_test_fn;
static uint64_t msix_test_base; /* where the page stands for device memory; 0: msix_test=off */
static struct mmio_device ecam_devices[ACPI_MAX_MCFG + 1]; /* MCFG's, then ecam_test=on's */
static const struct acpi_mcfg_entry ecam_test_window = { .base = ECAM_TEST_BASE };
static bool ecam_test_on;
static bool booted; /* after setup: the registry no longer grows */

/* Whether D is an ECAM window's (else an MSI-X table's). */
static bool is_ecam(const struct mmio_device *d)
{
	return d >= ecam_devices && d <= ecam_devices + ACPI_MAX_MCFG;
}

/* L2's access to a table's pages or a window, under the model's lock. */
static bool model_read(struct mmio_device *d, struct vcpu *v, uint64_t offset, unsigned width,
		       uint64_t *value)
{
	bool ok;

	(void)v;
	spin_lock(&pci_model_lock);
	ok = is_ecam(d) ? ecam_read(&pci_model, d->priv, offset, width, value) :
			  msix_table_read(&pci_model, d->priv, offset, width, value);
	spin_unlock(&pci_model_lock);
	return ok;
}

static bool model_write(struct mmio_device *d, struct vcpu *v, uint64_t offset, unsigned width,
			uint64_t value)
{
	bool ok;

	(void)v;
	spin_lock(&pci_model_lock);
	ok = is_ecam(d) ? ecam_write(&pci_model, d->priv, offset, width, value) :
			  msix_table_write(&pci_model, d->priv, offset, width, value);
	spin_unlock(&pci_model_lock);
	return ok;
}

/*
 * L2's EPT changed under the other CPUs too: they drop stale translations
 * now where NMI kicks work, else at their next INVEPT (logged: flush=).
 */
static void flush_everywhere(void)
{
	invept_all();
	emul_flush_translations();
	if (shadow_kick_possible())
		shadow_kick_others();
}

static void unmap_pages(uint64_t base, uint64_t size)
{
	if (ept_unmap(&guest_ept, base, size))
		panic("unmapping guest-physical %#lx-%#lx from L2's EPT failed", base,
		      base + size - 1);
}

static void map_pages_back(uint64_t base, uint64_t size)
{
	for (uint64_t p = base; p < base + size; p += MSIX_PAGE)
		guest_mem_map_page(p, p, EPT_RWX);
}

static void log_bdf_move(const struct msix_function *f, uint64_t old_pa, const char *why)
{
	log_mline("irq-msix-move", "bdf=%02x:%02x.%u from=%#lx to=%#lx intercepted=%s%s%s "
		  "flush=%s", f->bdf >> 8, (f->bdf >> 3) & 0x1f, f->bdf & 7, old_pa, f->table_pa,
		  why ? "no" : "yes", why ? " why=" : "", why ? why : "",
		  shadow_kick_possible() ? "all-cpus" : "this-cpu");
}

/* Intercepts F's pages for the first time (at boot); NULL or why not. */
static const char *intercept_first(struct mmio_device *d, struct msix_function *f)
{
	enum mmio_register_result r;

	if (booted)
		return "located-after-boot";
	*d = (struct mmio_device){ .name = "msix-table", .base = msix_pages_base(f),
				   .size = msix_pages_size(f), .read = model_read,
				   .write = model_write, .priv = f };
	r = mmio_register(d);
	if (r != MMIO_OK) {
		d->size = 0;
		return r == MMIO_FULL ? "mmio-registry-full" : "overlaps-emulated-range";
	}
	unmap_pages(d->base, d->size);
	emul_flush_translations();
	return NULL;
}

/* Moves F's interception from D's pages to the table's new ones; NULL or why not. */
static const char *intercept_moved(struct mmio_device *d, struct msix_function *f, bool was)
{
	uint64_t old_base = d->base, old_size = d->size;

	if (!d->size)
		return "never-intercepted";
	if (was)
		map_pages_back(old_base, old_size);
	if (!mmio_move(d, msix_pages_base(f), msix_pages_size(f)))
		return "move-crosses-emulated-range";
	unmap_pages(d->base, d->size);
	flush_everywhere();
	return NULL;
}

bool pci_msix_moved(struct msi_model *m, struct msix_function *f, uint64_t old_pa)
{
	unsigned i = (unsigned)(f - m->msix);
	struct mmio_device *d = &msix_devices[i];
	const char *why;

	if (f->table_pa + msix_pages_size(f) > IDENTITY_MAPPED_END) {
		why = "above-4g";
		if (old_pa && f->intercepted)
			map_pages_back(d->base, d->size);
	} else {
		why = old_pa ? intercept_moved(d, f, f->intercepted) : intercept_first(d, f);
	}
	msix_why_not[i] = why;
	if (!booted)
		return !why; /* pci_msix_report says it */
	log_bdf_move(f, old_pa, why);
	if (why)
		log_warn("PCI %02x:%02x.%u: its MSI-X table is now at %#lx and not intercepted "
			 "(%s): its message addresses go unchecked", f->bdf >> 8,
			 (f->bdf >> 3) & 0x1f, f->bdf & 7, f->table_pa, why);
	return !why;
}

void pci_msix_test_setup(void)
{
	if (guest_mem_ptr(MSIX_TEST_BASE, MSIX_PAGE))
		panic("msix_test=on: %#llx is L2's RAM; boot with less memory",
		      (unsigned long long)MSIX_TEST_BASE);
	for (unsigned i = 0; i < MSIX_TEST_ENTRIES; i++)
		msix_test_page[i * MSIX_ENTRY_SIZE + MSIX_ENTRY_CTRL] = MSIX_CTRL_MASKED; /* reset */
	*(uint32_t *)(msix_test_page + MSIX_PAGE / 2) = HC_MSIX_TEST_PBA;
	msix_test_base = MSIX_TEST_BASE; /* before the model reads the table */
	if (!msix_add_synthetic(&pci_model, MSIX_TEST_BASE, MSIX_TEST_ENTRIES))
		panic("msix_test=on: no room in the MSI model for the synthetic table");
	msix_test_fn = &pci_model.msix[pci_model.n_msix - 1];
}

volatile void *pci_msix_test_mem(uint64_t pa)
{
	if (!msix_test_base || pa - msix_test_base >= MSIX_PAGE)
		return NULL;
	return msix_test_page + (pa - msix_test_base);
}

/* HC_MSIX_TEST_MOVE: the table to page-aligned GPA NEW, outside RAM, below 4 GiB. */
static int64_t msix_test_move(struct vcpu *v, uint64_t new)
{
	if ((new & (MSIX_PAGE - 1)) || !new || new >= IDENTITY_MAPPED_END ||
	    guest_mem_ptr(new, MSIX_PAGE))
		return HC_ERR_INVAL;
	spin_lock(&pci_model_lock);
	msix_test_base = new; /* the "device memory" moves with its BAR */
	msix_move_synthetic(&pci_model, msix_test_fn, new);
	v->gpr[GPR_RBX] = msix_test_fn->intercepted;
	spin_unlock(&pci_model_lock);
	return HC_OK;
}

int64_t pci_test_hypercall(struct vcpu *v, uint64_t fn)
{
	uint64_t entry = v->gpr[GPR_RBX];
	const uint8_t *e = msix_test_page + entry * MSIX_ENTRY_SIZE;

	if (fn == HC_ECAM_TEST) {
		v->gpr[GPR_RBX] = ECAM_TEST_BASE;
		return ecam_test_on ? HC_OK : HC_ERR_INVAL;
	}
	if (!msix_test_fn)
		return HC_ERR_INVAL;
	if (fn == HC_MSIX_TEST_MOVE)
		return msix_test_move(v, v->gpr[GPR_RBX]);
	if (entry >= MSIX_TEST_ENTRIES)
		return HC_ERR_INVAL;
	spin_lock(&pci_model_lock);
	v->gpr[GPR_RBX] = msix_test_base;
	v->gpr[GPR_RCX] = *(const uint64_t *)(e + MSIX_ENTRY_ADDR_LO);
	v->gpr[GPR_RDX] = *(const uint32_t *)(e + MSIX_ENTRY_CTRL);
	spin_unlock(&pci_model_lock);
	return HC_OK;
}

void pci_msix_report(void)
{
	booted = true;
	for (unsigned i = 0; i < pci_model.n_msix; i++) {
		const struct msix_function *f = &pci_model.msix[i];
		const char *why = f->intercepted ? NULL : !f->l2_addr ? "no-room-for-entries" :
				  !f->table_pa ? "not-located" : msix_why_not[i];

		log_mline("irq-msix-device", "bdf=%02x:%02x.%u synthetic=%d cap=%#x entries=%u "
			  "table_bir=%u table_offset=%#x pba_bir=%u pba_offset=%#x table=%#lx "
			  "intercepted=%s%s%s", f->bdf >> 8, (f->bdf >> 3) & 0x1f, f->bdf & 7,
			  f->synthetic, f->cap, f->n_entries, MSIX_BIR(f->table),
			  MSIX_OFFSET(f->table), MSIX_BIR(f->pba), MSIX_OFFSET(f->pba), f->table_pa,
			  why ? "no" : "yes", why ? " why=" : "", why ? why : "");
		if (why)
			log_warn("PCI %02x:%02x.%u: MSI-X table not intercepted (%s): its message "
				 "addresses go unchecked", f->bdf >> 8, (f->bdf >> 3) & 0x1f,
				 f->bdf & 7, why);
	}
}

/* Window W behind the model; NULL or why not. */
static const char *ecam_intercept(const struct acpi_mcfg_entry *w, struct mmio_device *d)
{
	enum mmio_register_result r;

	if (w->segment != 0)
		return "segment-not-0"; /* 0xCF8 and the model reach segment 0 only */
	*d = (struct mmio_device){ .name = "ecam", .base = ecam_window_base(w),
				   .size = ecam_window_size(w), .read = model_read,
				   .write = model_write, .priv = (void *)w };
	r = mmio_register(d);
	if (r != MMIO_OK)
		return r == MMIO_FULL ? "mmio-registry-full" : r == MMIO_EMPTY ? "empty-window" :
		       "overlaps-emulated-range";
	unmap_pages(d->base, d->size);
	return NULL;
}

/* Window W's lines: intercepted (WHY NULL) or not. */
static void log_window(const struct acpi_mcfg_entry *w, const char *why, bool synthetic)
{
	log_mline("irq-ecam-window", "base=%#lx segment=%u buses=%u-%u synthetic=%d "
		  "intercepted=%s%s%s", ecam_window_base(w), w->segment, w->bus_start, w->bus_end,
		  synthetic, why ? "no" : "yes", why ? " why=" : "", why ? why : "");
	if (why)
		log_warn("ECAM window %#lx (segment %u): not intercepted (%s)",
			 ecam_window_base(w), w->segment, why);
	else
		log_info("%sECAM window %#lx-%#lx (buses %u-%u): L2's accesses go through the model",
			 synthetic ? "ecam_test=on: synthetic " : "", ecam_window_base(w),
			 ecam_window_base(w) + ecam_window_size(w) - 1, w->bus_start, w->bus_end);
}

unsigned pci_ecam_setup(const struct acpi_mcfg *mcfg, const char *why_none)
{
	unsigned intercepted = 0;

	for (unsigned i = 0; i < mcfg->n; i++) {
		const struct acpi_mcfg_entry *w = &mcfg->entries[i];
		const char *why = ecam_intercept(w, &ecam_devices[i]);

		intercepted += !why;
		log_window(w, why, false);
	}
	if (intercepted)
		emul_flush_translations();
	if (!mcfg->n)
		log_info("PCIe ECAM: none to intercept (%s); configuration space only through "
			 "0xcf8/0xcfc", why_none);
	log_mline("irq-ecam", "windows=%u intercepted=%u%s%s%s", mcfg->n, intercepted,
		  why_none ? " reason=\"" : "", why_none ? why_none : "", why_none ? "\"" : "");
	return intercepted;
}

bool pci_ecam_test_setup(void)
{
	const char *why;

	if (guest_mem_ptr(ECAM_TEST_BASE, ecam_window_size(&ecam_test_window)))
		panic("ecam_test=on: %#llx is L2's RAM; boot with less memory",
		      (unsigned long long)ECAM_TEST_BASE);
	why = ecam_intercept(&ecam_test_window, &ecam_devices[ACPI_MAX_MCFG]);
	log_window(&ecam_test_window, why, true);
	emul_flush_translations();
	ecam_test_on = !why;
	return ecam_test_on;
}
