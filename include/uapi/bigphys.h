/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * bigphys: physically contiguous, DMA-able memory for user space.
 *
 * This header is the ABI contract between the bigphys module and user space.
 * Every structure has fixed-width fields, explicit padding, and a size that is
 * a multiple of 8 bytes.  Padding and reserved fields must be zero and unknown
 * flag bits are rejected with -EINVAL, so the ABI can grow.
 *
 * Device node: /dev/bigphys (misc device, mode 0600 root:root by default;
 * scripts/99-bigphys.rules gives it to group "bigphys", mode 0660).
 * Whoever can open it may allocate, map, and run DMA on its own regions
 * and learns their physical addresses (the mmap offsets; the pool lies in
 * a range the administrator reserved on the kernel command line).  PERSIST
 * needs CAP_SYS_ADMIN and DMA_MAP CAP_SYS_RAWIO.
 */
#ifndef _UAPI_BIGPHYS_H
#define _UAPI_BIGPHYS_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define BIGPHYS_IOC_MAGIC	0xBA

/*
 * mmap(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, phys_addr) maps bytes
 * [phys_addr, phys_addr + len) of one region attached to fd, with the
 * region's cache type.  The mapping stays valid after FREE and close, until
 * munmap.  Errors: -EINVAL MAP_PRIVATE, an offset that is not page aligned,
 * a length of 0, or a range not wholly inside one region attached to this fd
 * (another fd's region, a freed one, two neighbours); -EPERM PROT_EXEC
 * (mprotect() to PROT_EXEC later: -EACCES); -ENOMEM a length beyond the
 * address space; -EOVERFLOW offset + length beyond 2^64 (the largest
 * offset of a character device).  mremap() growth fails with -EFAULT.
 *
 * A WC/UC/WB region is mapped as bare PFNs (VM_IO | VM_PFNMAP): the kernel
 * cannot take page references on it, so O_DIRECT, vmsplice(),
 * process_vm_readv() and MSG_ZEROCOPY fail with -EFAULT there; a
 * BIGPHYS_ALLOC_PAGES region maps pages and they all work.  Debuggers
 * (/proc/PID/mem, ptrace PEEKDATA/POKEDATA, gdb) read and write every
 * mapping: PFN mappings through the module's access hook, in the region's
 * cache type.
 */

/* Region names: NUL-terminated, [A-Za-z0-9._-], at most 31 characters. */
#define BIGPHYS_NAME_LEN	32

/* ALLOC flags */
#define BIGPHYS_ALLOC_CREATE	(1U << 0) /* create the name if missing */
#define BIGPHYS_ALLOC_EXCL	(1U << 1) /* with CREATE: fail if it exists */
#define BIGPHYS_ALLOC_PERSIST	(1U << 2) /* outlive every fd, until FREE */
#define BIGPHYS_CACHE_SHIFT	4
#define BIGPHYS_CACHE_MASK	(3U << BIGPHYS_CACHE_SHIFT)
#define BIGPHYS_CACHE_DEFAULT	(0U << BIGPHYS_CACHE_SHIFT) /* WC; on attach: any */
#define BIGPHYS_CACHE_WC	(1U << BIGPHYS_CACHE_SHIFT) /* write-combining */
#define BIGPHYS_CACHE_WB	(2U << BIGPHYS_CACHE_SHIFT) /* cached, write-back */
#define BIGPHYS_CACHE_UC	(3U << BIGPHYS_CACHE_SHIFT) /* uncached (UC-) */
/*
 * Page-backed region: its memory has struct pages and a kernel direct map,
 * and mmap() maps pages (VM_MIXEDMAP), not bare PFNs (VM_PFNMAP), so that
 * get_user_pages()/pin_user_pages() work on the mapping: O_DIRECT,
 * vmsplice(), MSG_ZEROCOPY, process_vm_readv(), io_uring registered
 * buffers (6.12; 6.1's io_uring refuses every file-backed mapping with
 * -EOPNOTSUPP) and /proc/PID/mem.  Always write-back cached.  It comes from
 * the pool's page-backed part: the module's pages_base=/pages_size= range
 * (a second boot-reserved range, made page-backed at load with
 * memremap_pages()), or the page-allocator pool, which is all pages.
 */
