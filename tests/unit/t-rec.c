/* t-rec.c: records of s3gc-records(5): encoding, strict decoding, object records. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "tap.h"

static char errmsg[S3GC_ERR_MSGMAX];

/*
 * Read in[0..n) as a stream named name to its end or first error. Returns
 * the number of good records before it; errmsg holds the error ("" if none).
 */
static int read_stream(const char *in, size_t n, size_t maxline,
		       const char *name)
{
	struct rec_reader r;
	struct rec rec;
	struct s3gc_err e;
	FILE *fp = fmemopen((void *)in, n, "r");
	int got, good = 0;

	errmsg[0] = '\0';
	if (!fp) {
		snprintf(errmsg, sizeof(errmsg), "fmemopen failed");
		return -1;
	}
	rec_reader_init(&r, fp, name, maxline);
	err_clear(&e);
	while ((got = rec_read(&r, &rec, &e)) > 0)
		good++;
	if (got < 0)
		snprintf(errmsg, sizeof(errmsg), "%s", e.msg);
	rec_reader_release(&r);
	fclose(fp);
	return good;
}

#define STREAM(lit) read_stream(lit, sizeof(lit) - 1, 0, "-")

/* The error of one malformed stream must be exactly want, after good records. */
static void bad_stream(const char *in, size_t n, size_t maxline, int good,
		       const char *want, const char *what)
{
	int got = read_stream(in, n, maxline, "-");

	if (!tap_ok(got == good && strcmp(errmsg, want) == 0, "%s", what))
		tap_diag("got %d good then '%s', want %d then '%s'", got, errmsg,
			 good, want);
}

#define BAD(lit, good, want, what) bad_stream(lit, sizeof(lit) - 1, 0, good, want, what)

static void test_round_trip_bytes(void)
{
	struct buf enc = BUF_INIT, line = BUF_INIT, dec = BUF_INIT;
	struct s3gc_err e;
	char all[256];
	const char *fields[2];
	size_t lens[2];
	int clean = 1, each = 1;
	struct rec_reader r;
	struct rec rec;
	FILE *fp;

	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	tap_ok(rec_encode(&enc, all, 256, &e) == 0, "encode every byte 0..255");
	for (size_t i = 0; i < enc.len; i++) {
		unsigned char c = (unsigned char)enc.data[i];

		if (c < 0x20 || c == 0x7F)
			clean = 0;
	}
	tap_ok(clean, "the encoded form holds no raw control byte, TAB or LF");
	tap_ok(rec_decode(&dec, enc.data, enc.len, &e) == 0 && dec.len == 256 &&
		       memcmp(dec.data, all, 256) == 0,
	       "decoding gives every byte back");
	for (int i = 0; i < 256 && each; i++) {
		char want[4], b = (char)i;
		int esc = i < 0x20 || i == 0x7F || i == '%';

		buf_reset(&enc);
		buf_reset(&dec);
		if (esc)
			snprintf(want, sizeof(want), "%%%02X", i);
		else
			snprintf(want, sizeof(want), "%c", b);
		each = rec_encode(&enc, &b, 1, &e) == 0 &&
		       strcmp(buf_str(&enc), want) == 0 &&
		       rec_decode(&dec, enc.data, enc.len, &e) == 0 &&
		       dec.len == 1 && dec.data[0] == b;
		if (!each)
			tap_diag("byte 0x%02X encodes as '%s'", i, buf_str(&enc));
	}
	tap_ok(each, "each byte alone is literal or %%XX uppercase, and round-trips");

	/* The whole path: rec_format, then rec_read. */
	fields[0] = all;
	lens[0] = 256;
	fields[1] = "x\ty\nz";
	lens[1] = 5;
	tap_ok(rec_format(&line, fields, lens, 2, &e) == 0, "rec_format");
	tap_ok(memchr(line.data, '\n', line.len) == line.data + line.len - 1,
	       "a formatted record has exactly one LF, at its end");
	fp = fmemopen(line.data, line.len, "r");
	rec_reader_init(&r, fp, "-", 0);
	tap_ok(rec_read(&r, &rec, &e) == 1 && rec.nfields == 2 &&
		       rec.len[0] == 256 && memcmp(rec.field[0], all, 256) == 0 &&
		       rec.len[1] == 5 && memcmp(rec.field[1], "x\ty\nz", 5) == 0,
	       "rec_read gives back the fields rec_format wrote");
	tap_ok(rec_read(&r, &rec, &e) == 0, "then a clean end of input");
	rec_reader_release(&r);
	fclose(fp);

	buf_reset(&line);
	fields[0] = "a";
	fields[1] = "b%";
	tap_ok(rec_format(&line, fields, NULL, 2, &e) == 0 &&
		       strcmp(buf_str(&line), "a\tb%25\n") == 0,
	       "rec_format with lens NULL uses strlen");
	tap_ok(rec_format(&line, fields, NULL, 0, &e) < 0, "rec_format refuses 0 fields");
	buf_release(&enc);
	buf_release(&dec);
	buf_release(&line);
}

