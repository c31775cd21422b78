// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libbigphys: handle, backend choice, regions, the job table and the ioctl
 * backend.  The io_uring backends are in bp_uring.c.  See libbigphys.h.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bp_internal.h"

#define NSEC_PER_SEC	1000000000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* ioctl() on the handle's fd, counted; 0 or -errno. */
static int bp_ioctl(struct bp *bp, unsigned long cmd, void *arg)
{
	bp->stats.syscalls++;
	return ioctl(bp->fd, cmd, arg) ? -errno : 0;
}

/* ---- the job table ---- */

struct bp_job *bp_job_new(struct bp *bp)
{
	unsigned int i, s;

	if (bp->nr_jobs >= BP_MAX_JOBS)
		return NULL;
	for (i = 0; i < BP_MAX_JOBS; i++) {
		s = (bp->next_slot + i) % BP_MAX_JOBS;
		if (bp->jobs[s].state == BP_JOB_FREE)
			break;
	}
	bp->next_slot = (s + 1) % BP_MAX_JOBS;
	bp->nr_jobs++;
	bp->jobs[s].tag = (++bp->seq << BP_SLOT_BITS) | s;
	bp->jobs[s].state = BP_JOB_RUNNING;
	bp->jobs[s].cookie = 0;
	memset(&bp->jobs[s].c, 0, sizeof(bp->jobs[s].c));
	bp->jobs[s].c.job = bp->jobs[s].tag;
	return &bp->jobs[s];
}

void bp_job_release(struct bp *bp, struct bp_job *j)
{
	j->state = BP_JOB_FREE;
	j->tag = 0;
	bp->nr_jobs--;
}

struct bp_job *bp_job_find(struct bp *bp, uint64_t tag)
{
	struct bp_job *j = &bp->jobs[BP_SLOT(tag)];

	return tag && j->tag == tag && j->state != BP_JOB_FREE ? j : NULL;
}

/* ---- opening, the backend ---- */

static const char *const backend_names[] = {
	[BP_BACKEND_SQPOLL] = "sqpoll",
	[BP_BACKEND_URING] = "uring",
	[BP_BACKEND_IOCTL] = "ioctl",
};

int bp_open(struct bp **out, unsigned int flags)
{
	return bp_open_dev(out, NULL, flags);
}

/* The forced backend: from @flags, else BIGPHYS_BACKEND; 0 = none forced. */
static int forced_backend(unsigned int flags, const char **by)
{
	const char *env = getenv("BIGPHYS_BACKEND");
	int b;

	if (flags & ~BP_OPEN_BACKEND_MASK)
		return -EINVAL;
	switch (flags) {
	case 0:
		break;
	case BP_OPEN_SQPOLL:
		*by = "forced by BP_OPEN_SQPOLL";
		return BP_BACKEND_SQPOLL;
	case BP_OPEN_URING:
		*by = "forced by BP_OPEN_URING";
		return BP_BACKEND_URING;
	case BP_OPEN_IOCTL:
		*by = "forced by BP_OPEN_IOCTL";
		return BP_BACKEND_IOCTL;
	default:
		return -EINVAL;		/* more than one */
	}
	if (!env || !*env)
		return 0;
	for (b = BP_BACKEND_SQPOLL; b <= BP_BACKEND_IOCTL; b++)
		if (!strcmp(env, backend_names[b])) {
			*by = "forced by BIGPHYS_BACKEND";
			return b;
		}
	return -EINVAL;
}

