/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices, their DMA engines, and DMA mappings and jobs.
 *
 * Layers, from user space down (calls go downwards only):
 *   bigphys_dma.c, bigphys_uring.c  decode ioctls / io_uring commands, the
 *	only places that touch user memory (with bigphys_ioctl.c)
 *   bigphys_job.c   jobs, per-device queues, chunking, completion, watchdog
 *   bigphys_map.c   memory mapped for one device (struct bigphys_dma_mem)
 *   bigphys_pci.c   binds PCI devices, keeps them in an index, IRQs
 *   bigphys_edu.c   one DMA engine (struct bigphys_engine)
 * Beside them, bigphys_stats.c: statistics in sysfs, debugfs tables and
 * the tracepoints (include/bigphys_trace.h).
 */
#ifndef _BIGPHYS_DMA_H
#define _BIGPHYS_DMA_H

#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/workqueue.h>

#include "bigphys_priv.h"

struct bigphys_dev;
struct bigphys_job_req;
struct dma_buf;
struct dma_buf_attachment;
struct io_uring_cmd;

/**
 * struct bigphys_engine - a device's DMA engine
 * @name: engine name for logs
 * @dma_bits: the device's DMA addressing width, used unless the dma_bits=
 *	module parameter overrides it
 * @window_base: first device address a transfer may touch
 * @window_size: bytes from @window_base a job may touch
 * @max_chunk: largest single transfer, in bytes
 * @probe: check that the device really is this engine and wait until its
 *	engine is idle, before bus mastering is enabled (0, -ENODEV not this
 *	engine or not answering, -ETIMEDOUT still busy)
 * @start: program and start one transfer of @len bytes between bus address
 *	@bus and device address @dev_addr, interrupting when done.  Called with
 *	the device's lock held and the engine idle.
 * @busy: > 0 a transfer is still running, 0 the engine is idle, < 0 the
 *	device no longer answers (a register read all-ones: surprise
 *	removal).  Called with the device's lock held, or from @probe.
 * @irq_ack: hard-irq context: acknowledge the device's interrupt; true if
 *	it signalled a finished transfer (false for all-ones: not ours)
 */
struct bigphys_engine {
	const char *name;
	unsigned int dma_bits;
	u64 window_base;
	u64 window_size;
	u32 max_chunk;
	int (*probe)(struct bigphys_dev *bd);
	void (*start)(struct bigphys_dev *bd, dma_addr_t bus, u64 dev_addr,
		      u32 len, bool to_device);
	int (*busy)(struct bigphys_dev *bd);
	bool (*irq_ack)(struct bigphys_dev *bd);
};

extern const struct bigphys_engine bigphys_edu_engine;

/**
 * struct bigphys_dev_stats - what a device did since it was bound
 * @jobs_submitted: jobs queued for the engine (a request refused before
 *	that, e.g. -EINVAL or a mapping that fails, is not counted)
 * @jobs_completed: jobs that ended with status 0
 * @jobs_failed: jobs that ended with another error than -ECANCELED
 *	(-EIO dead device, -ENODEV unbind)
 * @jobs_cancelled: jobs that ended with -ECANCELED (close, ring teardown)
 * @bytes_to_device: bytes the engine moved from memory to the device
 * @bytes_from_device: bytes the engine moved from the device to memory
 * @busy_ns: nanoseconds a job was on the engine, summed over jobs
 * @watchdog_rescues: transfers whose completion interrupt was lost and that
 *	the watchdog found finished
 *
 * Changed under the device's lock, read without it (sysfs,
 * bigphys_stats.c): every counter is an atomic64_t on its own.
 */
struct bigphys_dev_stats {
	atomic64_t jobs_submitted;
	atomic64_t jobs_completed;
	atomic64_t jobs_failed;
	atomic64_t jobs_cancelled;
	atomic64_t bytes_to_device;
	atomic64_t bytes_from_device;
	atomic64_t busy_ns;
	atomic64_t watchdog_rescues;
};

