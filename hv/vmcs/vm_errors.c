/*
 * vm_errors.c - words for VM-instruction errors (SDM Vol. 3C 31.4) and for
 * the exit qualifications of VM-entry failures (SDM Vol. 3C 27.8).
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/format.h"
#include "vmcs/exit_reasons.h"
#include "vmcs/vm_errors.h"

#define ERROR_WORDS(nr, name, words) [nr] = words,

/* Indexed by error number; NULL for 0 and the reserved numbers. */
static const char *const error_words[] = {
	VMX_INSTRUCTION_ERROR_LIST(ERROR_WORDS)
};

#define ERROR_COUNT (sizeof(error_words) / sizeof(error_words[0]))

static const char *const guest_state_qual_words[] = {
	[ENTRY_QUAL_NONE] = "no further information",
	[ENTRY_QUAL_PDPTE] = "problem loading the PDPTEs",
	[ENTRY_QUAL_NMI_STI] =
		"NMI injection into a guest blocking events by STI",
	[ENTRY_QUAL_VMCS_LINK_POINTER] = "invalid VMCS link pointer",
};

#define QUAL_COUNT \
	(sizeof(guest_state_qual_words) / sizeof(guest_state_qual_words[0]))

const char *vmx_instruction_error_str(uint32_t error)
{
	if (error >= ERROR_COUNT || !error_words[error])
		return "unknown";
	return error_words[error];
}

const char *vmx_entry_failure_qual_str(char *buf, size_t size,
				       uint32_t basic_reason, uint64_t qual)
{
	if (basic_reason == EXIT_REASON_INVALID_GUEST_STATE) {
		const char *w = qual < QUAL_COUNT ? guest_state_qual_words[qual]
						  : NULL;

		hv_snprintf(buf, size, "%s", w ? w : "unknown");
	} else if (basic_reason == EXIT_REASON_MSR_LOADING) {
		hv_snprintf(buf, size, "VM-entry MSR-load entry %llu failed",
			    (unsigned long long)qual);
	} else {
		hv_snprintf(buf, size, "no qualification for this exit reason");
	}
	return buf;
}
