/*
 * msix_table.c - irqtest against msix_test=on's synthetic MSI-X table
 * (PCI Local Bus 3.0 6.8.2 entries, no PCI function behind it): Bochs has
 * no MSI-X device, so this is how the hypervisor's table interception runs
 * live there. L2 writes entries through MMIO and reads back its own view;
 * HC_MSIX_TEST shows what the "device" was given; HC_MSIX_TEST_MOVE moves
 * the table as a BAR write would, and the interception must follow it.
 * Without the table (or without the hypervisor) it prints a skip line.
 */
#include "guest.h"
#include "msi_probe.h"
#include "vmcall.h"

#define MSI_BASE 0xfee00000u
#define MASKED 1u
#define MOVE_BY 0x10000u /* where the table moves: the page 64 KiB up */

/* The device's side of entry I: its message address, vector control. */
static struct hc_result device(unsigned i)
{
	return vmcall(HC_MSIX_TEST, i, 0, 0);
}

static uint32_t dest(uint32_t apic_id)
{
	return MSI_BASE | apic_id << 12;
}

/*
 * The table at T moves MOVE_BY up: L2's view goes with it, a write there is
 * steered, and nothing answers at the old place any more (all ones).
 */
static bool moved_table_check(volatile uint32_t *t, const uint32_t *apic_ids)
{
	uint64_t to = (uint64_t)(uintptr_t)t + MOVE_BY;
	volatile uint32_t *n = (volatile uint32_t *)(uintptr_t)to;
	struct hc_result r = vmcall(HC_MSIX_TEST_MOVE, to, 0, 0);
	bool ok = guest_check("msix-move", r.ret == HC_OK && r.rbx == 1, "ret=%ld intercepted=%lu",
			      r.ret, r.rbx);

	if (!ok)
		return false;
	n[4] = dest(apic_ids[1]);
	r = device(1);
	ok &= guest_check("msix-moved-steer", r.rbx == to && n[0] == (dest(apic_ids[1]) | 4) &&
			  n[4] == dest(apic_ids[1]) && r.rcx == dest(apic_ids[0]),
			  "table=%#lx entry0=%#x entry1=%#x device=%#lx", r.rbx, n[0], n[4], r.rcx);
	ok &= guest_check("msix-old-gone", t[0] == ~0u, "old=%#x", t[0]);
	return ok;
}

bool msix_table_check(bool under_hv, const uint32_t *apic_ids)
{
	struct hc_result r = under_hv ? device(0) : (struct hc_result){ .ret = -1 };
	volatile uint32_t *t;
	volatile uint64_t *q;
	bool ok = true;

	if (r.ret != HC_OK) {
		guest_mline("skip", "name=msix-synthetic reason=\"%s\"", under_hv ?
			    "msix_test=off: no synthetic MSI-X table" : "no hypervisor");
		return true;
	}
	t = (volatile uint32_t *)(uintptr_t)r.rbx;
	q = (volatile uint64_t *)(uintptr_t)r.rbx;
	ok &= guest_check("msix-reset", t[0] == 0 && t[1] == 0 && (t[3] & MASKED) &&
			  r.rcx == 0 && (r.rdx & MASKED), "addr=%#x ctrl=%#x", t[0], t[3]);

	/* Masked entry 0 to the intercepting CPU: L2 sees its own, the device the direct CPU. */
	t[0] = dest(apic_ids[1]); /* the upper half stays 0 from reset */
	r = device(0);
	ok &= guest_check("msix-masked-steer", t[0] == dest(apic_ids[1]) &&
			  r.rcx == dest(apic_ids[0]) && (r.rdx & MASKED), "read=%#x device=%#lx "
			  "ctrl=%#lx", t[0], r.rcx, r.rdx);

	/* Data, then unmask; the device has both as written. */
	t[2] = 0x4055;
	t[3] = 0;
	r = device(0);
	ok &= guest_check("msix-unmask", t[2] == 0x4055 && t[3] == 0 && r.rdx == 0,
			  "data=%#x ctrl=%#x device_ctrl=%#lx", t[2], t[3], r.rdx);

	/* Live (unmasked) address update: steered, and the entry unmasked again after. */
	t[0] = dest(apic_ids[1]) | 4; /* logical mode too: corrected to physical */
	r = device(0);
	ok &= guest_check("msix-live-steer", t[0] == (dest(apic_ids[1]) | 4) &&
			  r.rcx == dest(apic_ids[0]) && r.rdx == 0, "read=%#x device=%#lx "
			  "ctrl=%#lx", t[0], r.rcx, r.rdx);

	/* Entry 1 by one qword to the direct CPU: kept. */
	q[2] = dest(apic_ids[0]);
	r = device(1);
	ok &= guest_check("msix-qword", q[2] == dest(apic_ids[0]) && r.rcx == dest(apic_ids[0]),
			  "read=%#lx device=%#lx", q[2], r.rcx);

	/* The PBA (same page) passes through; a byte of the table is refused: all ones. */
	ok &= guest_check("msix-pba", t[0x800 / 4] == HC_MSIX_TEST_PBA, "pba=%#x", t[0x800 / 4]);
	ok &= guest_check("msix-narrow", ((volatile uint8_t *)t)[0] == 0xff, "byte=%#x",
			  ((volatile uint8_t *)t)[0]);
	ok &= moved_table_check(t, apic_ids);
	guest_mline("msix-synthetic", "table=%#lx result=%s", (uint64_t)(uintptr_t)t,
		    ok ? "pass" : "fail");
	return ok;
}
