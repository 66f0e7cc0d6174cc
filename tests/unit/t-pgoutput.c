/* t-pgoutput: pgoutput messages and replication frames, built by hand. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "pgoutput.h"
#include "tap.h"
#include "testutil.h"

/* A message builder: big-endian integers and NUL-terminated strings. */
static struct buf b;

/* The message being built; be() and str() append to it. */
#define be(v, k) tu_be(&b, (uint64_t)(v), (k))
#define str(s) tu_str(&b, (s))

static void text(const char *s)
{
	struct s3gc_err e;

	be('t', 1);
	be(strlen(s), 4);
	buf_add(&b, s, strlen(s), &e);
}

static int parse(struct pgo_msg *m, struct s3gc_err *e)
{
	return pgo_parse(b.data, b.len, m, e);
}

/* Every proper prefix of the current message must be refused. */
static void cuts(struct pgo_msg *m, const char *what)
{
	struct s3gc_err e;
	size_t bad = 0;

	for (size_t n = 0; n < b.len; n++)
		if (pgo_parse(b.data, n, m, &e) == 0)
			bad++;
	tap_ok(bad == 0, "%s: every cut-short form is refused (%zu accepted)", what, bad);
	buf_reset(&b);
}

static void relation(struct pgo_msg *m)
{
	struct s3gc_err e;

	be('R', 1); be(16384, 4); str("public"); str("users"); be('d', 1); be(2, 2);
	be(1, 1); str("id"); be(23, 4); be(0xffffffff, 4);
	be(0, 1); str("avatar_url"); be(25, 4); be(0xffffffff, 4);
	tap_ok(parse(m, &e) == 0, "relation parses");
	tap_ok(m->relid == 16384 && !strcmp(m->nspname, "public") && !strcmp(m->relname, "users") &&
	       m->replident == 'd' && m->ncols == 2, "relation header");
	tap_ok(m->cols[0].key && !strcmp(m->cols[0].name, "id") && m->cols[0].type == 23 &&
	       m->cols[0].typmod == -1 && !m->cols[1].key && !strcmp(m->cols[1].name, "avatar_url"),
	       "relation columns, key flag and typmod");
	cuts(m, "relation");
}

static void changes(struct pgo_msg *m)
{
	struct s3gc_err e;

	be('I', 1); be(16384, 4); be('N', 1); be(3, 2); text("42"); text("a\tb/c.jpg"); be('n', 1);
	tap_ok(parse(m, &e) == 0 && m->kind == 'I' && m->new.n == 3, "insert parses");
	tap_ok(m->new.d[1].kind == 't' && m->new.d[1].len == 9 && !memcmp(m->new.d[1].p, "a\tb/c.jpg", 9) &&
	       m->new.d[2].kind == 'n', "insert values, text and NULL");
	cuts(m, "insert");

	be('U', 1); be(16384, 4); be('N', 1); be(2, 2); text("42"); be('u', 1);
	tap_ok(parse(m, &e) == 0 && m->old_kind == 0 && m->new.d[1].kind == 'u',
	       "update without old row; unchanged TOAST value");
	cuts(m, "update");

	be('U', 1); be(16384, 4); be('K', 1); be(2, 2); text("41"); be('n', 1); be('N', 1); be(2, 2);
	text("42"); text("x");
	tap_ok(parse(m, &e) == 0 && m->old_kind == 'K' && m->old.n == 2 && m->new.n == 2 &&
	       !memcmp(m->old.d[0].p, "41", 2), "update of the key: old key and new row");
	cuts(m, "update with key");

	be('D', 1); be(16384, 4); be('K', 1); be(2, 2); text("42"); be('n', 1);
	tap_ok(parse(m, &e) == 0 && m->kind == 'D' && m->old_kind == 'K', "delete with the key only");
	cuts(m, "delete");

	be('D', 1); be(16384, 4); be('O', 1); be(2, 2); text("42"); text("old.jpg");
	tap_ok(parse(m, &e) == 0 && m->old_kind == 'O' && m->old.d[1].len == 7,
	       "delete with the whole old row (REPLICA IDENTITY FULL)");
	buf_reset(&b);

	be('D', 1); be(16384, 4); be('N', 1); be(0, 2);
	tap_ok(parse(m, &e) < 0 && e.cls == S3GC_E_CDC, "delete with a new row is refused");
	buf_reset(&b);

	be('T', 1); be(2, 4); be(1, 1); be(16384, 4); be(16390, 4);
	tap_ok(parse(m, &e) == 0 && m->ntrunc == 2 && m->trunc[1] == 16390 && m->flags == 1,
	       "truncate of two relations, cascade");
	cuts(m, "truncate");

	be('T', 1); be(0x7fffffff, 4); be(0, 1); be(1, 4);
	tap_ok(parse(m, &e) < 0, "truncate claiming more relations than bytes is refused");
	buf_reset(&b);
}

