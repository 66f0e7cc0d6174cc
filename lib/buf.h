/* buf.h: a growable byte buffer with a size cap and secure release. */
#ifndef S3GC_BUF_H
#define S3GC_BUF_H

#include <stddef.h>

#include "err.h"

/*
 * Invariants: data is NULL or points to cap bytes owned by the buffer;
 * len < cap whenever data is non-NULL, and data[len] == '\0', so the
 * contents can always be used as a C string (they may also hold NULs).
 * len never exceeds max (0 means no cap other than memory).
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_INIT { NULL, 0, 0, 0 }

void buf_init(struct buf *b, size_t max);

/* Make room for n more bytes; -1 (S3GC_E_SYS or S3GC_E_DATA over cap). */
int buf_grow(struct buf *b, size_t n, struct s3gc_err *e);

int buf_add(struct buf *b, const void *p, size_t n, struct s3gc_err *e);
int buf_adds(struct buf *b, const char *s, struct s3gc_err *e);
int buf_addc(struct buf *b, char c, struct s3gc_err *e);
int buf_addf(struct buf *b, struct s3gc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Empty the buffer, keeping its memory. */
void buf_reset(struct buf *b);

/* The C string held (never NULL: "" when empty). Owned by the buffer. */
const char *buf_str(const struct buf *b);

/* Hand the memory to the caller (free() it); the buffer becomes empty. */
char *buf_detach(struct buf *b, size_t *len);

/* Free the memory. */
void buf_release(struct buf *b);

/* Wipe the whole allocation, then free it: for secrets. */
void buf_release_secure(struct buf *b);

#endif
