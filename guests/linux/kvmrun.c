/*
 * kvmrun.c - /bin/kvmrun in the kvmbench initramfs: the minimal KVM runner
 * of the trap-cost bench's peer configuration (Linux with kvm_intel as L1).
 * It boots one Multiboot2 test guest (trapbench) under /dev/kvm the way
 * GRUB and the hypervisor do (32-bit protected mode, paging off, EAX = the
 * Multiboot2 magic, EBX = the boot information) and serves the exits the
 * guest needs in user space: COM1 (its lines go to stdout unchanged, so
 * the bench parses them as it parses the hypervisor's), port 0xe0 (IN
 * answers 0xe0, as the hypervisor does), port 0x80, the power-off ports,
 * and the test MMIO device at 0xd0000000 (the hypervisor's own model, see
 * kvmrun_mmio.h). KVM's in-kernel irqchip owns the local APIC and the PICs;
 * HLT, VMCALL (-KVM_ENOSYS), MSRs and control registers never leave the
 * kernel. Any other exit ends the run with the vCPU's registers: nothing
 * is silently ignored. The last line is "@kvm verdict result=pass|fail".
 * Where KVM offers VMX (kvm_intel nested=1) the guest gets it, with
 * IA32_FEATURE_CONTROL locked and enabled as firmware leaves it, so a guest
 * hypervisor (minihv) runs its own guest: "@kvm cpu vmx=0|1" says which.
 * Port KVMRUN_PORT_EXIT_COUNT reads KVM's exit count of the vCPU, so the
 * guest can count the exits into L1 around what it times (kvmrun_port.h).
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmrun_mmio.h"
#include "kvmrun_port.h"

#define MEM_DEFAULT_MB 64
#define INFO_GPA 0x10000ull    /* the Multiboot2 information, below the guest's 16 MiB image */
#define INFO_MAX 0x1000u
#define LOW_MEM_END 0x9fc00ull /* conventional memory, as a PC's BIOS reports it */
#define HIGH_MEM 0x100000ull
#define TSS_GPA 0xfffbd000ull  /* three pages KVM needs on Intel (KVM_SET_TSS_ADDR) */
#define MB2_MAGIC 0x36d76289u
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_MEM_AVAILABLE 1

#define COM1 0x3f8
#define UART_LCR 3
#define UART_LSR 5
#define LCR_DLAB 0x80          /* registers 0 and 1 are the divisor latch */
#define LSR_IDLE 0x60          /* transmitter holding and shift registers empty */
#define PORT_EMULATED 0xe0     /* IN answers 0xe0, as under the hypervisor */
#define PORT_POST 0x80         /* POST codes: writes dropped, reads 0xff */
#define PORT_DEBUG_EXIT 0xf4   /* QEMU's isa-debug-exit: the value is the exit code */
#define PORT_BOCHS_SHUTDOWN 0x8900
#define PORTS_SEEN_MAX 64
#define CPUID1_ECX_VMX (1u << 5)
#define MSR_FEATURE_CONTROL 0x3a
#define FEATURE_CONTROL_LOCKED 1u
#define FEATURE_CONTROL_VMX 4u /* VMXON outside SMX operation */

struct vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	uint8_t *mem;
	uint64_t mem_size;
	uint64_t exits_io, exits_mmio, mmio_refused;
	struct mmio_device mmio; /* the test MMIO device, as under the hypervisor */
	struct test_mmio_state mmio_state;
	int exit_code;         /* the guest's isa-debug-exit value, -1 before */
	bool vmx;              /* the guest is offered VMX (KVM's nested VMX) */
	int stats_fd;          /* the vCPU's binary statistics (KVM_GET_STATS_FD), or -1 */
	int64_t exits_at;      /* where in it "exits" lies, or -1 */
	uint8_t uart_lcr;      /* COM1's line control register, for DLAB */
	char line[512];        /* the guest's serial line being assembled */
	size_t line_len;
	uint16_t ports_seen[PORTS_SEEN_MAX]; /* ports already reported as ignored */
	unsigned n_ports_seen;
};

/* Prints one "@kvm KIND ..." machine line. */
static void mline(const char *kind, const char *fmt, ...)
{
	va_list ap;

	printf("@kvm %s ", kind);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Reports why the run cannot go on, with the verdict, and exits. */
static void die(const char *reason, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stdout, "kvmrun: error: %s\n", msg);
	mline("verdict", "result=fail reason=%s", reason);
	exit(1);
}

