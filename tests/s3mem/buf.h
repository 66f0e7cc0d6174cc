/* buf.h - growable byte buffer and the fast appenders the XML and HTTP writers use. */
#ifndef S3MEM_BUF_H
#define S3MEM_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Invariant: p is NULL (cap 0) or holds len bytes followed by a NUL, so a
 * buffer is always usable as a C string.  The buffer owns p. */
struct buf {
	char *p;
	size_t len, cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_free(struct buf *b);
void buf_reserve(struct buf *b, size_t extra);	/* aborts when out of memory */
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addu(struct buf *b, uint64_t v);	/* decimal */
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_consume(struct buf *b, size_t n);	/* drop the first n bytes */

/* XML character data: & < > " ' escaped, CR as &#13; so parsers keep it;
 * other control bytes pass through (S3 does the same). */
void buf_add_xml(struct buf *b, const char *p, size_t n);
/* S3's encoding-type=url: space -> '+', bytes outside A-Za-z0-9-_.~/ -> %XX. */
void buf_add_urlenc(struct buf *b, const char *p, size_t n);

#endif
