/*
 * l3.c - the L3 payload: 64-bit code in minihv's address space, on a stack
 * of its own. l3_main makes one exit of each kind minihv and L1 must tell
 * apart and records what it got; l3_bench times CPUID round trips. Both end
 * in HLT, which exits to minihv for good.
 */
#include "minihv.h"
#include "tsc_measure.h"
#include "x86.h"

#define PORT_TO_L2 0x80      /* minihv's I/O bitmap intercepts it */
#define PORT_L1_EMULATES 0xe0 /* L1 plays it: IN reads 0xe0 in each byte */
#define MSR_TO_L2 0x174      /* minihv's MSR bitmap intercepts reads */
#define MSR_TO_L1 0x175      /* not in minihv's bitmap: L1 reads L3's SYSENTER_ESP */
#define BENCH_MAX 200

volatile uint64_t l3_results[8];
volatile uint32_t l3_event_count;
volatile uint64_t l3_bench_iters = 100;

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
	uint64_t rax = 0x4c33, lo, hi;
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
	__asm__ volatile("vmcall" : : "a"(0x4c33ull) : "memory");
	l3_results[1] = *(volatile uint64_t *)0x20000000;
	l3_results[2] = *(volatile uint64_t *)0x20200000;
	l3_halt();
}

TSC_TIMED(l3_cpuid_once, "xor %%eax, %%eax\n\tcpuid", (), "rbx", "rcx")

/* l3_results[0] = fastest CPUID round trip, [1] = sum of all, in TSC ticks. */
void l3_bench(void)
{
	uint64_t min = ~0ull, sum = 0;

	for (uint64_t i = 0; i < l3_bench_iters; i++) {
		uint64_t t = l3_cpuid_once();

		sum += t;
		min = t < min ? t : min;
	}
	l3_results[0] = min;
	l3_results[1] = sum;
	l3_halt();
}
