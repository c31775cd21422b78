# SPDX-License-Identifier: GPL-2.0-only
# Guest side of make check's scale cell (scripts/lib.sh run_vm CONFIG
# scale): 4 edu devices and a 1 GiB reserved range at 0x30000000
# (VM_EXTRA_MEMMAP), 2 GiB of RAM.  Loads bigphys on that range, checks
# that the 4 devices bound, and runs scale_test (jobs on all devices at once
# from several processes; 100,000 regions; INFO and LIST with them).
# The whole check suite runs in the other cells.
. /guest/common.sh
MOD=/guest/bigphys.ko
POOL="pool_base=0x30000000 pool_size=1G"
DMAOPTS=$(cat /guest/dmaopts 2>/dev/null)
DRV=/sys/bus/pci/drivers/bigphys

check "load with the 1 GiB range" insmod $MOD $POOL $DMAOPTS
check "range claimed in /proc/iomem" sh -c "grep -q '30000000-6fffffff : bigphys' /proc/iomem"
n=$(ls -d $DRV/0000:* 2>/dev/null | wc -l)
echo "# bound: $(cd $DRV && ls -d 0000:* 2>/dev/null | tr '\n' ' ')"
check "4 edu devices bound" [ "$n" -eq 4 ]
bigphysctl info | sed 's/^/# /'
# info --json: the 1 GiB pool and 4 devices, every one reaching it.
info_json() {
	local j
	j=$(bigphysctl info --json) || return 1
	echo "# $j"
	has "$j" '^{"pool_base": 805306368, "pool_size": 1073741824, "kind": "reserved"' &&
		[ "$(printf '%s' "$j" | grep -o '"reaches_pool": true' | wc -l)" -eq 4 ] &&
		! has "$j" '"reaches_pool": false' && has "$j" '{"index": 3, '
}
check "info --json: the 1 GiB pool, 4 devices that reach it" info_json
run_tap scale_test
check "unload" rmmod bigphys
check "range released from /proc/iomem" sh -c "! grep -q bigphys /proc/iomem"
