/*
 * hypercall_checks.c - the VMCALL ABI of hv/hypercall.h: the version, a log
 * line, a refused log of hypervisor memory (the run goes on), a growing
 * exit count and an unknown function.
 */
#include "guest.h"
#include "hvcheck.h"
#include "lib/string.h"
#include "vmcall.h"

#define HV_IMAGE_GPA 0x200000ull /* hv/hv.ld: never L2's memory */
#define HC_UNKNOWN_FN 0x7fff
#define LOG_TEXT "hvcheck: hello from L2 through HC_LOG"

/* HC_VERSION: ABI 1 and the signature in RCX:RDX. */
static bool check_version(void)
{
	struct hc_result r = vmcall(HC_VERSION, 0, 0, 0);
	char sig[17];

	memcpy(sig, &r.rcx, 8);
	memcpy(sig + 8, &r.rdx, 8);
	sig[16] = '\0';
	return guest_check("hc-version",
			   r.ret == HC_OK && r.rbx == HC_ABI_VERSION && !strcmp(sig, "NestedHVisor"),
			   "ret=%ld abi=%lu sig=\"%s\"", r.ret, r.rbx, sig);
}

/* HC_LOG of the 'len' bytes at guest-physical 'gpa' must return 'want'. */
static bool check_log(const char *name, uint64_t gpa, uint64_t len, int64_t want)
{
	struct hc_result r = vmcall(HC_LOG, gpa, len, 0);

	return guest_check(name, r.ret == want, "ret=%ld want=%ld gpa=%#lx", r.ret, want, gpa);
}

/* HC_EXIT_COUNT: the second call counts the first one's exit too. */
static bool check_exit_count(void)
{
	struct hc_result a = vmcall(HC_EXIT_COUNT, 0, 0, 0);
	struct hc_result b = vmcall(HC_EXIT_COUNT, 0, 0, 0);

	return guest_check("hc-exit-count", a.ret == HC_OK && b.ret == HC_OK && b.rbx > a.rbx,
			   "first=%lu second=%lu", a.rbx, b.rbx);
}

/* A function the ABI does not define. */
static bool check_unknown(void)
{
	struct hc_result r = vmcall(HC_UNKNOWN_FN, 0, 0, 0);

	return guest_check("hc-unknown", r.ret == HC_ERR_UNKNOWN, "ret=%ld", r.ret);
}

bool hypercall_checks(void)
{
	bool ok = true;

	ok &= check_version();
	/* Identity-mapped: the string's address is its guest-physical address. */
	ok &= check_log("hc-log", (uint64_t)(uintptr_t)LOG_TEXT, strlen(LOG_TEXT), HC_OK);
	ok &= check_log("hc-log-hv-memory", HV_IMAGE_GPA, 16, HC_ERR_INVAL);
	ok &= check_exit_count();
	ok &= check_unknown();
	return ok;
}
