/* t-refs-handle: the reference store's entry counts, trimming the map, the id cache, and the format check. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "refs.h"
#include "tap.h"
#include "refstest.h"
#include "testutil.h"

static char dir[256], sdir[300];

/* The key cell (table, column, pk) holds, as a string ("" if none). */
static const char *cell(struct refs *r, const char *table, const char *column,
			const char *pk, struct buf *b)
{
	struct s3gc_err e;
	int found = 0;

	if (refs_row_get(r, table, column, pk, strlen(pk), b, &found, &e) < 0) {
		tap_diag("row get: %s", e.msg);
		return "(error)";
	}
	return found ? buf_str(b) : "";
}

static void test_nkeys(struct refs *r)
{
	unsigned long long nk = 99, nr = 99;
	struct s3gc_err e;
	char big[700];
	int rc = 0;

	tap_ok(refs_nkeys(r, &nk, &nr, &e) < 0 && e.cls == S3GC_E_INTERNAL,
	       "nkeys outside a transaction refused");
	memset(big, 'n', sizeof(big));
	refs_begin(r, 1, &e);
	rc |= refs_incr(r, "a", 1, 1, NULL, &e);
	rc |= refs_incr(r, "b", 1, 3, NULL, &e); /* one key, count 3 */
	rc |= refs_incr(r, big, 480, 1, NULL, &e);
	rc |= refs_incr(r, big, 481, 2, NULL, &e);
	rc |= refs_incr(r, big, 700, 1, NULL, &e);
	rc |= refs_row_put(r, "t", "c", "1", 1, "a", 1, NULL, NULL, &e);
	rc |= refs_row_put(r, "t", "c", "2", 1, "b", 1, NULL, NULL, &e);
	rc |= refs_row_put(r, "t", "d", "2", 1, big, 700, NULL, NULL, &e);
	ok_call(rc, &e, "3 short and 2 long keys, 3 rows");
	ok_call(refs_nkeys(r, &nk, &nr, &e), &e, "nkeys in the write transaction");
	tap_ok(nk == 5 && nr == 3, "5 keys, 3 rows (%llu, %llu)", nk, nr);
	refs_commit(r, &e);
	refs_begin(r, 0, &e);
	refs_nkeys(r, &nk, &nr, &e);
	tap_ok(nk == 5 && nr == 3, "the same in a read transaction");
	refs_abort(r);
	refs_begin(r, 1, &e);
	refs_clear(r, &e);
	refs_commit(r, &e);
}

