/* err.c: error objects and the class to exit code table of s3gc(7). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

void err_clear(struct s3gc_err *e)
{
	e->cls = S3GC_OK;
	e->code = 0;
	e->msg[0] = '\0';
}

int err_set(struct s3gc_err *e, enum s3gc_errclass cls, int code,
	    const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->cls = cls;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(struct s3gc_err *e, enum s3gc_errclass cls, int errno_value,
	    const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!e)
		return -1;
	e->cls = cls;
	e->code = errno_value;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(errno_value));
	return -1;
}

int err_prefix(struct s3gc_err *e, const char *fmt, ...)
{
	char joined[2 * S3GC_ERR_MSGMAX + 2];
	size_t n;
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(joined, S3GC_ERR_MSGMAX, fmt, ap);
	va_end(ap);
	n = strlen(joined);
	joined[n++] = ':';
	joined[n++] = ' ';
	memcpy(joined + n, e->msg, strnlen(e->msg, S3GC_ERR_MSGMAX - 1) + 1);
	/* Truncate to fit; the message is for humans. */
	joined[S3GC_ERR_MSGMAX - 1] = '\0';
	memcpy(e->msg, joined, S3GC_ERR_MSGMAX);
	return -1;
}

static const struct {
	enum s3gc_errclass cls;
	int status;
	const char *name;
} classes[] = {
	{ S3GC_OK, 0, "ok" },
	{ S3GC_E_USAGE, 64, "usage" },
	{ S3GC_E_DATA, 65, "data" },
	{ S3GC_E_NOINPUT, 66, "noinput" },
	{ S3GC_E_UNAVAIL, 69, "unavailable" },
	{ S3GC_E_INTERNAL, 70, "internal" },
	{ S3GC_E_SYS, 71, "system" },
	{ S3GC_E_IO, 74, "io" },
	{ S3GC_E_TEMP, 75, "temporary" },
	{ S3GC_E_CONFIG, 78, "config" },
	{ S3GC_E_S3, 80, "s3" },
	{ S3GC_E_DB, 81, "database" },
	{ S3GC_E_VAULT, 82, "vault" },
	{ S3GC_E_RESTORE, 83, "restore" },
	{ S3GC_E_CDC, 84, "cdc" },
	{ S3GC_E_BRAKE, 85, "brake" },
};

int err_exit_code(enum s3gc_errclass cls)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].cls == cls)
			return classes[i].status;
	return 70;
}

const char *err_class_name(enum s3gc_errclass cls)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].cls == cls)
			return classes[i].name;
	return "internal";
}
