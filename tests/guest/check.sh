# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make check`: module load policy, the kselftest binaries
# against both pool kinds, and unload rules.
. /guest/common.sh
MOD=/guest/bigphys.ko
DMAOPTS=$(cat /guest/dmaopts 2>/dev/null)
if [ "$ARCH" = aarch64 ]; then
	# The pool is the device tree's no-map /reserved-memory node
	# (scripts/arm64-lib.sh arm64_dtb): loading without pool_base= finds
	# it; dt_pool=0 asks for the page-allocator pool instead.  No
	# page-backed range (pages_base=) on arm64: ALLOC_PAGES regions come
	# from the page-allocator pool, where page_test runs.
	set -- $ARM64_POOL
	POOL_BASE=$(($1)) POOL_SIZE=$(($2))
	POOL="" PAGES="" FALLBACK="dt_pool=0"
	RESERVE_HINT="no-map /reserved-memory node"
else
	POOL_BASE=$((0x10000000)) POOL_SIZE=$((64 << 20))
	POOL="pool_base=0x10000000 pool_size=64M"
	# The page-backed part of the pool: the second range scripts/lib.sh
	# run_vm reserves (VM_PAGES_MEMMAP), 2 MiB aligned for memremap_pages().
	PAGES="pages_base=0x16000000 pages_size=128M"
	FALLBACK=""
	RESERVE_HINT="memmap="
fi
POOL_IOMEM=$(printf '%x-%x : bigphys' $POOL_BASE $((POOL_BASE + POOL_SIZE - 1)))
# The cells that change only how the device reaches memory run every DMA
# path: the non-coherent cells (EXPECT_COHERENT=0, arm64-nc) and the x86
# IOMMU and swiotlb cells (DMA_ONLY=1: iommu, iommu-pt, swiotlb).  The
# CPU-side parts (load policy, alloc_test, mmap_test, stress_test) are the
# same as in the plain or coherent cell of the same kernel and run there
# (make check's budget).
cpu_side() { [ "${EXPECT_COHERENT:-1}" = 1 ] && [ "${DMA_ONLY:-0}" = 0 ]; }

# refuse_load NAME ERRNO-TEXT LOG-TEXT PARAMS...: insmod must fail with that
# error and log one line that says how to fix the command line.
refuse_load() {
	local name=$1 errtext=$2 logtext=$3 out rc
	shift 3
	dmesg -c > /dev/null
	out=$(insmod $MOD "$@" 2>&1)
	rc=$?
	check "load refused: $name" [ $rc -ne 0 ]
	check "load errno: $name: $errtext" has "$out" "$errtext"
	check "load log: $name" sh -c "dmesg | grep -q '$logtext'"
	check "not loaded after: $name" sh -c "! grep -q '^bigphys ' /proc/modules"
}

# The NVMe scratch disk of scripts/lib.sh run_vm, for page_test's O_DIRECT
# tests (BIGPHYS_TEST_DISK): they skip without it, so a missing disk fails
# the cell here instead of passing unnoticed.
load_nvme
check "nvme scratch disk /dev/nvme0n1 present" [ -b /dev/nvme0n1 ]
# The other side of dma-buf sharing for dmabuf_test: vivid (two capture
# instances, vmalloc and dma-contig: common.sh kmod_params) and vgem.
check "vivid loaded" load_kmod vivid
check "vgem loaded" load_kmod vgem

if ! cpu_side; then
	echo "# load policy: run in the coherent cell of this kernel"
elif [ "$ARCH" = aarch64 ]; then
	# virt: RAM 0x40000000-0x7fffffff, the pool node inside it (no-map).
	refuse_load "range in System RAM" "address already in use" \
		"pool_base=0x44000000 pool_size=0x1000000 overlaps System RAM: reserve the range at boot with a no-map /reserved-memory node, reg = <0x44000000 0x1000000>" \
		pool_base=0x44000000 pool_size=16M
	refuse_load "not reserved (beyond RAM)" "invalid argument" \
		"is not wholly a reserved memory range: reserve the range at boot with a no-map" \
		pool_base=0x90000000 pool_size=1M
	refuse_load "straddles the pool node's end into RAM" "address already in use" \
		"overlaps System RAM" pool_base=$((POOL_BASE + POOL_SIZE - 0x100000)) pool_size=2M
