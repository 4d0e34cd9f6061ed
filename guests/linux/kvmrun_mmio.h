/*
 * kvmrun_mmio.h - the test MMIO page kvmrun serves in user space: the same
 * guest-physical page and register layout as the hypervisor's test MMIO
 * device (boot option mmio_test=on, hv/emul/test_mmio.h), so trapbench's
 * MMIO rows time the same accesses in the kvm column.
 *
 *   0x000  ID, read-only: "MMIO" in its low 32 bits (writes refused, counted)
 *   0x008  COUNTER, read-only: each read returns the number of reads before it
 *   0x010  LAST_WIDTH, 0x018 LAST_OFFSET: of the last SCRATCH access
 *   0x020  REFUSED: writes refused so far
 *   0x800-0xfff  SCRATCH: behaves as RAM
 * Other registers below 0x800 read as all ones.
 */
#ifndef GUESTS_LINUX_KVMRUN_MMIO_H
#define GUESTS_LINUX_KVMRUN_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#define MMIO_PAGE_BASE 0xd0000000ull
#define MMIO_PAGE_SIZE 0x1000ull
#define MMIO_PAGE_SCRATCH 0x800u

struct mmio_page {
	uint64_t counter, last_width, last_offset, refused;
	uint8_t scratch[MMIO_PAGE_SIZE - MMIO_PAGE_SCRATCH];
};

/*
 * One access of 'len' (1, 2, 4 or 8) bytes at 'gpa' to 'data'; false if
 * the access is not the page's (the caller ends the run). A refused write
 * is counted and dropped, as the device does.
 */
bool mmio_page_access(struct mmio_page *p, uint64_t gpa, uint8_t *data, unsigned len,
		      bool write);

#endif
