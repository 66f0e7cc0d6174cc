/* t-conf.c: s3gc.conf(5): syntax, every key, [tables], layers and their precedence. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"

#define SECRET "hunter2"

static char tmpdir[64];
static char path[256];    /* the file the last load_text wrote */
static char errmsg[S3GC_ERR_MSGMAX];
static int secret_leaks;  /* messages that repeated SECRET */
static const char *srcdir;

static const char *const env_vars[] = {
	"S3GC_CONFIG", "S3GC_BUCKET", "S3GC_REGION", "AWS_REGION",
	"AWS_DEFAULT_REGION", "S3GC_ENDPOINT", "AWS_ENDPOINT_URL_S3",
	"AWS_ENDPOINT_URL", "S3GC_MODE", "S3GC_RETENTION_DAYS", "S3GC_MAX_DELETE",
	"S3GC_EXCLUDE_PREFIX", "S3GC_VAULT_PATH", "S3GC_CDC_BACKEND",
	"S3GC_CDC_CONNECTION_URL", "S3GC_SCHEDULE",
};

static void clear_env(void)
{
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
}

static void note_error(const struct s3gc_err *e)
{
	snprintf(errmsg, sizeof(errmsg), "%s", e->msg);
	if (strstr(errmsg, SECRET)) {
		secret_leaks++;
		tap_diag("message repeats the secret: %s", errmsg);
	}
}

static void write_file(const char *name, const char *text)
{
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	if (!fp || fputs(text, fp) == EOF || fclose(fp) == EOF) {
		perror(path);
		exit(99);
	}
}

