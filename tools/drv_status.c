/* drv_status.c: `s3gc status` and `s3gc metrics`, from the vault and the store. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "cdc_pg.h"
#include "drv.h"
#include "fe.h"
#include "jsonw.h"
#include "lockfile.h"
#include "refs.h"
#include "timefmt.h"
#include "vault.h"

#define LAST_OPS 10          /* operations shown, runs given per-run metrics */
#define STALE_S (26 * 3600)  /* a store not caught up for this long is a warning */

/* What the vault and the store say. */
struct facts {
	struct drv *d;
	int have_vault;
	unsigned long long ops, runs, failed_runs, vaulted, deleted, errors;
	unsigned long long bytes, stored, size; /* blobs' bytes, as stored; on disk */
	struct vault_op last[LAST_OPS];         /* the newest operations, newest last */
	int nlast;
	struct vault_op run[LAST_OPS];          /* the newest cycles, newest last */
	int nrun;
	int have_refs, snapshot;
	unsigned long long keys;
	time_t caught_up;
	char snapshot_at[RFC3339_LEN + 1];
	char slot_name[64];                     /* the replication slot the store follows */
	const char *slot_status;                /* NULL: not asked (no PostgreSQL, no store) */
	struct cdc_pg_slot slot;
	long running;                           /* a cycle's process, 0 if none */
	char warn[8][256];
	int nwarn;
};

static void warn(struct facts *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct facts *f, const char *fmt, ...)
{
	va_list ap;

	if (f->nwarn == 8)
		return;
	va_start(ap, fmt);
	vsnprintf(f->warn[f->nwarn++], sizeof f->warn[0], fmt, ap);
	va_end(ap);
}

/* Whether op is a cycle of the driver: it has a directory under runs/. */
static int is_run(const struct facts *f, const char *op)
{
	struct stat sb;
	char *p;
	int yes;

	if (asprintf(&p, "%s/runs/%s", f->d->conf.vault_path, op) < 0)
		return 0;
	yes = stat(p, &sb) == 0;
	free(p);
	return yes;
}

static void keep(struct vault_op *ring, int *n, const struct vault_op *op)
{
	if (*n == LAST_OPS) {
		memmove(ring, ring + 1, (LAST_OPS - 1) * sizeof(*ring));
		(*n)--;
	}
	ring[(*n)++] = *op;
}

static int on_op(void *arg, const struct vault_op *op, struct s3gc_err *e)
{
	struct facts *f = arg;

	(void)e;
	f->ops++;
	f->vaulted += op->count[VC_VAULTED];
	f->deleted += op->count[VC_DELETED];
	keep(f->last, &f->nlast, op);
	if (is_run(f, op->id)) {
		f->runs++;
		f->failed_runs += strcmp(op->state, "done") && strcmp(op->state, "running");
		keep(f->run, &f->nrun, op);
	}
	return 0;
}

static int on_blob(void *arg, const struct vault_blob *b, struct s3gc_err *e)
{
	struct facts *f = arg;

	(void)e;
	f->bytes += b->size;
	f->stored += b->stored;
	return 0;
}

/* Bytes on disk under dir (not following links). */
static unsigned long long du(const char *dir);

static unsigned long long du_entry(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) < 0)
		return 0;
	if (S_ISDIR(sb.st_mode))
		return du(path) + (unsigned long long)sb.st_blocks * 512;
	return (unsigned long long)sb.st_blocks * 512;
}

static unsigned long long du(const char *dir)
{
	unsigned long long total = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			break;
		total += du_entry(p);
		free(p);
	}
	closedir(d);
	return total;
}

static void vault_facts(struct facts *f)
{
	struct s3gc_err e;
	struct vault *v;
	char *idx = drv_path(f->d, "index/data.mdb");
	struct stat sb;
	int ok = stat(idx, &sb) == 0;

	free(idx);
	if (!ok)
		return;
	if (vault_open(&v, f->d->conf.vault_path, 1, &e) < 0) {
		warn(f, "the vault cannot be read: %s", e.msg);
		return;
	}
	if (vault_begin(v, 0, &e) < 0 || vault_ops(v, on_op, f, &e) < 0 ||
	    vault_blobs(v, on_blob, f, &e) < 0)
		warn(f, "the vault cannot be read: %s", e.msg);
	else
		f->have_vault = 1;
	vault_abort(v);
	vault_close(v);
	f->size = du(f->d->conf.vault_path);
	for (int i = 0; i < f->nrun; i++)
		f->errors += f->run[i].count[VC_ERRORS];
}

