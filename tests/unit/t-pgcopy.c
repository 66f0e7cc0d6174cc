/* t-pgcopy: decoding rows of COPY's text format. */
#include "config.h"

#include <string.h>

#include "pgcopy.h"
#include "tap.h"

static struct buf arena = BUF_INIT;
static size_t off[8], len[8];
static const char *f[8];
static struct s3gc_err e;

static int split(const char *row, size_t nf)
{
	return pgcopy_split(row, strlen(row), nf, &arena, off, f, len, &e);
}

static int field_is(size_t i, const char *want, size_t n)
{
	return f[i] && len[i] == n && memcmp(f[i], want, n) == 0;
}

int main(void)
{
	tap_ok(split("1\tavatars/a.jpg\n", 2) == 0 && field_is(0, "1", 1) &&
	       field_is(1, "avatars/a.jpg", 13), "two plain fields");
	tap_ok(split("1\t\\N\n", 2) == 0 && field_is(0, "1", 1) && !f[1] && !len[1],
	       "\\N is NULL");
	tap_ok(split("\\N\t\n", 2) == 0 && !f[0] && field_is(1, "", 0),
	       "NULL first, then an empty string (not NULL)");
	tap_ok(split("\\\\N\n", 1) == 0 && field_is(0, "\\N", 2),
	       "an escaped backslash before N is the text \\N");
	tap_ok(split("\\Nx\n", 1) == 0 && field_is(0, "Nx", 2),
	       "\\N followed by more is an escaped N, not NULL");
	tap_ok(split("a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh\n", 1) == 0 &&
	       field_is(0, "a\tb\nc\rd\\e\bf\fg\vh", 15), "every letter escape");
	tap_ok(split("\\101\\x42\\x4a\\7z\n", 1) == 0 && field_is(0, "ABJ\az", 5),
	       "octal and hex escapes, short forms too");
	tap_ok(split("\\xg\\q\n", 1) == 0 && field_is(0, "xgq", 3),
	       "\\x without digits is x; an unknown escape is the byte itself");
	tap_ok(split("caf\xc3\xa9 +%20\n", 1) == 0 && field_is(0, "caf\xc3\xa9 +%20", 10),
	       "UTF-8, spaces, plus and percent pass through");
	tap_ok(split("no newline", 1) == 0 && field_is(0, "no newline", 10),
	       "a row without its newline");
	tap_ok(split("\t\t\n", 3) == 0 && field_is(0, "", 0) && field_is(2, "", 0),
	       "three empty fields");
	tap_ok(split("a\tb\tc\n", 2) < 0 && e.cls == S3GC_E_DB &&
	       strstr(e.msg, "more than 2"), "too many fields: %s", e.msg);
	tap_ok(split("a\n", 2) < 0 && e.cls == S3GC_E_DB && strstr(e.msg, "1 fields, not 2"),
	       "too few fields: %s", e.msg);
	tap_ok(split("x\\", 1) == 0 && field_is(0, "x\\", 2),
	       "a lone trailing backslash is kept");
	buf_release(&arena);
	return tap_done();
}
