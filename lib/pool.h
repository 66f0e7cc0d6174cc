/*
 * pool.h: worker threads that run tasks and hand them back in the order
 * they were given. The caller keeps everything that must stay in one
 * thread (the index, the audit trail, the output) and gives the pool only
 * the work that may run anywhere (fetching, hashing, compressing).
 *
 * With no workers the pool runs each task in pool_submit itself: the same
 * order, no threads, and workers[0] (when workers is not NULL) as the
 * worker's state.
 */
#ifndef S3GC_POOL_H
#define S3GC_POOL_H

#include <stddef.h>

#include "err.h"

/* Run task with the worker's own state (one of the `workers` given). */
typedef void pool_run(void *worker, void *task);

struct pool;

#define POOL_MAX_WORKERS 64

/*
 * nworkers threads (0..POOL_MAX_WORKERS), worker i running with
 * workers[i] (NULL when workers is NULL); at most depth tasks (raised to
 * nworkers, and to 1) given and not yet taken back.
 */
int pool_new(struct pool **p, size_t nworkers, void *const *workers, size_t depth,
	     pool_run *run, struct s3gc_err *e);

/* Whether pool_submit must wait for a pool_next first. */
int pool_full(const struct pool *p);

/* Tasks given and not yet taken back. */
size_t pool_pending(const struct pool *p);

/* Give a task; the pool must not be full. */
void pool_submit(struct pool *p, void *task);

/* The oldest task given, once it has run (waiting for it); NULL when none
 * is pending. */
void *pool_next(struct pool *p);

/* Tasks not started are not run: pool_next hands them back as they are. */
void pool_cancel(struct pool *p);

/* Stop the threads (after the running tasks). Tasks given and not taken
 * back are the caller's still: take them back first (pool_cancel, then
 * pool_next until NULL). */
void pool_free(struct pool *p);

#endif
