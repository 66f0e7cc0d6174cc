/* jsonw.h: writing JSON text: strings, escaped, into a buffer. */
#ifndef S3GC_JSONW_H
#define S3GC_JSONW_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Append s[0..n) as a JSON string, quotes included: '"' and '\' escaped,
 * control characters as \n, \t, \r, \b, \f or \u00XX, other UTF-8 as it
 * is; a byte that is not part of valid UTF-8 becomes U+FFFD.
 */
int jsonw_str(struct buf *b, const char *s, size_t n, struct s3gc_err *e);

/* Append "name": and the string s[0..n), after a comma unless first. */
int jsonw_field_str(struct buf *b, const char *name, const char *s, size_t n,
		    int first, struct s3gc_err *e);

#endif
