/* rec.c: reading, decoding and writing the records of s3gc-records(5). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "rec.h"
#include "timefmt.h"
#include "utf8.h"

/* How each byte is written in a field. */
enum { C_LIT = 0, C_PCT, C_CTL };

#define CTL8(x) C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL
static const unsigned char byte_classes[256] = {
	CTL8(0), CTL8(8), CTL8(16), CTL8(24),
	['%'] = C_PCT,
	[0x7F] = C_CTL,
};
#undef CTL8

static unsigned char byte_class(unsigned char c)
{
	return byte_classes[c];
}

static int must_escape(unsigned char c)
{
	return byte_classes[c] != C_LIT;
}

static const char hexdig[] = "0123456789ABCDEF";

/* The reader's name as messages show it: "-" is standard input. */
static const char *shown_name(const char *name)
{
	return !name || strcmp(name, "-") == 0 ? "stdin" : name;
}

/* ---- encoding ---- */

int rec_encode(struct buf *out, const char *s, size_t n, struct s3gc_err *e)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run;
	char esc[3];

	while (i < n) {
		for (run = i; run < n && !must_escape(p[run]); run++)
			;
		if (run > i && buf_add(out, p + i, run - i, e) < 0)
			return -1;
		if (run == n)
			break;
		esc[0] = '%';
		esc[1] = hexdig[p[run] >> 4];
		esc[2] = hexdig[p[run] & 15];
		if (buf_add(out, esc, 3, e) < 0)
			return -1;
		i = run + 1;
	}
	/* An empty field still leaves out a valid C string. */
	return n ? 0 : buf_add(out, "", 0, e);
}

int rec_format(struct buf *out, const char *const *fields, const size_t *lens,
	       size_t nfields, struct s3gc_err *e)
{
	if (nfields < 1 || nfields > REC_MAXFIELDS)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "a record has 1 to %d fields, not %zu",
			       REC_MAXFIELDS, nfields);
	for (size_t i = 0; i < nfields; i++) {
		size_t n = lens ? lens[i] : strlen(fields[i]);

		if (i && buf_addc(out, '\t', e) < 0)
			return -1;
		if (rec_encode(out, fields[i], n, e) < 0)
			return -1;
	}
	return buf_addc(out, '\n', e);
}

/* ---- decoding ---- */

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_lowerhex(unsigned char c)
{
	return c >= 'a' && c <= 'f';
}

/* Show up to n bytes of a bad escape in a message, safely. */
static void show_bytes(char *dst, size_t size, const unsigned char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < size; i++) {
		if (p[i] > 0x20 && p[i] < 0x7F && p[i] != '\'')
			dst[o++] = (char)p[i];
		else
			o += (size_t)snprintf(dst + o, size - o, "\\x%02X", p[i]);
	}
	dst[o] = '\0';
}

/* " in field N", or nothing when decoding a lone field. */
static void field_suffix(char *dst, size_t size, size_t fieldno)
{
	if (fieldno)
		snprintf(dst, size, " in field %zu", fieldno);
	else
		dst[0] = '\0';
}

static int bad_escape(const unsigned char *p, size_t avail, size_t fieldno,
		      struct s3gc_err *e)
{
	char shown[16], where[32];
	const char *what = "bad escape";

	field_suffix(where, sizeof(where), fieldno);
	show_bytes(shown, sizeof(shown), p, avail < 3 ? avail : 3);
	if (avail < 3)
		what = "truncated escape";
	else if ((is_lowerhex(p[1]) || hexval(p[1]) >= 0) &&
		 (is_lowerhex(p[2]) || hexval(p[2]) >= 0))
		what = "lowercase hex in escape";
	return err_set(e, S3GC_E_DATA, 0, "%s '%s'%s", what, shown, where);
}

static int raw_control(unsigned char c, size_t fieldno, struct s3gc_err *e)
{
	char where[32];

	field_suffix(where, sizeof(where), fieldno);
	if (c == '\r')
		return err_set(e, S3GC_E_DATA, 0,
			       "raw CR (0x0D)%s: CRLF line ends are not records",
			       where);
	return err_set(e, S3GC_E_DATA, 0,
		       "raw control byte 0x%02X%s: it must be written %%%02X",
		       c, where, c);
}

