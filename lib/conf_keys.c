/* conf_keys.c: s3gc.conf(5)'s global keys: checking each value and setting it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_keys.h"

#define RETENTION_MAX 36500
#define MAX_DELETE_MAX 1000000000000000ULL /* a limit's count: 10^15 */

/* ---- small helpers ---- */

int conf_is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

int conf_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_lower_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || conf_is_digit(ch);
}

/* A value as a message repeats it: control bytes escaped, long ones cut. */
const char *conf_show(char *dst, size_t size, const char *v)
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
const char *conf_show_name(char *dst, size_t size, const char *name)
{
	size_t cut = strcspn(name, ":/@");

	conf_show(dst, size, name);
	if (name[cut] && cut < strlen(dst))
		snprintf(dst + cut, size - cut, "...");
	return dst;
}

static int bad_value(struct s3gc_err *e, const char *origin, const char *key,
		     const char *value, const char *expected)
{
	char shown[4 * SHOW_MAX + 8];

	return err_set(e, S3GC_E_CONFIG, 0, "%s: bad value '%s' for '%s': %s",
		       origin, conf_show(shown, sizeof(shown), value), key,
		       expected);
}

/* Replace *slot by a copy of v. */
int conf_replace(char **slot, const char *v, struct s3gc_err *e)
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
	return conf_replace(&c->bucket, v, e);
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
	return conf_replace(&c->region, v, e);
}

static int is_host_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || is_lower_alnum(ch) || ch == '-';
}

static int is_hex(char ch)
{
	return conf_is_digit(ch) || (ch >= 'a' && ch <= 'f') ||
	       (ch >= 'A' && ch <= 'F');
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

		for (p++; conf_is_digit(*p) && nd < 6; p++, nd++)
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

	for (i = 0; conf_is_digit(v[i]) && days <= RETENTION_MAX; i++)
		days = days * 10 + (v[i] - '0');
	if (i == 0 || v[i] || days > RETENTION_MAX)
		return bad_value(e, origin, "retention_days", v,
				 "expected a whole number of days from 0 to 36500");
	c->retention_days = (int)days;
	return 0;
}

int conf_limit_parse(const char *v, unsigned long long *n, double *pct)
{
	unsigned long long whole = 0;
	double p, scale = 1;
	size_t i, nd;

	for (i = 0; conf_is_digit(v[i]) && whole <= MAX_DELETE_MAX; i++)
		whole = whole * 10 + (unsigned long long)(v[i] - '0');
	if (i == 0 || whole > MAX_DELETE_MAX)
		return -1;
	if (!v[i]) {
		*n = whole;
		*pct = -1;
		return 0;
	}
	p = (double)whole;
	if (v[i] == '.') {
		for (i++, nd = 0; conf_is_digit(v[i]) && nd < 6; i++, nd++)
			p += (v[i] - '0') * (scale /= 10);
		if (nd == 0)
			return -1;
	}
	if (v[i] != '%' || v[i + 1] || p > 100)
		return -1;
	*n = 0;
	*pct = p;
	return 0;
}

/* How many candidates s3gc-diff passes before its brake. */
static int set_max_delete(struct conf *c, const char *v, const char *origin,
			  struct s3gc_err *e)
{
	if (conf_limit_parse(v, &c->max_delete_n, &c->max_delete_pct) < 0)
		return bad_value(e, origin, "max_delete", v,
				 "expected a count of objects (1000) or a percentage "
				 "of those listed from 0% to 100% (10%, 2.5%)");
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
	return conf_replace(&c->vault_path, v, e);
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
enum conf_cdc conf_url_backend(const char *v)
{
	size_t i = 0;

	if (strncmp(v, "postgresql://", 13) == 0 ||
	    strncmp(v, "postgres://", 11) == 0)
		return CONF_CDC_POSTGRES;
	if (strncmp(v, "mysql://", 8) == 0 || strncmp(v, "mariadb://", 10) == 0)
		return CONF_CDC_MYSQL;
	/* libpq's "host=db dbname=app ..." form: a keyword, then '='. */
	while (conf_is_ws(v[i]))
		i++;
	if (!((v[i] >= 'a' && v[i] <= 'z') || v[i] == '_'))
		return CONF_CDC_NONE;
	while ((v[i] >= 'a' && v[i] <= 'z') || v[i] == '_')
		i++;
	while (conf_is_ws(v[i]))
		i++;
	return v[i] == '=' ? CONF_CDC_POSTGRES : CONF_CDC_NONE;
}

void conf_free_secret(char *s)
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
	if (conf_url_backend(v) == CONF_CDC_NONE)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "%s: bad value for 'cdc_connection_url' (not shown): "
			       "expected a postgresql://, postgres://, mysql:// or "
			       "mariadb:// URL, or a libpq key=value string",
			       origin);
	copy = strdup(v);
	if (!copy)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	conf_free_secret(c->cdc_url);
	c->cdc_url = copy;
	return 0;
}

/* "HH:MM", or "daily HH:MM" as DESIGN.md words it. */
static int set_schedule(struct conf *c, const char *v, const char *origin,
			struct s3gc_err *e)
{
	const char *p = v;
	int h, m;

	if (strncmp(p, "daily", 5) == 0 && conf_is_ws(p[5])) {
		for (p += 5; conf_is_ws(*p); p++)
			;
	}
	if (!conf_is_digit(p[0]) || !conf_is_digit(p[1]) || p[2] != ':' ||
	    !conf_is_digit(p[3]) || !conf_is_digit(p[4]) || p[5])
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
	{ "max_delete", set_max_delete, 0, { "S3GC_MAX_DELETE", NULL, NULL } },
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
_Static_assert(NKEYS == CONF_NKEYS, "conf_keys.h's CONF_NKEYS counts keys[]");

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
	conf_show_name(shown, sizeof(shown), key);
	if (guess)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "%s: unknown key '%s'; did you mean '%s'?", origin,
			       shown, guess);
	return err_set(e, S3GC_E_CONFIG, 0,
		       "%s: unknown key '%s' (tables are listed after '[tables]')",
		       origin, shown);
}

/* ---- for conf.c (conf_keys.h) ---- */

int conf_key_set(struct conf *c, const char *key, const char *value,
		 const char *origin, unsigned long *key_line,
		 unsigned long lineno, struct s3gc_err *e)
{
	int k = key_index(key);

	if (k < 0)
		return unknown_key(e, origin, key);
	if (key_line) {
		if (!keys[k].repeatable && key_line[k])
			return err_set(e, S3GC_E_CONFIG, 0,
				       "%s: duplicate key '%s', first set on line %lu",
				       origin, key, key_line[k]);
		key_line[k] = lineno;
	}
	return keys[k].set(c, value, origin, e);
}

const char *conf_key_env(size_t k, size_t j, const char **key)
{
	if (k >= NKEYS || j >= sizeof(keys[k].env) / sizeof(keys[k].env[0]) ||
	    !keys[k].env[j])
		return NULL;
	*key = keys[k].name;
	return keys[k].env[j];
}
