/* refs_rows.c: the row map, (table, column, primary key) -> the key the cell holds. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "hash.h"
#include "refs.h"
#include "refs_int.h"
#include "store.h"

/* The rows key of a cell; *found = 0 if its table or column is unknown. */
int refs_row_key(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, int assign,
		 unsigned char rk[ROW_KEY_MAX], size_t *rklen, int *found,
		 struct s3gc_err *e)
{
	uint32_t tid, cid;
	size_t n;

	*found = 0;
	*rklen = 0;
	if (pklen == 0)
		return err_set(e, S3GC_E_DATA, 0, "empty primary key");
	if (refs_need_txn(r, assign, e) < 0 ||
	    refs_name_id(r, 't', table, assign, &tid, e) < 0 ||
	    refs_name_id(r, 'c', column, assign, &cid, e) < 0)
		return -1;
	if (!tid || !cid)
		return 0;
	put_be(rk, tid, 4);
	if (pklen <= ROW_PK_MAX) {
		memcpy(rk + 4, pk, pklen);
		n = 4 + pklen;
	} else {
		memcpy(rk + 4, pk, ROW_PK_LONG);
		if (hash_sha256(pk, pklen, rk + 4 + ROW_PK_LONG, e) < 0)
			return -1;
		n = 4 + ROW_PK_LONG + SHA256_LEN;
	}
	put_be(rk + n, cid, 2);
	*rklen = n + 2;
	*found = 1;
	return 0;
}

/* Copy the key held in a rows value into out (may be NULL). */
int refs_row_val_key(struct refs *r, const MDB_val *v, struct buf *out,
		     struct s3gc_err *e)
{
	if (v->mv_size == 0)
		return err_set(e, S3GC_E_IO, 0, "corrupt entry in 'rows' in '%s'",
			       r->st.path);
	if (!out)
		return 0;
	buf_reset(out);
	return buf_add(out, v->mv_data, v->mv_size, e);
}

int refs_row_put(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, const char *key, size_t keylen,
		 struct buf *old, int *had_old, struct s3gc_err *e)
{
	unsigned char rk[ROW_KEY_MAX];
	MDB_val k = { 0, rk }, v;
	MDB_cursor *c;
	int found, rc;

	if (had_old)
		*had_old = 0;
	if (keylen == 0)
		return err_set(e, S3GC_E_DATA, 0, "empty key");
	if (old)
		buf_reset(old);
	if (refs_row_key(r, table, column, pk, pklen, 1, rk, &k.mv_size, &found,
			 e) < 0)
		return -1;
	/* A bulk load starts from no rows: there is nothing old. */
	if (r->bulk)
		return refs_bulk_row(r, rk, k.mv_size, key, keylen, e);
	if (refs_cursor(r, 0, &c, e) < 0)
		return -1;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET);
	if (rc && rc != MDB_NOTFOUND)
		return store_err(&r->st, e, rc, "cannot read 'rows'");
	found = rc == 0;
	/* The old value lies in the map: read it before the put moves pages. */
	if (found && refs_row_val_key(r, &v, old, e) < 0)
		return -1;
	if (had_old)
		*had_old = found;
	v.mv_size = keylen;
	v.mv_data = (void *)key;
	rc = mdb_cursor_put(c, &k, &v, found ? MDB_CURRENT : 0);
	if (rc)
		return store_err(&r->st, e, rc, "cannot write 'rows'");
	return 0;
}

int refs_row_get(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, struct buf *key, int *found,
		 struct s3gc_err *e)
{
	unsigned char rk[ROW_KEY_MAX];
	MDB_val k = { 0, rk }, v;

	if (refs_row_key(r, table, column, pk, pklen, 0, rk, &k.mv_size, found,
			 e) < 0)
		return -1;
	if (*found && refs_db_get(r, r->rows, &k, &v, found, "rows", e) < 0)
		return -1;
	buf_reset(key);
	return *found ? refs_row_val_key(r, &v, key, e) : 0;
}

int refs_row_del(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, struct buf *old, int *had_old,
		 struct s3gc_err *e)
{
	unsigned char rk[ROW_KEY_MAX];
	MDB_val k = { 0, rk }, v;
	MDB_cursor *c;
	int found, rc;

	if (had_old)
		*had_old = 0;
	if (old)
		buf_reset(old);
	if (refs_need_txn(r, 1, e) < 0 ||
	    refs_row_key(r, table, column, pk, pklen, 0, rk, &k.mv_size, &found,
			 e) < 0)
		return -1;
	if (!found)
		return 0;
	if (refs_cursor(r, 0, &c, e) < 0)
		return -1;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_err(&r->st, e, rc, "cannot read 'rows'");
	if (refs_row_val_key(r, &v, old, e) < 0)
		return -1;
	rc = mdb_cursor_del(c, 0);
	if (rc)
		return store_err(&r->st, e, rc, "cannot delete from 'rows'");
	if (had_old)
		*had_old = 1;
	return 0;
}

/* The name of column id cid (2 bytes) into out. */
int refs_column_name(struct refs *r, const unsigned char *cid,
		       struct buf *out, struct s3gc_err *e)
{
	char rk[5] = { '.', 'r', '.', (char)cid[0], (char)cid[1] };
	MDB_val v;
	int found;

	if (refs_meta_find(r, rk, 5, &v, &found, e) < 0)
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
	if (k.mv_size < 4 || memcmp(k.mv_data, tk, 4) != 0)
		return 0;
	if (!row_keylen_ok(k.mv_size))
		return err_set(e, S3GC_E_IO, 0, "corrupt entry in 'rows' in '%s'",
			       r->st.path);
	if (refs_column_name(r, row_key_cid(k.mv_data, k.mv_size), col, e) < 0 ||
	    refs_row_val_key(r, &v, key, e) < 0)
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
	if (refs_need_txn(r, 1, e) < 0 || refs_name_id(r, 't', table, 0, &tid, e) < 0)
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
