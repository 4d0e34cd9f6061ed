/*
 * acpi.h - the ACPI tables the hypervisor reads (ACPI 6.5, 5.2): finding and
 * checking the RSDP, RSDT/XSDT lookup, the MADT's CPUs, IOAPICs and
 * interrupt overrides, the FADT's power-off and reset registers, and the
 * MCFG's PCIe configuration windows.
 */
#ifndef HV_ACPI_H
#define HV_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_MCFG 8

/*
 * Makes 'len' bytes of physical memory at 'phys' readable and returns where,
 * or NULL if any of the range is out of reach. The parser never reads past
 * 'len' bytes of a returned pointer; struct acpi_root and struct acpi_table
 * keep such pointers, so a mapping must stay valid while they are in use.
 */
typedef const void *(*acpi_map_fn)(uint64_t phys, size_t len, void *ctx);

enum acpi_error {
	ACPI_OK = 0,
	ACPI_ERR_MAP,            /* map() refused a range */
	ACPI_ERR_RSDP_SIGNATURE, /* not "RSD PTR " */
	ACPI_ERR_RSDP_LENGTH,    /* fewer bytes than the RSDP's revision needs */
	ACPI_ERR_RSDP_CHECKSUM,  /* the ACPI 1.0 checksum (first 20 bytes) */
	ACPI_ERR_RSDP_XCHECKSUM, /* the extended checksum (revision >= 2) */
	ACPI_ERR_NO_ROOT,        /* the RSDP names no RSDT or XSDT */
	ACPI_ERR_SIGNATURE,      /* a table is not the one it should be */
	ACPI_ERR_LENGTH,         /* a table's length is too short or too long */
	ACPI_ERR_CHECKSUM,       /* a table's bytes do not sum to 0 */
	ACPI_ERR_NOT_FOUND,      /* no table with that signature */
	ACPI_ERR_MADT_ENTRY,     /* an MADT entry too short or past the table */
	ACPI_ERR_TOO_MANY_CPUS,
	ACPI_ERR_TOO_MANY_IOAPICS,
	ACPI_ERR_TOO_MANY_OVERRIDES,
	ACPI_ERR_MCFG_ENTRY,     /* an MCFG entry cut short, or its end bus below its start */
	ACPI_ERR_TOO_MANY_MCFG,
};

/* The validated root: RSDT or XSDT, whose entries acpi_find_table walks. */
struct acpi_root {
	acpi_map_fn map;
	void *ctx;
	uint8_t revision;        /* the RSDP's: 0 for ACPI 1.0, 2 and up after */
	char oem_id[7];          /* NUL-terminated */
	bool xsdt;               /* entries are 8-byte XSDT, else 4-byte RSDT */
	uint64_t root_phys;
	const uint8_t *entries;  /* the root's entry array, in mapped memory */
	uint32_t n_entries;
};

/* A validated table: its header's length and checksum were checked. */
struct acpi_table {
	uint64_t phys;
	const void *data; /* 'length' bytes, header included */
	uint32_t length;
};

struct acpi_cpu {
	uint32_t apic_id; /* local APIC ID, or x2APIC ID */
	uint32_t uid;     /* ACPI processor UID */
	bool enabled;     /* false: online-capable only, not running yet */
	bool x2apic;      /* listed by a Processor Local x2APIC entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

struct acpi_irq_override {
	uint8_t bus;      /* 0: ISA */
	uint8_t source;   /* the bus-relative IRQ */
	uint32_t gsi;     /* what it is wired to */
	uint16_t flags;   /* MPS INTI flags: polarity bits 1:0, trigger 3:2 */
};

struct acpi_madt {
	uint64_t lapic_addr; /* the header's, or the type 5 override's */
	bool pcat_compat;    /* dual 8259s present (flags bit 0) */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned n_cpus;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned n_ioapics;
	struct acpi_irq_override overrides[ACPI_MAX_OVERRIDES];
	unsigned n_overrides;
};

/* Generic Address Structure address spaces (5.2.3.2) the FADT may use. */
enum acpi_space {
	ACPI_SPACE_MEMORY = 0,
	ACPI_SPACE_IO = 1,
	ACPI_SPACE_PCI_CONFIG = 2,
};

/* A register named by a Generic Address Structure (5.2.3.2); addr 0: none. */
struct acpi_reg {
	uint8_t space;     /* enum acpi_space */
	uint8_t bit_width;
	uint64_t addr;
};

/* The FADT's power-management registers (5.2.9, Table 5.9). */
struct acpi_fadt {
	uint8_t revision;
	struct acpi_reg pm1a_cnt, pm1b_cnt; /* X_ address if set, else the 32-bit port */
	bool reset_supported;               /* Flags.RESET_REG_SUP */
	struct acpi_reg reset_reg;
	uint8_t reset_value;
};

/*
 * The MCFG (PCI Firmware 3.0 4.1.2): memory-mapped configuration (ECAM)
 * windows, one per PCI segment group and bus range.
 */
struct acpi_mcfg_entry {
	uint64_t base;      /* where bus 0's configuration space would be */
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

struct acpi_mcfg {
	struct acpi_mcfg_entry entries[ACPI_MAX_MCFG];
	unsigned n;
};

/* Checks the RSDP in the 'len' bytes at 'rsdp' (e.g. Multiboot2's copy). */
enum acpi_error acpi_rsdp_check(const void *rsdp, size_t len);

/*
 * Checks the RSDP, then maps and validates the XSDT (revision >= 2 with a
 * nonzero address) or else the RSDT, filling 'root' for acpi_find_table.
 */
enum acpi_error acpi_init(struct acpi_root *root, const void *rsdp, size_t len,
			  acpi_map_fn map, void *ctx);

/* Finds the first table whose signature is the 4 chars 'sig' and checks it. */
enum acpi_error acpi_find_table(const struct acpi_root *root, const char *sig,
				struct acpi_table *out);

/* Checks and parses an MADT ("APIC") of which 'len' bytes are readable. */
enum acpi_error acpi_parse_madt(const void *table, size_t len,
				struct acpi_madt *out);

/* Checks and parses a FADT ("FACP") of which 'len' bytes are readable. */
enum acpi_error acpi_parse_fadt(const void *table, size_t len,
				struct acpi_fadt *out);

/* Checks and parses an MCFG ("MCFG") of which 'len' bytes are readable. */
enum acpi_error acpi_parse_mcfg(const void *table, size_t len, struct acpi_mcfg *out);

/*
 * Finds the RSDP where a PC BIOS leaves it (5.2.5.1): on a 16-byte boundary
 * in the EBDA's first KiB, else in 0xe0000-0xfffff. *phys is its address.
 */
enum acpi_error acpi_rsdp_find(acpi_map_fn map, void *ctx, uint64_t *phys);

const char *acpi_strerror(enum acpi_error err);

#endif
