/* err.h: the error object every library function fills on failure. */
#ifndef S3GC_ERR_H
#define S3GC_ERR_H

#include <stddef.h>

/* Error classes; each maps to one exit code of s3gc(7). */
enum s3gc_errclass {
	S3GC_OK = 0,
	S3GC_E_USAGE,    /* 64 */
	S3GC_E_DATA,     /* 65: bad input record */
	S3GC_E_NOINPUT,  /* 66 */
	S3GC_E_UNAVAIL,  /* 69: service unavailable */
	S3GC_E_INTERNAL, /* 70 */
	S3GC_E_SYS,      /* 71 */
	S3GC_E_IO,       /* 74: local I/O */
	S3GC_E_TEMP,     /* 75: retry later */
	S3GC_E_CONFIG,   /* 78 */
	S3GC_E_S3,       /* 80 */
	S3GC_E_DB,       /* 81 */
	S3GC_E_VAULT,    /* 82 */
	S3GC_E_RESTORE,  /* 83 */
	S3GC_E_CDC,      /* 84 */
	S3GC_E_BRAKE,    /* 85: refused by a safety brake */
};

#define S3GC_ERR_MSGMAX 1024

/*
 * cls is the class, code a detail (errno, HTTP status, LMDB code, ...; 0 if
 * none), msg the text, written like git's: lowercase, no full stop, subject
 * in single quotes. The object owns no heap memory.
 */
struct s3gc_err {
	enum s3gc_errclass cls;
	int code;
	char msg[S3GC_ERR_MSGMAX];
};

void err_clear(struct s3gc_err *e);

/* Fill e and return -1, so callers can write `return err_set(...)`. */
int err_set(struct s3gc_err *e, enum s3gc_errclass cls, int code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Like err_set, with ": strerror(errno_value)" appended; code = errno. */
int err_sys(struct s3gc_err *e, enum s3gc_errclass cls, int errno_value,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Put "what: " in front of the existing message; returns -1. */
int err_prefix(struct s3gc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The exit status of s3gc(7) for a class. */
int err_exit_code(enum s3gc_errclass cls);

/* A static name for a class ("config", "s3", ...). */
const char *err_class_name(enum s3gc_errclass cls);

#endif
