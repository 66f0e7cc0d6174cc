#!/bin/sh
# s3gc-refs against a real PostgreSQL: snapshot and dump, reference
# counting, deletes through the row map, REPLICA IDENTITY FULL, unchanged
# TOASTed values, TRUNCATE, 1,024-byte keys, arrays and JSON, values that
# are not references, check, load and unload, stat, sync, drop-slot.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
start_pg

cat > "$T/s3gc.conf" <<EOF
bucket = media
cdc_backend = postgres
vault_path = $T/vault
[tables]
users = avatar
posts = image, thumb
docs = body
nopk = url
gal = photos:array, meta:json, metaj:json
big = k
EOF
R() { s3gc-refs -c "$T/s3gc.conf" "$@"; }
TAB=$(printf '\t')
count_of() { # count_of KEY (as dump writes it): its count, or 0
	R dump --counts | awk -F'\t' -v k="$1" '$1 == k { c = $2 } END { print c + 0 }'
}
flush_wal() { psql -qAtX -U postgres -c checkpoint > /dev/null; }
sql() { psql -qAtX -v ON_ERROR_STOP=1 "$@" > /dev/null; }
sync_ok() { # sync_ok DESCRIPTION: flush the WAL, sync, expect 0
	flush_wal
	R sync 2> sync.err
	is "$?" 0 "sync: $1"
	sed 's/^/# /' sync.err
}

# 1,024-byte keys: two that differ only in their last byte (longer than an
# LMDB key: filed under a hash), and one of 1,025 (not a key).
k1024a=$(awk 'BEGIN { for (i = 0; i < 1023; i++) printf "%c", 97 + i % 26; printf "A" }')
k1024b=$(awk 'BEGIN { for (i = 0; i < 1023; i++) printf "%c", 97 + i % 26; printf "B" }')
k1025=${k1024a}C
is "${#k1024a}" 1024 "a key of 1,024 bytes"

psql -qAtX -v ON_ERROR_STOP=1 > /dev/null 2> setup.err <<SQL
create table users (id int primary key, avatar text);
create table posts (id int primary key, image text, thumb varchar(200));
create table docs (id int primary key, body text, other text);
alter table docs alter column body set storage external;
create table nopk (name text, url text);
alter table nopk replica identity full;
create table gal (id int primary key, photos text[], meta jsonb, metaj json);
create table big (id int primary key, k text);
insert into users values
	(1, 'shared.jpg'), (2, 's3://media/u/2.jpg'), (3, 's3://other/u/3.jpg'),
	(4, NULL), (5, ''), (6, '   '), (7, 'https://media.s3.amazonaws.com/a%20b.jpg?X-Amz-Expires=60'),
	(8, E'ord\tx'), (9, 'ord x'), (10, 'p%q'), (11, 'https://cdn.example.com/x.jpg');
insert into posts values (10, 'p/10.jpg', 'shared.jpg'), (11, '/shared.jpg', NULL);
insert into nopk values ('n1', 's3://media/full/1.jpg');
insert into gal values
	(1, '{a.jpg,"b c.jpg",NULL,s3://other/z.jpg,""}', '["m1.jpg", null, "s3://media/m2.jpg"]', '"single.jpg"'),
	(2, NULL, 'null', 'null'),
	(3, ARRAY['a.jpg', 'https://s3.eu-west-1.amazonaws.com/media/caf%C3%A9.jpg'], '[]', '["x+y.jpg"]');
insert into big values (1, '$k1024a'), (2, 's3://media/$k1024b'), (3, '$k1025');
SQL
ok $? "tables and rows"
sed 's/^/# /' setup.err

