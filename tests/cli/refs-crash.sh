#!/bin/sh
# s3gc-refs: kill -9 of follow at random moments loses nothing and applies
# nothing twice.  The tables of tests/cli/refs-writer.sh, 500 rows each, a
# snapshot; then a writer makes 1,500 random operations per table (6,000,
# in 200 psql runs 0.03 s apart, about 10 s) while follow runs and is
# killed with SIGKILL after a random 0.05-0.5 s, 25 times, every other time
# with --batch 50 (so that kills land inside and between store
# transactions), and restarted.  Each follow must have died of the kill
# (status 137), not of an error.  After the writer, a last follow is stopped
# with SIGTERM (exit 0), then sync, and the store must equal the truth.
# S3GC_REFS_SEED=N repeats a run (same statements, same sleeps).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
. "$top_srcdir/tests/cli/refs-writer.sh"
start_pg

PRELOAD=500
OPS=1500
KILLS=25
seed=${S3GC_REFS_SEED:-$(($(date +%s) % 100000 * 10 + $$ % 10))}
diag "seed $seed (S3GC_REFS_SEED=$seed repeats this run)"

refs_schema > setup.out 2> setup.err
ok $? "tables created"
sed 's/^/# /' setup.err
refs_conf "$T/s3gc.conf"
R() { s3gc-refs -c "$T/s3gc.conf" "$@"; } # not for "&": $! must be s3gc-refs
d="$T/w"
refs_gen "$seed" preload "$PRELOAD" "$d"
refs_gen "$seed" ops "$OPS" "$d" 30 "$PRELOAD"
psql -qAtX -v ON_ERROR_STOP=1 -1 -f "$d/preload.sql" > /dev/null 2> preload.err
ok $? "$PRELOAD rows per table"
sed 's/^/# /' preload.err
R snapshot 2> snap.err
is "$?" 0 "snapshot"
sed 's/^/# /' snap.err

slot_active() { # t or f (or nothing: no slot)
	psql -qAtX -c "select active from pg_replication_slots where slot_name = 's3gc'"
}
wait_slot_free() {
	_i=0
	while [ "$(slot_active)" = t ]; do
		_i=$((_i + 1)); [ $_i -gt 200 ] && return 1; sleep 0.05
	done
}

# The sleeps, from the seed: 0.05 to 0.5 s.
awk -v seed="$seed" -v n="$KILLS" 'BEGIN { srand(seed + 7)
	for (i = 0; i < n; i++) printf "%.2f\n", 0.05 + rand() * 0.45 }' > sleeps
# The writer waits before its last run until the kills are done.
refs_writer_start "$d" 0.03 "$(ls "$d"/c*.sql | wc -l | tr -d ' ')"
i=0
busy=0
moved=0
pos=$(R stat 2> /dev/null | sed -n 's/^position\t//p')
while read -r s; do
	i=$((i + 1))
	if [ $((i % 2)) = 0 ]; then batch="--batch 50"; else batch=; fi
	# shellcheck disable=SC2086
	s3gc-refs -c "$T/s3gc.conf" follow $batch > "follow.$i.out" 2> "follow.$i.err" &
	pid=$!
	sleep "$s"
	kill -9 "$pid"
	wait "$pid"
	st=$?
	is "$st" 137 "follow $i ${batch:+($batch) }killed after $s s, not ended by an error"
	[ "$st" = 137 ] || sed 's/^/# /' "follow.$i.err"
	# The server lets go of the slot when it sees the connection gone; a
	# follow started before then would rightly refuse (84, in use).
	[ "$(slot_active)" = t ] && busy=$((busy + 1))
	wait_slot_free || diag "slot still active 10 s after the kill"
	p=$(R stat 2> /dev/null | sed -n 's/^position\t//p')
	[ "$p" != "$pos" ] && moved=$((moved + 1))
	pos=$p
done < sleeps
diag "$busy of $KILLS kills left the slot active for a moment" \
	"$moved of $KILLS killed follows had moved the store's position"
[ -f "$d/done" ]
ok $((! $?)) "the writer was writing through the kills"
: > "$d/gate"

s3gc-refs -c "$T/s3gc.conf" follow > follow.last.out 2> follow.last.err &
pid=$!
_t_pids="$_t_pids $pid"
wait "$WRITER_PID"
[ ! -f "$d/failed" ]
ok $? "every statement of the writer succeeded"
[ -f "$d/failed" ] && sed 's/^/# /' "$d/writer.err" | head -20
_i=0
until [ "$(slot_active)" = t ]; do
	_i=$((_i + 1)); [ $_i -gt 200 ] && break; sleep 0.05
done
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "the last follow, stopped by SIGTERM, exits 0"
sed 's/^/# /' follow.last.err
wait_slot_free

refs_flush_wal
R -v sync > sync.out 2> sync.err
is "$?" 0 "sync after the writer"
sed 's/^/# /' sync.err
R dump --counts | LC_ALL=C sort > got
refs_truth > want
same_file got want "the store holds what the tables refer to, with counts"
diag "$(wc -l < want) keys, $(awk -F'\t' '{ s += $2 } END { print s }' want) references"
R stat > stat.out
grep -q '^slot_status	ok$' stat.out
ok $? "stat: slot_status ok"
done_testing
