#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# arm64 groundwork (issue 14), OPT-IN: nothing here runs from make check,
# make demo or make bench, and nothing here is in HOST_PKGS.
#
#   scripts/arm64.sh build [6.1|6.12]...   cross-build bigphys.ko (W=1) against
#                                          Debian's arm64 kernels (default both)
#   scripts/arm64.sh boot  [6.1|6.12]      boot that kernel (default 6.12) in
#                                          qemu-system-aarch64 -M virt with edu
#                                          and run scripts/arm64-probe.sh
#   scripts/arm64.sh all                   build both, boot both
#   ARM64_NONCOHERENT=1, ARM64_DT_POOL="BASE SIZE" (boot): experimental
#                                          device-tree changes (arm64_dtb)
#   ARM64_TESTS="alloc_test mmap_test" (boot): also run these test binaries
#                                          (cross-built) on the fallback pool
#   (make arm64-build / make arm64-boot do the first two.)
#
# What it does.  Needs root (or sudo) once: `dpkg --add-architecture arm64`
# and apt-get update (only when arm64 is not a foreign architecture yet),
# then apt installs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross,
# qemu-system-arm, the amd64
# linux-kbuild-VERSION of each kernel, and downloads (apt-get download, never
# installed) linux-headers-KVER:arm64, its linux-headers-*-common,
# linux-image-KVER-unsigned:arm64, busybox-static:arm64 and
# liburing-dev:arm64, extracted with dpkg-deb -x under build/arm64/.
# Kernels: 6.1 = what linux-headers-arm64:arm64 depends on (bookworm;
# 6.1.0-57-arm64 when written), 6.12 = ARM64_KVER_612 (default
# 6.12.111+deb12-arm64, bookworm-security, the same version kernel_fetch
# uses for amd64).
#
# The arm64 headers package's scripts/ and tools/ are symlinks to
# ../../lib/linux-kbuild-VERSION/, whose arm64 package holds arm64 binaries
# (fixdep, modpost, ...): the extracted tree's usr/lib/linux-kbuild-VERSION
# is a symlink to the build machine's own amd64 linux-kbuild-VERSION
# (same source version, host tools built for amd64).  The headers'
# Makefile includes /usr/src/linux-headers-*-common/Makefile by absolute
# path: it is pointed at the extracted -common package instead.  The module
# is then built with make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- W=1
# (the headers' .kernelvariables wants gcc-12: aarch64-linux-gnu-gcc-12 is
# bookworm's cross compiler).  User space (bigphysctl, boot_config) is built
# static with aarch64-linux-gnu-gcc against liburing-dev:arm64's liburing.a.
#
# Findings (Dec 2026, 2-core amd64 build machine, TCG):
#  - Both 6.1.0-57-arm64 and 6.12.111+deb12-arm64 build W=1 clean with the
#    shims in include/bigphys_compat.h (CONFIG_ARM64): bigphys_flush_dcache()
#    = arch_wb_cache_pmem() + arch_invalidate_pmem() (the only exported
#    clean+invalidate to the PoC); set_memory_wc/uc/wb() (x86 only) become
#    cache maintenance on the page-allocator pool, the direct map staying
#    cacheable (a mismatched alias, like dma-direct's remap); Debian's 6.1
#    arm64 kernel has no CONFIG_ZONE_DEVICE, so memremap_pages() is a stub
#    there and the page-backed part (pages_base=) is refused with
#    -EOPNOTSUPP.  x86 objects are unchanged (same disassembly).
#  - sparse (C=2) is clean on both arm64 trees too.
#  - Boot (make arm64-boot, ~2 min for both builds and both boots): both
#    Debian arm64 kernels boot to the busybox shell under TCG; edu is
#    0000:00:01.0 on the virt machine's PCIe, MSI through the GICv3 ITS.
#    insmod without parameters loads (4 MiB page-allocator pool) but edu's
#    probe fails: "cannot use a 28-bit DMA mask" (virt's RAM starts at
#    1 GiB; edu's default mask reaches none of it), so the probe reloads
#    with dma_bits=64: edu binds ("edu, 64-bit DMA, MSI"); alloc/load/
#    push/readback of 4092 bytes through edu with the ioctl backend come
#    back byte for byte for WC, WB and UC regions; boot_config (the demo's
#    program) verifies with the ioctl and the default SQPOLL backends;
#    rmmod is clean; no Oops/WARNING/BUG in the log (30 ok per kernel).
#  - ARM64_NONCOHERENT=1 scripts/arm64.sh boot 6.12: the tree without
#    dma-coherent on pcie@10000000 boots and the probe passes the same 30
#    tests: TCG models no caches, so data never shows staleness; tests of
#    the non-coherent cell must check what the module does (cache
#    maintenance or a documented refusal), not the bytes.
#  - ARM64_DT_POOL="0x50000000 0x4000000" scripts/arm64.sh boot 6.12: the
#    kernel honours the no-map node ("OF: reserved mem: ... nomap
#    non-reusable bigphys@50000000"), /proc/iomem shows
#    "50000000-53ffffff : reserved" at the top level between two System
#    RAM ranges, but insmod pool_base=0x50000000 pool_size=0x4000000 fails
#    with EINVAL, "is not wholly a reserved memory range: reserve it at
#    boot with memmap=...": arm64 registers no-map memblock ranges as
#    resources named "reserved" with desc IORES_DESC_NONE, not
#    IORES_DESC_RESERVED, which bigphys_range_claim() walks for (and the
#    hint names x86's memmap=).  The DT pool has to come from
#    of_reserved_mem_lookup() (issue 14), not from that walk.
#  - ARM64_TESTS: tests/*_test cross-build; on the fallback pool alloc,
#    mmap (PAT checks skip), page, dma, uring, lib, lifecycle, stress and
#    obs tests pass; fuzz_test mmap_edges fails (its model assumes x86-64's
#    47-bit TASK_SIZE: len 1<<47 gets EINVAL, not ENOMEM), regress_test
#    unbind_clears_master_first sees no dma_unmap_resource in the function
#    trace, submit_races_unbind fails on 6.1 (no uffd write-protect on
#    arm64 6.1), dmabuf_test lacks vgem/vivid (not loaded by the probe)
#    and, on 6.12, /dev/dma_heap/system (no CONFIG_DMABUF_HEAPS on arm64).
#
# Not done yet (issue 14): the pool from a DT /reserved-memory node (there is
# no memmap= on arm64: without parameters the module uses its page-allocator
# fallback pool); a non-coherent cell (dma-coherent removed from the PCIe
# host node) and correct DMA for non-coherent devices (dma_map_resource()
# does no cache maintenance: WB regions would be stale on real non-coherent
# hardware); the x86 PAT tests made architecture-specific; the
# tests/guest suite, sparse and checkpatch for arm64; make check cells.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

