/* uri.h: percent-encoding the AWS way, and percent-decoding. */
#ifndef S3GC_URI_H
#define S3GC_URI_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Append s[0..n) to out with every byte outside A-Z a-z 0-9 - . _ ~ written
 * as %XX (uppercase hex); '/' stays literal when keep_slash. This is
 * SigV4's UriEncode, used for S3 paths (keep_slash) and query components.
 */
int uri_encode(struct buf *out, const char *s, size_t n, int keep_slash,
	       struct s3gc_err *e);

/*
 * Append the decoding of s[0..n) to out: %XX (either case) becomes the byte,
 * '+' becomes a space when plus_is_space (S3's encoding-type=url and HTML
 * forms), any other byte is kept. A '%' not followed by two hex digits is an
 * error (S3GC_E_DATA) naming its offset.
 */
int uri_decode(struct buf *out, const char *s, size_t n, int plus_is_space,
	       struct s3gc_err *e);

/* The value of a hex digit (either case), or -1. */
int uri_hexval(unsigned char c);

#endif