/* Load text as a file into a fresh c: 0, or -1 with errmsg. */
static int load_text(struct conf *c, const char *text)
{
	struct s3gc_err e;
	int rc;

	write_file("t.conf", text);
	conf_init(c, &e);
	err_clear(&e);
	errmsg[0] = '\0';
	rc = conf_load_file(c, path, &e);
	if (rc < 0) {
		note_error(&e);
		if (e.cls != S3GC_E_CONFIG)
			tap_diag("class %d, not config", e.cls);
	}
	return rc;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The text must load; then release. */
static void good_text(const char *text, const char *what)
{
	struct conf c;

	if (!tap_ok(load_text(&c, text) == 0, "accepts %s", what))
		tap_diag("%s", errmsg);
	conf_release(&c);
}

/* The text must fail at line with a message holding each of want[] (NULL-terminated). */
static void bad_text(const char *text, unsigned line, const char *what,
		     const char *want1, const char *want2)
{
	struct conf c;
	char where[300];
	int ok;

	ok = load_text(&c, text) < 0;
	snprintf(where, sizeof(where), "%s:%u: ", path, line);
	ok = ok && starts_with(errmsg, where) && (!want1 || strstr(errmsg, want1)) &&
	     (!want2 || strstr(errmsg, want2));
	if (!tap_ok(ok, "rejects %s", what))
		tap_diag("got '%s'; want '%s' and '%s', '%s'", errmsg, where,
			 want1 ? want1 : "", want2 ? want2 : "");
	conf_release(&c);
}

static void test_defaults(void)
{
	struct conf c;
	struct s3gc_err e;

	tap_ok(conf_init(&c, &e) == 0, "conf_init");
	tap_is_str(c.region, "us-east-1", "default region");
	tap_is_str(c.vault_path, "./s3gc_vault", "default vault_path");
	tap_ok(c.mode == CONF_DRY_RUN, "default mode dry_run");
	tap_is_int(c.retention_days, 7, "default retention_days");
	tap_ok(c.max_delete_pct == 10 && c.max_delete_n == 0, "default max_delete 10%%");
	tap_ok(!c.bucket && !c.endpoint && !c.cdc_url && !c.path &&
		       c.cdc_backend == CONF_CDC_NONE && !c.has_schedule &&
		       c.nexclude == 0 && c.ntables == 0,
	       "no bucket, endpoint, CDC, schedule, exclusions or tables by default");
	conf_release(&c);
	conf_release(&c);
	tap_ok(c.region == NULL, "conf_release twice is safe");
}

static void test_full_fixture(void)
{
	struct conf c;
	struct s3gc_err e;
	char full[512];

	snprintf(full, sizeof(full), "%s/tests/fixtures/conf/full.conf", srcdir);
	conf_init(&c, &e);
	if (!tap_ok(conf_load_file(&c, full, &e) == 0, "loads full.conf"))
		tap_diag("%s", e.msg);
	tap_is_str(c.path, full, "path recorded");
	tap_is_str(c.bucket, "media-prod.example", "full: bucket");
	tap_is_str(c.region, "eu-west-1", "full: region");
	tap_is_str(c.endpoint, "http://127.0.0.1:9000", "full: endpoint, trailing / dropped");
	tap_ok(c.mode == CONF_EXECUTE, "full: mode");
	tap_is_int(c.retention_days, 30, "full: retention_days");
	tap_is_int(c.nexclude, 3, "full: three exclusions");
	if (c.nexclude == 3) {
		tap_is_str(c.exclude[0], "backups/", "full: exclusion 1");
		tap_is_str(c.exclude[1], "#legal hold/", "full: quoted exclusion");
		tap_is_str(c.exclude[2], "tmp#1/", "full: '#' inside a word is not a comment");
	}
	tap_is_str(c.vault_path, "/var/lib/s3gc/vault", "full: vault_path");
	tap_ok(c.cdc_backend == CONF_CDC_POSTGRES, "full: cdc_backend");
	tap_is_str(c.cdc_url,
		   "postgresql://s3gc:" SECRET "@db.internal:5432/app?sslmode=verify-full",
		   "full: cdc_connection_url");
	tap_ok(c.has_schedule && c.sched_hour == 3 && c.sched_min == 30,
	       "full: schedule");
	tap_is_int(c.ntables, 3, "full: three tables");
	if (c.ntables == 3) {
		tap_ok(strcmp(c.tables[0].name, "users") == 0 && c.tables[0].ncols == 1 &&
			       strcmp(c.tables[0].cols[0].name, "avatar_url") == 0 &&
			       c.tables[0].cols[0].kind == CONF_COL_TEXT,
		       "full: users = avatar_url");
		tap_ok(strcmp(c.tables[1].name, "posts") == 0 && c.tables[1].ncols == 2 &&
			       strcmp(c.tables[1].cols[1].name, "thumb_url") == 0,
		       "full: posts = image_url, thumb_url");
		tap_ok(strcmp(c.tables[2].name, "public.albums") == 0 &&
			       c.tables[2].ncols == 3 &&
			       c.tables[2].cols[0].kind == CONF_COL_TEXT &&
			       c.tables[2].cols[1].kind == CONF_COL_ARRAY &&
			       strcmp(c.tables[2].cols[1].name, "photos") == 0 &&
			       c.tables[2].cols[2].kind == CONF_COL_JSON,
		       "full: schema-qualified table with kinds");
	}
	tap_ok(conf_check(&c, 1, &e) == 0, "full: conf_check");
	conf_release(&c);

	snprintf(full, sizeof(full), "%s/tests/fixtures/conf/crlf.conf", srcdir);
	conf_init(&c, &e);
	tap_ok(conf_load_file(&c, full, &e) == 0 && c.bucket &&
		       strcmp(c.bucket, "crlf-bucket") == 0 && c.ntables == 1 &&
		       strcmp(c.tables[0].cols[0].name, "avatar_url") == 0,
	       "a file with CRLF line ends");
	conf_release(&c);
}

/* One good and one or more bad values per key. */
static const struct {
	const char *key, *value;
} good_values[] = {
	{ "bucket", "my-bucket.v2" },
	{ "bucket", "abc" },
	{ "bucket", "a23456789012345678901234567890123456789012345678901234567890123" },
	{ "region", "eu-west-3" },
	{ "region", "auto" },
	{ "endpoint", "http://127.0.0.1:9000/" },
	{ "endpoint", "https://s3.example.com" },
	{ "endpoint", "http://[::1]:9000" },
	{ "endpoint", "http://localhost" },
	{ "mode", "dry_run" },
	{ "mode", "execute" },
	{ "retention_days", "0" },
	{ "retention_days", "36500" },
	{ "max_delete", "0" },
	{ "max_delete", "5000" },
	{ "max_delete", "1000000000000000" },
	{ "max_delete", "0%" },
	{ "max_delete", "2.5%" },
	{ "max_delete", "100%" },
	{ "max_delete", "100.0%" },
	{ "exclude_prefix", "tmp/" },
	{ "exclude_prefix", "\"  spaced  \"" },
	{ "vault_path", "/var/lib/s3gc/vault" },
	{ "cdc_backend", "postgres" },
	{ "cdc_backend", "mysql" },
	{ "cdc_connection_url", "postgresql://u:" SECRET "@db/app" },
	{ "cdc_connection_url", "postgres://db" },
	{ "cdc_connection_url", "host=db dbname=app password=" SECRET },
	{ "cdc_connection_url", "mysql://u:" SECRET "@db/app" },
	{ "cdc_connection_url", "mariadb://u@db:3306/app" },
	{ "schedule", "03:30" },
	{ "schedule", "daily 03:30" },
	{ "schedule", "00:00" },
	{ "schedule", "23:59" },
};

static const struct {
	const char *key, *value, *expect; /* expect: in the message */
} bad_values[] = {
	{ "bucket", "My_Bucket", "3 to 63 lowercase" },
	{ "bucket", "ab", "3 to 63" },
	{ "bucket", "a234567890123456789012345678901234567890123456789012345678901234", "3 to 63" },
	{ "bucket", "-abc", "starting and ending" },
	{ "bucket", "abc-", "starting and ending" },
	{ "bucket", "a..b", "adjacent periods" },
	{ "bucket", "\"\"", "bad value ''" },
	{ "region", "EU_WEST", "like us-east-1" },
	{ "region", "-x", "like us-east-1" },
	{ "endpoint", "ftp://x", "http://HOST" },
	{ "endpoint", "localhost:9000", "http://HOST" },
	{ "endpoint", "http://", "bad host" },
	{ "endpoint", "http://host/path", "path" },
	{ "endpoint", "http://host?x=1", "path, query" },
	{ "endpoint", "http://host:0", "bad port" },
	{ "endpoint", "http://host:65536", "bad port" },
	{ "endpoint", "http://host:", "bad port" },
	{ "endpoint", "http://u:" SECRET "@host", "user information" },
	{ "endpoint", "http://-host", "bad host" },
	{ "mode", "yes", "'dry_run' or 'execute'" },
	{ "mode", "DRY_RUN", "'dry_run' or 'execute'" },
	{ "mode", "dry-run", "'dry_run' or 'execute'" },
	{ "retention_days", "-1", "0 to 36500" },
	{ "retention_days", "36501", "0 to 36500" },
	{ "retention_days", "7d", "0 to 36500" },
	{ "retention_days", "99999999999999999999", "0 to 36500" },
	{ "retention_days", "", "0 to 36500" },
	{ "max_delete", "", "a count of objects" },
	{ "max_delete", "-1", "a count of objects" },
	{ "max_delete", "10 %", "a count of objects" },
	{ "max_delete", "100.5%", "from 0% to 100%" },
	{ "max_delete", "101%", "from 0% to 100%" },
	{ "max_delete", ".5%", "a count of objects" },
	{ "max_delete", "5.%", "a count of objects" },
	{ "max_delete", "5.5", "a count of objects" },
	{ "max_delete", "1000000000000001", "a count of objects" },
	{ "max_delete", "99999999999999999999999", "a count of objects" },
	{ "max_delete", "10%%", "a count of objects" },
	{ "exclude_prefix", "", "empty value" },
	{ "vault_path", "", "empty value" },
	{ "cdc_backend", "oracle", "'postgres' or 'mysql'" },
	{ "cdc_backend", "", "'postgres' or 'mysql'" },
	{ "cdc_connection_url", "http://u:" SECRET "@db/app", "postgresql://" },
	{ "cdc_connection_url", SECRET, "libpq key=value" },
	{ "cdc_connection_url", "", "empty value" },
	{ "schedule", "24:00", "00:00 to 23:59" },
	{ "schedule", "3:30", "HH:MM" },
	{ "schedule", "03:60", "HH:MM" },
	{ "schedule", "daily", "HH:MM" },
	{ "schedule", "weekly 03:30", "HH:MM" },
	{ "schedule", "03:30:00", "HH:MM" },
};

static void test_keys(void)
{
	char text[512], quoted[80];

	for (size_t i = 0; i < sizeof(good_values) / sizeof(good_values[0]); i++) {
		snprintf(text, sizeof(text), "# a comment\n%s = %s\n",
			 good_values[i].key, good_values[i].value);
		snprintf(quoted, sizeof(quoted), "%s = %.40s", good_values[i].key,
			 strstr(good_values[i].value, SECRET) ? "(secret)" :
			 good_values[i].value);
		good_text(text, quoted);
	}
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		char key[40];

		snprintf(text, sizeof(text), "# a comment\n\n%s = %s\n",
			 bad_values[i].key, bad_values[i].value);
		snprintf(key, sizeof(key), "'%s'", bad_values[i].key);
		snprintf(quoted, sizeof(quoted), "%s = '%.40s'", bad_values[i].key,
			 strstr(bad_values[i].value, SECRET) ? "(secret)" :
			 bad_values[i].value);
		bad_text(text, 3, quoted, key, bad_values[i].expect);
	}
}

