/* fe.c: the shared front end of the s3gc programs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fdio.h"
#include "fe.h"
#include "log.h"
#include "rec.h"

const char *fe_progname = "s3gc";

static void sink(enum log_level level, const char *msg, void *arg)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };

	(void)arg;
	fprintf(stderr, "%s: %s%s\n", fe_progname, tag[level], msg);
}

static void close_stdout(void)
{
	int bad = ferror(stdout);

	if (fclose(stdout) != 0 || bad) {
		/* EPIPE means the reader left on purpose (head, grep -q). */
		if (errno == EPIPE)
			_exit(141);
		fprintf(stderr, "%s: write error: %s\n", fe_progname,
			bad && !errno ? "stdout" : strerror(errno));
		_exit(74);
	}
}

void fe_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	fe_progname = slash ? slash + 1 : argv0;
	log_set_sink(sink, NULL);
	log_set_level(LOG_WARN);
	atexit(close_stdout);
}

void fe_verbose(void)
{
	if (log_get_level() < LOG_DEBUG)
		log_set_level(log_get_level() + 1);
}

void fe_quiet(void)
{
	log_set_level(LOG_ERROR);
}

static void vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", fe_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void fe_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void fe_die(const struct s3gc_err *e)
{
	fe_warn("%s", e->msg[0] ? e->msg : "unknown error");
	fflush(stdout);
	exit(err_exit_code(e->cls));
}

void fe_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fe_try_help(64);
}

void fe_try_help(int status)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", fe_progname);
	exit(status);
}

void fe_version(void)
{
	printf("%s (%s) %s\n", fe_progname, PACKAGE_NAME, PACKAGE_VERSION);
	exit(0);
}

int fe_int_arg(const char *opt, const char *s, int lo, int hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		fe_usage_error("bad value '%s' for %s: expected a number from %d to %d",
			       s, opt, lo, hi);
	return (int)v;
}

void fe_conf_load(struct conf *c, const char *path)
{
	struct s3gc_err e;

	if (conf_init(c, &e) < 0 || conf_load(c, path, &e) < 0)
		fe_die(&e);
}

void fe_conf_set(struct conf *c, const char *key, const char *value,
		 const char *flag)
{
	struct s3gc_err e;

	if (conf_set(c, key, value, flag, &e) < 0)
		fe_die(&e);
}

void fe_conf_s3(struct conf *c, const char *bucket, const char *endpoint,
		const char *region)
{
	if (bucket)
		fe_conf_set(c, "bucket", bucket, "--bucket");
	if (endpoint)
		fe_conf_set(c, "endpoint", endpoint, "--endpoint");
	if (region)
		fe_conf_set(c, "region", region, "--region");
}

int fe_write_obj(struct buf *line, const struct obj *o, struct s3gc_err *e)
{
	buf_reset(line);
	if (obj_format(line, o, e) < 0)
		return -1;
	if (fwrite(line->data, 1, line->len, stdout) != line->len || fflush(stdout) != 0)
		return err_sys(e, S3GC_E_IO, errno, "cannot write to standard output");
	return 0;
}

int fe_write_file(const char *path, const char *data, size_t n, struct s3gc_err *e)
{
	struct buf tmp = BUF_INIT;
	int fd = -1, rc = -1;

	if (buf_addf(&tmp, e, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return -1;
	if ((fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		err_sys(e, S3GC_E_IO, errno, "cannot write '%s'", tmp.data);
		goto out;
	}
	if (fd_write_all(fd, data, n) < 0 || fsync(fd) < 0) {
		err_sys(e, S3GC_E_IO, errno, "cannot write '%s'", tmp.data);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_sys(e, S3GC_E_IO, errno, "cannot write '%s'", tmp.data);
		goto out;
	}
	fd = -1;
	if (rename(tmp.data, path) < 0) {
		err_sys(e, S3GC_E_IO, errno, "cannot rename '%s' to '%s'", tmp.data, path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp.data);
	buf_release(&tmp);
	return rc;
}
