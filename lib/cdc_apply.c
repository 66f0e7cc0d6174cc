/* cdc_apply.c: pgoutput changes and snapshot rows to the reference store. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cdc_apply.h"
#include "log.h"

/* One described relation. table < 0: not configured, ignored. */
struct rel {
	uint32_t relid;
	long table;
	size_t *colidx; /* per configured column: index in the relation */
	size_t *keyidx; /* the key columns' indexes */
	size_t nkey;
	size_t ncols;   /* the relation's column count */
};

struct cdc_apply {
	const struct conf *c;
	const struct norm_ctx *n;
	char **qname; /* per configured table: "schema.table" */
	struct rel *rels;
	size_t nrels, cap;
	struct buf pk, oldpk, val, mv, key;
	struct norm_list list;
};

static int nomem(struct s3gc_err *e)
{
	return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
}

int cdc_apply_new(struct cdc_apply **out, const struct conf *c,
		  const struct norm_ctx *n, struct s3gc_err *e)
{
	struct cdc_apply *a;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return nomem(e);
	a->c = c;
	a->n = n;
	buf_init(&a->pk, 0);
	buf_init(&a->oldpk, 0);
	buf_init(&a->val, 0);
	buf_init(&a->key, 0);
	buf_init(&a->mv, 0);
	norm_list_init(&a->list);
	if (c->ntables) {
		a->qname = calloc(c->ntables, sizeof(*a->qname));
		if (!a->qname)
			goto fail;
	}
	for (size_t i = 0; i < c->ntables; i++) {
		const char *t = c->tables[i].name;
		size_t len = strlen(t) + (strchr(t, '.') ? 1 : 8);

		a->qname[i] = malloc(len);
		if (!a->qname[i])
			goto fail;
		if (strchr(t, '.'))
			memcpy(a->qname[i], t, len);
		else
			snprintf(a->qname[i], len, "public.%s", t);
	}
	*out = a;
	return 0;
fail:
	cdc_apply_free(a);
	return nomem(e);
}

static void rel_release(struct rel *r)
{
	free(r->colidx);
	free(r->keyidx);
	memset(r, 0, sizeof(*r));
}

void cdc_apply_free(struct cdc_apply *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nrels; i++)
		rel_release(&a->rels[i]);
	free(a->rels);
	if (a->qname)
		for (size_t i = 0; i < a->c->ntables; i++)
			free(a->qname[i]);
	free(a->qname);
	buf_release(&a->pk);
	buf_release(&a->oldpk);
	buf_release(&a->val);
	buf_release(&a->key);
	buf_release(&a->mv);
	norm_list_release(&a->list);
	free(a);
}

/* The configured table named "nsp.rel", or -1. */
static long find_table(const struct cdc_apply *a, const char *nsp,
		       const char *rel)
{
	size_t nl = strlen(nsp);

	for (size_t i = 0; i < a->c->ntables; i++) {
		const char *q = a->qname[i];

		if (!strncmp(q, nsp, nl) && q[nl] == '.' && !strcmp(q + nl + 1, rel))
			return (long)i;
	}
	return -1;
}

static struct rel *find_rel(struct cdc_apply *a, uint32_t relid)
{
	for (size_t i = 0; i < a->nrels; i++)
		if (a->rels[i].relid == relid)
			return &a->rels[i];
	return NULL;
}

static int on_relation(struct cdc_apply *a, const struct pgo_msg *m,
		       struct s3gc_err *e)
{
	struct rel nr = { m->relid, -1, NULL, NULL, 0, m->ncols }, *slot;
	long t = find_table(a, m->nspname ? m->nspname : "",
			    m->relname ? m->relname : "");

