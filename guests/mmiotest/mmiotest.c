/*
 * mmiotest.c - the emulation conformance guest: needs the hypervisor's test
 * MMIO device (mmio_test=on, hv/emul/test_mmio.h). Checks its registers
 * (ID at every width, the counter, the width of each access, refused
 * writes), then runs every form of forms.c from the same random state
 * against RAM (natively) and against the device's scratch RAM (emulated),
 * 'iters' times each, and compares registers, flags and memory. Also: a
 * REP MOVS from the device into a page that is not present must fault
 * exactly as natively (#PF error code, CR2, the elements done); an
 * unsupported instruction (INC) gets #UD (emul_unsupported=ud); the device
 * is also reached through a guest mapping that is not 1:1 (a 2 MiB page
 * at ALIAS_LA), for the RIP-relative forms; a promoted site rewritten by the
 * guest must run its new instruction; a site patched to a VMCALL must still
 * work, read back as the original bytes, and be undone when rewritten.
 */
#include <stddef.h>

#include "apic.h"
#include "cmdline.h"
#include "emul/test_mmio.h"
#include "extable.h"
#include "forms.h"
#include "guest.h"
#include "lib/format.h"
#include "lib/string.h"
#include "smp.h"
#include "trap.h"
#include "vmcall.h"
#include "x86.h"

#define ALIAS_LA 0x40000000ull   /* 2 MiB page -> TEST_MMIO_BASE */
#define PF_LA 0x40200000ull      /* 4 KiB pages: RAM, then not present */
#define MMIO_DATA (TEST_MMIO_BASE + TEST_MMIO_SCRATCH)
#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_PS 0x80ull

struct mmiotest_options {
	uint64_t iters, seed, cpus;
};

static const struct opt_def option_table[] = {
	{ .name = "iters", .type = OPT_UINT, .offset = offsetof(struct mmiotest_options, iters),
	  .min = 1, .max = 10000, .help = "random operand sets per form" },
	{ .name = "seed", .type = OPT_UINT, .offset = offsetof(struct mmiotest_options, seed),
	  .min = 0, .max = UINT64_MAX, .help = "the operand generator's seed" },
	{ .name = "cpus", .type = OPT_UINT, .offset = offsetof(struct mmiotest_options, cpus),
	  .min = 1, .max = 2, .help = "2: also patch a site the second CPU runs (boot with --smp 2)" },
};

#define NOPTS (sizeof(option_table) / sizeof(option_table[0]))

static uint8_t exec_buf[4096] __attribute__((aligned(4096)));
static uint8_t ram_page[4096] __attribute__((aligned(4096)));   /* data at +0x800 */
static uint8_t pf_page[4096] __attribute__((aligned(4096)));
static uint64_t pf_table[512] __attribute__((aligned(4096)));
static uint64_t remap_table[512] __attribute__((aligned(4096))); /* check_patching */
static struct emul_form forms[EMUL_FORMS_MAX];

/* Copies n bytes (a multiple of 8) with one REP MOVSQ: one exit for the device. */
static void copy_qwords(void *dst, const void *src, size_t n)
{
	size_t count = n / 8;

	__asm__ volatile("cld\n\trep movsq" : "+D"(dst), "+S"(src), "+c"(count) : : "memory");
}

static uint64_t mmio_read64(uint64_t off)
{
	return *(volatile uint64_t *)(uintptr_t)(TEST_MMIO_BASE + off);
}

/* The PDE that maps linear address la (boot64.S: 2 MiB pages over 0-4 GiB). */
static uint64_t *pde_of(uint64_t la)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & ~0xfffull);
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[(la >> 30) & 511] & ~0xfffull);

	return &pd[(la >> 21) & 511];
}

static void map_test_pages(void)
{
	*pde_of(ALIAS_LA) = TEST_MMIO_BASE | PTE_P | PTE_W | PTE_PS;
	pf_table[0] = (uint64_t)(uintptr_t)pf_page | PTE_P | PTE_W;
	*pde_of(PF_LA) = (uint64_t)(uintptr_t)pf_table | PTE_P | PTE_W;
	write_cr3(read_cr3());
}