static int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int r = ioctl(fd, req, arg);

	if (r < 0)
		die("kvm-ioctl", "%s: %s", what, strerror(errno));
	return r;
}

/* Reads the whole file at 'path' into a malloc'd buffer. */
static uint8_t *read_file(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		die("no-guest", "%s: %s", path, strerror(errno));
	buf = malloc((size_t)st.st_size);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size)
		die("no-guest", "%s: cannot read it", path);
	close(fd);
	*size = (size_t)st.st_size;
	return buf;
}

/* Copies the ELF64 image's PT_LOAD segments to their physical addresses; returns the entry. */
static uint64_t load_elf(struct vm *m, const uint8_t *f, size_t size)
{
	static const uint8_t ident[] = { 0x7f, 'E', 'L', 'F', 2 /* 64-bit */ };
	const struct {
		uint8_t ident[16];
		uint16_t type, machine;
		uint32_t version;
		uint64_t entry, phoff, shoff;
		uint32_t flags;
		uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
	} *eh = (const void *)f;

	if (size < sizeof(*eh) || memcmp(eh->ident, ident, sizeof(ident)) ||
	    eh->machine != 62 /* x86-64 */ || eh->phentsize < 56 ||
	    eh->phoff + (uint64_t)eh->phnum * eh->phentsize > size)
		die("bad-guest", "not an x86-64 ELF64 executable");
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct {
			uint32_t type, flags;
			uint64_t offset, vaddr, paddr, filesz, memsz, align;
		} *ph = (const void *)(f + eh->phoff + (uint64_t)i * eh->phentsize);

		if (ph->type != 1 /* PT_LOAD */)
			continue;
		if (ph->filesz > ph->memsz || ph->offset + ph->filesz > size ||
		    ph->paddr + ph->memsz > m->mem_size || ph->paddr + ph->memsz < ph->paddr)
			die("bad-guest", "segment %u (%#lx+%#lx) does not fit in %lu MiB", i,
			    (unsigned long)ph->paddr, (unsigned long)ph->memsz,
			    (unsigned long)(m->mem_size >> 20));
		memcpy(m->mem + ph->paddr, f + ph->offset, ph->filesz);
		memset(m->mem + ph->paddr + ph->filesz, 0, ph->memsz - ph->filesz);
	}
	if (eh->entry >= m->mem_size)
		die("bad-guest", "entry %#lx outside memory", (unsigned long)eh->entry);
	return eh->entry;
}

/* Appends one Multiboot2 tag (8-aligned) at *off; returns its body. */
static uint8_t *add_tag(uint8_t *info, uint32_t *off, uint32_t type, uint32_t body_len)
{
	uint32_t size = 8 + body_len;
	uint8_t *t = info + *off;

	if (*off + ((size + 7) & ~7u) + 8 > INFO_MAX)
		die("bad-cmdline", "the boot information does not fit in %u bytes", INFO_MAX);
	memcpy(t, &type, 4);
	memcpy(t + 4, &size, 4);
	*off += (size + 7) & ~7u;
	return t + 8;
}

/* Writes the Multiboot2 information (spec 3.6): command line, loader, memory. */
static void write_boot_info(struct vm *m, const char *cmdline)
{
	uint8_t *info = m->mem + INFO_GPA;
	uint32_t off = 8, zero = 0, v;
	const char loader[] = "kvmrun";
	struct {
		uint64_t base, len;
		uint32_t type, reserved;
	} mmap[2] = { { 0, LOW_MEM_END, MB2_MEM_AVAILABLE, 0 },
		      { HIGH_MEM, m->mem_size - HIGH_MEM, MB2_MEM_AVAILABLE, 0 } };
	uint8_t *t;

	memcpy(add_tag(info, &off, MB2_TAG_CMDLINE, (uint32_t)strlen(cmdline) + 1), cmdline,
	       strlen(cmdline) + 1);
	memcpy(add_tag(info, &off, MB2_TAG_LOADER_NAME, sizeof(loader)), loader, sizeof(loader));
	t = add_tag(info, &off, MB2_TAG_BASIC_MEMINFO, 8);
	v = (uint32_t)(LOW_MEM_END >> 10);
	memcpy(t, &v, 4);
	v = (uint32_t)((m->mem_size - HIGH_MEM) >> 10);
	memcpy(t + 4, &v, 4);
	t = add_tag(info, &off, MB2_TAG_MMAP, 8 + sizeof(mmap));
	v = sizeof(mmap[0]);
	memcpy(t, &v, 4);
	memcpy(t + 4, &zero, 4);
	memcpy(t + 8, mmap, sizeof(mmap));
	add_tag(info, &off, 0, 0); /* the end tag */
	memcpy(info, &off, 4);      /* total_size */
	memcpy(info + 4, &zero, 4);
}

