/* t-refs: the reference store: counts, long keys, iteration order, row map, meta, durability. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyspace.h"
#include "refs.h"
#include "tap.h"
#include "refstest.h"
#include "testutil.h"

static char dir[256], sdir[300];

static void test_counts(struct refs *r)
{
	unsigned long long c = 0;
	struct s3gc_err e;
	char big[1024];

	ok_call(refs_begin(r, 1, &e), &e, "begin a write transaction");
	ok_call(refs_incr(r, "a/b", 3, 1, &c, &e), &e, "first row references a/b");
	tap_is_int(c, 1, "count 1");
	refs_incr(r, "a/b", 3, 1, &c, &e);
	tap_is_int(c, 2, "a second row: count 2");
	refs_incr(r, "a/b", 3, -1, &c, &e);
	tap_is_int(count_of(r, "a/b", 3), 1, "one row gone: still referenced");
	refs_incr(r, "a/b", 3, -1, &c, &e);
	tap_is_int(count_of(r, "a/b", 3), 0, "both gone: unreferenced");
	tap_ok(refs_incr(r, "a/b", 3, -1, &c, &e) < 0 && e.cls == S3GC_E_INTERNAL &&
	       strstr(e.msg, "3-byte key"), "decrement below zero refused, naming the length");
	tap_ok(refs_incr(r, "", 0, 1, &c, &e) < 0 && e.cls == S3GC_E_DATA, "empty key refused");
	refs_incr(r, "x", 1, 5, &c, &e);
	tap_ok(refs_incr(r, "x", 1, -6, &c, &e) < 0 && count_of(r, "x", 1) == 5,
	       "a refused decrement changes nothing");
	refs_incr(r, "x", 1, -5, &c, &e);
	memset(big, 'k', sizeof(big));
	big[1023] = '1';
	ok_call(refs_incr(r, big, 1024, 2, &c, &e), &e, "a 1,024-byte key");
	big[1023] = '2';
	tap_is_int(count_of(r, big, 1024), 0, "its sibling (same prefix, other end) is not referenced");
	big[1023] = '1';
	tap_is_int(count_of(r, big, 1024), 2, "1,024-byte key counted");
	refs_incr(r, big, 1024, -2, &c, &e);
	tap_is_int(count_of(r, big, 1024), 0, "1,024-byte key released");
	ok_call(refs_incr(r, big, 480, 1, &c, &e), &e, "a 480-byte key (stored as itself)");
	ok_call(refs_incr(r, big, 481, 1, &c, &e), &e, "a 481-byte key (stored long)");
	tap_ok(count_of(r, big, 480) == 1 && count_of(r, big, 481) == 1 &&
	       count_of(r, big, 482) == 0, "480 and 481 counted apart");
	refs_incr(r, big, 480, -1, &c, &e);
	refs_incr(r, big, 481, -1, &c, &e);
	ok_call(refs_commit(r, &e), &e, "commit");
	tap_ok(refs_incr(r, "a", 1, 1, &c, &e) < 0 && e.cls == S3GC_E_INTERNAL,
	       "no change outside a transaction");
	refs_begin(r, 0, &e);
	tap_ok(refs_incr(r, "a", 1, 1, &c, &e) < 0 && e.cls == S3GC_E_INTERNAL,
	       "no change in a read transaction");
	tap_ok(refs_begin(r, 0, &e) < 0, "one transaction at a time");
	refs_abort(r);
}

struct key {
	char *k;
	size_t n;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	return ks_cmp(x->k, x->n, y->k, y->n);
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

#define NKEYS 3000

/* Keys of 1..1024 bytes over a 3-letter alphabet, often sharing a long
 * prefix with one of four bases, so long keys collide on 400 bytes. */
