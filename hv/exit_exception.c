/*
 * exit_exception.c - exceptions and NMIs that exit. An exception L2 raised
 * in a vector the exception bitmap intercepts (exc_intercept=) is reflected
 * back into L2 unchanged, type, error code and (for INT3/INTO) instruction
 * length included, so L2's own handler runs (SDM Vol. 3C 27.6.1.1, 28.2.2).
 * One raised while L2 was delivering another event is combined with it as
 * the CPU would (irq/event.c). An NMI is queued for L2 (irq/event.c), unless
 * it was another CPU's shoot-down (shadow_kick.c).
 */
#include "exit.h"
#include "guest_stop.h"
#include "irq/irq.h"
#include "log.h"
#include "shadow_kick.h"
#include "shadow_mode.h"
#include "vmcs_setup.h"
#include "vmx.h"

#define DF 8
#define PF 14

/* The exception goes back into L2 as it came: type, error code, instruction length. */
static inline void reflect(uint32_t info)
{
	if (info & INTR_INFO_ERROR_VALID)
		vmcs_write(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmread(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE));
	if (INTR_INFO_TYPE(info) == INTR_TYPE_SOFT_EXC)
		vmcs_write(VMCS_VM_ENTRY_INSTRUCTION_LENGTH,
			   vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH));
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, info & ~INTR_INFO_NMI_UNBLOCKED);
}

/*
 * An NMI, an exception raised while delivering another event, one whose
 * faulting IRET had unblocked NMIs, or a #PF (paging=shadow|hybrid
 * intercepts it: shadow_mode.c fills hidden faults): out of line, so that
 * the plain reflection needs no stack frame.
 */
__attribute__((noinline)) static void exception_special(struct vcpu *v, uint32_t vectoring,
							uint32_t info)
{
	unsigned vector = INTR_INFO_VECTOR(info);

	if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI) {
		if (shadow_kick_nmi()) { /* another CPU's TLB shoot-down, not L2's NMI */
			irq_unblock_nmis();
			irq_reinject_vectoring();
			return;
		}
		irq_nmi_exit(v);
		return;
	}
	if (shadow_mode_exception(v, info))
		return;
	if (vectoring & INTR_INFO_VALID) {
		enum irq_combine c = irq_exception_during_delivery(v, vectoring, vector);

		if (c == IRQ_COMBINE_TRIPLE_FAULT) {
			log_error("L2 exception %u while delivering #DF: a triple fault", vector);
			log_mline("guest-fault", "kind=triple-fault vcpu=%u rip=%#lx", v->index,
				  vmread(VMCS_GUEST_RIP));
			guest_stop(v, false, "guest-triple-fault");
		}
		if (c == IRQ_COMBINE_DOUBLE_FAULT) {
			inject_exception(DF, true, 0);
			return;
		}
	} else if ((info & INTR_INFO_NMI_UNBLOCKED) && v->virtual_nmis && vector != DF) {
		/* The faulting IRET had unblocked NMIs: blocked again until it reruns (28.2.3). */
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE,
			   vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE) | INTERRUPTIBILITY_NMI);
	}
	reflect(info);
}

void handle_exception(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmread(VMCS_VM_EXIT_INTERRUPTION_INFORMATION);
	uint32_t vectoring = (uint32_t)vmread(VMCS_IDT_VECTORING_INFORMATION_FIELD);

	if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI || (vectoring & INTR_INFO_VALID) ||
	    (info & INTR_INFO_NMI_UNBLOCKED) || INTR_INFO_VECTOR(info) == PF) {
		exception_special(v, vectoring, info);
		return;
	}
	reflect(info);
}