/* A flat 4 GiB segment: code (execute/read) or data (read/write), accessed. */
static struct kvm_segment flat_segment(bool code, uint16_t selector)
{
	return (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = selector,
				     .type = code ? 0xb : 0x3, .present = 1, .dpl = 0,
				     .db = 1, .s = 1, .l = 0, .g = 1 };
}

/*
 * The Multiboot2 machine state (spec 3.3): protected mode, paging off,
 * flat CS and data segments, EFLAGS.IF clear, EAX the magic, EBX the info.
 */
static void set_entry_state(struct vm *m, uint64_t entry)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rax = MB2_MAGIC, .rbx = INFO_GPA, .rip = entry, .rflags = 0x2 };

	xioctl(m->vcpu, KVM_GET_SREGS, &s, "KVM_GET_SREGS");
	s.cs = flat_segment(true, 0x08);
	s.ds = s.es = s.fs = s.gs = s.ss = flat_segment(false, 0x10);
	s.cr0 = 0x11; /* PE, ET */
	s.cr4 = 0;
	s.efer = 0;
	xioctl(m->vcpu, KVM_SET_SREGS, &s, "KVM_SET_SREGS");
	xioctl(m->vcpu, KVM_SET_REGS, &r, "KVM_SET_REGS");
}

/*
 * With VMX offered (kvm_intel nested=1), IA32_FEATURE_CONTROL as firmware
 * leaves it: locked, VMXON outside SMX allowed (SDM Vol. 3C 24.7); KVM starts
 * it at 0, where VMXON would #GP.
 */
static void enable_vmx(struct vm *m)
{
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry entry;
	} msrs = { .head = { .nmsrs = 1 },
		   .entry = { .index = MSR_FEATURE_CONTROL,
			      .data = FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX } };

	if (ioctl(m->vcpu, KVM_SET_MSRS, &msrs) != 1)
		die("kvm-ioctl", "KVM_SET_MSRS IA32_FEATURE_CONTROL: %s", strerror(errno));
}

/*
 * The CPUID KVM supports, unedited: the guest sees KVM's signature at
 * 0x40000000, and VMX (CPUID.1:ECX[5]) exactly when kvm_intel has nested=1.
 */