/* The process's RssFile in kB from /proc/self/status, or -1. */
static long rss_file(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssFile: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

#define NTRIM 10000

/* Key i: short, or (every 7th) 600 bytes sharing a 400-byte prefix. */
static size_t trim_key(char *k, int i)
{
	if (i % 7)
		return (size_t)snprintf(k, 64, "trim/%05d.png", i);
	memset(k, 'T', 600);
	snprintf(k + 590, 10, "%09d", i);
	return 599;
}

static void test_trim(struct refs *r)
{
	unsigned long long nk = 0, nr = 0, c;
	struct refs_iter *it = NULL;
	struct buf b = BUF_INIT;
	struct s3gc_err e;
	long before, after;
	size_t n, seen = 0;
	int rc = 0, bad = 0, badrow = 0;
	const char *k;
	char key[700], pk[16];

	refs_begin(r, 1, &e);
	for (int i = 0; i < NTRIM; i++) {
		size_t kn = trim_key(key, i);
		int pl = snprintf(pk, sizeof(pk), "%d", i);

		rc |= refs_incr(r, key, kn, 1 + i % 5, NULL, &e);
		rc |= refs_row_put(r, i % 2 ? "trim_a" : "trim_b", "k", pk,
				   (size_t)pl, key, kn, NULL, NULL, &e);
	}
	ok_call(rc, &e, "10,000 keys and rows written");
	refs_trim(r); /* with the transaction open, before anything is committed */
	tap_is_int(count_of(r, "trim/00001.png", 14), 2,
		   "trim with the transaction open is harmless");
	ok_call(refs_commit(r, &e), &e, "commit them");
	/* Read everything once so that the map is resident. */
	refs_begin(r, 0, &e);
	for (int i = 0; i < NTRIM; i++) {
		size_t kn = trim_key(key, i);

		bad += count_of(r, key, kn) != (unsigned long long)(1 + i % 5);
	}
	refs_abort(r);
	before = rss_file();
	refs_trim(r);
	after = rss_file();
	if (before >= 0)
		tap_ok(after < before, "the map's pages were given back (RssFile %ld -> %ld kB)",
		       before, after);
	else
		tap_ok(1, "no /proc/self/status: resident size not checked");
	refs_trim(r);
	tap_ok(1, "trim twice in a row");
	refs_begin(r, 0, &e);
	for (int i = 0; i < NTRIM; i++) {
		size_t kn = trim_key(key, i);
		int pl = snprintf(pk, sizeof(pk), "%d", i);
		int found = 0;

		bad += count_of(r, key, kn) != (unsigned long long)(1 + i % 5);
		refs_row_get(r, i % 2 ? "trim_a" : "trim_b", "k", pk, (size_t)pl,
			     &b, &found, &e);
		badrow += !found || b.len != kn || memcmp(b.data, key, kn) != 0;
	}
	refs_nkeys(r, &nk, &nr, &e);
	refs_abort(r);
	tap_is_int(bad, 0, "every count reads back the same after the trim");
	tap_is_int(badrow, 0, "every row reads back the same after the trim");
	tap_ok(nk == NTRIM && nr == NTRIM, "%llu keys and %llu rows", nk, nr);
	/* A write transaction that reads the map and changes what it read,
	 * trimmed under every few hundred calls, sees and writes the same. */
	bad = 0;
	rc = refs_begin(r, 1, &e);
	for (int i = 0; i < NTRIM && !rc; i++) {
		size_t kn = trim_key(key, i);

		rc = refs_incr(r, key, kn, 1, NULL, &e);
		if (i % 500 == 0)
			refs_trim(r);
	}
	for (int i = 0; i < NTRIM && !rc; i++) {
		size_t kn = trim_key(key, i);

		if (i % 700 == 0)
			refs_trim(r);
		bad += count_of(r, key, kn) != (unsigned long long)(2 + i % 5);
	}
	refs_abort(r);
	tap_ok(!rc && bad == 0, "trims inside a write transaction change nothing (%d wrong)", bad);
	/* An open iterator survives a trim between its steps. */
	if (ok_call(refs_iter_open(r, &it, &e), &e, "iterate")) {
		while ((rc = refs_iter_next(it, &k, &n, &c, &e)) == 1) {
			if (++seen % 3000 == 0)
				refs_trim(r);
		}
		tap_ok(rc == 0 && seen == NTRIM, "an iterator trimmed under sees all %zu keys", seen);
		refs_iter_close(it);
	}
	buf_release(&b);
}

/*
 * The id cache: an id assigned in an aborted transaction is forgotten, so
 * another name that gets the same id later is not confused with it.
 */
static void test_id_cache(struct refs *r)
{
	static const char *const cols[] = { "c1", "c2", "c3" };
	struct buf b = BUF_INIT;
	struct s3gc_err e;
	char name[32], key[32];
	int rc = 0, bad = 0;

	refs_begin(r, 1, &e);
	rc |= refs_row_put(r, "ghost", "gc", "1", 1, "g/1", 3, NULL, NULL, &e);
	rc |= refs_row_put(r, "ghost", "c1", "1", 1, "g/2", 3, NULL, NULL, &e);
	tap_is_str(cell(r, "ghost", "gc", "1", &b), "g/1", "a new table's row, before the abort");
	refs_abort(r);
	ok_call(rc, &e, "rows of a new table and columns, aborted");

	refs_begin(r, 1, &e);
	tap_is_str(cell(r, "ghost", "gc", "1", &b), "", "the aborted table has no rows");
	/* These take the ids the aborted transaction had handed out. */
	rc |= refs_row_put(r, "real", "c2", "1", 1, "r/1", 3, NULL, NULL, &e);
	rc |= refs_row_put(r, "real", "c1", "1", 1, "r/2", 3, NULL, NULL, &e);
	ok_call(rc, &e, "a put in a new transaction works");
	tap_is_str(cell(r, "ghost", "gc", "1", &b), "", "the aborted name does not alias the new one");
	tap_is_str(cell(r, "ghost", "c1", "1", &b), "", "nor with a column that exists now");
	/* Interleave two tables and several columns. */
	for (int i = 0; i < 30; i++) {
		const char *t = i % 2 ? "real" : "ghost";

		snprintf(key, sizeof(key), "%s/%s/%d", t, cols[i % 3], i);
		rc |= refs_row_put(r, t, cols[i % 3], key, strlen(key), key, strlen(key),
				   NULL, NULL, &e);
	}
	ok_call(rc, &e, "interleaved puts into two tables, three columns");
	ok_call(refs_commit(r, &e), &e, "commit");
	refs_begin(r, 0, &e);
	for (int i = 0; i < 30; i++) {
		const char *t = i % 2 ? "real" : "ghost", *o = i % 2 ? "ghost" : "real";

		snprintf(key, sizeof(key), "%s/%s/%d", t, cols[i % 3], i);
		bad += strcmp(cell(r, t, cols[i % 3], key, &b), key) != 0;
		bad += strcmp(cell(r, o, cols[i % 3], key, &b), "") != 0;
		bad += strcmp(cell(r, t, cols[(i + 1) % 3], key, &b), "") != 0;
	}
	tap_is_int(bad, 0, "each row under its own table and column only");
	tap_is_str(cell(r, "real", "c2", "1", &b), "r/1", "the first row of the new table");
	tap_is_str(cell(r, "ghost", "gc", "1", &b), "", "the aborted cell stays empty");
	refs_abort(r);

	/* An abort after names were cached from committed data: still found. */
	refs_begin(r, 1, &e);
	rc |= refs_row_put(r, "real", "c3", "x", 1, "r/x", 3, NULL, NULL, &e);
	rc |= refs_row_put(r, "another", "c9", "x", 1, "a/x", 3, NULL, NULL, &e);
	refs_abort(r);
	refs_begin(r, 1, &e);
	tap_is_str(cell(r, "real", "c1", "1", &b), "r/2", "committed names still resolve after an abort");
	tap_is_str(cell(r, "another", "c9", "x", &b), "", "the aborted table is unknown again");
	rc |= refs_row_put(r, "other", "c9", "y", 1, "o/y", 3, NULL, NULL, &e);
	tap_is_str(cell(r, "other", "c9", "y", &b), "o/y", "a put after that abort is found");
	tap_is_str(cell(r, "another", "c9", "y", &b), "", "not under the aborted name");
	refs_commit(r, &e);

	/* More names than the cache holds: it starts over, nothing is lost. */
	refs_begin(r, 1, &e);
	for (int i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "many%03d", i);
		rc |= refs_row_put(r, name, i % 2 ? "c1" : name, "pk", 2, name,
				   strlen(name), NULL, NULL, &e);
	}
	ok_call(rc, &e, "rows of 400 tables");
	refs_commit(r, &e);
	bad = 0;
	refs_begin(r, 0, &e);
	for (int i = 399; i >= 0; i--) {
		snprintf(name, sizeof(name), "many%03d", i);
		bad += strcmp(cell(r, name, i % 2 ? "c1" : name, "pk", &b), name) != 0;
	}
	refs_abort(r);
	tap_is_int(bad, 0, "all 400 read back");
	buf_release(&b);
}