else
	refuse_load "range in System RAM" "address already in use" \
		"pool_base=0x1000000 pool_size=0x1000000 overlaps System RAM: reserve the range at boot with memmap=" \
		pool_base=0x1000000 pool_size=16M
	refuse_load "not reserved (beyond RAM)" "invalid argument" \
		"is not wholly a reserved memory range" pool_base=0x40000000 pool_size=1M
	refuse_load "straddles the reserved end into RAM" "address already in use" \
		"overlaps System RAM" pool_base=0x13f00000 pool_size=2M
	refuse_load "straddles a reserved start" "invalid argument" \
		"is not wholly a reserved memory range" pool_base=0xfffb0000 pool_size=128K
	# The page-backed part: memremap_pages() maps 2 MiB subsections, and the
	# two parts of the pool must not share a byte (both ranges below are
	# reserved, so only these rules can refuse them).
	refuse_load "pages_base not 2 MiB aligned" "invalid argument" \
		"pages_base=0x16001000" $POOL pages_base=0x16001000 pages_size=64M
	refuse_load "pages range inside the pool" "resource busy" \
		"pages_base=0x12000000" $POOL pages_base=0x12000000 pages_size=32M
fi
if cpu_side; then
	refuse_load "unaligned base" "invalid argument" "must be page aligned" \
		pool_base=$((POOL_BASE + 0x800)) pool_size=1M
	refuse_load "base without size" "invalid argument" \
		"pool_base= and pool_size= must be given together" pool_base=$POOL_BASE
	refuse_load "not a number" "invalid argument" "not a number" \
		pool_base=$POOL_BASE pool_size=lots
fi

# No parameters: a fallback pool from the page allocator.
dmesg -c > /dev/null
check "load without parameters${FALLBACK:+ but $FALLBACK}" insmod $MOD $FALLBACK $DMAOPTS
check "fallback pool logs how to reserve more" sh -c "dmesg | grep -q 'for a bigger pool .*$RESERVE_HINT'"
check "/dev/bigphys is 0600 root:root" [ "$(stat -c '%a %u %g' /dev/bigphys)" = "600 0 0" ]
cpu_side && run_tap alloc_test
cpu_side && run_tap mmap_test
# Page-backed regions from the page allocator.  (page_test is new: until it
# is built, nothing to run.)
[ -x /guest/page_test ] && run_tap page_test
check "unload fallback pool" rmmod bigphys

# The boot-reserved ranges: the pool and its page-backed part (page_test
# runs in the loop below).
dmesg -c > /dev/null
check "load with the reserved range${POOL:-: the device tree's pool node}" insmod $MOD $POOL $PAGES $DMAOPTS
check "range claimed in /proc/iomem" sh -c "grep -q '$POOL_IOMEM' /proc/iomem"
if [ "$ARCH" = aarch64 ]; then
	check "pool from the device tree: logged" sh -c \
		"dmesg | grep -q 'pool 0x0*$(printf %x $POOL_BASE) + $((POOL_SIZE >> 10)) KiB (reserved range from the device tree)'"
	check "pool from the device tree: bigphysctl info says so" sh -c \
		"bigphysctl info | grep -q 'device tree'"
	check "edu's dma_coherent in sysfs is $EXPECT_COHERENT (device tree)" sh -c \
		"[ \$(cat /sys/bus/pci/drivers/bigphys/0000:*/bigphys/dma_coherent) = $EXPECT_COHERENT ]"
else
	check "pages range claimed in /proc/iomem" sh -c "grep -q '16000000-1dffffff : bigphys' /proc/iomem"
	check "edu's dma_coherent in sysfs is 1 (x86)" sh -c \
		"[ \$(cat /sys/bus/pci/drivers/bigphys/0000:*/bigphys/dma_coherent) = 1 ]"
fi
check "second claim of the range refused" sh -c "! insmod $MOD $POOL 2>/dev/null"
# A failed bigphysctl names the operation and the errno, with a hint.
too_big() {
	local out
	out=$(bigphysctl alloc toobig 1G 2>&1) && return 1
	echo "# $out"
	has "$out" "no space left" && has "$out" "hint: .*largest"
}
check "ENOSPC from bigphysctl: errno text and a hint" too_big
cpu_side && run_tap alloc_test
cpu_side && run_tap mmap_test
# scale_test needs 4 devices and a 1 GiB pool: the scale cell (scale.sh) runs it.
for t in /guest/*_test; do
	case $t in */alloc_test|*/mmap_test|*/perm_test|*/scale_test) continue ;; esac
	case $t in */stress_test) cpu_side || continue ;; esac
	run_tap "$t"
