/*
 * xml.h: streaming parsers (libexpat) for the S3 response documents s3gc
 * reads: ListBucketResult (ListObjectsV2) and Error.
 */
#ifndef S3GC_XML_H
#define S3GC_XML_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "rec.h"

enum xml_doc { XML_DOC_NONE = 0, XML_DOC_LIST, XML_DOC_ERROR, XML_DOC_OTHER };

/* One listed object; key and storage class point into the page's arenas. */
struct list_entry {
	size_t key_off, key_len; /* in list_page.keys, decoded */
	unsigned long long size;
	time_t mtime;
	char etag[ETAG_MAX + 1];
	char storage_class[32];
};

/*
 * A page as parsed. Nothing in it may be used unless list_page_end
 * returned 0: a document cut short or malformed is never half-used.
 * All memory is owned by the page (list_page_release).
 */
struct list_page {
	enum xml_doc kind;
	struct list_entry *ent;
	size_t n, cap;
	struct buf keys;         /* decoded keys, back to back */
	struct buf prefixes;     /* decoded CommonPrefixes, each NUL-terminated */
	size_t nprefixes;
	int is_truncated;        /* -1 when absent */
	struct buf next_token;   /* NextContinuationToken, as sent */
	long key_count;          /* -1 when absent */
	int url_encoded;         /* EncodingType was "url" */
	/* Error documents (XML_DOC_ERROR), also a 200 whose body is an error. */
	char err_code[64];
	char err_msg[512];
	char err_request_id[128];
	void *impl;              /* parser state */
};

int list_page_init(struct list_page *pg, struct s3gc_err *e);
void list_page_release(struct list_page *pg);

/* Start a new document, forgetting the previous one (memory is reused). */
int list_page_begin(struct list_page *pg, struct s3gc_err *e);

/* Feed body bytes as they arrive; -1 at the first malformed byte. */
int list_page_feed(struct list_page *pg, const char *p, size_t n,
		   struct s3gc_err *e);

/*
 * End of body: checks the document is complete and well-formed, decodes the
 * keys (encoding-type=url: '+' is a space, %XX a byte), and checks each
 * entry's fields. For XML_DOC_ERROR documents, fills err_*. -1 with
 * S3GC_E_S3 when the document is truncated, malformed, or not one of ours.
 */
int list_page_end(struct list_page *pg, struct s3gc_err *e);

/* The decoded key of entry i (NUL-terminated, in the page). */
const char *list_page_key(const struct list_page *pg, size_t i);

#endif