static bool check_registers(void)
{
	bool ok = true;
	uint64_t c0, c1, refused0;
	volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)TEST_MMIO_BASE;
	static const unsigned widths[] = { 1, 2, 4, 8 };

	ok &= guest_check("mmio-id", *(volatile uint32_t *)b == TEST_MMIO_ID &&
			  b[1] == 'M' && *(volatile uint16_t *)(b + 2) == 0x4f49,
			  "id=%#x", *(volatile uint32_t *)b);
	c0 = mmio_read64(TEST_MMIO_REG_COUNTER);
	c1 = mmio_read64(TEST_MMIO_REG_COUNTER);
	ok &= guest_check("mmio-counter", c1 == c0 + 1, "first=%lu second=%lu", c0, c1);
	for (unsigned i = 0; i < 4; i++) {
		volatile uint8_t *p = b + TEST_MMIO_SCRATCH + 8 * i + i;
		uint64_t w;

		switch (widths[i]) {
		case 1: *p = 0x11; break;
		case 2: *(volatile uint16_t *)p = 0x2222; break;
		case 4: *(volatile uint32_t *)p = 0x44444444; break;
		default: *(volatile uint64_t *)p = 0x8888888888888888ull; break;
		}
		w = mmio_read64(TEST_MMIO_REG_LAST_WIDTH);
		ok &= guest_check("mmio-width", w == widths[i] &&
				  mmio_read64(TEST_MMIO_REG_LAST_OFFSET) == TEST_MMIO_SCRATCH + 9 * i,
				  "wrote=%u device_saw=%lu", widths[i], w);
	}
	refused0 = mmio_read64(TEST_MMIO_REG_REFUSED);
	*(volatile uint32_t *)b = 0;
	ok &= guest_check("mmio-read-only", *(volatile uint32_t *)b == TEST_MMIO_ID &&
			  mmio_read64(TEST_MMIO_REG_REFUSED) == refused0 + 1,
			  "refused=%lu", mmio_read64(TEST_MMIO_REG_REFUSED) - refused0);
	return ok;
}

/* Runs form f at the data 'data' (rel32 through 'rel_data') from state s and memory init. */
static void run_form(struct emul_form *f, uint64_t data, uint64_t rel_data,
		     struct native_state *s, const uint8_t *init, uint8_t *after)
{
	uint8_t *slot = exec_buf + (native_slot - native_run);

	form_place(f, data, rel_data, (uint64_t)(uintptr_t)slot);
	memset(slot, 0x90, 16); /* NOPs after the form, as slot.S has them */
	memcpy(slot, f->b, f->len);
	copy_qwords((void *)(uintptr_t)data, init, FORM_DATA_SIZE);
	((void (*)(struct native_state *))(void *)exec_buf)(s);
	copy_qwords(after, (void *)(uintptr_t)data, FORM_DATA_SIZE);
}

static void print_form(const struct emul_form *f)
{
	char hex[48];
	size_t k = 0;

	for (unsigned i = 0; i < f->len && k + 3 < sizeof(hex); i++)
		k += (size_t)hv_snprintf(hex + k, sizeof(hex) - k, "%s%02x", i ? " " : "", f->b[i]);
	guest_mline("mmio-mismatch", "bytes=\"%s\"", hex);
}

