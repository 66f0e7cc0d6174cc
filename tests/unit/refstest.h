/* refstest.h: helpers of the reference store's unit tests (header only, after tap.h). */
#ifndef S3GC_REFSTEST_H
#define S3GC_REFSTEST_H

#include "refs.h"
#include "tap.h"

/* Report a failed call and whether it failed. */
static inline int ok_call(int rc, const struct s3gc_err *e, const char *what)
{
	if (!tap_ok(rc == 0, "%s", what))
		tap_diag("%s", e->msg);
	return rc == 0;
}

/* The count of a key, 999 (and a diagnostic) when it cannot be read. */
static inline unsigned long long count_of(struct refs *r, const char *k, size_t n)
{
	unsigned long long c = 999;
	struct s3gc_err e;

	if (refs_count(r, k, n, &c, &e) < 0)
		tap_diag("count: %s", e.msg);
	return c;
}

#endif
