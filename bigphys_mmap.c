// SPDX-License-Identifier: GPL-2.0-only
/*
 * Map regions into user space like shared memory.
 *
 * The mmap offset is a physical address inside a region attached to the
 * file.  The mapping is remap_pfn_range() (VM_PFNMAP: no struct page
 * refcounting) with the region's cache type; each VMA holds a region
 * reference, so fork, partial munmap and mremap keep the memory alive until
 * the last piece goes.
 */
#include <linux/fs.h>
#include <linux/mm.h>

#include "bigphys_compat.h"
#include "bigphys_priv.h"

static void bigphys_vm_open(struct vm_area_struct *vma)
{
	struct bigphys_region *r = vma->vm_private_data;

	kref_get(&r->ref);
	atomic_inc(&r->nr_maps);
}

static void bigphys_vm_close(struct vm_area_struct *vma)
{
	struct bigphys_region *r = vma->vm_private_data;

	atomic_dec(&r->nr_maps);
	bigphys_region_put(r);
}

static const struct vm_operations_struct bigphys_vm_ops = {
	.open = bigphys_vm_open,
	.close = bigphys_vm_close,
};

static pgprot_t bigphys_pgprot(u32 flags, pgprot_t prot)
{
	switch (flags & BIGPHYS_CACHE_MASK) {
	case BIGPHYS_CACHE_WB:
		return prot;
	case BIGPHYS_CACHE_UC:
		return pgprot_noncached(prot);
	default:
		return pgprot_writecombine(prot);
	}
}

/**
 * bigphys_mmap() - map part of an attached region
 * @file: /dev/bigphys file
 * @vma: offset (vm_pgoff) = physical address >> PAGE_SHIFT
 *
 * Context: mmap_lock held for writing; takes bigphys_lock.
 * Return: 0; -EINVAL for MAP_PRIVATE or a range that is not wholly inside
 * one region attached to @file; -EPERM for PROT_EXEC; the error of
 * remap_pfn_range().  mprotect(PROT_EXEC) later fails with -EACCES and
 * mremap() growth with -EFAULT.
 */
int bigphys_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	struct bigphys_region *r;
	phys_addr_t phys;
	int err;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (vma->vm_pgoff > (PHYS_ADDR_MAX >> PAGE_SHIFT))
		return -EINVAL;
	phys = (phys_addr_t)vma->vm_pgoff << PAGE_SHIFT;

	r = bigphys_file_region_get(file->private_data, 0, phys, len);
	if (!r)
		return -EINVAL;

	vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = bigphys_pgprot(r->flags, vma->vm_page_prot);
	err = remap_pfn_range(vma, vma->vm_start, vma->vm_pgoff, len,
			      vma->vm_page_prot);
	if (err) {
		bigphys_region_put(r);
		return err;
	}
	/* From here on the VMA owns the reference: close() drops it. */
	vma->vm_private_data = r;
	vma->vm_ops = &bigphys_vm_ops;
	atomic_inc(&r->nr_maps);
	return 0;
}
