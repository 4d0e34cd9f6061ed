/*
 * exit_setup.c - the one place that says which exits the hypervisor asks for
 * beyond what its VM-execution controls imply.
 */
#include "exit_setup.h"
#include "guest_power.h"

void exit_setup(void)
{
	io_ports_init();
	guest_power_init();
	msr_intercepts_init();
}