done

# Permissions, as scripts/99-bigphys.rules sets them: group bigphys, 0660.
# perm_test runs as "tester" (in the group) against a root-owned name.
chgrp bigphys /dev/bigphys && chmod 0660 /dev/bigphys
check "root creates a PERSIST region" bigphysctl alloc perm_root 64K --persist
bigphysctl list --json | sed 's/^/# /'
check "list --json has the region" sh -c \
	'bigphysctl list --json | grep -q "{\"id\": [0-9]*, \"name\": \"perm_root\", \"phys_addr\": [0-9]*, \"size\": 65536, \"cache\": \"wc\", \"persist\": true,"'
bigphysctl info --json | sed 's/^/# /'
check "info --json has the pool and device 0" sh -c \
	"bigphysctl info --json | grep -q '^{\"pool_base\": $POOL_BASE, \"pool_size\": $POOL_SIZE, \"kind\": \"reserved\".*\"nr_regions\": 1, \"devices\": \[{\"index\": 0, .*\"reaches_pool\": true}\]}\$'"
run_tap su tester -c /guest/perm_test
check "no access for a user outside the group" \
	has "$(su outsider -c 'exec 3</dev/bigphys' 2>&1)" "permission denied"
check "root's region survived the unprivileged user" bigphysctl free perm_root
chgrp root /dev/bigphys && chmod 0600 /dev/bigphys

# The probe's error path: fault_inject bit 1 fails the probe after the IRQ
# is set up.  The unwind must be clean (the host fails the cell on a
# WARNING or Call Trace), and the device must bind and work again after.
FAULT=/sys/module/bigphys/parameters/fault_inject
DRV=/sys/bus/pci/drivers/bigphys
EDU=$(cd $DRV && ls -d 0000:* 2>/dev/null | head -1)
roundtrip() {
	local a b rc
	printf '0 0x5a17c0de\n4 0x0badf00d\n' > /tmp/rt.conf
	bigphysctl alloc rt_probe 8K --persist || return 1
	bigphysctl load rt_probe /tmp/rt.conf &&
		bigphysctl push rt_probe --dev-addr 0x40000 --len 8 &&
		bigphysctl readback rt_probe --dev-addr 0x40000 --offset 4096 --len 8 &&
		a=$(bigphysctl dump rt_probe --len 8 | head -1 | cut -d' ' -f2-) &&
		b=$(bigphysctl dump rt_probe --offset 4096 --len 8 | head -1 | cut -d' ' -f2-) &&
		echo "# pushed:$a read back:$b" && [ "$a" = "$b" ] &&
		has "$a" "de c0 17 5a  *0d f0 ad 0b"
	rc=$?
	bigphysctl free rt_probe || rc=1
	return $rc
}
check "an engine device is bound ($EDU)" [ -n "$EDU" ]
check "fault_inject is 0644" [ "$(stat -c %a $FAULT 2>/dev/null)" = 644 ]
check "unbind $EDU" sh -c "echo $EDU > $DRV/unbind"
check "fault_inject=2 (fail the probe after the IRQ)" sh -c "echo 2 > $FAULT"
dmesg -c > /dev/null
check "bind fails with fault_inject=2" sh -c "! echo $EDU > $DRV/bind 2>/dev/null"
dmesg | grep -iE 'bigphys|edu|irq|msi' | sed 's/^/# /'
check "the failed probe is logged" sh -c "dmesg | grep -q 'fault_inject'"
check "not bound after the failed probe" [ ! -e "$DRV/$EDU" ]
check "fault_inject=0" sh -c "echo 0 > $FAULT"
check "bind after clearing fault_inject" sh -c "echo $EDU > $DRV/bind"
check "push and readback after the rebind" roundtrip

# push --segments (STRT_DMAV): two 8-byte pieces of a region, from offsets
# 0 and 4096, to device addresses 0x40000 and 0x40008; read back as one.
segments_push() {
	local out got rc
	printf '0 0x11111111\n4 0x22222222\n4096 0x33333333\n4100 0x44444444\n' > /tmp/seg.conf
	bigphysctl alloc segs 12K --persist > /dev/null || return 1
	bigphysctl load segs /tmp/seg.conf > /dev/null &&
		out=$(bigphysctl push segs --segments 0:8:0x40000,4096:8:0x40008) &&
		echo "# $out" && has "$out" "16 bytes in 2 segments" &&
		bigphysctl readback segs --dev-addr 0x40000 --offset 8192 --len 16 > /dev/null &&
		got=$(bigphysctl dump segs --offset 8192 --len 16 | head -1 | cut -d' ' -f2-) &&
		echo "# read back: $got" &&
		has "$got" "11 11 11 11  *22 22 22 22  *33 33 33 33  *44 44 44 44"
	rc=$?
	bigphysctl free segs > /dev/null || rc=1
	return $rc
}
check "push --segments (STRT_DMAV) puts each segment where it says" segments_push

