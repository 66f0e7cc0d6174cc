/*
 * s3list.h: list a bucket (ListObjectsV2) as one ordered stream of object
 * records, optionally over several key ranges at once, with bounded memory.
 */
#ifndef S3GC_S3LIST_H
#define S3GC_S3LIST_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "s3.h"

struct s3list_opts {
	const char *prefix;      /* NULL: whole bucket */
	const char *start_after; /* NULL: from the start */
	int jobs;                /* concurrent requests (1..64) */
	int max_keys;            /* page size to ask for; 0: the server's (1000) */
	size_t buffer_max;       /* records held for later ranges; 0: 32 MiB */
};

struct s3list_stats {
	unsigned long long keys;
	unsigned long long pages;
	unsigned long long retries;
	unsigned long ranges;    /* ranges the key space was split into */
	time_t server_date;      /* Date of the first response, 0 if none */
};

/*
 * Called with record text (whole object records of s3gc-records(5)) in key
 * order; -1 stops the listing (the callback's error in e).
 */
typedef int (*s3list_out_fn)(void *arg, const char *p, size_t n,
			     struct s3gc_err *e);

/*
 * List everything. 0 only when the listing is complete; -1 otherwise, with
 * the records written so far being a prefix of the listing.
 */
int s3list_run(const struct s3_client *c, const struct s3list_opts *o,
	       s3list_out_fn out, void *arg, struct s3list_stats *st,
	       struct s3gc_err *e);

#endif
