// SPDX-License-Identifier: GPL-2.0-only
/*
 * Observability: statistics in sysfs, the region and job tables in debugfs,
 * a lost-interrupt knob for the tests, and the tracepoints (defined here,
 * declared in include/bigphys_trace.h).
 *
 * sysfs (an ABI: Documentation/ABI/testing/sysfs-driver-bigphys):
 *  - per bound device, the group "bigphys" of the PCI device
 *    (/sys/bus/pci/drivers/bigphys/<bdf>/bigphys/): its index and the
 *    counters of struct bigphys_dev_stats.  The driver core adds the group
 *    after probe() and removes it before remove() (pci_driver.dev_groups),
 *    so a show() always finds the device's drvdata.
 *  - the pool, the group "pool" of the misc device
 *    (/sys/class/misc/bigphys/pool/): INFO's numbers, read under
 *    bigphys_lock.
 * debugfs (/sys/kernel/debug/bigphys/, root only, not an ABI):
 *  - regions: one line per region, read under bigphys_lock;
 *  - jobs: one line per DMA job queued for or running on an engine, read
 *    under each device's lock;
 *  - drop_irqs: testing only: the next N DMA completion interrupts (of any
 *    device) are acknowledged and ignored, as if lost, so that the
 *    watchdog (bigphys_dma_watchdog()) has to finish their transfers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>

#include "bigphys_dma.h"

#define CREATE_TRACE_POINTS
#include "bigphys_trace.h"

/* debugfs drop_irqs; decremented by bigphys_dma_irq() for each one dropped. */
atomic_t bigphys_drop_irqs = ATOMIC_INIT(0);

static struct dentry *bigphys_debugfs;

/*
 * A read-only sysfs attribute showing one 64-bit member of a structure,
 * found by its offset: the device counters (atomic64_t in struct
 * bigphys_dev_stats) and the pool's numbers (u64 in struct bigphys_pool).
 */
struct bigphys_u64_attr {
	struct device_attribute attr;
	size_t offset;
};

#define BIGPHYS_U64_ATTR(_type, _name, _show)				\
	struct bigphys_u64_attr bigphys_attr_##_name = {		\
		.attr = {						\
			.attr = { .name = __stringify(_name), .mode = 0444 }, \
			.show = _show,					\
		},							\
		.offset = offsetof(_type, _name),			\
	}

static size_t bigphys_attr_offset(struct device_attribute *attr)
{
	return container_of(attr, struct bigphys_u64_attr, attr)->offset;
}

/* Devices. */

static ssize_t bigphys_dev_stat_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct bigphys_dev *bd = dev_get_drvdata(dev);
	const atomic64_t *v = (void *)&bd->stats + bigphys_attr_offset(attr);

	return sysfs_emit(buf, "%llu\n", (u64)atomic64_read(v));
}

#define BIGPHYS_DEV_STAT(_name) \
	BIGPHYS_U64_ATTR(struct bigphys_dev_stats, _name, bigphys_dev_stat_show)

static BIGPHYS_DEV_STAT(jobs_submitted);
static BIGPHYS_DEV_STAT(jobs_completed);
static BIGPHYS_DEV_STAT(jobs_failed);
static BIGPHYS_DEV_STAT(jobs_cancelled);
static BIGPHYS_DEV_STAT(bytes_to_device);
static BIGPHYS_DEV_STAT(bytes_from_device);
static BIGPHYS_DEV_STAT(busy_ns);
static BIGPHYS_DEV_STAT(watchdog_rescues);

static ssize_t dev_index_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct bigphys_dev *bd = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", bd->index);
}
static DEVICE_ATTR_RO(dev_index);

/* 1 when the device snoops the CPU caches (see bigphys_map.c). */
static ssize_t dma_coherent_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", dev_is_dma_coherent(dev));
}
static DEVICE_ATTR_RO(dma_coherent);

