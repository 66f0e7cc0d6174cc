/* xmlbody.h - a small parser for the XML request bodies SDKs send (DeleteObjects, CompleteMultipartUpload). */
#ifndef S3MEM_XMLBODY_H
#define S3MEM_XMLBODY_H

#include <stddef.h>

#define XML_MAX_DEPTH 8

/* Where the walk is: the open elements, innermost last. */
struct xml_walk {
	const char *stack[XML_MAX_DEPTH];	/* local names (namespace prefix dropped) */
	size_t slen[XML_MAX_DEPTH];
	int depth;
	const char *text;	/* raw character data since the last tag */
	size_t tlen;
};

/* Callbacks; either may be NULL.  open runs once an element is on the
 * stack, close while it still is, with x->text its (last run of) text.
 * Returning -1 stops the walk: the body is refused. */
struct xml_handler {
	int (*open)(const struct xml_walk *x, void *arg);
	int (*close)(const struct xml_walk *x, void *arg);
	void *arg;
};

/* Elements and text only: the XML declaration and comments are skipped,
 * attributes (xmlns) ignored, nesting checked so garbage is refused.
 * Returns 0 if xml[0..n) parsed whole and no callback refused, else -1. */
int xml_walk(const char *xml, size_t n, const struct xml_handler *h);

/* Are the open elements exactly a, b, c (b and c may be NULL)? */
int xml_at(const struct xml_walk *x, const char *a, const char *b, const char *c);

/* x->text with entities decoded, as a malloc'd string (*len its length,
 * when len is non-NULL); NULL if an entity is bad. */
char *xml_text(const struct xml_walk *x, size_t *len);

#endif