static void test_decode_rules(void)
{
	struct buf out = BUF_INIT;
	struct s3gc_err e;
	static const struct {
		const char *in, *want;
	} good[] = {
		{ "%25", "%" },
		{ "a%09b", "a\tb" },
		{ "%0A%0D%00%7F%1F", "\n\r\0\x7f\x1f" },
		{ "caf\xC3\xA9 +x", "caf\xC3\xA9 +x" },
		{ "", "" },
	};
	static const struct {
		const char *in, *want;
	} bad[] = {
		{ "%4G", "bad escape '%4G'" },
		{ "%G4", "bad escape '%G4'" },
		{ "%0a", "lowercase hex in escape '%0a'" },
		{ "%7f", "lowercase hex in escape '%7f'" },
		{ "%41", "non-canonical escape '%41': write 'A' as itself" },
		{ "%20", "non-canonical escape '%20': write ' ' as itself" },
		{ "%C3%A9", "non-canonical escape '%C3': write byte 0xC3 as itself" },
		{ "ab%4", "truncated escape '%4'" },
		{ "ab%", "truncated escape '%'" },
		{ "a\rb", "raw CR (0x0D): CRLF line ends are not records" },
		{ "a\tb", "raw control byte 0x09: it must be written %09" },
		{ "a\x01", "raw control byte 0x01: it must be written %01" },
		{ "\x7f", "raw control byte 0x7F: it must be written %7F" },
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t wl = i == 2 ? 5 : strlen(good[i].want);

		buf_reset(&out);
		tap_ok(rec_decode(&out, good[i].in, strlen(good[i].in), &e) == 0 &&
			       out.len == wl && memcmp(out.data, good[i].want, wl) == 0,
		       "rec_decode accepts '%s'", good[i].in);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&out);
		err_clear(&e);
		tap_ok(rec_decode(&out, bad[i].in, strlen(bad[i].in), &e) < 0,
		       "rec_decode rejects #%zu", i);
		tap_is_str(e.msg, bad[i].want, "rec_decode message #%zu", i);
		tap_is_int(e.cls, S3GC_E_DATA, "rec_decode class #%zu", i);
	}
	/* A raw NUL needs an explicit length. */
	tap_ok(rec_decode(&out, "a\0b", 3, &e) < 0 &&
		       strcmp(e.msg, "raw control byte 0x00: it must be written %00") == 0,
	       "rec_decode rejects a raw NUL");
	buf_release(&out);
}