#define BIGPHYS_ALLOC_PAGES	(1U << 3)
#define BIGPHYS_ALLOC_FLAGS	(BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_EXCL | \
				 BIGPHYS_ALLOC_PERSIST | BIGPHYS_CACHE_MASK | \
				 BIGPHYS_ALLOC_PAGES)
/*
 * Out only (LIST): the region is gone (no name, fd, mapping or DMA job
 * left) but some of its pages are still referenced from outside bigphys
 * (a pipe holding vmsplice()d pages, an O_DIRECT or MSG_ZEROCOPY transfer
 * not yet completed, io_uring registered buffers).  Its memory returns to
 * the pool, and is counted in free_bytes again, only once the last such
 * reference is dropped; until then the module cannot be unloaded.
 */
#define BIGPHYS_REGION_HELD	(1U << 8)

/* Largest ALLOC alignment (bytes): 1 GiB. */
#define BIGPHYS_ALIGN_MAX	(1ULL << 30)

/**
 * struct bigphys_alloc - BIGPHYS_IOC_ALLOC: allocate or attach a region
 * @size: in: bytes wanted, rounded up to a multiple of the page size; 0 is
 *	allowed only when attaching (any size).  out: bytes granted.
 * @align: in: 0 (page alignment) or a power of two from the page size to
 *	BIGPHYS_ALIGN_MAX (1 GiB), in bytes; the physical start address is a
 *	multiple of it.
 * @flags: in: BIGPHYS_ALLOC_* and one BIGPHYS_CACHE_* value.
 *	out: the region's flags (PERSIST, PAGES, the cache type actually
 *	used).  PAGES asks for a page-backed region (see BIGPHYS_ALLOC_PAGES):
 *	write-back, so the cache type must be DEFAULT or WB.
 * @id: out: region id (> 0), unique while the region exists.
 * @phys_addr: out: physical start address of the region, in bytes.  It is
 *	also the mmap() offset of the region's first byte.
 * @name: in: "" for an anonymous region (only this fd can see it), or a name
 *	that other openers attach to, like shm_open().
 *
 * Named regions: without CREATE the name must exist (attach); with CREATE it
 * is created if missing; with CREATE|EXCL it must not exist.  A name
 * belongs to the effective uid that created it: other users (without
 * CAP_SYS_ADMIN) can neither attach to it nor remove it.  An attached
 * region keeps its own size and cache type.  Memory is zeroed before a new
 * region is handed out (nobody can find the name or map the region before).
 * The memory returns to the pool when its name is gone (FREE, or no PERSIST)
 * and no fd, mapping or DMA job still uses it.
 *
 * The module parameter max_user_bytes (0, the default: unlimited) caps the
 * pool bytes held by the regions one effective uid created, root's too; a
 * region counts until its memory is back in the pool.  Attaching counts
 * nothing.
 *
 * Errors: -EINVAL unknown flag bits, nonzero padding, bad name, @size 0 on
 * create, @size rounding overflows, bad @align (not a power of two, below
 * the page size or above BIGPHYS_ALIGN_MAX), EXCL without CREATE, PERSIST
 * without a name, an attach whose @size is larger than the region or whose
 * explicit cache type differs, PAGES with CACHE_WC or CACHE_UC, an attach
 * with PAGES to a region that is not page-backed; -EOPNOTSUPP PAGES on a
 * reserved pool loaded without pages_base=/pages_size= (no page-backed
 * part); -ENOENT name missing without CREATE; -EEXIST
 * CREATE|EXCL and the name exists; -EDQUOT the new region would take the
 * caller's euid beyond max_user_bytes; -ENOSPC no free contiguous block of
 * that size and alignment in the pool (for PAGES: in its page-backed part);
 * -ENOMEM kernel memory; -EFAULT bad
 * pointer; -EPERM PERSIST without CAP_SYS_ADMIN; -EACCES the name belongs
 * to another user (without CAP_SYS_ADMIN; EXCL still reports -EEXIST).
 */
