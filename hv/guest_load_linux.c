/*
 * guest_load_linux.c - boots a bzImage by the Linux x86 boot protocol's
 * 64-bit entry (Documentation/arch/x86/boot.rst): the protected-mode kernel
 * at its load address, the initrd high in RAM, and in L2's low RAM the zero
 * page, the command line, a GDT and identity page tables.
 */
#include "boot_mem.h"
#include "bzimage.h"
#include "guest_acpi.h"
#include "guest_e820.h"
#include "guest_load.h"
#include "guest_load_linux.h"
#include "guest_mem.h"
#include "lib/string.h"
#include "x86.h"

/* boot.rst "64-bit Boot Protocol": the selectors the GDT must give. */
#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define GDT_CODE64 0x00af9b000000ffffull /* flat, present, exec/read, L, G */
#define GDT_DATA 0x00cf93000000ffffull   /* flat, present, read/write, D/B, G */

/*
 * The loader's low RAM, a page each. Linux never allocates from the first
 * MiB (reserve_real_mode(), arch/x86/realmode/init.c), so nothing here is
 * reused while the kernel may still read it.
 */
#define LOW_BASE 0x1000ul
#define GDT_GPA 0x1000ul
#define ZERO_PAGE_GPA 0x2000ul
#define CMDLINE_GPA 0x3000ul
#define PML4_GPA 0x4000ul
#define PDPT_GPA 0x5000ul
#define PD_GPA 0x6000ul /* 2 MiB-page directories, one per GiB, to LOW_END */
#define LOW_END 0x10000ul

#define PTE_P 0x1ul
#define PTE_W 0x2ul
#define PTE_PS 0x80ul
#define CPUID_EXT_1GB_PAGES (1u << 26) /* CPUID 0x80000001 EDX */
#define GIB (1ul << 30)
#define FOUR_GIB (4 * GIB)
#define LOW_MIB (1ul << 20)

static struct mb2_mmap_entry e820[MB2_MAX_MMAP * 2];
static unsigned n_e820;

/* One image to copy from where GRUB put it to where the kernel wants it. */
struct move {
	uint64_t src, dst, len;
};

/* Whether [a, a + alen) and [b, b + blen) share a byte. */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Where the kernel and initrd may go: L2's RAM above 1 MiB, below 4 GiB (our reach). */
static void placeable_ram(struct mem_ranges *ram)
{
	for (unsigned i = 0; i < n_e820; i++)
		if (e820[i].type == MB2_MEM_AVAILABLE)
			mem_ranges_add(ram, e820[i].base, e820[i].base + e820[i].len);
	mem_ranges_remove(ram, 0, LOW_MIB);
	mem_ranges_remove(ram, FOUR_GIB, UINT64_MAX);
}

/* The end of L2's highest RAM, rounded up to a GiB, and at least 4 GiB. */
static uint64_t ram_top(void)
{
	uint64_t top = FOUR_GIB;

	for (unsigned i = 0; i < n_e820; i++)
		if (e820[i].type == MB2_MEM_AVAILABLE && e820[i].base + e820[i].len > top)
			top = (e820[i].base + e820[i].len + GIB - 1) & ~(GIB - 1);
	return top;
}

/* Checks that the low pages are L2's RAM and hold no module. */
static void check_low_ram(const struct mb2_info *mbi)
{
	if (!guest_mem_ptr(LOW_BASE, LOW_END - LOW_BASE))
		guest_load_fail("L2's low RAM %#lx-%#lx for the zero page and page tables is "
				"not RAM it owns", LOW_BASE, LOW_END);
	for (unsigned i = 0; i < mbi->n_modules; i++)
		if (overlaps(LOW_BASE, LOW_END - LOW_BASE, mbi->modules[i].start,
			     mbi->modules[i].end - mbi->modules[i].start))
			guest_load_fail("module %u lies in the loader's low RAM at %#lx", i,
					mbi->modules[i].start);
}

/*
 * Copies both images, the one whose source the other's place covers first
 * (GRUB may have put a module where the other image goes). memmove: an image
 * may overlap its own place.
 */
