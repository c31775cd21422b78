// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma-buf: regions exported to other drivers (EXPORT), and other drivers'
 * dma-bufs imported as the memory of DMA jobs and mappings
 * (BIGPHYS_DMA_DMABUF).  Rules: Documentation/driver-api/dma-buf.rst.
 *
 * Export.  The dma-buf holds a region reference (counted in the region's
 * nr_dma), so its memory outlives FREE, every /dev/bigphys fd and the
 * exporting process, until dma_buf_ops.release; dma_buf_export() holds a
 * module reference meanwhile, so the module cannot be unloaded.  What an
 * importer gets depends on whether the memory has struct pages:
 *  - page-backed regions and the page-allocator pool: an sg_table of the
 *    pages, mapped with dma_map_sgtable() for the importer's device (it may
 *    bounce through swiotlb: begin/end_cpu_access sync every mapping);
 *  - the rest of the reserved range has no struct pages: one mapping from
 *    dma_map_resource() (an IOVA behind a translating IOMMU, else the
 *    physical address; never bounced), put in sg_table entries whose page
 *    is NULL; a write-back region mapped for a device that is not cache
 *    coherent gets bigphys's own cache maintenance (bigphys_map.c, "Cache
 *    coherence") at map, unmap and begin/end_cpu_access.  Importers that only use DMA addresses
 *    (the dma-buf rule: sg_page() is the exporter's) work: vb2-dma-contig,
 *    bigphys itself, RDMA.  Importers that want the pages cannot: they need
 *    a page-backed region.  A device that cannot reach the range without
 *    translation gets -EIO, as bigphys's own jobs do.
 * vmap is the region's kernel mapping (of the region's cache type for the
 * reserved range, the direct map for pages); mmap maps the region like
 * /dev/bigphys does (bigphys_region_mmap()).
 *
 * Import.  bigphys_import_get() takes the dma-buf and attaches the device
 * (static attachment: the exporter maps on demand); the job maps it under
 * the device's lock like any memory and unmaps it when it ends, and the
 * last bigphys_mem_put() detaches and drops the dma-buf.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "bigphys_compat.h"
#include "bigphys_dma.h"

MODULE_IMPORT_NS(DMA_BUF);

/**
 * struct bigphys_dmabuf - an exported range of a region
 * @region: the region (a reference, counted in its nr_dma)
 * @phys: physical address of the first byte (page aligned)
 * @size: bytes (page multiple)
 * @lock: protects @attachments and each attachment's mapping
 * @attachments: struct bigphys_dmabuf_attach of every attached device
 */
struct bigphys_dmabuf {
	struct bigphys_region *region;
	phys_addr_t phys;
	size_t size;
	/* protects attachments and their sgt/dir */
	struct mutex lock;
	struct list_head attachments;
};

/**
 * struct bigphys_dmabuf_attach - one importer device's attachment
 * @node: in &struct bigphys_dmabuf.attachments
 * @dev: the importer's device
 * @sgt: the importer's mapping while it is mapped, else NULL
 * @dir: its DMA direction
 * @resource: without struct pages: the dma_map_resource() address
 * @cache_ops: the mapping needs bigphys's cache maintenance
 *	(bigphys_cache_ops_needed())
 */
struct bigphys_dmabuf_attach {
	struct list_head node;
	struct device *dev;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	dma_addr_t resource;
	bool cache_ops;
};

/* Whether the exported memory has struct pages (see the top comment). */
static bool bigphys_dmabuf_has_pages(const struct bigphys_dmabuf *d)
{
	return (d->region->flags & BIGPHYS_ALLOC_PAGES) || bigphys_pool_is_ram();
}

static int bigphys_dmabuf_attach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct bigphys_dmabuf *d = dmabuf->priv;
	struct bigphys_dmabuf_attach *a;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&d->lock);
	list_add_tail(&a->node, &d->attachments);
	mutex_unlock(&d->lock);
	return 0;
}

static void bigphys_dmabuf_detach(struct dma_buf *dmabuf,
				  struct dma_buf_attachment *attach)
{
	struct bigphys_dmabuf *d = dmabuf->priv;
	struct bigphys_dmabuf_attach *a = attach->priv;

	mutex_lock(&d->lock);
	list_del(&a->node);
	mutex_unlock(&d->lock);
	kfree(a);
}

/* The reserved range (no struct pages): DMA addresses only, 1 GiB a entry. */
static int bigphys_dmabuf_map_resource(struct bigphys_dmabuf *d,
				       struct bigphys_dmabuf_attach *a,
				       struct sg_table *sgt)
{
	struct scatterlist *sg;
	size_t pos = 0, n;
	int err, i;