static int non_canonical(const char *esc, size_t fieldno, struct s3gc_err *e)
{
	unsigned char c = (unsigned char)(hexval((unsigned char)esc[1]) << 4 |
					  hexval((unsigned char)esc[2]));
	char where[32];

	field_suffix(where, sizeof(where), fieldno);
	if (c < 0x80)
		return err_set(e, S3GC_E_DATA, 0,
			       "non-canonical escape '%.3s'%s: write '%c' as itself",
			       esc, where, c);
	return err_set(e, S3GC_E_DATA, 0,
		       "non-canonical escape '%.3s'%s: write byte 0x%02X as itself",
		       esc, where, c);
}

/*
 * Decode s[0..n) into dst, which has room for n + 1 bytes; the result is
 * NUL-terminated. Returns the decoded length, or (size_t)-1 with e set.
 */
static size_t decode_field(char *dst, const char *s, size_t n, size_t fieldno,
			   struct s3gc_err *e)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	int hi, lo;

	while (i < n) {
		size_t run = i;

		while (run < n && byte_classes[p[run]] == C_LIT)
			run++;
		if (run > i) {
			memcpy(dst + o, p + i, run - i);
			o += run - i;
			i = run;
			if (i == n)
				break;
		}
		switch (byte_class(p[i])) {
		case C_CTL:
			raw_control(p[i], fieldno, e);
			return (size_t)-1;
		default:
			if (n - i < 3 || (hi = hexval(p[i + 1])) < 0 ||
			    (lo = hexval(p[i + 2])) < 0) {
				bad_escape(p + i, n - i, fieldno, e);
				return (size_t)-1;
			}
			if (!must_escape((unsigned char)(hi << 4 | lo))) {
				non_canonical(s + i, fieldno, e);
				return (size_t)-1;
			}
			dst[o++] = (char)(hi << 4 | lo);
			i += 3;
		}
	}
	dst[o] = '\0';
	return o;
}

int rec_decode(struct buf *out, const char *s, size_t n, struct s3gc_err *e)
{
	size_t got;

	if (buf_grow(out, n, e) < 0)
		return -1;
	got = decode_field(out->data + out->len, s, n, 0, e);
	if (got == (size_t)-1) {
		out->data[out->len] = '\0';
		return -1;
	}
	out->len += got;
	return 0;
}

/* ---- reading ---- */

void rec_reader_init(struct rec_reader *r, FILE *fp, const char *name,
		     size_t maxline)
{
	r->fp = fp;
	r->name = name;
	r->lineno = 0;
	r->maxline = maxline ? maxline : REC_MAXLINE;
	if (r->maxline > (size_t)-1 / 4)
		r->maxline = (size_t)-1 / 4;
	buf_init(&r->line, 0);
	buf_init(&r->dec, 0);
}

void rec_reader_release(struct rec_reader *r)
{
	buf_release(&r->line);
	buf_release(&r->dec);
}

/*
 * Room for need bytes of line and a NUL, never allocating more than
 * maxline + 1 bytes: the cap bounds memory, not only the record.
 */
static int line_reserve(struct rec_reader *r, size_t need, struct s3gc_err *e)
{
	struct buf *b = &r->line;
	size_t cap;
	char *p;

	if (need < b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap <= need)
		cap *= 2;
	if (cap > r->maxline + 1)
		cap = r->maxline + 1;
	p = realloc(b->data, cap);
	if (!p)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate %zu bytes", cap);
	b->data = p;
	b->cap = cap;
	return 0;
}

/*
 * The bytes stdio holds for fp already read from the file, used in place
 * so that a line costs one memchr and one memcpy instead of a call per
 * byte; this is gnulib's freadptr and freadseek for glibc. Elsewhere
 * nothing is buffered as far as we know, and bytes come one by one.
 */
#if defined(__GLIBC__)
static size_t buffered(FILE *fp, const char **p)
{
	if (fp->_IO_write_ptr > fp->_IO_write_base)
		return 0;
	*p = fp->_IO_read_ptr;
	return (size_t)(fp->_IO_read_end - fp->_IO_read_ptr);
}

static void consume(FILE *fp, size_t n)
{
	fp->_IO_read_ptr += n;
}
#else
static size_t buffered(FILE *fp, const char **p)
{
	(void)fp;
	*p = NULL;
	return 0;
}

static void consume(FILE *fp, size_t n)
{
	(void)fp;
	(void)n;
}
#endif

/*
 * The next piece of input: what stdio has buffered, or else one byte read
 * with getc (which refills the buffer). *own is set when the bytes were
 * taken from fp already. 0 at the end of input or on an error.
 */
