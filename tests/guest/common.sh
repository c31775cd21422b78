# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the guest suites: TAP lines that the host counts, and the
# NVMe scratch disk.
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
# load_nvme: loads Debian's nvme driver and what it needs from
# /guest/modules (in the order scripts/lib.sh guest_kmods resolved) and waits
# for the scratch disk that run_vm attaches; devtmpfs creates /dev/nvme0n1
# once the controller's asynchronous probe has scanned its namespace.
# Exports BIGPHYS_TEST_DISK=/dev/nvme0n1 (tests/page_test.c may overwrite
# it; it skips the disk tests when the variable is unset).  Returns 1 when
# the disk does not appear within 30 s.
load_nvme() {
	local m t0 t1 i=0
	t0=$(cut -d' ' -f1 /proc/uptime)
	for m in $(cat /guest/modules/order); do
		# Already loaded (a second call) is fine.
		grep -q "^${m%.ko} " /proc/modules && continue
		insmod "/guest/modules/$m" || echo "# load_nvme: insmod $m failed"
	done
	while [ ! -b /dev/nvme0n1 ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	t1=$(cut -d' ' -f1 /proc/uptime)
	if [ ! -b /dev/nvme0n1 ]; then
		echo "# load_nvme: no /dev/nvme0n1 after $t0..$t1 s of uptime"
		dmesg | grep -i nvme | sed 's/^/# /'
		return 1
	fi
	echo "# load_nvme: /dev/nvme0n1 ready, $(cat /sys/block/nvme0n1/size) sectors, uptime $t0 -> $t1 s"
	export BIGPHYS_TEST_DISK=/dev/nvme0n1
}