static void test_reader_errors(void)
{
	char big[64];
	int got;

	tap_is_int(STREAM(""), 0, "empty input: no records");
	tap_is_str(errmsg, "", "empty input: clean end");
	tap_is_int(STREAM("a\nb\tc\n\xff\xfe\n"), 3,
		   "three records; invalid UTF-8 is not an error at this level");
	tap_is_str(errmsg, "", "three records: clean end");

	BAD("a\nb\nk%4G\n", 2, "stdin:3: bad escape '%4G' in field 1",
	    "bad escape, line 3");
	BAD("a\nk\tv%4G\n", 1, "stdin:2: bad escape '%4G' in field 2",
	    "bad escape in field 2");
	BAD("a\nb\nk%0a\n", 2, "stdin:3: lowercase hex in escape '%0a' in field 1",
	    "lowercase hex, line 3");
	BAD("a\nb\nk%41\n", 2,
	    "stdin:3: non-canonical escape '%41' in field 1: write 'A' as itself",
	    "non-canonical escape, line 3");
	BAD("a\r\n", 0,
	    "stdin:1: raw CR (0x0D) in field 1: CRLF line ends are not records",
	    "raw CR from a CRLF file, line 1");
	BAD("a\nb\tc\x01\n", 1,
	    "stdin:2: raw control byte 0x01 in field 2: it must be written %01",
	    "raw control byte, line 2");
	BAD("a\nb\x7f\n", 1,
	    "stdin:2: raw control byte 0x7F in field 1: it must be written %7F",
	    "raw DEL, line 2");
	BAD("a\nb\0c\n", 1,
	    "stdin:2: raw control byte 0x00 in field 1: it must be written %00",
	    "raw NUL, line 2");
	BAD("a\nb%\n", 1, "stdin:2: truncated escape '%' in field 1",
	    "lone '%', line 2");
	BAD("a\nb%4\tc\n", 1, "stdin:2: truncated escape '%4' in field 1",
	    "escape cut by a TAB, line 2");
	BAD("a\nb\nc", 2, "stdin:3: input ends in the middle of line 3",
	    "last line without LF");
	BAD("a\n\nb\n", 1, "stdin:2: empty line: a record has at least a key",
	    "empty line, line 2");
	BAD("1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13\t14\t15\t16\t17\n", 0,
	    "stdin:1: too many fields: more than 16", "17 fields");
	tap_is_int(STREAM("1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13\t14\t15\t16\n"),
		   1, "16 fields are fine");
	tap_is_int(STREAM("\t\t\n"), 1, "three empty fields are a record");

	/* The cap: 10 bytes fit, 11 do not; the count goes on after it. */
	strcpy(big, "one\ntwo\n0123456789A\n0123456789\n");
	bad_stream(big, strlen(big), 10, 2, "stdin:3: line longer than 10 bytes",
		   "line over the cap, line 3");
	strcpy(big, "0123456789\n");
	got = read_stream(big, strlen(big), 10, "-");
	tap_ok(got == 1 && !errmsg[0], "a line of exactly the cap is fine");
	got = read_stream("a\tb\n", 4, 0, "list.tsv");
	tap_ok(got == 1, "a named stream");
	read_stream("a\nb%zz\n", 7, 0, "list.tsv");
	tap_is_str(errmsg, "list.tsv:2: bad escape '%zz' in field 1",
		   "messages use the stream's name");
}

/* After an error the reader goes on with the next line and its number. */
static void test_reader_continues(void)
{
	static const char in[] = "ok1\n0123456789ABCDEF\nok3\nbad%4G\nok5\n";
	struct rec_reader r;
	struct rec rec;
	struct s3gc_err e;
	FILE *fp = fmemopen((void *)in, sizeof(in) - 1, "r");

	rec_reader_init(&r, fp, "-", 8);
	tap_ok(rec_read(&r, &rec, &e) == 1 && rec.lineno == 1, "continue: line 1");
	tap_ok(rec_read(&r, &rec, &e) < 0 &&
		       strcmp(e.msg, "stdin:2: line longer than 8 bytes") == 0,
	       "continue: line 2 over the cap");
	tap_ok(rec_read(&r, &rec, &e) == 1 && rec.lineno == 3 &&
		       strcmp(rec.field[0], "ok3") == 0,
	       "continue: line 3 read whole after the long line");
	tap_ok(rec_read(&r, &rec, &e) < 0 &&
		       strncmp(e.msg, "stdin:4: bad escape", 19) == 0,
	       "continue: line 4 bad escape");
	tap_ok(rec_read(&r, &rec, &e) == 1 && rec.lineno == 5 &&
		       strcmp(rec.field[0], "ok5") == 0,
	       "continue: line 5");
	tap_ok(rec_read(&r, &rec, &e) == 0, "continue: clean end");
	rec_reader_release(&r);
	fclose(fp);
}

