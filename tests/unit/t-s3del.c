/* t-s3del.c: DeleteObjects request bodies and answers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "s3del.h"
#include "tap.h"

struct got {
	char keys[8][64];
	char codes[8][64];
	char msgs[8][64];
	int deleted[8];
	size_t n;
};

static int collect(void *arg, const char *key, size_t keylen, const char *code,
		   const char *msg, struct s3gc_err *e)
{
	struct got *g = arg;

	(void)e;
	if (g->n < 8 && keylen < 64 && strlen(key) == keylen) {
		memcpy(g->keys[g->n], key, keylen + 1);
		g->deleted[g->n] = code == NULL;
		snprintf(g->codes[g->n], 64, "%s", code ? code : "-");
		snprintf(g->msgs[g->n], 64, "%s", msg ? msg : "-");
	}
	g->n++;
	return 0;
}

static int parse(const char *xml, struct got *g, struct s3gc_err *e)
{
	memset(g, 0, sizeof(*g));
	return s3del_parse(xml, strlen(xml), collect, g, e);
}

int main(void)
{
	struct s3del_obj objs[3] = {
		{ "a&b<c>\"d'e", 10, "0123456789abcdef0123456789abcdef" },
		{ "tab\there\nnl\rcr", 14, NULL },
		{ "caf\xc3\xa9 +%/x", 10, "ffffffffffffffffffffffffffffffff" },
	};
	struct buf b = BUF_INIT, doc = BUF_INIT;
	char md5[S3DEL_MD5_B64_LEN + 1], want[S3DEL_MD5_B64_LEN + 1];
	unsigned char d[MD5_LEN];
	struct s3del_obj many[S3DEL_MAX + 1];
	struct s3gc_err e;
	struct got g;

	tap_ok(s3del_xml_ok("a/b c", 5) && s3del_xml_ok("t\tn\nr\r", 6) &&
	       !s3del_xml_ok("a\x01" "b", 3) && !s3del_xml_ok("x\xef\xbf\xbe", 4) &&
	       !s3del_xml_ok("x\xef\xbf\xbf", 4) && s3del_xml_ok("x\xef\xbf\xbd", 4) &&
	       !s3del_xml_ok("", 0) && !s3del_xml_ok("a\0b", 3),
	       "which keys XML can carry");

	tap_ok(s3del_body(objs, 3, 0, &b, md5, &e) == 0, "a body for three keys");
	tap_ok(strstr(b.data, "<Quiet>false</Quiet>") &&
	       strstr(b.data, "<Object><Key>a&amp;b&lt;c&gt;&quot;d&apos;e</Key>"
		      "<ETag>\"0123456789abcdef0123456789abcdef\"</ETag></Object>") &&
	       strstr(b.data, "<Object><Key>tab&#9;here&#10;nl&#13;cr</Key></Object>") &&
	       strstr(b.data, "<Key>caf\xc3\xa9 +%/x</Key>"),
	       "keys escaped, ETags quoted, none where not given");
	hash_md5(b.data, b.len, d, &e);
	base64_encode(d, MD5_LEN, want);
	tap_ok(strlen(md5) == 24 && !strcmp(md5, want), "Content-MD5 of the body: %s", md5);
	tap_ok(s3del_body(objs, 1, 1, &b, md5, &e) == 0 && strstr(b.data, "<Quiet>true</Quiet>"),
	       "quiet");
	for (size_t i = 0; i <= S3DEL_MAX; i++)
		many[i] = objs[2];
	tap_ok(s3del_body(many, S3DEL_MAX, 1, &b, md5, &e) == 0 &&
	       s3del_body(many, S3DEL_MAX + 1, 1, &b, md5, &e) < 0 &&
	       s3del_body(many, 0, 1, &b, md5, &e) < 0, "1,000 at most, at least one");
	many[5].key = "bad\x02key";
	many[5].keylen = 7;
	tap_ok(s3del_body(many, 10, 1, &b, md5, &e) < 0 && strstr(e.msg, "key 6"),
	       "a key XML cannot carry is refused: %s", e.msg);

	/* Answers: the keys come back as sent. */
	buf_adds(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		 "<Deleted><Key>a&amp;b&lt;c&gt;&quot;d&apos;e</Key></Deleted>"
		 "<Error><Key>tab&#9;here&#10;nl&#13;cr</Key><Code>PreconditionFailed</Code>"
		 "<Message>At least one of the pre-conditions you specified did not hold</Message></Error>"
		 "<Deleted><Key>caf\xc3\xa9 +%/x</Key><DeleteMarker>false</DeleteMarker></Deleted>"
		 "<Error><Key>k</Key></Error>"
		 "</DeleteResult>", &e);
	tap_ok(parse(doc.data, &g, &e) == 0 && g.n == 4, "an answer of four entries");
	tap_ok(g.deleted[0] && !strcmp(g.keys[0], "a&b<c>\"d'e") && !strcmp(g.msgs[0], "-"),
	       "deleted, entities decoded: %s", g.keys[0]);
	tap_ok(!g.deleted[1] && !strcmp(g.keys[1], "tab\there\nnl\rcr") &&
	       !strcmp(g.codes[1], "PreconditionFailed") && !strncmp(g.msgs[1], "At least", 8),
	       "an error with its code and message, control characters kept");
	tap_ok(g.deleted[2] && !strcmp(g.keys[2], "caf\xc3\xa9 +%/x"), "UTF-8, + and %% as they are");
	tap_ok(!g.deleted[3] && !strcmp(g.codes[3], "") && !strcmp(g.msgs[3], ""),
	       "an error without code or message");
	tap_ok(parse("<DeleteResult><Deleted><Key>x</Key></Deleted></DeleteResult>", &g, &e) == 0 &&
	       g.n == 1 && g.deleted[0], "without a namespace");
	tap_ok(parse("<DeleteResult/>", &g, &e) == 0 && g.n == 0, "an empty answer (quiet)");

	doc.len -= 20;
	doc.data[doc.len] = '\0';
	tap_ok(parse(doc.data, &g, &e) < 0 && e.cls == S3GC_E_S3 && g.n == 0,
	       "cut short: an error, no entry reported: %s", e.msg);
	tap_ok(parse("<Error><Code>InternalError</Code><Message>We encountered an internal error"
		     "</Message><RequestId>1</RequestId></Error>", &g, &e) < 0 &&
	       e.cls == S3GC_E_S3 && strstr(e.msg, "InternalError") && strstr(e.msg, "internal error"),
	       "an error document: %s", e.msg);
	tap_ok(parse("<ListBucketResult/>", &g, &e) < 0 && strstr(e.msg, "ListBucketResult"),
	       "another document: %s", e.msg);
	tap_ok(parse("<DeleteResult><Deleted><Key>a</Key></Deleted><Deleted></Deleted></DeleteResult>",
		     &g, &e) < 0 && g.n == 0 && strstr(e.msg, "without a key"),
	       "an entry without a key: %s", e.msg);
	tap_ok(parse("", &g, &e) < 0 && e.cls == S3GC_E_S3, "nothing: %s", e.msg);

	buf_release(&b);
	buf_release(&doc);
	return tap_done();
}