int bp_open_dev(struct bp **out, const char *path, unsigned int flags)
{
	const char *by = NULL;
	char why[160];
	struct bp *bp;
	int forced, err;

	*out = NULL;
	forced = forced_backend(flags, &by);
	if (forced < 0)
		return forced;
	bp = calloc(1, sizeof(*bp));
	if (!bp)
		return -ENOMEM;
	bp->sq_cpu = -1;
	bp->fd = open(path ? path : BP_DEVICE, O_RDWR | O_CLOEXEC);
	bp->stats.syscalls++;
	if (bp->fd < 0) {
		err = -errno;
		free(bp);
		return err;
	}

	if (forced) {
		snprintf(bp->why, sizeof(bp->why), "%s", by);
		bp->backend = forced;
		if (forced != BP_BACKEND_IOCTL) {
			err = bp_uring_setup(bp, forced == BP_BACKEND_SQPOLL, why, sizeof(why));
			if (err) {
				bp_close(bp);
				return err;
			}
		}
		*out = bp;
		return 0;
	}

	/* The best that works. */
	err = bp_uring_setup(bp, true, why, sizeof(why));
	if (!err) {
		bp->backend = BP_BACKEND_SQPOLL;
		snprintf(bp->why, sizeof(bp->why), "default (the best available)");
	} else {
		char why2[160];

		err = bp_uring_setup(bp, false, why2, sizeof(why2));
		if (!err) {
			bp->backend = BP_BACKEND_URING;
			snprintf(bp->why, sizeof(bp->why), "sqpoll: %s", why);
		} else {
			bp->backend = BP_BACKEND_IOCTL;
			if (!strcmp(why, why2))
				snprintf(bp->why, sizeof(bp->why), "io_uring: %s", why);
			else
				snprintf(bp->why, sizeof(bp->why), "sqpoll: %s; uring: %s",
					 why, why2);
		}
	}
	*out = bp;
	return 0;
}

void bp_close(struct bp *bp)
{
	unsigned int i;

	if (!bp)
		return;
	if (bp->have_ring)
		bp_uring_teardown(bp);
	close(bp->fd);
	for (i = 0; i < BP_MAX_JOBS; i++)
		free(bp->jobs[i].segs);
	free(bp);
}

int bp_fd(const struct bp *bp)
{
	return bp->fd;
}

enum bp_backend bp_backend(const struct bp *bp)
{
	return bp->backend;
}

const char *bp_backend_name(const struct bp *bp)
{
	return backend_names[bp->backend];
}

const char *bp_backend_why(const struct bp *bp)
{
	return bp->why;
}

int bp_sq_cpu(const struct bp *bp)
{
	return bp->backend == BP_BACKEND_SQPOLL ? bp->sq_cpu : -1;
}

void bp_get_stats(const struct bp *bp, struct bp_stats *st)
{
	*st = bp->stats;
}

unsigned int bp_pending(const struct bp *bp)
{
	return bp->nr_jobs;
}

/* ---- pool, devices, regions ---- */

int bp_info(struct bp *bp, struct bigphys_info *info)
{
	int err;

	memset(info, 0, sizeof(*info));
	err = bp_ioctl(bp, BIGPHYS_IOC_INFO, info);
	if (err == -ENOTTY) {
		/* A module from before the page-backed part: 48 bytes. */
		memset(info, 0, sizeof(*info));
		err = bp_ioctl(bp, BIGPHYS_IOC_INFO_V1, info);
	}
	return err;
}

int bp_dev_info(struct bp *bp, uint32_t index, struct bigphys_dev_info *dev)
{
	int err;

	memset(dev, 0, sizeof(*dev));
	dev->index = index;
	err = bp_ioctl(bp, BIGPHYS_IOC_DEV_INFO, dev);
	dev->name[BIGPHYS_NAME_LEN - 1] = '\0';
	return err;
}

int bp_list(struct bp *bp, struct bigphys_region_info **out, uint32_t *nr)
{
	struct bigphys_region_info *regions = NULL, *n;
	struct bigphys_list list;
	uint32_t cap = 0, i;
	int err;

	*out = NULL;
	*nr = 0;
	for (;;) {
		memset(&list, 0, sizeof(list));
		list.regions = (uintptr_t)regions;
		list.count = cap;
		err = bp_ioctl(bp, BIGPHYS_IOC_LIST, &list);
		if (err) {
			free(regions);
			return err;
		}
		if (list.count <= cap)
			break;
		cap = list.count;
		n = realloc(regions, cap * sizeof(*regions));
		if (!n) {
			free(regions);
			return -ENOMEM;
		}
		regions = n;
	}
	for (i = 0; i < list.count; i++)
		regions[i].name[BIGPHYS_NAME_LEN - 1] = '\0';
	if (!list.count) {
		free(regions);
		regions = NULL;
	}
	*out = regions;
	*nr = list.count;
	return 0;
}

