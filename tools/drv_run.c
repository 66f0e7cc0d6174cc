/* drv_run.c: one cycle of the stage programs, and `s3gc run` (see drv.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "drv.h"
#include "fe.h"
#include "hash.h"
#include "jsonr.h"
#include "jsonw.h"
#include "lockfile.h"
#include "log.h"
#include "refs.h"
#include "timefmt.h"
#include "vault.h"

#define CATCH_UP_WAIT_S 120 /* without sync: how long the store may take to catch up */

struct ctx {
	struct drv *d;
	struct cycle *c;
	char *dir;            /* VAULT/runs/OP: the cycle's files */
	struct s3gc_err e;
};

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *file(struct ctx *x, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", x->dir, name) < 0) {
		fe_warn("out of memory");
		exit(71);
	}
	return p;
}

/* Stage name with args, in and out files of the cycle (names, or NULL):
 * 0, or -1 with the cycle stopped by it. */
static int step(struct ctx *x, const char *name, const char *const *args, const char *in,
		const char *out)
{
	char *inp = in ? file(x, in) : NULL, *outp = out ? file(x, out) : NULL;
	int st = drv_stage(x->d, name, args, inp, outp, &x->e);

	free(inp);
	free(outp);
	if (st == 0)
		return 0;
	snprintf(x->c->stage, sizeof x->c->stage, "%s", name);
	if (drv_stop) { /* a signal stopped it, whatever the stage made of it */
		x->c->status = 128 + drv_stop;
		snprintf(x->c->why, sizeof x->c->why, "stopped by signal %d in %s", (int)drv_stop,
			 name);
	} else if (st < 0) {
		x->c->status = err_exit_code(x->e.cls);
		snprintf(x->c->why, sizeof x->c->why, "%s", x->e.msg);
	} else {
		x->c->status = st;
		snprintf(x->c->why, sizeof x->c->why, "%s exited with status %d%s", name, st,
			 st > 128 ? " (killed by a signal)" : "");
	}
	return -1;
}

/* The SHA-256 of the configuration file, hex, or "" without one. */
static void conf_digest(const struct drv *d, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char md[SHA256_LEN];
	struct buf b = BUF_INIT;
	struct s3gc_err e;
	FILE *fp;

	hex[0] = '\0';
	if (!d->conf.path || !(fp = fopen(d->conf.path, "r")))
		return;
	for (int ch; (ch = getc(fp)) != EOF;)
		if (buf_addc(&b, (char)ch, &e) < 0)
			break;
	fclose(fp);
	if (hash_sha256(b.data ? b.data : "", b.len, md, &e) == 0)
		hex_encode(md, SHA256_LEN, hex);
	buf_release(&b);
}

/* An audit line for the cycle: stage "run", with the result when done. */
static void audit_run(struct ctx *x, const char *outcome, const char *result)
{
	char *path = drv_path(x->d, "audit.log");
	struct audit_rec r = { 0, x->c->op, "run", NULL, 0, -1, NULL, NULL, outcome,
			       x->c->why[0] ? x->c->why : NULL, result };
	struct audit *a = NULL;
	struct s3gc_err e;

	if (audit_open(&a, path, &e) < 0 || audit_add(a, &r, &e) < 0 || audit_flush(a, &e) < 0)
		fe_warn("%s", e.msg);
	audit_close(a);
	free(path);
}

/*
 * Operations of earlier cycles still "running" while nobody holds the
 * lock were cut short (kill -9, a power cut): say so in the index. Only
 * the driver's own (they have a directory under runs/).
 */
struct stale {
	struct drv *d;
	char (*ids)[ULID_LEN + 1];
	size_t n;
};

static int find_stale(void *arg, const struct vault_op *op, struct s3gc_err *e)
{
	struct stale *s = arg;
	char (*ids)[ULID_LEN + 1];
	struct stat sb;
	char *dir;

	(void)e;
	if (strcmp(op->state, "running"))
		return 0;
	if (asprintf(&dir, "%s/runs/%s", s->d->conf.vault_path, op->id) < 0)
		return 0;
	if (stat(dir, &sb) == 0 && (ids = realloc(s->ids, (s->n + 1) * sizeof(*ids)))) {
		s->ids = ids;
		memcpy(s->ids[s->n++], op->id, ULID_LEN + 1);
	}
	free(dir);
	return 0;
}

