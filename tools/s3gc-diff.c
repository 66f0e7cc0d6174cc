/*
 * s3gc-diff: the objects of a listing that nothing refers to: not in the
 * reference store, older than the retention window by the S3 server's
 * clock, under no excluded prefix, and not referenced in the live
 * database either; behind the safety brakes. See s3gc-diff(1).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "diff.h"
#include "extsort.h"
#include "fates.h"
#include "fe.h"
#include "http.h"
#include "jsonr.h"
#include "keyset.h"
#include "lines.h"
#include "log.h"
#include "nearmiss.h"
#include "normalise.h"
#include "rec.h"
#include "refs.h"
#include "s3.h"
#include "s3obj.h"
#include "timefmt.h"
#include "verify_pg.h"

#define SKEW_WARN_S 300            /* server and local clocks this far apart: said */
#define CHUNK_BYTES (32u << 20)    /* candidates verified per database pass */
#define DIFF_META_KEYS "diff_last_keys" /* the store's key count at the last run */
#define IO_BUF (1u << 20)          /* stdio buffers: few system calls */
#define NEAR_NAMED 20              /* near misses named on stderr; the rest counted */

/* What became of a line of the source (two bits each, by its place). */
enum { F_NONE, F_CAND, F_NEAR, F_REFERENCED };

static void usage(int status)
{
	if (status)
		fe_try_help(status);
	printf("Usage: %s [-c FILE] [--refs DIR] [--listing FILE | --server-time TIME]\n"
	       "       [--retention-days N] [--exclude-prefix P]... [--max-delete N|P%%]\n"
	       "       [--max-ref-drop P%%] [--sort] [--no-verify] [--force] [--stats FILE]\n"
	       "       [-v] [-q]\n"
	       "Read object records (from s3gc-list, in key order) and write those of the\n"
	       "objects nothing refers to: not in the reference store, older than the\n"
	       "retention window by the S3 server's clock, under no excluded prefix, and\n"
	       "not referenced in the live database either.\n"
	       "\n"
	       "  -c, --config FILE        read FILE instead of s3gc.conf\n"
	       "      --refs DIR           the reference store (default VAULT_PATH/refs)\n"
	       "      --listing FILE       what s3gc-list --stats wrote: the server's clock\n"
	       "                           and when the listing started\n"
	       "      --server-time TIME   the server's clock, without --listing (RFC 3339)\n"
	       "      --retention-days N   keep objects younger than N days (the config's)\n"
	       "      --exclude-prefix P   never a candidate under P (and the config's)\n"
	       "      --max-delete N|P%%    refuse more candidates than N, or P%% of those\n"
	       "                           listed (the config's max_delete, 10%%)\n"
	       "      --max-ref-drop P%%    refuse when the store holds P%% fewer keys than at\n"
	       "                           the last run (default 10%%)\n"
	       "      --sort               sort the input first (else it must be in key order)\n"
	       "      --no-verify          do not check candidates against the database\n"
	       "      --force              lift the brakes (never the checks)\n"
	       "      --stats FILE         write the counts as JSON to FILE\n"
	       "  -v, --verbose            say more on stderr (repeatable)\n"
	       "  -q, --quiet              errors only\n"
	       "      --help               show this help\n"
	       "      --version            show the version\n"
	       "\n"
	       "Exit status: 0; 85 when a safety brake refused (nothing written); 65 on a\n"
	       "bad or unsorted record; 66 when there is no reference store; 81 and 69\n"
	       "when the database cannot verify (nothing written); see s3gc(7).\n",
	       fe_progname);
	exit(0);
}

