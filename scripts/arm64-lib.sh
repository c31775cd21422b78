# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# arm64 (Debian's arm64 kernels under qemu-system-aarch64 -M virt with edu),
# shared by scripts/check.sh (the arm64 cells), scripts/demo.sh (ARCH=arm64)
# and scripts/arm64.sh (the opt-in probe).  Source scripts/lib.sh first.
#
# Needs root (or sudo) once: `dpkg --add-architecture arm64` and apt-get
# update (only when arm64 is not a foreign architecture yet), then apt
# installs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-system-arm,
# device-tree-compiler and the amd64 linux-kbuild-VERSION of each kernel,
# and downloads (apt-get download, never installed) linux-headers-KVER:arm64,
# its linux-headers-*-common, linux-image-KVER-unsigned:arm64,
# busybox-static:arm64 and liburing-dev:arm64, extracted with dpkg-deb -x
# under build/arm64/.  Kernels: 6.1 = what linux-headers-arm64:arm64
# depends on (bookworm; 6.1.0-57-arm64 when written), 6.12 = ARM64_KVER_612
# (default 6.12.111+deb12-arm64, bookworm-security, the version
# kernel_fetch uses for amd64).
#
# The arm64 headers package's scripts/ and tools/ are symlinks to
# ../../lib/linux-kbuild-VERSION/, whose arm64 package holds arm64 binaries
# (fixdep, modpost, ...): the extracted tree's usr/lib/linux-kbuild-VERSION
# is a symlink to the build machine's own amd64 linux-kbuild-VERSION
# (same source version, host tools built for amd64).  The headers'
# Makefile includes /usr/src/linux-headers-*-common/Makefile by absolute
# path: it is pointed at the extracted -common package instead.  The module
# is built with make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- W=1 (the
# headers' .kernelvariables wants gcc-12: aarch64-linux-gnu-gcc-12 is
# bookworm's cross compiler).  User space is built static with
# aarch64-linux-gnu-gcc against liburing-dev:arm64's liburing.a.
#
# The VM: -M virt,gic-version=3 (an ITS, so edu gets MSI), -cpu max, 1 GiB
# of RAM at 0x40000000, edu with a 64-bit DMA mask (virt's RAM is above
# edu's default 28-bit mask: dma_bits=64), an NVMe scratch disk, and the
# device tree QEMU generates (dumpdtb) with a no-map /reserved-memory node
# compatible "bigphys,pool" (ARM64_POOL, default 64 MiB at 0x50000000) and,
# for the non-coherent cells, dma-coherent deleted from the PCIe host
# bridge's node so the kernel treats edu as not cache coherent.

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
	apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm \
		device-tree-compiler
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