/*
 * Many lines of many lengths through a real file, so that lines straddle
 * stdio's buffer: each comes back whole, with its number.
 */
static void test_reader_buffering(void)
{
	FILE *fp = tmpfile();
	struct rec_reader r;
	struct rec rec;
	struct s3gc_err e;
	unsigned long seed = 12345;
	size_t len;
	int ok = 1, got, i;
	char *line = malloc(70000);

	for (i = 0; i < 3000; i++) {
		seed = seed * 1103515245 + 12345;
		len = 1 + (seed >> 8) % (i % 10 == 0 ? 16384 : 300);
		memset(line, 'a' + i % 26, len);
		fprintf(fp, "%.*s\n", (int)len, line);
	}
	memset(line, 'z', 69999);
	fprintf(fp, "%.*s\nafter\n", 69999, line);
	rewind(fp);
	rec_reader_init(&r, fp, "big", 0);
	seed = 12345;
	for (i = 0; i < 3000 && ok; i++) {
		seed = seed * 1103515245 + 12345;
		len = 1 + (seed >> 8) % (i % 10 == 0 ? 16384 : 300);
		got = rec_read(&r, &rec, &e);
		ok = got == 1 && rec.nfields == 1 && rec.len[0] == len &&
		     rec.field[0][0] == 'a' + i % 26 &&
		     rec.field[0][len - 1] == 'a' + i % 26 &&
		     rec.lineno == (unsigned long)i + 1;
		if (!ok)
			tap_diag("line %d: got %d, len %zu, want %zu: %s", i + 1, got,
				 got == 1 ? rec.len[0] : 0, len, got < 0 ? e.msg : "");
	}
	tap_ok(ok, "3,000 lines of 1 to 16,384 bytes through stdio's buffer");
	tap_ok(rec_read(&r, &rec, &e) < 0 &&
		       strcmp(e.msg, "big:3001: line longer than 16384 bytes") == 0,
	       "a 69,999-byte line is refused");
	tap_ok(r.line.cap <= REC_MAXLINE + 1, "the line buffer stays within the cap");
	tap_ok(rec_read(&r, &rec, &e) == 1 && rec.lineno == 3002 &&
		       strcmp(rec.field[0], "after") == 0,
	       "the line after it is read, numbered 3002");
	tap_ok(rec_read(&r, &rec, &e) == 0, "then a clean end");
	rec_reader_release(&r);
	fclose(fp);
	free(line);

	/* A byte pushed back with ungetc is part of the next line. */
	fp = tmpfile();
	fputs("bc\tx\nnext\n", fp);
	rewind(fp);
	ungetc('a', fp);
	rec_reader_init(&r, fp, "-", 0);
	tap_ok(rec_read(&r, &rec, &e) == 1 && strcmp(rec.field[0], "abc") == 0 &&
		       rec_read(&r, &rec, &e) == 1 && strcmp(rec.field[0], "next") == 0,
	       "a byte pushed back with ungetc is read first");
	rec_reader_release(&r);
	fclose(fp);
}

/*
 * Read one line and convert it: 0 and o, or -1 and errmsg. o points into
 * a reader kept until the next call; in NULL releases it.
 */
static int obj_line(const char *in, size_t n, struct obj *o)
{
	static struct rec_reader r;
	static FILE *fp;
	static char copy[8192];
	struct rec rec;
	struct s3gc_err e;
	int rc;

	if (fp) {
		rec_reader_release(&r);
		fclose(fp);
		fp = NULL;
	}
	if (!in)
		return 0;
	memcpy(copy, in, n);
	fp = fmemopen(copy, n, "r");
	rec_reader_init(&r, fp, "-", 0);
	errmsg[0] = '\0';
	rc = rec_read(&r, &rec, &e) == 1 ? obj_from_rec(&r, &rec, o, &e) : -1;
	if (rc < 0)
		snprintf(errmsg, sizeof(errmsg), "%s", e.msg);
	return rc;
}