static void refs_facts(struct facts *f)
{
	unsigned long long rows;
	struct buf v = BUF_INIT;
	struct refs *r = NULL;
	struct s3gc_err e;
	char *dir = drv_path(f->d, "refs"), *mdb = drv_path(f->d, "refs/data.mdb");
	struct stat sb;
	int found;

	if (stat(mdb, &sb) == 0 && refs_open(&r, dir, 1, &e) == 0 && refs_begin(r, 0, &e) == 0) {
		f->have_refs = 1;
		if (refs_nkeys(r, &f->keys, &rows, &e) < 0)
			f->keys = 0;
		if (refs_meta_get(r, REFS_META_SNAPSHOT, &v, &found, &e) == 0 && found) {
			f->snapshot = 1;
			snprintf(f->snapshot_at, sizeof f->snapshot_at, "%s", buf_str(&v));
		}
		if (refs_meta_get(r, REFS_META_CAUGHT_UP, &v, &found, &e) == 0 && found)
			time_parse_rfc3339(v.data, v.len, &f->caught_up);
		if (refs_meta_get(r, REFS_META_SLOT, &v, &found, &e) == 0 && found && v.len &&
		    v.len < sizeof f->slot_name)
			snprintf(f->slot_name, sizeof f->slot_name, "%s", buf_str(&v));
		refs_abort(r);
	}
	if (r)
		refs_close(r);
	free(dir);
	free(mdb);
	buf_release(&v);
}

/*
 * What the database says of the slot the store follows: how far behind
 * the server's WAL it is, in bytes (PGCONNECT_TIMEOUT, 10 s by default,
 * bounds the wait for a server that does not answer).
 */
static void slot_facts(struct facts *f)
{
	struct cdc_pg_opts o = { f->d->conf.cdc_url, f->slot_name, CDC_PG_PUBLICATION, 0 };
	struct s3gc_err e;
	char msg[256];

	if (f->d->conf.cdc_backend != CONF_CDC_POSTGRES || !f->snapshot)
		return;
	setenv("PGCONNECT_TIMEOUT", "10", 0);
	if (cdc_pg_slot_info(&o, &f->slot, &e) < 0) {
		f->slot_status = "unknown";
		warn(f, "cannot ask the database about replication slot '%s': %s", f->slot_name,
		     e.msg);
		return;
	}
	f->slot_status = cdc_pg_slot_state(&f->slot);
	if (cdc_pg_slot_trouble(&f->slot, f->slot_name, msg, sizeof msg))
		warn(f, "%s", msg);
}

/* The facts; ask_db: the replication slot's too (status, not metrics). */
static void gather(struct drv *d, struct facts *f, int ask_db)
{
	char *lock = drv_path(d, "run.lock");
	struct s3gc_err e;
	long holder = 0;
	int fd;

	memset(f, 0, sizeof(*f));
	f->d = d;
	snprintf(f->slot_name, sizeof f->slot_name, "%s", CDC_PG_SLOT);
	vault_facts(f);
	refs_facts(f);
	if (ask_db)
		slot_facts(f);
	if (lockfile_take(lock, &fd, &holder, &e) == 1)
		f->running = holder ? holder : -1;
	else
		lockfile_release(fd);
	free(lock);
	if (!f->have_refs)
		warn(f, "no reference store in '%s/refs': run 's3gc run' (or 's3gc-refs snapshot')",
		     d->conf.vault_path);
	else if (!f->snapshot)
		warn(f, "the reference store has never completed a snapshot");
	else if (d->conf.cdc_backend != CONF_CDC_NONE &&
		 (!f->caught_up || time(NULL) - f->caught_up > STALE_S))
		warn(f, "the reference store has not caught up with the database for over a day "
		     "(is 's3gc daemon' or 's3gc-refs follow' running?)");
	if (f->nrun && strcmp(f->run[f->nrun - 1].state, "done") &&
	    strcmp(f->run[f->nrun - 1].state, "running"))
		warn(f, "the last cycle, %s, ended %s", f->run[f->nrun - 1].id,
		     f->run[f->nrun - 1].state);
	for (int i = 0; i < f->nrun; i++)
		if (!strcmp(f->run[i].state, "running") && !f->running)
			warn(f, "cycle %s was cut short; the next cycle finishes it", f->run[i].id);
}

