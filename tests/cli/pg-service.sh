#!/bin/sh
# The PostgreSQL test service (tests/pg): a real server on loopback, ready
# for logical replication, and two of them at once.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"

sh "$top_srcdir/tests/pg/start.sh" --bindir >/dev/null ||
	need postgres "not installed (scripts/deps)"
start_pg
p1=$PGPORT

q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

is "$(q -c 'select 1' 2>&1)" 1 "the server answers select 1 on 127.0.0.1:$PGPORT"
is "$(q -c 'show wal_level')" logical "wal_level is logical"
is "$(q -c 'show listen_addresses')" 127.0.0.1 "it listens on 127.0.0.1 only"
is "$(q -c 'show max_replication_slots')" 20 "max_replication_slots >= 10"
is "$(q -c 'show max_wal_senders')" 20 "max_wal_senders >= 10"
is "$(q -c 'show fsync'),$(q -c 'show synchronous_commit')" off,off "fsync and synchronous_commit are off"
is "$(q -c 'select current_user, rolreplication, rolsuper from pg_roles where rolname = current_user')" \
	's3gc|t|f' "connected as s3gc: REPLICATION, not superuser"
is "$(q -c 'select pg_get_userbyid(datdba) from pg_database where datname = current_database()')" \
	s3gc "database s3gc is owned by s3gc"

q -c 'create table t (id int primary key, k text)' 2>err
ok $? "s3gc creates a table"
q -c 'create publication p for table t' 2>err
ok $? "s3gc creates a publication"
q -c "select pg_create_logical_replication_slot('t', 'pgoutput')" >/dev/null 2>err
ok $? "s3gc creates a logical replication slot with pgoutput"
[ -s err ] && diag "$(cat err)"
q -c "insert into t values (1, 'a key')" 2>err
ok $? "s3gc inserts a row"
# synchronous_commit is off: decoding sees the commit once the WAL writer
# has flushed it (wal_writer_delay=10ms); wait up to 5 s.
i=0
while :; do
	n=$(q -c "select count(*) from pg_logical_slot_peek_binary_changes('t', NULL, NULL,
		'proto_version', '1', 'publication_names', 'p')" 2>err)
	[ "${n:-0}" -gt 0 ] || [ -s err ] || [ "$i" -ge 50 ] && break
	i=$((i + 1))
	sleep 0.1
done
[ -s err ] && diag "$(cat err)"
[ "${n:-0}" -gt 0 ]
ok $? "the slot's changes peek back as pgoutput ($n rows)"
psql -X -At "dbname=s3gc replication=database" -c IDENTIFY_SYSTEM >ident 2>err
ok $? "a replication connection works (IDENTIFY_SYSTEM)"
grep -q '^[0-9]*|1|[0-9A-F]*/[0-9A-F]*|s3gc$' ident
ok $? "and names the system, timeline and database"
[ -s err ] && diag "$(cat err)" "$(cat ident)"

# A TCP connection on another local address is refused: nothing but 127.0.0.1.
if command -v hostname >/dev/null && other=$(hostname -I 2>/dev/null | awk '{print $1}') && [ -n "$other" ]; then
	psql -X -h "$other" -c 'select 1' >/dev/null 2>&1
	is "$?" 2 "no connection on $other"
fi

start_pg "$T/pg2"
p2=$PGPORT
[ "$p1" != "$p2" ]
ok $? "a second cluster runs at once on another port ($p1, $p2)"
is "$(q -c 'select count(*) from pg_replication_slots')" 0 "and is another cluster"
PGPORT=$p1
is "$(q -c 'select count(*) from pg_replication_slots')" 1 "while the first still answers"

pid1=$(cat "$T/pg/pg.pid")
sh "$top_srcdir/tests/pg/stop.sh" "$T/pg"
ok $? "stop.sh stops the first"
kill -0 "$pid1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid1/status" 2>/dev/null
ok $((!$?)) "its postmaster is gone"
[ -d "$T/pg/data/base" ]
ok $? "and stop.sh without --rm keeps the data directory"
done_testing
