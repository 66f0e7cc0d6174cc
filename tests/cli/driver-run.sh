#!/bin/sh
# s3gc run, a whole cycle on real servers (PostgreSQL, and s3rver with
# every signature checked): 10,000 objects, a third orphaned, a third
# referenced in URL form, a third too young. The dry run deletes nothing;
# --execute deletes exactly the orphans, after vaulting them; restore puts
# them back exactly. The JSON result parses and its counts match the
# bucket; the operation and its result are in the index and the audit
# trail; a second cycle is refused while one runs; SIGTERM in the middle
# of a cycle leaves a state the next cycle completes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
start_pg
start_s3rver
awscli "$S3RVER_URL" s3 mb s3://photos > /dev/null || diag "mb failed"
N=${S3GC_TEST_OBJECTS:-10000}

cat > "$T/s3gc.conf" <<CONF
bucket = photos
endpoint = $S3RVER_URL
vault_path = $T/vault
cdc_backend = postgres
retention_days = 7
[tables]
users = avatar
posts = image
CONF
export S3GC_CONFIG="$T/s3gc.conf"
json() { # json FILE EXPR: a field of a JSON object, by python's parser
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"
}

# The objects: obj/NNNNN; i % 3 == 0 orphaned, 1 referenced (a URL in
# posts), 2 unreferenced but young. Written into s3rver's own store (it
# reads an object's time from its file), then listed through the server.
data="$T/s3rver/data/photos/obj"
mkdir -p "$data"
awk -v n="$N" -v d="$data" 'BEGIN { for (i = 0; i < n; i++) {
	f = sprintf("%s/%05d._S3rver_object", d, i); printf "object %d\n", i > f; close(f) } }'
old=$(date -d '-30 days' +%Y%m%d%H%M)
(cd "$data" && ls | awk -F. '$1 % 3 != 2' | xargs touch -t "$old")
psql -qAtX -v ON_ERROR_STOP=1 > /dev/null <<SQL
create table users (id int primary key, avatar text);
create table posts (id int primary key, image text);
insert into posts select i, 'https://photos.s3.amazonaws.com/obj/' || lpad(i::text, 5, '0') || '?w=200'
	from generate_series(1, $N - 1, 3) i;
insert into users values (1, 'avatars/none.jpg');
SQL
s3gc-list > before
is "$(wc -l < before | tr -d ' ')" "$N" "the bucket holds $N objects"
orphans=$(awk -v n="$N" 'BEGIN { print int((n + 2) / 3) }')

# A dry run; the brake first: a third of the bucket is more than 10%.
s3gc run --json > r0.json 2> err
is $? 85 "a third of the bucket to delete: refused by a brake (85)"
is "$(json r0.json 'd["state"], d["exit_status"], d["stopped_by"]')" "('refused', 85, 's3gc-diff')" \
	"the result says so"
# The limit raised in the configuration's layers (S3GC_MAX_DELETE sets
# max_delete) rather than lifted with --force.
S3GC_MAX_DELETE=40% s3gc run --json > r1.json 2> err
ok $? "a dry run with max_delete = 40%: $(tail -1 err)"
is "$(json r1.json '(d["total_scanned"], d["candidates_found"], d["verified_orphans"], d["backed_up"], d["deleted"], d["errors"])')" \
	"($N, $orphans, $orphans, 0, 0, 0)" "its counts: all scanned, the orphans found, nothing deleted"
s3gc-list > after-dry
same_file after-dry before "the dry run deleted nothing"
grep -q 'dry run: nothing was backed up or deleted' err
ok $? "and says so"

# The cycle for real.
s3gc run --execute --force --json > r2.json 2> err
ok $? "run --execute: $(tail -1 err)"
op=$(json r2.json 'd["operation_id"]')
is "$(json r2.json '(d["mode"], d["state"], d["candidates_found"], d["verified_orphans"], d["backed_up"], d["deleted"], d["errors"])')" \
	"('execute', 'done', $orphans, $orphans, $orphans, $orphans, 0)" "every orphan backed up and deleted"