/* One form, one random state: RAM natively and the device emulated must agree. */
static bool compare_once(struct emul_form *f)
{
	static uint8_t init[FORM_DATA_SIZE], ram_after[FORM_DATA_SIZE], dev_after[FORM_DATA_SIZE];
	uint64_t ram = (uint64_t)(uintptr_t)ram_page + 0x800;
	struct native_state s0, rs, ds;
	uint64_t flag_mask = f->af_undefined ? ~0x10ull : ~0ull;

	for (unsigned i = 0; i < FORM_DATA_SIZE; i += 8) {
		uint64_t v = form_value();

		memcpy(init + i, &v, 8);
	}
	form_randomize(f);
	form_state(&s0, 0);
	s0.rflags &= ~0x200ull; /* IF: no interrupt may reach this guest's IDT */
	rs = s0;
	form_rebase(&rs, 0, ram);
	ds = s0;
	form_rebase(&ds, 0, MMIO_DATA);
	run_form(f, ram, ram, &rs, init, ram_after);
	run_form(f, MMIO_DATA, ALIAS_LA + TEST_MMIO_SCRATCH, &ds, init, dev_after);
	form_rebase(&rs, ram, 0);
	form_rebase(&ds, MMIO_DATA, 0);
	rs.gpr[4] = ds.gpr[4] = 0;
	if (!memcmp(rs.gpr, ds.gpr, sizeof(rs.gpr)) && !((rs.rflags ^ ds.rflags) & flag_mask) &&
	    !memcmp(ram_after, dev_after, FORM_DATA_SIZE))
		return true;
	print_form(f);
	for (unsigned i = 0; i < 16; i++)
		if (rs.gpr[i] != ds.gpr[i])
			guest_printf("  gpr%u ram %#lx mmio %#lx\n", i, rs.gpr[i], ds.gpr[i]);
	guest_printf("  rflags ram %#lx mmio %#lx; memory %s\n", rs.rflags, ds.rflags,
		     memcmp(ram_after, dev_after, FORM_DATA_SIZE) ? "differs" : "same");
	return false;
}

static bool check_forms(uint64_t iters)
{
	unsigned n = emul_forms(forms, EMUL_FORMS_MAX), bad = 0;

	memcpy(exec_buf, native_run, (size_t)(native_run_end - native_run));
	for (unsigned i = 0; i < n; i++)
		for (uint64_t k = 0; k < iters; k++)
			if (!compare_once(&forms[i])) {
				bad++;
				break;
			}
	guest_mline("mmio-forms", "forms=%u iters=%lu mismatches=%u", n, iters, bad);
	return guest_check("mmio-forms", bad == 0, "forms=%u mismatched=%u", n, bad);
}

/*
 * A site the hypervisor promoted (run past promote='s threshold from an
 * unchanged code page) is then rewritten: the new instruction must run,
 * not the cached decode of the old one.
 */
static bool check_self_modify(void)
{
	uint8_t *slot = exec_buf + (native_slot - native_run);
	static const uint8_t load32[] = { 0x8b, 0x03 }; /* mov eax, [rbx] */
	static const uint8_t load8[] = { 0x8a, 0x03 };  /* mov al, [rbx] */
	struct native_state s = { .rflags = 0x2 };
	uint64_t *scratch = (uint64_t *)(uintptr_t)MMIO_DATA;
	bool ok = true;

	*scratch = 0x1122334455667788ull;
	memset(slot, 0x90, 16);
	memcpy(slot, load32, sizeof(load32));
	for (int i = 0; i < 8; i++) { /* the default threshold is 4 */
		s.gpr[0] = ~0ull;
		s.gpr[3] = MMIO_DATA;
		((void (*)(struct native_state *))(void *)exec_buf)(&s);
		ok &= s.gpr[0] == 0x55667788ull;
	}
	memcpy(slot, load8, sizeof(load8));
	s.gpr[0] = ~0ull;
	s.gpr[3] = MMIO_DATA;
	((void (*)(struct native_state *))(void *)exec_buf)(&s);
	return guest_check("mmio-self-modify", ok && s.gpr[0] == 0xffffffffffffff88ull,
			   "after rewriting: rax=%#lx", s.gpr[0]);
}

/* Runs the instruction in exec_buf's slot with RBX at 'at'; returns RAX. */
static uint64_t run_slot_load_at(uint64_t at)
{
	struct native_state s = { .rflags = 0x2 };

	s.gpr[0] = ~0ull;
	s.gpr[3] = at;
	((void (*)(struct native_state *))(void *)exec_buf)(&s);
	return s.gpr[0];
}

/* ... with RBX at the device's scratch. */
static uint64_t run_slot_load(void)
{
	return run_slot_load_at(MMIO_DATA);
}

