/*
 * decoder.c - Capstone inside the hypervisor. Its malloc, calloc, realloc,
 * free and vsnprintf come through cs_option(CS_OPT_MEM) from heap.c over
 * DECODER_HEAP_PAGES pages of the hypervisor's pool; nothing else of the
 * system's is used (capstone.cmake builds it without CAPSTONE_USE_SYS_DYN_MEM).
 */
#include "boot_mem.h"
#include "emul/decoder.h"
#include "emul/heap.h"
#include "lib/format.h"
#include "lib/spinlock.h"
#include "log.h"
#include "panic.h"

/*
 * Measured (the boot line "@hv decoder"): the three handles and their
 * scratch instructions take ~7 KiB, and each handle's first decode builds
 * Capstone's instruction-id cache (~17 KiB), which decoder_init does at boot.
 */
#define DECODER_HEAP_PAGES 32

static struct heap heap;
static struct spinlock lock; /* heap, handles and scratch */
static csh handles[3];       /* 16-, 32-, 64-bit code */
static cs_insn *scratch[3];
static uint64_t decodes;

static void *cs_heap_malloc(size_t n)
{
	return heap_alloc(&heap, n);
}

static void *cs_heap_calloc(size_t count, size_t size)
{
	return heap_calloc(&heap, count, size);
}

static void *cs_heap_realloc(void *p, size_t n)
{
	return heap_realloc(&heap, p, n);
}

static void cs_heap_free(void *p)
{
	heap_free(&heap, p);
}

static unsigned slot_of(unsigned code_bits)
{
	return code_bits == 64 ? 2 : code_bits == 32 ? 1 : 0;
}

void decoder_init(void)
{
	cs_opt_mem mem = { .malloc = cs_heap_malloc, .calloc = cs_heap_calloc,
			   .realloc = cs_heap_realloc, .free = cs_heap_free,
			   .vsnprintf = hv_vsnprintf };
	static const unsigned bits[3] = { 16, 32, 64 };
	cs_err err;

	heap_init(&heap, (void *)(uintptr_t)alloc_pages_or_panic(DECODER_HEAP_PAGES,
								 "decoder heap"),
		  DECODER_HEAP_PAGES * PAGE_SIZE);
	err = cs_option(0, CS_OPT_MEM, (size_t)&mem);
	for (unsigned i = 0; i < 3 && err == CS_ERR_OK; i++) {
		err = cs_open(CS_ARCH_X86, decode_mode(bits[i]), &handles[i]);
		if (err == CS_ERR_OK)
			err = cs_option(handles[i], CS_OPT_DETAIL, CS_OPT_ON);
		if (err == CS_ERR_OK && !(scratch[i] = cs_malloc(handles[i])))
			err = CS_ERR_MEM;
	}
	if (err != CS_ERR_OK)
		panic("Capstone: %s", cs_strerror(err));
	for (unsigned i = 0; i < 3; i++) { /* builds the id caches now, not on an exit */
		static const uint8_t nop[] = { 0x90 };
		struct emul_insn in;

		decode_insn(handles[i], bits[i], nop, sizeof(nop), scratch[i], &in, NULL, 0);
	}
	log_info("decoder: Capstone %u.%u (x86), %zu of %llu KiB of its heap in use",
		 CS_API_MAJOR, CS_API_MINOR, heap.used >> 10,
		 (unsigned long long)(DECODER_HEAP_PAGES * PAGE_SIZE) >> 10);
	log_mline("decoder", "engine=capstone version=%u.%u heap_bytes=%llu used=%zu peak=%zu "
		  "allocs=%lu", CS_API_MAJOR, CS_API_MINOR,
		  (unsigned long long)(DECODER_HEAP_PAGES * PAGE_SIZE), heap.used, heap.peak,
		  heap.allocs);
}

enum decode_result decoder_decode(unsigned code_bits, const uint8_t *bytes, size_t n,
				  struct emul_insn *out, char *text, size_t text_size)
{
	unsigned s = slot_of(code_bits);
	enum decode_result r;

	spin_lock(&lock);
	r = decode_insn(handles[s], code_bits, bytes, n, scratch[s], out, text, text_size);
	decodes++;
	spin_unlock(&lock);
	return r;
}

void decoder_stats(size_t *used, size_t *peak, uint64_t *count)
{
	spin_lock(&lock);
	*used = heap.used;
	*peak = heap.peak;
	*count = decodes;
	spin_unlock(&lock);
}
