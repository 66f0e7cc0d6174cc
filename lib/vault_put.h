/*
 * vault_put.h: backing objects up into the vault: fetch (GET, If-Match
 * the listed ETag), hash (SHA-256, MD5), check (size against the record,
 * MD5 against a plain ETag), store the blob (durable and verified,
 * blob.h), record the item in the index, write the audit line; only then
 * is the object vaulted, and the caller told.
 *
 * Fetching and storing run on `jobs` worker threads; the index, the audit
 * trail and the caller hear of the objects in this thread, in the order
 * they were given.
 */
#ifndef S3GC_VAULT_PUT_H
#define S3GC_VAULT_PUT_H

#include "audit.h"
#include "err.h"
#include "rec.h"
#include "s3.h"
#include "vault.h"

enum vault_put_result {
	VP_VAULTED,   /* stored now */
	VP_HELD,      /* the operation held it already (a rerun): stored */
	VP_CHANGED,   /* its ETag is no longer the listed one: skipped */
	VP_GONE,      /* no such object any more: skipped */
	VP_FAILED,    /* not vaulted: why says why (said in the audit trail too) */
};

struct vault_put_stats {
	unsigned long long vaulted, held, changed, gone, failed, bytes, stored;
};

/*
 * Told of each object given, in order. On VP_VAULTED and VP_HELD, o's
 * size, time and ETag are those of the copy. why is NULL but on
 * VP_FAILED. A return < 0 (e set) stops the backing up.
 */
typedef int vault_put_fn(void *arg, const struct obj *o, enum vault_put_result res,
			 const struct s3gc_err *why, struct s3gc_err *e);

struct vault_put;

struct vault_put_opts {
	const char *mode;  /* the operation's, if it is made now */
	int level;         /* zstd level, 0 never to compress */
	unsigned jobs;     /* objects fetched at once, 1..POOL_MAX_WORKERS */
};

/*
 * Back up into vault v for operation op (made if the index does not have
 * it) through client c.
 */
int vault_put_begin(struct vault_put **vp, struct vault *v,
		    const struct s3_client *c, const char *op,
		    const struct vault_put_opts *o, vault_put_fn *fn, void *arg,
		    struct s3gc_err *e);

/*
 * Back up object o (a key-only record is fetched as it is now); o is
 * copied. fn may hear of earlier objects now. -1 only when backing up
 * cannot go on: the vault, the audit trail or fn failing; objects not yet
 * told of then are dropped, not vaulted.
 */
int vault_put_add(struct vault_put *vp, const struct obj *o, struct s3gc_err *e);

/*
 * Wait for the objects given (fn hears of each; unless `finish` is 0: they
 * are dropped, as after an error), add the counts to the operation, fill
 * *st (may be NULL), and free (also on failure).
 */
int vault_put_end(struct vault_put *vp, int finish, struct vault_put_stats *st,
		  struct s3gc_err *e);

#endif
