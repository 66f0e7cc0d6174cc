/*
 * refs.h: the reference store, the set of S3 keys the database refers to
 * (DESIGN.md section 4), kept in an LMDB environment in one directory.
 *
 * Layout (named databases; all integers big-endian):
 *   "refs"     S3 key (1..REFS_SHORT_MAX bytes) -> u64 reference count
 *   "longrefs" first REFS_LONG_PREFIX bytes of the key + SHA-256 of the
 *              whole key -> u64 count + the whole key
 *   "rows"     u32 table id + primary key + u16 column id -> the key;
 *              a primary key over 400 bytes is its first 369 bytes +
 *              its SHA-256 (refs_int.h)
 *   "meta"     name -> bytes; names starting with '.' are internal (the
 *              format version and the table and column id assignments)
 * A key with count 0 is absent. Keys are raw bytes (decoded, not
 * percent-encoded); the empty key is refused (S3GC_E_DATA).
 *
 * Every operation but iteration runs in the handle's one transaction,
 * started with refs_begin and ended with refs_commit or refs_abort, so a
 * change and the new source position (a meta record) commit together.
 * Calling an operation outside a transaction, or a writing one in a read
 * transaction, is S3GC_E_INTERNAL. LMDB failures are S3GC_E_IO with a
 * message naming the directory. A handle is for one thread at a time.
 */
#ifndef S3GC_REFS_H
#define S3GC_REFS_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define REFS_SHORT_MAX 480   /* longest key stored as itself */
#define REFS_LONG_PREFIX 400 /* bytes of a long key kept in its LMDB key */

/* Well-known meta names. */
#define REFS_META_SNAPSHOT "snapshot_completed" /* RFC 3339 time */
#define REFS_META_POSITION "source_position"    /* LSN, binlog position */
#define REFS_META_CHANGED "last_change_time"    /* RFC 3339 time */
#define REFS_META_SLOT "slot_name"
#define REFS_META_CAUGHT_UP "caught_up"         /* RFC 3339 time: every change
						   committed before it is in */

struct refs; /* opaque */

/*
 * Open the store in dir; *r is the caller's (refs_close). Unless readonly,
 * dir and the databases are created when missing. A readonly open of a
 * missing store is S3GC_E_NOINPUT; dir being a file is S3GC_E_IO.
 */
int refs_open(struct refs **r, const char *dir, int readonly,
	      struct s3gc_err *e);

/* Abort any open transaction and close; every iterator must be closed. */
void refs_close(struct refs *r);

/* Begin the handle's transaction (write != 0 for a write one). */
int refs_begin(struct refs *r, int write, struct s3gc_err *e);

/* Commit it; the transaction is over even when this fails. */
int refs_commit(struct refs *r, struct s3gc_err *e);

/* Abort it, if any; nothing it did remains. */
void refs_abort(struct refs *r);

/*
 * Add delta (may be negative) to the count of key; *newcount (may be NULL)
 * gets the result. A count reaching 0 removes the key. Going below zero
 * or past 2^64-1 is refused (S3GC_E_INTERNAL) and changes nothing.
 */
int refs_incr(struct refs *r, const char *key, size_t n, long long delta,
	      unsigned long long *newcount, struct s3gc_err *e);

/*
 * refs_incr with a positive count, for the snapshot's bulk load: when
 * keys come in ascending ks_cmp order and each is greater than every key
 * already stored, short keys are appended (MDB_APPEND) without a search.
 * Any other order is still correct, only slower.
 */
int refs_load(struct refs *r, const char *key, size_t n,
	      unsigned long long count, struct s3gc_err *e);

/* The count of key, 0 if it is not referenced. */
int refs_count(struct refs *r, const char *key, size_t n,
	       unsigned long long *count, struct s3gc_err *e);

/*
 * The row map: which key the cell (table, column, primary key) holds.
 * Table and column names are NUL-terminated identifiers of 1..255 bytes;
 * their ids are assigned on first put and never change. The primary key
 * is 1 or more bytes, compared as bytes: an encoding that sorts as the
 * table is read (cdc_apply's) makes a snapshot's rows come in order. `old` (may be
 * NULL) is reset and receives the key the cell held before, *had_old (may
 * be NULL) whether there was one. Counts are not touched: the caller
 * increments the new key and decrements the old one.
 */
int refs_row_put(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, const char *key, size_t keylen,
		 struct buf *old, int *had_old, struct s3gc_err *e);

/* The key the cell holds: *found = 1 and key reset and filled, or 0. */
int refs_row_get(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, struct buf *key, int *found,
		 struct s3gc_err *e);

/* Remove the cell; old and had_old as for refs_row_put. */
int refs_row_del(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, struct buf *old, int *had_old,
		 struct s3gc_err *e);

/*
 * Remove every row of table (TRUNCATE), calling each (may be NULL) for
 * each removed row with its column name and key, which are valid only
 * during the call. each may use the handle (refs_incr to drop the count)
 * and returns 0, or -1 with e set to stop; the caller then aborts.
 * *nrows (may be NULL) gets the number removed.
 */
