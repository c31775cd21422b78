// SPDX-License-Identifier: GPL-2.0-only
/*
 * Map memory for a device and run background DMA jobs.
 *
 * How memory is mapped for the device (streaming DMA API, &pdev->dev):
 *  - reserved range: dma_map_resource().  The range is not System RAM to the
 *    kernel: it has no direct-map address, so dma_map_single() on its
 *    memremap() address is wrong, and dma_map_page() oopses under
 *    swiotlb=force (the bounce copy reads phys_to_virt() of it).  Nothing
 *    has to be bounced or synced: x86 DMA is cache coherent, and regions
 *    are written through WC/UC mappings or WB ones the device snoops.  Under
 *    an IOMMU dma_map_resource() returns an IOVA; under swiotlb=force it
 *    returns the physical address (no bounce buffer is involved).  A range
 *    beyond the DMA mask without an IOMMU is refused with -EIO up front
 *    (dma-direct would WARN).
 *  - page-allocator pool and user memory (BIGPHYS_DMA_USER_PTR): ordinary
 *    RAM with struct pages: an sg_table and dma_map_sgtable(), in segments
 *    no longer than dma_max_mapping_size() so swiotlb can bounce them; the
 *    bounce copies happen at map (to device) and unmap (from device).
 *    Without an IOMMU, memory beyond the device's DMA mask is refused.
 *
 * A job's memory is mapped at STRT_DMA and unmapped when the job ends, in
 * the IRQ thread, before anybody learns it ended.  Transfers are chained
 * from the interrupt thread, one engine chunk at a time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "bigphys_dma.h"

static unsigned int max_chunk;
module_param(max_chunk, uint, 0644);
MODULE_PARM_DESC(max_chunk,
		 "Largest transfer per engine command in bytes (0: the engine's limit)");

static unsigned int watchdog_ms = 2000;
module_param(watchdog_ms, uint, 0644);
MODULE_PARM_DESC(watchdog_ms,
		 "Check the engine for a lost interrupt after this many ms");

static bool bigphys_dma_reachable(struct device *dev, phys_addr_t phys,
				  size_t len)
{
	u64 limit = min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);

	return device_iommu_mapped(dev) || phys + len - 1 <= limit;
}

/*
 * Without an IOMMU, RAM beyond the DMA mask would need swiotlb bouncing, and
 * dma-direct WARNs when swiotlb is off; whether it is on is not exported to
 * modules on every kernel, so such memory is refused (-EIO) instead.
 */
static bool bigphys_sgt_reachable(struct device *dev, struct sg_table *sgt)
{
	struct scatterlist *sg;
	int i;

	for_each_sgtable_sg(sgt, sg, i)
		if (!bigphys_dma_reachable(dev, sg_phys(sg), sg->length))
			return false;
	return true;
}

static int bigphys_map_resource(struct device *dev, struct bigphys_dmabuf *buf,
				phys_addr_t phys)
{
	if (!bigphys_dma_reachable(dev, phys, buf->len))
		return -EIO;
	buf->resource = dma_map_resource(dev, phys, buf->len, buf->dir, 0);
	if (dma_mapping_error(dev, buf->resource))
		return -ENOMEM;
	buf->nr_segs = 1;
	return 0;
}

/* Physically contiguous RAM (page-allocator pool) as an sg_table. */
static int bigphys_map_ram(struct device *dev, struct bigphys_dmabuf *buf,
			   phys_addr_t phys)
{
	size_t seg = max_t(size_t, dma_max_mapping_size(dev) & PAGE_MASK, PAGE_SIZE);
	struct scatterlist *sg;
	size_t pos = 0, n;
	int err, i;

	seg = min_t(size_t, seg, SZ_1G);
	err = sg_alloc_table(&buf->sgt, DIV_ROUND_UP(buf->len, seg), GFP_KERNEL);
	if (err)
		return err;
	for_each_sgtable_sg(&buf->sgt, sg, i) {
		n = min(seg, buf->len - pos);
		sg_set_page(sg, pfn_to_page(PHYS_PFN(phys + pos)), n,
			    offset_in_page(phys + pos));
		pos += n;
	}
	return 0;
}

