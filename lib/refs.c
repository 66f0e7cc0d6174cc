/*
 * refs.c: the reference store's handle: opening, transactions, counted
 * keys, meta records, and the LMDB calls the other refs files share.
 * The row map is in refs_rows.c (ids in refs_ids.c), clearing in
 * refs_clear.c, iteration in refs_iter.c.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "refs.h"
#include "refs_int.h"
#include "store.h"

#define META_NAME_MAX 400
#define FORMAT "2" /* 2: rows keyed by the primary key itself */

int refs_need_txn(struct refs *r, int write, struct s3gc_err *e)
{
	if (!r->txn)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "reference store used outside a transaction");
	if (write && !r->write)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "reference store changed in a read transaction");
	return 0;
}

int refs_db_get(struct refs *r, MDB_dbi dbi, MDB_val *k, MDB_val *v,
		int *found, const char *db, struct s3gc_err *e)
{
	int rc = mdb_get(r->txn, dbi, k, v);

	*found = rc == 0;
	if (rc && rc != MDB_NOTFOUND)
		return store_err(&r->st, e, rc, "cannot read '%s'", db);
	return 0;
}

int refs_db_put(struct refs *r, MDB_dbi dbi, MDB_val *k, MDB_val *v,
		unsigned flags, const char *db, struct s3gc_err *e)
{
	int rc = mdb_put(r->txn, dbi, k, v, flags);

	if (rc)
		return store_err(&r->st, e, rc, "cannot write '%s'", db);
	return 0;
}

int refs_db_del(struct refs *r, MDB_dbi dbi, MDB_val *k, const char *db,
		struct s3gc_err *e)
{
	int rc = mdb_del(r->txn, dbi, k, NULL);

	if (rc && rc != MDB_NOTFOUND)
		return store_err(&r->st, e, rc, "cannot delete from '%s'", db);
	return 0;
}

static void cursor_close(struct refs *r, MDB_cursor **c)
{
	if (*c && r->txn)
		mdb_cursor_close(*c);
	*c = NULL;
}

void refs_cursors_close(struct refs *r)
{
	for (int i = 0; i < 2; i++) {
		cursor_close(r, &r->bulkcur[i]);
		cursor_close(r, &r->cur[i]);
	}
}

int refs_cursor(struct refs *r, int db, MDB_cursor **c, struct s3gc_err *e)
{
	int rc;

	if (refs_need_txn(r, 1, e) < 0)
		return -1;
	if (!r->cur[db] &&
	    (rc = mdb_cursor_open(r->txn, db ? r->refs : r->rows, &r->cur[db])) != 0)
		return store_err(&r->st, e, rc, "cannot open a cursor on '%s'",
				 db ? "refs" : "rows");
	*c = r->cur[db];
	return 0;
}

/* ---- opening ---- */

static int open_dbs(struct refs *r, int readonly, struct s3gc_err *e)
{
	MDB_val k = { 7, (char *)".format" }, v;
	int found, create = !readonly;

	if (refs_begin(r, create, e) < 0)
		return -1;
	if (store_dbi(&r->st, r->txn, "refs", create, &r->refs, e) < 0 ||
	    store_dbi(&r->st, r->txn, "longrefs", create, &r->longrefs, e) < 0 ||
	    store_dbi(&r->st, r->txn, "rows", create, &r->rows, e) < 0 ||
	    store_dbi(&r->st, r->txn, "meta", create, &r->meta, e) < 0 ||
	    refs_db_get(r, r->meta, &k, &v, &found, "meta", e) < 0)
		goto fail;
	if (found && (v.mv_size != 1 || memcmp(v.mv_data, FORMAT, 1) != 0)) {
		err_set(e, S3GC_E_IO, 0,
			"unsupported reference store format in '%s' (another version's): "
			"remove it and run 's3gc-refs snapshot'", r->st.path);
		goto fail;
	}
	if (!found && create) {
		v.mv_size = 1;
		v.mv_data = (char *)FORMAT;
		if (refs_db_put(r, r->meta, &k, &v, 0, "meta", e) < 0)
			goto fail;
	}
	return refs_commit(r, e);
fail:
	refs_abort(r);
	return -1;
}

