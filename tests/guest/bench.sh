# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make bench`: load bigphys with the options the host chose
# (GUEST_MODOPTS in scripts/bench.sh: both parts of the pool and dma_bits)
# and run the benchmarks once.  The NVMe scratch disk is for the "to disk"
# group (BIGPHYS_TEST_DISK).
. /guest/common.sh
load_nvme || { echo "bench: no NVMe scratch disk"; exit 1; }
insmod /guest/bigphys.ko $(cat /guest/dmaopts) || exit 1
echo "BENCH-BEGIN"
/guest/bigphys_bench $(cat /guest/benchopts 2>/dev/null)
rc=$?
echo "BENCH-END rc=$rc"
rmmod bigphys
exit $rc
