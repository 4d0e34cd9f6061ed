/*
 * ecam_window.c - irqtest against ecam_test=on's synthetic ECAM window
 * (PCIe Base 3.0 7.2.2 layout, bus 0, not in MCFG): Bochs has no ECAM, so
 * this is how the hypervisor's ECAM interception runs live there. Every
 * function of bus 0 must read the same through the window as through
 * 0xCF8/0xCFC, at every width; a write through the window must show
 * through the ports; past 0xff (no real ECAM behind it) reads all ones.
 * Without the window (or without the hypervisor) it prints a skip line.
 */
#include "guest.h"
#include "msi_probe.h"
#include "vmcall.h"
#include "x86.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define INTERRUPT_LINE 0x3c /* software's scratch byte (PCI Local Bus 3.0 6.2.4) */

static uint32_t port_read(unsigned devfn, unsigned reg)
{
	outl(CONFIG_ADDRESS, 1u << 31 | devfn << 8 | (reg & 0xfc));
	return inl(CONFIG_DATA);
}

/* Function DEVFN of bus 0 in the window at BASE. */
static volatile uint8_t *fn(uint64_t base, unsigned devfn)
{
	return (volatile uint8_t *)(uintptr_t)(base + ((uint64_t)devfn << 12));
}

/* Function DEVFN read through the window at every width, against the ports. */
static bool same_both_ways(volatile uint8_t *f, unsigned devfn)
{
	uint32_t id = port_read(devfn, 0), cls = port_read(devfn, 8);
	uint64_t q = *(volatile uint64_t *)(f + 8);

	return *(volatile uint32_t *)f == id && *(volatile uint16_t *)(f + 2) == id >> 16 &&
	       f[1] == ((id >> 8) & 0xff) && q == (cls | (uint64_t)port_read(devfn, 0xc) << 32);
}

bool ecam_window_check(bool under_hv)
{
	struct hc_result r = under_hv ? vmcall(HC_ECAM_TEST, 0, 0, 0) :
					(struct hc_result){ .ret = -1 };
	unsigned functions = 0, absent = 0, answered = 0, scratch = 0;
	bool ok = true;

	if (r.ret != HC_OK) {
		guest_mline("skip", "name=ecam-synthetic reason=\"%s\"", under_hv ?
			    "ecam_test=off: no synthetic ECAM window" : "no hypervisor");
		return true;
	}
	for (unsigned devfn = 0; devfn < 256; devfn++) {
		volatile uint8_t *f = fn(r.rbx, devfn);

		if ((port_read(devfn, 0) & 0xffff) == 0xffff) {
			absent++;
			answered += *(volatile uint16_t *)f != 0xffff;
			continue;
		}
		functions++;
		ok &= guest_check("ecam-same", same_both_ways(f, devfn), "devfn=%#x", devfn);
		if (devfn && !scratch)
			scratch = devfn; /* the first function past the host bridge */
	}
	ok &= guest_check("ecam-absent", !answered, "absent=%u answered=%u", absent, answered);
	if (scratch) {
		volatile uint8_t *f = fn(r.rbx, scratch);
		uint8_t old = f[INTERRUPT_LINE];

		f[INTERRUPT_LINE] = old ^ 0x5a;
		ok &= guest_check("ecam-write", (port_read(scratch, INTERRUPT_LINE) & 0xff) ==
				  (uint8_t)(old ^ 0x5a), "devfn=%#x", scratch);
		f[INTERRUPT_LINE] = old;
	}
	ok &= guest_check("ecam-extended", *(volatile uint32_t *)(fn(r.rbx, 0) + 0x100) == ~0u,
			  "read=%#x", *(volatile uint32_t *)(fn(r.rbx, 0) + 0x100));
	guest_mline("ecam-synthetic", "base=%#lx functions=%u result=%s", r.rbx, functions,
		    ok ? "pass" : "fail");
	return ok;
}
