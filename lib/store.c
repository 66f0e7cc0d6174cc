/* store.c: open LMDB environments and translate their errors. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	unsigned flags = MDB_NOTLS | (readonly ? MDB_RDONLY : 0);
	size_t size = mapsize ? mapsize : default_mapsize();
	int rc;

	s->env = NULL;
	s->readonly = readonly;
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