static void make_keys(struct key *ks)
{
	static const char alpha[] = "ab/";
	char base[4][1024];

	for (int b = 0; b < 4; b++)
		for (int i = 0; i < 1024; i++)
			base[b][i] = alpha[rnd() % 3];
	for (int i = 0; i < NKEYS; i++) {
		size_t n = 1 + rnd() % 1024, p;
		const char *bs = base[rnd() % 4];

		if (i % 7 == 0)
			n = 470 + rnd() % 20; /* around the 480/481 edge */
		p = rnd() % 4 ? (size_t)(rnd() % (n + 1)) : 0;
		if (rnd() % 2 && n > 400)
			p = 400 + rnd() % (n - 399); /* share 400 bytes */
		if (p > n)
			p = n;
		ks[i].n = n;
		ks[i].k = malloc(n);
		memcpy(ks[i].k, bs, p);
		for (size_t j = p; j < n; j++)
			ks[i].k[j] = alpha[rnd() % 3];
		if (i > 0 && i % 97 == 0) { /* an exact duplicate: counted twice */
			free(ks[i].k);
			ks[i].n = ks[i - 1].n;
			ks[i].k = malloc(ks[i].n);
			memcpy(ks[i].k, ks[i - 1].k, ks[i].n);
		}
	}
}

/* Check the set exercises long keys sharing 400 bytes, with short keys too. */
static void count_shared(const struct key *ks)
{
	size_t pairs = 0, mixed = 0;

	for (size_t i = 1; i < NKEYS; i++) {
		const struct key *a = &ks[i - 1], *b = &ks[i];

		if (a->n < REFS_LONG_PREFIX || b->n < REFS_LONG_PREFIX ||
		    memcmp(a->k, b->k, REFS_LONG_PREFIX) != 0)
			continue;
		pairs += a->n > REFS_SHORT_MAX && b->n > REFS_SHORT_MAX;
		mixed += (a->n > REFS_SHORT_MAX) != (b->n > REFS_SHORT_MAX);
	}
	tap_ok(pairs > 100, "%zu neighbouring long keys share 400 bytes", pairs);
	tap_ok(mixed > 20, "%zu short and long neighbours share 400 bytes", mixed);
}

static void test_order(struct refs *r)
{
	struct key *ks = calloc(NKEYS, sizeof(*ks));
	struct refs_iter *it = NULL;
	size_t i = 0, got = 0, nlong = 0, bad = 0, badc = 0;
	unsigned long long c;
	struct s3gc_err e;
	const char *k;
	size_t n;
	int rc = 0;

	make_keys(ks);
	/* Several transactions, half through refs_load in random order. */
	for (int t = 0; t < 3; t++) {
		refs_begin(r, 1, &e);
		for (int j = t; j < NKEYS; j += 3)
			rc |= (j % 2 ? refs_load(r, ks[j].k, ks[j].n, 1, &e)
				     : refs_incr(r, ks[j].k, ks[j].n, 1, NULL, &e));
		rc |= refs_commit(r, &e);
	}
	tap_ok(rc == 0, "%d random keys stored", NKEYS);
	qsort(ks, NKEYS, sizeof(*ks), key_cmp);
	count_shared(ks);
	if (!ok_call(refs_iter_open(r, &it, &e), &e, "iterator opens"))
		goto out;
	while ((rc = refs_iter_next(it, &k, &n, &c, &e)) == 1) {
		size_t j = i;

		while (j < NKEYS && key_cmp(&ks[i], &ks[j]) == 0)
			j++;
		if (i >= NKEYS || n != ks[i].n || memcmp(k, ks[i].k, n) != 0) {
			if (!bad++)
				tap_diag("key %zu: got %zu bytes, want %zu", got, n,
					 i < NKEYS ? ks[i].n : 0);
		} else if (c != j - i) {
			badc++;
		}
		nlong += n > REFS_SHORT_MAX;
		got++;
		i = j > i ? j : i + 1;
	}
	tap_ok(rc == 0, "iteration ends cleanly");
	tap_is_int(bad, 0, "every key in ks_cmp order, short and long merged");
	tap_is_int(badc, 0, "duplicates counted");
	tap_ok(i == NKEYS && got > 2 * REFS_ITER_BATCH, "all %zu distinct keys seen (renewing the reader)", got);
	tap_ok(nlong > 1000, "%zu long keys among them", nlong);
	refs_iter_close(it);
	/* Take them all away again; the store is empty after. */
	rc = 0;
	refs_begin(r, 1, &e);
	for (i = 0; i < NKEYS; i++)
		rc |= refs_incr(r, ks[i].k, ks[i].n, -1, NULL, &e);
	rc |= refs_commit(r, &e);
	refs_iter_open(r, &it, &e);
	tap_ok(rc == 0 && it && refs_iter_next(it, &k, &n, &c, &e) == 0,
	       "all released: iteration is empty");
	refs_iter_close(it);
out:
	for (i = 0; i < NKEYS; i++)
		free(ks[i].k);
	free(ks);
}

