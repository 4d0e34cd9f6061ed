/* Capstone's view of <stdlib.h>: qsort only; its memory comes through cs_opt_mem (decoder.c). */
#ifndef HV_CS_LIBC_STDLIB_H
#define HV_CS_LIBC_STDLIB_H
#include <stddef.h>
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
#endif
