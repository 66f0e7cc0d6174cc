/* pgoutput.c: pgoutput messages and replication frames, decoded from bytes. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgoutput.h"

/* A cursor over one message; every read checks the bounds. */
struct rd {
	const unsigned char *p;
	size_t n, off;
	char kind;
	struct s3gc_err *e;
	int bad;
};

static int short_read(struct rd *r, const char *what)
{
	if (!r->bad)
		err_set(r->e, S3GC_E_CDC, 0,
			"pgoutput message '%c': %s cut short at byte %zu of %zu",
			r->kind, what, r->off, r->n);
	r->bad = 1;
	return -1;
}

static uint64_t get_be(struct rd *r, size_t k, const char *what)
{
	uint64_t v = 0;

	if (r->bad || r->n - r->off < k) {
		short_read(r, what);
		return 0;
	}
	for (size_t i = 0; i < k; i++)
		v = (v << 8) | r->p[r->off + i];
	r->off += k;
	return v;
}

#define U8(r, w) ((uint8_t)get_be(r, 1, w))
#define U16(r, w) ((uint16_t)get_be(r, 2, w))
#define U32(r, w) ((uint32_t)get_be(r, 4, w))
#define U64(r, w) (get_be(r, 8, w))

static const char *get_str(struct rd *r, const char *what)
{
	const unsigned char *z;

	if (r->bad)
		return NULL;
	z = memchr(r->p + r->off, '\0', r->n - r->off);
	if (!z) {
		short_read(r, what);
		return NULL;
	}
	what = (const char *)r->p + r->off;
	r->off = (size_t)(z - r->p) + 1;
	return what;
}

static const char *get_bytes(struct rd *r, size_t k, const char *what)
{
	const char *s;

	if (r->bad || r->n - r->off < k) {
		short_read(r, what);
		return NULL;
	}
	s = (const char *)r->p + r->off;
	r->off += k;
	return s;
}

static int grow(void **arr, size_t *cap, size_t want, size_t size,
		struct s3gc_err *e)
{
	void *p;

	if (want <= *cap)
		return 0;
	p = realloc(*arr, want * size);
	if (!p)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "out of memory");
	*arr = p;
	*cap = want;
	return 0;
}

static int get_tuple(struct rd *r, struct pgo_tuple *t, size_t *cap)
{
	t->n = U16(r, "tuple column count");
	if (r->bad || grow((void **)&t->d, cap, t->n ? t->n : 1, sizeof(*t->d), r->e) < 0)
		return -1;
	for (uint16_t i = 0; i < t->n; i++) {
		struct pgo_datum *d = &t->d[i];

		d->kind = (char)U8(r, "column kind");
		d->p = NULL;
		d->len = 0;
		if (r->bad)
			return -1;
		if (d->kind == 't' || d->kind == 'b') {
			d->len = U32(r, "column length");
			d->p = get_bytes(r, d->len, "column value");
		} else if (d->kind != 'n' && d->kind != 'u') {
			return err_set(r->e, S3GC_E_CDC, 0,
				       "pgoutput message '%c': unknown column kind 0x%02x at byte %zu",
				       r->kind, (unsigned char)d->kind, r->off - 1);
		}
	}
	return r->bad ? -1 : 0;
}

static int parse_relation(struct rd *r, struct pgo_msg *m)
{
	m->relid = U32(r, "relation id");
	m->nspname = get_str(r, "namespace");
	m->relname = get_str(r, "relation name");
	m->replident = (char)U8(r, "replica identity");
	m->ncols = U16(r, "column count");
	if (r->bad || grow((void **)&m->cols, &m->cols_cap, m->ncols ? m->ncols : 1,
			   sizeof(*m->cols), r->e) < 0)
		return -1;
	for (uint16_t i = 0; i < m->ncols; i++) {
		struct pgo_col *c = &m->cols[i];

		c->key = U8(r, "column flags") & 1;
		c->name = get_str(r, "column name");
		c->type = U32(r, "column type");
		c->typmod = (int32_t)U32(r, "column type modifier");
	}
	return r->bad ? -1 : 0;
}

