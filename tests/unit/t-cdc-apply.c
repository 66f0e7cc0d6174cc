/* t-cdc-apply: pgoutput changes and snapshot rows applied to a temporary reference store. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cdc_apply.h"
#include "conf.h"
#include "log.h"
#include "normalise.h"
#include "pgoutput.h"
#include "refs.h"
#include "tap.h"
#include "testutil.h"

static struct buf b;
static struct pgo_msg msg;
static struct cdc_apply *ap;
static struct refs *rs;
static struct cdc_stats st;
static struct s3gc_err err;
static char warned[2048];

static const char U[] = "<unchanged>"; /* a 'u' datum in tuples */

enum { USERS = 16384, POSTS = 16390, OTHER = 16400 };

/* The message being built; be() and str() append to it. */
#define be(v, k) tu_be(&b, (uint64_t)(v), (k))
#define str(s) tu_str(&b, (s))

static void tuple(char tag, int n, const char *const *v)
{
	struct s3gc_err e;

	be((uint64_t)tag, 1);
	be((uint64_t)n, 2);
	for (int i = 0; i < n; i++) {
		if (!v[i]) {
			be('n', 1);
		} else if (v[i] == U) {
			be('u', 1);
		} else {
			be('t', 1);
			be(strlen(v[i]), 4);
			buf_add(&b, v[i], strlen(v[i]), &e);
		}
	}
}

/* Parse the message built and apply it; the result of cdc_apply_msg. */
static int apply(void)
{
	int rc = pgo_parse(b.data, b.len, &msg, &err);

	buf_reset(&b);
	if (rc < 0) {
		tap_diag("parse: %s", err.msg);
		return -2;
	}
	return cdc_apply_msg(ap, rs, &msg, &st, &err);
}

static int relation(uint32_t relid, const char *nsp, const char *name, char ident,
		    int n, const char *const *cols, const int *key)
{
	be('R', 1); be(relid, 4); str(nsp); str(name); be((uint64_t)ident, 1); be((uint64_t)n, 2);
	for (int i = 0; i < n; i++) {
		be((uint64_t)key[i], 1); str(cols[i]); be(25, 4); be(0xffffffff, 4);
	}
	return apply();
}

static int ins(uint32_t relid, int n, const char *const *v)
{
	be('I', 1); be(relid, 4); tuple('N', n, v);
	return apply();
}

/* old_kind 0: no old tuple. */
static int upd(uint32_t relid, char old_kind, int n, const char *const *oldv,
	       const char *const *newv)
{
	be('U', 1); be(relid, 4);
	if (old_kind)
		tuple(old_kind, n, oldv);
	tuple('N', n, newv);
	return apply();
}

static int del(uint32_t relid, char old_kind, int n, const char *const *oldv)
{
	be('D', 1); be(relid, 4); tuple(old_kind, n, oldv);
	return apply();
}

static unsigned long long cnt(const char *k)
{
	unsigned long long c = 999;
	struct s3gc_err e;

	if (refs_count(rs, k, strlen(k), &c, &e) < 0)
		tap_diag("count: %s", e.msg);
	return c;
}

/* The raw value the row map holds, or "(none)"; two calls may be compared.
 * pk: the key column values, TAB-separated. */
static struct buf cellv[2];
static const char *cell(const char *table, const char *col, const char *pk)
{
	static int next;
	int slot = next++ & 1;
	static struct s3gc_err e;
	static struct buf enc;
	const char *v[4];
	size_t n[4], nv = 0;
	int found = 0;

	if (!table) { /* cell(NULL, NULL, NULL): free the encoding buffer */
		buf_release(&enc);
		return NULL;
	}
	for (const char *p = pk; nv < 4; p += n[nv++] + 1) {
		v[nv] = p;
		n[nv] = strcspn(p, "\t");
		if (!p[n[nv]]) {
			nv++;
			break;
		}
	}
	if (cdc_apply_pk(&enc, v, n, nv, &e) < 0 ||
	    refs_row_get(rs, table, col, enc.data, enc.len, &cellv[slot], &found, &e) < 0)
		return e.msg;
	if (!found)
		return "(none)";
	return buf_str(&cellv[slot]);
}

