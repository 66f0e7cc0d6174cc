/*
 * drv.h: the driver, s3gc(1): its commands (drv_*.c), and what they share.
 */
#ifndef S3GC_DRV_H
#define S3GC_DRV_H

#include <signal.h>
#include <sys/types.h>

#include "conf.h"
#include "err.h"
#include "ulid.h"

struct drv {
	const char *config;     /* -c FILE, or NULL */
	struct conf conf;
	char *bindir;           /* where the stage programs are; NULL: PATH */
	int verbose, quiet;     /* passed on to the stages */
	int progress;           /* stderr is a terminal: say how far stages are */
	int execute, json, force, dry_run, overwrite;
	const char *format;     /* metrics: "prometheus" or "json" */
	char **args;            /* the command's operands */
	int nargs;
};

/* What a cycle did: the result the original design names, and more. */
struct cycle {
	char op[ULID_LEN + 1];
	int execute;
	unsigned long long scanned, candidates, verified, backed_up, deleted, errors;
	double duration;        /* seconds */
	int status;             /* its exit status */
	const char *state;      /* "done", "refused", "failed", "interrupted" */
	char stage[16];         /* the stage that stopped it, "" if none */
	char why[512];          /* and what it said, in short */
};

/* A SIGTERM or SIGINT came: its number (0 if none). Stages running are
 * sent it too. */
extern volatile sig_atomic_t drv_stop;
void drv_signals(void);

/*
 * Run stage program name (s3gc-list, ...) with args (NULL-terminated),
 * -c and -v/-q added as the driver got them, standard input from the file
 * in and output to the file out (NULL: none, and ours). Its exit status,
 * or -1 with e set when it could not be run.
 */
int drv_stage(struct drv *d, const char *name, const char *const *args, const char *in,
	      const char *out, struct s3gc_err *e);

/* The command line of stage program name: its path (beside s3gc, or for
 * PATH to find), -c, -q and -v as the driver got them, then args. Its
 * length. */
#define DRV_ARGV_MAX 32
#define DRV_PATH_MAX 4200
int drv_argv(const struct drv *d, const char *name, const char *const *args,
	     const char *argv[DRV_ARGV_MAX], char path[DRV_PATH_MAX]);

/* One cycle (drv_run.c): with sync, s3gc-refs sync after the listing;
 * without it (the daemon, whose follow keeps the store), a wait for the
 * store to catch up. c is filled in whatever happens; returns c->status. */
int drv_cycle(struct drv *d, int execute, int sync, struct cycle *c);
void drv_cycle_print(const struct cycle *c, int json);

int drv_run(struct drv *d);
int drv_status(struct drv *d);
int drv_metrics(struct drv *d);
int drv_daemon(struct drv *d);
int drv_init(struct drv *d);

/* path = VAULT/name (heap, or exit 71). */
char *drv_path(const struct drv *d, const char *name);

#endif