static void close_stale(struct drv *d, struct vault *v)
{
	struct stale s = { d, NULL, 0 };
	struct s3gc_err e;

	if (vault_begin(v, 0, &e) < 0)
		return;
	vault_ops(v, find_stale, &s, &e);
	vault_abort(v);
	for (size_t i = 0; i < s.n; i++) {
		struct vault_op op;
		int found;

		if (vault_begin(v, 1, &e) < 0)
			break;
		if (vault_op_get(v, s.ids[i], &op, &found, &e) == 0 && found) {
			snprintf(op.state, sizeof op.state, "interrupted");
			if (vault_op_put(v, &op, &e) == 0 && vault_commit(v, &e) == 0) {
				log_msg(LOG_WARN, "operation %s was cut short; the next cycle finishes "
					"what it left", op.id);
				continue;
			}
		}
		vault_abort(v);
	}
	free(s.ids);
}

/* A new operation in the index, for this cycle. */
static int new_op(struct ctx *x, struct s3gc_err *e)
{
	char digest[SHA256_HEX_LEN + 1];
	struct vault *v;

	conf_digest(x->d, digest);
	if (vault_open(&v, x->d->conf.vault_path, 0, e) < 0)
		return -1;
	close_stale(x->d, v);
	if (ulid_new(x->c->op, e) < 0 || vault_begin(v, 1, e) < 0 ||
	    vault_op_new(v, x->c->op, x->c->execute ? "execute" : "dry_run",
			 digest[0] ? digest : NULL, e) < 0 || vault_commit(v, e) < 0) {
		vault_close(v);
		return -1;
	}
	vault_close(v);
	return 0;
}

/* A meta record of the reference store into out (""): 1 if it is there. */
static int store_meta(struct drv *d, const char *name, char *out, size_t size)
{
	struct buf v = BUF_INIT;
	struct refs *r = NULL;
	struct s3gc_err e;
	struct stat sb;
	char *mdb = drv_path(d, "refs/data.mdb"), *dir = drv_path(d, "refs");
	int found = 0;

	out[0] = '\0';
	/* No store yet: nothing to open (a read-only open would not make it). */
	if (stat(mdb, &sb) == 0 && refs_open(&r, dir, 1, &e) == 0 && refs_begin(r, 0, &e) == 0) {
		if (refs_meta_get(r, name, &v, &found, &e) < 0)
			found = 0;
		else if (found)
			snprintf(out, size, "%s", buf_str(&v));
		refs_abort(r);
	}
	if (r)
		refs_close(r);
	free(mdb);
	free(dir);
	buf_release(&v);
	return found;
}

static int has_snapshot(struct drv *d)
{
	char v[64];

	return store_meta(d, REFS_META_SNAPSHOT, v, sizeof v);
}

/* The store's caught_up time (0 if none). */
static time_t caught_up(struct drv *d)
{
	char v[64];
	time_t t = 0;

	if (store_meta(d, REFS_META_CAUGHT_UP, v, sizeof v))
		time_parse_rfc3339(v, strlen(v), &t);
	return t;
}

/* Without sync (the daemon's follow keeps the store): wait until the store
 * has caught up past the listing's start, or give up (s3gc-diff's brake
 * then says why). */
static void await_store(struct ctx *x, time_t started)
{
	for (int i = 0; i < CATCH_UP_WAIT_S && !drv_stop; i++) {
		if (caught_up(x->d) >= started)
			return;
		sleep(1);
	}
}

/* A count from a JSON file of the cycle (0 if missing). */
static unsigned long long json_count(struct ctx *x, const char *name, const char *field)
{
	struct buf json = BUF_INIT, v = BUF_INIT;
	char *path = file(x, name);
	unsigned long long n = 0;
	struct s3gc_err e;
	FILE *fp = fopen(path, "r");
	int found = 0;

	if (fp) {
		for (int ch; (ch = getc(fp)) != EOF;)
			if (buf_addc(&json, (char)ch, &e) < 0)
				break;
		fclose(fp);
		if (jsonr_get(json.data ? json.data : "", json.len, field, &v, &found, &e) == 0 &&
		    found)
			n = strtoull(buf_str(&v), NULL, 10);
	}
	free(path);
	buf_release(&json);
	buf_release(&v);
	return n;
}

/* The listing's start, from s3gc-list's stats. */
static time_t listing_started(struct ctx *x)
{
	struct buf json = BUF_INIT, v = BUF_INIT;
	char *path = file(x, "listing.json");
	struct s3gc_err e;
	FILE *fp = fopen(path, "r");
	time_t t = 0;
	int found = 0;

	if (fp) {
		for (int ch; (ch = getc(fp)) != EOF;)
			if (buf_addc(&json, (char)ch, &e) < 0)
				break;
		fclose(fp);
		if (jsonr_get(json.data ? json.data : "", json.len, "started", &v, &found, &e) == 0 &&
		    found)
			time_parse_rfc3339(v.data, v.len, &t);
	}
	free(path);
	buf_release(&json);
	buf_release(&v);
	return t;
}

