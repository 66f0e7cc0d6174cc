/* store.c: open LMDB environments and translate their errors. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "store.h"

int store_err(const struct store *s, struct s3gc_err *e, int rc,
	      const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(e, S3GC_E_IO, rc, "%s in '%s': %s", what,
		       s && s->path ? s->path : "?", mdb_strerror(rc));
}

static size_t default_mapsize(void)
{
#if SIZE_MAX > 0xffffffffu
	return (size_t)1 << 40;
#else
	return (size_t)1 << 30;
#endif
}

/* Make sure dir is a directory, creating it unless readonly. */
static int check_dir(const char *dir, int readonly, struct s3gc_err *e)
{
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return err_sys(e, S3GC_E_IO, ENOTDIR,
				       "cannot open store '%s'", dir);
		return 0;
	}
	if (errno != ENOENT)
		return err_sys(e, S3GC_E_IO, errno, "cannot open store '%s'", dir);
	if (readonly)
		return err_sys(e, S3GC_E_NOINPUT, ENOENT,
			       "cannot open store '%s'", dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_sys(e, S3GC_E_IO, errno, "cannot create store '%s'", dir);
	return 0;
}

/* Create and open the environment with one map size; LMDB code or 0. */
static int env_try(struct store *s, const char *dir, size_t mapsize,
		   unsigned maxdbs, unsigned flags)
{
	int rc = mdb_env_create(&s->env);

	if (rc) {
		s->env = NULL;
		return rc;
	}
	rc = mdb_env_set_mapsize(s->env, mapsize);
	if (!rc)
		rc = mdb_env_set_maxdbs(s->env, maxdbs ? maxdbs : STORE_MAXDBS);
	if (!rc)
		rc = mdb_env_open(s->env, dir, flags, 0600);
	if (rc) {
		mdb_env_close(s->env);
		s->env = NULL;
	}
	return rc;
}

int store_open(struct store *s, const char *dir, size_t mapsize,
	       unsigned maxdbs, int readonly, struct s3gc_err *e)
{
	/* Never MDB_WRITEMAP: store_trim relies on a read-only map. */
	unsigned flags = MDB_NOTLS | MDB_NORDAHEAD | (readonly ? MDB_RDONLY : 0);
	size_t size = mapsize ? mapsize : default_mapsize();
	int rc;

	s->env = NULL;
	s->readonly = readonly;
	s->map_lo = s->map_hi = 0;
	s->path = strdup(dir);
	if (!s->path)
		return err_sys(e, S3GC_E_SYS, errno, "cannot open store '%s'", dir);
	if (check_dir(dir, readonly, e) < 0)
		goto fail;
	/*
	 * The default map is only address space, but a capped one (ulimit -v,
	 * valgrind) refuses it: halve it down to 1 GiB before giving up.
	 */
	while ((rc = env_try(s, dir, size, maxdbs, flags)) != 0 && !mapsize &&
	       (rc == EINVAL || rc == ENOMEM) && size > ((size_t)1 << 30))
		size /= 2;
	if (rc == 0)
		return 0;
	if (readonly && rc == ENOENT)
		err_set(e, S3GC_E_NOINPUT, rc, "cannot open store '%s': %s",
			dir, mdb_strerror(rc));
	else
		err_set(e, S3GC_E_IO, rc, "cannot open store '%s': %s", dir,
			mdb_strerror(rc));
fail:
	store_close(s);
	return -1;
}

void store_close(struct store *s)
{
	if (s->env)
		mdb_env_close(s->env);
	s->env = NULL;
	free(s->path);
	s->path = NULL;
	s->map_lo = s->map_hi = 0;
}

int store_dbi(struct store *s, MDB_txn *txn, const char *name, int create,
	      MDB_dbi *dbi, struct s3gc_err *e)
{
	int rc = mdb_dbi_open(txn, name, create ? MDB_CREATE : 0, dbi);

	if (rc)
		return store_err(s, e, rc, "cannot open database '%s'", name);
	return 0;
}

int store_begin(struct store *s, int write, MDB_txn **txn, struct s3gc_err *e)
{
	int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, txn);

	if (rc) {
		*txn = NULL;
		return store_err(s, e, rc, "cannot begin %s transaction",
				 write ? "a write" : "a read");
	}
	return 0;
}

int store_commit(struct store *s, MDB_txn *txn, struct s3gc_err *e)
{
	int rc = mdb_txn_commit(txn);

	if (rc)
		return store_err(s, e, rc, "cannot commit");
	return 0;
}

void store_abort(MDB_txn *txn)
{
	if (txn)
		mdb_txn_abort(txn);
}

/*
 * An address inside the map: where the first record of the main database
 * lies, read in a short read transaction (read pages are always the
 * map's). NULL when there is none.
 */
static uintptr_t map_probe(struct store *s)
{
	uintptr_t p = 0;
	MDB_cursor *c;
	MDB_txn *t;
	MDB_dbi dbi;
	MDB_val k, v;

	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t) != 0)
		return 0;
	if (mdb_dbi_open(t, NULL, 0, &dbi) == 0 && mdb_cursor_open(t, dbi, &c) == 0) {
		if (mdb_cursor_get(c, &k, &v, MDB_FIRST) == 0)
			p = (uintptr_t)k.mv_data;
		mdb_cursor_close(c);
	}
	mdb_txn_abort(t);
	return p;
}

/*
 * The mapping of this process holding address p, from /proc/self/maps,
 * if it is a read-only shared one: 0, or -1 (not found, not read-only
 * shared, no /proc).
 */
static int map_find(uintptr_t p, uintptr_t *lo, uintptr_t *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[256], perms[8];
	int at_start = 1, ret = -1;
	uintmax_t a, b;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* Only a line's beginning is parsed: paths can be long. */
		int parse = at_start;

		at_start = strchr(line, '\n') != NULL;
		if (!parse || sscanf(line, "%jx-%jx %7s", &a, &b, perms) != 3 ||
		    p < a || p >= b)
			continue;
		if (strlen(perms) == 4 && perms[0] == 'r' && perms[1] == '-' &&
		    perms[3] == 's') {
			*lo = (uintptr_t)a;
			*hi = (uintptr_t)b;
			ret = 0;
		}
		break;
	}
	fclose(f);
	return ret;
}

/*
 * LMDB does not tell where its map is (me_mapaddr is only set for
 * MDB_FIXEDMAP), so the mapping is found by an address inside it. The
 * checks that it is read-only and shared make a future MDB_WRITEMAP (or
 * a private map, where MADV_DONTNEED would discard data) a no-op here.
 * Linux (/proc); elsewhere nothing is done.
 */
void store_trim(struct store *s)
{
	unsigned flags = 0;
	uintptr_t p, lo, hi;
	MDB_envinfo info;

	if (!s->env || mdb_env_get_flags(s->env, &flags) != 0 ||
	    (flags & MDB_WRITEMAP) || mdb_env_info(s->env, &info) != 0)
		return;
	/* The map stays where it is for the environment's life: look once. */
	if (!s->map_hi) {
		p = map_probe(s);
		if (!p || map_find(p, &lo, &hi) < 0 || hi - lo > info.me_mapsize)
			return;
		s->map_lo = lo;
		s->map_hi = hi;
	}
	lo = s->map_lo;
	hi = s->map_hi;
#ifdef MADV_DONTNEED
	/* Only a hint: a failure leaves the pages resident, nothing worse. */
	(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
#endif
}

void store_lazy_meta(struct store *s, int on)
{
	if (s->env && !s->readonly)
		(void)mdb_env_set_flags(s->env, MDB_NOMETASYNC, on ? 1 : 0);
}
