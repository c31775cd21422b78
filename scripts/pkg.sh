#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Packaging checks, run by scripts/check.sh as "static" steps (host only, no
# VM; nothing is installed into the host, nothing is loaded):
#   pkg_man_lint               the man pages: mandoc -T lint and groff's
#                              warnings (man --warnings), no output allowed
#   pkg_man_complete           bigphys(4) and bigphysctl(8) name every ioctl,
#                              io_uring command, module parameter and
#                              bigphysctl command of the sources
#   pkg_install_check KVER KDIR  make install into a temporary DESTDIR, the
#                              tree checked file by file, then make uninstall
#   pkg_dkms_check KVER KDIR   dkms add/build/install/remove with private
#                              trees under $BUILD
# Standalone: `bash scripts/pkg.sh [6.1|6.12 ...]` runs them all for those
# kernels (default both) and prints the same ok/not ok lines.
# Sourced after scripts/lib.sh (TOP, BUILD, build_module, kernel_fetch).

# Standalone: lib.sh first (TOP, BUILD).
[ "${BASH_SOURCE[0]}" = "$0" ] && . "$(dirname "$0")/lib.sh"

MAN4=$TOP/Documentation/man/bigphys.4
MAN8=$TOP/Documentation/man/bigphysctl.8

pkg_version() {
	sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf"
}

# Module parameter names, from the sources.
pkg_params() {
	(cd "$TOP" && sed -n -e 's/^module_param(\([a-z_0-9]*\),.*/\1/p' \
		-e 's/^module_param_named(\([a-z_0-9]*\),.*/\1/p' bigphys_*.c) | sort -u
}

pkg_man_lint() {
	local f out rc=0
	for f in "$MAN4" "$MAN8"; do
		# -W warning: style notes are not failures, warnings and errors are.
		out=$(mandoc -T lint -W warning "$f" 2>&1)
		[ -z "$out" ] || { echo "$out"; rc=1; }
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -E UTF-8 -l "$f" 2>&1 >/dev/null)
		[ -z "$out" ] || { echo "$f: groff: $out"; rc=1; }
	done
	return $rc
}

# Every interface the sources define must appear in the man pages (and the
# module parameters in the modprobe.d example), so that they cannot drift.
pkg_man_complete() {
	local rc=0 name
	for name in $(sed -n 's/^#define \(BIGPHYS_IOC_[A-Z0-9_]*\)[[:space:]].*/\1/p; s/^#define \(BIGPHYS_URING_CMD_[A-Z0-9_]*\)[[:space:]].*/\1/p' \
			"$TOP/include/uapi/bigphys.h"); do
		grep -q "$name" "$MAN4" || { echo "bigphys.4 lacks $name (include/uapi/bigphys.h)"; rc=1; }
	done
	for name in $(pkg_params); do
		grep -qw "$name" "$MAN4" ||
			{ echo "bigphys.4 lacks module parameter $name"; rc=1; }
		grep -qw "$name" "$TOP/scripts/bigphys.conf" ||
			{ echo "scripts/bigphys.conf lacks module parameter $name"; rc=1; }
	done
	# bigphysctl's command table, { "name", cmd_... }: one .SS each.
	for name in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", cmd_[a-z_]* },.*/\1/p' \
			"$TOP/tools/bigphysctl.c"); do
		grep -qE "^\.SS \"?$name( |\"|\$)" "$MAN8" ||
			{ echo "bigphysctl.8 has no .SS for command '$name' (tools/bigphysctl.c)"; rc=1; }
	done
	[ $rc = 0 ] && echo "man pages complete"
	return $rc
}

# pkg_mode PATH: octal mode.
pkg_mode() { stat -c %a "$1"; }

