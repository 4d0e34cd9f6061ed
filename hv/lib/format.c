/*
 * format.c - a small, complete-enough vsnprintf: integers in every base the
 * hypervisor prints, strings and characters, with C's flags and widths.
 */
#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* Emits one converted field: sign/prefix, zero or space padding, digits. */
static void emit(struct out *o, const struct spec *sp, const char *prefix,
		 const char *body, int body_len, int zeros)
{
	int plen = 0;

	while (prefix[plen])
		plen++;
	int total = plen + zeros + body_len;
	int fill = sp->width > total ? sp->width - total : 0;

	if (!sp->left && !(sp->zero && sp->prec < 0))
		pad(o, ' ', fill);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!sp->left && sp->zero && sp->prec < 0)
		pad(o, '0', fill);
	pad(o, '0', zeros);
	for (int i = 0; i < body_len; i++)
		put(o, body[i]);
	if (sp->left)
		pad(o, ' ', fill);
}

static void format_int(struct out *o, const struct spec *sp, uint64_t v,
		       bool negative, unsigned base, bool upper, bool is_signed)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	const char *prefix = "";

	if (v == 0 && sp->prec == 0)
		n = 0;
	else
		do {
			tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
			v /= base;
		} while (v);

	if (is_signed)
		prefix = negative ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	else if (sp->alt && base == 16 && n && !(n == 1 && tmp[sizeof(tmp) - 1] == '0'))
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8 && sp->prec <= n && (n == 0 || tmp[sizeof(tmp) - n] != '0'))
		prefix = "0"; /* unless the precision already gives a leading zero */

	int zeros = sp->prec > n ? sp->prec - n : 0;

	emit(o, sp, prefix, tmp + sizeof(tmp) - n, n, zeros);
}

/* Reads a signed argument of the given length modifier (in 'l' units). */
static int64_t arg_signed(va_list *ap, int lmod)
{
	switch (lmod) {
	case -2: return (signed char)va_arg(*ap, int);
	case -1: return (short)va_arg(*ap, int);
	case 0: return va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	default: return va_arg(*ap, long long);
	}
}

static uint64_t arg_unsigned(va_list *ap, int lmod)
{
	switch (lmod) {
	case -2: return (unsigned char)va_arg(*ap, unsigned int);
	case -1: return (unsigned short)va_arg(*ap, unsigned int);
	case 0: return va_arg(*ap, unsigned int);
	case 1: return va_arg(*ap, unsigned long);
	default: return va_arg(*ap, unsigned long long);
	}
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-') sp->left = true;
		else if (*f == '0') sp->zero = true;
		else if (*f == '+') sp->plus = true;
		else if (*f == ' ') sp->space = true;
		else if (*f == '#') sp->alt = true;
		else break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	return f;
}

static const char *parse_length(const char *f, int *lmod)
{
	*lmod = 0;
	if (*f == 'h') {
		*lmod = f[1] == 'h' ? -2 : -1;
		f += f[1] == 'h' ? 2 : 1;
	} else if (*f == 'l') {
		*lmod = f[1] == 'l' ? 2 : 1;
		f += f[1] == 'l' ? 2 : 1;
	} else if (*f == 'z' || *f == 't' || *f == 'j') {
		*lmod = 2;
		f++;
	}
	return f;
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list ap;
	int lmod;

	va_copy(ap, ap_in);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f = parse_length(parse_spec(f + 1, &sp, &ap), &lmod);
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, lmod);
			uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

			format_int(&o, &sp, mag, v < 0, 10, false, true);
			break;
		}
		case 'u':
			format_int(&o, &sp, arg_unsigned(&ap, lmod), false, 10, false, false);
			break;
		case 'x':
		case 'X':
			format_int(&o, &sp, arg_unsigned(&ap, lmod), false, 16, *f == 'X', false);
			break;
		case 'o':
			format_int(&o, &sp, arg_unsigned(&ap, lmod), false, 8, false, false);
			break;
		case 'p':
			sp.alt = true;
			format_int(&o, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false, false);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			sp.prec = -1;
			sp.zero = false;
			emit(&o, &sp, "", &c, 1, 0);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;

			if (!s)
				s = "(null)";
			while (s[n] && (sp.prec < 0 || n < sp.prec))
				n++;
			sp.prec = -1;
			sp.zero = false;
			emit(&o, &sp, "", s, n, 0);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			f--; /* a lone '%' at the end: stop at the terminator */
			break;
		default: /* unknown conversion: print it as written */
			put(&o, '%');
			put(&o, *f);
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
