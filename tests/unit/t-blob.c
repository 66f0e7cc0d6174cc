/* t-blob.c: the vault's content-addressed blobs. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "hash.h"
#include "tap.h"

static char vault[64];

/* Collects what blob_read hands over. */
struct sink {
	char *p;
	size_t n, cap;
};

static int collect(void *arg, const void *p, size_t n, struct s3gc_err *e)
{
	struct sink *s = arg;

	(void)e;
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2;
		s->p = realloc(s->p, s->cap);
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	return 0;
}

/* Store data[0..n) written in pieces of `step` bytes. */
static int put(const char *data, size_t n, size_t step, int level,
	       struct blob_info *bi, struct s3gc_err *e)
{
	struct blob_writer *w;

	if (blob_begin(&w, vault, level, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i += step)
		if (blob_write(w, data + i, n - i < step ? n - i : step, e) < 0) {
			blob_abort(w);
			return -1;
		}
	return blob_commit(w, bi, e);
}

static int reads_back(const struct blob_info *bi, const char *data, size_t n)
{
	struct sink s = { NULL, 0, 0 };
	struct blob_info got;
	struct s3gc_err e;
	int ok = blob_read(vault, bi->hex, collect, &s, &got, &e) == 0 &&
		 s.n == n && (n == 0 || memcmp(s.p, data, n) == 0) && got.size == n &&
		 got.compressed == bi->compressed;

	free(s.p);
	return ok;
}

static int tmp_empty(void)
{
	char path[128];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof path, "%s/tmp", vault);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n == 0;
}

static void hex_of(const char *p, size_t n, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char d[SHA256_LEN];
	struct s3gc_err e;

	hash_sha256(p, n, d, &e);
	hex_encode(d, SHA256_LEN, hex);
}

static void flip(const char *hex, int compressed, long at)
{
	struct buf path = BUF_INIT;
	struct s3gc_err e;
	FILE *f;
	int c;

	blob_path(vault, hex, compressed, &path, &e);
	f = fopen(path.data, "r+b");
	fseek(f, at, SEEK_SET);
	c = fgetc(f);
	fseek(f, at, SEEK_SET);
	fputc(c ^ 0x10, f);
	fclose(f);
	buf_release(&path);
}