/*
 * A bound patched site whose operand's page L2 maps elsewhere: the device's
 * 2 MiB page becomes a page table whose first entry is RAM (ram_page), so
 * the same linear address now reads RAM. The binding's leaf entry changed:
 * it must not be used (the load must see RAM, not the device).
 */
static bool check_patched_remap(void)
{
	uint64_t *pde = pde_of(MMIO_DATA), saved = *pde, ram, dev;
	uint64_t *data = (uint64_t *)(void *)(ram_page + TEST_MMIO_SCRATCH), old = *data;

	*data = 0x0badcafe5eed1234ull;
	remap_table[0] = (uint64_t)(uintptr_t)ram_page | PTE_P | PTE_W;
	*pde = (uint64_t)(uintptr_t)remap_table | PTE_P | PTE_W;
	__asm__ volatile("invlpg (%0)" : : "r"(MMIO_DATA) : "memory");
	ram = run_slot_load();
	*pde = saved;
	__asm__ volatile("invlpg (%0)" : : "r"(MMIO_DATA) : "memory");
	dev = run_slot_load();
	*data = old;
	return guest_check("mmio-patched-remapped", ram == 0x5eed1234ull && dev == 0x55667788ull,
			   "remapped to RAM: rax=%#lx, back on the device: rax=%#lx", ram, dev);
}

/*
 * A hot site patched to a VMCALL (HC_EMUL_PATCH): it still loads the
 * device's value; L2 reading its own code sees the original bytes (the
 * copy is execute-only, reads are served from the original); rewriting
 * the code undoes the patch and the new instruction runs.
 */
static bool check_patching(void)
{
	uint8_t *slot = exec_buf + (native_slot - native_run);
	static const uint8_t load32[] = { 0x8b, 0x43, 0x00 }; /* mov eax, [rbx + 0] */
	static const uint8_t load8[] = { 0x8a, 0x43, 0x00 };  /* mov al, [rbx + 0] */
	volatile uint8_t *code = slot;
	uint8_t seen[4];
	bool ok = true;

	*(uint64_t *)(uintptr_t)MMIO_DATA = 0x1122334455667788ull;
	memset(slot, 0x90, 16);
	memcpy(slot, load32, sizeof(load32));
	vmcall(HC_EMUL_PROMOTE, 1, 0, 0);
	vmcall(HC_EMUL_PATCH, 2, 0, 0);
	static volatile uint64_t in_ram = 0x0123456789abcdefull;

	for (int i = 0; i < 8; i++)
		ok &= run_slot_load() == 0x55667788ull;
	/* The site is bound to the device's page: an operand elsewhere (RAM) is emulated generically. */
	ok &= guest_check("mmio-patched-operand-in-ram",
			  run_slot_load_at((uint64_t)(uintptr_t)&in_ram) == 0x89abcdefull,
			  "rax=%#lx", run_slot_load_at((uint64_t)(uintptr_t)&in_ram));
	ok &= run_slot_load() == 0x55667788ull; /* and the device again */
	ok &= check_patched_remap();
	for (int i = 0; i < 4; i++)
		seen[i] = code[i];
	memcpy(slot, load8, sizeof(load8));
	ok &= guest_check("mmio-patched-reads-original",
			  !memcmp(seen, load32, sizeof(load32)) && seen[3] == 0x90,
			  "code=%02x %02x %02x %02x", seen[0], seen[1], seen[2], seen[3]);
	ok &= guest_check("mmio-patched-rewritten", run_slot_load() == 0xffffffffffffff88ull,
			  "rax=%#lx", run_slot_load());
	vmcall(HC_EMUL_PATCH, HC_EMUL_PROMOTE_BOOT, 0, 0);
	vmcall(HC_EMUL_PROMOTE, HC_EMUL_PROMOTE_BOOT, 0, 0);
	return guest_check("mmio-patched", ok, "8 runs of the patched site");
}

