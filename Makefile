# SPDX-License-Identifier: GPL-2.0-only
# bigphys: see README.md.
#   make            build bigphys.ko against KDIR (default: the running kernel)
#   make demo       the main job: build, boot the QEMU VM with edu, run the demo
#   make check      all tests (static checks + VM suites); installs what it needs
#   make bench      benchmarks in the VM: bigphys against the usual ways
#   make arm64-build / arm64-boot   opt-in arm64 work in progress (README.md
#                   "arm64 (work in progress)"): cross build / boot probe
#   make user       static user-space binaries into build/user (used by the VM),
#                   with libbigphys (.a, .so, bigphys.pc)
#   make install    everything (install-module + install-user), see README.md
#                   "Installing": DESTDIR (staging root), PREFIX (/usr/local),
#                   KVER (kernel version, default the running one)
#   make install-module   bigphys.ko via modules_install into
#                   $(DESTDIR)/lib/modules/$(KVER)/updates
#   make install-user     bigphysctl, libbigphys (.a, .so, .pc), headers, man
#                   pages, udev rule, modprobe.d example, docs
#   make uninstall  removes what install put there (same variables)
#   make dkms-install / dkms-remove   the module through DKMS (dkms.conf)
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
BUILD ?= $(CURDIR)/build
LSRC ?= $(BUILD)/linux-source-6.1