struct bigphys_alloc {
	__u64 size;
	__u64 align;
	__u32 flags;
	__u32 id;
	__u64 phys_addr;
	char name[BIGPHYS_NAME_LEN];
};

/**
 * struct bigphys_free - BIGPHYS_IOC_FREE: remove a region's name and handle
 * @id: region id, used when @name is "".  The region must be attached to
 *	this fd.
 * @flags: must be 0.
 * @name: name to remove, like shm_unlink(); only its owner (the euid that
 *	created it) or CAP_SYS_ADMIN may.
 *
 * Removes the name (so no new attach finds it) and the PERSIST hold, and
 * detaches the region from this fd if it was attached.  Existing mappings and
 * DMA jobs stay valid; the memory is returned to the pool after the last one.
 * By @id the same rule holds for a named or PERSIST region: an fd attached
 * to another user's name (e.g. kept across a privilege drop) cannot remove
 * it; closing the fd detaches it.
 *
 * Errors: -EINVAL flags/bad name; -ENOENT no such name, or @id is not
 * attached to this fd; -EACCES the name (by @name, or the region's name or
 * PERSIST hold by @id) belongs to another user and the caller lacks
 * CAP_SYS_ADMIN: nothing is removed or detached.
 */
struct bigphys_free {
	__u32 id;
	__u32 flags;
	char name[BIGPHYS_NAME_LEN];
};

/* bigphys_info.flags */
#define BIGPHYS_POOL_RESERVED	(1U << 0) /* boot-reserved range (memmap=, DT) */
#define BIGPHYS_POOL_PAGES	(1U << 1) /* fallback: page allocator block */
#define BIGPHYS_POOL_HAS_PAGES	(1U << 2) /* ALLOC_PAGES works: pages_* valid */
/* with RESERVED: the device tree's /reserved-memory node "bigphys,pool" */
#define BIGPHYS_POOL_DEVICE_TREE	(1U << 3)

/**
 * struct bigphys_info - BIGPHYS_IOC_INFO: pool state (all sizes in bytes)
 * @pool_base: physical address of the pool's first byte.
 * @pool_size: pool size.
 * @free_bytes: bytes of the pool not allocated to any region.
 * @largest_free: largest free contiguous block of the pool (page aligned).
 * @nr_regions: regions that exist (named, anonymous, only still mapped, or
 *	HELD by foreign page references).
 * @nr_devices: DMA-capable devices bound to bigphys.
 * @flags: BIGPHYS_POOL_*.
 * @pad: zero.
 * @pages_base: physical address of the page-backed part (BIGPHYS_ALLOC_PAGES
 *	regions come from it), 0 when there is none.  For the page-allocator
 *	pool it is the pool itself.
 * @pages_size: size of the page-backed part, 0 when there is none.
 * @pages_free: bytes of the page-backed part not allocated to any region
 *	(for the page-allocator pool: @free_bytes again).
 * @held_bytes: bytes of regions that are gone but whose pages are still
 *	referenced from outside bigphys (BIGPHYS_REGION_HELD): not free yet.
 *
 * The structure grew the pages_* and held_bytes fields; the old 48-byte
 * command BIGPHYS_IOC_INFO_V1 still works and fills the first 48 bytes.
 */
struct bigphys_info {
	__u64 pool_base;
	__u64 pool_size;
	__u64 free_bytes;
	__u64 largest_free;
	__u32 nr_regions;
	__u32 nr_devices;
	__u32 flags;
	__u32 pad;
	__u64 pages_base;
	__u64 pages_size;
	__u64 pages_free;
	__u64 held_bytes;
};

/**
 * struct bigphys_region_info - one entry of BIGPHYS_IOC_LIST
 * @phys_addr: physical start address (bytes).
 * @size: size in bytes.
 * @id: region id.
 * @flags: PERSIST, PAGES and cache type, as in struct bigphys_alloc, and
 *	BIGPHYS_REGION_HELD (then @name is "" and the counts are 0).
 * @nr_files: fds the region is attached to.
 * @nr_maps: VMAs that map part of it.
 * @nr_dma: DMA jobs and device mappings that use it.
 * @pad: zero.
 * @name: name, or "" when anonymous or removed.
 */
