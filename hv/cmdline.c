/*
 * cmdline.c - splits the command line into whitespace-separated tokens
 * (values may be double-quoted), matches each against the option table and
 * converts its value by the option's type.
 */
#include "cmdline.h"
#include "lib/format.h"
#include "lib/string.h"

struct token {
	const char *name, *value; /* value NULL when there is no '=' */
	size_t name_len, value_len;
	const char *text;
	size_t text_len;
};

struct parser {
	const struct opt_def *defs;
	size_t ndefs;
	void *base;
	struct cmdline_error *errs;
	size_t max_errs;
	int nerrs;
	uint64_t seen; /* bit per option index below 64, for duplicates */
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void add_error(struct parser *p, enum cmdline_error_kind kind, int opt,
		      const char *text, size_t len)
{
	if ((size_t)p->nerrs < p->max_errs) {
		struct cmdline_error *e = &p->errs[p->nerrs];

		e->kind = kind;
		e->opt = opt;
		if (len > CMDLINE_TOKEN_MAX - 1)
			len = CMDLINE_TOKEN_MAX - 1;
		memcpy(e->token, text, len);
		e->token[len] = '\0';
	}
	p->nerrs++;
}

/* Reads the next token at *pos; false at the end of the line. */
static bool next_token(struct parser *p, const char **pos, struct token *t)
{
	const char *s = *pos;
	bool quoted = false;

	while (is_space(*s))
		s++;
	if (!*s)
		return false;
	*t = (struct token){ .name = s, .text = s };
	for (; *s && (quoted || !is_space(*s)); s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (*s == '=' && !t->value)
			t->value = s + 1;
	}
	t->text_len = (size_t)(s - t->text);
	t->name_len = t->value ? (size_t)(t->value - 1 - t->name) : t->text_len;
	if (t->value) {
		t->value_len = (size_t)(s - t->value);
		if (t->value_len >= 2 && t->value[0] == '"' && t->value[t->value_len - 1] == '"') {
			t->value++;
			t->value_len -= 2;
		}
	}
	if (quoted)
		add_error(p, CMDLINE_ERR_QUOTE, -1, t->text, t->text_len);
	*pos = s;
	return !quoted;
}

static bool value_is(const struct token *t, const char *word)
{
	return strlen(word) == t->value_len && !strncmp(t->value, word, t->value_len);
}

/* Parses decimal or 0x-prefixed hex; false on junk or overflow. */
static bool parse_uint(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* "none" or "a,b,c" with each number in [min, max]: a bitmask; error kind or -1. */
static int parse_set(const struct opt_def *d, const struct token *t, uint64_t *out)
{
	const char *s = t->value, *end = t->value + t->value_len;
	uint64_t set = 0;

	if (value_is(t, "none")) {
		*out = 0;
		return -1;
	}
	while (s <= end) {
		const char *comma = s;
		uint64_t v;

		while (comma < end && *comma != ',')
			comma++;
		if (!parse_uint(s, (size_t)(comma - s), &v))
			return CMDLINE_ERR_BAD_VALUE;
		if (v < d->min || v > d->max || v > 63)
			return CMDLINE_ERR_RANGE;
		set |= 1ull << v;
		s = comma + 1;
	}
	*out = set;
	return -1;
}

/* Converts and stores the token's value; returns the error kind or -1. */
static int store_value(const struct opt_def *d, const struct token *t, void *base)
{
	char *dst = (char *)base + d->offset;

	if (d->type == OPT_BOOL) {
		if (!t->value || value_is(t, "on") || value_is(t, "yes") || value_is(t, "true") ||
		    value_is(t, "1"))
			*(bool *)dst = true;
		else if (value_is(t, "off") || value_is(t, "no") || value_is(t, "false") ||
			 value_is(t, "0"))
			*(bool *)dst = false;
		else
			return CMDLINE_ERR_BAD_VALUE;
		return -1;
	}
	if (!t->value)
		return CMDLINE_ERR_NO_VALUE;
	switch (d->type) {
	case OPT_UINT: {
		uint64_t v;

		if (d->off && value_is(t, "off")) {
			*(uint64_t *)dst = 0;
			return -1;
		}
		if (!parse_uint(t->value, t->value_len, &v))
			return CMDLINE_ERR_BAD_VALUE;
		if (v < d->min || v > d->max)
			return CMDLINE_ERR_RANGE;
		*(uint64_t *)dst = v;
		return -1;
	}
	case OPT_SET:
		return parse_set(d, t, (uint64_t *)dst);
	case OPT_ENUM:
		for (unsigned i = 0; d->choices[i]; i++) {
			if (value_is(t, d->choices[i])) {
				*(unsigned *)dst = i;
				return -1;
			}
		}
		return CMDLINE_ERR_BAD_VALUE;
	default: /* OPT_STR */
		if (t->value_len > CMDLINE_STR_MAX - 1)
			return CMDLINE_ERR_TOO_LONG;
		memcpy(dst, t->value, t->value_len);
		dst[t->value_len] = '\0';
		return -1;
	}
}

static int find_opt(const struct parser *p, const struct token *t)
{
	for (size_t i = 0; i < p->ndefs; i++)
		if (strlen(p->defs[i].name) == t->name_len &&
		    !strncmp(p->defs[i].name, t->name, t->name_len))
			return (int)i;
	return -1;
}

int cmdline_parse(const char *line, const struct opt_def *defs, size_t ndefs, void *base,
		  struct cmdline_error *errs, size_t max_errs)
{
	struct parser p = { defs, ndefs, base, errs, max_errs, 0, 0 };
	const char *pos = line ? line : "";
	struct token t;

	while (next_token(&p, &pos, &t)) {
		int i = find_opt(&p, &t);
		int err;

		if (i < 0) {
			add_error(&p, CMDLINE_ERR_UNKNOWN, -1, t.text, t.text_len);
			continue;
		}
		if (i < 64 && (p.seen & (1ull << i))) {
			add_error(&p, CMDLINE_ERR_DUPLICATE, i, t.text, t.text_len);
			continue;
		}
		if (i < 64)
			p.seen |= 1ull << i;
		err = store_value(&defs[i], &t, base);
		if (err >= 0)
			add_error(&p, (enum cmdline_error_kind)err, i, t.text, t.text_len);
	}
	return p.nerrs;
}

/* Appends "a|b|c" (the option's accepted values) to buf at *len. */
static void describe_values(const struct opt_def *d, char *buf, size_t size, size_t *len)
{
	if (d->type == OPT_ENUM) {
		for (unsigned i = 0; d->choices[i] && *len < size; i++)
			*len += (size_t)hv_snprintf(buf + *len, size - *len, "%s%s", i ? "|" : "",
						    d->choices[i]);
	} else if (d->type == OPT_UINT) {
		*len += (size_t)hv_snprintf(buf + *len, size - *len, "a number in [%llu, %llu]%s",
					    (unsigned long long)d->min,
					    (unsigned long long)d->max, d->off ? " or off" : "");
	} else if (d->type == OPT_BOOL) {
		*len += (size_t)hv_snprintf(buf + *len, size - *len, "on|off");
	} else if (d->type == OPT_SET) {
		*len += (size_t)hv_snprintf(buf + *len, size - *len,
					    "none or a comma-separated list of numbers in [%llu, %llu]",
					    (unsigned long long)d->min, (unsigned long long)d->max);
	} else {
		*len += (size_t)hv_snprintf(buf + *len, size - *len, "a string of at most %d chars",
					    CMDLINE_STR_MAX - 1);
	}
}

void cmdline_error_format(const struct cmdline_error *err, const struct opt_def *defs,
			  size_t ndefs, char *buf, size_t size)
{
	static const char *const what[] = {
		[CMDLINE_ERR_UNKNOWN] = "unknown option",
		[CMDLINE_ERR_NO_VALUE] = "missing value in",
		[CMDLINE_ERR_BAD_VALUE] = "bad value in",
		[CMDLINE_ERR_RANGE] = "value out of range in",
		[CMDLINE_ERR_TOO_LONG] = "value too long in",
		[CMDLINE_ERR_QUOTE] = "unterminated quote in",
		[CMDLINE_ERR_DUPLICATE] = "option given twice:",
	};
	size_t len = (size_t)hv_snprintf(buf, size, "%s '%s'", what[err->kind], err->token);

	if (len >= size)
		return;
	if (err->opt >= 0 && (size_t)err->opt < ndefs && err->kind != CMDLINE_ERR_DUPLICATE) {
		len += (size_t)hv_snprintf(buf + len, size - len, " (expected %s=",
					   defs[err->opt].name);
		if (len < size) /* else size - len would wrap */
			describe_values(&defs[err->opt], buf, size, &len);
		if (len < size)
			hv_snprintf(buf + len, size - len, ")");
	} else if (err->kind == CMDLINE_ERR_UNKNOWN) {
		len += (size_t)hv_snprintf(buf + len, size - len, " (known:");
		for (size_t i = 0; i < ndefs && len < size; i++)
			len += (size_t)hv_snprintf(buf + len, size - len, " %s", defs[i].name);
		if (len < size)
			hv_snprintf(buf + len, size - len, ")");
	}
}
