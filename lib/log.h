/* log.h: diagnostics from the library, delivered to a sink the tool sets. */
#ifndef S3GC_LOG_H
#define S3GC_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/*
 * The library never prints: it hands messages to the sink, which tools set
 * (tools/fe.c writes them to stderr). With no sink, messages are dropped.
 * Messages never carry secrets: callers pass only non-secret text.
 */
typedef void (*log_sink_fn)(enum log_level level, const char *msg, void *arg);

void log_set_sink(log_sink_fn fn, void *arg);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
