/*
 * pgcopy.h: rows of PostgreSQL's COPY text format (what "COPY ... TO
 * STDOUT" sends): fields separated by TAB, \N for NULL, and backslash
 * escapes (\b \f \n \r \t \v \\, \OOO octal, \xHH hex, and a backslash
 * before any other byte standing for that byte).
 */
#ifndef S3GC_PGCOPY_H
#define S3GC_PGCOPY_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Decode the row p[0..n) (a trailing newline is ignored) into exactly
 * nf fields: f[i] points at field i's bytes in arena (NUL-terminated,
 * reset first; valid until arena changes) and len[i] is its length; a
 * NULL field has f[i] == NULL and len[i] == 0. off is scratch space of nf
 * entries. A row of another number of fields is S3GC_E_DB naming what.
 */
int pgcopy_split(const char *p, size_t n, size_t nf, struct buf *arena,
		 size_t *off, const char **f, size_t *len, struct s3gc_err *e);

#endif