static void iso(int64_t ms, char out[RFC3339_LEN + 1])
{
	if (ms > 0)
		time_format_rfc3339((time_t)(ms / 1000), out);
	else
		snprintf(out, RFC3339_LEN + 1, "-");
}

static double ratio(const struct facts *f)
{
	return f->stored ? (double)f->bytes / (double)f->stored : 1.0;
}

static void op_json(struct buf *b, const struct vault_op *op, struct s3gc_err *e)
{
	char s[RFC3339_LEN + 1], fin[RFC3339_LEN + 1];

	iso(op->started_ms, s);
	iso(op->finished_ms, fin);
	buf_addf(b, e, "{\"id\":\"%s\",\"started\":\"%s\",\"finished\":%s%s%s,\"mode\":\"%s\","
		 "\"state\":\"%s\",\"scanned\":%llu,\"candidates\":%llu,\"verified_orphans\":%llu,"
		 "\"backed_up\":%llu,\"deleted\":%llu,\"restored\":%llu,\"errors\":%llu}",
		 op->id, s, op->finished_ms ? "\"" : "", op->finished_ms ? fin : "null",
		 op->finished_ms ? "\"" : "", op->mode, op->state,
		 (unsigned long long)op->count[VC_SCANNED], (unsigned long long)op->count[VC_CANDIDATES],
		 (unsigned long long)op->count[VC_VERIFIED], (unsigned long long)op->count[VC_VAULTED],
		 (unsigned long long)op->count[VC_DELETED], (unsigned long long)op->count[VC_RESTORED],
		 (unsigned long long)op->count[VC_ERRORS]);
}

