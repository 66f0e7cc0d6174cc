/*
 * vault_put.h: backing objects up into the vault, one at a time: fetch
 * (GET, If-Match the listed ETag), hash (SHA-256, MD5), check (size
 * against the record, MD5 against a plain ETag), store the blob (durable
 * and verified, blob.h), record the item in the index, write the audit
 * line; only then is the object vaulted.
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
};

struct vault_put_stats {
	unsigned long long vaulted, held, changed, gone, bytes, stored;
};

struct vault_put;

/*
 * Back up into vault v for operation op (made, with mode, if the index
 * does not have it). c is used from this thread only. The audit trail is
 * VAULT/audit.log.
 */
int vault_put_begin(struct vault_put **vp, struct vault *v,
		    const struct s3_client *c, const char *op, const char *mode,
		    int level, struct s3gc_err *e);

/*
 * Back up object o (a key-only record is fetched as it is now). On
 * VP_VAULTED and VP_HELD, o's size, time and ETag are those of the copy
 * (its strings stay the caller's). -1: the object is not vaulted, e says
 * why (S3GC_E_S3, S3GC_E_VAULT, ...), and the audit trail says so too.
 */
int vault_put_one(struct vault_put *vp, struct obj *o,
		  enum vault_put_result *res, struct s3gc_err *e);

const struct vault_put_stats *vault_put_stats(const struct vault_put *vp);

/* Add the counts to the operation's record, and free. */
int vault_put_end(struct vault_put *vp, struct s3gc_err *e);
void vault_put_free(struct vault_put *vp);

#endif
