#!/bin/sh
# s3gc-refs: every error path, its exit code and its message, against a
# real PostgreSQL (and a second one with wal_level = replica).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
start_pg

sql() { psql -qAtX -v ON_ERROR_STOP=1 "$@" > /dev/null; }
su_sql() { psql -qAtX -v ON_ERROR_STOP=1 -U postgres "$@" > /dev/null; }
flush_wal() { su_sql -c checkpoint; }
# conf NAME [SETTING-LINES] [-- TABLE-LINES...]: $T/NAME.conf, vault $T/NAME
conf() {
	_f="$T/$1.conf"
	{
		echo "bucket = media"
		echo "cdc_backend = postgres"
		echo "vault_path = $T/$1"
		shift
		while [ $# -gt 0 ] && [ "$1" != -- ]; do echo "$1"; shift; done
		echo "[tables]"
		[ $# -gt 0 ] && shift
		for l in "$@"; do echo "$l"; done
	} > "$_f"
}
# expect CODE PATTERN DESCRIPTION -- COMMAND...: exit status and a grep of stderr
expect() {
	_code=$1 _pat=$2 _d=$3
	shift 4
	"$@" > out 2> err
	_st=$?
	is "$_st" "$_code" "$_d: exit $_code"
	grep -q -e "$_pat" err
	ok $? "$_d: message says '$_pat'"
	[ "$_st" = "$_code" ] && grep -q -e "$_pat" err || sed 's/^/# /' err
}

sql <<'SQL'
create table t (id int primary key, url text, n int, arr text[], j jsonb);
insert into t values (1, 'a.jpg', 1, '{b.jpg}', '["c.jpg"]');
create table nokey (url text);
create table gen (id int primary key, url text, g text generated always as (url || '.x') stored);
SQL
ok $? "tables"

# Configuration errors, found by snapshot before it changes anything: 78.
conf c1 -- 'nosuch = url'
expect 78 "nosuch" "unknown table" -- s3gc-refs -c "$T/c1.conf" snapshot
conf c2 -- 't = url, nocol'
expect 78 "nocol" "unknown column" -- s3gc-refs -c "$T/c2.conf" snapshot
conf c3 -- 't = n'
expect 78 "integer" "an integer column" -- s3gc-refs -c "$T/c3.conf" snapshot
grep -q "'n'" err
ok $? "an integer column: the message names the column"
conf c4 -- 't = arr'
expect 78 'text\[\]' "an array column configured as text" -- s3gc-refs -c "$T/c4.conf" snapshot
grep -q ':array' err
ok $? "an array column configured as text: the message suggests :array"
conf c4b -- 't = url:array'
expect 78 "url" "a text column configured as :array" -- s3gc-refs -c "$T/c4b.conf" snapshot
conf c4c -- 't = n:json'
expect 78 "json" "an integer column configured as :json" -- s3gc-refs -c "$T/c4c.conf" snapshot
conf c4d -- 'gen = g'
expect 78 "generated" "a generated column" -- s3gc-refs -c "$T/c4d.conf" snapshot
conf c4e -- 'T = url'
expect 78 "case-sensitive" "names are not folded" -- s3gc-refs -c "$T/c4e.conf" snapshot
conf c4f
expect 78 "tables" "no table configured" -- s3gc-refs -c "$T/c4f.conf" snapshot
printf 'bucket = media\nvault_path = %s\n[tables]\nt = url\n' "$T/c5" > "$T/c5.conf"
for cmd in snapshot sync follow drop-slot; do
	expect 78 "cdc_backend" "cdc_backend unset: $cmd" -- s3gc-refs -c "$T/c5.conf" $cmd
done
printf 'bucket = media\ncdc_backend = postgres\nbucket media\n[tables]\nt = url\n' > "$T/c6.conf"
expect 78 "c6.conf" "a malformed config line" -- s3gc-refs -c "$T/c6.conf" snapshot
grep -q ':3' err
ok $? "a malformed config line: the message names line 3"
printf 'bucket = media\ncdc_backend = postgres\n[tables]\nt url\n' > "$T/c7.conf"
expect 78 "c7.conf" "a malformed table line" -- s3gc-refs -c "$T/c7.conf" dump
is "$(psql -qAtX -c "select count(*) from pg_replication_slots")" 0 "no slot was left by the failures"
is "$(psql -qAtX -c "select count(*) from pg_publication")" 0 "nor a publication"

# Connection errors: 69 nobody there, 81 the server refuses; no password shown.
conf c8 'cdc_connection_url = postgresql://s3gc:s3cretPW@127.0.0.1:1/s3gc' -- 't = url'
expect 69 "127.0.0.1:1" "unreachable server" -- s3gc-refs -c "$T/c8.conf" snapshot
grep -q s3cretPW err
ok $((! $?)) "unreachable server: the message does not hold the password"
expect 81 "nosuchdb" "unknown database (from the environment)" -- \
	env S3GC_CDC_CONNECTION_URL="postgresql://s3gc:s3cretPW@127.0.0.1:$PGPORT/nosuchdb" \
	s3gc-refs -c "$T/c1.conf" snapshot
grep -q s3cretPW err
ok $((! $?)) "unknown database: the message does not hold the password"
conf c9 "cdc_connection_url = postgresql://s3gc:s3cretPW@127.0.0.1:$PGPORT/nosuchdb" -- 't = url'
expect 81 "nosuchdb" "unknown database (in the config)" -- s3gc-refs -c "$T/c9.conf" snapshot
grep -q s3cretPW err
ok $((! $?)) "unknown database (in the config): no password"

# Roles: without REPLICATION, without SELECT.
su_sql -c "create role norepl login" -c "grant select on t to norepl" \
	-c "create role nosel login replication"
conf c10 "cdc_connection_url = postgresql://norepl@127.0.0.1:$PGPORT/s3gc" -- 't = url'
expect 84 "REPLICATION" "a role without REPLICATION" -- s3gc-refs -c "$T/c10.conf" snapshot
grep -q norepl err
ok $? "a role without REPLICATION: the message names the role"
conf c11 "cdc_connection_url = postgresql://nosel@127.0.0.1:$PGPORT/s3gc" -- 't = url'
expect 84 "GRANT SELECT" "a role without SELECT" -- s3gc-refs -c "$T/c11.conf" snapshot
grep -q "public.t" err
ok $? "a role without SELECT: the message names the table"

# A table without a primary key, REPLICA IDENTITY DEFAULT.
conf c12 -- 'nokey = url'
expect 84 "REPLICA IDENTITY FULL" "a table without a primary key" -- s3gc-refs -c "$T/c12.conf" snapshot
grep -q "nokey" err
ok $? "a table without a primary key: the message names it"

# Usage: 64.
expect 64 "no command" "no command" -- s3gc-refs -c "$T/c1.conf"
expect 64 "frob" "an unknown command" -- s3gc-refs -c "$T/c1.conf" frob
expect 64 "extra" "an extra argument" -- s3gc-refs -c "$T/c1.conf" dump extra
expect 64 "Bad-Slot" "a bad --slot" -- s3gc-refs -c "$T/c1.conf" --slot Bad-Slot stat
expect 64 "slot" "an empty --slot" -- s3gc-refs -c "$T/c1.conf" --slot '' stat
s64=$(awk 'BEGIN { for (i = 0; i < 64; i++) printf "s" }')
expect 64 "slot" "a --slot of 64 characters" -- s3gc-refs -c "$T/c1.conf" --slot "$s64" stat
expect 64 "publication" "an empty --publication" -- s3gc-refs -c "$T/c1.conf" --publication '' stat
expect 64 "max-lag" "a bad --max-lag" -- s3gc-refs -c "$T/c1.conf" stat --max-lag 12k
expect 64 "nosuchopt" "an unknown option" -- s3gc-refs -c "$T/c1.conf" --nosuchopt dump

# No store: 66 for dump, stat, check.
conf good -- 't = url, arr:array, j:json'
G() { s3gc-refs -c "$T/good.conf" "$@"; }
for cmd in dump stat check; do
	expect 66 "$T/good/refs" "no store: $cmd" -- G $cmd < /dev/null
done
[ ! -e "$T/good/refs" ]
ok $? "they did not create it"

# sync and follow before any snapshot: 84.
expect 84 "no completed snapshot" "sync before a snapshot" -- G sync
expect 84 "no completed snapshot" "follow before a snapshot" -- G follow

G snapshot 2> err
is "$?" 0 "snapshot"
sed 's/^/# /' err
printf 'a.jpg\tb.jpg\tc.jpg\n' > want
G dump | tr '\n' '\t' | sed 's/\t$/\n/' > got
same_file got want "the store holds the three keys"

# Bad records: 65 naming the line; load loads nothing.
printf 'a.jpg\nb.jpg\nbad\001key\n' > bad-ctl
printf 'x.jpg\ny.jpg\nbad%%2fkey\n' > bad-hex
expect 65 ":3" "check: a raw control byte on line 3" -- G check < bad-ctl
expect 65 ":3" "check: lowercase %2f on line 3" -- G check < bad-hex
expect 65 ":3" "load: lowercase %2f on line 3" -- G load < bad-hex
G dump > got
printf 'a.jpg\nb.jpg\nc.jpg\n' > want
same_file got want "load loaded nothing of the bad input"
printf 'x.jpg\n' | G load
printf 'x.jpg\nbad\001\n' > bad-unload
expect 65 ":2" "unload: a bad line 2" -- G unload < bad-unload
is "$(G dump | grep -c '^x\.jpg$')" 1 "unload removed nothing of the bad input"
awk 'BEGIN { for (i = 0; i < 1025; i++) printf "k"; print "" }' > long-key
expect 65 ":1" "load: a key over 1,024 bytes" -- G load < long-key
printf 'a.jpg' > no-lf
expect 65 ":1" "check: a line without its LF" -- G check < no-lf

# A slot in use by a running follow: sync, follow, snapshot and drop-slot
# refuse (84); follow stops on SIGTERM with 0.
s3gc-refs -c "$T/good.conf" follow > follow.out 2> follow.err &
fpid=$!
_t_pids="$_t_pids $fpid"
i=0
until [ "$(psql -qAtX -c "select active from pg_replication_slots where slot_name = 's3gc'")" = t ]; do
	i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05
done
expect 84 "in use" "sync while follow runs" -- G sync
grep -q "'s3gc'" err
ok $? "sync while follow runs: the message names the slot"
expect 84 "in use" "a second follow" -- G follow
expect 84 "in use" "snapshot while follow runs" -- G snapshot
expect 84 "in use" "drop-slot while follow runs" -- G drop-slot
G stat > stat.out
grep -q '^slot_status	active$' stat.out
ok $? "stat: slot_status active"
sql -c "insert into t values (2, 'd.jpg', 2, NULL, NULL)"
kill -TERM "$fpid"
wait "$fpid"
is "$?" 0 "follow stopped by SIGTERM: exit 0"
sed 's/^/# /' follow.err
s3gc-refs -c "$T/good.conf" follow > follow.out 2> follow.err &
fpid=$!
_t_pids="$_t_pids $fpid"
i=0
until [ "$(psql -qAtX -c "select active from pg_replication_slots where slot_name = 's3gc'")" = t ]; do
	i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05
done
kill -INT "$fpid"
wait "$fpid"
is "$?" 0 "follow stopped by SIGINT: exit 0"
sed 's/^/# /' follow.err
i=0
while [ "$(psql -qAtX -c "select active from pg_replication_slots where slot_name = 's3gc'")" = t ]; do
	i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05
done
flush_wal
G sync 2> err
is "$?" 0 "sync after follow"
is "$(G dump | grep -c '^d\.jpg$')" 1 "the change made while following is in the store"

# Schema changes after the snapshot: 84 naming what is gone.
sql -c "create table dc (id int primary key, url text, keep text)" \
	-c "create table rc (id int primary key, url text)" \
	-c "create table dt (id int primary key, url text)"
for x in dc rc dt; do
	conf $x -- "$x = url"
	s3gc-refs -c "$T/$x.conf" --slot "s_$x" --publication "p_$x" snapshot 2> err
	is "$?" 0 "$x: snapshot"
	sed 's/^/# /' err
done
sql -c "insert into dc values (1, 'x')" -c "alter table dc drop column url"
flush_wal
expect 84 "gone" "a watched column dropped" -- s3gc-refs -c "$T/dc.conf" --slot s_dc --publication p_dc sync
grep -q "'url'" err
ok $? "a watched column dropped: the message names it"
sql -c "alter table rc rename column url to url2"
expect 84 "gone" "a watched column renamed" -- s3gc-refs -c "$T/rc.conf" --slot s_rc --publication p_rc sync
grep -q "'url'" err
ok $? "a watched column renamed: the message names it"
sql -c "drop table dt"
expect 84 "gone" "a watched table dropped" -- s3gc-refs -c "$T/dt.conf" --slot s_dt --publication p_dt sync
grep -q "public.dt" err
ok $? "a watched table dropped: the message names it"
expect 84 "gone" "a watched table dropped: follow" -- s3gc-refs -c "$T/dt.conf" --slot s_dt --publication p_dt follow
for x in dc rc dt; do s3gc-refs -c "$T/$x.conf" --slot "s_$x" drop-slot 2> /dev/null; done

# Not errors: an existing publication gets the configured tables it lacks,
# and a quoted mixed-case table name is written as it is.
sql -c 'create table "Mixed" (id int primary key, "Url" text)' \
	-c "insert into \"Mixed\" values (1, 'mixed.jpg')" -c "create publication p_add for table t"
conf add -- 't = url' 'Mixed = Url'
s3gc-refs -c "$T/add.conf" --slot s_add --publication p_add snapshot 2> err
is "$?" 0 "snapshot with an existing publication lacking a table"
sed 's/^/# /' err
is "$(psql -qAtX -c "select string_agg(tablename, ',' order by tablename) from pg_publication_tables where pubname = 'p_add'")" \
	"Mixed,t" "the table was added to the publication"
s3gc-refs -c "$T/add.conf" dump | grep -qx mixed.jpg
ok $? "the mixed-case table and column were read"
sql -c "update \"Mixed\" set \"Url\" = 'mixed2.jpg'"
flush_wal
s3gc-refs -c "$T/add.conf" --slot s_add --publication p_add sync 2> err
is "$?" 0 "sync of the mixed-case table"
s3gc-refs -c "$T/add.conf" dump | grep -qx mixed2.jpg
ok $? "its change applied"
s3gc-refs -c "$T/add.conf" --slot s_add drop-slot 2> /dev/null

# A store built from another slot.
expect 84 "slot 's3gc'" "sync with another --slot than the store's" -- G --slot other sync

# wal_level not logical: a second cluster, restarted with wal_level = replica.
port1=$PGPORT
pgdir1=$PG_DIR
start_pg "$T/pg2"
port2=$PGPORT
PGPORT=$port1
PG_DIR=$pgdir1
export PGPORT
base2=$(cat "$T/pg2/pg.base")
psql -qAtX -p "$port2" -U postgres -c "alter system set wal_level = replica" > /dev/null
if [ "$(id -u)" -eq 0 ]; then
	pguser=${S3GC_PG_USER:-s3gc-pg}
	as_pg() { setpriv --reuid="$(id -u "$pguser")" --regid="$(id -g "$pguser")" --clear-groups -- "$@"; }
else
	as_pg() { "$@"; }
fi
(cd "$base2" && as_pg env -i PATH="$PG_BINDIR:/usr/bin:/bin" LC_ALL=C TZ=UTC \
	pg_ctl -D "$base2/data" -l "$base2/log" -w -t 30 restart > /dev/null 2>&1)
is "$(psql -qAtX -p "$port2" -c 'show wal_level')" replica "second cluster restarted with wal_level = replica"
psql -qAtX -p "$port2" -c "create table t (id int primary key, url text)" > /dev/null
conf wal "cdc_connection_url = postgresql://s3gc@127.0.0.1:$port2/s3gc" -- 't = url'
expect 84 "wal_level" "wal_level = replica: snapshot" -- s3gc-refs -c "$T/wal.conf" snapshot
grep -q "replica" err
ok $? "wal_level = replica: the message says what it is"
cp -r "$T/good/refs" "$T/wal-refs"
expect 84 "wal_level" "wal_level = replica: sync" -- s3gc-refs -c "$T/wal.conf" --refs "$T/wal-refs" sync
sh "$top_srcdir/tests/pg/stop.sh" "$T/pg2" > /dev/null 2>&1

# The server unreachable for stat: slot_status unknown, exit 0.
s3gc-refs -c "$T/c8.conf" --refs "$T/good/refs" stat > stat.out 2> err
is "$?" 0 "stat with the server unreachable: exit 0"
grep -q '^slot_status	unknown$' stat.out
ok $? "stat: slot_status unknown"
grep -q s3cretPW stat.out err
ok $((! $?)) "stat: no password"

# A lost slot: WAL beyond max_slot_wal_keep_size removed.  Last, since it
# applies to every slot of the server.
conf lost -- 't = url'
L() { s3gc-refs -c "$T/lost.conf" --slot lost --publication plost "$@"; }
L snapshot 2> err
is "$?" 0 "lost: snapshot"
sed 's/^/# /' err
su_sql -c "alter system set max_slot_wal_keep_size = '1MB'" -c "select pg_reload_conf()"
i=0
while [ "$(psql -qAtX -c "select wal_status from pg_replication_slots where slot_name = 'lost'")" != lost ]; do
	i=$((i + 1)); [ $i -gt 20 ] && break
	sql -c "insert into t select g, 'w.jpg' from generate_series(1000 * $i, 1000 * $i + 999) g"
	su_sql -c "select pg_switch_wal()"
	sql -c "insert into t values (-$i, 'x')"
	su_sql -c "select pg_switch_wal()" -c checkpoint
done
is "$(psql -qAtX -c "select wal_status from pg_replication_slots where slot_name = 'lost'")" lost \
	"the slot is lost"
expect 84 "lost" "sync from a lost slot" -- L sync
grep -q "'lost'" err
ok $? "sync from a lost slot: the message names the slot"
L stat > stat.out 2> err
grep -q '^slot_status	lost$' stat.out
ok $? "stat: slot_status lost"
grep -q '^warning	.*lost' stat.out
ok $? "stat: a warning says so"
su_sql -c "alter system reset max_slot_wal_keep_size" -c "select pg_reload_conf()"
L snapshot 2> err
is "$?" 0 "snapshot replaces the lost slot"
sed 's/^/# /' err
L sync 2> err
is "$?" 0 "and sync works again"
done_testing