static int bigphys_map_user(struct device *dev, struct bigphys_dmabuf *buf,
			    unsigned long uaddr)
{
	unsigned int seg = min_t(size_t, dma_max_mapping_size(dev), SZ_1G) & PAGE_MASK;
	unsigned int gup = buf->dir == DMA_TO_DEVICE ? 0 : FOLL_WRITE;
	unsigned long first = uaddr >> PAGE_SHIFT;
	unsigned long last = (uaddr + buf->len - 1) >> PAGE_SHIFT;
	int pinned, err;

	if (uaddr + buf->len < uaddr || last - first >= INT_MAX)
		return -EINVAL;
	/* 6.12's GUP says -EOVERFLOW near the top of the address space. */
	if (!access_ok((void __user *)uaddr, buf->len))
		return -EFAULT;
	buf->nr_pages = last - first + 1;
	buf->pages = kvmalloc_array(buf->nr_pages, sizeof(*buf->pages),
				    GFP_KERNEL);
	if (!buf->pages)
		return -ENOMEM;
	pinned = pin_user_pages_fast(uaddr & PAGE_MASK, buf->nr_pages, gup,
				     buf->pages);
	if (pinned != buf->nr_pages) {
		err = pinned < 0 ? pinned : -EFAULT;
		if (pinned > 0)
			unpin_user_pages(buf->pages, pinned);
		goto free_pages;
	}
	err = sg_alloc_table_from_pages_segment(&buf->sgt, buf->pages,
						buf->nr_pages,
						offset_in_page(uaddr), buf->len,
						max_t(unsigned int, seg, PAGE_SIZE),
						GFP_KERNEL);
	if (err)
		goto unpin;
	return 0;

unpin:
	unpin_user_pages(buf->pages, buf->nr_pages);
free_pages:
	kvfree(buf->pages);
	buf->pages = NULL;
	return err;
}

static void bigphys_dmabuf_release(struct bigphys_dmabuf *buf)
{
	if (buf->resource == DMA_MAPPING_ERROR)
		sg_free_table(&buf->sgt);
	if (buf->pages) {
		unpin_user_pages_dirty_lock(buf->pages, buf->nr_pages,
					    buf->dir != DMA_TO_DEVICE);
		kvfree(buf->pages);
		buf->pages = NULL;
	}
}

/**
 * bigphys_dmabuf_map() - map a region range or user memory for a device
 * @bd: device
 * @buf: zeroed; @buf->len and @buf->dir set; takes over the reference in
 *	@buf->region, if any (put by bigphys_dmabuf_put())
 * @offset: with a region: first byte, from its start
 * @uaddr: without a region: user address
 *
 * Context: process context.
 * Return: 0, -EIO (device cannot reach the memory), -ENOMEM, -EFAULT.
 */
static int bigphys_dmabuf_map(struct bigphys_dev *bd,
			      struct bigphys_dmabuf *buf, u64 offset,
			      unsigned long uaddr)
{
	struct device *dev = &bd->pdev->dev;
	phys_addr_t phys;
	int err, n;

	buf->resource = DMA_MAPPING_ERROR;
	if (!buf->region) {
		err = bigphys_map_user(dev, buf, uaddr);
	} else {
		phys = buf->region->phys + offset;
		if (!bigphys_pool_is_ram())
			return bigphys_map_resource(dev, buf, phys);
		err = bigphys_map_ram(dev, buf, phys);
	}
	if (err)
		return err;
	if (!bigphys_sgt_reachable(dev, &buf->sgt)) {
		err = -EIO;
		goto release;
	}
	n = dma_map_sgtable(dev, &buf->sgt, buf->dir, 0);
	if (n) {
		err = n == -EINVAL ? -EIO : n;
		goto release;
	}
	buf->nr_segs = buf->sgt.nents;
	return 0;

release:
	bigphys_dmabuf_release(buf);
	return err;
}

static void bigphys_dmabuf_unmap(struct bigphys_dev *bd,
				 struct bigphys_dmabuf *buf)
{
	struct device *dev = &bd->pdev->dev;

	if (buf->resource != DMA_MAPPING_ERROR)
		dma_unmap_resource(dev, buf->resource, buf->len, buf->dir, 0);
	else
		dma_unmap_sgtable(dev, &buf->sgt, buf->dir, 0);
	bigphys_dmabuf_release(buf);
}

static void bigphys_dmabuf_put(struct bigphys_dmabuf *buf)
{
	if (buf->region) {
		atomic_dec(&buf->region->nr_dma);
		bigphys_region_put(buf->region);
	}
}

