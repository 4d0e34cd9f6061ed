/*
 * bzimage.c - checks a bzImage's setup header, picks load addresses for the
 * kernel and its initrd, and fills the zero page for the 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst), trusting no field of the image.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bzimage.h"
#include "lib/string.h"

/* zero-page.rst and boot.rst give these offsets. */
_Static_assert(sizeof(struct setup_header) == 0x26c - 0x1f1, "setup_header");
_Static_assert(offsetof(struct boot_params, acpi_rsdp_addr) == 0x070, "rsdp");
_Static_assert(offsetof(struct boot_params, ext_ramdisk_image) == 0x0c0, "ext");
_Static_assert(offsetof(struct boot_params, ext_cmd_line_ptr) == 0x0c8, "ext");
_Static_assert(offsetof(struct boot_params, e820_entries) == 0x1e8, "e820");
_Static_assert(offsetof(struct boot_params, hdr) == 0x1f1, "hdr");
_Static_assert(offsetof(struct boot_params, hdr.boot_flag) == 0x1fe, "flag");
_Static_assert(offsetof(struct boot_params, hdr.header) == 0x202, "HdrS");
_Static_assert(offsetof(struct boot_params, hdr.type_of_loader) == 0x210, "");
_Static_assert(offsetof(struct boot_params, hdr.code32_start) == 0x214, "");
_Static_assert(offsetof(struct boot_params, hdr.cmd_line_ptr) == 0x228, "");
_Static_assert(offsetof(struct boot_params, hdr.xloadflags) == 0x236, "");
_Static_assert(offsetof(struct boot_params, hdr.pref_address) == 0x258, "");
_Static_assert(offsetof(struct boot_params, hdr.init_size) == 0x260, "");
_Static_assert(sizeof(struct e820_entry) == 20, "e820_entry");
_Static_assert(offsetof(struct boot_params, e820_table) == 0x2d0, "e820");
_Static_assert(sizeof(struct boot_params) == 4096, "zero page");

#define HDR_OFF 0x1f1u
/* A setup header field's offset: the same in the image and in boot_params. */
#define HDR_AT(field) offsetof(struct boot_params, hdr.field)
#define HDR_MIN_END 0x264u   /* through init_size: every field we read */
#define HDR_MAX_END 0x290u   /* boot_params.edd_mbr_sig_buffer follows */
#define BOOT_FLAG 0xaa55u
#define HDRS_MAGIC 0x53726448u /* "HdrS" */
#define MIN_VERSION 0x020cu  /* 2.12: xloadflags, so XLF_KERNEL_64 */
#define SECTOR 512u
#define PAGE 4096u
#define LOADER_UNDEFINED 0xffu /* type_of_loader: no assigned ID */
#define FOUR_GIB 0x100000000ull

/* Whether [a, a + alen) and [b, b + blen) share a byte, without overflow. */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a >= b ? a - b < blen : b - a < alen;
}

/* Checks the signatures and version, then copies the setup header out. */
static enum bzimage_error read_header(const uint8_t *p, size_t len,
				      struct setup_header *hdr)
{
	uint16_t u16;
	uint32_t magic;
	size_t end;

	if (!p || len < HDR_AT(realmode_swtch))
		return BZIMAGE_ERR_TRUNCATED;
	memcpy(&u16, p + HDR_AT(boot_flag), 2);
	if (u16 != BOOT_FLAG)
		return BZIMAGE_ERR_BOOT_FLAG;
	memcpy(&magic, p + HDR_AT(header), 4);
	if (magic != HDRS_MAGIC)
		return BZIMAGE_ERR_MAGIC;
	memcpy(&u16, p + HDR_AT(version), 2);
	if (u16 < MIN_VERSION)
		return BZIMAGE_ERR_VERSION;
	/* The short jump at 0x200 skips the header: it ends where it lands. */
	end = HDR_AT(header) + p[HDR_AT(jump) + 1];
	if (end < HDR_MIN_END || end > HDR_MAX_END)
		return BZIMAGE_ERR_HEADER_LEN;
	if (end > len)
		return BZIMAGE_ERR_TRUNCATED;
	/* Fields newer than 2.15 stay zero, as from a loader that knows none. */
	if (end > HDR_OFF + sizeof(*hdr))
		end = HDR_OFF + sizeof(*hdr);
	memcpy(hdr, p + HDR_OFF, end - HDR_OFF);
	return BZIMAGE_OK;
}

/* Checks what the header says about the kernel after the setup sectors. */
static enum bzimage_error check_kernel(size_t len, struct bzimage_info *out)
{
	const struct setup_header *h = &out->hdr;

