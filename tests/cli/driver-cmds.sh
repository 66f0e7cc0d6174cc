#!/bin/sh
# s3gc's other commands: usage errors, init, and the daemon (follow, and a
# cycle at the schedule) on real servers.
. "$top_srcdir/tests/lib.sh"

# Usage.
s3gc > out 2> err
is $? 64 "no command: 64"
s3gc frobnicate > out 2> err
is $? 64 "an unknown command: 64"
grep -q "no command 'frobnicate'" err
ok $? "naming it: $(cat err)"
s3gc status --execute > out 2> err
is $? 64 "an option another command takes: 64"
grep -q 'status does not take --execute' err
ok $? "saying which: $(cat err)"
s3gc restore > out 2> err
is $? 64 "restore without an operation: 64"
s3gc metrics --format xml > out 2> err
is $? 64 "a bad --format: 64"

# init: every key, commented out; a file it never overwrites.
s3gc init > init.conf
ok $? "init to standard output"
for k in bucket region endpoint mode retention_days max_delete exclude_prefix vault_path cdc_backend \
	cdc_connection_url schedule; do
	grep -q "^#$k = " init.conf
	ok $? "init: $k is there"
done
grep -q '^\[tables\]$' init.conf
ok $? "init: and [tables]"
s3gc -c init.conf run > out 2> err
is $? 78 "as it is, no bucket: run refuses (78)"
sed 's/^#bucket = /bucket = /; s|^#vault_path = .*|vault_path = '"$T"'/v|' init.conf > one.conf
s3gc -c one.conf status > out 2> err
ok $? "with a bucket it is a configuration: $(cat err)"
s3gc init mine.conf
ok $? "init FILE"
cmp -s mine.conf init.conf
ok $? "the same text"
is "$(stat -c %a mine.conf)" 600 "mode 0600 (it may come to hold a password)"
echo "# mine" >> mine.conf
s3gc init mine.conf 2> err
is $? 74 "init over a file: 74"
tail -1 mine.conf | grep -q '^# mine$'
ok $? "and the file is as it was: $(cat err)"

# The daemon: refused without a schedule or a database.
. "$top_srcdir/tests/pg/lib.sh"
start_pg
start_s3rver
awscli "$S3RVER_URL" s3 mb s3://pics > /dev/null || diag "mb failed"
mkconf() { # mkconf FILE GLOBAL-LINES: the test's configuration, and more
	{
		printf 'bucket = pics\nendpoint = %s\nvault_path = %s\n' "$S3RVER_URL" "$T/vault"
		printf 'retention_days = 0\nmode = execute\n%b' "$2"
		printf '[tables]\nitems = url\n'
	} > "$1"
}
mkconf "$T/base.conf" ''
s3gc -c "$T/base.conf" daemon > out 2> err
is $? 78 "daemon without a schedule: 78"
s3gc -c "$T/base.conf" run > out 2> err
is $? 78 "run without a database to verify against: 78"
grep -q 'checks every candidate against the database' err
ok $? "saying why: $(cat err)"
mkconf "$T/d.conf" 'schedule = 03:00\n'
s3gc -c "$T/d.conf" daemon > out 2> err
is $? 78 "daemon without cdc_backend: 78"
grep -q 'nothing to follow' err
ok $? "saying so: $(cat err)"

# A cycle at the next minute, while follow keeps the store current.
psql -qAtX -v ON_ERROR_STOP=1 > /dev/null <<SQL
create table items (id int primary key, url text);
insert into items values (1, 'a/kept');
SQL
for k in a/kept a/late b/orphan; do
	printf '%s\n' "$k" > body
	awscli "$S3RVER_URL" s3api put-object --bucket pics --key "$k" --body body > /dev/null
