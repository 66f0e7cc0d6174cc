#!/bin/sh
# lib/db_pg against a real PostgreSQL, through pg-probe: connection errors
# and their classes, queries, identifier quoting, COPY streaming, and the
# exact handoff from a slot's exported snapshot to its stream.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
start_pg

# Connection errors: nobody there is 69, a refusal by the server 81, and a
# password in the URL never shows.
pg-probe -d 'postgresql://s3gc:s3cretPW@127.0.0.1:1/s3gc' connect > out 2> err
is "$?" 69 "nobody listening: service unavailable"
grep -q 'cannot connect to PostgreSQL at 127.0.0.1:1: ' err
ok $? "message names host and port"
grep -q s3cretPW err
ok $((! $?)) "message does not hold the password"
sed 's/^/# /' err
pg-probe -d "postgresql://s3gc:s3cretPW@127.0.0.1:$PGPORT/nosuchdb" connect > out 2> err
is "$?" 81 "unknown database: database error"
grep -q 'nosuchdb' err && ! grep -q s3cretPW err
ok $? "message says why, without the password"
pg-probe -d 'postgresql://s3gc:s3cretPW@127.0.0.1:bad%zz/s3gc' connect > out 2> err
is "$?" 81 "unparsable URL: database error"
grep -q s3cretPW err
ok $((! $?)) "parse error does not echo the URL"

is "$(pg-probe connect)" connected "connects from the libpq environment"
is "$(pg-probe query "select current_setting('application_name')")" s3gc \
	"application_name is s3gc"

pg-probe query 'selec 1' > out 2> err
is "$?" 81 "bad SQL: database error"
grep -q 'SQLSTATE 42601' err
ok $? "message names the SQLSTATE"
grep -q 'syntax error' err
ok $? "and the server's message"

is "$(pg-probe quote 'we"ird.na me')" '"we""ird"."na me"' "schema-qualified identifier quoted part by part"
is "$(pg-probe quote users)" '"users"' "plain identifier quoted"
pg-probe quote '.x' > /dev/null 2>&1
is "$?" 65 "empty part refused"

pg-probe identify > id.txt
ok $? "IDENTIFY_SYSTEM"
grep -Eq '^[0-9]+ 1 [0-9A-F]+/[0-9A-F]+ s3gc$' id.txt
ok $? "system id, timeline, position, database"

# COPY: 10,000 rows with tabs, newlines and backslashes, byte for byte as psql.
psql -qAtX -v ON_ERROR_STOP=1 > /dev/null 2> setup.err <<'SQL'
create table big (id int primary key, v text, w text);
insert into big select i, 'a' || chr(9) || i || chr(10) || 'b\c' || chr(13),
	case when i % 7 = 0 then null else repeat('\', i % 5) || 'x' end
	from generate_series(1, 10000) i;
SQL
ok $? "table of 10,000 awkward rows"
sed 's/^/# /' setup.err
psql -qX -c 'copy big to stdout' > want.copy
pg-probe copy 'copy big to stdout' > got.copy
ok $? "copy streams"
same_file got.copy want.copy "copy lines equal psql's"
is "$(wc -l < got.copy | tr -d ' ')" 10000 "10000 lines"
pg-probe copy-head 'copy big to stdout' 3 > got.head
ok $? "copy stopped by the row callback, connection usable after"
{ head -3 want.copy; echo 1; } > want.head
same_file got.head want.head "three rows, then the next query's answer"
pg-probe copy 'copy nosuch to stdout' > /dev/null 2> err
is "$?" 81 "copy of a missing table: database error"
grep -q 'SQLSTATE 42P01' err
ok $? "names the SQLSTATE"

# Snapshot and stream meet exactly: rows before the slot are in the
# snapshot only, rows after it in the stream only.
psql -qAtX -v ON_ERROR_STOP=1 > /dev/null 2> setup.err <<'SQL'
create table t (id int primary key, v text);
create publication "pu""b" for table t;
insert into t values (1, 'before'), (2, 'before');
SQL
ok $? "table and publication"
pg-probe snapshot-stream s1 'pu"b' t 4 10000 "$T/go" > stream.out 2> stream.err &
probe=$!
_t_pids="$_t_pids $probe"
i=0
until grep -q '^consistent ' stream.out; do
	i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05
done
psql -qAtX -c "insert into t values (3, 'after-slot'), (4, 'after-slot')" > /dev/null
: > "$T/go"
i=0
until grep -q '^streaming' stream.out; do
	i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05
done
psql -qAtX -c "insert into t values (5, 'while')" -c "insert into t values (6, 'while')" > /dev/null
wait $probe
ok $? "probe ran"
sed 's/^/# /' stream.err
printf 'row 1\tbefore\nrow 2\tbefore\n' > want.rows
grep '^row ' stream.out > got.rows
same_file got.rows want.rows "snapshot holds the rows from before the slot, none after"
grep '^I ' stream.out > got.ins
cat > want.ins <<'WANT'
I new(3,after-slot)
I new(4,after-slot)
I new(5,while)
I new(6,while)
WANT
same_file got.ins want.ins "stream holds the rows from after the slot"
grep -q '^R public.t$' stream.out
ok $? "relation message decoded"
flushed=$(sed -n 's/^flushed //p' stream.out)
consistent=$(sed -n 's/^consistent //p' stream.out)
is "$(psql -qAtX -c "select '$flushed'::pg_lsn > '$consistent'::pg_lsn")" t "flushed past the consistent point"
i=0
while :; do
	moved=$(psql -qAtX -c "select confirmed_flush_lsn >= '$flushed'::pg_lsn
		from pg_replication_slots where slot_name = 's1'")
	[ "$moved" = t ] && break
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
done
is "$moved" t "slot's confirmed_flush_lsn reached the confirmed LSN"

# The walsender lets go of the slot shortly after the probe leaves.
i=0
until pg-probe drop-slot s1 2> err; do
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
done
is "$(psql -qAtX -c "select count(*) from pg_replication_slots")" 0 "slot dropped"
pg-probe drop-slot 's1;x' > /dev/null 2>&1
is "$?" 65 "bad slot name refused"
done_testing
