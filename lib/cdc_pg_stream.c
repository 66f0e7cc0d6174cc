/*
 * cdc_pg_stream.c: sync and follow. Changes are applied as pgoutput sends
 * them; whole transactions are batched into one store transaction, which
 * also records the end LSN of the last of them, and only after the store
 * commits does the server hear that they are flushed. A restart resumes
 * from the stored position, so nothing is applied twice or lost.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdc_pg_int.h"
#include "log.h"
#include "memuse.h"
#include "pgoutput.h"
#include "timefmt.h"

/*
 * A batch (one store transaction) ends at the first source commit after
 * BATCH_MS, or after as many changes as made the process's own memory
 * (mostly LMDB's dirty pages) grow by BATCH_MEM in the first batch that
 * did: bigger batches write each page of the store fewer times and sync
 * less often. (LMDB keeps the pages of a committed batch for the next
 * one, so later batches are counted, not measured; one that needs much
 * more memory all the same ends early and makes the count smaller.) The
 * store's mapped pages, which reading scattered keys makes resident, are
 * given back past MAP_MEM. Memory is looked at every MEM_EVERY changes;
 * where it cannot be (no /proc), NOPROC_BATCH changes make a batch.
 */
#define BATCH_MS 1000
#define BATCH_MEM ((size_t)20 << 20)
#define MAP_MEM ((size_t)12 << 20)
#define MEM_EVERY 64
#define NOPROC_BATCH 2000
#define STATUS_MS 10000      /* status updates at least this often */
#define RECHECK_MS 30000     /* follow: tables re-checked this often when idle */
#define CAUGHT_MS 10000      /* follow: the caught-up time committed this often when idle */

struct stream {
	struct refs *r;
	struct cdc_apply *a;
	struct pgconn *rc;
	struct cdc_pg_stats *st;
	int open;             /* a store transaction is open */
	int in_txn;           /* between Begin and Commit */
	unsigned long changes;/* in the open store transaction */
	unsigned long batch;  /* at most this many (0: no limit) */
	int full;             /* memory says: end the batch */
	unsigned since_mem;   /* changes since memory was looked at */
	size_t anon_base;     /* own memory when the stream began */
	unsigned long sized;  /* changes a batch takes (0: not known yet) */
	uint64_t pending;     /* position the open store transaction reaches */
	uint64_t stored;      /* position committed to the store */
	uint64_t confirmed;   /* position sent to the server */
	int64_t commit_time;  /* of the last applied transaction, PG microseconds */
	time_t caught;        /* every change committed before this time is in
				 the store at `pending` (0: not known) */
	time_t caught_stored; /* the caught-up time committed */
	long long caught_ms;  /* when it was last committed on its own */
	long long opened_ms, status_ms;
	struct pgo_msg m;
};

static int send_status(struct stream *s, int reply, struct s3gc_err *e)
{
	if (db_pg_send_status(s->rc, s->stored, s->stored, s->stored, reply, e) < 0)
		return -1;
	s->confirmed = s->stored;
	s->status_ms = time_mono_ms();
	return 0;
}

static int open_txn(struct stream *s, struct s3gc_err *e)
{
	if (s->open)
		return 0;
	if (refs_begin(s->r, 1, e) < 0)
		return -1;
	s->open = 1;
	s->changes = 0;
	s->pending = s->stored;
	s->opened_ms = time_mono_ms();
	return 0;
}

/* Commit the open store transaction with its position, then tell the server. */
static int meta_time(struct refs *r, const char *name, time_t t, struct s3gc_err *e)
{
	char when[RFC3339_LEN + 1];

	time_format_rfc3339(t, when);
	return refs_meta_set(r, name, when, strlen(when), e);
}

