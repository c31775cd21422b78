// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory mapped for one device (struct bigphys_dma_mem), and DMA_MAP
 * (map-only) mappings.
 *
 * How memory is mapped for the device (streaming DMA API, &pdev->dev):
 *  - reserved range: dma_map_resource().  The range is not System RAM to the
 *    kernel: it has no direct-map address, so dma_map_single() on its
 *    memremap() address is wrong, and dma_map_page() oopses under
 *    swiotlb=force (the bounce copy reads phys_to_virt() of it).  Nothing
 *    is bounced: under a translating IOMMU dma_map_resource() returns an
 *    IOVA; under swiotlb=force it returns the physical address.  Without
 *    translation (no IOMMU, or an identity domain as with iommu=pt) a range
 *    beyond the DMA mask is refused with -EIO up front: dma-direct would
 *    WARN.  dma_map_resource() is meant for MMIO and does no CPU cache
 *    maintenance; see "Cache coherence" below for what bigphys does itself.
 *  - page-allocator pool, page-backed regions (struct pages and a direct
 *    map from memremap_pages(), bigphys_pages.c) and user memory
 *    (BIGPHYS_DMA_USER_PTR): RAM with struct pages: an sg_table and
 *    dma_map_sgtable(), in segments
 *    no longer than dma_max_mapping_size() so swiotlb can bounce them; the
 *    bounce copies happen at map (to device) and unmap (from device), and
 *    so does the cache maintenance of a non-coherent device.
 *
 * Cache coherence.  The streaming DMA API's rule
 * (Documentation/core-api/dma-api-howto.rst, "DMA Direction" and the
 * sync calls) is that between map and unmap the memory belongs to the
 * device, and the map/unmap/sync calls make the CPU caches agree with it.
 * x86 devices snoop the CPU caches (dev_is_dma_coherent() is always true):
 * nothing to do.  On arm64 a device without "dma-coherent" in the device
 * tree does not snoop, and what each region needs depends on its cache
 * type (the memory type of every mapping of it, user's and kernel's):
 *  - WC (Normal-NC on arm64) and UC (Device-nGnRnE): not cached; CPU
 *    stores reach memory once the write buffers drain, which the
 *    writel() that starts the engine orders (it has a wmb()).  Nothing to
 *    do; DMA_MAP (user space drives the device later) is allowed.
 *  - WB regions of the reserved range: dma_map_resource() does nothing, so
 *    bigphys does what the DMA API does for the direct map
 *    (arch_sync_dma_for_device/_for_cpu), on the region's cacheable kernel
 *    mapping (the data cache is physically tagged, so that cleans the
 *    lines the user's mapping dirtied too): before the device accesses the
 *    range, clean+invalidate it (the device reads what the CPU wrote, and
 *    no dirty line can later be evicted over what the device writes);
 *    after a device-writes mapping is unmapped, invalidate it (lines
 *    speculatively fetched meanwhile are dropped).  Jobs (ioctl and
 *    io_uring) and exported dma-bufs get this.  DMA_MAP cannot: user space
 *    has no call to make between its stores and the device's reads, so
 *    DMA_MAP of a WB region for a non-coherent device fails with
 *    -EOPNOTSUPP (use WC, or a job).
 *  - WB regions with struct pages (page-allocator pool, ALLOC_PAGES) and
 *    user memory: dma_map_sgtable() does the maintenance; DMA_MAP of them
 *    is refused (-EOPNOTSUPP) as under swiotlb, by dma_need_sync().
 * Every maintenance operation is the bigphys_cache_sync tracepoint: on an
 * emulator that models no caches, that is how tests see it happen.
 *
 * Getting the memory (region reference, pinned user pages, sg_table) needs
 * no device and may fault on user memory; it happens before the device's
 * lock is taken.  Mapping and unmapping happen under the device's lock while
 * it is bound (see struct bigphys_dev), so remove() never races with them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-map-ops.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "bigphys_compat.h"
#include "bigphys_dma.h"
#include "bigphys_trace.h"

/* Whether an IOMMU translates the device's bus addresses (not identity). */
static bool bigphys_dev_translated(struct device *dev)
{
	struct iommu_domain *domain;

	if (!device_iommu_mapped(dev))
		return false;
	domain = iommu_get_domain_for_dev(dev);
	return domain && (domain->type & __IOMMU_DOMAIN_PAGING);
}

/**
 * bigphys_dma_reachable() - whether @dev can address [@phys, @phys + @len)
 * @dev: the device
 * @phys: first byte
 * @len: bytes
 *
 * Return: true behind a translating IOMMU, else whether the range lies
 * under the device's DMA mask and bus limit.
 */
bool bigphys_dma_reachable(struct device *dev, phys_addr_t phys, size_t len)
{
	u64 limit = min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);

	return bigphys_dev_translated(dev) || phys + len - 1 <= limit;
}

