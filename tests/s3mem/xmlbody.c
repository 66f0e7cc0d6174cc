/* xmlbody.c - the request-body XML walker (see xmlbody.h).  The bodies are
 * tiny documents written by SDKs: a full parser would be overkill. */
#include "xmlbody.h"

#include <string.h>

#include "buf.h"
#include "codec.h"

struct walker {
	struct xml_walk x;
	const char *p, *end;
	const struct xml_handler *h;
};

int xml_at(const struct xml_walk *x, const char *a, const char *b, const char *c)
{
	const char *want[3] = { a, b, c };
	int n = c ? 3 : b ? 2 : 1;
	if (x->depth != n)
		return 0;
	for (int i = 0; i < n; i++)
		if (strlen(want[i]) != x->slen[i] || memcmp(want[i], x->stack[i], x->slen[i]))
			return 0;
	return 1;
}

char *xml_text(const struct xml_walk *x, size_t *len)
{
	struct buf v = BUF_INIT;
	buf_reserve(&v, 1);
	if (xml_unescape(x->text, x->tlen, &v) < 0) {
		buf_free(&v);
		return NULL;
	}
	if (len)
		*len = v.len;
	return v.p;
}

static int open_tag(struct walker *w, const char *name, size_t n)
{
	struct xml_walk *x = &w->x;
	if (x->depth == XML_MAX_DEPTH)
		return -1;
	x->stack[x->depth] = name;
	x->slen[x->depth++] = n;
	return w->h->open ? w->h->open(x, w->h->arg) : 0;
}

static int close_tag(struct walker *w, const char *name, size_t n)
{
	struct xml_walk *x = &w->x;
	if (!x->depth || x->slen[x->depth - 1] != n || memcmp(x->stack[x->depth - 1], name, n))
		return -1;
	if (w->h->close && w->h->close(x, w->h->arg) < 0)
		return -1;
	x->depth--;
	return 0;
}

/* Handles one markup construct starting at w->p ('<'); advances w->p. */
static int markup(struct walker *w)
{
	const char *p = w->p + 1, *end = w->end;
	const char *close = memchr(p, '>', (size_t)(end - p));
	if (!close)
		return -1;
	w->p = close + 1;
	if (*p == '?' || *p == '!')
		return (*p == '!' && (close - p < 3 || strncmp(p, "!--", 3))) ? -1 : 0;
	int is_end = *p == '/';
	p += is_end;
	int empty = close[-1] == '/';
	const char *ne = p;
	while (ne < close && *ne != ' ' && *ne != '\t' && *ne != '\n' && *ne != '\r' && *ne != '/')
		ne++;
	const char *colon = memchr(p, ':', (size_t)(ne - p));
	if (colon)
		p = colon + 1;	/* namespace prefix */
	if (ne == p)
		return -1;
	size_t n = (size_t)(ne - p);
	if (is_end)
		return close_tag(w, p, n);
	if (open_tag(w, p, n) < 0)
		return -1;
	w->x.text = "";
	w->x.tlen = 0;
	return empty ? close_tag(w, p, n) : 0;
}

int xml_walk(const char *xml, size_t n, const struct xml_handler *h)
{
	struct walker w = { .p = xml ? xml : "", .h = h };
	w.end = w.p + n;
	while (w.p < w.end) {
		const char *lt = memchr(w.p, '<', (size_t)(w.end - w.p));
		if (!lt)
			lt = w.end;
		w.x.text = w.p;
		w.x.tlen = (size_t)(lt - w.p);
		w.p = lt;
		if (lt < w.end && markup(&w) < 0)
			return -1;
	}
	return w.x.depth ? -1 : 0;
}
