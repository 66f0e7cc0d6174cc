/* nearmiss.c: keys a reference names only after a small change (see nearmiss.h). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "nearmiss.h"
#include "uri.h"

/* 1: an upper case letter (ASCII); 2: '%'. */
#define UP8(c) [c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1, [c + 4] = 1, [c + 5] = 1, \
	[c + 6] = 1, [c + 7] = 1
static const unsigned char feature_of[256] = {
	UP8('A'), UP8('I'), UP8('Q'), ['Y'] = 1, ['Z'] = 1, ['%'] = 2,
};
#undef UP8

struct fps {
	uint64_t *v;
	size_t n, cap;
};

struct nearmiss {
	char *bucket;
	size_t blen;
	struct fps folded;   /* fold(R) of references with upper case */
	struct fps decoded;  /* decode(R) of references with a valid '%' escape */
	struct fps unslashed;  /* R less its leading '/' */
	struct fps unbucketed; /* R less a leading "BUCKET/" */
	struct buf tmp, tmp2;
};

const char *nearmiss_name(enum nearmiss_kind k)
{
	static const char *const names[] = { "none", "case", "percent-decoding",
					     "a leading slash", "the bucket's name in front" };

	return names[k];
}

static uint64_t fp(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a, then mixed */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static int fps_add(struct fps *f, uint64_t v, struct s3gc_err *e)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 1024;
		uint64_t *nv = realloc(f->v, cap * sizeof(*nv));

		if (!nv)
			return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		f->v = nv;
		f->cap = cap;
	}
	f->v[f->n++] = v;
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int fps_has(const struct fps *f, uint64_t v)
{
	return f->n && bsearch(&v, f->v, f->n, sizeof(*f->v), cmp64) != NULL;
}

int nearmiss_new(struct nearmiss **nmp, const char *bucket, struct s3gc_err *e)
{
	struct nearmiss *nm = calloc(1, sizeof(*nm));

	*nmp = NULL;
	if (!nm || !(nm->bucket = strdup(bucket))) {
		free(nm);
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	}
	nm->blen = strlen(bucket);
	buf_init(&nm->tmp, 0);
	buf_init(&nm->tmp2, 0);
	*nmp = nm;
	return 0;
}

void nearmiss_free(struct nearmiss *nm)
{
	if (!nm)
		return;
	free(nm->bucket);
	free(nm->folded.v);
	free(nm->decoded.v);
	free(nm->unslashed.v);
	free(nm->unbucketed.v);
	buf_release(&nm->tmp);
	buf_release(&nm->tmp2);
	free(nm);
}