struct seen {
	int n;
	char log[512];
};

static int visit(void *arg, const char *column, const char *key, size_t n,
		 struct s3gc_err *e)
{
	struct seen *s = arg;
	size_t l = strlen(s->log);

	(void)e;
	s->n++;
	snprintf(s->log + l, sizeof(s->log) - l, "%s=%.*s;", column, (int)(n > 40 ? 40 : n), key);
	return 0;
}

static void test_rows(struct refs *r)
{
	struct buf old = BUF_INIT;
	struct seen s = { 0, "" };
	struct s3gc_err e;
	char big[1024];
	int had = -1, found = -1;
	size_t nrows = 0;

	memset(big, 'z', sizeof(big));
	refs_begin(r, 1, &e);
	ok_call(refs_row_put(r, "users", "avatar", "42", 2, "u/42.png", 8, &old, &had, &e),
		&e, "row put");
	tap_ok(had == 0 && old.len == 0, "a new cell had no key");
	refs_row_get(r, "users", "avatar", "42", 2, &old, &found, &e);
	tap_ok(found == 1 && !strcmp(buf_str(&old), "u/42.png"), "row get");
	refs_row_put(r, "users", "avatar", "42", 2, "u/42b.png", 9, &old, &had, &e);
	tap_ok(had == 1 && !strcmp(buf_str(&old), "u/42.png"), "replace returns the old key");
	refs_row_get(r, "users", "avatar", "43", 2, &old, &found, &e);
	tap_ok(found == 0 && old.len == 0, "another pk is not there");
	refs_row_get(r, "users", "banner", "42", 2, &old, &found, &e);
	tap_ok(found == 0, "an unknown column is not there");
	refs_row_get(r, "nosuch", "avatar", "42", 2, &old, &found, &e);
	tap_ok(found == 0, "an unknown table is not there");
	ok_call(refs_row_put(r, "users", "banner", "42", 2, big, 1024, NULL, NULL, &e), &e,
		"a 1,024-byte key in another column");
	refs_row_get(r, "users", "banner", "42", 2, &old, &found, &e);
	tap_ok(found && old.len == 1024 && !memcmp(old.data, big, 1024), "read back whole");
	refs_row_put(r, "users", "avatar", "7", 1, "u/7.png", 7, NULL, NULL, &e);
	refs_row_put(r, "posts", "image", "42", 2, "p/42.jpg", 8, NULL, NULL, &e);
	refs_row_put(r, "usersx", "avatar", "1", 1, "x/1", 3, NULL, NULL, &e);
	ok_call(refs_row_del(r, "users", "avatar", "7", 1, &old, &had, &e), &e, "row del");
	tap_ok(had == 1 && !strcmp(buf_str(&old), "u/7.png"), "del returns the key it held");
	refs_row_del(r, "users", "avatar", "7", 1, &old, &had, &e);
	tap_ok(had == 0 && old.len == 0, "deleting it again finds nothing");
	refs_row_put(r, "users", "avatar", "8", 1, "u/8.png", 7, NULL, NULL, &e);
	ok_call(refs_rows_clear_table(r, "users", visit, &s, &nrows, &e), &e, "clear table users");
	tap_ok(s.n == 3 && nrows == 3, "three rows visited (%d)", s.n);
	tap_ok(strstr(s.log, "avatar=u/42b.png;") && strstr(s.log, "avatar=u/8.png;") &&
	       strstr(s.log, "banner=zzz") && !strstr(s.log, "p/42") && !strstr(s.log, "x/1"),
	       "exactly that table's rows: %.60s", s.log);
	refs_row_get(r, "users", "avatar", "42", 2, &old, &found, &e);
	tap_ok(found == 0, "its rows are gone");
	refs_row_get(r, "posts", "image", "42", 2, &old, &found, &e);
	tap_ok(found == 1 && !strcmp(buf_str(&old), "p/42.jpg"), "other tables' rows stay");
	refs_row_get(r, "usersx", "avatar", "1", 1, &old, &found, &e);
	tap_ok(found == 1, "a later table keeps its rows too");
	tap_ok(refs_rows_clear_table(r, "nosuch", visit, &s, &nrows, &e) == 0 && nrows == 0,
	       "clearing an unknown table is a no-op");
	ok_call(refs_commit(r, &e), &e, "commit rows");
	buf_release(&old);
}

