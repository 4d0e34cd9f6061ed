/*
 * header.S - the Multiboot v1 header (Multiboot 0.6.96, 3.1) that makes the
 * mb1 guest a kernel QEMU's -kernel, GRUB's `multiboot` and the hypervisor's
 * Multiboot v1 loader all accept. No a.out kludge: the loader reads the ELF32
 * program headers. Entry is hv/lib/boot64.S's boot_entry32 (ELF e_entry).
 */
#define MB1_HEADER_MAGIC 0x1badb002
#define MB1_PAGE_ALIGN (1 << 0)
#define MB1_MEMINFO (1 << 1)
#define MB1_FLAGS (MB1_PAGE_ALIGN | MB1_MEMINFO)

	.section .multiboot1, "a"
	.balign 4
	.long MB1_HEADER_MAGIC
	.long MB1_FLAGS
	.long -(MB1_HEADER_MAGIC + MB1_FLAGS)