static void set_cpuid(struct vm *m)
{
	unsigned n = 128;
	struct kvm_cpuid2 *c;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			die("no-memory", "calloc");
		c->nent = n;
		if (ioctl(m->kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		if (errno != E2BIG)
			die("kvm-ioctl", "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		free(c);
		n *= 2;
	}
	xioctl(m->vcpu, KVM_SET_CPUID2, c, "KVM_SET_CPUID2");
	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			m->vmx = c->entries[i].ecx & CPUID1_ECX_VMX;
	free(c);
	if (m->vmx)
		enable_vmx(m);
	mline("cpu", "vmx=%d", m->vmx);
}

/* Finds the vCPU's "exits" statistic (Documentation/virt/kvm/api.rst, KVM_GET_STATS_FD). */
static void stats_open(struct vm *m)
{
	struct kvm_stats_header h;
	size_t size = 0;
	uint8_t *descs = NULL;

	m->exits_at = -1;
	m->stats_fd = ioctl(m->vcpu, KVM_GET_STATS_FD, NULL);
	if (m->stats_fd >= 0 && pread(m->stats_fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h)) {
		size = sizeof(struct kvm_stats_desc) + h.name_size;
		descs = malloc(size * h.num_desc);
	}
	if (descs && pread(m->stats_fd, descs, size * h.num_desc, h.desc_offset) ==
			     (ssize_t)(size * h.num_desc)) {
		for (uint32_t i = 0; i < h.num_desc; i++) {
			const struct kvm_stats_desc *d = (const void *)(descs + i * size);

			if (!strncmp(d->name, "exits", h.name_size))
				m->exits_at = (int64_t)h.data_offset + d->offset;
		}
	}
	free(descs);
	mline("stats", "exit_count_port=%#x exits=%s", KVMRUN_PORT_EXIT_COUNT,
	      m->exits_at < 0 ? "none" : "kvm-stats");
}

/* The vCPU's exits into KVM so far, or KVMRUN_NO_COUNT. */
static uint32_t stats_exits(struct vm *m)
{
	uint64_t v;

	if (m->exits_at < 0 || pread(m->stats_fd, &v, sizeof(v), m->exits_at) != (ssize_t)sizeof(v))
		return KVMRUN_NO_COUNT;
	return (uint32_t)v;
}

static void vm_create(struct vm *m, uint64_t mem_mb)
{
	struct kvm_userspace_memory_region region;
	int api, run_size;

	m->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (m->kvm < 0)
		die("no-dev-kvm", "/dev/kvm: %s", strerror(errno));
	api = ioctl(m->kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		die("kvm-api", "KVM API version %d, expected %d", api, KVM_API_VERSION);
	m->vm = xioctl(m->kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	xioctl(m->vm, KVM_SET_TSS_ADDR, (void *)(uintptr_t)TSS_GPA, "KVM_SET_TSS_ADDR");
	xioctl(m->vm, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP");
	m->mem_size = mem_mb << 20;
	m->mem = mmap(NULL, m->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->mem == MAP_FAILED)
		die("no-memory", "%lu MiB of guest memory: %s", (unsigned long)mem_mb,
		    strerror(errno));
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = m->mem_size,
		.userspace_addr = (uint64_t)(uintptr_t)m->mem,
	};
	xioctl(m->vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
	m->vcpu = xioctl(m->vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	run_size = xioctl(m->kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
	m->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->vcpu, 0);
	if (m->run == MAP_FAILED)
		die("kvm-ioctl", "mmap of kvm_run: %s", strerror(errno));
	set_cpuid(m);
	stats_open(m);
}

/* The vCPU's registers, for a run that ends on an unexpected exit. */
static void dump_vcpu(struct vm *m)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(m->vcpu, KVM_GET_REGS, &r) || ioctl(m->vcpu, KVM_GET_SREGS, &s))
		return;
	printf("kvmrun:   rax=%#llx rbx=%#llx rcx=%#llx rdx=%#llx\n", r.rax, r.rbx, r.rcx, r.rdx);
	printf("kvmrun:   rsi=%#llx rdi=%#llx rbp=%#llx rsp=%#llx\n", r.rsi, r.rdi, r.rbp, r.rsp);
	printf("kvmrun:   rip=%#llx rflags=%#llx cr0=%#llx cr3=%#llx cr4=%#llx efer=%#llx\n",
	       r.rip, r.rflags, s.cr0, s.cr3, s.cr4, s.efer);
	fflush(stdout);
}

/* One byte the guest wrote to COM1: whole lines go to stdout, carriage returns dropped. */
static void serial_out(struct vm *m, uint8_t c)
{
	if (c == '\r')
		return;
	if (c != '\n' && m->line_len < sizeof(m->line) - 1) {
		m->line[m->line_len++] = (char)c;
		return;
	}
	fwrite(m->line, 1, m->line_len, stdout);
	putchar('\n');
	fflush(stdout);
	m->line_len = 0;
}

/* A port this runner has no device for: reported once, reads give all ones. */
static void unknown_port(struct vm *m, uint16_t port, bool in)
{
	for (unsigned i = 0; i < m->n_ports_seen; i++)
		if (m->ports_seen[i] == port)
			return;
	if (m->n_ports_seen < PORTS_SEEN_MAX)
		m->ports_seen[m->n_ports_seen++] = port;
	mline("port-ignored", "port=%#x dir=%s", port, in ? "in" : "out");
}

/* One byte of port I/O; returns false once the guest has asked to power off. */
static bool port_io(struct vm *m, uint16_t port, bool in, uint8_t *data, unsigned size)
{
	uint32_t value = 0;

	memcpy(&value, data, size);
	if (port == COM1 && !in && !(m->uart_lcr & LCR_DLAB)) {
		serial_out(m, (uint8_t)value);
	} else if (port >= COM1 && port < COM1 + 8) {
		/* The rest of a 16550 that only transmits: LCR kept, the others read 0. */
		if (!in && port == COM1 + UART_LCR)
			m->uart_lcr = (uint8_t)value;
		else if (in)
			*data = port == COM1 + UART_LSR ? LSR_IDLE :
				port == COM1 + UART_LCR ? m->uart_lcr : 0;
	} else if (port == PORT_EMULATED) {
		if (in)
			memset(data, PORT_EMULATED, size);
	} else if (port == PORT_POST) {
		if (in)
			memset(data, 0xff, size);
	} else if (port == KVMRUN_PORT_EXIT_COUNT && in) {
		value = stats_exits(m);
		memcpy(data, &value, size);
	} else if (port == PORT_DEBUG_EXIT && !in) {
		m->exit_code = (int)value;
		return false;
	} else if (port == PORT_BOCHS_SHUTDOWN && !in) {
		/* The guest's second power-off port: isa-debug-exit came first. */
		return false;
	} else {
		unknown_port(m, port, in);
		if (in)
			memset(data, 0xff, size);
	}
	return true;
}

/* Serves KVM_EXIT_IO (string I/O included: count items); false ends the run. */
static bool exit_io(struct vm *m)
{
	struct kvm_run *r = m->run;
	uint8_t *data = (uint8_t *)r + r->io.data_offset;

	m->exits_io++;
	for (uint32_t i = 0; i < r->io.count; i++, data += r->io.size)
		if (!port_io(m, r->io.port, r->io.direction == KVM_EXIT_IO_IN, data, r->io.size))
			return false;
	return true;
}

/* Runs the vCPU until the guest powers off; returns the run's exit code. */
static int vm_run(struct vm *m)
{
	for (;;) {
		if (ioctl(m->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("kvm-run", "KVM_RUN: %s", strerror(errno));
		}
		switch (m->run->exit_reason) {
		case KVM_EXIT_IO:
			if (!exit_io(m))
				return m->exit_code;
			continue;
		case KVM_EXIT_INTR:
			continue;
		case KVM_EXIT_MMIO:
			m->exits_mmio++;
			if (kvmrun_mmio(&m->mmio, m->run->mmio.phys_addr, m->run->mmio.data,
					m->run->mmio.len, m->run->mmio.is_write, &m->mmio_refused))
				continue;
			printf("kvmrun: error: MMIO %s at %#llx (len %u): no device there\n",
			       m->run->mmio.is_write ? "write" : "read",
			       m->run->mmio.phys_addr, m->run->mmio.len);
			break;
		case KVM_EXIT_SHUTDOWN:
			printf("kvmrun: error: the guest shut down (triple fault)\n");
			break;
		case KVM_EXIT_FAIL_ENTRY:
			printf("kvmrun: error: VM entry failed: hardware reason %#llx\n",
			       m->run->fail_entry.hardware_entry_failure_reason);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			printf("kvmrun: error: KVM internal error, suberror %u\n",
			       m->run->internal.suberror);
			break;
		default:
			printf("kvmrun: error: unexpected KVM exit %u\n", m->run->exit_reason);
			break;
		}
		dump_vcpu(m);
		mline("verdict", "result=fail reason=kvm-exit-%u", m->run->exit_reason);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct vm m = { .exit_code = -1 };
	uint64_t mem_mb = MEM_DEFAULT_MB, entry;
	const char *cmdline = argc > 2 ? argv[2] : "";
	uint8_t *image;
	size_t size;
	int code;

	if (argc < 2 || argc > 4 || !strcmp(argv[1], "--help")) {
		fprintf(stderr, "usage: kvmrun GUEST.elf [CMDLINE [MEM_MB]]\n"
				"Boots the Multiboot2 guest under /dev/kvm; its COM1 goes to "
				"stdout; exits with its isa-debug-exit code.\n");
		return 2;
	}
	if (argc > 3)
		mem_mb = strtoull(argv[3], NULL, 0);
	if (mem_mb < 32 || mem_mb > 3072)
		die("bad-cmdline", "memory %lu MiB: 32 to 3072", (unsigned long)mem_mb);
	vm_create(&m, mem_mb);
	test_mmio_setup(&m.mmio, &m.mmio_state);
	image = read_file(argv[1], &size);
	entry = load_elf(&m, image, size);
	free(image);
	write_boot_info(&m, cmdline);
	set_entry_state(&m, entry);
	mline("setup", "guest=%s entry=%#lx mem_mb=%lu cmdline=\"%s\"", argv[1],
	      (unsigned long)entry, (unsigned long)mem_mb, cmdline);
	code = vm_run(&m);
	if (m.line_len)
		serial_out(&m, '\n');
	mline("exit", "code=%d io_exits=%lu mmio_exits=%lu mmio_refused=%lu", code,
	      (unsigned long)m.exits_io, (unsigned long)m.exits_mmio,
	      (unsigned long)m.mmio_refused);
	mline("verdict", "result=%s reason=guest-exit-%s", code == 0 ? "pass" : "fail",
	      code == 0 ? "pass" : "fail");
	return code == 0 ? 0 : 1;
}
