/* t-diff.c: the listing against the reference store, merged in key order. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"
#include "fates.h"
#include "refstest.h"
#include "testutil.h"

#define NOW 2000000000
#define DAY 86400

static struct obj mk(const char *key, size_t n, time_t mtime)
{
	struct obj o;

	memset(&o, 0, sizeof o);
	o.key = key;
	o.key_len = n;
	o.has_meta = 1;
	o.mtime = mtime;
	return o;
}

static int nrefs;

static int count_ref(void *arg, const char *key, size_t n, struct s3gc_err *e)
{
	(void)key;
	(void)n;
	(void)e;
	(*(int *)arg)++;
	return 0;
}

/* Two bits a line, for millions of lines: set, read back, neighbours untouched. */
static void test_fates(void)
{
	struct fates f = FATES_INIT;
	struct s3gc_err e;
	unsigned long long i, bad = 0;

	tap_ok(fates_get(&f, 0) == 0 && fates_get(&f, 123456789) == 0, "fates: 0 before any is set");
	for (i = 0; i < 3000000; i += 3)
		if (fates_set(&f, i, (unsigned)(i / 3 % 4), &e) < 0)
			break;
	tap_ok(i >= 3000000, "a million set, growing as they come");
	for (i = 0; i < 3000003; i++)
		if (fates_get(&f, i) != (i % 3 ? 0 : (unsigned)(i / 3 % 4)))
			bad++;
	tap_ok(bad == 0, "each reads back as set, the lines between stay 0 (%llu wrong)", bad);
	fates_set(&f, 4, 3, &e);
	fates_set(&f, 4, 1, &e);
	tap_ok(fates_get(&f, 4) == 1 && fates_get(&f, 3) == 1 && fates_get(&f, 5) == 0,
	       "set again: replaced, not or-ed");
	fates_release(&f);
}

int main(void)
{
	char dir[] = "/tmp/t-diff.XXXXXX", longa[1024], longb[1024], longc[1024];
	char *excl[] = { "keep/", "tmp-" };
	struct diff_opts opts = { NOW, 7 * DAY, excl, 2, count_ref, &nrefs };
	static const char *const refd[] = { "a/1", "a/3", "b/ref", "keep/x", "z" };
	enum diff_verdict v;
	struct s3gc_err e;
	struct refs *r;
	struct diff *d;
	struct obj o;
	int fails = 0;

	test_fates();
	if (!mkdtemp(dir))
		tap_skip_all("no temporary directory");
	/* Three 1,000-byte keys sharing their first 600 bytes: stored by hash. */
	memset(longa, 'l', sizeof longa);
	memcpy(longb, longa, sizeof longb);
	memcpy(longc, longa, sizeof longc);
	longa[999] = 'a';
	longb[999] = 'b';
	longc[999] = 'c';
	if (!ok_call(refs_open(&r, dir, 0, &e), &e, "open a store") ||
	    !ok_call(refs_begin(r, 1, &e), &e, "begin"))
		return tap_done();
	for (size_t i = 0; i < sizeof refd / sizeof refd[0]; i++)
		fails += refs_incr(r, refd[i], strlen(refd[i]), 1, NULL, &e) < 0;
	fails += refs_incr(r, longb, 1000, 2, NULL, &e) < 0;
	tap_ok(!fails && refs_commit(r, &e) == 0, "six references, one of a 1,000-byte key");

	if (!ok_call(diff_begin(&d, r, &opts, &e), &e, "diff_begin"))
		return tap_done();
#define ONE(k, age, want, what)                                                           \
	do {                                                                              \
		o = mk(k, strlen(k), NOW - (age));                                        \
		tap_ok(diff_one(d, &o, &v, &e) == 0 && v == (want), "%s: %s", k, what);   \
	} while (0)
	ONE("a/0", 8 * DAY, DIFF_CANDIDATE, "unreferenced and old: a candidate");
	ONE("a/1", 8 * DAY, DIFF_REFERENCED, "referenced");
	ONE("a/2", 7 * DAY - 1, DIFF_YOUNG, "a second inside the window: young");
	ONE("a/3", 0, DIFF_REFERENCED, "referenced and young: referenced");
	ONE("a/4", 7 * DAY, DIFF_CANDIDATE, "exactly the window: a candidate");
	ONE("b/ref2", 30 * DAY, DIFF_CANDIDATE, "a key the store holds a prefix of");
	ONE("keep/x", 30 * DAY, DIFF_EXCLUDED, "excluded, referenced or not");
	ONE("keep/y", 30 * DAY, DIFF_EXCLUDED, "excluded");
	o = mk(longa, 1000, NOW - 30 * DAY);
	tap_ok(diff_one(d, &o, &v, &e) == 0 && v == DIFF_CANDIDATE, "a 1,000-byte key the store lacks");
	o = mk(longb, 1000, NOW - 30 * DAY);
	tap_ok(diff_one(d, &o, &v, &e) == 0 && v == DIFF_REFERENCED, "a 1,000-byte key the store holds");
	o = mk(longc, 1000, NOW - 30 * DAY);
	tap_ok(diff_one(d, &o, &v, &e) == 0 && v == DIFF_CANDIDATE, "its neighbour");
	ONE("tmp-1", 30 * DAY, DIFF_EXCLUDED, "the second excluded prefix");
	o = mk("y", 1, 0);
	o.has_meta = 0;
	tap_ok(diff_one(d, &o, &v, &e) == 0 && v == DIFF_YOUNG, "no time: kept as young");
	ONE("z", 30 * DAY, DIFF_REFERENCED, "the store's last key");
	ONE("zz", 30 * DAY, DIFF_CANDIDATE, "past the store's end");
	o = mk("zz", 2, NOW - 30 * DAY);
	tap_ok(diff_one(d, &o, &v, &e) < 0 && e.cls == S3GC_E_DATA && strstr(e.msg, "comes twice"),
	       "a key twice: %s", e.msg);
	o = mk("m", 1, NOW - 30 * DAY);
	tap_ok(diff_one(d, &o, &v, &e) < 0 && e.cls == S3GC_E_DATA && strstr(e.msg, "not in key order"),
	       "a key out of order: %s", e.msg);
	{
		const struct diff_stats *st = diff_stats(d);

		tap_ok(st->scanned == 15 && st->excluded == 3 && st->young == 2 &&
		       st->referenced == 4 && st->candidates == 6,
		       "stats: %llu scanned, %llu excluded, %llu young, %llu referenced, %llu candidates",
		       st->scanned, st->excluded, st->young, st->referenced, st->candidates);
	}
	tap_ok(diff_drain(d, &e) == 0 && nrefs == 6, "every reference was seen: %d", nrefs);
	diff_end(d);

	/* An empty store: everything old is a candidate. */
	if (refs_begin(r, 1, &e) == 0 && refs_clear(r, &e) == 0 && refs_commit(r, &e) == 0 &&
	    diff_begin(&d, r, &opts, &e) == 0) {
		ONE("a/1", 8 * DAY, DIFF_CANDIDATE, "empty store: a candidate");
		diff_end(d);
	} else {
		tap_ok(0, "empty store: %s", e.msg);
	}
	refs_close(r);
	tu_rm_store(dir);
	return tap_done();
}
