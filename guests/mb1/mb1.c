/*
 * mb1.c - a kernel written the way kernels for QEMU are: Multiboot v1, its
 * facts from the Multiboot information and QEMU's fw_cfg, its end through
 * isa-debug-exit with the code its command line gives ("exit=N", default 0).
 * It looks at the platform (platform_check.c: COM1, ACPI, PM timer), and with
 * "apic=on" tests the local APIC (apic_test.c) on fw_cfg's CPU count, or the
 * MADT's where there is no fw_cfg. It knows nothing of the
 * hypervisor, so it runs unchanged under QEMU, under GRUB on any L0, and as
 * L2. It prints what it found; the tests judge it.
 */
#include <stdbool.h>
#include <stdint.h>

#include "apic_test.h"
#include "fw_cfg.h"
#include "guest.h"
#include "lib/console.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/uart16550.h"
#include "multiboot1.h"
#include "platform_check.h"
#include "trap.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4
#define E820_ENTRY 20
#define E820_RAM 1
#define PANIC_EXIT_CODE 0x7e /* an unexpected exception (trap.c) */

/* The boot information's fields (Multiboot 0.6.96, 3.3) this kernel reads. */
struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb1_module {
	uint32_t start, end, string, reserved;
};

/* The end every path takes: the exit line, then isa-debug-exit; halts if nobody listens. */
static __attribute__((noreturn)) void debug_exit(uint32_t code)
{
	guest_mline("exit", "device=isa-debug-exit port=%#x code=%u", DEBUG_EXIT_PORT, code);
	uart_flush(COM1_PORT);
	outl(DEBUG_EXIT_PORT, code);
	for (;;) /* without the device (bare Bochs) the launcher ends the run */
		__asm__ volatile("cli; hlt");
}

/* trap.c's end after an unexpected exception. */
void guest_finish(bool pass, const char *reason)
{
	guest_mline("verdict", "result=%s reason=%s", pass ? "pass" : "fail", reason);
	debug_exit(pass ? 0 : PANIC_EXIT_CODE);
}

/* A guest-physical address as a pointer: boot64.S identity-maps the low 4 GiB. */
static const void *phys(uint32_t pa)
{
	return (const void *)(uintptr_t)pa;
}

/* The string at 'pa' if the info's flag says it is there, else "". */
static const char *info_string(const struct mb1_info *mbi, uint32_t flag, uint32_t pa)
{
	return (mbi->flags & flag) && pa ? phys(pa) : "";
}

/* The memory map (3.3: each entry's 'size' does not count itself); RAM in KiB. */
static uint64_t walk_mmap(const struct mb1_info *mbi, unsigned *entries)
{
	uint64_t ram = 0;

	*entries = 0;
	if (!(mbi->flags & MB1_INFO_MEM_MAP))
		return 0;
	for (uint32_t off = 0; off + 4 <= mbi->mmap_length;) {
		const uint8_t *e = phys(mbi->mmap_addr + off);
		uint32_t size, type;
		uint64_t len;

		memcpy(&size, e, 4);
		memcpy(&len, e + 12, 8);
		memcpy(&type, e + 20, 4);
		if (type == MB2_MEM_AVAILABLE)
			ram += len;
		(*entries)++;
		off += size + 4;
	}
	return ram >> 10;
}

static void report_boot(uint32_t magic, const struct mb1_info *mbi)
{
	unsigned entries;
	uint64_t ram_kib = walk_mmap(mbi, &entries);

	guest_mline("mb1-boot", "magic=%#x flags=%#x mem_lower_kib=%u mem_upper_kib=%u "
		    "mmap_entries=%u ram_kib=%lu modules=%u cmdline=\"%s\" loader=\"%s\"", magic,
		    mbi->flags, mbi->mem_lower, mbi->mem_upper, entries, ram_kib,
		    mbi->flags & MB1_INFO_MODS ? mbi->mods_count : 0,
		    info_string(mbi, MB1_INFO_CMDLINE, mbi->cmdline),
		    info_string(mbi, MB1_INFO_LOADER_NAME, mbi->boot_loader_name));
	if (!(mbi->flags & MB1_INFO_MODS))
		return;
	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		const struct mb1_module *m = (const struct mb1_module *)phys(mbi->mods_addr) + i;
		const uint8_t *b = phys(m->start);
		uint32_t head = m->end - m->start >= 4 ? (uint32_t)b[0] << 24 |
				(uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3] : 0;

		guest_mline("mb1-module", "index=%u start=%#x end=%#x size=%u head=%08x cmdline=\"%s\"",
		      i, m->start, m->end, m->end - m->start, head,
		      m->string ? (const char *)phys(m->string) : "");
	}
}

/* Writes and reads back a pattern at 'pa', restoring what was there. */
static bool ram_works(uintptr_t pa)
{
	volatile uint64_t *p;
	uint64_t old;
	bool ok;

	__asm__("" : "+r"(pa)); /* the compiler must not see address 0 as NULL */
	p = (volatile uint64_t *)pa;
	old = *p;

	*p = 0x5a5aa5a5c3c33c3cull ^ pa;
	ok = *p == (0x5a5aa5a5c3c33c3cull ^ pa);
	*p = old;
	return ok;
}

/* Page 0 and the conventional memory below 640 KiB are plain RAM. */
static void report_low_memory(void)
{
	static const uintptr_t probes[] = { 0x0, 0x1000, 0x7000, 0x9e000 };
	unsigned ok = 0;

	for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		ok += ram_works(probes[i]);
	guest_mline("low-memory", "probes=%u writable=%u page0=%s",
		    (unsigned)(sizeof(probes) / sizeof(probes[0])), ok, ram_works(0) ? "ok" : "bad");
}

