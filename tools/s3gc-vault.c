/*
 * s3gc-vault: the vault: back objects up into it (put), and look at it
 * (ls, show, verify, log). See s3gc-vault(1).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "blob.h"
#include "conf.h"
#include "fe.h"
#include "http.h"
#include "jsonw.h"
#include "log.h"
#include "pool.h"
#include "rec.h"
#include "s3.h"
#include "timefmt.h"
#include "ulid.h"
#include "vault.h"
#include "vault_export.h"
#include "vault_put.h"

static void usage(int status)
{
	if (status)
		fe_try_help(status);
	printf("Usage: %s [-c FILE] [--vault DIR] [-v] [-q] COMMAND [ARGS]\n"
	       "The vault: copies of objects, by operation, with an index and an audit trail.\n"
	       "\n"
	       "Commands:\n"
	       "  new-op [--mode M]   make an operation; write its id\n"
	       "  put --op OP         back up the objects of the records on stdin; write\n"
	       "                      the record of each one vaulted\n"
	       "  ls                  the operations, one per line\n"
	       "  show OP             the object records of an operation's objects\n"
	       "  verify [OP]         re-hash the blobs (of OP, or of every operation)\n"
	       "  export OP           write a pax archive of OP's objects and a manifest\n"
	       "  prune --older-than DAYS [--dry-run]\n"
	       "                      drop operations older than DAYS, and the copies\n"
	       "                      only they hold\n"
	       "  stats               counts and sizes: operations, objects, copies\n"
	       "  log [--op OP] [--key K] [--since TIME] [--verify]\n"
	       "                      the audit trail, or check its chain\n"
	       "\n"
	       "  -c, --config FILE      read FILE instead of s3gc.conf\n"
	       "      --vault DIR        the vault (default: vault_path of the configuration)\n"
	       "      --bucket B, --endpoint URL, --region R   the bucket (put)\n"
	       "      --op OP            the operation (a ULID)\n"
	       "      --mode M           dry_run or execute (new-op; default: the configuration's)\n"
	       "      --level N          zstd level for blobs, 0 never to compress (default 3)\n"
	       "  -j, --jobs N           put: objects fetched at once, 1 to 64 (default 4)\n"
	       "      --older-than DAYS  prune: operations started more than DAYS days ago\n"
	       "      --dry-run          prune: say what would go, drop nothing\n"
	       "  -v, --verbose          say more on stderr (repeatable)\n"
	       "  -q, --quiet            errors only\n"
	       "      --help             show this help\n"
	       "      --version          show the version\n"
	       "\n"
	       "Exit status: 0; 1 when verify or log --verify found nothing to check;\n"
	       "82 on a vault error (a damaged blob, a broken audit chain); 80 and 75 on\n"
	       "S3 errors; 65 on a bad record; see s3gc(7).\n",
	       fe_progname);
	exit(0);
}

enum { OPT_VAULT = 256, OPT_BUCKET, OPT_ENDPOINT, OPT_REGION, OPT_OP, OPT_MODE,
       OPT_LEVEL, OPT_KEY, OPT_SINCE, OPT_VERIFY, OPT_OLDER, OPT_DRY_RUN, OPT_HELP,
       OPT_VERSION };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "vault", required_argument, NULL, OPT_VAULT },
	{ "bucket", required_argument, NULL, OPT_BUCKET },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "op", required_argument, NULL, OPT_OP },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "jobs", required_argument, NULL, 'j' },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "older-than", required_argument, NULL, OPT_OLDER },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct flags {
	const char *config, *vault, *bucket, *endpoint, *region, *op, *mode, *key,
		*since, *cmd, *arg;
	int level, jobs, jobs_set, verify, older, dry_run;
};

static void parse_args(int argc, char **argv, struct flags *f)
{
	int c;

	while ((c = getopt_long(argc, argv, "c:j:vq", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': f->config = optarg; break;
		case OPT_VAULT: f->vault = optarg; break;
		case OPT_BUCKET: f->bucket = optarg; break;
		case OPT_ENDPOINT: f->endpoint = optarg; break;
		case OPT_REGION: f->region = optarg; break;
		case OPT_OP: f->op = optarg; break;
		case OPT_MODE: f->mode = optarg; break;
		case OPT_LEVEL: f->level = fe_int_arg("--level", optarg, 0, 19); break;
		case 'j':
			f->jobs = fe_int_arg("--jobs", optarg, 1, POOL_MAX_WORKERS);
			f->jobs_set = 1;
			break;
		case OPT_KEY: f->key = optarg; break;
		case OPT_SINCE: f->since = optarg; break;
		case OPT_VERIFY: f->verify = 1; break;
		case OPT_OLDER: f->older = fe_int_arg("--older-than", optarg, 0, 1000000); break;
		case OPT_DRY_RUN: f->dry_run = 1; break;
		case 'v': fe_verbose(); break;
		case 'q': fe_quiet(); break;
		case OPT_HELP: usage(0); break;
		case OPT_VERSION: fe_version();
		default: usage(64);
		}
	}
	if (optind >= argc)
		fe_usage_error("no command given");
	f->cmd = argv[optind++];
	if (optind < argc && (!strcmp(f->cmd, "show") || !strcmp(f->cmd, "verify") ||
			      !strcmp(f->cmd, "export")))
		f->arg = argv[optind++];
	if (optind < argc)
		fe_usage_error("unexpected argument '%s'", argv[optind]);
	if ((!strcmp(f->cmd, "show") || !strcmp(f->cmd, "export")) && !f->arg)
		fe_usage_error("%s needs an operation id", f->cmd);
	if (!strcmp(f->cmd, "put") && !f->op)
		fe_usage_error("put needs --op OP (make one with new-op)");
	if (f->mode && strcmp(f->mode, "dry_run") && strcmp(f->mode, "execute"))
		fe_usage_error("--mode: 'dry_run' or 'execute', not '%s'", f->mode);
	if ((f->key || f->since || f->verify) && strcmp(f->cmd, "log"))
		fe_usage_error("--key, --since and --verify are options of log");
	if (f->jobs_set && strcmp(f->cmd, "put"))
		fe_usage_error("--jobs is an option of put");
	if ((f->older >= 0 || f->dry_run) && strcmp(f->cmd, "prune"))
		fe_usage_error("--older-than and --dry-run are options of prune");
	if (!strcmp(f->cmd, "prune") && f->older < 0)
		fe_usage_error("prune needs --older-than DAYS");
}

static struct vault *open_vault(const char *dir, int write)
{
	struct vault *v;
	struct s3gc_err e;

	if (vault_open(&v, dir, !write, &e) < 0)
		fe_die(&e);
	return v;
}

/* Close the vault, then report e and exit: nothing is left allocated. */
static void die_closing(struct vault *v, const struct s3gc_err *e)
{
	vault_close(v);
	fe_die(e);
}