/**
 * bigphys_cache_ops_needed() - whether DMA of @r for @dev needs bigphys's
 * own CPU cache maintenance (see "Cache coherence" at the top)
 * @dev: the device
 * @r: the region
 *
 * Return: true for a write-back region of the reserved range (mapped with
 * dma_map_resource()) and a device that does not snoop the CPU caches;
 * never on x86.
 */
bool bigphys_cache_ops_needed(struct device *dev,
			      const struct bigphys_region *r)
{
	return r->kmap && !dev_is_dma_coherent(dev) &&
	       (r->flags & BIGPHYS_CACHE_MASK) == BIGPHYS_CACHE_WB;
}

/**
 * bigphys_cache_for_device() - before a device accesses part of a region:
 * clean and invalidate its lines (arch_sync_dma_for_device() for any
 * direction, plus the invalidate that keeps dirty lines from being evicted
 * over what the device writes)
 * @r: region for which bigphys_cache_ops_needed() said true
 * @phys: first byte
 * @len: bytes
 */
void bigphys_cache_for_device(const struct bigphys_region *r,
			      phys_addr_t phys, size_t len)
{
	trace_bigphys_cache_sync(r, phys, len, true);
	bigphys_flush_dcache((void __force *)r->kmap + (phys - r->phys), len);
}

/**
 * bigphys_cache_for_cpu() - after a device accessed part of a region, before
 * the CPU reads it: invalidate its lines unless the device only read them
 * (arch_sync_dma_for_cpu())
 * @r: region for which bigphys_cache_ops_needed() said true
 * @phys: first byte
 * @len: bytes
 * @dir: the mapping's direction
 */
void bigphys_cache_for_cpu(const struct bigphys_region *r, phys_addr_t phys,
			   size_t len, enum dma_data_direction dir)
{
	if (dir == DMA_TO_DEVICE)
		return;
	trace_bigphys_cache_sync(r, phys, len, false);
	bigphys_inval_dcache((void __force *)r->kmap + (phys - r->phys), len);
}

/*
 * Without translation, RAM beyond the DMA mask would need swiotlb bouncing,
 * and dma-direct WARNs when swiotlb is off; whether it is on is not exported
 * to modules on every kernel, so such memory is refused (-EIO) instead.
 */
bool bigphys_sgt_reachable(struct device *dev, struct sg_table *sgt)
{
	struct scatterlist *sg;
	int i;

	for_each_sgtable_sg(sgt, sg, i)
		if (!bigphys_dma_reachable(dev, sg_phys(sg), sg->length))
			return false;
	return true;
}

/* Largest sg_table segment the device's DMA layer can map (swiotlb). */
static unsigned int bigphys_max_seg(struct device *dev)
{
	size_t seg = min_t(size_t, dma_max_mapping_size(dev), SZ_1G);

	return max_t(size_t, seg & PAGE_MASK, PAGE_SIZE);
}

/**
 * bigphys_sgt_phys() - physically contiguous RAM with struct pages as an
 * sg_table, in segments @dev's DMA layer can map (swiotlb)
 * @dev: the device it will be mapped for
 * @sgt: filled; sg_free_table() it
 * @phys: first byte (page aligned)
 * @len: bytes
 *
 * Return: 0 or -ENOMEM.
 */
int bigphys_sgt_phys(struct device *dev, struct sg_table *sgt,
		     phys_addr_t phys, size_t len)
{
	size_t seg = bigphys_max_seg(dev), pos = 0, n;
	struct scatterlist *sg;
	int err, i;

	err = sg_alloc_table(sgt, DIV_ROUND_UP(len, seg), GFP_KERNEL_ACCOUNT);
	if (err)
		return err;
	for_each_sgtable_sg(sgt, sg, i) {
		n = min(seg, len - pos);
		sg_set_page(sg, pfn_to_page(PHYS_PFN(phys + pos)), n,
			    offset_in_page(phys + pos));
		pos += n;
	}
	return 0;
}

