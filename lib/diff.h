/*
 * diff.h: the listing against the reference store (DESIGN.md sections 2
 * and 5): a streaming merge of object records, in key order, with an
 * iterator over the store, so that each key costs a comparison, not a
 * lookup. An object is a candidate when the store does not hold its key,
 * it is older than the retention window (measured against the S3 server's
 * clock, given), and it is under no excluded prefix.
 */
#ifndef S3GC_DIFF_H
#define S3GC_DIFF_H

#include <stdint.h>
#include <time.h>

#include "err.h"
#include "rec.h"
#include "refs.h"

struct diff_opts {
	time_t now;                  /* the S3 server's clock */
	long long retention_s;       /* objects younger than this are kept */
	char *const *exclude;        /* key prefixes never to be candidates */
	size_t nexclude;
	/* Told of each reference the merge passes (may be NULL); with
	 * diff_drain, of every reference. */
	int (*on_ref)(void *arg, const char *key, size_t n, struct s3gc_err *e);
	void *ref_arg;
};

struct diff_stats {
	unsigned long long scanned;     /* records read */
	unsigned long long excluded;    /* under an excluded prefix */
	unsigned long long young;       /* inside the retention window */
	unsigned long long referenced;  /* in the store */
	unsigned long long candidates;  /* none of those */
};

enum diff_verdict { DIFF_EXCLUDED, DIFF_YOUNG, DIFF_REFERENCED, DIFF_CANDIDATE };

struct diff;

/* Join against the store r (its iterator reads committed data). */
int diff_begin(struct diff **d, struct refs *r, const struct diff_opts *o,
	       struct s3gc_err *e);

/*
 * The verdict on object o (with size, time and ETag). Keys must come in
 * strictly ascending order (ks_cmp: raw bytes): a key not greater than
 * the one before is S3GC_E_DATA, saying so.
 */
int diff_one(struct diff *d, const struct obj *o, enum diff_verdict *v,
	     struct s3gc_err *e);

/* Pass the references after the last key given (on_ref hears of them). */
int diff_drain(struct diff *d, struct s3gc_err *e);

const struct diff_stats *diff_stats(const struct diff *d);
void diff_end(struct diff *d);

#endif