static const char *canon_op(const char *op, char out[ULID_LEN + 1])
{
	struct s3gc_err e;

	if (ulid_parse(op, strlen(op), out, &e) < 0)
		fe_usage_error("%s", e.msg);
	return out;
}

/* ---- new-op ---- */

static int cmd_new_op(const char *dir, const char *mode)
{
	struct vault *v = open_vault(dir, 1);
	char id[ULID_LEN + 1];
	struct s3gc_err e;

	if (ulid_new(id, &e) < 0 || vault_begin(v, 1, &e) < 0 ||
	    vault_op_new(v, id, mode, NULL, &e) < 0 || vault_commit(v, &e) < 0)
		die_closing(v, &e);
	vault_close(v);
	printf("%s\n", id);
	return 0;
}

/* ---- put ---- */

struct put_out {
	struct buf line;
	struct s3gc_err first; /* the first object that failed */
};

static int on_put(void *arg, const struct obj *o, enum vault_put_result res,
		  const struct s3gc_err *why, struct s3gc_err *e)
{
	struct put_out *out = arg;

	switch (res) {
	case VP_FAILED:
		fe_warn("%s", why->msg);
		if (!out->first.cls)
			out->first = *why;
		return 0;
	case VP_CHANGED:
	case VP_GONE:
		log_msg(LOG_INFO, "'%.*s': %s, skipped", (int)o->key_len, o->key,
			res == VP_CHANGED ? "changed since it was listed" : "gone");
		return 0;
	default:
		return fe_write_obj(&out->line, o, e);
	}
}

static int cmd_put(const char *dir, const struct conf *conf, const char *op,
		   struct vault_put_opts *po)
{
	struct vault *v = open_vault(dir, 1);
	struct put_out out = { BUF_INIT, { 0 } };
	struct vault_put_stats st;
	struct s3_client client;
	struct vault_put *vp;
	struct rec_reader rd;
	struct s3gc_err e, ee;
	struct rec r;
	struct obj o;
	int rc;