/* A store of another format version is refused, saying what to do. */
static void test_old_format(void)
{
	MDB_env *env = NULL;
	MDB_txn *t;
	MDB_dbi meta;
	MDB_val k = { 7, (char *)".format" }, v = { 1, (char *)"1" };
	struct refs *r = NULL;
	struct s3gc_err e;
	int rc;

	rc = mdb_env_create(&env) || mdb_env_set_maxdbs(env, 16) ||
	     mdb_env_open(env, sdir, 0, 0600) || mdb_txn_begin(env, NULL, 0, &t);
	if (!rc) {
		rc = mdb_dbi_open(t, "meta", 0, &meta) || mdb_put(t, meta, &k, &v, 0);
		rc = rc ? (mdb_txn_abort(t), rc) : mdb_txn_commit(t);
	}
	mdb_env_close(env);
	tap_ok(!rc, "the store marked as format 1");
	tap_ok(refs_open(&r, sdir, 0, &e) < 0 && e.cls == S3GC_E_IO &&
	       strstr(e.msg, "unsupported reference store format") &&
	       strstr(e.msg, "s3gc-refs snapshot"),
	       "a format-1 store is refused: %s", r ? "opened" : e.msg);
	refs_close(r);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct refs *r = NULL;
	struct s3gc_err e;

	snprintf(dir, sizeof(dir), "%s/t-refs-handle.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(sdir, sizeof(sdir), "%s/refs", dir);
	if (ok_call(refs_open(&r, sdir, 0, &e), &e, "open a new store")) {
		test_nkeys(r);
		test_trim(r);
		test_id_cache(r);
		refs_close(r);
		/* The cache is the handle's: a new one reads the same ids. */
		if (ok_call(refs_open(&r, sdir, 1, &e), &e, "reopen read-only")) {
			struct buf b = BUF_INIT;

			refs_begin(r, 0, &e);
			tap_is_str(cell(r, "real", "c1", "1", &b), "r/2", "ids survive reopening");
			tap_is_str(cell(r, "ghost", "gc", "1", &b), "", "the aborted one stays unknown");
			refs_abort(r);
			refs_trim(r);
			tap_ok(1, "trim on a read-only handle");
			buf_release(&b);
			refs_close(r);
		}
	}
	test_old_format();
	tu_rm_store(sdir);
	tap_ok(rmdir(dir) == 0, "temporary directory removed");
	return tap_done();
}