pkg_install_check() {
	local kver=$1 kdir=$2 d=$BUILD/install-test root rc=0 f want mode ko
	local ver; ver=$(pkg_version)
	root=$d/root
	rm -rf "$d"
	mkdir -p "$d"
	# The module is built by make install itself, in a copy of its source
	# (the DKMS file list), not in the checkout.
	make -s -C "$TOP" DKMS_SOURCE_TREE="$d" dkms-source ||
		{ echo "make dkms-source failed"; return 1; }
	make -s -C "$TOP" BUILD="$BUILD" KVER="$kver" KDIR="$kdir" \
		MODDIR="$d/bigphys-$ver" DESTDIR="$root" PREFIX=/usr install > "$d/install.log" 2>&1 ||
		{ cat "$d/install.log"; echo "make install failed"; return 1; }
	ko=$(cd "$root" && ls lib/modules/"$kver"/updates/bigphys.ko* 2>/dev/null)
	[ -n "$ko" ] || { echo "no lib/modules/$kver/updates/bigphys.ko*"; rc=1; }
	# path mode: every file install puts there, nothing else.
	want="$ko 644
usr/lib/libbigphys.a 644
usr/lib/libbigphys.so.$ver 755
usr/lib/libbigphys.so.0 777
usr/lib/libbigphys.so 777
usr/lib/pkgconfig/bigphys.pc 644
usr/include/bigphys/libbigphys.h 644
usr/include/bigphys/uapi/bigphys.h 644
usr/sbin/bigphysctl 755
usr/share/man/man4/bigphys.4 644
usr/share/man/man8/bigphysctl.8 644
usr/share/doc/bigphys/bigphys.rst 644
usr/share/doc/bigphys/README.md 644
etc/udev/rules.d/99-bigphys.rules 644
etc/modprobe.d/bigphys.conf 644"
	while read -r f mode; do
		[ -n "$f" ] || continue
		if [ ! -e "$root/$f" ] && [ ! -L "$root/$f" ]; then
			echo "missing: $f"; rc=1
		elif [ "$(pkg_mode "$root/$f")" != "$mode" ]; then
			echo "$f: mode $(pkg_mode "$root/$f"), want $mode"; rc=1
		fi
	done <<< "$want"
	(cd "$root" && find . ! -type d | sed 's|^\./||' | sort) > "$d/files"
	echo "$want" | cut -d' ' -f1 | sed '/^$/d' | sort > "$d/expected"
	if ! cmp -s "$d/files" "$d/expected"; then
		echo "unexpected files:"; comm -23 "$d/files" "$d/expected"; rc=1
	fi
	# Directories 0755, nothing writable by group or others.
	f=$(cd "$root" && find . -type d ! -perm 755)
	[ -z "$f" ] || { echo "directories not 0755: $f"; rc=1; }
	f=$(cd "$root" && find . ! -type l -perm /022)
	[ -z "$f" ] || { echo "group/other-writable: $f"; rc=1; }
	# The module: built for KVER, every parameter of the sources.
	if [ -n "$ko" ]; then
		f=$(modinfo -F vermagic "$root/$ko")
		[ "${f%% *}" = "$kver" ] || { echo "$ko: vermagic '$f', want $kver"; rc=1; }
		modinfo -F parm "$root/$ko" | cut -d: -f1 | sort -u > "$d/parms"
		pkg_params > "$d/parms.src"
		cmp -s "$d/parms" "$d/parms.src" ||
			{ echo "modinfo parameters differ from the sources:"; diff "$d/parms.src" "$d/parms"; rc=1; }
	fi
	# libbigphys.so.0 -> libbigphys.so.VER, libbigphys.so -> .so.0.
	[ "$(readlink "$root/usr/lib/libbigphys.so.0")" = "libbigphys.so.$ver" ] ||
		{ echo "libbigphys.so.0 -> $(readlink "$root/usr/lib/libbigphys.so.0")"; rc=1; }
	[ "$(readlink "$root/usr/lib/libbigphys.so")" = "libbigphys.so.0" ] ||
		{ echo "libbigphys.so -> $(readlink "$root/usr/lib/libbigphys.so")"; rc=1; }
	[ "$(objdump -p "$root/usr/lib/libbigphys.so.$ver" | awk '/SONAME/ {print $2}')" = libbigphys.so.0 ] ||
		{ echo "libbigphys.so.$ver: SONAME is not libbigphys.so.0"; rc=1; }
	# The .pc file is for PREFIX=/usr, not the build's default.
	grep -qx 'prefix=/usr' "$root/usr/lib/pkgconfig/bigphys.pc" ||
		{ echo "bigphys.pc: $(grep '^prefix=' "$root/usr/lib/pkgconfig/bigphys.pc"), want prefix=/usr"; rc=1; }
	f=$(PKG_CONFIG_PATH=$root/usr/lib/pkgconfig pkg-config --modversion bigphys)
	[ "$f" = "$ver" ] || { echo "pkg-config --modversion bigphys: '$f', want $ver"; rc=1; }
	# A program built against the installed tree only (pkg-config with the
	# staging root as sysroot), statically and against the shared library.
	cat > "$d/prog.c" <<-'EOF'
	#include <libbigphys.h>
	#include <stdio.h>
	int main(void)
	{
		struct bigphys_info info;	/* the uapi header through libbigphys.h */

		(void)info;
		puts(bp_strerror(-ENOSPC));
		return BIGPHYS_IOC_INFO == 0;
	}
	EOF
	# shellcheck disable=SC2046
	if ! gcc -Wall -Werror -o "$d/prog" "$d/prog.c" -include errno.h \
		$(PKG_CONFIG_PATH=$root/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
		  pkg-config --cflags --libs bigphys) > "$d/cc.log" 2>&1; then
		cat "$d/cc.log"; echo "cannot build a program with the installed libbigphys.so"; rc=1
	elif ! LD_LIBRARY_PATH=$root/usr/lib "$d/prog" > /dev/null; then
		echo "the program linked with the installed libbigphys.so failed"; rc=1
	fi
	# shellcheck disable=SC2046
	if ! gcc -static -Wall -Werror -o "$d/prog-static" "$d/prog.c" -include errno.h \
		$(PKG_CONFIG_PATH=$root/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
		  pkg-config --static --cflags --libs bigphys) > "$d/cc.log" 2>&1; then
		cat "$d/cc.log"; echo "cannot link the installed libbigphys.a (pkg-config --static)"; rc=1
	fi
	"$root/usr/sbin/bigphysctl" --help > /dev/null ||
		{ echo "installed bigphysctl --help failed"; rc=1; }
	# The modprobe.d example is inert as installed: comments only.
	f=$(grep -v '^[[:space:]]*\(#\|$\)' "$root/etc/modprobe.d/bigphys.conf")
	[ -z "$f" ] || { echo "bigphys.conf has active lines: $f"; rc=1; }
	grep -q '^KERNEL=="bigphys"' "$root/etc/udev/rules.d/99-bigphys.rules" ||
		{ echo "99-bigphys.rules: no KERNEL==\"bigphys\" rule"; rc=1; }
	# uninstall leaves no file behind.
	make -s -C "$TOP" BUILD="$BUILD" KVER="$kver" KDIR="$kdir" DESTDIR="$root" \
		PREFIX=/usr uninstall > "$d/uninstall.log" 2>&1 ||
		{ cat "$d/uninstall.log"; echo "make uninstall failed"; rc=1; }
	f=$(cd "$root" && find . ! -type d)
	[ -z "$f" ] || { echo "left after make uninstall:"; echo "$f"; rc=1; }
	[ $rc = 0 ] && echo "install tree for $kver checked: $(wc -l < "$d/expected") files"
	return $rc
}