static int flush(struct stream *s, struct s3gc_err *e)
{
	char text[PG_LSN_MAX];

	if (!s->open)
		return 0;
	if (s->pending > s->stored) {
		pg_lsn_format(s->pending, text);
		if (refs_meta_set(s->r, REFS_META_POSITION, text, strlen(text), e) < 0)
			goto fail;
	}
	if (s->commit_time) {
		char when[RFC3339_LEN + 1];

		time_format_rfc3339((time_t)pg_time_to_unix(s->commit_time), when);
		if (refs_meta_set(s->r, REFS_META_CHANGED, when, strlen(when), e) < 0)
			goto fail;
		s->commit_time = 0;
	}
	if (s->caught > s->caught_stored && meta_time(s->r, REFS_META_CAUGHT_UP, s->caught, e) < 0)
		goto fail;
	s->open = 0;
	s->full = 0;
	if (refs_commit(s->r, e) < 0)
		return -1;
	s->caught_stored = s->caught;
	s->st->commits++;
	s->stored = s->pending;
	s->st->end_lsn = s->stored;
	refs_trim(s->r);
	return send_status(s, 0, e);
fail:
	refs_abort(s->r);
	s->open = 0;
	return -1;
}

/* With no store transaction open: commit a newer caught-up time alone. */
static int mark_caught(struct stream *s, struct s3gc_err *e)
{
	if (s->open || s->caught <= s->caught_stored)
		return 0;
	if (refs_begin(s->r, 1, e) < 0)
		return -1;
	if (meta_time(s->r, REFS_META_CAUGHT_UP, s->caught, e) < 0) {
		refs_abort(s->r);
		return -1;
	}
	if (refs_commit(s->r, e) < 0)
		return -1;
	s->caught_stored = s->caught;
	s->caught_ms = time_mono_ms();
	return 0;
}

/*
 * Move the position past WAL that holds none of our changes (the server's
 * keepalive says how far it has read), when no transaction is half read.
 */
static int advance(struct stream *s, uint64_t lsn, struct s3gc_err *e)
{
	if (s->in_txn || lsn <= s->stored || lsn <= s->pending)
		return 0;
	if (open_txn(s, e) < 0)
		return -1;
	s->pending = lsn;
	return 0;
}

/* Give back the store's mapped pages, and end the batch when it is big. */
static void watch_memory(struct stream *s)
{
	size_t anon, file;

	s->since_mem = 0;
	if (memuse_now(&anon, &file) < 0) {
		s->full = s->changes >= NOPROC_BATCH;
		return;
	}
	if (file > MAP_MEM)
		refs_trim(s->r);
	if (!s->sized && anon > s->anon_base + BATCH_MEM) {
		s->sized = s->changes;
		s->full = 1;
	} else if (s->sized && anon > s->anon_base + BATCH_MEM + BATCH_MEM / 2) {
		s->sized = s->sized / 4 * 3 + 1;
		s->full = 1;
	}
	if (s->sized && s->changes >= s->sized)
		s->full = 1;
}

static int on_message(struct stream *s, const char *data, size_t n,
		      struct s3gc_err *e)
{
	struct pgo_msg *m = &s->m;

	if (pgo_parse(data, n, m, e) < 0)
		return -1;
	switch (m->kind) {
	case PGO_BEGIN:
		if (open_txn(s, e) < 0)
			return -1;
		s->in_txn = 1;
		return 0;
	case PGO_COMMIT:
		s->in_txn = 0;
		if (m->end_lsn > s->pending)
			s->pending = m->end_lsn;
		s->commit_time = m->time;
		s->st->txns++;
		if (s->full || (s->batch && s->changes >= s->batch) ||
		    time_mono_ms() - s->opened_ms >= BATCH_MS)
			return flush(s, e);
		return 0;
	default:
		if (!s->in_txn || !s->open)
			return err_set(e, S3GC_E_CDC, 0,
				       "'%c' message outside a transaction (protocol "
				       "violation): restart the stream", m->kind);
		s->changes++;
		if (++s->since_mem >= MEM_EVERY)
			watch_memory(s);
		return cdc_apply_msg(s->a, s->r, m, &s->st->ch, e);
	}
}