/* max_delete's two forms, as s3gc-diff reads them. */
static void test_max_delete(void)
{
	struct conf c;
	struct s3gc_err e;

	conf_init(&c, &e);
	tap_ok(conf_set(&c, "max_delete", "2.5%", "--x", &e) == 0 && c.max_delete_pct > 2.499 &&
	       c.max_delete_pct < 2.501, "max_delete 2.5%%: a percent");
	tap_ok(conf_set(&c, "max_delete", "1234", "--x", &e) == 0 && c.max_delete_pct < 0 &&
	       c.max_delete_n == 1234, "max_delete 1234: a count");
	tap_ok(conf_set(&c, "max_delete", "0%", "--x", &e) == 0 && c.max_delete_pct == 0 &&
	       c.max_delete_n == 0, "max_delete 0%%: a percent again, the count cleared");
	tap_ok(conf_set(&c, "max_delete", "50", "--x", &e) == 0 &&
	       conf_set(&c, "max_delete", "7%x", "--x", &e) < 0 && c.max_delete_n == 50 &&
	       c.max_delete_pct < 0, "a bad value leaves the last good one");
	conf_release(&c);
}

static void test_syntax(void)
{
	struct conf c;

	bad_text("bucket = abc\nbukcet = abc\n", 2, "an unknown key, with a guess",
		 "unknown key 'bukcet'", "did you mean 'bucket'?");
	bad_text("users = avatar_url\n", 1, "a table line before [tables]",
		 "unknown key 'users'", "[tables]");
	bad_text("bucket = abc\nmode = execute\nbucket = abd\n", 3, "a duplicate key",
		 "duplicate key 'bucket'", "first set on line 1");
	good_text("exclude_prefix = a/\nexclude_prefix = b/\n",
		  "a repeated exclude_prefix");
	bad_text("bucket = abc\n[global]\n", 2, "an unknown section",
		 "unknown section '[global]'", "[tables]");
	bad_text("[Tables]\n", 1, "a section name in the wrong case",
		 "unknown section", NULL);
	bad_text("[tables\n", 1, "a section without ']'", "malformed section", NULL);
	bad_text("[tables] users = x\n", 1, "text after a section header",
		 "text after section header", NULL);
	good_text("[ tables ]  # the tables\nusers = a\n", "a spaced section header");
	bad_text("bucket = abc\nbucket\n", 2, "a line without '='",
		 "expected 'key = value'", NULL);
	bad_text("cdc_connection_url postgres://u:" SECRET "@db\n", 1,
		 "a connection string without '=' (not repeated)",
		 "without '='", NULL);
	bad_text("cdc_connection_url: postgres://u:" SECRET "@db/app?sslmode=require\n",
		 1, "a connection string with ':' for '=' (not repeated)",
		 "unknown key 'cdc_connection_url...'", NULL);
	bad_text(" = abc\n", 1, "a line without a key", "no key", NULL);

	/* comments, blank lines, quoting */
	tap_ok(load_text(&c, "\xEF\xBB\xBF# bom\n\n   \n\t# tab comment\n  ; semicolon\n"
			     "bucket = abc # trailing comment\n"
			     "vault_path = \"  /srv/with spaces  \"  ; after quotes\n"
			     "exclude_prefix = \"a#b\"\n"
			     "exclude_prefix = \"q\\\"uo\\\\te\"\n"
			     "exclude_prefix = c#d\n"
			     "exclude_prefix = e #f\n"
			     "exclude_prefix =  sp ace  \n") == 0 &&
		       strcmp(c.bucket, "abc") == 0 &&
		       strcmp(c.vault_path, "  /srv/with spaces  ") == 0 &&
		       c.nexclude == 5 && strcmp(c.exclude[0], "a#b") == 0 &&
		       strcmp(c.exclude[1], "q\"uo\\te") == 0 &&
		       strcmp(c.exclude[2], "c#d") == 0 &&
		       strcmp(c.exclude[3], "e") == 0 &&
		       strcmp(c.exclude[4], "sp ace") == 0,
	       "comments, blank lines, a BOM and quoted values");
	if (errmsg[0])
		tap_diag("%s", errmsg);
	conf_release(&c);
	bad_text("bucket = abc\nvault_path = \"abc\n", 2, "an unterminated quote",
		 "unterminated", NULL);
	bad_text("vault_path = \"a\\nb\"\n", 1, "an unknown escape in quotes",
		 "bad escape '\\n'", NULL);
	bad_text("vault_path = \"abc\\\n", 1, "a backslash at the end of a quoted value",
		 "unterminated", NULL);
	bad_text("vault_path = \"abc\" def\n", 1, "text after the closing quote",
		 "after the closing quote", NULL);
	{
		static const char nul[] = "bucket = abc\nmode = \0execute\n";
		struct s3gc_err e;
		FILE *fp;

		write_file("t.conf", "");
		fp = fopen(path, "w");
		fwrite(nul, 1, sizeof(nul) - 1, fp);
		fclose(fp);
		conf_init(&c, &e);
		tap_ok(conf_load_file(&c, path, &e) < 0 && strstr(e.msg, ":2: NUL byte"),
		       "rejects a NUL byte, naming its line");
		conf_release(&c);
	}
}

