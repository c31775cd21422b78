#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: build bigphys and tools/bigphys_bench, boot Debian 6.1 under
# QEMU once with the edu device, the reserved ranges and an NVMe scratch
# disk, run the benchmarks and print their table, "bench:" lines and
# "target:" lines.
# The exit status says whether the benchmark program worked (and the guest
# kernel stayed quiet), not whether the performance targets were met.
#   BENCH_MEMMAP=160M   the reserved pool (the 64 MiB cases need room besides)
#                       at 0x10000000
#   BENCH_PAGES=128M    the page-backed part of the pool, at 0x20000000: the
#                       default 0x16000000 of run_vm is inside a 160 MiB pool,
#                       so this guest has 1 GiB (VM_MEM) and the range sits
#                       above 512 MiB, with RAM around it (the ACPI tables
#                       are at the top of guest RAM, below 1 GiB)
#   BENCH_REGIONS=1G    a third range, at 0x30000000, for the region-table
#                       group (INFO and LIST against 1000..100000 regions of
#                       4 KiB): after the main run the guest reloads bigphys
#                       with its pool there and runs bigphys_bench --regions.
#                       The guest gets 2 GiB (VM_MEM) so that the RAM left is
#                       what the 1 GiB guest had; 0x70000000-0x7fffffff stays
#                       RAM for the ACPI tables.  BENCH_REGIONS=0: no such run
#   BENCH_ARGS="--reps 3"   extra arguments for bigphys_bench
# The model that bigphys_bench prints needs the cost of a native system
# call: tools/host_syscall.c times getppid() here, on the build machine,
# outside the VM, and the figure goes in as --host-syscall-ns.
set -u
. "$(dirname "$0")/lib.sh"
export VM_MEMMAP=${BENCH_MEMMAP:-160M}
BENCH_REGIONS=${BENCH_REGIONS:-1G}
if [ "$BENCH_REGIONS" = 0 ]; then
	export VM_MEM=${VM_MEM:-1024}
else
	export VM_MEM=${VM_MEM:-2048}
	export VM_EXTRA_MEMMAP="$BENCH_REGIONS\$0x30000000"
fi
BENCH_PAGES=${BENCH_PAGES:-128M}
export VM_PAGES_MEMMAP="$BENCH_PAGES\$0x20000000"
GUEST_MODOPTS="dma_bits=64 pool_base=0x10000000 pool_size=$VM_MEMMAP"
export GUEST_MODOPTS="$GUEST_MODOPTS pages_base=0x20000000 pages_size=$BENCH_PAGES"
# The baseline maps BAR0 through sysfs while bigphys owns it: needs iomem=relaxed.
export GUEST_APPEND="iomem=relaxed"

ensure_deps
build_user
# The region-table run's module options (tests/guest/bench.sh).
rm -f "$BUILD/regionsopts"
GUEST_FILES=
if [ "$BENCH_REGIONS" != 0 ]; then
	echo "dma_bits=64 pool_base=0x30000000 pool_size=$BENCH_REGIONS" > "$BUILD/regionsopts"
	GUEST_FILES=$BUILD/regionsopts
fi
export GUEST_FILES
gcc -O2 -Wall -Wextra -Werror -o "$BUILD/host_syscall" "$TOP/tools/host_syscall.c" ||
	die "cannot build tools/host_syscall.c"
HOST_SYSCALL_NS=$("$BUILD/host_syscall") || die "host_syscall failed"
log "a native system call (getppid) on this machine: $HOST_SYSCALL_NS ns"
export GUEST_BENCHOPTS="--host-syscall-ns $HOST_SYSCALL_NS ${BENCH_ARGS:-}"
kernel_fetch "${KERNEL:-6.1}"
build_module "$KVER" "$KDIR"
build_initramfs "$BUILD/initrd-bench.gz" "$MODULE" bench
log=$BUILD/vm-bench.log
run_vm "$VMLINUZ" "$BUILD/initrd-bench.gz" "$log" "${VM_TIMEOUT:-900}" "${CONFIG:-plain}"
tr -d '\r' < "$log" | sed -n '/^BENCH-BEGIN/,/^BENCH-END/p' | grep -v '^\[ *[0-9.]*\]'
if tr -d '\r' < "$log" | grep -qE "$BAD_LOG"; then
	die "the guest kernel complained: see $log"
fi
tr -d '\r' < "$log" | grep -q '^BENCH-END rc=0' ||
	die "the benchmark failed: see $log"
echo "bench: done (log: $log)"
