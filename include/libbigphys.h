/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libbigphys - what application code links with to use /dev/bigphys.
 *
 * One struct bp is one open /dev/bigphys plus the way DMA jobs are submitted
 * to it (the "backend"), chosen once by bp_open():
 *
 *   sqpoll  io_uring with a kernel submission thread (IORING_SETUP_SQPOLL,
 *           pinned with IORING_SETUP_SQ_AFF to a CPU other than the
 *           caller's when there are two or more): a submission is a few
 *           stores into shared memory, no system call while that thread is
 *           awake (it sleeps after BP_SQ_IDLE_MS without work; the next
 *           submission then makes one io_uring_enter() to wake it);
 *   uring   io_uring without the thread: one io_uring_enter() per submission;
 *   ioctl   BIGPHYS_IOC_STRT_DMA / STRT_DMAV / WAIT_DMA, one ioctl each.
 *
 * The default is the first of these that works: bp_open() creates the ring
 * and submits one probe command that the bigphys module must refuse with
 * -ENODEV (a kernel or module without the bigphys io_uring commands answers
 * -EOPNOTSUPP, -ENOTTY or -EINVAL and bp_open() falls back).  BP_OPEN_*
 * flags force one backend; so does the environment variable BIGPHYS_BACKEND
 * (sqpoll, uring or ioctl) when no flag does.  bp_backend_name() and
 * bp_backend_why() say which one was chosen and why the better ones were
 * not.
 *
 * Conventions: every function that can fail returns 0 (or a count) on
 * success and a negative errno on failure (never -1 with errno); errno is
 * left unspecified.  Sizes, offsets and addresses are in bytes, times in
 * nanoseconds unless the name says otherwise.  A struct bp is not
 * thread-safe: use one per thread, or serialise calls on it.
 *
 * Submission errors: the ioctl backend learns them from the ioctl and
 * bp_push() and friends return them.  The io_uring backends learn them
 * only from the completion: the submission returns 0 and a job handle, and
 * bp_poll()/bp_wait() report the errno (e.g. -EINVAL for a range outside
 * the region) in struct bp_completion.status.  Code that handles both
 * looks at both.
 *
 * Build: pkg-config --cflags --libs bigphys (static: --static, which adds
 * -luring).
 */
#ifndef LIBBIGPHYS_H
#define LIBBIGPHYS_H

#include <stddef.h>
#include <stdint.h>

#include <uapi/bigphys.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Default device node. */
#define BP_DEVICE		"/dev/bigphys"

/* bp_open() flags: force a backend (at most one); 0 picks the best. */
#define BP_OPEN_SQPOLL		(1U << 0)
#define BP_OPEN_URING		(1U << 1)
#define BP_OPEN_IOCTL		(1U << 2)
#define BP_OPEN_BACKEND_MASK	(BP_OPEN_SQPOLL | BP_OPEN_URING | BP_OPEN_IOCTL)

/* Idle time after which the SQPOLL thread sleeps, in milliseconds. */
#define BP_SQ_IDLE_MS		1000

/* Most jobs one struct bp has in flight or unreaped (the fd's limit). */
#define BP_MAX_JOBS		64

/* bp_wait() timeout: no limit. */
#define BP_WAIT_FOREVER		UINT64_MAX

enum bp_backend {
	BP_BACKEND_SQPOLL = 1,
	BP_BACKEND_URING,
	BP_BACKEND_IOCTL,
};

struct bp;

/**
 * struct bp_region - a region attached to a struct bp
 * @id: region id (> 0).
 * @flags: the region's flags as the kernel reported them (PERSIST, PAGES,
 *	cache type).
 * @size: size in bytes.
 * @phys_addr: physical address of the first byte; also the mmap() offset.
 * @name: name, "" for an anonymous region.
 * @map: the mapping made by bp_region_map(), or NULL.
 * @map_len: bytes mapped at @map.
 */
struct bp_region {
	uint32_t id;
	uint32_t flags;
	uint64_t size;
	uint64_t phys_addr;
	char name[BIGPHYS_NAME_LEN];
	void *map;
	size_t map_len;
};

/**
 * struct bp_completion - the end of a DMA job
 * @job: the handle bp_push() and friends returned.
 * @status: 0 when every byte moved, else a negative errno: the job's
 *	(-ENODEV device unbound, -ECANCELED, -EIO) or, on the io_uring
 *	backends, the submission's (see the top of this file).
 * @bytes: bytes moved (of every segment, for bp_pushv()).
 * @duration_ns: from submission to completion, as the kernel measured it
 *	(microsecond resolution on the io_uring backends).
 */
struct bp_completion {
	uint64_t job;
	int status;
	uint64_t bytes;
	uint64_t duration_ns;
};

/**
 * struct bp_stats - what the library did on the caller's behalf
 * @syscalls: system calls made by calls on this struct bp (counted by
 *	construction: each ioctl, poll, io_uring_enter; a SQPOLL submission
 *	counts one only when it had to wake the thread).
 * @submits: DMA jobs submitted.
 * @sq_wakeups: SQPOLL submissions that found the thread asleep.
 */
struct bp_stats {
	uint64_t syscalls;
	uint64_t submits;
	uint64_t sq_wakeups;
};

/**
 * bp_open() - open the default device node and choose a backend
 * @out: receives the handle.
 * @flags: 0, or one BP_OPEN_* flag to force a backend.
 *
 * Same as bp_open_dev(@out, NULL, @flags).
 *
 * Return: 0, or a negative errno (see bp_open_dev()).
 */
int bp_open(struct bp **out, unsigned int flags);

/**
 * bp_open_dev() - open a bigphys device node and choose a backend
 * @out: receives the handle.
 * @path: device node, NULL for BP_DEVICE.
 * @flags: 0, or one BP_OPEN_* flag to force a backend.
 *
 * Opens @path, then sets up the backend: without a forced one the first
 * of sqpoll, uring, ioctl that works (see the top of this file).
 *
 * Return: 0, or a negative errno: -EINVAL unknown or several BP_OPEN_*
 * flags (or a bad BIGPHYS_BACKEND); -ENOMEM; the errno of open(); for a
 * forced io_uring backend the errno of the ring set-up, or -EOPNOTSUPP when
 * the kernel has no bigphys io_uring commands.
 */
int bp_open_dev(struct bp **out, const char *path, unsigned int flags);

/**
 * bp_close() - close a handle
 * @bp: handle, may be NULL.
 *
 * Unmaps nothing (mappings stay valid until munmap() or
 * bp_region_unmap()).  Jobs still running are cancelled or finish
 * unobserved, as when a process closes /dev/bigphys; anonymous regions
 * attached only to this handle return to the pool.
 */
void bp_close(struct bp *bp);

/**
 * bp_fd() - the file descriptor of /dev/bigphys behind @bp
 * @bp: handle.
 *
 * For poll() and raw ioctls; do not close it.
 *
 * Return: the fd.
 */
int bp_fd(const struct bp *bp);

/**
 * bp_backend() - the backend bp_open() chose
 * @bp: handle.
 *
 * Return: BP_BACKEND_*.
 */
enum bp_backend bp_backend(const struct bp *bp);

/**
 * bp_backend_name() - the backend's name: "sqpoll", "uring" or "ioctl"
 * @bp: handle.
 *
 * Return: a static string.
 */
const char *bp_backend_name(const struct bp *bp);

/**
 * bp_backend_why() - why this backend: forced, or why the better ones failed
 * @bp: handle.
 *
 * Return: a string owned by @bp, e.g. "forced by BIGPHYS_BACKEND" or
 * "sqpoll: bigphys has no io_uring commands here (probe: Operation not
 * supported)".
 */
const char *bp_backend_why(const struct bp *bp);

/**
 * bp_sq_cpu() - the CPU the SQPOLL thread is pinned to
 * @bp: handle.
 *
 * Return: the CPU number, or -1 (not the sqpoll backend, or not pinned
 * because there is only one CPU).
 */
int bp_sq_cpu(const struct bp *bp);

/**
 * bp_get_stats() - copy the handle's counters
 * @bp: handle.
 * @st: receives them.
 */
void bp_get_stats(const struct bp *bp, struct bp_stats *st);

/**
 * bp_info() - BIGPHYS_IOC_INFO: the pool's state
 * @bp: handle.
 * @info: receives it (sizes in bytes), the page-backed part (pages_base,
 *	pages_size, pages_free) and held_bytes included.
 *
 * A module older than the page-backed part knows only the 48-byte
 * BIGPHYS_IOC_INFO_V1 (it answers -ENOTTY to the new size): then only the
 * bytes that command fills are set and the rest is 0.
 *
 * Return: 0 or a negative errno (-EFAULT only on a kernel bug).
 */
int bp_info(struct bp *bp, struct bigphys_info *info);

/**
 * bp_dev_info() - BIGPHYS_IOC_DEV_INFO: one bound device
 * @bp: handle.
 * @index: device index, 0..nr_devices-1.
 * @dev: receives it; the name is NUL-terminated.
 *
 * Return: 0, or -ENODEV no device at @index.
 */
int bp_dev_info(struct bp *bp, uint32_t index, struct bigphys_dev_info *dev);

/**
 * bp_list() - BIGPHYS_IOC_LIST: a snapshot of the region table
 * @bp: handle.
 * @out: receives a malloc()ed array (free() it), NULL when there are none.
 * @nr: receives the number of entries.
 *
 * Retries when regions appear between asking for the count and copying.
 *
 * Return: 0, or -ENOMEM.
 */
int bp_list(struct bp *bp, struct bigphys_region_info **out, uint32_t *nr);

/**
 * bp_region_alloc() - BIGPHYS_IOC_ALLOC with every field
 * @bp: handle.
 * @name: NULL or "" for an anonymous region, else the name (< 32 chars of
 *	[A-Za-z0-9._-]).
 * @size: bytes wanted (rounded up to pages); 0 only to attach.
 * @align: 0 or a power of two >= the page size.
 * @flags: BIGPHYS_ALLOC_* | one BIGPHYS_CACHE_*.  BIGPHYS_ALLOC_PAGES asks
 *	for a page-backed region (write-back; O_DIRECT, vmsplice() and
 *	MSG_ZEROCOPY work on its mapping, see bp_region_save()): with
 *	BIGPHYS_CACHE_DEFAULT or BIGPHYS_CACHE_WB only.
 * @r: receives the region (not mapped).
 *
 * Return: 0, or a negative errno as for BIGPHYS_IOC_ALLOC: -EINVAL (also
 * PAGES with CACHE_WC or CACHE_UC, or an attach with PAGES to a region that
 * is not page-backed), -ENOENT, -EEXIST, -ENOSPC (no contiguous block that
 * big; for PAGES: in the page-backed part), -EOPNOTSUPP (PAGES, and the
 * pool has no page-backed part: the module was loaded without
 * pages_base=/pages_size=), -EDQUOT (max_user_bytes), -ENOMEM, -EPERM
 * (PERSIST without CAP_SYS_ADMIN), -EACCES (another user's name);
 * -ENAMETOOLONG a name of 32 characters or more.
 */
int bp_region_alloc(struct bp *bp, const char *name, uint64_t size, uint64_t align,
		    uint32_t flags, struct bp_region *r);

/**
 * bp_region_create() - create a region, or attach to it if the name exists
 * @bp: handle.
 * @name: NULL/"" (anonymous) or a name.
 * @size: bytes.
 * @flags: BIGPHYS_ALLOC_EXCL, BIGPHYS_ALLOC_PERSIST, BIGPHYS_ALLOC_PAGES,
 *	BIGPHYS_CACHE_* (BIGPHYS_ALLOC_CREATE is added); passed through to
 *	bp_region_alloc().
 * @r: receives the region (not mapped).
 *
 * Return: as bp_region_alloc().
 */
int bp_region_create(struct bp *bp, const char *name, uint64_t size, uint32_t flags,
		     struct bp_region *r);

/**
 * bp_region_attach() - attach to an existing named region, any size and type
 * @bp: handle.
 * @name: the name.
 * @r: receives the region (not mapped).
 *
 * Return: 0, or -ENOENT no such name, -EACCES another user's, -EINVAL bad
 * name, -ENAMETOOLONG.
 */
int bp_region_attach(struct bp *bp, const char *name, struct bp_region *r);

/**
 * bp_region_map() - mmap() a whole region, shared, with its cache type
 * @bp: handle the region is attached to.
 * @r: region; @r->map and @r->map_len are set.
 * @prot: PROT_READ and/or PROT_WRITE (PROT_EXEC is refused: -EPERM).
 *
 * Return: 0, or a negative errno of mmap(): -EINVAL (not attached to this
 * handle), -EPERM, -ENOMEM; -EBUSY already mapped through @r.
 */
int bp_region_map(struct bp *bp, struct bp_region *r, int prot);

/**
 * bp_region_unmap() - undo bp_region_map()
 * @r: region; nothing happens if it is not mapped.
 */
void bp_region_unmap(struct bp_region *r);

/**
 * bp_region_free() - BIGPHYS_IOC_FREE: remove the region's name and handle
 * @bp: handle.
 * @r: region (by name when it has one, else by id).
 *
 * A mapping made by bp_region_map() stays valid (unmap it yourself); the
 * memory returns to the pool after the last mapping, fd and job.
 *
 * Return: 0, or -ENOENT (not attached / no such name), -EACCES.
 */
int bp_region_free(struct bp *bp, const struct bp_region *r);

/**
 * bp_region_export() - BIGPHYS_IOC_EXPORT: the region as a dma-buf
 * @bp: handle.
 * @r: region attached to @bp.
 * @offset: first byte (a multiple of the page size).
 * @len: bytes (a multiple of the page size), 0 for the rest of the region.
 * @flags: BIGPHYS_EXPORT_CLOEXEC, BIGPHYS_EXPORT_RDWR.
 *
 * The dma-buf fd goes to V4L2 (V4L2_MEMORY_DMABUF), DRM
 * (DRM_IOCTL_PRIME_FD_TO_HANDLE), RDMA (ibv_reg_dmabuf_mr()) or back to
 * bigphys (BIGPHYS_DMA_DMABUF); it keeps the memory alive after
 * bp_region_free() and bp_close() until it is closed and every importer
 * let go.  Close it with close().
 *
 * Return: the fd (>= 0), or -EINVAL (flags, alignment, range), -ENOENT,
 * -EMFILE, -ENOMEM.
 */
int bp_region_export(struct bp *bp, const struct bp_region *r, uint64_t offset,
		     uint64_t len, uint32_t flags);

/**
 * bp_unlink() - remove a name, like shm_unlink()
 * @bp: handle.
 * @name: the name.
 *
 * Return: 0, or -ENOENT, -EACCES, -EINVAL, -ENAMETOOLONG.
 */
int bp_unlink(struct bp *bp, const char *name);

/**
 * bp_submit() - start a background DMA job described by a struct bigphys_dma
 * @bp: handle.
 * @d: the job, as for BIGPHYS_IOC_STRT_DMA; @d->cookie must be 0.  Not
 *	modified; the library copies it.
 * @job: receives the job handle (> 0) for bp_wait().
 *
 * Returns as soon as the job is handed to the kernel.  On the sqpoll
 * backend that is a few stores into the submission ring (no system call
 * while the kernel thread is awake).
 *
 * Return: 0, or a negative errno: -EBUSY BP_MAX_JOBS jobs unreaped on this
 * handle; -EINVAL a nonzero @d->cookie; -EAGAIN the submission ring is
 * full; on the ioctl backend the errors of STRT_DMA (-EINVAL, -ENOENT,
 * -ENODEV, -EOPNOTSUPP, -EFAULT, -ENOMEM, -EIO, -EBUSY); on the io_uring
 * backends the errno of io_uring_enter() (those of STRT_DMA come in the
 * completion).
 */
int bp_submit(struct bp *bp, const struct bigphys_dma *d, uint64_t *job);

/**
 * bp_submitv() - start one job of several segments (BIGPHYS_IOC_STRT_DMAV)
 * @bp: handle.
 * @v: the job; @v->segs points at @v->nr_segs segments, which must stay
 *	valid until this call returns (the kernel copies them during the
 *	issue, which on sqpoll may be later: the library keeps a copy until
 *	the job completes, so they may be reused at once); @v->cookie 0.
 * @job: receives the job handle.
 *
 * Return: as bp_submit(); -EINVAL also for 0 or more than
 * BIGPHYS_DMAV_MAX_SEGS segments; -ENOMEM.
 */
int bp_submitv(struct bp *bp, const struct bigphys_dmav *v, uint64_t *job);

/**
 * bp_push() - DMA region bytes [@offset, @offset + @len) to the device
 * @bp: handle.
 * @r: region attached to @bp.
 * @offset: first byte, from the region start.
 * @len: bytes, >= 1 (edu: <= 4095 so that it ends inside its buffer).
 * @dev_index: device (0 for the first).
 * @dev_addr: device address of the first byte (edu: 0x40000..).
 * @job: receives the job handle.
 *
 * Return: as bp_submit().
 */
int bp_push(struct bp *bp, const struct bp_region *r, uint64_t offset, uint64_t len,
	    uint32_t dev_index, uint64_t dev_addr, uint64_t *job);

/**
 * bp_readback() - DMA from the device into region bytes [@offset, +@len)
 * @bp: handle.
 * @r: region attached to @bp.
 * @offset: first byte, from the region start.
 * @len: bytes, >= 1.
 * @dev_index: device.
 * @dev_addr: device address of the first byte.
 * @job: receives the job handle.
 *
 * Return: as bp_submit().
 */
int bp_readback(struct bp *bp, const struct bp_region *r, uint64_t offset, uint64_t len,
		uint32_t dev_index, uint64_t dev_addr, uint64_t *job);

/**
 * bp_pushv() - one job of @nr segments of @r to the device, in array order
 * @bp: handle.
 * @r: region attached to @bp.
 * @dev_index: device.
 * @segs: segments (region offset, length, device address).
 * @nr: 1..BIGPHYS_DMAV_MAX_SEGS.
 * @job: receives the job handle.
 *
 * Return: as bp_submitv().
 */
int bp_pushv(struct bp *bp, const struct bp_region *r, uint32_t dev_index,
	     const struct bigphys_dma_seg *segs, uint32_t nr, uint64_t *job);

/**
 * bp_split() - cut [@offset, @offset + @len) into segments of <= @chunk
 * bytes, all to @dev_addr (for an image bigger than a device's buffer)
 * @offset: first byte, from the region start.
 * @len: bytes.
 * @chunk: most bytes per segment, >= 1.
 * @dev_addr: device address of every segment.
 * @segs: receives the segments.
 * @max: room in @segs.
 *
 * Return: the number of segments, or -EINVAL (@chunk or @len 0, more than
 * @max segments needed).
 */
int bp_split(uint64_t offset, uint64_t len, uint64_t chunk, uint64_t dev_addr,
	     struct bigphys_dma_seg *segs, uint32_t max);

/**
 * bp_dma_map() - BIGPHYS_IOC_DMA_MAP: map only, for a device user space
 * programs itself
 * @bp: handle.
 * @m: in: region_id (or BIGPHYS_DMA_USER_PTR and user_addr), dev_index,
 *	flags, offset, len; out: nr_segs, bus_addr, handle.
 *
 * Return: 0, or a negative errno as for STRT_DMA (without the window
 * checks), -EPERM without CAP_SYS_RAWIO.
 */
int bp_dma_map(struct bp *bp, struct bigphys_dma_map *m);

/**
 * bp_dma_unmap() - BIGPHYS_IOC_DMA_UNMAP
 * @bp: handle.
 * @handle: from bp_dma_map().
 *
 * Return: 0, or -ENOENT unknown @handle.
 */
int bp_dma_unmap(struct bp *bp, uint64_t handle);

/**
 * bp_poll() - reap one finished job without blocking
 * @bp: handle.
 * @c: receives the completion.
 *
 * io_uring backends: looks at the completion ring (no system call).  ioctl
 * backend: one poll() when nothing has finished, then WAIT_DMA with timeout
 * 0 on the jobs in flight.
 *
 * Return: 1 a job was reaped into @c, 0 none has finished, or a negative
 * errno.
 */
int bp_poll(struct bp *bp, struct bp_completion *c);

/**
 * bp_wait() - wait for one job and reap it
 * @bp: handle.
 * @job: the handle from a submission on @bp.
 * @timeout_ns: 0 = do not block, BP_WAIT_FOREVER = no limit.
 * @c: receives the completion (may be NULL).
 *
 * Completions of other jobs that arrive meanwhile are kept for later
 * bp_wait()/bp_poll() calls.  Signals do not end the wait early.
 *
 * Return: 0 (the job's own result is @c->status), or -ENOENT unknown or
 * already reaped @job, -ETIMEDOUT still running at the timeout (wait
 * again later).
 */
int bp_wait(struct bp *bp, uint64_t job, uint64_t timeout_ns, struct bp_completion *c);

/**
 * bp_pending() - jobs submitted on @bp and not yet reaped
 * @bp: handle.
 *
 * Return: the count (finished but unreaped ones included).
 */
unsigned int bp_pending(const struct bp *bp);

/* bp_region_save()/bp_region_restore(): struct bp_xfer.flags */
#define BP_XFER_DIRECT		(1U << 0) /* O_DIRECT: no copy through the page cache */
#define BP_XFER_SYNC		(1U << 1) /* save: fdatasync() before returning */
#define BP_XFER_FLAGS		(BP_XFER_DIRECT | BP_XFER_SYNC)

/* Default bytes per read()/write() (and per progress call): 4 MiB. */
#define BP_XFER_CHUNK		(4ULL << 20)
/* With BP_XFER_DIRECT, offsets and lengths are multiples of this (bytes). */
#define BP_XFER_ALIGN		4096ULL

/**
 * typedef bp_progress_fn - progress of bp_region_save()/bp_region_restore()
 * @done: bytes transferred so far.
 * @total: bytes the call transfers in all.
 * @arg: struct bp_xfer.progress_arg.
 *
 * Called after every chunk (and not before the first), from the calling
 * thread.
 *
 * Return: 0 to go on; anything else stops the transfer, which then
 * returns -ECANCELED.
 */
typedef int (*bp_progress_fn)(uint64_t done, uint64_t total, void *arg);

/**
 * struct bp_xfer - options and result of bp_region_save()/bp_region_restore()
 * @offset: in: first region byte (bytes from the region start).
 * @len: in: bytes; 0 = to the end of the region (restore: and at most to
 *	the end of a regular file, see bp_region_restore()).
 * @file_offset: in: position in the file or device of the first byte.
 * @chunk: in: bytes per read()/write() and per progress call; 0 =
 *	BP_XFER_CHUNK (4 MiB).  With BP_XFER_DIRECT a multiple of
 *	BP_XFER_ALIGN.
 * @flags: in: BP_XFER_*.
 * @pad: zero.
 * @progress: in: NULL, or called after every chunk.
 * @progress_arg: in: passed to @progress.
 * @done: out: bytes transferred, also when the call fails (the bytes
 *	before the failing chunk, plus what a short transfer moved).
 *
 * A NULL struct bp_xfer means all zero: the whole region, at file offset
 * 0, buffered I/O, 4 MiB chunks, no progress, no fdatasync().
 */
struct bp_xfer {
	uint64_t offset;
	uint64_t len;
	uint64_t file_offset;
	uint64_t chunk;
	uint32_t flags;
	uint32_t pad;
	bp_progress_fn progress;
	void *progress_arg;
	uint64_t done;
};

/**
 * bp_region_save() - write region bytes to a file or block device
 * @bp: handle @r is attached to.
 * @r: region.  If it is not mapped (@r->map NULL) the call maps it
 *	PROT_READ and unmaps it again (@r is not changed); else its mapping
 *	is used.
 * @fd: an open file descriptor (written with pwrite() at
 *	@x->file_offset and up; its file position is not used or moved), or
 *	-1 to open @path.
 * @path: with @fd -1: the file or device to write, opened O_WRONLY |
 *	O_CREAT | O_TRUNC (mode 0666 & ~umask; O_TRUNC does nothing to a
 *	block device) and closed again; else NULL.
 * @x: what and how (see struct bp_xfer), @x->done set; may be NULL.
 *
 * Writes region bytes [@x->offset, +len) to the file at @x->file_offset
 * in chunks of @x->chunk bytes, calling @x->progress after each.  A
 * partial write goes on with the rest; EINTR is retried.
 *
 * BP_XFER_DIRECT writes with O_DIRECT: the device reads the region's
 * memory itself and the CPU copies nothing (no page-cache copy).  That
 * needs a page-backed region (BIGPHYS_ALLOC_PAGES): the mapping of a WC,
 * UC or WB region is bare PFNs (VM_PFNMAP), which the kernel cannot pin,
 * and O_DIRECT from it fails with EFAULT.  There is no silent fallback: for
 * such a region the call returns -EFAULT before opening or writing
 * anything, bp_strerror() says why, and the caller chooses buffered I/O
 * (flags without BP_XFER_DIRECT: one copy by the CPU into the page cache;
 * from a WC or UC region that copy reads uncached memory and is slow).
 * With @fd, O_DIRECT is set on the open file description with fcntl() for
 * the call and the flags are put back after.  @x->offset, @x->len,
 * @x->file_offset and @x->chunk must then be multiples of BP_XFER_ALIGN
 * (4096, which every block size up to 4 KiB divides; region sizes are page
 * multiples, so a whole region always is).
 *
 * BP_XFER_SYNC calls fdatasync() at the end, so that the data has reached
 * the device (its write cache flushed) when the call returns.
 *
 * Return: 0, or a negative errno: -EINVAL unknown @x->flags, nonzero
 * @x->pad, both or neither of @fd and @path, a range outside the region,
 * with BP_XFER_DIRECT a misaligned offset, length or chunk, or a file
 * system that refuses O_DIRECT (tmpfs before Linux 6.6); -EFAULT
 * BP_XFER_DIRECT on a region that is not page-backed (or the kernel could
 * not pin the mapping); -ECANCELED @x->progress asked to stop; -EIO a
 * write() that wrote nothing; the errno of open(), mmap(), pwrite() (e.g.
 * -ENOSPC, -EIO, -EBADF), fdatasync().  @x->done says how far it got.
 */
int bp_region_save(struct bp *bp, const struct bp_region *r, int fd, const char *path,
		   struct bp_xfer *x);

/**
 * bp_region_restore() - read a file or block device back into a region
 * @bp: handle @r is attached to.
 * @r: region.  If it is not mapped the call maps it PROT_READ |
 *	PROT_WRITE and unmaps it again; else its mapping is used (it must be
 *	writable, or the reads fail with -EFAULT).
 * @fd: an open file descriptor (read with pread() from @x->file_offset),
 *	or -1 to open @path.
 * @path: with @fd -1: the file or device to read, opened O_RDONLY; else
 *	NULL.
 * @x: as for bp_region_save() (BP_XFER_SYNC is ignored); may be NULL.
 *
 * Reads into region bytes [@x->offset, +len).  @x->len 0 means to the end
 * of the region, and, when @fd/@path is a regular file, at most to the end
 * of the file.  Partial reads go on with the rest; EINTR is retried; the
 * end of the file before len bytes is an error (-ENODATA), the bytes read
 * until then stay in the region.
 *
 * BP_XFER_DIRECT reads with O_DIRECT, the device writing straight into
 * the region: a page-backed region only (else -EFAULT, nothing read), the
 * same alignment rules as bp_region_save(), except that a length taken
 * from the size of a regular file (@x->len 0) may end anywhere: the last
 * read asks for the rest rounded up to BP_XFER_ALIGN (still inside the
 * region, whose size is a page multiple) and gets the file's last bytes.
 *
 * Return: 0, or a negative errno: as bp_region_save() (without -EIO for a
 * zero transfer), and -ENODATA the file or device ended before len bytes.
 */
int bp_region_restore(struct bp *bp, const struct bp_region *r, int fd, const char *path,
		      struct bp_xfer *x);

/**
 * bp_strerror() - a message for a negative errno from this library
 * @err: a negative errno (a positive one is taken as its negative).
 *
 * Says what the errno means for bigphys where it has a specific meaning
 * (e.g. -ENOSPC "no free contiguous block that big in the pool"), else
 * strerror().
 *
 * Return: a static or thread-local string.
 */
const char *bp_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBBIGPHYS_H */