static void sink(enum log_level level, const char *m, void *arg)
{
	(void)arg;
	if (level == LOG_WARN)
		snprintf(warned, sizeof(warned), "%s", m);
}

static const char *const ucols[] = { "id", "avatar_url" };
static const int ukey[] = { 1, 0 };
static const char *const pcols[] = { "id", "image_url", "tags", "meta" };
static const int pkey[] = { 1, 0, 0, 0 };

#define ROW2(a, b_) ((const char *const[]){ a, b_ })
#define ROW4(a, b_, c, d) ((const char *const[]){ a, b_, c, d })

static void test_basic(void)
{
	int rc;

	tap_ok(relation(USERS, "public", "users", 'd', 2, ucols, ukey) == 0 &&
	       relation(POSTS, "public", "posts", 'd', 4, pcols, pkey) == 0,
	       "relations of the two configured tables are taken");

	memset(&st, 0, sizeof(st));
	rc = ins(USERS, 2, ROW2("1", "a.jpg"));
	tap_ok(rc == 0 && cnt("a.jpg") == 1 && st.inserts == 1 && st.keys_added == 1,
	       "insert counts the key (count %llu, inserts %llu)", cnt("a.jpg"), st.inserts);

	ins(USERS, 2, ROW2("2", "a.jpg"));
	tap_is_int(cnt("a.jpg"), 2, "two rows with the same key: count 2");
	rc = del(USERS, 'K', 2, ROW2("2", NULL));
	tap_ok(rc == 0 && cnt("a.jpg") == 1 && !strcmp(cell("public.users", "avatar_url", "2"), "(none)"),
	       "deleting one of them leaves 1");

	rc = upd(USERS, 0, 2, NULL, ROW2("1", "b.jpg"));
	tap_ok(rc == 0 && cnt("a.jpg") == 0 && cnt("b.jpg") == 1 &&
	       !strcmp(cell("public.users", "avatar_url", "1"), "b.jpg"),
	       "update a -> b moves one reference");

	rc = upd(USERS, 0, 2, NULL, ROW2("1", U));
	tap_ok(rc == 0 && cnt("b.jpg") == 1 && !strcmp(cell("public.users", "avatar_url", "1"), "b.jpg"),
	       "update with an unchanged TOAST value keeps the key");

	rc = upd(USERS, 'K', 2, ROW2("1", NULL), ROW2("5", U));
	tap_ok(rc == 0 && cnt("b.jpg") == 1 &&
	       !strcmp(cell("public.users", "avatar_url", "1"), "(none)") &&
	       !strcmp(cell("public.users", "avatar_url", "5"), "b.jpg"),
	       "a primary-key change moves the row map entry");

	memset(&st, 0, sizeof(st));
	rc = del(USERS, 'K', 2, ROW2("5", NULL));
	tap_ok(rc == 0 && cnt("b.jpg") == 0 && st.deletes == 1 && st.keys_removed == 1 &&
	       !strcmp(cell("public.users", "avatar_url", "5"), "(none)"),
	       "a delete with only the key resolves through the row map");

	memset(&st, 0, sizeof(st));
	rc = del(USERS, 'K', 2, ROW2("404", NULL));
	tap_ok(rc == 0 && st.deletes == 0 && st.keys_removed == 0,
	       "a delete of a row never seen does nothing");
}

