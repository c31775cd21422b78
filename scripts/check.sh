#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make check`: static checks, then the VM suite in every cell of the
# matrix, then a deliberately broken module that the suite must reject.
# Last line: "N passed, N failed, N skipped".
#   default cells: {6.1, 6.12} x {plain, iommu, swiotlb}, 6.1:iommu-pt
#   (identity IOMMU domain), 6.1-rt:plain (PREEMPT_RT), 6.12:debug
#   (KFENCE, slub_debug, page poisoning), 6.12:scale (4 edu devices, a
#   1 GiB pool: tests/guest/scale.sh, not the whole suite), and arm64:
#   {6.1, 6.12} x {arm64, arm64-nc}: Debian's arm64 kernels under
#   qemu-system-aarch64 -M virt, the pool from the device tree, edu cache
#   coherent (arm64) or not (arm64-nc: dma-coherent deleted from the PCIe
#   host node); scripts/arm64-lib.sh.
#   KERNELS="6.1" CONFIGS="plain" make check   one cell, no extras
#   CELLS="6.1-rt:plain" make check            exactly these cells
#   MUTANTS=0                                  skip the broken-build check
set -u
. "$(dirname "$0")/lib.sh"
# Packaging checks (man pages, make install, DKMS): pkg_* functions.
. "$(dirname "$0")/pkg.sh"
# The arm64 cells: cross builds, the device tree, qemu-system-aarch64.
. "$(dirname "$0")/arm64-lib.sh"

full=1
[ -n "${CELLS:-}${KERNELS:-}${CONFIGS:-}" ] && full=0
MUTANTS=${MUTANTS:-$full}
if [ -z "${CELLS:-}" ]; then
	for k in ${KERNELS:-6.1 6.12}; do
		for c in ${CONFIGS:-plain iommu swiotlb}; do
			CELLS="${CELLS:-} $k:$c"
		done
	done
	[ $full = 1 ] && CELLS="$CELLS 6.1:iommu-pt 6.1-rt:plain 6.12:debug 6.12:scale 6.1:arm64 6.12:arm64 6.1:arm64-nc 6.12:arm64-nc"
fi
VM_TIMEOUT=${VM_TIMEOUT:-900}
# The x86 guests run both vCPUs in one host thread.  With a thread per vCPU
# (QEMU 7.2's MTTCG) a guest now and then hangs for good while the kernel
# live-patches its text (text_poke_bp, enabling a tracepoint: obs_test,
# coherence_test): the patching CPU waits in smp_call_function_many_cond
# while the other traps over and over on an int3 at a site whose memory
# holds the patched jmp: a stale translation (seen once in the 6.1:iommu
# cell: soft lockups until the cell's timeout).  A cell takes as long
# either way: the guests mostly wait for edu.  The arm64 cells keep MTTCG:
# arm64 patches one branch instruction in place (no int3 protocol, no
# cross-CPU wait), and no hang has been seen there.
export VM_ACCEL=${VM_ACCEL:-tcg,thread=single}
# edu runs with dma_mask=0xffffffffffffffff (see run_vm): tell the driver.
export GUEST_MODOPTS="dma_bits=64"

ensure_deps
build_user
: > "$BUILD/recap.txt"