# arm64_build_module [SRC [OUT]]: bigphys.ko for AKVER from SRC (default:
# the checkout) in OUT (default build/arm64/mod-AKVER), W=1; fails on any
# compiler warning.  Sets AMODULE.
arm64_build_module() {
	local src=${1:-$TOP} out=${2:-$A64/mod-$AKVER} f
	mkdir -p "$out/include/uapi"
	for f in $(cd "$src" && echo Kbuild bigphys_*.c include/*.h include/uapi/*.h); do
		cmp -s "$src/$f" "$out/$f" || cp "$src/$f" "$out/$f"
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

# arm64_user [all]: static arm64 bigphysctl and boot_config in
# build/arm64/user (libbigphys with liburing-dev:arm64's liburing.a); with
# "all" or ARM64_TESTS ("alloc_test mmap_test ...") all of make user (the
# tests need the kselftest headers of linux-source-6.1: ensure_deps).
arm64_user() {
	local r=$A64/userlibs
	_a64_extract "$r" liburing-dev:arm64 busybox-static:arm64
	log "building static arm64 user space"
	make -s -C "$TOP" BUILD="$A64" \
		UCC="${CROSS}gcc -I$r/usr/include -L$r/usr/lib/aarch64-linux-gnu" \
		"$A64/user/bigphysctl" "$A64/user/boot_config" >&2 ||
		die "arm64 user-space build failed"
	[ -n "${ARM64_TESTS:-}${1:-}" ] || return 0
	ensure_deps
	make -s -C "$TOP" BUILD="$A64" LSRC="$LSRC" \
		UCC="${CROSS}gcc -I$r/usr/include -L$r/usr/lib/aarch64-linux-gnu" \
		user >&2 || die "arm64 user-space build (tests) failed"
}

# arm64_dtb OUT POOL NONCOHERENT: QEMU's virt tree (dumpdtb, the machine
# options of arm64_qemu) with, when POOL ("BASE SIZE", hex) is set, a
# /reserved-memory node, no-map, compatible "bigphys,pool" (the module's
# pool: bigphys_pool.c), and when NONCOHERENT is 1, dma-coherent deleted
# from the PCIe host node (the kernel then treats edu as not cache
# coherent).
arm64_dtb() {
	local out=$1 pool=$2 nc=$3 b sz pcie
	qemu-system-aarch64 -M "virt,gic-version=3,dumpdtb=$out.base" -cpu max \
		-m 1G -smp 2 -nographic -net none >/dev/null 2>&1 ||
		die "qemu dumpdtb failed"
	dtc -q -I dtb -O dts "$out.base" > "$out.dts" || die "dtc failed on $out.base"
	if [ -n "$pool" ]; then
		# shellcheck disable=SC2086
		set -- $pool
		b=$(($1)) sz=$(($2))
		{ printf '/ {\n\treserved-memory {\n\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n\t\tranges;\n'
		  printf '\t\tbigphys_pool: bigphys@%x {\n\t\t\tcompatible = "bigphys,pool";\n' "$b"
		  printf '\t\t\treg = <0x%x 0x%x 0x%x 0x%x>;\n\t\t\tno-map;\n\t\t};\n\t};\n};\n' \
			$((b >> 32)) $((b & 0xffffffff)) $((sz >> 32)) $((sz & 0xffffffff))
		} >> "$out.dts"
	fi
	if [ "$nc" = 1 ]; then
		pcie=$(sed -n 's/^\t\(pcie@[0-9a-f]*\) {$/\1/p' "$out.dts" | head -1)
		[ -n "$pcie" ] || die "no pcie@ node in $out.dts"
		grep -q 'dma-coherent' "$out.dts" || die "QEMU's tree has no dma-coherent to delete"
		printf '&{/%s} {\n\t/delete-property/ dma-coherent;\n};\n' "$pcie" >> "$out.dts"
	fi
	dtc -q -I dts -O dtb -o "$out" "$out.dts" || die "dtc failed on $out.dts"
}

# arm64_qemu KERNEL INITRD DTB LOG TIMEOUT_S [APPEND] [DEVICES...]: boots
# under qemu-system-aarch64 (TCG) with edu first on virt's PCIe, then
# DEVICES (more -device/-drive options).  iomem=relaxed as in make demo
# (boot_config's baseline maps BAR0 through sysfs while bigphys owns it).
arm64_qemu() {
	local kernel=$1 initrd=$2 dtb=$3 logf=$4 tmo=$5 append=${6:-}
	shift 6
	timeout --foreground -k 5 "$tmo" qemu-system-aarch64 \
		-M virt,gic-version=3 -cpu max -m 1G -smp 2 -nographic \
		-no-reboot -net none -device edu,dma_mask=0xffffffffffffffff "$@" \
		-kernel "$kernel" -initrd "$initrd" -dtb "$dtb" \
		-append "console=ttyAMA0 panic=-1 iomem=relaxed $append" </dev/null >"$logf" 2>&1
	local rc=$?
	[ $rc -eq 124 ] && log "VM timed out after $tmo s"
	return $rc
}

# The arm64 cells' pool: a no-map /reserved-memory node (arm64_dtb), 64 MiB
# at 0x50000000, inside virt's 1 GiB of RAM at 0x40000000.
ARM64_POOL=${ARM64_POOL:-0x50000000 0x4000000}

# arm64_cell NAME CONFIG LOG TIMEOUT_S SUITE: make check's and make demo's
# arm64 VM: the module (AMODULE) and the arm64 user space in the initramfs
# that tests/guest/SUITE.sh runs, the device tree with the pool (CONFIG
# arm64) and without dma-coherent (arm64-nc), the NVMe scratch disk.
# arm64_fetch and arm64_build_module first; GUEST_* as for build_initramfs.
arm64_cell() {
	local k=$1 c=$2 logf=$3 tmo=$4 suite=$5 nc=0 disk=$BUILD/nvme.img
	[ "$c" = arm64-nc ] && nc=1
	arm64_dtb "$A64/virt-$c.dtb" "$ARM64_POOL" $nc
	KVER=$AKVER GUEST_KROOT=$AROOT GUEST_BUSYBOX=$A64/userlibs/bin/busybox \
		GUEST_USER=$A64/user GUEST_ENV="ARM64_POOL='$ARM64_POOL' EXPECT_COHERENT=$((1 - nc))" \
		build_initramfs "$A64/initrd-check.gz" "$AMODULE" "$suite"
	rm -f "$disk"
	truncate -s 256M "$disk" || die "cannot create $disk"
	log "booting $AKVER ($c), log in $logf"
	arm64_qemu "$AVMLINUZ" "$A64/initrd-check.gz" "$A64/virt-$c.dtb" "$logf" "$tmo" \
		"${GUEST_APPEND:-}" \
		-drive "file=$disk,if=none,id=nvm,format=raw,cache=unsafe" \
		-device nvme,serial=bigphys,drive=nvm
}
