/*
 * sigv4.h: AWS Signature Version 4, as a pure function of the request, the
 * credentials and the time. Nothing here reads the clock, the environment
 * or the network.
 */
#ifndef S3GC_SIGV4_H
#define S3GC_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

struct sigv4_header {
	const char *name;  /* any case; lowercased for signing */
	const char *value; /* trimmed, inner runs of spaces/tabs collapsed */
};

/* A query parameter, decoded; the signer encodes it (uri_encode). */
struct sigv4_param {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

struct sigv4_request {
	const char *method;
	/*
	 * The path as it goes on the wire, already percent-encoded. S3 signs it
	 * as it is; other services (opts.s3_path == 0) normalise and encode it
	 * again, as the AWS test suite expects.
	 */
	const char *path;
	const struct sigv4_param *params;
	size_t nparams;
	/* Headers to sign; must include host. Duplicate names are joined with ','. */
	const struct sigv4_header *headers;
	size_t nheaders;
	/* Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"; NULL means empty body. */
	const char *payload_hash;
};

/* Borrowed strings; the signer copies nothing secret beyond its own scope. */
struct sigv4_creds {
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL or "" when none */
};

struct sigv4_opts {
	const char *region;
	const char *service;
	time_t now;            /* signing time, UTC seconds */
	int s3_path;           /* 1: S3 rules (path as is); 0: normalise + re-encode */
	int normalize;         /* with s3_path == 0: remove dot segments, merge slashes */
	int token_unsigned;    /* add the session token after signing (some services) */
	long expires;          /* presigned URLs: X-Amz-Expires, seconds */
};

/*
 * Everything the signer produced; the intermediates are kept so tests can
 * name the stage that differs. Owned by the caller: sigv4_result_release.
 */
struct sigv4_result {
	char amz_date[17];          /* 20150830T123600Z */
	char signature[65];         /* lowercase hex */
	struct buf canonical_request;
	struct buf string_to_sign;
	struct buf signed_headers;  /* "host;x-amz-date" */
	/*
	 * Header signing: the value of the Authorization header. The caller
	 * must also send x-amz-date (amz_date) and, with a session token,
	 * x-amz-security-token.
	 */
	struct buf authorization;
	/*
	 * Presigning: the complete query string to put after '?', the request's
	 * own parameters and the X-Amz-* ones, signature last.
	 */
	struct buf query;
};

void sigv4_result_init(struct sigv4_result *r);
void sigv4_result_release(struct sigv4_result *r);

/* Sign for the Authorization header. */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_creds *cr,
	       const struct sigv4_opts *opts, struct sigv4_result *out,
	       struct s3gc_err *e);

/* Sign into the query string (presigned URL). */
int sigv4_presign(const struct sigv4_request *req, const struct sigv4_creds *cr,
		  const struct sigv4_opts *opts, struct sigv4_result *out,
		  struct s3gc_err *e);

/* Format t as 20150830T123600Z into out[17]. */
void sigv4_amz_date(time_t t, char out[17]);

#endif
