/* extsort.c: external sort in bounded memory (sorted runs, then a merge). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extsort.h"
#include "fdio.h"

#define MIN_MEM (64 * 1024)
#define RUN_BUF (64 * 1024) /* read buffer per run file */
#define OUT_BUF (256 * 1024) /* write buffer for a run being written */
#define MERGE_BLOCK (256 * 1024) /* merged records handed over at a time */

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

/* Records in memory: the batch being filled, or one being written out. */
struct batch {
	char *arena;     /* records: u32 kn, u32 vn, key, value */
	size_t alen, acap;
	struct ent *idx; /* the records in arena */
	size_t n, icap;
};

/*
 * Two batches of mem/2 bytes each: while one is sorted and written as a
 * run by a second thread, the caller fills the other.
 */
struct extsort {
	char *tmpdir;
	size_t mem;
	struct batch cur, out;
	size_t next;     /* extsort_next's place in cur (no runs) */
	size_t count;
	struct run *runs;
	size_t nruns;
	size_t *heap;   /* run indexes, smallest current record first */
	size_t hn;
	int finished, primed;
	pthread_t writer; /* writing `out` as a run, if `writing` */
	int writing, writer_failed;
	struct s3gc_err writer_err;
	struct merge *merge; /* the merging thread, once finished with runs */
};

/*
 * Merged records on their way from the merging thread to extsort_next,
 * packed as in a run (u32 kn, u32 vn, key, value), in two blocks: the
 * thread fills one while the caller reads the other.
 */
struct block {
	char *data;
	size_t len, cap;
	int full;   /* ready for the reader; the writer waits for it to empty */
	int last;   /* no records after this block's */
};

struct merge {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct block b[2];
	int reading;   /* the block the reader is in (-1: none yet) */
	size_t pos;    /* the reader's place in it */
	int stop;      /* the reader is gone: stop merging */
	int failed;
	struct s3gc_err err;
};

static void batch_free(struct batch *b)
{
	free(b->arena);
	free(b->idx);
	memset(b, 0, sizeof(*b));
}

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

/*
 * How many bytes every key of the batch starts with (read in the order
 * the records were added: straight through the arena).
 */
static size_t common_prefix(const struct batch *b)
{
	const char *first;
	uint32_t fk, k, v;
	size_t lcp;

	if (b->n == 0)
		return 0;
	hdr(b->arena + b->idx[0].off, &fk, &v);
	first = b->arena + b->idx[0].off + 8;
	lcp = fk;
	for (size_t i = 1; i < b->n && lcp; i++) {
		const char *p = b->arena + b->idx[i].off;
		size_t j = 0;

		hdr(p, &k, &v);
		if (k < lcp)
			lcp = k;
		while (j < lcp && p[8 + j] == first[j])
			j++;
		lcp = j;
	}
	return lcp;
}

/*
 * Sort the records of a batch, from the first byte where their keys
 * differ: keys with a long common prefix (a path every key shares) save
 * a pass over the batch for every 8 bytes of it.
 */
static void sort_batch(struct batch *b)
{
	size_t depth = common_prefix(b);

	for (size_t i = 0; i < b->n; i++)
		load_chunk(b->arena, &b->idx[i], depth);
	sort_from(b->arena, b->idx, b->n, depth);
}