R -v snapshot > snap.out 2> snap.err
is "$?" 0 "snapshot"
sed 's/^/# /' snap.err
grep -q "cdn.example.com" snap.err
ok $? "snapshot warns of a value it cannot read as a key"
R dump --counts > got
cat > want <<EOF
a b.jpg	1
a.jpg	2
$k1024a	1
$k1024b	1
b c.jpg	1
café.jpg	1
full/1.jpg	1
m1.jpg	1
m2.jpg	1
ord%09x	1
ord x	1
p%25q	1
p/10.jpg	1
shared.jpg	3
single.jpg	1
u/2.jpg	1
x+y.jpg	1
EOF
same_file got want "dump --counts after the snapshot: the truth, in raw key order"
R dump > got
cut -f1 want > want.keys
same_file got want.keys "dump: the keys alone"
[ ! -s snap.out ]
ok $? "snapshot writes nothing on standard output"

R stat > stat.out
is "$(sed -n 's/^keys\t//p' stat.out)" "$(wc -l < want | tr -d ' ')" "stat: keys"
grep -Eq '^position	[0-9A-F]+/[0-9A-F]+$' stat.out
ok $? "stat: position is an LSN"
grep -Eq '^snapshot_completed	[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' stat.out
ok $? "stat: snapshot_completed"
grep -q "^store	$T/vault/refs$" stat.out && grep -q '^slot	s3gc$' stat.out
ok $? "stat: store and slot"
grep -q '^slot_status	ok$' stat.out
ok $? "stat: slot_status ok"
grep -Eq '^slot_lag_bytes	[0-9]+$' stat.out
ok $? "stat: slot_lag_bytes"
grep -q '^warning' stat.out
ok $((! $?)) "stat: no warning"
sed 's/^/# /' stat.out

# Reference counting: shared.jpg is held by users.avatar 1, posts.thumb 10
# and posts.image 11.  users is REPLICA IDENTITY DEFAULT: its DELETE names
# only the key, and the row map says what the row held.
sql -c "delete from users where id = 1"
sync_ok "a delete by primary key"
is "$(count_of shared.jpg)" 2 "the key stays while other rows hold it"
sql -c "update posts set thumb = 'other.jpg' where id = 10"
before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sync_ok "an update a -> b"
after=$(date -u +%Y-%m-%dT%H:%M:%SZ)
caught=$(R stat | sed -n 's/^caught_up	//p')
ok "$([ "$caught" \> "$before" ] || [ "$caught" = "$before" ]; echo $?)" \
	"stat: caught_up ($caught) is when the sync began, not before ($before)"
ok "$([ "$caught" \< "$after" ] || [ "$caught" = "$after" ]; echo $?)" "nor after it ended ($after)"
sleep 1
R sync 2> /dev/null
caught2=$(R stat | sed -n 's/^caught_up	//p')
ok "$([ "$caught2" \> "$caught" ]; echo $?)" "a sync with nothing to apply moves it on too: $caught2"
is "$(count_of shared.jpg)" 1 "update a -> b drops one reference to a"
is "$(count_of other.jpg)" 1 "and adds one to b"
sql -c "update posts set image = 'p/10b.jpg' where id = 10" -c "insert into users values (12, 'u/2.jpg')"
sql -c "delete from posts where id = 11"
sync_ok "several transactions"
is "$(count_of shared.jpg)" 0 "the key is gone with its last reference"
is "$(count_of p/10.jpg)/$(count_of p/10b.jpg)/$(count_of u/2.jpg)" 0/1/2 "the other changes"
sql -c "update users set id = 100 where id = 12"
sql -c "update users set avatar = avatar where id = 100"
sync_ok "a primary key change, an update to the same value"
is "$(count_of u/2.jpg)" 2 "neither changes the count"
sql -c "delete from users where id = 100"
sync_ok "a delete of a row whose key changed"
is "$(count_of u/2.jpg)" 1 "the row map followed the key change"

# REPLICA IDENTITY FULL, no primary key.
sql -c "insert into nopk values ('n2', 'full/2.jpg')"
sql -c "update nopk set url = 'full/1b.jpg' where name = 'n1'"
sql -c "update nopk set name = 'n2b' where name = 'n2'"
sync_ok "REPLICA IDENTITY FULL: insert and updates"
is "$(count_of full/1.jpg)/$(count_of full/1b.jpg)/$(count_of full/2.jpg)" 0/1/1 "FULL: insert, update of the watched and of another column"
sql -c "delete from nopk"
sync_ok "REPLICA IDENTITY FULL: delete"
is "$(count_of full/1b.jpg)/$(count_of full/2.jpg)" 0/0 "FULL: delete"