/* The device's first 32 scratch bytes from or to buf: four 8-byte MOVs (few sites). */
static void dev_qwords(const uint8_t *buf, bool put)
{
	volatile uint64_t *dev = (volatile uint64_t *)(uintptr_t)MMIO_DATA;
	uint64_t q[4];

	if (put)
		memcpy(q, buf, sizeof(q));
	for (int i = 0; i < 4; i++) {
		if (put)
			dev[i] = q[i];
		else
			q[i] = dev[i];
	}
	if (!put)
		memcpy((void *)buf, q, sizeof(q));
}

/*
 * The forms a patched site is bound in (hv/emul/patch_bound.c), each run on
 * RAM natively, then on the device until it is promoted, patched and served
 * bound: every register, the flags and the 32 data bytes must match RAM's.
 * Loads into a callee-saved register (the entry's full reload), 8-bit
 * destinations (merged), MOVSX, stores of a register and of an immediate.
 */
static bool check_patched_forms(bool smp)
{
	static const struct { const char *name; uint8_t len, b[8]; } bound[] = {
		{ "mov r12d, [rbx+4]", 4, { 0x44, 0x8b, 0x63, 0x04 } },
		{ "mov rbp, [rbx+8]", 4, { 0x48, 0x8b, 0x6b, 0x08 } },
		{ "mov ah, [rbx+2]", 3, { 0x8a, 0x63, 0x02 } },
		{ "movsx r15, byte [rbx+7]", 5, { 0x4c, 0x0f, 0xbe, 0x7b, 0x07 } },
		{ "movzx ecx, word [rbx+rsi*2]", 4, { 0x0f, 0xb7, 0x0c, 0x73 } },
		{ "mov [rbx+16], r13", 4, { 0x4c, 0x89, 0x6b, 0x10 } },
		{ "mov [rbx+24], ch", 3, { 0x88, 0x6b, 0x18 } },
		{ "mov dword [rbx+20], imm32", 7, { 0xc7, 0x43, 0x14, 0x78, 0x56, 0x34, 0x12 } },
	};
	uint8_t *slot = exec_buf + (native_slot - native_run);
	uint8_t *ram = ram_page + TEST_MMIO_SCRATCH, seen[32];
	static const uint8_t data[32] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0xf1,
					  0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 1, 2 };
	uint64_t fast0 = vmcall(HC_EMUL_PATCH_STATS, 0, 0, 0).rbx;
	bool ok = true, patching;

	vmcall(HC_EMUL_PROMOTE, 1, 0, 0);
	patching = vmcall(HC_EMUL_PATCH, 1, 0, 0).ret == HC_OK;
	for (size_t f = 0; f < sizeof(bound) / sizeof(bound[0]); f++) {
		struct native_state want = { .rflags = 0x2 }, got;
		bool same = true;

		for (unsigned r = 0; r < 16; r++)
			want.gpr[r] = 0x0123456789abcdefull * (r + 1);
		want.gpr[0] = 0; /* RAX 0: no HC_VERSION (the VMCALL stands for the MOV) */
		want.gpr[6] = 3; /* RSI: the index */
		memset(slot, 0x90, 16);
		memcpy(slot, bound[f].b, bound[f].len);
		memcpy(ram, data, sizeof(data));
		want.gpr[3] = (uint64_t)(uintptr_t)ram;
		((void (*)(struct native_state *))(void *)exec_buf)(&want);
		for (int i = 0; i < 4; i++) { /* decoded, promoted (patched), then bound twice */
			got = (struct native_state){ .rflags = 0x2 };
			for (unsigned r = 0; r < 16; r++)
				got.gpr[r] = 0x0123456789abcdefull * (r + 1);
			got.gpr[0] = 0;
			got.gpr[6] = 3;
			dev_qwords(data, true);
			got.gpr[3] = MMIO_DATA;
			((void (*)(struct native_state *))(void *)exec_buf)(&got);
			got.gpr[3] = want.gpr[3];
			dev_qwords(seen, false);
			same &= !memcmp(&got, &want, sizeof(got)) && !memcmp(seen, ram, sizeof(seen));
		}
		ok &= guest_check("mmio-patched-bound-form", same, "%s", bound[f].name);
	}
	vmcall(HC_EMUL_PATCH, HC_EMUL_PROMOTE_BOOT, 0, 0);
	vmcall(HC_EMUL_PROMOTE, HC_EMUL_PROMOTE_BOOT, 0, 0);
	if (!patching) { /* each form was emulated and agreed: nothing to bind */
		guest_mline("check", "name=mmio-patched-bound result=skip reason=\"the "
			    "hypervisor does not patch in this run (paging=shadow|hybrid)\"");
		return ok;
	}
	/* On SMP no site is bound (patch_bound.c): the generic patched path served them. */
	return guest_check("mmio-patched-bound", ok && (smp || vmcall(HC_EMUL_PATCH_STATS, 0, 0,
			   0).rbx - fast0 >= sizeof(bound) / sizeof(bound[0])), "bound VMCALLs: %lu",
			   vmcall(HC_EMUL_PATCH_STATS, 0, 0, 0).rbx - fast0);
}

