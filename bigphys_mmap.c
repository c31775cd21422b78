// SPDX-License-Identifier: GPL-2.0-only
/*
 * Map regions into user space like shared memory.
 *
 * The mmap offset is a physical address inside a region attached to the
 * file.  The mapping is VM_PFNMAP (no struct page refcounting), filled in
 * completely at mmap time, with the region's cache type: the PFNs are
 * inserted one by one so that x86 PAT gives each page the memtype the
 * region registered (see bigphys_pool.c); the result is what
 * remap_pfn_range() would map, without its range tracking.  Each VMA holds a
 * region reference, so fork, partial munmap and mremap keep the memory alive
 * until the last piece goes.
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

/*
 * mmap() fills the whole VMA, so this only runs if page tables were dropped
 * behind our back.  vm_pgoff is the PFN of vm_start, so pgoff is the PFN.
 */
static vm_fault_t bigphys_vm_fault(struct vm_fault *vmf)
{
	return vmf_insert_pfn_prot(vmf->vma, vmf->address, vmf->pgoff,
				   vmf->vma->vm_page_prot);
}

static const struct vm_operations_struct bigphys_vm_ops = {
	.open = bigphys_vm_open,
	.close = bigphys_vm_close,
	.fault = bigphys_vm_fault,
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
 * one region attached to @file; -EPERM for PROT_EXEC; -ENOMEM when page
 * tables cannot be allocated.  mprotect(PROT_EXEC) later fails with -EACCES
 * and mremap() growth with -EFAULT.
 */
int bigphys_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long addr, len = vma->vm_end - vma->vm_start;
	unsigned long pfn = vma->vm_pgoff;
	struct bigphys_region *r;
	phys_addr_t phys;

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
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = bigphys_pgprot(r->flags, vma->vm_page_prot);
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		if (vmf_insert_pfn_prot(vma, addr, pfn++, vma->vm_page_prot) !=
		    VM_FAULT_NOPAGE) {
			/* mmap_region() zaps what was inserted. */
			bigphys_region_put(r);
			return -ENOMEM;
		}
	}
	/* From here on the VMA owns the reference: close() drops it. */
	vma->vm_private_data = r;
	vma->vm_ops = &bigphys_vm_ops;
	atomic_inc(&r->nr_maps);
	return 0;
}