/*
 * Uninitialised data the loader must zero (the ELF segment's memsz past its
 * filesz; boot64.S zeroes only .bss), big enough that the kernel spans most
 * of the MiB above 1 MiB, where GRUB puts modules below a hypervisor at 2 MiB.
 */
static volatile uint8_t loader_bss[512 << 10] __attribute__((section(".bss.loader_zeroed")));
extern char __kernel_end[];

static void report_loader_bss(void)
{
	size_t nonzero = 0;

	for (size_t i = 0; i < sizeof(loader_bss); i++)
		nonzero += loader_bss[i] != 0;
	guest_mline("bss", "bytes=%zu nonzero=%zu kernel_end=%#lx", sizeof(loader_bss), nonzero,
		    (uint64_t)(uintptr_t)__kernel_end);
}

static void fw_cfg_read_bytes(uint16_t key, void *buf, unsigned n)
{
	uint8_t *b = buf;

	outw(FW_CFG_PORT_SEL, key);
	for (unsigned i = 0; i < n; i++)
		b[i] = inb(FW_CFG_PORT_DATA);
}

static uint64_t fw_cfg_le(uint16_t key, unsigned n)
{
	uint64_t v = 0;

	fw_cfg_read_bytes(key, &v, n); /* x86 is little-endian, as the items are */
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* etc/e820 through the file directory: its entries and RAM (KiB), or 0 if absent. */
static unsigned fw_cfg_e820(unsigned *files, uint64_t *ram_kib)
{
	uint8_t count[4], entry[FW_CFG_FILE_ENTRY], e[E820_ENTRY];
	unsigned n = 0;

	*ram_kib = 0;
	fw_cfg_read_bytes(FW_CFG_FILE_DIR, count, 4); /* the data port keeps walking the dir */
	*files = be32(count);
	for (unsigned i = 0; i < *files; i++) {
		for (unsigned j = 0; j < sizeof(entry); j++)
			entry[j] = inb(FW_CFG_PORT_DATA);
		entry[sizeof(entry) - 1] = 0;
		if (strcmp((const char *)entry + 8, "etc/e820"))
			continue;
		n = be32(entry) / E820_ENTRY;
		outw(FW_CFG_PORT_SEL, (uint16_t)(entry[4] << 8 | entry[5]));
		for (unsigned k = 0; k < n; k++) {
			uint64_t len;
			uint32_t type;

			for (unsigned j = 0; j < E820_ENTRY; j++)
				e[j] = inb(FW_CFG_PORT_DATA);
			memcpy(&len, e + 8, 8);
			memcpy(&type, e + 16, 4);
			if (type == E820_RAM)
				*ram_kib += len >> 10;
		}
		break;
	}
	return n;
}

/* The fw_cfg line; fw_cfg's CPU count, 0 without the device. */
static unsigned report_fw_cfg(void)
{
	char sig[5] = { 0 };
	unsigned files, e820;
	uint64_t e820_kib;

	fw_cfg_read_bytes(FW_CFG_SIGNATURE, sig, 4);
	if (memcmp(sig, "QEMU", 4)) {
		guest_mline("fw-cfg", "present=0 signature=%02x%02x%02x%02x", (uint8_t)sig[0],
			    (uint8_t)sig[1], (uint8_t)sig[2], (uint8_t)sig[3]);
		return 0;
	}
	e820 = fw_cfg_e820(&files, &e820_kib);
	guest_mline("fw-cfg", "present=1 signature=QEMU id=%#lx cpus=%lu max_cpus=%lu ram_bytes=%lu "
		    "files=%u e820_entries=%u e820_ram_kib=%lu", fw_cfg_le(FW_CFG_ID, 4),
		    fw_cfg_le(FW_CFG_NB_CPUS, 2), fw_cfg_le(FW_CFG_MAX_CPUS, 2),
		    fw_cfg_le(FW_CFG_RAM_SIZE, 8), files, e820, e820_kib);
	return (unsigned)fw_cfg_le(FW_CFG_NB_CPUS, 2);
}

/* The number of the first word "name=N" of the command line; 'dflt' without one. */
static uint32_t cmdline_number(const char *cmdline, const char *name, uint32_t dflt)
{
	size_t n = strlen(name);

	for (const char *p = cmdline; *p; p++) {
		uint32_t v = 0;

		if ((p != cmdline && p[-1] != ' ') || strncmp(p, name, n) || p[n] != '=')
			continue;
		for (p += n + 1; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (uint32_t)(*p - '0');
		return v;
	}
	return dflt;
}

/* Whether the command line holds the word 'word'. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, word, n) &&
		    (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* Called by hv/lib/boot64.S in long mode: EAX and EBX as the loader left them. */
void boot_main(uint32_t magic, uint64_t info)
{
	const struct mb1_info *mbi = phys((uint32_t)info);
	const char *cmdline;
	unsigned cpus, madt_cpus;

	uart_init(COM1_PORT);
	trap_init();
	if (magic != MB1_BOOTLOADER_MAGIC) {
		guest_mline("mb1-boot", "magic=%#x error=\"not booted by a Multiboot v1 loader\"",
			    magic);
		debug_exit(0x7f);
	}
	cmdline = info_string(mbi, MB1_INFO_CMDLINE, mbi->cmdline);
	report_boot(magic, mbi);
	report_loader_bss();
	report_low_memory();
	cpus = report_fw_cfg();
	madt_cpus = report_platform();
	if (cmdline_has(cmdline, "apic=on"))
		apic_test(cpus ? cpus : madt_cpus ? madt_cpus : 1);
	debug_exit(cmdline_number(cmdline, "exit", 0));
}