UCC ?= gcc
UCFLAGS := -static -O2 -Wall -Wextra -Werror -I$(CURDIR)/include -I$(CURDIR)/tools
UDEPS := include/uapi/bigphys.h
TESTS := $(patsubst tests/%.c,$(BUILD)/user/%,$(wildcard tests/*_test.c))
PREFIX ?= /usr/local
# The version, in one place: PACKAGE_VERSION in dkms.conf.  (Not VERSION:
# a command-line VERSION= would reach the kernel's Makefile through $(MAKE) -C.)
BIGPHYS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)
LIBVERSION := $(BIGPHYS_VERSION)

# libbigphys: static (what the guest binaries link), shared, pkg-config file.
LIBSRC := lib/libbigphys.c lib/bp_uring.c
LIBHDR := include/libbigphys.h lib/bp_internal.h $(UDEPS)
LIBOBJ := $(BUILD)/lib-obj
LIBA := $(BUILD)/user/libbigphys.a
LIBSO := $(BUILD)/user/libbigphys.so
LIBPC := $(BUILD)/user/bigphys.pc
# Programs that use the library link it and liburing statically.
LIBLINK := $(LIBA) -luring
LIBCFLAGS := -O2 -Wall -Wextra -Werror -I$(CURDIR)/include

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)/user $(BUILD)/lib-obj $(BUILD)/mod-*

user: $(LIBA) $(LIBSO) $(LIBPC) $(TESTS) $(BUILD)/user/bigphysctl \
	$(BUILD)/user/boot_config $(BUILD)/user/bigphys_bench

$(LIBOBJ)/%.o: lib/%.c $(LIBHDR)
	@mkdir -p $(@D)
	$(UCC) $(LIBCFLAGS) -c -o $@ $<

$(LIBOBJ)/%.pic.o: lib/%.c $(LIBHDR)
	@mkdir -p $(@D)
	$(UCC) $(LIBCFLAGS) -fPIC -c -o $@ $<

$(LIBA): $(patsubst lib/%.c,$(LIBOBJ)/%.o,$(LIBSRC))
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(LIBSO): $(patsubst lib/%.c,$(LIBOBJ)/%.pic.o,$(LIBSRC))
	@mkdir -p $(@D)
	$(UCC) -shared -Wl,-soname,libbigphys.so.0 -o $@ $^ -luring

$(LIBPC): lib/bigphys.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LIBVERSION)|' $< > $@

# Installation directories (README.md "Installing").  The udev rule and the
# modprobe.d example go to /etc whatever PREFIX is: udev and modprobe read
# /etc and /usr/lib but not /usr/local (a distribution package would set
# UDEVRULESDIR=/usr/lib/udev/rules.d).  bigphysctl is an administrator's
# tool (man section 8): sbin.
SBINDIR ?= $(PREFIX)/sbin
LIBDIR := $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/bigphys
UDEVRULESDIR ?= /etc/udev/rules.d
MODPROBEDIR ?= /etc/modprobe.d
# The module: modules_install into $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)
# from MODDIR (default the checkout, built in place like `make`; the install
# test passes a build directory of its own).  Debian's headers have
# CONFIG_MODULE_SIG_ALL but no signing key: sign only when the key is there.
MODDIR ?= $(CURDIR)
INSTALL_MOD_DIR ?= updates
MODSIGN := $(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=)

install: install-module install-user

install-module:
	$(MAKE) -C $(KDIR) M=$(MODDIR) modules
	$(MAKE) -C $(KDIR) M=$(MODDIR) modules_install INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) $(MODSIGN)
	@# The headers have no System.map, so modules_install skips depmod.
	$(if $(DESTDIR),,depmod -a $(KVER))

install-user: $(LIBA) $(LIBSO) $(BUILD)/user/bigphysctl
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/bigphys/uapi \
		$(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(MODPROBEDIR)
	install -m 0644 $(LIBA) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(LIBSO) $(DESTDIR)$(LIBDIR)/libbigphys.so.$(LIBVERSION)
	ln -sf libbigphys.so.$(LIBVERSION) $(DESTDIR)$(LIBDIR)/libbigphys.so.0
	ln -sf libbigphys.so.0 $(DESTDIR)$(LIBDIR)/libbigphys.so
	@# From the template, for this PREFIX (build/user/bigphys.pc has the build's).
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LIBVERSION)|' lib/bigphys.pc.in \
		> $(DESTDIR)$(LIBDIR)/pkgconfig/bigphys.pc
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/bigphys.pc
	install -m 0644 include/libbigphys.h $(DESTDIR)$(INCLUDEDIR)/bigphys/
	install -m 0644 include/uapi/bigphys.h $(DESTDIR)$(INCLUDEDIR)/bigphys/uapi/
	install -m 0755 $(BUILD)/user/bigphysctl $(DESTDIR)$(SBINDIR)/
	install -m 0644 Documentation/man/bigphys.4 $(DESTDIR)$(MANDIR)/man4/
	install -m 0644 Documentation/man/bigphysctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 Documentation/bigphys.rst README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 scripts/99-bigphys.rules $(DESTDIR)$(UDEVRULESDIR)/
	@# Every line of the example is a comment; an edited copy is kept.
	if [ -e $(DESTDIR)$(MODPROBEDIR)/bigphys.conf ] && \
	   ! cmp -s scripts/bigphys.conf $(DESTDIR)$(MODPROBEDIR)/bigphys.conf; then \
		echo "kept $(DESTDIR)$(MODPROBEDIR)/bigphys.conf (changed locally)"; \
	else \
		install -m 0644 scripts/bigphys.conf $(DESTDIR)$(MODPROBEDIR)/; \
	fi
	@if [ -z "$(DESTDIR)" ] && ! getent group bigphys > /dev/null; then \
		echo "note: no group 'bigphys' (udev rule): groupadd -r bigphys"; fi
	$(if $(DESTDIR),,-ldconfig)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/bigphys.ko \
		$(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/bigphys.ko.*
	$(if $(DESTDIR),,depmod -a $(KVER))
	rm -f $(DESTDIR)$(LIBDIR)/libbigphys.a $(DESTDIR)$(LIBDIR)/libbigphys.so \
		$(DESTDIR)$(LIBDIR)/libbigphys.so.0 \
		$(DESTDIR)$(LIBDIR)/libbigphys.so.$(LIBVERSION) \
		$(DESTDIR)$(LIBDIR)/pkgconfig/bigphys.pc \
		$(DESTDIR)$(INCLUDEDIR)/bigphys/libbigphys.h \
		$(DESTDIR)$(INCLUDEDIR)/bigphys/uapi/bigphys.h \
		$(DESTDIR)$(SBINDIR)/bigphysctl \
		$(DESTDIR)$(MANDIR)/man4/bigphys.4 $(DESTDIR)$(MANDIR)/man8/bigphysctl.8 \
		$(DESTDIR)$(DOCDIR)/bigphys.rst $(DESTDIR)$(DOCDIR)/README.md \
		$(DESTDIR)$(UDEVRULESDIR)/99-bigphys.rules
	-rmdir $(DESTDIR)$(INCLUDEDIR)/bigphys/uapi $(DESTDIR)$(INCLUDEDIR)/bigphys \
		$(DESTDIR)$(DOCDIR)
	@# The modprobe.d file only when it is still the unedited example.
	if cmp -s scripts/bigphys.conf $(DESTDIR)$(MODPROBEDIR)/bigphys.conf; then \
		rm -f $(DESTDIR)$(MODPROBEDIR)/bigphys.conf; fi

# DKMS (dkms.conf).  dkms-source copies what the module build needs to
# $(DKMS_SOURCE_TREE)/bigphys-$(BIGPHYS_VERSION) (dkms's source tree, /usr/src); the
# packaging check in `make check` (scripts/pkg.sh) uses it with a private tree.
DKMS_SOURCE_TREE ?= /usr/src
DKMS_FILES := dkms.conf Kbuild $(wildcard bigphys_*.c bigphys_*.h) \
	$(filter-out include/libbigphys.h,$(wildcard include/*.h)) \
	$(wildcard include/uapi/*.h)
DKMS_DIR := $(DKMS_SOURCE_TREE)/bigphys-$(BIGPHYS_VERSION)

dkms-source:
	rm -rf $(DKMS_DIR)
	install -d $(DKMS_DIR)/include/uapi
	for f in $(DKMS_FILES); do install -m 0644 $$f $(DKMS_DIR)/$$f || exit 1; done

# add, build and install for KVER (each unless already done: an installed
# version says so and fails; dkms-remove first).
dkms-install: dkms-source
	dkms status -m bigphys -v $(BIGPHYS_VERSION) | grep -q . || dkms add -m bigphys -v $(BIGPHYS_VERSION)
	dkms status -m bigphys -v $(BIGPHYS_VERSION) -k $(KVER) | grep -qE ': (built|installed)' || \
		dkms build -m bigphys -v $(BIGPHYS_VERSION) -k $(KVER)
	dkms install -m bigphys -v $(BIGPHYS_VERSION) -k $(KVER)

dkms-remove:
	dkms remove -m bigphys -v $(BIGPHYS_VERSION) --all
	rm -rf $(DKMS_DIR)

$(BUILD)/user/%_test: tests/%_test.c $(wildcard tests/*.h) $(UDEPS)
	@mkdir -p $(@D)
	$(UCC) $(UCFLAGS) -pthread -I$(LSRC)/tools/testing/selftests -o $@ $< -luring

# The library's own test links the library.
$(BUILD)/user/lib_test: tests/lib_test.c $(wildcard tests/*.h) $(UDEPS) $(LIBA)
	@mkdir -p $(@D)
	$(UCC) $(UCFLAGS) -pthread -I$(LSRC)/tools/testing/selftests -o $@ $< $(LIBLINK)

$(BUILD)/user/bigphysctl: tools/bigphysctl.c tools/regimage.c tools/regimage.h $(UDEPS) $(LIBA)
	@mkdir -p $(@D)
	$(UCC) $(UCFLAGS) -o $@ tools/bigphysctl.c tools/regimage.c $(LIBLINK)

PCIBAR := tools/pcibar.c tools/pcibar.h tools/regimage.c tools/regimage.h \
	tools/taskcpu.c tools/taskcpu.h tools/fineclock.h

$(BUILD)/user/boot_config: examples/boot_config.c $(PCIBAR) $(UDEPS) $(LIBA)
	@mkdir -p $(@D)
	$(UCC) $(UCFLAGS) -o $@ examples/boot_config.c tools/regimage.c tools/pcibar.c \
		tools/taskcpu.c \
		$(LIBLINK) -lrt

$(BUILD)/user/bigphys_bench: tools/bigphys_bench.c $(PCIBAR) $(UDEPS) $(LIBA)
	@mkdir -p $(@D)
	$(UCC) $(UCFLAGS) -pthread -o $@ tools/bigphys_bench.c tools/regimage.c tools/pcibar.c \
		tools/taskcpu.c \
		$(LIBLINK) -lrt -lm

check:
	bash scripts/check.sh

demo:
	bash scripts/demo.sh

bench:
	bash scripts/bench.sh

# arm64 groundwork (issue 14), opt-in: not part of check/demo/bench.
arm64-build:
	bash scripts/arm64.sh build

arm64-boot:
	bash scripts/arm64.sh all

.PHONY: all modules clean user install install-module install-user uninstall \
	dkms-source dkms-install dkms-remove check demo bench arm64-build arm64-boot