static size_t next_piece(FILE *fp, const char **p, char *byte, int *own)
{
	size_t n = buffered(fp, p);
	int ch;

	*own = 0;
	if (n)
		return n;
	ch = getc_unlocked(fp);
	if (ch == EOF)
		return 0;
	*byte = (char)ch;
	*p = byte;
	*own = 1;
	return 1;
}

static int read_failed(struct rec_reader *r, int errnum, struct s3gc_err *e)
{
	return err_sys(e, S3GC_E_IO, errnum ? errnum : EIO, "%s:%lu: cannot read",
		       shown_name(r->name), r->lineno);
}

/*
 * Discard the rest of an over-long line, so that a caller who goes on
 * reads the next line with the right number.
 */
static void skip_line(FILE *fp)
{
	const char *p, *lf;
	size_t n;
	char byte;
	int own;

	while ((n = next_piece(fp, &p, &byte, &own)) > 0) {
		lf = memchr(p, '\n', n);
		if (!own)
			consume(fp, lf ? (size_t)(lf - p) + 1 : n);
		if (lf)
			return;
	}
}

/* Read one line into r->line without its LF: 1, 0 at a clean end, -1. */
static int read_line(struct rec_reader *r, struct s3gc_err *e)
{
	FILE *fp = r->fp;
	const char *p, *lf;
	size_t n = 0, avail, take;
	int own, started = 0;
	char byte;

	r->line.len = 0;
	for (;;) {
		errno = 0;
		avail = next_piece(fp, &p, &byte, &own);
		if (avail == 0) {
			if (ferror(fp))
				return read_failed(r, errno, e);
			if (!started)
				return 0;
			return err_set(e, S3GC_E_DATA, 0,
				       "%s:%lu: input ends in the middle of line %lu",
				       shown_name(r->name), r->lineno, r->lineno);
		}
		if (!started) {
			started = 1;
			r->lineno++;
		}
		lf = memchr(p, '\n', avail);
		take = lf ? (size_t)(lf - p) : avail;
		if (take > r->maxline - n) {
			if (!own)
				consume(fp, lf ? take + 1 : avail);
			if (!lf)
				skip_line(fp);
			return err_set(e, S3GC_E_DATA, E2BIG,
				       "%s:%lu: line longer than %zu bytes",
				       shown_name(r->name), r->lineno, r->maxline);
		}
		if (line_reserve(r, n + take, e) < 0)
			return -1;
		memcpy(r->line.data + n, p, take);
		n += take;
		if (!own)
			consume(fp, lf ? take + 1 : take);
		if (lf)
			break;
	}
	if (line_reserve(r, n, e) < 0)
		return -1;
	r->line.data[n] = '\0';
	r->line.len = n;
	return 1;
}

/* Split r->line at TABs and decode each field into r->dec. */
static int decode_line(struct rec_reader *r, struct rec *out,
		       struct s3gc_err *e)
{
	const char *s = r->line.data, *end = s + r->line.len, *tab;
	size_t off[REC_MAXFIELDS], nf = 0, got;

	buf_reset(&r->dec);
	/* Decoding never lengthens a field; each field gets a NUL. */
	if (buf_grow(&r->dec, r->line.len + REC_MAXFIELDS, e) < 0)
		return -1;
	for (;;) {
		tab = memchr(s, '\t', (size_t)(end - s));
		if (nf == REC_MAXFIELDS)
			return err_set(e, S3GC_E_DATA, 0,
				       "too many fields: more than %d",
				       REC_MAXFIELDS);
		off[nf] = r->dec.len;
		got = decode_field(r->dec.data + r->dec.len, s,
				   (size_t)((tab ? tab : end) - s), nf + 1, e);
		if (got == (size_t)-1)
			return -1;
		out->len[nf++] = got;
		r->dec.len += got + 1;
		if (!tab)
			break;
		s = tab + 1;
	}
	r->dec.len--; /* the last NUL is the buffer's own terminator */
	out->nfields = nf;
	for (size_t i = 0; i < nf; i++)
		out->field[i] = r->dec.data + off[i];
	return 0;
}

/* Decode the line in r->line, read as line r->lineno. */
static int parse_line(struct rec_reader *r, struct rec *out, struct s3gc_err *e)
{
	out->lineno = r->lineno;
	if (r->line.len == 0)
		return err_set(e, S3GC_E_DATA, 0,
			       "%s:%lu: empty line: a record has at least a key",
			       shown_name(r->name), r->lineno);
	if (decode_line(r, out, e) < 0) {
		out->nfields = 0;
		return err_prefix(e, "%s:%lu", shown_name(r->name), r->lineno);
	}
	return 1;
}