/* U and D: an optional old tuple ('K' or 'O'), then for U the new one ('N'). */
static int parse_change(struct rd *r, struct pgo_msg *m)
{
	char tag;

	m->relid = U32(r, "relation id");
	tag = (char)U8(r, "tuple tag");
	if (r->bad)
		return -1;
	if (tag == 'K' || tag == 'O') {
		m->old_kind = tag;
		if (get_tuple(r, &m->old, &m->old_cap) < 0)
			return -1;
		if (m->kind == PGO_DELETE)
			return 0;
		tag = (char)U8(r, "tuple tag");
	} else if (m->kind == PGO_DELETE) {
		return err_set(r->e, S3GC_E_CDC, 0,
			       "pgoutput delete: expected 'K' or 'O', got 0x%02x", (unsigned char)tag);
	}
	if (r->bad)
		return -1;
	if (tag != 'N')
		return err_set(r->e, S3GC_E_CDC, 0,
			       "pgoutput message '%c': expected 'N', got 0x%02x",
			       m->kind, (unsigned char)tag);
	return get_tuple(r, &m->new, &m->new_cap);
}

static int parse_truncate(struct rd *r, struct pgo_msg *m)
{
	m->ntrunc = U32(r, "relation count");
	m->flags = U8(r, "truncate options");
	if (r->bad)
		return -1;
	if (m->ntrunc > (r->n - r->off) / 4)
		return short_read(r, "relation ids");
	if (grow((void **)&m->trunc, &m->trunc_cap, m->ntrunc ? m->ntrunc : 1,
		 sizeof(*m->trunc), r->e) < 0)
		return -1;
	for (uint32_t i = 0; i < m->ntrunc; i++)
		m->trunc[i] = U32(r, "relation id");
	return r->bad ? -1 : 0;
}

static int parse_body(struct rd *r, struct pgo_msg *m)
{
	switch (m->kind) {
	case PGO_BEGIN:
		m->lsn = U64(r, "final LSN");
		m->time = (int64_t)U64(r, "commit time");
		m->xid = U32(r, "xid");
		return r->bad ? -1 : 0;
	case PGO_COMMIT:
		m->flags = U8(r, "flags");
		m->lsn = U64(r, "commit LSN");
		m->end_lsn = U64(r, "end LSN");
		m->time = (int64_t)U64(r, "commit time");
		return r->bad ? -1 : 0;
	case PGO_ORIGIN:
		m->lsn = U64(r, "origin LSN");
		m->relname = get_str(r, "origin name");
		return r->bad ? -1 : 0;
	case PGO_RELATION:
		return parse_relation(r, m);
	case PGO_TYPE:
		m->relid = U32(r, "type id");
		m->nspname = get_str(r, "namespace");
		m->relname = get_str(r, "type name");
		return r->bad ? -1 : 0;
	case PGO_INSERT:
		m->relid = U32(r, "relation id");
		if ((char)U8(r, "tuple tag") != 'N' && !r->bad)
			return err_set(r->e, S3GC_E_CDC, 0, "pgoutput insert: expected 'N'");
		return r->bad ? -1 : get_tuple(r, &m->new, &m->new_cap);
	case PGO_UPDATE:
	case PGO_DELETE:
		return parse_change(r, m);
	case PGO_TRUNCATE:
		return parse_truncate(r, m);
	case PGO_MESSAGE:
		m->flags = U8(r, "flags");
		m->lsn = U64(r, "LSN");
		m->relname = get_str(r, "prefix");
		m->content_len = U32(r, "content length");
		m->content = get_bytes(r, m->content_len, "content");
		return r->bad ? -1 : 0;
	default:
		return err_set(r->e, S3GC_E_CDC, 0,
			       "unknown pgoutput message kind 0x%02x", (unsigned char)m->kind);
	}
}

void pgo_msg_init(struct pgo_msg *m)
{
	memset(m, 0, sizeof(*m));
}

