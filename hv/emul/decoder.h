/*
 * decoder.h - the hypervisor's Capstone: opened once at boot over a small
 * heap of its own (cs_opt_mem), one handle per code size, shared by every
 * CPU under a lock (decodes are rare once sites are promoted).
 */
#ifndef HV_EMUL_DECODER_H
#define HV_EMUL_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "emul/decode.h"

/* Sets up the heap and the handles; logs the memory they took. Panics on failure. */
void decoder_init(void);
/* decode_insn for code of 'code_bits' (16, 32, 64) with the shared handles. */
enum decode_result decoder_decode(unsigned code_bits, const uint8_t *bytes, size_t n,
				  struct emul_insn *out, char *text, size_t text_size);
/* Heap use now and at its peak, in bytes; the number of decodes. */
void decoder_stats(size_t *used, size_t *peak, uint64_t *decodes);

#endif