/* ASCII lower case of k into b; 1 if anything changed. */
static int fold(struct buf *b, const char *k, size_t n, struct s3gc_err *e)
{
	int changed = 0;

	buf_reset(b);
	if (buf_add(b, k, n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (b->data[i] >= 'A' && b->data[i] <= 'Z') {
			b->data[i] = (char)(b->data[i] - 'A' + 'a');
			changed = 1;
		}
	return changed;
}

/* k decoded into b; 1 if it had escapes (and all were valid), else 0. */
static int decode(struct buf *b, const char *k, size_t n)
{
	struct s3gc_err e;

	if (!memchr(k, '%', n))
		return 0;
	buf_reset(b);
	return uri_decode(b, k, n, 0, &e) == 0 && (b->len != n || memcmp(b->data, k, n));
}

/* Whether k[0..n) starts with "BUCKET/" and has more after it. */
static int bucketed(const struct nearmiss *nm, const char *k, size_t n)
{
	return n > nm->blen + 1 && k[nm->blen] == '/' && !memcmp(k, nm->bucket, nm->blen);
}

/* Whether k has upper case (ASCII) or a '%'. */
static void features(const char *k, size_t n, int *upper, int *pct)
{
	unsigned any = 0;

	for (size_t i = 0; i < n; i++)
		any |= feature_of[(unsigned char)k[i]];
	*upper = (any & 1) != 0;
	*pct = (any & 2) != 0;
}

int nearmiss_ref(struct nearmiss *nm, const char *key, size_t n, struct s3gc_err *e)
{
	int upper, pct;

	/* Most references have nothing to change: one look at each byte. */
	features(key, n, &upper, &pct);
	if (upper && (fold(&nm->tmp, key, n, e) < 0 ||
		      fps_add(&nm->folded, fp(nm->tmp.data, nm->tmp.len), e) < 0))
		return -1;
	if (pct && decode(&nm->tmp, key, n) &&
	    fps_add(&nm->decoded, fp(nm->tmp.data, nm->tmp.len), e) < 0)
		return -1;
	if (n > 1 && key[0] == '/' && fps_add(&nm->unslashed, fp(key + 1, n - 1), e) < 0)
		return -1;
	if (bucketed(nm, key, n) &&
	    fps_add(&nm->unbucketed, fp(key + nm->blen + 1, n - nm->blen - 1), e) < 0)
		return -1;
	return 0;
}

int nearmiss_any_ref(const struct nearmiss *nm)
{
	return nm->folded.n || nm->decoded.n || nm->unslashed.n || nm->unbucketed.n;
}

int nearmiss_featured(const struct nearmiss *nm, const char *k, size_t n)
{
	int upper, pct;

	features(k, n, &upper, &pct);
	return upper || pct || (n > 1 && k[0] == '/') || bucketed(nm, k, n);
}

void nearmiss_ready(struct nearmiss *nm)
{
	struct fps *all[] = { &nm->folded, &nm->decoded, &nm->unslashed, &nm->unbucketed };

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i]->n)
			qsort(all[i]->v, all[i]->n, sizeof(uint64_t), cmp64);
}

/* Whether the store holds k[0..n) as it is. */
static int held(struct refs *r, const char *k, size_t n, int *yes, struct s3gc_err *e)
{
	unsigned long long c = 0;

	*yes = 0;
	if (n == 0 || n > 1024)
		return 0;
	if (refs_count(r, k, n, &c, e) < 0)
		return -1;
	*yes = c > 0;
	return 0;
}

int nearmiss_check(struct nearmiss *nm, struct refs *r, const char *k, size_t n,
		   enum nearmiss_kind *kind, struct s3gc_err *e)
{
	uint64_t h = 0;
	int yes = 0, rc;

	/* Point lookups only for keys with something to change; the other
	 * direction (the reference has it) is in the fingerprints. */
	*kind = NM_NONE;
	if (nm->unslashed.n || nm->unbucketed.n || nm->decoded.n)
		h = fp(k, n);
	if ((n > 1 && k[0] == '/' && held(r, k + 1, n - 1, &yes, e) < 0))
		return -1;
	if (yes || fps_has(&nm->unslashed, h)) {
		*kind = NM_SLASH;
		return 0;
	}
	if (bucketed(nm, k, n) && held(r, k + nm->blen + 1, n - nm->blen - 1, &yes, e) < 0)
		return -1;
	if (yes || fps_has(&nm->unbucketed, h)) {
		*kind = NM_BUCKET;
		return 0;
	}
	/* Case: the key folded is referenced, or a reference folded is the key folded. */
	if ((rc = fold(&nm->tmp, k, n, e)) < 0)
		return -1;
	if (rc && held(r, nm->tmp.data, nm->tmp.len, &yes, e) < 0)
		return -1;
	if (yes || (nm->folded.n && fps_has(&nm->folded, fp(nm->tmp.data, nm->tmp.len)))) {
		*kind = NM_CASE;
		return 0;
	}
	/* Percent-decoding: the key decoded is referenced, or a reference decoded is the key. */
	if (decode(&nm->tmp, k, n) && held(r, nm->tmp.data, nm->tmp.len, &yes, e) < 0)
		return -1;
	if (yes || fps_has(&nm->decoded, h)) {
		*kind = NM_DECODED;
		return 0;
	}
	return 0;
}
