#!/bin/sh
# usage: tests/pg/start.sh DIR
#        tests/pg/start.sh --bindir     (print the server's bindir, or exit 1)
#
# Creates a throw-away PostgreSQL cluster, starts it on 127.0.0.1 on a free
# port, prints the port on stdout (and nothing else), and writes in DIR:
#   pg.port  the port            pg.pid   the postmaster's PID
#   pg.base  the cluster's home  pg.env   PGHOST=.. PGPORT=.. lines to source
#   data, pg.log                 symlinks to the data directory and the log
# The server runs with wal_level=logical, 20 replication slots and WAL
# senders, fsync=off and synchronous_commit=off (wal_writer_delay=10ms);
# its unix socket is in the cluster's home.  Trust authentication for the
# socket and 127.0.0.1 only.
# Superuser "postgres"; login role "s3gc" (REPLICATION) owns database "s3gc".
# Stop it with tests/pg/stop.sh DIR [--rm].  On failure it exits non-zero
# with the end of the server log on stderr and leaves no server or files.
#
# PostgreSQL refuses to run as root.  As root the cluster belongs to a
# dedicated system user, s3gc-pg (created with useradd if missing), and its
# home is a fresh mktemp directory under /tmp owned by that user (DIR and its
# parents, e.g. a 0700 mktemp dir, stay as they are).  As any other user it
# runs as that user.  Environment: S3GC_PG_USER (user to run as when root,
# e.g. nobody), S3GC_PG_BINDIR (server binaries), S3GC_PG_TMPDIR (where the
# cluster's home is made; default /tmp as root, else ${TMPDIR:-/tmp}),
# S3GC_PG_PORT (the first port to try; if taken, random ones follow).
set -eu

bindir() {
	if [ -n "${S3GC_PG_BINDIR:-}" ]; then
		[ -x "$S3GC_PG_BINDIR/postgres" ] && echo "$S3GC_PG_BINDIR"
		return
	fi
	for d in "$(pg_config --bindir 2>/dev/null || true)" \
		$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5nr); do
		[ -n "$d" ] && [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] &&
			[ -x "$d/psql" ] && { echo "$d"; return 0; }
	done
	return 1
}

if [ "${1:-}" = --bindir ]; then
	bindir
	exit
fi
if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
bin=$(bindir) || { echo "start.sh: PostgreSQL server binaries not found (scripts/deps)" >&2; exit 1; }
mkdir -p -- "$1"
dir=$(CDPATH='' cd -- "$1" && pwd)

if [ -f "$dir/pg.pid" ]; then
	old=$(cat "$dir/pg.pid")
	if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
		echo "start.sh: already running in $dir (pid $old); stop it with stop.sh first" >&2
		exit 1
	fi
fi
rm -f "$dir/pg.port" "$dir/pg.pid" "$dir/pg.env" "$dir/pg.base" "$dir/data" "$dir/pg.log"