struct bigphys_region_info {
	__u64 phys_addr;
	__u64 size;
	__u32 id;
	__u32 flags;
	__u32 nr_files;
	__u32 nr_maps;
	__u32 nr_dma;
	__u32 pad;
	char name[BIGPHYS_NAME_LEN];
};

/**
 * struct bigphys_list - BIGPHYS_IOC_LIST: copy out the region table
 * @regions: user pointer to an array of struct bigphys_region_info.
 * @count: in: capacity of @regions (entries); out: entries that exist (may
 *	exceed the capacity; only the capacity is written).
 * @pad: zero.
 *
 * Errors: -EFAULT bad @regions; -EINVAL nonzero @pad.
 */
struct bigphys_list {
	__u64 regions;
	__u32 count;
	__u32 pad;
};

/* bigphys_dma.flags */
#define BIGPHYS_DMA_FROM_DEVICE	(1U << 0) /* readback: device -> memory */
#define BIGPHYS_DMA_USER_PTR	(1U << 1) /* memory is @user_addr, not a region */
/*
 * The memory is a dma-buf (another driver's buffer, or one bigphys
 * exported): @dmabuf_fd names it instead of @region_id, @offset counts from
 * its start, @phys_addr and @user_addr must be 0.  For the job (or the
 * DMA_MAP mapping) bigphys attaches the device to the dma-buf
 * (dma_buf_attach()), has the exporter map it (dma_buf_map_attachment():
 * the exporter chooses the bus addresses: IOVA, bounce buffer or physical)
 * and unmaps and detaches at the end; the dma-buf's file is held meanwhile.
 * Extra errors: -EBADF @dmabuf_fd is not an open file; -EINVAL it is not a
 * dma-buf, or the range is past its end; -EIO the exporter could not map it
 * for the device.  A DMA_MAP of a dma-buf stays attached and mapped until
 * DMA_UNMAP; CPU access around the device's DMA then goes through the
 * exporter's DMA_BUF_IOCTL_SYNC, which syncs every mapped attachment.
 */
#define BIGPHYS_DMA_DMABUF	(1U << 2)
#define BIGPHYS_DMA_FLAGS	(BIGPHYS_DMA_FROM_DEVICE | BIGPHYS_DMA_USER_PTR | \
				 BIGPHYS_DMA_DMABUF)

/**
 * struct bigphys_dma - BIGPHYS_IOC_STRT_DMA: start a background DMA job
 * @region_id: region attached to this fd; 0 to locate it by @phys_addr.
 * @dmabuf_fd: with BIGPHYS_DMA_DMABUF: the dma-buf (shares @region_id's
 *	bytes).
 * @dev_index: device, 0..nr_devices-1 (see BIGPHYS_IOC_DEV_INFO).
 * @flags: BIGPHYS_DMA_*.  Default direction: memory -> device.
 * @pad: zero.
 * @phys_addr: with @region_id 0: any address inside an attached region.
 * @offset: first byte of the transfer, from the region start (bytes).
 * @len: bytes to move, >= 1.
 * @dev_addr: device-side address of the first byte (edu: 0x40000..0x40ffe).
 * @user_addr: with BIGPHYS_DMA_USER_PTR: user buffer (pinned and mapped
 *	scatter-gather); @region_id, @phys_addr and @offset must be 0.
 * @cookie: out: job handle for BIGPHYS_IOC_WAIT_DMA, > 0.
 *
 * The range is mapped for the device, split into chunks the engine accepts
 * and run from the device's interrupt; the ioctl returns at once.
 *
 * Errors: -EINVAL flags/padding, @len 0, range past the region, range
 * outside the device window; -ENOENT region not attached; -ENODEV no such
 * device (or it was unbound, or stopped answering); -EOPNOTSUPP the device has no DMA engine that
 * bigphys drives (use DMA_MAP); -EFAULT bad pointer or unmapped user
 * buffer; -ENOMEM out of memory or IOVA space; -EIO the device cannot reach
 * the memory (DMA mask below it, no translating IOMMU); -EBUSY 64 unreaped
 * jobs and mappings on this fd already, or the max_user_jobs= module
 * parameter's number for this fd's user (euid at open) over all its fds.
 */