static void test_full(void)
{
	static const int all[] = { 1, 1 };
	int rc;

	relation(USERS, "public", "users", 'f', 2, ucols, all);
	ins(USERS, 2, ROW2("7", "c.jpg"));
	tap_is_int(cnt("c.jpg"), 1, "REPLICA IDENTITY FULL: insert counted");
	memset(&st, 0, sizeof(st));
	rc = del(USERS, 'O', 2, ROW2("7", "c.jpg"));
	tap_ok(rc == 0 && cnt("c.jpg") == 0 && st.deletes == 1,
	       "FULL identity ('O') delete drops the key");
	ins(USERS, 2, ROW2("8", "d.jpg"));
	rc = upd(USERS, 'O', 2, ROW2("8", "d.jpg"), ROW2("8", "e.jpg"));
	tap_ok(rc == 0 && cnt("d.jpg") == 0 && cnt("e.jpg") == 1 &&
	       !strcmp(cell("public.users", "avatar_url", "8\td.jpg"), "(none)") &&
	       !strcmp(cell("public.users", "avatar_url", "8\te.jpg"), "e.jpg"),
	       "FULL identity ('O') update takes the old value from the old row");
	del(USERS, 'O', 2, ROW2("8", "e.jpg"));
	relation(USERS, "public", "users", 'd', 2, ucols, ukey);
}

static void test_cells(void)
{
	int rc;

	memset(&st, 0, sizeof(st));
	rc = ins(POSTS, 4, ROW4("1", "p/img.png", "{t1.png,NULL,\"t 2.png\",t1.png}",
				"[\"j1.png\", null, \"s3://mybucket/j2.png\"]"));
	tap_ok(rc == 0 && cnt("p/img.png") == 1 && cnt("t1.png") == 2 && cnt("t 2.png") == 1 &&
	       cnt("j1.png") == 1 && cnt("j2.png") == 1 && st.keys_added == 6,
	       "array and JSON cells: several keys each, NULL elements skipped (added %llu)",
	       st.keys_added);
	tap_is_str(cell("public.posts", "tags", "1"), "{t1.png,NULL,\"t 2.png\",t1.png}",
		   "the row map holds the raw array text");
	rc = upd(POSTS, 0, 4, NULL, ROW4("1", "p/img.png", "{t3.png}", NULL));
	tap_ok(rc == 0 && cnt("t1.png") == 0 && cnt("t 2.png") == 0 && cnt("t3.png") == 1 &&
	       cnt("j1.png") == 0 && cnt("j2.png") == 0 &&
	       !strcmp(cell("public.posts", "meta", "1"), "(none)"),
	       "updating array and JSON cells drops every old key, the duplicate twice");

	ins(USERS, 2, ROW2("10", "s3://mybucket/k.png"));
	ins(USERS, 2, ROW2("11", "https://mybucket.s3.amazonaws.com/k.png"));
	ins(USERS, 2, ROW2("12", "/k.png"));
	ins(USERS, 2, ROW2("13", "k.png"));
	tap_is_int(cnt("k.png"), 4, "URL forms normalise to the bare key");

	memset(&st, 0, sizeof(st));
	warned[0] = 0;
	rc = ins(USERS, 2, ROW2("20", "gs://elsewhere/x.png"));
	tap_ok(rc == 0 && st.unknown == 1 && strstr(warned, "public.users.avatar_url") &&
	       strstr(warned, "not be protected") &&
	       !strcmp(cell("public.users", "avatar_url", "20"), "gs://elsewhere/x.png"),
	       "an UNKNOWN value is counted, warned about and stored ('%s')", warned);
	memset(&st, 0, sizeof(st));
	rc = ins(USERS, 2, ROW2("21", "s3://otherbucket/x.png"));
	tap_ok(rc == 0 && st.foreign == 1 && st.keys_added == 0, "a foreign value is counted");
}

static void test_truncate(void)
{
	int rc;

	ins(POSTS, 4, ROW4("2", "k.png", "{k.png}", NULL));
	tap_is_int(cnt("k.png"), 6, "before truncate: users and posts reference k.png");
	be('T', 1); be(1, 4); be(0, 1); be(POSTS, 4);
	memset(&st, 0, sizeof(st));
	rc = apply();
	tap_ok(rc == 0 && st.truncates == 1 && cnt("k.png") == 4 && cnt("p/img.png") == 0 &&
	       cnt("t3.png") == 0 && cnt("a.jpg") == 0 &&
	       !strcmp(cell("public.posts", "image_url", "1"), "(none)") &&
	       !strcmp(cell("public.users", "avatar_url", "10"), "s3://mybucket/k.png"),
	       "truncate removes exactly that table's references");
}

