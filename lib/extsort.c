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
#define RUN_BUF (64 * 1024) /* read buffer per run file */
#define OUT_BUF (256 * 1024) /* write buffer for a run being written */

/*
 * A record in memory. p0 and p1 are the sort key at the depth being
 * sorted: the 8 key bytes from there (big-endian, zero-padded) and how
 * many key bytes are left from there, 9 standing for more than 8.
 */
struct ent {
	uint64_t p0, p1;
	size_t off; /* in the arena; also the order records were added in */
};

struct run {
	int fd;
	char *buf;  /* read buffer: buf[pos..len) not yet used */
	size_t pos, len;
	char *rec;  /* the current record: key then value */
	size_t cap;
	uint32_t kn, vn;
};

struct extsort {
	char *tmpdir;
	size_t mem;
	char *arena;    /* records: u32 kn, u32 vn, key, value */
	size_t alen, acap;
	struct ent *idx; /* the records in arena */
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

static uint64_t be_prefix(const unsigned char *k, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < n ? k[i] : 0);
	return v;
}

/* The chunk of record e's key at byte `depth`, into e->p0 and e->p1. */
static void load_chunk(const char *arena, struct ent *e, size_t depth)
{
	uint32_t k, v;
	size_t rem;

	hdr(arena + e->off, &k, &v);
	rem = k > depth ? k - depth : 0;
	e->p0 = be_prefix((const unsigned char *)arena + e->off + 8 + depth, rem);
	e->p1 = rem > 8 ? 9 : rem;
}

static int chunk_cmp(const struct ent *a, const struct ent *b)
{
	if (a->p0 != b->p0)
		return a->p0 < b->p0 ? -1 : 1;
	return a->p1 < b->p1 ? -1 : a->p1 > b->p1;
}

/* Whole comparison from byte depth on (the bytes before are equal). */
static int ent_cmp(const char *arena, size_t depth, const struct ent *a,
		   const struct ent *b)
{
	uint32_t ak, bk, v;
	int c = chunk_cmp(a, b);

	if (c)
		return c;
	hdr(arena + a->off, &ak, &v);
	hdr(arena + b->off, &bk, &v);
	if (ak > depth && bk > depth) {
		c = keycmp(arena + a->off + 8 + depth, ak - depth,
			   arena + b->off + 8 + depth, bk - depth);
		if (c)
			return c;
	} else if (ak != bk) {
		return ak < bk ? -1 : 1;
	}
	return a->off < b->off ? -1 : a->off > b->off; /* stable */
}

static void swap_ent(struct ent *a, struct ent *b)
{
	struct ent t = *a;

	*a = *b;
	*b = t;
}

static void insertion_sort(const char *arena, size_t depth, struct ent *v,
			   size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct ent t = v[i];
		size_t k = i;

		for (; k > 0 && ent_cmp(arena, depth, &t, &v[k - 1]) < 0; k--)
			v[k] = v[k - 1];
		v[k] = t;
	}
}

static void sort_from(const char *arena, struct ent *v, size_t n,
		      size_t depth);

static int off_cmp(const void *a, const void *b)
{
	size_t x = ((const struct ent *)a)->off, y = ((const struct ent *)b)->off;

	return x < y ? -1 : x > y;
}

/*
 * Records with equal chunks: if their keys go on, sort them by the next
 * chunk; if not, they are equal keys, in the order they were added.
 */
static void sort_equal(const char *arena, struct ent *v, size_t n,
		       size_t depth)
{
	if (n < 2)
		return;
	if (v[0].p1 == 9) {
		for (size_t i = 0; i < n; i++)
			load_chunk(arena, &v[i], depth + 8);
		sort_from(arena, v, n, depth + 8);
	} else {
		qsort(v, n, sizeof(*v), off_cmp); /* equal keys */
	}
}

/*
 * Multikey quicksort, 8 key bytes at a time: a three-way partition on the
 * chunk at depth; the equal part goes on to the next chunk. Keys sharing
 * a long prefix cost a pass per 8 shared bytes, not a memcmp of them on
 * every comparison. The smaller sides recurse, the largest loops.
 */
static void sort_from(const char *arena, struct ent *v, size_t n,
		      size_t depth)
{
	while (n > 16) {
		size_t m = n / 2, lt = 0, i = 0, gt = n;
		struct ent pivot;

		if (chunk_cmp(&v[m], &v[0]) < 0)
			swap_ent(&v[m], &v[0]);
		if (chunk_cmp(&v[n - 1], &v[0]) < 0)
			swap_ent(&v[n - 1], &v[0]);
		if (chunk_cmp(&v[n - 1], &v[m]) < 0)
			swap_ent(&v[n - 1], &v[m]);
		pivot = v[m];
		while (i < gt) {
			int c = chunk_cmp(&v[i], &pivot);

			if (c < 0)
				swap_ent(&v[lt++], &v[i++]);
			else if (c > 0)
				swap_ent(&v[i], &v[--gt]);
			else
				i++;
		}
		/* v[0..lt) < pivot, v[lt..gt) equal, v[gt..n) > pivot */
		{
			size_t nl = lt, ne = gt - lt, nr = n - gt;

			if (ne >= nl && ne >= nr) {
				sort_from(arena, v, nl, depth);
				sort_from(arena, v + gt, nr, depth);
				if (v[lt].p1 != 9) {
					sort_equal(arena, v + lt, ne, depth);
					return;
				}
				v += lt;
				n = ne;
				for (size_t j = 0; j < n; j++)
					load_chunk(arena, &v[j], depth + 8);
				depth += 8;
			} else if (nl >= nr) {
				sort_equal(arena, v + lt, ne, depth);
				sort_from(arena, v + gt, nr, depth);
				n = nl;
			} else {
				sort_from(arena, v, nl, depth);
				sort_equal(arena, v + lt, ne, depth);
				v += gt;
				n = nr;
			}
		}
	}
	insertion_sort(arena, depth, v, n);
}

