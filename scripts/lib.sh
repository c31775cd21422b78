# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Shared by scripts/check.sh and scripts/demo.sh: dependencies, kernels,
# builds, initramfs and the QEMU test VM.  Everything lands in build/.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
mkdir -p "$BUILD"

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Debian packages the host side needs (all from Debian 12's archive).
HOST_PKGS="build-essential qemu-system-x86 busybox-static cpio kmod sparse
	   linux-source-6.1 linux-headers-amd64 perl python3 xz-utils liburing-dev
	   libdrm-dev dkms mandoc pkg-config"

apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing: ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# Host tools plus checkpatch and the kselftest headers from linux-source.
ensure_deps() {
	# shellcheck disable=SC2086
	apt_install $HOST_PKGS
	LSRC=$BUILD/linux-source-6.1
	if [ ! -f "$LSRC/tools/testing/selftests/kselftest_harness.h" ]; then
		log "extracting checkpatch and kselftest headers from linux-source-6.1"
		tar -C "$BUILD" -xJf /usr/src/linux-source-6.1.tar.xz \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch \
			linux-source-6.1/tools/testing/selftests/kselftest.h \
			linux-source-6.1/tools/testing/selftests/kselftest_harness.h
	fi
}

# kernel_fetch NAME: NAME is 6.1, 6.1-rt or 6.12.  Installs the headers,
# downloads the matching image package and extracts it (nothing is installed
# into the host's /boot).  Sets KVER, KDIR and VMLINUZ.
kernel_fetch() {
	local hdr img
	case "$1" in
	6.1)
		apt_install linux-headers-amd64
		KVER=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		       sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
		hdr=linux-headers-$KVER; img=linux-image-$KVER-unsigned ;;
	6.1-rt)
		apt_install linux-headers-rt-amd64
		KVER=$(dpkg-query -W -f='${Depends}' linux-headers-rt-amd64 |
		       sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
		hdr=linux-headers-$KVER; img=linux-image-$KVER-unsigned ;;
	6.12)
		KVER=${KVER_612:-6.12.111+deb12-amd64}
		hdr=linux-headers-$KVER; img=linux-image-$KVER-unsigned ;;
	*) die "unknown kernel $1 (6.1, 6.1-rt, 6.12)" ;;
	esac
	[ -n "$KVER" ] || die "cannot tell the kernel version of $1"
	apt_install "$hdr"
	KDIR=/usr/src/$hdr
	local dir=$BUILD/kernels/$KVER
	VMLINUZ=$dir/boot/vmlinuz-$KVER
	if [ ! -f "$VMLINUZ" ]; then
		log "downloading $img"
		mkdir -p "$dir"
		(cd "$dir" && rm -f ./*.deb && apt-get download -qq "$img" >/dev/null &&
		 dpkg-deb -x ./*.deb . && rm -f ./*.deb) || die "cannot fetch $img"
	fi
}

# build_module KVER KDIR [SRC [OUT]]: builds bigphys.ko out of tree from SRC
# (default: the checkout) in OUT (default: build/mod-KVER).  Sets MODULE.
build_module() {
	local src=${3:-$TOP} out=${4:-$BUILD/mod-$1} f
	mkdir -p "$out/include/uapi"
	# The file list is SRC's (a mutant's tree need not have the checkout's).
	for f in $(cd "$src" && echo Kbuild bigphys_*.c include/*.h include/uapi/*.h); do
		(cd "$src" && cmp -s "$f" "$out/$f") || cp "$src/$f" "$out/$f"
	done
	make -s -C "$2" M="$out" W=1 modules > "$out/build.log" 2>&1 ||
		{ cat "$out/build.log" >&2; die "module build failed for $1"; }
	MODULE=$out/bigphys.ko
}

# Static user-space binaries for the guest.
build_user() {
	make -s -C "$TOP" LSRC="$LSRC" BUILD="$BUILD" user >&2 ||
		die "user-space build failed"
}

# Debian's own modules the guest gets (all =m in both kernels): nvme for
# the NVMe scratch disk (run_vm); vivid (V4L2 test driver) and vgem (DRM)
# as the other side of dma-buf sharing (tests/dmabuf_test.c).  The
# extracted image package has no modules.dep (depmod runs at install), so
# the dependencies come from each module's "depends" field, resolved
# recursively.  tests/guest/common.sh load_kmod loads one with what it
# needs (and its parameters).
GUEST_KMODS="nvme vivid vgem"

# _kmod_add NAME: copies module NAME of $_kmod_tree and what it depends on
# into $_kmod_out, uncompressed (busybox insmod may lack the decompressor),
# appends them to $_kmod_out/order, dependencies first (load order), and
# writes one line "NAME: DEP..." (its direct dependencies) per module to
# $_kmod_out/deps.  A name that is in modules.builtin needs nothing.
_kmod_add() {
	local name=${1//-/_} f d deps
	case " $_kmod_seen " in *" $name "*) return 0 ;; esac
	_kmod_seen="$_kmod_seen $name"
	# File names mix "-" and "_"; module names treat them alike.
	f=$(grep -E "/${name//_/[-_]}\.ko(\.xz|\.zst|\.gz)?\$" "$_kmod_out/index" | head -1)
	if [ -z "$f" ]; then
		grep -qE "/${name//_/[-_]}\.ko\$" "$_kmod_tree/modules.builtin" && return 0
		die "module $name not found in $_kmod_tree"
	fi
	case $f in
	*.xz) xz -dc "$_kmod_tree/$f" ;;
	*.zst) zstd -qdc "$_kmod_tree/$f" ;;
	*.gz) gzip -dc "$_kmod_tree/$f" ;;
	*) cat "$_kmod_tree/$f" ;;
	esac > "$_kmod_out/$name.ko" || die "cannot unpack $f"
	# (modinfo takes a path only when it ends in .ko.)
	deps=$(modinfo -F depends "$_kmod_out/$name.ko" | tr ,- ' _')
	for d in $deps; do
		_kmod_add "$d"
	done
	echo "$name.ko" >> "$_kmod_out/order"
	echo "$name:" $deps >> "$_kmod_out/deps"
}

# guest_kmods KVER: build/guest-kmods-KVER/ holds GUEST_KMODS and their
# dependencies for the guest, with "order", the insmod order, and "deps"
# (built once per kernel version and module list).  Sets KMODS_DIR.
# GUEST_KROOT: where KVER's image package is extracted (default
# build/kernels/KVER; arm64: scripts/arm64-lib.sh).
guest_kmods() {
	_kmod_tree=${GUEST_KROOT:-$BUILD/kernels/$1}/lib/modules/$1
	_kmod_out=$BUILD/guest-kmods-$1
	KMODS_DIR=$_kmod_out
	[ "$(cat "$_kmod_out/list" 2>/dev/null)" = "$GUEST_KMODS" ] &&
		[ -f "$_kmod_out/order" ] && [ -f "$_kmod_out/deps" ] && return 0
	[ -d "$_kmod_tree/kernel" ] || die "no modules in $_kmod_tree (kernel_fetch first)"
	rm -rf "$_kmod_out"
	mkdir -p "$_kmod_out"
	(cd "$_kmod_tree" && find kernel -name '*.ko*') > "$_kmod_out/index"
	_kmod_seen=""
	local m
	for m in $GUEST_KMODS; do _kmod_add "$m"; done
	rm -f "$_kmod_out/index"
	echo "$GUEST_KMODS" > "$_kmod_out/list"
	log "guest modules for $1: $(tr '\n' ' ' < "$_kmod_out/order")"
}

# build_initramfs OUT MODULE SUITE: busybox initramfs that runs
# tests/guest/SUITE.sh with the module, tests and tools, then powers off.
# GUEST_FILES: more files for /guest; GUEST_MODOPTS: module options.
# KVER (from kernel_fetch): the guest kernel, whose GUEST_KMODS go into
# /guest/modules (see guest_kmods; tests/guest/common.sh load_kmod).
# Another architecture's guest (scripts/arm64-lib.sh): GUEST_BUSYBOX (its
# static busybox), GUEST_USER (its user-space build), GUEST_KROOT, and
# GUEST_ENV, shell assignments tests/guest/common.sh reads (/guest/env).
build_initramfs() {
	local out=$1 root=$BUILD/initramfs-root
	[ -n "${KVER:-}" ] || die "build_initramfs: KVER is not set (kernel_fetch first)"
	guest_kmods "$KVER"
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,guest,etc/bigphys}
	cp "${GUEST_BUSYBOX:-/bin/busybox}" "$root/bin/busybox"
	cp "$TOP/tests/guest/init" "$root/init"
	cp "$TOP"/tests/guest/*.sh "$root/guest/"
	cp "$2" "$root/guest/bigphys.ko"
	cp "${GUEST_USER:-$BUILD/user}"/* "$root/guest/"
	[ -z "${GUEST_FILES:-}" ] || cp $GUEST_FILES "$root/guest/"
	cp "$TOP/examples/edu-regs.conf" "$root/etc/bigphys/"
	mkdir -p "$root/guest/modules"
	cp "$KMODS_DIR"/*.ko "$KMODS_DIR/order" "$KMODS_DIR/deps" "$root/guest/modules/"
	# Users for the permission tests: tester is in group bigphys.
	printf '%s\n' 'root:x:0:0::/:/bin/sh' 'tester:x:1000:1000::/tmp:/bin/sh' \
		'outsider:x:1001:1001::/tmp:/bin/sh' > "$root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'tester:x:1000:' 'outsider:x:1001:' \
		'bigphys:x:1100:tester' > "$root/etc/group"
	echo "$3" > "$root/guest/suite"
	echo "${GUEST_MODOPTS:-}" > "$root/guest/dmaopts"
	echo "${GUEST_BENCHOPTS:-}" > "$root/guest/benchopts"
	echo "${GUEST_ENV:-}" > "$root/guest/env"
	chmod +x "$root/init" "$root"/guest/*
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
}

# run_vm VMLINUZ INITRD LOG TIMEOUT_S CONFIG: boots the guest with edu, the
# reserved ranges and an NVMe scratch disk.  CONFIG: plain, iommu, iommu-pt
# or swiotlb (the DMA-mapping setup), debug (plain with the kernel's
# memory debugging switched on), or scale (plain, 4 edu, a 1 GiB range).
# VM_MEMMAP: size of the pool range reserved at 0x10000000 (default 64M).
# VM_PAGES_MEMMAP: the second reserved range, the page-backed part of the
#   pool (module parameters pages_base=/pages_size=; memremap_pages() wants
#   it 2 MiB aligned).  Default 128M$0x16000000: 0x16000000-0x1dffffff,
#   which leaves 0x14000000-0x15ffffff RAM between the two ranges (the load
#   tests in tests/guest/check.sh need RAM right after the pool) and 32 MiB
#   of RAM above it below 512 MiB, where the firmware puts the ACPI tables.
# VM_MEM: guest RAM in MiB (default 512; 2048 for scale).
# VM_EDUS: edu devices (default 1; 4 for scale), all before the NVMe disk.
# VM_EXTRA_MEMMAP: one more reserved range, SIZE$BASE (default none; for
#   scale 1G$0x30000000: 0x30000000-0x6fffffff, clear of both ranges above
#   and of bench's 0x10000000 + 160M and 0x20000000 + 128M, with 256 MiB of
#   RAM above it below 2 GiB for the ACPI tables).
# CONFIG scale: plain DMA with 4 edu devices, 2 GiB of RAM and the 1 GiB
#   range VM_EXTRA_MEMMAP (tests/guest/scale.sh loads the pool there); the
#   two default ranges stay reserved as in every other cell.
# The NVMe disk is $BUILD/nvme.img, a sparse 256 MiB file made anew for each
# boot: the guest may overwrite it (BIGPHYS_TEST_DISK, O_DIRECT tests).
# cache=unsafe: the file is thrown away after the boot, so the guest's
# flushes need not reach the host's disk (O_DIRECT in the guest bypasses the
# guest's page cache whatever QEMU's cache mode; this only spares the host).
# The disk comes after edu on the command line so edu keeps its PCI slot.
# VM_ACCEL: QEMU's -accel (default tcg: one host thread per vCPU, which the
#   benchmarks need); make check sets tcg,thread=single (scripts/check.sh).
run_vm() {
	local append="console=ttyS0 panic=-1 memmap=${VM_MEMMAP:-64M}\$0x10000000"
	append="$append memmap=${VM_PAGES_MEMMAP:-128M\$0x16000000}"
	local disk=$BUILD/nvme.img
	rm -f "$disk"
	truncate -s 256M "$disk" || die "cannot create $disk"
	local machine=(-machine pc) mem=${VM_MEM:-512} edus=${VM_EDUS:-1}
	local extra=${VM_EXTRA_MEMMAP:-} edu=() i
	case "$5" in
	plain) ;;
	scale) mem=${VM_MEM:-2048} edus=${VM_EDUS:-4}
	       extra=${VM_EXTRA_MEMMAP:-1G\$0x30000000} ;;
	iommu) machine=(-machine q35,kernel-irqchip=split
			-device intel-iommu,intremap=on)
	       append="$append intel_iommu=on" ;;
	# The IOMMU in passthrough: an identity domain, bus address = physical.
	iommu-pt) machine=(-machine q35,kernel-irqchip=split
			   -device intel-iommu,intremap=on)
		  append="$append intel_iommu=on iommu=pt" ;;
	swiotlb) append="$append swiotlb=force" ;;
	# Memory debugging: KFENCE samples every allocation, SLUB red zones
	# and poisoning, poisoned and zeroed freed pages.  (preempt=full is not
	# added: 6.12 under TCG with 2 vCPUs panics at boot patching text for
	# it; the PREEMPT_RT cell is the one where a woken RT thread runs at
	# once.)
	debug) append="$append kfence.sample_interval=1 slub_debug=FZPU"
	       append="$append page_poison=1 init_on_free=1" ;;
	*) die "unknown configuration $5" ;;
	esac
	[ -z "$extra" ] || append="$append memmap=$extra"
	append="$append ${GUEST_APPEND:-}"
	for ((i = 0; i < edus; i++)); do
		edu+=(-device edu,dma_mask=0xffffffffffffffff)
	done
	log "booting $(basename "$1") ($5), log in $3"
	timeout --foreground -k 5 "$4" qemu-system-x86_64 -accel "${VM_ACCEL:-tcg}" -cpu max \
		-m "$mem" -smp 2 -nographic -no-reboot -net none "${machine[@]}" \
		"${edu[@]}" \
		-drive "file=$disk,if=none,id=nvm,format=raw,cache=unsafe" \
		-device nvme,serial=bigphys,drive=nvm \
		-kernel "$1" -initrd "$2" -append "$append" \
		</dev/null >"$3" 2>&1
	local rc=$?
	[ $rc -eq 124 ] && log "VM timed out after $4 s"
	return $rc
}

# Guest log lines that mean the kernel is unhappy, whatever the tests said.
# KFENCE reports are "BUG: KFENCE: ...", SLUB's "BUG kmalloc-64 (...): ...".
BAD_LOG='Oops|BUG:|BUG [^ ]+ \(|WARNING:|general protection|Call Trace|Kernel panic|pagealloc: memory corruption|x86/PAT:.*(conflict|expected|req |invalid memtype)'

# recap LOG: copies stdin to stderr and, prefixed with LOG's name, to
# $BUILD/recap.txt, which check.sh prints again just before its summary
# line (CI shows only the tail of the output).
recap() {
	local name
	name=$(basename "$1" .log)
	tee /dev/stderr | sed "s|^|$name: |" >> "$BUILD/recap.txt"
}

# parse_log LOG: prints the TAP results and counts; returns 1 on any failure.
parse_log() {
	local logf=$1 pass fail skip bad
	tr -d '\r' < "$logf" > "$logf.txt"
	pass=$(grep -cE '^ok [0-9]+' "$logf.txt" | tr -d ' ')
	skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$logf.txt" | tr -d ' ')
	fail=$(grep -cE '^not ok [0-9]+' "$logf.txt" | tr -d ' ')
	pass=$((pass - skip))
	# Each failure with the kselftest lines just before it (its reason).
	grep -B3 -E '^not ok [0-9]+' "$logf.txt" | grep -vE '^(ok [0-9]|--$)' |
		recap "$logf"
	if ! grep -q '^BIGPHYS-GUEST-DONE' "$logf.txt"; then
		{ echo "guest did not finish ($logf); its last lines:"
		  grep '^# run_tap .*: started' "$logf.txt" | tail -n 1
		  tail -n 5 "$logf.txt"; } | recap "$logf"
		fail=$((fail + 1))
	fi
	bad=$(grep -E "$BAD_LOG" "$logf.txt" | head -5)
	if [ -n "$bad" ]; then
		# The first complaint with what follows it (task, RIP, trace).
		{ echo "kernel complained in $logf:"
		  grep -m 1 -A 24 -E "$BAD_LOG" "$logf.txt"; } | recap "$logf"
		fail=$((fail + 1))
	fi
	TOTAL_PASS=$((${TOTAL_PASS:-0} + pass))
	TOTAL_FAIL=$((${TOTAL_FAIL:-0} + fail))
	TOTAL_SKIP=$((${TOTAL_SKIP:-0} + skip))
	log "$(basename "$logf"): $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}
