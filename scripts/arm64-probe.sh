#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# arm64 boot probe (scripts/arm64.sh boot, issue 14): not part of make check.
# Does edu show up, does the cross-built module load with its fallback pool,
# does a push/readback through edu come back byte for byte (ioctl backend).
n=0
t() {	# t DESCRIPTION COMMAND...: one TAP line
	d=$1; shift
	n=$((n + 1))
	if "$@" > /tmp/out 2>&1; then echo "ok $n $d"; else echo "not ok $n $d"; fi
	sed "s/^/# /" /tmp/out | head -80
}
echo "# $(uname -m) $(uname -r)"
t "edu (1234:11e8) on PCI" sh -c 'grep -l 0x11e8 /sys/bus/pci/devices/*/device'
t "insmod bigphys.ko (no parameters: fallback pool)" insmod /guest/bigphys.ko
dmesg | grep -i bigphys | sed 's/^/# /'
# virt's RAM starts at 1 GiB: edu's default 28-bit DMA mask reaches none of
# it (dma_set_mask fails, the probe with it), hence dma_bits=64 with
# -device edu,dma_mask=0xffffffffffffffff.
t "rmmod bigphys" rmmod bigphys
t "insmod bigphys.ko dma_bits=64 (fallback pool)" insmod /guest/bigphys.ko dma_bits=64
dmesg | grep -i bigphys | tail -4 | sed 's/^/# /'
t "edu bound to bigphys" sh -c 'ls -l /sys/bus/pci/devices/*/driver | grep bigphys'
t "/dev/bigphys" test -c /dev/bigphys
t "bigphysctl info" ./bigphysctl info
export BIGPHYS_BACKEND=ioctl
for c in wc cached uc; do
	t "alloc src-$c 64k --$c" ./bigphysctl alloc "src-$c" 64k --"$c" --persist
	t "load edu-regs.conf into src-$c" ./bigphysctl load "src-$c" /etc/bigphys/edu-regs.conf
	t "push src-$c (4092 bytes) to edu 0x40000" ./bigphysctl push "src-$c" --dev-addr 0x40000 --len 4092 --timeout 20
	t "alloc dst-$c 64k --$c" ./bigphysctl alloc "dst-$c" 64k --"$c" --persist
	t "readback edu 0x40000 into dst-$c" ./bigphysctl readback "dst-$c" --dev-addr 0x40000 --len 4092 --timeout 20
	./bigphysctl dump "src-$c" --len 4092 > /tmp/src
	./bigphysctl dump "dst-$c" --len 4092 > /tmp/dst
	t "readback equals pushed ($c)" cmp /tmp/src /tmp/dst
done
head -4 /tmp/src | sed 's/^/# src: /'
t "bigphysctl list" ./bigphysctl list
t "bigphysctl stats" ./bigphysctl stats
t "boot_config (the demo's program, ioctl backend)" ./boot_config
t "boot_config (default backend: io_uring/SQPOLL when offered)" env -u BIGPHYS_BACKEND ./boot_config
for c in wc cached uc; do ./bigphysctl free "src-$c"; ./bigphysctl free "dst-$c"; done
# ARM64_TESTS (opt-in): kselftest binaries of tests/ on this pool, as
# tests/guest/check.sh runs alloc_test/mmap_test/page_test on the fallback
# pool; their own TAP lines are kept as comments, one line here each.
if [ -f /guest/tests ]; then
	for bin in $(cat /guest/tests); do
		timeout 600 "./$bin" > "/tmp/$bin.out" 2>&1
		rc=$?
		n=$((n + 1))
		if [ $rc -eq 0 ]; then echo "ok $n $bin"; else echo "not ok $n $bin (exit $rc)"; fi
		if [ $rc -eq 0 ]; then
			grep -E '^(ok .*# SKIP|# (PASSED|Totals))' "/tmp/$bin.out"
		else	# the failing tests' own log lines too
			grep -vE '^(ok [0-9]|#  RUN|#  +OK )' "/tmp/$bin.out"
		fi | sed 's/^/#   /' | head -60
	done
fi
t "rmmod bigphys" rmmod bigphys
# Experimental (ARM64_DT_POOL): a /reserved-memory no-map node; does the
# range pass the module's checks as pool_base=/pool_size=?
if [ -f /guest/dtpool ]; then
	read -r base size < /guest/dtpool
	t "device tree: /proc/device-tree/reserved-memory" ls /proc/device-tree/reserved-memory
	grep -i -E "reserved|System RAM" /proc/iomem | sed 's/^/# iomem: /'
	dmesg | grep -i -E "reserved mem|bigphys@" | sed 's/^/# /'
	t "insmod pool_base=$base pool_size=$size dma_bits=64 (DT reserved-memory range)" \
		insmod /guest/bigphys.ko pool_base="$base" pool_size="$size" dma_bits=64
	dmesg | grep bigphys | tail -3 | sed 's/^/# /'
	if grep -q '^bigphys ' /proc/modules; then
		t "alloc dt-wc 1m --wc" ./bigphysctl alloc dt-wc 1m --wc --persist
		t "load into dt-wc" ./bigphysctl load dt-wc /etc/bigphys/edu-regs.conf
		t "push dt-wc to edu" ./bigphysctl push dt-wc --dev-addr 0x40000 --len 4092 --timeout 20
		t "alloc dt-wb 1m --cached" ./bigphysctl alloc dt-wb 1m --cached --persist
		t "readback into dt-wb" ./bigphysctl readback dt-wb --dev-addr 0x40000 --len 4092 --timeout 20
		./bigphysctl dump dt-wc --len 4092 > /tmp/src
		./bigphysctl dump dt-wb --len 4092 > /tmp/dst
		t "readback equals pushed (DT pool)" cmp /tmp/src /tmp/dst
		./bigphysctl free dt-wc; ./bigphysctl free dt-wb
		t "rmmod bigphys (DT pool)" rmmod bigphys
	fi
fi
dmesg | grep -E 'bigphys|edu' | tail -20 | sed 's/^/# /'
