/* server.h - the server's state and the entry point that turns a request into a response. */
#ifndef S3MEM_SERVER_H
#define S3MEM_SERVER_H

#include <stdint.h>

#include "faults.h"
#include "http.h"
#include "resp.h"
#include "store.h"
#include "uploads.h"

struct stats {
	uint64_t requests, list, get, head, put, del, delobj, faults_fired;
	uint64_t busy_us;	/* time spent handling requests, for benchmarks */
	uint64_t peak_delayed;	/* most responses waiting out a delay at once */
	uint64_t mpu_create, mpu_part, mpu_complete, mpu_abort;	/* multipart requests */
};

struct server {
	struct store store;
	struct uploads mpu;	/* multipart uploads in progress */
	struct fault_set faults;
	struct stats st;
	long latency_ms;
	int quiet;
	uint64_t seq;		/* request counter, for request ids */
	uint32_t idbase;
};

/* Handles one complete request: fills resp (status, headers, body) and the
 * delivery directives (delay, pause, reset) from latency and faults. */
void server_handle(struct server *s, struct req *r, struct resp *resp);

#endif
