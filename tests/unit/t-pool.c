/* t-pool.c: worker threads handing tasks back in the order given. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"
#include "tap.h"

struct task {
	int n;
	int ran;       /* times run */
	void *by;      /* the worker state it ran with */
	unsigned delay_us;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int running, most;   /* tasks running at once, and the most seen */

static void run(void *worker, void *arg)
{
	struct task *t = arg;

	pthread_mutex_lock(&mu);
	if (++running > most)
		most = running;
	pthread_mutex_unlock(&mu);
	if (t->delay_us)
		usleep(t->delay_us);
	t->by = worker;
	t->ran++;
	pthread_mutex_lock(&mu);
	running--;
	pthread_mutex_unlock(&mu);
}

/* Give n tasks with random delays through a pool; 1 if they come back in
 * order, each run once, with one of the workers' states. */
static int in_order(size_t nworkers, size_t depth, int n, int *distinct)
{
	int states[POOL_MAX_WORKERS], used[POOL_MAX_WORKERS] = { 0 }, ok = 1, next = 0;
	void *ws[POOL_MAX_WORKERS];
	struct task *t = calloc((size_t)n, sizeof(*t));
	struct s3gc_err e;
	struct pool *p;

	for (size_t i = 0; i < POOL_MAX_WORKERS; i++)
		ws[i] = &states[i];
	if (!t || pool_new(&p, nworkers, ws, depth, run, &e) < 0) {
		free(t);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		t[i].n = i;
		t[i].delay_us = (unsigned)(rand() % 2000);
		while (pool_full(p)) {
			struct task *got = pool_next(p);

			ok &= got == &t[next++];
		}
		pool_submit(p, &t[i]);
		ok &= pool_pending(p) <= (depth < nworkers ? nworkers : depth ? depth : 1);
	}
	for (struct task *got; (got = pool_next(p)); next++)
		ok &= got == &t[next] && got->ran == 1;
	ok &= next == n && pool_next(p) == NULL;
	for (int i = 0; i < n; i++) {
		int k = (int)((int *)t[i].by - states);

		ok &= t[i].ran == 1 && k >= 0 && k < (nworkers ? (int)nworkers : 1);
		if (k >= 0 && k < POOL_MAX_WORKERS)
			used[k] = 1;
	}
	*distinct = 0;
	for (int i = 0; i < POOL_MAX_WORKERS; i++)
		*distinct += used[i];
	pool_free(p);
	free(t);
	return ok;
}

int main(void)
{
	struct task slow[8];
	struct s3gc_err e;
	struct pool *p;
	int distinct;

	srand((unsigned)time(NULL));
	most = 0;
	tap_ok(in_order(0, 1, 50, &distinct) && distinct == 1 && most == 1,
	       "no workers: run in pool_submit, in order, with workers[0]");
	most = 0;
	tap_ok(in_order(1, 1, 50, &distinct) && most == 1, "one worker, depth 1");
	most = 0;
	tap_ok(in_order(4, 8, 400, &distinct), "four workers, depth 8: in order");
	tap_ok(most > 1 && most <= 4, "four workers ran %d at once", most);
	tap_ok(distinct > 1, "%d workers' states were used", distinct);
	most = 0;
	tap_ok(in_order(3, 0, 100, &distinct) && most <= 3, "depth 0 is raised to the workers");

	tap_ok(pool_new(&p, POOL_MAX_WORKERS + 1, NULL, 1, run, &e) < 0 && e.cls == S3GC_E_USAGE,
	       "too many workers: %s", e.msg);

	/* Cancelled with tasks pending: those running finish, the others never
	 * start, and all come back in order. */
	memset(slow, 0, sizeof slow);
	for (int i = 0; i < 8; i++)
		slow[i].delay_us = 100000;
	if (pool_new(&p, 2, NULL, 8, run, &e) == 0) {
		int ran = 0;

		int back = 0;

		for (int i = 0; i < 8; i++)
			pool_submit(p, &slow[i]);
		usleep(20000);
		pool_cancel(p);
		for (struct task *t; (t = pool_next(p)); back++)
			if (t != &slow[back])
				break;
		pool_free(p);
		for (int i = 0; i < 8; i++)
			ran += slow[i].ran;
		tap_ok(ran == 2, "cancelled with 8 pending on 2 workers: %d ran", ran);
		tap_ok(back == 8, "all 8 came back in order: %d", back);
	} else {
		tap_ok(0, "pool_new: %s", e.msg);
	}
	return tap_done();
}
