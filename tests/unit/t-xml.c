/* t-xml: the ListBucketResult and Error parsers, fed whole and byte by byte. */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "xml.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
#define ENT(k, sz) "<Contents><Key>" k "</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>" \
	"<ETag>&quot;0123456789abcdef0123456789ABCDEF&quot;</ETag><Size>" sz "</Size>" \
	"<StorageClass>STANDARD</StorageClass></Contents>"

static const char good[] = HEAD "<Name>b</Name><Prefix></Prefix><KeyCount>3</KeyCount>"
	"<MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
	"<NextContinuationToken>tok+/=</NextContinuationToken>"
	ENT("a+b%2Bc", "12") ENT("d%09e%0Af%25", "0")
	ENT("%E6%97%A5%E6%9C%AC/%F0%9F%98%80", "18446744073709551615")
	"</ListBucketResult>";

/* Parse doc fed in pieces of `step` bytes; returns list_page_end's result. */
static int parse(struct list_page *pg, const char *doc, size_t n, size_t step,
		 struct s3gc_err *e)
{
	if (list_page_begin(pg, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i += step)
		if (list_page_feed(pg, doc + i, i + step > n ? n - i : step, e) < 0)
			return -1;
	return list_page_end(pg, e);
}

static void check_good(struct list_page *pg, size_t step)
{
	struct s3gc_err e;
	int rc = parse(pg, good, strlen(good), step, &e);

	tap_ok(rc == 0, "good page parses (pieces of %zu)", step);
	if (rc < 0) {
		tap_diag("%s", e.msg);
		return;
	}
	tap_is_int(pg->n, 3, "three entries (%zu)", step);
	tap_is_str(list_page_key(pg, 0), "a b+c", "'+' is a space, %%2B a plus (%zu)", step);
	tap_ok(pg->ent[1].key_len == 6 && !memcmp(list_page_key(pg, 1), "d\te\nf%", 6),
	       "tab, newline and percent decode (%zu)", step);
	tap_is_str(list_page_key(pg, 2), "日本/😀", "UTF-8 decodes (%zu)", step);
	tap_is_str(pg->ent[0].etag, "0123456789abcdef0123456789abcdef",
		   "ETag unquoted and lowercased (%zu)", step);
	tap_ok(pg->ent[2].size == 18446744073709551615ULL, "64-bit size (%zu)", step);
	tap_is_int(pg->ent[0].mtime, 1767323045, "LastModified (%zu)", step);
	tap_is_str(pg->ent[0].storage_class, "STANDARD", "storage class (%zu)", step);
	tap_is_int(pg->is_truncated, 1, "IsTruncated (%zu)", step);
	tap_is_str(buf_str(&pg->next_token), "tok+/=", "token kept as sent (%zu)", step);
}

static void reject(struct list_page *pg, const char *doc, const char *what,
		   const char *needle)
{
	struct s3gc_err e;
	int rc = parse(pg, doc, strlen(doc), strlen(doc), &e);

	if (!tap_ok(rc < 0 && e.cls == S3GC_E_S3, "rejected: %s", what))
		return;
	if (!tap_ok(strstr(e.msg, needle) != NULL, "message for %s says '%s'", what, needle))
		tap_diag("message: %s", e.msg);
}

int main(void)
{
	struct list_page pg;
	struct s3gc_err e;
	char cut[sizeof(good)];
	static const char errdoc[] = "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>"
		"<Message>Access Denied</Message><RequestId>R1</RequestId></Error>";
	static const char plain[] = HEAD "<IsTruncated>false</IsTruncated>"
		ENT("a+b%2B", "1") "</ListBucketResult>";

	if (list_page_init(&pg, &e) < 0)
		return 1;
	check_good(&pg, strlen(good));
	check_good(&pg, 1);
	check_good(&pg, 7);

	tap_ok(parse(&pg, plain, strlen(plain), 64, &e) == 0 && !strcmp(list_page_key(&pg, 0), "a+b%2B"),
	       "without EncodingType=url keys are taken literally");

	tap_ok(parse(&pg, errdoc, strlen(errdoc), 5, &e) == 0 && pg.kind == XML_DOC_ERROR,
	       "an Error document parses as one");
	tap_is_str(pg.err_code, "AccessDenied", "error code");
	tap_is_str(pg.err_msg, "Access Denied", "error message");
	tap_is_str(pg.err_request_id, "R1", "request id");

	for (size_t n = 1; n < strlen(good) - 1; n += 37) {
		memcpy(cut, good, n);
		cut[n] = '\0';
		if (parse(&pg, cut, n, n, &e) == 0) {
			tap_ok(0, "a document cut at byte %zu is rejected", n);
			break;
		}
	}
	tap_ok(1, "every cut document is rejected");
	reject(&pg, HEAD "<Contents><Key>a</Key></Contents><IsTruncated>false</IsTruncated></ListBucketResult>",
	       "Contents without fields", "Contents without");
	reject(&pg, HEAD ENT("a", "1") "</ListBucketResult>", "no IsTruncated", "IsTruncated");
	reject(&pg, HEAD "<IsTruncated>true</IsTruncated>" ENT("a", "1") "</ListBucketResult>",
	       "truncated without a token", "NextContinuationToken");
	reject(&pg, HEAD "<KeyCount>2</KeyCount><IsTruncated>false</IsTruncated>" ENT("a", "1")
	       "</ListBucketResult>", "KeyCount disagrees", "KeyCount");
	reject(&pg, HEAD "<IsTruncated>maybe</IsTruncated></ListBucketResult>", "bad IsTruncated", "IsTruncated");
	reject(&pg, HEAD "<IsTruncated>false</IsTruncated><Contents><Key>a</Key><LastModified>2026-01-02T03:04:05Z</LastModified>"
	       "<ETag>\"xyz\"</ETag><Size>1</Size></Contents></ListBucketResult>", "bad ETag", "ETag");
	reject(&pg, HEAD "<IsTruncated>false</IsTruncated><Contents><Key>a</Key><LastModified>yesterday</LastModified>"
	       "<ETag>\"0123456789abcdef0123456789abcdef\"</ETag><Size>1</Size></Contents></ListBucketResult>",
	       "bad LastModified", "LastModified");
	reject(&pg, HEAD "<IsTruncated>false</IsTruncated>" ENT("a", "-1") "</ListBucketResult>", "negative Size", "Size");
	reject(&pg, HEAD "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" ENT("%G0", "1")
	       "</ListBucketResult>", "bad escape in a key", "key");
	reject(&pg, HEAD "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" ENT("%FF", "1")
	       "</ListBucketResult>", "a key that is not UTF-8", "UTF-8");
	reject(&pg, "<?xml version=\"1.0\"?><Other/>", "another document", "not a ListBucketResult");
	reject(&pg, "<html>oops", "not XML at all", "malformed");
	list_page_release(&pg);
	return tap_done();
}