	if (t >= 0) {
		const struct conf_table *ct = &a->c->tables[t];

		nr.table = t;
		nr.colidx = calloc(ct->ncols ? ct->ncols : 1, sizeof(size_t));
		nr.keyidx = calloc(m->ncols ? m->ncols : 1, sizeof(size_t));
		if (!nr.colidx || !nr.keyidx) {
			rel_release(&nr);
			return nomem(e);
		}
		for (size_t j = 0; j < ct->ncols; j++) {
			size_t k;

			for (k = 0; k < m->ncols; k++)
				if (!strcmp(m->cols[k].name, ct->cols[j].name))
					break;
			if (k == m->ncols) {
				err_set(e, S3GC_E_CDC, 0,
					"watched column '%s' of '%s' is gone (dropped or renamed); "
					"update [tables] in s3gc.conf and run 's3gc-refs snapshot'",
					ct->cols[j].name, a->qname[t]);
				rel_release(&nr);
				return -1;
			}
			nr.colidx[j] = k;
		}
		for (size_t k = 0; k < m->ncols; k++)
			if (m->cols[k].key)
				nr.keyidx[nr.nkey++] = k;
		if (nr.nkey == 0) {
			if (m->replident != 'f') {
				err_set(e, S3GC_E_CDC, 0,
					"table '%s' has no primary key: add one or set REPLICA IDENTITY FULL",
					a->qname[t]);
				rel_release(&nr);
				return -1;
			}
			for (size_t k = 0; k < m->ncols; k++)
				nr.keyidx[nr.nkey++] = k;
		}
	}
	slot = find_rel(a, m->relid);
	if (!slot) {
		if (a->nrels == a->cap) {
			size_t nc = a->cap ? 2 * a->cap : 8;
			struct rel *p = realloc(a->rels, nc * sizeof(*p));

			if (!p) {
				rel_release(&nr);
				return nomem(e);
			}
			a->rels = p;
			a->cap = nc;
		}
		slot = &a->rels[a->nrels++];
	} else {
		rel_release(slot);
	}
	*slot = nr;
	return 0;
}

/*
 * Add delta to the count of every key value v[0..n) of column j of table t
 * holds. On the adding side, count and warn about unknown and foreign values.
 */
static int apply_value(struct cdc_apply *a, struct refs *r, long t, size_t j,
		       const char *v, size_t n, long long delta,
		       struct cdc_stats *st, struct s3gc_err *e)
{
	const struct conf_column *col = &a->c->tables[t].cols[j];
	struct s3gc_err pe;
	size_t cnt;
	int rc;

	norm_list_reset(&a->list);
	if (col->kind == CONF_COL_TEXT) {
		cnt = 1;
	} else {
		rc = col->kind == CONF_COL_ARRAY ? norm_pg_array(v, n, &a->list, &pe)
						 : norm_json_array(v, n, &a->list, &pe);
		if (rc < 0) {
			if (pe.cls != S3GC_E_DATA) {
				*e = pe;
				return -1;
			}
			if (delta > 0) {
				st->unknown++;
				log_msg(LOG_WARN,
					"%s.%s: value is not a valid %s (%s): an object it may point at will not be protected",
					a->qname[t], col->name,
					col->kind == CONF_COL_ARRAY ? "array" : "JSON list", pe.msg);
			}
			return 0;
		}
		cnt = a->list.n;
	}
	for (size_t i = 0; i < cnt; i++) {
		const char *x = v;
		size_t xn = n;
		enum norm_result res;

		if (col->kind != CONF_COL_TEXT)
			x = norm_list_at(&a->list, i, &xn);
		if (norm_value(a->n, x, xn, &a->key, &res, e) < 0)
			return -1;
		if (res == NORM_KEY) {
			if (refs_incr(r, a->key.data, a->key.len, delta, NULL, e) < 0)
				return err_prefix(e, "%s.%s", a->qname[t], col->name);
			if (delta > 0)
				st->keys_added++;
			else
				st->keys_removed++;
		} else if (res == NORM_UNKNOWN && delta > 0) {
			st->unknown++;
			log_msg(LOG_WARN,
				"%s.%s: value '%.*s' cannot be read as a key of our bucket: an object it may point at will not be protected",
				a->qname[t], col->name, (int)(xn > 200 ? 200 : xn), x);
		} else if (res == NORM_FOREIGN && delta > 0) {
			st->foreign++;
		}
	}
	return 0;
}