typedef int refs_row_fn(void *arg, const char *column, const char *key,
			size_t n, struct s3gc_err *e);
int refs_rows_clear_table(struct refs *r, const char *table, refs_row_fn *each,
			  void *arg, size_t *nrows, struct s3gc_err *e);

/*
 * Meta records. name: 1..400 bytes, NUL-terminated, not starting with '.'
 * (S3GC_E_INTERNAL otherwise). refs_meta_get resets out and fills it
 * (*found = 1), or sets *found = 0.
 */
int refs_meta_set(struct refs *r, const char *name, const void *v, size_t n,
		  struct s3gc_err *e);
int refs_meta_get(struct refs *r, const char *name, struct buf *out,
		  int *found, struct s3gc_err *e);
int refs_meta_del(struct refs *r, const char *name, struct s3gc_err *e);

/*
 * Empty the store: every key, row and meta record (snapshot time and
 * source position included) goes; table and column ids are kept. Needs a
 * write transaction. (A snapshot rebuilds into a new store instead:
 * refs_rebuild_begin.)
 */
int refs_clear(struct refs *r, struct s3gc_err *e);


/*
 * *nkeys gets the number of distinct referenced keys (short and long),
 * *nrows the number of row-map cells, as of the handle's transaction.
 */
int refs_nkeys(struct refs *r, unsigned long long *nkeys,
	       unsigned long long *nrows, struct s3gc_err *e);

/*
 * Give back the process's resident pages of the store's memory map
 * (store_trim), so that a long load or stream, which reads ever more of
 * the map, does not keep all of it resident. It may be called at any
 * time, with a transaction open too: the map is read-only (LMDB's dirty
 * pages are its own memory until the commit writes them), so pointers
 * into it stay valid, and nothing is lost: the pages are read back from
 * the page cache or the file when needed.
 */
void refs_trim(struct refs *r);

/*
 * Every referenced key, in ks_cmp order (raw bytes, shorter first), short
 * and long keys merged. The iterator reads committed data in its own read
 * transactions, which it renews every REFS_ITER_BATCH keys so that a slow
 * consumer holds no long-lived reader; a key committed meanwhile may or
 * may not be seen, but the order holds. It may be used while the handle
 * has a transaction open, and must be closed before refs_close.
 * Memory: one long-key group (keys sharing REFS_LONG_PREFIX bytes) at most.
 */
#define REFS_ITER_BATCH 1024
struct refs_iter;

/* *it is the caller's (refs_iter_close). */
int refs_iter_open(struct refs *r, struct refs_iter **it, struct s3gc_err *e);

/*
 * 1 with the next key (*key owned by the iterator, valid until the next
 * call or refs_iter_close) and its count (count may be NULL); 0 at the
 * end; -1 on error.
 */
int refs_iter_next(struct refs_iter *it, const char **key, size_t *n,
		   unsigned long long *count, struct s3gc_err *e);

void refs_iter_close(struct refs_iter *it);

/*
 * Rebuild, for a snapshot: refs_rebuild_begin makes a new, empty store in
 * DIR.new (removing what a crash left there), copies the rows of table
 * keep_table into it (counting their keys), and leaves the handle working
 * on it, in an open write transaction; the old store is not touched.
 * refs_rebuild_commit (no transaction open) puts the new store in DIR's
 * place (an atomic exchange where the system has one) and removes the
 * old one; refs_rebuild_abort (and refs_close) give the handle its old
 * store back and remove the new one. Readers that have the old store
 * open keep reading it until they close it.
 */
int refs_rebuild_begin(struct refs *r, const char *keep_table,
		       struct s3gc_err *e);
int refs_rebuild_commit(struct refs *r, struct s3gc_err *e);
void refs_rebuild_abort(struct refs *r);

/*
 * Bulk load, for a snapshot into an emptied store. Between refs_bulk_begin
 * (in a write transaction) and refs_bulk_end, refs_incr (+1 only, no
 * newcount) and refs_row_put (which then reports no old value) are not
 * written but gathered in an external sort, in at most mem bytes of memory
 * plus unlinked temporary files in the store's directory; except row-map
 * cells that come in key order after every cell already stored, which are
 * appended at once. refs_bulk_end writes what was gathered in key order,
 * appending where LMDB allows. Every `batch` records written, the open
 * transaction is committed and a new one begun (with refs_trim between),
 * from refs_row_put on: what came before refs_bulk_begin in that
 * transaction is committed early. A write transaction is open when
 * refs_row_put or refs_bulk_end returns, with or without error. Cells
 * already in the row map, or given twice, keep their first value.
 * refs_abort (and refs_close) drop what was gathered. Other writes during
 * a bulk load are not diverted: use none. The load's own commits do not
 * sync their meta page (store_lazy_meta): a system crash may undo the
 * last of them, never leave the store inconsistent; the first commit after
 * refs_bulk_end syncs everything.
 */
int refs_bulk_begin(struct refs *r, size_t mem, unsigned long batch,
		    struct s3gc_err *e);
int refs_bulk_end(struct refs *r, struct s3gc_err *e);
void refs_bulk_abort(struct refs *r);

#endif
