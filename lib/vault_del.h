/*
 * vault_del.h: deleting objects the vault holds. A key is deleted only if
 * the operation holds a verified copy of it (its blob read back and
 * hashed now), and only while its ETag is the one vaulted: DeleteObjects
 * carries each key's ETag as a condition (or, where the server ignores
 * conditions, a HEAD comes first). Each key deleted gets its deletion time
 * in the index and a line in the audit trail before it is reported.
 *
 * Before the first batch, the server is asked to delete a key that does
 * not exist (.s3gc-probe/ULID) only if its ETag is one no object has: a
 * server that says it deleted it ignores conditions, and each key is then
 * looked at first (HEAD), as with head_first.
 *
 * Batches are checked (the copies read back) and sent on `jobs` worker
 * threads; the index, the audit trail and the caller hear of them in this
 * thread, in the order the keys were given.
 */
#ifndef S3GC_VAULT_DEL_H
#define S3GC_VAULT_DEL_H

#include "err.h"
#include "rec.h"
#include "s3.h"
#include "vault.h"

struct vault_del_stats {
	unsigned long long deleted;  /* now */
	unsigned long long already;  /* deleted before (a rerun) */
	unsigned long long refused;  /* no verified copy in the operation */
	unsigned long long changed;  /* its ETag is not the vaulted one */
	unsigned long long failed;   /* the server refused it (per-key error) */
	unsigned long long would;    /* dry run: would be deleted */
	int ignores_conditions;      /* the server ignored a condition: every
					key was looked at (HEAD) first */
};

/* Told of each key deleted (now or before); o is the vaulted version. */
typedef int vault_del_fn(void *arg, const struct obj *o, struct s3gc_err *e);

struct vault_del;

struct vault_del_opts {
	size_t batch;   /* keys per request, 1..1000 */
	int head_first; /* HEAD each key first, send no condition (for servers
			   that ignore them) */
	int dry_run;    /* check every key, delete none: fn hears of each key
			   that would be deleted */
	unsigned jobs;  /* batches checked and sent at once, 1..POOL_MAX_WORKERS */
};

/*
 * Delete for operation op from vault v through client c. fn hears of each
 * deletion (or, in a dry run, of each that would be).
 */
int vault_del_begin(struct vault_del **vd, struct vault *v,
		    const struct s3_client *c, const char *op,
		    const struct vault_del_opts *o, vault_del_fn *fn, void *arg,
		    struct s3gc_err *e);

/*
 * Queue key (from a record; its other fields are not trusted: the
 * vaulted version is what is deleted); a full batch is sent, and fn may
 * hear of earlier ones. A key without a verified copy in the operation is
 * refused: counted, and said in the audit trail. -1 only when deleting
 * cannot go on (the vault or the trail failing, S3 failing after its
 * retries); the batches sent before are still recorded.
 */
int vault_del_add(struct vault_del *vd, const char *key, size_t keylen,
		  struct s3gc_err *e);

/* Send what is queued, and wait for every batch. */
int vault_del_flush(struct vault_del *vd, struct s3gc_err *e);


/*
 * Flush (unless `flush` is 0: the queued keys are dropped, as after a bad
 * record), add the counts to the operation, fill *st (may be NULL), and
 * free (also on failure).
 */
int vault_del_end(struct vault_del *vd, int flush, struct vault_del_stats *st,
		  struct s3gc_err *e);
void vault_del_free(struct vault_del *vd);

#endif