/**
 * struct bigphys_dev - a PCI device bound to bigphys
 * @ref: the device index holds one, each job and device mapping one
 * @pdev: the PCI device; valid until remove() returns (then @gone is set)
 * @engine: its DMA engine, or NULL for a map-only device
 * @bar: BAR0, mapped
 * @index: index in bigphys_devs (user-visible dev_index)
 * @msi: interrupts come by MSI
 * @lock: protects @queue, @cur, @maps, @gone, @dead, the engine's registers,
 *	and every DMA API call for the device while it is bound: memory is
 *	mapped and queued in one section, so remove() (which sets @gone under
 *	it) never races with a mapping.  Lock order: a file's lock, then this,
 *	then bigphys_lock.
 * @queue: jobs waiting for the engine
 * @cur: job on the engine, or NULL
 * @maps: map-only mappings (struct bigphys_map), unmapped at remove
 * @gone: remove() ran: no new jobs or mappings
 * @dead: the device stopped answering (all-ones reads): jobs fail with -EIO
 * @idle: woken when @cur becomes NULL
 * @watchdog: catches a lost interrupt: checks the engine while @cur is set
 * @kicks: transfers started; under @lock
 * @watchdog_kicks: @kicks when the watchdog last ran; under @lock
 * @stats: counters for sysfs (see struct bigphys_dev_stats)
 */
struct bigphys_dev {
	struct kref ref;
	struct pci_dev *pdev;
	const struct bigphys_engine *engine;
	void __iomem *bar;
	u32 index;
	bool msi;
	/* protects queue, cur, maps, gone, dead, the registers, DMA API calls */
	struct mutex lock;
	struct list_head queue;
	struct bigphys_job *cur;
	struct list_head maps;
	bool gone;
	bool dead;
	wait_queue_head_t idle;
	struct delayed_work watchdog;
	unsigned long kicks;
	unsigned long watchdog_kicks;
	struct bigphys_dev_stats stats;
};

/**
 * struct bigphys_dma_mem - memory mapped for one device (bigphys_map.c)
 * @region: region the memory belongs to (a reference), or NULL
 * @pages: pinned user pages, or NULL
 * @nr_pages: entries in @pages
 * @sgt: scatter-gather table (page-allocator pool, user memory)
 * @use_sgt: @sgt is set up (else the reserved range: dma_map_resource())
 * @mapped: DMA-mapped for a device; under that device's lock
 * @phys: reserved range: physical address of the first byte
 * @resource: dma_map_resource() address while @mapped
 * @cache_ops: @mapped for a device that needs bigphys's cache maintenance
 *	(bigphys_cache_ops_needed()): unmapping invalidates for the CPU
 * @dmabuf: imported dma-buf (BIGPHYS_DMA_DMABUF, a reference), or NULL
 * @attach: the device's attachment to @dmabuf
 * @dsgt: the exporter's mapping of @dmabuf while @mapped
 * @dsync: @dsgt needs syncs (swiotlb): bigphys_import_map() decides
 * @dmabuf_offset: first byte, from the start of @dmabuf
 * @len: bytes mapped
 * @dir: DMA direction
 * @nr_segs: DMA segments (contiguous bus address ranges)
 */
struct bigphys_dma_mem {
	struct bigphys_region *region;
	struct page **pages;
	unsigned int nr_pages;
	struct sg_table sgt;
	bool use_sgt;
	bool mapped;
	phys_addr_t phys;
	dma_addr_t resource;
	bool cache_ops;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *dsgt;
	bool dsync;
	u64 dmabuf_offset;
	size_t len;
	enum dma_data_direction dir;
	u32 nr_segs;
};