	err_clear(&out.first);
	po->mode = conf->mode == CONF_EXECUTE ? "execute" : "dry_run";
	if (http_global_init(&e) < 0 ||
	    s3_client_init(&client, conf->bucket, conf->region, conf->endpoint, &e) < 0)
		die_closing(v, &e);
	if (vault_put_begin(&vp, v, &client, op, po, on_put, &out, &e) < 0) {
		s3_client_release(&client);
		die_closing(v, &e);
	}
	rec_reader_init(&rd, stdin, "-", 0);
	while ((rc = rec_read(&rd, &r, &e)) == 1)
		if (obj_from_rec(&rd, &r, &o, &e) < 0 || vault_put_add(vp, &o, &e) < 0) {
			rc = -1;
			break;
		}
	/* After a bad record, the objects before it are still settled: each
	 * one written out is vaulted. */
	if (vault_put_end(vp, 1, &st, &ee) < 0 && rc >= 0) {
		e = ee;
		rc = -1;
	}
	log_msg(LOG_INFO, "operation %s: %llu vaulted (%llu bytes, %llu stored), %llu held "
		"already, %llu changed, %llu gone, %llu failed", op, st.vaulted, st.bytes,
		st.stored, st.held, st.changed, st.gone, st.failed);
	buf_release(&out.line);
	rec_reader_release(&rd);
	s3_client_release(&client);
	vault_close(v);
	curl_global_cleanup();
	if (rc < 0)
		fe_die(&e);
	if (out.first.cls)
		exit(err_exit_code(out.first.cls));
	return 0;
}

/* ---- ls, show ---- */

static int print_op(void *arg, const struct vault_op *op, struct s3gc_err *e)
{
	char started[RFC3339_LEN + 1];

	(void)arg;
	(void)e;
	time_format_rfc3339((time_t)(op->started_ms / 1000), started);
	printf("%s\t%s\t%s\t%s\t%llu\t%llu\t%llu\t%llu\t%llu\n", op->id, started, op->mode,
	       op->state, (unsigned long long)op->count[VC_VAULTED],
	       (unsigned long long)op->count[VC_DELETED],
	       (unsigned long long)op->count[VC_RESTORED],
	       (unsigned long long)op->count[VC_BYTES], (unsigned long long)op->count[VC_STORED]);
	return 0;
}

static int print_item(void *arg, const char *op, const struct vault_item *it,
		      struct s3gc_err *e)
{
	struct buf *out = arg;
	struct obj o;

	(void)op;
	memset(&o, 0, sizeof o);
	o.key = it->key;
	o.key_len = it->keylen;
	o.has_meta = 1;
	o.size = it->size;
	o.mtime = (time_t)it->last_modified;
	snprintf(o.etag, sizeof o.etag, "%s", it->etag);
	buf_reset(out);
	if (obj_format(out, &o, e) < 0)
		return -1;
	return fwrite(out->data, 1, out->len, stdout) == out->len ? 0 :
	       err_sys(e, S3GC_E_IO, errno, "cannot write to standard output");
}

static int cmd_list(const char *dir, const char *op)
{
	struct vault *v = open_vault(dir, 0);
	struct buf out = BUF_INIT;
	struct vault_op o;
	struct s3gc_err e;
	char id[ULID_LEN + 1];
	int found;

	if (op)
		canon_op(op, id);
	if (vault_begin(v, 0, &e) < 0)
		die_closing(v, &e);
	if (!op) {
		if (vault_ops(v, print_op, NULL, &e) < 0)
			die_closing(v, &e);
	} else {
		if (vault_op_get(v, id, &o, &found, &e) < 0)
			die_closing(v, &e);
		if (!found) {
			err_set(&e, S3GC_E_NOINPUT, 0, "no operation %s in '%s'", id, dir);
			die_closing(v, &e);
		}
		if (vault_items(v, id, print_item, &out, &e) < 0) {
			buf_release(&out);
			die_closing(v, &e);
		}
	}
	vault_abort(v);
	vault_close(v);
	buf_release(&out);
	return 0;
}

/* ---- verify ---- */

struct verify {
	const char *dir;
	unsigned long long items, bad;
};

static int verify_item(void *arg, const char *op, const struct vault_item *it,
		       struct s3gc_err *e)
{
	struct verify *vf = arg;
	struct blob_info bi;
	struct s3gc_err be;