# An unchanged TOASTed value: body is stored out of line, uncompressed;
# an UPDATE of another column sends it as "unchanged".  The key is 1,024
# bytes; the query makes the value longer than 2 kB.
q=$(awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%c", 97 + (i * 7919 % 26) }')
sql -c "insert into docs values (1, 'https://media.s3.amazonaws.com/$k1024b?X-Amz-Signature=$q', 'o')"
sql -c "insert into docs values (2, 'https://media.s3.amazonaws.com/toast/2.jpg?X-Amz-Signature=$q', 'o')"
is "$(psql -qAtX -c "select pg_column_size(body) > 2000 and
	pg_column_size(body) >= octet_length(body) from docs where id = 1")" t \
	"the value is > 2 kB and not compressed"
sync_ok "inserts of long values"
is "$(count_of "$k1024b")/$(count_of toast/2.jpg)" 2/1 "long values are keys"
sql -c "update docs set other = 'changed' where id in (1, 2)"
sync_ok "updates of another column"
is "$(count_of "$k1024b")/$(count_of toast/2.jpg)" 2/1 "an unchanged TOASTed value keeps its key"
sql -c "update docs set other = 'again' where id = 2" -c "delete from docs where id = 1"
sync_ok "a delete after an unchanged TOASTed value"
is "$(count_of "$k1024b")" 1 "the delete drops the key the row map kept"
sql -c "update docs set body = 'toast/2b.jpg' where id = 2"
sync_ok "an update of the TOASTed column"
is "$(count_of toast/2.jpg)/$(count_of toast/2b.jpg)" 0/1 "the TOASTed value replaced"

# Arrays and JSON: elements come and go one by one.
sql -c "update gal set photos = '{a.jpg,d.jpg}', meta = '[\"m1.jpg\", \"m1.jpg\"]', metaj = NULL where id = 1"
sync_ok "updates of list columns"
is "$(count_of a.jpg)/$(count_of 'b c.jpg')/$(count_of d.jpg)/$(count_of m1.jpg)/$(count_of m2.jpg)/$(count_of single.jpg)" \
	2/0/1/2/0/0 "array and JSON elements counted one by one"
sql -c "insert into gal values (4, '{}', '\"s3://media/j4.jpg\"', '[\"s3://other/o.jpg\", \"\"]')"
sql -c "delete from gal where id = 3"
sync_ok "insert and delete of list rows"
is "$(count_of j4.jpg)/$(count_of a.jpg)/$(count_of café.jpg)/$(count_of x+y.jpg)" 1/1/0/0 "jsonb single string; delete drops every element"

# Long keys, bare and as s3:// URLs, round-trip through dump; 1,025 bytes is not a key.
R dump | grep -c "^abcdefghijklmnopqrstuvwxyz" > n
is "$(cat n)" 2 "two 1,024-byte keys"
R dump | grep -qxF "$k1024a"
ok $? "the bare 1,024-byte key, whole"
R dump | grep -qxF "$k1024b"
ok $? "the s3:// one, whole"
R dump | grep -q "C$"
ok $((! $?)) "the 1,025-byte value is not a key"
printf '%s\n%s\n' "$k1024a" "$k1024b" | R check > out
printf '%s\n%s\n' "$k1024a" "$k1024b" > want
same_file out want "check finds the 1,024-byte keys"

# TRUNCATE removes a table's references, and only those.
sql -c "truncate posts"
sync_ok "truncate"
is "$(count_of p/10b.jpg)/$(count_of other.jpg)/$(count_of u/2.jpg)" 0/0/1 "truncate removes the table's references only"

R dump --counts > before.dump
# check: records in, the referenced ones out, unchanged and in order.
cat > in <<EOF
u/2.jpg	10	2025-01-01T00:00:00Z	0123456789abcdef0123456789abcdef
nothere.jpg
ord%09x
a.jpg
x.jpg	1	2025-01-01T00:00:00Z	0123456789abcdef0123456789abcdef-2
EOF
R check < in > out
is "$?" 0 "check: exit 0 when it copied a record"
printf 'u/2.jpg\t10\t2025-01-01T00:00:00Z\t0123456789abcdef0123456789abcdef\nord%%09x\na.jpg\n' > want
same_file out want "check copies the referenced records"
R check --invert < in > out
is "$?" 0 "check --invert: exit 0"
printf 'nothere.jpg\nx.jpg\t1\t2025-01-01T00:00:00Z\t0123456789abcdef0123456789abcdef-2\n' > want
same_file out want "check --invert copies the others"
printf 'nothere.jpg\nshared.jpg\n' | R check > out
is "$?" 1 "check: exit 1 when nothing is referenced"
[ ! -s out ]
ok $? "and writes nothing"
printf 'a.jpg\n' | R check --invert > out
is "$?" 1 "check --invert: exit 1 when everything is referenced"
R check < /dev/null > out
is "$?" 1 "check: exit 1 on empty input"

# load and unload.
printf 'static/logo.png\na.jpg\n' | R load
is "$?" 0 "load"
printf 'static/logo.png\nstatic/logo.png\n' | R load
is "$?" 0 "load again"
is "$(count_of static/logo.png)/$(count_of a.jpg)" 1/2 "a loaded key holds one reference, however often loaded"
R -v snapshot 2> snap2.err
is "$?" 0 "snapshot again"
is "$(count_of static/logo.png)/$(count_of a.jpg)" 1/2 "loaded references survive a snapshot"
grep -v -e '^static/logo.png' -e '^a.jpg' before.dump > want
R dump --counts | grep -v -e '^static/logo.png' -e '^a.jpg' > got
same_file got want "the snapshot rebuilt the same store"
printf 'static/logo.png\nu/2.jpg\n' | R unload
is "$?" 0 "unload"
is "$(count_of static/logo.png)/$(count_of u/2.jpg)" 0/1 "unload drops loaded references only"
printf 'static/logo.png\n' | R unload
is "$?" 0 "unload is idempotent"
printf 'a.jpg\n' | R unload
is "$(count_of a.jpg)" 1 "unload of the loaded a.jpg leaves the database's"

# sync with nothing new: exit 0, at once (20 s is far more than it takes).
flush_wal
R sync
timeout 20 s3gc-refs -c "$T/s3gc.conf" sync 2> sync.err
is "$?" 0 "sync with nothing new exits 0, within 20 s"
sed 's/^/# /' sync.err
# Changes to unwatched tables and columns move nothing.
sql -c "create table other (id int primary key, v text)" -c "insert into other values (1, 'a.jpg')" \
	-c "update users set id = id where false"
sync_ok "unwatched changes"
is "$(count_of a.jpg)" 1 "unwatched tables do not count"

# drop-slot.
R drop-slot 2> drop.err
is "$?" 0 "drop-slot"
sed 's/^/# /' drop.err
is "$(psql -qAtX -c "select count(*) from pg_replication_slots where slot_name = 's3gc'")" 0 "the slot is gone"
is "$(psql -qAtX -c "select count(*) from pg_publication where pubname = 's3gc'")" 1 "the publication is left"
R stat > stat.out 2> stat.err
is "$?" 0 "stat without the slot: exit 0"
grep -q '^slot_status	missing$' stat.out
ok $? "stat: slot_status missing"
grep -q '^warning	.*s3gc' stat.out
ok $? "stat: a warning names the slot"
R sync 2> sync.err
is "$?" 84 "sync without the slot: exit 84"
grep -q "slot 's3gc'" sync.err
ok $? "the message names the slot"
sed 's/^/# /' sync.err
R drop-slot 2> drop.err
is "$?" 84 "drop-slot of a missing slot: exit 84"
done_testing
