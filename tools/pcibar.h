/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pcibar: the usual way of configuring a device, for comparison with
 * bigphys: map a PCI BAR from user space through sysfs and write a register
 * image to it word by word, keeping a shadow copy in ordinary memory.
 * Shared by examples/boot_config.c and tools/bigphys_bench.c.
 *
 * Mapping /sys/bus/pci/devices/NAME/resourceN while a driver (bigphys) owns
 * the BAR needs the kernel command line option iomem=relaxed.
 */
#ifndef PCIBAR_H
#define PCIBAR_H

#include <stddef.h>
#include <stdint.h>

#include "regimage.h"

struct pcibar {
	volatile uint32_t *regs;	/* MMIO: every access must happen */
	size_t size;			/* bytes mapped */
	int fd;
};

/*
 * pcibar_map - map BAR @bar of PCI device @pci_name (e.g. "0000:00:04.0"),
 * which must be at least @min_size bytes.  Returns 0, or -1 with errno set
 * and a description in @what (@whatlen bytes).
 */
int pcibar_map(const char *pci_name, unsigned int bar, size_t min_size,
	       struct pcibar *b, char *what, size_t whatlen);

void pcibar_unmap(struct pcibar *b);

/*
 * pcibar_write_image - write every register of @img, in file order, with one
 * 32-bit MMIO store each to byte @base + offset of @b, and the same value to
 * @shadow (indexed by offset / 4); then read the register at @base back,
 * which waits for the posted writes to reach the device.
 */
void pcibar_write_image(struct pcibar *b, uint64_t base, uint32_t *shadow,
			const struct regimage *img);

#endif /* PCIBAR_H */