	(void)e;
	vf->items++;
	if (blob_read(vf->dir, it->blob, NULL, NULL, &bi, &be) < 0) {
		fe_warn("operation %s, key '%.*s': %s", op, (int)it->keylen, it->key, be.msg);
		vf->bad++;
	} else if (bi.size != it->size) {
		fe_warn("operation %s, key '%.*s': blob %s holds %llu bytes, not %llu", op,
			(int)it->keylen, it->key, it->blob, (unsigned long long)bi.size,
			(unsigned long long)it->size);
		vf->bad++;
	}
	return 0;
}

static int verify_op(void *arg, const struct vault_op *op, struct s3gc_err *e)
{
	struct vault *v = ((void **)arg)[0];

	return vault_items(v, op->id, verify_item, ((void **)arg)[1], e);
}

static int cmd_verify(const char *dir, const char *op)
{
	struct vault *v = open_vault(dir, 0);
	struct verify vf = { dir, 0, 0 };
	void *args[2] = { v, &vf };
	char id[ULID_LEN + 1];
	struct s3gc_err e;

	if (op)
		canon_op(op, id);
	if (vault_begin(v, 0, &e) < 0)
		die_closing(v, &e);
	if (op ? vault_items(v, id, verify_item, &vf, &e) < 0 :
		 vault_ops(v, verify_op, args, &e) < 0)
		die_closing(v, &e);
	vault_abort(v);
	vault_close(v);
	log_msg(LOG_INFO, "%llu copies checked, %llu bad", vf.items, vf.bad);
	if (vf.bad) {
		fe_warn("%llu of %llu copies do not match what was vaulted", vf.bad, vf.items);
		exit(err_exit_code(S3GC_E_VAULT));
	}
	return vf.items ? 0 : 1;
}

/* ---- export ---- */

static int cmd_export(const char *dir, const char *op)
{
	char id[ULID_LEN + 1];
	unsigned long long n = 0;
	struct vault_op o;
	struct vault *v;
	struct s3gc_err e;
	int found;

	canon_op(op, id);
	if (isatty(STDOUT_FILENO))
		fe_usage_error("export writes an archive: send standard output to a file or a pipe");
	v = open_vault(dir, 0);
	if (vault_begin(v, 0, &e) < 0 || vault_op_get(v, id, &o, &found, &e) < 0)
		die_closing(v, &e);
	vault_abort(v);
	if (!found) {
		err_set(&e, S3GC_E_NOINPUT, 0, "no operation %s in '%s'", id, dir);
		die_closing(v, &e);
	}
	fflush(stdout);
	/* Keys are UTF-8: so are the archive's paths. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "");
	if (vault_export(v, id, STDOUT_FILENO, &n, &e) < 0)
		die_closing(v, &e);
	vault_close(v);
	log_msg(LOG_INFO, "operation %s: %llu objects", id, n);
	return 0;
}

/* ---- prune ---- */

struct prune {
	int64_t cutoff;
	char (*ids)[ULID_LEN + 1];
	size_t n, cap;
	struct buf gone; /* hex names of blobs to remove, each NUL-terminated */
	unsigned long long ngone;
};

static int old_op(void *arg, const struct vault_op *op, struct s3gc_err *e)
{
	struct prune *p = arg;

	if (op->started_ms >= p->cutoff)
		return 0;
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		void *q = realloc(p->ids, nc * sizeof(*p->ids));

		if (!q)
			return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		p->ids = q;
		p->cap = nc;
	}
	memcpy(p->ids[p->n++], op->id, ULID_LEN + 1);
	return 0;
}

static int blob_gone(void *arg, const char *hex, struct s3gc_err *e)
{
	struct prune *p = arg;

	p->ngone++;
	return buf_add(&p->gone, hex, strlen(hex) + 1, e);
}

/* Remove the files of the blobs no item uses (after the commit). */
static void remove_blobs(const char *dir, struct prune *p)
{
	struct buf path = BUF_INIT;
	struct s3gc_err e;

	for (size_t at = 0; at < p->gone.len; at += SHA256_HEX_LEN + 1)
		for (int c = 0; c < 2; c++)
			if (blob_path(dir, p->gone.data + at, c, &path, &e) == 0 &&
			    unlink(path.data) < 0 && errno != ENOENT)
				fe_warn("cannot remove '%s': %s", path.data, strerror(errno));
	buf_release(&path);
}

