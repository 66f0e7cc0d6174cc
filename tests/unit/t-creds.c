/* t-creds.c: credentials from the environment and the shared credentials file. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "tap.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRET"
#define SECRET2 "otherSECRETotherSECRETotherSECRET"
#define TOKEN "FQoGZXIvYXdzTOKENTOKEN"

static char home[64];
static char files[16][64];
static int nfiles;

/* A temp file holding text; removed at the end. */
static const char *write_file(const char *text)
{
	char *path = files[nfiles++];
	int fd;

	snprintf(path, sizeof(files[0]), "/tmp/t-creds-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("t-creds: temp file");
		exit(99);
	}
	close(fd);
	return path;
}

/* Nothing from the caller's environment, and an empty home. */
static void clean_env(void)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	setenv("HOME", home, 1);
}

/* Load, expecting failure; the message must never hold a secret. */
static void expect_error(const char *what, const char *needle)
{
	struct creds c;
	struct s3gc_err e;
	int rc;

	err_clear(&e);
	rc = creds_load(&c, &e);
	tap_ok(rc == -1 && e.cls == S3GC_E_CONFIG, "%s: fails with a config error", what);
	tap_diag("%s: %s", what, e.msg);
	tap_ok(strstr(e.msg, needle) != NULL, "%s: message names '%s'", what, needle);
	tap_ok(!strstr(e.msg, SECRET) && !strstr(e.msg, SECRET2) && !strstr(e.msg, TOKEN) &&
	       !strstr(e.msg, "AKIDFILE") && !strstr(e.msg, "AKIDENV"),
	       "%s: message holds no secret", what);
	tap_ok(rc == 0 || (!c.access_key && !c.secret_key && !c.session_token),
	       "%s: nothing left allocated", what);
	if (rc == 0)
		creds_release(&c);
}

static int load(struct creds *c)
{
	struct s3gc_err e;

	err_clear(&e);
	if (creds_load(c, &e) == 0)
		return 0;
	tap_diag("creds_load: %s", e.msg);
	return -1;
}

static void test_env(void)
{
	struct creds c;

	clean_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_SESSION_TOKEN", TOKEN, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE",
	       write_file("[default]\naws_access_key_id = AKIDFILE\n"
			  "aws_secret_access_key = " SECRET2 "\n"), 1);
	if (tap_ok(load(&c) == 0, "environment credentials load")) {
		tap_is_str(c.access_key, "AKIDENV", "environment wins over the file");
		tap_is_str(c.secret_key, SECRET, "secret from the environment");
		tap_is_str(c.session_token, TOKEN, "session token from the environment");
		tap_is_str(c.source, "environment", "source says environment");
		creds_release(&c);
		tap_ok(!c.access_key && !c.secret_key && !c.session_token,
		       "creds_release clears the pointers");
	}
	unsetenv("AWS_SECRET_ACCESS_KEY");
	expect_error("access key without secret", "AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_ACCESS_KEY_ID");
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	expect_error("secret without access key", "AWS_ACCESS_KEY_ID");
}

static void test_file_profiles(void)
{
	struct creds c;
	const char *f = write_file(
		"# a comment\n; another\n\n[default]\n"
		"aws_access_key_id=AKIDFILE\naws_secret_access_key=" SECRET "\n"
		"  [ other ]  \r\n"
		"\tAWS_ACCESS_KEY_ID   =   AKIDOTHER  \r\n"
		"aws_secret_access_key\t=\t" SECRET2 "\r\n"
		"aws_session_token = " TOKEN "\r\n"
		"region = eu-west-1\n"
		"[profile third]\naws_access_key_id = AKIDTHIRD\n");
	char want[256];

	clean_env();
	setenv("AWS_SHARED_CREDENTIALS_FILE", f, 1);
	if (tap_ok(load(&c) == 0, "default profile loads")) {
		tap_is_str(c.access_key, "AKIDFILE", "default profile's access key");
		tap_is_str(c.secret_key, SECRET, "default profile's secret");
		tap_ok(c.session_token == NULL, "no session token in default");
		snprintf(want, sizeof(want), "profile 'default' in '%s'", f);
		tap_is_str(c.source, want, "source names profile and file");
		creds_release(&c);
	}
	setenv("AWS_PROFILE", "other", 1);
	if (tap_ok(load(&c) == 0, "AWS_PROFILE=other loads")) {
		tap_is_str(c.access_key, "AKIDOTHER", "spaces, tabs, CRLF and key case handled");
		tap_is_str(c.secret_key, SECRET2, "other profile's secret");
		tap_is_str(c.session_token, TOKEN, "session token read from the file");
		creds_release(&c);
	}
	setenv("AWS_PROFILE", "third", 1);
	expect_error("'[profile third]' is not profile 'third'", "add profile 'third'");
	setenv("AWS_PROFILE", "missing", 1);
	expect_error("profile not in the file", "add profile 'missing'");
}

static void test_file_errors(void)
{
	char want[128];
	const char *f;

	clean_env();
	f = write_file("[default]\naws_access_key_id = AKIDFILE\n"
		       "aws_secret_access_key " SECRET "\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", f, 1);
	snprintf(want, sizeof(want), "%s:3", f);
	expect_error("line without '='", want);
	f = write_file("aws_access_key_id = AKIDFILE\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", f, 1);
	snprintf(want, sizeof(want), "%s:1", f);
	expect_error("key before any section", want);
	f = write_file("\n\n[default\naws_secret_access_key = " SECRET "\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", f, 1);
	snprintf(want, sizeof(want), "%s:3", f);
	expect_error("unclosed section header", want);
	f = write_file("[default]\n = " SECRET "\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", f, 1);
	snprintf(want, sizeof(want), "%s:2", f);
	expect_error("empty key", want);
	f = write_file("[default]\naws_secret_access_key = " SECRET "\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", f, 1);
	expect_error("profile without access key", "aws_access_key_id");
	f = write_file("[default]\naws_access_key_id = AKIDFILE\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", f, 1);
	expect_error("profile without secret", "aws_secret_access_key");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	expect_error("named file missing", "cannot open credentials file '/nonexistent/credentials'");
}

static void test_nothing(void)
{
	char want[256];

	clean_env();
	snprintf(want, sizeof(want),
		 "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
		 "or add profile 'default' to '%s/.aws/credentials'", home);
	expect_error("no environment and no file", want);
	setenv("AWS_SESSION_TOKEN", TOKEN, 1);
	expect_error("a token alone is not credentials", "no AWS credentials");
}

int main(void)
{
	snprintf(home, sizeof(home), "/tmp/t-creds-home-XXXXXX");
	if (!mkdtemp(home)) {
		perror("t-creds: mkdtemp");
		return 99;
	}
	test_env();
	test_file_profiles();
	test_file_errors();
	test_nothing();
	for (int i = 0; i < nfiles; i++)
		unlink(files[i]);
	rmdir(home);
	return tap_done();
}
