/* faults.h - scriptable fault rules: parsing, matching requests, and the plan they produce. */
#ifndef S3MEM_FAULTS_H
#define S3MEM_FAULTS_H

#include <stddef.h>

#include "buf.h"

/* Request classes, as bits so a rule can name one or all. */
enum {
	OP_LIST = 1, OP_GET = 2, OP_HEAD = 4, OP_PUT = 8, OP_DELETE = 16,
	OP_DELOBJ = 32, OP_BUCKET = 64, OP_UPLOADS = 128, OP_PART = 256,
	OP_COMPLETE = 512, OP_ABORT = 1024, OP_ANY = 2047
};

enum fault_action {
	FA_STATUS = 1, FA_RESET, FA_STALL, FA_STALL_BODY, FA_TRUNCATE, FA_ERROR200,
	FA_UNSORTED, FA_IFMATCH_FAIL, FA_IGNORE_COND, FA_DELETE_ERROR, FA_SAME_TOKEN
};

struct fault_rule {
	unsigned ops;
	unsigned long nth, count;	/* count 0: forever */
	char *key;			/* decoded; NULL: any key */
	size_t klen;
	enum fault_action action;
	long long arg;			/* bytes or milliseconds, per action */
	int status;
	long retry_after;		/* -1: no Retry-After header */
	char *code, *message;		/* status / delete-error */
	unsigned long seen, fired;
	char *text;			/* the rule as written, for logs */
};

struct fault_set {
	struct fault_rule *r;
	size_t n;
};

#define MAX_DELETE_ERRORS 64

/* What the rules that fired on one request ask for.  Strings point into the
 * rules, which outlive the request because rules are only replaced between
 * requests. */
struct fault_plan {
	int status;
	const char *code, *message;
	long retry_after;
	long long reset_after, truncate;	/* -1: not set */
	long stall_ms, stall_body_ms;		/* -1: not set */
	int error200, unsorted, ifmatch_fail, ignore_conditions, same_token;
	struct { const char *key; size_t klen; const char *code; } delerr[MAX_DELETE_ERRORS];
	size_t ndelerr;
	unsigned fired;
	struct buf *note;			/* rule texts appended here, if set */
};

struct keyref {
	const char *p;
	size_t n;
};

/* Parses rules text (one rule a line, '#' comments).  On success replaces
 * *fs and returns 0; on error leaves *fs alone, writes "line N: why" to err
 * and returns -1. */
int faults_parse(const char *text, size_t n, struct fault_set *fs, struct buf *err);
void faults_free(struct fault_set *fs);
/* Rules with their counters, one per line, for GET /_s3mem/faults. */
void faults_describe(const struct fault_set *fs, struct buf *out);

/* An empty plan (nothing fires); note may be NULL. */
void fault_plan_init(struct fault_plan *p, struct buf *note);
/* Counts the request against every rule it matches and merges the actions
 * of the rules that fire into plan.  keys: the request's object keys (for
 * a listing, its prefix); a rule with key= matches if any of them equals
 * its key.  Resets plan first, keeping plan->note.  Returns the number of
 * rules that fired. */
unsigned faults_eval(struct fault_set *fs, unsigned op, const struct keyref *keys,
		     size_t nkeys, struct fault_plan *plan);
/* The delete-error code planned for key, or NULL. */
const char *plan_delete_error(const struct fault_plan *p, const char *key, size_t klen);

/* The S3 error code an injected status gets by default. */
const char *fault_default_code(int status);

#endif