/* Bus address of byte @pos of @buf and how many bytes follow contiguously. */
static dma_addr_t bigphys_dmabuf_seg(struct bigphys_dmabuf *buf, size_t pos,
				     size_t *len)
{
	struct scatterlist *sg;
	int i;

	if (buf->resource != DMA_MAPPING_ERROR) {
		*len = buf->len - pos;
		return buf->resource + pos;
	}
	for_each_sgtable_dma_sg(&buf->sgt, sg, i) {
		if (pos < sg_dma_len(sg)) {
			*len = sg_dma_len(sg) - pos;
			return sg_dma_address(sg) + pos;
		}
		pos -= sg_dma_len(sg);
	}
	*len = 0;
	return DMA_MAPPING_ERROR;
}

/* Bytes per engine transfer: the engine's limit, or max_chunk= if lower. */
static u32 bigphys_chunk_limit(struct bigphys_dev *bd)
{
	return max_chunk ? min(max_chunk, bd->engine->max_chunk) :
			   bd->engine->max_chunk;
}

/* Start the next transfer of bd->cur.  Context: bd->lock held. */
static void bigphys_job_kick(struct bigphys_dev *bd)
{
	struct bigphys_job *job = bd->cur;
	const struct bigphys_dma_seg *seg = &job->segs[job->seg];
	size_t len, left = seg->len - job->seg_done;
	dma_addr_t bus;

	bus = bigphys_dmabuf_seg(&job->buf, seg->offset + job->seg_done, &len);
	job->chunk = min_t(size_t, min(len, left), bigphys_chunk_limit(bd));
	bd->engine->start(bd, bus, seg->dev_addr + job->seg_done, job->chunk,
			  job->to_device);
	bd->kicks++;
	/*
	 * Armed once, not pushed back at every transfer: mod_delayed_work()
	 * deleted and re-added a timer on each kick, STRT_DMA included.  On a
	 * pending watchdog this is one bit test.  See bigphys_dma_watchdog().
	 */
	queue_delayed_work(system_wq, &bd->watchdog,
			   msecs_to_jiffies(watchdog_ms));
}

/*
 * End a job: unmap its memory, then tell the owner.  The owner may free the
 * job as soon as it is completed, so that is the last thing done with it.
 * Context: bd->lock held; the job is neither queued nor on the engine.
 */
static void bigphys_job_end(struct bigphys_job *job, int status)
{
	job->status = status;
	job->t_end = ktime_get();
	bigphys_dmabuf_unmap(job->bd, &job->buf);
	wake_up_all(&job->bf->wq);
	complete_all(&job->finished);
}

/* Put the next queued job on the engine.  Context: bd->lock held. */
static void bigphys_dev_next(struct bigphys_dev *bd)
{
	bd->cur = list_first_entry_or_null(&bd->queue, struct bigphys_job, node);
	if (bd->cur) {
		list_del_init(&bd->cur->node);
		bigphys_job_kick(bd);
	} else {
		wake_up_all(&bd->idle);	/* the watchdog finds nothing to do */
	}
}

/* The engine finished a transfer of bd->cur.  Context: bd->lock held. */
static void bigphys_dev_transfer_done(struct bigphys_dev *bd)
{
	struct bigphys_job *job = bd->cur;

	if (!job)
		return;
	job->done += job->chunk;
	job->seg_done += job->chunk;
	job->chunk = 0;
	if (job->seg_done == job->segs[job->seg].len) {
		job->seg++;
		job->seg_done = 0;
	}
	if (job->done < job->len && !job->cancel && !bd->gone) {
		bigphys_job_kick(bd);
		return;
	}
	bd->cur = NULL;
	if (job->done == job->len)
		bigphys_job_end(job, 0);
	else
		bigphys_job_end(job, bd->gone ? -ENODEV : -ECANCELED);
	if (!bd->gone)
		bigphys_dev_next(bd);
	else
		wake_up_all(&bd->idle);
}

irqreturn_t bigphys_dma_irq(int irq, void *data)
{
	struct bigphys_dev *bd = data;

	return bd->engine->irq_ack(bd) ? IRQ_WAKE_THREAD : IRQ_NONE;
}

