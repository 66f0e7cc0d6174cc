/* extsort.c: external sort in bounded memory (sorted runs, then a merge). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extsort.h"

#define MIN_MEM (64 * 1024)
#define RUN_BUF (64 * 1024) /* stdio buffer per run file */

struct run {
	FILE *fp;
	char *rec;  /* the current record: key then value */
	size_t cap;
	uint32_t kn, vn;
};

struct extsort {
	char *tmpdir;
	size_t mem;
	char *arena;    /* records: u32 kn, u32 vn, key, value */
	size_t alen, acap;
	size_t *idx;    /* offsets of the records in arena */
	size_t n, icap, next;
	size_t count;
	struct run *runs;
	size_t nruns;
	size_t *heap;   /* run indexes, smallest current record first */
	size_t hn;
	int finished, primed;
};

static int nomem(struct s3gc_err *e)
{
	return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory for sorting");
}

int extsort_new(struct extsort **out, const char *tmpdir, size_t mem,
		struct s3gc_err *e)
{
	struct extsort *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s || !(s->tmpdir = strdup(tmpdir))) {
		free(s);
		return nomem(e);
	}
	s->mem = mem < MIN_MEM ? MIN_MEM : mem;
	*out = s;
	return 0;
}

static int keycmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static void hdr(const char *p, uint32_t *kn, uint32_t *vn)
{
	memcpy(kn, p, 4);
	memcpy(vn, p + 4, 4);
}

static int idx_cmp(const void *a, const void *b, void *arg)
{
	const char *arena = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	uint32_t xk, yk, v;
	int c;

	hdr(arena + x, &xk, &v);
	hdr(arena + y, &yk, &v);
	c = keycmp(arena + x + 8, xk, arena + y + 8, yk);
	if (c)
		return c;
	return x < y ? -1 : x > y; /* stable: the earlier record first */
}

/* Sort what is in memory and write it out as a run; memory is then empty. */
static int spill(struct extsort *s, struct s3gc_err *e)
{
	char path[4096];
	struct run *rs, *r;
	int fd;

	qsort_r(s->idx, s->n, sizeof(*s->idx), idx_cmp, s->arena);
	rs = realloc(s->runs, (s->nruns + 1) * sizeof(*rs));
	if (!rs)
		return nomem(e);
	s->runs = rs;
	r = &rs[s->nruns];
	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof path, "%s/.s3gc-sort.XXXXXX", s->tmpdir);
	fd = mkstemp(path);
	if (fd < 0)
		return err_sys(e, S3GC_E_IO, errno, "cannot make a sort file in '%s'",
			       s->tmpdir);
	unlink(path);
	r->fp = fdopen(fd, "w+");
	if (!r->fp) {
		close(fd);
		return err_sys(e, S3GC_E_IO, errno, "cannot open a sort file");
	}
	s->nruns++;
	setvbuf(r->fp, NULL, _IOFBF, RUN_BUF);
	for (size_t i = 0; i < s->n; i++) {
		const char *p = s->arena + s->idx[i];
		uint32_t kn, vn;

		hdr(p, &kn, &vn);
		if (fwrite(p, 1, 8 + (size_t)kn + vn, r->fp) != 8 + (size_t)kn + vn)
			return err_sys(e, S3GC_E_IO, errno,
				       "cannot write a sort file in '%s'", s->tmpdir);
	}
	if (fflush(r->fp) != 0 || fseek(r->fp, 0, SEEK_SET) != 0)
		return err_sys(e, S3GC_E_IO, errno, "cannot write a sort file in '%s'",
			       s->tmpdir);
	s->n = 0;
	s->alen = 0;
	return 0;
}

int extsort_add(struct extsort *s, const void *k, size_t kn, const void *v,
		size_t vn, struct s3gc_err *e)
{
	size_t need = 8 + kn + vn;
	uint32_t k32 = (uint32_t)kn, v32 = (uint32_t)vn;

	if (s->finished)
		return err_set(e, S3GC_E_INTERNAL, 0, "extsort_add after finish");
	if (kn > UINT32_MAX || vn > UINT32_MAX)
		return err_set(e, S3GC_E_INTERNAL, 0, "record too large to sort");
	if (s->n && s->alen + need + (s->n + 1) * sizeof(size_t) > s->mem &&
	    spill(s, e) < 0)
		return -1;
	if (s->alen + need > s->acap) {
		size_t nc = s->acap ? s->acap : 4096;
		char *p;

		while (nc < s->alen + need)
			nc *= 2;
		p = realloc(s->arena, nc);
		if (!p)
			return nomem(e);
		s->arena = p;
		s->acap = nc;
	}
	if (s->n == s->icap) {
		size_t nc = s->icap ? 2 * s->icap : 1024;
		size_t *p = realloc(s->idx, nc * sizeof(*p));

		if (!p)
			return nomem(e);
		s->idx = p;
		s->icap = nc;
	}
	memcpy(s->arena + s->alen, &k32, 4);
	memcpy(s->arena + s->alen + 4, &v32, 4);
	if (kn)
		memcpy(s->arena + s->alen + 8, k, kn);
	if (vn)
		memcpy(s->arena + s->alen + 8 + kn, v, vn);
	s->idx[s->n++] = s->alen;
	s->alen += need;
	s->count++;
	return 0;
}

