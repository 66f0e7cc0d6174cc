/*
 * keyspace.h: S3 keys as positions in the key space, used to split a
 * listing into ranges that can be listed in parallel. The results only
 * steer where ranges begin; correctness never depends on them.
 *
 * Keys are read as mixed-radix numbers: at each byte position the digits
 * are the characters seen there so far, widened to whole classes (seeing
 * '3' means '0'-'9' are possible). A page of listing is taken to cover one
 * step of its unit position: the last one its first and last keys share.
 */
#ifndef S3GC_KEYSPACE_H
#define S3GC_KEYSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define KS_POS 128 /* positions tracked; variation further in is ignored */

struct ks_alpha {
	uint64_t set[KS_POS][4]; /* bitmap of byte values possible at a position */
	size_t npos;             /* positions seen */
};

void ks_alpha_init(struct ks_alpha *a);

/* Learn the characters of a listed key. */
void ks_alpha_add(struct ks_alpha *a, const char *k, size_t n);

/*
 * A key strictly between lo and hi (hi NULL: no upper end), from the
 * density of the last page seen, which ran from first to last:
 *   - with hi: halfway between lo and hi;
 *   - without: `pages` unit steps past lo.
 * The boundary is valid UTF-8, so it can go in start-after. Returns 1 with
 * out set, 0 when no useful boundary exists, -1 on error.
 */
int ks_split(const struct ks_alpha *a, const char *lo, size_t lolen,
	     const char *hi, size_t hilen, const char *first, size_t firstlen,
	     const char *last, size_t lastlen, unsigned pages,
	     struct buf *out, struct s3gc_err *e);

/*
 * About how many pages, at the density of (first, last), lie between lo
 * and hi: 1e18 when hi is NULL or too far to tell.
 */
double ks_pages_between(const struct ks_alpha *a, const char *lo,
			size_t lolen, const char *hi, size_t hilen,
			const char *first, size_t firstlen, const char *last,
			size_t lastlen);

/* memcmp order of byte strings, shorter first on a common prefix. */
int ks_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