void pgo_msg_release(struct pgo_msg *m)
{
	free(m->cols);
	free(m->old.d);
	free(m->new.d);
	free(m->trunc);
	memset(m, 0, sizeof(*m));
}

int pgo_parse(const char *p, size_t n, struct pgo_msg *m, struct s3gc_err *e)
{
	struct rd r = { (const unsigned char *)p, n, 1, 0, e, 0 };

	if (n == 0)
		return err_set(e, S3GC_E_CDC, 0, "empty pgoutput message");
	m->kind = r.kind = p[0];
	m->old_kind = 0;
	m->old.n = m->new.n = 0;
	m->ncols = 0;
	m->ntrunc = 0;
	m->nspname = m->relname = NULL;
	if (parse_body(&r, m) < 0)
		return -1;
	if (r.off != n)
		return err_set(e, S3GC_E_CDC, 0,
			       "pgoutput message '%c': %zu bytes left over", m->kind, n - r.off);
	return 0;
}

int pgrepl_parse(const char *p, size_t n, struct pgrepl_frame *f,
		 struct s3gc_err *e)
{
	struct rd r = { (const unsigned char *)p, n, 1, 0, e, 0 };

	if (n == 0)
		return err_set(e, S3GC_E_CDC, 0, "empty replication frame");
	memset(f, 0, sizeof(*f));
	f->kind = r.kind = p[0];
	if (f->kind == 'w') {
		f->wal_start = U64(&r, "WAL start");
		f->wal_end = U64(&r, "WAL end");
		f->send_time = (int64_t)U64(&r, "send time");
		if (r.bad)
			return -1;
		f->data = p + r.off;
		f->len = n - r.off;
		return 0;
	}
	if (f->kind == 'k') {
		f->wal_end = U64(&r, "WAL end");
		f->send_time = (int64_t)U64(&r, "send time");
		f->reply_requested = U8(&r, "reply flag") != 0;
		if (r.bad)
			return -1;
		return r.off == n ? 0 : err_set(e, S3GC_E_CDC, 0, "keepalive: bytes left over");
	}
	return err_set(e, S3GC_E_CDC, 0, "unknown replication frame 0x%02x",
		       (unsigned char)f->kind);
}

static void put_be(char *out, uint64_t v, size_t k)
{
	for (size_t i = 0; i < k; i++)
		out[i] = (char)(v >> (8 * (k - 1 - i)));
}

void pgrepl_status(char out[PGREPL_STATUS_LEN], uint64_t written,
		   uint64_t flushed, uint64_t applied, int64_t now, int reply)
{
	out[0] = 'r';
	put_be(out + 1, written, 8);
	put_be(out + 9, flushed, 8);
	put_be(out + 17, applied, 8);
	put_be(out + 25, (uint64_t)now, 8);
	out[33] = reply ? 1 : 0;
}

/* Up to 8 hex digits from *q to the first `stop` byte (or NUL); -1 if none or bad. */
static int hex32(const char **q, char stop, uint64_t *out)
{
	int nd = 0;

	*out = 0;
	for (; **q && **q != stop; (*q)++, nd++) {
		char c = **q;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (d < 0 || nd >= 8)
			return -1;
		*out = *out << 4 | (uint64_t)d;
	}
	return nd ? 0 : -1;
}

int pg_lsn_parse(const char *s, uint64_t *lsn)
{
	uint64_t hi, lo;

	if (hex32(&s, '/', &hi) < 0 || *s++ != '/' || hex32(&s, '\0', &lo) < 0)
		return -1;
	*lsn = hi << 32 | lo;
	return 0;
}

void pg_lsn_format(uint64_t lsn, char out[PG_LSN_MAX])
{
	snprintf(out, PG_LSN_MAX, "%" PRIX32 "/%" PRIX32, (uint32_t)(lsn >> 32),
		 (uint32_t)lsn);
}

int64_t pg_time_from_unix(double t)
{
	return (int64_t)((t - (double)PG_EPOCH_UNIX) * 1e6);
}

double pg_time_to_unix(int64_t pg)
{
	return (double)pg / 1e6 + (double)PG_EPOCH_UNIX;
}
