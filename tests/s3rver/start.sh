#!/bin/sh
# usage: tests/s3rver/start.sh DIR [proxy.js options, e.g. --bucket NAME ...]
#
# Installs the node modules if missing (npm ci from package-lock.json), starts
# proxy.js (s3rver behind the SigV4-verifying proxy) in the background with its data
# in DIR/data, waits up to 30 s for it to listen, prints its port on stdout and
# writes its PID to DIR/s3rver.pid.  Log: DIR/s3rver.log.  Stop it with stop.sh DIR.
# Environment: S3GC_TEST_ACCESS_KEY / S3GC_TEST_SECRET_KEY (credentials, defaults
# s3gcTESTKEY / s3gcTESTSECRET), S3GC_S3RVER_PORT (port to listen on, default: any).
set -eu

if [ $# -lt 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR [--bucket NAME]... [proxy.js options]" >&2
	exit 2
fi
dir=$1
shift
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
mkdir -p -- "$dir"
dir=$(CDPATH= cd -- "$dir" && pwd)

if ! command -v node >/dev/null 2>&1; then
	echo "start.sh: node is not installed" >&2
	exit 1
fi

# A read-only copy of the tree (make distcheck) borrows another's modules.
if [ -n "${S3GC_NODE_MODULES:-}" ] && [ -d "$S3GC_NODE_MODULES" ]; then
	NODE_PATH=$S3GC_NODE_MODULES
	export NODE_PATH
fi

need_install() {
	if [ -n "${NODE_PATH:-}" ] && (cd "$here" && node -e "for (const m of ['s3rver', '@smithy/signature-v4', '@smithy/hash-node']) require.resolve(m)") >/dev/null 2>&1; then
		return 1
	fi
	[ -f "$here/node_modules/.package-lock.json" ] || return 0
	[ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ] && return 0
	(cd "$here" && node -e "for (const m of ['s3rver', '@smithy/signature-v4', '@smithy/hash-node']) require.resolve(m)") >/dev/null 2>&1 || return 0
	return 1
}
if need_install; then
	# serialise concurrent installs (parallel test jobs)
	lock="$here/.npm-ci.lock"
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$lock"
		flock 9
	fi
	if need_install; then
		if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >"$dir/npm-ci.log" 2>&1; then
			echo "start.sh: 'npm ci' failed in $here:" >&2
			cat "$dir/npm-ci.log" >&2
			exit 1
		fi
	fi
	if command -v flock >/dev/null 2>&1; then
		flock -u 9
		exec 9>&-
	fi
fi

if [ -f "$dir/s3rver.pid" ]; then
	old=$(cat "$dir/s3rver.pid")
	if [ -n "$old" ] && kill -0 "$old" 2>/dev/null && tr '\0' ' ' <"/proc/$old/cmdline" 2>/dev/null | grep -q 'proxy\.js'; then
		echo "start.sh: already running in $dir (pid $old); stop it with stop.sh first" >&2
		exit 1
	fi
fi
rm -f "$dir/s3rver.port" "$dir/s3rver.pid"

node --openssl-legacy-provider "$here/proxy.js" \
	--port "${S3GC_S3RVER_PORT:-0}" --port-file "$dir/s3rver.port" --dir "$dir/data" "$@" \
	</dev/null >>"$dir/s3rver.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/s3rver.pid"

i=0
while [ ! -s "$dir/s3rver.port" ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "start.sh: the proxy exited during start-up; end of $dir/s3rver.log:" >&2
		tail -n 40 "$dir/s3rver.log" >&2
		rm -f "$dir/s3rver.pid"
		exit 1
	fi
	i=$((i + 1))
	if [ "$i" -ge 300 ]; then
		echo "start.sh: no port file after 30 s; end of $dir/s3rver.log:" >&2
		tail -n 40 "$dir/s3rver.log" >&2
		kill "$pid" 2>/dev/null || true
		rm -f "$dir/s3rver.pid"
		exit 1
	fi
	sleep 0.1
done
cat "$dir/s3rver.port"
