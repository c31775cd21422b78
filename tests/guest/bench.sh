# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make bench`: load bigphys with the options the host chose
# (GUEST_MODOPTS in scripts/bench.sh: both parts of the pool and dma_bits)
# and run the benchmarks once.  The NVMe scratch disk is for the "to disk"
# group (BIGPHYS_TEST_DISK).  Then, when the host reserved a range for it
# (/guest/regionsopts, BENCH_REGIONS in scripts/bench.sh), bigphys again on
# that range for the region-table group alone (bigphys_bench --regions).
. /guest/common.sh
load_nvme || { echo "bench: no NVMe scratch disk"; exit 1; }
insmod /guest/bigphys.ko $(cat /guest/dmaopts) || exit 1
echo "BENCH-BEGIN"
/guest/bigphys_bench $(cat /guest/benchopts 2>/dev/null)
rc=$?
rmmod bigphys || rc=1
if [ -f /guest/regionsopts ]; then
	echo
	if insmod /guest/bigphys.ko $(cat /guest/regionsopts); then
		/guest/bigphys_bench --regions $(cat /guest/benchopts 2>/dev/null) || rc=1
		rmmod bigphys || rc=1
	else
		echo "bench: cannot load bigphys with $(cat /guest/regionsopts)"
		rc=1
	fi
fi
echo "BENCH-END rc=$rc"
exit $rc