int drv_status(struct drv *d)
{
	struct facts f;
	struct buf b = BUF_INIT;
	struct s3gc_err e;
	char t[RFC3339_LEN + 1];

	gather(d, &f, 1);
	if (d->json) {
		buf_addf(&b, &e, "{\"vault\":{\"path\":");
		jsonw_str(&b, d->conf.vault_path, strlen(d->conf.vault_path), &e);
		buf_addf(&b, &e, ",\"operations\":%llu,\"runs\":%llu,\"bytes\":%llu,"
			 "\"stored_bytes\":%llu,\"size_bytes\":%llu,\"compression_ratio\":%.3f},",
			 f.ops, f.runs, f.bytes, f.stored, f.size, ratio(&f));
		if (f.caught_up)
			time_format_rfc3339(f.caught_up, t);
		buf_addf(&b, &e, "\"refs\":{\"exists\":%s,\"keys\":%llu,\"snapshot\":%s%s%s,"
			 "\"caught_up\":%s%s%s,\"lag_seconds\":", f.have_refs ? "true" : "false",
			 f.keys, f.snapshot ? "\"" : "", f.snapshot ? f.snapshot_at : "null",
			 f.snapshot ? "\"" : "", f.caught_up ? "\"" : "", f.caught_up ? t : "null",
			 f.caught_up ? "\"" : "");
		if (f.caught_up)
			buf_addf(&b, &e, "%lld", (long long)(time(NULL) - f.caught_up));
		else
			buf_addf(&b, &e, "null");
		if (f.slot_status) {
			buf_addf(&b, &e, ",\"slot\":{\"name\":");
			jsonw_str(&b, f.slot_name, strlen(f.slot_name), &e);
			buf_addf(&b, &e, ",\"status\":\"%s\",\"lag_bytes\":", f.slot_status);
			if (f.slot.exists)
				buf_addf(&b, &e, "%llu}", (unsigned long long)f.slot.lag);
			else
				buf_addf(&b, &e, "null}");
		} else {
			buf_addf(&b, &e, ",\"slot\":null");
		}
		buf_addf(&b, &e, "},");
		if (f.running)
			buf_addf(&b, &e, "\"running\":%ld,", f.running);
		else
			buf_addf(&b, &e, "\"running\":null,");
		buf_addf(&b, &e, "\"operations\":[");
		for (int i = f.nlast - 1; i >= 0; i--) {
			if (i != f.nlast - 1)
				buf_addc(&b, ',', &e);
			op_json(&b, &f.last[i], &e);
		}
		buf_addf(&b, &e, "],\"warnings\":[");
		for (int i = 0; i < f.nwarn; i++) {
			if (i)
				buf_addc(&b, ',', &e);
			jsonw_str(&b, f.warn[i], strlen(f.warn[i]), &e);
		}
		buf_addf(&b, &e, "]}");
		printf("%s\n", b.data);
		buf_release(&b);
		return 0;
	}
	printf("vault:            %s: %llu operations (%llu cycles), %llu bytes of objects in "
	       "%llu bytes stored (ratio %.2f), %llu bytes on disk\n", d->conf.vault_path, f.ops,
	       f.runs, f.bytes, f.stored, ratio(&f), f.size);
	if (!f.have_refs)
		printf("reference store:  none\n");
	else {
		printf("reference store:  %llu keys; snapshot %s", f.keys,
		       f.snapshot ? f.snapshot_at : "never");
		if (f.caught_up) {
			time_format_rfc3339(f.caught_up, t);
			printf("; caught up %s (%lld s ago)", t, (long long)(time(NULL) - f.caught_up));
		}
		printf("\n");
	}
	if (f.slot_status && f.slot.exists)
		printf("replication slot: %s, %s, %llu bytes of WAL behind the server\n",
		       f.slot_name, f.slot_status, (unsigned long long)f.slot.lag);
	else if (f.slot_status)
		printf("replication slot: %s, %s\n", f.slot_name, f.slot_status);
	if (f.running)
		printf("running:          a cycle (process %ld)\n", f.running);
	if (f.nlast)
		printf("last operations:  (newest first)\n");
	for (int i = f.nlast - 1; i >= 0; i--) {
		const struct vault_op *op = &f.last[i];

		iso(op->started_ms, t);
		printf("  %s  %s  %-7s  %-11s  scanned %llu, candidates %llu, verified orphans %llu, "
		       "backed up %llu, deleted %llu, errors %llu\n", op->id, t,
		       strcmp(op->mode, "execute") ? "dry run" : "execute", op->state,
		       (unsigned long long)op->count[VC_SCANNED],
		       (unsigned long long)op->count[VC_CANDIDATES],
		       (unsigned long long)op->count[VC_VERIFIED],
		       (unsigned long long)op->count[VC_VAULTED],
		       (unsigned long long)op->count[VC_DELETED],
		       (unsigned long long)op->count[VC_ERRORS]);
	}
	for (int i = 0; i < f.nwarn; i++)
		printf("warning:          %s\n", f.warn[i]);
	return 0;
}

