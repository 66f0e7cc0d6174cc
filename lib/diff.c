/* diff.c: the listing against the reference store (see diff.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diff.h"
#include "keyspace.h"

#define TRIM_EVERY 65536 /* references passed between giving back mapped pages */

struct diff {
	struct diff_opts o;
	struct refs *r;
	unsigned long passed;
	struct refs_iter *it;
	const char *ref;      /* the iterator's key, or NULL at its end */
	size_t reflen;
	char prev[S3_KEY_MAX]; /* the last key given */
	size_t prevlen;
	int have_prev;
	struct diff_stats st;
};

static int next_ref(struct diff *d, struct s3gc_err *e)
{
	int rc = refs_iter_next(d->it, &d->ref, &d->reflen, NULL, e);

	if (rc < 0)
		return -1;
	/* The store's pages, read once, need not stay resident. */
	if (++d->passed % TRIM_EVERY == 0)
		refs_trim(d->r);
	if (rc == 0)
		d->ref = NULL;
	else if (d->o.on_ref && d->o.on_ref(d->o.ref_arg, d->ref, d->reflen, e) < 0)
		return -1;
	return 0;
}

int diff_drain(struct diff *d, struct s3gc_err *e)
{
	while (d->ref)
		if (next_ref(d, e) < 0)
			return -1;
	return 0;
}

int diff_begin(struct diff **dp, struct refs *r, const struct diff_opts *o,
	       struct s3gc_err *e)
{
	struct diff *d = calloc(1, sizeof(*d));

	*dp = NULL;
	if (!d)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	d->o = *o;
	d->r = r;
	if (refs_iter_open(r, &d->it, e) < 0 || next_ref(d, e) < 0) {
		diff_end(d);
		return -1;
	}
	*dp = d;
	return 0;
}

void diff_end(struct diff *d)
{
	if (!d)
		return;
	if (d->it)
		refs_iter_close(d->it);
	free(d);
}

const struct diff_stats *diff_stats(const struct diff *d)
{
	return &d->st;
}

static int excluded(const struct diff *d, const struct obj *o)
{
	for (size_t i = 0; i < d->o.nexclude; i++) {
		size_t n = strlen(d->o.exclude[i]);

		if (n <= o->key_len && !memcmp(o->key, d->o.exclude[i], n))
			return 1;
	}
	return 0;
}

int diff_one(struct diff *d, const struct obj *o, enum diff_verdict *v,
	     struct s3gc_err *e)
{
	int c = 1;

	if (d->have_prev) {
		int order = ks_cmp(d->prev, d->prevlen, o->key, o->key_len);

		if (order == 0)
			return err_set(e, S3GC_E_DATA, 0, "'%.*s' comes twice",
				       (int)(o->key_len > 200 ? 200 : o->key_len), o->key);
		if (order > 0)
			return err_set(e, S3GC_E_DATA, 0, "not in key order: '%.*s' comes after "
				       "'%.*s' (sort with LC_ALL=C sort, or use --sort)",
				       (int)(o->key_len > 200 ? 200 : o->key_len), o->key,
				       (int)(d->prevlen > 200 ? 200 : d->prevlen), d->prev);
	}
	if (o->key_len > sizeof d->prev)
		return err_set(e, S3GC_E_DATA, 0, "a key of %zu bytes, more than %d", o->key_len,
			       S3_KEY_MAX);
	memcpy(d->prev, o->key, o->key_len);
	d->prevlen = o->key_len;
	d->have_prev = 1;
	d->st.scanned++;
	/* The store's keys below this one are no object's: pass them. */
	while (d->ref && (c = ks_cmp(d->ref, d->reflen, o->key, o->key_len)) < 0)
		if (next_ref(d, e) < 0)
			return -1;
	if (!d->ref)
		c = 1;
	if (excluded(d, o)) {
		*v = DIFF_EXCLUDED;
		d->st.excluded++;
	} else if (c == 0) {
		*v = DIFF_REFERENCED;
		d->st.referenced++;
	} else if (!o->has_meta || (long long)(d->o.now - o->mtime) < d->o.retention_s) {
		*v = DIFF_YOUNG;
		d->st.young++;
	} else {
		*v = DIFF_CANDIDATE;
		d->st.candidates++;
	}
	return 0;
}
