/* faults.c - parse fault rules, match them against requests, merge what fires. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include "faults.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"

static const struct { const char *name; unsigned bit; } op_names[] = {
	{ "list", OP_LIST }, { "get", OP_GET }, { "head", OP_HEAD }, { "put", OP_PUT },
	{ "delete", OP_DELETE }, { "deleteobjects", OP_DELOBJ }, { "bucket", OP_BUCKET },
	{ "uploads", OP_UPLOADS }, { "part", OP_PART }, { "complete", OP_COMPLETE },
	{ "abort", OP_ABORT }, { "any", OP_ANY },
};

const char *fault_default_code(int status)
{
	switch (status) {
	case 400: return "InvalidRequest";
	case 403: return "AccessDenied";
	case 404: return "NoSuchKey";
	case 405: return "MethodNotAllowed";
	case 409: return "OperationAborted";
	case 412: return "PreconditionFailed";
	case 416: return "InvalidRange";
	case 429: return "SlowDown";
	case 500: return "InternalError";
	case 501: return "NotImplemented";
	case 503: return "SlowDown";
	default: return status >= 500 ? "InternalError" : "InvalidRequest";
	}
}

static void rule_free(struct fault_rule *r)
{
	free(r->key);
	free(r->code);
	free(r->message);
	free(r->text);
}

void faults_free(struct fault_set *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		rule_free(&fs->r[i]);
	free(fs->r);
	fs->r = NULL;
	fs->n = 0;
}

static int parse_num(const char *s, long long min, long long *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	long long v = strtoll(s, &end, 10);
	if (*end || v < min)
		return -1;
	*out = v;
	return 0;
}

static int parse_ops(const char *v, unsigned *ops)
{
	*ops = 0;
	while (*v) {
		size_t n = strcspn(v, ",");
		size_t i;
		for (i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
			if (strlen(op_names[i].name) == n && !strncmp(op_names[i].name, v, n))
				break;
		if (i == sizeof op_names / sizeof op_names[0])
			return -1;
		*ops |= op_names[i].bit;
		v += n + (v[n] == ',');
	}
	return *ops ? 0 : -1;
}

static char *decode_dup(const char *v, size_t *len)
{
	struct buf b = BUF_INIT;
	buf_reserve(&b, 1);
	if (rec_decode(v, strlen(v), &b) < 0) {
		buf_free(&b);
		return NULL;
	}
	if (len)
		*len = b.len;
	return b.p;
}

static int set_action(struct fault_rule *r, enum fault_action a, const char **why)
{
	if (r->action) {
		*why = "more than one action";
		return -1;
	}
	r->action = a;
	return 0;
}

/* Actions that take a number: name, action, minimum. */
static const struct { const char *name; enum fault_action a; long long min; } num_actions[] = {
	{ "reset-after", FA_RESET, 0 }, { "stall", FA_STALL, 0 },
	{ "stall-body", FA_STALL_BODY, 0 }, { "truncate", FA_TRUNCATE, 0 },
};
static const struct { const char *name; enum fault_action a; } flag_actions[] = {
	{ "error200", FA_ERROR200 }, { "unsorted", FA_UNSORTED },
	{ "ifmatch-fail", FA_IFMATCH_FAIL }, { "ignore-conditions", FA_IGNORE_COND },
	{ "same-token", FA_SAME_TOKEN },
};

/* op=, nth=, count=, key=: which requests a rule applies to.  1 if w was
 * one of them (and *bad says whether its value was bad), else 0. */
static int parse_selector(struct fault_rule *r, const char *w, const char *v, int *has_op,
			  int *bad)
{
	long long num = 0;
	if (!strcmp(w, "op")) {
		*has_op = 1;
		*bad = parse_ops(v, &r->ops) < 0;
	} else if (!strcmp(w, "nth")) {
		*bad = parse_num(v, 1, &num) < 0;
		r->nth = (unsigned long)num;
	} else if (!strcmp(w, "count")) {
		*bad = parse_num(v, 0, &num) < 0;
		r->count = (unsigned long)num;
	} else if (!strcmp(w, "key")) {
		free(r->key);
		*bad = !(r->key = decode_dup(v, &r->klen));
	} else {
		return 0;
	}
	return 1;
}