static void test_errors(void)
{
	static const char *const ocols[] = { "id", "x" };
	static const int nokey[] = { 0, 0, 0, 0 };
	int rc;

	tap_ok(relation(OTHER, "public", "other", 'd', 2, ocols, ukey) == 0, "unconfigured relation taken");
	memset(&st, 0, sizeof(st));
	rc = ins(OTHER, 2, ROW2("1", "z.png"));
	tap_ok(rc == 0 && st.inserts == 0 && cnt("z.png") == 0, "changes to an unconfigured relation are ignored");
	tap_ok(relation(OTHER + 1, "other", "users", 'd', 2, ucols, ukey) == 0 &&
	       ins(OTHER + 1, 2, ROW2("1", "z.png")) == 0 && cnt("z.png") == 0,
	       "a same-named table in another schema is not the configured one");

	rc = ins(999, 2, ROW2("1", "z.png"));
	tap_ok(rc == -1 && err.cls == S3GC_E_CDC && strstr(err.msg, "never described"),
	       "a change for an undescribed relation is an error ('%s')", err.msg);

	rc = relation(USERS, "public", "users", 'd', 1, ucols, ukey);
	tap_ok(rc == -1 && err.cls == S3GC_E_CDC &&
	       !strcmp(err.msg, "watched column 'avatar_url' of 'public.users' is gone (dropped or "
			       "renamed); update [tables] in s3gc.conf and run 's3gc-refs snapshot'"),
	       "a dropped watched column is an error ('%s')", err.msg);

	rc = relation(POSTS, "public", "posts", 'd', 4, pcols, nokey);
	tap_ok(rc == -1 && err.cls == S3GC_E_CDC &&
	       !strcmp(err.msg, "table 'public.posts' has no primary key: add one or set REPLICA IDENTITY FULL"),
	       "a table without a primary key is an error ('%s')", err.msg);
}

static void test_row(void)
{
	const char *pk[] = { "81" };
	size_t pkl[] = { 2 };
	const char *v[] = { "r.png", "{s.png}", "[\"q.png\"]" };
	size_t vl[] = { 5, 7, 9 };
	struct cdc_stats a, c;
	int rc;

	relation(POSTS, "public", "posts", 'd', 4, pcols, pkey);
	memset(&st, 0, sizeof(st));
	rc = ins(POSTS, 4, ROW4("80", "r.png", "{s.png}", "[\"q.png\"]"));
	a = st;
	memset(&st, 0, sizeof(st));
	rc |= cdc_apply_row(ap, rs, "public.posts", pk, pkl, 1, v, vl, &st, &err);
	c = st;
	tap_ok(rc == 0 && cnt("r.png") == 2 && cnt("s.png") == 2 && cnt("q.png") == 2 &&
	       !memcmp(&a, &c, sizeof(a)) &&
	       !strcmp(cell("public.posts", "tags", "81"), cell("public.posts", "tags", "80")) &&
	       !strcmp(cell("public.posts", "meta", "81"), "[\"q.png\"]"),
	       "cdc_apply_row has the effect of an insert");
	rc = del(POSTS, 'K', 4, ROW4("81", NULL, NULL, NULL));
	tap_ok(rc == 0 && cnt("r.png") == 1 && cnt("s.png") == 1 && cnt("q.png") == 1,
	       "a snapshot row is deleted through the row map");
}

/* The row map files rows in primary-key order: integers by number, other
 * text by bytes, NULL first; none is a prefix of another. */
struct order {
	char log[1024];
	int n;
};

static int seen(void *arg, const char *column, const char *key, size_t n,
		struct s3gc_err *e)
{
	struct order *o = arg;
	size_t l = strlen(o->log);

	(void)column;
	(void)e;
	if (n > 2 && !memcmp(key, "o/", 2)) {
		o->n++;
		snprintf(o->log + l, sizeof(o->log) - l, "%.*s ", (int)n - 2, key + 2);
	}
	return 0;
}

