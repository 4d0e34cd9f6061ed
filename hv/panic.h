/*
 * panic.h - stopping the hypervisor on an error it cannot handle: a human
 * message, a machine-readable panic record, a failing verdict, power-off.
 */
#ifndef HV_PANIC_H
#define HV_PANIC_H

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define HV_ASSERT(cond)                                                       \
	do {                                                                  \
		if (!(cond))                                                  \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, \
			      __LINE__);                                      \
	} while (0)

#endif