/**
 * struct bigphys_job - one STRT_DMA or STRT_DMAV request
 * @node: in @bd->queue while queued; under @bd->lock
 * @bd: device (a reference)
 * @bf: owner; outlives the job (release waits for every ioctl job; a
 *	pending io_uring command holds the file)
 * @ucmd: io_uring command to complete, or NULL for an ioctl job
 * @id: cookie (ioctl job, in @bf->jobs) or key in @bf->ujobs (io_uring)
 * @seq: number of the job since the module was loaded, unique (tracepoints)
 * @mem: the memory, mapped while the job is queued or running
 * @segs: the segments, run in order; @offset counts from the start of
 *	@mem.  &@one for STRT_DMA, else allocated (freed with the job)
 * @nr_segs: entries in @segs
 * @seg: segment on the engine; under @bd->lock
 * @seg_done: bytes of segment @seg moved so far; under @bd->lock
 * @len: bytes of all segments
 * @one: the segment of a STRT_DMA job
 * @to_device: direction
 * @done: bytes moved so far (all segments); under @bd->lock
 * @chunk: bytes of the transfer on the engine; under @bd->lock
 * @cancel: owner is going away: stop after the current transfer
 * @waiting: a WAIT_DMA is using the job; under @bf->lock
 * @status: 0 or -errno once finished
 * @ended: set (release) once the job ended and its memory is unmapped,
 *	before anybody is woken: poll() tests it under @bf->lock
 * @t_submit: submission time
 * @t_start: when the job went on the engine, 0 until then; under @bd->lock
 * @t_end: completion time
 * @finished: completed after @ended; the last access of the ending side
 */
struct bigphys_job {
	struct list_head node;
	struct bigphys_dev *bd;
	struct bigphys_file *bf;
	struct io_uring_cmd *ucmd;
	u32 id;
	u64 seq;
	struct bigphys_dma_mem mem;
	struct bigphys_dma_seg *segs;
	u32 nr_segs;
	u32 seg;
	size_t seg_done;
	size_t len;
	struct bigphys_dma_seg one;
	bool to_device;
	size_t done;
	u32 chunk;
	bool cancel;
	bool waiting;
	int status;
	bool ended;
	ktime_t t_submit;
	ktime_t t_start;
	ktime_t t_end;
	struct completion finished;
};

/* Nanoseconds @job was queued: until it went on the engine, else @now. */
static inline u64 bigphys_job_wait_ns(const struct bigphys_job *job,
				      ktime_t now)
{
	return ktime_to_ns(ktime_sub(job->t_start ?: now, job->t_submit));
}

/* Nanoseconds @job has been on the engine at @now; 0 if it never was. */
static inline u64 bigphys_job_run_ns(const struct bigphys_job *job,
				     ktime_t now)
{
	return job->t_start ? ktime_to_ns(ktime_sub(now, job->t_start)) : 0;
}

/**
 * struct bigphys_map - one DMA_MAP (map-only) mapping
 * @node: in @bd->maps while mapped; under @bd->lock
 * @bd: device (a reference)
 * @mem: the memory; unmapped at DMA_UNMAP, close, or device remove
 */
struct bigphys_map {
	struct list_head node;
	struct bigphys_dev *bd;
	struct bigphys_dma_mem mem;
};

/* bigphys_pci.c */
int bigphys_pci_init(void);
void bigphys_pci_exit(void);
struct bigphys_dev *bigphys_dev_get(u32 index);
struct bigphys_dev *bigphys_dev_get_next(unsigned long *index);
void bigphys_dev_put(struct bigphys_dev *bd);

/* bigphys_map.c */
bool bigphys_dma_reachable(struct device *dev, phys_addr_t phys, size_t len);
bool bigphys_cache_ops_needed(struct device *dev,
			      const struct bigphys_region *r);
void bigphys_cache_for_device(const struct bigphys_region *r,
			      phys_addr_t phys, size_t len);
void bigphys_cache_for_cpu(const struct bigphys_region *r, phys_addr_t phys,
			   size_t len, enum dma_data_direction dir);
bool bigphys_sgt_reachable(struct device *dev, struct sg_table *sgt);
int bigphys_sgt_phys(struct device *dev, struct sg_table *sgt,
		     phys_addr_t phys, size_t len);
int bigphys_mem_get(struct bigphys_file *bf, struct bigphys_dev *bd,
		    struct bigphys_dma_mem *mem, const struct bigphys_job_req *req);
int bigphys_mem_map(struct bigphys_dev *bd, struct bigphys_dma_mem *mem);
void bigphys_mem_unmap(struct bigphys_dev *bd, struct bigphys_dma_mem *mem);
void bigphys_mem_put(struct bigphys_dma_mem *mem);
dma_addr_t bigphys_mem_seg(struct bigphys_dma_mem *mem, size_t pos,
			   size_t *len);