struct bigphys_dma {
	union {
		__u32 region_id;
		__s32 dmabuf_fd;
	};
	__u32 dev_index;
	__u32 flags;
	__u32 pad;
	__u64 phys_addr;
	__u64 offset;
	__u64 len;
	__u64 dev_addr;
	__u64 user_addr;
	__u64 cookie;
};

/* Most segments one BIGPHYS_IOC_STRT_DMAV may carry. */
#define BIGPHYS_DMAV_MAX_SEGS	1024

/**
 * struct bigphys_dma_seg - one segment of a BIGPHYS_IOC_STRT_DMAV job
 * @offset: first byte, from the region start (bytes).
 * @len: bytes to move, >= 1.
 * @dev_addr: device-side address of the first byte; the segment must lie
 *	in the device window (edu: 0x40000..0x40ffe), as for STRT_DMA.
 */
struct bigphys_dma_seg {
	__u64 offset;
	__u64 len;
	__u64 dev_addr;
};

/**
 * struct bigphys_dmav - BIGPHYS_IOC_STRT_DMAV: one background DMA job made
 * of several segments of one region
 * @region_id: region attached to this fd (not 0).
 * @dmabuf_fd: with BIGPHYS_DMA_DMABUF: the dma-buf the segment offsets
 *	count from (shares @region_id's bytes).
 * @dev_index: device, 0..nr_devices-1.
 * @flags: BIGPHYS_DMA_FROM_DEVICE (default: memory -> device),
 *	BIGPHYS_DMA_DMABUF.
 * @nr_segs: entries in @segs, 1..BIGPHYS_DMAV_MAX_SEGS.
 * @segs: user pointer to an array of @nr_segs struct bigphys_dma_seg.
 * @cookie: out: job handle for BIGPHYS_IOC_WAIT_DMA, > 0.
 *
 * Like STRT_DMA with the segments run one after another, in array order,
 * each split into engine chunks, as ONE job: one cookie, one slot of the
 * fd's 64, one mapping of the region range the segments cover (which must
 * be at most 1 GiB long).  WAIT_DMA reports the bytes of all segments.
 * A segment may overlap others; a device with a small buffer (edu: 4 KiB)
 * is given a large image as segments to the same device address, each
 * overwriting the previous one there.  The segments are copied in before
 * anything else happens: a failed call leaves no job behind.
 *
 * Errors: -EINVAL unknown flags (BIGPHYS_DMA_USER_PTR included), @nr_segs
 * 0 or above BIGPHYS_DMAV_MAX_SEGS, a segment of length 0, past the region
 * or outside the device window, segments spanning more than 1 GiB;
 * -EFAULT bad @segs or @cookie pointer; -ENOENT region not attached;
 * -ENODEV, -EOPNOTSUPP, -ENOMEM, -EIO, -EBUSY as for STRT_DMA.
 */
struct bigphys_dmav {
	union {
		__u32 region_id;
		__s32 dmabuf_fd;
	};
	__u32 dev_index;
	__u32 flags;
	__u32 nr_segs;
	__u64 segs;
	__u64 cookie;
};

/**
 * struct bigphys_dma_wait - BIGPHYS_IOC_WAIT_DMA: wait for a job, reap it
 * @cookie: in: job from STRT_DMA or STRT_DMAV on this fd.
 * @timeout_ns: in: how long to wait; 0 = do not block.
 * @status: out: 0 when the job moved every byte, else a negative errno
 *	(-ENODEV device unbound, -ECANCELED cancelled, -EIO device error,
 *	e.g. it stopped answering: register reads all-ones).
 * @pad: zero.
 * @bytes: out: bytes moved (of every segment, for STRT_DMAV).
 * @duration_ns: out: from submission to completion (ns).
 *
 * A finished job is reaped by the WAIT that reports it; poll() on the fd
 * reports POLLIN while a finished, unreaped job exists.
 *
 * Errors: -ENOENT unknown cookie; -ETIMEDOUT still running at the timeout
 * (the job continues and can be waited for again); -EINTR a signal whose
 * handler is not SA_RESTART (otherwise the call restarts, with its whole
 * timeout again); -EBUSY
 * another thread is waiting for the same cookie; -EINVAL nonzero @pad.
 */