static int set_name(char dst[BIGPHYS_NAME_LEN], const char *name)
{
	size_t len = name ? strlen(name) : 0;

	memset(dst, 0, BIGPHYS_NAME_LEN);
	if (len >= BIGPHYS_NAME_LEN)
		return -ENAMETOOLONG;
	if (len)
		memcpy(dst, name, len);
	return 0;
}

int bp_region_alloc(struct bp *bp, const char *name, uint64_t size, uint64_t align,
		    uint32_t flags, struct bp_region *r)
{
	struct bigphys_alloc a;
	int err;

	memset(r, 0, sizeof(*r));
	memset(&a, 0, sizeof(a));
	err = set_name(a.name, name);
	if (err)
		return err;
	a.size = size;
	a.align = align;
	a.flags = flags;
	err = bp_ioctl(bp, BIGPHYS_IOC_ALLOC, &a);
	if (err)
		return err;
	r->id = a.id;
	r->flags = a.flags;
	r->size = a.size;
	r->phys_addr = a.phys_addr;
	memcpy(r->name, a.name, BIGPHYS_NAME_LEN);
	r->name[BIGPHYS_NAME_LEN - 1] = '\0';
	return 0;
}

int bp_region_create(struct bp *bp, const char *name, uint64_t size, uint32_t flags,
		     struct bp_region *r)
{
	return bp_region_alloc(bp, name, size, 0, flags | BIGPHYS_ALLOC_CREATE, r);
}

int bp_region_attach(struct bp *bp, const char *name, struct bp_region *r)
{
	if (!name || !*name) {
		memset(r, 0, sizeof(*r));
		return -EINVAL;
	}
	return bp_region_alloc(bp, name, 0, 0, 0, r);
}

int bp_region_map(struct bp *bp, struct bp_region *r, int prot)
{
	void *p;

	if (r->map)
		return -EBUSY;
	bp->stats.syscalls++;
	p = mmap(NULL, r->size, prot, MAP_SHARED, bp->fd, (off_t)r->phys_addr);
	if (p == MAP_FAILED)
		return -errno;
	r->map = p;
	r->map_len = r->size;
	return 0;
}

void bp_region_unmap(struct bp_region *r)
{
	if (!r->map)
		return;
	munmap(r->map, r->map_len);
	r->map = NULL;
	r->map_len = 0;
}

int bp_region_free(struct bp *bp, const struct bp_region *r)
{
	struct bigphys_free f;

	memset(&f, 0, sizeof(f));
	if (r->name[0])
		memcpy(f.name, r->name, BIGPHYS_NAME_LEN);
	else
		f.id = r->id;
	return bp_ioctl(bp, BIGPHYS_IOC_FREE, &f);
}

int bp_region_export(struct bp *bp, const struct bp_region *r, uint64_t offset,
		     uint64_t len, uint32_t flags)
{
	struct bigphys_export e;
	int err;

	memset(&e, 0, sizeof(e));
	e.region_id = r->id;
	e.flags = flags;
	e.offset = offset;
	e.len = len;
	err = bp_ioctl(bp, BIGPHYS_IOC_EXPORT, &e);
	return err ? err : e.fd;
}

int bp_unlink(struct bp *bp, const char *name)
{
	struct bigphys_free f;
	int err;

	memset(&f, 0, sizeof(f));
	if (!name || !*name)
		return -EINVAL;
	err = set_name(f.name, name);
	if (err)
		return err;
	return bp_ioctl(bp, BIGPHYS_IOC_FREE, &f);
}

