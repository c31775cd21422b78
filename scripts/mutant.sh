#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# scripts/mutant.sh PATCH: proves the suite catches a broken module.  PATCH
# (tests/mutants/*.patch) removes one check from the module; its header names
# the test that must notice ("Caught-by: BINARY [kselftest options]") and
# may name the cell to run it in ("Cell: 6.12:arm64-nc", default 6.1:plain).
# Builds the mutant for that kernel, boots it, runs that test and succeeds
# only if the test fails (or the kernel complains).  Used by `make check`.
set -u
. "$(dirname "$0")/lib.sh"
patch_file=$1
name=$(basename "$patch_file" .patch)
caught_by=$(sed -n 's/^Caught-by: //p' "$patch_file")
[ -n "$caught_by" ] || die "$patch_file has no Caught-by: line"

src=$BUILD/mutant-$name
rm -rf "$src"
mkdir -p "$src"
(cd "$TOP" && cp -r Kbuild bigphys_*.c include "$src/")
patch -s -d "$src" -p1 < "$patch_file" ||
	die "$patch_file no longer applies: update the mutant"

export GUEST_MODOPTS="dma_bits=64"
cell=$(sed -n 's/^Cell: //p' "$patch_file")
k=${cell%%:*} c=${cell#*:}
echo "$caught_by" > "$BUILD/mutant-cmd"
logf=$BUILD/vm-mutant-$name.log
case $c in
arm64|arm64-nc)
	. "$(dirname "$0")/arm64-lib.sh"
	arm64_setup
	arm64_user all
	arm64_fetch "$k"
	arm64_build_module "$src" "$src/build-arm64"
	GUEST_FILES=$BUILD/mutant-cmd arm64_cell "$k" "$c" "$logf" 600 mutant ;;
*)
	kernel_fetch 6.1
	build_module "$KVER" "$KDIR" "$src" "$src/build"
	GUEST_FILES=$BUILD/mutant-cmd build_initramfs "$BUILD/initrd-mutant.gz" "$MODULE" mutant
	run_vm "$VMLINUZ" "$BUILD/initrd-mutant.gz" "$logf" 600 plain ;;
esac
tr -d '\r' < "$logf" > "$logf.txt"
grep -q '^MUTANT-RAN' "$logf.txt" || die "the mutant test did not run: see $logf"
if grep -qE '^not ok [0-9]+' "$logf.txt" || grep -qE "$BAD_LOG" "$logf.txt"; then
	echo "mutant $name caught by: $caught_by"
	grep -E '^not ok [0-9]+' "$logf.txt"
	exit 0
fi
echo "mutant $name NOT caught: '$caught_by' passed against the broken module"
exit 1
