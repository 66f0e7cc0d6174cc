/*
 * cdc_pg_snap.c: the snapshot. The slot is created with an exported
 * snapshot, every configured table is read with COPY inside it, and the
 * rows go to the store in batches; the position and the snapshot time are
 * written last.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdc_pg_int.h"
#include "log.h"
#include "pgcopy.h"
#include "pgoutput.h"
#include "timefmt.h"

#define SNAP_BATCH 100000       /* records per store transaction */
#define SNAP_SORT_MEM (32 << 20) /* memory for sorting the rows */

struct snap {
	struct cdc_apply *a;
	struct refs *r;
	const struct pgc_table *t;
	size_t nf;          /* fields per row: identity columns, then watched ones */
	struct buf arena;   /* the row's decoded values */
	size_t *off, *len;
	const char **f;
	unsigned long batch;
	struct cdc_pg_stats *st;
};

static int nomem(struct s3gc_err *e)
{
	return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
}

static int on_row(void *arg, const char *line, size_t n, struct s3gc_err *e)
{
	struct snap *s = arg;
	size_t nk = s->t->nkey;

	if (pgcopy_split(line, n, s->nf, &s->arena, s->off, s->f, s->len, e) < 0)
		return -1;
	if (cdc_apply_row(s->a, s->r, s->t->qname, s->f, s->len, nk, s->f + nk,
			  s->len + nk, &s->st->ch, e) < 0)
		return -1;
	s->st->rows++;
	return 0;
}

static int copy_sql(struct pgconn *q, const struct pgc_table *t,
		    struct buf *sql, struct s3gc_err *e)
{
	buf_reset(sql);
	if (buf_adds(sql, "COPY (SELECT ", e) < 0)
		return -1;
	for (size_t k = 0; k < t->nkey; k++)
		if ((k && buf_adds(sql, ", ", e) < 0) ||
		    db_pg_quote_name(q, t->keycols[k], sql, e) < 0)
			return -1;
	for (size_t j = 0; j < t->ct->ncols; j++)
		if (buf_adds(sql, ", ", e) < 0 ||
		    db_pg_quote_name(q, t->ct->cols[j].name, sql, e) < 0)
			return -1;
	if (buf_adds(sql, t->relkind == 'r' ? " FROM ONLY " : " FROM ", e) < 0 ||
	    db_pg_quote_ident(q, t->qname, sql, e) < 0 ||
	    buf_adds(sql, ") TO STDOUT", e) < 0)
		return -1;
	return 0;
}

static int copy_table(struct pgconn *q, struct snap *s, struct buf *sql,
		      struct s3gc_err *e)
{
	unsigned long long before = s->st->rows;
	size_t nf = s->t->nkey + s->t->ct->ncols;

	s->nf = nf;
	free(s->off);
	free(s->len);
	free(s->f);
	s->off = calloc(nf, sizeof(*s->off));
	s->len = calloc(nf, sizeof(*s->len));
	s->f = calloc(nf, sizeof(*s->f));
	if (!s->off || !s->len || !s->f)
		return nomem(e);
	if (copy_sql(q, s->t, sql, e) < 0 ||
	    db_pg_copy_out(q, buf_str(sql), on_row, s, e) < 0)
		return err_prefix(e, "snapshot of '%s'", s->t->qname);
	log_msg(LOG_INFO, "%s: %llu rows", s->t->qname, s->st->rows - before);
	return 0;
}

static int meta_str(struct refs *r, const char *name, const char *v,
		    struct s3gc_err *e)
{
	return refs_meta_set(r, name, v, strlen(v), e);
}

/* The slot: an inactive one of the same name goes; an active one stops us. */
static int make_slot(struct pgconn *q, struct pgconn *rc,
		     const struct cdc_pg_opts *o, uint64_t *lsn,
		     struct buf *snapname, struct s3gc_err *e)
{
	struct cdc_pg_slot s;

