/*
 * test_page_compress.c - the swap compressor: round trips of zero, sparse,
 * repetitive, text-like and random pages, the raw fallback, the sizes it
 * reaches, and malformed streams refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mmu/page_compress.h"

#define PAGE PAGE_COMPRESS_PAGE

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint8_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)rng;
}

/* Compresses and decompresses; checks the bytes come back; returns the length. */
static size_t round_trip(const uint8_t *page)
{
	_Alignas(8) uint8_t out[PAGE], back[PAGE];
	size_t len = page_compress(page, out);

	CHECK(len <= PAGE);
	memset(back, 0xa5, sizeof(back));
	CHECK(page_decompress(out, len, back));
	CHECK(!memcmp(page, back, PAGE));
	return len;
}

static void test_shapes(void)
{
	_Alignas(8) uint8_t page[PAGE];

	memset(page, 0, PAGE);
	CHECK_EQ(round_trip(page), 0);                    /* zero page: no bytes */
	page[100] = 7;
	CHECK(round_trip(page) < 128);                     /* one byte in zeros */
	memset(page, 0x5a, PAGE);
	CHECK(round_trip(page) < 128);                     /* one byte repeated */
	for (unsigned i = 0; i < PAGE / 8; i++)            /* a stamped pattern */
		memcpy(page + 8 * i, &(uint64_t){ 0x1122334455667788ull }, 8);
	CHECK(round_trip(page) < 128);
	for (unsigned i = 0; i < PAGE; i++)                /* text-like: short words */
		page[i] = "the quick brown fox "[i % 20];
	CHECK(round_trip(page) < 256);
	for (unsigned i = 0; i < PAGE / 8; i++) {          /* counters: 8-byte words */
		uint64_t w = i;
		memcpy(page + 8 * i, &w, 8);
	}
	CHECK(round_trip(page) < PAGE);
	for (unsigned i = 0; i < PAGE; i++)                /* random: stored raw */
		page[i] = rnd();
	CHECK_EQ(round_trip(page), PAGE_COMPRESS_RAW);
	for (unsigned i = 0; i < PAGE / 2; i++)            /* half random, half zero */
		page[PAGE / 2 + i] = 0;
	CHECK(round_trip(page) < PAGE * 3 / 4);
}

/* Many pages mixing runs, copies and random bytes: every round trip exact. */
static void test_fuzz(void)
{
	_Alignas(8) uint8_t page[PAGE];

	for (int n = 0; n < 2000; n++) {
		unsigned pos = 0;

		while (pos < PAGE) {
			unsigned len = 1 + rnd() % 200, kind = rnd() % 3;

			if (len > PAGE - pos)
				len = PAGE - pos;
			for (unsigned i = 0; i < len; i++) {
				if (kind == 0)
					page[pos + i] = rnd();
				else if (kind == 1)
					page[pos + i] = (uint8_t)n;
				else
					page[pos + i] = pos >= 300 ? page[pos + i - 300 + (n % 50)]
								   : (uint8_t)i;
			}
			pos += len;
		}
		round_trip(page);
	}
}

static void test_malformed(void)
{
	_Alignas(8) uint8_t page[PAGE];
	const uint8_t short_lit[] = { 5, 1, 2 };             /* 6 literals, 2 given */
	const uint8_t far_match[] = { 0, 9, 0x80, 4, 0 };    /* distance 5 > 1 byte out */
	const uint8_t too_short[] = { 0, 9 };                /* one byte, not a page */
	const uint8_t cut_match[] = { 0, 9, 0x80, 0 };       /* distance half given */
	uint8_t too_long[PAGE];

	CHECK(!page_decompress(short_lit, sizeof(short_lit), page));
	CHECK(!page_decompress(far_match, sizeof(far_match), page));
	CHECK(!page_decompress(too_short, sizeof(too_short), page));
	CHECK(!page_decompress(cut_match, sizeof(cut_match), page));
	/* a literal then matches running past the page's end */
	too_long[0] = 0;
	too_long[1] = 1;
	for (unsigned i = 2; i + 3 <= 2 + 33 * 3; i += 3) {
		too_long[i] = 0xff;
		too_long[i + 1] = 0;
		too_long[i + 2] = 0;
	}
	CHECK(!page_decompress(too_long, 2 + 33 * 3, page));
}

int main(void)
{
	test_shapes();
	test_fuzz();
	test_malformed();
	return check_report("page_compress");
}