struct bigphys_dma_wait {
	__u64 cookie;
	__u64 timeout_ns;
	__s32 status;
	__u32 pad;
	__u64 bytes;
	__u64 duration_ns;
};

/**
 * struct bigphys_dma_map - BIGPHYS_IOC_DMA_MAP: map only, for devices whose
 * DMA engine user space programs itself
 * @region_id: region attached to this fd (0 with BIGPHYS_DMA_USER_PTR).
 * @dmabuf_fd: with BIGPHYS_DMA_DMABUF: the dma-buf (shares @region_id's
 *	bytes).
 * @dev_index: device.
 * @flags: BIGPHYS_DMA_FROM_DEVICE (else to device), BIGPHYS_DMA_USER_PTR,
 *	BIGPHYS_DMA_DMABUF.
 * @nr_segs: out: DMA segments; 1 for a region of the reserved pool.
 * @offset: first byte, from the region start (0 with BIGPHYS_DMA_USER_PTR).
 * @len: bytes, >= 1.
 * @user_addr: with BIGPHYS_DMA_USER_PTR: user buffer to pin and map
 *	scatter-gather; else 0.
 * @bus_addr: out: the address the device uses for the first byte (an IOVA
 *	behind an IOMMU); the rest follows contiguously when @nr_segs is 1.
 * @handle: out: for BIGPHYS_IOC_DMA_UNMAP, > 0.
 * @segs: in: 0, or a user pointer to an array of @max_segs struct
 *	bigphys_bus_seg; out: its first min(@nr_segs, @max_segs) entries hold
 *	the segments in order.  With @nr_segs > 1 this is the only way to
 *	learn the bus addresses after the first segment.
 * @max_segs: in: capacity of @segs (entries); at most
 *	BIGPHYS_MAP_MAX_SEGS are written.
 * @pad: zero.
 *
 * The mapping holds the region (or the pinned pages) until DMA_UNMAP, close
 * of the fd, or unbinding of the device (which stops the device's bus
 * mastering first).
 * Errors as for STRT_DMA (without the device-window checks), -EINVAL
 * nonzero @pad or @max_segs without @segs, -EFAULT bad @segs (no mapping
 * is left), -EPERM
 * without CAP_SYS_RAWIO, and -EOPNOTSUPP when the mapping would need syncs
 * that user space cannot do (swiotlb bounces it, as with swiotlb=force, or
 * the device is not cache coherent).
 */
struct bigphys_dma_map {
	union {
		__u32 region_id;
		__s32 dmabuf_fd;
	};
	__u32 dev_index;
	__u32 flags;
	__u32 nr_segs;
	__u64 offset;
	__u64 len;
	__u64 user_addr;
	__u64 bus_addr;
	__u64 handle;
	__u64 segs;
	__u32 max_segs;
	__u32 pad;
};

/* Most entries of struct bigphys_dma_map.segs the kernel writes. */
#define BIGPHYS_MAP_MAX_SEGS	65536

/**
 * struct bigphys_bus_seg - one DMA segment of a DMA_MAP mapping
 * @bus_addr: the address the device uses (an IOVA behind an IOMMU).
 * @len: bytes that follow contiguously from @bus_addr.
 */
struct bigphys_bus_seg {
	__u64 bus_addr;
	__u64 len;
};

/* bigphys_dev_info.flags */
#define BIGPHYS_DEV_MSI		(1U << 0) /* interrupts by MSI, else INTx */

/**
 * struct bigphys_dev_info - BIGPHYS_IOC_DEV_INFO: one bound device
 * @index: in: 0..nr_devices-1.
 * @flags: out: BIGPHYS_DEV_*.
 * @vendor: out: PCI vendor id.
 * @device: out: PCI device id.
 * @pad: zero.
 * @reserved: zero.
 * @dma_mask: out: DMA mask in use.
 * @window_base: out: first device address the engine accepts.
 * @window_size: out: bytes of device window usable by one job.
 * @max_chunk: out: largest single transfer of the engine, in bytes.
 * @name: out: PCI device name (e.g. "0000:00:04.0").
 *
 * Errors: -ENODEV no device at @index; -EINVAL nonzero @pad or @reserved.
 */
