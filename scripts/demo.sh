#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make demo`, the main job: build bigphys and the example, boot Debian 6.1
# under QEMU with the edu device and memmap=, load the module, run the
# boot-config demo (examples/boot_config.c) and print what it measured.
set -u
. "$(dirname "$0")/lib.sh"
export GUEST_MODOPTS="dma_bits=64"
# The baseline maps BAR0 through sysfs while bigphys owns it: needs iomem=relaxed.
export GUEST_APPEND="iomem=relaxed"

ensure_deps
build_user
kernel_fetch "${KERNEL:-6.1}"
build_module "$KVER" "$KDIR"
build_initramfs "$BUILD/initrd-demo.gz" "$MODULE" demo
run_vm "$VMLINUZ" "$BUILD/initrd-demo.gz" "$BUILD/vm-demo.log" 300 "${CONFIG:-plain}"
tr -d '\r' < "$BUILD/vm-demo.log" | sed -n '/^DEMO-BEGIN/,/^DEMO-END/p' |
	grep -v '^\[ *[0-9.]*\]'
if tr -d '\r' < "$BUILD/vm-demo.log" | grep -qE "$BAD_LOG"; then
	die "the guest kernel complained: see $BUILD/vm-demo.log"
fi
tr -d '\r' < "$BUILD/vm-demo.log" | grep -q '^DEMO-END rc=0' ||
	die "demo failed: see $BUILD/vm-demo.log"
echo "demo: verified push and readback (log: $BUILD/vm-demo.log)"