static int cmd_prune(const char *dir, int days, int dry_run)
{
	struct vault *v = open_vault(dir, !dry_run);
	struct prune p = { 0, NULL, 0, 0, BUF_INIT, 0 };
	struct audit *a = NULL;
	struct buf path = BUF_INIT;
	struct s3gc_err e;

	p.cutoff = (int64_t)time_now_ms() - (int64_t)days * 86400000;
	if (vault_begin(v, 0, &e) < 0 || vault_ops(v, old_op, &p, &e) < 0)
		goto die;
	vault_abort(v);
	if (!dry_run && (buf_addf(&path, &e, "%s/audit.log", dir) < 0 ||
			 audit_open(&a, path.data, &e) < 0))
		goto die;
	for (size_t i = 0; i < p.n; i++) {
		struct audit_rec r = { 0, p.ids[i], "prune", NULL, 0, -1, NULL, NULL,
				       dry_run ? "would prune" : "pruned", NULL, NULL };

		log_msg(dry_run ? LOG_WARN : LOG_INFO, "%s operation %s", dry_run ?
			"would drop" : "dropping", p.ids[i]);
		if (dry_run)
			continue;
		buf_reset(&p.gone);
		if (vault_begin(v, 1, &e) < 0 || vault_op_drop(v, p.ids[i], blob_gone, &p, &e) < 0 ||
		    vault_commit(v, &e) < 0) {
			vault_abort(v);
			goto die;
		}
		remove_blobs(dir, &p);
		if (audit_add(a, &r, &e) < 0 || audit_flush(a, &e) < 0)
			goto die;
	}
	log_msg(LOG_INFO, "%zu operations %s, %llu copies removed", p.n,
		dry_run ? "would be dropped" : "dropped", p.ngone);
	/* What writers that were killed left behind: untouched for an hour. */
	{
		unsigned long long nt, bt;

		if (blob_clean_tmp(dir, 3600, dry_run, &nt, &bt, &e) < 0)
			goto die;
		if (nt)
			log_msg(dry_run ? LOG_WARN : LOG_INFO, "%llu temporary files (%llu bytes) "
				"left by stopped writers %s", nt, bt,
				dry_run ? "would be removed" : "removed");
	}
	audit_close(a);
	buf_release(&path);
	buf_release(&p.gone);
	free(p.ids);
	vault_close(v);
	return 0;
die:
	audit_close(a);
	buf_release(&path);
	buf_release(&p.gone);
	free(p.ids);
	die_closing(v, &e);
	return -1;
}

/* ---- stats ---- */

struct stats {
	struct vault *v;
	unsigned long long ops, objects, deleted, restored, blobs, bytes, stored;
};

static int count_item(void *arg, const char *op, const struct vault_item *it,
		      struct s3gc_err *e)
{
	struct stats *s = arg;

	(void)op;
	(void)e;
	s->objects++;
	s->deleted += it->deleted_ms && it->deleted_ms >= it->restored_ms;
	s->restored += it->restored_ms > it->deleted_ms;
	return 0;
}

static int count_op(void *arg, const struct vault_op *op, struct s3gc_err *e)
{
	struct stats *s = arg;

	s->ops++;
	return vault_items(s->v, op->id, count_item, s, e);
}

static int count_blob(void *arg, const struct vault_blob *b, struct s3gc_err *e)
{
	struct stats *s = arg;

	(void)e;
	s->blobs++;
	s->bytes += b->size;
	s->stored += b->stored;
	return 0;
}

static int cmd_stats(const char *dir)
{
	struct vault *v = open_vault(dir, 0);
	struct stats s = { v, 0, 0, 0, 0, 0, 0, 0 };
	struct s3gc_err e;

	if (vault_begin(v, 0, &e) < 0 || vault_ops(v, count_op, &s, &e) < 0 ||
	    vault_blobs(v, count_blob, &s, &e) < 0)
		die_closing(v, &e);
	vault_abort(v);
	vault_close(v);
	printf("operations\t%llu\nobjects\t%llu\ndeleted\t%llu\nrestored\t%llu\n"
	       "copies\t%llu\nbytes\t%llu\nstored_bytes\t%llu\ncompression_ratio\t%.2f\n",
	       s.ops, s.objects, s.deleted, s.restored, s.blobs, s.bytes, s.stored,
	       s.stored ? (double)s.bytes / (double)s.stored : 1.0);
	return 0;
}

/* ---- log ---- */