static void test_meta(struct refs *r)
{
	struct buf v = BUF_INIT;
	struct s3gc_err e;
	int found = -1;

	refs_begin(r, 1, &e);
	ok_call(refs_meta_set(r, REFS_META_POSITION, "0/16B3748", 9, &e), &e, "meta set");
	refs_meta_set(r, REFS_META_SLOT, "s\0x", 3, &e);
	refs_meta_get(r, REFS_META_POSITION, &v, &found, &e);
	tap_ok(found && !strcmp(buf_str(&v), "0/16B3748"), "meta get");
	refs_meta_set(r, REFS_META_POSITION, "0/16B3750", 9, &e);
	refs_meta_get(r, REFS_META_POSITION, &v, &found, &e);
	tap_ok(found && !strcmp(buf_str(&v), "0/16B3750"), "meta overwritten");
	refs_meta_get(r, REFS_META_SLOT, &v, &found, &e);
	tap_ok(found && v.len == 3 && !memcmp(v.data, "s\0x", 3), "binary value");
	refs_meta_get(r, REFS_META_SNAPSHOT, &v, &found, &e);
	tap_ok(found == 0 && v.len == 0, "a missing name is not found");
	tap_ok(refs_meta_set(r, ".t.users", "x", 1, &e) < 0, "internal names refused");
	refs_meta_set(r, REFS_META_CHANGED, "gone", 4, &e);
	ok_call(refs_meta_del(r, REFS_META_CHANGED, &e), &e, "meta del");
	refs_meta_get(r, REFS_META_CHANGED, &v, &found, &e);
	tap_ok(found == 0, "deleted");
	ok_call(refs_commit(r, &e), &e, "commit meta");
	buf_release(&v);
}

static void test_abort(struct refs *r)
{
	struct refs_iter *it = NULL;
	struct buf v = BUF_INIT;
	unsigned long long c;
	struct s3gc_err e;
	const char *k;
	size_t n;
	int found = -1;

	refs_begin(r, 1, &e);
	refs_incr(r, "tmp", 3, 1, NULL, &e);
	refs_row_put(r, "newtable", "c", "1", 1, "tmp", 3, NULL, NULL, &e);
	refs_meta_set(r, REFS_META_SNAPSHOT, "now", 3, &e);
	refs_abort(r);
	refs_begin(r, 0, &e);
	tap_is_int(count_of(r, "tmp", 3), 0, "aborted increment left nothing");
	refs_row_get(r, "newtable", "c", "1", 1, &v, &found, &e);
	tap_is_int(found, 0, "aborted row left nothing");
	refs_meta_get(r, REFS_META_SNAPSHOT, &v, &found, &e);
	tap_is_int(found, 0, "aborted meta left nothing");
	refs_abort(r);
	refs_iter_open(r, &it, &e);
	tap_ok(it && refs_iter_next(it, &k, &n, &c, &e) == 0, "iteration sees nothing");
	refs_iter_close(it);
	buf_release(&v);
}

/* Keys and rows to check after reopening. */
static void fill_some(struct refs *r)
{
	struct s3gc_err e;
	char big[1024];

	memset(big, 'q', sizeof(big));
	refs_begin(r, 1, &e);
	refs_incr(r, "keep", 4, 3, NULL, &e);
	refs_incr(r, big, 1024, 1, NULL, &e);
	refs_meta_set(r, REFS_META_SNAPSHOT, "2026-01-02T03:04:05Z", 20, &e);
	ok_call(refs_commit(r, &e), &e, "commit a few keys");
}