/* Refuse to stream into a store that does not match the slot. */
static int check_store(struct refs *r, const struct cdc_pg_opts *o,
		       uint64_t *pos, struct s3gc_err *e)
{
	struct buf v = BUF_INIT;
	int found, rc = -1;

	if (refs_begin(r, 0, e) < 0)
		return -1;
	if (refs_meta_get(r, REFS_META_SNAPSHOT, &v, &found, e) < 0)
		goto out;
	if (!found) {
		err_set(e, S3GC_E_CDC, 0,
			"the reference store has no completed snapshot: run 's3gc-refs snapshot'");
		goto out;
	}
	if (refs_meta_get(r, REFS_META_SLOT, &v, &found, e) < 0)
		goto out;
	if (!found || strcmp(buf_str(&v), o->slot) != 0) {
		err_set(e, S3GC_E_CDC, 0,
			"the reference store was built from slot '%s', not '%s': use --slot %s, "
			"or run 's3gc-refs snapshot'", found ? buf_str(&v) : "(none)",
			o->slot, found ? buf_str(&v) : o->slot);
		goto out;
	}
	if (refs_meta_get(r, REFS_META_POSITION, &v, &found, e) < 0)
		goto out;
	if (!found || pg_lsn_parse(buf_str(&v), pos) < 0) {
		err_set(e, S3GC_E_CDC, 0,
			"the reference store has no valid position: run 's3gc-refs snapshot'");
		goto out;
	}
	rc = 0;
out:
	refs_abort(r);
	buf_release(&v);
	return rc;
}

/* The slot must be there, readable, free, ours, and not ahead of the store. */
static int check_slot(struct pgconn *q, const struct cdc_pg_opts *o,
		      uint64_t pos, struct s3gc_err *e)
{
	struct cdc_pg_slot s;
	char a[PG_LSN_MAX], b[PG_LSN_MAX];

	if (pgc_slot_settled(q, o->slot, &s, e) < 0)
		return -1;
	if (!s.exists)
		return err_set(e, S3GC_E_CDC, 0,
			       "replication slot '%s' does not exist (dropped?): changes since "
			       "the last sync are lost to it; run 's3gc-refs snapshot'", o->slot);
	if (strcmp(s.wal_status, "lost") == 0)
		return err_set(e, S3GC_E_CDC, 0,
			       "replication slot '%s' is lost (wal_status = lost): the server "
			       "removed WAL it had not sent; run 's3gc-refs snapshot', and sync "
			       "more often or raise max_slot_wal_keep_size", o->slot);
	if (s.active)
		return pgc_slot_in_use(o->slot, &s, e);
	if (strcmp(s.plugin, "pgoutput") != 0)
		return err_set(e, S3GC_E_CDC, 0,
			       "slot '%s' uses plugin '%s', not pgoutput: drop it or use --slot",
			       o->slot, s.plugin);
	if (s.confirmed_flush > pos) {
		pg_lsn_format(s.confirmed_flush, a);
		pg_lsn_format(pos, b);
		return err_set(e, S3GC_E_CDC, 0,
			       "slot '%s' has confirmed %s, past the store's position %s: "
			       "something else consumed it; run 's3gc-refs snapshot'",
			       o->slot, a, b);
	}
	return 0;
}

static int preflight(struct pgconn *q, const struct conf *c,
		     const struct cdc_pg_opts *o, uint64_t pos,
		     struct s3gc_err *e)
{
	struct pgc_tables ts = { NULL, 0 };
	int rc;

	rc = pgc_describe(q, c, 1, &ts, e);
	if (rc == 0)
		rc = pgc_publication(q, &ts, o->publication, 0, e);
	if (rc == 0 && pos)
		rc = check_slot(q, o, pos, e);
	pgc_tables_release(&ts);
	return rc;
}

struct loop {
	const struct conf *c;
	const struct cdc_pg_opts *o;
	struct pgconn *q;
	int follow;
	volatile sig_atomic_t *stop;
	uint64_t target;
	time_t t0;            /* just before IDENTIFY_SYSTEM */
};

