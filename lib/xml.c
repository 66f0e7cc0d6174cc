/* xml.c: streaming parsers for ListBucketResult and Error documents. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "uri.h"
#include "utf8.h"
#include "xml.h"

#define TEXT_MAX 16384 /* longest element text we accept: a 1,024-byte key encoded */

enum field {
	F_NONE = 0, F_IS_TRUNCATED, F_NEXT_TOKEN, F_KEY_COUNT, F_ENCODING,
	F_KEY, F_LAST_MODIFIED, F_ETAG, F_SIZE, F_STORAGE_CLASS, F_PREFIX,
	F_CODE, F_MESSAGE, F_REQUEST_ID,
};

/* Parser state; raw (still encoded) keys are decoded at the end. */
struct impl {
	XML_Parser p;
	int depth;
	int in_contents, in_prefixes;
	enum field field;
	struct buf text;
	struct buf raw;          /* encoded keys and prefixes, back to back */
	struct buf prefix_offs;  /* size_t pairs (off, len) into raw */
	int have_key, have_mtime, have_etag, have_size;
	int failed;
	char why[256];
};

static void fail(struct impl *im, const char *why)
{
	if (!im->failed) {
		im->failed = 1;
		snprintf(im->why, sizeof(im->why), "%s", why);
	}
	XML_StopParser(im->p, XML_FALSE);
}

static int is(const char *name, size_t n, const char *lit, size_t litlen)
{
	return n == litlen && memcmp(name, lit, n) == 0;
}
#define IS(lit) is(name, n, lit, sizeof(lit) - 1)

/* Which field an element at the current depth holds; F_NONE if none we keep. */
static enum field field_of(const struct list_page *pg, struct impl *im,
			   const char *name)
{
	size_t n = strlen(name);

	if (pg->kind == XML_DOC_ERROR) {
		if (im->depth != 2)
			return F_NONE;
		return IS("Code") ? F_CODE : IS("Message") ? F_MESSAGE :
		       IS("RequestId") ? F_REQUEST_ID : F_NONE;
	}
	if (im->depth == 2)
		return IS("IsTruncated") ? F_IS_TRUNCATED :
		       IS("NextContinuationToken") ? F_NEXT_TOKEN :
		       IS("KeyCount") ? F_KEY_COUNT :
		       IS("EncodingType") ? F_ENCODING : F_NONE;
	if (im->depth == 3 && im->in_contents)
		return IS("Key") ? F_KEY : IS("LastModified") ? F_LAST_MODIFIED :
		       IS("ETag") ? F_ETAG : IS("Size") ? F_SIZE :
		       IS("StorageClass") ? F_STORAGE_CLASS : F_NONE;
	if (im->depth == 3 && im->in_prefixes && IS("Prefix"))
		return F_PREFIX;
	return F_NONE;
}

static int entry_new(struct list_page *pg, struct impl *im)
{
	if (pg->n == pg->cap) {
		size_t cap = pg->cap ? pg->cap * 2 : 1024;
		struct list_entry *p = realloc(pg->ent, cap * sizeof(*p));

		if (!p)
			return -1;
		pg->ent = p;
		pg->cap = cap;
	}
	memset(&pg->ent[pg->n], 0, sizeof(pg->ent[0]));
	im->have_key = im->have_mtime = im->have_etag = im->have_size = 0;
	return 0;
}

static void XMLCALL on_start(void *arg, const XML_Char *name,
			     const XML_Char **attrs)
{
	struct list_page *pg = arg;
	struct impl *im = pg->impl;

	(void)attrs;
	im->depth++;
	if (im->depth == 1) {
		if (!strcmp(name, "ListBucketResult"))
			pg->kind = XML_DOC_LIST;
		else if (!strcmp(name, "Error"))
			pg->kind = XML_DOC_ERROR;
		else
			pg->kind = XML_DOC_OTHER;
		return;
	}
	if (pg->kind == XML_DOC_LIST && im->depth == 2) {
		if (name[0] == 'C' && !strcmp(name, "Contents")) {
			im->in_contents = 1;
			if (entry_new(pg, im) < 0)
				fail(im, "out of memory");
			return;
		}
		if (name[0] == 'C' && !strcmp(name, "CommonPrefixes")) {
			im->in_prefixes = 1;
			return;
		}
	}
	im->field = field_of(pg, im, name);
	buf_reset(&im->text);
}