/* Sort the records in memory. */
static void sort_memory(struct extsort *s)
{
	for (size_t i = 0; i < s->n; i++)
		load_chunk(s->arena, &s->idx[i], 0);
	sort_from(s->arena, s->idx, s->n, 0);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Sort what is in memory and write it out as a run; memory is then empty. */
static int spill(struct extsort *s, struct s3gc_err *e)
{
	char path[4096], *out;
	struct run *rs, *r;
	size_t used = 0;
	int fd;

	sort_memory(s);
	rs = realloc(s->runs, (s->nruns + 1) * sizeof(*rs));
	if (!rs)
		return nomem(e);
	s->runs = rs;
	r = &rs[s->nruns];
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	snprintf(path, sizeof path, "%s/.s3gc-sort.XXXXXX", s->tmpdir);
	fd = mkstemp(path);
	if (fd < 0)
		return err_sys(e, S3GC_E_IO, errno, "cannot make a sort file in '%s'",
			       s->tmpdir);
	unlink(path);
	r->fd = fd;
	s->nruns++;
	out = malloc(OUT_BUF);
	if (!out)
		return nomem(e);
	for (size_t i = 0; i <= s->n; i++) {
		const char *p = i < s->n ? s->arena + s->idx[i].off : NULL;
		uint32_t kn = 0, vn = 0;
		size_t len = 0;

		if (p) {
			hdr(p, &kn, &vn);
			len = 8 + (size_t)kn + vn;
		}
		if ((!p || used + len > OUT_BUF) && used) {
			if (write_all(fd, out, used) < 0)
				goto fail;
			used = 0;
		}
		if (!p)
			break;
		if (len > OUT_BUF) {
			if (write_all(fd, p, len) < 0)
				goto fail;
			continue;
		}
		memcpy(out + used, p, len);
		used += len;
	}
	free(out);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_sys(e, S3GC_E_IO, errno, "cannot read back a sort file in '%s'",
			       s->tmpdir);
	s->n = 0;
	s->alen = 0;
	return 0;
fail:
	free(out);
	return err_sys(e, S3GC_E_IO, errno, "cannot write a sort file in '%s'",
		       s->tmpdir);
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
	if (s->n && s->alen + need + (s->n + 1) * sizeof(struct ent) > s->mem &&
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
		struct ent *p = realloc(s->idx, nc * sizeof(*p));

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
	s->idx[s->n++].off = s->alen; /* prefixes: when sorted */
	s->alen += need;
	s->count++;
	return 0;
}

/* Copy n bytes of the run into dst; 1, 0 at a clean end (n bytes none), -1. */
static int run_bytes(struct run *r, char *dst, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t got;

		if (r->pos < r->len) {
			size_t take = r->len - r->pos < n - done ? r->len - r->pos : n - done;

			memcpy(dst + done, r->buf + r->pos, take);
			r->pos += take;
			done += take;
			continue;
		}
		got = read(r->fd, r->buf, RUN_BUF);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			return done == 0 ? 0 : (errno = EIO, -1);
		r->pos = 0;
		r->len = (size_t)got;
	}
	return 1;
}

/* Read a run's next record: 1, 0 at its end, -1 on error. */
static int run_read(struct run *r, struct s3gc_err *e)
{
	char h[8];
	size_t need;
	int k;

	if (!r->buf && !(r->buf = malloc(RUN_BUF)))
		return nomem(e);
	k = run_bytes(r, h, 8);
	if (k <= 0)
		goto done;
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
	k = need ? run_bytes(r, r->rec, need) : 1;
	if (k == 0)
		errno = EIO;
	if (k > 0)
		return 1;
	k = -1;
done:
	if (k == 0) {
		/* The run is used up: give its memory back now. */
		free(r->buf);
		r->buf = NULL;
		return 0;
	}
	return err_sys(e, S3GC_E_IO, errno, "cannot read back a sort file");
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
		sort_memory(s);
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
		p = s->arena + s->idx[s->next++].off;
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
		if (s->runs[i].fd >= 0)
			close(s->runs[i].fd);
		free(s->runs[i].buf);
		free(s->runs[i].rec);
	}
	free(s->runs);
	free(s->heap);
	free(s->arena);
	free(s->idx);
	free(s->tmpdir);
	free(s);
}
