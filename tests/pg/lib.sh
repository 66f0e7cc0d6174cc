# tests/pg/lib.sh: PostgreSQL for the shell tests.  Source it after
# tests/lib.sh:   . "$top_srcdir/tests/lib.sh"; . "$top_srcdir/tests/pg/lib.sh"
#
# start_pg [DIR]: starts a throw-away cluster (tests/pg/start.sh) in DIR,
# default "$T/pg"; exports PGHOST=127.0.0.1 PGPORT PGUSER=s3gc
# PGDATABASE=s3gc, puts the server's bindir first on PATH (psql,
# pg_recvlogical of the same version) and sets PG_DIR.  Each cluster started
# is stopped and removed when the test exits.  Skips the test when PostgreSQL
# is not installed or does not start (fails with S3GC_REQUIRE_SERVICES=1).

_pg_dirs=

_pg_cleanup() {
	for _d in $_pg_dirs; do
		sh "$top_srcdir/tests/pg/stop.sh" --rm "$_d" >/dev/null 2>&1
	done
	_pg_dirs=
	_t_cleanup
}

start_pg() {
	_pg_dir=${1:-$T/pg}
	PG_BINDIR=$(sh "$top_srcdir/tests/pg/start.sh" --bindir) ||
		need postgres "not installed (scripts/deps)"
	case :$PATH: in *":$PG_BINDIR:"*) ;; *) PATH="$PG_BINDIR:$PATH" ;; esac
	export PATH
	if [ -z "$_pg_dirs" ]; then
		trap _pg_cleanup EXIT
	fi
	_pg_dirs="$_pg_dirs $_pg_dir"
	PGPORT=$(sh "$top_srcdir/tests/pg/start.sh" "$_pg_dir" 2>"$T/pg-start.err") || {
		sed 's/^/# /' "$T/pg-start.err"
		need postgres "did not start"
	}
	PG_DIR=$_pg_dir
	PGHOST=127.0.0.1
	PGUSER=s3gc
	PGDATABASE=s3gc
	export PGHOST PGPORT PGUSER PGDATABASE
}
