/* testutil.h: small helpers shared by the unit tests' data-driven runners. */
#ifndef S3GC_TESTUTIL_H
#define S3GC_TESTUTIL_H

#include <stdint.h>
#include <time.h>

#include "buf.h"

/* Append the whole file at path to b; 0, or -1 if it cannot be read. */
int tu_slurp(const char *path, struct buf *b);

/* "20130524T000000Z" or "2013-05-24T00:00:00Z" to seconds; 0 or -1. */
int tu_parse_time(const char *s, time_t *out);

/* Append v as k big-endian bytes to b (building wire messages by hand). */
void tu_be(struct buf *b, uint64_t v, int k);

/* Append s and its terminating NUL to b. */
void tu_str(struct buf *b, const char *s);

/* Remove an LMDB store directory made by a test (data.mdb, lock.mdb). */
void tu_rm_store(const char *dir);

#endif