static int bigphys_mem_user(struct device *dev, struct bigphys_dma_mem *mem,
			    unsigned long uaddr)
{
	unsigned int gup = mem->dir == DMA_TO_DEVICE ? 0 : FOLL_WRITE;
	unsigned long first = uaddr >> PAGE_SHIFT;
	unsigned long last = (uaddr + mem->len - 1) >> PAGE_SHIFT;
	int pinned, err;

	if (uaddr + mem->len < uaddr || last - first >= INT_MAX)
		return -EINVAL;
	/* 6.12's GUP says -EOVERFLOW near the top of the address space. */
	if (!access_ok((void __user *)uaddr, mem->len))
		return -EFAULT;
	mem->nr_pages = last - first + 1;
	mem->pages = kvmalloc_array(mem->nr_pages, sizeof(*mem->pages),
				    GFP_KERNEL_ACCOUNT);
	if (!mem->pages)
		return -ENOMEM;
	pinned = pin_user_pages_fast(uaddr & PAGE_MASK, mem->nr_pages, gup,
				     mem->pages);
	if (pinned != mem->nr_pages) {
		err = pinned < 0 ? pinned : -EFAULT;
		if (pinned > 0)
			unpin_user_pages(mem->pages, pinned);
		goto free_pages;
	}
	err = sg_alloc_table_from_pages_segment(&mem->sgt, mem->pages,
						mem->nr_pages,
						offset_in_page(uaddr), mem->len,
						bigphys_max_seg(dev),
						GFP_KERNEL_ACCOUNT);
	if (err)
		goto unpin;
	mem->use_sgt = true;
	return 0;

unpin:
	unpin_user_pages(mem->pages, mem->nr_pages);
free_pages:
	kvfree(mem->pages);
	mem->pages = NULL;
	return err;
}

/**
 * bigphys_mem_get() - take the memory a request names, not yet DMA-mapped
 * @bf: the file whose regions the request may name
 * @bd: the device it will be mapped for (sizes the sg_table segments)
 * @mem: zeroed; filled
 * @req: the request: a region range, or a user buffer (BIGPHYS_DMA_USER_PTR)
 *
 * Takes a region reference, pins the user pages, or attaches the device to
 * a dma-buf (BIGPHYS_DMA_DMABUF); builds the sg_table where one is needed.
 * Undone by bigphys_mem_put().
 * Context: process context, no locks held (pinning may fault).
 * Return: 0; -EINVAL bad length/range/combination, not a dma-buf; -ENOENT
 * region not attached; -EFAULT unmapped user buffer; -EBADF no such fd;
 * -ENOMEM.
 */
int bigphys_mem_get(struct bigphys_file *bf, struct bigphys_dev *bd,
		    struct bigphys_dma_mem *mem, const struct bigphys_job_req *req)
{
	struct device *dev = &bd->pdev->dev;
	struct bigphys_region *r;
	int err;

	mem->len = req->len;
	mem->dir = req->flags & BIGPHYS_DMA_FROM_DEVICE ? DMA_FROM_DEVICE :
							  DMA_TO_DEVICE;
	if (!req->len || req->len > SZ_1G)
		return -EINVAL;
	if (req->flags & BIGPHYS_DMA_DMABUF) {
		if (req->flags & BIGPHYS_DMA_USER_PTR || req->phys_addr ||
		    req->user_addr)
			return -EINVAL;
		return bigphys_import_get(mem, dev, (s32)req->region_id,
					  req->offset);
	}
	if (req->flags & BIGPHYS_DMA_USER_PTR) {
		if (req->region_id || req->phys_addr || req->offset ||
		    !req->user_addr)
			return -EINVAL;
		return bigphys_mem_user(dev, mem, req->user_addr);
	}
	if (req->user_addr)
		return -EINVAL;
	r = bigphys_file_region_get(bf, req->region_id, req->phys_addr, 1);
	if (!r)
		return -ENOENT;
	if (req->offset >= r->size || req->len > r->size - req->offset) {
		bigphys_region_put(r);
		return -EINVAL;
	}
	mem->region = r;
	atomic_inc(&r->nr_dma);
	mem->phys = r->phys + req->offset;
	if (!bigphys_pool_is_ram() && !(r->flags & BIGPHYS_ALLOC_PAGES))
		return 0;
	err = bigphys_sgt_phys(dev, &mem->sgt, mem->phys, mem->len);
	if (err) {
		bigphys_mem_put(mem);
		return err;
	}
	mem->use_sgt = true;
	return 0;
}