struct bigphys_dev_info {
	__u32 index;
	__u32 flags;
	__u32 vendor;
	__u32 device;
	__u32 pad;
	__u32 reserved;
	__u64 dma_mask;
	__u64 window_base;
	__u64 window_size;
	__u64 max_chunk;
	char name[BIGPHYS_NAME_LEN];
};

/* bigphys_export.flags: file flags of the new dma-buf fd. */
#define BIGPHYS_EXPORT_CLOEXEC	(1U << 0) /* O_CLOEXEC on the fd */
#define BIGPHYS_EXPORT_RDWR	(1U << 1) /* O_RDWR: writable mmap() */
#define BIGPHYS_EXPORT_FLAGS	(BIGPHYS_EXPORT_CLOEXEC | BIGPHYS_EXPORT_RDWR)

/**
 * struct bigphys_export - BIGPHYS_IOC_EXPORT: a dma-buf of a region
 * @region_id: region attached to this fd.
 * @flags: BIGPHYS_EXPORT_*.
 * @offset: first byte, from the region start; a multiple of the page size.
 * @len: bytes; a multiple of the page size, or 0 for the rest of the
 *	region from @offset.
 * @fd: out: the dma-buf's file descriptor (>= 0).
 * @pad: zero.
 *
 * The dma-buf shares the region's memory with other drivers (V4L2, DRM,
 * RDMA): it holds a region reference, so the memory stays valid after FREE,
 * close of every /dev/bigphys fd and exit of the exporting process, until
 * the dma-buf's last fd, mapping, attachment and kernel mapping are gone;
 * the module cannot be unloaded meanwhile.  The dma-buf's name
 * (DMA_BUF_SET_NAME, /sys/kernel/debug/dma_buf/bufinfo) starts as the
 * region's name.  What importers get:
 *  - mmap() of the dma-buf fd: the region's cache type (WC, UC, WB), as
 *    through /dev/bigphys; page-backed regions map pages.
 *  - vmap (dma_buf_vmap(): V4L2 vmalloc buffers, DRM fbdev): the region's
 *    kernel mapping, with its cache type; it is RAM, so it is handed out
 *    as memory (not I/O memory) even for WC/UC regions.
 *  - map_dma_buf (device DMA): page-backed regions and the page-allocator
 *    pool give an sg_table of pages mapped with dma_map_sgtable() (swiotlb
 *    may bounce; DMA_BUF_IOCTL_SYNC syncs); the rest of the reserved range
 *    has no struct pages, so its sg_table carries only DMA addresses from
 *    dma_map_resource() (sg_page() is NULL: importers that want pages,
 *    rather than DMA addresses, must use a page-backed region).  A device
 *    that cannot reach the range (DMA mask, no translating IOMMU) gets
 *    -EIO.
 *
 * Errors: -EINVAL unknown flags, nonzero @pad, @offset or @len not page
 * aligned or past the region; -ENOENT region not attached to this fd;
 * -EMFILE no free fd; -ENOMEM; -EFAULT bad pointer.
 */
struct bigphys_export {
	__u32 region_id;
	__u32 flags;
	__u64 offset;
	__u64 len;
	__s32 fd;
	__u32 pad;
};