	if (!bigphys_dma_reachable(a->dev, d->phys, d->size))
		return -EIO;
	err = sg_alloc_table(sgt, DIV_ROUND_UP(d->size, SZ_1G), GFP_KERNEL);
	if (err)
		return err;
	a->resource = dma_map_resource(a->dev, d->phys, d->size, a->dir, 0);
	if (dma_mapping_error(a->dev, a->resource)) {
		sg_free_table(sgt);
		return -ENOMEM;
	}
	for_each_sgtable_sg(sgt, sg, i) {
		n = min_t(size_t, SZ_1G, d->size - pos);
		sg_set_page(sg, NULL, n, 0);
		sg_dma_address(sg) = a->resource + pos;
		sg_dma_len(sg) = n;
		pos += n;
	}
	a->cache_ops = bigphys_cache_ops_needed(a->dev, d->region);
	if (a->cache_ops)
		bigphys_cache_for_device(d->region, d->phys, d->size);
	return 0;
}

static struct sg_table *bigphys_dmabuf_map(struct dma_buf_attachment *attach,
					   enum dma_data_direction dir)
{
	struct bigphys_dmabuf *d = attach->dmabuf->priv;
	struct bigphys_dmabuf_attach *a = attach->priv;
	struct sg_table *sgt;
	int err;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&d->lock);
	err = -EBUSY;	/* one mapping per attachment at a time */
	if (a->sgt)
		goto unlock;
	a->dir = dir;
	if (!bigphys_dmabuf_has_pages(d)) {
		err = bigphys_dmabuf_map_resource(d, a, sgt);
		if (err)
			goto unlock;
	} else {
		err = bigphys_sgt_phys(a->dev, sgt, d->phys, d->size);
		if (err)
			goto unlock;
		err = -EIO;
		if (!bigphys_sgt_reachable(a->dev, sgt))
			goto free_table;
		err = dma_map_sgtable(a->dev, sgt, dir, 0);
		if (err)
			goto free_table;
	}
	a->sgt = sgt;
	mutex_unlock(&d->lock);
	return sgt;

free_table:
	sg_free_table(sgt);
unlock:
	mutex_unlock(&d->lock);
	kfree(sgt);
	return ERR_PTR(err == -EINVAL ? -EIO : err);
}

static void bigphys_dmabuf_unmap(struct dma_buf_attachment *attach,
				 struct sg_table *sgt,
				 enum dma_data_direction dir)
{
	struct bigphys_dmabuf *d = attach->dmabuf->priv;
	struct bigphys_dmabuf_attach *a = attach->priv;

	mutex_lock(&d->lock);
	if (a->cache_ops)
		bigphys_cache_for_cpu(d->region, d->phys, d->size, dir);
	a->cache_ops = false;
	if (!bigphys_dmabuf_has_pages(d))
		dma_unmap_resource(a->dev, a->resource, d->size, dir, 0);
	else
		dma_unmap_sgtable(a->dev, sgt, dir, 0);
	a->sgt = NULL;
	mutex_unlock(&d->lock);
	sg_free_table(sgt);
	kfree(sgt);
}

/*
 * DMA_BUF_IOCTL_SYNC: page mappings may be bounced (swiotlb) or need the
 * DMA API's cache maintenance; resource mappings are never bounced and need
 * bigphys's own maintenance for a non-coherent importer (a->cache_ops).
 */
static int bigphys_dmabuf_sync(struct dma_buf *dmabuf, bool for_cpu)
{
	struct bigphys_dmabuf *d = dmabuf->priv;
	struct bigphys_dmabuf_attach *a;

	mutex_lock(&d->lock);
	list_for_each_entry(a, &d->attachments, node) {
		if (!a->sgt)
			continue;
		if (a->cache_ops && for_cpu)
			bigphys_cache_for_cpu(d->region, d->phys, d->size,
					      a->dir);
		else if (a->cache_ops)
			bigphys_cache_for_device(d->region, d->phys, d->size);
		else if (!bigphys_dmabuf_has_pages(d))
			continue;
		else if (for_cpu)
			dma_sync_sgtable_for_cpu(a->dev, a->sgt, a->dir);
		else
			dma_sync_sgtable_for_device(a->dev, a->sgt, a->dir);
	}
	mutex_unlock(&d->lock);
	return 0;
}

static int bigphys_dmabuf_begin_cpu(struct dma_buf *dmabuf,
				    enum dma_data_direction dir)
{
	return bigphys_dmabuf_sync(dmabuf, true);
}

static int bigphys_dmabuf_end_cpu(struct dma_buf *dmabuf,
				  enum dma_data_direction dir)
{
	return bigphys_dmabuf_sync(dmabuf, false);
}

/* The dma-buf core checked vm_pgoff + the length against the size. */
static int bigphys_dmabuf_mmap(struct dma_buf *dmabuf,
			       struct vm_area_struct *vma)
{
	struct bigphys_dmabuf *d = dmabuf->priv;