/* Read a run's next record: 1, 0 at its end, -1 on error. */
static int run_read(struct run *r, struct s3gc_err *e)
{
	char h[8];
	size_t got = fread(h, 1, 8, r->fp), need;

	if (got == 0 && feof(r->fp))
		return 0;
	if (got != 8)
		goto short_read;
	hdr(h, &r->kn, &r->vn);
	need = (size_t)r->kn + r->vn;
	if (need + 1 > r->cap) {
		size_t nc = r->cap ? r->cap : 256;
		char *p;

		while (nc < need + 1)
			nc *= 2;
		p = realloc(r->rec, nc);
		if (!p)
			return nomem(e);
		r->rec = p;
		r->cap = nc;
	}
	if (need && fread(r->rec, 1, need, r->fp) != need)
		goto short_read;
	return 1;
short_read:
	return err_sys(e, S3GC_E_IO, ferror(r->fp) ? errno : EIO,
		       "cannot read back a sort file");
}

static int run_less(const struct extsort *s, size_t a, size_t b)
{
	const struct run *x = &s->runs[a], *y = &s->runs[b];
	int c = keycmp(x->rec, x->kn, y->rec, y->kn);

	return c < 0 || (c == 0 && a < b);
}

static void sift_down(struct extsort *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < s->hn && run_less(s, s->heap[l], s->heap[m]))
			m = l;
		if (l + 1 < s->hn && run_less(s, s->heap[l + 1], s->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		size_t t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

int extsort_finish(struct extsort *s, struct s3gc_err *e)
{
	if (s->finished)
		return 0;
	s->finished = 1;
	if (s->nruns == 0) {
		qsort_r(s->idx, s->n, sizeof(*s->idx), idx_cmp, s->arena);
		s->next = 0;
		return 0;
	}
	if (s->n && spill(s, e) < 0)
		return -1;
	free(s->arena);
	free(s->idx);
	s->arena = NULL;
	s->idx = NULL;
	s->acap = s->icap = 0;
	s->heap = calloc(s->nruns, sizeof(*s->heap));
	if (!s->heap)
		return nomem(e);
	for (size_t i = 0; i < s->nruns; i++) {
		int k = run_read(&s->runs[i], e);

		if (k < 0)
			return -1;
		if (k)
			s->heap[s->hn++] = i;
	}
	for (size_t i = s->hn / 2; i-- > 0;)
		sift_down(s, i);
	return 0;
}

int extsort_next(struct extsort *s, const void **k, size_t *kn,
		 const void **v, size_t *vn, struct s3gc_err *e)
{
	struct run *r;

	if (!s->finished)
		return err_set(e, S3GC_E_INTERNAL, 0, "extsort_next before finish");
	if (s->nruns == 0) {
		const char *p;
		uint32_t k32, v32;

		if (s->next == s->n)
			return 0;
		p = s->arena + s->idx[s->next++];
		hdr(p, &k32, &v32);
		*k = p + 8;
		*kn = k32;
		*v = p + 8 + k32;
		*vn = v32;
		return 1;
	}
	/* The record handed out last is replaced by its run's next one. */
	if (s->primed && s->hn) {
		int got = run_read(&s->runs[s->heap[0]], e);

		if (got < 0)
			return -1;
		if (!got)
			s->heap[0] = s->heap[--s->hn];
		sift_down(s, 0);
	}
	s->primed = 1;
	if (s->hn == 0)
		return 0;
	r = &s->runs[s->heap[0]];
	*k = r->rec;
	*kn = r->kn;
	*v = r->rec + r->kn;
	*vn = r->vn;
	return 1;
}

size_t extsort_count(const struct extsort *s)
{
	return s->count;
}

size_t extsort_runs(const struct extsort *s)
{
	return s->nruns;
}

void extsort_free(struct extsort *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nruns; i++) {
		if (s->runs[i].fp)
			fclose(s->runs[i].fp);
		free(s->runs[i].rec);
	}
	free(s->runs);
	free(s->heap);
	free(s->arena);
	free(s->idx);
	free(s->tmpdir);
	free(s);
}