/**
 * bigphys_mem_put() - give back what bigphys_mem_get() took
 * @mem: not DMA-mapped (any more)
 *
 * Context: process context; takes bigphys_lock for the last region put.
 */
void bigphys_mem_put(struct bigphys_dma_mem *mem)
{
	if (mem->dmabuf)
		bigphys_import_put(mem);
	if (mem->use_sgt)
		sg_free_table(&mem->sgt);
	mem->use_sgt = false;
	if (mem->pages) {
		unpin_user_pages_dirty_lock(mem->pages, mem->nr_pages,
					    mem->dir != DMA_TO_DEVICE);
		kvfree(mem->pages);
		mem->pages = NULL;
	}
	if (mem->region) {
		atomic_dec(&mem->region->nr_dma);
		bigphys_region_put(mem->region);
		mem->region = NULL;
	}
}

/* Bus address of the first byte of mapped @mem (tracepoints). */
static dma_addr_t bigphys_mem_bus(struct bigphys_dma_mem *mem)
{
	size_t len;

	return bigphys_mem_seg(mem, 0, &len);
}

/* bigphys_mem_map() without the tracepoint. */
static int __bigphys_mem_map(struct bigphys_dev *bd,
			     struct bigphys_dma_mem *mem)
{
	struct device *dev = &bd->pdev->dev;
	int n;

	lockdep_assert_held(&bd->lock);
	if (mem->dmabuf) {
		n = bigphys_import_map(mem);
		mem->mapped = !n;
		return n;
	}
	if (!mem->use_sgt) {
		if (!bigphys_dma_reachable(dev, mem->phys, mem->len))
			return -EIO;
		mem->resource = dma_map_resource(dev, mem->phys, mem->len,
						 mem->dir, 0);
		if (dma_mapping_error(dev, mem->resource))
			return -ENOMEM;
		mem->cache_ops = bigphys_cache_ops_needed(dev, mem->region);
		if (mem->cache_ops)
			bigphys_cache_for_device(mem->region, mem->phys,
						 mem->len);
		mem->nr_segs = 1;
		mem->mapped = true;
		return 0;
	}
	if (!bigphys_sgt_reachable(dev, &mem->sgt))
		return -EIO;
	n = dma_map_sgtable(dev, &mem->sgt, mem->dir, 0);
	if (n)
		return n == -EINVAL ? -EIO : n;
	mem->nr_segs = mem->sgt.nents;
	mem->mapped = true;
	return 0;
}

/**
 * bigphys_mem_map() - DMA-map memory for a device
 * @bd: the device, bound (not @bd->gone)
 * @mem: from bigphys_mem_get()
 *
 * Context: @bd->lock held.
 * Return: 0; -EIO the device cannot reach the memory; -ENOMEM no IOVA space.
 */
int bigphys_mem_map(struct bigphys_dev *bd, struct bigphys_dma_mem *mem)
{
	int err = __bigphys_mem_map(bd, mem);

	if (!err && trace_bigphys_dma_map_enabled())
		trace_bigphys_dma_map(bd, mem, bigphys_mem_bus(mem));
	return err;
}

/**
 * bigphys_mem_unmap() - undo bigphys_mem_map(), if it was done
 * @bd: the device it was mapped for
 * @mem: the memory
 *
 * Context: @bd->lock held.
 */
void bigphys_mem_unmap(struct bigphys_dev *bd, struct bigphys_dma_mem *mem)
{
	struct device *dev = &bd->pdev->dev;

	lockdep_assert_held(&bd->lock);
	if (!mem->mapped)
		return;
	if (trace_bigphys_dma_unmap_enabled())
		trace_bigphys_dma_unmap(bd, mem, bigphys_mem_bus(mem));
	if (mem->dmabuf)
		bigphys_import_unmap(mem);
	else if (!mem->use_sgt)
		dma_unmap_resource(dev, mem->resource, mem->len, mem->dir, 0);
	else
		dma_unmap_sgtable(dev, &mem->sgt, mem->dir, 0);
	if (mem->cache_ops)
		bigphys_cache_for_cpu(mem->region, mem->phys, mem->len,
				      mem->dir);
	mem->cache_ops = false;
	mem->mapped = false;
}