int bigphys_map_create(struct bigphys_file *bf, struct bigphys_job_req *req,
		       u32 *handle, struct bigphys_dma_map *out,
		       struct bigphys_bus_seg *segs, u32 max_segs);
void bigphys_map_free(struct bigphys_map *map);
int bigphys_map_destroy(struct bigphys_file *bf, u64 handle);
void bigphys_dev_unmap_all(struct bigphys_dev *bd);

/**
 * struct bigphys_job_req - a decoded STRT_DMA/STRT_DMAV/DMA_MAP request
 * @dev_index: device
 * @flags: BIGPHYS_DMA_*
 * @region_id: region attached to the file, or 0 (then @phys_addr)
 * @phys_addr: with @region_id 0: an address inside an attached region
 * @offset: first byte of the memory, from the region start (set by
 *	bigphys_job_create() from the segments)
 * @len: bytes of memory to map, 1..1 GiB (for jobs: set from the span of
 *	the segments)
 * @user_addr: with BIGPHYS_DMA_USER_PTR: the user buffer
 * @segs: the segments (jobs only), offsets from the region start; see
 *	bigphys_job_create() for who frees them
 * @nr_segs: entries of @segs (1 for STRT_DMA)
 *
 * Built by the decode layers (bigphys_dma.c, bigphys_uring.c) from user
 * input; the core below never reads user memory except the pages of a
 * BIGPHYS_DMA_USER_PTR buffer, which it pins.
 */
struct bigphys_job_req {
	u32 dev_index;
	u32 flags;
	u32 region_id;
	u64 phys_addr;
	u64 offset;
	u64 len;
	u64 user_addr;
	struct bigphys_dma_seg *segs;
	u32 nr_segs;
};

/* bigphys_job.c */
struct bigphys_job *bigphys_job_create(struct bigphys_file *bf,
				       struct bigphys_job_req *req);
int bigphys_job_reserve(struct bigphys_job *job, struct io_uring_cmd *ucmd);
int bigphys_job_queue(struct bigphys_job *job);
void bigphys_job_free(struct bigphys_job *job);
void bigphys_job_discard(struct bigphys_job *job);
struct bigphys_job *bigphys_job_wait(struct bigphys_file *bf, u64 cookie,
				     u64 timeout_ns);
void bigphys_job_unwait(struct bigphys_job *job);
void bigphys_job_reap(struct bigphys_job *job);
void bigphys_job_cancel(struct bigphys_job *job);
u64 bigphys_job_duration_ns(const struct bigphys_job *job);
u32 bigphys_chunk_limit(struct bigphys_dev *bd);
int bigphys_slot_reserve(struct bigphys_file *bf, struct xarray *xa, u32 *id);
void bigphys_slot_release(struct bigphys_file *bf, struct xarray *xa, u32 id);
irqreturn_t bigphys_dma_irq(int irq, void *data);
irqreturn_t bigphys_dma_irq_thread(int irq, void *data);
void bigphys_dma_watchdog(struct work_struct *work);
void bigphys_dev_stop(struct bigphys_dev *bd);

/* bigphys_dma.c, for bigphys_uring.c */
int bigphys_dma_req(const struct bigphys_dma *d, struct bigphys_job_req *req,
		    struct bigphys_dma_seg *seg);
int bigphys_dmav_req(const struct bigphys_dmav *v, struct bigphys_job_req *req);

/* bigphys_dmabuf.c */
int bigphys_import_get(struct bigphys_dma_mem *mem, struct device *dev,
		       int fd, u64 offset);
int bigphys_import_map(struct bigphys_dma_mem *mem);
void bigphys_import_unmap(struct bigphys_dma_mem *mem);
void bigphys_import_put(struct bigphys_dma_mem *mem);

/* bigphys_uring.c */
void bigphys_uring_job_end(struct bigphys_job *job);

/* bigphys_stats.c */
extern const struct attribute_group *bigphys_dev_groups[];
extern atomic_t bigphys_drop_irqs;

#endif /* _BIGPHYS_DMA_H */
