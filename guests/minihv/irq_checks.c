/*
 * irq_checks.c - an external interrupt (the local APIC timer, armed by L3)
 * that fires while L3 runs, under each of minihv's choices (SDM Vol. 3C
 * 25.6.1, 25.7.1, 28.2.2): exit on it and acknowledge it (the vector in the
 * exit information), exit without acknowledging it (it stays pending, for
 * minihv's own IDT once it enables interrupts, or for the next VM entry,
 * which must exit at once), or no exit (L3's IDT takes it). The outcome
 * must not depend on L1's policy: the checks pass under irq=direct and
 * irq=N:intercept alike (minihv irq=1).
 */
#include "apic.h"
#include "guest.h"
#include "minihv.h"
#include "trap.h"
#include "vmcs/field_list.h"
#include "vmx_bits.h"
#include "vmx_ops.h"

#define VEC_L3_TIMER 0x40
#define VEC_SPURIOUS 0xff
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_DIV 0x3e0
#define TIMER_COUNT 5000
#define SPIN_BOUND 2000000
#define EXIT_EXTERNAL_INTERRUPT 1
#define EXIT_HLT 12
#define INTR_VALID (1u << 31)

/* Interrupts of VEC_L3_TIMER taken through the IDT minihv and L3 share (irq_stub). */
volatile uint32_t irq_seen;
extern char irq_stub[];
__asm__(".globl irq_stub\n"
	"irq_stub:\n\t"
	"lock incl irq_seen(%rip)\n\t"
	"pushq %rax\n\t"
	"movq apic_eoi_addr(%rip), %rax\n\t"
	"movl $0, (%rax)\n\t"
	"popq %rax\n\t"
	"iretq");

/* L3: arms a one-shot timer, waits for its interrupt with interrupts on, halts. */
static void l3_timer_main(void)
{
	uint32_t before = irq_seen;

	*apic_reg(APIC_TIMER_DIV) = 0xb; /* divide by 1 */
	*apic_reg(APIC_LVT_TIMER) = VEC_L3_TIMER;
	*apic_reg(APIC_TIMER_INIT) = TIMER_COUNT;
	__asm__ volatile("sti");
	for (unsigned i = 0; i < SPIN_BOUND && irq_seen == before; i++)
		__asm__ volatile("pause");
	l3_results[6] = irq_seen - before;
	__asm__ volatile("cli\n\thlt");
}

/* L3 that only halts: any exit before its HLT comes before its first instruction. */
static void l3_halt_main(void)
{
	__asm__ volatile("hlt");
}

struct irq_exit {
	uint64_t rflags, reason, info, rip;
};

/* Runs L3 at 'entry' on VMCS a with these pin-based and VM-exit interrupt controls. */
static struct irq_exit run_once(uint64_t a, void (*entry)(void), void *stack, uint32_t pin,
				uint32_t exit_ack)
{
	struct irq_exit e;

	vmclear(a);
	vmptrld(a);
	vmcs_build(entry, (uint64_t)(uintptr_t)stack - 8);
	vmw(VMCS_PIN_BASED_VM_EXECUTION_CONTROLS,
	    (uint32_t)caps.pin | (pin & (uint32_t)(caps.pin >> 32)));
	vmw(VMCS_PRIMARY_VM_EXIT_CONTROLS, vmr(VMCS_PRIMARY_VM_EXIT_CONTROLS) | exit_ack);
	vmw(VMCS_GUEST_RFLAGS, 0x202); /* IF=1: an interrupt may exit or enter at once */
	l3_results[6] = 0;
	e.rflags = vmx_run(&(struct l3_regs){ { 0 } }, 1);
	e.reason = vmr(VMCS_VM_EXIT_REASON);
	e.info = vmr(VMCS_VM_EXIT_INTERRUPTION_INFORMATION);
	e.rip = vmr(VMCS_GUEST_RIP);
	return e;
}

bool irq_checks(uint64_t a, void *l3_stack_top)
{
	const char *why = apic_init(VEC_SPURIOUS);
	struct irq_exit e;
	uint32_t seen;
	bool ok = true;

	if (!guest_check("l3-irq-apic", !why, "why=\"%s\"", why ? why : ""))
		return false;
	trap_set_gate(VEC_L3_TIMER, (void (*)(void))irq_stub);
	/* Exit and acknowledge: the vector in the exit information, in service until EOI. */
	e = run_once(a, l3_timer_main, l3_stack_top, PIN_EXT_INTR_EXITING, EXIT_ACK_INTR_ON_EXIT);
	ok &= guest_check("l3-irq-exit-acked", !e.rflags && e.reason == EXIT_EXTERNAL_INTERRUPT &&
			  e.info == (INTR_VALID | VEC_L3_TIMER) && irq_seen == 0,
			  "rflags=%#lx reason=%lu info=%#lx seen=%u", e.rflags, e.reason, e.info,
			  irq_seen);
	*apic_reg(APIC_EOI) = 0;
	/* Exit without acknowledging: no vector; the interrupt still waits... */
	e = run_once(a, l3_timer_main, l3_stack_top, PIN_EXT_INTR_EXITING, 0);
	ok &= guest_check("l3-irq-exit-unacked", !e.rflags && e.reason == EXIT_EXTERNAL_INTERRUPT &&
			  !(e.info & INTR_VALID) && irq_seen == 0,
			  "rflags=%#lx reason=%lu info=%#lx seen=%u", e.rflags, e.reason, e.info,
			  irq_seen);
	/* ...so the next VM entry exits at once, before L3's first instruction. */
	e = run_once(a, l3_halt_main, l3_stack_top, PIN_EXT_INTR_EXITING, EXIT_ACK_INTR_ON_EXIT);
	ok &= guest_check("l3-irq-pending-at-entry", !e.rflags &&
			  e.reason == EXIT_EXTERNAL_INTERRUPT &&
			  e.info == (INTR_VALID | VEC_L3_TIMER) &&
			  e.rip == (uint64_t)(uintptr_t)l3_halt_main && irq_seen == 0,
			  "rflags=%#lx reason=%lu info=%#lx rip=%#lx seen=%u", e.rflags, e.reason,
			  e.info, e.rip, irq_seen);
	*apic_reg(APIC_EOI) = 0;
	/* Unacknowledged again, then minihv enables interrupts: its own IDT takes it. */
	e = run_once(a, l3_timer_main, l3_stack_top, PIN_EXT_INTR_EXITING, 0);
	__asm__ volatile("sti\n\tnop\n\tcli" ::: "memory");
	seen = irq_seen;
	ok &= guest_check("l3-irq-to-l2-idt", !e.rflags && e.reason == EXIT_EXTERNAL_INTERRUPT &&
			  seen == 1, "rflags=%#lx reason=%lu seen=%u", e.rflags, e.reason, seen);
	/* No external-interrupt exiting: L3's (the shared) IDT takes it, L3 halts. */
	e = run_once(a, l3_timer_main, l3_stack_top, 0, 0);
	ok &= guest_check("l3-irq-to-l3-idt", !e.rflags && e.reason == EXIT_HLT &&
			  l3_results[6] == 1 && irq_seen == 2,
			  "rflags=%#lx reason=%lu l3_saw=%lu seen=%u", e.rflags, e.reason,
			  l3_results[6], irq_seen);
	trap_set_gate(VEC_L3_TIMER, NULL);
	guest_mline("minihv-irq", "seen=%u", irq_seen);
	return ok;
}