/*
 * Patching on two CPUs (the shoot-down: hv/shadow_kick.c). The AP calls a site in a
 * page of its own over and over: its loads get it promoted, patched to a
 * VMCALL (its code page write-protected, then mapped to the copy: one
 * shoot-down each, kicking the boot CPU), and keep loading the device's
 * value. The boot CPU then rewrites the site's displacement: the write
 * undoes the patch, whose shoot-down must kick the AP off the copy, which
 * must then load from the new displacement, from the original page (the
 * hypervisor's stale_vmcalls counts VMCALLs run from a copy after its
 * sites were gone). The kick NMIs must never reach L2 (no NMI gate: one
 * would end the run).
 */
static uint8_t smp_code[4096] __attribute__((aligned(4096)));
static volatile uint32_t ap_seen, ap_bad;
static volatile uint64_t ap_loads;
static volatile bool ap_stop;

#define SMP_OLD 0xa1a1a1a1u
#define SMP_NEW 0xb2b2b2b2u

static void smp_ap_main(unsigned index)
{
	uint32_t (*load)(uint64_t) = (uint32_t (*)(uint64_t))(void *)smp_code;

	(void)index;
	while (!ap_stop) {
		uint32_t v = load(MMIO_DATA);

		if (v != SMP_OLD && v != SMP_NEW)
			ap_bad = v;
		ap_seen = v;
		ap_loads++;
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Waits (spinning, up to ~2^32 ticks) until cond() or the deadline; returns cond(). */
static bool wait_for(bool (*cond)(void))
{
	uint64_t deadline = rdtsc() + (1ull << 32);

	while (!cond() && rdtsc() < deadline)
		__asm__ volatile("pause");
	return cond();
}

static bool ap_warm(void)
{
	return ap_loads > 64 && vmcall(HC_EMUL_PATCH_STATS, 0, 0, 0).rcx > 0;
}

static bool ap_on_new(void)
{
	return ap_seen == SMP_NEW;
}

static uint64_t loads_target;

static bool ap_loaded(void)
{
	return ap_loads >= loads_target;
}

static bool check_smp_patching(void)
{
	static const uint8_t site[] = { 0x8b, 0x47, 0x08, 0xc3 }; /* mov eax, [rdi+8]; ret */
	volatile uint32_t *dev = (volatile uint32_t *)(uintptr_t)MMIO_DATA;
	const char *err = apic_init(0xff);
	uint32_t apic = smp_apic_id() == 0 ? 1 : 0; /* Bochs numbers its CPUs 0, 1, ... */
	bool warm, moved;
	uint64_t loads;

	dev[2] = SMP_OLD;
	dev[4] = SMP_NEW;
	memcpy(smp_code, site, sizeof(site));
	vmcall(HC_EMUL_PROMOTE, 1, 0, 0);
	vmcall(HC_EMUL_PATCH, 4, 0, 0);
	if (!guest_check("smp-ap-started", !err && smp_start_cpu(apic, 1, smp_ap_main),
			 "apic_id=%u %s", apic, err ? err : ""))
		return false;
	warm = wait_for(ap_warm);
	loads = ap_loads;
	smp_code[2] = 0x10; /* mov eax, [rdi+16]: undoes the patch */
	moved = wait_for(ap_on_new);
	/* 32 more: each a VMCALL if the AP still ran the copy (the hypervisor's stale_vmcalls). */
	loads_target = ap_loads + 32;
	moved &= wait_for(ap_loaded);
	ap_stop = true;
	vmcall(HC_EMUL_PATCH, HC_EMUL_PROMOTE_BOOT, 0, 0);
	vmcall(HC_EMUL_PROMOTE, HC_EMUL_PROMOTE_BOOT, 0, 0);
	return guest_check("mmio-smp-patched", warm && moved && !ap_bad,
			   "patched while the AP ran it: %s; the AP on the new code after the "
			   "rewrite: %s; AP loads %lu then %lu; bad value %#x", warm ? "yes" : "no",
			   moved ? "yes" : "no", loads, ap_loads, ap_bad);
}

/*
 * 32-bit and 16-bit code doing MMIO (compat.S): compatibility mode, FS a
 * data segment based at the device's scratch (limit 0x7ff) or at a RAM copy
 * of the same bytes. Each body's results (registers, flags) and the bytes
 * it leaves must agree: the hypervisor decodes them as 32- and 16-bit code,
 * with segment bases and its segmentation checks.
 */
#define SEL_CODE32 0x18
#define SEL_CODE16 0x20
#define SEL_FS 0x28

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern void compat_call(uint32_t *out, unsigned fs_sel, unsigned code_sel, uint64_t entry);
extern const uint8_t compat32_body[], compat16_body[], compat16_page[];
static uint64_t compat_gdt[6];

/* A code or data segment descriptor (SDM Vol. 3A 3.4.5): G and D/B in flags bits 3, 2. */
static uint64_t seg_desc(uint64_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffff) | (base & 0xffffff) << 16 | (uint64_t)access << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)flags << 52 |
	       (base >> 24 & 0xff) << 56;
}

