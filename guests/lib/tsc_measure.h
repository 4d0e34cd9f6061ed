/*
 * tsc_measure.h - serialized TSC reads for benchmarks. LFENCE before RDTSC
 * waits for every earlier instruction; LFENCE after it keeps later ones from
 * starting first (SDM Vol. 2B, RDTSC). Under Bochs the TSC counts
 * instructions, so a delta is an exact instruction count (a VM exit and a VM
 * entry count one each).
 */
#ifndef GUESTS_LIB_TSC_MEASURE_H
#define GUESTS_LIB_TSC_MEASURE_H

#include <stdint.h>

/*
 * TSC_TIMED(name, body, (inputs...), clobbers...) defines
 * 'static uint64_t name(void)': the ticks from one RDTSC to the next around
 * the asm text BODY, in one asm statement so the compiler adds nothing in
 * between. RDTSC overwrites RAX and RDX, so BODY finds its operands only in
 * other registers (INPUTS, e.g. ("c"(msr))) and loads any it needs in RAX
 * or RDX itself; CLOBBERS are the other registers BODY changes. The start
 * stays in a register of its own ([tsc0]); TSC_END leaves the delta in RAX.
 */
#define TSC_BEGIN                                                                     \
	"lfence\n\trdtsc\n\tlfence\n\tshl $32, %%rdx\n\tor %%rdx, %%rax\n\t"          \
	"mov %%rax, %[tsc0]\n\t"
#define TSC_END "lfence\n\trdtsc\n\tshl $32, %%rdx\n\tor %%rdx, %%rax\n\tsub %[tsc0], %%rax\n\t"
#define TSC_UNPAREN(...) __VA_ARGS__
#define TSC_TIMED(name, body, inputs, ...)                                   \
	static uint64_t name(void)                                           \
	{                                                                    \
		uint64_t ticks, start;                                       \
		__asm__ volatile(TSC_BEGIN body "\n\t" TSC_END               \
				 : "=&a"(ticks), [tsc0] "=&r"(start)         \
				 : TSC_UNPAREN inputs                        \
				 : "rdx", "cc", "memory", ##__VA_ARGS__);    \
		return ticks;                                                \
	}

#endif
