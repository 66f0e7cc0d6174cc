#!/bin/sh
# s3gc-diff against a real PostgreSQL: each rule (unreferenced and old, too
# young, excluded, referenced as a key, a URL, in an array, in JSON), the
# verification against the live database (a row written after the listing
# keeps its object), each brake and --force, bad input, a database that is
# down, and the stats.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
start_pg

cat > "$T/s3gc.conf" <<CONF
bucket = media
cdc_backend = postgres
vault_path = $T/vault
retention_days = 7
exclude_prefix = keep/
[tables]
users = avatar
posts = image
gal = photos:array, meta:json
CONF
export S3GC_CONFIG="$T/s3gc.conf"
long=$(awk 'BEGIN { for (i = 0; i < 1019; i++) printf "%c", 97 + i % 26 }')
psql -qAtX -v ON_ERROR_STOP=1 > /dev/null <<SQL
create table users (id int primary key, avatar text);
create table posts (id int primary key, image text);
create table gal (id int primary key, photos text[], meta jsonb);
insert into users values (1, 'u/1.jpg'), (2, '/u/2.jpg');
insert into posts values (1, 'https://media.s3.amazonaws.com/p/url%20form.jpg?X-Amz-Expires=60');
insert into gal values (1, '{g/arr.jpg,other.jpg}', '["g/json.jpg"]');
SQL
s3gc-refs snapshot 2> err
ok $? "snapshot: $(cat err)"

now=2026-12-01T00:00:00Z
old=2026-11-01T00:00:00Z
young=2026-11-28T00:00:00Z
etag=d41d8cd98f00b204e9800998ecf8427e
rec() { printf '%s\t0\t%s\t%s\n' "$1" "$2" "$etag"; }
{
	rec g/arr.jpg $old
	rec g/json.jpg $old
	rec keep/x $old
	rec "l/$long" $old
	rec o/old $old
	rec o/young $young
	rec 'p/url form.jpg' $old
	rec u/1.jpg $old
	rec u/2.jpg $old
	rec z/orphan $old
} > list
D() { s3gc-diff --server-time $now --max-delete 100% "$@"; }

D < list > out 2> err
ok $? "a diff: $(cat err)"
is "$(cut -f1 out | sed 's/^l\/.*/l\/LONG/' | tr '\n' ' ')" "l/LONG o/old z/orphan " \
	"the candidates: unreferenced and old"
grep -qx "$(rec o/old $old)" out
ok $? "written as they came"
cat list | D > pout 2> err
ok $? "from a pipe: $(cat err)"
cmp -s out pout
ok $? "the same candidates as from the file (read twice, not copied)"
for k in o/young keep/x u/1.jpg u/2.jpg 'p/url form.jpg' g/arr.jpg g/json.jpg; do
	grep -q "^$k	" out
	is $? 1 "not a candidate: $k"
done

# The database itself is asked: rows the store has not seen keep their objects.
psql -qAtX -v ON_ERROR_STOP=1 > /dev/null <<SQL
insert into users values (3, 's3://media/z/orphan');
insert into gal values (2, '{"l/$long"}', null);
SQL
D < list > out 2> err
ok $? "rows written after the snapshot, not synced"
is "$(cut -f1 out | tr '\n' ' ')" "o/old " "their objects are kept: only o/old is a candidate"
grep -q '2 candidates are referenced in the database: the reference store was behind' err
ok $? "and it says the store was behind: $(cat err)"
D --no-verify < list > out 2> err
ok $? "--no-verify"
is "$(wc -l < out | tr -d ' ')" 3 "trusts the store alone: three candidates"
psql -qAtX -c "delete from users where id = 3; delete from gal where id = 2" > /dev/null

# The race: a row referencing a candidate written after the listing and
# before the verification.
s3gc-refs sync 2> /dev/null
{
	cat list
	psql -qAtX -c "insert into posts values (2, 'https://media.s3.amazonaws.com/o/old')" > /dev/null
} | D > out 2> err
ok $? "a row written while the listing is read"
grep -q '^o/old	' out
is $? 1 "keeps o/old: the verification sees it"
psql -qAtX -c "delete from posts where id = 2" > /dev/null
s3gc-refs sync 2> /dev/null