irqreturn_t bigphys_dma_irq_thread(int irq, void *data)
{
	struct bigphys_dev *bd = data;

	mutex_lock(&bd->lock);
	if (bd->cur && !bd->engine->busy(bd))
		bigphys_dev_transfer_done(bd);
	mutex_unlock(&bd->lock);
	return IRQ_HANDLED;
}

/*
 * Runs watchdog_ms after the first transfer of a busy period and then every
 * watchdog_ms while transfers go on.  A transfer counts as lost only if it
 * was already on the engine at the previous run (no kick since) and the
 * engine is idle: an interrupt about to be handled is not mistaken for a
 * lost one, and a lost one is noticed within two periods.
 */
void bigphys_dma_watchdog(struct work_struct *work)
{
	struct bigphys_dev *bd = container_of(to_delayed_work(work),
					      struct bigphys_dev, watchdog);

	mutex_lock(&bd->lock);
	if (bd->cur) {
		if (bd->kicks != bd->watchdog_kicks || bd->engine->busy(bd)) {
			bd->watchdog_kicks = bd->kicks;
			queue_delayed_work(system_wq, &bd->watchdog,
					   msecs_to_jiffies(watchdog_ms));
		} else {
			dev_warn_ratelimited(&bd->pdev->dev, "lost DMA interrupt\n");
			bigphys_dev_transfer_done(bd);
		}
	}
	mutex_unlock(&bd->lock);
}

/**
 * bigphys_dma_dev_remove() - the device is being unbound
 * @bd: device
 *
 * Fails queued jobs with -ENODEV, lets the transfer on the engine finish
 * (the engine cannot be aborted; memory stays mapped until it stops) and
 * unmaps every map-only mapping, releasing its region.  Afterwards nothing
 * touches the device.
 * Context: process context, from the PCI remove callback.
 */
void bigphys_dma_dev_remove(struct bigphys_dev *bd)
{
	struct bigphys_job *job, *tmp;
	struct bigphys_map *map;

	mutex_lock(&bd->lock);
	bd->gone = true;
	list_for_each_entry_safe(job, tmp, &bd->queue, node) {
		list_del_init(&job->node);
		bigphys_job_end(job, -ENODEV);
	}
	mutex_unlock(&bd->lock);
	wait_event(bd->idle, !READ_ONCE(bd->cur));
	cancel_delayed_work_sync(&bd->watchdog);

	/* Lock order: bd->lock, then bigphys_lock (in bigphys_region_put()). */
	mutex_lock(&bd->lock);
	list_for_each_entry(map, &bd->maps, node) {
		bigphys_dmabuf_unmap(bd, &map->buf);
		bigphys_dmabuf_put(&map->buf);
		map->buf.region = NULL;
		map->mapped = false;
	}
	INIT_LIST_HEAD(&bd->maps);
	mutex_unlock(&bd->lock);
}

static int bigphys_get_memory(struct bigphys_file *bf, struct bigphys_dmabuf *buf,
			      u32 flags, u32 region_id, u64 phys, u64 offset,
			      u64 len, u64 user_addr)
{
	buf->len = len;
	buf->dir = flags & BIGPHYS_DMA_FROM_DEVICE ? DMA_FROM_DEVICE :
						     DMA_TO_DEVICE;
	if (!len || len > SZ_1G)
		return -EINVAL;
	if (flags & BIGPHYS_DMA_USER_PTR)
		return region_id || phys || offset || !user_addr ? -EINVAL : 0;
	if (user_addr)
		return -EINVAL;
	buf->region = bigphys_file_region_get(bf, region_id, phys, 1);
	if (!buf->region)
		return -ENOENT;
	atomic_inc(&buf->region->nr_dma);
	if (offset >= buf->region->size || len > buf->region->size - offset) {
		bigphys_dmabuf_put(buf);
		return -EINVAL;
	}
	return 0;
}

/*
 * Reserve a cookie or handle in @xa (bf->jobs or bf->maps) within the fd's
 * limit.  The entry stays NULL to lookups (WAIT_DMA, DMA_UNMAP) until
 * xa_store() publishes the job or mapping, once it is complete: a thread
 * that guesses the number meanwhile gets -ENOENT instead of a half-made
 * object.  Context: bf->lock held.
 */
static int bigphys_slot_reserve(struct bigphys_file *bf, struct xarray *xa,
				u32 *id)
{
	int err;

	if (bf->nr_slots >= BIGPHYS_MAX_JOBS)
		return -EBUSY;
	err = xa_alloc(xa, id, NULL, xa_limit_31b, GFP_KERNEL);
	if (!err)
		bf->nr_slots++;
	return err;
}

