#!/bin/sh
# usage: tests/s3rver/stop.sh DIR
# Stops the proxy that start.sh DIR started (SIGTERM, then SIGKILL after 10 s) and
# waits until it is gone.  No-op if it is not running.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
pidfile="$dir/s3rver.pid"
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")

alive() {
	kill -0 "$pid" 2>/dev/null || return 1
	# a zombie is gone for our purposes
	state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$pid/stat" 2>/dev/null || true)
	[ "$state" != "Z" ]
}

case $pid in
'' | *[!0-9]*) rm -f "$pidfile"; exit 0 ;;
esac
if alive && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'proxy\.js'; then
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while alive; do
		i=$((i + 1))
		if [ "$i" -ge 100 ]; then
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.2
			break
		fi
		sleep 0.1
	done
fi
rm -f "$pidfile" "$dir/s3rver.port"
