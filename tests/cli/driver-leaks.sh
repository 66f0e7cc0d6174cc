#!/bin/sh
# s3gc frees what it allocates, on success and on its ways out: valgrind
# in a plain build, LeakSanitizer in a sanitizer build. (The stages it
# runs have tests of their own.)
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
start_pg
printf 'x/a\t10\t86400\nx/b\t10\t86400\n' > pop.txt
start_s3mem --bucket media --populate pop.txt
cat > "$T/s3gc.conf" <<CONF
bucket = media
endpoint = $S3MEM_URL
vault_path = $T/vault
cdc_backend = postgres
retention_days = 0
[tables]
users = avatar
CONF
export S3GC_CONFIG="$T/s3gc.conf"
psql -qAtX -v ON_ERROR_STOP=1 > /dev/null <<SQL
create table users (id int primary key, avatar text);
insert into users values (1, 'x/a');
SQL

leak_checker s3gc
check s3gc run --force --json > out 2> err
ok $? "$how: a dry run: $(tail -1 err)"
check s3gc run --execute --force > out 2> err
ok $? "$how: a cycle: $(tail -1 err)"
grep -q '^deleted: *1$' out
ok $? "$how: which deleted x/b"
op=$(sed -n 's/^operation id: *\([0-9A-Z]*\).*/\1/p' out)
check s3gc run > out 2> err
ok $? "$how: a cycle with nothing to do"
check s3gc run --execute > out 2> err
ok $? "$how: again"
check s3gc status > out 2> err
ok $? "$how: status"
check s3gc status --json > out 2> err
ok $? "$how: status --json"
grep -q '"slot":{"name":"s3gc","status":"ok","lag_bytes":[0-9]*}' out
ok $? "$how: with the slot's lag"
PGPORT=1 check s3gc status > out 2> err
ok $? "$how: status, the database down"
grep -q "^warning: *cannot ask the database about replication slot 's3gc'" out
ok $? "$how: which it says"
check s3gc metrics > out 2> err
ok $? "$how: metrics"
check s3gc metrics --format json > out 2> err
ok $? "$how: metrics --format json"
check s3gc restore "$op" > out 2> err
ok $? "$how: restore"
check s3gc init > out 2> err
ok $? "$how: init"
check s3gc init "$T/s3gc.conf" > out 2> err
is $? 74 "$how: init over a file"
check s3gc -c "$T/none.conf" run > out 2> err
is $? 78 "$how: no configuration file"
PGPORT=1 check s3gc run > out 2> err
rc=$?
ok "$([ $rc -eq 69 ] || [ $rc -eq 81 ]; echo $?)" "$how: the database down stops the cycle ($rc)"
check s3gc nothing > out 2> err
is $? 64 "$how: a usage error"
# On a terminal, stages say how far they are; elsewhere they do not.
printf '%s\n' "op=list count=0 stall=1500" | s3mem_faults
script -qec "s3gc run --force" /dev/null > tty.out 2>&1
ok $? "run on a terminal"
grep -q 's3gc: s3gc-list: [0-9]* records, [0-9]* s' tty.out
ok $? "says how far the listing is: $(tr '\r\033' '| ' < tty.out | grep -o 's3gc-list: [^|]*' | head -1)"
s3gc run --force > out 2> err
grep -q ' records, ' err
is $? 1 "not when standard error is no terminal"
printf '' | s3mem_faults
flock "$T/vault/run.lock" sleep 3 &
fpid=$!
sleep 1
check s3gc run > out 2> err
is $? 75 "$how: the lock held"
wait $fpid
done_testing
