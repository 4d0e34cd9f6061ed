/*
 * power.c - the hypervisor's last words: one verdict line, then power-off.
 */
#include "log.h"
#include "power.h"

void hv_finish(bool pass, const char *reason)
{
	log_mline("verdict", "result=%s reason=%s", pass ? "pass" : "fail", reason);
	power_off(pass);
}

void hv_finish_exit_code(uint32_t code)
{
	log_mline("verdict", "result=%s reason=guest-exit-%s code=%u qemu_status=%u",
		  code ? "fail" : "pass", code ? "fail" : "pass", code, (code << 1) | 1);
	power_off_code(code);
}
