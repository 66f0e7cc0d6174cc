/*
 * rec.h: the records on s3gc's pipes (s3gc-records(5)): one record per
 * LF-terminated line, TAB-separated fields, each percent-encoded so that
 * bytes 0x00-0x1F, 0x7F and '%' appear as %XX (uppercase hex).
 */
#ifndef S3GC_REC_H
#define S3GC_REC_H

#include <stdio.h>
#include <time.h>

#include "buf.h"
#include "err.h"

#define REC_MAXLINE 16384 /* default line cap: four fields of a 1,024-byte key, encoded */
#define REC_MAXFIELDS 16

/* One decoded record. Fields point into the reader and live until the next rec_read. */
struct rec {
	size_t nfields;
	const char *field[REC_MAXFIELDS]; /* NUL-terminated (but may hold NULs: use len) */
	size_t len[REC_MAXFIELDS];
	unsigned long lineno;
};

struct rec_reader {
	FILE *fp;
	const char *name; /* borrowed; "-" or a path, used in messages */
	unsigned long lineno;
	size_t maxline;
	struct buf line;
	struct buf dec;
};

/* name is borrowed for the reader's life; maxline 0 means REC_MAXLINE. */
void rec_reader_init(struct rec_reader *r, FILE *fp, const char *name,
		     size_t maxline);
void rec_reader_release(struct rec_reader *r);

/*
 * Read and strictly decode the next record. 1: got one; 0: clean end of
 * input; -1: error. Errors are S3GC_E_DATA naming "NAME:LINE: what" for: a
 * bad escape, lowercase hex, a non-canonical escape (a byte that needs no
 * escaping), a raw control byte, a line over maxline, a final line without
 * its LF (an input cut short); S3GC_E_IO for a read error.
 */
int rec_read(struct rec_reader *r, struct rec *out, struct s3gc_err *e);

/* Append the canonical encoding of s[0..n) to out. */
int rec_encode(struct buf *out, const char *s, size_t n, struct s3gc_err *e);

/* Decode one encoded field strictly (the rules of rec_read); for tests and flags. */
int rec_decode(struct buf *out, const char *s, size_t n, struct s3gc_err *e);

/*
 * Decode line[0..n) (without its LF) as rec_read would, as line r->lineno
 * of r's input (set it first): for callers that read the lines themselves.
 * The line is copied; r's buffers hold the fields.
 */
int rec_parse(struct rec_reader *r, const char *line, size_t n, struct rec *out,
	      struct s3gc_err *e);

/* Append a whole record (fields encoded, TAB-joined, LF-terminated) to out. */
int rec_format(struct buf *out, const char *const *fields, const size_t *lens,
	       size_t nfields, struct s3gc_err *e);

/*
 * An object record: key, and when has_meta, size, last_modified, etag and
 * an optional storage class. Strings are borrowed from the rec (or the
 * caller) and live as long as it does.
 */
#define ETAG_MAX 80
struct obj {
	const char *key;
	size_t key_len;
	int has_meta;
	unsigned long long size;
	time_t mtime;
	char etag[ETAG_MAX + 1]; /* lowercase hex, optional "-N" multipart suffix */
	const char *storage_class; /* NULL when absent */
	size_t storage_class_len;
};

/*
 * Validate and convert a record: 1 field (key only), 4 or 5 fields; the key
 * non-empty, at most 1,024 bytes and valid UTF-8; size decimal digits;
 * last_modified per time_parse_rfc3339; etag 32 lowercase hex digits with
 * an optional -N. Errors are S3GC_E_DATA naming "NAME:LINE: field: what".
 */
int obj_from_rec(const struct rec_reader *r, const struct rec *rec,
		 struct obj *o, struct s3gc_err *e);

/*
 * The fast path for the line at line[0..*len), which ends at the first LF
 * within avail bytes, when it has 4 or 5 fields in which nothing needs
 * decoding (no '%', no byte below 0x20 but TAB, no DEL, nothing over
 * 0x7F): 1 with *len and o filled in, exactly as rec_parse and
 * obj_from_rec would, its key and storage class pointing into line. 0 when
 * the line is not like that, is bad, or has no LF within avail: the strict
 * path must decide (and name any fault).
 */
int obj_scan(const char *line, size_t avail, struct obj *o, size_t *len);

/* Append o as a record line to out (key only when !has_meta). */
int obj_format(struct buf *out, const struct obj *o, struct s3gc_err *e);

#define S3_KEY_MAX 1024

#endif