static int parse_u64(const char *s, unsigned long long *v)
{
	unsigned long long x = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (!isdigit((unsigned char)*s) || x > (~0ULL - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Lowercase hex digit for each byte that is one, 0 for the rest. */
static const char hexlower[256] = {
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
	['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f',
};

/* S3 sends the ETag quoted; records carry it bare and lowercase. */
static int etag_take(char *dst, const char *s, size_t n)
{
	size_t i;

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	if (n < 32 || n > ETAG_MAX)
		return -1;
	for (i = 0; i < 32; i++)
		if (!(dst[i] = hexlower[(unsigned char)s[i]]))
			return -1;
	/* A multipart ETag: -N, N without leading zeros. */
	if (n > 32 && (n == 33 || s[32] != '-' || s[33] == '0'))
		return -1;
	for (i = 32; i < n; i++) {
		if (i > 32 && (s[i] < '0' || s[i] > '9'))
			return -1;
		dst[i] = s[i];
	}
	dst[n] = '\0';
	return 0;
}

static int storage_class_ok(const char *s, size_t n, size_t max)
{
	if (n == 0 || n >= max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_'))
			return 0;
	return 1;
}

static void store_contents_field(struct list_page *pg, struct impl *im)
{
	struct list_entry *en = &pg->ent[pg->n];
	const char *t = buf_str(&im->text);
	size_t tn = im->text.len;
	struct s3gc_err e;

	switch (im->field) {
	case F_KEY:
		en->key_off = im->raw.len;
		en->key_len = tn;
		if (buf_add(&im->raw, t, tn, &e) < 0)
			fail(im, e.msg);
		im->have_key = 1;
		break;
	case F_LAST_MODIFIED:
		if (time_parse_iso8601(t, tn, &en->mtime) < 0)
			fail(im, "bad LastModified");
		im->have_mtime = 1;
		break;
	case F_ETAG:
		if (etag_take(en->etag, t, tn) < 0)
			fail(im, "bad ETag");
		im->have_etag = 1;
		break;
	case F_SIZE:
		if (parse_u64(t, &en->size) < 0)
			fail(im, "bad Size");
		im->have_size = 1;
		break;
	case F_STORAGE_CLASS:
		if (!storage_class_ok(t, tn, sizeof(en->storage_class)))
			fail(im, "bad StorageClass");
		else
			memcpy(en->storage_class, t, tn + 1);
		break;
	default:
		break;
	}
}

static void store_field(struct list_page *pg, struct impl *im)
{
	const char *t = buf_str(&im->text);
	size_t tn = im->text.len;
	struct s3gc_err e;
	size_t pair[2];

	switch (im->field) {
	case F_IS_TRUNCATED:
		if (!strcmp(t, "true"))
			pg->is_truncated = 1;
		else if (!strcmp(t, "false"))
			pg->is_truncated = 0;
		else
			fail(im, "bad IsTruncated");
		break;
	case F_NEXT_TOKEN:
		buf_reset(&pg->next_token);
		if (buf_add(&pg->next_token, t, tn, &e) < 0)
			fail(im, e.msg);
		break;
	case F_KEY_COUNT: {
		unsigned long long v = 0;

		if (parse_u64(t, &v) < 0 || v > 100000)
			fail(im, "bad KeyCount");
		pg->key_count = (long)v;
		break;
	}
	case F_ENCODING:
		pg->url_encoded = !strcmp(t, "url");
		break;
	case F_PREFIX:
		pair[0] = im->raw.len;
		pair[1] = tn;
		if (buf_add(&im->raw, t, tn, &e) < 0 ||
		    buf_add(&im->prefix_offs, pair, sizeof(pair), &e) < 0)
			fail(im, e.msg);
		break;
	case F_CODE:
		snprintf(pg->err_code, sizeof(pg->err_code), "%s", t);
		break;
	case F_MESSAGE:
		snprintf(pg->err_msg, sizeof(pg->err_msg), "%s", t);
		break;
	case F_REQUEST_ID:
		snprintf(pg->err_request_id, sizeof(pg->err_request_id), "%s", t);
		break;
	default:
		store_contents_field(pg, im);
		break;
	}
}

static void XMLCALL on_end(void *arg, const XML_Char *name)
{
	struct list_page *pg = arg;
	struct impl *im = pg->impl;

	if (im->field != F_NONE) {
		store_field(pg, im);
		im->field = F_NONE;
	} else if (pg->kind == XML_DOC_LIST && im->depth == 2) {
		if (im->in_contents && !strcmp(name, "Contents")) {
			if (!(im->have_key && im->have_mtime && im->have_etag &&
			      im->have_size))
				fail(im, "Contents without Key, LastModified, ETag or Size");
			else
				pg->n++;
		}
		im->in_contents = im->in_prefixes = 0;
	}
	im->depth--;
}

static void XMLCALL on_text(void *arg, const XML_Char *s, int len)
{
	struct list_page *pg = arg;
	struct impl *im = pg->impl;
	struct s3gc_err e;

	if (im->field == F_NONE)
		return;
	if (im->text.len + (size_t)len > TEXT_MAX) {
		fail(im, "element text too long");
		return;
	}
	if (buf_add(&im->text, s, (size_t)len, &e) < 0)
		fail(im, e.msg);
}

int list_page_init(struct list_page *pg, struct s3gc_err *e)
{
	struct impl *im;

	memset(pg, 0, sizeof(*pg));
	im = calloc(1, sizeof(*im));
	if (!im)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate parser");
	im->p = XML_ParserCreate("UTF-8");
	if (!im->p) {
		free(im);
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot create XML parser");
	}
	pg->impl = im;
	return list_page_begin(pg, e);
}

void list_page_release(struct list_page *pg)
{
	struct impl *im = pg->impl;

	if (im) {
		XML_ParserFree(im->p);
		buf_release(&im->text);
		buf_release(&im->raw);
		buf_release(&im->prefix_offs);
		free(im);
	}
	free(pg->ent);
	buf_release(&pg->keys);
	buf_release(&pg->prefixes);
	buf_release(&pg->next_token);
	memset(pg, 0, sizeof(*pg));
}

int list_page_begin(struct list_page *pg, struct s3gc_err *e)
{
	struct impl *im = pg->impl;

	if (XML_ParserReset(im->p, "UTF-8") != XML_TRUE)
		return err_set(e, S3GC_E_INTERNAL, 0, "cannot reset XML parser");
	XML_SetUserData(im->p, pg);
	XML_SetElementHandler(im->p, on_start, on_end);
	XML_SetCharacterDataHandler(im->p, on_text);
	im->depth = 0;
	im->in_contents = im->in_prefixes = 0;
	im->field = F_NONE;
	im->failed = 0;
	im->why[0] = '\0';
	buf_reset(&im->text);
	buf_reset(&im->raw);
	buf_reset(&im->prefix_offs);
	pg->kind = XML_DOC_NONE;
	pg->n = 0;
	pg->nprefixes = 0;
	buf_reset(&pg->keys);
	buf_reset(&pg->prefixes);
	buf_reset(&pg->next_token);
	pg->is_truncated = -1;
	pg->key_count = -1;
	pg->url_encoded = 0;
	pg->err_code[0] = pg->err_msg[0] = pg->err_request_id[0] = '\0';
	return 0;
}

static int parse_error(struct list_page *pg, struct s3gc_err *e)
{
	struct impl *im = pg->impl;

	if (im->failed)
		return err_set(e, S3GC_E_S3, 0, "malformed S3 response: %s", im->why);
	return err_set(e, S3GC_E_S3, 0, "malformed S3 response: %s at line %lu",
		       XML_ErrorString(XML_GetErrorCode(im->p)),
		       (unsigned long)XML_GetCurrentLineNumber(im->p));
}

int list_page_feed(struct list_page *pg, const char *p, size_t n,
		   struct s3gc_err *e)
{
	struct impl *im = pg->impl;

	while (n > 0) {
		int chunk = n > (1u << 30) ? 1 << 30 : (int)n;

		if (XML_Parse(im->p, p, chunk, XML_FALSE) != XML_STATUS_OK)
			return parse_error(pg, e);
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

/* Decode one key or prefix from the raw arena into dst; checks UTF-8 and length. */
static int decode_one(struct list_page *pg, struct buf *dst, size_t off,
		      size_t len, struct s3gc_err *e)
{
	struct impl *im = pg->impl;
	const char *raw = im->raw.data ? im->raw.data + off : "";
	size_t start = dst->len, bad;

	if (pg->url_encoded) {
		if (uri_decode(dst, raw, len, 1, e) < 0) {
			e->cls = S3GC_E_S3;
			return err_prefix(e, "malformed S3 response: key");
		}
	} else if (buf_add(dst, raw, len, e) < 0) {
		return -1;
	}
	if (dst->len - start > S3_KEY_MAX)
		return err_set(e, S3GC_E_S3, 0,
			       "malformed S3 response: key of %zu bytes",
			       dst->len - start);
	if (!utf8_valid(dst->data + start, dst->len - start, &bad))
		return err_set(e, S3GC_E_S3, 0,
			       "malformed S3 response: key is not UTF-8 at byte %zu", bad);
	return 0;
}

static int decode_all(struct list_page *pg, struct s3gc_err *e)
{
	struct impl *im = pg->impl;
	const size_t *pairs = (const size_t *)(void *)im->prefix_offs.data;

	for (size_t i = 0; i < pg->n; i++) {
		size_t off = pg->keys.len;

		if (decode_one(pg, &pg->keys, pg->ent[i].key_off,
			       pg->ent[i].key_len, e) < 0)
			return -1;
		pg->ent[i].key_len = pg->keys.len - off;
		pg->ent[i].key_off = off;
		if (buf_addc(&pg->keys, '\0', e) < 0)
			return -1;
	}
	pg->nprefixes = im->prefix_offs.len / (2 * sizeof(size_t));
	for (size_t i = 0; i < pg->nprefixes; i++)
		if (decode_one(pg, &pg->prefixes, pairs[2 * i], pairs[2 * i + 1], e) < 0 ||
		    buf_addc(&pg->prefixes, '\0', e) < 0)
			return -1;
	return 0;
}

int list_page_end(struct list_page *pg, struct s3gc_err *e)
{
	struct impl *im = pg->impl;

	if (XML_Parse(im->p, "", 0, XML_TRUE) != XML_STATUS_OK)
		return parse_error(pg, e);
	switch (pg->kind) {
	case XML_DOC_ERROR:
		return 0;
	case XML_DOC_LIST:
		break;
	default:
		return err_set(e, S3GC_E_S3, 0,
			       "malformed S3 response: not a ListBucketResult");
	}
	if (pg->is_truncated < 0)
		return err_set(e, S3GC_E_S3, 0,
			       "malformed S3 response: no IsTruncated");
	if (pg->is_truncated && pg->next_token.len == 0)
		return err_set(e, S3GC_E_S3, 0,
			       "malformed S3 response: truncated without NextContinuationToken");
	if (pg->key_count >= 0 &&
	    (size_t)pg->key_count != pg->n + im->prefix_offs.len / (2 * sizeof(size_t)))
		return err_set(e, S3GC_E_S3, 0,
			       "malformed S3 response: KeyCount %ld but %zu entries",
			       pg->key_count, pg->n);
	return decode_all(pg, e);
}

const char *list_page_key(const struct list_page *pg, size_t i)
{
	return pg->keys.data + pg->ent[i].key_off;
}
