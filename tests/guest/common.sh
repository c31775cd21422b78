# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the guest suites: TAP lines that the host counts, and the
# NVMe scratch disk.
T=0
# What the host says about this guest (scripts/lib.sh build_initramfs
# GUEST_ENV): on arm64 ARM64_POOL="BASE SIZE" (the device tree's pool node)
# and EXPECT_COHERENT (0 when the device tree makes edu non-coherent);
# DMA_ONLY=1 in the x86 cells that change only the DMA mapping (check.sh).
[ -f /guest/env ] && . /guest/env
ARCH=$(uname -m)
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
# test line still counts as a failure.  Logs how long it took (budget).
# The output is printed when the binary ends (whole lines, not cut by the
# kernel's console messages); the line before it names the binary, so a
# guest that dies meanwhile still says what was running.
run_tap() {
	local t0 t1
	echo "# run_tap $*: started"
	t0=$(cut -d' ' -f1 /proc/uptime)
	"$@" > /tmp/tap.out 2>&1
	rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	cat /tmp/tap.out
	echo "# run_tap $*: $(awk "BEGIN { print $t1 - $t0 }") s"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' /tmp/tap.out; then
		notok "$1 exited with status $rc"
	fi
}
# kmod_params NAME: the parameters load_kmod gives module NAME.
# vivid: two instances with only a video capture node and one webcam input
# each (no HDMI, so no CEC adapter; no error-injection controls), the
# first with the vmalloc allocator, the second with dma-contig
# (tests/dmabuf_test.c captures into bigphys dma-bufs with both).
kmod_params() {
	case $1 in
	vivid) echo "n_devs=2 node_types=0x1,0x1 allocators=0,1 num_inputs=1,1" \
		"input_types=0,0 no_error_inj=1" ;;
	esac
}
# load_kmod NAME: loads Debian's module NAME from /guest/modules after what
# it depends on (scripts/lib.sh guest_kmods wrote "NAME: DEP..." lines to
# /guest/modules/deps), with its kmod_params.  Already loaded is fine.
load_kmod() {
	local m=$1 d
	grep -q "^$m " /proc/modules && return 0
	for d in $(sed -n "s/^$m://p" /guest/modules/deps); do
		load_kmod "$d" || return 1
	done
	# shellcheck disable=SC2046
	insmod "/guest/modules/$m.ko" $(kmod_params "$m") ||
		{ echo "# load_kmod: insmod $m failed"; return 1; }
}
# load_nvme: loads Debian's nvme driver (load_kmod) and waits for the
# scratch disk that run_vm attaches; devtmpfs creates /dev/nvme0n1 once the
# controller's asynchronous probe has scanned its namespace.
# Exports BIGPHYS_TEST_DISK=/dev/nvme0n1 (tests/page_test.c may overwrite
# it; it skips the disk tests when the variable is unset).  Returns 1 when
# the disk does not appear within 30 s.
load_nvme() {
	local t0 t1 i=0
	t0=$(cut -d' ' -f1 /proc/uptime)
	load_kmod nvme
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