static void test_tables(void)
{
	struct conf c;

	tap_ok(load_text(&c, "[tables]\nusers = avatar_url\n"
			     "posts=image_url,thumb_url\n"
			     "app.photos = a:text , b : array, c:json  # kinds\n"
			     "_T$ = c$1\n") == 0 &&
		       c.ntables == 4 && c.tables[1].ncols == 2 &&
		       strcmp(c.tables[1].cols[0].name, "image_url") == 0 &&
		       strcmp(c.tables[2].name, "app.photos") == 0 &&
		       c.tables[2].cols[1].kind == CONF_COL_ARRAY &&
		       strcmp(c.tables[2].cols[1].name, "b") == 0 &&
		       c.tables[2].cols[2].kind == CONF_COL_JSON &&
		       strcmp(c.tables[3].name, "_T$") == 0,
	       "[tables] forms, kinds and schema-qualified names");
	if (errmsg[0])
		tap_diag("%s", errmsg);
	conf_release(&c);
	bad_text("[tables]\nusers; DROP TABLE x = a\n", 2, "an injected table name",
		 "bad table name 'users; DROP TABLE x'", "identifier");
	bad_text("[tables]\n1users = a\n", 2, "a table name starting with a digit",
		 "bad table name", NULL);
	bad_text("[tables]\na.b.c = x\n", 2, "a three-part table name", "bad table name", NULL);
	bad_text("[tables]\n.users = a\n", 2, "an empty schema", "bad table name", NULL);
	bad_text("[tables]\nusers. = a\n", 2, "an empty table after the dot",
		 "bad table name", NULL);
	bad_text("[tables]\n\"users\" = a\n", 2, "a quoted table name", "bad table name", NULL);
	bad_text("[tables]\nusers = a b\n", 2, "a column with a space",
		 "bad column name 'a b' in table 'users'", NULL);
	bad_text("[tables]\nusers = a; DROP TABLE users\n", 2, "an injected column",
		 "bad column name", NULL);
	bad_text("[tables]\nusers = app.a\n", 2, "a qualified column", "bad column name", NULL);
	bad_text("[tables]\nusers = a,,b\n", 2, "an empty column", "empty column", NULL);
	bad_text("[tables]\nusers = a,\n", 2, "a trailing comma", "empty column", NULL);
	bad_text("[tables]\nusers =\n", 2, "no columns", "empty column", NULL);
	bad_text("[tables]\nusers = a:xml\n", 2, "an unknown kind",
		 "bad kind 'xml' for column 'a'", "text, array or json");
	bad_text("[tables]\nusers = a, b, a:array\n", 2, "a column listed twice",
		 "column 'a' listed twice", NULL);
	bad_text("[tables]\nusers = a\nposts = b\nusers = c\n", 4, "a duplicate table",
		 "duplicate table 'users'", "first listed on line 2");
	bad_text("[tables]\nusers = "
		 "a2345678901234567890123456789012345678901234567890123456789012345\n",
		 2, "a 65-byte column name", "bad column name", NULL);
	good_text("[tables]\nusers = "
		  "a234567890123456789012345678901234567890123456789012345678901234\n",
		  "a 64-byte column name");
}