static void test_pk_order(void)
{
	/* Given out of order; each row's key names the pk's place in order. */
	static const struct { const char *pk; size_t n; const char *key; } rows[] = {
		{ "ab", 2, "o/14" }, { "7", 1, "o/06" }, { "-10", 3, "o/02" },
		{ NULL, 0, "o/00" }, { "9223372036854775807", 19, "o/08" },
		{ "a", 1, "o/12" }, { "0", 1, "o/05" }, { "007", 3, "o/10" },
		{ "-9223372036854775808", 20, "o/01" }, { "a\0b", 3, "o/13" },
		{ "10", 2, "o/07" }, { "9223372036854775808", 19, "o/11" },
		{ "-9", 2, "o/03" }, { "-0", 2, "o/09" }, { "-1", 2, "o/04" },
	};
	struct order o = { "", 0 };
	size_t nrows = 0;
	int rc = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *v = rows[i].key;
		size_t vl = strlen(v);

		rc |= cdc_apply_row(ap, rs, "users", &rows[i].pk, &rows[i].n, 1, &v,
				    &vl, &st, &err);
	}
	tap_ok(rc == 0 && !strcmp(cell("public.users", "avatar_url", "9223372036854775808"),
				  "o/11") &&
	       !strcmp(cell("public.users", "avatar_url", "-0"), "o/09"),
	       "rows with integer, text and NULL keys filed");
	rc = refs_rows_clear_table(rs, "public.users", seen, &o, &nrows, &err);
	tap_ok(rc == 0 && o.n == 15 &&
	       !strcmp(o.log, "00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 "),
	       "the row map holds them in key order: %s", o.log);
}

static void set_table(struct conf_table *t, const char *name, int n,
		      const char *const *cols, const enum conf_colkind *kinds)
{
	t->name = strdup(name);
	t->cols = calloc((size_t)n, sizeof(*t->cols));
	t->ncols = (size_t)n;
	for (int i = 0; i < n; i++) {
		t->cols[i].name = strdup(cols[i]);
		t->cols[i].kind = kinds[i];
	}
}

int main(void)
{
	static const enum conf_colkind ku[] = { CONF_COL_TEXT };
	static const enum conf_colkind kp[] = { CONF_COL_TEXT, CONF_COL_ARRAY, CONF_COL_JSON };
	const char *tmp = getenv("TMPDIR");
	struct norm_ctx nc = { "mybucket", "us-east-1", NULL };
	char dir[256], sdir[300];
	struct conf c;

	snprintf(dir, sizeof(dir), "%s/t-cdc-apply.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(sdir, sizeof(sdir), "%s/refs", dir);
	log_set_sink(sink, NULL);
	conf_init(&c, &err);
	c.tables = calloc(2, sizeof(*c.tables));
	c.ntables = 2;
	set_table(&c.tables[0], "users", 1, (const char *const[]){ "avatar_url" }, ku);
	set_table(&c.tables[1], "public.posts", 3,
		  (const char *const[]){ "image_url", "tags", "meta" }, kp);
	pgo_msg_init(&msg);
	if (!tap_ok(refs_open(&rs, sdir, 0, &err) == 0 && refs_begin(rs, 1, &err) == 0 &&
		    cdc_apply_new(&ap, &c, &nc, &err) == 0, "open a store and an applier")) {
		tap_diag("%s", err.msg);
		return tap_done();
	}
	test_basic();
	test_full();
	test_cells();
	test_truncate();
	test_errors();
	test_row();
	test_pk_order();
	tap_ok(refs_commit(rs, &err) == 0, "commit");
	cdc_apply_free(ap);
	refs_close(rs);
	pgo_msg_release(&msg);
	conf_release(&c);
	buf_release(&b);
	buf_release(&cellv[0]);
	buf_release(&cellv[1]);
	cell(NULL, NULL, NULL);
	tu_rm_store(sdir);
	tap_ok(rmdir(dir) == 0, "temporary directory removed");
	return tap_done();
}