int rec_read(struct rec_reader *r, struct rec *out, struct s3gc_err *e)
{
	int got;

	out->nfields = 0;
	flockfile(r->fp);
	got = read_line(r, e);
	funlockfile(r->fp);
	if (got <= 0) {
		if (r->line.data)
			r->line.data[0] = '\0';
		return got;
	}
	return parse_line(r, out, e);
}

int rec_parse(struct rec_reader *r, const char *line, size_t n, struct rec *out,
	      struct s3gc_err *e)
{
	out->nfields = 0;
	if (n > r->maxline)
		return err_set(e, S3GC_E_DATA, E2BIG, "%s:%lu: line longer than %zu bytes",
			       shown_name(r->name), r->lineno, r->maxline);
	if (line_reserve(r, n, e) < 0)
		return -1;
	memcpy(r->line.data, line, n);
	r->line.data[n] = '\0';
	r->line.len = n;
	return parse_line(r, out, e);
}

/* ---- object records ---- */

static const char *const obj_field_names[] = {
	"key", "size", "last_modified", "etag", "storage_class",
};

/*
 * A field value shown in a message: encoded as on the line (so it is
 * printable) and cut short, since it only has to be recognisable.
 */
static void show_field(char *dst, size_t size, const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	struct s3gc_err ignore;

	if (n > 64)
		n = 64;
	if (rec_encode(&b, s, n, &ignore) < 0)
		snprintf(dst, size, "?");
	else
		snprintf(dst, size, "%s", buf_str(&b));
	buf_release(&b);
}

/* "NAME:LINE: FIELD: bad value 'VALUE': WHY" */
static int obj_bad(const struct rec_reader *r, const struct rec *rec,
		   size_t idx, struct s3gc_err *e, const char *why)
{
	char shown[200];

	show_field(shown, sizeof(shown), rec->field[idx], rec->len[idx]);
	return err_set(e, S3GC_E_DATA, 0, "%s:%lu: %s: bad value '%s': %s",
		       shown_name(r ? r->name : NULL), rec->lineno,
		       obj_field_names[idx], shown, why);
}

static int check_key(const struct rec_reader *r, const struct rec *rec,
		     struct s3gc_err *e)
{
	const char *name = shown_name(r ? r->name : NULL);
	size_t bad;

	if (rec->len[0] == 0)
		return err_set(e, S3GC_E_DATA, 0, "%s:%lu: key: empty", name,
			       rec->lineno);
	if (rec->len[0] > S3_KEY_MAX)
		return err_set(e, S3GC_E_DATA, 0,
			       "%s:%lu: key: %zu bytes, more than %d", name,
			       rec->lineno, rec->len[0], S3_KEY_MAX);
	if (!utf8_valid(rec->field[0], rec->len[0], &bad))
		return err_set(e, S3GC_E_DATA, 0,
			       "%s:%lu: key: invalid UTF-8 at byte %zu", name,
			       rec->lineno, bad + 1);
	return 0;
}

/* Decimal digits, no sign, no leading zero, at most 2^64 - 1. */
static int parse_size(const char *s, size_t n, unsigned long long *v,
		      const char **why)
{
	unsigned long long x = 0;

	*why = "expected decimal digits (no sign)";
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9)
			return -1;
		/* Nineteen digits cannot overflow; only then is it checked. */
		if (i >= 19 && x > (~0ULL - d) / 10) {
			*why = "larger than 18446744073709551615";
			return -1;
		}
		x = x * 10 + d;
	}
	if (n > 1 && s[0] == '0') {
		*why = "leading zero";
		return -1;
	}
	*v = x;
	return 0;
}

static int is_hexlower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* 32 lowercase hex digits, then optionally -N with N in 1..10000. */
static int check_etag(const char *s, size_t n)
{
	unsigned part = 0;

	if (n < 32)
		return -1;
	for (size_t i = 0; i < 32; i++)
		if (!is_hexlower(s[i]))
			return -1;
	if (n == 32)
		return 0;
	if (s[32] != '-' || n == 33 || n > 38 || s[33] == '0')
		return -1;
	for (size_t i = 33; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		part = part * 10 + (unsigned)(s[i] - '0');
	}
	return part <= 10000 ? 0 : -1;
}

