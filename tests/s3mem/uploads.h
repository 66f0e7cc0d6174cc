/* uploads.h - multipart uploads in progress: what Create recorded and the parts, until Complete or Abort. */
#ifndef S3MEM_UPLOADS_H
#define S3MEM_UPLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define UPLOAD_MAX_PART 10000	/* part numbers are 1..10000 */

struct part {
	unsigned num;
	unsigned char md5[16];
	char etag[33];		/* lowercase hex of md5 */
	struct blob *data;	/* the bytes as received; NULL once assembled */
};

struct upload {
	char id[33];
	char *bucket;
	char *key;		/* NUL-terminated copy, klen bytes */
	size_t klen;
	struct obj meta;	/* ctype and hdrs given to Create; nothing else used */
	struct part *parts;	/* ascending part number */
	size_t nparts, cap;
	struct upload *next;
};

/* A list: uploads are few at a time (a client has a handful in flight). */
struct uploads {
	struct upload *head;
	size_t n;		/* open: created and neither completed nor aborted */
	uint64_t made;		/* created so far, for unique ids */
};

/* A new upload with a unique id (salt: something that differs between runs). */
struct upload *uploads_new(struct uploads *u, uint32_t salt, const char *bucket,
			   const char *key, size_t klen);
/* The upload with this id, if it is for this bucket and key; else NULL. */
struct upload *uploads_find(struct uploads *u, const char *id, const char *bucket,
			    const char *key, size_t klen);
void uploads_remove(struct uploads *u, struct upload *up);	/* frees it and its parts */
void uploads_drop_bucket(struct uploads *u, const char *bucket);
void uploads_free(struct uploads *u);

/* Stores (or replaces) part num with a copy of p[0..n). */
const struct part *upload_put_part(struct upload *up, unsigned num, const void *p, size_t n);
/* Part num, or NULL if it was not uploaded. */
struct part *upload_part(struct upload *up, unsigned num);
/* Fills o (which must be empty) with the object the n parts in use make, in
 * that order: their bytes end to end, ETag hex(MD5(their binary MD5s))-n,
 * and the headers given to Create (moved out of up).  The parts' content
 * is released as it is copied.  o->mtime is left to the caller. */
void upload_assemble(struct upload *up, struct part **use, size_t n, struct obj *o);

#endif
