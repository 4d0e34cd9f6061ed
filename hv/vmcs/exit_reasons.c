/*
 * exit_reasons.c - words for VMX exit reasons, from the table in
 * exit_reasons.h (SDM Vol. 3D Appendix C, Vol. 3C 25.9.1).
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/format.h"
#include "vmcs/exit_reasons.h"

#define EXIT_REASON_WORDS(nr, name, words) [nr] = words,

/* Indexed by basic exit reason; NULL for the reserved numbers. */
static const char *const reason_words[VMX_EXIT_REASON_COUNT] = {
	VMX_EXIT_REASON_LIST(EXIT_REASON_WORDS)
};

/* The flag bits worth a word, in bit order. */
static const struct {
	uint32_t bit;
	const char *words;
} reason_flags[] = {
	{ EXIT_REASON_SHADOW_STACK_BUSY, "shadow stack prematurely busy" },
	{ EXIT_REASON_BUS_LOCK_ASSERTED, "bus lock asserted" },
	{ EXIT_REASON_ENCLAVE_MODE, "from enclave mode" },
	{ EXIT_REASON_PENDING_MTF, "pending MTF VM exit" },
	{ EXIT_REASON_FROM_VMX_ROOT, "from VMX root operation" },
};

#define FLAG_COUNT (sizeof(reason_flags) / sizeof(reason_flags[0]))

const char *vmx_exit_reason_name(uint32_t basic)
{
	if (basic >= VMX_EXIT_REASON_COUNT || !reason_words[basic])
		return "unknown";
	return reason_words[basic];
}

/* Appends to the text of length len in buf (which may be full); new length. */
__attribute__((format(printf, 4, 5)))
static size_t appendf(char *buf, size_t size, size_t len, const char *fmt, ...)
{
	size_t room = len < size ? size - len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(room ? buf + len : NULL, room, fmt, ap);
	va_end(ap);
	return len + (size_t)n;
}

int vmx_exit_reason_format(char *buf, size_t size, uint32_t exit_reason)
{
	uint32_t basic = vmx_exit_reason_basic(exit_reason);
	const char *sep = " [";
	size_t len = 0;

	if (exit_reason & EXIT_REASON_FAILED_VMENTRY)
		len = appendf(buf, size, len, "VM-entry failure: ");
	len = appendf(buf, size, len, "%s (%u)", vmx_exit_reason_name(basic),
		      (unsigned)basic);
	for (size_t i = 0; i < FLAG_COUNT; i++) {
		if (exit_reason & reason_flags[i].bit) {
			len = appendf(buf, size, len, "%s%s", sep,
				      reason_flags[i].words);
			sep = ", ";
		}
	}
	if (sep[0] == ',')
		len = appendf(buf, size, len, "]");
	return (int)len;
}