/* The stages, in turn; -1 when one stopped the cycle. */
static int stages(struct ctx *x, int sync)
{
	struct drv *d = x->d;
	const char *list[] = { "--stats", NULL, NULL };
	const char *diff[] = { "--listing", NULL, "--stats", NULL, NULL, NULL };
	const char *put[] = { "put", "--op", x->c->op, NULL };
	const char *del[] = { "--op", x->c->op, "--execute", NULL };
	char *lj = file(x, "listing.json"), *dj = file(x, "diff.json"), *listing;
	int rc = -1;

	list[1] = lj;
	diff[1] = lj;
	diff[3] = dj;
	diff[4] = d->force ? "--force" : NULL;
	if (d->conf.cdc_backend != CONF_CDC_NONE && !has_snapshot(d)) {
		const char *snap[] = { "snapshot", NULL };

		log_msg(LOG_WARN, "the reference store has no snapshot yet: taking one");
		if (step(x, "s3gc-refs", snap, NULL, NULL) < 0)
			goto out;
	}
	if (step(x, "s3gc-list", list, NULL, "listing") < 0)
		goto out;
	/* After the listing: the store must be as new as the listing's start. */
	if (d->conf.cdc_backend != CONF_CDC_NONE) {
		const char *syncargs[] = { "sync", NULL };

		if (!sync)
			await_store(x, listing_started(x));
		else if (step(x, "s3gc-refs", syncargs, NULL, NULL) < 0)
			goto out;
	}
	rc = step(x, "s3gc-diff", diff, "listing", "candidates");
	/* The listing is as big as the bucket's key list: not kept. */
	listing = file(x, "listing");
	unlink(listing);
	free(listing);
	x->c->scanned = json_count(x, "diff.json", "scanned");
	x->c->candidates = json_count(x, "diff.json", "candidates");
	x->c->verified = json_count(x, "diff.json", "verified_orphans");
	if (rc < 0 || !x->c->execute)
		goto out;
	rc = -1;
	if (step(x, "s3gc-vault", put, "candidates", "vaulted") < 0 ||
	    step(x, "s3gc-delete", del, "vaulted", "deleted") < 0)
		goto out;
	rc = 0;
out:
	free(lj);
	free(dj);
	return rc;
}

/* The operation's counts and end, in the index. */
static void close_op(struct ctx *x)
{
	uint64_t add[VC_N] = { 0 };
	struct vault_op op;
	struct s3gc_err e;
	struct vault *v;
	int found = 0;

	add[VC_SCANNED] = x->c->scanned;
	add[VC_CANDIDATES] = x->c->candidates;
	add[VC_VERIFIED] = x->c->verified;
	if (vault_open(&v, x->d->conf.vault_path, 0, &e) < 0) {
		fe_warn("%s", e.msg);
		return;
	}
	if (vault_op_add(v, x->c->op, add, &e) < 0 || vault_begin(v, 1, &e) < 0 ||
	    vault_op_get(v, x->c->op, &op, &found, &e) < 0 || !found) {
		fe_warn("operation %s: %s", x->c->op, found ? e.msg : "not in the vault");
		vault_close(v);
		return;
	}
	x->c->backed_up = op.count[VC_VAULTED];
	x->c->deleted = op.count[VC_DELETED];
	x->c->errors = op.count[VC_ERRORS] + (x->c->status && x->c->status != 85 ? 1 : 0);
	op.finished_ms = time_now_ms();
	snprintf(op.state, sizeof op.state, "%s", x->c->state);
	if (vault_op_put(v, &op, &e) < 0 || vault_commit(v, &e) < 0) {
		vault_abort(v);
		fe_warn("%s", e.msg);
	}
	vault_close(v);
}

static void result_json(const struct cycle *c, struct buf *b)
{
	struct s3gc_err e;

	buf_reset(b);
	buf_addf(b, &e, "{\"operation_id\":\"%s\",\"mode\":\"%s\",\"state\":\"%s\","
		 "\"total_scanned\":%llu,\"candidates_found\":%llu,\"verified_orphans\":%llu,"
		 "\"backed_up\":%llu,\"deleted\":%llu,\"errors\":%llu,\"duration_seconds\":%.3f,"
		 "\"exit_status\":%d", c->op, c->execute ? "execute" : "dry_run", c->state,
		 c->scanned, c->candidates, c->verified, c->backed_up, c->deleted, c->errors,
		 c->duration, c->status);
	if (c->stage[0])
		jsonw_field_str(b, "stopped_by", c->stage, strlen(c->stage), 0, &e);
	if (c->why[0])
		jsonw_field_str(b, "error", c->why, strlen(c->why), 0, &e);
	buf_addc(b, '}', &e);
}

