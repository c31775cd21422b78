# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make demo`: load bigphys on the reserved range, show the
# pool and the edu device, run the boot-config example.
# The pool is both reserved ranges of scripts/lib.sh run_vm: the plain part
# at 0x10000000 and the page-backed part at 0x16000000.  The NVMe scratch
# disk is there for `bigphysctl save`.
. /guest/common.sh
load_nvme || { echo "demo: no NVMe scratch disk"; exit 1; }
insmod /guest/bigphys.ko pool_base=0x10000000 pool_size=64M \
	pages_base=0x16000000 pages_size=128M $(cat /guest/dmaopts) || exit 1
echo "DEMO-BEGIN"
bigphysctl info
/guest/boot_config /etc/bigphys/edu-regs.conf
rc=$?
echo "DEMO-END rc=$rc"
exit $rc
