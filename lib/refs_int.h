/*
 * refs_int.h: what the reference store's files share: the handle, the
 * byte-order helpers and the LMDB calls that name the store in their
 * errors. Private to lib/refs*.c; refs.h is the API.
 */
#ifndef S3GC_REFS_INT_H
#define S3GC_REFS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "refs.h"
#include "store.h"

#define LONG_KEYLEN (REFS_LONG_PREFIX + SHA256_LEN)
/*
 * A rows key: u32 table id + primary key + u16 column id. A primary key
 * of up to ROW_PK_MAX bytes is itself; a longer one is its first
 * ROW_PK_LONG bytes + its SHA-256, which makes the key ROW_KEY_MAX bytes
 * long, a length no key of the first kind has.
 */
#define ROW_PK_MAX 400
#define ROW_PK_LONG (ROW_PK_MAX + 1 - SHA256_LEN)
#define ROW_KEY_MIN (4 + 1 + 2)
#define ROW_KEY_MAX (4 + ROW_PK_MAX + 1 + 2)
#define NAME_MAX_ID 255

/*
 * A cache of table and column ids by name (refs_ids.c), so that the row
 * map does not read meta on every call. Only ids that exist are cached.
 * An entry made in a write transaction may be an id that transaction
 * assigned: it is `fresh` until the commit, and an abort (or a failed
 * commit) forgets the fresh ones.
 */
#define REFS_IDCACHE_SLOTS 256 /* a power of two */

struct refs_idslot {
	char *name; /* NULL: empty slot */
	uint32_t hash, id;
	size_t len;
	char kind;
	unsigned char fresh;
};

struct refs_idcache {
	struct refs_idslot slot[REFS_IDCACHE_SLOTS];
	unsigned used, nfresh;
};

struct refs {
	struct store st;
	MDB_dbi refs, longrefs, rows, meta;
	MDB_txn *txn;
	int write;
	struct buf val; /* scratch for values being built */
	struct refs_idcache ids;
	struct extsort *bulk, *bulkrows; /* refs_bulk_begin .. refs_bulk_end */
	struct buf bulkrec;   /* scratch for bulk records */
	struct buf bulklast;  /* the greatest rows key, while appending */
	int bulkappend;       /* rows keys still come in order */
	MDB_cursor *bulkcur[2]; /* appending to "rows" and "refs", in r->txn */
	MDB_cursor *cur[2];   /* point changes to "rows" and "refs", in r->txn */
	struct refs *prev;    /* refs_rebuild_begin .. _commit: the store replaced */
	char *home;           /* ... and the directory both are for */
	unsigned long bulkbatch, bulkn; /* appends per transaction, and so far */
};

static inline void put_be(unsigned char *p, uint64_t v, int len)
{
	for (int i = len - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static inline uint64_t get_be(const unsigned char *p, int len)
{
	uint64_t v = 0;

	for (int i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

/* Check that a transaction of the needed kind (write != 0) is open. */
int refs_need_txn(struct refs *r, int write, struct s3gc_err *e);

/* mdb_get, mdb_put and mdb_del in the handle's transaction; db names the
 * database in messages. A missing key is *found = 0 / not an error. */
int refs_db_get(struct refs *r, MDB_dbi dbi, MDB_val *k, MDB_val *v,
		int *found, const char *db, struct s3gc_err *e);
int refs_db_put(struct refs *r, MDB_dbi dbi, MDB_val *k, MDB_val *v,
		unsigned flags, const char *db, struct s3gc_err *e);
int refs_db_del(struct refs *r, MDB_dbi dbi, MDB_val *k, const char *db,
		struct s3gc_err *e);

/* A meta record by raw name (internal '.' names too); *v points into the
 * map, valid until the next write. */
int refs_meta_find(struct refs *r, const void *name, size_t nlen, MDB_val *v,
		   int *found, struct s3gc_err *e);
int refs_meta_store(struct refs *r, const void *name, size_t nlen,
		    const void *v, size_t n, struct s3gc_err *e);

/* refs_rows.c: the rows key of a cell into rk, its length into *rklen;
 * *found = 0 if its table or column is unknown (and not assigned). */
int refs_row_key(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, int assign,
		 unsigned char rk[ROW_KEY_MAX], size_t *rklen, int *found,
		 struct s3gc_err *e);

/* refs_rows.c: the name of column id cid (2 bytes) into out. */
int refs_column_name(struct refs *r, const unsigned char *cid,
		     struct buf *out, struct s3gc_err *e);

/* Whether n is the length of a rows key, and a rows key's column id. */
static inline int row_keylen_ok(size_t n)
{
	return n >= ROW_KEY_MIN && n <= ROW_KEY_MAX;
}

static inline const unsigned char *row_key_cid(const void *k, size_t n)
{
	return (const unsigned char *)k + n - 2;
}

/* Close the cursors kept in the transaction (bulk and point), before it ends. */
void refs_cursors_close(struct refs *r);

/*
 * A cursor on "rows" (db 0) or "refs" (1), kept open in the write
 * transaction: an entry found with it (MDB_SET) is changed or deleted
 * where the cursor stands, without a second search from the root.
 */
int refs_cursor(struct refs *r, int db, MDB_cursor **c, struct s3gc_err *e);

/* refs_bulk.c: mdb_put(MDB_APPEND) to "rows" (db 0) or "refs" (1) through
 * a cursor kept open in the transaction: no search from the root for
 * each key. Returns LMDB's code (MDB_KEYEXIST: not after the last key). */
int refs_bulk_append(struct refs *r, int db, MDB_val *k, MDB_val *v);

/* refs_bulk.c: gather a count (+1 for key) or a row-map cell for the bulk load. */
int refs_bulk_key(struct refs *r, const char *key, size_t n,
		  struct s3gc_err *e);
int refs_bulk_row(struct refs *r, const unsigned char *rk, size_t rklen,
		  const void *val, size_t n, struct s3gc_err *e);

/* refs_rows.c: copy the key held in a rows value into out (may be NULL);
 * a malformed value is S3GC_E_IO. */
int refs_row_val_key(struct refs *r, const MDB_val *v, struct buf *out,
		     struct s3gc_err *e);

/*
 * refs_ids.c: the id of a table (kind 't', 4 bytes) or column ('c', 2
 * bytes); with `assign`, a new one when the name has none (which needs a
 * write transaction). *id = 0 when absent and not assigned (ids start at 1).
 */
int refs_name_id(struct refs *r, char kind, const char *name, int assign,
		 uint32_t *id, struct s3gc_err *e);

/* The handle's transaction ended, committed (1) or not (0): keep or
 * forget the ids cached during it. */
void refs_ids_end(struct refs *r, int committed);

/* Empty the cache and free its memory. */
void refs_ids_free(struct refs *r);

#endif