/* ---- DMA jobs ---- */

int bp_submit(struct bp *bp, const struct bigphys_dma *d, uint64_t *job)
{
	struct bigphys_dma k;
	struct bp_job *j;
	int err;

	*job = 0;
	if (d->cookie)
		return -EINVAL;
	j = bp_job_new(bp);
	if (!j)
		return -EBUSY;
	bp->stats.submits++;
	if (bp->backend == BP_BACKEND_IOCTL) {
		k = *d;
		err = bp_ioctl(bp, BIGPHYS_IOC_STRT_DMA, &k);
		j->cookie = k.cookie;
	} else {
		err = bp_uring_submit(bp, j, BIGPHYS_URING_CMD_DMA, d, sizeof(*d));
	}
	if (err) {
		bp->stats.submits--;
		bp_job_release(bp, j);
		return err;
	}
	*job = j->tag;
	return 0;
}

int bp_submitv(struct bp *bp, const struct bigphys_dmav *v, uint64_t *job)
{
	struct bigphys_dmav k = *v;
	struct bp_job *j;
	int err;

	*job = 0;
	if (v->cookie || !v->nr_segs || v->nr_segs > BIGPHYS_DMAV_MAX_SEGS)
		return -EINVAL;
	j = bp_job_new(bp);
	if (!j)
		return -EBUSY;
	bp->stats.submits++;
	if (bp->backend == BP_BACKEND_IOCTL) {
		err = bp_ioctl(bp, BIGPHYS_IOC_STRT_DMAV, &k);
		j->cookie = k.cookie;
	} else {
		/*
		 * The kernel copies the segments when it issues the command,
		 * which the SQPOLL thread does later: keep our own copy until
		 * the completion.
		 */
		err = 0;
		if (j->segs_cap < v->nr_segs) {
			free(j->segs);
			j->segs_cap = 0;
			j->segs = malloc(v->nr_segs * sizeof(*j->segs));
			if (j->segs)
				j->segs_cap = v->nr_segs;
			else
				err = -ENOMEM;
		}
		if (!err) {
			memcpy(j->segs, (const void *)(uintptr_t)v->segs,
			       v->nr_segs * sizeof(*j->segs));
			k.segs = (uintptr_t)j->segs;
			err = bp_uring_submit(bp, j, BIGPHYS_URING_CMD_DMAV, &k, sizeof(k));
		}
	}
	if (err) {
		bp->stats.submits--;
		bp_job_release(bp, j);
		return err;
	}
	*job = j->tag;
	return 0;
}

static int dma(struct bp *bp, const struct bp_region *r, uint32_t flags, uint64_t offset,
	       uint64_t len, uint32_t dev_index, uint64_t dev_addr, uint64_t *job)
{
	struct bigphys_dma d;

	memset(&d, 0, sizeof(d));
	d.region_id = r->id;
	d.dev_index = dev_index;
	d.flags = flags;
	d.offset = offset;
	d.len = len;
	d.dev_addr = dev_addr;
	return bp_submit(bp, &d, job);
}

int bp_push(struct bp *bp, const struct bp_region *r, uint64_t offset, uint64_t len,
	    uint32_t dev_index, uint64_t dev_addr, uint64_t *job)
{
	return dma(bp, r, 0, offset, len, dev_index, dev_addr, job);
}

int bp_readback(struct bp *bp, const struct bp_region *r, uint64_t offset, uint64_t len,
		uint32_t dev_index, uint64_t dev_addr, uint64_t *job)
{
	return dma(bp, r, BIGPHYS_DMA_FROM_DEVICE, offset, len, dev_index, dev_addr, job);
}

int bp_pushv(struct bp *bp, const struct bp_region *r, uint32_t dev_index,
	     const struct bigphys_dma_seg *segs, uint32_t nr, uint64_t *job)
{
	struct bigphys_dmav v;

	memset(&v, 0, sizeof(v));
	v.region_id = r->id;
	v.dev_index = dev_index;
	v.nr_segs = nr;
	v.segs = (uintptr_t)segs;
	return bp_submitv(bp, &v, job);
}