s3gc-list > after
is "$(wc -l < after | tr -d ' ')" "$((N - orphans))" "the bucket holds the rest"
awk -F'\t' '{ split($1, p, "/"); if (p[2] % 3 != 0) print }' before > want
same_file after want "exactly the orphans are gone; the referenced and the young are untouched"
is "$(s3gc-vault show "$op" | wc -l | tr -d ' ')" "$orphans" "the vault holds each of them"
s3gc-vault log --verify > /dev/null
ok $? "the audit trail's chain holds"
grep "\"op\":\"$op\",\"stage\":\"run\",\"outcome\":\"done\"" "$T/vault/audit.log" > runline
ok $? "the cycle is in the audit trail"
grep -q "\"result\":{\"operation_id\":\"$op\",\"mode\":\"execute\",\"state\":\"done\",\"total_scanned\":$N," runline
ok $? "with its result"
s3gc-vault ls | grep "^$op" > opline
ok $? "the operation is in the index: $(cat opline)"
grep -q 'done' opline
ok $? "done"

# A text result, status, and the next cycle finding nothing.
s3gc run --execute > r3.txt 2> err
ok $? "a cycle with nothing to do: $(tail -1 err)"
grep -q "^verified orphans:  0$" r3.txt && grep -q "^total scanned:     $((N - orphans))$" r3.txt
ok $? "the text result: $(tr '\n' '|' < r3.txt)"
s3gc status --json > st.json
ok $? "status --json"
is "$(json st.json '(d["vault"]["runs"], d["refs"]["exists"], d["operations"][0]["state"], d["running"])')" \
	"(4, True, 'done', None)" "status: four cycles, the store, the last one done, none running"
s3gc status > st.txt
grep -q "^reference store:  $((N / 3 + 1)) keys; snapshot" st.txt
ok $? "status as text: $(head -2 st.txt | tr '\n' '|')"
# CDC lag in bytes, from the server: the slot falls behind as rows are
# written that nothing has read yet.
lag1=$(json st.json 'd["refs"]["slot"]["lag_bytes"]')
is "$(json st.json '(d["refs"]["slot"]["name"], d["refs"]["slot"]["status"], type(d["refs"]["slot"]["lag_bytes"]).__name__)')" \
	"('s3gc', 'ok', 'int')" "status: the replication slot, idle, and its lag in bytes"
psql -qAtX -v ON_ERROR_STOP=1 -c "insert into users select 100000 + i, 'x/' || i from generate_series(1, 1000) i" > /dev/null
s3gc status --json > st2.json
lag2=$(json st2.json 'd["refs"]["slot"]["lag_bytes"]')
[ "$lag2" -gt "$lag1" ]
ok $? "the lag grows with rows not yet read: $lag1, then $lag2 bytes"
s3gc status > st4.txt
grep -q "^replication slot: s3gc, ok, [1-9][0-9]* bytes of WAL behind the server$" st4.txt
ok $? "and as text: $(grep '^replication' st4.txt)"
S3GC_CDC_CONNECTION_URL=postgresql://s3gc@127.0.0.1:1/s3gc s3gc status --json > st3.json 2> err
ok $? "status with the database down still answers"
is "$(json st3.json '(d["refs"]["slot"]["status"], d["refs"]["slot"]["lag_bytes"], d["vault"]["runs"])')" \
	"('unknown', None, 4)" "the slot unknown, the vault as before"
json st3.json '[w for w in d["warnings"] if "cannot ask the database" in w and "127.0.0.1" in w][0]' > w3 2>&1
ok $? "a warning names the server: $(cat w3)"
psql -qAtX -v ON_ERROR_STOP=1 -c "delete from users where id > 100000" > /dev/null

