/*
 * t-refs-rebuild: a snapshot's rebuild into DIR.new: the kept table's rows
 * and counts are carried over and nothing else; the old store is
 * untouched until the commit swaps the new one in, and stays readable by
 * a reader that has it open; an abort (or a close) gives the old one back;
 * a leftover DIR.new is cleared first.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refs.h"
#include "tap.h"
#include "refstest.h"
#include "testutil.h"

static char dir[256], sdir[300], ndir[320];

static const char *cell(struct refs *r, const char *table, const char *column,
			const char *pk, size_t pn, struct buf *b)
{
	struct s3gc_err e;
	int found = 0;

	if (refs_row_get(r, table, column, pk, pn, b, &found, &e) < 0)
		return "(error)";
	return found ? buf_str(b) : "";
}

static int put_ref(struct refs *r, const char *table, const char *column,
		   const char *pk, size_t pklen, const char *key, size_t n,
		   struct s3gc_err *e)
{
	if (refs_row_put(r, table, column, pk, pklen, key, n, NULL, NULL, e) < 0)
		return -1;
	return refs_incr(r, key, n, 1, NULL, e);
}

static int exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct refs *r = NULL, *ro = NULL, *fresh = NULL;
	struct buf b = BUF_INIT;
	struct s3gc_err e;
	unsigned long long nk = 0, nr = 0;
	char big[1024], longpk[600];
	int rc = 0, found = 0;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/t-refs-rebuild.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(sdir, sizeof(sdir), "%s/refs", dir);
	snprintf(ndir, sizeof(ndir), "%s.new", sdir);
	memset(big, 'L', sizeof(big));
	memset(longpk, 'P', sizeof(longpk));

	/* The old store: loaded keys, another table's rows, a snapshot. */
	if (!ok_call(refs_open(&r, sdir, 0, &e), &e, "open a new store"))
		return tap_done();
	refs_begin(r, 1, &e);
	rc |= put_ref(r, "-load", "key", "load/a", 6, "load/a", 6, &e);
	rc |= put_ref(r, "-load", "key", longpk, sizeof(longpk), big, sizeof(big), &e);
	rc |= put_ref(r, "-load", "key", "shared", 6, "shared", 6, &e);
	rc |= put_ref(r, "users", "avatar", "1", 1, "u/1", 3, &e);
	rc |= put_ref(r, "users", "avatar", "2", 1, "shared", 6, &e);
	rc |= refs_meta_set(r, REFS_META_SNAPSHOT, "2026-01-01T00:00:00Z", 20, &e);
	rc |= refs_commit(r, &e);
	ok_call(rc, &e, "loaded keys, a table's rows and a snapshot time");

	refs_begin(r, 0, &e);
	tap_ok(refs_rebuild_begin(r, "-load", &e) < 0 && e.cls == S3GC_E_INTERNAL,
	       "a rebuild with a transaction open is refused");
	refs_abort(r);

	/* A reader with the old store open, and a crash's leftover DIR.new. */
	ok_call(refs_open(&ro, sdir, 1, &e), &e, "a reader opens the store");
	mkdir(ndir, 0700);
	{
		char p[400];

		snprintf(p, sizeof(p), "%s/data.mdb", ndir);
		f = fopen(p, "w");
		if (f) {
			fputs("not a store", f);
			fclose(f);
		}
	}

	ok_call(refs_rebuild_begin(r, "-load", &e), &e, "rebuild begun over a leftover DIR.new");
	tap_ok(exists(ndir), "the new store is in DIR.new");
	tap_is_int(count_of(r, "load/a", 6), 1, "a kept key counts 1");
	tap_is_int(count_of(r, big, sizeof(big)), 1, "a kept 1,024-byte key counts 1");
	tap_is_int(count_of(r, "shared", 6), 1, "a key also held by another table counts 1 (was 2)");
	tap_is_int(count_of(r, "u/1", 3), 0, "another table's key is not there");
	refs_row_get(r, "-load", "key", longpk, sizeof(longpk), &b, &found, &e);
	tap_ok(found && b.len == sizeof(big) && !memcmp(b.data, big, sizeof(big)),
	       "a kept row with a 600-byte primary key and a 1,024-byte key");
	tap_is_str(cell(r, "users", "avatar", "1", 1, &b), "", "other tables' rows are not there");
	refs_meta_get(r, REFS_META_SNAPSHOT, &b, &found, &e);
	tap_is_int(found, 0, "no snapshot time in the new store");
	refs_nkeys(r, &nk, &nr, &e);
	tap_ok(nk == 3 && nr == 3, "3 keys and 3 rows (%llu, %llu)", nk, nr);
	rc = put_ref(r, "users", "avatar", "1", 1, "u/new", 5, &e) ||
	     refs_meta_set(r, REFS_META_SNAPSHOT, "2026-02-02T00:00:00Z", 20, &e) ||
	     refs_commit(r, &e);
	ok_call(rc, &e, "the new store written and committed");

	refs_begin(ro, 0, &e);
	tap_ok(count_of(ro, "u/1", 3) == 1 && count_of(ro, "shared", 6) == 2 &&
	       count_of(ro, "u/new", 5) == 0, "before the swap the old store is as it was");
	refs_abort(ro);

	ok_call(refs_rebuild_commit(r, &e), &e, "rebuild committed");
	tap_ok(!exists(ndir), "DIR.new is gone");
	refs_begin(r, 0, &e);
	tap_ok(count_of(r, "u/new", 5) == 1 && count_of(r, "u/1", 3) == 0,
	       "the handle works on the new store, now in DIR");
	refs_abort(r);
	ok_call(refs_open(&fresh, sdir, 1, &e), &e, "a new reader opens DIR");
	refs_begin(fresh, 0, &e);
	tap_ok(count_of(fresh, "u/new", 5) == 1 && count_of(fresh, "load/a", 6) == 1 &&
	       count_of(fresh, "u/1", 3) == 0 &&
	       !strcmp(cell(fresh, "users", "avatar", "1", 1, &b), "u/new"),
	       "and finds the new store");
	refs_abort(fresh);
	refs_close(fresh);
	refs_begin(ro, 0, &e);
	tap_ok(count_of(ro, "u/1", 3) == 1, "the reader of the old store still reads it");
	refs_abort(ro);
	refs_close(ro);

	/* An abort, and a close, give the old store back. */
	ok_call(refs_rebuild_begin(r, "-load", &e), &e, "a second rebuild");
	rc = put_ref(r, "posts", "image", "9", 1, "p/9", 3, &e) || refs_commit(r, &e);
	ok_call(rc, &e, "written and committed in the new store");
	refs_rebuild_abort(r);
	tap_ok(!exists(ndir), "abort: DIR.new is gone");
	refs_begin(r, 0, &e);
	tap_ok(count_of(r, "p/9", 3) == 0 && count_of(r, "u/new", 5) == 1,
	       "abort: the handle has the store it had");
	refs_abort(r);
	ok_call(refs_rebuild_begin(r, "-load", &e), &e, "a third rebuild");
	refs_close(r);
	tap_ok(!exists(ndir), "close during a rebuild: DIR.new is gone");
	ok_call(refs_open(&r, sdir, 0, &e), &e, "reopen");
	refs_begin(r, 0, &e);
	tap_ok(count_of(r, "u/new", 5) == 1, "the store is the one committed last");
	refs_abort(r);
	refs_close(r);

	buf_release(&b);
	tu_rm_store(sdir);
	tap_ok(rmdir(dir) == 0, "temporary directory removed");
	return tap_done();
}