static bool check_compat(void)
{
	static const char *const names[] = { "mmio-compat32", "mmio-compat16" };
	uint8_t *ram = ram_page + TEST_MMIO_SCRATCH, init[32], after[2][32];
	struct table_ptr old, gdt = { sizeof(compat_gdt) - 1, (uint64_t)(uintptr_t)compat_gdt };
	uint32_t out[2][8];
	bool ok = true;

	for (unsigned i = 0; i < sizeof(init); i++)
		init[i] = (uint8_t)(0x80 + 7 * i);
	compat_gdt[1] = seg_desc(0, 0xfffff, 0x9a, 0xa);   /* 0x08: 64-bit code */
	compat_gdt[2] = seg_desc(0, 0xfffff, 0x92, 0xc);   /* 0x10: flat data */
	compat_gdt[3] = seg_desc(0, 0xfffff, 0x9a, 0xc);   /* 0x18: 32-bit code */
	compat_gdt[4] = seg_desc((uintptr_t)compat16_page, 0xffff, 0x9a, 0); /* 0x20: 16-bit */
	__asm__ volatile("sgdt %0\n\tlgdt %1" : "=m"(old) : "m"(gdt) : "memory");
	for (int bits16 = 0; bits16 < 2; bits16++) {
		for (int on_dev = 0; on_dev < 2; on_dev++) {
			uint64_t base = on_dev ? MMIO_DATA : (uintptr_t)ram;

			if (on_dev)
				dev_qwords(init, true);
			else
				memcpy(ram, init, sizeof(init));
			compat_gdt[5] = seg_desc(base, 0x7ff, 0x92, 0x4); /* FS: bytes, 32-bit */
			memset(out[on_dev], 0, sizeof(out[on_dev]));
			compat_call(out[on_dev], SEL_FS, bits16 ? SEL_CODE16 : SEL_CODE32,
				    bits16 ? (uint64_t)(compat16_body - compat16_page)
					   : (uint64_t)(uintptr_t)compat32_body);
			if (on_dev)
				dev_qwords(after[1], false);
			else
				memcpy(after[0], ram, sizeof(after[0]));
		}
		ok &= guest_check(names[bits16], !memcmp(out[0], out[1], sizeof(out[0])) &&
				  !memcmp(after[0], after[1], sizeof(after[0])),
				  "ram: %08x %08x %08x %08x flags %08x; device: %08x %08x %08x %08x "
				  "flags %08x", out[0][0], out[0][1], out[0][2], out[0][3], out[0][4],
				  out[1][0], out[1][1], out[1][2], out[1][3], out[1][4]);
	}
	__asm__ volatile("lgdt %0" : : "m"(old) : "memory");
	return ok;
}