# Restore the operation: the objects come back, bytes and ETags alike.
s3gc restore "$op" > restored 2> err
ok $? "restore: $(tail -1 err)"
is "$(wc -l < restored | tr -d ' ')" "$orphans" "each orphan restored"
s3gc-list > back
cut -f1,2,4 back > got
cut -f1,2,4 before > want
same_file got want "the bucket is as it was: the same keys, sizes and ETags"

# One cycle at a time.
flock "$T/vault/run.lock" sleep 3 &
fpid=$!
sleep 1
s3gc run > /dev/null 2> err
is $? 75 "a cycle while another holds the lock: 75"
grep -q 'another cycle is running' err
ok $? "saying so: $(cat err)"
wait $fpid

# SIGTERM in the middle: the restored orphans aged again, then a cycle
# stopped while it vaults; the next one completes it.
(cd "$data" && ls | awk -F. '$1 % 3 == 0' | xargs touch -t "$old")
ls "$T/vault/runs" > runs-before
s3gc run --execute --force --json > r4.json 2> err4 &
pid=$!
i=0
new=
while [ $i -lt 600 ] && { [ -z "$new" ] || [ ! -s "$T/vault/runs/$new/vaulted" ]; }; do
	sleep 0.05
	i=$((i + 1))
	new=$(ls "$T/vault/runs" | comm -13 runs-before -)
done
# Some objects vaulted, the rest not yet: stopped there.
kill -TERM $pid
wait $pid
rc=$?
is "$rc" 143 "stopped by SIGTERM while it vaulted: 143"
is "$(json r4.json '(d["state"], d["deleted"])')" "('interrupted', 0)" "the result says so, nothing deleted"
s3gc-vault log --verify > /dev/null
ok $? "the audit trail holds"
s3gc-list | cut -f1 | sort > mid
# Whatever was deleted has its copy in the vault.
op4=$(json r4.json 'd["operation_id"]')
s3gc-vault show "$op4" | cut -f1 | sort > vaulted4
cut -f1 before | sort > all
comm -23 all mid > gone
is "$(comm -23 gone vaulted4 | wc -l | tr -d ' ')" 0 "every object gone has a copy in the vault ($(wc -l < gone | tr -d ' ') gone)"
s3gc run --execute --force --json > r5.json 2> err
ok $? "the next cycle: $(tail -1 err)"
s3gc-list > end
same_file end after "it completes the work: exactly the orphans are gone"
s3gc status --json > st2.json
is "$(json st2.json '[o["state"] for o in d["operations"]][:2]')" "['done', 'interrupted']" \
	"the stopped cycle is marked so"

# Metrics: Prometheus text that promtool accepts, and JSON, with the counts.
promtool=${S3GC_PROMTOOL:-$(command -v promtool || echo "$top_srcdir/tests/promtool/promtool")}
s3gc metrics > m.prom
ok $? "metrics"
if [ -x "$promtool" ]; then
	"$promtool" check metrics < m.prom > lint 2>&1
	ok $? "promtool check metrics accepts them: $(cat lint)"
else
	need promtool "promtool is not there (scripts/deps)"
fi
grep -q '^s3gc_runs_total 6$' m.prom && grep -q '^s3gc_failed_runs_total 2$' m.prom &&
	grep -q "^s3gc_deleted_objects_total $((2 * orphans))$" m.prom &&
	grep -q '^s3gc_last_run_errors 0$' m.prom && grep -q '^s3gc_vault_size_bytes [1-9]' m.prom
ok $? "six cycles, two not done, the orphans deleted twice, no errors last time, a vault"
is "$(grep -c '^s3gc_run_duration_seconds{operation="[0-9A-Z]\{26\}",state="[a-z]*"} [0-9.]*$' m.prom)" 6 \
	"a duration for each cycle"
s3gc metrics --format json > m.json
is "$(json m.json '(d["runs_total"], d["failed_runs_total"], d["deleted_total"], len(d["runs"]), d["compression_ratio"] > 0)')" \
	"(6, 2, $((2 * orphans)), 6, True)" "the same as JSON"
done_testing