/* Sort batch b and write it out as a run; b is then empty. */
static int write_run(struct extsort *s, struct batch *b, struct s3gc_err *e)
{
	char path[4096], *out;
	struct run *rs, *r;
	size_t used = 0;
	int fd;

	sort_batch(b);
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
	for (size_t i = 0; i <= b->n; i++) {
		const char *p = i < b->n ? b->arena + b->idx[i].off : NULL;
		uint32_t kn = 0, vn = 0;
		size_t len = 0;

		if (p) {
			hdr(p, &kn, &vn);
			len = 8 + (size_t)kn + vn;
		}
		if ((!p || used + len > OUT_BUF) && used) {
			if (fd_write_all(fd, out, used) < 0)
				goto fail;
			used = 0;
		}
		if (!p)
			break;
		if (len > OUT_BUF) {
			if (fd_write_all(fd, p, len) < 0)
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
	b->n = 0;
	b->alen = 0;
	return 0;
fail:
	free(out);
	return err_sys(e, S3GC_E_IO, errno, "cannot write a sort file in '%s'",
		       s->tmpdir);
}

static void *writer_main(void *arg)
{
	struct extsort *s = arg;

	s->writer_failed = write_run(s, &s->out, &s->writer_err) < 0;
	return NULL;
}

/* Wait for the run being written, if any; its error, if it failed. */
static int writer_wait(struct extsort *s, struct s3gc_err *e)
{
	if (!s->writing)
		return 0;
	pthread_join(s->writer, NULL);
	s->writing = 0;
	if (s->writer_failed) {
		s->writer_failed = 0;
		if (e)
			*e = s->writer_err;
		return -1;
	}
	return 0;
}

/*
 * The batch being filled is full: hand it to the writer thread (after the
 * one before is done) and go on with the other batch's memory. Without a
 * thread, it is written here.
 */
static int spill(struct extsort *s, struct s3gc_err *e)
{
	struct batch t;

	if (writer_wait(s, e) < 0)
		return -1;
	t = s->out;
	s->out = s->cur;
	s->cur = t;
	s->cur.n = s->cur.alen = 0;
	if (pthread_create(&s->writer, NULL, writer_main, s) == 0) {
		s->writing = 1;
		return 0;
	}
	return write_run(s, &s->out, e);
}

int extsort_add(struct extsort *s, const void *k, size_t kn, const void *v,
		size_t vn, struct s3gc_err *e)
{
	struct batch *b = &s->cur;
	size_t need = 8 + kn + vn;
	uint32_t k32 = (uint32_t)kn, v32 = (uint32_t)vn;

	if (s->finished)
		return err_set(e, S3GC_E_INTERNAL, 0, "extsort_add after finish");
	if (kn > UINT32_MAX || vn > UINT32_MAX)
		return err_set(e, S3GC_E_INTERNAL, 0, "record too large to sort");
	if (b->n && b->alen + need + (b->n + 1) * sizeof(struct ent) > s->mem / 2 &&
	    spill(s, e) < 0)
		return -1;
	if (b->alen + need > b->acap) {
		size_t nc = b->acap ? b->acap : 4096;
		char *p;

		while (nc < b->alen + need)
			nc *= 2;
		p = realloc(b->arena, nc);
		if (!p)
			return nomem(e);
		b->arena = p;
		b->acap = nc;
	}
	if (b->n == b->icap) {
		size_t nc = b->icap ? 2 * b->icap : 1024;
		struct ent *p = realloc(b->idx, nc * sizeof(*p));

		if (!p)
			return nomem(e);
		b->idx = p;
		b->icap = nc;
	}
	memcpy(b->arena + b->alen, &k32, 4);
	memcpy(b->arena + b->alen + 4, &v32, 4);
	if (kn)
		memcpy(b->arena + b->alen + 8, k, kn);
	if (vn)
		memcpy(b->arena + b->alen + 8 + kn, v, vn);
	b->idx[b->n++].off = b->alen; /* chunks: when sorted */
	b->alen += need;
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

static void merge_start(struct extsort *s);

int extsort_finish(struct extsort *s, struct s3gc_err *e)
{
	if (s->finished)
		return 0;
	s->finished = 1;
	if (writer_wait(s, e) < 0)
		return -1;
	if (s->nruns == 0) {
		sort_batch(&s->cur);
		s->next = 0;
		return 0;
	}
	if (s->cur.n && write_run(s, &s->cur, e) < 0)
		return -1;
	batch_free(&s->cur);
	batch_free(&s->out);
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
	merge_start(s);
	return 0;
}

/* The next record of the heap merge of the runs: 1, 0 at the end, -1. */
static int heap_next(struct extsort *s, const void **k, size_t *kn,
		     const void **v, size_t *vn, struct s3gc_err *e)
{
	struct run *r;

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

/* Append one record to block b; -1 without memory. */
static int block_add(struct block *b, const void *k, size_t kn, const void *v,
		     size_t vn)
{
	size_t need = 8 + kn + vn;
	uint32_t k32 = (uint32_t)kn, v32 = (uint32_t)vn;

	if (b->len + need > b->cap) {
		size_t nc = b->cap ? b->cap : MERGE_BLOCK;
		char *p;

		while (nc < b->len + need)
			nc *= 2;
		if (!(p = realloc(b->data, nc)))
			return -1;
		b->data = p;
		b->cap = nc;
	}
	memcpy(b->data + b->len, &k32, 4);
	memcpy(b->data + b->len + 4, &v32, 4);
	memcpy(b->data + b->len + 8, k, kn);
	if (vn)
		memcpy(b->data + b->len + 8 + kn, v, vn);
	b->len += need;
	return 0;
}

/* The merging thread: fill the blocks in turn until the runs are used up. */
static void *merge_main(void *arg)
{
	struct extsort *s = arg;
	struct merge *m = s->merge;
	struct s3gc_err e;
	int i = 0, got = 1;

	err_clear(&e);
	while (got > 0) {
		struct block *b = &m->b[i];
		const void *k, *v;
		size_t kn, vn;

		int stop;

		pthread_mutex_lock(&m->mu);
		while (b->full && !m->stop)
			pthread_cond_wait(&m->cv, &m->mu);
		stop = m->stop;
		pthread_mutex_unlock(&m->mu);
		if (stop)
			return NULL;
		b->len = 0;
		while (b->len < MERGE_BLOCK && (got = heap_next(s, &k, &kn, &v, &vn, &e)) > 0)
			if (block_add(b, k, kn, v, vn) < 0) {
				got = nomem(&e);
				break;
			}
		pthread_mutex_lock(&m->mu);
		b->full = 1;
		b->last = got <= 0;
		if (got < 0) {
			m->failed = 1;
			m->err = e;
		}
		pthread_cond_broadcast(&m->cv);
		pthread_mutex_unlock(&m->mu);
		i ^= 1;
	}
	return NULL;
}

static void merge_stop(struct extsort *s)
{
	struct merge *m = s->merge;

	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = 1;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->thread, NULL);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	free(m->b[0].data);
	free(m->b[1].data);
	free(m);
	s->merge = NULL;
}

/* Start merging in a thread; without one, extsort_next merges itself. */
static void merge_start(struct extsort *s)
{
	struct merge *m = calloc(1, sizeof(*m));

	if (!m)
		return;
	m->reading = -1;
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		return;
	}
	if (pthread_cond_init(&m->cv, NULL) != 0) {
		pthread_mutex_destroy(&m->mu);
		free(m);
		return;
	}
	s->merge = m;
	if (pthread_create(&m->thread, NULL, merge_main, s) != 0) {
		pthread_cond_destroy(&m->cv);
		pthread_mutex_destroy(&m->mu);
		free(m);
		s->merge = NULL;
	}
}

/* The next record from the merging thread's blocks. */
static int merged_next(struct merge *m, const void **k, size_t *kn,
		       const void **v, size_t *vn, struct s3gc_err *e)
{
	struct block *b = m->reading >= 0 ? &m->b[m->reading] : NULL;
	uint32_t k32, v32;

	if (!b || m->pos == b->len) {
		int next = m->reading >= 0 ? m->reading ^ 1 : 0;

		if (b && b->last)
			return 0;
		pthread_mutex_lock(&m->mu);
		if (b) {
			b->full = 0; /* read: the thread may fill it again */
			pthread_cond_broadcast(&m->cv);
		}
		while (!m->b[next].full)
			pthread_cond_wait(&m->cv, &m->mu);
		pthread_mutex_unlock(&m->mu);
		if (m->failed) {
			*e = m->err;
			return -1;
		}
		m->reading = next;
		m->pos = 0;
		b = &m->b[next];
		if (b->len == 0)
			return 0;
	}
	hdr(b->data + m->pos, &k32, &v32);
	*k = b->data + m->pos + 8;
	*kn = k32;
	*v = b->data + m->pos + 8 + k32;
	*vn = v32;
	m->pos += 8 + (size_t)k32 + v32;
	return 1;
}

int extsort_next(struct extsort *s, const void **k, size_t *kn,
		 const void **v, size_t *vn, struct s3gc_err *e)
{
	if (!s->finished)
		return err_set(e, S3GC_E_INTERNAL, 0, "extsort_next before finish");
	if (s->nruns == 0) {
		const char *p;
		uint32_t k32, v32;

		if (s->next == s->cur.n)
			return 0;
		p = s->cur.arena + s->cur.idx[s->next++].off;
		hdr(p, &k32, &v32);
		*k = p + 8;
		*kn = k32;
		*v = p + 8 + k32;
		*vn = v32;
		return 1;
	}
	if (s->merge)
		return merged_next(s->merge, k, kn, v, vn, e);
	return heap_next(s, k, kn, v, vn, e);
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
	writer_wait(s, NULL);
	merge_stop(s);
	for (size_t i = 0; i < s->nruns; i++) {
		if (s->runs[i].fd >= 0)
			close(s->runs[i].fd);
		free(s->runs[i].buf);
		free(s->runs[i].rec);
	}
	free(s->runs);
	free(s->heap);
	batch_free(&s->cur);
	batch_free(&s->out);
	free(s->tmpdir);
	free(s);
}
