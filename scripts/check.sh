#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make check`: static checks, then the VM suite for every kernel and DMA
# configuration asked for.  Last line: "N passed, N failed".
#   KERNELS="6.1 6.12"   CONFIGS="plain iommu swiotlb"
set -u
. "$(dirname "$0")/lib.sh"

KERNELS=${KERNELS:-6.1 6.12}
CONFIGS=${CONFIGS:-plain iommu swiotlb}
VM_TIMEOUT=${VM_TIMEOUT:-900}
# edu runs with dma_mask=0xffffffffffffffff (see run_vm): tell the driver.
export GUEST_MODOPTS="dma_bits=64"

ensure_deps
build_user

# static NAME CMD...: a host-side check counted like a test.
static() {
	local name=$1; shift
	if "$@" > "$BUILD/static.out" 2>&1; then
		TOTAL_PASS=$((${TOTAL_PASS:-0} + 1)); echo "ok - static: $name"
	else
		TOTAL_FAIL=$((${TOTAL_FAIL:-0} + 1)); echo "not ok - static: $name"
		cat "$BUILD/static.out"
	fi
}
SOURCES=$(cd "$TOP" && ls bigphys_*.c include/*.h include/uapi/*.h)
checkpatch() {
	(cd "$TOP" && perl "$LSRC/scripts/checkpatch.pl" --strict --no-tree \
		--quiet --terse -f $SOURCES)
}
sparse_clean() {
	local out=$BUILD/mod-$KVER
	make -s -C "$KDIR" M="$out" C=2 modules 2>&1 | tee "$BUILD/sparse.log"
	! grep -qE 'warning:|error:' "$BUILD/sparse.log"
}
static "checkpatch --strict" checkpatch

for k in $KERNELS; do
	kernel_fetch "$k"
	build_module "$KVER" "$KDIR"
	static "W=1 build without warnings, $KVER" \
		sh -c "! grep -E 'warning|error' $BUILD/mod-$KVER/build.log"
	static "sparse (C=2), $KVER" sparse_clean
	for c in $CONFIGS; do
		initrd=$BUILD/initrd-check.gz
		build_initramfs "$initrd" "$MODULE" check
		run_vm "$VMLINUZ" "$initrd" "$BUILD/vm-$k-$c.log" "$VM_TIMEOUT" "$c"
		parse_log "$BUILD/vm-$k-$c.log"
	done
done
echo "${TOTAL_PASS:-0} passed, ${TOTAL_FAIL:-0} failed, ${TOTAL_SKIP:-0} skipped"
[ "${TOTAL_FAIL:-0}" -eq 0 ]
