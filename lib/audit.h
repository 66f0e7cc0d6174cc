/*
 * audit.h: the audit trail, an append-only file of JSON lines, one per
 * thing done to an object (vaulted, deleted, restored, skipped, failed),
 * each carrying its number and the SHA-256 of the line before it:
 *
 *   {"seq":N,"time":"2026-12-04T15:30:00.123Z","op":"01J...","stage":"put",
 *    "key":"a/b.jpg","size":123,"etag":"...","blob":"...","outcome":"vaulted",
 *    "error":"...","result":{...},"prev":"<64 hex digits>"}
 *
 * (on one line; fields without a value are left out; the first line's
 * "prev" is 64 zeros). Editing, inserting or removing a line anywhere
 * but at the end breaks the chain, which audit_verify finds. Several
 * processes may append at once: each append holds an exclusive flock on
 * the file while it reads the last line and writes its own.
 */
#ifndef S3GC_AUDIT_H
#define S3GC_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hash.h"

/* One record; a NULL string or a negative size is left out. */
struct audit_rec {
	int64_t time_ms;     /* Unix milliseconds; 0: now */
	const char *op;      /* operation id */
	const char *stage;   /* "put", "delete", "restore", ... */
	const char *key;     /* the object key, keylen bytes */
	size_t keylen;
	long long size;
	const char *etag;
	const char *blob;    /* SHA-256 of the object, hex */
	const char *outcome; /* "vaulted", "deleted", "skipped", "failed", ... */
	const char *error;
	const char *result;  /* a JSON object, written as it is (a cycle's result) */
};

struct audit; /* an appender: records waiting for audit_flush */

/* Open (creating it, mode 0600) the trail at path; *a is freed with audit_close. */
int audit_open(struct audit **a, const char *path, struct s3gc_err *e);

/* Queue a record (formatted now, numbered and chained at the flush). */
int audit_add(struct audit *a, const struct audit_rec *r, struct s3gc_err *e);

/*
 * Append the queued records and fdatasync the file, under the lock. A
 * last line cut short (a writer killed in the middle) is cut off first;
 * a last line that is not a trail line is S3GC_E_VAULT and nothing is
 * written. The queue is empty afterwards either way; I/O errors are
 * S3GC_E_VAULT naming the file.
 */
int audit_flush(struct audit *a, struct s3gc_err *e);

/* Records queued and not yet flushed. */
size_t audit_pending(const struct audit *a);

/* Close; records not flushed are dropped. */
void audit_close(struct audit *a);

/*
 * Check the whole trail at path: each line whole, numbered one more than
 * the one before (from 1), and naming its SHA-256. Returns 0 with the
 * number of lines and the hex SHA-256 of the last (64 zeros if none) in
 * *lines and last (either may be NULL); -1 with S3GC_E_VAULT naming the
 * first bad line and what is wrong with it (S3GC_E_NOINPUT if the file
 * does not exist).
 */
int audit_verify(const char *path, unsigned long long *lines,
		 char last[SHA256_HEX_LEN + 1], struct s3gc_err *e);

#endif
