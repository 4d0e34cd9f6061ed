/* Capstone's view of <ctype.h> (cs_libc.c). */
#ifndef HV_CS_LIBC_CTYPE_H
#define HV_CS_LIBC_CTYPE_H
int tolower(int c);
int toupper(int c);
#endif
