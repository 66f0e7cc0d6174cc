/* fe.h: what every s3gc program's front end shares: messages and exits. */
#ifndef S3GC_FE_H
#define S3GC_FE_H

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "rec.h"

extern const char *fe_progname;

/*
 * Set the program name, send library messages to stderr, and check at exit
 * that standard output was written completely (a failed write is exit 74).
 */
void fe_init(const char *argv0);

/* -v and -q: each -v raises the level, -q silences all but errors. */
void fe_verbose(void);
void fe_quiet(void);

/* "PROG: message" on stderr. */
void fe_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print e and exit with its class's status. */
void fe_die(const struct s3gc_err *e) __attribute__((noreturn));

/* A usage error: message, the "Try --help" line, exit 64. */
void fe_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* The "Try --help" line on stderr, then exit with status. */
void fe_try_help(int status) __attribute__((noreturn));

/* "PROG (s3gc) VERSION" on stdout, then exit 0. */
void fe_version(void) __attribute__((noreturn));

/* Parse a decimal int in [lo, hi] for option opt, or exit 64. */
int fe_int_arg(const char *opt, const char *s, int lo, int hi);

/* Load the configuration (-c FILE or the default places), or exit 78. */
void fe_conf_load(struct conf *c, const char *path);

/* Apply a flag to the configuration, or exit 78 naming the flag. */
void fe_conf_set(struct conf *c, const char *key, const char *value,
		 const char *flag);

/* Apply --bucket, --endpoint and --region where given (NULL: not given). */
void fe_conf_s3(struct conf *c, const char *bucket, const char *endpoint,
		const char *region);

/*
 * Write object record o to standard output and flush it (line is the
 * caller's scratch); S3GC_E_IO when it cannot be written.
 */
int fe_write_obj(struct buf *line, const struct obj *o, struct s3gc_err *e);

/*
 * Replace file path with data[0..n) whole or not at all: a temporary file
 * beside it, written, fsync'd and renamed over it. S3GC_E_IO naming the
 * path on failure.
 */
int fe_write_file(const char *path, const char *data, size_t n, struct s3gc_err *e);

#endif
