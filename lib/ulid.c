/* ulid.c: operation ids (see ulid.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYS_RANDOM_H
#include <sys/random.h>
#endif

#include "timefmt.h"
#include "ulid.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static pthread_mutex_t last_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t last_ms;
static unsigned char last_rnd[10];

void ulid_encode(uint64_t ms, const unsigned char rnd[10],
		 char out[ULID_LEN + 1])
{
	/* Time: 10 characters of 5 bits, the first holding the top 3 of 48. */
	for (int i = 9; i >= 0; i--, ms >>= 5)
		out[i] = alphabet[ms & 31];
	/* Randomness: 80 bits, 16 characters, taken 40 bits at a time. */
	for (int half = 0; half < 2; half++) {
		uint64_t v = 0;

		for (int j = 0; j < 5; j++)
			v = v << 8 | rnd[half * 5 + j];
		for (int i = 7; i >= 0; i--, v >>= 5)
			out[10 + half * 8 + i] = alphabet[v & 31];
	}
	out[ULID_LEN] = '\0';
}

static int decode_char(unsigned char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c = (unsigned char)(c - 'a' + 'A');
	p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

int ulid_parse(const char *s, size_t n, char out[ULID_LEN + 1],
	       struct s3gc_err *e)
{
	char canon[ULID_LEN + 1];

	if (n != ULID_LEN)
		return err_set(e, S3GC_E_DATA, 0,
			       "'%.*s' is not an operation id: %zu characters, not 26",
			       (int)(n > 64 ? 64 : n), s, n);
	for (size_t i = 0; i < n; i++) {
		int d = decode_char((unsigned char)s[i]);

		if (d < 0)
			return err_set(e, S3GC_E_DATA, 0,
				       "'%.26s' is not an operation id: character %zu is not "
				       "one of Crockford's base32 digits", s, i + 1);
		if (i == 0 && d > 7)
			return err_set(e, S3GC_E_DATA, 0,
				       "'%.26s' is not an operation id: its time is out of range", s);
		canon[i] = alphabet[d];
	}
	canon[ULID_LEN] = '\0';
	if (out)
		memcpy(out, canon, sizeof canon);
	return 0;
}

uint64_t ulid_time_ms(const char *ulid)
{
	uint64_t ms = 0;

	for (int i = 0; i < 10; i++) {
		int d = decode_char((unsigned char)ulid[i]);

		ms = ms << 5 | (uint64_t)(d < 0 ? 0 : d);
	}
	return ms;
}

static int random_bytes(unsigned char *p, size_t n)
{
	size_t got = 0;
	int fd;

#ifdef HAVE_GETRANDOM
	while (got < n) {
		ssize_t r = getrandom(p + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return 0;
#endif
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			errno = r == 0 ? EIO : errno;
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
}

/* Add one to the 80-bit random part; 0, or -1 when it wraps to zero. */
static int increment(unsigned char rnd[10])
{
	for (int i = 9; i >= 0; i--)
		if (++rnd[i] != 0)
			return 0;
	return -1;
}

int ulid_new(char out[ULID_LEN + 1], struct s3gc_err *e)
{
	unsigned char rnd[10];
	uint64_t ms;

	pthread_mutex_lock(&last_mu);
	for (;;) {
		ms = (uint64_t)time_now_ms();
		if (ms > last_ms)
			break;
		/* The same millisecond (or the clock went back): one more than the last. */
		memcpy(rnd, last_rnd, sizeof rnd);
		if (increment(rnd) == 0) {
			ms = last_ms;
			goto done;
		}
		/* 2^80 ids in one millisecond: wait for the next. */
		while ((uint64_t)time_now_ms() <= last_ms)
			;
	}
	if (random_bytes(rnd, sizeof rnd) < 0) {
		int err = errno;

		pthread_mutex_unlock(&last_mu);
		return err_sys(e, S3GC_E_SYS, err, "cannot read random bytes for an operation id");
	}
done:
	last_ms = ms;
	memcpy(last_rnd, rnd, sizeof rnd);
	pthread_mutex_unlock(&last_mu);
	ulid_encode(ms % ULID_MAX_MS, rnd, out);
	return 0;
}
