/* uploads.c - multipart uploads in progress (see uploads.h).  Parts are
 * kept as received, one blob each, in an array sorted by part number;
 * Complete copies each listed part once into the object. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include "uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "digest.h"

static void *xalloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fputs("s3mem: out of memory\n", stderr);
		abort();
	}
	return q;
}

/* splitmix64: the id looks opaque rather than like a counter. */
static uint64_t mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

struct upload *uploads_new(struct uploads *u, uint32_t salt, const char *bucket,
			   const char *key, size_t klen)
{
	struct upload *up = xalloc(NULL, sizeof *up);
	memset(up, 0, sizeof *up);
	u->made++;
	/* Unique: the counter is in it, and the salt tells runs apart. */
	snprintf(up->id, sizeof up->id, "%08X%08X%016llX", (unsigned)salt, (unsigned)u->made,
		 (unsigned long long)mix((uint64_t)salt << 32 ^ u->made));
	up->bucket = xalloc(NULL, strlen(bucket) + 1);
	strcpy(up->bucket, bucket);
	up->key = xalloc(NULL, klen + 1);
	memcpy(up->key, key, klen);
	up->key[klen] = 0;
	up->klen = klen;
	up->next = u->head;
	u->head = up;
	u->n++;
	return up;
}

struct upload *uploads_find(struct uploads *u, const char *id, const char *bucket,
			    const char *key, size_t klen)
{
	for (struct upload *up = u->head; up; up = up->next)
		if (!strcmp(up->id, id))
			return !strcmp(up->bucket, bucket) && up->klen == klen &&
					       !memcmp(up->key, key, klen) ? up : NULL;
	return NULL;
}

static void upload_free(struct upload *up)
{
	for (size_t i = 0; i < up->nparts; i++)
		blob_unref(up->parts[i].data);
	free(up->parts);
	obj_clear(&up->meta);
	free(up->bucket);
	free(up->key);
	free(up);
}

void uploads_remove(struct uploads *u, struct upload *up)
{
	for (struct upload **pp = &u->head; *pp; pp = &(*pp)->next)
		if (*pp == up) {
			*pp = up->next;
			u->n--;
			upload_free(up);
			return;
		}
}

void uploads_drop_bucket(struct uploads *u, const char *bucket)
{
	struct upload **pp = &u->head;
	while (*pp) {
		struct upload *up = *pp;
		if (strcmp(up->bucket, bucket)) {
			pp = &up->next;
			continue;
		}
		*pp = up->next;
		u->n--;
		upload_free(up);
	}
}

void uploads_free(struct uploads *u)
{
	while (u->head) {
		struct upload *up = u->head;
		u->head = up->next;
		upload_free(up);
	}
	u->n = 0;
}

/* Index of part num, or where it would go. */
static size_t part_slot(const struct upload *up, unsigned num)
{
	size_t lo = 0, hi = up->nparts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (up->parts[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct part *upload_part(struct upload *up, unsigned num)
{
	size_t i = part_slot(up, num);
	return i < up->nparts && up->parts[i].num == num ? &up->parts[i] : NULL;
}

const struct part *upload_put_part(struct upload *up, unsigned num, const void *p, size_t n)
{
	size_t i = part_slot(up, num);
	struct part *pt;
	if (i < up->nparts && up->parts[i].num == num) {
		pt = &up->parts[i];
		blob_unref(pt->data);	/* uploading a part again replaces it */
	} else {
		if (up->nparts == up->cap) {
			up->cap = up->cap ? 2 * up->cap : 16;
			up->parts = xalloc(up->parts, up->cap * sizeof *up->parts);
		}
		pt = &up->parts[i];
		memmove(pt + 1, pt, (up->nparts - i) * sizeof *pt);
		up->nparts++;
		pt->num = num;
	}
	pt->data = blob_new(p, n);
	md5_once(p, n, pt->md5);
	hex_lower(pt->md5, 16, pt->etag);
	return pt;
}

void upload_assemble(struct upload *up, struct part **use, size_t n, struct obj *o)
{
	struct md5 m;
	unsigned char d[16];
	size_t total = 0;
	md5_init(&m);
	for (size_t i = 0; i < n; i++) {
		total += use[i]->data->len;
		md5_update(&m, use[i]->md5, 16);
	}
	md5_final(&m, d);
	hex_lower(d, 16, o->etag);
	snprintf(o->etag + 32, sizeof o->etag - 32, "-%u",
		 (unsigned)(n < UPLOAD_MAX_PART ? n : UPLOAD_MAX_PART));	/* n is at most that */
	if (n == 1) {
		o->data = use[0]->data;	/* one part is the object as it is */
		use[0]->data = NULL;
	} else {
		o->data = blob_new(NULL, total);
		for (size_t i = 0, off = 0; i < n; i++) {
			memcpy(o->data->data + off, use[i]->data->data, use[i]->data->len);
			off += use[i]->data->len;
			blob_unref(use[i]->data);
			use[i]->data = NULL;
		}
	}
	o->size = total;
	o->ctype = up->meta.ctype;
	o->hdrs = up->meta.hdrs;
	up->meta.ctype = up->meta.hdrs = NULL;
}