/**
 * bigphys_mem_seg() - bus address of a byte of mapped memory
 * @mem: mapped memory
 * @pos: byte offset from its start
 * @len: out: bytes that follow contiguously on the bus
 *
 * Return: the bus address, or DMA_MAPPING_ERROR beyond the end.
 */
dma_addr_t bigphys_mem_seg(struct bigphys_dma_mem *mem, size_t pos,
			   size_t *len)
{
	struct sg_table *sgt = mem->dsgt ?: &mem->sgt;
	size_t left = mem->len - pos;
	struct scatterlist *sg;
	int i;

	if (!mem->use_sgt && !mem->dsgt) {
		*len = left;
		return mem->resource + pos;
	}
	/* An imported dma-buf's table covers all of it: skip to the range. */
	pos += mem->dmabuf_offset;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (pos < sg_dma_len(sg)) {
			*len = min_t(size_t, sg_dma_len(sg) - pos, left);
			return sg_dma_address(sg) + pos;
		}
		pos -= sg_dma_len(sg);
	}
	*len = 0;
	return DMA_MAPPING_ERROR;
}

/* The first @max entries of the bus segment list of mapped @mem. */
static void bigphys_mem_segs(struct bigphys_dma_mem *mem,
			     struct bigphys_bus_seg *segs, u32 max)
{
	struct sg_table *sgt = mem->dsgt ?: &mem->sgt;
	size_t skip = mem->dmabuf_offset, left = mem->len, n;
	struct scatterlist *sg;
	u32 nr = 0;
	int i;

	if (!segs || !max)
		return;
	if (!mem->use_sgt && !mem->dsgt) {
		segs[0] = (struct bigphys_bus_seg){ mem->resource, mem->len };
		return;
	}
	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (nr == max || !left)
			break;
		/* An imported dma-buf's table covers all of it. */
		if (skip >= sg_dma_len(sg)) {
			skip -= sg_dma_len(sg);
			continue;
		}
		n = min_t(size_t, sg_dma_len(sg) - skip, left);
		segs[nr++] = (struct bigphys_bus_seg){ sg_dma_address(sg) + skip,
						       n };
		left -= n;
		skip = 0;
	}
}

/*
 * Map-only memory is programmed into the device by user space, which cannot
 * sync a bounced mapping: one that swiotlb bounces, or that needs cache
 * maintenance for a non-coherent device (ours or the DMA API's), is
 * refused.  dma_need_sync() answers true for every address behind iommu-dma
 * (its ops have sync callbacks, for untrusted devices' bounce buffers); a
 * translated, trusted, coherent x86 device needs none.
 */
static bool bigphys_mem_needs_sync(struct bigphys_dev *bd,
				   struct bigphys_dma_mem *mem)
{
	struct device *dev = &bd->pdev->dev;
	struct scatterlist *sg;
	int i;

	if (!mem->use_sgt)
		return mem->cache_ops;
	if (bigphys_dev_translated(dev) && !bd->pdev->untrusted &&
	    dev_is_dma_coherent(dev))
		return false;
	for_each_sgtable_dma_sg(&mem->sgt, sg, i)
		if (dma_need_sync(dev, sg_dma_address(sg)))
			return true;
	return false;
}

/**
 * bigphys_map_create() - DMA_MAP: map memory for a device user space drives
 * @bf: the file
 * @req: the decoded request (no segments)
 * @handle: out: the handle, published in @bf->maps
 * @out: out: bus address of the first byte (@out->bus_addr), DMA
 *	segments (@out->nr_segs) and the first @max_segs segments in @segs
 * @segs: NULL, or room for @max_segs segments (kernel memory)
 * @max_segs: entries of @segs
 *
 * Context: process context, no locks held.
 * Return: 0; -ENODEV no such device or unbound; -EOPNOTSUPP the mapping
 * would need syncs user space cannot do (swiotlb bounce); the errors of
 * bigphys_mem_get(), bigphys_mem_map() and bigphys_slot_reserve().
 */
