/* t-extsort: the external sort against qsort, in memory and with many runs. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extsort.h"
#include "tap.h"

struct item {
	char key[48];
	size_t kn;
	unsigned seq;
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->kn < y->kn ? x->kn : y->kn);

	if (c)
		return c;
	if (x->kn != y->kn)
		return x->kn < y->kn ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Sort n random records with a budget of mem bytes; compare with qsort.
 * Short keys from a small alphabet: many duplicates and prefixes; with
 * `longk`, keys of up to 40 bytes, most of them sharing 8 to 24 bytes
 * (the sort goes 8 bytes deeper at a time), zero bytes in between;
 * with `longk` 2, keys that all begin with the same 11 bytes (the sort
 * starts after them), some of them nothing more.
 */
static void check(size_t n, size_t mem, int want_runs, int longk,
		  const char *tmp)
{
	struct item *it = calloc(n ? n : 1, sizeof(*it));
	struct extsort *s;
	struct s3gc_err e;
	const void *k, *v;
	size_t kn, vn, i = 0, bad = 0;
	int rc;

	srand((unsigned)n);
	for (size_t j = 0; j < n; j++) {
		size_t shared = longk ? (size_t)(rand() % 4) * 8 : 0;

		it[j].kn = longk ? (size_t)rand() % 41 : (size_t)rand() % 6;
		if (longk == 2)
			it[j].kn = 11 + (size_t)rand() % 16;
		for (size_t b = 0; b < it[j].kn; b++)
			it[j].key[b] = b < shared ? (char)('p' + b % 3)
				: (char)("ab\0\xff"[rand() % 4]);
		if (longk == 2)
			memcpy(it[j].key, "uploads/202", 11);
		it[j].seq = (unsigned)j;
	}
	rc = extsort_new(&s, tmp, mem, &e);
	for (size_t j = 0; j < n && rc == 0; j++)
		rc = extsort_add(s, it[j].key, it[j].kn, &it[j].seq, sizeof it[j].seq, &e);
	if (rc == 0)
		rc = extsort_finish(s, &e);
	qsort(it, n, sizeof(*it), item_cmp);
	while (rc == 0 && (rc = extsort_next(s, &k, &kn, &v, &vn, &e)) == 1) {
		unsigned seq;

		memcpy(&seq, v, sizeof seq);
		if (i >= n || kn != it[i].kn || memcmp(k, it[i].key, kn) ||
		    vn != sizeof seq || seq != it[i].seq)
			bad++;
		i++;
		rc = 0;
	}
	tap_ok(rc == 0 && i == n && bad == 0,
	       "%zu %s records, budget %zu: same order as qsort, equal keys in the order added "
	       "(%zu out, %zu wrong)", n,
	       longk == 2 ? "common-prefix" : longk ? "long" : "short", mem, i, bad);
	tap_ok(want_runs ? extsort_runs(s) > 1 : extsort_runs(s) == 0,
	       "%zu runs on disk", extsort_runs(s));
	tap_ok(extsort_count(s) == n, "count %zu", extsort_count(s));
	extsort_free(s);
	free(it);
}

int main(void)
{
	char tmp[] = "/tmp/t-extsort.XXXXXX";
	struct extsort *s;
	struct s3gc_err e;
	const void *k, *v;
	size_t kn, vn;

	if (!mkdtemp(tmp))
		return 1;
	check(0, 1 << 20, 0, 0, tmp);
	check(1000, 1 << 20, 0, 0, tmp);
	check(100000, 65536, 1, 0, tmp);
	check(30000, 200000, 1, 0, tmp);
	check(50000, 1 << 24, 0, 1, tmp);
	check(50000, 1 << 24, 0, 2, tmp);
	check(50000, 1 << 20, 1, 2, tmp);
	check(100000, 1 << 20, 1, 1, tmp);
	tap_ok(rmdir(tmp) == 0, "no sort file left behind");

	tap_ok(extsort_new(&s, "/nonexistent/dir", 0, &e) == 0, "made with a missing directory");
	for (int j = 0; j < 20000 && extsort_add(s, "abcdefgh", 8, NULL, 0, &e) == 0; j++)
		;
	tap_ok(e.cls == S3GC_E_IO && strstr(e.msg, "/nonexistent/dir"),
	       "a run that cannot be written is an I/O error naming the directory: %s", e.msg);
	extsort_free(s);

	tap_ok(extsort_new(&s, "/tmp", 0, &e) == 0 && extsort_finish(s, &e) == 0 &&
	       extsort_next(s, &k, &kn, &v, &vn, &e) == 0, "nothing in, nothing out");
	extsort_free(s);
	return tap_done();
}
