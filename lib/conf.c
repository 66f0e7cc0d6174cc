/* conf.c: s3gc.conf(5): defaults, the file, the environment and flags, in layers. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define CONF_LINE_MAX 65536
#define IDENT_MAX 64 /* MySQL's limit; Postgres truncates at 63 consistently */
#define SHOW_MAX 80  /* how much of a bad value a message repeats */
#define RETENTION_MAX 36500

/* ---- small helpers ---- */

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_lower_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || is_digit(ch);
}

static int is_ident_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static int is_ident_char(char ch)
{
	return is_ident_start(ch) || is_digit(ch) || ch == '$';
}

/* [A-Za-z_][A-Za-z0-9_$]* of s[0..n), at most IDENT_MAX bytes. */
static int is_ident(const char *s, size_t n)
{
	if (n == 0 || n > IDENT_MAX || !is_ident_start(s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!is_ident_char(s[i]))
			return 0;
	return 1;
}

/* A value as a message repeats it: control bytes escaped, long ones cut. */
static const char *show(char *dst, size_t size, const char *v)
{
	size_t o = 0, i;

	for (i = 0; v[i] && i < SHOW_MAX && o + 8 < size; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch < 0x20 || ch == 0x7F)
			o += (size_t)snprintf(dst + o, size - o, "\\x%02X", ch);
		else
			dst[o++] = (char)ch;
	}
	if (v[i] && o + 4 < size) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

/*
 * A name (key or table) as a message repeats it: cut at the first ':',
 * '/' or '@', so that "cdc_connection_url: postgres://u:pw@h?x=1", whose
 * "key" runs to the '=', never reaches a message whole.
 */
static const char *show_name(char *dst, size_t size, const char *name)
{
	size_t cut = strcspn(name, ":/@");

	show(dst, size, name);
	if (name[cut] && cut < strlen(dst))
		snprintf(dst + cut, size - cut, "...");
	return dst;
}

static int bad_value(struct s3gc_err *e, const char *origin, const char *key,
		     const char *value, const char *expected)
{
	char shown[4 * SHOW_MAX + 8];

	return err_set(e, S3GC_E_CONFIG, 0, "%s: bad value '%s' for '%s': %s",
		       origin, show(shown, sizeof(shown), value), key, expected);
}

/* Replace *slot by a copy of v. */
static int replace(char **slot, const char *v, struct s3gc_err *e)
{
	char *p = strdup(v);

	if (!p)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	free(*slot);
	*slot = p;
	return 0;
}

static int empty_value(struct s3gc_err *e, const char *origin, const char *key)
{
	return err_set(e, S3GC_E_CONFIG, 0, "%s: empty value for '%s'", origin,
		       key);
}

/* ---- the global keys ---- */

/* S3's bucket naming rules for new buckets. */
static int set_bucket(struct conf *c, const char *v, const char *origin,
		      struct s3gc_err *e)
{
	static const char rules[] =
		"expected 3 to 63 lowercase letters, digits, '.' and '-', "
		"starting and ending with a letter or digit";
	size_t n = strlen(v);

	if (n < 3 || n > 63 || !is_lower_alnum(v[0]) || !is_lower_alnum(v[n - 1]))
		return bad_value(e, origin, "bucket", v, rules);
	for (size_t i = 0; i < n; i++) {
		if (!is_lower_alnum(v[i]) && v[i] != '.' && v[i] != '-')
			return bad_value(e, origin, "bucket", v, rules);
		if (v[i] == '.' && v[i + 1] == '.')
			return bad_value(e, origin, "bucket", v,
					 "two adjacent periods are not allowed");
	}
	return replace(&c->bucket, v, e);
}

static int set_region(struct conf *c, const char *v, const char *origin,
		      struct s3gc_err *e)
{
	size_t n = strlen(v);
	int ok = n > 0 && n <= 64 && v[0] != '-' && v[n - 1] != '-';

	for (size_t i = 0; ok && i < n; i++)
		ok = is_lower_alnum(v[i]) || v[i] == '-';
	if (!ok)
		return bad_value(e, origin, "region", v,
				 "expected lowercase letters, digits and '-', "
				 "like us-east-1");
	return replace(&c->region, v, e);
}

static int is_host_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || is_lower_alnum(ch) || ch == '-';
}

