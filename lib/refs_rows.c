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
		 unsigned char rk[ROW_KEYLEN], int *found, struct s3gc_err *e)
{
	uint32_t tid, cid;

	*found = 0;
	if (refs_need_txn(r, assign, e) < 0 ||
	    refs_name_id(r, 't', table, assign, &tid, e) < 0 ||
	    refs_name_id(r, 'c', column, assign, &cid, e) < 0)
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
int refs_row_val_key(struct refs *r, const MDB_val *v, struct buf *out,
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
	if (old)
		buf_reset(old);
	if (refs_row_key(r, table, column, pk, pklen, 1, rk, &found, e) < 0)
		return -1;
	put_be(lb, keylen, 4);
	buf_reset(&r->val);
	if (buf_add(&r->val, lb, 4, e) < 0 || buf_add(&r->val, key, keylen, e) < 0 ||
	    buf_add(&r->val, pk, pklen, e) < 0)
		return -1;
	/* A bulk load starts from no rows: there is nothing old. */
	if (r->bulk)
		return refs_bulk_row(r, rk, r->val.data, r->val.len, e);
	if (refs_db_get(r, r->rows, &k, &v, &found, "rows", e) < 0)
		return -1;
	/* The old value lies in the map: read it before the put moves pages. */
	if (found && refs_row_val_key(r, &v, old, e) < 0)
		return -1;
	if (had_old)
		*had_old = found;
	v.mv_size = r->val.len;
	v.mv_data = r->val.data;
	return refs_db_put(r, r->rows, &k, &v, 0, "rows", e);
}

int refs_row_get(struct refs *r, const char *table, const char *column,
		 const char *pk, size_t pklen, struct buf *key, int *found,
		 struct s3gc_err *e)
{
	unsigned char rk[ROW_KEYLEN];
	MDB_val k = { ROW_KEYLEN, rk }, v;

	if (refs_row_key(r, table, column, pk, pklen, 0, rk, found, e) < 0)
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
	unsigned char rk[ROW_KEYLEN];
	MDB_val k = { ROW_KEYLEN, rk }, v;
	int found;

	if (had_old)
		*had_old = 0;
	if (old)
		buf_reset(old);
	if (refs_need_txn(r, 1, e) < 0 ||
	    refs_row_key(r, table, column, pk, pklen, 0, rk, &found, e) < 0)
		return -1;
	if (found && refs_db_get(r, r->rows, &k, &v, &found, "rows", e) < 0)
		return -1;
	if (!found)
		return 0;
	if (refs_row_val_key(r, &v, old, e) < 0 ||
	    refs_db_del(r, r->rows, &k, "rows", e) < 0)
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
	if (k.mv_size != ROW_KEYLEN || memcmp(k.mv_data, tk, 4) != 0)
		return 0;
	if (column_name(r, (unsigned char *)k.mv_data + 4, col, e) < 0 ||
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
