/*
 * vmcs_space.c - the world the "vmcs" fuzz kind's L3 lives in: a block of
 * pages of the fuzzing guest (L2) holding L3's code, stack, IDT, GDT and
 * TSS, L3's own page tables, and the EPT L2 runs L3 under, which maps
 * nothing but that block. Whatever a fuzzed VMCS makes L3 do (a wild RIP
 * or RSP, a wrong CR3, an exception through any vector), it can touch only
 * these pages: every other access is an EPT violation L1 reflects to L2,
 * so L3 never writes L2's own memory. Every path of L3's code ends in
 * VMCALL, which exits unconditionally (SDM Vol. 3C 26.1.2).
 */
#include "lib/string.h"
#include "vmcs_space.h"

#define PTE_P 1ull
#define PTE_RW 2ull
#define EPT_RWX 7ull
#define EPT_WB (6ull << 3)
#define EPTP_WB_4LEVEL (6ull | 3ull << 3)
#define GATE_INTR64 0x8eull
#define CODE_SEL 0x08
#define L3_STUB_OFFSET 0x800 /* the IDT's stub in the code page */

struct vmcs_space vmcs_space __attribute__((aligned(65536)));

/*
 * L3's code: one 16-byte block per action (vmcs_space.h), each doing its
 * thing and then VMCALL forever, and the stub every IDT vector points to.
 */
extern const uint8_t vmcs_l3_actions[], vmcs_l3_stub[], vmcs_l3_end[];
__asm__(".pushsection .rodata\n"
	".balign 16\n"
	"vmcs_l3_actions:\n\t"
	".balign 16\n\t" "cpuid\n\t" "1: vmcall\n\t" "jmp 1b\n\t"
	".balign 16\n\t" "vmcall\n\t" "1: vmcall\n\t" "jmp 1b\n\t"
	".balign 16\n\t" "outb %al, $0x80\n\t" "1: vmcall\n\t" "jmp 1b\n\t"
	".balign 16\n\t" "movl $0x174, %ecx\n\t" "rdmsr\n\t" "1: vmcall\n\t" "jmp 1b\n\t"
	".balign 16\n\t" "ud2\n\t" "1: vmcall\n\t" "jmp 1b\n\t"
	".balign 16\n\t" "movq %cr3, %rax\n\t" "movq %rax, %cr3\n\t" "1: vmcall\n\t" "jmp 1b\n\t"
	".balign 16\n\t" "rdtsc\n\t" "1: vmcall\n\t" "jmp 1b\n\t"
	".balign 16\n\t" "int3\n\t" "1: vmcall\n\t" "jmp 1b\n\t"
	".balign 16\n"
	"vmcs_l3_stub:\n\t" "vmcall\n\t" "jmp vmcs_l3_stub\n"
	"vmcs_l3_end:\n"
	".popsection");

/* 4-level tables mapping each of 'pages' (identity) with leaf flags 'leaf'. */
static void map_identity(uint64_t *l4, uint64_t *l3, uint64_t *l2, uint64_t *l1,
			 const void *const *pages, unsigned n, uint64_t table, uint64_t leaf)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = (uint64_t)(uintptr_t)pages[i];

		l4[(a >> 39) & 511] = (uint64_t)(uintptr_t)l3 | table;
		l3[(a >> 30) & 511] = (uint64_t)(uintptr_t)l2 | table;
		l2[(a >> 21) & 511] = (uint64_t)(uintptr_t)l1 | table;
		l1[(a >> 12) & 511] = a | leaf;
	}
}

void vmcs_space_init(void)
{
	struct vmcs_space *s = &vmcs_space;
	uint64_t stub = (uint64_t)(uintptr_t)s->code + L3_STUB_OFFSET;
	uint64_t tss = (uint64_t)(uintptr_t)s->tss;
	const void *const l3_pages[] = { s->code, s->stack, s->idt, s->gdt };
	const void *const ept_pages[] = { s->code, s->stack, s->idt, s->gdt,
					  s->pml4, s->pdpt, s->pd, s->pt };

	memset(s, 0, sizeof(*s));
	memset(s->code, 0xcc, sizeof(s->code)); /* INT3: a wild RIP ends in the stub */
	memcpy(s->code, vmcs_l3_actions, (size_t)(vmcs_l3_stub - vmcs_l3_actions));
	memcpy(s->code + L3_STUB_OFFSET, vmcs_l3_stub, (size_t)(vmcs_l3_end - vmcs_l3_stub));
	for (unsigned v = 0; v < 256; v++) {
		s->idt[2 * v] = (stub & 0xffff) | (uint64_t)CODE_SEL << 16 | GATE_INTR64 << 40 |
				(stub >> 16 & 0xffff) << 48;
		s->idt[2 * v + 1] = stub >> 32;
	}
	s->gdt[1] = 0x00af9a000000ffffull; /* 0x08: 64-bit code */
	s->gdt[2] = 0x00cf92000000ffffull; /* 0x10: data */
	s->gdt[3] = (VMCS_SPACE_TSS_SIZE - 1) | (tss & 0xffffff) << 16 | 0x8bull << 40 |
		    (tss >> 24 & 0xff) << 56; /* 0x18: busy 64-bit TSS */
	s->gdt[4] = tss >> 32;
	map_identity(s->pml4, s->pdpt, s->pd, s->pt, l3_pages, 4, PTE_P | PTE_RW, PTE_P | PTE_RW);
	map_identity(s->ept_pml4, s->ept_pdpt, s->ept_pd, s->ept_pt, ept_pages, 8, EPT_RWX,
		     EPT_RWX | EPT_WB);
}

uint64_t vmcs_space_eptp(void)
{
	return (uint64_t)(uintptr_t)vmcs_space.ept_pml4 | EPTP_WB_4LEVEL;
}

uint64_t vmcs_space_entry(unsigned action)
{
	return (uint64_t)(uintptr_t)vmcs_space.code + 16 * action;
}