/*
 * A canonical decimal integer that fits 64 bits ("0", "42", "-7"; no sign
 * on zero, no '+', no leading zeros), as 64 bits that sort as the number
 * does when compared as big-endian bytes (two's complement, sign flipped).
 */
static int pk_int(const char *v, size_t n, uint64_t *out)
{
	size_t i = n && v[0] == '-';
	uint64_t m = 0;

	if (i == n || n - i > 19 || (v[i] == '0' && (n - i > 1 || i)))
		return 0;
	for (size_t j = i; j < n; j++) {
		if (v[j] < '0' || v[j] > '9')
			return 0;
		m = m * 10 + (uint64_t)(v[j] - '0'); /* 19 digits fit */
	}
	if (m > (uint64_t)INT64_MAX + i)
		return 0;
	*out = (i ? (uint64_t)0 - m : m) ^ ((uint64_t)1 << 63);
	return 1;
}

/*
 * One primary-key value, appended as the row map keys it (refs_row_put):
 * NULL as 0x00; an integer (pk_int) as 0x01 + 8 bytes big-endian; any
 * other text as 0x02 + its bytes (0x00 as 0x00 0xff) + 0x00 0x00. No
 * encoding is a prefix of another, so a key of several columns is their
 * concatenation; and the bytes sort as the values do (integers by number),
 * so a table read in primary-key order gives rows in the row map's order.
 */
static int pk_add(struct buf *b, const char *v, size_t n, struct s3gc_err *e)
{
	unsigned char x[9];
	uint64_t u;

	if (!v)
		return buf_addc(b, 0, e);
	if (pk_int(v, n, &u)) {
		x[0] = 1;
		for (int i = 8; i > 0; i--, u >>= 8)
			x[i] = (unsigned char)(u & 0xff);
		return buf_add(b, x, 9, e);
	}
	if (buf_addc(b, 2, e) < 0)
		return -1;
	for (const char *nul; n; n -= (size_t)(nul - v) + 1, v = nul + 1) {
		nul = memchr(v, 0, n);
		if (!nul)
			return buf_add(b, v, n, e) < 0 ? -1 : buf_add(b, "\0\0", 2, e);
		if (buf_add(b, v, (size_t)(nul - v), e) < 0 ||
		    buf_add(b, "\0\xff", 2, e) < 0)
			return -1;
	}
	return buf_add(b, "\0\0", 2, e);
}

static int tuple_pk(struct cdc_apply *a, const struct rel *rl,
		    const struct pgo_tuple *tp, const struct pgo_tuple *fallback,
		    struct buf *out, struct s3gc_err *e)
{
	buf_reset(out);
	for (size_t i = 0; i < rl->nkey; i++) {
		const struct pgo_datum *d = &tp->d[rl->keyidx[i]];

		if (d->kind == 'u' && fallback && rl->keyidx[i] < fallback->n)
			d = &fallback->d[rl->keyidx[i]];
		if (d->kind == 'u')
			return err_set(e, S3GC_E_CDC, 0,
				       "key column '%zu' of '%s' sent as an unchanged TOAST value: "
				       "cannot tell the row; run 's3gc-refs snapshot'",
				       rl->keyidx[i] + 1, a->qname[rl->table]);
		if (pk_add(out, d->kind == 't' ? d->p : NULL, d->len, e) < 0)
			return -1;
	}
	/* A row map key needs at least one byte: no key columns is one NULL. */
	if (out->len == 0 && buf_addc(out, 0, e) < 0)
		return -1;
	return 0;
}