# DKMS with private trees.  dkms 3.0.10 (Debian 12) takes --dkmstree,
# --sourcetree and --installtree, so /var/lib/dkms, /usr/src and
# /lib/modules are never written; what else it would touch on the host is
# switched off here:
#  - depmod -a KVER after install and remove rewrites the host's
#    /lib/modules/KVER/modules.*: --no-depmod (depmod -b on the staging
#    tree instead);
#  - it signs modules with /var/lib/dkms/mok.key, generating the key there
#    when missing: mok_signing_key/mok_certificate (read from the
#    environment unless /etc/dkms/framework.conf sets them) point into
#    $BUILD, a throwaway key;
#  - modprobe_on_install would load modules: unset.
# A framework.conf that sets those three is refused rather than obeyed.
pkg_dkms_check() {
	local kver=$1 kdir=$2 d=$BUILD/dkms-$1 rc=0 ver ko f
	local -a trees
	ver=$(pkg_version)
	command -v dkms > /dev/null || { echo "dkms is not installed"; return 1; }
	f=$(grep -hsE '^[[:space:]]*(mok_signing_key|mok_certificate|modprobe_on_install)=' \
		/etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf)
	[ -z "$f" ] || { echo "/etc/dkms/framework.conf* sets '$f': this check would use the host's settings; refusing"; return 1; }
	rm -rf "$d"
	mkdir -p "$d/tree" "$d/src" "$d/root/lib/modules/$kver"
	make -s -C "$TOP" DKMS_SOURCE_TREE="$d/src" dkms-source ||
		{ echo "make dkms-source failed"; return 1; }
	trees=(--dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/root/lib/modules")
	_dkms() {
		env -u modprobe_on_install mok_signing_key="$d/mok.key" \
			mok_certificate="$d/mok.pub" dkms "$@" "${trees[@]}"
	}
	_dkms add -m bigphys -v "$ver" || { echo "dkms add failed"; return 1; }
	if ! _dkms build -m bigphys -v "$ver" -k "$kver" --kernelsourcedir "$kdir"; then
		cat "$d/tree/bigphys/$ver/build/make.log" 2>/dev/null
		echo "dkms build failed for $kver"; return 1
	fi
	# A W=1-clean build is checked elsewhere; here: no error, no warning.
	if grep -E 'warning:|error:' "$d/tree/bigphys/$ver/$kver/x86_64/log/make.log"; then
		echo "dkms build for $kver warns"; rc=1
	fi
	_dkms install -m bigphys -v "$ver" -k "$kver" --kernelsourcedir "$kdir" --no-depmod ||
		{ echo "dkms install failed for $kver"; return 1; }
	_dkms status -m bigphys -v "$ver" -k "$kver" | tee "$d/status"
	grep -q ': installed' "$d/status" || { echo "dkms status does not say installed"; rc=1; }
	ko=$(cd "$d/root" && ls lib/modules/"$kver"/updates/dkms/bigphys.ko* 2>/dev/null)
	if [ -z "$ko" ]; then
		echo "no bigphys.ko in lib/modules/$kver/updates/dkms"; rc=1
	else
		f=$(modinfo -F vermagic "$d/root/$ko")
		[ "${f%% *}" = "$kver" ] || { echo "$ko: vermagic '$f', want $kver"; rc=1; }
		modinfo -F parm "$d/root/$ko" | cut -d: -f1 | sort -u > "$d/parms"
		pkg_params | cmp -s - "$d/parms" ||
			{ echo "modinfo parameters differ from the sources"; rc=1; }
		# depmod on the staging tree finds it (and its dependencies; the
		# staging tree has no list of the kernel's own modules).
		for f in modules.order modules.builtin modules.builtin.modinfo; do
			: > "$d/root/lib/modules/$kver/$f"
		done
		depmod -b "$d/root" "$kver" ||
			{ echo "depmod -b failed"; rc=1; }
		grep -q "^updates/dkms/bigphys.ko[^:]*:" "$d/root/lib/modules/$kver/modules.dep" ||
			{ echo "modules.dep has no updates/dkms/bigphys.ko"; rc=1; }
		modprobe -d "$d/root" -S "$kver" --show-depends bigphys > "$d/deps" 2>&1 ||
			{ cat "$d/deps"; echo "modprobe --show-depends bigphys failed"; rc=1; }
	fi
	_dkms remove -m bigphys -v "$ver" -k "$kver" --no-depmod ||
		{ echo "dkms remove failed"; rc=1; }
	f=$(cd "$d/root" && ls lib/modules/"$kver"/updates/dkms/bigphys.ko* 2>/dev/null)
	[ -z "$f" ] || { echo "dkms remove left $f"; rc=1; }
	[ $rc = 0 ] && echo "dkms: bigphys $ver built, installed and removed for $kver"
	return $rc
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	apt_install dkms mandoc kmod pkg-config binutils
	fails=0
	pkg_step() {
		local name=$1; shift
		if "$@" > "$BUILD/pkg.out" 2>&1; then
			echo "ok - static: $name"
		else
			echo "not ok - static: $name"; cat "$BUILD/pkg.out"
			fails=$((fails + 1))
		fi
	}
	pkg_step "man pages lint clean" pkg_man_lint
	pkg_step "man pages document every interface" pkg_man_complete
	first=1
	for k in "${@:-6.1 6.12}"; do
		for kk in $k; do
			kernel_fetch "$kk"
			if [ $first = 1 ]; then
				first=0
				pkg_step "make install into a DESTDIR, $KVER" pkg_install_check "$KVER" "$KDIR"
			fi
			pkg_step "DKMS build and install (private trees), $KVER" pkg_dkms_check "$KVER" "$KDIR"
		done
	done
	[ $fails = 0 ]
fi
