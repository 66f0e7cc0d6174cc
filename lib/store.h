/* store.h: a thin LMDB environment wrapper shared by the reference store and the vault. */
#ifndef S3GC_STORE_H
#define S3GC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "err.h"

/*
 * One LMDB environment in a directory. The environment is opened with
 * MDB_NOTLS, so read transactions are not tied to a thread and a thread
 * may hold several; keep every transaction short all the same (a reader
 * pins old pages and makes the file grow).
 */
struct store {
	MDB_env *env;
	char *path; /* the directory, owned */
	int readonly;
	uintptr_t map_lo, map_hi; /* the map's pages, once store_trim found them */
};

#define STORE_MAXDBS 16 /* named databases when the caller passes 0 */

/*
 * Open the environment in dir. Unless readonly, dir is created (mode
 * 0700) when missing. mapsize is the virtual map size (0: 1 TiB on 64-bit
 * systems, 1 GiB otherwise); maxdbs the number of named databases (0:
 * STORE_MAXDBS). Errors: S3GC_E_NOINPUT when a readonly store does not
 * exist, S3GC_E_IO otherwise; the message names dir. On failure s is left
 * closed (store_close is harmless).
 */
int store_open(struct store *s, const char *dir, size_t mapsize,
	       unsigned maxdbs, int readonly, struct s3gc_err *e);

/* Close the environment; every transaction must be finished. Idempotent. */
void store_close(struct store *s);

/*
 * Open the named database in txn (create it if `create`, which needs a
 * write transaction). The handle stays valid for the life of the
 * environment once txn commits. A missing database without `create` is
 * S3GC_E_IO naming it.
 */
int store_dbi(struct store *s, MDB_txn *txn, const char *name, int create,
	      MDB_dbi *dbi, struct s3gc_err *e);

/* Begin a read (write == 0) or write transaction; *txn is the caller's. */
int store_begin(struct store *s, int write, MDB_txn **txn, struct s3gc_err *e);

/* Commit txn; it is freed whether or not the commit succeeds. */
int store_commit(struct store *s, MDB_txn *txn, struct s3gc_err *e);

/* Abort txn (NULL is ignored); it is freed. */
void store_abort(MDB_txn *txn);

/*
 * Drop the process's resident pages of the environment's map
 * (madvise(MADV_DONTNEED) over the whole mapping), bounding RSS in long
 * loads; later reads fault them back in from the page cache or the file.
 * Safe only because the map is a read-only MAP_SHARED file mapping:
 * store_open never uses MDB_WRITEMAP (LMDB then builds changes in
 * malloc'd dirty pages and writes them with write(2)), so the map holds
 * nothing that is not in the file. It checks that (no MDB_WRITEMAP, the
 * mapping is r--s) and otherwise does nothing, as it does where the
 * mapping cannot be found (it reads /proc/self/maps: LMDB's me_mapaddr
 * is only set for MDB_FIXEDMAP). Pointers into the map stay valid, so
 * it may be called with a transaction open too.
 */
void store_trim(struct store *s);

/*
 * With `on`, commits sync the data they wrote but not the meta page that
 * points at it (MDB_NOMETASYNC): half the flushes, and the store stays
 * consistent, but a system crash may undo the last commit. The next
 * commit's flush, or the first one after `on` is 0 again, makes it
 * durable.
 */
void store_lazy_meta(struct store *s, int on);

/*
 * Translate the LMDB (or errno) code rc: S3GC_E_IO, code rc, message
 * "<what> in '<dir>': <mdb_strerror(rc)>". Returns -1.
 */
int store_err(const struct store *s, struct s3gc_err *e, int rc,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