static int load_env(struct conf *c, const char *file)
{
	struct s3gc_err e;
	int rc;

	conf_init(c, &e);
	errmsg[0] = '\0';
	rc = conf_load(c, file, &e);
	if (rc < 0)
		note_error(&e);
	return rc;
}

/* file < environment < flag, for each key with a variable. */
static void test_precedence(void)
{
	static const struct {
		const char *key, *file, *var, *env, *flag;
		size_t off; /* of the char * in struct conf, or 0 */
	} layers[] = {
		{ "bucket", "file-bucket", "S3GC_BUCKET", "env-bucket", "flag-bucket",
		  offsetof(struct conf, bucket) },
		{ "region", "file-1", "S3GC_REGION", "env-1", "flag-1",
		  offsetof(struct conf, region) },
		{ "endpoint", "http://file", "S3GC_ENDPOINT", "http://env", "http://flag",
		  offsetof(struct conf, endpoint) },
		{ "vault_path", "/file", "S3GC_VAULT_PATH", "/env", "/flag",
		  offsetof(struct conf, vault_path) },
		{ "cdc_connection_url", "postgres://file", "S3GC_CDC_CONNECTION_URL",
		  "postgres://env", "postgres://flag", offsetof(struct conf, cdc_url) },
	};
	struct conf c;
	struct s3gc_err e;
	char text[200], flag[40];

	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		const char *key = layers[i].key;
		char **slot = (char **)((char *)&c + layers[i].off);

		snprintf(text, sizeof(text), "%s = %s\n", key, layers[i].file);
		write_file("layer.conf", text);
		load_env(&c, path);
		tap_is_str(*slot, layers[i].file, "%s: the file over the default", key);
		conf_release(&c);
		setenv(layers[i].var, layers[i].env, 1);
		load_env(&c, path);
		tap_is_str(*slot, layers[i].env, "%s: %s over the file", key,
			   layers[i].var);
		snprintf(flag, sizeof(flag), "--%s", key);
		tap_ok(conf_set(&c, key, layers[i].flag, flag, &e) == 0,
		       "%s: conf_set", key);
		tap_is_str(*slot, layers[i].flag, "%s: the flag over %s", key,
			   layers[i].var);
		conf_release(&c);
		unsetenv(layers[i].var);
	}

	write_file("layer.conf", "mode = execute\nretention_days = 30\n"
				 "cdc_backend = mysql\nschedule = 01:00\n");
	setenv("S3GC_MODE", "dry_run", 1);
	setenv("S3GC_RETENTION_DAYS", "40", 1);
	setenv("S3GC_CDC_BACKEND", "postgres", 1);
	setenv("S3GC_SCHEDULE", "daily 02:00", 1);
	load_env(&c, path);
	tap_ok(c.mode == CONF_DRY_RUN, "mode: S3GC_MODE over the file");
	tap_is_int(c.retention_days, 40, "retention_days: S3GC_RETENTION_DAYS over the file");
	tap_ok(c.cdc_backend == CONF_CDC_POSTGRES, "cdc_backend: S3GC_CDC_BACKEND over the file");
	tap_is_int(c.sched_hour, 2, "schedule: S3GC_SCHEDULE over the file");
	conf_set(&c, "mode", "execute", "--execute", &e);
	conf_set(&c, "retention_days", "50", "--retention-days", &e);
	conf_set(&c, "cdc_backend", "mysql", "--cdc-backend", &e);
	conf_set(&c, "schedule", "03:00", "--schedule", &e);
	tap_ok(c.mode == CONF_EXECUTE, "mode: the flag over the environment");
	tap_is_int(c.retention_days, 50, "retention_days: the flag over the environment");
	tap_ok(c.cdc_backend == CONF_CDC_MYSQL, "cdc_backend: the flag over the environment");
	tap_is_int(c.sched_hour, 3, "schedule: the flag over the environment");
	conf_release(&c);
	clear_env();

	setenv("S3GC_MODE", "bogus", 1);
	tap_ok(load_env(&c, NULL) < 0 &&
		       starts_with(errmsg, "S3GC_MODE: bad value 'bogus' for 'mode'"),
	       "a bad variable is named in the message");
	conf_release(&c);
	clear_env();
	conf_init(&c, &e);
	tap_ok(conf_set(&c, "region", "BAD", "--region", &e) < 0 &&
		       starts_with(e.msg, "--region: bad value 'BAD' for 'region'"),
	       "a bad flag is named in the message");
	tap_ok(conf_set(&c, "nope", "x", "--nope", &e) < 0 &&
		       starts_with(e.msg, "--nope: unknown key 'nope'") &&
		       e.cls == S3GC_E_CONFIG,
	       "conf_set of an unknown key");
	tap_is_str(c.region, "us-east-1", "a rejected value changes nothing");
	conf_release(&c);
}

