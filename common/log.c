#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level min_level = LOG_INFO;
static char prefix[64] = "omendb";

void log_set_level(enum log_level level)
{
	min_level = level;
}

bool log_parse_level(const char *s, enum log_level *out)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

void log_set_prefix(const char *p)
{
	snprintf(prefix, sizeof prefix, "%s", p);
}

void log_write(enum log_level level, const char *fmt, ...)
{
	static const char *const tags[] = {"DEBUG", "INFO", "WARN", "ERROR"};
	if (level < min_level)
		return;
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char line[1024];
	int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
			 tags[level], prefix);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so lines from threads do not interleave. */
	fprintf(stderr, "%s\n", line);
}