static int check_class(const char *s, size_t n)
{
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_'))
			return -1;
	return 0;
}

int obj_from_rec(const struct rec_reader *r, const struct rec *rec,
		 struct obj *o, struct s3gc_err *e)
{
	const char *why;

	memset(o, 0, sizeof(*o));
	if (rec->nfields != 1 && rec->nfields != 4 && rec->nfields != 5)
		return err_set(e, S3GC_E_DATA, 0,
			       "%s:%lu: expected 1, 4 or 5 fields, got %zu",
			       shown_name(r ? r->name : NULL), rec->lineno,
			       rec->nfields);
	if (check_key(r, rec, e) < 0)
		return -1;
	o->key = rec->field[0];
	o->key_len = rec->len[0];
	if (rec->nfields == 1)
		return 0;
	if (parse_size(rec->field[1], rec->len[1], &o->size, &why) < 0)
		return obj_bad(r, rec, 1, e, why);
	if (time_parse_rfc3339(rec->field[2], rec->len[2], &o->mtime) < 0)
		return obj_bad(r, rec, 2, e,
			       "expected a valid UTC time like 2026-01-02T03:04:05Z");
	if (check_etag(rec->field[3], rec->len[3]) < 0)
		return obj_bad(r, rec, 3, e,
			       "expected 32 lowercase hex digits, optionally followed by -N (N from 1 to 10000)");
	memcpy(o->etag, rec->field[3], rec->len[3] + 1);
	if (rec->nfields == 5) {
		if (check_class(rec->field[4], rec->len[4]) < 0)
			return obj_bad(r, rec, 4, e,
				       "expected a storage class of A-Z and '_' like STANDARD");
		o->storage_class = rec->field[4];
		o->storage_class_len = rec->len[4];
	}
	o->has_meta = 1;
	return 0;
}

int obj_format(struct buf *out, const struct obj *o, struct s3gc_err *e)
{
	char mtime[RFC3339_LEN + 1];

	if (!o->key || o->key_len == 0)
		return err_set(e, S3GC_E_INTERNAL, 0, "object record without a key");
	if (rec_encode(out, o->key, o->key_len, e) < 0)
		return -1;
	if (o->has_meta) {
		/* Hot in s3gc-list: digits by hand rather than through printf. */
		char num[24];
		size_t k = sizeof(num);
		unsigned long long v = o->size;

		do
			num[--k] = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		time_format_rfc3339(o->mtime, mtime);
		if (buf_addc(out, '\t', e) < 0 ||
		    buf_add(out, num + k, sizeof(num) - k, e) < 0 ||
		    buf_addc(out, '\t', e) < 0 ||
		    buf_add(out, mtime, RFC3339_LEN, e) < 0 ||
		    buf_addc(out, '\t', e) < 0 ||
		    rec_encode(out, o->etag, strlen(o->etag), e) < 0)
			return -1;
		if (o->storage_class) {
			size_t n = o->storage_class_len ?
				o->storage_class_len : strlen(o->storage_class);

			if (buf_addc(out, '\t', e) < 0 ||
			    rec_encode(out, o->storage_class, n, e) < 0)
				return -1;
		}
	}
	return buf_addc(out, '\n', e);
}

/* ---- the fast path ---- */

/*
 * The line at p, up to the first LF within avail bytes, if it is plain: no
 * byte in it needs decoding or checking (controls other than TAB, '%',
 * DEL, bytes over 0x7F). Its length, with the places of its TABs in
 * tab[0..*nt); -1 when it is not plain, has more than four TABs, or has no
 * LF within avail.
 */
static long plain_line(const unsigned char *p, size_t avail, size_t tab[4], int *ntp)
{
	size_t i = 0;
	int nt = 0;

#if defined(__SSE2__)
	const __m128i ctl = _mm_set1_epi8(0x20), pct = _mm_set1_epi8('%'),
		del = _mm_set1_epi8(0x7F);

	for (; i + 16 <= avail; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		/* Signed: bytes over 0x7F are below 0x20 too. */
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmplt_epi8(v, ctl),
				     _mm_or_si128(_mm_cmpeq_epi8(v, pct), _mm_cmpeq_epi8(v, del))));

		for (; m; m &= m - 1) {
			size_t j = i + (size_t)__builtin_ctz(m);

			if (p[j] == '\n') {
				*ntp = nt;
				return (long)j;
			}
			if (p[j] != '\t' || nt == 4)
				return -1;
			tab[nt++] = j;
		}
	}