# Who runs the server, and how we become them.
if [ "$(id -u)" -eq 0 ]; then
	user=${S3GC_PG_USER:-s3gc-pg}
	if ! id -u "$user" >/dev/null 2>&1; then
		# serialise with parallel starts; useradd fails if /etc/passwd is locked
		(
			flock 9 2>/dev/null || true
			id -u "$user" >/dev/null 2>&1 ||
				useradd --system --user-group --no-create-home --home-dir /nonexistent \
					--shell /usr/sbin/nologin --comment "s3gc test PostgreSQL" "$user" >&2
		) 9</etc/passwd
		id -u "$user" >/dev/null 2>&1 || { echo "start.sh: cannot create user $user" >&2; exit 1; }
	fi
	uid=$(id -u "$user")
	gid=$(id -g "$user")
	[ "$uid" -ne 0 ] || { echo "start.sh: S3GC_PG_USER must not be root" >&2; exit 1; }
	tmp=${S3GC_PG_TMPDIR:-/tmp}
	base=$(mktemp -d "$tmp/s3gc-pg.XXXXXX")
	chown "$uid:$gid" "$base"
	as_user() { setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"; }
else
	base=$(mktemp -d "${S3GC_PG_TMPDIR:-${TMPDIR:-/tmp}}/s3gc-pg.XXXXXX")
	as_user() { "$@"; }
fi
chmod 700 "$base"
# On failure (after the log's tail is shown): stop the server, if any, and
# delete the cluster's home; nothing is left behind.
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
started=0
trap '[ "$started" = 1 ] || sh "$here/stop.sh" --rm "$dir" >/dev/null 2>&1 || true' EXIT
echo "$base" >"$dir/pg.base"
ln -s "$base/data" "$dir/data"
ln -s "$base/log" "$dir/pg.log"

fail() {
	echo "start.sh: $1; end of $base/log:" >&2
	tail -n 30 "$base/log" >&2 2>/dev/null || true
	exit 1
}

# A clean environment for the server: nothing of root's (HOME, PG*) leaks in.
run() {
	(cd "$base" && as_user env -i PATH="$bin:/usr/bin:/bin" HOME="$base" LC_ALL=C TZ=UTC "$@")
}

run "$bin/initdb" -D "$base/data" -U postgres -E UTF8 --locale=C -A trust \
	--no-sync --no-instructions >"$base/initdb.log" 2>&1 ||
	{ cat "$base/initdb.log" >&2; echo "start.sh: initdb failed (as user $(id -un "${uid:-$(id -u)}" 2>/dev/null || echo "${uid:-?}"))" >&2; exit 1; }

cat >>"$base/data/postgresql.conf" <<EOF

# tests/pg/start.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$base'
unix_socket_permissions = 0700
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
max_connections = 50
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
# with synchronous_commit off, commits reach logical decoding when flushed
wal_writer_delay = 10ms
log_min_messages = warning
log_min_error_statement = error
EOF
cat >"$base/data/pg_hba.conf" <<EOF
# tests/pg/start.sh: trust on the unix socket and 127.0.0.1, nothing else
local all         all              trust
host  all         all 127.0.0.1/32 trust
local replication all              trust
host  replication all 127.0.0.1/32 trust
EOF

# A random port below the ephemeral range; the server itself tries to bind
# it, so a port taken meanwhile (parallel runs) is just another try.
taken() { # port in use on any address (listening or bound) per /proc?
	h=$(printf ':%04X ' "$1")
	grep -qi "$h" /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
try=0
while :; do
	try=$((try + 1))
	[ "$try" -le 20 ] || fail "no free port after 20 tries"
	if [ "$try" -eq 1 ] && [ -n "${S3GC_PG_PORT:-}" ]; then
		port=$S3GC_PG_PORT
	else
		port=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		port=$((10000 + port % 22000))
		taken "$port" && continue
	fi
	if run "$bin/pg_ctl" -D "$base/data" -l "$base/log" -o "-p $port" -w -t 30 start \
		>"$base/pg_ctl.log" 2>&1; then
		break
	fi
	if grep -qE 'could not bind|Address already in use|could not create any TCP/IP sockets' "$base/log" 2>/dev/null; then
		mv "$base/log" "$base/log.port-$port"
		continue
	fi
	cat "$base/pg_ctl.log" >&2
	fail "the server did not start"
done

pid=$(head -n 1 "$base/data/postmaster.pid")
echo "$pid" >"$dir/pg.pid"

# The test role and database.
env -i PATH="$bin:/usr/bin:/bin" LC_ALL=C "$bin/psql" -X -q -h "$base" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
	-c "CREATE ROLE s3gc LOGIN REPLICATION" \
	-c "CREATE DATABASE s3gc OWNER s3gc" >"$base/setup.log" 2>&1 ||
	{ cat "$base/setup.log" >&2; fail "creating role and database s3gc failed"; }

printf 'PGHOST=127.0.0.1\nPGPORT=%s\nPGUSER=s3gc\nPGDATABASE=s3gc\n' "$port" >"$dir/pg.env"
echo "$port" >"$dir/pg.port.tmp"
mv "$dir/pg.port.tmp" "$dir/pg.port"
started=1
echo "$port"