int bp_split(uint64_t offset, uint64_t len, uint64_t chunk, uint64_t dev_addr,
	     struct bigphys_dma_seg *segs, uint32_t max)
{
	uint64_t done;
	uint32_t n = 0;

	if (!chunk || !len || (len - 1) / chunk >= max)
		return -EINVAL;
	for (done = 0; done < len; done += chunk, n++) {
		segs[n].offset = offset + done;
		segs[n].len = len - done < chunk ? len - done : chunk;
		segs[n].dev_addr = dev_addr;
	}
	return (int)n;
}

int bp_dma_map(struct bp *bp, struct bigphys_dma_map *m)
{
	return bp_ioctl(bp, BIGPHYS_IOC_DMA_MAP, m);
}

int bp_dma_unmap(struct bp *bp, uint64_t handle)
{
	return bp_ioctl(bp, BIGPHYS_IOC_DMA_UNMAP, &handle);
}

/* ioctl backend: WAIT_DMA on @j for at most @timeout_ns; 0 or -errno. */
static int ioctl_wait(struct bp *bp, struct bp_job *j, uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns == BP_WAIT_FOREVER ? UINT64_MAX : now_ns() + timeout_ns;
	struct bigphys_dma_wait w;
	int err;

	for (;;) {
		uint64_t now = timeout_ns ? now_ns() : 0;

		memset(&w, 0, sizeof(w));
		w.cookie = j->cookie;
		w.timeout_ns = !timeout_ns ? 0 : deadline == UINT64_MAX ? 3600 * NSEC_PER_SEC :
			       now >= deadline ? 0 : deadline - now;
		err = bp_ioctl(bp, BIGPHYS_IOC_WAIT_DMA, &w);
		if (!err)
			break;
		if (err != -EINTR && err != -ETIMEDOUT)
			return err;
		if (!timeout_ns || (err == -ETIMEDOUT && deadline != UINT64_MAX &&
				    now_ns() >= deadline))
			return -ETIMEDOUT;
	}
	j->state = BP_JOB_DONE;
	j->c.status = w.status;
	j->c.bytes = w.bytes;
	j->c.duration_ns = w.duration_ns;
	return 0;
}

/* The oldest finished, unreaped job, or NULL. */
static struct bp_job *oldest_done(struct bp *bp)
{
	struct bp_job *best = NULL;
	unsigned int i;

	for (i = 0; i < BP_MAX_JOBS; i++)
		if (bp->jobs[i].state == BP_JOB_DONE &&
		    (!best || bp->jobs[i].tag < best->tag))
			best = &bp->jobs[i];
	return best;
}

static void reap(struct bp *bp, struct bp_job *j, struct bp_completion *c)
{
	if (c)
		*c = j->c;
	bp_job_release(bp, j);
}

int bp_poll(struct bp *bp, struct bp_completion *c)
{
	struct pollfd pfd = { .fd = bp->fd, .events = POLLIN };
	struct bp_job *j;
	unsigned int i;
	int err;

	if (!bp->nr_jobs)
		return 0;
	if (bp->backend != BP_BACKEND_IOCTL) {
		bp_uring_reap(bp);
	} else if (!oldest_done(bp)) {
		bp->stats.syscalls++;
		if (poll(&pfd, 1, 0) < 0)
			return errno == EINTR ? 0 : -errno;
		if (!(pfd.revents & POLLIN))
			return 0;
		for (i = 0; i < BP_MAX_JOBS; i++) {
			j = &bp->jobs[i];
			if (j->state != BP_JOB_RUNNING)
				continue;
			err = ioctl_wait(bp, j, 0);
			if (err && err != -ETIMEDOUT)
				return err;
		}
	}
	j = oldest_done(bp);
	if (!j)
		return 0;
	reap(bp, j, c);
	return 1;
}

