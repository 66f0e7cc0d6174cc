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

/* Sort records: a tag byte, then the key of the database it goes to. */
#define TAG_KEY 'k'
#define TAG_ROW 'r'

int refs_bulk_begin(struct refs *r, size_t mem, struct s3gc_err *e)
{
	if (refs_need_txn(r, 1, e) < 0)
		return -1;
	if (r->bulk)
		return err_set(e, S3GC_E_INTERNAL, 0, "bulk load already begun");
	if (buf_grow(&r->bulkrec, REFS_SHORT_MAX + 64, e) < 0)
		return -1;
	return extsort_new(&r->bulk, r->st.path, mem, e);
}

int refs_bulk_key(struct refs *r, const char *key, size_t n,
		  struct s3gc_err *e)
{
	struct buf *b = &r->bulkrec;

	if (n == 0)
		return err_set(e, S3GC_E_DATA, 0, "empty key");
	buf_reset(b);
	if (buf_addc(b, TAG_KEY, e) < 0 || buf_add(b, key, n, e) < 0)
		return -1;
	return extsort_add(r->bulk, b->data, b->len, NULL, 0, e);
}

int refs_bulk_row(struct refs *r, const unsigned char rk[ROW_KEYLEN],
		  const void *val, size_t n, struct s3gc_err *e)
{
	char k[1 + ROW_KEYLEN];

	k[0] = TAG_ROW;
	memcpy(k + 1, rk, ROW_KEYLEN);
	return extsort_add(r->bulk, k, sizeof k, val, n, e);
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

int refs_bulk_end(struct refs *r, unsigned long batch, struct s3gc_err *e)
{
	struct extsort *s = r->bulk;
	struct buf *cur = &r->bulkrec;
	unsigned long long count = 0;
	unsigned long inbatch = 0;
	const void *k, *v;
	size_t kn, vn;
	int got, rc = -1;

	if (!s)
		return err_set(e, S3GC_E_INTERNAL, 0, "no bulk load begun");
	r->bulk = NULL; /* from here on, writes go to the store */
	if (refs_need_txn(r, 1, e) < 0 || extsort_finish(s, e) < 0)
		goto out;
	buf_reset(cur);
	while ((got = extsort_next(s, &k, &kn, &v, &vn, e)) > 0) {
		const char *p = k;

		if (p[0] == TAG_KEY) {
			/* Equal keys are adjacent: count them, load once. */
			if (count && cur->len == kn - 1 && !memcmp(cur->data, p + 1, kn - 1)) {
				count++;
				continue;
			}
			if (count && (refs_load(r, cur->data, cur->len, count, e) < 0 ||
				      next_txn(r, &inbatch, batch, e) < 0))
				goto out;
			buf_reset(cur);
			if (buf_add(cur, p + 1, kn - 1, e) < 0)
				goto out;
			count = 1;
			continue;
		}
		if (count) {
			if (refs_load(r, cur->data, cur->len, count, e) < 0)
				goto out;
			count = 0;
		}
		if (p[0] != TAG_ROW || kn != 1 + ROW_KEYLEN) {
			err_set(e, S3GC_E_INTERNAL, 0, "bad bulk record");
			goto out;
		}
		if (load_row(r, p + 1, v, vn, e) < 0 ||
		    next_txn(r, &inbatch, batch, e) < 0)
			goto out;
	}
	if (got < 0)
		goto out;
	if (count && refs_load(r, cur->data, cur->len, count, e) < 0)
		goto out;
	rc = 0;
out:
	extsort_free(s);
	return rc;
}

void refs_bulk_abort(struct refs *r)
{
	extsort_free(r->bulk);
	r->bulk = NULL;
}
