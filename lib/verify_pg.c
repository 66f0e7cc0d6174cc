/* verify_pg.c: candidates against the live PostgreSQL database (see verify_pg.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db_pg.h"
#include "pgcopy.h"
#include "verify_pg.h"

struct scan {
	const struct conf_table *t;
	const struct norm_ctx *nc;
	struct keyset *cands;
	struct verify_stats *st;
	struct buf arena, key;
	struct norm_list list;
	size_t *off, *len;
	const char **f;
};

/* One value v[0..n) of a column of kind: mark the candidates it names. */
static int value(struct scan *s, enum conf_colkind kind, const char *v, size_t n,
		 struct s3gc_err *e)
{
	size_t cnt = 1;

	if (kind != CONF_COL_TEXT) {
		struct s3gc_err pe;
		int rc;

		norm_list_reset(&s->list);
		rc = kind == CONF_COL_ARRAY ? norm_pg_array(v, n, &s->list, &pe)
					    : norm_json_array(v, n, &s->list, &pe);
		if (rc < 0) {
			if (pe.cls != S3GC_E_DATA) {
				*e = pe;
				return -1;
			}
			s->st->unknown++;
			return 0;
		}
		cnt = s->list.n;
	}
	for (size_t i = 0; i < cnt; i++) {
		const char *x = v;
		size_t xn = n;
		enum norm_result res;
		long k;

		if (kind != CONF_COL_TEXT)
			x = norm_list_at(&s->list, i, &xn);
		if (norm_value(s->nc, x, xn, &s->key, &res, e) < 0)
			return -1;
		if (res == NORM_UNKNOWN)
			s->st->unknown++;
		if (res != NORM_KEY || (k = keyset_find(s->cands, s->key.data, s->key.len)) < 0)
			continue;
		if (!s->cands->mark[k]) {
			s->cands->mark[k] = 1;
			s->st->marked++;
		}
	}
	return 0;
}

static int on_row(void *arg, const char *line, size_t n, struct s3gc_err *e)
{
	struct scan *s = arg;

	if (pgcopy_split(line, n, s->t->ncols, &s->arena, s->off, s->f, s->len, e) < 0)
		return -1;
	s->st->rows++;
	for (size_t j = 0; j < s->t->ncols; j++) {
		if (!s->f[j])
			continue;
		s->st->values++;
		if (value(s, s->t->cols[j].kind, s->f[j], s->len[j], e) < 0)
			return -1;
	}
	return 0;
}

/* COPY (SELECT c1, c2 FROM t WHERE c1 IS NOT NULL OR ...) TO STDOUT */
static int copy_sql(struct pgconn *q, const struct conf_table *t, struct buf *sql,
		    struct s3gc_err *e)
{
	buf_reset(sql);
	if (buf_adds(sql, "COPY (SELECT ", e) < 0)
		return -1;
	for (size_t j = 0; j < t->ncols; j++)
		if ((j && buf_adds(sql, ", ", e) < 0) ||
		    db_pg_quote_name(q, t->cols[j].name, sql, e) < 0)
			return -1;
	if (buf_adds(sql, " FROM ", e) < 0 || db_pg_quote_ident(q, t->name, sql, e) < 0 ||
	    buf_adds(sql, " WHERE ", e) < 0)
		return -1;
	for (size_t j = 0; j < t->ncols; j++)
		if ((j && buf_adds(sql, " OR ", e) < 0) ||
		    db_pg_quote_name(q, t->cols[j].name, sql, e) < 0 ||
		    buf_adds(sql, " IS NOT NULL", e) < 0)
			return -1;
	return buf_adds(sql, ") TO STDOUT", e);
}

int verify_pg(const struct conf *c, const struct norm_ctx *nc, struct keyset *cands,
	      struct verify_stats *st, struct s3gc_err *e)
{
	struct pgconn q = PGCONN_INIT;
	struct buf sql = BUF_INIT;
	struct scan s;
	size_t most = 1;
	int rc = -1;

	memset(&s, 0, sizeof s);
	s.nc = nc;
	s.cands = cands;
	s.st = st;
	buf_init(&s.arena, 0);
	buf_init(&s.key, 0);
	norm_list_init(&s.list);
	for (size_t i = 0; i < c->ntables; i++)
		if (c->tables[i].ncols > most)
			most = c->tables[i].ncols;
	if (!(s.off = calloc(most, sizeof(*s.off))) || !(s.len = calloc(most, sizeof(*s.len))) ||
	    !(s.f = calloc(most, sizeof(*s.f)))) {
		err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		goto out;
	}
	if (db_pg_connect(&q, c->cdc_url, 0, e) < 0)
		goto out;
	/* One view of every table, taken now: after the listing. */
	if (db_pg_command(&q, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, e) < 0)
		goto out;
	for (size_t i = 0; i < c->ntables; i++) {
		s.t = &c->tables[i];
		if (copy_sql(&q, s.t, &sql, e) < 0 ||
		    db_pg_copy_out(&q, buf_str(&sql), on_row, &s, e) < 0) {
			err_prefix(e, "verifying against %s", s.t->name);
			goto out;
		}
	}
	if (db_pg_command(&q, "COMMIT", 0, NULL, e) < 0)
		goto out;
	rc = 0;
out:
	db_pg_close(&q);
	buf_release(&sql);
	buf_release(&s.arena);
	buf_release(&s.key);
	norm_list_release(&s.list);
	free(s.off);
	free(s.len);
	free(s.f);
	return rc;
}