int refs_open(struct refs **rp, const char *dir, int readonly,
	      struct s3gc_err *e)
{
	struct refs *r = calloc(1, sizeof(*r));

	*rp = NULL;
	if (!r)
		return err_sys(e, S3GC_E_SYS, errno, "cannot open reference store '%s'", dir);
	buf_init(&r->val, 0);
	buf_init(&r->bulkrec, 0);
	buf_init(&r->bulklast, 0);
	if (store_open(&r->st, dir, 0, 0, readonly, e) < 0) {
		free(r);
		return -1;
	}
	if (open_dbs(r, readonly, e) < 0) {
		refs_close(r);
		return -1;
	}
	*rp = r;
	return 0;
}

void refs_close(struct refs *r)
{
	if (!r)
		return;
	refs_rebuild_abort(r);
	refs_abort(r);
	store_close(&r->st);
	buf_release(&r->val);
	buf_release(&r->bulkrec);
	refs_ids_free(r);
	free(r);
}

int refs_begin(struct refs *r, int write, struct s3gc_err *e)
{
	if (r->txn)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "reference store transaction already open");
	if (write && r->st.readonly)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "reference store '%s' opened read-only", r->st.path);
	if (store_begin(&r->st, write, &r->txn, e) < 0)
		return -1;
	r->write = write;
	return 0;
}

int refs_commit(struct refs *r, struct s3gc_err *e)
{
	MDB_txn *t = r->txn;

	if (!t)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "reference store commit without a transaction");
	refs_cursors_close(r);
	r->txn = NULL;
	if (store_commit(&r->st, t, e) < 0) {
		refs_ids_end(r, 0);
		return -1;
	}
	refs_ids_end(r, 1);
	return 0;
}

void refs_abort(struct refs *r)
{
	refs_cursors_close(r);
	store_abort(r->txn);
	r->txn = NULL;
	refs_ids_end(r, 0);
	refs_bulk_abort(r); /* its ids may have been assigned in this transaction */
}

int refs_nkeys(struct refs *r, unsigned long long *nkeys,
	       unsigned long long *nrows, struct s3gc_err *e)
{
	MDB_stat s, l, w;
	int rc;

	*nkeys = *nrows = 0;
	if (refs_need_txn(r, 0, e) < 0)
		return -1;
	if ((rc = mdb_stat(r->txn, r->refs, &s)) != 0 ||
	    (rc = mdb_stat(r->txn, r->longrefs, &l)) != 0 ||
	    (rc = mdb_stat(r->txn, r->rows, &w)) != 0)
		return store_err(&r->st, e, rc, "cannot count entries");
	*nkeys = (unsigned long long)s.ms_entries + l.ms_entries;
	*nrows = w.ms_entries;
	return 0;
}

void refs_trim(struct refs *r)
{
	if (r)
		store_trim(&r->st);
}

/* ---- counted keys ---- */

/* The LMDB key of an S3 key: itself, or prefix + hash into lk. */
static int key_of(struct refs *r, const char *key, size_t n,
		  unsigned char lk[LONG_KEYLEN], MDB_val *k, MDB_dbi *dbi,
		  struct s3gc_err *e)
{
	if (n == 0)
		return err_set(e, S3GC_E_DATA, 0, "empty key");
	if (n <= REFS_SHORT_MAX) {
		k->mv_size = n;
		k->mv_data = (char *)key;
		*dbi = r->refs;
		return 0;
	}
	memcpy(lk, key, REFS_LONG_PREFIX);
	if (hash_sha256(key, n, lk + REFS_LONG_PREFIX, e) < 0)
		return -1;
	k->mv_size = LONG_KEYLEN;
	k->mv_data = lk;
	*dbi = r->longrefs;
	return 0;
}

