#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# arm64 probe: a quick look outside make check (whose arm64 cells run the
# whole suite, scripts/check.sh).
#
#   scripts/arm64.sh build [6.1|6.12]...   cross-build bigphys.ko (W=1) against
#                                          Debian's arm64 kernels (default both)
#   scripts/arm64.sh boot  [6.1|6.12]      boot that kernel (default 6.12) in
#                                          qemu-system-aarch64 -M virt with edu
#                                          and run scripts/arm64-probe.sh
#   scripts/arm64.sh all                   build both, boot both
#   ARM64_NONCOHERENT=1, ARM64_DT_POOL="BASE SIZE" (boot): device-tree
#                                          changes (arm64_dtb): edu not cache
#                                          coherent; the pool node
#   ARM64_TESTS="alloc_test mmap_test" (boot): also run these test binaries
#                                          (cross-built) after loading the
#                                          module with dma_bits=64
#   (make arm64-build / make arm64-boot do the first two.)
#
# The shared parts (packages, kernels, cross builds, the device tree, the
# VM) are in scripts/arm64-lib.sh; make check's arm64 cells use them too.
# This probe is the quick look: a boot, the module with and without the
# device-tree pool, push/readback through edu per cache type, boot_config.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/arm64-lib.sh"

# arm64_initramfs OUT: arm64 busybox, the module, the user tools, the
# probe script run by tests/guest/init.
arm64_initramfs() {
	local out=$1 root=$A64/initramfs-root
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,guest,etc/bigphys}
	cp "$A64/userlibs/bin/busybox" "$root/bin/busybox"
	cp "$TOP/tests/guest/init" "$root/init"
	cp "$TOP/scripts/arm64-probe.sh" "$root/guest/"
	cp "$AMODULE" "$root/guest/bigphys.ko"
	cp "$A64/user/bigphysctl" "$A64/user/boot_config" "$root/guest/"
	if [ -n "${ARM64_TESTS:-}" ]; then
		# shellcheck disable=SC2086
		(cd "$A64/user" && cp $ARM64_TESTS "$root/guest/") ||
			die "ARM64_TESTS: no such test binary"
		echo "$ARM64_TESTS" > "$root/guest/tests"
	fi
	cp "$TOP/examples/edu-regs.conf" "$root/etc/bigphys/"
	echo arm64-probe > "$root/guest/suite"
	chmod +x "$root/init" "$root"/guest/*
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
}

# arm64_boot: boots AVMLINUZ under qemu-system-aarch64 -M virt (GICv3 with
# an ITS, so edu gets MSI) with edu, runs the probe; log in
# build/arm64/boot-AKVER.log.  No reserved range: the module's fallback
# pool (page allocator).  iomem=relaxed as in make demo (boot_config's
# baseline maps BAR0 through sysfs while bigphys owns it).  ARM64_APPEND:
# more kernel parameters.
arm64_boot() {
	local initrd=$A64/initramfs-$AKVER.cpio.gz logf
	arm64_initramfs "$initrd"
	# Device-tree changes (arm64_dtb).
	arm64_dtb "$A64/virt.dtb" "${ARM64_DT_POOL:-}" "${ARM64_NONCOHERENT:-0}"
	logf=$A64/boot-$AKVER${ARM64_DT_POOL:+-dtpool}${ARM64_NONCOHERENT:+-noncoherent}.log
	if [ -n "${ARM64_DT_POOL:-}" ]; then
		echo "$ARM64_DT_POOL" > "$A64/initramfs-root/guest/dtpool"
		(cd "$A64/initramfs-root" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd"
	fi
	log "booting $AKVER in qemu-system-aarch64 (TCG), log in $logf"
	arm64_qemu "$AVMLINUZ" "$initrd" "$A64/virt.dtb" "$logf" "${ARM64_TIMEOUT:-600}" \
		"${ARM64_APPEND:-}"
	local rc=$?
	tr -d '\r' < "$logf" > "$logf.txt"
	grep -E '^(not )?ok |^# |^BIGPHYS-GUEST-DONE|bigphys' "$logf.txt" >&2
	grep -qE "$BAD_LOG" "$logf.txt" &&
		{ log "kernel complained:"; grep -E "$BAD_LOG" "$logf.txt" | head -5 >&2; rc=1; }
	grep -q '^not ok' "$logf.txt" && rc=1
	grep -q '^BIGPHYS-GUEST-DONE rc=0' "$logf.txt" || rc=1
	return $rc
}

cmd=${1:-build}; [ $# -gt 0 ] && shift
arm64_setup
case $cmd in
build)
	[ $# -gt 0 ] || set -- 6.1 6.12
	for k; do
		arm64_fetch "$k"; arm64_build_module
	done ;;
boot)
	arm64_fetch "${1:-6.12}"; arm64_build_module; arm64_user; arm64_boot ;;
all)
	rc=0
	for k in 6.1 6.12; do
		arm64_fetch "$k"; arm64_build_module
	done
	arm64_user
	for k in 6.1 6.12; do
		arm64_fetch "$k"; arm64_build_module; arm64_boot || rc=1
	done
	exit $rc ;;
*) die "usage: scripts/arm64.sh build|boot|all [6.1|6.12]..." ;;
esac