static struct attribute *bigphys_dev_attrs[] = {
	&dev_attr_dev_index.attr,
	&dev_attr_dma_coherent.attr,
	&bigphys_attr_jobs_submitted.attr.attr,
	&bigphys_attr_jobs_completed.attr.attr,
	&bigphys_attr_jobs_failed.attr.attr,
	&bigphys_attr_jobs_cancelled.attr.attr,
	&bigphys_attr_bytes_to_device.attr.attr,
	&bigphys_attr_bytes_from_device.attr.attr,
	&bigphys_attr_busy_ns.attr.attr,
	&bigphys_attr_watchdog_rescues.attr.attr,
	NULL
};

static const struct attribute_group bigphys_dev_group = {
	.name = "bigphys",
	.attrs = bigphys_dev_attrs,
};

/* pci_driver.dev_groups of bigphys_pci.c */
const struct attribute_group *bigphys_dev_groups[] = {
	&bigphys_dev_group,
	NULL
};

/* The pool: what INFO reports, as sysfs attributes. */

struct bigphys_pool {
	u64 size;
	u64 free_bytes;
	u64 largest_free;
	u64 nr_regions;
	u64 held_bytes;
	u64 pages_size;
	u64 pages_free;
};

static void bigphys_pool_get(struct bigphys_pool *p)
{
	struct bigphys_info in = {};
	u64 n;

	mutex_lock(&bigphys_lock);
	bigphys_pool_info(&in);
	n = bigphys_nr_regions;
	mutex_unlock(&bigphys_lock);
	*p = (struct bigphys_pool) {
		.size = in.pool_size,
		.free_bytes = in.free_bytes,
		.largest_free = in.largest_free,
		.nr_regions = n,
		.held_bytes = in.held_bytes,
		.pages_size = in.pages_size,
		.pages_free = in.pages_free,
	};
}

static ssize_t bigphys_pool_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct bigphys_pool p;

	bigphys_pool_get(&p);
	return sysfs_emit(buf, "%llu\n",
			  *(u64 *)((void *)&p + bigphys_attr_offset(attr)));
}

#define BIGPHYS_POOL_ATTR(_name) \
	BIGPHYS_U64_ATTR(struct bigphys_pool, _name, bigphys_pool_show)

static BIGPHYS_POOL_ATTR(size);
static BIGPHYS_POOL_ATTR(free_bytes);
static BIGPHYS_POOL_ATTR(largest_free);
static BIGPHYS_POOL_ATTR(nr_regions);
static BIGPHYS_POOL_ATTR(held_bytes);
static BIGPHYS_POOL_ATTR(pages_size);
static BIGPHYS_POOL_ATTR(pages_free);

static struct attribute *bigphys_pool_attrs[] = {
	&bigphys_attr_size.attr.attr,
	&bigphys_attr_free_bytes.attr.attr,
	&bigphys_attr_largest_free.attr.attr,
	&bigphys_attr_nr_regions.attr.attr,
	&bigphys_attr_held_bytes.attr.attr,
	&bigphys_attr_pages_size.attr.attr,
	&bigphys_attr_pages_free.attr.attr,
	NULL
};

static const struct attribute_group bigphys_pool_group = {
	.name = "pool",
	.attrs = bigphys_pool_attrs,
};

/* miscdevice.groups of bigphys_main.c */
const struct attribute_group *bigphys_pool_groups[] = {
	&bigphys_pool_group,
	NULL
};

/*
 * debugfs "regions": a header, then one line per region in id order.
 * bigphys_lock is held from start() to stop(); the position is the id of
 * the region last shown (0: the header).
 */

static const char *bigphys_cache_name(u32 flags)
{
	switch (flags & BIGPHYS_CACHE_MASK) {
	case BIGPHYS_CACHE_WB:
		return "wb";
	case BIGPHYS_CACHE_UC:
		return "uc";
	default:
		return "wc";
	}
}

/* The region with the lowest id >= @first; *@pos becomes its id. */
static struct bigphys_region *bigphys_regions_find(loff_t *pos,
						   unsigned long first)
{
	unsigned long id = first;
	struct bigphys_region *r;

	r = xa_find(&bigphys_regions, &id, ULONG_MAX, XA_PRESENT);
	*pos = r ? id : first;
	return r;
}

static void *bigphys_regions_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&bigphys_lock);
	if (!*pos)
		return SEQ_START_TOKEN;
	return bigphys_regions_find(pos, *pos);
}

