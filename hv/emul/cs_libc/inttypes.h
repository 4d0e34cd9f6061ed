/* Capstone's view of <inttypes.h>: the format macros hv/lib/format.c understands. */
#ifndef HV_CS_LIBC_INTTYPES_H
#define HV_CS_LIBC_INTTYPES_H
#include <stdint.h>
#define PRIx64 "lx"
#define PRIX64 "lX"
#define PRIu64 "lu"
#define PRId64 "ld"
#define PRIi64 "li"
#define PRIx32 "x"
#define PRIu32 "u"
#define PRId32 "d"
#endif
