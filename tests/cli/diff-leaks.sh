#!/bin/sh
# s3gc-diff frees what it allocates, on success and on every way out:
# valgrind in a plain build, LeakSanitizer in a sanitizer build.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
start_pg

cat > "$T/s3gc.conf" <<CONF
bucket = media
cdc_backend = postgres
vault_path = $T/vault
[tables]
users = avatar
gal = photos:array, meta:json
CONF
export S3GC_CONFIG="$T/s3gc.conf"
psql -qAtX -v ON_ERROR_STOP=1 > /dev/null <<SQL
create table users (id int primary key, avatar text);
create table gal (id int primary key, photos text[], meta jsonb);
insert into users values (1, 'a'), (2, 'https://media.s3.amazonaws.com/c%20d');
insert into gal values (1, '{e}', '["f"]');
SQL
s3gc-refs snapshot 2> /dev/null
old=2026-11-01T00:00:00Z
for k in a b 'c d' e f g; do printf '%s\t0\t%s\td41d8cd98f00b204e9800998ecf8427e\n' "$k" $old; done > list
psql -qAtX -c "insert into users values (3, 'g')" > /dev/null

leak_checker s3gc-diff
check s3gc-diff --server-time 2026-12-01T00:00:00Z --force --stats st.json < list > out 2> err
ok $? "$how: a diff with verification: $(cat err)"
is "$(cut -f1 out)" "b" "$how: and its result"
cat list | check s3gc-diff --server-time 2026-12-01T00:00:00Z --force > out 2> err
ok $? "$how: from a pipe"
check s3gc-diff --server-time 2026-12-01T00:00:00Z < list > out 2> err
is $? 85 "$how: a brake"
printf 'bad%%zz\n' | check s3gc-diff --server-time 2026-12-01T00:00:00Z > out 2> err
is $? 65 "$how: a bad record"
printf 'b\t5\t86400\n' > pop.txt
start_s3mem --bucket media --populate pop.txt
printf 'b\nc\n' | S3GC_ENDPOINT=$S3MEM_URL check s3gc-diff --server-time 2026-12-01T00:00:00Z \
	--force > out 2> err
ok $? "$how: key-only records, with HEADs"
printf 'A\t0\t%s\td41d8cd98f00b204e9800998ecf8427e\nb\nc\n' $old > keys
S3GC_ENDPOINT=$S3MEM_URL check s3gc-diff --server-time 2026-12-01T00:00:00Z --force \
	< keys > out 2> err
ok $? "$how: key-only records from a file, and a near miss"
grep -q "near miss: 'A'" err
ok $? "$how: found"
tail -1 list > rev
head -1 list >> rev
check s3gc-diff --server-time 2026-12-01T00:00:00Z --force < rev > out 2> err
is $? 65 "$how: records out of order"
sort -r list | check s3gc-diff --sort --server-time 2026-12-01T00:00:00Z --force > out 2> err
ok $? "$how: --sort"
printf 'b\t1\t2026-01-01T00:00:00Z\td41d8cd98f00b204e9800998ecf8427e\nbad%%zz\n' | check s3gc-diff --sort --server-time 2026-12-01T00:00:00Z --force > out 2> err
is $? 65 "$how: --sort and a bad record"
PGPORT=1 check s3gc-diff --server-time 2026-12-01T00:00:00Z --force < list > out 2> err
rc=$?
ok "$([ $rc -eq 69 ] || [ $rc -eq 81 ]; echo $?)" "$how: the database down ($rc)"
check s3gc-diff --refs "$T/none" --server-time 2026-12-01T00:00:00Z < list > out 2> err
is $? 66 "$how: no store"
check s3gc-diff --listing "$T/none.json" < list > out 2> err
is $? 66 "$how: no listing stats"
check s3gc-diff --max-delete x --server-time 2026-12-01T00:00:00Z < list > out 2> err
is $? 64 "$how: a usage error"
done_testing
