/*
 * msi_probe.c - irqtest's PCI scan (PCI Local Bus 3.0 3.2.2.3.2, 6.7,
 * 6.8.1, 6.8.2). Bochs 2.7 has no PCI device with an MSI or MSI-X
 * capability, so there the scan finds none and says so; under QEMU (e.g.
 * its 'edu' device) MSI message addresses are written and read back. MSI-X
 * capabilities are counted, for the hypervisor's model to agree with.
 */
#include "guest.h"
#include "msi_probe.h"
#include "x86.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define CONFIG_ENABLE (1u << 31)
#define STATUS_CAP_LIST (1u << 20) /* in the dword at 0x04 */
#define HEADER_MULTI (1u << 23)    /* in the dword at 0x0c */
#define CAP_ID_MSI 0x05
#define CAP_ID_MSIX 0x11
#define MSI_ENABLE (1u << 16)      /* message control bit 0, in the capability's first dword */
#define MSI_BASE 0xfee00000u

static uint32_t cfg_read(unsigned bdf, unsigned reg)
{
	outl(CONFIG_ADDRESS, CONFIG_ENABLE | bdf << 8 | (reg & 0xfc));
	return inl(CONFIG_DATA);
}

static void cfg_write(unsigned bdf, unsigned reg, uint32_t value)
{
	outl(CONFIG_ADDRESS, CONFIG_ENABLE | bdf << 8 | (reg & 0xfc));
	outl(CONFIG_DATA, value);
}

/* The offset of BDF's capability ID, or 0. */
static unsigned find_cap(unsigned bdf, unsigned id)
{
	unsigned p;

	if (!(cfg_read(bdf, 0x04) & STATUS_CAP_LIST))
		return 0;
	p = cfg_read(bdf, 0x34) & 0xfc;
	for (unsigned i = 0; i < 48 && p >= 0x40; i++) {
		uint32_t h = cfg_read(bdf, p);

		if ((h & 0xff) == id)
			return p;
		p = (h >> 8) & 0xfc;
	}
	return 0;
}

/* Steers BDF's message address to each CPU; L2 must read back what it wrote. */
static bool steer(unsigned bdf, unsigned cap, const uint32_t *apic_ids, unsigned ncpus)
{
	uint32_t saved = cfg_read(bdf, cap + 4);
	bool ok = true;

	for (unsigned c = 0; c < ncpus; c++) {
		uint32_t want = MSI_BASE | apic_ids[c] << 12, got;

		cfg_write(bdf, cap + 4, want);
		got = cfg_read(bdf, cap + 4);
		ok &= guest_check("msi-readback", got == want,
				  "bdf=%02x:%02x.%u wrote=%#x read=%#x", bdf >> 8, (bdf >> 3) & 0x1f,
				  bdf & 7, want, got);
	}
	cfg_write(bdf, cap + 4, saved);
	return ok;
}

bool msi_probe(const uint32_t *apic_ids, unsigned ncpus)
{
	unsigned functions = 0, msi = 0, msix = 0, steered = 0;
	uint32_t host_bridge = cfg_read(0, 0);
	bool ok = true;

	for (unsigned bdf = 0; bdf < 0x10000; bdf++) {
		unsigned cap;

		if ((cfg_read(bdf, 0) & 0xffff) == 0xffff) {
			bdf |= (bdf & 7) == 0 ? 7 : 0; /* no function 0: no device */
			continue;
		}
		functions++;
		msix += find_cap(bdf, CAP_ID_MSIX) != 0;
		cap = find_cap(bdf, CAP_ID_MSI);
		if (cap) {
			msi++;
			if (!(cfg_read(bdf, cap) & MSI_ENABLE)) {
				steered++;
				ok &= steer(bdf, cap, apic_ids, ncpus);
			}
		}
		if ((bdf & 7) == 0 && !(cfg_read(bdf, 0x0c) & HEADER_MULTI))
			bdf |= 7;
	}
	guest_mline("pci-scan", "functions=%u msi=%u msix=%u steered=%u host_bridge=%04x:%04x",
		    functions, msi, msix, steered, host_bridge & 0xffff, host_bridge >> 16);
	if (!msi)
		guest_mline("skip", "name=msi reason=\"no PCI function with an MSI capability on "
			    "this machine (Bochs 2.7 has none)\"");
	if (!msix)
		guest_mline("skip", "name=msix reason=\"no PCI function with an MSI-X capability "
			    "on this machine (Bochs 2.7 has none)\"");
	return ok;
}