/* status= and the words that qualify it, and delete-error=. */
static int parse_answer(struct fault_rule *r, const char *w, const char *v, const char **why)
{
	long long num;
	*why = "bad value";
	if (!strcmp(w, "status")) {
		if (parse_num(v, 400, &num) < 0 || num > 599)
			return -1;
		r->status = (int)num;
		return set_action(r, FA_STATUS, why);
	} else if (!strcmp(w, "code") || !strcmp(w, "delete-error")) {
		if (!*v)
			return -1;
		free(r->code);
		r->code = strdup(v);
		return w[0] == 'd' ? set_action(r, FA_DELETE_ERROR, why) : 0;
	} else if (!strcmp(w, "message")) {
		free(r->message);
		return (r->message = decode_dup(v, NULL)) ? 0 : -1;
	} else if (!strcmp(w, "retry-after")) {
		if (parse_num(v, 0, &num) < 0)
			return -1;
		r->retry_after = (long)num;
		return 0;
	}
	*why = "unknown word";
	return -1;
}

static int parse_word(struct fault_rule *r, char *w, int *has_op, const char **why)
{
	char *eq = strchr(w, '=');
	const char *v = eq ? eq + 1 : NULL;
	int bad = 0;
	if (eq)
		*eq = 0;
	for (size_t i = 0; i < sizeof flag_actions / sizeof flag_actions[0]; i++)
		if (!strcmp(w, flag_actions[i].name) && !v)
			return set_action(r, flag_actions[i].a, why);
	*why = v ? "bad value" : "unknown word";
	if (!v)
		return -1;
	for (size_t i = 0; i < sizeof num_actions / sizeof num_actions[0]; i++)
		if (!strcmp(w, num_actions[i].name)) {
			if (parse_num(v, num_actions[i].min, &r->arg) < 0)
				return -1;
			return set_action(r, num_actions[i].a, why);
		}
	if (parse_selector(r, w, v, has_op, &bad))
		return bad ? -1 : 0;
	return parse_answer(r, w, v, why);
}

/* Cross-word checks once the whole line is read. */
static int check_rule(struct fault_rule *r, int has_op, const char **why)
{
	if (!r->action) {
		*why = "no action";
		return -1;
	}
	if ((r->message || r->retry_after >= 0 || (r->code && r->action != FA_DELETE_ERROR)) &&
	    r->action != FA_STATUS) {
		*why = "code=, message= and retry-after= go with status=";
		return -1;
	}
	if (r->action == FA_DELETE_ERROR) {
		if (!r->key) {
			*why = "delete-error needs key=";
			return -1;
		}
		if (has_op && r->ops != OP_DELOBJ) {
			*why = "delete-error applies to op=deleteobjects only";
			return -1;
		}
		r->ops = OP_DELOBJ;
	}
	if (r->action == FA_STATUS && !r->code)
		r->code = strdup(fault_default_code(r->status));
	return 0;
}

static int parse_line(char *line, struct fault_rule *r, int *empty, const char **why)
{
	memset(r, 0, sizeof *r);
	r->ops = OP_ANY;
	r->nth = 1;
	r->count = 1;
	r->retry_after = -1;
	r->text = strdup(line);
	int has_op = 0, words = 0;
	for (char *save = NULL, *w = strtok_r(line, " \t\r", &save); w;
	     w = strtok_r(NULL, " \t\r", &save)) {
		if (*w == '#')
			break;	/* a comment runs to the end of the line */
		words++;
		if (parse_word(r, w, &has_op, why) < 0)
			return -1;
	}
	*empty = !words;
	return words ? check_rule(r, has_op, why) : 0;
}