#define OBJ(lit, o) obj_line(lit, sizeof(lit) - 1, o)

#define META "\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e"

static void obj_bad(const char *in, size_t n, const char *prefix, const char *what)
{
	struct obj o;
	int rc = obj_line(in, n, &o);

	if (!tap_ok(rc < 0 && strncmp(errmsg, prefix, strlen(prefix)) == 0,
		    "obj_from_rec rejects %s", what))
		tap_diag("got '%s', want it to start with '%s'", errmsg, prefix);
}

#define OBJ_BAD(lit, prefix, what) obj_bad(lit, sizeof(lit) - 1, prefix, what)

static void test_obj_forms(void)
{
	struct obj o;

	tap_ok(OBJ("photos/a b+c.jpg\n", &o) == 0 && !o.has_meta &&
		       strcmp(o.key, "photos/a b+c.jpg") == 0 && o.key_len == 16,
	       "key-only record");
	tap_ok(OBJ("k" META "\n", &o) == 0 && o.has_meta && o.size == 5 &&
		       o.mtime == 1767323045 &&
		       strcmp(o.etag, "d41d8cd98f00b204e9800998ecf8427e") == 0 &&
		       o.storage_class == NULL,
	       "4-field record");
	tap_ok(OBJ("k" META "\tDEEP_ARCHIVE\n", &o) == 0 && o.has_meta &&
		       o.storage_class_len == 12 &&
		       strcmp(o.storage_class, "DEEP_ARCHIVE") == 0,
	       "5-field record");
	tap_ok(OBJ("k\t0\t1970-01-01T00:00:00Z\td41d8cd98f00b204e9800998ecf8427e-10000\n",
		   &o) == 0 &&
		       o.size == 0 &&
		       strcmp(o.etag, "d41d8cd98f00b204e9800998ecf8427e-10000") == 0,
	       "size 0, epoch and a 10000-part ETag");
	tap_ok(OBJ("k\t18446744073709551615\t9999-12-31T23:59:59Z\td41d8cd98f00b204e9800998ecf8427e-1\n",
		   &o) == 0 &&
		       o.size == 18446744073709551615ULL,
	       "size 2^64-1");
	tap_ok(OBJ("k%09%0A%25\n", &o) == 0 && o.key_len == 4 &&
		       memcmp(o.key, "k\t\n%", 4) == 0,
	       "a key with TAB, LF and %% decodes");

	OBJ_BAD("k\t5\n", "stdin:1: expected 1, 4 or 5 fields, got 2", "2 fields");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05Z\n",
		"stdin:1: expected 1, 4 or 5 fields, got 3", "3 fields");
	OBJ_BAD("k" META "\tSTANDARD\tx\n",
		"stdin:1: expected 1, 4 or 5 fields, got 6", "6 fields");
}

