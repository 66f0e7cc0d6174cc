/*
 * fates.h: two bits for each of many lines (what became of each record of
 * a listing), grown as lines come: 2.5 MB for ten million.
 */
#ifndef S3GC_FATES_H
#define S3GC_FATES_H

#include <stddef.h>

#include "err.h"

struct fates {
	unsigned char *v;
	size_t cap; /* bytes */
};

#define FATES_INIT { NULL, 0 }

/* Set line i's fate to x (0 to 3); lines never set are 0. */
int fates_set(struct fates *f, unsigned long long i, unsigned x, struct s3gc_err *e);

static inline unsigned fates_get(const struct fates *f, unsigned long long i)
{
	return i / 4 < f->cap ? (unsigned)(f->v[i / 4] >> (i % 4 * 2)) & 3u : 0u;
}

void fates_release(struct fates *f);

#endif
