/* Capstone's view of <string.h>: hv/lib/string.c plus cs_libc.c's strcpy/strncpy. */
#ifndef HV_CS_LIBC_STRING_H
#define HV_CS_LIBC_STRING_H
#include "../../lib/string.h"
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
#endif