	if (!(h->loadflags & BZIMAGE_LOADED_HIGH))
		return BZIMAGE_ERR_NOT_BZIMAGE;
	if (!(h->xloadflags & BZIMAGE_XLF_KERNEL_64))
		return BZIMAGE_ERR_NOT_64BIT;
	out->setup_sects = h->setup_sects ? h->setup_sects : 4;
	out->kernel_offset = (out->setup_sects + 1) * SECTOR;
	if (out->kernel_offset >= len)
		return BZIMAGE_ERR_TRUNCATED;
	out->kernel_size = len - out->kernel_offset;
	if ((uint64_t)h->syssize * 16 > out->kernel_size)
		return BZIMAGE_ERR_SYSSIZE;
	if (out->relocatable && (!out->kernel_alignment ||
				 (out->kernel_alignment & (out->kernel_alignment - 1))))
		return BZIMAGE_ERR_ALIGNMENT;
	if (!out->pref_address || out->init_size > UINT64_MAX - out->pref_address)
		return BZIMAGE_ERR_PREF_ADDRESS;
	if (out->init_size < out->kernel_size)
		return BZIMAGE_ERR_INIT_SIZE;
	return BZIMAGE_OK;
}

/* Checks the setup header (boot.rst, "The Real-Mode Kernel Header"). */
enum bzimage_error bzimage_parse(const void *img, size_t len,
				 struct bzimage_info *out)
{
	const struct setup_header *h = &out->hdr;
	enum bzimage_error err;

	memset(out, 0, sizeof(*out));
	err = read_header(img, len, &out->hdr);
	if (err)
		return err;
	out->version = h->version;
	out->pref_address = h->pref_address;
	out->init_size = h->init_size;
	out->kernel_alignment = h->kernel_alignment;
	out->relocatable = h->relocatable_kernel;
	out->initrd_addr_max = h->initrd_addr_max;
	out->cmdline_size = h->cmdline_size;
	out->above_4g = h->xloadflags & BZIMAGE_XLF_CAN_BE_LOADED_ABOVE_4G;
	return check_kernel(len, out);
}

/* Where the kernel's init_size bytes must end: 4 GiB unless allowed above. */
static uint64_t kernel_limit(const struct bzimage_info *info)
{
	return info->above_4g ? UINT64_MAX : FOUR_GIB;
}

/* Whether the kernel may sit at 'gpa' inside the range 'r'. */
static bool kernel_fits(const struct bzimage_info *info,
			const struct mem_range *r, uint64_t gpa)
{
	return gpa >= r->base && gpa <= r->end &&
	       r->end - gpa >= info->init_size &&
	       gpa <= kernel_limit(info) - info->init_size;
}

/*
 * A kernel below pref_address still decompresses itself at pref_address
 * (LOAD_PHYSICAL_ADDR, arch/x86/boot/compressed/head_64.S), so never below.
 */
uint64_t bzimage_kernel_addr(const struct bzimage_info *info,
			     const struct mem_ranges *ram)
{
	uint64_t align = info->kernel_alignment;

	for (size_t i = 0; i < ram->n; i++) {
		const struct mem_range *r = &ram->r[i];
		uint64_t gpa = info->pref_address;

		if (info->relocatable) {
			if (r->base > gpa)
				gpa = r->base;
			if (gpa > UINT64_MAX - (align - 1))
				break;
			gpa = (gpa + align - 1) & ~(align - 1);
		}
		if (kernel_fits(info, r, gpa))
			return gpa;
	}
	return 0;
}

/* The highest page-aligned base for 'size' bytes in [lo, hi); 0 if none. */
static uint64_t place_top(uint64_t lo, uint64_t hi, uint64_t size)
{
	uint64_t base;

	if (hi < lo || hi - lo < size)
		return 0;
	base = (hi - size) & ~(uint64_t)(PAGE - 1);
	return base >= lo ? base : 0;
}

/* Walks 'ram' down: the highest fit under the limit, else under the kernel. */
uint64_t bzimage_initrd_addr(const struct bzimage_info *info,
			     const struct mem_ranges *ram, uint64_t kernel_gpa,
			     uint64_t size)
{
	uint64_t limit = info->above_4g ? UINT64_MAX :
			 (uint64_t)info->initrd_addr_max + 1;

	if (!size)
		return 0;
	for (size_t i = ram->n; i-- > 0;) {
		const struct mem_range *r = &ram->r[i];
		uint64_t hi = r->end < limit ? r->end : limit;
		uint64_t base = place_top(r->base, hi, size);

		if (base && overlaps(base, size, kernel_gpa, info->init_size))
			base = place_top(r->base, hi < kernel_gpa ? hi : kernel_gpa,
					 size);
		if (base)
			return base;
	}
	return 0;
}