static void move_images(struct move *a, struct move *b)
{
	struct move *tmp;

	if (overlaps(a->dst, a->len, b->src, b->len)) {
		tmp = a;
		a = b;
		b = tmp;
	}
	if (overlaps(a->dst, a->len, b->src, b->len))
		guest_load_fail("the kernel and the initrd each lie where the other goes "
				"(%#lx, %#lx): give the machine more memory", a->src, b->src);
	memmove((void *)(uintptr_t)a->dst, (const void *)(uintptr_t)a->src, a->len);
	memmove((void *)(uintptr_t)b->dst, (const void *)(uintptr_t)b->src, b->len);
}

/* The zero page (zero-page.rst) at ZERO_PAGE_GPA, the command line at CMDLINE_GPA. */
static void build_zero_page(const struct bzimage_info *info, const struct move *kernel,
			    const struct move *initrd, const char *cmdline)
{
	static struct e820_entry table[BZIMAGE_E820_MAX];
	size_t len = strlen(cmdline);
	struct bzimage_load load = {
		.kernel_gpa = kernel->dst,
		.cmdline_gpa = CMDLINE_GPA,
		.initrd_gpa = initrd->dst,
		.initrd_size = initrd->len,
		.rsdp_gpa = guest_acpi_get()->rsdp_phys,
		.e820 = table,
		.n_e820 = n_e820,
	};
	uint64_t max = info->cmdline_size < PAGE_SIZE ? info->cmdline_size : PAGE_SIZE - 1;
	enum bzimage_error err;

	if (len > max)
		guest_load_fail("the kernel's command line is %zu bytes, it takes at most %lu",
				len, max);
	memcpy((void *)(uintptr_t)CMDLINE_GPA, cmdline, len + 1);
	for (unsigned i = 0; i < n_e820 && i < BZIMAGE_E820_MAX; i++)
		table[i] = (struct e820_entry){ e820[i].base, e820[i].len, e820[i].type };
	err = bzimage_build_params(info, &load, (void *)(uintptr_t)ZERO_PAGE_GPA);
	if (err)
		guest_load_fail("cannot build the zero page: %s", bzimage_strerror(err));
}

/* __BOOT_CS and __BOOT_DS, both flat (boot.rst "64-bit Boot Protocol"). */
static void build_gdt(void)
{
	uint64_t *gdt = (uint64_t *)(uintptr_t)GDT_GPA;

	memset(gdt, 0, PAGE_SIZE);
	gdt[BOOT_CS / 8] = GDT_CODE64;
	gdt[BOOT_DS / 8] = GDT_DATA;
}

/*
 * Identity page tables over [0, top): 1 GiB pages where the CPU has them,
 * else 2 MiB pages (SDM Vol. 3A 4.5). The protocol needs the kernel, the
 * zero page and the command line mapped; this maps all of L2's RAM.
 */
static void build_page_tables(uint64_t top)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)PML4_GPA, *pdpt = (uint64_t *)(uintptr_t)PDPT_GPA;
	bool gib_pages = cpuid(0x80000001, 0).edx & CPUID_EXT_1GB_PAGES;
	uint64_t n_gib = top / GIB;

	if (n_gib > PAGE_SIZE / 8 || (!gib_pages && PD_GPA + n_gib * PAGE_SIZE > LOW_END))
		guest_load_fail("cannot identity-map L2's %lu GiB with %s pages", n_gib,
				gib_pages ? "1 GiB" : "2 MiB");
	memset(pml4, 0, 2 * PAGE_SIZE);
	pml4[0] = PDPT_GPA | PTE_P | PTE_W;
	for (uint64_t g = 0; g < n_gib; g++) {
		uint64_t *pd = (uint64_t *)(uintptr_t)(PD_GPA + g * PAGE_SIZE);

		if (gib_pages) {
			pdpt[g] = (g * GIB) | PTE_P | PTE_W | PTE_PS;
			continue;
		}
		pdpt[g] = (uint64_t)(uintptr_t)pd | PTE_P | PTE_W;
		for (uint64_t i = 0; i < PAGE_SIZE / 8; i++)
			pd[i] = (g * GIB + (i << 21)) | PTE_P | PTE_W | PTE_PS;
	}
}

