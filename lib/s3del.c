/* s3del.c: DeleteObjects request bodies and answers (see s3del.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "hash.h"
#include "s3del.h"

int s3del_xml_ok(const char *key, size_t n)
{
	const unsigned char *p = (const unsigned char *)key;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return 0;
		/* U+FFFE and U+FFFF: EF BF BE, EF BF BF */
		if (p[i] == 0xef && i + 2 < n && p[i + 1] == 0xbf &&
		    (p[i + 2] == 0xbe || p[i + 2] == 0xbf))
			return 0;
	}
	return n > 0;
}

static int add_escaped(struct buf *b, const char *s, size_t n,
		       struct s3gc_err *e)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		/* As references, so that XML's line-end handling keeps them. */
		case '\t': rep = "&#9;"; break;
		case '\n': rep = "&#10;"; break;
		case '\r': rep = "&#13;"; break;
		default: run++; continue;
		}
		if ((run && buf_add(b, s + i - run, run, e) < 0) || buf_adds(b, rep, e) < 0)
			return -1;
		run = 0;
	}
	return run ? buf_add(b, s + n - run, run, e) : 0;
}

int s3del_body(const struct s3del_obj *objs, size_t n, int quiet,
	       struct buf *out, char md5[S3DEL_MD5_B64_LEN + 1],
	       struct s3gc_err *e)
{
	unsigned char d[MD5_LEN];

	if (n == 0 || n > S3DEL_MAX)
		return err_set(e, S3GC_E_INTERNAL, 0, "%zu objects for one DeleteObjects", n);
	buf_reset(out);
	if (buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">", e) < 0 ||
	    buf_adds(out, quiet ? "<Quiet>true</Quiet>" : "<Quiet>false</Quiet>", e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!s3del_xml_ok(objs[i].key, objs[i].keylen))
			return err_set(e, S3GC_E_INTERNAL, 0,
				       "key %zu cannot be written in XML", i + 1);
		if (buf_adds(out, "<Object><Key>", e) < 0 ||
		    add_escaped(out, objs[i].key, objs[i].keylen, e) < 0 ||
		    buf_adds(out, "</Key>", e) < 0 ||
		    (objs[i].etag && buf_addf(out, e, "<ETag>\"%s\"</ETag>", objs[i].etag) < 0) ||
		    buf_adds(out, "</Object>", e) < 0)
			return -1;
	}
	if (buf_adds(out, "</Delete>", e) < 0 || hash_md5(out->data, out->len, d, e) < 0)
		return -1;
	base64_encode(d, MD5_LEN, md5);
	return 0;
}

/* ---- the answer ---- */

enum field { F_NONE, F_KEY, F_CODE, F_MSG };

struct entry {
	size_t key, keylen, code, msg; /* offsets in text; code (size_t)-1: deleted */
};

struct parse {
	XML_Parser p;
	int depth;
	int root_ok;       /* the root is DeleteResult */
	int root_err;      /* the root is Error */
	int in_entry;      /* 1 Deleted, 2 Error, at depth 2 */
	enum field field;  /* collecting this child's text */
	int has_key;
	struct buf text;   /* every collected string, NUL-terminated */
	struct buf cur;    /* the field being collected */
	struct entry *ent;
	size_t n, cap;
	size_t code, msg;  /* of the entry being read */
	int failed;
	struct s3gc_err *e;
	char root[64];
};

static const char *local(const char *name)
{
	const char *sep = strrchr(name, '|');

	return sep ? sep + 1 : name;
}

static void fail(struct parse *ps)
{
	ps->failed = 1;
	XML_StopParser(ps->p, XML_FALSE);
}

static void XMLCALL on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct parse *ps = arg;
	const char *l = local(name);

	(void)attrs;
	ps->depth++;
	if (ps->depth == 1) {
		snprintf(ps->root, sizeof ps->root, "%s", l);
		ps->root_ok = !strcmp(l, "DeleteResult");
		ps->root_err = !strcmp(l, "Error");
		ps->code = ps->msg = (size_t)-1;
	} else if (ps->depth == 2 && ps->root_err) {
		ps->field = !strcmp(l, "Code") ? F_CODE : !strcmp(l, "Message") ? F_MSG : F_NONE;
		buf_reset(&ps->cur);
	} else if (ps->depth == 2 && ps->root_ok) {
		ps->in_entry = !strcmp(l, "Deleted") ? 1 : !strcmp(l, "Error") ? 2 : 0;
		ps->has_key = 0;
		ps->code = ps->msg = (size_t)-1;
	} else if (ps->depth == 3 && ps->in_entry) {
		ps->field = !strcmp(l, "Key") ? F_KEY : !strcmp(l, "Code") ? F_CODE :
			    !strcmp(l, "Message") ? F_MSG : F_NONE;
		buf_reset(&ps->cur);
	}
}