A64=$BUILD/arm64
CROSS=aarch64-linux-gnu-
mkdir -p "$A64"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

arm64_setup() {
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		log "adding the arm64 architecture to dpkg (for apt-get download PKG:arm64)"
		as_root dpkg --add-architecture arm64
		as_root apt-get update -qq >/dev/null ||
			die "apt-get update failed"
	fi
	# libc6-dev-arm64-cross is only a Recommends of the cross gcc, and
	# apt_install installs without them: the static user space needs it.
	apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
}

# _a64_field PKG FIELD: a field of the candidate version of PKG.
_a64_field() {
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		sed -n "s/^$2: //p" | head -1
}

# _a64_extract DIR PKG...: apt-get download PKG... and dpkg-deb -x into DIR
# (once: DIR/.done lists what was extracted).
_a64_extract() {
	local dir=$1 d; shift
	[ "$(cat "$dir/.done" 2>/dev/null)" = "$*" ] && return 0
	log "downloading $*"
	rm -rf "$dir"; mkdir -p "$dir/debs"
	(cd "$dir/debs" && apt-get download -qq "$@" >/dev/null 2>&1) ||
		die "cannot download $*"
	for d in "$dir"/debs/*.deb; do
		dpkg-deb -x "$d" "$dir" || die "cannot extract $d"
	done
	rm -rf "$dir/debs"
	echo "$*" > "$dir/.done"
}

# arm64_fetch NAME (6.1 or 6.12): sets AKVER, AKDIR (the headers to build
# against), AVMLINUZ and AROOT (the extracted packages).
arm64_fetch() {
	case "$1" in
	6.1) AKVER=$(_a64_field linux-headers-arm64:arm64 Depends |
		     sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p') ;;
	6.12) AKVER=${ARM64_KVER_612:-6.12.111+deb12-arm64} ;;
	*) die "unknown kernel $1 (6.1, 6.12)" ;;
	esac
	[ -n "$AKVER" ] || die "cannot tell the arm64 kernel version of $1"
	local hdr=linux-headers-$AKVER dep common kbuild
	dep=$(_a64_field "$hdr:arm64" Depends)
	[ -n "$dep" ] || die "no package $hdr:arm64 (apt-get update?)"
	common=$(echo "$dep" | tr ',' '\n' | sed -n 's/^ *\(linux-headers-[^ ]*-common\).*/\1/p' | head -1)
	kbuild=$(echo "$dep" | tr ',' '\n' | sed -n 's/^ *\(linux-kbuild-[^ ]*\).*/\1/p' | head -1)
	if [ -z "$common" ] || [ -z "$kbuild" ]; then
		die "cannot read $hdr's dependencies: $dep"
	fi
	# The build machine's host tools (amd64) for the arm64 tree.
	apt_install "$kbuild"
	AROOT=$A64/kernels/$AKVER
	_a64_extract "$AROOT" "$hdr:arm64" "$common" "linux-image-$AKVER-unsigned:arm64"
	mkdir -p "$AROOT/usr/lib"
	ln -sfn "/usr/lib/$kbuild" "$AROOT/usr/lib/$kbuild"
	AKDIR=$AROOT/usr/src/$hdr
	sed -i "s|^include /usr/src/\(linux-headers-[^/]*-common\)/Makefile|include $AROOT/usr/src/\1/Makefile|" \
		"$AKDIR/Makefile"
	AVMLINUZ=$AROOT/boot/vmlinuz-$AKVER
	[ -f "$AVMLINUZ" ] || die "no $AVMLINUZ"
}

