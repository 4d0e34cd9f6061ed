/*
 * l3.c - the L3 payload: 64-bit code in minihv's address space, on a stack
 * of its own. l3_main makes one exit of each kind minihv and L1 must tell
 * apart and records what it got; l3_bench times round trips of one kind
 * (CPUID, VMCALL, an OUT minihv intercepts). Both end
 * in HLT, which exits to minihv for good.
 */
#include "minihv.h"
#include "tsc_measure.h"
#include "x86.h"

#define PORT_TO_L2 0x80      /* minihv's I/O bitmap intercepts it */
#define PORT_L1_EMULATES 0xe0 /* L1 plays it: IN reads 0xe0 in each byte */
#define MSR_TO_L2 0x174      /* minihv's MSR bitmap intercepts reads */
#define MSR_TO_L1 0x175      /* not in minihv's bitmap: L1 reads L3's SYSENTER_ESP */
#define VMCALL_MAGIC 0x4c33 /* RAX of L3's VMCALLs (minihv XORs it with 0xffff) */

volatile uint64_t l3_results[8];
volatile uint32_t l3_event_count;
volatile uint64_t l3_bench_iters = 100;
volatile uint32_t l3_bench_test;
uint64_t l3_samples[L3_BENCH_MAX];

/* NMI handler minihv installs while it injects an NMI into L3. */
__asm__(".globl l3_nmi_stub\n"
	"l3_nmi_stub:\n\t"
	"lock incl l3_event_count(%rip)\n\t"
	"iretq");

static __attribute__((noreturn)) void l3_halt(void)
{
	for (;;)
		__asm__ volatile("hlt");
}

void l3_main(void)
{
	uint32_t eax = 0, ebx, ecx = 0, edx;
	uint64_t rax = VMCALL_MAGIC, lo, hi;
	uint8_t in;

	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	l3_results[0] = ebx;
	__asm__ volatile("vmcall" : "+a"(rax) : : "memory");
	l3_results[1] = rax;
	__asm__ volatile("outb %0, %1" : : "a"((uint8_t)0x42), "Nd"(PORT_TO_L2));
	__asm__ volatile("inb %1, %0" : "=a"(in) : "Nd"(PORT_L1_EMULATES));
	l3_results[2] = in;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_TO_L2));
	l3_results[3] = lo | hi << 32;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_TO_L1));
	l3_results[4] = lo | hi << 32;
	__asm__ volatile("ud2");
	l3_results[5] = 1; /* minihv skipped the UD2 */
	l3_halt();
}

/* Under minihv's EPT: a page it maps on demand, remaps (INVEPT), and a misconfigured one. */
void l3_ept_main(void)
{
	l3_results[0] = *(volatile uint64_t *)0x20000000;
	__asm__ volatile("vmcall" : : "a"((uint64_t)VMCALL_MAGIC) : "memory");
	l3_results[1] = *(volatile uint64_t *)0x20000000;
	l3_results[2] = *(volatile uint64_t *)0x20200000;
	l3_halt();
}

TSC_TIMED(l3_cpuid_once, "xor %%eax, %%eax\n\tcpuid", (), "rbx", "rcx")
TSC_TIMED(l3_vmcall_once, "mov %[m], %%eax\n\tvmcall", ([m] "i"(VMCALL_MAGIC)))
TSC_TIMED(l3_pio_once, "mov $0x42, %%al\n\toutb %%al, %[port]", ([port] "i"(PORT_TO_L2)))

/* l3_samples[i] = the i-th round trip of kind l3_bench_test, in TSC ticks. */
void l3_bench(void)
{
	static uint64_t (*const timed[L3_BENCH_TESTS])(void) = {
		[L3_BENCH_CPUID] = l3_cpuid_once,
		[L3_BENCH_VMCALL] = l3_vmcall_once,
		[L3_BENCH_PIO] = l3_pio_once,
	};
	uint64_t (*once)(void) = timed[l3_bench_test];

	for (uint64_t i = 0; i < l3_bench_iters && i < L3_BENCH_MAX; i++)
		l3_samples[i] = once();
	l3_halt();
}
