/*
 * console.h - whole-line formatted output on COM1, shared by the
 * hypervisor's log and the test guests.
 */
#ifndef HV_LIB_CONSOLE_H
#define HV_LIB_CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>

#define CONSOLE_LINE_MAX 512

/*
 * Formats prefix + fmt (+ "\n" if newline) into one buffer and writes it in
 * one go, so concurrent writers never split a line; a cut line ends in "...".
 */
void console_vline(const char *prefix, const char *fmt, va_list ap, bool newline);

#endif