static void transaction(struct pgo_msg *m)
{
	struct s3gc_err e;

	be('B', 1); be(0x16B374D848ULL, 8); be(12345678, 8); be(777, 4);
	tap_ok(parse(m, &e) == 0 && m->lsn == 0x16B374D848ULL && m->time == 12345678 && m->xid == 777,
	       "begin");
	cuts(m, "begin");
	be('C', 1); be(0, 1); be(0x100, 8); be(0x180, 8); be(99, 8);
	tap_ok(parse(m, &e) == 0 && m->lsn == 0x100 && m->end_lsn == 0x180 && m->time == 99, "commit");
	cuts(m, "commit");
	be('Y', 1); be(600, 4); str("public"); str("mytype");
	tap_ok(parse(m, &e) == 0 && m->relid == 600 && !strcmp(m->relname, "mytype"), "type");
	cuts(m, "type");
	be('O', 1); be(5, 8); str("origin1");
	tap_ok(parse(m, &e) == 0 && !strcmp(m->relname, "origin1"), "origin");
	cuts(m, "origin");
	be('M', 1); be(1, 1); be(7, 8); str("pfx"); be(3, 4); buf_add(&b, "abc", 3, &e);
	tap_ok(parse(m, &e) == 0 && m->content_len == 3 && !memcmp(m->content, "abc", 3), "message");
	cuts(m, "message");
	be('Z', 1);
	tap_ok(parse(m, &e) < 0 && strstr(e.msg, "unknown"), "an unknown kind is refused ('%s')", e.msg);
	buf_reset(&b);
	be('C', 1); be(0, 1); be(1, 8); be(2, 8); be(3, 8); be(0, 1);
	tap_ok(parse(m, &e) < 0 && strstr(e.msg, "left over"), "trailing bytes are refused");
	buf_reset(&b);
	be('I', 1); be(1, 4); be('N', 1); be(1, 2); be('x', 1);
	tap_ok(parse(m, &e) < 0 && strstr(e.msg, "column kind"), "an unknown column kind is refused");
	buf_reset(&b);
}

static void frames(void)
{
	struct pgrepl_frame f;
	struct s3gc_err e;
	char st[PGREPL_STATUS_LEN];
	char lsn[PG_LSN_MAX];
	uint64_t v;

	be('w', 1); be(0x10, 8); be(0x20, 8); be(30, 8); be('B', 1);
	tap_ok(pgrepl_parse(b.data, b.len, &f, &e) == 0 && f.kind == 'w' && f.wal_start == 0x10 &&
	       f.wal_end == 0x20 && f.send_time == 30 && f.len == 1 && f.data[0] == 'B', "XLogData frame");
	tap_ok(pgrepl_parse(b.data, 20, &f, &e) < 0, "a cut XLogData header is refused");
	buf_reset(&b);
	be('k', 1); be(0x99, 8); be(5, 8); be(1, 1);
	tap_ok(pgrepl_parse(b.data, b.len, &f, &e) == 0 && f.kind == 'k' && f.wal_end == 0x99 &&
	       f.reply_requested, "keepalive asking for a reply");
	buf_reset(&b);
	tap_ok(pgrepl_parse("x", 1, &f, &e) < 0, "an unknown frame is refused");

	pgrepl_status(st, 1, 2, 3, 4, 1);
	tap_ok(st[0] == 'r' && st[8] == 1 && st[16] == 2 && st[24] == 3 && st[32] == 4 && st[33] == 1,
	       "standby status update layout");

	tap_ok(pg_lsn_parse("16/B374D848", &v) == 0 && v == 0x16B374D848ULL, "LSN parses");
	pg_lsn_format(v, lsn);
	tap_is_str(lsn, "16/B374D848", "LSN formats back");
	tap_ok(pg_lsn_parse("0/0", &v) == 0 && v == 0, "0/0");
	tap_ok(pg_lsn_parse("16B374D848", &v) < 0 && pg_lsn_parse("/1", &v) < 0 &&
	       pg_lsn_parse("1/", &v) < 0 && pg_lsn_parse("123456789/0", &v) < 0 &&
	       pg_lsn_parse("1/G", &v) < 0, "malformed LSNs are refused");
	tap_ok(pg_time_from_unix((double)PG_EPOCH_UNIX + 1.5) == 1500000 &&
	       pg_time_to_unix(0) == (double)PG_EPOCH_UNIX, "PostgreSQL epoch");
}

int main(void)
{
	struct pgo_msg m;

	buf_init(&b, 0);
	pgo_msg_init(&m);
	relation(&m);
	changes(&m);
	transaction(&m);
	frames();
	pgo_msg_release(&m);
	buf_release(&b);
	return tap_done();
}