	/* bigphys_region_mmap() wants the PFN in vm_pgoff, as /dev/bigphys. */
	vma->vm_pgoff += PHYS_PFN(d->phys);
	kref_get(&d->region->ref);
	return bigphys_region_mmap(d->region, vma);
}

/*
 * The region's kernel mapping lives as long as the region: no vunmap.
 * A reserved-range region's mapping comes from ioremap_wc()/ioremap()/
 * ioremap_cache() but maps RAM (the boot reservation only hid it from the
 * kernel), so it is handed out as memory, as memremap() would, not as I/O
 * memory: importers use plain loads and stores on it (x86), and vb2-vmalloc
 * rebuilds a system-memory iosys_map for dma_buf_vunmap(), whose BUG_ON()
 * fires when the two differ.
 */
static int bigphys_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct bigphys_dmabuf *d = dmabuf->priv;
	struct bigphys_region *r = d->region;

	if (r->kmap)
		iosys_map_set_vaddr(map, (void __force *)r->kmap +
				    (d->phys - r->phys));
	else
		iosys_map_set_vaddr(map, phys_to_virt(d->phys));
	return 0;
}

static void bigphys_dmabuf_release(struct dma_buf *dmabuf)
{
	struct bigphys_dmabuf *d = dmabuf->priv;

	atomic_dec(&d->region->nr_dma);
	bigphys_region_put(d->region);
	mutex_destroy(&d->lock);
	kfree(d);
}

static const struct dma_buf_ops bigphys_dmabuf_ops = {
	.attach = bigphys_dmabuf_attach,
	.detach = bigphys_dmabuf_detach,
	.map_dma_buf = bigphys_dmabuf_map,
	.unmap_dma_buf = bigphys_dmabuf_unmap,
	.begin_cpu_access = bigphys_dmabuf_begin_cpu,
	.end_cpu_access = bigphys_dmabuf_end_cpu,
	.mmap = bigphys_dmabuf_mmap,
	.vmap = bigphys_dmabuf_vmap,
	.release = bigphys_dmabuf_release,
};

/* A dma-buf of [@offset, @offset + @len) of @r, which gains a reference. */
static struct dma_buf *bigphys_dmabuf_create(struct bigphys_region *r,
					     u64 offset, u64 len, bool rdwr)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct bigphys_dmabuf *d;
	struct dma_buf *dmabuf;

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return ERR_PTR(-ENOMEM);
	mutex_init(&d->lock);
	INIT_LIST_HEAD(&d->attachments);
	d->region = r;
	d->phys = r->phys + offset;
	d->size = len;
	info.ops = &bigphys_dmabuf_ops;
	info.size = len;
	info.flags = rdwr ? O_RDWR : O_RDONLY;
	info.priv = d;
	kref_get(&r->ref);
	atomic_inc(&r->nr_dma);
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		atomic_dec(&r->nr_dma);
		bigphys_region_put(r);
		mutex_destroy(&d->lock);
		kfree(d);
		return dmabuf;
	}
	/* Nobody else sees the dma-buf yet: no name_lock needed. */
	mutex_lock(&bigphys_lock);
	if (r->name[0])
		dmabuf->name = kstrdup(r->name, GFP_KERNEL);
	mutex_unlock(&bigphys_lock);
	return dmabuf;
}

/**
 * bigphys_dmabuf_ioctl_export() - BIGPHYS_IOC_EXPORT
 * @bf: the file the region must be attached to
 * @uarg: struct bigphys_export in user memory
 *
 * The fd is installed only once the structure has been copied out, so a
 * failed call leaves no fd behind.
 * Context: process context.
 * Return: 0, or the errors documented at struct bigphys_export.
 */
long bigphys_dmabuf_ioctl_export(struct bigphys_file *bf,
				 struct bigphys_export __user *uarg)
{
	struct bigphys_region *r;
	struct bigphys_export e;
	struct dma_buf *dmabuf;
	long err;
	int fd;

	if (copy_from_user(&e, uarg, sizeof(e)))
		return -EFAULT;
	if (e.flags & ~BIGPHYS_EXPORT_FLAGS || e.pad ||
	    !PAGE_ALIGNED(e.offset) || !PAGE_ALIGNED(e.len))
		return -EINVAL;
	r = e.region_id ? bigphys_file_region_get(bf, e.region_id, 0, 0) : NULL;
	if (!r)
		return -ENOENT;
	err = -EINVAL;
	if (e.offset >= r->size || e.len > r->size - e.offset)
		goto put_region;
	if (!e.len)
		e.len = r->size - e.offset;
	dmabuf = bigphys_dmabuf_create(r, e.offset, e.len,
				       e.flags & BIGPHYS_EXPORT_RDWR);
	if (IS_ERR(dmabuf)) {
		err = PTR_ERR(dmabuf);
		goto put_region;
	}
	fd = get_unused_fd_flags(e.flags & BIGPHYS_EXPORT_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0) {
		err = fd;
		goto put_dmabuf;
	}
	e.fd = fd;
	err = -EFAULT;
	if (copy_to_user(uarg, &e, sizeof(e)))
		goto put_fd;
	fd_install(fd, dmabuf->file);
	bigphys_region_put(r);
	return 0;

put_fd:
	put_unused_fd(fd);
put_dmabuf:
	dma_buf_put(dmabuf);
put_region:
	bigphys_region_put(r);
	return err;
}