/* Give back a reserved or published slot.  Context: bf->lock held. */
static void bigphys_slot_release(struct bigphys_file *bf, struct xarray *xa,
				 u32 id)
{
	xa_erase(xa, id);
	bf->nr_slots--;
}

/* Publish @entry in the slot reserved for it.  Context: bf->lock held. */
static void bigphys_slot_publish(struct xarray *xa, u32 id, void *entry)
{
	/* The reserved slot has its node: storing allocates nothing. */
	xa_store(xa, id, entry, GFP_KERNEL);
}

static void bigphys_job_free(struct bigphys_job *job)
{
	if (job->segs != &job->one)
		kfree(job->segs);
	bigphys_dmabuf_put(&job->buf);
	bigphys_dev_put(job->bd);
	kfree(job);
}

/* Whether the engine of @bd can move @len bytes at device address @addr. */
static bool bigphys_dev_window_ok(struct bigphys_dev *bd, u64 addr, u64 len)
{
	const struct bigphys_engine *e = bd->engine;

	return addr >= e->window_base && len && len <= e->window_size &&
	       addr - e->window_base <= e->window_size - len;
}

static struct bigphys_job *bigphys_job_alloc(struct bigphys_file *bf,
					     struct bigphys_dev *bd, u32 flags)
{
	struct bigphys_job *job = kzalloc(sizeof(*job), GFP_KERNEL);

	if (!job)
		return NULL;
	INIT_LIST_HEAD(&job->node);
	init_completion(&job->finished);
	job->bd = bd;
	job->bf = bf;
	job->to_device = !(flags & BIGPHYS_DMA_FROM_DEVICE);
	job->segs = &job->one;
	job->nr_segs = 1;
	return job;
}

/*
 * Map @job's memory (got by bigphys_get_memory(), @offset/@uaddr as for
 * bigphys_dmabuf_map()), give it a cookie, tell user space and queue it.
 * On failure everything done here is undone; the caller still owns the job,
 * its memory and its device reference.
 */
static long bigphys_job_submit(struct bigphys_file *bf, struct bigphys_job *job,
			       u64 offset, u64 uaddr, u64 __user *ucookie)
{
	struct bigphys_dev *bd = job->bd;
	u32 cookie;
	long err;

	err = bigphys_dmabuf_map(bd, &job->buf, offset, uaddr);
	if (err)
		return err;
	mutex_lock(&bf->lock);
	err = bigphys_slot_reserve(bf, &bf->jobs, &cookie);
	mutex_unlock(&bf->lock);
	if (err)
		goto unmap;
	if (put_user((u64)cookie, ucookie)) {
		mutex_lock(&bf->lock);
		bigphys_slot_release(bf, &bf->jobs, cookie);
		mutex_unlock(&bf->lock);
		err = -EFAULT;
		goto unmap;
	}

	/* From here on only WAIT_DMA or close frees the job. */
	job->t_submit = ktime_get();
	mutex_lock(&bf->lock);
	bigphys_slot_publish(&bf->jobs, cookie, job);
	mutex_unlock(&bf->lock);
	mutex_lock(&bd->lock);
	if (bd->gone) {
		bigphys_job_end(job, -ENODEV);
	} else {
		list_add_tail(&job->node, &bd->queue);
		if (!bd->cur)
			bigphys_dev_next(bd);
	}
	mutex_unlock(&bd->lock);
	return 0;

unmap:
	bigphys_dmabuf_unmap(bd, &job->buf);
	return err;
}

static long bigphys_strt_dma(struct bigphys_file *bf,
			     struct bigphys_dma __user *uarg)
{
	struct bigphys_dev *bd;
	struct bigphys_job *job;
	struct bigphys_dma d;
	long err;

	if (copy_from_user(&d, uarg, sizeof(d)))
		return -EFAULT;
	if (d.flags & ~BIGPHYS_DMA_FLAGS || d.pad)
		return -EINVAL;
	bd = bigphys_dev_get(d.dev_index);
	if (!bd)
		return -ENODEV;
	err = -EOPNOTSUPP;
	if (!bd->engine)
		goto put_dev;
	err = -EINVAL;
	if (!bigphys_dev_window_ok(bd, d.dev_addr, d.len))
		goto put_dev;

