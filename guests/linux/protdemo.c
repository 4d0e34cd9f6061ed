/*
 * protdemo.c - /bin/protdemo in the Linux initramfs (kernel argument
 * hvprot=1): per-program protection tables under an unmodified Linux. It
 * puts a secret in a shared page, registers a table for every other
 * program (the kernel's text read+execute only, the secret unreachable)
 * and one for itself (the kernel's text read+execute only, the secret
 * read+write), both with the #GP policy, then forks: the child, another
 * program sharing the page, reads the secret and must die of SIGSEGV
 * while the parent still reads it. A keeper process holds the page until
 * power-off, so the kernel never reuses it. Lines: "@linux prot ...".
 * Static, no libc: raw system calls (x86-64 Linux ABI).
 */
#include <stdbool.h>
#include <stdint.h>

#include "hypercall.h"

#define SYS_read 0
#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_mmap 9
#define SYS_pread64 17
#define SYS_pause 34
#define SYS_fork 57
#define SYS_exit 60
#define SYS_wait4 61
#define SYS_ioctl 16
#define SYS_mlock 149
#define TCSBRK 0x5409
#define PAGE 4096ul
#define SECRET 0x5ec12e75ec12e7ull
#define SIGSEGV 11

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys3(nr, a, b, c) sys6(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static char out[256];
static unsigned outlen;

static void put(const char *s)
{
	while (*s && outlen < sizeof(out) - 1)
		out[outlen++] = *s++;
}

static void put_hex(uint64_t v)
{
	char b[19];
	int i = sizeof(b);

	do {
		b[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && i > 2);
	b[--i] = 'x';
	b[--i] = '0';
	while (i < (int)sizeof(b) && outlen < sizeof(out) - 1)
		out[outlen++] = b[i++];
}

static void flush_line(void)
{
	out[outlen++] = '\n';
	sys3(SYS_write, 1, out, outlen);
	outlen = 0;
}

__attribute__((noreturn)) static void finish(const char *line, int code)
{
	put(line);
	flush_line();
	sys3(SYS_exit, code, 0, 0);
	__builtin_unreachable();
}

static bool hv_present(void)
{
	uint32_t a = 0x40000000, b, c, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return b == 0x7473654e && c == 0x56486465 && d == 0x726f7369; /* "NestedHVisor" */
}

/* The guest-physical address of the page at va (it must be present). */
static uint64_t phys_of(const void *va)
{
	uint64_t entry = 0;
	long fd = sys3(SYS_open, "/proc/self/pagemap", 0, 0);

	if (fd < 0)
		return 0;
	sys6(SYS_pread64, fd, (long)&entry, 8, (long)((uint64_t)va / PAGE * 8), 0, 0);
	sys3(SYS_close, fd, 0, 0);
	return entry >> 63 ? (entry & ((1ull << 55) - 1)) * PAGE : 0;
}

/* HC_PROT_REGISTER of the table at t, which must not cross a page: it takes its physical address. */
static long hc_register(const struct hc_prot_table *t, uint64_t flags)
{
	long ret, rbx = 0;
	uint64_t pa = phys_of(t);

	if (!pa)
		return HC_ERR_INVAL;
	pa += (uint64_t)t % PAGE;
	__asm__ volatile("vmcall"
			 : "=a"(ret), "+b"(rbx)
			 : "a"((long)HC_PROT_REGISTER), "c"(pa), "d"(flags)
			 : "memory");
	return ret;
}

static bool starts_with(const char *s, const char *prefix)
{
	while (*prefix && *s == *prefix)
		s++, prefix++;
	return !*prefix;
}

static uint64_t parse_hex(const char **p)
{
	uint64_t v = 0;

	for (;; (*p)++) {
		char c = **p;

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return v;
	}
}

/* The "Kernel code" range of /proc/iomem, page-rounded; false if not found. */
static bool kernel_text(uint64_t *base, uint64_t *end)
{
	static char buf[16384];
	long fd = sys3(SYS_open, "/proc/iomem", 0, 0), n = 0, r;

	if (fd < 0)
		return false;
	while (n < (long)sizeof(buf) - 1 && (r = sys3(SYS_read, fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	sys3(SYS_close, fd, 0, 0);
	buf[n > 0 ? n : 0] = 0;
	for (const char *l = buf; *l;) {
		const char *p = l, *name;

		while (*p == ' ')
			p++;
		*base = parse_hex(&p);
		p++; /* '-' */
		*end = parse_hex(&p);
		name = p + 3; /* " : " */
		if (starts_with(name, "Kernel code\n")) {
			*base &= ~(PAGE - 1);
			*end = (*end + PAGE) & ~(PAGE - 1); /* iomem ends are inclusive */
			return *end > *base;
		}
		while (*l && *l != '\n')
			l++;
		if (*l)
			l++;
	}
	return false;
}

struct table2 {
	struct hc_prot_table h;
	struct hc_prot_region r[2];
};

/* The two tables, in a page of their own (mlocked: their physical address stays). */
static struct table2 tables[2] __attribute__((aligned(PAGE)));

void _start(void)
{
	volatile uint64_t *secret;
	uint64_t gpa, text, text_end;
	struct table2 *others = &tables[0], *mine = &tables[1];
	long child, status = 0, r1, r2;

	if (!hv_present())
		finish("@linux prot skipped=\"no hypervisor\"", 0);
	secret = (volatile uint64_t *)sys6(SYS_mmap, 0, PAGE, 3 /* RW */,
					   0x21 /* MAP_SHARED|ANONYMOUS */, -1, 0);
	*secret = SECRET;
	sys3(SYS_mlock, secret, PAGE, 0);
	gpa = phys_of((const void *)secret);
	if (!gpa || !kernel_text(&text, &text_end))
		finish("@linux prot skipped=\"no pagemap or /proc/iomem kernel code\"", 1);
	*others = (struct table2){ { HC_PROT_INJECT_GP, 2 },
				   { { text, text_end - text, HC_PROT_R | HC_PROT_X, 0 },
				     { gpa, PAGE, 0, 0 } } };
	*mine = *others;
	mine->r[1].rights = HC_PROT_R | HC_PROT_W;
	sys3(SYS_mlock, tables, sizeof(tables), 0);
	r1 = hc_register(&others->h, HC_PROT_FOR_OTHERS);
	r2 = r1 == HC_OK ? hc_register(&mine->h, 0) : 0;
	put("@linux prot register_others=");
	put_hex((uint64_t)r1);
	put(" register_mine=");
	put_hex((uint64_t)r2);
	put(" secret_gpa=");
	put_hex(gpa);
	put(" kernel_text=");
	put_hex(text);
	put("-");
	put_hex(text_end);
	if (r1 != HC_OK || r2 != HC_OK)
		finish(r1 == HC_ERR_PROT_OFF ? " skipped=\"protect=off\"" : " result=fail", 1);
	flush_line();
	sys3(SYS_ioctl, 1, TCSBRK, 1); /* drained: the hypervisor's lines come after it */
	child = sys3(SYS_fork, 0, 0, 0);
	if (child == 0) {
		put("@linux prot-child reading=");
		put_hex(gpa);
		flush_line();
		sys3(SYS_ioctl, 1, TCSBRK, 1);
		put("@linux prot-child read=");
		put_hex(*secret); /* another program: the hypervisor's #GP, SIGSEGV */
		finish("", 0);
	}
	sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
	put("@linux prot child=");
	put((status & 0x7f) == SIGSEGV ? "sigsegv" : "not-stopped");
	put(" own_read=");
	put(*secret == SECRET ? "ok" : "wrong");
	if (sys3(SYS_fork, 0, 0, 0) == 0)
		for (;;)
			sys3(SYS_pause, 0, 0, 0); /* the keeper: holds the page until power-off */
	finish((status & 0x7f) == SIGSEGV && *secret == SECRET ? " result=pass" : " result=fail",
	       0);
}
