/* creds.h: AWS credentials from the environment or the shared credentials file. */
#ifndef S3GC_CREDS_H
#define S3GC_CREDS_H

#include "err.h"

/* Heap strings owned by the struct; creds_release wipes and frees them. */
struct creds {
	char *access_key;
	char *secret_key;
	char *session_token; /* NULL when none */
	char source[256];    /* "environment" or "profile 'x' in '/path'" */
};

/*
 * Look in order at AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (with
 * AWS_SESSION_TOKEN), then the shared credentials file
 * (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials) under profile
 * AWS_PROFILE (else "default"). None found, half a pair, or an unreadable
 * or malformed file: -1 with S3GC_E_CONFIG and a message saying what to set.
 */
int creds_load(struct creds *c, struct s3gc_err *e);
void creds_release(struct creds *c);

#endif
