/* codec.h - text codecs: URL percent-decoding, the project's record escaping, base64, XML entities. */
#ifndef S3MEM_CODEC_H
#define S3MEM_CODEC_H

#include <stddef.h>

#include "buf.h"

/* Appends the decoded form of in[0..n) to out.  %XX (either hex case) is
 * decoded; with plus_is_space a '+' becomes a space (query strings).
 * Returns 0, or -1 on a malformed escape. */
int url_decode(const char *in, size_t n, struct buf *out, int plus_is_space);

/* The project's record escaping (DESIGN.md section 2): %XX with uppercase
 * hex, everything else literal.  Strict: a bad escape or lowercase hex is
 * -1.  Appends to out. */
int rec_decode(const char *in, size_t n, struct buf *out);

/* Standard base64 with padding.  Appends to out. */
void base64_encode(const void *in, size_t n, struct buf *out);
/* Returns 0, or -1 if in is not valid padded base64.  Appends to out. */
int base64_decode(const char *in, size_t n, struct buf *out);

/* Lowercase hex of n bytes into out (2n chars + NUL). */
void hex_lower(const unsigned char *in, size_t n, char *out);

/* XML character data to bytes: the five named entities and &#N; / &#xH;
 * (encoded as UTF-8).  Returns 0, or -1 on an unknown or bad entity. */
int xml_unescape(const char *in, size_t n, struct buf *out);

#endif