static void *bigphys_regions_next(struct seq_file *m, void *v, loff_t *pos)
{
	return bigphys_regions_find(pos, *pos + 1);
}

static void bigphys_regions_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&bigphys_lock);
}

static int bigphys_regions_show(struct seq_file *m, void *v)
{
	struct bigphys_region *r = v;
	const char *sep = "";

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "id phys size cache flags files maps dma owner name\n");
		return 0;
	}
	seq_printf(m, "%u %#llx %zu %s ", r->id, (u64)r->phys, r->size,
		   bigphys_cache_name(r->flags));
	if (r->flags & BIGPHYS_ALLOC_PERSIST) {
		seq_puts(m, "persist");
		sep = ",";
	}
	if (r->flags & BIGPHYS_ALLOC_PAGES) {
		seq_printf(m, "%spages", sep);
		sep = ",";
	}
	if (r->flags & BIGPHYS_REGION_HELD) {
		seq_printf(m, "%sheld", sep);
		sep = ",";
	}
	seq_printf(m, "%s %d %d %d %u %s\n", *sep ? "" : "-",
		   atomic_read(&r->nr_files), atomic_read(&r->nr_maps),
		   atomic_read(&r->nr_dma),
		   from_kuid_munged(&init_user_ns, r->owner),
		   r->name[0] ? r->name : "-");
	return 0;
}

static const struct seq_operations bigphys_regions_sops = {
	.start = bigphys_regions_start,
	.next = bigphys_regions_next,
	.stop = bigphys_regions_stop,
	.show = bigphys_regions_show,
};
DEFINE_SEQ_ATTRIBUTE(bigphys_regions);

/*
 * debugfs "jobs": a header, then one line per job queued for or running on
 * an engine, device by device (each under its lock), the running job first.
 */

static void bigphys_jobs_line(struct seq_file *m, struct bigphys_job *job,
			      ktime_t now)
{
	seq_printf(m, "%u %llu %u %s %s %s %zu %zu %u/%u %llu %llu\n",
		   job->bd->index, job->seq, job->id,
		   job->ucmd ? "uring" : "ioctl",
		   job->t_start ? "running" : "queued",
		   job->to_device ? "to_device" : "from_device",
		   job->done, job->len, job->seg, job->nr_segs,
		   bigphys_job_wait_ns(job, now), bigphys_job_run_ns(job, now));
}

static int bigphys_jobs_show(struct seq_file *m, void *v)
{
	struct bigphys_dev *bd;
	struct bigphys_job *job;
	unsigned long index;
	ktime_t now;

	seq_puts(m, "dev job cookie kind state dir done len seg/segs wait_ns run_ns\n");
	for (index = 0; (bd = bigphys_dev_get_next(&index)); index++) {
		mutex_lock(&bd->lock);
		now = ktime_get();
		if (bd->cur)
			bigphys_jobs_line(m, bd->cur, now);
		list_for_each_entry(job, &bd->queue, node)
			bigphys_jobs_line(m, job, now);
		mutex_unlock(&bd->lock);
		bigphys_dev_put(bd);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bigphys_jobs);

/**
 * bigphys_debugfs_init() - create /sys/kernel/debug/bigphys/
 *
 * Failures are not errors (debugfs may be off): the files are then missing.
 * Context: module load, once the pool and the PCI driver are set up.
 */
void bigphys_debugfs_init(void)
{
	bigphys_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("regions", 0400, bigphys_debugfs, NULL,
			    &bigphys_regions_fops);
	debugfs_create_file("jobs", 0400, bigphys_debugfs, NULL,
			    &bigphys_jobs_fops);
	debugfs_create_atomic_t("drop_irqs", 0600, bigphys_debugfs,
				&bigphys_drop_irqs);
}

/**
 * bigphys_debugfs_exit() - remove /sys/kernel/debug/bigphys/
 *
 * Waits for readers in the files' callbacks to leave.
 * Context: module unload, before the pool and the PCI driver go.
 */
void bigphys_debugfs_exit(void)
{
	debugfs_remove_recursive(bigphys_debugfs);
}
