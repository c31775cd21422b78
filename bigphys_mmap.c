// SPDX-License-Identifier: GPL-2.0-only
/*
 * Map regions into user space like shared memory.
 *
 * The mmap offset is a physical address inside a region attached to the
 * file.  The mapping is filled in completely at mmap time.  Each VMA holds a
 * region reference, so fork, partial munmap and mremap keep the memory alive
 * until the last piece goes.
 *  - WC/UC/WB regions: VM_IO | VM_PFNMAP (no struct page refcounting), with
 *    the region's cache type: the PFNs are inserted one by one so that x86
 *    PAT gives each page the memtype the region registered (see
 *    bigphys_pool.c); the result is what remap_pfn_range() would map,
 *    without its range tracking.
 *  - page-backed regions (BIGPHYS_ALLOC_PAGES): VM_MIXEDMAP with pages
 *    (bigphys_pages_insert()), write-back, so get_user_pages() works on it.
 * Debuggers: access_remote_vm() (/proc/PID/mem, ptrace) uses GUP, which
 * refuses PFN mappings; .access then copies through the region's kernel
 * mapping, which has the region's cache type, so it never adds a mapping of
 * another type (generic_access_phys() would ioremap() each access, and
 * ioremap() of the page-allocator pool's RAM WARNs).
 */
#include <linux/fs.h>
#include <linux/io.h>
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

static vm_fault_t bigphys_insert(struct vm_area_struct *vma,
				 unsigned long addr, unsigned long pfn)
{
	struct bigphys_region *r = vma->vm_private_data;

	if (r->flags & BIGPHYS_ALLOC_PAGES)
		return bigphys_pages_insert(vma, addr, pfn);
	return vmf_insert_pfn_prot(vma, addr, pfn, vma->vm_page_prot);
}

/*
 * mmap() fills the whole VMA, so this only runs if page tables were dropped
 * behind our back.  vm_pgoff is the PFN of vm_start, so pgoff is the PFN.
 */
static vm_fault_t bigphys_vm_fault(struct vm_fault *vmf)
{
	return bigphys_insert(vmf->vma, vmf->address, vmf->pgoff);
}

/*
 * access_remote_vm() fallback for what GUP cannot take (PFN mappings):
 * copy @len bytes at @addr, clipped to the VMA, through the region's kernel
 * mapping.  Writes need a writable mapping, like a PTE would.
 * Context: mmap_lock held (read); the VMA holds a region reference.
 */
static int bigphys_vm_access(struct vm_area_struct *vma, unsigned long addr,
			     void *buf, int len, int write)
{
	struct bigphys_region *r = vma->vm_private_data;
	phys_addr_t phys = ((phys_addr_t)vma->vm_pgoff << PAGE_SHIFT) +
			   (addr - vma->vm_start);
	size_t off = phys - r->phys;

	if (write && !(vma->vm_flags & VM_WRITE))
		return -EINVAL;
	len = min_t(unsigned long, len, vma->vm_end - addr);
	if (r->kmap && write)
		memcpy_toio(r->kmap + off, buf, len);
	else if (r->kmap)
		memcpy_fromio(buf, r->kmap + off, len);
	else if (write)
		memcpy(phys_to_virt(phys), buf, len);
	else
		memcpy(buf, phys_to_virt(phys), len);
	return len;
}

static const struct vm_operations_struct bigphys_vm_ops = {
	.open = bigphys_vm_open,
	.close = bigphys_vm_close,
	.fault = bigphys_vm_fault,
	.access = bigphys_vm_access,
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
 * bigphys_region_mmap() - map part of a region into a VMA
 * @r: the region; the caller's reference passes to the VMA (or is put when
 *	this fails)
 * @vma: vm_pgoff = PFN of vm_start, inside @r with the whole VMA
 *
 * Shared by /dev/bigphys and exported dma-bufs (bigphys_dmabuf.c).
 * Context: mmap_lock held for writing.
 * Return: 0; -EINVAL for MAP_PRIVATE; -EPERM for PROT_EXEC; -ENOMEM when
 * page tables cannot be allocated.
 */
int bigphys_region_mmap(struct bigphys_region *r, struct vm_area_struct *vma)
{
	unsigned long addr, pfn = vma->vm_pgoff;
	int err = -EINVAL;

	/*
	 * VM_MAYSHARE, not VM_SHARED: do_mmap() clears VM_SHARED (and
	 * VM_MAYWRITE) for a MAP_SHARED mapping of a file opened read-only,
	 * such as a dma-buf exported without BIGPHYS_EXPORT_RDWR.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		goto put_region;
	err = -EPERM;
	if (vma->vm_flags & VM_EXEC)
		goto put_region;
	vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	if (r->flags & BIGPHYS_ALLOC_PAGES)
		vm_flags_set(vma, VM_MIXEDMAP);
	else
		vm_flags_set(vma, VM_IO | VM_PFNMAP);
	vma->vm_page_prot = bigphys_pgprot(r->flags, vma->vm_page_prot);
	vma->vm_private_data = r;
	err = -ENOMEM;
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		/* On failure mmap_region() zaps what was inserted. */
		if (bigphys_insert(vma, addr, pfn++) != VM_FAULT_NOPAGE) {
			vma->vm_private_data = NULL;
			goto put_region;
		}
	}
	/* From here on the VMA owns the reference: close() drops it. */
	vma->vm_ops = &bigphys_vm_ops;
	atomic_inc(&r->nr_maps);
	return 0;

put_region:
	bigphys_region_put(r);
	return err;
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
	struct bigphys_region *r;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (vma->vm_pgoff > (PHYS_ADDR_MAX >> PAGE_SHIFT))
		return -EINVAL;
	r = bigphys_file_region_get(file->private_data, 0,
				    (phys_addr_t)vma->vm_pgoff << PAGE_SHIFT,
				    vma->vm_end - vma->vm_start);
	if (!r)
		return -EINVAL;
	return bigphys_region_mmap(r, vma);
}
