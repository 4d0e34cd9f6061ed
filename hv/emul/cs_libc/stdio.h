/* Capstone's view of <stdio.h>: formatting only, hv/lib/format.c's. */
#ifndef HV_CS_LIBC_STDIO_H
#define HV_CS_LIBC_STDIO_H
#include "../../lib/format.h"
#define snprintf hv_snprintf
#define vsnprintf hv_vsnprintf
#endif
