/* tap.h: a few TAP helpers for the C unit tests (header only). */
#ifndef S3GC_TAP_H
#define S3GC_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_plan(int n) { printf("1..%d\n", n); }

static inline void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

static inline void tap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static inline int tap_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

/* Compare strings; on failure show both. */
#define tap_is_str(got, want, ...)                                          \
	do {                                                                \
		const char *g_ = (got), *w_ = (want);                       \
		if (!tap_ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__)) \
			tap_diag("got '%s', want '%s'", g_ ? g_ : "(null)", \
				 w_ ? w_ : "(null)");                       \
	} while (0)

#define tap_is_int(got, want, ...)                                       \
	do {                                                             \
		long long g_ = (got), w_ = (want);                       \
		if (!tap_ok(g_ == w_, __VA_ARGS__))                      \
			tap_diag("got %lld, want %lld", g_, w_);         \
	} while (0)

/* Print the plan at the end when the count wasn't known up front. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

static inline int tap_exit(void) { return tap_failed ? 1 : 0; }

#endif
