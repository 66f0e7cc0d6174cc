/*
 * nearmiss.h: listed keys that a reference names only after a small
 * change (DESIGN.md section 6): ASCII case folding, percent-decoding, a
 * leading slash added or removed, or the bucket's name as a first segment
 * added or removed. They are how real deployments lose data: a key written
 * one way in the database and another in the bucket.
 *
 * The references are seen once (nearmiss_ref, in any order); those with
 * upper case letters, a '%', a leading '/' or a leading "BUCKET/" leave a
 * 64-bit fingerprint of their folded, decoded or shortened form (8 bytes
 * each). A listed key is then looked at in those fingerprints, and with
 * point lookups in the store only when it has something to change itself
 * (upper case, a '%', a leading '/' or "BUCKET/").
 */
#ifndef S3GC_NEARMISS_H
#define S3GC_NEARMISS_H

#include <stddef.h>

#include "err.h"
#include "refs.h"

enum nearmiss_kind {
	NM_NONE = 0,
	NM_CASE,       /* the same but for upper and lower case (ASCII) */
	NM_DECODED,    /* the same once %XX escapes are decoded */
	NM_SLASH,      /* the same but for a leading '/' */
	NM_BUCKET,     /* the same but for "BUCKET/" in front */
};

const char *nearmiss_name(enum nearmiss_kind k);

struct nearmiss;

int nearmiss_new(struct nearmiss **nm, const char *bucket, struct s3gc_err *e);
void nearmiss_free(struct nearmiss *nm);

/* One reference of the store. */
int nearmiss_ref(struct nearmiss *nm, const char *key, size_t n, struct s3gc_err *e);

/*
 * Whether any reference left a fingerprint (has something to change). When
 * none did, only listed keys that are nearmiss_featured can be near misses:
 * the rest need no nearmiss_check.
 */
int nearmiss_any_ref(const struct nearmiss *nm);

/* Whether k has something to change itself: upper case, a '%', a leading
 * '/' or "BUCKET/". */
int nearmiss_featured(const struct nearmiss *nm, const char *k, size_t n);

/* Every reference has been seen. */
void nearmiss_ready(struct nearmiss *nm);

/*
 * Whether listed key k[0..n), which the store does not hold as it is,
 * is a near miss: *kind (NM_NONE if not). r must have a read transaction
 * open.
 */
int nearmiss_check(struct nearmiss *nm, struct refs *r, const char *k, size_t n,
		   enum nearmiss_kind *kind, struct s3gc_err *e);

#endif