/* Store or remove the cell, adjusting counts for any value it held before. */
static int cell_set(struct cdc_apply *a, struct refs *r, long t, size_t j,
		    const char *pk, size_t pklen, const char *v, size_t n,
		    struct cdc_stats *st, struct s3gc_err *e)
{
	const char *col = a->c->tables[t].cols[j].name;
	int had = 0;

	if (v && n) {
		if (apply_value(a, r, t, j, v, n, +1, st, e) < 0)
			return -1;
		if (refs_row_put(r, a->qname[t], col, pk, pklen, v, n, &a->val,
				 &had, e) < 0)
			return -1;
	} else if (refs_row_del(r, a->qname[t], col, pk, pklen, &a->val, &had,
				e) < 0) {
		return -1;
	}
	if (had && apply_value(a, r, t, j, a->val.data, a->val.len, -1, st, e) < 0)
		return -1;
	return 0;
}

/* Look up a relation a change refers to: NULL with *ignore, or an error. */
static int change_rel(struct cdc_apply *a, const struct pgo_msg *m,
		      struct rel **out, struct s3gc_err *e)
{
	struct rel *rl = find_rel(a, m->relid);

	*out = NULL;
	if (!rl)
		return err_set(e, S3GC_E_CDC, 0,
			       "'%c' change for relation %u, which was never described "
			       "(protocol violation): restart the stream; if this repeats, "
			       "run 's3gc-refs snapshot'", m->kind, (unsigned)m->relid);
	if (rl->table < 0)
		return 0;
	if ((m->kind != 'D' && m->new.n != rl->ncols) ||
	    ((m->old_kind == 'K' || m->old_kind == 'O') && m->old.n != rl->ncols))
		return err_set(e, S3GC_E_CDC, 0,
			       "'%c' change for '%s' has a tuple of other than %zu columns "
			       "(protocol violation): restart the stream; if this repeats, "
			       "run 's3gc-refs snapshot'", m->kind, a->qname[rl->table],
			       rl->ncols);
	*out = rl;
	return 0;
}

static int on_insert(struct cdc_apply *a, struct refs *r, const struct rel *rl,
		     const struct pgo_msg *m, struct cdc_stats *st,
		     struct s3gc_err *e)
{
	const struct conf_table *ct = &a->c->tables[rl->table];

	if (tuple_pk(a, rl, &m->new, NULL, &a->pk, e) < 0)
		return -1;
	for (size_t j = 0; j < ct->ncols; j++) {
		const struct pgo_datum *d = &m->new.d[rl->colidx[j]];

		if (d->kind != 't')
			continue;
		if (cell_set(a, r, rl->table, j, a->pk.data, a->pk.len, d->p,
			     d->len, st, e) < 0)
			return -1;
	}
	st->inserts++;
	return 0;
}

static int on_update(struct cdc_apply *a, struct refs *r, const struct rel *rl,
		     const struct pgo_msg *m, struct cdc_stats *st,
		     struct s3gc_err *e)
{
	const struct conf_table *ct = &a->c->tables[rl->table];
	const char *tn = a->qname[rl->table];
	int haveold = m->old_kind == 'K' || m->old_kind == 'O', moved;