static void test_obj_bad_fields(void)
{
	/* size */
	OBJ_BAD("k\t-1\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: size: bad value '-1'", "a negative size");
	OBJ_BAD("k\t+1\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: size: bad value '+1'", "a signed size");
	OBJ_BAD("k\t05\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: size: bad value '05': leading zero", "a leading zero");
	OBJ_BAD("k\t18446744073709551616\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: size: bad value '18446744073709551616': larger than",
		"a size over 2^64-1");
	OBJ_BAD("k\t99999999999999999999999\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: size: bad value", "a size far over 2^64-1");
	OBJ_BAD("k\t12a\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: size: bad value '12a'", "a non-digit size");
	OBJ_BAD("k\t\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: size: bad value ''", "an empty size");
	OBJ_BAD("k\t1 \t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: size: bad value '1 '", "a size with a space");
	/* last_modified */
	OBJ_BAD("k\t5\t2026-02-30T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: last_modified: bad value '2026-02-30T03:04:05Z'", "Feb 30");
	OBJ_BAD("k\t5\t2026-01-02T24:00:00Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: last_modified: bad value", "24:00:00");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: last_modified: bad value", "a time without Z");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05.000Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: last_modified: bad value", "a fractional time");
	OBJ_BAD("k\t5\t2100-02-29T00:00:00Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: last_modified: bad value", "2100-02-29");
	/* etag */
	OBJ_BAD("k\t5\t2026-01-02T03:04:05Z\tD41D8CD98F00B204E9800998ECF8427E\n",
		"stdin:1: etag: bad value 'D41D8CD98F00B204E9800998ECF8427E'",
		"an uppercase ETag");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427\n",
		"stdin:1: etag: bad value", "a 31-digit ETag");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427ee\n",
		"stdin:1: etag: bad value", "a 33-digit ETag");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05Z\t\"d41d8cd98f00b204e9800998ecf8427e\"\n",
		"stdin:1: etag: bad value", "a quoted ETag");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e-0\n",
		"stdin:1: etag: bad value", "a -0 ETag");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e-01\n",
		"stdin:1: etag: bad value", "a -01 ETag");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e-10001\n",
		"stdin:1: etag: bad value", "a -10001 ETag");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e-\n",
		"stdin:1: etag: bad value", "an ETag ending in -");
	OBJ_BAD("k\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427g\n",
		"stdin:1: etag: bad value", "a non-hex ETag");
	/* storage_class */
	OBJ_BAD("k" META "\tstandard\n", "stdin:1: storage_class: bad value 'standard'",
		"a lowercase storage class");
	OBJ_BAD("k" META "\t\n", "stdin:1: storage_class: bad value ''",
		"an empty storage class");
	OBJ_BAD("k" META "\tGLACIER-IR\n", "stdin:1: storage_class: bad value",
		"a storage class with '-'");
}

