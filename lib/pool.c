/* pool.c: worker threads handing tasks back in order (see pool.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "pool.h"

enum { QUEUED, RUNNING, DONE };

struct slot {
	void *task;
	int state;
};

struct worker {
	struct pool *p;
	void *arg;
	pthread_t th;
};

/* Task n (counted from 0 since the start) lives in ring[n % depth]. */
struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work;  /* a task was given, or stop */
	pthread_cond_t done;  /* a task has run */
	struct slot *ring;
	size_t depth;
	unsigned long long given, started, taken;
	pool_run *run;
	size_t nworkers, nthreads;
	int stop;
	struct worker w[POOL_MAX_WORKERS];
};

static void *worker_main(void *a)
{
	struct worker *w = a;
	struct pool *p = w->p;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct slot *s;

		while (!p->stop && p->started == p->given)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		s = &p->ring[p->started++ % p->depth];
		s->state = RUNNING;
		pthread_mutex_unlock(&p->mu);
		p->run(w->arg, s->task);
		pthread_mutex_lock(&p->mu);
		s->state = DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int pool_new(struct pool **pp, size_t nworkers, void *const *workers, size_t depth,
	     pool_run *run, struct s3gc_err *e)
{
	struct pool *p;
	int rc;

	*pp = NULL;
	if (nworkers > POOL_MAX_WORKERS)
		return err_set(e, S3GC_E_USAGE, 0, "at most %d workers, not %zu",
			       POOL_MAX_WORKERS, nworkers);
	if (depth < nworkers)
		depth = nworkers;
	if (depth < 1)
		depth = 1;
	if (!(p = calloc(1, sizeof(*p))) || !(p->ring = calloc(depth, sizeof(*p->ring)))) {
		free(p);
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	}
	p->depth = depth;
	p->nworkers = nworkers;
	p->run = run;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (nworkers == 0 && workers)
		p->w[0].arg = workers[0];
	for (size_t i = 0; i < nworkers; i++) {
		p->w[i].p = p;
		p->w[i].arg = workers ? workers[i] : NULL;
		if ((rc = pthread_create(&p->w[i].th, NULL, worker_main, &p->w[i])) != 0) {
			pool_free(p);
			return err_sys(e, S3GC_E_SYS, rc, "cannot start a worker thread");
		}
		p->nthreads++;
	}
	*pp = p;
	return 0;
}

int pool_full(const struct pool *p)
{
	return p->given - p->taken == p->depth;
}

size_t pool_pending(const struct pool *p)
{
	return (size_t)(p->given - p->taken);
}

void pool_submit(struct pool *p, void *task)
{
	struct slot *s = &p->ring[p->given % p->depth];

	if (p->nworkers == 0) {
		s->task = task;
		p->run(p->w[0].arg, task);
		s->state = DONE;
		p->given++;
		p->started++;
		return;
	}
	pthread_mutex_lock(&p->mu);
	s->task = task;
	s->state = QUEUED;
	p->given++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void *pool_next(struct pool *p)
{
	struct slot *s;
	void *task;

	if (p->given == p->taken)
		return NULL;
	s = &p->ring[p->taken % p->depth];
	if (p->nworkers) {
		pthread_mutex_lock(&p->mu);
		while (s->state != DONE)
			pthread_cond_wait(&p->done, &p->mu);
		pthread_mutex_unlock(&p->mu);
	}
	task = s->task;
	s->task = NULL;
	p->taken++;
	return task;
}

void pool_cancel(struct pool *p)
{
	if (p->nworkers)
		pthread_mutex_lock(&p->mu);
	for (; p->started < p->given; p->started++)
		p->ring[p->started % p->depth].state = DONE;
	if (p->nworkers)
		pthread_mutex_unlock(&p->mu);
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	pool_cancel(p);
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->nthreads; i++)
		pthread_join(p->w[i].th, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p->ring);
	free(p);
}
