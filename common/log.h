/* Process logging: one line per event on stderr, with a UTC timestamp, the
 * level and the component, so operators can grep what happened. */
#ifndef OMEN_LOG_H
#define OMEN_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Messages below level are dropped (default LOG_INFO). Not thread-safe
 * against concurrent log_write; call at start-up. */
void log_set_level(enum log_level level);
/* Parses "debug", "info", "warn" or "error"; false if none of them. */
bool log_parse_level(const char *s, enum log_level *out);
void log_set_prefix(const char *prefix); /* e.g. "shard g1/r2"; copied */

void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

#endif