static void test_obj_keys(void)
{
	char line[4200];
	struct obj o;
	size_t n;

	OBJ_BAD("a\xff" "b\n", "stdin:1: key: invalid UTF-8 at byte 2", "an invalid UTF-8 key");
	OBJ_BAD("\xED\xA0\x80\n", "stdin:1: key: invalid UTF-8 at byte 1", "a surrogate in a key");
	OBJ_BAD("\xC0\x80\n", "stdin:1: key: invalid UTF-8", "an overlong NUL in a key");
	OBJ_BAD("\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"stdin:1: key: empty", "an empty key");

	memset(line, 'k', 1024);
	line[1024] = '\n';
	tap_ok(obj_line(line, 1025, &o) == 0 && o.key_len == 1024,
	       "a 1,024-byte key");
	memset(line, 'k', 1025);
	line[1025] = '\n';
	obj_bad(line, 1026, "stdin:1: key: 1025 bytes, more than 1024",
		"a 1,025-byte key");
	/* 1,024 bytes that all need escaping: 3,072 bytes on the line. */
	for (n = 0; n < 1024; n++)
		memcpy(line + 3 * n, "%0A", 3);
	line[3072] = '\n';
	tap_ok(obj_line(line, 3073, &o) == 0 && o.key_len == 1024 &&
		       o.key[0] == '\n' && o.key[1023] == '\n',
	       "a 1,024-byte key of escaped LFs");
	/* 256 four-byte characters. */
	for (n = 0; n < 256; n++)
		memcpy(line + 4 * n, "\xF0\x9F\x98\x80", 4);
	memcpy(line + 1024, META "\n", sizeof(META));
	tap_ok(obj_line(line, 1024 + sizeof(META), &o) == 0 && o.key_len == 1024 &&
		       o.has_meta,
	       "a 1,024-byte key of four-byte characters, with metadata");
}

static void check_obj_round_trip(const struct obj *in, const char *what)
{
	struct buf out = BUF_INIT;
	struct s3gc_err e;
	struct obj o;
	int ok;

	ok = obj_format(&out, in, &e) == 0 &&
	     obj_line(out.data, out.len, &o) == 0 && o.key_len == in->key_len &&
	     memcmp(o.key, in->key, in->key_len) == 0 &&
	     o.has_meta == in->has_meta;
	if (ok && in->has_meta)
		ok = o.size == in->size && o.mtime == in->mtime &&
		     strcmp(o.etag, in->etag) == 0 &&
		     (in->storage_class ?
		      o.storage_class &&
		      o.storage_class_len == strlen(in->storage_class) &&
		      memcmp(o.storage_class, in->storage_class,
			     o.storage_class_len) == 0 :
		      o.storage_class == NULL);
	if (!tap_ok(ok, "obj_format round-trips %s", what))
		tap_diag("formatted '%s', then '%s'", buf_str(&out), errmsg);
	buf_release(&out);
}

static void test_obj_format(void)
{
	static const char key[] = "dir/a b+c%d\t\r\n\x01\x7f caf\xC3\xA9 \xF0\x9F\x98\x80";
	struct obj o;
	struct buf out = BUF_INIT;
	struct s3gc_err e;

	memset(&o, 0, sizeof(o));
	o.key = key;
	o.key_len = sizeof(key) - 1;
	check_obj_round_trip(&o, "a key-only object");
	o.has_meta = 1;
	o.size = 1234567890123ULL;
	o.mtime = 1767323045;
	strcpy(o.etag, "0123456789abcdef0123456789abcdef-42");
	check_obj_round_trip(&o, "an object without storage class");
	o.storage_class = "STANDARD_IA";
	o.storage_class_len = 11;
	check_obj_round_trip(&o, "an object with storage class");
	tap_ok(obj_format(&out, &o, &e) == 0, "obj_format");
	tap_is_str(buf_str(&out),
		   "dir/a b+c%25d%09%0D%0A%01%7F caf\xC3\xA9 \xF0\x9F\x98\x80\t"
		   "1234567890123\t2026-01-02T03:04:05Z\t"
		   "0123456789abcdef0123456789abcdef-42\tSTANDARD_IA\n",
		   "obj_format writes the documented line");
	o.key_len = 0;
	tap_ok(obj_format(&out, &o, &e) < 0, "obj_format refuses an empty key");
	buf_release(&out);
}

/*
 * obj_scan against the strict path (rec_parse and obj_from_rec) on line
 * in[0..avail): when it takes a line, the strict path takes it too and
 * gives the same object; 1 if it took it.
 */
static int scan_agrees(const char *in, size_t avail, int *disagree)
{
	struct rec_reader r;
	struct obj fast, strict;
	struct s3gc_err e;
	struct rec rec;
	const char *lf = memchr(in, '\n', avail);
	size_t n = lf ? (size_t)(lf - in) : avail, len = 0;
	int took = obj_scan(in, avail, &fast, &len), ok;

	rec_reader_init(&r, NULL, "-", 0);
	r.lineno = 7;
	ok = lf && rec_parse(&r, in, n, &rec, &e) == 1 && obj_from_rec(&r, &rec, &strict, &e) == 0;
	if (took && (!ok || len != n || !strict.has_meta || fast.key_len != strict.key_len ||
		     memcmp(fast.key, strict.key, fast.key_len) != 0 || fast.size != strict.size ||
		     fast.mtime != strict.mtime || strcmp(fast.etag, strict.etag) != 0 ||
		     !fast.storage_class != !strict.storage_class ||
		     fast.storage_class_len != strict.storage_class_len ||
		     (fast.storage_class && memcmp(fast.storage_class, strict.storage_class,
						   fast.storage_class_len) != 0))) {
		if ((*disagree)++ < 5)
			tap_diag("obj_scan took '%.*s' (%s)", (int)n, in, ok ? "differently" : e.msg);
	}
	rec_reader_release(&r);
	return took;
}

static void test_obj_scan(void)
{
	static const char *const good[] = {
		"k" META "\n",
		"photos/a b+c.jpg" META "\tSTANDARD\n",
		"k\t0\t1970-01-01T00:00:00Z\td41d8cd98f00b204e9800998ecf8427e-10000\n",
		"k\t18446744073709551615\t9999-12-31T23:59:59Z\td41d8cd98f00b204e9800998ecf8427e-1\n",
		"a/very/long/key/that/spans/more/than/sixteen/bytes/of/course.png\t123456"
		"\t2024-02-29T23:59:59Z\t0123456789abcdef0123456789abcdef\tDEEP_ARCHIVE\n",
	};
	static const char *const slow[] = {
		"k%25" META "\n",                  /* an escape */
		"k\n",                             /* a key alone */
		"caf\xc3\xa9" META "\n",           /* UTF-8 */
		"k\t5\n",                          /* two fields */
		"k" META "\tSTANDARD\tx\n",        /* six */
		"\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n", /* no key */
		"k\t05" META "\n",
		"k\t5\t2025-02-29T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"k\t5\t2026-01-02T24:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"k\t5\t2026-01-02T03:04:05Z\tD41d8cd98f00b204e9800998ecf8427e\n",
		"k\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e-0\n",
		"k\t5\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\tstandard\n",
		"k\t18446744073709551616\t2026-01-02T03:04:05Z\td41d8cd98f00b204e9800998ecf8427e\n",
		"k" META "\x7f\n",
		"k" META,                          /* no LF */
	};
	static const char subst[] = "09aAfzZ:-T\t\n% \x7f\x80\x01/";
	unsigned seed = 4242;
	int disagree = 0, took = 0, took_good = 0, took_slow = 0;
	char line[256];

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		took_good += scan_agrees(good[i], strlen(good[i]), &disagree);
	tap_is_int(took_good, (int)(sizeof good / sizeof good[0]), "obj_scan takes plain lines");
	for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++)
		took_slow += scan_agrees(slow[i], strlen(slow[i]), &disagree);
	tap_is_int(took_slow, 0, "and leaves the rest to the strict path");
	tap_ok(!scan_agrees(good[0], strlen(good[0]) - 1, &disagree),
	       "a line whose LF is beyond what it is given is left too");
	/* Mutants: a byte or two changed, days changing now and then (the
	 * remembered day must not let a bad time through). */
	for (int round = 0; round < 100000; round++) {
		const char *g = good[round % (sizeof good / sizeof good[0])];
		size_t n = strlen(g);

		memcpy(line, g, n);
		for (int k = 0; k < 2; k++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 20) % 3 == 0)
				continue;
			line[(seed >> 8) % (n - 1)] = subst[(seed >> 16) % (sizeof subst - 1)];
		}
		took += scan_agrees(line, n, &disagree);
	}
	tap_ok(took > 1000 && took < 100000, "mutants: obj_scan took %d of 100,000", took);
	tap_is_int(disagree, 0, "and never took one the strict path refuses or reads otherwise");
}

