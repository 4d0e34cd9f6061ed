/*
 * exit_misc.c - the small exits: HLT (the vCPU waits in the HLT activity
 * state until an interrupt arrives; with interrupts off that is forever, so
 * on the boot vCPU the run ends), INVD (done as WBINVD: dropping dirty lines
 * would corrupt the host), XSETBV (done on the CPU, whose #GP becomes L2's). The VMX
 * instructions are hv/vmcs/vmx_insn.c's.
 */
#include "exit.h"
#include "extable.h"
#include "guest_stop.h"
#include "irq/irq.h"
#include "log.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "x86.h"

#define BLOCKING_STI_MOVSS 3u
#define GP 13

__attribute__((noreturn, cold, noinline)) static void halted_forever(struct vcpu *v)
{
	log_error("L2 executed HLT with interrupts disabled: it can never wake up");
	guest_stop(v, false, "guest-halted");
}

/*
 * Out of line, like halted_forever, so that the common HLT exit keeps no
 * register across a call and ends in a tail call to skip_instruction.
 */
__attribute__((noinline)) static void hlt_with_events(struct vcpu *v)
{
	irq_hlt(v);
	apicv_hlt(v); /* irq_eoi=virtual: a virtual interrupt pending ends it too */
	skip_instruction();
}

void handle_hlt(struct vcpu *v)
{
	/* An AP parked with interrupts off (Linux's stop_this_cpu) still wakes on NMI or INIT. */
	if (v->index == 0 && !(vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF))
		halted_forever(v);
	/* SDM 27.3.1.5: the HLT state may not be entered with STI/MOV-SS blocking. */
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE,
		   vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE) & ~BLOCKING_STI_MOVSS);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
	/*
	 * An interrupt queued while L2's STI shadow held it back ends the HLT now
	 * (or, with irq_eoi=virtual, one pending in L2's virtual IRR).
	 */
	if (__atomic_load_n(&v->events_waiting, __ATOMIC_RELAXED) || v->apicv)
		hlt_with_events(v);
	else
		skip_instruction();
}

void handle_invd(struct vcpu *v)
{
	(void)v;
	__asm__ volatile("wbinvd" ::: "memory");
	skip_instruction();
}

void handle_xsetbv(struct vcpu *v)
{
	uint8_t fault = 0;

	__asm__ volatile(EXTABLE_INSN("xsetbv")
			 : [fault] "+qm"(fault)
			 : "c"((uint32_t)v->gpr[GPR_RCX]), "a"((uint32_t)v->gpr[GPR_RAX]),
			   "d"((uint32_t)v->gpr[GPR_RDX]));
	if (fault)
		inject_exception(GP, true, 0);
	else
		skip_instruction();
}