# static NAME CMD...: a host-side check counted like a test.
static() {
	local name=$1; shift
	if "$@" > "$BUILD/static.out" 2>&1; then
		TOTAL_PASS=$((${TOTAL_PASS:-0} + 1)); echo "ok - static: $name"
	else
		TOTAL_FAIL=$((${TOTAL_FAIL:-0} + 1))
		{ echo "not ok - static: $name"; cat "$BUILD/static.out"; } |
			recap static
	fi
}
# include/libbigphys.h is user space (libbigphys), not kernel code.
SOURCES=$(cd "$TOP" && ls bigphys_*.c include/bigphys_*.h include/uapi/*.h)
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
static "man pages: mandoc -T lint, groff warnings" pkg_man_lint
static "man pages name every ioctl, module parameter and bigphysctl command" \
	pkg_man_complete

arm64_sparse() {
	local out=$A64/mod-$AKVER
	make -s -C "$AKDIR" ARCH=arm64 CROSS_COMPILE=$CROSS M="$out" C=2 modules \
		2>&1 | tee "$A64/sparse.log"
	! grep -qE 'warning:|error:' "$A64/sparse.log"
}
# arm64_run K C: one arm64 cell (the whole suite, as on x86).
arm64_run() {
	[ -n "${arm64_ready:-}" ] || { arm64_setup; arm64_user all; arm64_ready=1; }
	arm64_fetch "$1"
	arm64_build_module
	if [ "${built#* $1-arm64 }" = "$built" ]; then
		built="$built$1-arm64 "
		static "W=1 build without warnings, $AKVER (cross)" \
			sh -c "! grep -E 'warning|error' $A64/mod-$AKVER/build.log"
		static "sparse (C=2), $AKVER" arm64_sparse
	fi
	arm64_cell "$1" "$2" "$BUILD/vm-$1-$2.log" "$VM_TIMEOUT" check
	parse_log "$BUILD/vm-$1-$2.log"
}

built=" "
for cell in $CELLS; do
	k=${cell%%:*} c=${cell#*:}
	case $c in arm64|arm64-nc) arm64_run "$k" "$c"; continue ;; esac
	kernel_fetch "$k"
	build_module "$KVER" "$KDIR"
	if [ "${built#* $k }" = "$built" ]; then
		built="$built$k "
		static "W=1 build without warnings, $KVER" \
			sh -c "! grep -E 'warning|error' $BUILD/mod-$KVER/build.log"
		static "sparse (C=2), $KVER" sparse_clean
		# DKMS with private trees, for each kernel; make install once.
		static "DKMS add/build/install/remove (private trees), $KVER" \
			pkg_dkms_check "$KVER" "$KDIR"
		[ "$built" = " $k " ] &&
			static "make install into a DESTDIR: the tree, modes, .pc, modinfo, $KVER" \
				pkg_install_check "$KVER" "$KDIR"
	fi
	initrd=$BUILD/initrd-check.gz
	# The scale cell runs its own small suite (run_vm's scale layout).
	suite=check
	[ "$c" = scale ] && suite=scale
	# The IOMMU and swiotlb cells change only the DMA mapping: they run the
	# DMA paths, the plain cell the CPU-side parts (tests/guest/check.sh).
	genv=
	case $c in iommu|iommu-pt|swiotlb) genv=DMA_ONLY=1 ;; esac
	# Timing tests that need the vCPUs to run at once skip (alloc_test).
	case $VM_ACCEL in *thread=single*)
		genv="$genv"$'\nexport BIGPHYS_VCPUS_ONE_THREAD=1' ;;
	esac
	GUEST_ENV=$genv build_initramfs "$initrd" "$MODULE" $suite
	run_vm "$VMLINUZ" "$initrd" "$BUILD/vm-$k-$c.log" "$VM_TIMEOUT" "$c"
	parse_log "$BUILD/vm-$k-$c.log"
done

# Mutation check: each tests/mutants/*.patch breaks one check in the module;
# the test it names must fail against that build, or the suite is too weak.
if [ "$MUTANTS" = 1 ]; then
	for m in "$TOP"/tests/mutants/*.patch; do
		name=$(basename "$m" .patch)
		static "mutant $name is caught" bash "$TOP/scripts/mutant.sh" "$m"
	done
fi
# Again what failed, where CI's tail of the output shows it.
if [ -s "$BUILD/recap.txt" ]; then
	echo "== what failed (full logs in $BUILD):"
	head -n 60 "$BUILD/recap.txt"
fi
echo "${TOTAL_PASS:-0} passed, ${TOTAL_FAIL:-0} failed, ${TOTAL_SKIP:-0} skipped"
[ "${TOTAL_FAIL:-0}" -eq 0 ]