int main(void)
{
	size_t big = 3 * 1024 * 1024 + 17, rnd = 300 * 1024;
	char *text = malloc(big), *noise = malloc(rnd), hex[SHA256_HEX_LEN + 1], cmd[512];
	unsigned char md5[MD5_LEN];
	struct blob_info a, b, c;
	struct buf path = BUF_INIT;
	struct blob_writer *w;
	struct s3gc_err e;
	struct stat st;
	unsigned x = 12345;

	snprintf(vault, sizeof vault, "/tmp/t-blob.XXXXXX");
	if (!mkdtemp(vault))
		return 1;
	for (size_t i = 0; i < big; i++)
		text[i] = "the quick brown fox jumps over the lazy dog\n"[i % 44] ^ (char)(i / 4096 % 2);
	for (size_t i = 0; i < rnd; i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (char)(x >> 16);
	}

	tap_ok(put("", 0, 1, 3, &a, &e) == 0 && a.size == 0 && !a.compressed &&
	       !strcmp(a.hex, SHA256_EMPTY_HEX), "an empty object: %s", a.hex);
	tap_ok(blob_path(vault, a.hex, 0, &path, &e) == 0 && stat(path.data, &st) == 0 &&
	       st.st_size == 0 && strstr(path.data, "/blobs/e3/e3b0c442"),
	       "stored as %s", path.data);

	hex_of(text, big, hex);
	hash_md5(text, big, md5, &e);
	tap_ok(put(text, big, 65536, 3, &a, &e) == 0 && !strcmp(a.hex, hex) && a.compressed &&
	       a.size == big && a.stored < big / 10 && !memcmp(a.md5, md5, MD5_LEN) && !a.existed,
	       "3 MiB of text: compressed to %llu bytes, SHA-256 and MD5 right",
	       (unsigned long long)a.stored);
	tap_ok(reads_back(&a, text, big), "reads back the same bytes");
	blob_path(vault, a.hex, 1, &path, &e);
	tap_ok(stat(path.data, &st) == 0 && (uint64_t)st.st_size == a.stored, "as %s", path.data);
	snprintf(cmd, sizeof cmd, "zstd -q -dc '%s'", path.data);
	{
		FILE *p = popen(cmd, "r");
		struct sink s = { NULL, 0, 0 };
		char chunk[65536];
		size_t n;

		while (p && (n = fread(chunk, 1, sizeof chunk, p)) > 0)
			collect(&s, chunk, n, &e);
		tap_ok(p && pclose(p) == 0 && s.n == big && memcmp(s.p, text, big) == 0,
		       "zstd -d reads it");
		free(s.p);
	}
	tap_ok(put(text, big, 1 + 7919, 3, &b, &e) == 0 && !strcmp(b.hex, a.hex) && b.existed &&
	       b.compressed && tmp_empty(), "the same bytes in other pieces: stored once, no temporary file left");

	hex_of(noise, rnd, hex);
	tap_ok(put(noise, rnd, 4096, 3, &b, &e) == 0 && !strcmp(b.hex, hex) && !b.compressed &&
	       b.stored == rnd, "300 KiB of noise: kept as it is");
	tap_ok(reads_back(&b, noise, rnd), "reads back");
	tap_ok(put(text, 1000, 1, 3, &c, &e) == 0 && c.compressed && reads_back(&c, text, 1000),
	       "1,000 bytes of text, byte by byte: compressed, reads back");
	tap_ok(put(text + 5, 1000, 100, 0, &c, &e) == 0 && !c.compressed &&
	       reads_back(&c, text + 5, 1000), "level 0: never compressed");

	flip(a.hex, 1, (long)a.stored / 2);
	tap_ok(blob_read(vault, a.hex, NULL, NULL, &c, &e) < 0 && e.cls == S3GC_E_VAULT &&
	       strstr(e.msg, a.hex), "a flipped bit in a compressed blob: %s", e.msg);
	flip(b.hex, 0, 1000);
	tap_ok(blob_read(vault, b.hex, NULL, NULL, &c, &e) < 0 && e.cls == S3GC_E_VAULT &&
	       strstr(e.msg, "does not match its name"), "in a raw one: %s", e.msg);
	tap_ok(put(text, big, 1 << 20, 3, &c, &e) == 0 && !c.existed && reads_back(&c, text, big),
	       "storing the content again replaces the damaged blob");
	tap_ok(put(noise, rnd, rnd, 3, &c, &e) == 0 && !c.existed && reads_back(&c, noise, rnd),
	       "the raw one too");

	/* Read a piece at a time, in small pieces, twice (rewind). */
	{
		struct blob_info r1, r2;
		int ok = put(text, big, 1 << 20, 3, &r1, &e) == 0 && r1.compressed &&
			 put(noise, rnd, rnd, 3, &r2, &e) == 0 && !r2.compressed;

		for (int which = 0; which < 2 && ok; which++) {
			const struct blob_info *bi = which ? &r2 : &r1;
			const char *want = which ? noise : text;
			size_t wn = which ? rnd : big;
			struct blob_reader *rd;

			ok = blob_reader_open(&rd, vault, bi->hex, &e) == 0;
			for (int pass = 0; pass < 2 && ok; pass++) {
				struct sink sk = { NULL, 0, 0 };
				char piece[1000];
				long n;

				if (pass && blob_reader_rewind(rd, &e) < 0)
					ok = 0;
				while (ok && (n = blob_reader_read(rd, piece, sizeof piece, &e)) > 0)
					collect(&sk, piece, (size_t)n, &e);
				ok = ok && n == 0 && sk.n == wn && memcmp(sk.p, want, wn) == 0;
				if (!ok)
					tap_diag("blob %d, pass %d: %zu of %zu bytes (%s)", which, pass,
						 sk.n, wn, e.msg);
				free(sk.p);
			}
			blob_reader_close(rd);
		}
		tap_ok(ok, "a reader gives the bytes back in pieces, compressed or not, twice");
		flip(r1.hex, 1, 100);
		{
			struct blob_reader *rd;
			char piece[65536];
			long n = 1;

			ok = blob_reader_open(&rd, vault, r1.hex, &e) == 0;
			while (ok && (n = blob_reader_read(rd, piece, sizeof piece, &e)) > 0)
				;
			tap_ok(ok && n < 0 && e.cls == S3GC_E_VAULT, "a reader of a damaged blob fails: %s",
			       e.msg);
			blob_reader_close(rd);
		}
		{
			struct blob_reader *none;

			tap_ok(blob_reader_open(&none, vault,
						"00000000000000000000000000000000000000000000000000000000000000ff",
						&e) < 0 && e.cls == S3GC_E_NOINPUT, "no blob to read: %s", e.msg);
		}
		put(text, big, 1 << 20, 3, &r1, &e); /* put it right for what follows */
	}
	tap_ok(blob_read(vault, "00000000000000000000000000000000000000000000000000000000000000ff",
			 NULL, NULL, &c, &e) < 0 && e.cls == S3GC_E_NOINPUT, "no such blob: %s", e.msg);
	tap_ok(blob_begin(&w, vault, 3, &e) == 0 && blob_write(w, text, 10, &e) == 0 &&
	       (blob_abort(w), tmp_empty()), "abort leaves nothing behind");
	tap_ok(blob_begin(&w, "/nonexistent/vault", 3, &e) < 0 && e.cls == S3GC_E_VAULT &&
	       strstr(e.msg, "/nonexistent/vault"), "a vault that cannot be made: %s", e.msg);

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", vault);
	if (system(cmd) != 0)
		return 1;
	buf_release(&path);
	free(text);
	free(noise);
	return tap_done();
}
