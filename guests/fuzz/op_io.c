/*
 * op_io.c - fuzz kind "io": IN and OUT of every size on the ports that exit
 * to the hypervisor: the one it emulates (0xe0), its L0s' power-off ports
 * (reads only: a write there ends the run by design), and the power and
 * reset registers it watches (the FADT's PM1a/PM1b control, 0xcf9, the
 * keyboard controller's command port), including accesses that start inside
 * a register or straddle it. Values that would power off or reset the
 * machine are masked out: those end the run by design, not by a fault. The
 * keyboard controller is L2's own device, which the hypervisor only watches:
 * it gets single-byte commands it implements (Bochs stops the whole machine
 * on one it does not know).
 * String I/O to an intercepted port is not emulated (the run stops), so it
 * is not fuzzed.
 */
#include "acpi.h"
#include "fuzz.h"
#include "guest.h"

#define MAX_PORTS 16
#define PM1_SLP_EN (1u << 13)
#define RST_CNT_RST_CPU (1u << 2)
#define KBC_CMD 0x64

/*
 * Commands that neither reset, nor expect a data byte, nor answer one (Bochs
 * stops on a command that answers while an answer is still unread): disable
 * and enable the mouse and the keyboard interfaces.
 */
static const uint8_t kbc_commands[] = { 0xa7, 0xa8, 0xad, 0xae };

struct port {
	uint16_t base;
	bool writable;
};

static struct port ports[MAX_PORTS] = {
	{ 0xe0, true }, { 0xf4, false }, { 0xf5, false }, { 0xf6, false }, { 0xf7, false },
	{ 0x8900, false }, { 0xcf9, true }, { KBC_CMD, true },
};
static unsigned n_ports = 8;
static uint16_t pm1[2]; /* PM1a/PM1b control ports; 0: none */

static const void *identity(uint64_t phys, size_t len, void *ctx)
{
	(void)len;
	(void)ctx;
	return (const void *)(uintptr_t)phys;
}

/* Adds the PM1 control ports from the FADT, through the RSDP the loader passed. */
static bool init(const char **why)
{
	const struct mb2_info *mbi = guest_boot_info();
	struct acpi_root root;
	struct acpi_table t;
	struct acpi_fadt fadt;

	if (!mbi->rsdp || acpi_init(&root, mbi->rsdp, mbi->rsdp_len, identity, NULL) ||
	    acpi_find_table(&root, "FACP", &t) || acpi_parse_fadt(t.data, t.length, &fadt))
		return true; /* no FADT: the fixed ports only */
	(void)why;
	if (fadt.pm1a_cnt.space == ACPI_SPACE_IO)
		pm1[0] = (uint16_t)fadt.pm1a_cnt.addr;
	if (fadt.pm1b_cnt.space == ACPI_SPACE_IO)
		pm1[1] = (uint16_t)fadt.pm1b_cnt.addr;
	for (unsigned i = 0; i < 2; i++)
		if (pm1[i]) {
			ports[n_ports++] = (struct port){ pm1[i], true };
			ports[n_ports++] = (struct port){ (uint16_t)(pm1[i] + 1), true };
		}
	return true;
}

/* Clears 'mask' in the byte of 'value' that an access of 'size' at 'port' puts at 'target'. */
static uint32_t clear_at(uint32_t value, uint16_t port, unsigned size, uint32_t target,
			 uint32_t mask)
{
	uint32_t at = target - port;

	return target && target >= port && at < size ? value & ~(mask << (8 * at)) : value;
}

/* 'value' written at 'port' with 'size' bytes, minus the bits that end the run. */
static uint32_t defuse(uint16_t port, unsigned size, uint32_t value)
{
	for (unsigned i = 0; i < 2; i++) /* SLP_EN lies in the register's second byte */
		value = clear_at(value, port, size, pm1[i] ? pm1[i] + 1u : 0, PM1_SLP_EN >> 8);
	value = clear_at(value, port, size, 0xcf9, RST_CNT_RST_CPU);
	value = clear_at(value, port, size, 0x8900, 0xff); /* no byte of "Shutdown" */
	return clear_at(value, port, size, KBC_CMD, 0xff); /* see run() */
}

static enum fuzz_outcome run(struct rng *r, bool trace)
{
	const struct port *p = &ports[rng_below(r, n_ports)];
	unsigned size = 1u << rng_below(r, 3);
	uint16_t port = (uint16_t)(p->base - rng_below(r, size)); /* may straddle the register */
	bool out = p->writable && rng_below(r, 2);
	uint32_t value = defuse(port, size, (uint32_t)rng_next(r));

	if (out && port <= 0xf7 && port + size > 0xf4)
		out = false; /* isa-debug-exit: any write ends the run */
	if (out && port <= KBC_CMD && port + size > KBC_CMD - 4) {
		port = KBC_CMD; /* nothing into the data port, one known command */
		size = 1;
		value = kbc_commands[value % sizeof(kbc_commands)];
	}
	if (trace)
		fuzz_trace("%s port=%#x size=%u value=%#x", out ? "out" : "in", port, size, value);
	if (out && size == 1)
		__asm__ volatile("outb %b0, %w1" : : "a"(value), "Nd"(port) : "memory");
	else if (out && size == 2)
		__asm__ volatile("outw %w0, %w1" : : "a"(value), "Nd"(port) : "memory");
	else if (out)
		__asm__ volatile("outl %0, %w1" : : "a"(value), "Nd"(port) : "memory");
	else if (size == 1)
		__asm__ volatile("inb %w1, %b0" : "=a"(value) : "Nd"(port));
	else if (size == 2)
		__asm__ volatile("inw %w1, %w0" : "=a"(value) : "Nd"(port));
	else
		__asm__ volatile("inl %w1, %0" : "=a"(value) : "Nd"(port));
	return FUZZ_OK;
}

const struct fuzz_op fuzz_op_io = { .name = "io", .init = init, .run = run };
