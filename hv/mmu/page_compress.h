/*
 * page_compress.h - a small LZ77 compressor for 4 KiB pages, the page pool's
 * swap format (page_pool.h). Cold guest pages are often zero or repetitive,
 * so a byte-oriented LZ with a one-probe hash finder is enough: it needs no
 * heap, 1 KiB of stack and one pass. Pure logic: also builds hosted.
 *
 * Stream: a zero page is the empty stream; a page that does not shrink is
 * stored raw (length PAGE_COMPRESS_RAW); otherwise a sequence of tokens:
 *   0x00-0x7f  literal run: (token + 1) bytes follow
 *   0x80-0xff  match: copy (token - 0x80 + 4) bytes from 'distance' bytes
 *              back (1-4096; overlap allowed), distance in the next two
 *              bytes, little-endian, minus one
 */
#ifndef HV_MMU_PAGE_COMPRESS_H
#define HV_MMU_PAGE_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_COMPRESS_PAGE 4096u
/* The stored length of an incompressible page: the page itself. */
#define PAGE_COMPRESS_RAW PAGE_COMPRESS_PAGE

/*
 * Compresses the page into out (PAGE_COMPRESS_PAGE bytes of room); returns
 * the stream's length: 0 for a zero page, PAGE_COMPRESS_RAW if it did not
 * shrink (out then holds the page as it is).
 */
size_t page_compress(const uint8_t *page, uint8_t *out);
/* Rebuilds the page from a stream of len bytes; false if it is malformed. */
bool page_decompress(const uint8_t *in, size_t len, uint8_t *page);

#endif