#endif
	for (; i < avail; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '%')
			continue;
		if (p[i] == '\n') {
			*ntp = nt;
			return (long)i;
		}
		if (p[i] != '\t' || nt == 4)
			return -1;
		tab[nt++] = i;
	}
	return -1;
}

/* 32 lowercase hex digits at s (SSE2: two compares of 16). */
static int hex32(const char *s)
{
#if defined(__SSE2__)
	const __m128i d0 = _mm_set1_epi8('0' - 1), d9 = _mm_set1_epi8('9' + 1),
		a0 = _mm_set1_epi8('a' - 1), f0 = _mm_set1_epi8('f' + 1);
	unsigned ok = 0;

	for (int i = 0; i < 32; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, d0), _mm_cmplt_epi8(v, d9));
		__m128i hex = _mm_and_si128(_mm_cmpgt_epi8(v, a0), _mm_cmplt_epi8(v, f0));

		ok |= (unsigned)_mm_movemask_epi8(_mm_or_si128(dig, hex)) << i;
	}
	return ok == 0xFFFFFFFFu;
#else
	for (int i = 0; i < 32; i++)
		if (!is_hexlower(s[i]))
			return 0;
	return 1;
#endif
}

/* Two digits at s, at most max; -1 if not. */
static int two(const char *s, int max)
{
	unsigned a = (unsigned)(s[0] - '0'), b = (unsigned)(s[1] - '0');
	int v = (int)(a * 10 + b);

	return a > 9 || b > 9 || v > max ? -1 : v;
}

/* The first 11 bytes of two times ("2026-01-02T") alike. */
static int same_day(const char *s, const char *day)
{
	uint64_t a, b;
	uint32_t c, d;

	memcpy(&a, s, 8);
	memcpy(&b, day, 8);
	memcpy(&c, s + 7, 4);
	memcpy(&d, day + 7, 4);
	return a == b && c == d;
}

/*
 * time_parse_rfc3339, with the last day seen remembered: a listing's
 * times share few dates, and the date is the costly part.
 */
static int scan_time(const char *s, size_t n, time_t *t)
{
	static _Thread_local char day[11];
	static _Thread_local time_t midnight;
	static _Thread_local int known;
	int h, m, sec;

	if (n != RFC3339_LEN || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    (h = two(s + 11, 23)) < 0 || (m = two(s + 14, 59)) < 0 || (sec = two(s + 17, 59)) < 0)
		return -1;
	if (!known || !same_day(s, day)) {
		if (time_parse_rfc3339(s, n, t) < 0)
			return -1;
		memcpy(day, s, sizeof day);
		midnight = *t - (h * 3600 + m * 60 + sec);
		known = 1;
		return 0;
	}
	*t = midnight + h * 3600 + m * 60 + sec;
	return 0;
}

int obj_scan(const char *line, size_t avail, struct obj *o, size_t *len)
{
	size_t tab[4], elen, n;
	const char *why, *etag;
	int nt = 0;
	long got = plain_line((const unsigned char *)line, avail, tab, &nt);

	/* Not plain, a key alone, a wrong count of fields, a key empty or too
	 * long: the strict path says what is wrong, or does the rest. */
	if (got < 0 || (nt != 3 && nt != 4) || tab[0] == 0 || tab[0] > S3_KEY_MAX)
		return 0;
	n = (size_t)got;
	etag = line + tab[2] + 1;
	elen = (nt == 4 ? tab[3] : n) - tab[2] - 1;
	if (parse_size(line + tab[0] + 1, tab[1] - tab[0] - 1, &o->size, &why) < 0 ||
	    scan_time(line + tab[1] + 1, tab[2] - tab[1] - 1, &o->mtime) < 0 ||
	    elen > ETAG_MAX || (elen == 32 ? !hex32(etag) : check_etag(etag, elen) < 0))
		return 0;
	o->storage_class = NULL;
	o->storage_class_len = 0;
	if (nt == 4) {
		if (check_class(line + tab[3] + 1, n - tab[3] - 1) < 0)
			return 0;
		o->storage_class = line + tab[3] + 1;
		o->storage_class_len = n - tab[3] - 1;
	}
	memcpy(o->etag, etag, elen);
	o->etag[elen] = '\0';
	o->key = line;
	o->key_len = tab[0];
	o->has_meta = 1;
	*len = n;
	return 1;
}