/* One metric: HELP and TYPE, then its samples. */
static void metric(struct buf *b, const char *name, const char *type, const char *help,
		   struct s3gc_err *e)
{
	buf_addf(b, e, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int drv_metrics(struct drv *d)
{
	struct facts f;
	struct buf b = BUF_INIT;
	struct s3gc_err e;
	const struct vault_op *last;
	double last_s = 0, dur = 0;

	gather(d, &f, 0);
	last = f.nrun ? &f.run[f.nrun - 1] : NULL;
	if (last && last->finished_ms) {
		last_s = (double)last->finished_ms / 1000.0;
		dur = (double)(last->finished_ms - last->started_ms) / 1000.0;
	}
	if (d->format && !strcmp(d->format, "json")) {
		buf_addf(&b, &e, "{\"runs_total\":%llu,\"failed_runs_total\":%llu,"
			 "\"last_run_timestamp_seconds\":%.3f,\"last_run_duration_seconds\":%.3f,"
			 "\"last_run_errors\":%llu,\"deleted_total\":%llu,\"backed_up_total\":%llu,"
			 "\"vault_size_bytes\":%llu,\"compression_ratio\":%.3f,\"reference_keys\":%llu,"
			 "\"runs\":[", f.runs, f.failed_runs, last_s, dur,
			 last ? (unsigned long long)last->count[VC_ERRORS] : 0ULL, f.deleted, f.vaulted,
			 f.size, ratio(&f), f.keys);
		for (int i = 0; i < f.nrun; i++)
			buf_addf(&b, &e, "%s{\"operation\":\"%s\",\"state\":\"%s\",\"duration_seconds\":"
				 "%.3f,\"errors\":%llu}", i ? "," : "", f.run[i].id, f.run[i].state,
				 f.run[i].finished_ms ? (double)(f.run[i].finished_ms -
								  f.run[i].started_ms) / 1000.0 : 0.0,
				 (unsigned long long)f.run[i].count[VC_ERRORS]);
		buf_addf(&b, &e, "]}\n");
		fputs(b.data, stdout);
		buf_release(&b);
		return 0;
	}
	metric(&b, "s3gc_runs_total", "counter", "Cycles run (s3gc run, s3gc daemon).", &e);
	buf_addf(&b, &e, "s3gc_runs_total %llu\n", f.runs);
	metric(&b, "s3gc_failed_runs_total", "counter",
	       "Cycles that did not end done (refused, failed, interrupted).", &e);
	buf_addf(&b, &e, "s3gc_failed_runs_total %llu\n", f.failed_runs);
	metric(&b, "s3gc_last_run_timestamp_seconds", "gauge",
	       "When the last cycle ended, in Unix seconds (0: never).", &e);
	buf_addf(&b, &e, "s3gc_last_run_timestamp_seconds %.3f\n", last_s);
	metric(&b, "s3gc_last_run_duration_seconds", "gauge", "How long the last cycle took.", &e);
	buf_addf(&b, &e, "s3gc_last_run_duration_seconds %.3f\n", dur);
	metric(&b, "s3gc_last_run_errors", "gauge", "Objects the last cycle failed on.", &e);
	buf_addf(&b, &e, "s3gc_last_run_errors %llu\n",
		 last ? (unsigned long long)last->count[VC_ERRORS] : 0ULL);
	metric(&b, "s3gc_deleted_objects_total", "counter", "Objects deleted, all operations.", &e);
	buf_addf(&b, &e, "s3gc_deleted_objects_total %llu\n", f.deleted);
	metric(&b, "s3gc_backed_up_objects_total", "counter",
	       "Objects backed up into the vault, all operations.", &e);
	buf_addf(&b, &e, "s3gc_backed_up_objects_total %llu\n", f.vaulted);
	metric(&b, "s3gc_vault_size_bytes", "gauge", "Bytes the vault takes on disk.", &e);
	buf_addf(&b, &e, "s3gc_vault_size_bytes %llu\n", f.size);
	metric(&b, "s3gc_compression_ratio", "gauge",
	       "Bytes of the objects vaulted over the bytes their copies take.", &e);
	buf_addf(&b, &e, "s3gc_compression_ratio %.4f\n", ratio(&f));
	metric(&b, "s3gc_reference_keys", "gauge", "Keys the reference store holds.", &e);
	buf_addf(&b, &e, "s3gc_reference_keys %llu\n", f.keys);
	metric(&b, "s3gc_run_duration_seconds", "gauge",
	       "How long each of the last cycles took, by operation.", &e);
	for (int i = 0; i < f.nrun; i++)
		if (f.run[i].finished_ms)
			buf_addf(&b, &e, "s3gc_run_duration_seconds{operation=\"%s\",state=\"%s\"} "
				 "%.3f\n", f.run[i].id, f.run[i].state,
				 (double)(f.run[i].finished_ms - f.run[i].started_ms) / 1000.0);
	metric(&b, "s3gc_run_errors", "gauge", "Objects each of the last cycles failed on.", &e);
	for (int i = 0; i < f.nrun; i++)
		buf_addf(&b, &e, "s3gc_run_errors{operation=\"%s\",state=\"%s\"} %llu\n",
			 f.run[i].id, f.run[i].state, (unsigned long long)f.run[i].count[VC_ERRORS]);
	fputs(b.data, stdout);
	buf_release(&b);
	return 0;
}
