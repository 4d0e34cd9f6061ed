/*
 * guest_load.c - hands a bzImage to the Linux loader and a Multiboot v1
 * kernel to guest_load_mb1.c, and loads a test guest the way GRUB would: its
 * PT_LOAD segments at their physical addresses (its modules moved out of
 * their way first), a Multiboot2 information structure at GUEST_INFO_GPA
 * (memory map without the hypervisor, its modules, the ACPI RSDP), and 32-bit
 * protected-mode entry with EAX = magic, EBX = info (Multiboot2 spec 3.3).
 */
#include "boot_mem.h"
#include "bzimage.h"
#include "elf64.h"
#include "guest_boot_info.h"
#include "guest_e820.h"
#include "guest_load.h"
#include "guest_load_linux.h"
#include "guest_load_mb1.h"
#include "guest_mem.h"
#include "lib/string.h"
#include "multiboot1.h"

/* Whether a segment's memory overlaps [base, end). */
static bool seg_overlaps(const struct elf64_segment *s, uint64_t base, uint64_t end)
{
	return s->paddr < end && s->paddr + s->memsz > base;
}

/* Whether any segment's memory, or the boot information, overlaps [base, end). */
static bool seg_overlaps_any(const struct elf64_image *img, uint64_t base, uint64_t end)
{
	for (unsigned i = 0; i < img->n_seg; i++)
		if (seg_overlaps(&img->seg[i], base, end))
			return true;
	return base < GUEST_INFO_GPA + GUEST_INFO_MAX && end > GUEST_INFO_GPA;
}

/*
 * Module 0's bytes, copied into the pool first if a segment would overwrite
 * them: GRUB may put the kernel's file where the kernel loads (a kernel
 * linked at 1 MiB, its file in the gap below the hypervisor at 2 MiB).
 * *pages: the pool pages to give back, 0 if none.
 */
static const uint8_t *kernel_bytes(const struct mb2_module *mod, const struct elf64_image *img,
				   uint64_t *pages)
{
	uint64_t len = mod->end - mod->start, pa;

	*pages = 0;
	for (unsigned i = 0; i < img->n_seg; i++) {
		if (!seg_overlaps(&img->seg[i], mod->start, mod->end))
			continue;
		*pages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
		pa = alloc_pages_or_panic(*pages, "a copy of the guest kernel");
		memcpy((void *)(uintptr_t)pa, (const void *)(uintptr_t)mod->start, len);
		log_info("L2 kernel's file at %#lx-%#lx lies where it loads: copied aside first",
			 mod->start, mod->end);
		return (const uint8_t *)(uintptr_t)pa;
	}
	return (const uint8_t *)(uintptr_t)mod->start;
}

void guest_load_segments(const struct mb2_info *mbi, const struct elf64_image *img)
{
	uint64_t pages;
	const uint8_t *src = kernel_bytes(&mbi->modules[0], img, &pages);

	for (unsigned i = 0; i < img->n_seg; i++) {
		const struct elf64_segment *s = &img->seg[i];
		uint8_t *dst = guest_mem_ptr(s->paddr, s->memsz);

		if (!dst)
			guest_load_fail("guest segment %#lx-%#lx is not guest RAM (L2's memory map "
					"shows what is)", s->paddr, s->paddr + s->memsz);
		if (seg_overlaps(s, GUEST_INFO_GPA, GUEST_INFO_GPA + GUEST_INFO_MAX))
			guest_load_fail("guest segment %#lx-%#lx overlaps the boot information at "
					"%#llx-%#llx", s->paddr, s->paddr + s->memsz, GUEST_INFO_GPA,
					GUEST_INFO_GPA + GUEST_INFO_MAX);
		memcpy(dst, src + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
		log_info("L2 segment %u: %#lx-%#lx", i, s->paddr, s->paddr + s->memsz);
	}
	if (pages)
		page_alloc_free(&hv_pages, (uint64_t)(uintptr_t)src, pages);
}

/*
 * L2 RAM no one has claimed: its memory map's available entries from 1 MiB
 * to 4 GiB (Multiboot's 32-bit fields), minus the kernel's segments, every
 * module where GRUB put it, and the boot information.
 */
static bool unclaimed_ram(const struct mb2_info *mbi, const struct elf64_image *img,
			  struct mem_ranges *free)
{
	unsigned n;
	const struct mb2_mmap_entry *m = guest_load_mmap(mbi, &n);
	bool ok = true;

	for (unsigned i = 0; i < n; i++)
		if (m[i].type == MB2_MEM_AVAILABLE)
			ok &= mem_ranges_add(free, m[i].base, m[i].base + m[i].len);
	ok &= mem_ranges_remove(free, 0, 1ull << 20);
	ok &= mem_ranges_remove(free, 1ull << 32, UINT64_MAX);
	for (unsigned i = 0; i < img->n_seg; i++)
		ok &= mem_ranges_remove(free, img->seg[i].paddr,
					img->seg[i].paddr + img->seg[i].memsz);
	for (unsigned i = 0; i < mbi->n_modules; i++)
		ok &= mem_ranges_remove(free, mbi->modules[i].start, mbi->modules[i].end);
	return ok && mem_ranges_remove(free, GUEST_INFO_GPA, GUEST_INFO_GPA + GUEST_INFO_MAX);
}

unsigned guest_load_place_modules(const struct mb2_info *mbi, const struct elf64_image *img,
				  struct mb2_module *mods)
{
	static struct mem_range storage[MB2_MAX_MMAP * 2 + 2 * MB2_MAX_MODULES + 8];
	struct mem_ranges free = { storage, 0, sizeof(storage) / sizeof(storage[0]) };
	bool have_free = false;

	for (unsigned i = 1; i < mbi->n_modules; i++) {
		struct mb2_module m = mbi->modules[i];
		uint64_t len = m.end - m.start, size = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), to;
		void *dst;

		mods[i - 1] = m;
		if (!seg_overlaps_any(img, m.start, m.end))
			continue;
		if (!have_free && !unclaimed_ram(mbi, img, &free))
			guest_load_fail("L2's memory map has more ranges than the loader holds");
		have_free = true;
		to = mem_ranges_find(&free, size ? size : PAGE_SIZE, PAGE_SIZE);
		dst = to ? guest_mem_ptr(to, len) : NULL;
		if (!dst)
			guest_load_fail("module %u (%lu bytes) lies where the kernel loads, and L2 has "
					"no free RAM below 4 GiB to move it to", i, len);
		memmove(dst, (const void *)(uintptr_t)m.start, len);
		mem_ranges_remove(&free, to, to + size);
		log_info("L2 module %u at %#lx-%#lx lies where the kernel loads: moved to %#lx", i,
			 m.start, m.end, to);
		mods[i - 1] = (struct mb2_module){ to, to + len, m.cmdline };
	}
	return mbi->n_modules - 1;
}

