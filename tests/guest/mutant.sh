# SPDX-License-Identifier: GPL-2.0-only
# Guest side of scripts/mutant.sh: load the broken module on the reserved
# range (arm64: the device tree's pool node) and run the one test that must
# catch it.
. /guest/common.sh
POOL="pool_base=0x10000000 pool_size=64M"
[ "$ARCH" = aarch64 ] && POOL=""
insmod /guest/bigphys.ko $POOL $(cat /guest/dmaopts) || exit 1
echo "MUTANT-RAN $(cat /guest/mutant-cmd)"
/guest/$(cat /guest/mutant-cmd)