	if (tuple_pk(a, rl, &m->new, haveold ? &m->old : NULL, &a->pk, e) < 0)
		return -1;
	if (haveold) {
		if (tuple_pk(a, rl, &m->old, NULL, &a->oldpk, e) < 0)
			return -1;
	} else {
		buf_reset(&a->oldpk);
		if (buf_add(&a->oldpk, a->pk.data, a->pk.len, e) < 0)
			return -1;
	}
	moved = a->pk.len != a->oldpk.len || memcmp(a->pk.data, a->oldpk.data, a->pk.len);
	for (size_t j = 0; j < ct->ncols; j++) {
		size_t ci = rl->colidx[j];
		const struct pgo_datum *nd = &m->new.d[ci];
		const char *col = ct->cols[j].name;
		int had = 0;

		if (nd->kind == 'u') {
			/* Unchanged: the cell only follows the row to its new key. */
			if (!moved)
				continue;
			if (refs_row_del(r, tn, col, a->oldpk.data, a->oldpk.len,
					 &a->mv, &had, e) < 0)
				return -1;
			if (!had)
				continue;
			if (refs_row_put(r, tn, col, a->pk.data, a->pk.len, a->mv.data,
					 a->mv.len, &a->val, &had, e) < 0)
				return -1;
			if (had && apply_value(a, r, rl->table, j, a->val.data,
					       a->val.len, -1, st, e) < 0)
				return -1;
			continue;
		}
		/*
		 * The old value: the FULL old row's when it has it; the row
		 * map's otherwise. Either way the cell under the old key goes
		 * (its keys dropped) and the new value is stored.
		 */
		if (m->old_kind == 'O' && m->old.d[ci].kind != 'u') {
			const struct pgo_datum *od = &m->old.d[ci];

			if (refs_row_del(r, tn, col, a->oldpk.data, a->oldpk.len,
					 NULL, NULL, e) < 0)
				return -1;
			if (od->kind == 't' && od->len &&
			    apply_value(a, r, rl->table, j, od->p, od->len, -1, st, e) < 0)
				return -1;
		} else if (moved) {
			if (refs_row_del(r, tn, col, a->oldpk.data, a->oldpk.len,
					 &a->val, &had, e) < 0)
				return -1;
			if (had && apply_value(a, r, rl->table, j, a->val.data,
					       a->val.len, -1, st, e) < 0)
				return -1;
		}
		/* Unmoved without a FULL old row: cell_set drops what the map held. */
		if (cell_set(a, r, rl->table, j, a->pk.data, a->pk.len,
			     nd->kind == 't' ? nd->p : NULL, nd->len, st, e) < 0)
			return -1;
	}
	st->updates++;
	return 0;
}

static int on_delete(struct cdc_apply *a, struct refs *r, const struct rel *rl,
		     const struct pgo_msg *m, struct cdc_stats *st,
		     struct s3gc_err *e)
{
	const struct conf_table *ct = &a->c->tables[rl->table];
	const char *tn = a->qname[rl->table];
	int any = 0;

	if (m->old_kind != 'K' && m->old_kind != 'O')
		return err_set(e, S3GC_E_CDC, 0,
			       "delete from '%s' without its key: set a primary key or "
			       "REPLICA IDENTITY FULL, then run 's3gc-refs snapshot'", tn);
	if (tuple_pk(a, rl, &m->old, NULL, &a->oldpk, e) < 0)
		return -1;
	for (size_t j = 0; j < ct->ncols; j++) {
		const struct pgo_datum *od = &m->old.d[rl->colidx[j]];
		int had = 0;

		if (refs_row_del(r, tn, ct->cols[j].name, a->oldpk.data,
				 a->oldpk.len, &a->val, &had, e) < 0)
			return -1;
		if (m->old_kind == 'O' && od->kind != 'u') {
			if (od->kind == 't' && od->len) {
				any = 1;
				if (apply_value(a, r, rl->table, j, od->p, od->len,
						-1, st, e) < 0)
					return -1;
			}
		} else if (had) {
			any = 1;
			if (apply_value(a, r, rl->table, j, a->val.data, a->val.len,
					-1, st, e) < 0)
				return -1;
		}
	}
	if (any)
		st->deletes++;
	return 0;
}

struct clear_arg {
	struct cdc_apply *a;
	struct refs *r;
	long t;
	struct cdc_stats *st;
};

