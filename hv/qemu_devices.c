/*
 * qemu_devices.c - fw_cfg on its ports (QEMU's x86 I/O interface: 16-bit
 * selector writes, byte data reads; its DMA registers are absent, as
 * FW_CFG_ID says), and the boot-log lines that tell a user what L2 sees.
 * Under QEMU as L0 the ports are the real device's: intercepting them keeps
 * L1's view (L0's CPUs and RAM, its DMA engine) from L2.
 */
#include "exit_io.h"
#include "fw_cfg.h"
#include "guest_load.h"
#include "guest_mem.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "log.h"
#include "qemu_devices.h"
#include "smp.h"

#define E820_ENTRY 20 /* QEMU's etc/e820: u64 address, u64 length, u32 type, packed */

static struct fw_cfg cfg;
static struct spinlock cfg_lock; /* any vCPU may use it */
static uint8_t e820[MB2_MAX_MMAP * 2 * E820_ENTRY];

/* etc/e820: L2's memory map, as QEMU gives its firmware. */
static uint32_t fill_e820(const struct mb2_info *mbi)
{
	unsigned n;
	const struct mb2_mmap_entry *m = guest_load_mmap(mbi, &n);

	for (unsigned i = 0; i < n; i++) {
		memcpy(e820 + i * E820_ENTRY, &m[i].base, 8);
		memcpy(e820 + i * E820_ENTRY + 8, &m[i].len, 8);
		memcpy(e820 + i * E820_ENTRY + 16, &m[i].type, 4);
	}
	return n * E820_ENTRY;
}

/*
 * QEMU's port pair (fw_cfg_comb_valid): a 16-bit write selects, a byte read
 * reads data; a byte write is the long-gone write channel, ignored. Other
 * sizes and the DMA registers find no device: reads all ones.
 */
static void fw_cfg_port(struct vcpu *v, struct io_access a, uint32_t value)
{
	bool comb = io_port(a) == FW_CFG_PORT_SEL || io_port(a) == FW_CFG_PORT_DATA;

	spin_lock(&cfg_lock);
	if (io_in(a))
		value = comb && io_size(a) == 1 ? fw_cfg_read(&cfg) : ~0u;
	else if (comb && io_size(a) == 2)
		fw_cfg_select(&cfg, (uint16_t)value);
	spin_unlock(&cfg_lock);
	if (io_in(a))
		io_in_result(v, a, value);
}

void qemu_devices_init(const struct mb2_info *mbi)
{
	uint64_t ram = guest_mem_ram_bytes();

	fw_cfg_init(&cfg, (uint16_t)smp_cpus, ram);
	if (!fw_cfg_add_file(&cfg, "etc/e820", e820, fill_e820(mbi)))
		log_warn("fw_cfg: no room for etc/e820");
	io_port_claim(FW_CFG_PORT_SEL, 2, fw_cfg_port);
	io_port_claim(FW_CFG_PORT_DMA, FW_CFG_DMA_LEN, fw_cfg_port);
	log_info("L2 devices: isa-debug-exit at %#x (exit code -> verdict), fw_cfg at %#x-%#x "
		 "(%u CPUs, %lu MiB RAM, files: etc/e820; no DMA)", QEMU_DEBUG_EXIT_PORT,
		 FW_CFG_PORT_SEL, FW_CFG_PORT_DATA, smp_cpus, ram >> 20);
	log_mline("device", "name=isa-debug-exit port=%#x len=%u", QEMU_DEBUG_EXIT_PORT,
		  QEMU_DEBUG_EXIT_LEN);
	log_mline("device", "name=fw_cfg port=%#x len=2 cpus=%u ram_bytes=%lu files=1 dma=0",
		  FW_CFG_PORT_SEL, smp_cpus, ram);
}
