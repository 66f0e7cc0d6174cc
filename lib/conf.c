/* conf.c: s3gc.conf(5): defaults, the file, the environment and flags, in layers. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_keys.h"

#define CONF_LINE_MAX 65536
#define IDENT_MAX 64 /* MySQL's limit; Postgres truncates at 63 consistently */

/* ---- the struct ---- */

int conf_init(struct conf *c, struct s3gc_err *e)
{
	memset(c, 0, sizeof(*c));
	c->mode = CONF_DRY_RUN;
	c->retention_days = 7;
	c->max_delete_pct = 10;
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
	conf_free_secret(c->cdc_url);
	for (size_t i = 0; i < c->ntables; i++)
		free_table(&c->tables[i]);
	free(c->tables);
	memset(c, 0, sizeof(*c));
}

int conf_set(struct conf *c, const char *key, const char *value,
	     const char *origin, struct s3gc_err *e)
{
	if (!origin)
		origin = key;
	return conf_key_set(c, key, value, origin, NULL, 0, e);
}

/* ---- the file ---- */

static int is_ident_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static int is_ident_char(char ch)
{
	return is_ident_start(ch) || conf_is_digit(ch) || ch == '$';
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

struct parser {
	struct conf *c;
	const char *path;
	unsigned long lineno;
	int in_tables;
	unsigned long key_line[CONF_NKEYS]; /* where this file set each key */
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
		       what, conf_show_name(shown, sizeof(shown), arg),
		       why ? ": " : "", why ? why : "");
}

/* Split "name" or "name:kind", trimmed, into col; 0 or -1. */
static int parse_column(struct parser *p, const char *table, char *s,
			struct conf_column *col)
{
	char shown[4 * SHOW_MAX + 8], *kind, *end;

	kind = strchr(s, ':');
	if (kind) {
		for (end = kind; end > s && conf_is_ws(end[-1]); end--)
			;
		*end = '\0';
		for (kind++; conf_is_ws(*kind); kind++)
			;
	}
	if (!is_ident(s, strlen(s)))
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: bad column name '%s' in table '%s': expected an "
			       "identifier ([A-Za-z_][A-Za-z0-9_$]*, at most %d bytes)",
			       p->origin, conf_show(shown, sizeof(shown), s), table,
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
			       p->origin, conf_show(shown, sizeof(shown), kind), s,
			       table);
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
		while (conf_is_ws(*s))
			s++;
		for (end = s + strlen(s); end > s && conf_is_ws(end[-1]); end--)
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
			if (*i == '#' && (i == s || conf_is_ws(i[-1])))
				break;
			if (!conf_is_ws(*i))
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
	for (i++; conf_is_ws(*i); i++)
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
	for (rest = close + 1; conf_is_ws(*rest); rest++)
		;
	if (*rest && *rest != '#' && *rest != ';')
		return syntax(p, "text after section header", s, NULL);
	while (conf_is_ws(*name))
		name++;
	for (end = close; end > name && conf_is_ws(end[-1]); end--)
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
	return conf_key_set(p->c, key, value, p->origin, p->key_line, p->lineno,
			    p->e);
}

/* One line, without its LF. */
static int parse_line(struct parser *p, char *s)
{
	char *eq, *end, *value;

	snprintf(p->origin, sizeof(p->origin), "%s:%lu", p->path, p->lineno);
	if (p->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3; /* a UTF-8 byte order mark, from some editors */
	while (conf_is_ws(*s))
		s++;
	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	eq = strchr(s, '=');
	if (!eq) {
		for (end = s + strlen(s); end > s && conf_is_ws(end[-1]); end--)
			;
		*end = '\0';
		/* Not repeated: it may be a connection string with its '=' lost. */
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: expected 'key = value', got a line without '='",
			       p->origin);
	}
	for (end = eq; end > s && conf_is_ws(end[-1]); end--)
		;
	*end = '\0';
	if (!*s)
		return err_set(p->e, S3GC_E_CONFIG, 0,
			       "%s: expected 'key = value', got no key before '='",
			       p->origin);
	for (value = eq + 1; conf_is_ws(*value); value++)
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
	if (conf_replace(&c->path, path, e) < 0) {
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
	const char *key, *var;

	for (size_t k = 0; k < CONF_NKEYS; k++) {
		for (size_t j = 0; (var = conf_key_env(k, j, &key)); j++) {
			const char *v = getenv(var);

			/* An empty variable counts as unset, as in the shell's ${X:-}. */
			if (!v || !*v)
				continue;
			if (conf_key_set(c, key, v, var, NULL, 0, e) < 0)
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
	url = conf_url_backend(c->cdc_url);
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