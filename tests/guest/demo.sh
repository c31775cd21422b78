# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make demo`: load bigphys on the reserved range, show the
# pool and the edu device, run the boot-config example.
# The pool is both reserved ranges of scripts/lib.sh run_vm: the plain part
# at 0x10000000 and the page-backed part at 0x16000000.  The NVMe scratch
# disk is there for `bigphysctl save`.
. /guest/common.sh
# On arm64 the pool is the device tree's node (no parameters) and has no
# page-backed part.
load_nvme || { echo "demo: no NVMe scratch disk"; exit 1; }
if [ "$ARCH" = aarch64 ]; then
	insmod /guest/bigphys.ko $(cat /guest/dmaopts) || exit 1
else
	insmod /guest/bigphys.ko pool_base=0x10000000 pool_size=64M \
		pages_base=0x16000000 pages_size=128M $(cat /guest/dmaopts) || exit 1
fi
echo "DEMO-BEGIN"
bigphysctl info
/guest/boot_config /etc/bigphys/edu-regs.conf
rc=$?

# The seeds' other use case: DMA buffers streamed to disk with no CPU copy.
# A 32 MiB page-backed region (a capture buffer) goes to the NVMe disk with
# O_DIRECT, comes back into a second one, and the two must be equal.
save_demo() {
	bigphysctl alloc capture 32M --pages --persist > /dev/null &&
	bigphysctl load capture /etc/bigphys/edu-regs.conf > /dev/null &&
	bigphysctl save capture "$BIGPHYS_TEST_DISK" 2>&1 | tr '\r' '\n' | tail -1 &&
	bigphysctl alloc back 32M --pages --persist > /dev/null &&
	bigphysctl restore back "$BIGPHYS_TEST_DISK" 2>&1 | tr '\r' '\n' | tail -1 &&
	[ "$(bigphysctl dump capture | md5sum)" = \
	  "$(bigphysctl dump back | md5sum)" ] &&
	echo "save/restore: the region read back from $BIGPHYS_TEST_DISK equals the one saved (whole hexdumps compared)"
}
echo "-- bigphysctl save: a page-backed region to the NVMe disk, O_DIRECT --"
if [ "$ARCH" = aarch64 ]; then
	echo "skipped on arm64: the device-tree pool has no page-backed part (pages_base= is x86's)"
else
	save_demo || { echo "save/restore FAILED"; rc=1; }
fi
bigphysctl free capture > /dev/null 2>&1
bigphysctl free back > /dev/null 2>&1
echo "DEMO-END rc=$rc"
exit $rc
