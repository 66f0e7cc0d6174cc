/*
 * conf.h: s3gc.conf(5). Layers, later ones winning: defaults, the file,
 * the environment, then command-line flags (conf_set with the flag's name
 * as origin). Lists (exclude_prefix) accumulate across layers instead.
 */
#ifndef S3GC_CONF_H
#define S3GC_CONF_H

#include "err.h"

enum conf_mode { CONF_DRY_RUN = 0, CONF_EXECUTE };
enum conf_cdc { CONF_CDC_NONE = 0, CONF_CDC_POSTGRES, CONF_CDC_MYSQL };
enum conf_colkind { CONF_COL_TEXT = 0, CONF_COL_ARRAY, CONF_COL_JSON };

struct conf_column {
	char *name;
	enum conf_colkind kind;
};

struct conf_table {
	char *name; /* identifier, optionally schema-qualified: "public.users" */
	struct conf_column *cols;
	size_t ncols;
};

/* Every string is heap memory owned by the struct (conf_release). */
struct conf {
	char *path;          /* the file read, or NULL */
	char *bucket;        /* required by most tools; NULL until set */
	char *region;        /* "us-east-1" */
	char *endpoint;      /* NULL: AWS, virtual-hosted */
	enum conf_mode mode; /* dry_run */
	int retention_days;  /* 7 */
	/* max_delete: a count when max_delete_pct < 0, else a percent of the
	 * objects listed (10) */
	unsigned long long max_delete_n;
	double max_delete_pct;
	char **exclude;      /* exclude_prefix values */
	size_t nexclude;
	char *vault_path;    /* "./s3gc_vault" */
	enum conf_cdc cdc_backend;
	char *cdc_url;       /* may hold a password: never print it */
	int has_schedule;
	int sched_hour, sched_min;
	struct conf_table *tables;
	size_t ntables;
};

/* Defaults; cannot fail except for memory (then -1). */
int conf_init(struct conf *c, struct s3gc_err *e);
void conf_release(struct conf *c);

/*
 * Find and read the file: path if non-NULL (must exist), else S3GC_CONFIG
 * (must exist), else ./s3gc.conf if it exists, else none. Then apply the
 * environment (conf_load_env). Errors are S3GC_E_CONFIG naming file and line.
 */
int conf_load(struct conf *c, const char *path, struct s3gc_err *e);

/* Read one file into c. */
int conf_load_file(struct conf *c, const char *path, struct s3gc_err *e);

/*
 * The environment: S3GC_BUCKET, S3GC_REGION (then AWS_REGION,
 * AWS_DEFAULT_REGION), S3GC_ENDPOINT (then AWS_ENDPOINT_URL_S3,
 * AWS_ENDPOINT_URL), S3GC_MODE, S3GC_RETENTION_DAYS, S3GC_MAX_DELETE,
 * S3GC_EXCLUDE_PREFIX, S3GC_VAULT_PATH, S3GC_CDC_BACKEND,
 * S3GC_CDC_CONNECTION_URL, S3GC_SCHEDULE.
 */
int conf_load_env(struct conf *c, struct s3gc_err *e);

/*
 * Set one key (a name of the file's global section) from text. origin
 * names where it came from for error messages: "s3gc.conf:12",
 * "S3GC_MODE", "--region".
 */
int conf_set(struct conf *c, const char *key, const char *value,
	     const char *origin, struct s3gc_err *e);

/*
 * A limit, as max_delete takes it: "N", a count up to 10^15 (*pct = -1),
 * or "P%", a percentage from 0 to 100 with up to six decimals (*n = 0).
 * -1, with *n and *pct untouched, for anything else.
 */
int conf_limit_parse(const char *v, unsigned long long *n, double *pct);

/* Check what a tool needs: the bucket (when need_bucket). */
int conf_check(const struct conf *c, int need_bucket, struct s3gc_err *e);

#endif
