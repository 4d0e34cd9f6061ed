/* Capstone's view of <assert.h>: a failed assertion is a hypervisor panic (cs_libc.c). */
#ifndef HV_CS_LIBC_ASSERT_H
#define HV_CS_LIBC_ASSERT_H
__attribute__((noreturn)) void cs_assert_failed(const char *expr, const char *file, int line);
#define assert(e) ((e) ? (void)0 : cs_assert_failed(#e, __FILE__, __LINE__))
#endif
