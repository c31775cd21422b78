# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the guest suites: TAP lines that the host counts.
T=0
ok() { T=$((T + 1)); echo "ok $T $*"; }
notok() { T=$((T + 1)); echo "not ok $T $*"; }
# check NAME CMD...: one TAP line from a command's exit status.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
# has TEXT PATTERN: TEXT matches the (case-insensitive) grep PATTERN.
has() {
	printf '%s\n' "$1" | grep -qi "$2"
}
# run_tap BINARY [ARGS]: runs a kselftest binary; a crash with no failing
# test line still counts as a failure.
run_tap() {
	"$@" > /tmp/tap.out 2>&1
	rc=$?
	cat /tmp/tap.out
	if [ $rc -ne 0 ] && ! grep -q '^not ok' /tmp/tap.out; then
		notok "$1 exited with status $rc"
	fi
}
