/*
 * keyset.h: a set of byte strings (S3 keys) in memory, for looking up
 * many values against a batch of keys: open addressing over one arena,
 * each key with a mark (set by keyset_mark).
 */
#ifndef S3GC_KEYSET_H
#define S3GC_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

struct keyset {
	struct buf arena;     /* the keys, back to back */
	size_t *off, *len;    /* key i is arena[off[i] .. off[i] + len[i]) */
	unsigned char *mark;
	size_t n, cap;        /* keys, room in off/len/mark */
	uint32_t *slot;       /* 0: empty; else key index + 1 */
	size_t nslot;         /* a power of two, at least twice n */
};

void keyset_init(struct keyset *s);
void keyset_release(struct keyset *s);
/* Drop the keys, keep the memory. */
void keyset_reset(struct keyset *s);

/* Add a key (a key already there is not added twice); its index into *i
 * (may be NULL). */
int keyset_add(struct keyset *s, const char *k, size_t n, size_t *i, struct s3gc_err *e);

/* The index of key k, or -1. */
long keyset_find(const struct keyset *s, const char *k, size_t n);

/* Bytes the set holds (arena and tables). */
size_t keyset_bytes(const struct keyset *s);

#endif
