// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page-backed regions (BIGPHYS_ALLOC_PAGES): the pool's page-backed part,
 * mapping its pages, and the memory foreign page references still hold.
 *
 * Why a separate part.  A boot-reserved range has no direct map, and where
 * a whole memory section is reserved, no struct pages: the kernel cannot
 * take page references on it, so a user mapping of it must be VM_PFNMAP,
 * which get_user_pages()/pin_user_pages() refuse (O_DIRECT, vmsplice(),
 * MSG_ZEROCOPY, process_vm_readv() and io_uring registered buffers fail with
 * -EFAULT).  memremap_pages() with a MEMORY_DEVICE_GENERIC pgmap, as
 * device-dax does for pmem, gives such a range struct pages and a direct
 * map.  It also registers the whole range write-back with x86 PAT, and PAT
 * refuses or silently changes a WC/UC mapping of memory registered WB.  So
 * the page-backed part is its own reserved range (pages_base=,
 * pages_size=, 2 MiB aligned for memory hotplug's subsections), converted
 * once at load and write-back for its whole life; WC and UC regions come
 * from the main pool and stay PFN mappings.  Converting per region would
 * need 2 MiB granules and a hotplug per ALLOC; splitting one range would
 * make the split a second policy knob anyway.
 *
 * Mapping.  Pages of the page-backed part are inserted as PFN_DEV|PFN_MAP
 * pfns (vmf_insert_mixed(): pte_devmap, which GUP turns into page
 * references through the pgmap), as drivers/dax/device.c does.  The
 * page-allocator pool has ordinary pages (split at load, one reference count
 * each): vmf_insert_page().  Neither takes a reference that outlives the
 * mapping's page tables.
 *
 * Foreign references.  A page reference taken through GUP (a pipe holding
 * vmsplice()d pages, an skb of MSG_ZEROCOPY, an O_DIRECT bio, io_uring
 * registered buffers) can outlive every fd, mapping and name of the region,
 * and memunmap_pages() does not wait for such references on GENERIC
 * pgmaps.  Every page of the part has reference count 1 when nobody else
 * holds it (GENERIC pages and split pages start at 1 and mappings here take
 * none), so when a page-backed region's last reference goes, any page with
 * a higher count is held from outside: the region is then HELD, with its
 * memory out of the pool and still charged to its owner, it is listed with
 * BIGPHYS_REGION_HELD, and it holds the module.  A delayed work rechecks
 * every BIGPHYS_HELD_RECHECK and returns the memory once every page is
 * free.  No new reference can appear meanwhile: nothing maps the pages any
 * more, and a holder can only pass on references it has.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/genalloc.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pfn_t.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>

#include "bigphys_compat.h"
#include "bigphys_priv.h"

/* How often HELD regions are looked at again. */
#define BIGPHYS_HELD_RECHECK	(HZ / 5)

/* memory hotplug adds and removes memory in subsections of this size */
#define BIGPHYS_PAGES_ALIGN	SZ_2M

static struct {
	struct gen_pool *gp;	/* NULL: no page-backed part */
	struct resource *res;
	struct dev_pagemap pgmap;
	u64 held_bytes;		/* HELD regions' bytes; bigphys_lock */
} pages;

static void bigphys_held_scan(struct work_struct *work);
static DECLARE_DELAYED_WORK(bigphys_held_work, bigphys_held_scan);

/**
 * bigphys_pages_init() - make the pages_base=/pages_size= range page-backed
 * @base_str: pages_base= (physical address, 2 MiB aligned)
 * @size_str: pages_size= (bytes, a multiple of 2 MiB)
 *
 * Context: module load, after the main pool is claimed (so an overlap with
 * it is refused as -EBUSY).
 * Return: 0; the errors of bigphys_range_claim(); -ENOMEM; or the error of
 * memremap_pages() (logged).
 */
int bigphys_pages_init(const char *base_str, const char *size_str)
{
	struct range range;
	void *va;
	int err;

	pages.res = bigphys_range_claim("pages_base", "pages_size", base_str,
					size_str, BIGPHYS_PAGES_ALIGN, &range);
	if (IS_ERR(pages.res))
		return PTR_ERR(pages.res);

	pages.pgmap.type = MEMORY_DEVICE_GENERIC;
	pages.pgmap.range = range;
	pages.pgmap.nr_range = 1;
	va = memremap_pages(&pages.pgmap, NUMA_NO_NODE);
	if (IS_ERR(va)) {
		err = PTR_ERR(va);
		pr_err("pages_base=%#llx pages_size=%#llx: cannot give the range struct pages (memremap_pages: %d)\n",
		       range.start, range_len(&range), err);
		goto release;
	}
	/* The rule the HELD check stands on (see the top of the file). */
	if (page_ref_count(pfn_to_page(PHYS_PFN(range.start))) != 1) {
		pr_err("pages_base=%#llx: unexpected page reference count %d: page-backed regions unsupported on this kernel\n",
		       range.start,
		       page_ref_count(pfn_to_page(PHYS_PFN(range.start))));
		err = -EOPNOTSUPP;
		goto unmap;
	}
	pages.gp = gen_pool_create(PAGE_SHIFT, NUMA_NO_NODE);
	if (!pages.gp) {
		err = -ENOMEM;
		goto unmap;
	}
	err = gen_pool_add(pages.gp, range.start, range_len(&range),
			   NUMA_NO_NODE);
	if (err)
		goto destroy_gp;
	pr_info("page-backed part %#llx + %llu KiB\n", range.start,
		range_len(&range) >> 10);
	return 0;

destroy_gp:
	gen_pool_destroy(pages.gp);
	pages.gp = NULL;
unmap:
	memunmap_pages(&pages.pgmap);
release:
	release_mem_region(range.start, range_len(&range));
	return err;
}

/* Module unload: no region, HELD ones included, exists any more. */
void bigphys_pages_exit(void)
{
	cancel_delayed_work_sync(&bigphys_held_work);
	if (!pages.gp)
		return;
	gen_pool_destroy(pages.gp);
	memunmap_pages(&pages.pgmap);
	release_mem_region(pages.pgmap.range.start,
			   range_len(&pages.pgmap.range));
}

/* The page-backed part's allocator, or NULL when there is none. */
struct gen_pool *bigphys_pages_gp(void)
{
	return pages.gp;
}

/**
 * bigphys_pages_info() - the page-backed part and HELD bytes for INFO
 * @info: pages_* filled when there is a page-backed part; held_bytes always
 *
 * Context: bigphys_lock held.
 */
void bigphys_pages_info(struct bigphys_info *info)
{
	lockdep_assert_held(&bigphys_lock);
	info->held_bytes = pages.held_bytes;
	if (!pages.gp)
		return;
	info->flags |= BIGPHYS_POOL_HAS_PAGES;
	info->pages_base = pages.pgmap.range.start;
	info->pages_size = range_len(&pages.pgmap.range);
	info->pages_free = gen_pool_avail(pages.gp);
}

/**
 * bigphys_pages_held() - whether any page of a region is referenced
 * @r: a page-backed region that no VMA maps any more
 *
 * Return: true when a page's reference count is above the 1 it has when
 * only the pool owns it.
 */
bool bigphys_pages_held(const struct bigphys_region *r)
{
	unsigned long pfn, end = PHYS_PFN(r->phys + r->size);

	for (pfn = PHYS_PFN(r->phys); pfn < end; pfn++)
		if (page_ref_count(pfn_to_page(pfn)) != 1)
			return true;
	return false;
}

/**
 * bigphys_region_hold() - keep a released region's memory while held
 * @r: a page-backed region whose last reference just went and whose
 *	pages bigphys_pages_held() found referenced
 *
 * The region stays in bigphys_regions, nameless, flagged
 * BIGPHYS_REGION_HELD (nobody can find it by name or id, take a reference
 * or map it; LIST shows it), charged to its owner, and holding the module.
 * Context: bigphys_lock held.
 */
void bigphys_region_hold(struct bigphys_region *r)
{
	lockdep_assert_held(&bigphys_lock);
	memset(r->name, 0, sizeof(r->name));
	r->flags = (r->flags & ~BIGPHYS_ALLOC_PERSIST) | BIGPHYS_REGION_HELD;
	pages.held_bytes += r->size;
	__module_get(THIS_MODULE);
	schedule_delayed_work(&bigphys_held_work, BIGPHYS_HELD_RECHECK);
}

static void bigphys_held_scan(struct work_struct *work)
{
	unsigned int freed = 0, left = 0;
	struct bigphys_region *r;
	unsigned long id;

	mutex_lock(&bigphys_lock);
	xa_for_each(&bigphys_regions, id, r) {
		if (!(r->flags & BIGPHYS_REGION_HELD))
			continue;
		if (bigphys_pages_held(r)) {
			left++;
			continue;
		}
		pages.held_bytes -= r->size;
		bigphys_region_destroy(r);
		freed++;
	}
	if (left)
		schedule_delayed_work(&bigphys_held_work, BIGPHYS_HELD_RECHECK);
	mutex_unlock(&bigphys_lock);
	/* Unload waits for this work (bigphys_pages_exit()). */
	while (freed--)
		module_put(THIS_MODULE);
}

/**
 * bigphys_pages_insert() - map one page of a page-backed region
 * @vma: a VMA of a BIGPHYS_ALLOC_PAGES region
 * @addr: user address, page aligned, inside @vma
 * @pfn: the page's pfn
 *
 * Context: mmap() or a fault on @vma (mmap_lock held).
 * Return: VM_FAULT_NOPAGE, or VM_FAULT_OOM/SIGBUS.
 */
vm_fault_t bigphys_pages_insert(struct vm_area_struct *vma,
				unsigned long addr, unsigned long pfn)
{
	if (!pages.gp)	/* page-allocator pool: ordinary pages */
		return vmf_insert_page(vma, addr, pfn_to_page(pfn));
	return vmf_insert_mixed(vma, addr,
				__pfn_to_pfn_t(pfn, PFN_DEV | PFN_MAP));
}