# bigphysctl stats shows the device's sysfs counters (obs_test checks the
# counters themselves against what it did).
stats_match() {
	local json want
	json=$(bigphysctl stats --json) || return 1
	echo "# $json"
	want=$(cat /sys/bus/pci/devices/$EDU/bigphys/jobs_completed) &&
		[ "$want" -gt 0 ] &&
		has "$json" "\"name\": \"$EDU\", \"jobs_submitted\": [0-9]*, \"jobs_completed\": $want," &&
		bigphysctl stats | grep -q "^  0  $EDU"
}
check "bigphysctl stats shows the device's sysfs counters" stats_match
check "push --segments: a malformed list is a usage error (exit 2)" \
	sh -c 'bigphysctl push x --segments 0:8 2>/dev/null; [ $? -eq 2 ]'

# Unloading: refused while an fd is open or a PERSIST region exists.
exec 3</dev/bigphys
check "unload refused while /dev/bigphys is open" sh -c "! rmmod bigphys 2>/dev/null"
exec 3<&-
check "persist region created" bigphysctl alloc keep 1M --persist
check "unload refused while a PERSIST region exists" sh -c "! rmmod bigphys 2>/dev/null"
check "persist region freed" bigphysctl free keep
check "unload when unused" rmmod bigphys
check "range released from /proc/iomem" sh -c "! grep -q bigphys /proc/iomem"

# No dma_bits=: edu's 28-bit mask cannot reach the pool at 256 MiB.  Without
# a translating IOMMU (none, or iommu=pt's identity domain) STRT_DMA must
# fail with EIO, never a kernel WARN (the host's log check fails the cell on
# one), and both the probe's log line and `bigphysctl info` say why and how
# to fix it; a translating IOMMU maps the pool below the mask, and neither
# complains.  On arm64's virt machine no RAM at all lies below 28 bits: the
# mask itself is refused, so the probe fails and says to use dma_bits=.
no_mask_push() {
	local out info log
	dmesg -c > /dev/null
	insmod $MOD $POOL || return 1
	if [ "$ARCH" = aarch64 ]; then
		log=$(dmesg | grep 'cannot use a 28-bit DMA mask')
		info=$(bigphysctl info)
		echo "# log: $log"
		rmmod bigphys || return 1
		has "$log" "dma_bits=" && has "$info" "devices: *0"
		return
	fi
	log=$(dmesg | grep 'cannot reach the pool')
	info=$(bigphysctl info | grep 'cannot reach the pool')
	bigphysctl alloc nomask 4K --persist > /dev/null || { rmmod bigphys; return 1; }
	out=$(bigphysctl push nomask --dev-addr 0x40000 --len 64 2>&1)
	rc=$?
	echo "# push without dma_bits: rc=$rc $out"
	echo "# log: $log"
	echo "# info: $info"
	bigphysctl free nomask > /dev/null
	rmmod bigphys || return 1
	if grep -q intel_iommu=on /proc/cmdline && ! grep -q iommu=pt /proc/cmdline; then
		[ $rc -eq 0 ] && [ -z "$log" ] && [ -z "$info" ]
	else
		[ $rc -ne 0 ] && has "$out" "input/output error" &&
			has "$out" "hint: the device cannot reach" &&
			has "$log" "dma_bits=64" && has "$info" "dma_bits=64"
	fi
}
check "no dma_bits: EIO and a log line and info saying why without a translating IOMMU, mapped with one (arm64: the probe refuses the mask)" no_mask_push

# The benchmark program, once with tiny sizes (make bench runs it for real):
# it must work; its figures and targets are not checked here.
quick_bench() {
	insmod $MOD $POOL $PAGES $DMAOPTS || return 1
	bigphys_bench --quick > /tmp/bench.out 2>&1
	rc=$?
	cat /tmp/bench.out
	rmmod bigphys || rc=1
	return $rc
}
check "bigphys_bench --quick runs" quick_bench
