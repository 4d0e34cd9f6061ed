/*
 * cmdline.h - a table-driven parser for "name=value name ..." command lines
 * (the hypervisor's boot options). Every token must match an option of the
 * table and carry a valid value: mistakes are returned as errors, never
 * ignored.
 */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_STR_MAX 64
#define CMDLINE_TOKEN_MAX 48

enum opt_type {
	OPT_BOOL, /* bool: "name", "name=on|off|yes|no|true|false|1|0" */
	OPT_UINT, /* uint64_t: decimal or 0x-hex, within [min, max] (or "off": 0, if .off) */
	OPT_ENUM, /* unsigned: index into choices */
	OPT_STR,  /* char[CMDLINE_STR_MAX]: raw value, parsed by its user */
	OPT_SET,  /* uint64_t bitmask: "none" or comma-separated numbers in [min, max <= 63] */
};

struct opt_def {
	const char *name;
	enum opt_type type;
	size_t offset; /* of the destination inside the options struct */
	const char *const *choices; /* OPT_ENUM: NULL-terminated */
	uint64_t min, max;          /* OPT_UINT */
	const char *help;
	bool off;                   /* OPT_UINT: "off" is accepted too, stored as 0 */
};

enum cmdline_error_kind {
	CMDLINE_ERR_UNKNOWN,     /* no option of that name */
	CMDLINE_ERR_NO_VALUE,    /* "name" alone for an option that needs a value */
	CMDLINE_ERR_BAD_VALUE,   /* value not a number/choice/boolean */
	CMDLINE_ERR_RANGE,       /* number outside [min, max] */
	CMDLINE_ERR_TOO_LONG,    /* string value longer than CMDLINE_STR_MAX - 1 */
	CMDLINE_ERR_QUOTE,       /* unterminated double quote */
	CMDLINE_ERR_DUPLICATE,   /* the same option given twice */
};

struct cmdline_error {
	enum cmdline_error_kind kind;
	int opt;                          /* index into the table, -1 if unknown */
	char token[CMDLINE_TOKEN_MAX];    /* the offending token, cut if long */
};

/*
 * Parses 'line' against 'defs', storing values at base + def.offset.
 * Returns the number of errors; the first 'max_errs' are stored in 'errs'.
 */
int cmdline_parse(const char *line, const struct opt_def *defs, size_t ndefs, void *base,
		  struct cmdline_error *errs, size_t max_errs);
/* Writes a one-line English explanation of 'err' into buf. */
void cmdline_error_format(const struct cmdline_error *err, const struct opt_def *defs,
			  size_t ndefs, char *buf, size_t size);

#endif