	err = -ENOMEM;
	job = bigphys_job_alloc(bf, bd, d.flags);
	if (!job)
		goto put_dev;
	job->one.len = d.len;
	job->one.dev_addr = d.dev_addr;
	job->len = d.len;
	err = bigphys_get_memory(bf, &job->buf, d.flags, d.region_id,
				 d.phys_addr, d.offset, d.len, d.user_addr);
	if (err)
		goto free_job;
	err = bigphys_job_submit(bf, job, d.offset, d.user_addr, &uarg->cookie);
	if (err)
		goto put_memory;
	return 0;

put_memory:
	bigphys_dmabuf_put(&job->buf);
free_job:
	kfree(job);
put_dev:
	bigphys_dev_put(bd);
	return err;
}

/*
 * Check STRT_DMAV segments like STRT_DMA checks its range (the region range
 * is checked on the span they cover) and make their offsets relative to
 * the span.  Returns the span's first byte and length in @lo and @span.
 */
static int bigphys_dmav_segs(struct bigphys_dev *bd,
			     struct bigphys_dma_seg *segs, u32 nr,
			     u64 *lo, u64 *span, size_t *total)
{
	u64 first = U64_MAX, end = 0;
	u32 i;

	*total = 0;
	for (i = 0; i < nr; i++) {
		if (!bigphys_dev_window_ok(bd, segs[i].dev_addr, segs[i].len) ||
		    segs[i].offset > U64_MAX - segs[i].len)
			return -EINVAL;
		first = min(first, segs[i].offset);
		end = max(end, segs[i].offset + segs[i].len);
		*total += segs[i].len;
	}
	for (i = 0; i < nr; i++)
		segs[i].offset -= first;
	*lo = first;
	*span = end - first;
	return 0;
}

static long bigphys_strt_dmav(struct bigphys_file *bf,
			      struct bigphys_dmav __user *uarg)
{
	struct bigphys_dma_seg *segs;
	struct bigphys_dev *bd;
	struct bigphys_job *job;
	struct bigphys_dmav v;
	u64 lo, span;
	size_t total;
	long err;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	if (v.flags & ~BIGPHYS_DMA_FROM_DEVICE || !v.nr_segs ||
	    v.nr_segs > BIGPHYS_DMAV_MAX_SEGS)
		return -EINVAL;
	segs = memdup_user(u64_to_user_ptr(v.segs), v.nr_segs * sizeof(*segs));
	if (IS_ERR(segs))
		return PTR_ERR(segs);
	err = -ENODEV;
	bd = bigphys_dev_get(v.dev_index);
	if (!bd)
		goto free_segs;
	err = -EOPNOTSUPP;
	if (!bd->engine)
		goto put_dev;
	err = bigphys_dmav_segs(bd, segs, v.nr_segs, &lo, &span, &total);
	if (err)
		goto put_dev;
	err = -ENOENT;		/* no lookup by physical address here */
	if (!v.region_id)
		goto put_dev;

	err = -ENOMEM;
	job = bigphys_job_alloc(bf, bd, v.flags);
	if (!job)
		goto put_dev;
	job->segs = segs;
	job->nr_segs = v.nr_segs;
	job->len = total;
	err = bigphys_get_memory(bf, &job->buf, v.flags, v.region_id,
				 0, lo, span, 0);
	if (err)
		goto free_job;
	err = bigphys_job_submit(bf, job, lo, 0, &uarg->cookie);
	if (err)
		goto put_memory;
	return 0;

put_memory:
	bigphys_dmabuf_put(&job->buf);
free_job:
	kfree(job);
put_dev:
	bigphys_dev_put(bd);
free_segs:
	kfree(segs);
	return err;
}

static long bigphys_wait_dma(struct bigphys_file *bf,
			     struct bigphys_dma_wait __user *uarg)
{
	struct bigphys_dma_wait w;
	struct bigphys_job *job;
	unsigned long timeout;
	long left;

	if (copy_from_user(&w, uarg, sizeof(w)))
		return -EFAULT;
	if (w.pad)
		return -EINVAL;

	mutex_lock(&bf->lock);
	job = w.cookie <= U32_MAX ? xa_load(&bf->jobs, w.cookie) : NULL;
	if (job && job->waiting)
		job = ERR_PTR(-EBUSY);
	else if (job)
		job->waiting = true;
	mutex_unlock(&bf->lock);
	if (IS_ERR_OR_NULL(job))
		return job ? PTR_ERR(job) : -ENOENT;