static void test_reopen(struct refs **rp)
{
	struct buf v = BUF_INIT;
	struct s3gc_err e;
	char big[1024];
	int found = -1;

	memset(big, 'q', sizeof(big));
	refs_close(*rp);
	*rp = NULL;
	if (!ok_call(refs_open(rp, sdir, 1, &e), &e, "reopen read-only"))
		return;
	ok_call(refs_begin(*rp, 0, &e), &e, "read transaction");
	tap_is_int(count_of(*rp, "keep", 4), 3, "count survives");
	tap_is_int(count_of(*rp, big, 1024), 1, "long key survives");
	refs_row_get(*rp, "posts", "image", "42", 2, &v, &found, &e);
	tap_ok(found && !strcmp(buf_str(&v), "p/42.jpg"), "row survives");
	refs_meta_get(*rp, REFS_META_POSITION, &v, &found, &e);
	tap_ok(found && !strcmp(buf_str(&v), "0/16B3750"), "meta survives");
	refs_abort(*rp);
	tap_ok(refs_begin(*rp, 1, &e) < 0 && strstr(e.msg, "read-only"),
	       "no write transaction on a read-only handle");
	refs_close(*rp);
	ok_call(refs_open(rp, sdir, 0, &e), &e, "reopen read-write");
	buf_release(&v);
}

static void test_clear(struct refs *r)
{
	struct refs_iter *it = NULL;
	struct buf v = BUF_INIT;
	unsigned long long c;
	struct s3gc_err e;
	const char *k;
	size_t n;
	int found = -1;

	refs_begin(r, 1, &e);
	ok_call(refs_clear(r, &e), &e, "clear the store");
	tap_is_int(count_of(r, "keep", 4), 0, "keys gone");
	refs_row_get(r, "posts", "image", "42", 2, &v, &found, &e);
	tap_is_int(found, 0, "rows gone");
	refs_meta_get(r, REFS_META_SNAPSHOT, &v, &found, &e);
	tap_is_int(found, 0, "snapshot time gone");
	refs_meta_get(r, REFS_META_POSITION, &v, &found, &e);
	tap_is_int(found, 0, "source position gone");
	refs_row_put(r, "posts", "image", "1", 1, "p/1", 3, NULL, NULL, &e);
	refs_row_get(r, "posts", "image", "1", 1, &v, &found, &e);
	tap_ok(found == 1, "row map usable after clear");
	ok_call(refs_commit(r, &e), &e, "commit the clear");
	refs_iter_open(r, &it, &e);
	tap_ok(it && refs_iter_next(it, &k, &n, &c, &e) == 0, "iteration empty after clear");
	refs_iter_close(it);
	buf_release(&v);
}

static void test_open_errors(void)
{
	struct refs *r = NULL;
	struct s3gc_err e;
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/file", dir);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	tap_ok(refs_open(&r, path, 0, &e) < 0 && r == NULL && strstr(e.msg, path) &&
	       e.cls == S3GC_E_IO, "a file is not a store: %s", e.msg);
	unlink(path);
	snprintf(path, sizeof(path), "%s/missing", dir);
	tap_ok(refs_open(&r, path, 1, &e) < 0 && strstr(e.msg, path) &&
	       e.cls == S3GC_E_NOINPUT, "read-only open of a missing store: %s", e.msg);
	tap_ok(access(path, F_OK) != 0, "and it was not created");
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct refs *r = NULL;
	struct s3gc_err e;

	snprintf(dir, sizeof(dir), "%s/t-refs.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(sdir, sizeof(sdir), "%s/refs", dir);
	if (ok_call(refs_open(&r, sdir, 0, &e), &e, "open a new store (directory created)")) {
		test_counts(r);
		test_order(r);
		test_rows(r);
		test_meta(r);
		test_abort(r);
		fill_some(r);
		test_reopen(&r);
		if (r)
			test_clear(r);
		refs_close(r);
	}
	test_open_errors();
	tu_rm_store(sdir);
	tap_ok(rmdir(dir) == 0, "temporary directory removed");
	return tap_done();
}