int drv_cycle(struct drv *d, int execute, int sync, struct cycle *c)
{
	struct ctx x = { d, c, NULL, { 0 } };
	struct buf json = BUF_INIT;
	struct s3gc_err e;
	double t0 = mono();
	char *lock, *runs;
	long holder;
	int lfd, rc;

	memset(c, 0, sizeof(*c));
	c->execute = execute;
	c->state = "failed";
	if (d->conf.cdc_backend == CONF_CDC_NONE) {
		err_set(&e, S3GC_E_CONFIG, 0, "a cycle checks every candidate against the database: "
			"it needs cdc_backend, cdc_connection_url and [tables] in the configuration");
		goto early;
	}
	if (mkdir(d->conf.vault_path, 0700) < 0 && errno != EEXIST) {
		err_sys(&e, S3GC_E_IO, errno, "cannot make the vault '%s'", d->conf.vault_path);
		goto early;
	}
	lock = drv_path(d, "run.lock");
	rc = lockfile_take(lock, &lfd, &holder, &e);
	free(lock);
	if (rc == 1) {
		err_set(&e, S3GC_E_TEMP, 0, "another cycle is running (process %ld): not starting "
			"a second one", holder);
		goto early;
	}
	if (rc < 0)
		goto early;
	if (new_op(&x, &e) < 0) {
		lockfile_release(lfd);
		goto early;
	}
	runs = drv_path(d, "runs");
	if ((mkdir(runs, 0700) < 0 && errno != EEXIST) ||
	    asprintf(&x.dir, "%s/%s", runs, c->op) < 0 || mkdir(x.dir, 0700) < 0) {
		err_sys(&e, S3GC_E_IO, errno, "cannot make the cycle's directory in '%s'", runs);
		free(runs);
		lockfile_release(lfd);
		goto early;
	}
	free(runs);
	log_msg(LOG_INFO, "operation %s: %s", c->op, execute ? "execute" : "dry run");
	audit_run(&x, "started", NULL);
	rc = stages(&x, sync);
	c->state = rc == 0 ? "done" : drv_stop ? "interrupted" : c->status == 85 ? "refused" :
		"failed";
	if (rc == 0)
		c->status = 0;
	else if (drv_stop && !c->status)
		c->status = 128 + drv_stop;
	c->duration = mono() - t0;
	close_op(&x);
	result_json(c, &json);
	audit_run(&x, c->state, json.data);
	{
		char *rp = file(&x, "result.json");

		if (buf_addc(&json, '\n', &e) == 0 && fe_write_file(rp, json.data, json.len, &e) < 0)
			fe_warn("%s", e.msg);
		free(rp);
	}
	buf_release(&json);
	free(x.dir);
	lockfile_release(lfd);
	return c->status;
early:
	c->status = err_exit_code(e.cls);
	snprintf(c->why, sizeof c->why, "%s", e.msg);
	c->duration = mono() - t0;
	return c->status;
}

void drv_cycle_print(const struct cycle *c, int json)
{
	if (json) {
		struct buf b = BUF_INIT;

		result_json(c, &b);
		printf("%s\n", b.data);
		buf_release(&b);
		return;
	}
	if (!c->op[0])
		return;
	printf("operation id:      %s (%s, %s)\n"
	       "total scanned:     %llu\n"
	       "candidates found:  %llu\n"
	       "verified orphans:  %llu\n"
	       "backed up:         %llu\n"
	       "deleted:           %llu\n"
	       "errors:            %llu\n"
	       "duration:          %.1f s\n",
	       c->op, c->execute ? "execute" : "dry run", c->state, c->scanned, c->candidates,
	       c->verified, c->backed_up, c->deleted, c->errors, c->duration);
	if (c->stage[0])
		printf("stopped by:        %s (exit %d)\n", c->stage, c->status);
}

int drv_run(struct drv *d)
{
	struct cycle c;
	int st;

	drv_signals();
	st = drv_cycle(d, d->execute || d->conf.mode == CONF_EXECUTE, 1, &c);
	drv_cycle_print(&c, d->json);
	if (st && c.why[0])
		fe_warn("%s", c.why);
	else if (!st && !c.execute && !d->quiet)
		fe_warn("dry run: nothing was backed up or deleted; %llu objects would be (run with "
			"--execute)", c.verified);
	return st;
}