	if (pgc_slot_settled(q, o->slot, &s, e) < 0)
		return -1;
	if (s.exists && s.active)
		return pgc_slot_in_use(o->slot, &s, e);
	if (db_pg_connect(rc, o->conninfo, 1, e) < 0)
		return -1;
	if (s.exists) {
		log_msg(LOG_INFO, "dropping the old slot '%s'", o->slot);
		if (db_pg_drop_slot(rc, o->slot, e) < 0)
			return pgc_advise(e);
	}
	if (db_pg_create_slot(rc, o->slot, 1, lsn, snapname, e) < 0)
		return pgc_advise(e);
	return 0;
}

/* The position, the completion time, and caught_up: every change committed
 * before the slot was made (t0) is in the snapshot. */
static int finish(struct refs *r, uint64_t lsn, time_t t0, struct s3gc_err *e)
{
	char text[PG_LSN_MAX], when[RFC3339_LEN + 1], caught[RFC3339_LEN + 1];

	pg_lsn_format(lsn, text);
	time_format_rfc3339(time(NULL), when);
	time_format_rfc3339(t0, caught);
	if (meta_str(r, REFS_META_POSITION, text, e) < 0 ||
	    meta_str(r, REFS_META_SNAPSHOT, when, e) < 0 ||
	    meta_str(r, REFS_META_CAUGHT_UP, caught, e) < 0)
		return -1;
	return refs_commit(r, e);
}

int cdc_pg_snapshot(const struct conf *c, const struct norm_ctx *n,
		    struct refs *r, const struct cdc_pg_opts *o,
		    struct cdc_pg_stats *st, struct s3gc_err *e)
{
	struct pgconn q = PGCONN_INIT, rc = PGCONN_INIT;
	struct pgc_tables ts = { NULL, 0 };
	struct buf snapname = BUF_INIT, sql = BUF_INIT;
	struct snap s;
	uint64_t lsn = 0;
	time_t t0;
	int slot_made = 0, ret = -1;

	memset(st, 0, sizeof *st);
	memset(&s, 0, sizeof s);
	buf_init(&s.arena, 0);
	s.r = r;
	s.st = st;
	s.batch = o->batch ? o->batch : SNAP_BATCH;
	if (cdc_apply_new(&s.a, c, n, e) < 0)
		return -1;
	if (pgc_connect(&q, o, e) < 0 || pgc_describe(&q, c, 0, &ts, e) < 0 ||
	    pgc_publication(&q, &ts, o->publication, 1, e) < 0)
		goto out;
	t0 = time(NULL);
	if (make_slot(&q, &rc, o, &lsn, &snapname, e) < 0)
		goto out;
	slot_made = 1;
	st->start_lsn = st->end_lsn = lsn;
	if (db_pg_begin_snapshot(&q, buf_str(&snapname), e) < 0)
		goto out;
	if (refs_rebuild_begin(r, CDC_LOAD_TABLE, e) < 0)
		goto out;
	if (meta_str(r, REFS_META_SLOT, o->slot, e) < 0 ||
	    refs_bulk_begin(r, SNAP_SORT_MEM, s.batch, e) < 0)
		goto abort;
	for (size_t i = 0; i < ts.n; i++) {
		s.t = &ts.t[i];
		if (copy_table(&q, &s, &sql, e) < 0)
			goto abort;
	}
	/* The rows are read: the exported snapshot is not needed any more. */
	if (db_pg_command(&q, "COMMIT", 0, NULL, e) < 0 ||
	    refs_bulk_end(r, e) < 0)
		goto abort;
	if (finish(r, lsn, t0, e) < 0 || refs_rebuild_commit(r, e) < 0)
		goto abort;
	slot_made = 0;
	ret = 0;
	goto out;
abort:
	refs_bulk_abort(r);
	refs_abort(r);
	refs_rebuild_abort(r);
out:
	if (ret < 0 && slot_made && rc.conn) {
		struct s3gc_err ignored;

		/* A slot nobody reads holds WAL back: do not leave it behind. */
		db_pg_drop_slot(&rc, o->slot, &ignored);
	}
	buf_release(&snapname);
	buf_release(&sql);
	buf_release(&s.arena);
	free(s.off);
	free(s.len);
	free(s.f);
	pgc_tables_release(&ts);
	cdc_apply_free(s.a);
	db_pg_close(&q);
	db_pg_close(&rc);
	return ret;
}
