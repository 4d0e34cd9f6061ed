/*
 * test_mmio.h - the test MMIO device (boot option mmio_test=on): one 4 KiB
 * page of emulated registers at TEST_MMIO_BASE, outside RAM, for the
 * emulation conformance guest (guests/mmiotest) and the trap-cost bench.
 * Shared with the guests, which include it.
 *
 *   0x000  ID, read-only: TEST_MMIO_ID in its low 32 bits (any width reads
 *          its bytes; writes are refused and counted)
 *   0x008  COUNTER, read-only: each read returns the number of reads before it
 *   0x010  LAST_WIDTH: the width in bytes of the last access to SCRATCH
 *   0x018  LAST_OFFSET: its offset into the page
 *   0x020  REFUSED: writes refused so far
 *   0x800-0xfff  SCRATCH: behaves as RAM, at every width and alignment
 *
 * Registers 0x000-0x7ff read as all ones where no register is.
 */
#ifndef HV_EMUL_TEST_MMIO_H
#define HV_EMUL_TEST_MMIO_H

#define TEST_MMIO_BASE 0xd0000000ull
#define TEST_MMIO_SIZE 0x1000ull
#define TEST_MMIO_ID 0x4f494d4dull /* "MMIO" */
#define TEST_MMIO_REG_ID 0x000
#define TEST_MMIO_REG_COUNTER 0x008
#define TEST_MMIO_REG_LAST_WIDTH 0x010
#define TEST_MMIO_REG_LAST_OFFSET 0x018
#define TEST_MMIO_REG_REFUSED 0x020
#define TEST_MMIO_SCRATCH 0x800

#endif
