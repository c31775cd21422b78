# SPDX-License-Identifier: GPL-2.0-only
# bigphys: see README.md.
#   make            build bigphys.ko against KDIR (default: the running kernel)
#   make demo       the main job: build, boot the QEMU VM with edu, run the demo
#   make check      all tests (static checks + VM suites); installs what it needs
#   make bench      benchmarks in the VM: bigphys against the usual ways
#   make user       static user-space binaries into build/user (used by the VM)
KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD ?= $(CURDIR)/build
LSRC ?= $(BUILD)/linux-source-6.1

UCC ?= gcc
UCFLAGS := -static -O2 -Wall -Wextra -Werror -I$(CURDIR)/include -I$(CURDIR)/tools
UDEPS := include/uapi/bigphys.h
TESTS := $(patsubst tests/%.c,$(BUILD)/user/%,$(wildcard tests/*_test.c))

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)/user $(BUILD)/mod-*

user: $(TESTS) $(BUILD)/user/bigphysctl $(BUILD)/user/boot_config $(BUILD)/user/bigphys_bench

$(BUILD)/user/%_test: tests/%_test.c $(wildcard tests/*.h) $(UDEPS)
	@mkdir -p $(@D)
	$(UCC) $(UCFLAGS) -pthread -I$(LSRC)/tools/testing/selftests -o $@ $< -luring

$(BUILD)/user/bigphysctl: tools/bigphysctl.c tools/regimage.c tools/regimage.h $(UDEPS)
	@mkdir -p $(@D)
	$(UCC) $(UCFLAGS) -o $@ tools/bigphysctl.c tools/regimage.c

PCIBAR := tools/pcibar.c tools/pcibar.h tools/regimage.c tools/regimage.h

$(BUILD)/user/boot_config: examples/boot_config.c $(PCIBAR) $(UDEPS)
	@mkdir -p $(@D)
	$(UCC) $(UCFLAGS) -o $@ examples/boot_config.c tools/regimage.c tools/pcibar.c -lrt

$(BUILD)/user/bigphys_bench: tools/bigphys_bench.c $(PCIBAR) $(UDEPS)
	@mkdir -p $(@D)
	$(UCC) $(UCFLAGS) -o $@ tools/bigphys_bench.c tools/regimage.c tools/pcibar.c -lrt -lm

check:
	bash scripts/check.sh

demo:
	bash scripts/demo.sh

bench:
	bash scripts/bench.sh

.PHONY: all modules clean user check demo bench
