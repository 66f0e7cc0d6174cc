#!/bin/sh
# s3gc-refs: the snapshot and the stream meet exactly.  A writer makes
# random changes to four watched tables (tests/cli/refs-writer.sh) before,
# while and after snapshot runs; after the writer ends, sync; the store must
# then hold exactly the keys the tables refer to, with their counts, as SQL
# computes them from the raw-key columns.
#
# Each round: 1,000 preloaded rows per table (4,000), then 1,000 random
# operations per table (4,000 statements, in psql runs of 40: single-statement
# transactions, multi-statement ones, rolled-back ones, rolled-back
# savepoints, a few held open across a pg_sleep).  Two rounds, each with
# its own seed and a fresh snapshot; then a third of 300 operations per
# table on round 2's store, with a sync while they are made and one after.
# The seeds are printed; S3GC_REFS_SEED=N repeats a run.  About 25 s.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
. "$top_srcdir/tests/cli/refs-writer.sh"
start_pg

PRELOAD=1000
OPS=1000
refs_schema > setup.out 2> setup.err
ok $? "tables created"
sed 's/^/# /' setup.err
refs_conf "$T/s3gc.conf"
R() { s3gc-refs -c "$T/s3gc.conf" "$@"; }

seed0=${S3GC_REFS_SEED:-$(($(date +%s) % 100000 * 10 + $$ % 10))}
for round in 1 2; do
	seed=$((seed0 + round - 1))
	diag "round $round: seed $seed (S3GC_REFS_SEED=$seed0 repeats this run)"
	d="$T/r$round"
	refs_gen "$seed" preload "$PRELOAD" "$d"
	refs_gen "$seed" ops "$OPS" "$d" 40 "$PRELOAD"
	psql -qAtX -v ON_ERROR_STOP=1 -c 'truncate t_text, t_var, t_json, t_full' > /dev/null &&
		psql -qAtX -v ON_ERROR_STOP=1 -1 -f "$d/preload.sql" > /dev/null 2> "$d/preload.err"
	ok $? "round $round: $PRELOAD rows per table preloaded"
	sed 's/^/# /' "$d/preload.err"

	# The writer runs before, during and after the snapshot: it starts
	# first, and waits before its 60th run of 100 until the snapshot is done.
	refs_writer_start "$d" 0 60
	R -v snapshot > "$d/snap.out" 2> "$d/snap.err"
	is "$?" 0 "round $round: snapshot while the writer writes"
	sed 's/^/# /' "$d/snap.err"
	[ -f "$d/done" ]
	ok $((! $?)) "round $round: the writer was still writing when the snapshot ended"
	: > "$d/gate"
	wait "$WRITER_PID"
	[ ! -f "$d/failed" ]
	ok $? "round $round: every statement of the writer succeeded"
	[ -f "$d/failed" ] && sed 's/^/# /' "$d/writer.err" | head -20
	diag "$(cat "$d"/c*.sql | grep -c -v -e '^begin;$' -e '^commit;$' -e '^rollback' -e '^savepoint' -e pg_sleep) statements in $(ls "$d"/c*.sql | wc -l) psql runs"

	refs_flush_wal
	R -v sync > "$d/sync.out" 2> "$d/sync.err"
	is "$?" 0 "round $round: sync"
	sed 's/^/# /' "$d/sync.err"
	R dump --counts | LC_ALL=C sort > "$d/got"
	refs_truth > "$d/want"
	same_file "$d/got" "$d/want" "round $round: the store holds what the tables refer to, with counts"
	diag "$(wc -l < "$d/want") keys, $(awk -F'\t' '{ s += $2 } END { print s }' "$d/want") references"
	# dump writes in the byte order of the raw key; none of these keys
	# sorts differently encoded.
	R dump --counts > "$d/unsorted"
	same_file "$d/unsorted" "$d/got" "round $round: dump is in key order"
	for k in 'a b/' "$(printf 'caf\303\251/')" 'x+y/' 'p%25q/'; do
		grep -q "^${k}[0-9]*\.jpg	[1-9]" "$d/got"
		ok $? "round $round: keys under '$k' survive"
	done
done

# Round 3, on round 2's tables: a sync in the middle of the writing (300
# operations per table), then another at the end.
seed=$((seed0 + 2))
diag "round 3: seed $seed"
d="$T/r3"
refs_gen "$seed" ops 300 "$d" 40 "$PRELOAD" 2000000
refs_flush_wal
R sync 2> "$d/sync1.err"
is "$?" 0 "round 3: sync with nothing new"
refs_writer_start "$d" 0.05 4
R sync 2> "$d/sync2.err"
: > "$d/gate"
is "$?" 0 "round 3: sync while the writer writes"
sed 's/^/# /' "$d/sync2.err"
wait "$WRITER_PID"
[ ! -f "$d/failed" ]
ok $? "round 3: every statement of the writer succeeded"
refs_flush_wal
R sync 2> "$d/sync3.err"
is "$?" 0 "round 3: sync after the writer"
sed 's/^/# /' "$d/sync3.err"
R dump --counts | LC_ALL=C sort > "$d/got"
refs_truth > "$d/want"
same_file "$d/got" "$d/want" "round 3: the store holds what the tables refer to"
done_testing
