/* testutil.h: small helpers shared by the unit tests' data-driven runners. */
#ifndef S3GC_TESTUTIL_H
#define S3GC_TESTUTIL_H

#include <time.h>

#include "buf.h"

/* Append the whole file at path to b; 0, or -1 if it cannot be read. */
int tu_slurp(const char *path, struct buf *b);

/* "20130524T000000Z" or "2013-05-24T00:00:00Z" to seconds; 0 or -1. */
int tu_parse_time(const char *s, time_t *out);

#endif
