/*
 * log.h - the serial log: human lines filtered by level, and machine lines
 * ("@hv <kind> key=value ...") that tests and benchmarks parse. Machine lines
 * are never filtered.
 */
#ifndef HV_LOG_H
#define HV_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

void log_init(void);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One machine line: "@hv " kind " " fields "\n". */
void log_mline(const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Raw text, no prefix, no newline added (register dumps, tables). */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