/* Checks the caller's addresses against the header's rules. */
static enum bzimage_error check_load(const struct bzimage_info *info,
				     const struct bzimage_load *load)
{
	uint64_t k = load->kernel_gpa;

	if (load->n_e820 > BZIMAGE_E820_MAX)
		return BZIMAGE_ERR_E820;
	if (info->relocatable ? k & (info->kernel_alignment - 1) :
				k != info->pref_address)
		return BZIMAGE_ERR_KERNEL_ADDR;
	if (k > kernel_limit(info) - info->init_size)
		return BZIMAGE_ERR_KERNEL_ADDR;
	if (!info->above_4g && load->cmdline_gpa >= FOUR_GIB)
		return BZIMAGE_ERR_CMDLINE_ADDR;
	if (!load->initrd_size)
		return BZIMAGE_OK;
	if (load->initrd_size > UINT64_MAX - load->initrd_gpa ||
	    (!info->above_4g && load->initrd_gpa + load->initrd_size - 1 >
				       info->initrd_addr_max))
		return BZIMAGE_ERR_INITRD_ADDR;
	if (overlaps(load->initrd_gpa, load->initrd_size, k, info->init_size))
		return BZIMAGE_ERR_INITRD_OVERLAP;
	return BZIMAGE_OK;
}

/*
 * boot.rst "64-bit Boot Protocol": the setup header as in the image, then
 * what the loader fills. CAN_USE_HEAP and heap_end_ptr are left alone: only
 * the real-mode setup code uses that heap, and the 64-bit entry skips it.
 */
enum bzimage_error bzimage_build_params(const struct bzimage_info *info,
					const struct bzimage_load *load,
					void *zero_page)
{
	struct boot_params *bp = zero_page;
	enum bzimage_error err = check_load(info, load);

	if (err)
		return err;
	memset(bp, 0, sizeof(*bp));
	bp->hdr = info->hdr;
	bp->hdr.type_of_loader = LOADER_UNDEFINED;
	bp->hdr.loadflags |= BZIMAGE_LOADED_HIGH;
	/* Only the 32-bit entry reads it; the 64-bit one may lie above 4 GiB. */
	if (load->kernel_gpa < FOUR_GIB)
		bp->hdr.code32_start = (uint32_t)load->kernel_gpa;
	bp->hdr.cmd_line_ptr = (uint32_t)load->cmdline_gpa;
	bp->ext_cmd_line_ptr = (uint32_t)(load->cmdline_gpa >> 32);
	if (load->initrd_size) {
		bp->hdr.ramdisk_image = (uint32_t)load->initrd_gpa;
		bp->ext_ramdisk_image = (uint32_t)(load->initrd_gpa >> 32);
		bp->hdr.ramdisk_size = (uint32_t)load->initrd_size;
		bp->ext_ramdisk_size = (uint32_t)(load->initrd_size >> 32);
	}
	bp->acpi_rsdp_addr = load->rsdp_gpa; /* read by protocol 2.14+ */
	bp->e820_entries = (uint8_t)load->n_e820;
	if (load->n_e820)
		memcpy(bp->e820_table, load->e820,
		       load->n_e820 * sizeof(*load->e820));
	return BZIMAGE_OK;
}

/* A short description of 'err' for the boot log. */
const char *bzimage_strerror(enum bzimage_error err)
{
	switch (err) {
	case BZIMAGE_OK:
		return "ok";
	case BZIMAGE_ERR_TRUNCATED:
		return "image ends inside its setup";
	case BZIMAGE_ERR_BOOT_FLAG:
		return "no 0xaa55 boot flag";
	case BZIMAGE_ERR_MAGIC:
		return "no HdrS setup header";
	case BZIMAGE_ERR_VERSION:
		return "boot protocol older than 2.12";
	case BZIMAGE_ERR_HEADER_LEN:
		return "bad setup header length";
	case BZIMAGE_ERR_NOT_BZIMAGE:
		return "not a bzImage (LOADED_HIGH clear)";
	case BZIMAGE_ERR_NOT_64BIT:
		return "no 64-bit entry point";
	case BZIMAGE_ERR_SYSSIZE:
		return "syssize past end of image";
	case BZIMAGE_ERR_ALIGNMENT:
		return "kernel_alignment not a power of two";
	case BZIMAGE_ERR_PREF_ADDRESS:
		return "bad pref_address";
	case BZIMAGE_ERR_INIT_SIZE:
		return "init_size smaller than the kernel";
	case BZIMAGE_ERR_KERNEL_ADDR:
		return "kernel load address not allowed";
	case BZIMAGE_ERR_CMDLINE_ADDR:
		return "command line above 4 GiB";
	case BZIMAGE_ERR_INITRD_ADDR:
		return "initrd past initrd_addr_max";
	case BZIMAGE_ERR_INITRD_OVERLAP:
		return "initrd overlaps the kernel";
	case BZIMAGE_ERR_E820:
		return "too many e820 entries";
	}
	return "unknown error";
}