/**
 * bigphys_import_get() - take a dma-buf as the memory of a job or mapping
 * @mem: zeroed; @mem->len set
 * @dev: the device that will DMA (attached to the dma-buf)
 * @fd: the dma-buf's file descriptor
 * @offset: first byte, from the dma-buf's start
 *
 * Undone by bigphys_import_put().
 * Context: process context, no locks held.
 * Return: 0; -EBADF @fd is not open; -EINVAL not a dma-buf, or the range
 * is past its end; the exporter's attach errors (-ENOMEM...).
 */
int bigphys_import_get(struct bigphys_dma_mem *mem, struct device *dev,
		       int fd, u64 offset)
{
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	if (offset >= dmabuf->size || mem->len > dmabuf->size - offset) {
		dma_buf_put(dmabuf);
		return -EINVAL;
	}
	attach = dma_buf_attach(dmabuf, dev);
	if (IS_ERR(attach)) {
		dma_buf_put(dmabuf);
		return PTR_ERR(attach);
	}
	mem->dmabuf = dmabuf;
	mem->attach = attach;
	mem->dmabuf_offset = offset;
	return 0;
}

/*
 * Whether the device's mapping of an imported dma-buf needs syncs: only
 * swiotlb bounce buffers (and non-coherent devices) do.
 */
static bool bigphys_import_needs_sync(struct device *dev, struct sg_table *sgt)
{
	struct scatterlist *sg;
	int i;

	for_each_sgtable_dma_sg(sgt, sg, i)
		if (dma_need_sync(dev, sg_dma_address(sg)))
			return true;
	return false;
}

/**
 * bigphys_import_map() - have the exporter map an imported dma-buf
 * @mem: from bigphys_import_get(), not mapped
 *
 * The mapping is the exporter's, made for our device; where it needs syncs
 * (swiotlb bounces it) bigphys syncs it for the device now and for the CPU
 * at unmap, as the owner of the device's DMA: exporters that map with
 * DMA_ATTR_SKIP_CPU_SYNC (the DRM PRIME helpers, for vgem) would otherwise
 * leave what the device wrote in the bounce buffer.
 * Context: the device's lock held (see struct bigphys_dev).
 * Return: 0; -EIO the exporter could not map it for the device, or its
 * table is shorter than the range; -ENOMEM.
 */
int bigphys_import_map(struct bigphys_dma_mem *mem)
{
	struct device *dev = mem->attach->dev;
	struct sg_table *sgt;
	struct scatterlist *sg;
	size_t total = 0;
	int i;

	sgt = bigphys_dma_buf_map_attachment(mem->attach, mem->dir);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt) == -ENOMEM ? -ENOMEM : -EIO;
	mem->nr_segs = 0;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (total < mem->dmabuf_offset + mem->len &&
		    total + sg_dma_len(sg) > mem->dmabuf_offset)
			mem->nr_segs++;
		total += sg_dma_len(sg);
	}
	if (total < mem->dmabuf_offset + mem->len) {
		bigphys_dma_buf_unmap_attachment(mem->attach, sgt, mem->dir);
		return -EIO;
	}
	mem->dsgt = sgt;
	mem->dsync = bigphys_import_needs_sync(dev, sgt);
	if (mem->dsync)
		dma_sync_sgtable_for_device(dev, sgt, mem->dir);
	return 0;
}

/**
 * bigphys_import_unmap() - undo bigphys_import_map()
 * @mem: mapped
 *
 * Context: the device's lock held.
 */
void bigphys_import_unmap(struct bigphys_dma_mem *mem)
{
	if (mem->dsync && mem->dir != DMA_TO_DEVICE)
		dma_sync_sgtable_for_cpu(mem->attach->dev, mem->dsgt, mem->dir);
	bigphys_dma_buf_unmap_attachment(mem->attach, mem->dsgt, mem->dir);
	mem->dsgt = NULL;
}

/**
 * bigphys_import_put() - detach and drop what bigphys_import_get() took
 * @mem: not mapped (any more)
 *
 * Context: process context.
 */
void bigphys_import_put(struct bigphys_dma_mem *mem)
{
	dma_buf_detach(mem->dmabuf, mem->attach);
	dma_buf_put(mem->dmabuf);
	mem->attach = NULL;
	mem->dmabuf = NULL;
}