#define BIGPHYS_IOC_ALLOC	_IOWR(BIGPHYS_IOC_MAGIC, 1, struct bigphys_alloc)
#define BIGPHYS_IOC_FREE	_IOW(BIGPHYS_IOC_MAGIC, 2, struct bigphys_free)
#define BIGPHYS_IOC_INFO	_IOR(BIGPHYS_IOC_MAGIC, 3, struct bigphys_info)
/* INFO before pages_base: the first 48 bytes of struct bigphys_info. */
#define BIGPHYS_IOC_INFO_V1	_IOC(_IOC_READ, BIGPHYS_IOC_MAGIC, 3, 48)
#define BIGPHYS_IOC_LIST	_IOWR(BIGPHYS_IOC_MAGIC, 4, struct bigphys_list)
#define BIGPHYS_IOC_STRT_DMA	_IOWR(BIGPHYS_IOC_MAGIC, 5, struct bigphys_dma)
#define BIGPHYS_IOC_WAIT_DMA	_IOWR(BIGPHYS_IOC_MAGIC, 6, struct bigphys_dma_wait)
#define BIGPHYS_IOC_DMA_MAP	_IOWR(BIGPHYS_IOC_MAGIC, 7, struct bigphys_dma_map)
#define BIGPHYS_IOC_DMA_UNMAP	_IOW(BIGPHYS_IOC_MAGIC, 8, __u64)
#define BIGPHYS_IOC_DEV_INFO	_IOWR(BIGPHYS_IOC_MAGIC, 9, struct bigphys_dev_info)
#define BIGPHYS_IOC_STRT_DMAV	_IOWR(BIGPHYS_IOC_MAGIC, 10, struct bigphys_dmav)
#define BIGPHYS_IOC_EXPORT	_IOWR(BIGPHYS_IOC_MAGIC, 11, struct bigphys_export)

/*
 * io_uring submission: IORING_OP_URING_CMD on an open /dev/bigphys.
 *
 * The ring must be created with IORING_SETUP_SQE128: the command area of a
 * 128-byte SQE holds 80 bytes, and the payload below is copied out of it
 * while the command is issued (the SQE may be reused as soon as the
 * submission returns).  sqe->cmd_op selects the command, sqe->cmd holds
 * the payload, unused payload bytes must be zero.  Works with and without
 * IORING_SETUP_SQPOLL; with SQPOLL the application submits without any
 * system call.
 *
 *   BIGPHYS_URING_CMD_DMA:  payload struct bigphys_dma, as for STRT_DMA;
 *	@cookie must be 0 (the CQE's user_data identifies the job).
 *   BIGPHYS_URING_CMD_DMAV: payload struct bigphys_dmav, as for STRT_DMAV;
 *	@cookie must be 0; the segment array is copied in during the issue.
 *
 * A uring job takes one of the fd's 64 slots (shared with STRT_DMA jobs
 * and DMA_MAP mappings) until its CQE is posted; WAIT_DMA does not know it.
 * The CQE is posted when the job has ended and its memory is unmapped:
 *   cqe->res: 0 when every byte moved, else a negative errno: the
 *	submission errors of STRT_DMA/STRT_DMAV, -EINVAL without SQE128,
 *	nonzero @cookie, unused payload bytes set, or a uring DMAV of more
 *	than BIGPHYS_URING_MAX_BYTES in total, -ENOTTY unknown cmd_op; or the
 *	job's status (-ENODEV device unbound, -ECANCELED cancelled by ring
 *	teardown (6.12) or a close, -EIO device error).
 *   cqe->big_cqe[0] (rings with IORING_SETUP_CQE32): bits 0..31 bytes moved,
 *	bits 32..63 the job's duration from submission to completion in
 *	microseconds (saturating at 2^32 - 1).  0 for a refused submission.
 */
#define BIGPHYS_URING_CMD_DMA	_IOW(BIGPHYS_IOC_MAGIC, 0x80, struct bigphys_dma)
#define BIGPHYS_URING_CMD_DMAV	_IOW(BIGPHYS_IOC_MAGIC, 0x81, struct bigphys_dmav)
/* Most bytes one io_uring job may move (they are reported in 32 bits). */
#define BIGPHYS_URING_MAX_BYTES	0xffffffffULL
/* Decode big_cqe[0] of a bigphys CQE32. */
#define BIGPHYS_CQE_BYTES(x)	((__u32)(x))
#define BIGPHYS_CQE_USEC(x)	((__u32)((x) >> 32))

/* Design-card names for the two core ioctls. */
#define ALLOC_BIGPHYS		BIGPHYS_IOC_ALLOC
#define STRT_DMA		BIGPHYS_IOC_STRT_DMA

#endif /* _UAPI_BIGPHYS_H */
