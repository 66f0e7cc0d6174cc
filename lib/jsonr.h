/*
 * jsonr.h: reading a flat JSON object (the stats files the stages write
 * for each other): top-level members whose values are strings, numbers,
 * true, false or null. Nested values are skipped over.
 */
#ifndef S3GC_JSONR_H
#define S3GC_JSONR_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * The value of member name of the object p[0..n): a string decoded
 * (escapes, \uXXXX to UTF-8), anything else as written ("12", "true");
 * out is reset first. *found = 0 when there is no such member. Text that
 * is not one JSON object is S3GC_E_DATA, naming the offset.
 */
int jsonr_get(const char *p, size_t n, const char *name, struct buf *out, int *found,
	      struct s3gc_err *e);

#endif
