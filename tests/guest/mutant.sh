# SPDX-License-Identifier: GPL-2.0-only
# Guest side of scripts/mutant.sh: load the broken module on the reserved
# range and run the one test that must catch it.
insmod /guest/bigphys.ko pool_base=0x10000000 pool_size=64M $(cat /guest/dmaopts) || exit 1
echo "MUTANT-RAN $(cat /guest/mutant-cmd)"
/guest/$(cat /guest/mutant-cmd)
