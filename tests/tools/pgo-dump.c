/*
 * pgo-dump: a test helper. Reads pgoutput messages as psql prints bytea
 * (one "\x…" hex line each) and writes one line per message: its kind and
 * what it carries, values as text ('n' NULL, 'u' unchanged; over 64
 * bytes, their length). Exit 65 on a
 * message pgo_parse refuses.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgoutput.h"

static int unhex(const char *s, char *out, size_t *n)
{
	size_t len = strlen(s);

	if (len < 2 || s[0] != '\\' || s[1] != 'x' || len % 2)
		return -1;
	*n = 0;
	for (size_t i = 2; i < len; i += 2) {
		unsigned v;

		if (sscanf(s + i, "%2x", &v) != 1)
			return -1;
		out[(*n)++] = (char)v;
	}
	return 0;
}

static void tuple(const char *tag, const struct pgo_tuple *t)
{
	printf(" %s(", tag);
	for (uint16_t i = 0; i < t->n; i++) {
		const struct pgo_datum *d = &t->d[i];

		if (i)
			putchar(',');
		if (d->kind == 't' && d->len > 64)
			printf("<%u bytes>", d->len);
		else if (d->kind == 't')
			printf("%.*s", (int)d->len, d->p);
		else
			printf("<%c>", d->kind);
	}
	putchar(')');
}

static void show(const struct pgo_msg *m)
{
	printf("%c", m->kind);
	switch (m->kind) {
	case PGO_RELATION:
		printf(" %s.%s ident=%c", m->nspname, m->relname, m->replident);
		for (uint16_t i = 0; i < m->ncols; i++)
			printf(" %s%s", m->cols[i].name, m->cols[i].key ? "*" : "");
		break;
	case PGO_INSERT:
	case PGO_UPDATE:
	case PGO_DELETE:
		if (m->old_kind)
			tuple(m->old_kind == 'K' ? "key" : "old", &m->old);
		if (m->kind != PGO_DELETE)
			tuple("new", &m->new);
		break;
	case PGO_TRUNCATE:
		printf(" %u relation(s)", m->ntrunc);
		break;
	default:
		break;
	}
	putchar('\n');
}

int main(void)
{
	static char line[1 << 20], bytes[1 << 19];
	struct pgo_msg m;
	struct s3gc_err e;
	size_t n;

	pgo_msg_init(&m);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (unhex(line, bytes, &n) < 0 || pgo_parse(bytes, n, &m, &e) < 0) {
			fprintf(stderr, "pgo-dump: %s\n", unhex(line, bytes, &n) < 0 ? "bad hex" : e.msg);
			return 65;
		}
		show(&m);
	}
	pgo_msg_release(&m);
	return 0;
}
