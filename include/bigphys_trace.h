/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracepoints of the bigphys module: events/bigphys/ in tracefs, for
 * trace-cmd, perf and the tracefs files.  README.md "Observability" shows
 * how to use them.
 *
 *   bigphys_region_alloc, bigphys_region_free   a region is published (has
 *	its id) / returns its memory to the pool
 *   bigphys_dma_map, bigphys_dma_unmap   memory mapped for a device (a job's
 *	or a DMA_MAP's): bus address of the first byte, DMA segments
 *   bigphys_job_submit, _start, _chunk, _done   a DMA job is queued, goes on
 *	the engine, each engine transfer, it ends (status, time queued and
 *	time on the engine)
 *   bigphys_job_lost_irq   the watchdog found a transfer finished whose
 *	interrupt never came
 *   bigphys_cache_sync   CPU cache maintenance bigphys does itself for a
 *	write-back region of the reserved range and a device that is not
 *	cache coherent (bigphys_map.c): "clean+inval" before the device
 *	accesses the range, "inval" after it wrote to it
 *
 * A job's "job" field is unique per module load and the same in all its
 * events; "cookie" is what STRT_DMA returned to user space (for an io_uring
 * job, uring=1, it is the file's internal key).  The events are defined in
 * bigphys_stats.c (CREATE_TRACE_POINTS); like samples/trace_events, this
 * header is found by define_trace.h through TRACE_INCLUDE_PATH "." and the
 * module's -I$(src)/include (Kbuild).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM bigphys

#if !defined(_BIGPHYS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _BIGPHYS_TRACE_H

#include <linux/ktime.h>
#include <linux/tracepoint.h>
#include <linux/uidgid.h>

#include "bigphys_dma.h"

DECLARE_EVENT_CLASS(bigphys_region_class,
		    TP_PROTO(const struct bigphys_region *r),
		    TP_ARGS(r),
		    TP_STRUCT__entry(__field(u32, id)
				     __field(u32, flags)
				     __field(u64, phys)
				     __field(u64, size)
				     __field(u32, owner)
				     __array(char, name, BIGPHYS_NAME_LEN)),
		    TP_fast_assign(__entry->id = r->id;
				   __entry->flags = r->flags;
				   __entry->phys = r->phys;
				   __entry->size = r->size;
				   __entry->owner = from_kuid_munged(&init_user_ns, r->owner);
				   memcpy(__entry->name, r->name, BIGPHYS_NAME_LEN);
				   __entry->name[BIGPHYS_NAME_LEN - 1] = '\0';),
		    TP_printk("id=%u phys=0x%llx size=%llu flags=0x%x owner=%u name=%s",
			      __entry->id, __entry->phys, __entry->size, __entry->flags,
			      __entry->owner, __entry->name)
);

DEFINE_EVENT(bigphys_region_class, bigphys_region_alloc,
	     TP_PROTO(const struct bigphys_region *r),
	     TP_ARGS(r)
);

DEFINE_EVENT(bigphys_region_class, bigphys_region_free,
	     TP_PROTO(const struct bigphys_region *r),
	     TP_ARGS(r)
);

DECLARE_EVENT_CLASS(bigphys_map_class,
		    TP_PROTO(const struct bigphys_dev *bd, const struct bigphys_dma_mem *mem,
			     dma_addr_t bus),
		    TP_ARGS(bd, mem, bus),
		    TP_STRUCT__entry(__field(u32, dev)
				     __field(u32, region)
				     __field(u64, bus)
				     __field(u64, len)
				     __field(u32, nr_segs)
				     __field(bool, to_device)),
		    TP_fast_assign(__entry->dev = bd->index;
				   __entry->region = mem->region ? mem->region->id : 0;
				   __entry->bus = bus;
				   __entry->len = mem->len;
				   __entry->nr_segs = mem->nr_segs;
				   __entry->to_device = mem->dir == DMA_TO_DEVICE;),
		    TP_printk("dev=%u region=%u bus=0x%llx segs=%u len=%llu dir=%s",
			      __entry->dev, __entry->region, __entry->bus,
			      __entry->nr_segs, __entry->len,
			      __entry->to_device ? "to_device" : "from_device")
);

DEFINE_EVENT(bigphys_map_class, bigphys_dma_map,
	     TP_PROTO(const struct bigphys_dev *bd, const struct bigphys_dma_mem *mem,
		      dma_addr_t bus),
	     TP_ARGS(bd, mem, bus)
);

DEFINE_EVENT(bigphys_map_class, bigphys_dma_unmap,
	     TP_PROTO(const struct bigphys_dev *bd, const struct bigphys_dma_mem *mem,
		      dma_addr_t bus),
	     TP_ARGS(bd, mem, bus)
);

TRACE_EVENT(bigphys_job_submit,
	    TP_PROTO(const struct bigphys_job *job),
	    TP_ARGS(job),
	    TP_STRUCT__entry(__field(u64, job)
			     __field(u32, dev)
			     __field(u32, cookie)
			     __field(u64, bytes)
			     __field(u32, nr_segs)
			     __field(bool, uring)
			     __field(bool, to_device)),
	    TP_fast_assign(__entry->job = job->seq;
			   __entry->dev = job->bd->index;
			   __entry->cookie = job->id;
			   __entry->bytes = job->len;
			   __entry->nr_segs = job->nr_segs;
			   __entry->uring = !!job->ucmd;
			   __entry->to_device = job->to_device;),
	    TP_printk("job=%llu dev=%u cookie=%u uring=%d bytes=%llu segs=%u dir=%s",
		      __entry->job, __entry->dev, __entry->cookie, __entry->uring,
		      __entry->bytes, __entry->nr_segs,
		      __entry->to_device ? "to_device" : "from_device")
);

TRACE_EVENT(bigphys_job_start,
	    TP_PROTO(const struct bigphys_job *job),
	    TP_ARGS(job),
	    TP_STRUCT__entry(__field(u64, job)
			     __field(u32, dev)
			     __field(u32, cookie)
			     __field(u64, bytes)
			     __field(u64, wait_ns)),
	    TP_fast_assign(__entry->job = job->seq;
			   __entry->dev = job->bd->index;
			   __entry->cookie = job->id;
			   __entry->bytes = job->len;
			   __entry->wait_ns = bigphys_job_wait_ns(job, job->t_start);),
	    TP_printk("job=%llu dev=%u cookie=%u bytes=%llu wait_ns=%llu",
		      __entry->job, __entry->dev, __entry->cookie, __entry->bytes,
		      __entry->wait_ns)
);

TRACE_EVENT(bigphys_job_chunk,
	    TP_PROTO(const struct bigphys_job *job, dma_addr_t bus, u64 dev_addr),
	    TP_ARGS(job, bus, dev_addr),
	    TP_STRUCT__entry(__field(u64, job)
			     __field(u32, dev)
			     __field(u32, cookie)
			     __field(u32, seg)
			     __field(u32, len)
			     __field(u64, bus)
			     __field(u64, dev_addr)
			     __field(u64, done)),
	    TP_fast_assign(__entry->job = job->seq;
			   __entry->dev = job->bd->index;
			   __entry->cookie = job->id;
			   __entry->seg = job->seg;
			   __entry->len = job->chunk;
			   __entry->bus = bus;
			   __entry->dev_addr = dev_addr;
			   __entry->done = job->done;),
	    TP_printk("job=%llu dev=%u cookie=%u seg=%u bus=0x%llx dev_addr=0x%llx len=%u done=%llu",
		      __entry->job, __entry->dev, __entry->cookie, __entry->seg,
		      __entry->bus, __entry->dev_addr, __entry->len,
		      __entry->done)
);

TRACE_EVENT(bigphys_job_done,
	    TP_PROTO(const struct bigphys_job *job),
	    TP_ARGS(job),
	    TP_STRUCT__entry(__field(u64, job)
			     __field(u32, dev)
			     __field(u32, cookie)
			     __field(int, status)
			     __field(bool, uring)
			     __field(u64, bytes)
			     __field(u64, len)
			     __field(u64, wait_ns)
			     __field(u64, run_ns)),
	    TP_fast_assign(__entry->job = job->seq;
			   __entry->dev = job->bd->index;
			   __entry->cookie = job->id;
			   __entry->status = job->status;
			   __entry->uring = !!job->ucmd;
			   __entry->bytes = job->done;
			   __entry->len = job->len;
			   __entry->wait_ns = bigphys_job_wait_ns(job, job->t_end);
			   __entry->run_ns = bigphys_job_run_ns(job, job->t_end);),
	    TP_printk("job=%llu dev=%u cookie=%u uring=%d status=%d bytes=%llu len=%llu wait_ns=%llu run_ns=%llu",
		      __entry->job, __entry->dev, __entry->cookie, __entry->uring,
		      __entry->status, __entry->bytes, __entry->len,
		      __entry->wait_ns, __entry->run_ns)
);

TRACE_EVENT(bigphys_job_lost_irq,
	    TP_PROTO(const struct bigphys_job *job),
	    TP_ARGS(job),
	    TP_STRUCT__entry(__field(u64, job)
			     __field(u32, dev)
			     __field(u32, cookie)
			     __field(u32, len)
			     __field(u64, done)),
	    TP_fast_assign(__entry->job = job->seq;
			   __entry->dev = job->bd->index;
			   __entry->cookie = job->id;
			   __entry->len = job->chunk;
			   __entry->done = job->done;),
	    TP_printk("job=%llu dev=%u cookie=%u len=%u done=%llu",
		      __entry->job, __entry->dev, __entry->cookie, __entry->len,
		      __entry->done)
);

TRACE_EVENT(bigphys_cache_sync,
	    TP_PROTO(const struct bigphys_region *r, phys_addr_t phys, size_t len,
		     bool for_device),
	    TP_ARGS(r, phys, len, for_device),
	    TP_STRUCT__entry(__field(u32, region)
			     __field(u64, phys)
			     __field(u64, len)
			     __field(bool, for_device)),
	    TP_fast_assign(__entry->region = r->id;
			   __entry->phys = phys;
			   __entry->len = len;
			   __entry->for_device = for_device;),
	    TP_printk("region=%u phys=0x%llx len=%llu op=%s", __entry->region,
		      __entry->phys, __entry->len,
		      __entry->for_device ? "clean+inval" : "inval")
);

#endif /* _BIGPHYS_TRACE_H */

/* This part must be outside the multi-read protection. */
#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE bigphys_trace
#include <trace/define_trace.h>
