#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make demo`, the main job: build bigphys and the example, boot Debian 6.1
# under QEMU with the edu device and memmap=, load the module, run the
# boot-config demo (examples/boot_config.c) and print what it measured.
# `make demo ARCH=arm64`: the same on Debian's arm64 6.12 (KERNEL=6.1 for
# 6.1) under qemu-system-aarch64 -M virt, the pool from the device tree
# (scripts/arm64-lib.sh; CONFIG=arm64-nc: edu not cache coherent).
set -u
. "$(dirname "$0")/lib.sh"
export GUEST_MODOPTS="dma_bits=64"
# The baseline maps BAR0 through sysfs while bigphys owns it: needs iomem=relaxed.
export GUEST_APPEND="iomem=relaxed"

ensure_deps
if [ "${ARCH:-}" = arm64 ]; then
	. "$(dirname "$0")/arm64-lib.sh"
	arm64_setup
	arm64_user
	arm64_fetch "${KERNEL:-6.12}"
	arm64_build_module
	arm64_cell "${KERNEL:-6.12}" "${CONFIG:-arm64}" "$BUILD/vm-demo.log" 300 demo
else
	build_user
	kernel_fetch "${KERNEL:-6.1}"
	build_module "$KVER" "$KDIR"
	build_initramfs "$BUILD/initrd-demo.gz" "$MODULE" demo
	run_vm "$VMLINUZ" "$BUILD/initrd-demo.gz" "$BUILD/vm-demo.log" 300 "${CONFIG:-plain}"
fi
tr -d '\r' < "$BUILD/vm-demo.log" | sed -n '/^DEMO-BEGIN/,/^DEMO-END/p' |
	grep -v '^\[ *[0-9.]*\]'
if tr -d '\r' < "$BUILD/vm-demo.log" | grep -qE "$BAD_LOG"; then
	die "the guest kernel complained: see $BUILD/vm-demo.log"
fi
tr -d '\r' < "$BUILD/vm-demo.log" | grep -q '^DEMO-END rc=0' ||
	die "demo failed: see $BUILD/vm-demo.log"
echo "demo: verified push and readback (log: $BUILD/vm-demo.log)"
