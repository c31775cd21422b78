// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcibar: map a PCI BAR and write register images to it (see pcibar.h).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcibar.h"

int pcibar_map(const char *pci_name, unsigned int bar, size_t min_size,
	       struct pcibar *b, char *what, size_t whatlen)
{
	char path[128];
	struct stat st;
	void *p;
	int e;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%u", pci_name, bar);
	b->fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (b->fd < 0) {
		snprintf(what, whatlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(b->fd, &st)) {
		e = errno;
		snprintf(what, whatlen, "%s: %s", path, strerror(e));
		goto fail;
	}
	if ((size_t)st.st_size < min_size) {
		e = ERANGE;
		snprintf(what, whatlen, "%s is only %lld bytes", path, (long long)st.st_size);
		goto fail;
	}
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	if (p == MAP_FAILED) {
		/* e.g. CONFIG_IO_STRICT_DEVMEM while a driver owns the BAR */
		e = errno;
		snprintf(what, whatlen, "mmap %s: %s", path, strerror(e));
		goto fail;
	}
	b->regs = p;
	b->size = st.st_size;
	return 0;

fail:
	close(b->fd);
	b->fd = -1;
	errno = e;
	return -1;
}

void pcibar_unmap(struct pcibar *b)
{
	munmap((void *)b->regs, b->size);
	close(b->fd);
	b->regs = NULL;
	b->fd = -1;
}

void pcibar_write_image(struct pcibar *b, uint64_t base, uint32_t *shadow,
			const struct regimage *img)
{
	size_t i;

	for (i = 0; i < img->nr; i++) {
		const struct regimage_reg *r = &img->regs[i];

		b->regs[(base + r->offset) / 4] = r->value;
		shadow[r->offset / 4] = r->value;
	}
	(void)b->regs[base / 4];	/* a read flushes the posted writes */
}
