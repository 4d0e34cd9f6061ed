/*
 * promote.c - the promotion cache of promote.h. A site lives in the set its
 * guest-physical address hashes to; the bytes are compared on every hit,
 * so a site whose code changed without the write-protection noticing (a
 * CPU still holding a writable EPT translation) is a miss, never a wrong
 * operation.
 */
#include "emul/promote.h"

#include "lib/string.h"

static struct promote_site *set_of(struct promote_cache *c, uint64_t gpa)
{
	return &c->s[((gpa * 0x9e3779b97f4a7c15ull) >> 58) % PROMOTE_SETS * PROMOTE_WAYS];
}

static bool same_site(const struct promote_site *s, uint64_t gpa, const uint8_t *bytes,
		      unsigned n, unsigned code_bits)
{
	return s->gpa == gpa && s->code_bits == code_bits && s->len && s->len <= n &&
	       !memcmp(s->bytes, bytes, s->len);
}

void promote_init(struct promote_cache *c, uint64_t threshold)
{
	memset(c, 0, sizeof(*c));
	c->threshold = threshold;
}

const struct emul_insn *promote_lookup(struct promote_cache *c, uint64_t gpa,
				       const uint8_t *bytes, unsigned n, unsigned code_bits,
				       uint32_t *hits)
{
	struct promote_site *set = set_of(c, gpa);

	c->clock++;
	for (unsigned w = 0; w < PROMOTE_WAYS; w++) {
		struct promote_site *s = &set[w];

		if (s->promoted && same_site(s, gpa, bytes, n, code_bits)) {
			s->last_use = c->clock;
			c->st.hits++;
			if (hits)
				*hits = ++s->hits;
			return &s->insn;
		}
	}
	c->st.misses++;
	return NULL;
}

/* The way to reuse: empty, else the LRU counter-only site, else the LRU promoted one. */
static struct promote_site *victim(struct promote_site *set)
{
	struct promote_site *best = NULL;

	for (unsigned w = 0; w < PROMOTE_WAYS; w++) {
		struct promote_site *s = &set[w];

		if (!s->len)
			return s;
		if (!best || s->promoted < best->promoted ||
		    (s->promoted == best->promoted && s->last_use < best->last_use))
			best = s;
	}
	return best;
}

bool promote_record(struct promote_cache *c, uint64_t gpa, const uint8_t *bytes,
		    unsigned code_bits, const struct emul_insn *insn)
{
	struct promote_site *set = set_of(c, gpa), *s = NULL;

	if (!c->threshold || !insn->len || insn->len > PROMOTE_MAX_INSN)
		return false;
	for (unsigned w = 0; w < PROMOTE_WAYS && !s; w++)
		if (same_site(&set[w], gpa, bytes, insn->len, code_bits))
			s = &set[w];
	if (!s) {
		s = victim(set);
		if (s->len) {
			c->st.evictions++;
			if (s->promoted)
				c->st.invalidations++;
		}
		memset(s, 0, sizeof(*s));
		s->gpa = gpa;
		s->len = insn->len;
		s->code_bits = (uint8_t)code_bits;
		memcpy(s->bytes, bytes, insn->len);
	}
	s->last_use = c->clock;
	if (s->promoted || ++s->traps < c->threshold)
		return false;
	s->promoted = 1;
	s->insn = *insn;
	c->st.promotions++;
	return true;
}

static bool touches_page(const struct promote_site *s, uint64_t page_gpa)
{
	return s->len && s->gpa < page_gpa + 4096 && s->gpa + s->len > page_gpa;
}

unsigned promote_invalidate_page(struct promote_cache *c, uint64_t page_gpa)
{
	unsigned n = 0;

	for (unsigned i = 0; i < PROMOTE_ENTRIES; i++)
		if (touches_page(&c->s[i], page_gpa)) {
			n += c->s[i].promoted;
			memset(&c->s[i], 0, sizeof(c->s[i]));
		}
	c->st.invalidations += n;
	return n;
}

bool promote_page_has_promoted(const struct promote_cache *c, uint64_t page_gpa)
{
	for (unsigned i = 0; i < PROMOTE_ENTRIES; i++)
		if (c->s[i].promoted && touches_page(&c->s[i], page_gpa))
			return true;
	return false;
}

void promote_flush(struct promote_cache *c)
{
	for (unsigned i = 0; i < PROMOTE_ENTRIES; i++)
		c->st.invalidations += c->s[i].promoted;
	memset(c->s, 0, sizeof(c->s));
}

bool promote_patch_bytes(uint8_t *code, unsigned off, unsigned len)
{
	static const uint8_t vmcall[PATCH_VMCALL_LEN] = { 0x0f, 0x01, 0xc1 };

	if (len < PATCH_VMCALL_LEN || off + len > 4096)
		return false;
	memcpy(code + off, vmcall, PATCH_VMCALL_LEN);
	memset(code + off + PATCH_VMCALL_LEN, 0x90, len - PATCH_VMCALL_LEN);
	return true;
}
