/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices, their DMA engines, and DMA mappings and jobs.
 *
 * bigphys_pci.c binds PCI devices and keeps them in an index; bigphys_edu.c
 * (and any other engine) drives a device's DMA engine through struct
 * bigphys_engine; bigphys_dma.c maps memory for a device and runs jobs.
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

/**
 * struct bigphys_engine - a device's DMA engine
 * @name: engine name for logs
 * @dma_bits: the device's DMA addressing width, used unless the dma_bits=
 *	module parameter overrides it
 * @window_base: first device address a transfer may touch
 * @window_size: bytes from @window_base a job may touch
 * @max_chunk: largest single transfer, in bytes
 * @probe: check that the device really is this engine (0 or -ENODEV)
 * @start: program and start one transfer of @len bytes between bus address
 *	@bus and device address @dev_addr, interrupting when done.  Called with
 *	the device's lock held and the engine idle.
 * @busy: whether a transfer is still running (watchdog, lost interrupts)
 * @irq_ack: hard-irq context: acknowledge the device's interrupt; true if
 *	it signalled a finished transfer
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
	bool (*busy)(struct bigphys_dev *bd);
	bool (*irq_ack)(struct bigphys_dev *bd);
};

extern const struct bigphys_engine bigphys_edu_engine;

/**
 * struct bigphys_dev - a PCI device bound to bigphys
 * @ref: the device index holds one, each job and device mapping one
 * @pdev: the PCI device; valid until remove() returns (then @gone is set)
 * @engine: its DMA engine, or NULL for a map-only device
 * @bar: BAR0, mapped
 * @index: index in bigphys_devs (user-visible dev_index)
 * @msi: interrupts come by MSI
 * @lock: protects @queue, @cur, @maps, @gone and the engine's registers
 * @queue: jobs waiting for the engine
 * @cur: job on the engine, or NULL
 * @maps: map-only mappings (struct bigphys_map), unmapped at remove
 * @gone: remove() ran: no new jobs or mappings
 * @idle: woken when @cur becomes NULL
 * @watchdog: catches a lost interrupt: checks the engine while @cur is set
 * @kicks: transfers started; under @lock
 * @watchdog_kicks: @kicks when the watchdog last ran; under @lock
 */
struct bigphys_dev {
	struct kref ref;
	struct pci_dev *pdev;
	const struct bigphys_engine *engine;
	void __iomem *bar;
	u32 index;
	bool msi;
	/* protects queue, cur, maps, gone and the engine's registers */
	struct mutex lock;
	struct list_head queue;
	struct bigphys_job *cur;
	struct list_head maps;
	bool gone;
	wait_queue_head_t idle;
	struct delayed_work watchdog;
	unsigned long kicks;
	unsigned long watchdog_kicks;
};

/**
 * struct bigphys_dmabuf - memory mapped for one device
 * @region: region the memory belongs to (a reference), or NULL
 * @pages: pinned user pages, or NULL
 * @nr_pages: entries in @pages
 * @sgt: scatter-gather mapping (page-allocator pool, user memory)
 * @resource: dma_map_resource() address (reserved range), or
 *	DMA_MAPPING_ERROR when @sgt is used
 * @len: bytes mapped
 * @dir: DMA direction
 * @nr_segs: DMA segments (contiguous bus address ranges)
 */
struct bigphys_dmabuf {
	struct bigphys_region *region;
	struct page **pages;
	unsigned int nr_pages;
	struct sg_table sgt;
	dma_addr_t resource;
	size_t len;
	enum dma_data_direction dir;
	u32 nr_segs;
};

/**
 * struct bigphys_job - one STRT_DMA or STRT_DMAV request
 * @node: in @bd->queue while queued; under @bd->lock
 * @bd: device (a reference)
 * @bf: owner; outlives the job (release waits for every job)
 * @buf: the memory, mapped
 * @segs: the segments, run in order; @offset counts from the start of
 *	@buf.  &@one for STRT_DMA, else allocated (freed with the job)
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
 * @t_submit: submission time
 * @t_end: completion time
 * @finished: completed when the job ended and its memory is unmapped
 */
struct bigphys_job {
	struct list_head node;
	struct bigphys_dev *bd;
	struct bigphys_file *bf;
	struct bigphys_dmabuf buf;
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
	ktime_t t_submit;
	ktime_t t_end;
	struct completion finished;
};

/**
 * struct bigphys_map - one DMA_MAP (map-only) mapping
 * @node: in @bd->maps while mapped; under @bd->lock
 * @bd: device (a reference)
 * @buf: the memory; unmapped at DMA_UNMAP, close, or device remove
 * @mapped: @buf is still mapped; under @bd->lock
 */
struct bigphys_map {
	struct list_head node;
	struct bigphys_dev *bd;
	struct bigphys_dmabuf buf;
	bool mapped;
};

/* bigphys_pci.c */
int bigphys_pci_init(void);
void bigphys_pci_exit(void);
struct bigphys_dev *bigphys_dev_get(u32 index);
void bigphys_dev_put(struct bigphys_dev *bd);

/* bigphys_dma.c, for bigphys_pci.c */
irqreturn_t bigphys_dma_irq(int irq, void *data);
irqreturn_t bigphys_dma_irq_thread(int irq, void *data);
void bigphys_dma_watchdog(struct work_struct *work);
void bigphys_dma_dev_remove(struct bigphys_dev *bd);

#endif /* _BIGPHYS_DMA_H */
