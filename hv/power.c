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
