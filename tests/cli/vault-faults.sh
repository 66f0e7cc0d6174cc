#!/bin/sh
# Disk full and I/O errors on the vault's writes and syncs (libfiu's POSIX
# preload from Debian's fiu-utils): s3gc-vault put stops with exit 82, the
# index holds nothing of what failed, and the pipeline put | delete deletes
# nothing. A sync failing after s3gc-delete's request is exit 82 too, and
# every object gone has its verified copy; a rerun records the rest.
. "$top_srcdir/tests/lib.sh"

fiulib=/usr/lib/fiu
[ -f "$fiulib/fiu_posix_preload.so" ] ||
	fiulib=$(dpkg -L libfiu1 2>/dev/null | sed -n 's|/fiu_posix_preload.so$||p' | head -1)
[ -n "$fiulib" ] && [ -f "$fiulib/fiu_posix_preload.so" ] ||
	need fiu-utils "libfiu's POSIX preload is not installed (scripts/deps)"

# with_fault FAILPOINT ERRNO COMMAND...: run COMMAND with FAILPOINT failing
# with ERRNO. What fiu-run -x does, by hand, so that an ASan build's
# runtime can come first in LD_PRELOAD; its leak check is off there, as
# fiu_run_preload.so leaks a string of its own (vault-leaks.sh checks ours).
with_fault() {
	_fp=$1 _errno=$2
	shift 2
	_asan=$(ldd "$(command -v "$1")" 2>/dev/null | awk '/libasan/ { print $3 }')
	_opts=${ASAN_OPTIONS:-}
	[ -n "$_asan" ] && _opts="${_opts:+$_opts:}detect_leaks=0"
	ASAN_OPTIONS=$_opts FIU_ENABLE="enable name=$_fp,failinfo=$_errno" FIU_CTRL_FIFO="" \
		LD_PRELOAD="$_asan $fiulib/fiu_run_preload.so $fiulib/fiu_posix_preload.so" "$@"
}

printf 'f/a\t1000\t86400\nf/b\t200000\t86400\nf/c\t0\t86400\n' > pop.txt
start_s3mem --bucket bkt --populate pop.txt
export S3GC_BUCKET=bkt S3GC_ENDPOINT=$S3MEM_URL S3GC_VAULT_PATH="$T/vault"
s3gc-list > list
s3gc-vault new-op > /dev/null # the vault and its directories exist

for fault in "posix/io/rw/write 28 no space left" "posix/io/sync/fsync 5 input/output error" \
	"posix/io/sync/fdatasync 5 input/output error" "posix/io/rw/pwrite 28 no space left"; do
	set -- $fault
	fp=$1 errno=$2
	shift 2
	what="$*"
	op=$(s3gc-vault new-op)
	with_fault "$fp" "$errno" s3gc-vault put --op "$op" < list > out 2> err
	is $? 82 "$fp fails ($what): put exits 82"
	grep -qi "$what" err
	ok $? "$fp: the message says '$what': $(head -1 err)"
	is "$(wc -c < out | tr -d ' ')" 0 "$fp: no record is written out"
	is "$(s3gc-vault show "$op" | wc -l | tr -d ' ')" 0 "$fp: the index holds nothing of it"
	with_fault "$fp" "$errno" s3gc-vault put --op "$op" < list 2> /dev/null |
		s3gc-delete --op "$op" --execute > deleted 2> /dev/null
	is "$(s3gc-list | wc -l | tr -d ' ')" 3 "$fp: put | delete --execute deletes nothing"
done
s3gc-vault log --verify > /dev/null 2> err
ok $? "the audit trail is whole after all that: $(cat err)"

# A sync failing after DeleteObjects went out: exit 82; what is gone is vaulted.
op=$(s3gc-vault new-op)
s3gc-vault put --op "$op" < list > vaulted
with_fault posix/io/sync/fdatasync 5 s3gc-delete --op "$op" --execute < vaulted > out 2> err
is $? 82 "delete with fdatasync failing: exit 82"
is "$(wc -c < out | tr -d ' ')" 0 "no record is written out"
s3gc-list | cut -f1 > left
s3gc-vault show "$op" | cut -f1 > held
is "$(cut -f1 list | grep -vxF -f left | grep -cvxF -f held)" 0 "every object gone has its copy"
s3gc-vault verify "$op" > /dev/null
ok $? "and the copies are whole"
s3gc-delete --op "$op" --execute < vaulted > out
ok $? "a rerun without the fault"
is "$(wc -l < out | tr -d ' ')" 3 "records the three deleted"
is "$(s3gc-vault log --op "$op" | grep -c '"stage":"delete".*"outcome":"deleted"')" 3 \
	"and the trail says so"

done_testing