# Stats.
D --stats st.json < list > out 2> err
ok $? "--stats"
grep -q '10 listed: 1 excluded, 1 too young, 5 referenced, 3 candidates, 0 near misses, 3 verified orphans, 0 dropped by verification' err
ok $? "the counts on stderr: $(cat err)"
D -q < list > out 2> err
is "$(wc -c < err | tr -d ' ')" 0 "-q: not even those"
grep -q '"scanned":10,"excluded":1,"too_young":1,"referenced":5,"candidates":3,"near_misses":0,"verified_orphans":3,"dropped_by_verification":0' st.json
ok $? "the counts: $(cat st.json)"

# Brakes: each refuses with 85 and writes nothing; --force passes.
D --max-delete 2 < list > out 2> err
is $? 85 "more candidates than --max-delete 2: exit 85"
is "$(wc -c < out | tr -d ' ')" 0 "nothing written"
grep -q '3 candidates of 10 objects listed is more than --max-delete allows (2)' err
ok $? "the message says why: $(cat err)"
s3gc-diff --server-time $now < list > out 2> err
is $? 85 "the default limit, 10% of what is listed: exit 85"
D --max-delete 30% < list > out 2> err
is $? 0 "--max-delete 30%: passes"
# max_delete in the configuration (or S3GC_MAX_DELETE), and the flag over it.
S3GC_MAX_DELETE=30% s3gc-diff --server-time $now < list > out 2> err
is $? 0 "max_delete = 30% in the environment: passes"
is "$(wc -l < out | tr -d ' ')" 3 "and writes the candidates"
sed 's/^retention_days = 7$/retention_days = 7\nmax_delete = 2/' "$T/s3gc.conf" > md.conf
s3gc-diff -c md.conf --server-time $now < list > out 2> err
is $? 85 "max_delete = 2 in the file: exit 85"
grep -q '3 candidates of 10 objects listed is more than max_delete allows (2)' err
ok $? "the message names the key: $(cat err)"
s3gc-diff -c md.conf --server-time $now --max-delete 3 < list > out 2> err
is $? 0 "--max-delete 3 over the file's 2: passes"
# The flag takes what the key takes, and nothing else: a usage error.
for v in 1e1% 101% -1 '5.%' x; do
	s3gc-diff -c md.conf --server-time $now --max-delete "$v" < list > out 2> err
	is $? 64 "--max-delete $v: 64"
	grep -q "max-delete: a count or a percentage (0% to 100%), not '$v'" err
	ok $? "naming the value: $(cat err)"
done
sed 's/^max_delete = 2$/max_delete = 10 %/' md.conf > bad.conf
s3gc-diff -c bad.conf --server-time $now < list > out 2> err
is $? 78 "a bad max_delete: 78"
grep -q "bad.conf:5: bad value '10 %' for 'max_delete'" err
ok $? "naming the file and line: $(cat err)"
s3gc-diff --server-time $now --force < list > out 2> err
is $? 0 "--force lifts the limit"
is "$(wc -l < out | tr -d ' ')" 3 "and the candidates are written"
grep -q 'going on: --force' err
ok $? "saying so"

# The store behind the listing: the listing started after it was caught up.
printf '{"complete":true,"keys":10,"started":"2099-01-01T00:00:00Z","server_time":"%s"}\n' $now > late.json
s3gc-diff --listing late.json --max-delete 100% < list > out 2> err
is $? 85 "a listing started after the store was caught up: exit 85"
grep -q 'before the listing started' err
ok $? "the message says so: $(cat err)"
s3gc-diff --listing late.json --max-delete 100% --force < list > out 2> err
is $? 0 "--force passes"
printf '{"complete":false,"keys":3,"started":"%s","server_time":"%s"}\n' $now $now > part.json
s3gc-diff --listing part.json --force < list > out 2> err
is $? 85 "a listing that did not complete: exit 85, even with --force"