static void test_aws_fallbacks(void)
{
	struct conf c;

	write_file("aws.conf", "region = file-region\nendpoint = http://file\n");
	setenv("AWS_DEFAULT_REGION", "aws-default", 1);
	load_env(&c, NULL);
	tap_is_str(c.region, "aws-default", "AWS_DEFAULT_REGION alone");
	conf_release(&c);
	load_env(&c, path);
	tap_is_str(c.region, "aws-default", "AWS_DEFAULT_REGION over the file");
	conf_release(&c);
	setenv("AWS_REGION", "aws-region", 1);
	load_env(&c, NULL);
	tap_is_str(c.region, "aws-region", "AWS_REGION over AWS_DEFAULT_REGION");
	conf_release(&c);
	setenv("S3GC_REGION", "s3gc-region", 1);
	load_env(&c, NULL);
	tap_is_str(c.region, "s3gc-region", "S3GC_REGION over AWS_REGION");
	conf_release(&c);
	setenv("S3GC_REGION", "", 1);
	load_env(&c, NULL);
	tap_is_str(c.region, "aws-region", "an empty S3GC_REGION counts as unset");
	conf_release(&c);

	setenv("AWS_ENDPOINT_URL", "http://aws-all:4566", 1);
	load_env(&c, NULL);
	tap_is_str(c.endpoint, "http://aws-all:4566", "AWS_ENDPOINT_URL alone");
	conf_release(&c);
	load_env(&c, path);
	tap_is_str(c.endpoint, "http://aws-all:4566", "AWS_ENDPOINT_URL over the file");
	conf_release(&c);
	setenv("AWS_ENDPOINT_URL_S3", "http://aws-s3:4566", 1);
	load_env(&c, NULL);
	tap_is_str(c.endpoint, "http://aws-s3:4566",
		   "AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL");
	conf_release(&c);
	setenv("S3GC_ENDPOINT", "http://s3gc:9000", 1);
	load_env(&c, NULL);
	tap_is_str(c.endpoint, "http://s3gc:9000", "S3GC_ENDPOINT over AWS_ENDPOINT_URL_S3");
	conf_release(&c);
	setenv("AWS_ENDPOINT_URL_S3", "http://aws-s3/path", 1);
	unsetenv("S3GC_ENDPOINT");
	tap_ok(load_env(&c, NULL) < 0 &&
		       starts_with(errmsg, "AWS_ENDPOINT_URL_S3: bad value"),
	       "a bad AWS_ENDPOINT_URL_S3 is named");
	conf_release(&c);
	clear_env();
}

