/* Capstone's view of <stdio.h> inside the hypervisor: formatting only (cs_libc.c). */
#ifndef HV_CS_LIBC_STDIO_H
#define HV_CS_LIBC_STDIO_H
#include <stdarg.h>
#include <stddef.h>
int snprintf(char *buf, size_t size, const char *fmt, ...);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
#endif
