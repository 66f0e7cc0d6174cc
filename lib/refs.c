/* refs.c: the reference store: counted keys, the row map and meta records in LMDB. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "keyspace.h"
#include "refs.h"
#include "store.h"

#define LONG_KEYLEN (REFS_LONG_PREFIX + SHA256_LEN)
#define ROW_KEYLEN (4 + 2 + SHA256_LEN)
#define NAME_MAX_ID 255
#define META_NAME_MAX 400
#define FORMAT "1"

struct refs {
	struct store st;
	MDB_dbi refs, longrefs, rows, meta;
	MDB_txn *txn;
	int write;
	struct buf val; /* scratch for values being built */
};

static void put_be(unsigned char *p, uint64_t v, int len)
{
	for (int i = len - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_be(const unsigned char *p, int len)
{
	uint64_t v = 0;

	for (int i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

/* Check that a transaction of the needed kind is open. */
static int need_txn(struct refs *r, int write, struct s3gc_err *e)
{
	if (!r->txn)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "reference store used outside a transaction");
	if (write && !r->write)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "reference store changed in a read transaction");
	return 0;
}

static int mget(struct refs *r, MDB_dbi dbi, MDB_val *k, MDB_val *v,
		int *found, const char *db, struct s3gc_err *e)
{
	int rc = mdb_get(r->txn, dbi, k, v);

	*found = rc == 0;
	if (rc && rc != MDB_NOTFOUND)
		return store_err(&r->st, e, rc, "cannot read '%s'", db);
	return 0;
}

static int mput(struct refs *r, MDB_dbi dbi, MDB_val *k, MDB_val *v,
		unsigned flags, const char *db, struct s3gc_err *e)
{
	int rc = mdb_put(r->txn, dbi, k, v, flags);

	if (rc)
		return store_err(&r->st, e, rc, "cannot write '%s'", db);
	return 0;
}

static int mdel(struct refs *r, MDB_dbi dbi, MDB_val *k, const char *db,
		struct s3gc_err *e)
{
	int rc = mdb_del(r->txn, dbi, k, NULL);

	if (rc && rc != MDB_NOTFOUND)
		return store_err(&r->st, e, rc, "cannot delete from '%s'", db);
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
	    mget(r, r->meta, &k, &v, &found, "meta", e) < 0)
		goto fail;
	if (found && (v.mv_size != 1 || memcmp(v.mv_data, FORMAT, 1) != 0)) {
		err_set(e, S3GC_E_IO, 0,
			"unsupported reference store format in '%s'", r->st.path);
		goto fail;
	}
	if (!found && create) {
		v.mv_size = 1;
		v.mv_data = (char *)FORMAT;
		if (mput(r, r->meta, &k, &v, 0, "meta", e) < 0)
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
	refs_abort(r);
	store_close(&r->st);
	buf_release(&r->val);
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
	r->txn = NULL;
	return store_commit(&r->st, t, e);
}

void refs_abort(struct refs *r)
{
	store_abort(r->txn);
	r->txn = NULL;
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
	if (mget(r, dbi, k, &v, &found, db, e) < 0)
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
	return mput(r, dbi, k, &v, flags, islong ? "longrefs" : "refs", e);
}

int refs_incr(struct refs *r, const char *key, size_t n, long long delta,
	      unsigned long long *newcount, struct s3gc_err *e)
{
	unsigned char lk[LONG_KEYLEN];
	uint64_t old, now, d;
	MDB_dbi dbi = 0;
	MDB_val k;

	if (need_txn(r, 1, e) < 0 || key_of(r, key, n, lk, &k, &dbi, e) < 0 ||
	    count_get(r, dbi, &k, key, n, &old, e) < 0)
		return -1;
	d = delta < 0 ? (uint64_t)0 - (uint64_t)delta : (uint64_t)delta;
	if (delta < 0 && d > old)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "cannot drop the count of a %zu-byte key below zero (count %llu, change %lld)",
			       n, (unsigned long long)old, delta);
	if (delta > 0 && old + d < old)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "count of a %zu-byte key overflows", n);
	now = delta < 0 ? old - d : old + d;
	if (newcount)
		*newcount = now;
	if (now == old)
		return 0;
	if (now == 0)
		return mdel(r, dbi, &k, dbi == r->refs ? "refs" : "longrefs", e);
	return count_put(r, dbi, &k, key, n, now, 0, e);
}