	left = completion_done(&job->finished);
	if (!left && w.timeout_ns) {
		timeout = min_t(u64, nsecs_to_jiffies64(w.timeout_ns),
				MAX_SCHEDULE_TIMEOUT - 1);
		left = wait_for_completion_interruptible_timeout(&job->finished,
								 timeout ?: 1);
	}
	if (left <= 0) {
		mutex_lock(&bf->lock);
		job->waiting = false;
		mutex_unlock(&bf->lock);
		return left ? -EINTR : -ETIMEDOUT;
	}

	w.status = job->status;
	w.bytes = job->done;
	w.duration_ns = ktime_to_ns(ktime_sub(job->t_end, job->t_submit));
	/* Only a WAIT that reports the job reaps it. */
	if (copy_to_user(uarg, &w, sizeof(w))) {
		mutex_lock(&bf->lock);
		job->waiting = false;
		mutex_unlock(&bf->lock);
		return -EFAULT;
	}
	mutex_lock(&bf->lock);
	bigphys_slot_release(bf, &bf->jobs, w.cookie);
	mutex_unlock(&bf->lock);
	bigphys_job_free(job);
	return 0;
}

static void bigphys_map_free(struct bigphys_map *map)
{
	struct bigphys_dev *bd = map->bd;

	mutex_lock(&bd->lock);
	if (map->mapped) {
		list_del(&map->node);
		bigphys_dmabuf_unmap(bd, &map->buf);
	}
	mutex_unlock(&bd->lock);
	bigphys_dmabuf_put(&map->buf);
	bigphys_dev_put(bd);
	kfree(map);
}

static long bigphys_dma_map(struct bigphys_file *bf,
			    struct bigphys_dma_map __user *uarg)
{
	struct bigphys_dma_map m;
	struct bigphys_dev *bd;
	struct bigphys_map *map;
	size_t seglen;
	u32 handle;
	long err;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.flags & ~BIGPHYS_DMA_FLAGS)
		return -EINVAL;
	bd = bigphys_dev_get(m.dev_index);
	if (!bd)
		return -ENODEV;
	err = -ENOMEM;
	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		goto put_dev;
	map->bd = bd;
	err = bigphys_get_memory(bf, &map->buf, m.flags, m.region_id, 0,
				 m.offset, m.len, m.user_addr);
	if (err)
		goto free_map;
	err = bigphys_dmabuf_map(bd, &map->buf, m.offset, m.user_addr);
	if (err)
		goto put_memory;

	mutex_lock(&bf->lock);
	err = bigphys_slot_reserve(bf, &bf->maps, &handle);
	mutex_unlock(&bf->lock);
	if (err)
		goto unmap;

	mutex_lock(&bd->lock);
	if (bd->gone) {
		mutex_unlock(&bd->lock);
		err = -ENODEV;
		goto release;
	}
	map->mapped = true;
	list_add_tail(&map->node, &bd->maps);
	m.bus_addr = bigphys_dmabuf_seg(&map->buf, 0, &seglen);
	m.nr_segs = map->buf.nr_segs;
	mutex_unlock(&bd->lock);

	m.handle = handle;
	if (copy_to_user(uarg, &m, sizeof(m))) {
		/* Nobody learnt the handle: undo the mapping. */
		mutex_lock(&bf->lock);
		bigphys_slot_release(bf, &bf->maps, handle);
		mutex_unlock(&bf->lock);
		bigphys_map_free(map);
		return -EFAULT;
	}
	mutex_lock(&bf->lock);
	bigphys_slot_publish(&bf->maps, handle, map);
	mutex_unlock(&bf->lock);
	return 0;

release:
	mutex_lock(&bf->lock);
	bigphys_slot_release(bf, &bf->maps, handle);
	mutex_unlock(&bf->lock);
unmap:
	bigphys_dmabuf_unmap(bd, &map->buf);
put_memory:
	bigphys_dmabuf_put(&map->buf);
free_map:
	kfree(map);
put_dev:
	bigphys_dev_put(bd);
	return err;
}

