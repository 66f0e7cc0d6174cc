# tests/lib.sh: shared by the shell tests: TAP output, temp dirs, and the
# S3 servers (s3mem, s3rver behind the signature-checking proxy).
# Sourced by each test; expects top_srcdir and top_builddir in the environment.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
PATH="$top_builddir/tools:$top_builddir/tests/tools:$PATH"
export PATH LC_ALL=C
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 \
	S3GC_CONFIG S3GC_BUCKET S3GC_ENDPOINT S3GC_REGION
T=$(mktemp -d "${TMPDIR:-/tmp}/s3gc-test.XXXXXX")
cd "$T" || exit 99
# Empty AWS config files of our own: nothing from the machine's leaks in.
: > "$T/aws-config"
: > "$T/aws-credentials"
export AWS_ACCESS_KEY_ID=s3gcTESTKEY AWS_SECRET_ACCESS_KEY=s3gcTESTSECRET \
	AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
	AWS_CONFIG_FILE="$T/aws-config" AWS_SHARED_CREDENTIALS_FILE="$T/aws-credentials"
_t_n=0
_t_fail=0
_t_pids=

_t_cleanup() {
	for p in $_t_pids; do kill "$p" 2>/dev/null; done
	for p in $_t_pids; do wait "$p" 2>/dev/null; done
	[ -f "$T/s3rver/s3rver.pid" ] && sh "$top_srcdir/tests/s3rver/stop.sh" "$T/s3rver" >/dev/null 2>&1
	cd / && rm -rf "$T"
}
trap _t_cleanup EXIT
trap 'exit 99' INT TERM

ok() { # ok CONDITION-STATUS DESCRIPTION
	_t_n=$((_t_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_t_n - $2"
	else
		echo "not ok $_t_n - $2"
		_t_fail=$((_t_fail + 1))
	fi
}

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; diag "got '$1'" "want '$2'"; fi
}

# Compare two files; show the first differences on failure.
same_file() { # same_file GOT WANT DESCRIPTION
	if cmp -s "$1" "$2"; then ok 0 "$3"; else
		ok 1 "$3"
		diff "$1" "$2" | head -20 | sed 's/^/# /'
	fi
}

done_testing() {
	echo "1..$_t_n"
	[ "$_t_fail" -eq 0 ]
	exit $?
}

# A missing service skips the whole test, except in CI where it fails.
need() { # need WHAT REASON
	if [ "${S3GC_REQUIRE_SERVICES:-0}" = 1 ]; then
		echo "not ok 1 - $1 required: $2"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP $1: $2"
	exit 0
}

# leak_checker PROGRAM: defines check (run a command under the leak checker
# PROGRAM's build calls for: LeakSanitizer when it is built with ASan, else
# valgrind, exit 99 on a leak) and sets how to the checker's name.
leak_checker() {
	if nm "$top_builddir/tools/$1" 2>/dev/null | grep -q __asan_init; then
		check() { "$@"; }
		how=LeakSanitizer
	else
		command -v valgrind >/dev/null 2>&1 || need valgrind "valgrind is not installed (scripts/deps)"
		check() {
			valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
				--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "$@"
		}
		how=valgrind
	fi
}

_wait_file() { # _wait_file FILE SECONDS
	_i=0
	while [ ! -s "$1" ]; do
		_i=$((_i + 1))
		[ "$_i" -gt $(($2 * 10)) ] && return 1
		sleep 0.1
	done
}

# start_s3mem [s3mem options]: sets S3MEM_PORT and S3MEM_URL.
start_s3mem() {
	s3mem="$top_builddir/tests/s3mem/s3mem"
	[ -x "$s3mem" ] || need s3mem "not built"
	rm -f "$T/s3mem.port"
	"$s3mem" --port 0 --port-file "$T/s3mem.port" -q "$@" 2>"$T/s3mem.log" &
	_t_pids="$_t_pids $!"
	_wait_file "$T/s3mem.port" 20 || { cat "$T/s3mem.log" >&2; need s3mem "did not start"; }
	S3MEM_PORT=$(cat "$T/s3mem.port")
	S3MEM_URL="http://127.0.0.1:$S3MEM_PORT"
}

# Install fault rules (one per line on stdin) into the running s3mem.
s3mem_faults() {
	curl -fsS -X POST --data-binary @- "$S3MEM_URL/_s3mem/faults" >/dev/null
}

s3mem_stat() { # s3mem_stat FIELD: a counter from /_s3mem/stats
	curl -fsS "$S3MEM_URL/_s3mem/stats" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

# start_s3rver: the independent server behind the SigV4-checking proxy.
start_s3rver() {
	command -v node >/dev/null 2>&1 || need s3rver "node is not installed"
	[ -d "$top_srcdir/tests/s3rver/node_modules" ] || [ -d "${NODE_PATH:-/nonexistent}/s3rver" ] ||
		need s3rver "node modules missing (run scripts/deps)"
	mkdir -p "$T/s3rver"
	S3RVER_PORT=$(sh "$top_srcdir/tests/s3rver/start.sh" "$T/s3rver") ||
		need s3rver "did not start"
	S3RVER_URL="http://127.0.0.1:$S3RVER_PORT"
}

# Debian's AWS CLI (v2), not whatever else is first on PATH.
AWS=${S3GC_AWS:-/usr/bin/aws}
awscli() { # the AWS CLI against URL: awscli URL ARGS...
	_u=$1
	shift
	"$AWS" --endpoint-url "$_u" "$@"
}
