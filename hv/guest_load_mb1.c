/*
 * guest_load_mb1.c - loads a Multiboot v1 kernel as GRUB's `multiboot`
 * command would: its segments (ELF or a.out kludge) at their physical
 * addresses, the boot information at GUEST_INFO_GPA (memory sizes and map
 * without the hypervisor, command line, modules), and 32-bit protected-mode
 * entry with EAX = 0x2BADB002, EBX = the information (Multiboot 0.6.96, 3.2).
 */
#include "guest_boot_info.h"
#include "guest_load.h"
#include "guest_load_mb1.h"
#include "guest_mem.h"
#include "multiboot1.h"

#define MODULE_ALIGN 4096u

/* How the kernel was loaded, for the log. */
static const char *format_name(const struct mb1_kernel *k)
{
	return k->elf_class == 32 ? "elf32" : k->elf_class == 64 ? "elf64" : "aout-kludge";
}

/* The header's requirements this loader meets, refused where it cannot. */
static void check_requirements(const struct mb1_header *h, const struct mb2_module *mods,
			       unsigned n_mods)
{
	if (h->flags & MB1_HDR_PAGE_ALIGN)
		for (unsigned i = 0; i < n_mods; i++)
			if (mods[i].start % MODULE_ALIGN)
				guest_load_fail("the kernel wants page-aligned modules; module %u "
						"lies at %#lx", i + 1, mods[i].start);
	if (h->flags & MB1_HDR_VIDEO)
		log_warn("L2 kernel asks for video mode %u (%ux%ux%u): it keeps the VGA text "
			 "mode and gets no video information", h->mode_type, h->width, h->height,
			 h->depth);
}

static void build_info(const struct mb2_info *mbi, const struct mb2_module *mods,
		       unsigned n_mods)
{
	void *buf = guest_mem_ptr(GUEST_INFO_GPA, GUEST_INFO_MAX);
	struct mb1_info_in in = {
		.cmdline = mbi->modules[0].cmdline,
		.loader_name = GUEST_BOOT_LOADER_NAME,
		.modules = mods,
		.n_modules = n_mods,
	};

	in.mmap = guest_load_mmap(mbi, &in.n_mmap);
	if (!buf || !in.n_mmap || !mb1_info_build(&in, buf, GUEST_INFO_MAX, GUEST_INFO_GPA))
		guest_load_fail("cannot build the Multiboot v1 information at %#lx (%lu bytes)",
				(uint64_t)GUEST_INFO_GPA, (uint64_t)GUEST_INFO_MAX);
}

void guest_load_mb1(const struct mb2_info *mbi, struct guest_boot *boot)
{
	const struct mb2_module *mod = &mbi->modules[0];
	struct mb1_kernel k;
	enum mb1_error err = mb1_parse_kernel((const void *)(uintptr_t)mod->start,
					      mod->end - mod->start, &k);

	if (err == MB1_ERR_ELF)
		guest_load_fail("module 0 (\"%s\"): Multiboot v1 header at offset %#x, but %s: %s",
				mod->cmdline, k.hdr.offset, mb1_strerror(err),
				elf64_strerror(k.elf_err));
	if (err)
		guest_load_fail("module 0 (\"%s\"): Multiboot v1 header at offset %#x (flags "
				"%#x): %s", mod->cmdline, k.hdr.offset, k.hdr.flags,
				mb1_strerror(err));
	static struct mb2_module mods[MB2_MAX_MODULES];
	unsigned n_mods = guest_load_place_modules(mbi, &k.img, mods);

	check_requirements(&k.hdr, mods, n_mods);
	guest_load_segments(mbi, &k.img);
	build_info(mbi, mods, n_mods);
	*boot = (struct guest_boot){
		.mode = GUEST_PROTECTED32,
		.rip = k.entry,
		.rax = MB1_BOOTLOADER_MAGIC,
		.rbx = GUEST_INFO_GPA,
		.cs = GUEST_CODE_SEL,
		.ds = GUEST_DATA_SEL,
	};
	log_info("L2: Multiboot v1 kernel \"%s\" (%s), header flags %#x, entry %#lx, %u modules "
		 "of its own", mod->cmdline, format_name(&k), k.hdr.flags, boot->rip,
		 mbi->n_modules - 1);
	log_mline("guest", "kind=multiboot1 format=%s flags=%#x entry=%#lx modules=%u",
		  format_name(&k), k.hdr.flags, boot->rip, mbi->n_modules - 1);
}
