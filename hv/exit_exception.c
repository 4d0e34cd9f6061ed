/*
 * exit_exception.c - exceptions L2 raised in a vector the exception bitmap
 * intercepts (exc_intercept=): reflected back into L2 unchanged, type,
 * error code and (for INT3/INTO) instruction length included, so L2's own
 * handler runs (SDM Vol. 3C 27.6.1.1, 28.2.2). An exception that hit while
 * L2 was delivering another event is not reflected blindly: the run stops.
 */
#include "exit.h"
#include "guest_stop.h"
#include "log.h"
#include "shadow_mode.h"
#include "vmcs_setup.h"
#include "vmx.h"

#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_ERROR_VALID (1u << 11)
#define INTR_TYPE(info) (((info) >> 8) & 7)
#define INTR_TYPE_NMI 2
#define INTR_TYPE_SOFT_EXCEPTION 6

void handle_exception(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmread(VMCS_VM_EXIT_INTERRUPTION_INFORMATION);

	if (shadow_mode_exception(v, info))
		return;
	if (INTR_TYPE(info) == INTR_TYPE_NMI ||
	    vmread(VMCS_IDT_VECTORING_INFORMATION_FIELD) & INTR_INFO_VALID) {
		log_error("L2 exception exit (info %#x) during event delivery or for an NMI: "
			  "not reflected", info);
		guest_stop(v, false, "unhandled-exception");
	}
	if (info & INTR_INFO_ERROR_VALID)
		vmcs_write(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmread(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE));
	if (INTR_TYPE(info) == INTR_TYPE_SOFT_EXCEPTION)
		vmcs_write(VMCS_VM_ENTRY_INSTRUCTION_LENGTH,
			   vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH));
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, info & ~(1u << 12));
}
