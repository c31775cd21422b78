/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types shared by the bigphys module's files.
 *
 * Objects and who may find them:
 *   pool     - one per module, set up at load (bigphys_pool.c).
 *   region   - a block of the pool.  Found through bigphys_regions (by id or
 *              name) under bigphys_lock, and through files, VMAs and DMA jobs
 *              that each hold a reference (kref).
 *   file     - per open of /dev/bigphys: the regions it attached and its
 *              DMA jobs and device mappings.
 *   dev      - a bound PCI device with a DMA engine (bigphys_dma.c).
 */
#ifndef _BIGPHYS_PRIV_H
#define _BIGPHYS_PRIV_H

#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <uapi/bigphys.h>

/*
 * compatible of the device tree's /reserved-memory node that holds the pool
 * (Documentation/devicetree/bindings/reserved-memory/bigphys,pool.yaml).
 */
#define BIGPHYS_DT_COMPATIBLE	"bigphys,pool"
#define BIGPHYS_MAX_JOBS	64	/* unreaped DMA jobs + mappings per fd */

/**
 * struct bigphys_region - a physically contiguous block of the pool
 * @ref: one per attached file, per VMA, per DMA job or device mapping, per
 *	exported dma-buf, and one while PERSIST; the last put returns the
 *	block to the pool.
 * @id: key in bigphys_regions; 0 until the region is published.
 * @flags: BIGPHYS_ALLOC_PERSIST, BIGPHYS_ALLOC_PAGES, the cache type, and
 *	BIGPHYS_REGION_HELD once the region is gone but its pages are still
 *	referenced from outside (bigphys_pages.c); under bigphys_lock.
 * @phys: physical address of the first byte (page aligned).
 * @size: bytes, a multiple of PAGE_SIZE.
 * @nr_files: statistics: attached files.
 * @nr_maps: statistics: VMAs.
 * @nr_dma: statistics: DMA jobs, device mappings and exported dma-bufs.
 * @kmap: reserved pool: kernel mapping of the region's cache type; it holds
 *	the region's memtype in x86 PAT.  NULL for the page-allocator pool
 *	and page-backed regions (they are in the direct map).
 * @owner: euid of the creator; only it (or CAP_SYS_ADMIN) may attach to
 *	the name or remove it.
 * @name: "" when anonymous or removed; under bigphys_lock.
 */
struct bigphys_region {
	struct kref ref;
	u32 id;
	u32 flags;
	phys_addr_t phys;
	size_t size;
	atomic_t nr_files;
	atomic_t nr_maps;
	atomic_t nr_dma;
	void __iomem *kmap;
	kuid_t owner;
	char name[BIGPHYS_NAME_LEN];
};

/**
 * struct bigphys_file - state of one open of /dev/bigphys
 * @regions: attached regions by id, each holding a region reference.
 *	Changed under bigphys_lock.
 * @jobs: ioctl DMA jobs (struct bigphys_job) by cookie; under @lock.
 * @ujobs: io_uring DMA jobs until their CQE is posted; under @lock.
 * @maps: device mappings (struct bigphys_map) by handle; under @lock.
 * @nr_slots: entries of @jobs, @ujobs and @maps, reserved or published; at
 *	most BIGPHYS_MAX_JOBS.  Under @lock.
 * @lock: protects @jobs, @ujobs, @maps and @nr_slots.  Taken before a
 *	device's lock.
 * @owner: euid of the opener; its slots count against max_user_jobs.
 * @wq: woken when one of this file's DMA jobs finishes (poll, WAIT_DMA).
 */
struct bigphys_file {
	struct xarray regions;
	struct xarray jobs;
	struct xarray ujobs;
	struct xarray maps;
	unsigned int nr_slots;
	/* protects jobs, ujobs, maps and nr_slots */
	struct mutex lock;
	wait_queue_head_t wq;
	kuid_t owner;
};

/*
 * bigphys_lock protects bigphys_regions, every region's @name and @flags,
 * every file's @regions, and allocations from the pool.  Region releases run
 * under it (kref_put_mutex), so a region found in bigphys_regions while the
 * lock is held may be kref_get()ed, unless it is BIGPHYS_REGION_HELD (it has
 * no references left then; nothing finds it by name or id).
 */
extern struct mutex bigphys_lock;
extern struct xarray bigphys_regions;
extern unsigned int bigphys_nr_regions;	/* its entries (INFO, LIST) */

/* Bits of the fault_inject module parameter (testing only, bigphys_main.c). */
#define BIGPHYS_FAULT_ENGINE_READS	BIT(0)	/* engine register reads: all-ones */
#define BIGPHYS_FAULT_PROBE		BIT(1)	/* probe fails after the IRQ setup */
extern unsigned int bigphys_fault_inject;

/* bigphys_pool.c */
struct range;
struct resource;
struct resource *bigphys_range_claim(const char *pbase, const char *psize,
				     const char *base_str, const char *size_str,
				     u64 align, struct range *range);
int bigphys_pool_init(const char *base, const char *size, bool dt,
		      const char *pages_base, const char *pages_size);
void bigphys_pool_exit(void);
void bigphys_pool_info(struct bigphys_info *info);
bool bigphys_pool_is_ram(void);
struct bigphys_region *bigphys_region_alloc(size_t size, size_t align,
					    u32 flags, const char *name);
int bigphys_region_publish(struct bigphys_region *r);
void bigphys_region_discard(struct bigphys_region *r);
void bigphys_region_put(struct bigphys_region *r);
void bigphys_region_put_locked(struct bigphys_region *r);
void bigphys_region_destroy(struct bigphys_region *r);
struct bigphys_region *bigphys_region_find_name(const char *name);

/* bigphys_pages.c */
struct gen_pool;
int bigphys_pages_init(const char *base_str, const char *size_str);
void bigphys_pages_exit(void);
struct gen_pool *bigphys_pages_gp(void);
void bigphys_pages_info(struct bigphys_info *info);
bool bigphys_pages_held(const struct bigphys_region *r);
void bigphys_region_hold(struct bigphys_region *r);
vm_fault_t bigphys_pages_insert(struct vm_area_struct *vma,
				unsigned long addr, unsigned long pfn);

/* bigphys_ioctl.c */
long bigphys_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
struct bigphys_region *bigphys_file_region_get(struct bigphys_file *bf,
					       u32 id, phys_addr_t phys,
					       size_t len);

/* bigphys_mmap.c */
int bigphys_mmap(struct file *file, struct vm_area_struct *vma);
int bigphys_region_mmap(struct bigphys_region *r, struct vm_area_struct *vma);

/* bigphys_dmabuf.c */
long bigphys_dmabuf_ioctl_export(struct bigphys_file *bf,
				 struct bigphys_export __user *uarg);

/* bigphys_pci.c */
int bigphys_dma_init(void);
void bigphys_dma_exit(void);
u32 bigphys_dma_nr_devices(void);

/* bigphys_job.c */
void bigphys_dma_file_release(struct bigphys_file *bf);
__poll_t bigphys_dma_poll(struct bigphys_file *bf);

/* bigphys_dma.c */
long bigphys_dma_ioctl(struct bigphys_file *bf, unsigned int cmd,
		       void __user *argp);

/* bigphys_uring.c */
struct io_uring_cmd;
int bigphys_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags);

/* bigphys_stats.c */
struct attribute_group;
extern const struct attribute_group *bigphys_pool_groups[];
void bigphys_debugfs_init(void);
void bigphys_debugfs_exit(void);

#endif /* _BIGPHYS_PRIV_H */