int faults_parse(const char *text, size_t n, struct fault_set *fs, struct buf *err)
{
	struct fault_set out = { NULL, 0 };
	struct buf copy = BUF_INIT;
	buf_add(&copy, text, n);
	char *save = NULL;
	int lineno = 0, rc = 0;
	/* strtok_r would skip empty lines and so miscount: split by hand. */
	for (char *line = copy.p; line && !rc; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		lineno++;
		struct fault_rule r;
		int empty;
		const char *why = "";
		if (parse_line(line, &r, &empty, &why) < 0) {
			buf_printf(err, "line %d: %s\n", lineno, why);
			rc = -1;
		}
		if (rc || empty) {
			rule_free(&r);
			continue;
		}
		struct fault_rule *nr = realloc(out.r, (out.n + 1) * sizeof *nr);
		if (!nr)
			abort();
		out.r = nr;
		out.r[out.n++] = r;
	}
	buf_free(&copy);
	if (rc) {
		faults_free(&out);
		return -1;
	}
	faults_free(fs);
	*fs = out;
	return 0;
}

void faults_describe(const struct fault_set *fs, struct buf *out)
{
	for (size_t i = 0; i < fs->n; i++)
		buf_printf(out, "%s\t# seen=%lu fired=%lu\n", fs->r[i].text,
			   fs->r[i].seen, fs->r[i].fired);
}

static int key_matches(const struct fault_rule *r, const struct keyref *keys, size_t n)
{
	if (!r->key)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (keys[i].n == r->klen && keys[i].p && !memcmp(keys[i].p, r->key, r->klen))
			return 1;
	return 0;
}

static void plan_apply(struct fault_plan *p, const struct fault_rule *r)
{
	/* When several rules fire, the first of each kind wins. */
	switch (r->action) {
	case FA_STATUS:
		if (!p->status) {
			p->status = r->status;
			p->code = r->code;
			p->message = r->message;
			p->retry_after = r->retry_after;
		}
		break;
	case FA_RESET: if (p->reset_after < 0) p->reset_after = r->arg; break;
	case FA_STALL: if (p->stall_ms < 0) p->stall_ms = (long)r->arg; break;
	case FA_STALL_BODY: if (p->stall_body_ms < 0) p->stall_body_ms = (long)r->arg; break;
	case FA_TRUNCATE: if (p->truncate < 0) p->truncate = r->arg; break;
	case FA_ERROR200: p->error200 = 1; break;
	case FA_UNSORTED: p->unsorted = 1; break;
	case FA_SAME_TOKEN: p->same_token = 1; break;
	case FA_IFMATCH_FAIL: p->ifmatch_fail = 1; break;
	case FA_IGNORE_COND: p->ignore_conditions = 1; break;
	case FA_DELETE_ERROR:
		if (p->ndelerr < MAX_DELETE_ERRORS) {
			p->delerr[p->ndelerr].key = r->key;
			p->delerr[p->ndelerr].klen = r->klen;
			p->delerr[p->ndelerr].code = r->code;
			p->ndelerr++;
		}
		break;
	}
}

void fault_plan_init(struct fault_plan *p, struct buf *note)
{
	memset(p, 0, sizeof *p);
	p->note = note;
	p->reset_after = p->truncate = -1;
	p->stall_ms = p->stall_body_ms = -1;
	p->retry_after = -1;
}

unsigned faults_eval(struct fault_set *fs, unsigned op, const struct keyref *keys,
		     size_t nkeys, struct fault_plan *p)
{
	fault_plan_init(p, p->note);
	for (size_t i = 0; i < fs->n; i++) {
		struct fault_rule *r = &fs->r[i];
		if (!(r->ops & op) || !key_matches(r, keys, nkeys))
			continue;
		r->seen++;
		if (r->seen < r->nth || (r->count && r->seen >= r->nth + r->count))
			continue;
		r->fired++;
		p->fired++;
		plan_apply(p, r);
		if (p->note)
			buf_printf(p->note, " [fault: %s]", r->text);
	}
	return p->fired;
}

const char *plan_delete_error(const struct fault_plan *p, const char *key, size_t klen)
{
	for (size_t i = 0; i < p->ndelerr; i++)
		if (p->delerr[i].klen == klen && !memcmp(p->delerr[i].key, key, klen))
			return p->delerr[i].code;
	return NULL;
}