static void test_exclusions(void)
{
	struct conf c;
	struct s3gc_err e;

	write_file("ex.conf", "exclude_prefix = file-a/\nexclude_prefix = file-b/\n");
	setenv("S3GC_EXCLUDE_PREFIX", "env/", 1);
	load_env(&c, path);
	conf_set(&c, "exclude_prefix", "flag/", "--exclude-prefix", &e);
	conf_set(&c, "exclude_prefix", "file-a/", "--exclude-prefix", &e);
	tap_ok(c.nexclude == 4 && strcmp(c.exclude[0], "file-a/") == 0 &&
		       strcmp(c.exclude[1], "file-b/") == 0 &&
		       strcmp(c.exclude[2], "env/") == 0 &&
		       strcmp(c.exclude[3], "flag/") == 0,
	       "exclusions accumulate over file, environment and flags, once each");
	conf_release(&c);
	clear_env();
}

static void test_finding_the_file(void)
{
	struct conf c;
	struct s3gc_err e;
	char missing[300], envconf[512];

	snprintf(envconf, sizeof(envconf), "%s/tests/fixtures/conf/env.conf", srcdir);
	snprintf(missing, sizeof(missing), "%s/missing.conf", tmpdir);
	conf_init(&c, &e);
	tap_ok(conf_load(&c, missing, &e) < 0 && e.cls == S3GC_E_CONFIG,
	       "a missing explicit file is a config error");
	tap_ok(starts_with(e.msg, "cannot open '") &&
		       strstr(e.msg, "missing.conf': No such file or directory"),
	       "cannot open 'x': No such file or directory");
	conf_release(&c);

	setenv("S3GC_CONFIG", envconf, 1);
	tap_ok(load_env(&c, NULL) == 0 && c.path && strcmp(c.path, envconf) == 0 &&
		       strcmp(c.bucket, "env-file-bucket") == 0,
	       "S3GC_CONFIG names the file");
	conf_release(&c);
	write_file("explicit.conf", "bucket = explicit-bucket\n");
	tap_ok(load_env(&c, path) == 0 && strcmp(c.bucket, "explicit-bucket") == 0,
	       "an explicit path over S3GC_CONFIG");
	conf_release(&c);
	setenv("S3GC_CONFIG", missing, 1);
	tap_ok(load_env(&c, NULL) < 0 && strstr(errmsg, "S3GC_CONFIG") &&
		       strstr(errmsg, "No such file or directory"),
	       "a missing S3GC_CONFIG file is an error naming the variable");
	conf_release(&c);
	clear_env();

	/* ./s3gc.conf when there is one, else nothing. */
	tap_ok(load_env(&c, NULL) == 0 && c.path == NULL && c.bucket == NULL,
	       "no file at all is fine");
	conf_release(&c);
	write_file("s3gc.conf", "bucket = cwd-bucket\n");
	tap_ok(load_env(&c, NULL) == 0 && c.path && strcmp(c.path, "s3gc.conf") == 0 &&
		       strcmp(c.bucket, "cwd-bucket") == 0,
	       "./s3gc.conf is read when present");
	conf_release(&c);
	setenv("S3GC_CONFIG", envconf, 1);
	tap_ok(load_env(&c, NULL) == 0 && strcmp(c.bucket, "env-file-bucket") == 0,
	       "S3GC_CONFIG over ./s3gc.conf");
	conf_release(&c);
	clear_env();
	unlink(path);
}

