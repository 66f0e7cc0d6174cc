/* refs_clear.c: empty the reference store for a snapshot rebuild, all of it or all but one table's rows. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "refs.h"
#include "refs_int.h"
#include "store.h"

/* The transient database refs_clear_keep parks the kept rows in. */
#define KEEP_DB "rows.keep"

/* Drop every key (both databases), and the row map too if `rows`. */
static int drop_all(struct refs *r, int rows, struct s3gc_err *e)
{
	int rc;

	if ((rc = mdb_drop(r->txn, r->refs, 0)) != 0 ||
	    (rc = mdb_drop(r->txn, r->longrefs, 0)) != 0 ||
	    (rows && (rc = mdb_drop(r->txn, r->rows, 0)) != 0))
		return store_err(&r->st, e, rc, "cannot empty the store");
	return 0;
}

/* Delete every meta record but the internal '.' ones. */
static int clear_meta(struct refs *r, struct s3gc_err *e)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

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

int refs_clear(struct refs *r, struct s3gc_err *e)
{
	if (refs_need_txn(r, 1, e) < 0 || drop_all(r, 1, e) < 0)
		return -1;
	return clear_meta(r, e);
}

/*
 * Copy the rows of from whose LMDB key starts with the len bytes at
 * prefix (all of them if len is 0) to the empty database to, which gets
 * them in order (MDB_APPEND). With `count`, each copied row's key gets
 * +1. Entries are copied out of the map before any write: a write may
 * spill the pages they live on.
 */
static int copy_rows(struct refs *r, MDB_dbi from, MDB_dbi to,
		     const unsigned char *prefix, size_t len, int count,
		     struct s3gc_err *e)
{
	struct buf val = BUF_INIT, key = BUF_INIT;
	unsigned char rk[ROW_KEY_MAX];
	MDB_cursor *c = NULL;
	MDB_val k = { len, (void *)prefix }, v;
	int rc, ret = -1;

	rc = mdb_cursor_open(r->txn, from, &c);
	if (rc)
		return store_err(&r->st, e, rc, "cannot read 'rows'");
	rc = mdb_cursor_get(c, &k, &v, len ? MDB_SET_RANGE : MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		MDB_val nk = { k.mv_size, rk }, nv;

		if (len && (k.mv_size < len || memcmp(k.mv_data, prefix, len) != 0))
			break;
		if (!row_keylen_ok(k.mv_size)) {
			err_set(e, S3GC_E_IO, 0, "corrupt entry in 'rows' in '%s'",
				r->st.path);
			goto out;
		}
		memcpy(rk, k.mv_data, k.mv_size);
		buf_reset(&val);
		if (buf_add(&val, v.mv_data, v.mv_size, e) < 0)
			goto out;
		nv.mv_size = val.len;
		nv.mv_data = val.data;
		if (count && refs_row_val_key(r, &nv, &key, e) < 0)
			goto out;
		if (refs_db_put(r, to, &nk, &nv, MDB_APPEND, "rows", e) < 0 ||
		    (count && refs_incr(r, key.data, key.len, 1, NULL, e) < 0))
			goto out;
	}
	if (rc && rc != MDB_NOTFOUND)
		store_err(&r->st, e, rc, "cannot read 'rows'");
	else
		ret = 0;
out:
	mdb_cursor_close(c);
	buf_release(&val);
	buf_release(&key);
	return ret;
}

/*
 * The kept table's rows are a contiguous run of "rows" (its id leads the
 * LMDB key). They are parked in a transient database while "rows" is
 * dropped whole, which frees its pages without reading or dirtying them
 * (deleting the other rows one by one would dirty every page in one
 * transaction), then appended back, counting their keys again.
 */
int refs_clear_keep(struct refs *r, const char *keep_table, struct s3gc_err *e)
{
	unsigned char tk[4];
	MDB_dbi keep;
	uint32_t tid;
	int rc;

	if (refs_need_txn(r, 1, e) < 0 ||
	    refs_name_id(r, 't', keep_table, 0, &tid, e) < 0)
		return -1;
	if (!tid)
		return refs_clear(r, e);
	put_be(tk, tid, 4);
	if (drop_all(r, 0, e) < 0 ||
	    store_dbi(&r->st, r->txn, KEEP_DB, 1, &keep, e) < 0)
		return -1;
	if ((rc = mdb_drop(r->txn, keep, 0)) != 0)
		return store_err(&r->st, e, rc, "cannot empty '%s'", KEEP_DB);
	if (copy_rows(r, r->rows, keep, tk, 4, 0, e) < 0)
		return -1;
	if ((rc = mdb_drop(r->txn, r->rows, 0)) != 0)
		return store_err(&r->st, e, rc, "cannot empty the store");
	if (copy_rows(r, keep, r->rows, NULL, 0, 1, e) < 0)
		return -1;
	if ((rc = mdb_drop(r->txn, keep, 1)) != 0)
		return store_err(&r->st, e, rc, "cannot delete '%s'", KEEP_DB);
	return clear_meta(r, e);
}
