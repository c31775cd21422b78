// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA ioctls: STRT_DMA, STRT_DMAV, WAIT_DMA, DMA_MAP, DMA_UNMAP and
 * DEV_INFO.  Each one copies its structure in, checks what can be checked
 * without the core (flags, padding), builds a struct bigphys_job_req and
 * calls the core (bigphys_job.c, bigphys_map.c), then copies results out.
 * bigphys_uring.c is the other entry point to the same core.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "bigphys_dma.h"

/**
 * bigphys_dma_req() - decode the fields STRT_DMA and its io_uring twin share
 * @d: the request, in kernel memory
 * @req: filled; @req->segs points at @seg
 * @seg: the one segment
 *
 * Return: 0, or -EINVAL unknown flags or nonzero padding.
 */
int bigphys_dma_req(const struct bigphys_dma *d, struct bigphys_job_req *req,
		    struct bigphys_dma_seg *seg)
{
	if (d->flags & ~BIGPHYS_DMA_FLAGS || d->pad)
		return -EINVAL;
	*req = (struct bigphys_job_req) {
		.dev_index = d->dev_index,
		.flags = d->flags,
		.region_id = d->region_id,
		.phys_addr = d->phys_addr,
		.offset = d->offset,
		.user_addr = d->user_addr,
		.segs = seg,
		.nr_segs = 1,
	};
	*seg = (struct bigphys_dma_seg) {
		.offset = d->offset, .len = d->len, .dev_addr = d->dev_addr,
	};
	return 0;
}

/**
 * bigphys_dmav_req() - decode STRT_DMAV (ioctl or io_uring)
 * @v: the request, in kernel memory
 * @req: filled; @req->segs is allocated (kfree() it after
 *	bigphys_job_create(), which may have taken it over)
 *
 * Context: process context: copies the segment array in.
 * Return: 0, -EINVAL flags or segment count, -EFAULT bad array, -ENOMEM.
 */
int bigphys_dmav_req(const struct bigphys_dmav *v, struct bigphys_job_req *req)
{
	struct bigphys_dma_seg *segs;

	if (v->flags & ~(BIGPHYS_DMA_FROM_DEVICE | BIGPHYS_DMA_DMABUF) ||
	    !v->nr_segs ||
	    v->nr_segs > BIGPHYS_DMAV_MAX_SEGS)
		return -EINVAL;
	segs = kmalloc_array(v->nr_segs, sizeof(*segs), GFP_KERNEL_ACCOUNT);
	if (!segs)
		return -ENOMEM;
	if (copy_from_user(segs, u64_to_user_ptr(v->segs),
			   v->nr_segs * sizeof(*segs))) {
		kfree(segs);
		return -EFAULT;
	}
	*req = (struct bigphys_job_req) {
		.dev_index = v->dev_index,
		.flags = v->flags,
		.region_id = v->region_id,
		.segs = segs,
		.nr_segs = v->nr_segs,
	};
	return 0;
}

/*
 * Create, reserve a cookie, tell user space, queue.  The cookie is copied
 * out before the job is queued, so a failed copy leaves no job behind.
 */
static long bigphys_ioctl_submit(struct bigphys_file *bf,
				 struct bigphys_job_req *req,
				 u64 __user *ucookie)
{
	struct bigphys_job *job;
	long err;

	job = bigphys_job_create(bf, req);
	if (IS_ERR(job))
		return PTR_ERR(job);
	err = bigphys_job_reserve(job, NULL);
	if (err)
		goto discard;
	err = -EFAULT;
	if (put_user((u64)job->id, ucookie))
		goto discard;
	err = bigphys_job_queue(job);
	if (err)
		goto discard;
	return 0;

discard:
	bigphys_job_discard(job);
	return err;
}

static long bigphys_strt_dma(struct bigphys_file *bf,
			     struct bigphys_dma __user *uarg)
{
	struct bigphys_job_req req;
	struct bigphys_dma_seg seg;
	struct bigphys_dma d;
	long err;

	if (copy_from_user(&d, uarg, sizeof(d)))
		return -EFAULT;
	err = bigphys_dma_req(&d, &req, &seg);
	if (err)
		return err;
	return bigphys_ioctl_submit(bf, &req, &uarg->cookie);
}

static long bigphys_strt_dmav(struct bigphys_file *bf,
			      struct bigphys_dmav __user *uarg)
{
	struct bigphys_job_req req;
	struct bigphys_dmav v;
	long err;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	err = bigphys_dmav_req(&v, &req);
	if (err)
		return err;
	err = bigphys_ioctl_submit(bf, &req, &uarg->cookie);
	kfree(req.segs);
	return err;
}

static long bigphys_wait_dma(struct bigphys_file *bf,
			     struct bigphys_dma_wait __user *uarg)
{
	struct bigphys_dma_wait w;
	struct bigphys_job *job;

	if (copy_from_user(&w, uarg, sizeof(w)))
		return -EFAULT;
	if (w.pad)
		return -EINVAL;
	job = bigphys_job_wait(bf, w.cookie, w.timeout_ns);
	if (IS_ERR(job))
		return PTR_ERR(job);
	w.status = job->status;
	w.bytes = job->done;
	w.duration_ns = bigphys_job_duration_ns(job);
	/* Only a WAIT that reports the job reaps it. */
	if (copy_to_user(uarg, &w, sizeof(w))) {
		bigphys_job_unwait(job);
		return -EFAULT;
	}
	bigphys_job_reap(job);
	return 0;
}

static long bigphys_dma_map(struct bigphys_file *bf,
			    struct bigphys_dma_map __user *uarg)
{
	struct bigphys_bus_seg *segs = NULL;
	struct bigphys_job_req req;
	struct bigphys_dma_map m;
	u32 handle, nseg = 0;
	long err;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.flags & ~BIGPHYS_DMA_FLAGS || m.pad || (m.max_segs && !m.segs))
		return -EINVAL;
	req = (struct bigphys_job_req) {
		.dev_index = m.dev_index,
		.flags = m.flags,
		.region_id = m.region_id,
		.offset = m.offset,
		.len = m.len,
		.user_addr = m.user_addr,
	};
	if (m.segs && m.max_segs) {
		nseg = min_t(u32, m.max_segs, BIGPHYS_MAP_MAX_SEGS);
		segs = kvcalloc(nseg, sizeof(*segs), GFP_KERNEL_ACCOUNT);
		if (!segs)
			return -ENOMEM;
	}
	err = bigphys_map_create(bf, &req, &handle, &m, segs, nseg);
	if (err)
		goto free_segs;
	m.handle = handle;
	nseg = min(nseg, m.nr_segs);
	if ((nseg && copy_to_user(u64_to_user_ptr(m.segs), segs,
				  nseg * sizeof(*segs))) ||
	    copy_to_user(uarg, &m, sizeof(m))) {
		/* Nobody learnt the handle: undo the mapping. */
		bigphys_map_destroy(bf, handle);
		err = -EFAULT;
	}
free_segs:
	kvfree(segs);
	return err;
}

static long bigphys_dma_unmap(struct bigphys_file *bf, u64 __user *uarg)
{
	u64 handle;

	if (get_user(handle, uarg))
		return -EFAULT;
	return bigphys_map_destroy(bf, handle);
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