# The store shrinking sharply since the last run.
D < list > /dev/null 2>&1
psql -qAtX -c "delete from users; delete from gal" > /dev/null
s3gc-refs sync 2> /dev/null
D < list > out 2> err
is $? 85 "the store lost most of its keys since the last run: exit 85"
grep -q 'fewer, more than --max-ref-drop allows' err
ok $? "the message says so: $(cat err)"
D --force < list > out 2> err
is $? 0 "--force passes"
D < list > out 2> err
is $? 0 "and the next run compares with that one"
psql -qAtX -v ON_ERROR_STOP=1 > /dev/null <<SQL
insert into users values (1, 'u/1.jpg'), (2, '/u/2.jpg');
insert into gal values (1, '{g/arr.jpg,other.jpg}', '["g/json.jpg"]');
SQL
s3gc-refs sync 2> /dev/null

# A store without a snapshot.
s3gc-refs --refs "$T/loaded" load < /dev/null 2> /dev/null
D --refs "$T/loaded" < list > out 2> err
is $? 85 "a store that never completed a snapshot: exit 85"
grep -q 'never completed a snapshot' err
ok $? "the message says so"
D --refs "$T/none" < list > out 2> err
is $? 66 "no store: exit 66"
grep -q "no reference store in '$T/none'" err
ok $? "naming it"

# Bad input: nothing written.
{ rec a $old; printf 'bad%%zz\n'; } | D > out 2> err
is $? 65 "a malformed record: exit 65"
is "$(wc -c < out | tr -d ' ')" 0 "nothing written, not even the candidate before it"
{ rec b $old; rec a $old; } | D > out 2> err
is $? 65 "unsorted input: exit 65"
grep -q "^s3gc-diff: stdin:2: not in key order: 'a' comes after 'b'" err
ok $? "naming the line: $(cat err)"
{ rec a $old; rec a $old; } | D > out 2> err
is $? 65 "a key twice: exit 65"
sort -r list | D --sort > out 2> err
ok $? "--sort: input in reverse order"
is "$(cut -f1 out | sed 's/^l\/.*/l\/LONG/' | tr '\n' ' ')" "l/LONG o/old z/orphan " \
	"the same candidates, in key order"
{ rec b $old; printf 'bad%%zz\n'; } | D --sort > out 2> err
is $? 65 "--sort: a malformed record is still exit 65"
grep -q 'stdin:2' err
ok $? "naming its line in the input"
s3gc-diff < list > out 2> err
is $? 64 "no server clock: exit 64"

# The database down: nothing is verified, nothing written.
PGPORT=1 D < list > out 2> err
rc=$?
ok "$([ $rc -eq 69 ] || [ $rc -eq 81 ]; echo $?)" "the database down: exit 69 or 81 ($rc)"
is "$(wc -c < out | tr -d ' ')" 0 "nothing written"
grep -q 'could not be verified, none is written' err
ok $? "the message says so: $(cat err)"
sed '/^cdc_backend/d' "$T/s3gc.conf" > nover.conf
s3gc-diff -c nover.conf --server-time $now < list > out 2> err
is $? 78 "no database configured, no --no-verify: exit 78"

# Records of only a key: the object's time from a HEAD.
printf 'h/a\t10\t86400\nh/b\t20\t86400\n' > pop.txt
start_s3mem --bucket media --populate pop.txt
later=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
printf '{"complete":true,"keys":3,"started":"%s","server_time":"%s"}\n' $now "$later" > later.json
printf 'h/a\nh/b\nh/gone\n' |
	S3GC_ENDPOINT=$S3MEM_URL s3gc-diff --listing later.json --max-delete 100% > out 2> err
