# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make demo`: load bigphys on the reserved range, show the
# pool and the edu device, run the boot-config example.
insmod /guest/bigphys.ko pool_base=0x10000000 pool_size=64M $(cat /guest/dmaopts) || exit 1
echo "DEMO-BEGIN"
bigphysctl info
/guest/boot_config /etc/bigphys/edu-regs.conf
rc=$?
echo "DEMO-END rc=$rc"
exit $rc
