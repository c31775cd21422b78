# SPDX-License-Identifier: GPL-2.0-only
# bigphys: see README.md.
#   make            build bigphys.ko against KDIR (default: the running kernel)
#   make demo       the main job: build, boot the QEMU VM with edu, run the demo
#   make check      all tests (static checks + VM suites); installs what it needs
#   make bench      benchmarks in the VM: bigphys against the usual ways
#   make user       static user-space binaries into build/user (used by the VM),
#                   with libbigphys (.a, .so, bigphys.pc)
#   make install    libbigphys, its headers and bigphys.pc into $(DESTDIR)$(PREFIX)
KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD ?= $(CURDIR)/build
LSRC ?= $(BUILD)/linux-source-6.1

UCC ?= gcc
UCFLAGS := -static -O2 -Wall -Wextra -Werror -I$(CURDIR)/include -I$(CURDIR)/tools
UDEPS := include/uapi/bigphys.h
TESTS := $(patsubst tests/%.c,$(BUILD)/user/%,$(wildcard tests/*_test.c))
PREFIX ?= /usr/local
LIBVERSION := 0.1.0

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

install: $(LIBA) $(LIBSO) $(LIBPC)
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/bigphys/uapi
	install -m 0644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/libbigphys.so.$(LIBVERSION)
	ln -sf libbigphys.so.$(LIBVERSION) $(DESTDIR)$(PREFIX)/lib/libbigphys.so.0
	ln -sf libbigphys.so.0 $(DESTDIR)$(PREFIX)/lib/libbigphys.so
	install -m 0644 $(LIBPC) $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 0644 include/libbigphys.h $(DESTDIR)$(PREFIX)/include/bigphys/
	install -m 0644 include/uapi/bigphys.h $(DESTDIR)$(PREFIX)/include/bigphys/uapi/

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

.PHONY: all modules clean user install check demo bench
