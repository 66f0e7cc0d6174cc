#!/bin/sh
# s3gc-vault frees what it allocates, on success and on failure: valgrind
# in a plain build, LeakSanitizer in a sanitizer build.
. "$top_srcdir/tests/lib.sh"

printf 'v/a\t100\nv/b\t300000\nv/c\t0\n' > pop.txt
start_s3mem --bucket bkt --populate pop.txt
export S3GC_BUCKET=bkt S3GC_ENDPOINT=$S3MEM_URL S3GC_VAULT_PATH="$T/vault"
s3gc-list > list

leak_checker s3gc-vault
check s3gc-vault new-op > op 2> err
ok $? "$how: new-op"
op=$(cat op)
check s3gc-vault put --op "$op" < list > out.put 2> err
ok $? "$how: put"
cat err | sed 's/^/# /' | head -20
check s3gc-vault put --op "$op" < list > out 2> err
ok $? "$how: put again (held)"
check s3gc-vault put --op "$op" --jobs 1 < list > out 2> err
ok $? "$how: put again, one job (no threads)"
printf 'op=get key=v/a count=0 status=403\n' | s3mem_faults
check s3gc-vault put --op "$(s3gc-vault new-op)" < list > out 2> err
is $? 80 "$how: put with an object refused: exit 80 and nothing else"
grep -v 'AccessDenied' err | sed 's/^/# /' | head -20
printf '' | s3mem_faults
printf 'ok\nbad%%zz\n' | check s3gc-vault put --op "$op" > out 2> err
is $? 65 "$how: put of a bad record"
for c in ls "show $op" verify "verify $op" "export $op" stats "prune --older-than 0 --dry-run" \
	log "log --verify" "log --key v/a --op $op"; do
	# shellcheck disable=SC2086
	check s3gc-vault $c > out 2> err
	ok $? "$how: $c"
done
check s3gc-vault --no-such-flag > out 2> err
is $? 64 "$how: a usage error"
check s3gc-vault show 01ARYZ6S41TSV4RRFFQ69G5FAV > out 2> err
is $? 66 "$how: show of an operation that is not there"
check s3gc-vault log --since yesterday > out 2> err
is $? 64 "$how: log with a bad --since"

leak_checker s3gc-delete
check s3gc-delete --op "$op" < out.put > out 2> err
ok $? "$how: delete, dry run"
printf 'op=deleteobjects count=0 status=403\n' | s3mem_faults
check s3gc-delete --op "$op" --execute --batch 1 --jobs 2 < out.put > out 2> err
is $? 80 "$how: delete, every batch refused: exit 80 and nothing else"
printf '' | s3mem_faults
check s3gc-delete --op "$op" --execute < out.put > out 2> err
ok $? "$how: delete"
check s3gc-delete --op "$op" --execute < out.put > out 2> err
ok $? "$how: delete again (deleted before)"
check s3gc-delete --op 01ARYZ6S41TSV4RRFFQ69G5FAV --execute < out.put > out 2> err
is $? 82 "$how: delete for an operation the vault does not have"
printf 'v/a\nbad%%zz\n' | check s3gc-delete --op "$op" --execute > out 2> err
is $? 65 "$how: delete of a bad record"

check s3gc-vault prune --older-than 100 > out 2> err
ok $? "$how: prune (nothing that old)"

leak_checker s3gc-restore
check s3gc-restore --op "$op" --dry-run > out 2> err
ok $? "$how: restore, dry run"
check s3gc-restore --op "$op" > out 2> err
ok $? "$how: restore"
check s3gc-restore --as-of 2020-01-01T00:00:00Z > out 2> err
ok $? "$how: restore --as-of (everything exists)"
printf 'v/a\nnot/there\n' | check s3gc-restore --keys > out 2> err
is $? 83 "$how: restore --keys with a key the vault lacks"
check s3gc-restore --op "$op" --keys < /dev/null > out 2> err
is $? 64 "$how: restore usage error"
done_testing