/* Keep the collected field in text; its offset. */
static size_t keep(struct parse *ps)
{
	size_t at = ps->text.len;

	if (buf_add(&ps->text, ps->cur.data ? ps->cur.data : "", ps->cur.len, ps->e) < 0 ||
	    buf_addc(&ps->text, '\0', ps->e) < 0) {
		fail(ps);
		return 0;
	}
	return at;
}

static void XMLCALL on_end(void *arg, const XML_Char *name)
{
	struct parse *ps = arg;

	(void)name;
	if (ps->depth == 2 && ps->root_err && ps->field != F_NONE) {
		size_t at = keep(ps);

		if (ps->field == F_CODE)
			ps->code = at;
		else
			ps->msg = at;
		ps->field = F_NONE;
	} else if (ps->depth == 3 && ps->in_entry && ps->field != F_NONE) {
		size_t at = keep(ps);

		if (ps->field == F_KEY) {
			if (ps->n == ps->cap) {
				size_t nc = ps->cap ? 2 * ps->cap : 64;
				struct entry *ne = realloc(ps->ent, nc * sizeof(*ne));

				if (!ne) {
					err_set(ps->e, S3GC_E_SYS, 0, "cannot allocate memory");
					fail(ps);
					return;
				}
				ps->ent = ne;
				ps->cap = nc;
			}
			ps->ent[ps->n].key = at;
			ps->ent[ps->n].keylen = ps->cur.len;
			ps->has_key = 1;
		} else if (ps->field == F_CODE) {
			ps->code = at;
		} else {
			ps->msg = at;
		}
		ps->field = F_NONE;
	} else if (ps->depth == 2 && ps->in_entry) {
		if (!ps->has_key) {
			err_set(ps->e, S3GC_E_S3, 0, "DeleteObjects answer has an entry without a key");
			fail(ps);
			ps->depth--;
			return;
		}
		ps->ent[ps->n].code = ps->in_entry == 1 ? (size_t)-1 :
				      ps->code == (size_t)-1 ? (size_t)-2 : ps->code;
		ps->ent[ps->n].msg = ps->msg;
		ps->n++;
		ps->in_entry = 0;
	}
	ps->depth--;
}

static void XMLCALL on_text(void *arg, const XML_Char *s, int len)
{
	struct parse *ps = arg;

	if (ps->field != F_NONE && buf_add(&ps->cur, s, (size_t)len, ps->e) < 0)
		fail(ps);
}

int s3del_parse(const char *xml, size_t n, s3del_fn *fn, void *arg,
		struct s3gc_err *e)
{
	struct parse ps;
	int ret = -1;

	memset(&ps, 0, sizeof ps);
	ps.e = e;
	buf_init(&ps.text, 0);
	buf_init(&ps.cur, 0);
	ps.p = XML_ParserCreateNS("UTF-8", '|');
	if (!ps.p)
		return err_set(e, S3GC_E_SYS, 0, "cannot create an XML parser");
	XML_SetUserData(ps.p, &ps);
	XML_SetElementHandler(ps.p, on_start, on_end);
	XML_SetCharacterDataHandler(ps.p, on_text);
	if (n > (size_t)0x7fffffff) {
		err_set(e, S3GC_E_S3, 0, "DeleteObjects answer too long");
		goto out;
	}
	if (XML_Parse(ps.p, xml, (int)n, XML_TRUE) != XML_STATUS_OK) {
		if (!ps.failed)
			err_set(e, S3GC_E_S3, 0, "DeleteObjects answer is not well-formed XML "
				"(line %lu: %s)", (unsigned long)XML_GetCurrentLineNumber(ps.p),
				XML_ErrorString(XML_GetErrorCode(ps.p)));
		goto out;
	}
	if (ps.root_err) {
		err_set(e, S3GC_E_S3, 0, "DeleteObjects failed: %s: %s",
			ps.code == (size_t)-1 ? "no code" : ps.text.data + ps.code,
			ps.msg == (size_t)-1 ? "" : ps.text.data + ps.msg);
		goto out;
	}
	if (!ps.root_ok) {
		err_set(e, S3GC_E_S3, 0, "DeleteObjects answered with <%s>, not <DeleteResult>",
			ps.root[0] ? ps.root : "nothing");
		goto out;
	}
	for (size_t i = 0; i < ps.n; i++) {
		const struct entry *en = &ps.ent[i];
		const char *code = en->code == (size_t)-1 ? NULL :
				   en->code == (size_t)-2 ? "" : ps.text.data + en->code;
		const char *msg = en->msg == (size_t)-1 ? "" : ps.text.data + en->msg;

		if (fn(arg, ps.text.data + en->key, en->keylen, code, code ? msg : NULL, e) < 0)
			goto out;
	}
	ret = 0;
out:
	XML_ParserFree(ps.p);
	buf_release(&ps.text);
	buf_release(&ps.cur);
	free(ps.ent);
	return ret;
}
