/* drv_daemon.c: `s3gc daemon`: s3gc-refs follow, and a cycle a day at the schedule. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drv.h"
#include "fe.h"
#include "log.h"
#include "child.h"

#define RESTART_MIN_S 1   /* follow restarted after this, doubling ... */
#define RESTART_MAX_S 300 /* ... up to this */

/* The next time it is HH:MM here (local time, as cron reads it), after now. */
static time_t next_at(int hour, int min, time_t now)
{
	struct tm tm;
	time_t t;

	localtime_r(&now, &tm);
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t <= now) {
		tm.tm_mday++;
		tm.tm_hour = hour;
		tm.tm_min = min;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	return t;
}

static pid_t start_follow(struct drv *d)
{
	const char *args[] = { "follow", NULL }, *argv[DRV_ARGV_MAX];
	char path[DRV_PATH_MAX];
	struct s3gc_err e;
	pid_t pid;

	drv_argv(d, "s3gc-refs", args, argv, path);
	if (child_start(&pid, (char *const *)argv, -1, -1, 0, &e) < 0) {
		fe_warn("%s", e.msg);
		return -1;
	}
	log_msg(LOG_WARN, "s3gc-refs follow started (process %ld)", (long)pid);
	return pid;
}

int drv_daemon(struct drv *d)
{
	time_t next = 0, restart_at = 0;
	int backoff = RESTART_MIN_S;
	pid_t follow = -1;

	if (!d->conf.has_schedule) {
		fe_warn("daemon: no schedule in the configuration (schedule = HH:MM)");
		return 78;
	}
	if (d->conf.cdc_backend == CONF_CDC_NONE) {
		fe_warn("daemon: no cdc_backend in the configuration: there is nothing to follow");
		return 78;
	}
	drv_signals();
	next = next_at(d->conf.sched_hour, d->conf.sched_min, time(NULL));
	{
		char when[64];
		struct tm tm;

		localtime_r(&next, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M %Z", &tm);
		log_msg(LOG_WARN, "daemon: next cycle at %s", when);
	}
	while (!drv_stop) {
		int st;
		pid_t got;

		if (follow < 0 && time(NULL) >= restart_at)
			follow = start_follow(d);
		/* Reap follow if it ended; start it again, waiting longer each time. */
		if (follow > 0 && (got = waitpid(follow, &st, WNOHANG)) == follow) {
			fe_warn("s3gc-refs follow ended (status %d); again in %d s",
				WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), backoff);
			follow = -1;
			restart_at = time(NULL) + backoff;
			backoff = backoff * 2 > RESTART_MAX_S ? RESTART_MAX_S : backoff * 2;
		}
		if (time(NULL) >= next) {
			struct cycle c;

			/* follow keeps the store: the cycle waits for it, no sync. */
			drv_cycle(d, d->conf.mode == CONF_EXECUTE, 0, &c);
			drv_cycle_print(&c, 1);
			fflush(stdout);
			if (c.status && c.why[0])
				fe_warn("cycle: %s", c.why);
			next = next_at(d->conf.sched_hour, d->conf.sched_min, time(NULL));
			backoff = RESTART_MIN_S;
			continue;
		}
		sleep(1);
	}
	log_msg(LOG_WARN, "daemon: stopping (signal %d)", (int)drv_stop);
	if (follow > 0) {
		int st;

		kill(follow, SIGTERM);
		waitpid(follow, &st, 0);
	}
	return 0;
}
