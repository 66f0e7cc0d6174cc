/*
 * vault.h: the vault's index, an LMDB environment in VAULT/index beside
 * the blobs (blob.h) and the audit trail (audit.h). It holds:
 *
 *   "ops"      operation id -> the operation (vault_op)
 *   "items"    operation id + key -> what was vaulted of the key in it
 *   "versions" key + operation id -> nothing: every operation that holds a key
 *   "deleted"  deletion time + operation id + key -> nothing: for --as-of
 *   "blobs"    SHA-256 -> how many items use the blob, and its sizes
 *
 * A key of up to VAULT_KEY_MAX bytes is part of these LMDB keys as it is;
 * a longer one (S3 allows 1,024 bytes, LMDB 511) as its first
 * VAULT_KEY_LONG bytes and its SHA-256, and the item keeps it whole.
 * Changes happen in write transactions (vault_begin .. vault_commit),
 * which a crash either keeps whole or undoes.
 */
#ifndef S3GC_VAULT_H
#define S3GC_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "ulid.h"

#define VAULT_KEY_MAX 400
#define VAULT_KEY_LONG (VAULT_KEY_MAX + 1 - SHA256_LEN)

struct vault;

/*
 * Open the vault at path (made, with its index, unless readonly; a
 * missing one read-only is S3GC_E_NOINPUT). Errors are S3GC_E_VAULT
 * naming the path. *v is freed with vault_close.
 */
int vault_open(struct vault **v, const char *path, int readonly,
	       struct s3gc_err *e);
void vault_close(struct vault *v);

/* The vault's directory (owned by the handle). */
const char *vault_dir(const struct vault *v);

/* Transactions: one at a time per handle; write != 0 for changes. */
int vault_begin(struct vault *v, int write, struct s3gc_err *e);
int vault_commit(struct vault *v, struct s3gc_err *e);
void vault_abort(struct vault *v);

/* ---- operations ---- */

enum vault_count {
	VC_SCANNED, VC_CANDIDATES, VC_VERIFIED, VC_VAULTED, VC_SKIPPED,
	VC_DELETED, VC_REFUSED, VC_RESTORED, VC_ERRORS, VC_BYTES, VC_STORED,
	VC_N
};

struct vault_op {
	char id[ULID_LEN + 1];
	int64_t started_ms, finished_ms; /* finished 0: not yet */
	char mode[16];                   /* "dry_run", "execute" */
	char state[16];                  /* "running", "done", "failed" */
	char digest[SHA256_HEX_LEN + 1]; /* of the configuration; "" if none */
	uint64_t count[VC_N];
};

/* Record a new operation (state "running", started now); an id already
 * there is S3GC_E_VAULT. */
int vault_op_new(struct vault *v, const char *id, const char *mode,
		 const char *digest, struct s3gc_err *e);

/* Read operation id; *found = 0 when there is none. */
int vault_op_get(struct vault *v, const char *id, struct vault_op *op,
		 int *found, struct s3gc_err *e);

/* Write an operation back (counts, state, finish time). */
int vault_op_put(struct vault *v, const struct vault_op *op,
		 struct s3gc_err *e);

/* Add add[] to operation id's counts, in a transaction of its own. */
int vault_op_add(struct vault *v, const char *id, const uint64_t add[VC_N],
		 struct s3gc_err *e);

/* Each operation in id (= time) order; fn returning < 0 stops. */
typedef int vault_op_fn(void *arg, const struct vault_op *op,
			struct s3gc_err *e);
int vault_ops(struct vault *v, vault_op_fn *fn, void *arg, struct s3gc_err *e);

/* ---- items ---- */

/* One stored response header (x-amz-meta-* and the like). */
struct vault_hdr {
	const char *name, *value;
};

#define VAULT_MAX_HDRS 64

/*
 * What an operation vaulted of a key. The strings point into memory of
 * the caller (vault_item_put) or of the `store` buffer given to
 * vault_item_get, valid until it changes.
 */
