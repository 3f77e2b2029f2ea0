#!/bin/sh
# Tests of the local launcher with real processes: a command's exit status
# comes back, a restart in the same directory reuses the layout and the
# catalog, ^C and kill -9 of the launcher leave no process behind.
# usage: test_omendb_local.sh OMENDB_LOCAL [LAUNCHER OPTIONS...]
# (extra options, e.g. --coordinator-bin, are passed to every run)
set -u
launcher=$1
shift
work=$(mktemp -d "${TMPDIR:-/tmp}/omendb-local-test-XXXXXX")
# The launcher's own temporary directories (kept when a command fails) go
# here too, so that nothing outlives the test.
TMPDIR=$work
export TMPDIR
passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "ok: $1"
}
fail() {
	failed=$((failed + 1))
	echo "FAILED: $1"
}

# Which of the pids given are still alive (zombies, dead but not yet reaped
# by init, do not count).
alive() {
	for p in "$@"; do
		state=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)
		if [ -n "$state" ] && [ "$state" != Z ]; then printf ' %s' "$p"; fi
	done
}

# Waits up to 60 s for file $1 while process $2 lives.
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 600 ] && kill -0 "$2" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

test_command_status_is_returned() {
	"$launcher" --quiet --groups 1 --replicas 1 "$@" -- sh -c 'exit 3'
	status=$?
	if [ $status -eq 3 ]; then ok "exit status 3 of the command"; else fail "exit status $status, not 3"; fi
}

test_command_sees_the_cluster() {
	"$launcher" --quiet --groups 1 --replicas 1 "$@" -- sh -c \
		'test "$PGHOST" = 127.0.0.1 && test "$PGPORT" -gt 0 && test "$PGUSER" = omendb &&
		 test "$PGDATABASE" = omendb && test -f "$OMENDB_DIR/cluster.conf" &&
		 echo "$OMENDB_DIR" > '"$work/seen-dir"
	status=$?
	seen=$(cat "$work/seen-dir" 2>/dev/null)
	if [ $status -eq 0 ] && [ -n "$seen" ] && [ ! -e "$seen" ]; then
		ok "the command sees the cluster's environment; its temporary directory is removed"
	else
		fail "environment or temporary directory (status $status, dir '$seen')"
	fi
}

test_restart_reuses_the_directory() {
	dir=$work/data
	"$launcher" --dir "$dir" --groups 2 --replicas 3 "$@" -- true 2>"$work/first.err"
	first=$?
	cp "$dir/cluster.conf" "$work/first.conf" 2>/dev/null
	"$launcher" --dir "$dir" "$@" -- true 2>"$work/second.err"
	second=$?
	if [ $first -eq 0 ] && [ $second -eq 0 ] && cmp -s "$dir/cluster.conf" "$work/first.conf" &&
		grep -q "registered 3 groups" "$work/first.err" &&
		grep -q "registered already" "$work/second.err" && [ -d "$dir/g2r3" ]; then
		ok "a restart keeps the layout and registers nothing again"
	else
		fail "restart (status $first/$second); logs: $work/first.err $work/second.err"
	fi
}

test_sigint_stops_everything() {
	dir=$work/sigint
	"$launcher" --quiet --dir "$dir" --port 0 "$@" 2>"$work/sigint.err" >/dev/null &
	pid=$!
	wait_for "$dir/logs/coordinator.log" $pid
	sleep 2
	children=$(pgrep -P $pid)
	kill -INT $pid
	wait $pid
	status=$?
	left=$(alive $children)
	if [ $status -eq 0 ] && [ $(echo $children | wc -w) -eq 10 ] && [ -z "$left" ]; then
		ok "SIGINT stops the cluster's 10 processes, exit 0"
	else
		fail "SIGINT: status $status, children: $children, left:$left"
	fi
}

test_kill_9_leaves_no_child() {
	dir=$work/kill9
	"$launcher" --quiet --dir "$dir" "$@" -- sh -c "touch $work/up; exec sleep 600" &
	pid=$!
	if ! wait_for "$work/up" $pid; then
		fail "the cluster did not come up"
		kill -9 $pid 2>/dev/null
		return
	fi
	children=$(pgrep -P $pid)
	kill -9 $pid
	wait $pid 2>/dev/null
	sleep 1
	left=$(alive $children)
	if [ $(echo $children | wc -w) -eq 11 ] && [ -z "$left" ]; then
		ok "kill -9 of the launcher leaves none of its 11 children"
	else
		fail "kill -9: children: $children, alive:$left"
	fi
}

test_command_status_is_returned "$@"
test_command_sees_the_cluster "$@"
test_restart_reuses_the_directory "$@"
test_sigint_stops_everything "$@"
test_kill_9_leaves_no_child "$@"

if [ $failed -eq 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