/* The bzImage in module 0, checked (boot.rst "The Real-Mode Kernel Header"). */
static void parse_kernel(const struct mb2_module *mod, struct bzimage_info *info)
{
	enum bzimage_error err = bzimage_parse((const void *)(uintptr_t)mod->start,
					       mod->end - mod->start, info);

	if (err)
		guest_load_fail("module 0 (\"%s\") is not a bootable bzImage: %s", mod->cmdline,
				bzimage_strerror(err));
}

/* Where the kernel and the initrd go, in L2's RAM as its e820 says. */
static void place_images(const struct bzimage_info *info, struct move *kernel,
			 struct move *initrd)
{
	static struct mem_range storage[MB2_MAX_MMAP * 2];
	struct mem_ranges ram = { storage, 0, MB2_MAX_MMAP * 2 };

	placeable_ram(&ram);
	kernel->dst = bzimage_kernel_addr(info, &ram);
	if (!kernel->dst)
		guest_load_fail("no room for the kernel's %#x bytes (init_size) in L2's RAM "
				"from %#lx", info->init_size, info->pref_address);
	if (!initrd->len)
		return;
	initrd->dst = bzimage_initrd_addr(info, &ram, kernel->dst, initrd->len);
	if (!initrd->dst)
		guest_load_fail("no room for the initrd's %lu bytes in L2's RAM below %#lx",
				initrd->len, (uint64_t)info->initrd_addr_max + 1);
}

void guest_load_linux(const struct mb2_info *mbi, struct guest_boot *boot)
{
	const struct mb2_module *mod = &mbi->modules[0];
	struct bzimage_info info;
	struct move kernel = { 0 }, initrd = { 0 };

	if (mbi->n_modules > 2)
		guest_load_fail("Linux takes a kernel and one initrd; got %u modules",
				mbi->n_modules);
	parse_kernel(mod, &info);
	n_e820 = (unsigned)guest_e820_build(mbi->mmap, mbi->n_mmap, &hv_private, e820,
					   MB2_MAX_MMAP * 2);
	if (!n_e820)
		guest_load_fail("cannot build L2's memory map from %u entries", mbi->n_mmap);
	check_low_ram(mbi);
	kernel.src = mod->start + info.kernel_offset;
	kernel.len = info.kernel_size;
	if (mbi->n_modules == 2) {
		initrd.src = mbi->modules[1].start;
		initrd.len = mbi->modules[1].end - mbi->modules[1].start;
	}
	place_images(&info, &kernel, &initrd);
	move_images(&kernel, &initrd);
	build_zero_page(&info, &kernel, &initrd, mod->cmdline);
	build_gdt();
	build_page_tables(ram_top());
	/* 64-bit mode, paging on, interrupts off (vmcs_setup: RFLAGS = 2). */
	*boot = (struct guest_boot){
		.mode = GUEST_LONG64,
		.rip = kernel.dst + BZIMAGE_ENTRY64_OFFSET,
		.rsi = ZERO_PAGE_GPA,
		.cr3 = PML4_GPA,
		.gdt_base = GDT_GPA,
		.gdt_limit = BOOT_DS + 7,
		.cs = BOOT_CS,
		.ds = BOOT_DS,
	};
	log_info("L2: Linux (boot protocol %u.%02u), kernel %#lx-%#lx (init_size %#x), initrd "
		 "%#lx-%#lx, command line \"%s\"", info.version >> 8, info.version & 0xff,
		 kernel.dst, kernel.dst + kernel.len, info.init_size, initrd.dst,
		 initrd.dst + initrd.len, mod->cmdline);
	log_mline("guest", "kind=linux protocol=%#x entry=%#lx kernel=%#lx init_size=%#x "
		  "initrd=%#lx initrd_size=%lu e820=%u rsdp=%#lx", info.version, boot->rip,
		  kernel.dst, info.init_size, initrd.dst, initrd.len, n_e820,
		  guest_acpi_get()->rsdp_phys);
}