int bp_wait(struct bp *bp, uint64_t job, uint64_t timeout_ns, struct bp_completion *c)
{
	struct bp_job *j = bp_job_find(bp, job);
	int err;

	if (!j)
		return -ENOENT;
	if (j->state == BP_JOB_RUNNING) {
		if (bp->backend == BP_BACKEND_IOCTL)
			err = ioctl_wait(bp, j, timeout_ns);
		else
			err = bp_uring_wait(bp, j, timeout_ns);
		if (err)
			return err;
	}
	reap(bp, j, c);
	return 0;
}

/* ---- saving a region to a file or device, restoring it ---- */

/*
 * One transfer of bp_region_save()/bp_region_restore().  The region is
 * mapped here when the caller has not mapped it; O_DIRECT is set on a
 * caller's fd for the call and taken off again.  Everything is undone
 * before returning, whatever happened.
 */
static int xfer(struct bp *bp, const struct bp_region *r, int fd, const char *path,
		struct bp_xfer *xin, bool save)
{
	struct bp_xfer zero = { 0 }, *x = xin ? xin : &zero;
	bool direct = x->flags & BP_XFER_DIRECT, defaulted = !x->len;
	uint64_t chunk = x->chunk ? x->chunk : BP_XFER_CHUNK, len = x->len, done = 0;
	int err = 0, oflags = -1, myfd = -1;
	void *map = r->map, *mine = NULL;
	struct stat st;

	x->done = 0;
	/* exactly one of @fd and @path */
	if ((x->flags & ~BP_XFER_FLAGS) || x->pad || (fd >= 0) == !!path)
		return -EINVAL;
	if (x->offset > r->size || (len && len > r->size - x->offset))
		return -EINVAL;
	if (!len)
		len = r->size - x->offset;
	if (direct) {
		/*
		 * A WC/UC/WB region is mapped as bare PFNs: O_DIRECT cannot
		 * pin them and would fail with EFAULT after the open (and the
		 * truncation of @path).  Say so before touching anything.
		 */
		if (!(r->flags & BIGPHYS_ALLOC_PAGES))
			return -EFAULT;
		if (x->offset % BP_XFER_ALIGN || x->file_offset % BP_XFER_ALIGN ||
		    chunk % BP_XFER_ALIGN || (!defaulted && len % BP_XFER_ALIGN))
			return -EINVAL;
	}

	if (fd < 0) {
		int of = save ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY;

		bp->stats.syscalls++;
		myfd = open(path, of | O_CLOEXEC | (direct ? O_DIRECT : 0), 0666);
		if (myfd < 0)
			return -errno;
		fd = myfd;
	} else if (direct) {
		bp->stats.syscalls++;
		oflags = fcntl(fd, F_GETFL);
		if (oflags < 0)
			return -errno;
		if (oflags & O_DIRECT) {
			oflags = -1;		/* nothing to put back */
		} else {
			bp->stats.syscalls++;
			if (fcntl(fd, F_SETFL, oflags | O_DIRECT)) {
				err = -errno;	/* EINVAL: no O_DIRECT here */
				oflags = -1;
				goto out;
			}
		}
	}

	if (!save && defaulted) {
		bp->stats.syscalls++;
		if (fstat(fd, &st)) {
			err = -errno;
			goto out;
		}
		if (S_ISREG(st.st_mode)) {
			uint64_t avail = (uint64_t)st.st_size > x->file_offset ?
					 (uint64_t)st.st_size - x->file_offset : 0;

			if (avail < len)
				len = avail;
		}
	}
	if (!map && len) {
		bp->stats.syscalls++;
		mine = mmap(NULL, r->size, save ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED,
			    bp->fd, (off_t)r->phys_addr);
		if (mine == MAP_FAILED) {
			mine = NULL;
			err = -errno;
			goto out;
		}
		map = mine;
	}

