/* fates.c: two bits for each line (see fates.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fates.h"

int fates_set(struct fates *f, unsigned long long i, unsigned x, struct s3gc_err *e)
{
	unsigned long long at = i / 4;
	unsigned shift = (unsigned)(i % 4 * 2);

	if (at >= f->cap) {
		size_t cap = f->cap ? f->cap : 4096;
		unsigned char *v;

		while (cap <= at)
			cap *= 2;
		if (!(v = realloc(f->v, cap)))
			return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		memset(v + f->cap, 0, cap - f->cap);
		f->v = v;
		f->cap = cap;
	}
	f->v[at] = (unsigned char)((f->v[at] & ~(3u << shift)) | (x & 3u) << shift);
	return 0;
}

void fates_release(struct fates *f)
{
	free(f->v);
	f->v = NULL;
	f->cap = 0;
}
