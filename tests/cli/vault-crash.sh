#!/bin/sh
# Invariant 9: s3gc-vault put and s3gc-delete killed (kill -9) at random
# moments, 50 times each. After every kill the index is consistent (every
# copy it names reads back whole), every record written out is in it,
# every object gone from the bucket has a verified copy, and a rerun
# completes.
. "$top_srcdir/tests/lib.sh"

i=0
while [ $i -lt 40 ]; do printf 'c/%02d\t%d\t86400\n' $i $((20000 + i * 3000)); i=$((i + 1)); done > pop.txt
start_s3mem --bucket bkt --populate pop.txt --latency-ms 8
export S3GC_BUCKET=bkt S3GC_ENDPOINT=$S3MEM_URL S3GC_VAULT_PATH="$T/vault"
s3gc-list > list
is "$(wc -l < list | tr -d ' ')" 40 "40 objects"

# A random pause of 0 to MAX seconds (awk's rand, seeded by the round).
pause() { awk -v s="$1" -v m="$2" 'BEGIN { srand(s); printf "%.3f\n", rand() * m }'; }

# Each round backs everything up into a new operation (odd rounds one
# object at a time, even ones four at once), is killed at a random
# moment, is checked, and is run again to the end.
killed=0 bad_index=0 lost=0 unfinished=0
round=1
while [ $round -le 50 ]; do
	op=$(s3gc-vault new-op)
	if [ $((round % 2)) -eq 1 ]; then jobs=1 max=0.45; else jobs=4 max=0.15; fi
	s3gc-vault put --op "$op" --jobs $jobs < list > put.out 2> /dev/null &
	pid=$!
	sleep "$(pause $round $max)"
	kill -9 $pid 2> /dev/null && killed=$((killed + 1))
	wait $pid 2> /dev/null
	s3gc-vault verify "$op" > /dev/null 2> err
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 1 ] || { bad_index=$((bad_index + 1)); diag "round $round: $(cat err)"; }
	s3gc-vault show "$op" > shown
	# Every record put wrote out before it died is in the index.
	cut -f1-4 put.out | grep -cvxF -f shown > missing
	[ "$(cat missing)" -eq 0 ] || { lost=$((lost + 1)); diag "round $round: records written out but not in the index"; }
	s3gc-vault put --op "$op" < list > final 2> err
	{ [ $? -eq 0 ] && cmp -s final list; } || { unfinished=$((unfinished + 1)); diag "round $round: the rerun: $(cat err)"; }
	round=$((round + 1))
done
ok "$([ $killed -ge 25 ]; echo $?)" "put was killed mid-run in $killed of 50 rounds"
is "$bad_index" 0 "put: after every kill, every copy in the index reads back whole"
is "$lost" 0 "put: after every kill, every record written out is in the index"
is "$unfinished" 0 "put: after every kill, a rerun completes with every record"
s3gc-vault log --verify > /dev/null 2> err
ok $? "the audit trail's chain is whole (torn lines cut off): $(cat err)"

# Each round deletes with the last operation's copies (odd rounds a batch
# at a time, even ones four at once), is killed, is checked, and
# everything is put back for the next.
killed=0 bad=0 unrestored=0
round=1
while [ $round -le 50 ]; do
	if [ $((round % 2)) -eq 1 ]; then jobs=1 max=0.3; else jobs=4 max=0.08; fi
	s3gc-delete --op "$op" --execute --batch 3 --jobs $jobs < final > del.out 2> /dev/null &
	pid=$!
	sleep "$(pause $((round + 100)) $max)"
	kill -9 $pid 2> /dev/null && killed=$((killed + 1))
	wait $pid 2> /dev/null
	# Every object gone from the bucket has a verified copy in the operation.
	s3gc-list | cut -f1 > left
	s3gc-vault show "$op" | cut -f1 > held
	gone=$(cut -f1 list | grep -vxF -f left | grep -cvxF -f held)
	[ "$gone" -eq 0 ] || { bad=$((bad + 1)); diag "round $round: $gone objects gone without a copy"; }
	s3gc-vault verify "$op" > /dev/null 2> err || { bad=$((bad + 1)); diag "round $round: $(cat err)"; }
	s3gc-restore --op "$op" > /dev/null 2> err ||
		{ unrestored=$((unrestored + 1)); diag "round $round: restore: $(cat err)"; }
	round=$((round + 1))
done
ok "$([ $killed -ge 25 ]; echo $?)" "delete was killed mid-run in $killed of 50 rounds"
is "$bad" 0 "delete: after every kill, every object gone has a verified copy"
is "$unrestored" 0 "and everything could be put back"
s3gc-delete --op "$op" --execute < final > dfinal 2> err
ok $? "delete: a run to the end completes"
is "$(wc -l < dfinal | tr -d ' ')" 40 "and reports all 40 deleted"
is "$(s3gc-list | wc -l | tr -d ' ')" 0 "the bucket is empty"
s3gc-vault log --verify > /dev/null 2> err
ok $? "the audit trail's chain is whole: $(cat err)"
s3gc-restore --op "$op" > /dev/null
ok $? "and everything comes back"
is "$(s3gc-list | cut -f1,2,4)" "$(cut -f1,2,4 list)" "as it was"

done_testing
