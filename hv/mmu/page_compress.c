/*
 * page_compress.c - LZ77 for one 4 KiB page (format in page_compress.h):
 * greedy parsing, matches found through a 512-entry hash of the next four
 * bytes, which remembers the last position they were seen at.
 */
#include "mmu/page_compress.h"
#include "lib/string.h"
#include "mmu/page_words.h"

#define PAGE PAGE_COMPRESS_PAGE
#define MIN_MATCH 4u
#define MAX_MATCH (0x7fu + MIN_MATCH)
#define MAX_LITERALS 0x80u
#define HASH_BITS 9
#define NO_POS 0xffffu

static bool all_zero(const uint8_t *page)
{
	const uint64_t *w = (const uint64_t *)page;

	for (unsigned i = 0; i < PAGE / 8; i++)
		if (w[i])
			return false;
	return true;
}

static unsigned hash4(const uint8_t *p)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		     (uint32_t)p[3] << 24;

	return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Appends the literals [from, to) as runs; false if out would pass 'limit'. */
static bool put_literals(const uint8_t *page, unsigned from, unsigned to, uint8_t *out,
			 size_t *len, size_t limit)
{
	while (from < to) {
		unsigned n = to - from < MAX_LITERALS ? to - from : MAX_LITERALS;

		if (*len + 1 + n > limit)
			return false;
		out[(*len)++] = (uint8_t)(n - 1);
		memcpy(out + *len, page + from, n);
		*len += n;
		from += n;
	}
	return true;
}

/* The length of the match between page[pos...] and page[cand...], capped. */
static unsigned match_len(const uint8_t *page, unsigned cand, unsigned pos)
{
	unsigned n = 0;

	while (n < MAX_MATCH && pos + n < PAGE && page[cand + n] == page[pos + n])
		n++;
	return n;
}

/* The LZ stream, or 0 if it would not be shorter than the page. */
static size_t compress_lz(const uint8_t *page, uint8_t *out)
{
	uint16_t last[1u << HASH_BITS];
	unsigned pos = 0, lit = 0;
	size_t len = 0;

	memset(last, 0xff, sizeof(last));
	while (pos + MIN_MATCH <= PAGE) {
		unsigned h = hash4(page + pos), cand = last[h], n = 0;

		last[h] = (uint16_t)pos;
		if (cand != NO_POS)
			n = match_len(page, cand, pos);
		if (n < MIN_MATCH) {
			pos++;
			continue;
		}
		if (!put_literals(page, lit, pos, out, &len, PAGE - 4))
			return 0;
		out[len++] = (uint8_t)(0x80 + n - MIN_MATCH);
		out[len++] = (uint8_t)(pos - cand - 1);
		out[len++] = (uint8_t)((pos - cand - 1) >> 8);
		pos += n;
		lit = pos;
	}
	if (!put_literals(page, lit, PAGE, out, &len, PAGE - 1))
		return 0;
	return len;
}

size_t page_compress(const uint8_t *page, uint8_t *out)
{
	size_t len;

	if (all_zero(page))
		return 0;
	len = compress_lz(page, out);
	if (len)
		return len;
	page_copy(out, page);
	return PAGE_COMPRESS_RAW;
}

/*
 * Copies n bytes from dist back to pos: 8 at a time where the source stays
 * behind the destination by that much, else byte by byte (an overlapping
 * match repeats the bytes it has just written, as LZ77 means).
 */
static void copy_match(uint8_t *page, unsigned pos, unsigned dist, unsigned n)
{
	unsigned k = 0;

	if (dist >= 8)
		for (; k + 8 <= n; k += 8)
			__builtin_memcpy(page + pos + k, page + pos + k - dist, 8);
	for (; k < n; k++)
		page[pos + k] = page[pos + k - dist];
}

bool page_decompress(const uint8_t *in, size_t len, uint8_t *page)
{
	size_t i = 0;
	unsigned pos = 0;

	if (len == 0) {
		page_zero(page);
		return true;
	}
	if (len == PAGE_COMPRESS_RAW) {
		page_copy(page, in);
		return true;
	}
	while (i < len) {
		unsigned t = in[i++];

		if (t < 0x80) {
			unsigned n = t + 1;

			if (n > len - i || n > PAGE - pos)
				return false;
			memcpy(page + pos, in + i, n);
			i += n;
			pos += n;
		} else {
			unsigned n = t - 0x80 + MIN_MATCH, dist;

			if (len - i < 2)
				return false;
			dist = (unsigned)in[i] | (unsigned)in[i + 1] << 8;
			dist++;
			i += 2;
			if (dist > pos || n > PAGE - pos)
				return false;
			copy_match(page, pos, dist, n);
			pos += n;
		}
	}
	return pos == PAGE;
}