static void test_rec_parse(void)
{
	struct rec_reader r;
	struct s3gc_err e;
	struct rec rec;

	rec_reader_init(&r, NULL, "in.txt", 16);
	r.lineno = 41;
	tap_ok(rec_parse(&r, "a%09b\tc", 7, &rec, &e) == 1 && rec.nfields == 2 &&
		       rec.len[0] == 3 && memcmp(rec.field[0], "a\tb", 3) == 0 && rec.lineno == 41,
	       "rec_parse decodes a line it is given");
	tap_ok(rec_parse(&r, "a%zz", 4, &rec, &e) < 0 && strncmp(e.msg, "in.txt:41: ", 11) == 0,
	       "naming the line it is told (%s)", e.msg);
	tap_ok(rec_parse(&r, "0123456789abcdefg", 17, &rec, &e) < 0 &&
		       strstr(e.msg, "line longer than 16 bytes") != NULL,
	       "and refusing one over maxline (%s)", e.msg);
	rec_reader_release(&r);
}

int main(void)
{
	test_round_trip_bytes();
	test_decode_rules();
	test_reader_errors();
	test_reader_continues();
	test_reader_buffering();
	test_obj_forms();
	test_obj_bad_fields();
	test_obj_keys();
	test_obj_format();
	test_obj_scan();
	test_rec_parse();
	obj_line(NULL, 0, NULL);
	return tap_done();
}
