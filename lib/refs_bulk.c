/*
 * refs_bulk.c: the bulk load a snapshot uses. Counts and row-map cells are
 * gathered in an external sort instead of being written at random places
 * of the B-trees, then written in key order, appended where LMDB allows,
 * in write transactions of a bounded size: each page is written about
 * once, and memory stays within the sort's budget.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "extsort.h"
#include "refs.h"
#include "refs_int.h"

int refs_bulk_begin(struct refs *r, size_t mem, struct s3gc_err *e)
{
	if (refs_need_txn(r, 1, e) < 0)
		return -1;
	if (r->bulk)
		return err_set(e, S3GC_E_INTERNAL, 0, "bulk load already begun");
	if (extsort_new(&r->bulk, r->st.path, mem / 2, e) < 0)
		return -1;
	if (extsort_new(&r->bulkrows, r->st.path, mem / 2, e) < 0) {
		refs_bulk_abort(r);
		return -1;
	}
	return 0;
}

int refs_bulk_key(struct refs *r, const char *key, size_t n,
		  struct s3gc_err *e)
{
	if (n == 0)
		return err_set(e, S3GC_E_DATA, 0, "empty key");
	return extsort_add(r->bulk, key, n, NULL, 0, e);
}

int refs_bulk_row(struct refs *r, const unsigned char rk[ROW_KEYLEN],
		  const void *val, size_t n, struct s3gc_err *e)
{
	return extsort_add(r->bulkrows, rk, ROW_KEYLEN, val, n, e);
}

/* Write one row-map cell: appended if it sorts last, else put; a cell
 * already there (the same row twice) keeps its first value. */
static int load_row(struct refs *r, const void *k, const void *v, size_t vn,
		    struct s3gc_err *e)
{
	MDB_val key = { ROW_KEYLEN, (void *)k }, val = { vn, (void *)v };
	int rc = mdb_put(r->txn, r->rows, &key, &val, MDB_APPEND);

	if (rc == MDB_KEYEXIST)
		rc = mdb_put(r->txn, r->rows, &key, &val, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return 0;
	if (rc)
		return store_err(&r->st, e, rc, "cannot write 'rows'");
	return 0;
}

static int next_txn(struct refs *r, unsigned long *inbatch,
		    unsigned long batch, struct s3gc_err *e)
{
	if (++*inbatch < batch)
		return 0;
	*inbatch = 0;
	if (refs_commit(r, e) < 0)
		return -1;
	refs_trim(r);
	return refs_begin(r, 1, e);
}

/* The counts: equal keys come together; each key is loaded once. */
static int end_keys(struct refs *r, struct extsort *s, unsigned long batch,
		    unsigned long *inbatch, struct s3gc_err *e)
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
			      next_txn(r, inbatch, batch, e) < 0))
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

static int end_rows(struct refs *r, struct extsort *s, unsigned long batch,
		    unsigned long *inbatch, struct s3gc_err *e)
{
	const void *k, *v;
	size_t kn, vn;
	int got;

	while ((got = extsort_next(s, &k, &kn, &v, &vn, e)) > 0)
		if (kn != ROW_KEYLEN || load_row(r, k, v, vn, e) < 0 ||
		    next_txn(r, inbatch, batch, e) < 0)
			return kn != ROW_KEYLEN
				? err_set(e, S3GC_E_INTERNAL, 0, "bad bulk row") : -1;
	return got;
}

int refs_bulk_end(struct refs *r, unsigned long batch, struct s3gc_err *e)
{
	struct extsort *keys = r->bulk, *rows = r->bulkrows;
	unsigned long inbatch = 0;
	int rc = -1;

	if (!keys || !rows)
		return err_set(e, S3GC_E_INTERNAL, 0, "no bulk load begun");
	r->bulk = r->bulkrows = NULL; /* from here on, writes go to the store */
	if (refs_need_txn(r, 1, e) == 0 && extsort_finish(keys, e) == 0 &&
	    extsort_finish(rows, e) == 0 &&
	    end_keys(r, keys, batch, &inbatch, e) == 0 &&
	    end_rows(r, rows, batch, &inbatch, e) == 0)
		rc = 0;
	extsort_free(keys);
	extsort_free(rows);
	return rc;
}

void refs_bulk_abort(struct refs *r)
{
	extsort_free(r->bulk);
	extsort_free(r->bulkrows);
	r->bulk = r->bulkrows = NULL;
}
