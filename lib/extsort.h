/*
 * extsort.h: an external sort of (key, value) records in bounded memory,
 * for bulk loads: records are gathered in memory up to a budget, sorted,
 * written to an unlinked temporary file (a run) when the budget is used,
 * and the runs merged on the way out.
 *
 * Order: keys by memcmp, a shorter key before a longer one it begins
 * (LMDB's default order); records with equal keys come out in the order
 * they were added.
 */
#ifndef S3GC_EXTSORT_H
#define S3GC_EXTSORT_H

#include <stddef.h>

#include "err.h"

struct extsort;

/*
 * tmpdir: where runs go (files are unlinked as soon as they are made, so
 * nothing is left behind by a crash); mem: the budget in bytes for records
 * in memory (at least 64 KiB is used). *s is the caller's (extsort_free).
 */
int extsort_new(struct extsort **s, const char *tmpdir, size_t mem,
		struct s3gc_err *e);

/* Add one record (k and v are copied). Errors: S3GC_E_IO, S3GC_E_SYS. */
int extsort_add(struct extsort *s, const void *k, size_t kn, const void *v,
		size_t vn, struct s3gc_err *e);

/* No more records: the next extsort_next returns the first one. */
int extsort_finish(struct extsort *s, struct s3gc_err *e);

/*
 * 1 with the next record (pointers owned by the sorter, valid until the
 * next call), 0 at the end, -1 on error (a run file that cannot be read
 * back whole is S3GC_E_IO).
 */
int extsort_next(struct extsort *s, const void **k, size_t *kn,
		 const void **v, size_t *vn, struct s3gc_err *e);

/* Records added, and runs written to disk (0: all fitted in memory). */
size_t extsort_count(const struct extsort *s);
size_t extsort_runs(const struct extsort *s);

void extsort_free(struct extsort *s);

#endif
