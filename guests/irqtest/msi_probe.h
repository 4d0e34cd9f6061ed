/*
 * msi_probe.h - irqtest's look at PCI MSI: every function on the machine
 * found through configuration mechanism #1, the message address of each
 * one with an MSI capability steered to each CPU and read back.
 */
#ifndef GUESTS_IRQTEST_MSI_PROBE_H
#define GUESTS_IRQTEST_MSI_PROBE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Scans, prints "@guest pci-scan", and for each MSI function whose MSI is
 * off writes its message address with the destination of each of NCPUS
 * APIC IDS, checking L2 reads back what it wrote (the hypervisor may
 * program another CPU), then restores it. With no MSI function it prints
 * "@guest skip name=msi reason=...". False if a check failed.
 */
bool msi_probe(const uint32_t *apic_ids, unsigned ncpus);
/*
 * msix_table.c: msix_test=on's synthetic MSI-X table written and read
 * through MMIO, each entry compared with what HC_MSIX_TEST says the
 * "device" has; "@guest skip name=msix-synthetic" without it.
 */
bool msix_table_check(bool under_hv, const uint32_t *apic_ids);
/*
 * ecam_window.c: bus 0 through ecam_test=on's synthetic ECAM window against
 * 0xCF8/0xCFC; "@guest skip name=ecam-synthetic" without it.
 */
bool ecam_window_check(bool under_hv);

#endif
