/*
 * trap.c - the guest's exception path: an expected fault resumes at its
 * EXTABLE_INSN fixup with guest_last_fault set; any other exception dumps
 * the registers, prints "@guest panic" and ends the guest with a failure.
 * Interrupt vectors (32-255) are absent until a guest installs a stub.
 */
#include "guest.h"
#include "idt.h"
#include "lib/format.h"
#include "trap.h"
#include "x86.h"

#define CODE_SEL 0x08      /* boot64.S's 64-bit code segment */
#define GATE_INTR64 0x8eull /* present, DPL 0, 64-bit interrupt gate */
#define NEXCEPTIONS 32
#define NVECTORS 256

volatile struct guest_fault guest_last_fault;
static bool (*exception_catcher)(struct exception_frame *f);

extern const uint64_t isr_table[NEXCEPTIONS]; /* hv/isr.S's entry stubs */
static uint64_t idt[NVECTORS * 2] __attribute__((aligned(16)));

/* The 16-byte gate of a 64-bit interrupt gate to 'addr' (SDM Vol. 3A 6.14.1). */
static void set_gate(unsigned vec, uint64_t addr)
{
	idt[2 * vec] = (addr & 0xffff) | (uint64_t)CODE_SEL << 16 | GATE_INTR64 << 40 |
		       (addr >> 16 & 0xffff) << 48;
	idt[2 * vec + 1] = addr >> 32;
}

void trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (unsigned v = 0; v < NEXCEPTIONS; v++)
		set_gate(v, isr_table[v]);
	__asm__ volatile("lidt %0" : : "m"(desc));
}

void trap_set_gate(uint8_t vector, void (*entry)(void))
{
	if (entry) {
		set_gate(vector, (uint64_t)(uintptr_t)entry);
	} else if (vector < NEXCEPTIONS) {
		set_gate(vector, isr_table[vector]);
	} else {
		idt[2 * vector] = 0;
		idt[2 * vector + 1] = 0;
	}
}

/* Prints every field of the frame, four to a line, then the control registers. */
static void dump_frame(const struct exception_frame *f)
{
	static const char *const names[] = { "r15", "r14", "r13", "r12", "r11", "r10",
					     "r9",  "r8",  "rbp", "rdi", "rsi", "rdx",
					     "rcx", "rbx", "rax", "vec", "err", "rip",
					     "cs",  "rfl", "rsp", "ss" };
	const uint64_t *r = (const uint64_t *)f;
	const unsigned n = sizeof(names) / sizeof(names[0]);
	char line[128];
	int len = 0;

	for (unsigned i = 0; i < n; i++) {
		len += hv_snprintf(line + len, sizeof(line) - (size_t)len, " %-3s=%016lx",
				   names[i], r[i]);
		if (i % 4 == 3 || i == n - 1) {
			guest_printf(" %s\n", line);
			len = 0;
		}
	}
	guest_printf("  cr0=%016lx cr2=%016lx cr3=%016lx cr4=%016lx\n", read_cr0(),
		     read_cr2(), read_cr3(), read_cr4());
}

void trap_set_catcher(bool (*catcher)(struct exception_frame *f))
{
	exception_catcher = catcher;
}

void exception_handler(struct exception_frame *f)
{
	uint64_t rip = f->rip;

	if (exception_catcher && exception_catcher(f))
		return;
	if (extable_fixup(f)) {
		guest_last_fault.vector = f->vector;
		guest_last_fault.error_code = f->error_code;
		guest_last_fault.rip = rip;
		return;
	}
	guest_printf("guest: unexpected exception %lu at rip %#lx, error code %#lx\n",
		     f->vector, rip, f->error_code);
	dump_frame(f);
	guest_mline("panic", "vector=%lu error=%#lx rip=%#lx rsp=%#lx cr2=%#lx", f->vector,
		    f->error_code, rip, f->rsp, read_cr2());
	guest_finish(false, "guest-panic");
}