ok $? "key-only records: $(cat err)"
is "$(cut -f1,2 out | tr '\t\n' ': ')" "h/a:10 h/b:20 " "the objects there, old by then, with their size from a HEAD"
is "$(cut -f4 out | grep -c '^[0-9a-f]\{32\}$')" 2 "and their ETags"
# Key-only records among full ones, from a file (read again at the end:
# the HEADs' answers are kept aside) and from a pipe.
{ printf 'h/a\n'; rec h/a2 $old; printf 'h/b\nh/gone\n'; rec h/z $old; } > keys
S3GC_ENDPOINT=$S3MEM_URL s3gc-diff --listing later.json --max-delete 100% < keys > out 2> err
ok $? "key-only and full records from a file: $(cat err)"
is "$(cut -f1,2 out | tr '\t\n' ': ')" "h/a:10 h/a2:0 h/b:20 h/z:0 " "each written as it was completed"
cat keys | S3GC_ENDPOINT=$S3MEM_URL s3gc-diff --listing later.json --max-delete 100% > pout 2> err
cmp -s out pout
ok $? "the same from a pipe"
printf 'h/a\n' | S3GC_ENDPOINT=$S3MEM_URL s3gc-diff --server-time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > out 2> err
is "$(wc -c < out | tr -d ' ')" 0 "a day-old object by today's clock: too young"

# Near misses: keys a reference names only after a small change.
psql -qAtX -v ON_ERROR_STOP=1 > /dev/null <<SQL
insert into users values (10, 'Avatars/Case.jpg'), (11, 'lower/x.jpg'), (12, 'a%20b.jpg'),
	(13, 'slash.jpg'), (14, 'media/pre.jpg'), (15, 'inb.jpg'), (16, 's3://media//dbl.jpg'),
	(17, 'q r.jpg');
SQL
s3gc-refs sync 2> /dev/null
{
	rec /slash.jpg $old
	rec LOWER/X.jpg $old
	rec 'a b.jpg' $old
	rec avatars/case.jpg $old
	rec dbl.jpg $old
	rec media/inb.jpg $old
	rec pre.jpg $old
	rec q%2520r.jpg $old
	rec zz/true-orphan $old
} > near
D --stats nst.json < near > out 2> err
ok $? "near misses: exit 0"
is "$(cut -f1 out)" "zz/true-orphan" "only the true orphan is a candidate"
for k in /slash.jpg:slash LOWER/X.jpg:case 'a b.jpg:percent' avatars/case.jpg:case \
	dbl.jpg:slash media/inb.jpg:bucket pre.jpg:bucket 'q%20r.jpg:percent'; do
	grep -q "near miss: '${k%%:*}' is not referenced, but would be after [^;]*${k##*:}" err
	ok $? "'${k%%:*}' is a near miss (${k##*:})"
done
grep -q '"near_misses":8' nst.json
ok $? "the stats count eight: $(cat nst.json)"
cat near | D > pout 2> err
is "$(cut -f1 pout)" "zz/true-orphan" "the same from a pipe"
# Listed keys with nothing to change themselves (lower case, no '%', no
# leading slash or bucket): found through the references' fingerprints.
{ rec avatars/case.jpg $old; rec dbl.jpg $old; rec zz/true-orphan $old; } > plain
D < plain > out 2> err
is "$(cut -f1 out)" "zz/true-orphan" "plain keys: near misses through the references alone"
grep -q "near miss: 'dbl.jpg' is not referenced, but would be after a leading slash" err
ok $? "named: $(grep dbl err)"
D --force < near > out 2> err
is "$(wc -l < out | tr -d ' ')" 9 "with --force they are candidates"
grep -q 'they stay candidates' err
ok $? "and it says so"

# A file is read more than once: changed in between, nothing is written.
# The verification reads a view that takes two seconds.
psql -qAtX -c "create view slowv as select avatar from users, (select pg_sleep(2)) s" > /dev/null
sed 's/^users = avatar$/slowv = avatar/' "$T/s3gc.conf" > slow.conf
cp near changing
D -c slow.conf --refs "$T/vault/refs" < changing > out 2> err &
pid=$!
sleep 1
rec zz/zz-late $old >> changing
wait $pid
is $? 65 "the input changed while it was verified: exit 65"
is "$(wc -c < out | tr -d ' ')" 0 "nothing written"
grep -q 'standard input changed while it was read' err
ok $? "the message says so: $(cat err)"

done_testing
