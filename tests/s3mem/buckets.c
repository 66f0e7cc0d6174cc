/* buckets.c - bucket-level operations: create, head, delete, location. */
#include <string.h>

#include "clock.h"
#include "handlers.h"

#define S3NS "http://s3.amazonaws.com/doc/2006-03-01/"

/* S3's rules, minus the IP-address check: 3-63 of [a-z0-9.-], alphanumeric at both ends. */
static int valid_bucket_name(const char *n)
{
	size_t len = strlen(n);
	if (len < 3 || len > 63 || strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789.-") != len)
		return 0;
	return n[0] != '.' && n[0] != '-' && n[len - 1] != '.' && n[len - 1] != '-';
}

void h_create_bucket(struct ctx *c)
{
	if (!valid_bucket_name(c->bucket)) {
		resp_error(c->resp, 400, "InvalidBucketName", "The specified bucket is not valid.",
			   c->bucket, NULL, 0);
		return;
	}
	/* Re-creating an owned bucket succeeds, as in us-east-1. */
	store_add_bucket(&c->srv->store, c->bucket, server_now());
	resp_hdr(c->resp, "Location", "/%s", c->bucket);
}

void h_head_bucket(struct ctx *c)
{
	if (!c->b)
		err_no_bucket(c);
	else
		resp_hdr(c->resp, "x-amz-bucket-region", "us-east-1");
}

void h_delete_bucket(struct ctx *c)
{
	if (!c->b) {
		err_no_bucket(c);
	} else if (c->b->count) {
		resp_error(c->resp, 409, "BucketNotEmpty",
			   "The bucket you tried to delete is not empty", c->bucket, NULL, 0);
	} else {
		store_del_bucket(&c->srv->store, c->bucket);
		uploads_drop_bucket(&c->srv->mpu, c->bucket);	/* as S3 does */
		c->b = NULL;
		c->resp->status = 204;
	}
}

void h_bucket_location(struct ctx *c)
{
	if (!c->b) {
		err_no_bucket(c);
		return;
	}
	struct buf *b = resp_xml(c->resp, 200);
	buf_adds(b, "<LocationConstraint xmlns=\"" S3NS "\"/>");
}
