/*
 * refs_bulk.c: the bulk load a snapshot uses. Counts and row-map cells are
 * gathered in an external sort instead of being written at random places
 * of the B-trees, then written in key order, appended where LMDB allows,
 * in write transactions of a bounded size: each page is written about
 * once, and memory stays within the sort's budget. Row-map cells that
 * come in key order already (a table read in primary-key order) skip the
 * sort: each is appended as it comes, through a cursor kept open.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "extsort.h"
#include "refs.h"
#include "refs_int.h"

int refs_bulk_append(struct refs *r, int db, MDB_val *k, MDB_val *v)
{
	int rc;

	if (!r->bulkcur[db] &&
	    (rc = mdb_cursor_open(r->txn, db ? r->refs : r->rows, &r->bulkcur[db])) != 0)
		return rc;
	return mdb_cursor_put(r->bulkcur[db], k, v, MDB_APPEND);
}

/* The greatest key in "rows" now, into r->bulklast (empty if none). */
static int rows_last(struct refs *r, struct s3gc_err *e)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	buf_reset(&r->bulklast);
	rc = mdb_cursor_open(r->txn, r->rows, &c);
	if (rc)
		return store_err(&r->st, e, rc, "cannot read 'rows'");
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && buf_add(&r->bulklast, k.mv_data, k.mv_size, e) < 0)
		rc = -1;
	mdb_cursor_close(c);
	if (rc == -1)
		return -1;
	if (rc && rc != MDB_NOTFOUND)
		return store_err(&r->st, e, rc, "cannot read 'rows'");
	return 0;
}

int refs_bulk_begin(struct refs *r, size_t mem, unsigned long batch,
		    struct s3gc_err *e)
{
	if (refs_need_txn(r, 1, e) < 0)
		return -1;
	if (r->bulk)
		return err_set(e, S3GC_E_INTERNAL, 0, "bulk load already begun");
	if (rows_last(r, e) < 0)
		return -1;
	/* Row cells mostly skip the sort: the counts get most of the memory. */
	if (extsort_new(&r->bulk, r->st.path, mem / 4 * 3, e) < 0)
		return -1;
	if (extsort_new(&r->bulkrows, r->st.path, mem / 4, e) < 0) {
		refs_bulk_abort(r);
		return -1;
	}
	r->bulkappend = 1;
	r->bulkbatch = batch ? batch : 1;
	r->bulkn = 0;
	/* Only the end of the load needs to be durable (see refs.h). */
	store_lazy_meta(&r->st, 1);
	return 0;
}

int refs_bulk_key(struct refs *r, const char *key, size_t n,
		  struct s3gc_err *e)
{
	if (n == 0)
		return err_set(e, S3GC_E_DATA, 0, "empty key");
	return extsort_add(r->bulk, key, n, NULL, 0, e);
}

/* Commit and go on in a new transaction every r->bulkbatch writes. */
static int next_txn(struct refs *r, struct s3gc_err *e)
{
	if (++r->bulkn < r->bulkbatch)
		return 0;
	r->bulkn = 0;
	if (refs_commit(r, e) < 0)
		return -1;
	refs_trim(r);
	return refs_begin(r, 1, e);
}

/* Whether rows key k sorts after r->bulklast (LMDB's default order). */
static int after_last(const struct refs *r, const unsigned char *k, size_t n)
{
	size_t ln = r->bulklast.len;
	int c = memcmp(k, r->bulklast.data, n < ln ? n : ln);

	return c > 0 || (c == 0 && n > ln);
}

int refs_bulk_row(struct refs *r, const unsigned char *rk, size_t rklen,
		  const void *val, size_t n, struct s3gc_err *e)
{
	MDB_val k = { rklen, (void *)rk }, v = { n, (void *)val };
	int rc;

	if (!r->bulkappend || (r->bulklast.len && !after_last(r, rk, rklen)))
		return extsort_add(r->bulkrows, rk, rklen, val, n, e);
	rc = refs_bulk_append(r, 0, &k, &v);
	if (rc == MDB_KEYEXIST) { /* cannot happen: back to sorting, to be sure */
		r->bulkappend = 0;
		return extsort_add(r->bulkrows, rk, rklen, val, n, e);
	}
	if (rc)
		return store_err(&r->st, e, rc, "cannot write 'rows'");
	buf_reset(&r->bulklast);
	if (buf_add(&r->bulklast, rk, rklen, e) < 0)
		return -1;
	return next_txn(r, e);
}

/* Write one row-map cell: appended if it sorts last, else put; a cell
 * already there (the same row twice) keeps its first value. */
static int load_row(struct refs *r, const void *k, size_t kn, const void *v,
		    size_t vn, struct s3gc_err *e)
{
	MDB_val key = { kn, (void *)k }, val = { vn, (void *)v };
	int rc = refs_bulk_append(r, 0, &key, &val);

	if (rc == MDB_KEYEXIST)
		rc = mdb_put(r->txn, r->rows, &key, &val, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return 0;
	if (rc)
		return store_err(&r->st, e, rc, "cannot write 'rows'");
	return 0;
}

/* The counts: equal keys come together; each key is loaded once. */
static int end_keys(struct refs *r, struct extsort *s, struct s3gc_err *e)
{
	struct buf *cur = &r->bulkrec;
	unsigned long long count = 0;
	const void *k, *v;
	size_t kn, vn;
	int got;

	buf_reset(cur);
	while ((got = extsort_next(s, &k, &kn, &v, &vn, e)) > 0) {
		if (count && cur->len == kn && !memcmp(cur->data, k, kn)) {
			count++;
			continue;
		}
		if (count && (refs_load(r, cur->data, cur->len, count, e) < 0 ||
			      next_txn(r, e) < 0))
			return -1;
		buf_reset(cur);
		if (buf_add(cur, k, kn, e) < 0)
			return -1;
		count = 1;
	}
	if (got < 0)
		return -1;
	return count ? refs_load(r, cur->data, cur->len, count, e) : 0;
}

static int end_rows(struct refs *r, struct extsort *s, struct s3gc_err *e)
{
	const void *k, *v;
	size_t kn, vn;
	int got;

	while ((got = extsort_next(s, &k, &kn, &v, &vn, e)) > 0) {
		if (!row_keylen_ok(kn))
			return err_set(e, S3GC_E_INTERNAL, 0, "bad bulk row");
		if (load_row(r, k, kn, v, vn, e) < 0 || next_txn(r, e) < 0)
			return -1;
	}
	return got;
}

int refs_bulk_end(struct refs *r, struct s3gc_err *e)
{
	struct extsort *keys = r->bulk, *rows = r->bulkrows;
	int rc = -1;

	if (!keys || !rows)
		return err_set(e, S3GC_E_INTERNAL, 0, "no bulk load begun");
	r->bulk = r->bulkrows = NULL; /* from here on, writes go to the store */
	if (refs_need_txn(r, 1, e) == 0 && extsort_finish(keys, e) == 0 &&
	    extsort_finish(rows, e) == 0 &&
	    end_keys(r, keys, e) == 0 && end_rows(r, rows, e) == 0)
		rc = 0;
	extsort_free(keys);
	extsort_free(rows);
	buf_release(&r->bulklast);
	store_lazy_meta(&r->st, 0);
	return rc;
}

void refs_bulk_abort(struct refs *r)
{
	extsort_free(r->bulk);
	extsort_free(r->bulkrows);
	r->bulk = r->bulkrows = NULL;
	buf_release(&r->bulklast);
	store_lazy_meta(&r->st, 0);
}