static int is_hex(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/*
 * The length of the host at the start of s: a DNS name or IPv4 address
 * (dot-separated labels of letters, digits and inner '-'), or [IPv6].
 * 0 if there is none.
 */
static size_t endpoint_host(const char *s)
{
	size_t i = 0, label;

	if (s[0] == '[') {
		for (i = 1; is_hex(s[i]) || s[i] == ':' || s[i] == '.'; i++)
			;
		return i > 1 && s[i] == ']' ? i + 1 : 0;
	}
	for (;;) {
		for (label = i; is_host_char(s[i]); i++)
			;
		if (i == label || s[label] == '-' || s[i - 1] == '-')
			return 0;
		if (s[i] != '.')
			return i;
		i++;
	}
}

/*
 * http[s]://HOST[:PORT][/] and nothing else: the bucket goes in the path
 * (path-style addressing), so a path of the user's own would be mixed in.
 * The trailing '/' is dropped.
 */
static int set_endpoint(struct conf *c, const char *v, const char *origin,
			struct s3gc_err *e)
{
	static const char form[] = "expected http://HOST[:PORT] or https://HOST[:PORT]";
	const char *p;
	size_t hl, n;
	char *copy;
	long port = 0;

	if (strncmp(v, "http://", 7) == 0)
		p = v + 7;
	else if (strncmp(v, "https://", 8) == 0)
		p = v + 8;
	else
		return bad_value(e, origin, "endpoint", v, form);
	/* user:password@ must never be repeated in a message */
	if (strchr(p, '@'))
		return err_set(e, S3GC_E_CONFIG, 0,
			       "%s: bad value for 'endpoint': user information "
			       "('user@') is not allowed; %s",
			       origin, form);
	hl = endpoint_host(p);
	if (hl == 0)
		return bad_value(e, origin, "endpoint", v,
				 "bad host name; expected http://HOST[:PORT] "
				 "or https://HOST[:PORT]");
	p += hl;
	if (*p == ':') {
		size_t nd = 0;

		for (p++; is_digit(*p) && nd < 6; p++, nd++)
			port = port * 10 + (*p - '0');
		if (nd == 0 || nd > 5 || port < 1 || port > 65535)
			return bad_value(e, origin, "endpoint", v,
					 "bad port; expected 1 to 65535");
	}
	if (*p == '/')
		p++;
	if (*p)
		return bad_value(e, origin, "endpoint", v,
				 "a path, query or fragment is not allowed; "
				 "expected http://HOST[:PORT] or https://HOST[:PORT]");
	n = strlen(v);
	copy = strdup(v);
	if (!copy)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	if (copy[n - 1] == '/')
		copy[n - 1] = '\0';
	free(c->endpoint);
	c->endpoint = copy;
	return 0;
}

static int set_mode(struct conf *c, const char *v, const char *origin,
		    struct s3gc_err *e)
{
	if (strcmp(v, "dry_run") == 0)
		c->mode = CONF_DRY_RUN;
	else if (strcmp(v, "execute") == 0)
		c->mode = CONF_EXECUTE;
	else
		return bad_value(e, origin, "mode", v,
				 "expected 'dry_run' or 'execute'");
	return 0;
}

static int set_retention(struct conf *c, const char *v, const char *origin,
			 struct s3gc_err *e)
{
	long days = 0;
	size_t i;

	for (i = 0; is_digit(v[i]) && days <= RETENTION_MAX; i++)
		days = days * 10 + (v[i] - '0');
	if (i == 0 || v[i] || days > RETENTION_MAX)
		return bad_value(e, origin, "retention_days", v,
				 "expected a whole number of days from 0 to 36500");
	c->retention_days = (int)days;
	return 0;
}

/* Exclusions only ever accumulate: a later layer cannot lift one. */
static int set_exclude(struct conf *c, const char *v, const char *origin,
		       struct s3gc_err *e)
{
	char **list, *copy;

	if (!*v)
		return empty_value(e, origin, "exclude_prefix");
	for (size_t i = 0; i < c->nexclude; i++)
		if (strcmp(c->exclude[i], v) == 0)
			return 0;
	list = realloc(c->exclude, (c->nexclude + 1) * sizeof(*list));
	if (!list)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	c->exclude = list;
	copy = strdup(v);
	if (!copy)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	c->exclude[c->nexclude++] = copy;
	return 0;
}

static int set_vault(struct conf *c, const char *v, const char *origin,
		     struct s3gc_err *e)
{
	if (!*v)
		return empty_value(e, origin, "vault_path");
	return replace(&c->vault_path, v, e);
}

static int set_cdc_backend(struct conf *c, const char *v, const char *origin,
			   struct s3gc_err *e)
{
	if (strcmp(v, "postgres") == 0)
		c->cdc_backend = CONF_CDC_POSTGRES;
	else if (strcmp(v, "mysql") == 0)
		c->cdc_backend = CONF_CDC_MYSQL;
	else
		return bad_value(e, origin, "cdc_backend", v,
				 "expected 'postgres' or 'mysql'");
	return 0;
}

/* Which backend a connection string is for (CONF_CDC_NONE: neither). */
static enum conf_cdc url_backend(const char *v)
{
	size_t i = 0;

	if (strncmp(v, "postgresql://", 13) == 0 ||
	    strncmp(v, "postgres://", 11) == 0)
		return CONF_CDC_POSTGRES;
	if (strncmp(v, "mysql://", 8) == 0 || strncmp(v, "mariadb://", 10) == 0)
		return CONF_CDC_MYSQL;
	/* libpq's "host=db dbname=app ..." form: a keyword, then '='. */
	while (is_ws(v[i]))
		i++;
	if (!((v[i] >= 'a' && v[i] <= 'z') || v[i] == '_'))
		return CONF_CDC_NONE;
	while ((v[i] >= 'a' && v[i] <= 'z') || v[i] == '_')
		i++;
	while (is_ws(v[i]))
		i++;
	return v[i] == '=' ? CONF_CDC_POSTGRES : CONF_CDC_NONE;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/*
 * The value may hold a password: no message repeats it. Whether it suits
 * cdc_backend is checked by conf_check, once every layer is applied.
 */
static int set_cdc_url(struct conf *c, const char *v, const char *origin,
		       struct s3gc_err *e)
{
	char *copy;

	if (!*v)
		return empty_value(e, origin, "cdc_connection_url");
	if (url_backend(v) == CONF_CDC_NONE)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "%s: bad value for 'cdc_connection_url' (not shown): "
			       "expected a postgresql://, postgres://, mysql:// or "
			       "mariadb:// URL, or a libpq key=value string",
			       origin);
	copy = strdup(v);
	if (!copy)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	free_secret(c->cdc_url);
	c->cdc_url = copy;
	return 0;
}

/* "HH:MM", or "daily HH:MM" as DESIGN.md words it. */
static int set_schedule(struct conf *c, const char *v, const char *origin,
			struct s3gc_err *e)
{
	const char *p = v;
	int h, m;

	if (strncmp(p, "daily", 5) == 0 && is_ws(p[5])) {
		for (p += 5; is_ws(*p); p++)
			;
	}
	if (!is_digit(p[0]) || !is_digit(p[1]) || p[2] != ':' ||
	    !is_digit(p[3]) || !is_digit(p[4]) || p[5])
		goto bad;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	if (h > 23 || m > 59)
		goto bad;
	c->has_schedule = 1;
	c->sched_hour = h;
	c->sched_min = m;
	return 0;
bad:
	return bad_value(e, origin, "schedule", v,
			 "expected a daily time 'HH:MM' from 00:00 to 23:59, "
			 "optionally written 'daily HH:MM'");
}

typedef int (*setter_fn)(struct conf *, const char *, const char *,
			 struct s3gc_err *);

static const struct key_def {
	const char *name;
	setter_fn set;
	int repeatable;
	const char *env[3]; /* first non-empty one wins */
} keys[] = {
	{ "bucket", set_bucket, 0, { "S3GC_BUCKET", NULL, NULL } },
	{ "region", set_region, 0,
	  { "S3GC_REGION", "AWS_REGION", "AWS_DEFAULT_REGION" } },
	{ "endpoint", set_endpoint, 0,
	  { "S3GC_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL" } },
	{ "mode", set_mode, 0, { "S3GC_MODE", NULL, NULL } },
	{ "retention_days", set_retention, 0,
	  { "S3GC_RETENTION_DAYS", NULL, NULL } },
	{ "exclude_prefix", set_exclude, 1,
	  { "S3GC_EXCLUDE_PREFIX", NULL, NULL } },
	{ "vault_path", set_vault, 0, { "S3GC_VAULT_PATH", NULL, NULL } },
	{ "cdc_backend", set_cdc_backend, 0,
	  { "S3GC_CDC_BACKEND", NULL, NULL } },
	{ "cdc_connection_url", set_cdc_url, 0,
	  { "S3GC_CDC_CONNECTION_URL", NULL, NULL } },
	{ "schedule", set_schedule, 0, { "S3GC_SCHEDULE", NULL, NULL } },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int key_index(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Edit distance of two short strings, capped: for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[33], prev, tmp;

	if (la > 32 || lb > 32)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static int unknown_key(struct s3gc_err *e, const char *origin, const char *key)
{
	char shown[4 * SHOW_MAX + 8];
	size_t best = 3, d;
	const char *guess = NULL;

	for (size_t i = 0; i < NKEYS; i++) {
		d = distance(key, keys[i].name);
		if (d < best) {
			best = d;
			guess = keys[i].name;
		}
	}
	show_name(shown, sizeof(shown), key);
	if (guess)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "%s: unknown key '%s'; did you mean '%s'?", origin,
			       shown, guess);
	return err_set(e, S3GC_E_CONFIG, 0,
		       "%s: unknown key '%s' (tables are listed after '[tables]')",
		       origin, shown);
}

/* ---- the struct ---- */

int conf_init(struct conf *c, struct s3gc_err *e)
{
	memset(c, 0, sizeof(*c));
	c->mode = CONF_DRY_RUN;
	c->retention_days = 7;
	c->cdc_backend = CONF_CDC_NONE;
	c->region = strdup("us-east-1");
	c->vault_path = strdup("./s3gc_vault");
	if (!c->region || !c->vault_path) {
		conf_release(c);
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	}
	return 0;
}

static void free_table(struct conf_table *t)
{
	for (size_t j = 0; j < t->ncols; j++)
		free(t->cols[j].name);
	free(t->cols);
	free(t->name);
}

void conf_release(struct conf *c)
{
	free(c->path);
	free(c->bucket);
	free(c->region);
	free(c->endpoint);
	for (size_t i = 0; i < c->nexclude; i++)
		free(c->exclude[i]);
	free(c->exclude);
	free(c->vault_path);
	free_secret(c->cdc_url);
	for (size_t i = 0; i < c->ntables; i++)
		free_table(&c->tables[i]);
	free(c->tables);
	memset(c, 0, sizeof(*c));
}

int conf_set(struct conf *c, const char *key, const char *value,
	     const char *origin, struct s3gc_err *e)
{
	int k = key_index(key);

	if (!origin)
		origin = key;
	if (k < 0)
		return unknown_key(e, origin, key);
	return keys[k].set(c, value, origin, e);
}

/* ---- the file ---- */

struct parser {
	struct conf *c;
	const char *path;
	unsigned long lineno;
	int in_tables;
	unsigned long key_line[NKEYS]; /* where this file set each key */
	size_t table_base;             /* tables before this file */
	unsigned long *table_line;     /* where this file listed each table */
	char origin[1100];
	struct s3gc_err *e;
};

/* "ORIGIN: WHAT 'ARG'[: WHY]" */
static int syntax(struct parser *p, const char *what, const char *arg,
		  const char *why)
{
	char shown[4 * SHOW_MAX + 8];

	return err_set(p->e, S3GC_E_CONFIG, 0, "%s: %s '%s'%s%s", p->origin,
		       what, show_name(shown, sizeof(shown), arg), why ? ": " : "",
		       why ? why : "");
}

/* Split "name" or "name:kind", trimmed, into col; 0 or -1. */
static int parse_column(struct parser *p, const char *table, char *s,
			struct conf_column *col)
{
	char shown[4 * SHOW_MAX + 8], *kind, *end;

	kind = strchr(s, ':');
	if (kind) {
		for (end = kind; end > s && is_ws(end[-1]); end--)
			;
		*end = '\0';
		for (kind++; is_ws(*kind); kind++)
			;
	}
	if (!is_ident(s, strlen(s)))
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: bad column name '%s' in table '%s': expected an "
			       "identifier ([A-Za-z_][A-Za-z0-9_$]*, at most %d bytes)",
			       p->origin, show(shown, sizeof(shown), s), table,
			       IDENT_MAX);
	if (!kind || strcmp(kind, "text") == 0)
		col->kind = CONF_COL_TEXT;
	else if (strcmp(kind, "array") == 0)
		col->kind = CONF_COL_ARRAY;
	else if (strcmp(kind, "json") == 0)
		col->kind = CONF_COL_JSON;
	else
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: bad kind '%s' for column '%s' of table '%s': "
			       "expected text, array or json",
			       p->origin, show(shown, sizeof(shown), kind), s, table);
	col->name = strdup(s);
	if (!col->name)
		return err_sys(p->e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	return 0;
}

/* "col1, col2:array, ..." into t. */
static int parse_columns(struct parser *p, struct conf_table *t, char *list)
{
	char *s = list, *comma, *end;

	for (;;) {
		struct conf_column *cols;

		comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		while (is_ws(*s))
			s++;
		for (end = s + strlen(s); end > s && is_ws(end[-1]); end--)
			;
		*end = '\0';
		if (!*s)
			return err_set(p->e, S3GC_E_CONFIG, 0,
				       "%s: empty column name in table '%s': "
				       "expected 'table = column, column, ...'",
				       p->origin, t->name);
		cols = realloc(t->cols, (t->ncols + 1) * sizeof(*cols));
		if (!cols)
			return err_sys(p->e, S3GC_E_SYS, ENOMEM,
				       "cannot allocate memory");
		t->cols = cols;
		if (parse_column(p, t->name, s, &t->cols[t->ncols]) < 0)
			return -1;
		for (size_t j = 0; j < t->ncols; j++)
			if (strcmp(t->cols[j].name, t->cols[t->ncols].name) == 0) {
				err_set(p->e, S3GC_E_CONFIG, 0,
					"%s: column '%s' listed twice in table '%s'",
					p->origin, t->cols[j].name, t->name);
				free(t->cols[t->ncols].name);
				return -1;
			}
		t->ncols++;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

/* "name" or "schema.name", each part an identifier. */
static int is_table_name(const char *s)
{
	const char *dot = strchr(s, '.');

	if (!dot)
		return is_ident(s, strlen(s));
	return is_ident(s, (size_t)(dot - s)) && is_ident(dot + 1, strlen(dot + 1));
}

static int add_table(struct parser *p, const char *name, char *cols)
{
	struct conf *c = p->c;
	struct conf_table *tables, t = { 0 };
	unsigned long *lines;
	size_t mine;

	if (!is_table_name(name))
		return syntax(p, "bad table name", name,
			      "expected an identifier [A-Za-z_][A-Za-z0-9_$]* "
			      "or schema.table");
	for (size_t i = 0; i < c->ntables; i++) {
		if (strcmp(c->tables[i].name, name) != 0)
			continue;
		if (i >= p->table_base)
			return err_set(p->e, S3GC_E_CONFIG, 0,
				       "%s: duplicate table '%s', first listed on line %lu",
				       p->origin, name,
				       p->table_line[i - p->table_base]);
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: duplicate table '%s'", p->origin, name);
	}
	t.name = strdup(name);
	if (!t.name)
		return err_sys(p->e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	if (parse_columns(p, &t, cols) < 0) {
		free_table(&t);
		return -1;
	}
	mine = c->ntables - p->table_base;
	tables = realloc(c->tables, (c->ntables + 1) * sizeof(*tables));
	if (tables)
		c->tables = tables;
	lines = realloc(p->table_line, (mine + 1) * sizeof(*lines));
	if (lines)
		p->table_line = lines;
	if (!tables || !lines) {
		free_table(&t);
		return err_sys(p->e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	}
	c->tables[c->ntables++] = t;
	p->table_line[mine] = p->lineno;
	return 0;
}

/*
 * The value after '=': s is past leading blanks. A quoted value ends at
 * its closing quote and knows only \" and \\; an unquoted one ends at a
 * '#' that begins it or follows a blank (as in the shell), and loses its
 * trailing blanks. The result is written over s.
 */
static int parse_value(struct parser *p, char *s)
{
	char *o = s, *i = s;

	if (*i != '"') {
		char *end = s;

		for (; *i; i++) {
			if (*i == '#' && (i == s || is_ws(i[-1])))
				break;
			if (!is_ws(*i))
				end = i + 1;
		}
		*end = '\0';
		return 0;
	}
	for (i++; *i != '"'; i++) {
		if (!*i)
			return err_set(p->e, S3GC_E_CONFIG, 0,
				       "%s: unterminated quoted value", p->origin);
		if (*i == '\\') {
			i++;
			if (!*i)
				return err_set(p->e, S3GC_E_CONFIG, 0,
					       "%s: unterminated quoted value",
					       p->origin);
			if (*i != '"' && *i != '\\')
				return err_set(p->e, S3GC_E_CONFIG, 0,
					       "%s: bad escape '\\%c' in quoted value: "
					       "only \\\" and \\\\ are allowed",
					       p->origin, *i);
		}
		*o++ = *i;
	}
	for (i++; is_ws(*i); i++)
		;
	if (*i && *i != '#' && *i != ';')
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: text after the closing quote", p->origin);
	*o = '\0';
	return 0;
}

static int parse_section(struct parser *p, char *s)
{
	char *name = s + 1, *close = strchr(s, ']'), *end, *rest;

	if (!close)
		return syntax(p, "malformed section header", s,
			      "expected '[tables]'");
	for (rest = close + 1; is_ws(*rest); rest++)
		;
	if (*rest && *rest != '#' && *rest != ';')
		return syntax(p, "text after section header", s, NULL);
	while (is_ws(*name))
		name++;
	for (end = close; end > name && is_ws(end[-1]); end--)
		;
	*end = '\0';
	if (strcmp(name, "tables") != 0)
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: unknown section '[%s]': the only section is '[tables]'",
			       p->origin, name);
	p->in_tables = 1;
	return 0;
}

static int set_global(struct parser *p, const char *key, const char *value)
{
	int k = key_index(key);

	if (k < 0)
		return unknown_key(p->e, p->origin, key);
	if (!keys[k].repeatable && p->key_line[k])
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: duplicate key '%s', first set on line %lu",
			       p->origin, key, p->key_line[k]);
	p->key_line[k] = p->lineno;
	return keys[k].set(p->c, value, p->origin, p->e);
}

/* One line, without its LF. */
static int parse_line(struct parser *p, char *s)
{
	char *eq, *end, *value;

	snprintf(p->origin, sizeof(p->origin), "%s:%lu", p->path, p->lineno);
	if (p->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3; /* a UTF-8 byte order mark, from some editors */
	while (is_ws(*s))
		s++;
	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	eq = strchr(s, '=');
	if (!eq) {
		for (end = s + strlen(s); end > s && is_ws(end[-1]); end--)
			;
		*end = '\0';
		/* Not repeated: it may be a connection string with its '=' lost. */
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: expected 'key = value', got a line without '='",
			       p->origin);
	}
	for (end = eq; end > s && is_ws(end[-1]); end--)
		;
	*end = '\0';
	if (!*s)
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: expected 'key = value', got no key before '='",
			       p->origin);
	for (value = eq + 1; is_ws(*value); value++)
		;
	if (parse_value(p, value) < 0)
		return -1;
	if (p->in_tables)
		return add_table(p, s, value);
	return set_global(p, s, value);
}

static int parse_stream(struct parser *p, FILE *fp)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while ((n = getline(&line, &cap, fp)) >= 0) {
		p->lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (memchr(line, '\0', (size_t)n)) {
			rc = err_set(p->e, S3GC_E_CONFIG, 0,
				     "%s:%lu: NUL byte in line: not a text file",
				     p->path, p->lineno);
			break;
		}
		if (n > CONF_LINE_MAX) {
			rc = err_set(p->e, S3GC_E_CONFIG, 0,
				     "%s:%lu: line longer than %d bytes",
				     p->path, p->lineno, CONF_LINE_MAX);
			break;
		}
		if (parse_line(p, line) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(fp))
		rc = err_sys(p->e, S3GC_E_CONFIG, errno ? errno : EIO,
			     "cannot read '%s'", p->path);
	/* The lines may have held the database password. */
	if (line)
		explicit_bzero(line, cap);
	free(line);
	return rc;
}

int conf_load_file(struct conf *c, const char *path, struct s3gc_err *e)
{
	struct parser p;
	FILE *fp;
	int rc;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.path = path;
	p.e = e;
	p.table_base = c->ntables;
	fp = fopen(path, "r");
	if (!fp)
		return err_sys(e, S3GC_E_CONFIG, errno, "cannot open '%s'", path);
	if (replace(&c->path, path, e) < 0) {
		fclose(fp);
		return -1;
	}
	errno = 0;
	rc = parse_stream(&p, fp);
	fclose(fp);
	free(p.table_line);
	return rc;
}

int conf_load_env(struct conf *c, struct s3gc_err *e)
{
	for (size_t k = 0; k < NKEYS; k++) {
		for (size_t j = 0; j < 3 && keys[k].env[j]; j++) {
			const char *v = getenv(keys[k].env[j]);

			/* An empty variable counts as unset, as in the shell's ${X:-}. */
			if (!v || !*v)
				continue;
			if (keys[k].set(c, v, keys[k].env[j], e) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

int conf_load(struct conf *c, const char *path, struct s3gc_err *e)
{
	const char *env = getenv("S3GC_CONFIG");
	FILE *fp;

	if (path) {
		if (conf_load_file(c, path, e) < 0)
			return -1;
	} else if (env && *env) {
		/* Say where a path nobody typed came from. */
		fp = fopen(env, "r");
		if (!fp)
			return err_sys(e, S3GC_E_CONFIG, errno,
				       "cannot open '%s' (from S3GC_CONFIG)", env);
		fclose(fp);
		if (conf_load_file(c, env, e) < 0)
			return -1;
	} else {
		/* ./s3gc.conf is optional, but one we cannot read is an error. */
		fp = fopen("s3gc.conf", "r");
		if (fp) {
			fclose(fp);
			if (conf_load_file(c, "s3gc.conf", e) < 0)
				return -1;
		} else if (errno != ENOENT) {
			return err_sys(e, S3GC_E_CONFIG, errno,
				       "cannot open 's3gc.conf'");
		}
	}
	return conf_load_env(c, e);
}

static const char *backend_name(enum conf_cdc b)
{
	return b == CONF_CDC_POSTGRES ? "postgres" : "mysql";
}

int conf_check(const struct conf *c, int need_bucket, struct s3gc_err *e)
{
	enum conf_cdc url;

	if (need_bucket && !c->bucket)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "no bucket: set 'bucket' in s3gc.conf, S3GC_BUCKET or --bucket");
	if (!c->cdc_url)
		return 0;
	if (c->cdc_backend == CONF_CDC_NONE)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "'cdc_connection_url' is set but 'cdc_backend' is not: "
			       "set it to 'postgres' or 'mysql'");
	url = url_backend(c->cdc_url);
	if (url != c->cdc_backend)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "'cdc_connection_url' is a %s connection string but "
			       "'cdc_backend' is '%s': expected %s",
			       backend_name(url), backend_name(c->cdc_backend),
			       c->cdc_backend == CONF_CDC_POSTGRES ?
			       "a postgresql:// or postgres:// URL or a libpq key=value string" :
			       "a mysql:// or mariadb:// URL");
	return 0;
}