static long bigphys_dma_unmap(struct bigphys_file *bf, u64 __user *uarg)
{
	struct bigphys_map *map;
	u64 handle;

	if (get_user(handle, uarg))
		return -EFAULT;
	mutex_lock(&bf->lock);
	map = handle <= U32_MAX ? xa_load(&bf->maps, handle) : NULL;
	if (map)	/* not a slot still being set up */
		bigphys_slot_release(bf, &bf->maps, handle);
	mutex_unlock(&bf->lock);
	if (!map)
		return -ENOENT;
	bigphys_map_free(map);
	return 0;
}

static long bigphys_dev_info(struct bigphys_dev_info __user *uarg)
{
	struct bigphys_dev_info info;
	struct bigphys_dev *bd;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.pad || info.reserved)
		return -EINVAL;
	bd = bigphys_dev_get(info.index);
	if (!bd)
		return -ENODEV;
	memset(&info, 0, sizeof(info));
	info.index = bd->index;
	info.flags = bd->msi ? BIGPHYS_DEV_MSI : 0;
	info.vendor = bd->pdev->vendor;
	info.device = bd->pdev->device;
	info.dma_mask = dma_get_mask(&bd->pdev->dev);
	if (bd->engine) {
		info.window_base = bd->engine->window_base;
		info.window_size = bd->engine->window_size;
		info.max_chunk = bigphys_chunk_limit(bd);
	}
	strscpy(info.name, pci_name(bd->pdev), sizeof(info.name));
	bigphys_dev_put(bd);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

/**
 * bigphys_dma_ioctl() - STRT_DMA(V), WAIT_DMA, DMA_MAP, DMA_UNMAP, DEV_INFO
 * @bf: the file
 * @cmd: one of those
 * @argp: user pointer to its structure
 *
 * Context: process context, may sleep.
 * Return: 0 or the negative errno documented in include/uapi/bigphys.h.
 */
long bigphys_dma_ioctl(struct bigphys_file *bf, unsigned int cmd,
		       void __user *argp)
{
	switch (cmd) {
	case BIGPHYS_IOC_STRT_DMA:
		return bigphys_strt_dma(bf, argp);
	case BIGPHYS_IOC_STRT_DMAV:
		return bigphys_strt_dmav(bf, argp);
	case BIGPHYS_IOC_WAIT_DMA:
		return bigphys_wait_dma(bf, argp);
	case BIGPHYS_IOC_DMA_MAP:
		return bigphys_dma_map(bf, argp);
	case BIGPHYS_IOC_DMA_UNMAP:
		return bigphys_dma_unmap(bf, argp);
	case BIGPHYS_IOC_DEV_INFO:
		return bigphys_dev_info(argp);
	}
	return -ENOTTY;
}

/**
 * bigphys_dma_poll() - poll() mask of a file
 * @bf: the file
 *
 * Return: EPOLLIN | EPOLLRDNORM while a finished job waits to be reaped.
 */
__poll_t bigphys_dma_poll(struct bigphys_file *bf)
{
	struct bigphys_job *job;
	unsigned long i;
	__poll_t mask = 0;

	mutex_lock(&bf->lock);
	xa_for_each(&bf->jobs, i, job)
		if (completion_done(&job->finished))
			mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&bf->lock);
	return mask;
}

/**
 * bigphys_dma_file_release() - the file is closed: end its DMA
 * @bf: the file
 *
 * Queued jobs are cancelled; a job on the engine stops after its current
 * transfer; the memory stays mapped (and the region alive) until then.
 * Context: process context; no other user of @bf is left.
 */
void bigphys_dma_file_release(struct bigphys_file *bf)
{
	struct bigphys_job *job;
	struct bigphys_map *map;
	unsigned long i;

	/* First stop everything, so no queued job of ours starts meanwhile... */
	xa_for_each(&bf->jobs, i, job) {
		mutex_lock(&job->bd->lock);
		job->cancel = true;
		if (!list_empty(&job->node)) {
			list_del_init(&job->node);
			bigphys_job_end(job, -ECANCELED);
		}
		mutex_unlock(&job->bd->lock);
	}
	/* ...then wait for the transfers already on an engine. */
	xa_for_each(&bf->jobs, i, job) {
		wait_for_completion(&job->finished);
		xa_erase(&bf->jobs, i);
		bigphys_job_free(job);
	}
	xa_for_each(&bf->maps, i, map) {
		xa_erase(&bf->maps, i);
		bigphys_map_free(map);
	}
}