done
mkconf "$T/d.conf" "cdc_backend = postgres\n"
s3gc-refs -c "$T/d.conf" snapshot 2> err
ok $? "the store: $(cat err)"
# The next minute, far enough off for the daemon to start before it.
while [ "$(date +%S)" -ge 50 ]; do sleep 1; done
at=$(date -d '+1 minute' +%H:%M)
mkconf "$T/d.conf" "cdc_backend = postgres\nschedule = $at\n"
s3gc -c "$T/d.conf" daemon --force > dout 2> derr &
dpid=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'follow started' derr; do sleep 0.1; i=$((i + 1)); done
grep -q "next cycle at .* $at" derr
ok $? "the daemon says when: $(head -1 derr)"
sleep 2
pgrep -f "s3gc-refs -c $T/d.conf.*follow" > /dev/null
ok $? "follow runs"
# A row written while the daemon runs: follow brings it in before the cycle.
psql -qAtX -c "insert into items values (2, 'a/late')" > /dev/null
i=0
while [ $i -lt 900 ] && ! [ -s dout ]; do sleep 0.2; i=$((i + 1)); done
kill -TERM $dpid
wait $dpid
is $? 0 "SIGTERM: the daemon stops cleanly"
sleep 1
pgrep -f "s3gc-refs -c $T/d.conf.*follow" > /dev/null
is $? 1 "and follow with it"
python3 -c 'import json, sys; d = json.loads(open("dout").readline()); print(d["mode"], d["state"], d["deleted"])' > res 2>&1
is "$(cat res)" "execute done 1" "the scheduled cycle ran, in the configured mode, and deleted one object"
awscli "$S3RVER_URL" s3api list-objects-v2 --bucket pics --query 'Contents[].Key' --output text > left
is "$(tr '\t' ' ' < left)" "a/kept a/late" "the orphan went; the rows' objects, the late one too, stay"

# scripts/: the crontab line and the systemd units from the schedule.
printf 'bucket = b\nschedule = 03:07\n' > sched.conf
sh "$top_srcdir/scripts/crontab-line" sched.conf > cron 2> err
ok $? "crontab-line: $(cat err)"
grep -q "^7 3 \* \* \* .*/s3gc -c $PWD/sched.conf -q run --json >> " cron
ok $? "at 03:07: $(cat cron)"
sh "$top_srcdir/scripts/systemd-units" sched.conf units > /dev/null 2> err
ok $? "systemd-units: $(cat err)"
grep -qx 'OnCalendar=\*-\*-\* 03:07:00' units/s3gc-run.timer
ok $? "the timer at 03:07"
grep -q "^ExecStart=.*/s3gc-refs -c $PWD/sched.conf follow$" units/s3gc-follow.service &&
	grep -q "^ExecStart=.*/s3gc -c $PWD/sched.conf run --json$" units/s3gc-run.service
ok $? "the services run follow and a cycle with the configuration"
printf 'bucket = b\n' > nosched.conf
sh "$top_srcdir/scripts/systemd-units" nosched.conf units2 > /dev/null 2> err
is $? 78 "no schedule: 78 ($(cat err))"
sh "$top_srcdir/scripts/crontab-line" nosched.conf > /dev/null 2> err
is $? 78 "the crontab line too"

# scripts/Makefile.example: the stages as targets, their outputs as files.
printf 'gone\n' > body
awscli "$S3RVER_URL" s3api put-object --bucket pics --key c/made-orphan --body body > /dev/null
mkdir mk
# A make of its own, not a part of the one running the tests.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C mk -f "$top_srcdir/scripts/Makefile.example" "$@"; }
mk CONF="$T/d.conf" DIFF_FLAGS=--force candidates > /dev/null 2> err
ok $? "make candidates: $(tail -1 err)"
is "$(cut -f1 mk/candidates)" "c/made-orphan" "the candidate, in a file"
mk CONF="$T/d.conf" DIFF_FLAGS=--force deleted > /dev/null 2> err
ok $? "make deleted: $(tail -1 err)"
is "$(cut -f1 mk/deleted)" "c/made-orphan" "vaulted, then deleted"
mk CONF="$T/d.conf" DIFF_FLAGS=--force deleted > out 2> err
is "$(cat out err)" "" "done is done: make runs nothing again"
mk clean
is "$(ls mk | wc -l | tr -d ' ')" 0 "clean leaves nothing"
done_testing
