/* utf8.h: strict UTF-8 validation, and writing code points. */
#ifndef S3GC_UTF8_H
#define S3GC_UTF8_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * 1 if s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF), else 0 with *bad (if non-NULL) set to the offset
 * of the first byte of the first bad sequence.
 */
int utf8_valid(const char *s, size_t n, size_t *bad);

/* Append code point cp (below 0x110000) to b as UTF-8. */
int utf8_put(struct buf *b, unsigned long cp, struct s3gc_err *e);

#endif