static int clear_each(void *arg, const char *column, const char *key,
		      size_t n, struct s3gc_err *e)
{
	struct clear_arg *ca = arg;
	const struct conf_table *ct = &ca->a->c->tables[ca->t];

	for (size_t j = 0; j < ct->ncols; j++)
		if (!strcmp(ct->cols[j].name, column)) {
			/* key is valid only during the call: copy it. */
			buf_reset(&ca->a->mv);
			if (buf_add(&ca->a->mv, key, n, e) < 0)
				return -1;
			return apply_value(ca->a, ca->r, ca->t, j, ca->a->mv.data,
					   ca->a->mv.len, -1, ca->st, e);
		}
	log_msg(LOG_WARN,
		"%s: truncate: row map holds column '%s', no longer configured; "
		"run 's3gc-refs snapshot' to rebuild the counts", ca->a->qname[ca->t], column);
	return 0;
}

static int on_truncate(struct cdc_apply *a, struct refs *r,
		       const struct pgo_msg *m, struct cdc_stats *st,
		       struct s3gc_err *e)
{
	for (uint32_t i = 0; i < m->ntrunc; i++) {
		struct rel *rl = find_rel(a, m->trunc[i]);
		struct clear_arg ca;

		if (!rl)
			return err_set(e, S3GC_E_CDC, 0,
				       "truncate of relation %u, which was never described "
				       "(protocol violation): restart the stream; if this repeats, "
				       "run 's3gc-refs snapshot'", (unsigned)m->trunc[i]);
		if (rl->table < 0)
			continue;
		ca.a = a, ca.r = r, ca.t = rl->table, ca.st = st;
		if (refs_rows_clear_table(r, a->qname[rl->table], clear_each, &ca,
					  NULL, e) < 0)
			return -1;
		st->truncates++;
	}
	return 0;
}

int cdc_apply_msg(struct cdc_apply *a, struct refs *r, const struct pgo_msg *m,
		  struct cdc_stats *st, struct s3gc_err *e)
{
	struct rel *rl;

	switch (m->kind) {
	case PGO_RELATION:
		return on_relation(a, m, e);
	case PGO_TRUNCATE:
		return on_truncate(a, r, m, st, e);
	case PGO_INSERT:
	case PGO_UPDATE:
	case PGO_DELETE:
		if (change_rel(a, m, &rl, e) < 0)
			return -1;
		if (!rl)
			return 0;
		if (m->kind == PGO_INSERT)
			return on_insert(a, r, rl, m, st, e);
		if (m->kind == PGO_UPDATE)
			return on_update(a, r, rl, m, st, e);
		return on_delete(a, r, rl, m, st, e);
	default:
		return 0;
	}
}

int cdc_apply_row(struct cdc_apply *a, struct refs *r, const char *table,
		  const char *const *pk, const size_t *pklen, size_t npk,
		  const char *const *vals, const size_t *vallen,
		  struct cdc_stats *st, struct s3gc_err *e)
{
	long t = -1;
	const struct conf_table *ct;

	for (size_t i = 0; i < a->c->ntables && t < 0; i++)
		if (!strcmp(a->c->tables[i].name, table) || !strcmp(a->qname[i], table))
			t = (long)i;
	if (t < 0)
		return err_set(e, S3GC_E_INTERNAL, 0, "table '%s' is not configured", table);
	ct = &a->c->tables[t];
	if (cdc_apply_pk(&a->pk, pk, pklen, npk, e) < 0)
		return -1;
	for (size_t j = 0; j < ct->ncols; j++) {
		if (!vals[j])
			continue;
		if (cell_set(a, r, t, j, a->pk.data, a->pk.len, vals[j], vallen[j],
			     st, e) < 0)
			return -1;
	}
	st->inserts++;
	return 0;
}

int cdc_apply_pk(struct buf *out, const char *const *pk, const size_t *pklen,
		 size_t npk, struct s3gc_err *e)
{
	buf_reset(out);
	for (size_t i = 0; i < npk; i++)
		if (pk_add(out, pk[i], pk[i] ? pklen[i] : 0, e) < 0)
			return -1;
	/* A row map key needs at least one byte: no key columns is one NULL. */
	if (out->len == 0 && buf_addc(out, 0, e) < 0)
		return -1;
	return 0;
}