enum { OPT_REFS = 256, OPT_LISTING, OPT_SERVER_TIME, OPT_RETENTION, OPT_EXCLUDE,
       OPT_MAX_DELETE, OPT_MAX_REF_DROP, OPT_SORT, OPT_NO_VERIFY, OPT_FORCE, OPT_STATS, OPT_HELP,
       OPT_VERSION };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "refs", required_argument, NULL, OPT_REFS },
	{ "listing", required_argument, NULL, OPT_LISTING },
	{ "server-time", required_argument, NULL, OPT_SERVER_TIME },
	{ "retention-days", required_argument, NULL, OPT_RETENTION },
	{ "exclude-prefix", required_argument, NULL, OPT_EXCLUDE },
	{ "max-delete", required_argument, NULL, OPT_MAX_DELETE },
	{ "max-ref-drop", required_argument, NULL, OPT_MAX_REF_DROP },
	{ "sort", no_argument, NULL, OPT_SORT },
	{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct flags {
	const char *config, *refs, *listing, *server_time, *stats;
	int retention;              /* -1: the configuration's */
	char **exclude;
	size_t nexclude;
	unsigned long long max_n;   /* --max-delete N */
	double max_pct;             /* --max-delete P% */
	int max_set;                /* --max-delete given: else the configuration's */
	double max_drop;            /* --max-ref-drop, percent */
	int sort, no_verify, force;
};

/* "N" or "P%" (P up to 100, decimals allowed), as s3gc.conf(5)'s max_delete. */
static void limit_arg(const char *opt, const char *s, unsigned long long *n, double *pct)
{
	if (conf_limit_parse(s, n, pct) < 0)
		fe_usage_error("%s: a count or a percentage (0%% to 100%%), not '%s'", opt, s);
}

static void parse_args(int argc, char **argv, struct flags *f)
{
	unsigned long long unused;
	char **x;
	int c;

	while ((c = getopt_long(argc, argv, "c:vq", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': f->config = optarg; break;
		case OPT_REFS: f->refs = optarg; break;
		case OPT_LISTING: f->listing = optarg; break;
		case OPT_SERVER_TIME: f->server_time = optarg; break;
		case OPT_RETENTION:
			f->retention = fe_int_arg("--retention-days", optarg, 0, 36500);
			break;
		case OPT_EXCLUDE:
			if (!*optarg)
				fe_usage_error("--exclude-prefix: an empty prefix would exclude everything");
			if (!(x = realloc(f->exclude, (f->nexclude + 1) * sizeof(*x))))
				fe_usage_error("out of memory");
			f->exclude = x;
			f->exclude[f->nexclude++] = optarg;
			break;
		case OPT_MAX_DELETE:
			limit_arg("--max-delete", optarg, &f->max_n, &f->max_pct);
			f->max_set = 1;
			break;
		case OPT_MAX_REF_DROP:
			limit_arg("--max-ref-drop", optarg, &unused, &f->max_drop);
			if (f->max_drop < 0)
				fe_usage_error("--max-ref-drop: a percentage, not '%s'", optarg);
			break;
		case OPT_SORT: f->sort = 1; break;
		case OPT_NO_VERIFY: f->no_verify = 1; break;
		case OPT_FORCE: f->force = 1; break;
		case OPT_STATS: f->stats = optarg; break;
		case 'v': fe_verbose(); break;
		case 'q': fe_quiet(); break;
		case OPT_HELP: usage(0); break;
		case OPT_VERSION: fe_version();
		default: usage(64);
		}
	}
	if (optind < argc)
		fe_usage_error("unexpected argument '%s'", argv[optind]);
	if (!!f->listing + !!f->server_time != 1)
		fe_usage_error("say what the S3 server's clock is: --listing FILE (from s3gc-list "
			       "--stats) or --server-time TIME");
}

/* ---- state ---- */

struct run {
	struct flags f;
	struct conf conf;
	struct refs *r;
	char *dir;
	time_t now, started;     /* the server's clock; when the listing began */
	FILE *in;                /* the records: standard input, or sorted */
	const char *name;        /* of them, in messages ("-": stdin) */
	int have_s3;             /* for key-only records: */
	struct s3_client s3;
	struct http_xfer x;
	struct s3_objhead head;
	/*
	 * The source of the later passes: the input itself when it is a
	 * regular file (read again from `start`, and checked unchanged), else
	 * the candidates' lines copied to a temporary file.
	 */
	int reread;
	off_t start;
	struct stat inst;
	FILE *cands;             /* not reread: the candidates, as records */
	char candbuf[IO_BUF];
	FILE *heads;             /* reread: key-only candidates as the HEAD filled them in */
	char *hline;
	size_t hcap;
	struct fates fate;       /* F_* of each line of the source */
	unsigned long long nsrc; /* lines in the source */
	int nm_pass;             /* some candidate may be a near miss */
	struct nearmiss *nm;
	struct buf line;
	struct diff_stats st;
	unsigned long long verified, dropped, near, refs_before, refs_now;
	int brake;
	char why[512];
};

static void release(struct run *w)
{
	if (w->have_s3) {
		http_xfer_release(&w->x);
		s3_objhead_release(&w->head);
		s3_client_release(&w->s3);
		curl_global_cleanup();
	}
	if (w->cands)
		fclose(w->cands);
	if (w->heads)
		fclose(w->heads);
	if (w->in && w->in != stdin)
		fclose(w->in);
	fates_release(&w->fate);
	free(w->hline);
	nearmiss_free(w->nm);
	if (w->r)
		refs_close(w->r);
	free(w->dir);
	free(w->f.exclude);
	buf_release(&w->line);
	conf_release(&w->conf);
}

static void die(struct run *w, const struct s3gc_err *e) __attribute__((noreturn));
static void die(struct run *w, const struct s3gc_err *e)
{
	struct s3gc_err copy = *e;

	release(w);
	fe_die(&copy);
}

static void die_with(struct run *w, enum s3gc_errclass cls, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
static void die_with(struct run *w, enum s3gc_errclass cls, const char *fmt, ...)
{
	struct s3gc_err e;
	va_list ap;

	err_clear(&e);
	e.cls = cls;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof e.msg, fmt, ap);
	va_end(ap);
	die(w, &e);
}

/* A safety brake: said now, refused at the end unless --force. */
static void brake(struct run *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void brake(struct run *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w->f.force) {
		fe_warn("%s; going on: --force", msg);
		return;
	}
	if (!w->brake)
		snprintf(w->why, sizeof w->why, "%s", msg);
	else
		fe_warn("%s", msg);
	w->brake++;
}

/* The server's clock and the listing's start, from --listing or --server-time. */
static void clocks(struct run *w)
{
	struct buf json = BUF_INIT, v = BUF_INIT;
	struct s3gc_err e;
	int found;
	FILE *fp;

	if (w->f.server_time) {
		if (time_parse_rfc3339(w->f.server_time, strlen(w->f.server_time), &w->now) < 0)
			fe_usage_error("--server-time: an RFC 3339 time (2026-01-02T03:04:05Z), not '%s'",
				       w->f.server_time);
		w->started = w->now;
		return;
	}
	if (!(fp = fopen(w->f.listing, "r"))) {
		err_sys(&e, S3GC_E_NOINPUT, errno, "cannot open the listing's stats '%s'",
			w->f.listing);
		die(w, &e);
	}
	for (int ch; (ch = getc(fp)) != EOF;)
		if (buf_addc(&json, (char)ch, &e) < 0)
			break;
	fclose(fp);
	if (jsonr_get(json.data ? json.data : "", json.len, "complete", &v, &found, &e) < 0 ||
	    !found || strcmp(buf_str(&v), "true") != 0) {
		buf_release(&json);
		buf_release(&v);
		if (e.cls == S3GC_E_DATA)
			die_with(w, S3GC_E_DATA, "'%s': %s", w->f.listing, e.msg);
		die_with(w, S3GC_E_BRAKE, "'%s': the listing did not complete: its records are not "
			 "all the bucket holds", w->f.listing);
	}
	if (jsonr_get(json.data, json.len, "server_time", &v, &found, &e) < 0 || !found ||
	    time_parse_rfc3339(v.data, v.len, &w->now) < 0 ||
	    jsonr_get(json.data, json.len, "started", &v, &found, &e) < 0 || !found ||
	    time_parse_rfc3339(v.data, v.len, &w->started) < 0) {
		buf_release(&json);
		buf_release(&v);
		die_with(w, S3GC_E_DATA, "'%s': no server_time and started (RFC 3339) in it",
			 w->f.listing);
	}
	buf_release(&json);
	buf_release(&v);
	if (llabs((long long)(w->now - w->started)) > SKEW_WARN_S)
		fe_warn("the S3 server's clock is %+lld s from this machine's: retention is "
			"measured by the server's", (long long)(w->now - w->started));
}

/* The store, opened for writing (the last run's key count is kept in it),
 * but never made: a missing store is exit 66. */
static void open_store(struct run *w)
{
	struct s3gc_err e;
	struct stat sb;
	char *path;

	if (w->f.refs)
		w->dir = strdup(w->f.refs);
	else if (asprintf(&w->dir, "%s/refs", w->conf.vault_path) < 0)
		w->dir = NULL;
	if (!w->dir || asprintf(&path, "%s/data.mdb", w->dir) < 0)
		die_with(w, S3GC_E_SYS, "cannot allocate memory");
	if (stat(path, &sb) < 0) {
		free(path);
		die_with(w, S3GC_E_NOINPUT, "no reference store in '%s': make it with "
			 "'s3gc-refs snapshot'", w->dir);
	}
	free(path);
	if (refs_open(&w->r, w->dir, 0, &e) < 0)
		die(w, &e);
}

/* Brakes that need nothing but the store: a snapshot, and a store as new as the listing. */
static void store_brakes(struct run *w)
{
	unsigned long long nrows;
	struct buf v = BUF_INIT;
	struct s3gc_err e;
	int found;

	if (refs_begin(w->r, 0, &e) < 0 || refs_nkeys(w->r, &w->refs_now, &nrows, &e) < 0 ||
	    refs_meta_get(w->r, DIFF_META_KEYS, &v, &found, &e) < 0)
		goto fail;
	w->refs_before = found ? strtoull(buf_str(&v), NULL, 10) : 0;
	if (refs_meta_get(w->r, REFS_META_SNAPSHOT, &v, &found, &e) < 0)
		goto fail;
	if (!found)
		brake(w, "the reference store '%s' has never completed a snapshot: every object "
		      "would look unreferenced (run 's3gc-refs snapshot')", w->dir);
	if (w->conf.cdc_backend != CONF_CDC_NONE) {
		time_t caught = 0;

		if (refs_meta_get(w->r, REFS_META_CAUGHT_UP, &v, &found, &e) < 0)
			goto fail;
		if (!found || time_parse_rfc3339(v.data, v.len, &caught) < 0)
			brake(w, "the reference store '%s' has never caught up with the database "
			      "(run 's3gc-refs sync' after the listing)", w->dir);
		else if (caught < w->started)
			brake(w, "the reference store was caught up at %s, before the listing "
			      "started: a row written in between could be missed (run 's3gc-refs "
			      "sync' after the listing)", buf_str(&v));
	}
	refs_abort(w->r);
	buf_release(&v);
	return;
fail:
	refs_abort(w->r);
	buf_release(&v);
	die(w, &e);
}

static int on_ref(void *arg, const char *key, size_t n, struct s3gc_err *e)
{
	return nearmiss_ref(arg, key, n, e);
}

#define SORT_MEM (32u << 20) /* --sort: records in memory before a run goes to disk */

/* --sort: the records of standard input, checked, in key order in a
 * temporary file. */
static FILE *sorted_input(struct run *w)
{
	const char *tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct extsort *xs = NULL;
	struct rec_reader rd;
	struct s3gc_err e;
	struct rec rec;
	struct obj obj;
	FILE *out = NULL;
	int rc;

	if (extsort_new(&xs, tmpdir, SORT_MEM, &e) < 0)
		die(w, &e);
	rec_reader_init(&rd, stdin, "-", 0);
	while ((rc = rec_read(&rd, &rec, &e)) == 1)
		if (obj_from_rec(&rd, &rec, &obj, &e) < 0 ||
		    extsort_add(xs, obj.key, obj.key_len, rd.line.data, rd.line.len, &e) < 0) {
			rc = -1;
			break;
		}
	rec_reader_release(&rd);
	if (rc == 0 && extsort_finish(xs, &e) == 0 && (out = tmpfile())) {
		const void *k, *v;
		size_t kn, vn;

		while ((rc = extsort_next(xs, &k, &kn, &v, &vn, &e)) == 1)
			if (fwrite(v, 1, vn, out) != vn || putc('\n', out) == EOF) {
				err_sys(&e, S3GC_E_IO, errno, "cannot write a temporary file");
				rc = -1;
				break;
			}
		if (rc == 0 && (fflush(out) != 0 || fseek(out, 0, SEEK_SET) != 0)) {
			err_sys(&e, S3GC_E_IO, errno, "cannot write a temporary file");
			rc = -1;
		}
	} else if (rc == 0) {
		if (!out && e.cls == S3GC_OK)
			err_sys(&e, S3GC_E_IO, errno, "cannot make a temporary file");
		rc = -1;
	}
	extsort_free(xs);
	if (rc < 0) {
		if (out)
			fclose(out);
		die(w, &e);
	}
	return out;
}

/*
 * A record of only a key: the object's size, time and ETag from a HEAD.
 * 0, with *gone when there is no such object any more.
 */
static int head(struct run *w, struct obj *o, int *gone, struct s3gc_err *e)
{
	*gone = 0;
	if (!w->have_s3) {
		if (http_global_init(e) < 0 ||
		    s3_client_init(&w->s3, w->conf.bucket, w->conf.region, w->conf.endpoint, e) < 0)
			return -1;
		if (http_xfer_init(&w->x, &w->s3.policy, e) < 0) {
			s3_client_release(&w->s3);
			return -1;
		}
		s3_objhead_init(&w->head);
		w->have_s3 = 1;
	}
	if (s3_head_object(&w->s3, &w->x, o->key, o->key_len, &w->head, e) < 0)
		return -1;
	if (!w->head.found) {
		*gone = 1;
		return 0;
	}
	if (!w->head.last_modified)
		return 0; /* no time: kept, as its age is not known */
	o->has_meta = 1;
	o->size = w->head.size;
	o->mtime = (time_t)w->head.last_modified;
	snprintf(o->etag, sizeof o->etag, "%s", w->head.etag);
	return 0;
}

/* The input, as fstat sees it, is what it was when first read. */
static int same_input(const struct run *w)
{
	struct stat sb;

	return fstat(fileno(w->in), &sb) == 0 && sb.st_dev == w->inst.st_dev &&
	       sb.st_ino == w->inst.st_ino && sb.st_size == w->inst.st_size &&
	       sb.st_mtim.tv_sec == w->inst.st_mtim.tv_sec &&
	       sb.st_mtim.tv_nsec == w->inst.st_mtim.tv_nsec &&
	       sb.st_ctim.tv_sec == w->inst.st_ctim.tv_sec &&
	       sb.st_ctim.tv_nsec == w->inst.st_ctim.tv_nsec;
}

/* A regular file is read again for the later passes rather than copied. */
static void choose_source(struct run *w)
{
	int fd = fileno(w->in);

	if (fstat(fd, &w->inst) == 0 && S_ISREG(w->inst.st_mode) &&
	    (w->start = lseek(fd, 0, SEEK_CUR)) >= 0) {
		w->reread = 1;
		return;
	}
	if (!(w->cands = tmpfile()))
		die_with(w, S3GC_E_IO, "cannot make a temporary file: %s", strerror(errno));
	setvbuf(w->cands, w->candbuf, _IOFBF, IO_BUF);
}

/* Keep candidate line i (p[0..n) and its LF), or the line a HEAD made. */
static int keep(struct run *w, unsigned long long i, const char *p, size_t n, int keyonly,
		struct s3gc_err *e)
{
	FILE *fp = w->reread ? w->heads : w->cands;

	if (w->reread) {
		if (keyonly && !w->heads && !(fp = w->heads = tmpfile()))
			return err_sys(e, S3GC_E_IO, errno, "cannot make a temporary file");
		if (fates_set(&w->fate, i, F_CAND, e) < 0)
			return -1;
		if (!keyonly)
			return 0;
	} else if (fates_set(&w->fate, w->nsrc++, F_CAND, e) < 0) {
		return -1;
	}
	if (keyonly ? fwrite(w->line.data, 1, w->line.len, fp) != w->line.len
		    : fwrite(p, 1, n + 1, fp) != n + 1)
		return err_sys(e, S3GC_E_IO, errno, "cannot write a temporary file");
	return 0;
}

/* Read the listing and join it with the store. Nothing is written out
 * yet: only once every brake and check has passed. */
static void join(struct run *w)
{
	struct diff_opts o = { w->now, 0, NULL, 0, on_ref, NULL };
	char **ex = malloc((w->conf.nexclude + w->f.nexclude + 1) * sizeof(*ex));
	struct rec_reader rd;
	struct lines ln;
	struct s3gc_err e;
	struct diff *d;
	struct rec rec;
	struct obj obj;
	const char *p;
	size_t n;
	int rc;

	if (!ex || nearmiss_new(&w->nm, w->conf.bucket, &e) < 0) {
		free(ex);
		die_with(w, S3GC_E_SYS, "cannot allocate memory");
	}
	choose_source(w);
	for (size_t i = 0; i < w->conf.nexclude; i++)
		ex[o.nexclude++] = w->conf.exclude[i];
	for (size_t i = 0; i < w->f.nexclude; i++)
		ex[o.nexclude++] = w->f.exclude[i];
	o.exclude = ex;
	o.ref_arg = w->nm;
	o.retention_s = 86400LL * (w->f.retention >= 0 ? w->f.retention : w->conf.retention_days);
	if (lines_open(&ln, fileno(w->in), w->name, 0, &e) < 0 || diff_begin(&d, w->r, &o, &e) < 0) {
		lines_close(&ln);
		free(ex);
		die(w, &e);
	}
	rec_reader_init(&rd, NULL, w->name, 0);
	for (;;) {
		enum diff_verdict v;
		int keyonly = 0;
		size_t avail = lines_peek(&ln, &p);

		if (avail > ln.maxline + 1)
			avail = ln.maxline + 1; /* a longer line is refused below */

		/* Plain lines take the fast path; the rest are read and decoded
		 * strictly. */
		if (avail && obj_scan(p, avail, &obj, &n)) {
			lines_skip(&ln, n + 1);
		} else {
			if ((rc = lines_next(&ln, &p, &n, &e)) != 1)
				break;
			rd.lineno = ln.lineno;
			if (rec_parse(&rd, p, n, &rec, &e) < 0 || obj_from_rec(&rd, &rec, &obj, &e) < 0) {
				rc = -1;
				break;
			}
			keyonly = !obj.has_meta;
		}
		if (keyonly) {
			int gone;

			if (head(w, &obj, &gone, &e) < 0) {
				rc = -1;
				break;
			}
			if (gone) {
				log_msg(LOG_INFO, "'%.*s': no such object, skipped",
					(int)(obj.key_len > 300 ? 300 : obj.key_len), obj.key);
				continue;
			}
			/* Kept with what the HEAD said. */
			buf_reset(&w->line);
			if (obj_format(&w->line, &obj, &e) < 0) {
				rc = -1;
				break;
			}
		}
		if (diff_one(d, &obj, &v, &e) < 0) {
			err_prefix(&e, "%s:%lu", w->f.sort ? "sorted input" : "stdin", ln.lineno);
			rc = -1;
			break;
		}
		if (v != DIFF_CANDIDATE)
			continue;
		if (!w->nm_pass && nearmiss_featured(w->nm, obj.key, obj.key_len))
			w->nm_pass = 1;
		if (keep(w, ln.lineno - 1, p, n, keyonly, &e) < 0) {
			rc = -1;
			break;
		}
	}
	if (w->reread)
		w->nsrc = ln.lineno;
	if (rc == 0 && diff_drain(d, &e) < 0)
		rc = -1;
	w->st = *diff_stats(d);
	diff_end(d);
	rec_reader_release(&rd);
	lines_close(&ln);
	free(ex);
	if (rc < 0)
		die(w, &e);
	nearmiss_ready(w->nm);
	if (nearmiss_any_ref(w->nm))
		w->nm_pass = 1;
	if ((w->cands && fflush(w->cands) != 0) || (w->heads && fflush(w->heads) != 0))
		die_with(w, S3GC_E_IO, "cannot write a temporary file: %s", strerror(errno));
}

/* A pass over the source: its lines, and the fate of each. */
struct pass {
	struct lines ln;
	unsigned long long i;    /* the line's place */
};

static void pass_open(struct run *w, struct pass *s)
{
	struct s3gc_err e;
	int fd = w->reread ? fileno(w->in) : fileno(w->cands);

	s->i = 0;
	if (w->reread && !same_input(w))
		die_with(w, S3GC_E_DATA, "%s changed while it was read (a file is read more than "
			 "once): nothing written", w->f.sort ? "the sorted input" : "standard input");
	if (lseek(fd, w->reread ? w->start : 0, SEEK_SET) < 0 ||
	    (w->heads && fseek(w->heads, 0, SEEK_SET) != 0))
		die_with(w, S3GC_E_IO, "cannot read %s again: %s", w->reread ? "the input" :
			 "a temporary file", strerror(errno));
	if (lines_open(&s->ln, fd, w->reread ? w->name : "a temporary file", 0, &e) < 0)
		die(w, &e);
}

/*
 * The next line of the pass that was a candidate: its line to write out
 * (with its LF) and its key decoded into key (when key is not NULL). 1, 0
 * at the end, -1 on an error.
 */
static int pass_next(struct run *w, struct pass *s, const char **line, size_t *n,
		     unsigned *fate, struct buf *key, struct s3gc_err *e)
{
	const char *p;
	size_t len, k;
	int rc;

	while ((rc = lines_next(&s->ln, &p, &len, e)) == 1) {
		if ((*fate = fates_get(&w->fate, s->i++)) != F_NONE)
			break;
	}
	if (rc <= 0) {
		if (rc == 0 && (s->i != w->nsrc || (w->reread && !same_input(w))))
			return err_set(e, S3GC_E_DATA, 0, "%s changed while it was read (a file is "
				       "read more than once)", w->f.sort ? "the sorted input" :
				       "standard input");
		return rc;
	}
	for (k = 0; k < len && p[k] != '\t'; k++)
		;
	if (key) {
		buf_reset(key);
		if (rec_decode(key, p, k, e) < 0)
			return -1;
	}
	*line = p;
	*n = len + 1;
	if (w->reread && k == len) { /* a key alone: the HEAD's line */
		ssize_t got = getline(&w->hline, &w->hcap, w->heads);

		if (got <= 0)
			return err_set(e, S3GC_E_IO, 0, "cannot read a temporary file");
		*line = w->hline;
		*n = (size_t)got;
	}
	return 1;
}

/*
 * The candidates that a reference names after a small change (case,
 * decoding, a slash, the bucket's name): said, counted, and kept out of
 * the candidates unless --force. Only when a candidate or a reference
 * has such a thing to change at all.
 */
static void near_misses(struct run *w)
{
	struct buf key = BUF_INIT;
	struct s3gc_err e;
	struct pass s;
	const char *line;
	unsigned fate;
	size_t n;
	int rc;

	if (!w->nm_pass)
		return;
	if (refs_begin(w->r, 0, &e) < 0)
		die(w, &e);
	pass_open(w, &s);
	while ((rc = pass_next(w, &s, &line, &n, &fate, &key, &e)) == 1) {
		enum nearmiss_kind k;

		if (nearmiss_check(w->nm, w->r, key.data, key.len, &k, &e) < 0) {
			rc = -1;
			break;
		}
		if (k == NM_NONE)
			continue;
		if (++w->near <= NEAR_NAMED)
			fe_warn("near miss: '%.*s' is not referenced, but would be after %s%s",
				(int)(key.len > 300 ? 300 : key.len), key.data,
				nearmiss_name(k), w->f.force ? "" : "; kept");
		if (!w->f.force && fates_set(&w->fate, s.i - 1, F_NEAR, &e) < 0) {
			rc = -1;
			break;
		}
	}
	refs_abort(w->r);
	lines_close(&s.ln);
	buf_release(&key);
	if (rc < 0)
		die(w, &e);
	if (w->near > NEAR_NAMED)
		fe_warn("near misses: %llu more not named", w->near - NEAR_NAMED);
	if (w->near)
		fe_warn("%llu near misses: listed keys a reference names only after a small change "
			"(see s3gc-diff(1)); %s", w->near, w->f.force ?
			"--force: they stay candidates" : "they are not candidates");
}

/* The limits: the candidates' count, the store shrinking. */
static void count_brakes(struct run *w)
{
	unsigned long long limit = w->f.max_pct >= 0 ?
		(unsigned long long)(w->st.scanned * w->f.max_pct / 100.0) : w->f.max_n;
	unsigned long long n = w->st.candidates - (w->f.force ? 0 : w->near);

	if (n > limit)
		brake(w, "%llu candidates of %llu objects listed is more than %s allows (%llu)",
		      n, w->st.scanned, w->f.max_set ? "--max-delete" : "max_delete", limit);
	if (w->refs_before && w->refs_now < w->refs_before &&
	    (w->refs_before - w->refs_now) * 100.0 / (double)w->refs_before > w->f.max_drop)
		brake(w, "the reference store holds %llu keys, %llu at the last run: %.1f%% fewer, "
		      "more than --max-ref-drop allows (%.1f%%)", w->refs_now, w->refs_before,
		      (w->refs_before - w->refs_now) * 100.0 / (double)w->refs_before, w->f.max_drop);
}

/* Verify the chunk of candidates in set (set's key i is line at[i]):
 * those referenced become F_REFERENCED. */
static int verify_chunk(struct run *w, struct keyset *set, const unsigned long long *at,
			struct s3gc_err *e)
{
	struct norm_ctx nc = { w->conf.bucket, w->conf.region, w->conf.endpoint };
	struct verify_stats vs = { 0 };

	if (verify_pg(&w->conf, &nc, set, &vs, e) < 0)
		return err_prefix(e, "the candidates could not be verified, none is written");
	for (size_t i = 0; i < set->n; i++)
		if (set->mark[i] && fates_set(&w->fate, at[i], F_REFERENCED, e) < 0)
			return -1;
	log_msg(LOG_DEBUG, "verified %zu candidates against %llu rows (%llu values, %llu not "
		"keys)", set->n, vs.rows, vs.values, vs.unknown);
	return 0;
}

/* Every candidate verified, a chunk at a time (each chunk one pass over
 * the database). */
static void verify(struct run *w)
{
	unsigned long long *at = NULL;
	struct buf key = BUF_INIT;
	size_t cap = 0, n;
	struct keyset set;
	struct s3gc_err e;
	struct pass s;
	const char *line;
	unsigned fate;
	int rc;

	keyset_init(&set);
	pass_open(w, &s);
	while ((rc = pass_next(w, &s, &line, &n, &fate, &key, &e)) == 1) {
		if (fate != F_CAND)
			continue;
		if (set.n == cap) {
			unsigned long long *na = realloc(at, (cap = cap ? 2 * cap : 4096) * sizeof(*at));

			if (!na) {
				err_sys(&e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
				rc = -1;
				break;
			}
			at = na;
		}
		at[set.n] = s.i - 1;
		if (keyset_add(&set, key.data, key.len, NULL, &e) < 0 ||
		    (keyset_bytes(&set) >= CHUNK_BYTES && verify_chunk(w, &set, at, &e) < 0)) {
			rc = -1;
			break;
		}
		if (keyset_bytes(&set) >= CHUNK_BYTES)
			keyset_reset(&set);
	}
	if (rc == 0 && set.n && verify_chunk(w, &set, at, &e) < 0)
		rc = -1;
	lines_close(&s.ln);
	keyset_release(&set);
	buf_release(&key);
	free(at);
	if (rc < 0)
		die(w, &e);
}

/*
 * Verify every candidate, then write out those no row refers to, in
 * order: nothing is written unless every chunk could be verified.
 */
static void settle(struct run *w)
{
	struct s3gc_err e;
	struct pass s;
	const char *line;
	unsigned fate;
	size_t n;
	int rc;

	if (!w->f.no_verify)
		verify(w);
	pass_open(w, &s);
	while ((rc = pass_next(w, &s, &line, &n, &fate, NULL, &e)) == 1) {
		if (fate == F_REFERENCED)
			w->dropped++;
		if (fate != F_CAND)
			continue;
		w->verified++;
		if (fwrite(line, 1, n, stdout) != n) {
			err_sys(&e, S3GC_E_IO, errno, "cannot write to standard output");
			rc = -1;
			break;
		}
	}
	lines_close(&s.ln);
	if (rc < 0)
		die(w, &e);
	if (w->dropped)
		fe_warn("%llu candidates are referenced in the database: the reference store was "
			"behind it (run 's3gc-refs sync', or see 's3gc-refs stat'); they are kept",
			w->dropped);
}

/* The counts: on stderr at the end (unless -q), and as JSON with --stats. */
static void write_stats(struct run *w)
{
	struct buf b = BUF_INIT;
	struct s3gc_err e;

	log_msg(LOG_WARN, "%llu listed: %llu excluded, %llu too young, %llu referenced, "
		"%llu candidates, %llu near misses, %llu verified orphans, %llu dropped by "
		"verification", w->st.scanned, w->st.excluded, w->st.young, w->st.referenced,
		w->st.candidates, w->near, w->verified, w->dropped);
	if (!w->f.stats)
		return;
	if (buf_addf(&b, &e, "{\"scanned\":%llu,\"excluded\":%llu,\"too_young\":%llu,"
		     "\"referenced\":%llu,\"candidates\":%llu,\"near_misses\":%llu,"
		     "\"verified_orphans\":%llu,\"dropped_by_verification\":%llu,\"verified\":%s,"
		     "\"refused\":%s,\"reference_keys\":%llu}\n", w->st.scanned, w->st.excluded,
		     w->st.young, w->st.referenced, w->st.candidates, w->near, w->verified, w->dropped,
		     w->f.no_verify ? "false" : "true", w->brake ? "true" : "false",
		     w->refs_now) < 0 ||
	    fe_write_file(w->f.stats, b.data, b.len, &e) < 0) {
		buf_release(&b);
		die(w, &e);
	}
	buf_release(&b);
}

/* The store's key count, for the next run's --max-ref-drop. */
static void remember(struct run *w)
{
	char v[32];
	struct s3gc_err e;

	snprintf(v, sizeof v, "%llu", w->refs_now);
	if (refs_begin(w->r, 1, &e) < 0 ||
	    refs_meta_set(w->r, DIFF_META_KEYS, v, strlen(v), &e) < 0 ||
	    refs_commit(w->r, &e) < 0) {
		refs_abort(w->r);
		die(w, &e);
	}
}

/* Seconds since *t, which becomes now: for -vv. */
static double seconds_since(struct timespec *t)
{
	struct timespec now;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &now);
	s = (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
	*t = now;
	return s;
}

/* glibc ignores setvbuf's size without a buffer */
static char inbuf[IO_BUF], outbuf[IO_BUF];

int main(int argc, char **argv)
{
	static struct run w; /* big: its buffer */
	struct timespec t0;
	struct s3gc_err e;

	memset(&w, 0, sizeof w);
	buf_init(&w.line, 0);
	fe_init(argv[0]);
	w.f.retention = -1;
	w.f.max_drop = 10;
	parse_args(argc, argv, &w.f);
	setvbuf(stdin, inbuf, _IOFBF, IO_BUF);
	setvbuf(stdout, outbuf, _IOFBF, IO_BUF);
	fe_conf_load(&w.conf, w.f.config);
	if (conf_check(&w.conf, 1, &e) < 0)
		die(&w, &e);
	if (!w.f.max_set) {
		w.f.max_n = w.conf.max_delete_n;
		w.f.max_pct = w.conf.max_delete_pct;
	}
	if (!w.f.no_verify && (w.conf.cdc_backend != CONF_CDC_POSTGRES || !w.conf.ntables))
		die_with(&w, S3GC_E_CONFIG, "verifying candidates needs cdc_backend = postgres, "
			 "cdc_connection_url and [tables] in the configuration (or --no-verify)");
	clocks(&w);
	open_store(&w);
	store_brakes(&w);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	w.in = w.f.sort ? sorted_input(&w) : stdin;
	w.name = w.f.sort ? "sorted input" : "-";
	join(&w);
	log_msg(LOG_DEBUG, "joined in %.2f s", seconds_since(&t0));
	near_misses(&w);
	count_brakes(&w);
	if (w.brake) {
		write_stats(&w);
		die_with(&w, S3GC_E_BRAKE, "refused, nothing written: %s%s", w.why,
			 w.brake > 1 ? " (and more, above)" : "");
	}
	settle(&w);
	log_msg(LOG_DEBUG, "settled in %.2f s", seconds_since(&t0));
	write_stats(&w);
	remember(&w);
	release(&w);
	return 0;
}
