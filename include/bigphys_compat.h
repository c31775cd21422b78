/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The only place that knows about kernel versions and
 * architectures.  Supported: Debian 6.1 and 6.12 kernels, x86_64 and arm64.
 */
#ifndef _BIGPHYS_COMPAT_H
#define _BIGPHYS_COMPAT_H

#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pci.h>

/* PCI_IRQ_LEGACY was renamed PCI_IRQ_INTX in 6.8. */
#ifndef PCI_IRQ_INTX
#define PCI_IRQ_INTX	PCI_IRQ_LEGACY
#endif

/*
 * vm_flags became read-only with accessors in 6.3; Kbuild defines
 * BIGPHYS_HAVE_VM_FLAGS_SET when the kernel's mm.h has them.
 */
#ifndef BIGPHYS_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * Largest order the buddy allocator hands out: MAX_PAGE_ORDER since 6.8;
 * before 6.4 MAX_ORDER was one past it (6.4 to 6.7 are not supported).
 */
#ifdef MAX_PAGE_ORDER
#define BIGPHYS_MAX_ORDER	MAX_PAGE_ORDER
#else
#define BIGPHYS_MAX_ORDER	(MAX_ORDER - 1)
#endif

/*
 * io_uring commands: the SQE's command bytes are ioucmd->cmd on 6.1 and
 * io_uring_sqe_cmd(ioucmd->sqe) in <linux/io_uring/cmd.h> (6.8+); Kbuild
 * defines BIGPHYS_HAVE_IO_URING_CMD_H for the latter.  Commands can be
 * marked cancelable (ring teardown calls them with IO_URING_F_CANCEL)
 * from 6.7 on; on 6.1 a pending command simply waits for its job to end.
 */
#ifdef BIGPHYS_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>

static inline const void *bigphys_uring_payload(struct io_uring_cmd *ioucmd)
{
	return io_uring_sqe_cmd(ioucmd->sqe);
}
#else
#include <linux/io_uring.h>

static inline const void *bigphys_uring_payload(struct io_uring_cmd *ioucmd)
{
	return ioucmd->cmd;
}
#endif

#ifdef IORING_URING_CMD_CANCELABLE
#define BIGPHYS_URING_F_CANCEL	IO_URING_F_CANCEL
static inline void bigphys_uring_mark_cancelable(struct io_uring_cmd *ioucmd,
						 unsigned int issue_flags)
{
	io_uring_cmd_mark_cancelable(ioucmd, issue_flags);
}
#else
#define BIGPHYS_URING_F_CANCEL	0
static inline void bigphys_uring_mark_cancelable(struct io_uring_cmd *ioucmd,
						 unsigned int issue_flags)
{
}
#endif

/*
 * Importers map a static dma-buf attachment with dma_buf_map_attachment()
 * on 6.1; from 6.2 that one wants the reservation lock held and the
 * _unlocked variants take it (Kbuild: BIGPHYS_HAVE_DMA_BUF_UNLOCKED).
 */
#include <linux/dma-buf.h>
#ifdef BIGPHYS_HAVE_DMA_BUF_UNLOCKED
#define bigphys_dma_buf_map_attachment	dma_buf_map_attachment_unlocked
#define bigphys_dma_buf_unmap_attachment dma_buf_unmap_attachment_unlocked
#else
#define bigphys_dma_buf_map_attachment	dma_buf_map_attachment
#define bigphys_dma_buf_unmap_attachment dma_buf_unmap_attachment
#endif

#ifdef CONFIG_X86
#include <asm/cacheflush.h>
/**
 * bigphys_flush_dcache() - write back and invalidate CPU caches for a range
 * @va: kernel virtual address of the range
 * @len: bytes
 *
 * Used before write-back cached memory goes back to the pool, where the next
 * region may map it write-combining or uncached.
 */
static inline void bigphys_flush_dcache(void *va, size_t len)
{
	clflush_cache_range(va, len);
}

/*
 * bigphys_inval_dcache() - discard CPU cache lines of a range (for the CPU
 * to read what a device wrote).  x86 DMA is coherent: bigphys_map.c never
 * needs it there; clflush is its safe equivalent.
 */
static inline void bigphys_inval_dcache(void *va, size_t len)
{
	clflush_cache_range(va, len);
}
#elif defined(CONFIG_ARM64)
/*
 * arm64.  The pool comes from the device tree (bigphys_pool.c); a device
 * that is not cache coherent gets cache maintenance for write-back regions
 * of the reserved range from bigphys_map.c, through these two.
 *
 * The kernel exports no dcache_clean_inval_poc() to modules; the pmem API's
 * arch_wb_cache_pmem() (clean to the Point of Persistence, which is at or
 * beyond the Point of Coherency) followed by arch_invalidate_pmem()
 * (invalidate to the PoC) is the same clean+invalidate, GPL-exported, and
 * present in Debian's arm64 kernels (CONFIG_ARCH_HAS_PMEM_API=y).
 */
#include <linux/libnvdimm.h>

static inline void bigphys_flush_dcache(void *va, size_t len)
{
	arch_wb_cache_pmem(va, len);
	arch_invalidate_pmem(va, len);
}

/* Invalidate to the PoC: what arch_sync_dma_for_cpu() does (dcache_inval_poc). */
static inline void bigphys_inval_dcache(void *va, size_t len)
{
	arch_invalidate_pmem(va, len);
}

/*
 * arm64 has no set_memory_wc/uc/wb(): the linear map of a page-allocator
 * pool stays Normal write-back while the user maps a WC region Normal-NC
 * (pgprot_writecombine) or a UC one Device-nGnRnE (pgprot_noncached).
 * That is a mismatched-attribute alias, the one dma-direct itself makes for
 * non-coherent dma_alloc_coherent() (CONFIG_DMA_DIRECT_REMAP): it is kept
 * safe the same way, by cleaning and invalidating the lines the zeroing
 * left in the caches before the region is handed out, and by invalidating
 * what the cacheable alias may have speculatively fetched before the
 * memory is used write-back again.  Speculative fetches through the linear
 * alias while the region is WC/UC are not prevented (nor are they by
 * dma-direct).  Defined here under these names so that bigphys_pool.c
 * stays the same on x86; they only exist for CONFIG_ARM64.
 */
static inline int set_memory_wc(unsigned long addr, int numpages)
{
	bigphys_flush_dcache((void *)addr, (size_t)numpages << PAGE_SHIFT);
	return 0;
}

static inline int set_memory_uc(unsigned long addr, int numpages)
{
	return set_memory_wc(addr, numpages);
}

static inline int set_memory_wb(unsigned long addr, int numpages)
{
	arch_invalidate_pmem((void *)addr, (size_t)numpages << PAGE_SHIFT);
	return 0;
}

/*
 * Debian's 6.1 arm64 kernel has no CONFIG_ZONE_DEVICE (its 6.12 has), and
 * <linux/memremap.h> then declares no memremap_pages(): the page-backed
 * part (pages_base=/pages_size=, BIGPHYS_ALLOC_PAGES) is refused there
 * with -EOPNOTSUPP (logged by bigphys_pages_init()).
 */
#ifndef CONFIG_ZONE_DEVICE
#include <linux/memremap.h>

static inline void *memremap_pages(struct dev_pagemap *pgmap, int nid)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void memunmap_pages(struct dev_pagemap *pgmap)
{
}
#endif
#else
#error "bigphys: port bigphys_flush_dcache() and the set_memory_*() caching calls"
#endif

#endif /* _BIGPHYS_COMPAT_H */