	while (done < len) {
		uint64_t want = len - done < chunk ? len - done : chunk, ask = want;
		char *p = (char *)map + x->offset + done;
		off_t pos = (off_t)(x->file_offset + done);
		ssize_t got;

		/*
		 * O_DIRECT restore of a file whose size is not a block
		 * multiple: ask for whole blocks; the read stops at the end of
		 * the file.  The rounded end is inside the region: its size
		 * is a page multiple.
		 */
		if (direct && ask % BP_XFER_ALIGN)
			ask += BP_XFER_ALIGN - ask % BP_XFER_ALIGN;
		bp->stats.syscalls++;
		got = save ? pwrite(fd, p, ask, pos) : pread(fd, p, ask, pos);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (!got) {
			err = save ? -EIO : -ENODATA;
			break;
		}
		/* A file that grew since fstat(): count only what was asked. */
		done += (uint64_t)got < want ? (uint64_t)got : want;
		x->done = done;
		if (x->progress && x->progress(done, len, x->progress_arg)) {
			err = -ECANCELED;
			break;
		}
	}

	if (!err && save && (x->flags & BP_XFER_SYNC)) {
		bp->stats.syscalls++;
		/* EINVAL/EROFS: a special file without syncing (/dev/null) */
		if (fdatasync(fd) && errno != EINVAL && errno != EROFS)
			err = -errno;
	}
out:
	if (mine)
		munmap(mine, r->size);
	if (oflags >= 0)
		fcntl(fd, F_SETFL, oflags);
	if (myfd >= 0 && close(myfd) && !err && save)
		err = -errno;		/* NFS and friends report late errors here */
	x->done = done;
	return err;
}

int bp_region_save(struct bp *bp, const struct bp_region *r, int fd, const char *path,
		   struct bp_xfer *x)
{
	return xfer(bp, r, fd, path, x, true);
}

int bp_region_restore(struct bp *bp, const struct bp_region *r, int fd, const char *path,
		      struct bp_xfer *x)
{
	return xfer(bp, r, fd, path, x, false);
}

/* ---- messages ---- */

const char *bp_strerror(int err)
{
	if (err > 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case -ENOSPC:
		return "no free contiguous block that big in the bigphys pool";
	case -ENOENT:
		return "no such region name, region, or job on this handle";
	case -EEXIST:
		return "the region name exists already";
	case -EACCES:
		return "the region name belongs to another user";
	case -EPERM:
		return "not permitted (PERSIST needs CAP_SYS_ADMIN, DMA_MAP CAP_SYS_RAWIO)";
	case -EBUSY:
		return "64 DMA jobs and mappings unreaped on this handle already";
	case -ENODEV:
		return "no such DMA device (or it was unbound)";
	case -EOPNOTSUPP:
		return "not supported (a device without a DMA engine bigphys drives, a kernel without the bigphys io_uring commands, or BIGPHYS_ALLOC_PAGES on a pool without a page-backed part: load with pages_base=/pages_size=)";
	case -EIO:
		return "DMA failed: the device cannot reach the memory (DMA mask) or reported an error";
	case -ETIMEDOUT:
		return "the DMA job was still running at the timeout";
	case -ECANCELED:
		return "cancelled (the DMA job, or a save/restore its progress callback stopped)";
	case -EFAULT:
		return "bad address (O_DIRECT, vmsplice() and zero-copy I/O need a page-backed region, BIGPHYS_ALLOC_PAGES: a WC/UC/WB region is mapped as bare PFNs the kernel cannot pin; use buffered I/O for it)";
	case -ENODATA:
		return "the file or device ended before the region range was filled";
	case -EDQUOT:
		return "the regions of this user would exceed max_user_bytes";
	case -ENAMETOOLONG:
		return "region name longer than 31 characters";
	case -EINVAL:
		return "invalid argument (a range outside the region or the device window, a length of 0, a bad name or flag)";
	default:
		return strerror(-err);
	}
}
