/* store.h - buckets and their objects, kept in a skip list ordered by raw key bytes. */
#ifndef S3MEM_STORE_H
#define S3MEM_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Reference-counted object content, so a GET in flight keeps the bytes it
 * is sending even if the object is overwritten or deleted meanwhile. */
struct blob {
	size_t refs;
	size_t len;
	unsigned char data[];
};

/* refs = 1; with p NULL the content is left for the caller to fill. */
struct blob *blob_new(const void *p, size_t len);
struct blob *blob_ref(struct blob *b);
void blob_unref(struct blob *b);			/* NULL is fine */

struct obj {
	uint64_t size;
	time_t mtime;
	char etag[40];		/* lowercase hex MD5, no quotes; multipart: "HEX-N" */
	struct blob *data;	/* NULL: synthetic content derived from seed */
	uint8_t seed;
	char *ctype;		/* Content-Type, NULL for the default */
	char *hdrs;		/* other stored headers, "Name: value\r\n"..., or NULL */
};

void obj_clear(struct obj *o);	/* releases content and headers */

/* A skip-list node.  key points into the same allocation. */
struct entry {
	const char *key;
	size_t klen;
	struct obj obj;
	unsigned level;
	struct entry *next[];
};

#define STORE_MAX_LEVEL 24

struct bucket {
	char *name;
	time_t created;
	size_t count;
	unsigned level;		/* highest level in use */
	struct entry *head;	/* sentinel with the maximum number of levels */
	/* Last entry on each level (head if none): appending in key order,
	 * as a sorted --populate file does, then needs no search. */
	struct entry *tail[STORE_MAX_LEVEL];
};

struct store {
	struct bucket **b;
	size_t n;
};

void store_free(struct store *s);
struct bucket *store_bucket(struct store *s, const char *name);	/* NULL if absent */
struct bucket *store_add_bucket(struct store *s, const char *name, time_t now);
int store_del_bucket(struct store *s, const char *name);	/* 0, or -1 if absent */
size_t store_objects(const struct store *s);

/* The entry for key, or NULL. */
struct entry *bucket_get(struct bucket *b, const char *key, size_t klen);
/* The entry for key, created empty (obj zeroed) if absent; *created says which. */
struct entry *bucket_put(struct bucket *b, const char *key, size_t klen, int *created);
int bucket_del(struct bucket *b, const char *key, size_t klen);	/* 1 if it existed */
/* Reallocates the entries in key order, so that walking a listing page
 * reads memory sequentially (twice as fast as after a shuffled load). */
void bucket_compact(struct bucket *b);
/* First entry whose key is >= key (NULL key/klen 0: the first entry). */
struct entry *bucket_seek(struct bucket *b, const char *key, size_t klen);

static inline struct entry *entry_next(const struct entry *e)
{
	return e->next[0];
}

/* Synthetic content of populated objects: byte i = (i*31 + seed) & 0xff. */
uint8_t synth_seed(const char *key, size_t klen);
void synth_fill(uint8_t seed, uint64_t off, unsigned char *out, size_t n);

#endif