/* REP MOVSB from src into PF_LA's last 3 bytes and on into the absent page. */
static bool movs_fault(uint64_t src, uint64_t *rcx, uint64_t *rsi, uint64_t *rdi,
		       uint64_t *cr2, uint64_t *error)
{
	uint8_t fault = 0;
	uint64_t c = 8, s = src, d = PF_LA + 0xffd;

	guest_last_fault.vector = 0;
	__asm__ volatile("cld\n\t" EXTABLE_INSN("rep movsb")
			 : "+c"(c), "+S"(s), "+D"(d), [fault] "+qm"(fault)
			 :
			 : "memory");
	*rcx = c;
	*rsi = s - src;
	*rdi = d;
	*cr2 = read_cr2();
	*error = guest_last_fault.error_code;
	return faulted_with(fault, 14);
}

static bool check_faults(void)
{
	uint64_t rc[2], rs[2], rd[2], cr2[2], err[2];
	bool f0 = movs_fault((uint64_t)(uintptr_t)ram_page, &rc[0], &rs[0], &rd[0], &cr2[0], &err[0]);
	bool f1 = movs_fault(MMIO_DATA, &rc[1], &rs[1], &rd[1], &cr2[1], &err[1]);
	bool ok = true, ud;
	uint8_t fault = 0;
	uint64_t before = mmio_read64(TEST_MMIO_SCRATCH);

	ok &= guest_check("mmio-page-fault", f0 && f1 && rc[0] == rc[1] && rs[0] == rs[1] &&
			  rd[0] == rd[1] && cr2[0] == cr2[1] && err[0] == err[1] && rc[1] == 5 &&
			  cr2[1] == PF_LA + 0x1000,
			  "native: rcx=%lu cr2=%#lx error=%#lx; emulated: faulted=%d rcx=%lu "
			  "cr2=%#lx error=%#lx", rc[0], cr2[0], err[0], f1, rc[1], cr2[1], err[1]);
	guest_last_fault.vector = 0;
	__asm__ volatile(EXTABLE_INSN("incl (%[p])")
			 : [fault] "+qm"(fault)
			 : [p] "r"(MMIO_DATA)
			 : "memory");
	ud = faulted_with(fault, 6);
	ok &= guest_check("mmio-unsupported-ud", ud && mmio_read64(TEST_MMIO_SCRATCH) == before,
			  "faulted=%d vector=%lu", fault, guest_last_fault.vector);
	return ok;
}

bool guest_main(const char *cmdline)
{
	struct mmiotest_options o = { .iters = 8, .seed = 1, .cpus = 1 };
	struct cmdline_error err;
	char msg[160];
	bool ok = true;

	if (cmdline_parse(cmdline, option_table, NOPTS, &o, &err, 1)) {
		cmdline_error_format(&err, option_table, NOPTS, msg, sizeof(msg));
		guest_mline("mmiotest-error", "reason=\"%s\"", msg);
		return false;
	}
	if (*(volatile uint32_t *)(uintptr_t)TEST_MMIO_BASE != TEST_MMIO_ID) {
		guest_mline("mmiotest-error", "reason=\"no test MMIO device: boot the hypervisor "
			    "with mmio_test=on\"");
		return false;
	}
	form_seed(o.seed);
	map_test_pages();
	ok &= check_registers();
	ok &= check_forms(o.iters);
	ok &= check_self_modify();
	ok &= check_patching();
	ok &= check_patched_forms(o.cpus == 2);
	ok &= check_faults();
	ok &= check_compat();
	if (o.cpus == 2)
		ok &= check_smp_patching();
	return ok;
}
