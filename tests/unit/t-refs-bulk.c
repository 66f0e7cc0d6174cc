/*
 * t-refs-bulk: a bulk load (sorted through temporary files, committed in
 * batches) ends with the same store as the same calls made one by one:
 * counts, long keys, the row map, and what was in the store before.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refs.h"
#include "tap.h"
#include "testutil.h"

#define NROWS 20000

static char *key_of(unsigned i, size_t *n)
{
	static char k[1100];
	unsigned v = i * 2654435761u % 7919; /* about 2.5 rows per key */

	if (v % 97 == 0) { /* long keys, past LMDB's limit, sharing a prefix */
		memset(k, 'L', 1000);
		*n = (size_t)snprintf(k + 1000, 40, "%u", v) + 1000;
	} else {
		*n = (size_t)snprintf(k, sizeof k, "uploads/%04u/%u.jpg", v % 50, v);
	}
	return k;
}

/*
 * Row i's primary key: mostly 4 bytes big-endian (rows in key order, which
 * are appended as they come), every fifth its decimal text (out of order,
 * sorted), every 997th 600 bytes (past the rows key limit: hashed).
 */
static size_t pk_of(unsigned i, char pk[700])
{
	if (i % 997 == 0) {
		memset(pk, 'P', 600);
		return (size_t)snprintf(pk + 600, 40, "%u", i) + 600;
	}
	if (i % 5 == 0)
		return (size_t)snprintf(pk, 32, "%u", i);
	pk[0] = (char)(i >> 24);
	pk[1] = (char)(i >> 16);
	pk[2] = (char)(i >> 8);
	pk[3] = (char)i;
	return 4;
}

/* The calls a snapshot makes for row i, against any store. */
static int load_row(struct refs *r, unsigned i, struct s3gc_err *e)
{
	char pk[700];
	size_t kn, pn = pk_of(i, pk);
	char *k = key_of(i, &kn);
	const char *table = i % 3 ? "public.a" : "public.b";

	if (refs_incr(r, k, kn, 1, NULL, e) < 0)
		return -1;
	return refs_row_put(r, table, i % 2 ? "x" : "y", pk, pn, k, kn, NULL, NULL, e);
}

/* The state before the load: one key and one cell a bulk load must keep. */
static int before(struct refs *r, struct s3gc_err *e)
{
	return refs_incr(r, "uploads/0001/1.jpg", 18, 5, NULL, e) < 0 ||
	       refs_incr(r, "zzz-after-all", 13, 1, NULL, e) < 0 ||
	       refs_row_put(r, "-load", "key", "zzz-after-all", 13, "zzz-after-all",
			    13, NULL, NULL, e) < 0 ? -1 : 0;
}

static int dump(struct refs *r, struct buf *out, struct s3gc_err *e)
{
	struct refs_iter *it;
	const char *k;
	size_t n;
	unsigned long long c;
	int got;

	buf_reset(out);
	if (refs_iter_open(r, &it, e) < 0)
		return -1;
	while ((got = refs_iter_next(it, &k, &n, &c, e)) > 0)
		if (buf_add(out, k, n, e) < 0 || buf_addf(out, e, "=%llu\n", c) < 0)
			got = -1;
	refs_iter_close(it);
	return got;
}

int main(void)
{
	char dir[] = "/tmp/t-refs-bulk.XXXXXX", a[64], b[64];
	struct refs *one, *bulk;
	struct buf da = BUF_INIT, db = BUF_INIT, v1 = BUF_INIT, v2 = BUF_INIT;
	struct s3gc_err e;
	unsigned long long nk, nr;
	int rc = 0, f1, f2, same = 1;

	err_clear(&e);
	if (!mkdtemp(dir))
		return 1;
	snprintf(a, sizeof a, "%s/one", dir);
	snprintf(b, sizeof b, "%s/bulk", dir);
	tap_ok(refs_open(&one, a, 0, &e) == 0 && refs_open(&bulk, b, 0, &e) == 0,
	       "two stores");
	/* One by one. */
	rc = refs_begin(one, 1, &e) || before(one, &e);
	for (unsigned i = 0; i < NROWS && !rc; i++)
		rc = load_row(one, i, &e);
	rc = rc || refs_commit(one, &e);
	tap_ok(!rc, "loaded one by one: %s", rc ? e.msg : "ok");
	/* In bulk, with little memory (many runs) and small batches. */
	rc = refs_begin(bulk, 1, &e) || before(bulk, &e) ||
	     refs_bulk_begin(bulk, 100000, 997, &e);
	for (unsigned i = 0; i < NROWS && !rc; i++)
		rc = load_row(bulk, i, &e);
	tap_ok(!rc, "gathered in bulk: %s", rc ? e.msg : "ok");
	rc = refs_bulk_end(bulk, &e);
	tap_ok(rc == 0, "bulk load written: %s", rc ? e.msg : "ok");
	tap_ok(refs_commit(bulk, &e) == 0, "and committed");

	rc = dump(one, &da, &e) || dump(bulk, &db, &e);
	tap_ok(!rc && da.len > 100000 && da.len == db.len &&
	       !memcmp(da.data, db.data, da.len),
	       "same keys and counts (%zu and %zu bytes of dump)", da.len, db.len);
	tap_ok(strstr(db.data, "uploads/0001/1.jpg=") != NULL &&
	       strstr(db.data, "zzz-after-all=1\n") != NULL,
	       "the keys that were there before are kept and added to");
	rc = refs_begin(one, 0, &e) || refs_begin(bulk, 0, &e);
	for (unsigned i = 0; i < NROWS && !rc && same; i++) {
		char pk[700];
		size_t pn = pk_of(i, pk);
		const char *table = i % 3 ? "public.a" : "public.b";

		rc = refs_row_get(one, table, i % 2 ? "x" : "y", pk, pn, &v1, &f1, &e) ||
		     refs_row_get(bulk, table, i % 2 ? "x" : "y", pk, pn, &v2, &f2, &e);
		same = !rc && f1 && f2 && v1.len == v2.len && !memcmp(v1.data, v2.data, v1.len);
	}
	tap_ok(same, "every row-map cell holds the same key");
	tap_ok(refs_row_get(bulk, "-load", "key", "zzz-after-all", 13, &v2, &f2, &e) == 0 &&
	       f2, "the cell that was there before is kept");
	nk = nr = 0;
	rc = refs_nkeys(bulk, &nk, &nr, &e);
	tap_ok(!rc && nr == NROWS + 1 && nk > 7000, "%llu rows, %llu keys", nr, nk);
	refs_abort(one);
	refs_abort(bulk);

	/* An abort drops what was gathered; the store is as before. */
	rc = refs_begin(bulk, 1, &e) || refs_bulk_begin(bulk, 100000, 997, &e) ||
	     load_row(bulk, NROWS + 1, &e);
	refs_abort(bulk);
	tap_ok(!rc && dump(bulk, &da, &e) == 0 && da.len == db.len &&
	       !memcmp(da.data, db.data, da.len), "an aborted bulk load leaves nothing");
	tap_ok(refs_begin(bulk, 1, &e) == 0 && refs_bulk_end(bulk, &e) < 0 &&
	       e.cls == S3GC_E_INTERNAL, "ending a bulk load never begun is refused");
	refs_abort(bulk);
	refs_close(one);
	refs_close(bulk);
	buf_release(&da);
	buf_release(&db);
	buf_release(&v1);
	buf_release(&v2);
	tu_rm_store(a);
	tu_rm_store(b);
	tap_ok(rmdir(dir) == 0, "no sort files left behind");
	return tap_done();
}
