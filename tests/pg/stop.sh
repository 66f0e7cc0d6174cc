#!/bin/sh
# usage: tests/pg/stop.sh [--rm] DIR
# Stops the cluster that start.sh DIR started: immediate shutdown (SIGQUIT to
# the postmaster, SIGKILL to it and its children after 10 s) and waits until
# it is gone.  Removes nothing unless --rm: then it also deletes the cluster's
# home (DIR/pg.base) and start.sh's files in DIR.  No-op if nothing runs.
set -eu

rm=0
if [ "${1:-}" = --rm ]; then rm=1; shift; fi
if [ "${2:-}" = --rm ]; then rm=1; fi
if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
	echo "usage: $0 [--rm] DIR" >&2
	exit 2
fi
dir=$1
[ -d "$dir" ] || exit 0

base=
[ -f "$dir/pg.base" ] && base=$(cat "$dir/pg.base")
pid=
if [ -n "$base" ] && [ -f "$base/data/postmaster.pid" ]; then
	pid=$(head -n 1 "$base/data/postmaster.pid")
elif [ -f "$dir/pg.pid" ]; then
	pid=$(cat "$dir/pg.pid")
fi
case $pid in *[!0-9]*) pid= ;; esac

alive() {
	kill -0 "$pid" 2>/dev/null || return 1
	state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$pid/stat" 2>/dev/null || true)
	[ "$state" != "Z" ]
}
ours() { # the PID is a postgres whose data directory is ours
	[ -n "$base" ] || return 1
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
	case $exe in */postgres) ;; *) return 1 ;; esac
	tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$base/data"
}

if [ -n "$pid" ] && alive && ours; then
	kill -QUIT "$pid" 2>/dev/null || true
	i=0
	while alive; do
		i=$((i + 1))
		if [ "$i" -ge 200 ]; then
			kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
			# shellcheck disable=SC2086
			kill -KILL "$pid" $kids 2>/dev/null || true
			sleep 0.2
			break
		fi
		sleep 0.05
	done
fi
rm -f "$dir/pg.pid" "$dir/pg.port"

if [ "$rm" = 1 ]; then
	case $base in
	*/s3gc-pg.*) [ -d "$base" ] && rm -rf -- "$base" ;;
	esac
	rm -f "$dir/pg.base" "$dir/pg.env" "$dir/data" "$dir/pg.log"
	rmdir -- "$dir" 2>/dev/null || true
fi
exit 0