int bigphys_map_create(struct bigphys_file *bf, struct bigphys_job_req *req,
		       u32 *handle, struct bigphys_dma_map *out,
		       struct bigphys_bus_seg *segs, u32 max_segs)
{
	struct bigphys_dev *bd;
	struct bigphys_map *map;
	size_t seglen;
	int err;

	bd = bigphys_dev_get(req->dev_index);
	if (!bd)
		return -ENODEV;
	err = -ENOMEM;
	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		goto put_dev;
	map->bd = bd;
	INIT_LIST_HEAD(&map->node);
	err = bigphys_mem_get(bf, bd, &map->mem, req);
	if (err)
		goto free_map;

	mutex_lock(&bf->lock);
	err = bigphys_slot_reserve(bf, &bf->maps, handle);
	if (err)
		goto unlock_bf;
	mutex_lock(&bd->lock);
	err = -ENODEV;
	if (bd->gone)
		goto unlock_bd;
	err = bigphys_mem_map(bd, &map->mem);
	if (err)
		goto unlock_bd;
	err = -EOPNOTSUPP;
	if (bigphys_mem_needs_sync(bd, &map->mem))
		goto unmap;
	list_add_tail(&map->node, &bd->maps);
	out->bus_addr = bigphys_mem_seg(&map->mem, 0, &seglen);
	out->nr_segs = map->mem.nr_segs;
	bigphys_mem_segs(&map->mem, segs, max_segs);
	/* The reserved slot has its node: storing allocates nothing. */
	xa_store(&bf->maps, *handle, map, GFP_KERNEL);
	mutex_unlock(&bd->lock);
	mutex_unlock(&bf->lock);
	return 0;

unmap:
	bigphys_mem_unmap(bd, &map->mem);
unlock_bd:
	mutex_unlock(&bd->lock);
	bigphys_slot_release(bf, &bf->maps, *handle);
unlock_bf:
	mutex_unlock(&bf->lock);
	bigphys_mem_put(&map->mem);
free_map:
	kfree(map);
put_dev:
	bigphys_dev_put(bd);
	return err;
}

/**
 * bigphys_map_free() - unmap (unless remove() did) and free a mapping
 * @map: no longer in its file's table
 *
 * Context: process context, no locks held.
 */
void bigphys_map_free(struct bigphys_map *map)
{
	struct bigphys_dev *bd = map->bd;

	mutex_lock(&bd->lock);
	if (map->mem.mapped) {
		list_del_init(&map->node);
		bigphys_mem_unmap(bd, &map->mem);
	}
	mutex_unlock(&bd->lock);
	bigphys_mem_put(&map->mem);
	bigphys_dev_put(bd);
	kfree(map);
}

/**
 * bigphys_map_destroy() - DMA_UNMAP
 * @bf: the file
 * @handle: from DMA_MAP on @bf
 *
 * Return: 0, or -ENOENT unknown handle (or one still being set up).
 */
int bigphys_map_destroy(struct bigphys_file *bf, u64 handle)
{
	struct bigphys_map *map;

	mutex_lock(&bf->lock);
	map = handle <= U32_MAX ? xa_load(&bf->maps, handle) : NULL;
	if (map)
		bigphys_slot_release(bf, &bf->maps, handle);
	mutex_unlock(&bf->lock);
	if (!map)
		return -ENOENT;
	bigphys_map_free(map);
	return 0;
}

/**
 * bigphys_dev_unmap_all() - the device is going: unmap its DMA_MAP mappings
 * @bd: device, no longer bus mastering (pci_clear_master() ran), so it can
 *	no longer reach memory that goes back to the pool now
 *
 * The mappings stay in their files' tables (DMA_UNMAP or close frees them)
 * but give their regions back now.
 * Context: process context, from the PCI remove callback.
 */
void bigphys_dev_unmap_all(struct bigphys_dev *bd)
{
	struct bigphys_map *map, *tmp;

	/* Lock order: bd->lock, then bigphys_lock (in bigphys_mem_put()). */
	mutex_lock(&bd->lock);
	list_for_each_entry_safe(map, tmp, &bd->maps, node) {
		list_del_init(&map->node);
		bigphys_mem_unmap(bd, &map->mem);
		bigphys_mem_put(&map->mem);
	}
	mutex_unlock(&bd->lock);
}
