/*
 * idt.h - the hypervisor's interrupt descriptor table and the register
 * frame its exception stubs (isr.S) build.
 */
#ifndef HV_IDT_H
#define HV_IDT_H

#include <stdint.h>

/* Pushed by isr.S; field order mirrors the pushes, lowest address first. */
struct exception_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Installs the exception gates and loads the IDT on this CPU. */
void idt_init_cpu(void);
/* Called by isr.S for every exception: dumps state and stops the run. */
void exception_handler(struct exception_frame *f);

#endif