static int cmd_log(const char *dir, const struct flags *f)
{
	struct buf path = BUF_INIT, keyjs = BUF_INIT, opjs = BUF_INIT;
	char since[64] = "", id[ULID_LEN + 1];
	struct s3gc_err e;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	/* Arguments first: a usage error leaves nothing allocated. */
	if (f->op)
		canon_op(f->op, id);
	if (f->since) {
		time_t t;

		if (time_parse_rfc3339(f->since, strlen(f->since), &t) < 0)
			fe_usage_error("--since: '%s' is not a time like 2026-01-02T03:04:05Z",
				       f->since);
		time_format_rfc3339(t, since);
		since[19] = '\0'; /* compared with the seconds of each line's time */
	}
	if (buf_addf(&path, &e, "%s/audit.log", dir) < 0)
		fe_die(&e);
	if (f->verify) {
		unsigned long long lines;
		char last[SHA256_HEX_LEN + 1];

		if (audit_verify(path.data, &lines, last, &e) < 0) {
			buf_release(&path);
			fe_die(&e);
		}
		printf("%llu lines, each following the one before; the last is %s\n", lines, last);
		buf_release(&path);
		return lines ? 0 : 1;
	}
	/* Filters compare the JSON text our writer makes of the same values. */
	if (f->key && (buf_adds(&keyjs, ",\"key\":", &e) < 0 ||
		       jsonw_str(&keyjs, f->key, strlen(f->key), &e) < 0 ||
		       buf_addc(&keyjs, ',', &e) < 0))
		fe_die(&e);
	if (f->op && buf_addf(&opjs, &e, ",\"op\":\"%s\",", id) < 0)
		fe_die(&e);
	fp = fopen(path.data, "r");
	if (!fp) {
		err_sys(&e, errno == ENOENT ? S3GC_E_NOINPUT : S3GC_E_VAULT, errno,
			"cannot open audit trail '%s'", path.data);
		buf_release(&path);
		buf_release(&keyjs);
		buf_release(&opjs);
		fe_die(&e);
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		const char *t = strstr(line, ",\"time\":\"");

		if ((f->key && !strstr(line, keyjs.data)) || (f->op && !strstr(line, opjs.data)))
			continue;
		if (since[0] && (!t || strncmp(t + 9, since, 19) < 0))
			continue;
		fwrite(line, 1, (size_t)n, stdout);
	}
	free(line);
	fclose(fp);
	buf_release(&path);
	buf_release(&keyjs);
	buf_release(&opjs);
	return 0;
}

int main(int argc, char **argv)
{
	struct flags f = { 0 };
	struct conf conf;
	const char *dir;
	struct s3gc_err e;
	char id[ULID_LEN + 1];
	int rc;

	fe_init(argv[0]);
	f.level = 3;
	f.jobs = 4;
	f.older = -1;
	parse_args(argc, argv, &f);
	fe_conf_load(&conf, f.config);
	fe_conf_s3(&conf, f.bucket, f.endpoint, f.region);
	dir = f.vault ? f.vault : conf.vault_path;
	if (!strcmp(f.cmd, "new-op")) {
		rc = cmd_new_op(dir, f.mode ? f.mode :
				conf.mode == CONF_EXECUTE ? "execute" : "dry_run");
	} else if (!strcmp(f.cmd, "put")) {
		struct vault_put_opts po = { NULL, f.level, (unsigned)f.jobs };

		if (conf_check(&conf, 1, &e) < 0)
			fe_die(&e);
		rc = cmd_put(dir, &conf, canon_op(f.op, id), &po);
	} else if (!strcmp(f.cmd, "ls")) {
		rc = cmd_list(dir, NULL);
	} else if (!strcmp(f.cmd, "show")) {
		rc = cmd_list(dir, f.arg);
	} else if (!strcmp(f.cmd, "verify")) {
		rc = cmd_verify(dir, f.arg);
	} else if (!strcmp(f.cmd, "export")) {
		rc = cmd_export(dir, f.arg);
	} else if (!strcmp(f.cmd, "prune")) {
		rc = cmd_prune(dir, f.older, f.dry_run);
	} else if (!strcmp(f.cmd, "stats")) {
		rc = cmd_stats(dir);
	} else if (!strcmp(f.cmd, "log")) {
		rc = cmd_log(dir, &f);
	} else {
		fe_usage_error("unknown command '%s'", f.cmd);
	}
	conf_release(&conf);
	return rc;
}