/* The count stored under k; a long entry must hold the same whole key. */
static int count_get(struct refs *r, MDB_dbi dbi, MDB_val *k, const char *key,
		     size_t n, uint64_t *count, struct s3gc_err *e)
{
	int found, islong = dbi == r->longrefs;
	const char *db = islong ? "longrefs" : "refs";
	MDB_val v;

	*count = 0;
	if (refs_db_get(r, dbi, k, &v, &found, db, e) < 0)
		return -1;
	if (!found)
		return 0;
	if (v.mv_size != 8 + (islong ? n : 0) ||
	    (islong && memcmp((char *)v.mv_data + 8, key, n) != 0))
		return err_set(e, S3GC_E_IO, 0, "corrupt entry in '%s' in '%s'",
			       db, r->st.path);
	*count = get_be(v.mv_data, 8);
	return 0;
}

static int count_put(struct refs *r, MDB_dbi dbi, MDB_val *k, const char *key,
		     size_t n, uint64_t count, unsigned flags,
		     struct s3gc_err *e)
{
	int islong = dbi == r->longrefs;
	unsigned char c[8];
	MDB_val v;

	put_be(c, count, 8);
	buf_reset(&r->val);
	if (buf_add(&r->val, c, 8, e) < 0 ||
	    (islong && buf_add(&r->val, key, n, e) < 0))
		return -1;
	v.mv_size = r->val.len;
	v.mv_data = r->val.data;
	return refs_db_put(r, dbi, k, &v, flags, islong ? "longrefs" : "refs", e);
}

/* The count old changed by delta, into *now; n is the key's length. */
static int count_step(uint64_t old, long long delta, size_t n, uint64_t *now,
		      struct s3gc_err *e)
{
	uint64_t d = delta < 0 ? (uint64_t)0 - (uint64_t)delta : (uint64_t)delta;

	if (delta < 0 && d > old)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "cannot drop the count of a %zu-byte key below zero (count %llu, change %lld)",
			       n, (unsigned long long)old, delta);
	if (delta > 0 && old + d < old)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "count of a %zu-byte key overflows", n);
	*now = delta < 0 ? old - d : old + d;
	return 0;
}

/* refs_incr of a key kept in "refs" itself: found, then changed or
 * deleted where the kept cursor stands. */
static int incr_short(struct refs *r, MDB_val *k, long long delta,
		      unsigned long long *newcount, struct s3gc_err *e)
{
	unsigned char c[8];
	uint64_t old = 0, now;
	MDB_cursor *cur;
	MDB_val v;
	int rc, found;

	if (refs_cursor(r, 1, &cur, e) < 0)
		return -1;
	rc = mdb_cursor_get(cur, k, &v, MDB_SET);
	if (rc && rc != MDB_NOTFOUND)
		return store_err(&r->st, e, rc, "cannot read 'refs'");
	found = rc == 0;
	if (found && v.mv_size != 8)
		return err_set(e, S3GC_E_IO, 0, "corrupt entry in 'refs' in '%s'",
			       r->st.path);
	if (found)
		old = get_be(v.mv_data, 8);
	if (count_step(old, delta, k->mv_size, &now, e) < 0)
		return -1;
	if (newcount)
		*newcount = now;
	if (now == old)
		return 0;
	if (now == 0) {
		rc = mdb_cursor_del(cur, 0);
		if (rc)
			return store_err(&r->st, e, rc, "cannot delete from 'refs'");
		return 0;
	}
	put_be(c, now, 8);
	v.mv_size = 8;
	v.mv_data = c;
	rc = mdb_cursor_put(cur, k, &v, found ? MDB_CURRENT : 0);
	if (rc)
		return store_err(&r->st, e, rc, "cannot write 'refs'");
	return 0;
}