static void test_check(void)
{
	struct conf c;
	struct s3gc_err e;

	conf_init(&c, &e);
	tap_ok(conf_check(&c, 1, &e) < 0 && e.cls == S3GC_E_CONFIG, "conf_check without bucket");
	tap_is_str(e.msg, "no bucket: set 'bucket' in s3gc.conf, S3GC_BUCKET or --bucket",
		   "conf_check message");
	tap_ok(conf_check(&c, 0, &e) == 0, "conf_check when no bucket is needed");
	conf_set(&c, "cdc_connection_url", "postgres://u:" SECRET "@db", "t", &e);
	tap_ok(conf_check(&c, 0, &e) < 0 && strstr(e.msg, "'cdc_backend' is not"),
	       "a connection string without a backend");
	note_error(&e);
	conf_set(&c, "cdc_backend", "mysql", "t", &e);
	tap_ok(conf_check(&c, 0, &e) < 0 &&
		       strstr(e.msg, "is a postgres connection string but 'cdc_backend' is 'mysql'"),
	       "a postgres URL with backend mysql");
	note_error(&e);
	conf_set(&c, "cdc_connection_url", "mariadb://u:" SECRET "@db", "t", &e);
	tap_ok(conf_check(&c, 0, &e) == 0, "a mariadb URL with backend mysql");
	conf_set(&c, "cdc_backend", "postgres", "t", &e);
	tap_ok(conf_check(&c, 0, &e) < 0 && strstr(e.msg, "libpq"),
	       "a mysql URL with backend postgres");
	note_error(&e);
	conf_set(&c, "cdc_connection_url", "dbname=app password=" SECRET, "t", &e);
	tap_ok(conf_check(&c, 0, &e) == 0, "a libpq string with backend postgres");
	conf_release(&c);

	/* The file says postgres, the environment switches both: fine. */
	write_file("cdc.conf", "cdc_backend = postgres\n"
			       "cdc_connection_url = postgres://u:" SECRET "@db\n");
	setenv("S3GC_CDC_BACKEND", "mysql", 1);
	setenv("S3GC_CDC_CONNECTION_URL", "mysql://u:" SECRET "@db", 1);
	tap_ok(load_env(&c, path) == 0 && conf_check(&c, 0, &e) == 0,
	       "backend and URL from different layers are checked together");
	conf_release(&c);
	clear_env();
}

int main(void)
{
	char cwd[512];

	srcdir = getenv("top_srcdir");
	if (!srcdir)
		srcdir = ".";
	if (srcdir[0] != '/' && getcwd(cwd, sizeof(cwd))) {
		static char abs_src[1024];

		snprintf(abs_src, sizeof(abs_src), "%s/%s", cwd, srcdir);
		srcdir = abs_src;
	}
	clear_env();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/t-conf.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 99;
	}
	/* No stray ./s3gc.conf of the build tree may take part. */
	if (chdir(tmpdir) < 0) {
		perror(tmpdir);
		return 99;
	}
	test_defaults();
	test_full_fixture();
	test_keys();
	test_max_delete();
	test_syntax();
	test_tables();
	test_precedence();
	test_aws_fallbacks();
	test_exclusions();
	test_finding_the_file();
	test_check();
	tap_is_int(secret_leaks, 0, "no message repeated the password");
	{
		const char *names[] = { "t.conf", "layer.conf", "aws.conf", "ex.conf",
					"explicit.conf", "cdc.conf" };
		char p[300];

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
			unlink(p);
		}
		if (chdir("/") == 0)
			rmdir(tmpdir);
	}
	return tap_done();
}