struct vault_item {
	const char *key;
	size_t keylen;
	uint64_t size;
	int64_t last_modified;           /* Unix seconds; 0 unknown */
	const char *etag;                /* "" unknown */
	const char *content_type, *content_encoding, *cache_control,
		*content_disposition;    /* NULL: none */
	struct vault_hdr meta[VAULT_MAX_HDRS]; /* x-amz-meta-*, names lower case */
	size_t nmeta;
	char blob[SHA256_HEX_LEN + 1];
	int compressed;
	uint64_t stored;
	int64_t vaulted_ms, deleted_ms, restored_ms; /* 0: not (yet) */
};

/*
 * Record item it under operation op (which must exist), and count a use
 * of its blob. The same key twice in one operation is S3GC_E_VAULT.
 */
int vault_item_put(struct vault *v, const char *op, const struct vault_item *it,
		   struct s3gc_err *e);

/* Read the item of key in op into *it (strings in store); *found = 0 if none. */
int vault_item_get(struct vault *v, const char *op, const char *key,
		   size_t keylen, struct vault_item *it, struct buf *store,
		   int *found, struct s3gc_err *e);

/* Set the item's deletion (or restore) time: indexes it for --as-of. */
int vault_item_deleted(struct vault *v, const char *op, const char *key,
		       size_t keylen, int64_t ms, struct s3gc_err *e);
int vault_item_restored(struct vault *v, const char *op, const char *key,
			size_t keylen, int64_t ms, struct s3gc_err *e);

/*
 * Called for items; op is the operation holding it. A return < 0 is an
 * error; > 0 stops the walk without one. fn must not change the vault.
 */
typedef int vault_item_fn(void *arg, const char *op,
			  const struct vault_item *it, struct s3gc_err *e);

/* Each item of operation op, in key order. */
int vault_items(struct vault *v, const char *op, vault_item_fn *fn, void *arg,
		struct s3gc_err *e);

/* The same, from the first key after `after` on (to go on from there). */
int vault_items_after(struct vault *v, const char *op, const char *after,
		      size_t afterlen, vault_item_fn *fn, void *arg,
		      struct s3gc_err *e);

/* Each operation's item of key, oldest operation first. */
int vault_versions(struct vault *v, const char *key, size_t keylen,
		   vault_item_fn *fn, void *arg, struct s3gc_err *e);

/* Each item deleted at or after since_ms, in deletion order. */
int vault_deleted_since(struct vault *v, int64_t since_ms, vault_item_fn *fn,
			void *arg, struct s3gc_err *e);

/* The same, from the deletion after that of key in op at ms on. */
int vault_deleted_after(struct vault *v, int64_t ms, const char *op,
			const char *key, size_t keylen, vault_item_fn *fn,
			void *arg, struct s3gc_err *e);

/* Told of a blob no item uses any more (its file may go, after the commit). */
typedef int vault_blob_gone_fn(void *arg, const char *hex, struct s3gc_err *e);

/*
 * Drop operation op, its items and what indexes them, in the open write
 * transaction; gone_fn hears of each blob that no item uses any more.
 */
int vault_op_drop(struct vault *v, const char *op, vault_blob_gone_fn *gone_fn,
		  void *arg, struct s3gc_err *e);

/* A blob as the index counts it. */
struct vault_blob {
	char hex[SHA256_HEX_LEN + 1];
	uint64_t refs, size, stored;
	int compressed;
};

typedef int vault_blob_fn(void *arg, const struct vault_blob *b,
			  struct s3gc_err *e);

/* Each blob the index counts, in SHA-256 order. */
int vault_blobs(struct vault *v, vault_blob_fn *fn, void *arg,
		struct s3gc_err *e);

/* How many items use blob hex (0 if none). */
int vault_blob_refs(struct vault *v, const char *hex, uint64_t *refs,
		    struct s3gc_err *e);

#endif