# arm64_build_module: bigphys.ko for AKVER in build/arm64/mod-AKVER, W=1;
# fails on any compiler warning.  Sets AMODULE.
arm64_build_module() {
	local out=$A64/mod-$AKVER f
	mkdir -p "$out/include/uapi"
	for f in $(cd "$TOP" && echo Kbuild bigphys_*.c include/*.h include/uapi/*.h); do
		cmp -s "$TOP/$f" "$out/$f" || cp "$TOP/$f" "$out/$f"
	done
	log "building bigphys.ko for $AKVER (ARCH=arm64 W=1)"
	make -C "$AKDIR" ARCH=arm64 CROSS_COMPILE=$CROSS M="$out" W=1 modules \
		> "$out/build.log" 2>&1 ||
		{ cat "$out/build.log" >&2; die "arm64 module build failed for $AKVER"; }
	if grep -q 'warning:' "$out/build.log"; then
		grep 'warning:' "$out/build.log" >&2
		die "arm64 module build for $AKVER has warnings"
	fi
	AMODULE=$out/bigphys.ko
	log "$AMODULE: $(modinfo -F vermagic "$AMODULE")"
}

# arm64_user: static arm64 bigphysctl and boot_config in build/arm64/user
# (libbigphys with liburing-dev:arm64's liburing.a); with ARM64_TESTS
# ("alloc_test mmap_test ...") all of make user (the tests need the
# kselftest headers of linux-source-6.1: ensure_deps).
arm64_user() {
	local r=$A64/userlibs
	_a64_extract "$r" liburing-dev:arm64 busybox-static:arm64
	log "building static arm64 user space"
	make -s -C "$TOP" BUILD="$A64" \
		UCC="${CROSS}gcc -I$r/usr/include -L$r/usr/lib/aarch64-linux-gnu" \
		"$A64/user/bigphysctl" "$A64/user/boot_config" >&2 ||
		die "arm64 user-space build failed"
	[ -n "${ARM64_TESTS:-}" ] || return 0
	ensure_deps
	make -s -C "$TOP" BUILD="$A64" LSRC="$LSRC" \
		UCC="${CROSS}gcc -I$r/usr/include -L$r/usr/lib/aarch64-linux-gnu" \
		user >&2 || die "arm64 user-space build (tests) failed"
}

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

# arm64_dtb OUT: QEMU's virt tree (dumpdtb, same machine options as
# arm64_boot), changed by ARM64_DT_POOL="BASE SIZE" (hex): a
# /reserved-memory node, no-map, compatible "bigphys,pool" (experimental:
# the module does not look for the node yet; the probe only tries
# pool_base=/pool_size= on it) and ARM64_NONCOHERENT=1: dma-coherent
# deleted from the PCIe host node (the kernel then treats edu as not cache
# coherent).
arm64_dtb() {
	apt_install device-tree-compiler
	local out=$1 b sz pcie
	qemu-system-aarch64 -M "virt,gic-version=3,dumpdtb=$out.base" -cpu max \
		-m 1G -smp 2 -nographic -net none \
		-device edu,dma_mask=0xffffffffffffffff >/dev/null 2>&1 ||
		die "qemu dumpdtb failed"
	dtc -q -I dtb -O dts "$out.base" > "$out.dts" || die "dtc failed on $out.base"
	if [ -n "${ARM64_DT_POOL:-}" ]; then
		# shellcheck disable=SC2086
		set -- $ARM64_DT_POOL
		b=$(($1)) sz=$(($2))
		{ printf '/ {\n\treserved-memory {\n\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n\t\tranges;\n'
		  printf '\t\tbigphys_pool: bigphys@%x {\n\t\t\tcompatible = "bigphys,pool";\n' "$b"
		  printf '\t\t\treg = <0x%x 0x%x 0x%x 0x%x>;\n\t\t\tno-map;\n\t\t};\n\t};\n};\n' \
			$((b >> 32)) $((b & 0xffffffff)) $((sz >> 32)) $((sz & 0xffffffff))
		} >> "$out.dts"
	fi
	if [ -n "${ARM64_NONCOHERENT:-}" ]; then
		pcie=$(sed -n 's/^\t\(pcie@[0-9a-f]*\) {$/\1/p' "$out.dts" | head -1)
		[ -n "$pcie" ] || die "no pcie@ node in $out.dts"
		printf '&{/%s} {\n\t/delete-property/ dma-coherent;\n};\n' "$pcie" >> "$out.dts"
	fi
	dtc -q -I dts -O dtb -o "$out" "$out.dts" || die "dtc failed on $out.dts"
}

# arm64_boot: boots AVMLINUZ under qemu-system-aarch64 -M virt (GICv3 with
# an ITS, so edu gets MSI) with edu, runs the probe; log in
# build/arm64/boot-AKVER.log.  No reserved range: the module's fallback
# pool (page allocator).  iomem=relaxed as in make demo (boot_config's
# baseline maps BAR0 through sysfs while bigphys owns it).  ARM64_APPEND:
# more kernel parameters.
arm64_boot() {
	local initrd=$A64/initramfs-$AKVER.cpio.gz logf=$A64/boot-$AKVER.log
	local dtb=()
	arm64_initramfs "$initrd"
	# Experimental device-tree changes (arm64_dtb).
	if [ -n "${ARM64_DT_POOL:-}${ARM64_NONCOHERENT:-}" ]; then
		arm64_dtb "$A64/virt.dtb"
		dtb=(-dtb "$A64/virt.dtb")
		logf=$A64/boot-$AKVER${ARM64_DT_POOL:+-dtpool}${ARM64_NONCOHERENT:+-noncoherent}.log
		[ -z "${ARM64_DT_POOL:-}" ] ||
			echo "$ARM64_DT_POOL" > "$A64/initramfs-root/guest/dtpool"
		(cd "$A64/initramfs-root" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd"
	fi
	log "booting $AKVER in qemu-system-aarch64 (TCG), log in $logf"
	timeout --foreground -k 5 "${ARM64_TIMEOUT:-600}" qemu-system-aarch64 \
		-M virt,gic-version=3 -cpu max -m 1G -smp 2 -nographic \
		-no-reboot -net none -device edu,dma_mask=0xffffffffffffffff \
		-kernel "$AVMLINUZ" -initrd "$initrd" "${dtb[@]}" \
		-append "console=ttyAMA0 panic=-1 iomem=relaxed ${ARM64_APPEND:-}" </dev/null >"$logf" 2>&1
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