const struct mb2_mmap_entry *guest_load_mmap(const struct mb2_info *mbi, unsigned *n)
{
	static struct mb2_mmap_entry e820[MB2_MAX_MMAP * 2];

	*n = (unsigned)guest_e820_build(mbi->mmap, mbi->n_mmap, &hv_private, e820,
					MB2_MAX_MMAP * 2);
	return e820;
}

static void build_info(const struct mb2_info *mbi, const struct mb2_module *mods,
		       unsigned n_mods)
{
	void *buf = guest_mem_ptr(GUEST_INFO_GPA, GUEST_INFO_MAX);
	struct guest_boot_info gbi = {
		.cmdline = mbi->modules[0].cmdline,
		.modules = mods,
		.n_modules = n_mods,
		.rsdp_v1 = mbi->rsdp,
	};

	gbi.mmap = guest_load_mmap(mbi, &gbi.n_mmap);

	if (!buf || !gbi.n_mmap || !guest_boot_info_build(&gbi, buf, GUEST_INFO_MAX))
		guest_load_fail("cannot build the guest's boot information at %#lx (%lu bytes)",
				(uint64_t)GUEST_INFO_GPA, (uint64_t)GUEST_INFO_MAX);
}

/* A test guest: an ELF64 kernel with a Multiboot2 header. */
static void load_multiboot2(const struct mb2_info *mbi, struct guest_boot *boot)
{
	const struct mb2_module *mod = &mbi->modules[0];
	const void *bytes = (const void *)(uintptr_t)mod->start;
	size_t len = mod->end - mod->start;
	struct elf64_image img;
	enum elf64_error err = elf64_parse(bytes, len, &img);

	if (err != ELF64_OK)
		guest_load_fail("module 0 (\"%s\") has a Multiboot2 header but is not an ELF64 "
				"kernel: %s", mod->cmdline, elf64_strerror(err));
	static struct mb2_module mods[MB2_MAX_MODULES];
	unsigned n_mods = guest_load_place_modules(mbi, &img, mods);

	guest_load_segments(mbi, &img);
	build_info(mbi, mods, n_mods);
	*boot = (struct guest_boot){
		.mode = GUEST_PROTECTED32,
		.rip = elf64_entry_paddr(&img),
		.rax = MB2_BOOTLOADER_MAGIC,
		.rbx = GUEST_INFO_GPA,
		.cs = GUEST_CODE_SEL,
		.ds = GUEST_DATA_SEL,
	};
	log_info("L2: test guest \"%s\", entry %#lx, %u modules of its own", mod->cmdline,
		 boot->rip, mbi->n_modules - 1);
	log_mline("guest", "kind=multiboot2 entry=%#lx modules=%u", boot->rip, mbi->n_modules - 1);
}

/*
 * A bzImage has the boot sector's 0xaa55 and the setup header's "HdrS"
 * (boot.rst); whether it is one Linux can boot, the Linux loader says.
 */
static bool is_bzimage(const struct mb2_module *mod)
{
	struct bzimage_info info;
	enum bzimage_error err = bzimage_parse((const void *)(uintptr_t)mod->start,
					       mod->end - mod->start, &info);

	return err != BZIMAGE_ERR_TRUNCATED && err != BZIMAGE_ERR_BOOT_FLAG &&
	       err != BZIMAGE_ERR_MAGIC;
}

/* GRUB's order: a Multiboot2 header wins over a Multiboot v1 one. */
void guest_load(const struct mb2_info *mbi, struct guest_boot *boot)
{
	const struct mb2_module *mod = &mbi->modules[0];
	const void *bytes = (const void *)(uintptr_t)mod->start;
	size_t len = mod->end - mod->start;
	struct mb1_header mb1;

	if (is_bzimage(mod))
		guest_load_linux(mbi, boot);
	else if (elf64_has_multiboot2(bytes, len))
		load_multiboot2(mbi, boot);
	else if (mb1_find_header(bytes, len, &mb1))
		guest_load_mb1(mbi, boot);
	else
		guest_load_fail("module 0 (\"%s\") is neither a bzImage nor a Multiboot2 or "
				"Multiboot v1 kernel", mod->cmdline);
}
