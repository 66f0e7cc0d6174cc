/* log.c: the library's message sink and level. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static log_sink_fn sink;
static void *sink_arg;
static enum log_level current = LOG_WARN;

void log_set_sink(log_sink_fn fn, void *arg)
{
	sink = fn;
	sink_arg = arg;
}

void log_set_level(enum log_level level)
{
	current = level;
}

enum log_level log_get_level(void)
{
	return current;
}

int log_enabled(enum log_level level)
{
	return sink && level <= current;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sink(level, msg, sink_arg);
}