int refs_load(struct refs *r, const char *key, size_t n,
	      unsigned long long count, struct s3gc_err *e)
{
	int rc;

	if (need_txn(r, 1, e) < 0)
		return -1;
	if (count > (unsigned long long)INT64_MAX)
		return err_set(e, S3GC_E_INTERNAL, 0, "count %llu too large", count);
	if (n > 0 && n <= REFS_SHORT_MAX && count > 0) {
		unsigned char c[8];
		MDB_val k = { n, (char *)key }, v = { 8, c };

		put_be(c, count, 8);
		rc = mdb_put(r->txn, r->refs, &k, &v, MDB_APPEND);
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
	if (need_txn(r, 0, e) < 0 || key_of(r, key, n, lk, &k, &dbi, e) < 0 ||
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

static int meta_put(struct refs *r, const void *name, size_t nlen,
		    const void *v, size_t n, struct s3gc_err *e)
{
	MDB_val k = { nlen, (void *)name }, d = { n, (void *)v };

	return mput(r, r->meta, &k, &d, 0, "meta", e);
}

/* The value of a meta record; *v points into the map (valid until a write). */
static int meta_find(struct refs *r, const void *name, size_t nlen,
		     MDB_val *v, int *found, struct s3gc_err *e)
{
	MDB_val k = { nlen, (void *)name };

	return mget(r, r->meta, &k, v, found, "meta", e);
}

int refs_meta_set(struct refs *r, const char *name, const void *v, size_t n,
		  struct s3gc_err *e)
{
	if (need_txn(r, 1, e) < 0 || meta_name_ok(name, e) < 0)
		return -1;
	return meta_put(r, name, strlen(name), v, n, e);
}

int refs_meta_get(struct refs *r, const char *name, struct buf *out,
		  int *found, struct s3gc_err *e)
{
	MDB_val v;

	*found = 0;
	if (need_txn(r, 0, e) < 0 || meta_name_ok(name, e) < 0 ||
	    meta_find(r, name, strlen(name), &v, found, e) < 0)
		return -1;
	buf_reset(out);
	if (*found && buf_add(out, v.mv_data, v.mv_size, e) < 0)
		return -1;
	return 0;
}

int refs_meta_del(struct refs *r, const char *name, struct s3gc_err *e)
{
	MDB_val k = { strlen(name), (char *)name };

	if (need_txn(r, 1, e) < 0 || meta_name_ok(name, e) < 0)
		return -1;
	return mdel(r, r->meta, &k, "meta", e);
}

/* ---- table and column ids ---- */

/*
 * The id of a table (kind 't', 4 bytes) or column ('c', 2 bytes), from
 * ".t.NAME" / ".c.NAME"; with `assign`, a new one from the counter ".n.t"
 * / ".n.c", plus the reverse record ".r.c" + id for columns. *id = 0 when
 * absent and not assigned (ids start at 1).
 */
static int name_id(struct refs *r, char kind, const char *name, int assign,
		   uint32_t *id, struct s3gc_err *e)
{
	size_t n = strlen(name), w = kind == 't' ? 4 : 2;
	char mk[3 + NAME_MAX_ID], nk[4] = { '.', 'n', '.', kind };
	unsigned char idb[4];
	uint64_t next = 1;
	MDB_val v;
	int found;

	*id = 0;
	if (n == 0 || n > NAME_MAX_ID)
		return err_set(e, S3GC_E_DATA, 0, "bad %s name '%.64s'",
			       kind == 't' ? "table" : "column", name);
	mk[0] = '.', mk[1] = kind, mk[2] = '.';
	memcpy(mk + 3, name, n);
	if (meta_find(r, mk, 3 + n, &v, &found, e) < 0)
		return -1;
	if (found) {
		*id = (uint32_t)get_be(v.mv_data, (int)w);
		return 0;
	}
	if (!assign)
		return 0;
	if (meta_find(r, nk, 4, &v, &found, e) < 0)
		return -1;
	if (found)
		next = get_be(v.mv_data, 4);
	if (next >= ((uint64_t)1 << (8 * w)))
		return err_set(e, S3GC_E_INTERNAL, 0, "too many %s names",
			       kind == 't' ? "table" : "column");
	put_be(idb, next + 1, 4);
	if (meta_put(r, nk, 4, idb, 4, e) < 0)
		return -1;
	put_be(idb, next, (int)w);
	if (meta_put(r, mk, 3 + n, idb, w, e) < 0)
		return -1;
	if (kind == 'c') {
		char rk[5] = { '.', 'r', '.', (char)idb[0], (char)idb[1] };

		if (meta_put(r, rk, 5, name, n, e) < 0)
			return -1;
	}
	*id = (uint32_t)next;
	return 0;
}

/* The rows key of a cell; *found = 0 if its table or column is unknown. */
static int row_key(struct refs *r, const char *table, const char *column,
		   const char *pk, size_t pklen, int assign,
		   unsigned char rk[ROW_KEYLEN], int *found, struct s3gc_err *e)
{
	uint32_t tid, cid;

	*found = 0;
	if (need_txn(r, assign, e) < 0 ||
	    name_id(r, 't', table, assign, &tid, e) < 0 ||
	    name_id(r, 'c', column, assign, &cid, e) < 0)
		return -1;
	if (!tid || !cid)
		return 0;
	put_be(rk, tid, 4);
	put_be(rk + 4, cid, 2);
	if (hash_sha256(pk, pklen, rk + 6, e) < 0)
		return -1;
	*found = 1;
	return 0;
}

/* Copy the key held in a rows value into out (may be NULL). */
static int row_val_key(struct refs *r, const MDB_val *v, struct buf *out,
		       struct s3gc_err *e)
{
	uint64_t n = v->mv_size >= 4 ? get_be(v->mv_data, 4) : 0;

	if (v->mv_size < 4 || n > v->mv_size - 4)
		return err_set(e, S3GC_E_IO, 0, "corrupt entry in 'rows' in '%s'",
			       r->st.path);
	if (!out)
		return 0;
	buf_reset(out);
	return buf_add(out, (char *)v->mv_data + 4, (size_t)n, e);
}

int refs_row_put(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, const char *key, size_t keylen,
		 struct buf *old, int *had_old, struct s3gc_err *e)
{
	unsigned char rk[ROW_KEYLEN], lb[4];
	MDB_val k = { ROW_KEYLEN, rk }, v;
	int found;

	if (had_old)
		*had_old = 0;
	if (keylen == 0)
		return err_set(e, S3GC_E_DATA, 0, "empty key");
	if (keylen > UINT32_MAX)
		return err_set(e, S3GC_E_DATA, 0, "key too long");
	if (row_key(r, table, column, pk, pklen, 1, rk, &found, e) < 0 ||
	    mget(r, r->rows, &k, &v, &found, "rows", e) < 0)
		return -1;
	if (old)
		buf_reset(old);
	if (found && row_val_key(r, &v, old, e) < 0)
		return -1;
	if (had_old)
		*had_old = found;
	put_be(lb, keylen, 4);
	buf_reset(&r->val);
	if (buf_add(&r->val, lb, 4, e) < 0 || buf_add(&r->val, key, keylen, e) < 0 ||
	    buf_add(&r->val, pk, pklen, e) < 0)
		return -1;
	v.mv_size = r->val.len;
	v.mv_data = r->val.data;
	return mput(r, r->rows, &k, &v, 0, "rows", e);
}

int refs_row_get(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, struct buf *key, int *found,
		 struct s3gc_err *e)
{
	unsigned char rk[ROW_KEYLEN];
	MDB_val k = { ROW_KEYLEN, rk }, v;

	if (row_key(r, table, column, pk, pklen, 0, rk, found, e) < 0)
		return -1;
	if (*found && mget(r, r->rows, &k, &v, found, "rows", e) < 0)
		return -1;
	buf_reset(key);
	return *found ? row_val_key(r, &v, key, e) : 0;
}

int refs_row_del(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, struct buf *old, int *had_old,
		 struct s3gc_err *e)
{
	unsigned char rk[ROW_KEYLEN];
	MDB_val k = { ROW_KEYLEN, rk }, v;
	int found;

	if (had_old)
		*had_old = 0;
	if (old)
		buf_reset(old);
	if (need_txn(r, 1, e) < 0 ||
	    row_key(r, table, column, pk, pklen, 0, rk, &found, e) < 0)
		return -1;
	if (found && mget(r, r->rows, &k, &v, &found, "rows", e) < 0)
		return -1;
	if (!found)
		return 0;
	if (row_val_key(r, &v, old, e) < 0 || mdel(r, r->rows, &k, "rows", e) < 0)
		return -1;
	if (had_old)
		*had_old = 1;
	return 0;
}

/* The name of column id cid (2 bytes) into out. */
static int column_name(struct refs *r, const unsigned char *cid,
		       struct buf *out, struct s3gc_err *e)
{
	char rk[5] = { '.', 'r', '.', (char)cid[0], (char)cid[1] };
	MDB_val v;
	int found;

	if (meta_find(r, rk, 5, &v, &found, e) < 0)
		return -1;
	if (!found)
		return err_set(e, S3GC_E_IO, 0, "unknown column id in '%s'",
			       r->st.path);
	buf_reset(out);
	return buf_add(out, v.mv_data, v.mv_size, e);
}

/* Take the first row of the table prefix tk off; 1 done, 0 none left. */
static int clear_one(struct refs *r, MDB_cursor *c, const unsigned char *tk,
		     struct buf *col, struct buf *key, struct s3gc_err *e)
{
	MDB_val k = { 4, (void *)tk }, v;
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_err(&r->st, e, rc, "cannot read 'rows'");
	if (k.mv_size != ROW_KEYLEN || memcmp(k.mv_data, tk, 4) != 0)
		return 0;
	if (column_name(r, (unsigned char *)k.mv_data + 4, col, e) < 0 ||
	    row_val_key(r, &v, key, e) < 0)
		return -1;
	rc = mdb_cursor_del(c, 0);
	if (rc)
		return store_err(&r->st, e, rc, "cannot delete from 'rows'");
	return 1;
}

int refs_rows_clear_table(struct refs *r, const char *table, refs_row_fn *each,
			  void *arg, size_t *nrows, struct s3gc_err *e)
{
	struct buf col = BUF_INIT, key = BUF_INIT;
	unsigned char tk[4];
	MDB_cursor *c = NULL;
	size_t count = 0;
	uint32_t tid;
	int rc, ret = -1;

	if (nrows)
		*nrows = 0;
	if (need_txn(r, 1, e) < 0 || name_id(r, 't', table, 0, &tid, e) < 0)
		return -1;
	if (!tid)
		return 0;
	put_be(tk, tid, 4);
	rc = mdb_cursor_open(r->txn, r->rows, &c);
	if (rc)
		return store_err(&r->st, e, rc, "cannot read 'rows'");
	/* Seek afresh after each delete: each may write to the handle. */
	while ((rc = clear_one(r, c, tk, &col, &key, e)) == 1) {
		count++;
		if (each && each(arg, buf_str(&col), key.data ? key.data : "",
				 key.len, e) < 0)
			goto out;
	}
	if (rc == 0)
		ret = 0;
out:
	mdb_cursor_close(c);
	buf_release(&col);
	buf_release(&key);
	if (nrows)
		*nrows = count;
	return ret;
}

/* ---- clearing ---- */

int refs_clear(struct refs *r, struct s3gc_err *e)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (need_txn(r, 1, e) < 0)
		return -1;
	if ((rc = mdb_drop(r->txn, r->refs, 0)) != 0 ||
	    (rc = mdb_drop(r->txn, r->longrefs, 0)) != 0 ||
	    (rc = mdb_drop(r->txn, r->rows, 0)) != 0)
		return store_err(&r->st, e, rc, "cannot empty the store");
	rc = mdb_cursor_open(r->txn, r->meta, &c);
	if (rc)
		return store_err(&r->st, e, rc, "cannot read 'meta'");
	/* User names may sort on either side of the internal '.' ones. */
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size == 0 || ((char *)k.mv_data)[0] != '.')
			rc = mdb_cursor_del(c, 0);
		if (rc == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return store_err(&r->st, e, rc, "cannot empty 'meta'");
	return 0;
}

/* ---- iteration ---- */

/*
 * Each cursor remembers the LMDB key it last consumed, so that after the
 * read transaction is renewed it can seek just past it. Long keys are
 * read a group at a time (the entries sharing REFS_LONG_PREFIX bytes come
 * in hash order) and the group is sorted by the whole key.
 * CUR_ON: on `last`, consumed; CUR_SEEK: go past `last` (after a
 * renewal); CUR_AT: go to `last`, not yet consumed.
 */
enum cur_state { CUR_START, CUR_ON, CUR_SEEK, CUR_AT, CUR_END };

struct cur {
	MDB_cursor *c;
	enum cur_state state;
	struct buf last; /* the LMDB key last consumed */
};

struct long_ent {
	size_t off, n; /* the key in refs_iter.gkeys */
	const char *k; /* set once the group is complete */
	uint64_t count;
};

struct refs_iter {
	struct refs *r;
	MDB_txn *txn;
	unsigned since_renew;
	struct cur s, l;
	/* the smallest short key not yet returned */
	int shave, sneed; /* a head is held; it was returned, read the next */
	struct buf skey;
	uint64_t scount;
	/* the current long group, and the next entry of it to return */
	struct long_ent *g;
	size_t gn, gcap, gpos;
	struct buf gkeys;
};

/* Step c to its next entry, consuming it; MDB_NOTFOUND at the end. */
static int cur_next(struct refs_iter *it, struct cur *c, MDB_val *k,
		    MDB_val *v, struct s3gc_err *e)
{
	int rc;

	switch (c->state) {
	case CUR_END:
		return MDB_NOTFOUND;
	case CUR_START:
		rc = mdb_cursor_get(c->c, k, v, MDB_FIRST);
		break;
	case CUR_AT:
	case CUR_SEEK:
		k->mv_size = c->last.len;
		k->mv_data = c->last.data;
		rc = mdb_cursor_get(c->c, k, v, MDB_SET_RANGE);
		if (rc == 0 && c->state == CUR_SEEK && k->mv_size == c->last.len &&
		    memcmp(k->mv_data, c->last.data, c->last.len) == 0)
			rc = mdb_cursor_get(c->c, k, v, MDB_NEXT);
		break;
	default:
		rc = mdb_cursor_get(c->c, k, v, MDB_NEXT);
		break;
	}
	if (rc == MDB_NOTFOUND) {
		c->state = CUR_END;
		return rc;
	}
	if (rc)
		return store_err(&it->r->st, e, rc, "cannot read the reference store");
	c->state = CUR_ON;
	buf_reset(&c->last);
	if (buf_add(&c->last, k->mv_data, k->mv_size, e) < 0)
		return -1;
	return 0;
}

/* Load the next short key into the iterator's head. */
static int fill_short(struct refs_iter *it, struct s3gc_err *e)
{
	MDB_val k, v;
	int rc = cur_next(it, &it->s, &k, &v, e);

	it->shave = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return -1;
	if (v.mv_size != 8)
		return err_set(e, S3GC_E_IO, 0, "corrupt entry in 'refs' in '%s'",
			       it->r->st.path);
	buf_reset(&it->skey);
	if (buf_add(&it->skey, k.mv_data, k.mv_size, e) < 0)
		return -1;
	it->scount = get_be(v.mv_data, 8);
	it->shave = 1;
	return 0;
}

static int group_add(struct refs_iter *it, const MDB_val *k, const MDB_val *v,
		     struct s3gc_err *e)
{
	struct long_ent *x;
	size_t n = v->mv_size - 8;

	if (k->mv_size != LONG_KEYLEN || v->mv_size <= 8 + REFS_SHORT_MAX ||
	    memcmp(k->mv_data, (char *)v->mv_data + 8, REFS_LONG_PREFIX) != 0)
		return err_set(e, S3GC_E_IO, 0,
			       "corrupt entry in 'longrefs' in '%s'", it->r->st.path);
	if (it->gn == it->gcap) {
		size_t cap = it->gcap ? 2 * it->gcap : 8;

		x = realloc(it->g, cap * sizeof(*x));
		if (!x)
			return err_sys(e, S3GC_E_SYS, errno, "cannot grow a key group");
		it->g = x;
		it->gcap = cap;
	}
	x = &it->g[it->gn++];
	x->off = it->gkeys.len;
	x->n = n;
	x->count = get_be(v->mv_data, 8);
	return buf_add(&it->gkeys, (char *)v->mv_data + 8, n, e);
}

static int long_cmp(const void *a, const void *b)
{
	const struct long_ent *x = a, *y = b;

	return ks_cmp(x->k, x->n, y->k, y->n);
}

/* Read the next group of long keys (same prefix) and sort it. */
static int fill_long(struct refs_iter *it, struct s3gc_err *e)
{
	char prefix[REFS_LONG_PREFIX];
	MDB_val k, v;
	int rc;

	it->gn = it->gpos = 0;
	buf_reset(&it->gkeys);
	rc = cur_next(it, &it->l, &k, &v, e);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc || group_add(it, &k, &v, e) < 0)
		return -1;
	memcpy(prefix, k.mv_data, REFS_LONG_PREFIX);
	while ((rc = cur_next(it, &it->l, &k, &v, e)) == 0) {
		if (k.mv_size == LONG_KEYLEN &&
		    memcmp(k.mv_data, prefix, REFS_LONG_PREFIX) != 0) {
			/* The next group's first: read it again next time. */
			it->l.state = CUR_AT;
			break;
		}
		if (group_add(it, &k, &v, e) < 0)
			return -1;
	}
	if (rc == -1)
		return -1;
	for (size_t i = 0; i < it->gn; i++)
		it->g[i].k = it->gkeys.data + it->g[i].off;
	qsort(it->g, it->gn, sizeof(*it->g), long_cmp);
	return 0;
}

/* Renew the read transaction now and then: no long-lived reader. */
static int maybe_renew(struct refs_iter *it, struct s3gc_err *e)
{
	int rc;

	if (++it->since_renew < REFS_ITER_BATCH)
		return 0;
	it->since_renew = 0;
	mdb_txn_reset(it->txn);
	rc = mdb_txn_renew(it->txn);
	if (!rc)
		rc = mdb_cursor_renew(it->txn, it->s.c);
	if (!rc)
		rc = mdb_cursor_renew(it->txn, it->l.c);
	if (rc)
		return store_err(&it->r->st, e, rc, "cannot renew a read transaction");
	if (it->s.state == CUR_ON)
		it->s.state = CUR_SEEK;
	if (it->l.state == CUR_ON)
		it->l.state = CUR_SEEK;
	return 0;
}

int refs_iter_open(struct refs *r, struct refs_iter **itp, struct s3gc_err *e)
{
	struct refs_iter *it = calloc(1, sizeof(*it));
	int rc;

	*itp = NULL;
	if (!it)
		return err_sys(e, S3GC_E_SYS, errno, "cannot iterate");
	it->r = r;
	buf_init(&it->s.last, 0);
	buf_init(&it->l.last, 0);
	buf_init(&it->skey, 0);
	buf_init(&it->gkeys, 0);
	if (store_begin(&r->st, 0, &it->txn, e) < 0)
		goto fail;
	rc = mdb_cursor_open(it->txn, r->refs, &it->s.c);
	if (!rc)
		rc = mdb_cursor_open(it->txn, r->longrefs, &it->l.c);
	if (rc) {
		store_err(&r->st, e, rc, "cannot read the reference store");
		goto fail;
	}
	it->sneed = 1;
	*itp = it;
	return 0;
fail:
	refs_iter_close(it);
	return -1;
}

int refs_iter_next(struct refs_iter *it, const char **key, size_t *n,
		   unsigned long long *count, struct s3gc_err *e)
{
	struct long_ent *x;

	/* Refill only now: the key returned last time lived in the heads. */
	if (maybe_renew(it, e) < 0 || (it->sneed && fill_short(it, e) < 0))
		return -1;
	it->sneed = 0;
	if (it->gpos == it->gn && it->l.state != CUR_END && fill_long(it, e) < 0)
		return -1;
	x = it->gpos < it->gn ? &it->g[it->gpos] : NULL;
	if (it->shave && (!x || ks_cmp(it->skey.data, it->skey.len, x->k, x->n) < 0)) {
		*key = it->skey.data;
		*n = it->skey.len;
		if (count)
			*count = it->scount;
		it->sneed = 1;
		return 1;
	}
	if (!x)
		return 0;
	*key = x->k;
	*n = x->n;
	if (count)
		*count = x->count;
	it->gpos++;
	return 1;
}

void refs_iter_close(struct refs_iter *it)
{
	if (!it)
		return;
	if (it->s.c)
		mdb_cursor_close(it->s.c);
	if (it->l.c)
		mdb_cursor_close(it->l.c);
	store_abort(it->txn);
	buf_release(&it->s.last);
	buf_release(&it->l.last);
	buf_release(&it->skey);
	buf_release(&it->gkeys);
	free(it->g);
	free(it);
}