int refs_incr(struct refs *r, const char *key, size_t n, long long delta,
	      unsigned long long *newcount, struct s3gc_err *e)
{
	unsigned char lk[LONG_KEYLEN];
	uint64_t old, now;
	MDB_dbi dbi = 0;
	MDB_val k;

	if (r->bulk) {
		if (delta != 1 || newcount)
			return err_set(e, S3GC_E_INTERNAL, 0,
				       "only +1 without a result in a bulk load");
		return refs_bulk_key(r, key, n, e);
	}
	if (refs_need_txn(r, 1, e) < 0 || key_of(r, key, n, lk, &k, &dbi, e) < 0)
		return -1;
	if (dbi == r->refs)
		return incr_short(r, &k, delta, newcount, e);
	if (count_get(r, dbi, &k, key, n, &old, e) < 0 ||
	    count_step(old, delta, n, &now, e) < 0)
		return -1;
	if (newcount)
		*newcount = now;
	if (now == old)
		return 0;
	if (now == 0)
		return refs_db_del(r, dbi, &k, "longrefs", e);
	return count_put(r, dbi, &k, key, n, now, 0, e);
}

int refs_load(struct refs *r, const char *key, size_t n,
	      unsigned long long count, struct s3gc_err *e)
{
	int rc;

	if (refs_need_txn(r, 1, e) < 0)
		return -1;
	if (count > (unsigned long long)INT64_MAX)
		return err_set(e, S3GC_E_INTERNAL, 0, "count %llu too large", count);
	if (n > 0 && n <= REFS_SHORT_MAX && count > 0) {
		unsigned char c[8];
		MDB_val k = { n, (char *)key }, v = { 8, c };

		put_be(c, count, 8);
		rc = refs_bulk_append(r, 1, &k, &v);
		if (rc == 0)
			return 0;
		if (rc != MDB_KEYEXIST) /* not after the last key: search */
			return store_err(&r->st, e, rc, "cannot write 'refs'");
	}
	return refs_incr(r, key, n, (long long)count, NULL, e);
}

int refs_count(struct refs *r, const char *key, size_t n,
	       unsigned long long *count, struct s3gc_err *e)
{
	unsigned char lk[LONG_KEYLEN];
	uint64_t c;
	MDB_dbi dbi = 0;
	MDB_val k;

	*count = 0;
	if (refs_need_txn(r, 0, e) < 0 || key_of(r, key, n, lk, &k, &dbi, e) < 0 ||
	    count_get(r, dbi, &k, key, n, &c, e) < 0)
		return -1;
	*count = c;
	return 0;
}

/* ---- meta ---- */

static int meta_name_ok(const char *name, struct s3gc_err *e)
{
	size_t n = strlen(name);

	if (n == 0 || n > META_NAME_MAX || name[0] == '.')
		return err_set(e, S3GC_E_INTERNAL, 0, "bad meta name '%.64s'", name);
	return 0;
}

int refs_meta_store(struct refs *r, const void *name, size_t nlen,
		    const void *v, size_t n, struct s3gc_err *e)
{
	MDB_val k = { nlen, (void *)name }, d = { n, (void *)v };

	return refs_db_put(r, r->meta, &k, &d, 0, "meta", e);
}

int refs_meta_find(struct refs *r, const void *name, size_t nlen, MDB_val *v,
		   int *found, struct s3gc_err *e)
{
	MDB_val k = { nlen, (void *)name };

	return refs_db_get(r, r->meta, &k, v, found, "meta", e);
}

int refs_meta_set(struct refs *r, const char *name, const void *v, size_t n,
		  struct s3gc_err *e)
{
	if (refs_need_txn(r, 1, e) < 0 || meta_name_ok(name, e) < 0)
		return -1;
	return refs_meta_store(r, name, strlen(name), v, n, e);
}

int refs_meta_get(struct refs *r, const char *name, struct buf *out,
		  int *found, struct s3gc_err *e)
{
	MDB_val v;

	*found = 0;
	if (refs_need_txn(r, 0, e) < 0 || meta_name_ok(name, e) < 0 ||
	    refs_meta_find(r, name, strlen(name), &v, found, e) < 0)
		return -1;
	buf_reset(out);
	if (*found && buf_add(out, v.mv_data, v.mv_size, e) < 0)
		return -1;
	return 0;
}

int refs_meta_del(struct refs *r, const char *name, struct s3gc_err *e)
{
	MDB_val k = { strlen(name), (char *)name };

	if (refs_need_txn(r, 1, e) < 0 || meta_name_ok(name, e) < 0)
		return -1;
	return refs_db_del(r, r->meta, &k, "meta", e);
}