static int run(struct stream *s, const struct loop *l, struct s3gc_err *e)
{
	long long checked = time_mono_ms();

	for (;;) {
		struct pgrepl_frame f;
		const char *data;
		size_t n;
		int wait, k;

		if (!l->follow && !s->in_txn && s->pending >= l->target) {
			/* Everything committed before IDENTIFY_SYSTEM is in. */
			if (l->t0 > s->caught)
				s->caught = l->t0;
			return s->open ? flush(s, e) : mark_caught(s, e);
		}
		if (l->follow && l->stop && *l->stop)
			return s->in_txn ? 0 : flush(s, e);
		wait = s->open && !s->in_txn ? 0 : l->follow ? 1000 : 200;
		k = db_pg_recv(s->rc, wait, &data, &n, e);
		if (k < 0)
			return -1;
		if (k == 0) {
			/* Nothing more for now: commit what is read, keep the server informed. */
			if (!s->in_txn && flush(s, e) < 0)
				return -1;
			if (!s->open && time_mono_ms() - s->caught_ms >= CAUGHT_MS &&
			    mark_caught(s, e) < 0)
				return -1;
			if (!s->open && time_mono_ms() - s->status_ms >= (l->follow ? STATUS_MS : 200) &&
			    send_status(s, !l->follow, e) < 0)
				return -1;
			if (l->follow && !s->open && time_mono_ms() - checked >= RECHECK_MS) {
				if (preflight(l->q, l->c, l->o, 0, e) < 0)
					return -1;
				checked = time_mono_ms();
			}
			continue;
		}
		if (pgrepl_parse(data, n, &f, e) < 0)
			return -1;
		if (f.kind == 'k') {
			if (advance(s, f.wal_end, e) < 0)
				return -1;
			/* The server has sent everything it had when it sent this. */
			if (!s->in_txn && s->pending >= f.wal_end &&
			    (time_t)pg_time_to_unix(f.send_time) > s->caught)
				s->caught = (time_t)pg_time_to_unix(f.send_time);
			if (f.reply_requested && send_status(s, 0, e) < 0)
				return -1;
			continue;
		}
		if (on_message(s, f.data, f.len, e) < 0)
			return -1;
		if (time_mono_ms() - s->status_ms >= STATUS_MS && send_status(s, 0, e) < 0)
			return -1;
	}
}

int cdc_pg_stream(const struct conf *c, const struct norm_ctx *n,
		  struct refs *r, const struct cdc_pg_opts *o, int follow,
		  volatile sig_atomic_t *stop, struct cdc_pg_stats *st,
		  struct s3gc_err *e)
{
	struct pgconn q = PGCONN_INIT, rc = PGCONN_INIT;
	struct stream s;
	struct loop l = { c, o, &q, follow, stop, 0, 0 };
	struct pg_system sys;
	uint64_t pos;
	size_t mapped;
	int ret = -1;

	memset(st, 0, sizeof *st);
	memset(&s, 0, sizeof s);
	pgo_msg_init(&s.m);
	if (check_store(r, o, &pos, e) < 0)
		return -1;
	st->start_lsn = st->end_lsn = pos;
	s.r = r;
	s.rc = &rc;
	s.st = st;
	s.batch = o->batch;
	s.stored = s.pending = s.confirmed = pos;
	if (cdc_apply_new(&s.a, c, n, e) < 0)
		goto out;
	if (pgc_connect(&q, o, e) < 0 || preflight(&q, c, o, pos, e) < 0)
		goto out;
	if (db_pg_connect(&rc, o->conninfo, 1, e) < 0)
		goto out;
	l.t0 = time(NULL);
	if (db_pg_identify(&rc, &sys, e) < 0)
		goto out;
	l.target = sys.xlogpos;
	if (!follow && pos >= l.target) {
		s.caught = l.t0;
		ret = mark_caught(&s, e);
		goto out;
	}
	if (db_pg_start_replication(&rc, o->slot, pos, o->publication, e) < 0) {
		pgc_advise(e);
		goto out;
	}
	s.status_ms = time_mono_ms();
	memuse_now(&s.anon_base, &mapped);
	ret = run(&s, &l, e);
	if (ret == 0 && send_status(&s, 0, e) < 0)
		ret = -1;
out:
	if (s.open)
		refs_abort(r);
	pgo_msg_release(&s.m);
	cdc_apply_free(s.a);
	db_pg_close(&rc);
	db_pg_close(&q);
	return ret;
}
