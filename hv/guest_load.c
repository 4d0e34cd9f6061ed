/*
 * guest_load.c - hands a bzImage to the Linux loader and a Multiboot v1
 * kernel to guest_load_mb1.c, and loads a test guest
 * the way GRUB would: its PT_LOAD segments at their physical addresses, a
 * Multiboot2 information structure at GUEST_INFO_GPA (memory map without the
 * hypervisor, its modules, the ACPI RSDP), and 32-bit protected-mode entry
 * with EAX = magic, EBX = info (Multiboot2 spec 3.3).
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

void guest_load_segments(const struct mb2_info *mbi, const struct elf64_image *img)
{
	const struct mb2_module *mod = &mbi->modules[0];
	const uint8_t *src = (const uint8_t *)(uintptr_t)mod->start;

	for (unsigned i = 0; i < img->n_seg; i++) {
		const struct elf64_segment *s = &img->seg[i];
		uint8_t *dst = guest_mem_ptr(s->paddr, s->memsz);

		if (!dst)
			guest_load_fail("guest segment %#lx+%#lx is not guest RAM", s->paddr,
					s->memsz);
		for (unsigned m = 0; m < mbi->n_modules; m++)
			if (s->paddr < mbi->modules[m].end &&
			    s->paddr + s->memsz > mbi->modules[m].start)
				guest_load_fail("guest segment %#lx-%#lx overlaps module %u at "
						"%#lx-%#lx", s->paddr, s->paddr + s->memsz, m,
						mbi->modules[m].start, mbi->modules[m].end);
		if (s->paddr < GUEST_INFO_GPA + GUEST_INFO_MAX &&
		    s->paddr + s->memsz > GUEST_INFO_GPA)
			guest_load_fail("guest segment %#lx-%#lx overlaps the boot information at "
					"%#llx-%#llx", s->paddr, s->paddr + s->memsz, GUEST_INFO_GPA,
					GUEST_INFO_GPA + GUEST_INFO_MAX);
		memcpy(dst, src + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
		log_info("L2 segment %u: %#lx-%#lx", i, s->paddr, s->paddr + s->memsz);
	}
}

const struct mb2_mmap_entry *guest_load_mmap(const struct mb2_info *mbi, unsigned *n)
{
	static struct mb2_mmap_entry e820[MB2_MAX_MMAP * 2];

	*n = (unsigned)guest_e820_build(mbi->mmap, mbi->n_mmap, &hv_private, e820,
					MB2_MAX_MMAP * 2);
	return e820;
}

static void build_info(const struct mb2_info *mbi)
{
	void *buf = guest_mem_ptr(GUEST_INFO_GPA, GUEST_INFO_MAX);
	struct guest_boot_info gbi = {
		.cmdline = mbi->modules[0].cmdline,
		.modules = mbi->modules + 1,
		.n_modules = mbi->n_modules - 1,
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
	guest_load_segments(mbi, &img);
	build_info(mbi);
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
