// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page-backed regions (BIGPHYS_ALLOC_PAGES, issue 11): the ALLOC flags and
 * errnos, INFO's page fields (and the 48-byte INFO_V1), and everything that
 * takes page references on a mapping, which a PFN mapping (WC, UC, WB
 * regions) refuses with EFAULT: vmsplice(), process_vm_readv/writev(),
 * MSG_ZEROCOPY, io_uring registered buffers, O_DIRECT.  /proc/PID/mem
 * reads and writes every kind of mapping.  A page-backed region whose pages
 * are still referenced from outside (a pipe, io_uring) when its last user
 * goes stays HELD: listed, counted in held_bytes, out of the free bytes,
 * never handed out again, holding the module, until the references go.
 * And the DMA engine works on it like on any region.
 *
 * Runs against both pools: the reserved one with its page-backed part
 * (pages_base=/pages_size=, a second reserved range) and the page-allocator
 * pool, which is all pages.  A pool without a page-backed part skips what
 * needs one (and checks that ALLOC_PAGES says EOPNOTSUPP there).
 * Environment: BIGPHYS_TEST_DISK, a scratch block device the O_DIRECT test
 * overwrites (tests/guest/common.sh load_nvme sets it in the check VM).
 */
#include "bigphys_test_util.h"
#include "bigphys_uring_util.h"

#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <linux/errqueue.h>
#include <linux/fs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY		5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED	1
#endif
#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY			60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY			0x4000000
#endif

#define PG		BIGPHYS_ALLOC_PAGES
#define PG_WB		(BIGPHYS_ALLOC_PAGES | BIGPHYS_CACHE_WB)
#define HOLD_SIZE	(16 * BP_PAGE)	/* a default pipe holds 16 pages */
#define MAX_FILL	64U
#define DISK_WANT	(64ULL << 20)
#define RETURN_MS	5000		/* HELD memory back within this */
#define V1_SIZE		((unsigned int)_IOC_SIZE(BIGPHYS_IOC_INFO_V1))

static const char *const persist_names[] = { "pg_persist" };

FIXTURE(page) {
	int fd;
	int fd2;
	int pipe[2];
	int ring_ok;
	struct io_uring ring;
	struct bigphys_info info;
};

FIXTURE_SETUP(page)
{
	self->fd2 = -1;
	self->pipe[0] = self->pipe[1] = -1;
	self->ring_ok = 0;
	self->fd = bp_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", BP_DEV, strerror(errno));
	ASSERT_POOL_IDLE(self->fd);
	ASSERT_EQ(0, bp_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(page)
{
	if (self->pipe[0] >= 0)
		close(self->pipe[0]);
	if (self->pipe[1] >= 0)
		close(self->pipe[1]);
	if (self->ring_ok)
		io_uring_queue_exit(&self->ring);
	if (self->fd >= 0)
		close(self->fd);
	if (self->fd2 >= 0)
		close(self->fd2);
	bp_teardown(_metadata, -1, persist_names, ARRAY_SIZE(persist_names));
}

#define NEED_PAGES() do {						\
	if (!bp_has_pages(&self->info))					\
		SKIP(return, "no page-backed part in this pool (reserved pool " \
		     "loaded without pages_base=/pages_size=): ALLOC_PAGES is " \
		     "EOPNOTSUPP here (no_pages_part checks that)");	\
} while (0)

/* The running kernel is 6.1.y (whose io_uring refuses file-backed buffers). */
static int kernel_is_61(void)
{
	struct utsname u;

	return !uname(&u) && !strncmp(u.release, "6.1.", 4);
}

/* Allocate and map an anonymous region; returns the mapping. */
static __u8 *alloc_map(struct __test_metadata *_metadata, int fd, __u64 size,
		       __u32 flags, struct bigphys_alloc *a)
{
	__u8 *p;

	if (bp_alloc(fd, "", size, 0, flags, a)) {
		TH_LOG("ALLOC 0x%llx flags 0x%x: %s", (unsigned long long)size,
		       flags, strerror(errno));
		return NULL;
	}
	p = bp_map(fd, a->phys_addr, a->size);
	if (p == MAP_FAILED) {
		TH_LOG("mmap of region %u: %s", a->id, strerror(errno));
		return NULL;
	}
	return p;
}

/* The flags ALLOC reports for a request's cache type (no PERSIST). */
static __u32 flags_out(__u32 req)
{
	if (req & PG)
		return PG_WB;
	if (!(req & BIGPHYS_CACHE_MASK))
		return BIGPHYS_CACHE_WC;
	return req & BIGPHYS_CACHE_MASK;
}

/*
 * INFO and INFO_V1: V1 writes exactly the first 48 bytes of INFO; the
 * page fields agree with the pool kind.
 */
TEST_F(page, info_fields)
{
	const struct bigphys_info *in = &self->info;
	unsigned char v1[64];

	TH_LOG("pool 0x%llx + 0x%llx, flags 0x%x; pages 0x%llx + 0x%llx",
	       (unsigned long long)in->pool_base,
	       (unsigned long long)in->pool_size, in->flags,
	       (unsigned long long)in->pages_base,
	       (unsigned long long)in->pages_size);
	ASSERT_GT(sizeof(struct bigphys_info), (size_t)_IOC_SIZE(BIGPHYS_IOC_INFO_V1));
	ASSERT_EQ(0U, in->flags & ~(BIGPHYS_POOL_RESERVED | BIGPHYS_POOL_PAGES |
				    BIGPHYS_POOL_HAS_PAGES |
				    BIGPHYS_POOL_DEVICE_TREE));
	ASSERT_EQ(0U, in->pad);
	ASSERT_EQ(0ULL, in->held_bytes);
	memset(v1, 0xa5, sizeof(v1));
	ASSERT_EQ(0, ioctl(self->fd, BIGPHYS_IOC_INFO_V1, v1));
	ASSERT_EQ(0, memcmp(v1, in, V1_SIZE));
	ASSERT_EQ(0xa5, v1[V1_SIZE]) TH_LOG("INFO_V1 wrote past its %u bytes",
					    V1_SIZE);
	ASSERT_EQ(0xa5, v1[63]);
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_INFO_V1, NULL));

	if (!bp_has_pages(in)) {
		ASSERT_EQ(0ULL, in->pages_base);
		ASSERT_EQ(0ULL, in->pages_size);
		ASSERT_EQ(0ULL, in->pages_free);
		return;
	}
	ASSERT_NE(0ULL, in->pages_size);
	ASSERT_EQ(0ULL, in->pages_base % BP_PAGE);
	ASSERT_EQ(0ULL, in->pages_size % BP_PAGE);
	ASSERT_EQ(in->pages_size, in->pages_free);
	if (in->flags & BIGPHYS_POOL_PAGES) {
		/* The page-allocator pool is all pages. */
		ASSERT_EQ(in->pool_base, in->pages_base);
		ASSERT_EQ(in->pool_size, in->pages_size);
		ASSERT_EQ(in->free_bytes, in->pages_free);
	} else {
		/* A second reserved range, disjoint from the pool. */
		ASSERT_FALSE(bp_pages_in_pool(in));
	}
}

/* struct bigphys_info before it grew pages_* and held_bytes (commit 1c5bb98^). */
struct bigphys_info_old {
	__u64 pool_base;
	__u64 pool_size;
	__u64 free_bytes;
	__u64 largest_free;
	__u32 nr_regions;
	__u32 nr_devices;
	__u32 flags;
	__u32 pad;
};

#define OLD_INFO	_IOR(BIGPHYS_IOC_MAGIC, 3, struct bigphys_info_old)

/*
 * Binaries built against the header of before the growth issue the INFO
 * command of the 48-byte struct: it must keep working (that is what a
 * compatibility command is for) and fill exactly those 48 bytes, and
 * INFO_V1 must be that command number.
 */
TEST_F(page, info_old_binaries)
{
	unsigned char old[64];

	ASSERT_EQ(offsetof(struct bigphys_info, pages_base),
		  sizeof(struct bigphys_info_old));
	memset(old, 0xa5, sizeof(old));
	errno = 0;
	ASSERT_EQ(0, ioctl(self->fd, OLD_INFO, old))
		TH_LOG("INFO of the old 48-byte struct (cmd 0x%lx): %s",
		       (unsigned long)OLD_INFO, strerror(errno));
	ASSERT_EQ(0, memcmp(old, &self->info, sizeof(struct bigphys_info_old)));
	ASSERT_EQ(0xa5, old[sizeof(struct bigphys_info_old)]);
	ASSERT_EQ((unsigned long)OLD_INFO, (unsigned long)BIGPHYS_IOC_INFO_V1)
		TH_LOG("BIGPHYS_IOC_INFO_V1 is 0x%lx (%u bytes), the old INFO was 0x%lx (%zu bytes)",
		       (unsigned long)BIGPHYS_IOC_INFO_V1,
		       (unsigned int)_IOC_SIZE(BIGPHYS_IOC_INFO_V1),
		       (unsigned long)OLD_INFO, sizeof(struct bigphys_info_old));
}

/* ALLOC_PAGES: flags in and out, exact errnos, INFO accounting, LIST. */
TEST_F(page, alloc_flags)
{
	const struct bigphys_info *in0 = &self->info;
	struct bigphys_region_info ri;
	struct bigphys_alloc a, b, c, w;
	struct bigphys_info in;
	__u64 used;
	__u8 *p;

	NEED_PAGES();
	/* DEFAULT and WB: a page-backed, write-back region. */
	ASSERT_EQ(0, bp_alloc(self->fd, "", 3 * BP_PAGE, 0, PG, &a));
	ASSERT_EQ(PG_WB, a.flags);
	ASSERT_EQ(3 * BP_PAGE, a.size);
	ASSERT_IN_PAGES(*in0, a);
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE + 1, 0, PG_WB, &b));
	ASSERT_EQ(PG_WB, b.flags);
	ASSERT_EQ(2 * BP_PAGE, b.size);
	ASSERT_IN_PAGES(*in0, b);
	ASSERT_FALSE(bp_overlap(&a, &b));
	/* Aligned: 64 KiB. */
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 1 << 16, PG, &c));
	ASSERT_EQ(0ULL, c.phys_addr % (1 << 16));
	ASSERT_IN_PAGES(*in0, c);

	/* Page-backed memory is write-back only. */
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "", BP_PAGE, 0,
				      PG | BIGPHYS_CACHE_WC, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "", BP_PAGE, 0,
				      PG | BIGPHYS_CACHE_UC, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "pg_wc", BP_PAGE, 0,
				      BIGPHYS_ALLOC_CREATE | PG |
				      BIGPHYS_CACHE_WC, NULL));
	/* Bigger than the whole page-backed part. */
	ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", in0->pages_size + BP_PAGE,
				      0, PG, NULL));

	/* INFO: pages_free dropped by exactly the three regions. */
	used = a.size + b.size + c.size;
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(3U, in.nr_regions);
	ASSERT_EQ(in0->pages_size - used, in.pages_free);
	ASSERT_EQ(0ULL, in.held_bytes);
	ASSERT_EQ(in0->pool_size - (bp_pages_in_pool(in0) ? used : 0),
		  in.free_bytes);

	/* LIST: the flags ALLOC reported. */
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_EQ(PG_WB, ri.flags);
	ASSERT_EQ(a.phys_addr, ri.phys_addr);
	ASSERT_EQ(a.size, ri.size);

	/* Zeroed, mapped with pages, shared by a second mapping of page 1. */
	p = bp_map(self->fd, a.phys_addr, a.size);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1L, bp_check_zero(p, a.size));
	bp_fill(p, a.size, 3);
	{
		__u8 *q = bp_map(self->fd, a.phys_addr + BP_PAGE, BP_PAGE);

		ASSERT_NE(MAP_FAILED, q);
		ASSERT_EQ(0, memcmp(q, p + BP_PAGE, BP_PAGE));
		q[7] ^= 0xff;
		ASSERT_EQ(q[7], p[BP_PAGE + 7]);
		q[7] ^= 0xff;
		ASSERT_EQ(0, munmap(q, BP_PAGE));
	}
	ASSERT_EQ(-1L, bp_check(p, a.size, 3));
	ASSERT_MMAP_FAILS(EINVAL, self->fd, a.phys_addr, a.size,
			  PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	ASSERT_EQ(0, bp_free_id(self->fd, c.id));

	/* Named: attach rules. */
	ASSERT_EQ(0, bp_alloc(self->fd, "pg_named", 2 * BP_PAGE, 0,
			      BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_EXCL | PG, &a));
	ASSERT_EQ(PG_WB, a.flags);
	ASSERT_EQ(0, bp_alloc(self->fd, "pg_named", 0, 0, PG, &b));
	ASSERT_EQ(a.id, b.id);
	ASSERT_EQ(PG_WB, b.flags);
	ASSERT_EQ(0, bp_alloc(self->fd, "pg_named", BP_PAGE, 0, PG_WB, &b));
	ASSERT_EQ(a.id, b.id);
	ASSERT_EQ(0, bp_alloc(self->fd, "pg_named", 0, 0, 0, &b));
	ASSERT_EQ(a.id, b.id);
	ASSERT_EQ(PG_WB, b.flags);	/* it keeps its own type */
	ASSERT_EQ(0, bp_alloc(self->fd, "pg_named", 0, 0, BIGPHYS_CACHE_WB, &b));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "pg_named", 0, 0,
				      BIGPHYS_CACHE_WC, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "pg_named", 0, 0,
				      PG | BIGPHYS_CACHE_UC, NULL));
	ASSERT_ERRNO(EEXIST, bp_alloc(self->fd, "pg_named", BP_PAGE, 0,
				      BIGPHYS_ALLOC_CREATE |
				      BIGPHYS_ALLOC_EXCL | PG, NULL));
	/* PAGES onto a region that is not page-backed: WC and WB ones. */
	ASSERT_EQ(0, bp_alloc(self->fd, "pg_plain", BP_PAGE, 0,
			      BIGPHYS_ALLOC_CREATE, &w));
	ASSERT_EQ(BIGPHYS_CACHE_WC, w.flags);
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "pg_plain", 0, 0, PG, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "pg_plain", 0, 0,
				      PG | BIGPHYS_ALLOC_CREATE, NULL));
	ASSERT_EQ(0, bp_alloc(self->fd, "pg_plainwb", BP_PAGE, 0,
			      BIGPHYS_ALLOC_CREATE | BIGPHYS_CACHE_WB, &c));
	ASSERT_EQ(BIGPHYS_CACHE_WB, c.flags);
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "pg_plainwb", 0, 0, PG_WB, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "pg_plainwb", 0, 0, PG, NULL));
	/* PERSIST with PAGES. */
	ASSERT_EQ(0, bp_alloc(self->fd, "pg_persist", BP_PAGE, 0,
			      BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_PERSIST | PG,
			      &b));
	ASSERT_EQ(PG_WB | BIGPHYS_ALLOC_PERSIST, b.flags);
	ASSERT_IN_PAGES(*in0, b);
	ASSERT_EQ(0, bp_free_name(self->fd, "pg_persist"));
	ASSERT_EQ(0, bp_free_name(self->fd, "pg_named"));
	ASSERT_EQ(0, bp_free_name(self->fd, "pg_plain"));
	ASSERT_EQ(0, bp_free_name(self->fd, "pg_plainwb"));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * pages_free drops by the region's size and comes back only when the
 * region's last user goes: FREE (a mapping left), close (the mapping
 * left), munmap.
 */
TEST_F(page, accounting_lifetime)
{
	const struct bigphys_info *in0 = &self->info;
	struct bigphys_alloc a;
	struct bigphys_info in;
	__u8 *p;

	NEED_PAGES();
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	p = alloc_map(_metadata, self->fd2, 5 * BP_PAGE, PG, &a);
	ASSERT_NE(NULL, p);
	bp_fill(p, a.size, 4);
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(in0->pages_free - a.size, in.pages_free);
	ASSERT_EQ(1U, in.nr_regions);

	ASSERT_EQ(0, bp_free_id(self->fd2, a.id));
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(in0->pages_free - a.size, in.pages_free);
	ASSERT_EQ(0, close(self->fd2));
	self->fd2 = -1;
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(in0->pages_free - a.size, in.pages_free);
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(0ULL, in.held_bytes);
	ASSERT_EQ(-1L, bp_check(p, a.size, 4));	/* still ours to use */
	ASSERT_EQ(0, munmap(p, a.size));
	/* Its own mapping's references are not foreign: back at once. */
	ASSERT_POOL_IDLE(self->fd);
}

/* The whole page-backed part in one region; then nothing is left of it. */
TEST_F_TIMEOUT(page, whole_part, 120)
{
	const struct bigphys_info *in0 = &self->info;
	struct bigphys_alloc a, b;
	struct bigphys_info in;
	__u64 off;
	__u8 *p;

	NEED_PAGES();
	p = alloc_map(_metadata, self->fd, in0->pages_size, PG, &a);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(in0->pages_base, a.phys_addr);
	/* Zeroed: the first and last word of every page. */
	for (off = 0; off < a.size; off += BP_PAGE) {
		ASSERT_EQ(0ULL, *(volatile __u64 *)(p + off));
		ASSERT_EQ(0ULL, *(volatile __u64 *)(p + off + BP_PAGE - 8));
	}
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(0ULL, in.pages_free);
	ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", BP_PAGE, 0, PG, NULL));
	if (bp_pages_in_pool(in0)) {
		ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", BP_PAGE, 0, 0, NULL));
	} else {
		/* The WC/UC pool is another range: untouched. */
		ASSERT_EQ(in0->pool_size, in.free_bytes);
		ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &b));
		ASSERT_IN_POOL(*in0, b);
		ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	}
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

/* A pool without a page-backed part: ALLOC_PAGES is EOPNOTSUPP. */
TEST_F(page, no_pages_part)
{
	if (bp_has_pages(&self->info))
		SKIP(return, "this pool has a page-backed part (pages_base=, or "
		     "the page-allocator pool): ALLOC_PAGES works here");
	ASSERT_ERRNO(EOPNOTSUPP, bp_alloc(self->fd, "", BP_PAGE, 0, PG, NULL));
	ASSERT_ERRNO(EOPNOTSUPP, bp_alloc(self->fd, "", BP_PAGE, 0, PG_WB, NULL));
	ASSERT_ERRNO(EOPNOTSUPP, bp_alloc(self->fd, "pg_none", BP_PAGE, 0,
					  BIGPHYS_ALLOC_CREATE | PG, NULL));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * vmsplice() without SPLICE_F_GIFT puts references to the region's pages
 * into the pipe (no copy: a store after the splice shows in what the pipe
 * gives); a PFN mapping has no pages: EFAULT.
 */
TEST_F(page, vmsplice)
{
	struct bigphys_alloc a, w;
	struct iovec iov;
	__u8 *p, *q, *buf;

	NEED_PAGES();
	ASSERT_EQ(0, pipe(self->pipe));
	p = alloc_map(_metadata, self->fd, HOLD_SIZE, PG, &a);
	ASSERT_NE(NULL, p);
	bp_fill(p, a.size, 5);
	iov.iov_base = p;
	iov.iov_len = a.size;
	ASSERT_EQ((ssize_t)a.size, vmsplice(self->pipe[1], &iov, 1, 0))
		TH_LOG("vmsplice of a page-backed region: %s", strerror(errno));
	/* The pipe holds the pages themselves. */
	((volatile __u64 *)p)[1] = 0x5eedf00dcafe0001ULL;
	buf = malloc(a.size);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)a.size, read(self->pipe[0], buf, a.size));
	ASSERT_EQ(0x5eedf00dcafe0001ULL, ((__u64 *)buf)[1])
		TH_LOG("vmsplice copied instead of referencing the pages");
	((__u64 *)buf)[1] = bp_word(5, 1);
	ASSERT_EQ(-1L, bp_check(buf, a.size, 5));

	/* WC: a PFN mapping. */
	q = alloc_map(_metadata, self->fd, BP_PAGE, BIGPHYS_CACHE_WC, &w);
	ASSERT_NE(NULL, q);
	iov.iov_base = q;
	iov.iov_len = BP_PAGE;
	ASSERT_ERRNO(EFAULT, vmsplice(self->pipe[1], &iov, 1, 0));
	free(buf);
	ASSERT_EQ(0, munmap(q, w.size));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, w.id));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

/* process_vm_readv/writev (GUP on the target): pages yes, PFNs EFAULT. */
TEST_F(page, process_vm)
{
	const size_t len = 4 * BP_PAGE;
	struct bigphys_alloc a, w, b;
	struct iovec l, r;
	__u8 *p, *q, *qb, *buf;

	NEED_PAGES();
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	p = alloc_map(_metadata, self->fd, len, PG, &a);
	ASSERT_NE(NULL, p);
	bp_fill(p, len, 6);
	memset(buf, 0, len);
	l.iov_base = buf;
	l.iov_len = len;
	r.iov_base = p;
	r.iov_len = len;
	ASSERT_EQ((ssize_t)len, process_vm_readv(getpid(), &l, 1, &r, 1, 0))
		TH_LOG("process_vm_readv: %s", strerror(errno));
	ASSERT_EQ(-1L, bp_check(buf, len, 6));
	bp_fill(buf, len, 7);
	ASSERT_EQ((ssize_t)len, process_vm_writev(getpid(), &l, 1, &r, 1, 0));
	ASSERT_EQ(-1L, bp_check(p, len, 7));

	/* WC and WB regions are PFN mappings. */
	q = alloc_map(_metadata, self->fd, BP_PAGE, BIGPHYS_CACHE_WC, &w);
	ASSERT_NE(NULL, q);
	qb = alloc_map(_metadata, self->fd, BP_PAGE, BIGPHYS_CACHE_WB, &b);
	ASSERT_NE(NULL, qb);
	l.iov_len = BP_PAGE;
	r.iov_len = BP_PAGE;
	r.iov_base = q;
	ASSERT_ERRNO(EFAULT, process_vm_readv(getpid(), &l, 1, &r, 1, 0));
	ASSERT_ERRNO(EFAULT, process_vm_writev(getpid(), &l, 1, &r, 1, 0));
	r.iov_base = qb;
	ASSERT_ERRNO(EFAULT, process_vm_readv(getpid(), &l, 1, &r, 1, 0));
	free(buf);
	ASSERT_EQ(0, munmap(q, BP_PAGE));
	ASSERT_EQ(0, munmap(qb, BP_PAGE));
	ASSERT_EQ(0, munmap(p, len));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, bp_free_id(self->fd, w.id));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * /proc/self/mem on a mapping of each kind: whole and page-straddling
 * reads equal the mapping; a write shows through the mapping and leaves
 * its neighbours alone; a store through the mapping shows in a read.
 */
static void proc_mem_case(struct __test_metadata *_metadata, int fd,
			  __u32 flags)
{
	const size_t len = 3 * BP_PAGE;
	const off_t woff = 2 * BP_PAGE - 100;
	struct bigphys_alloc a;
	__u8 small[256];
	__u8 *p, *buf;
	int mfd;

	p = alloc_map(_metadata, fd, len, flags, &a);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(flags_out(flags), a.flags);
	bp_fill(p, len, 8);
	mfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mfd);
	buf = malloc(len);
	ASSERT_NE(NULL, buf);

	memset(buf, 0, len);
	ASSERT_EQ((ssize_t)len, pread(mfd, buf, len, (off_t)(uintptr_t)p))
		TH_LOG("pread of /proc/self/mem: %s", strerror(errno));
	ASSERT_EQ(-1L, bp_check(buf, len, 8));
	memset(small, 0, sizeof(small));
	ASSERT_EQ(100, pread(mfd, small, 100, (off_t)(uintptr_t)p + BP_PAGE - 37));
	ASSERT_EQ(-1L, bp_check_bytes(small, 100, 8, BP_PAGE - 37, 0));

	/* Write 200 bytes across the page 1/2 boundary. */
	bp_fill_bytes(small, 200, 9, 0, 0);
	ASSERT_EQ(200, pwrite(mfd, small, 200, (off_t)(uintptr_t)p + woff))
		TH_LOG("pwrite of /proc/self/mem: %s", strerror(errno));
	ASSERT_EQ(-1L, bp_check_bytes(p + woff, 200, 9, 0, 0));
	ASSERT_EQ(bp_byte(8, woff - 1, 0), p[woff - 1]);
	ASSERT_EQ(bp_byte(8, woff + 200, 0), p[woff + 200]);
	ASSERT_EQ(-1L, bp_check(p, BP_PAGE, 8));

	/* A store through the mapping, then a read. */
	((volatile __u64 *)p)[3] = 0x0ddba11c0ffee000ULL | flags;
	ASSERT_EQ(8, pread(mfd, small, 8, (off_t)(uintptr_t)p + 24));
	ASSERT_EQ(0x0ddba11c0ffee000ULL | flags, *(__u64 *)small);

	free(buf);
	close(mfd);
	ASSERT_EQ(0, munmap(p, len));
	ASSERT_EQ(0, bp_free_id(fd, a.id));
	ASSERT_POOL_IDLE(fd);
}

TEST_F(page, proc_mem_wc)
{
	proc_mem_case(_metadata, self->fd, BIGPHYS_CACHE_WC);
}

TEST_F(page, proc_mem_uc)
{
	proc_mem_case(_metadata, self->fd, BIGPHYS_CACHE_UC);
}

TEST_F(page, proc_mem_wb)
{
	proc_mem_case(_metadata, self->fd, BIGPHYS_CACHE_WB);
}

TEST_F(page, proc_mem_pages)
{
	NEED_PAGES();
	proc_mem_case(_metadata, self->fd, PG);
}

/* Bring the loopback interface up (the test VM's init leaves it down). */
static int lo_up(void)
{
	struct ifreq ifr;
	int s, ret = -1;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		goto out;
	ret = 0;
	if (ifr.ifr_flags & IFF_UP)
		goto out;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	ret = ioctl(s, SIOCSIFFLAGS, &ifr);
out:
	close(s);
	return ret;
}

/* A connected loopback TCP pair: @tx (connect side), @rx (accepted). */
static int tcp_pair(int *tx, int *rx)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int l;

	*tx = *rx = -1;
	if (lo_up())
		return -1;
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sa, &sl))
		goto fail;
	*tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*tx < 0 || connect(*tx, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	*rx = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (*rx < 0)
		goto fail;
	close(l);
	return 0;
fail:
	close(l);
	if (*tx >= 0)
		close(*tx);
	*tx = -1;
	return -1;
}

/*
 * MSG_ZEROCOPY from a page-backed region over loopback TCP: the receiver
 * gets the bytes, the error queue reports completion of every send call
 * (SO_EE_ORIGIN_ZEROCOPY, ids 0..n-1).  From a PFN mapping: EFAULT.
 */
TEST_F_TIMEOUT(page, msg_zerocopy, 60)
{
	const size_t len = HOLD_SIZE;
	struct bigphys_alloc a, w;
	__u32 next = 0, nsend = 0;
	size_t sent = 0, got = 0;
	int tx, rx, one = 1, copied = 0, idle = 0;
	__u8 *p, *q, *buf;
	ssize_t n;

	NEED_PAGES();
	ASSERT_EQ(0, tcp_pair(&tx, &rx)) TH_LOG("loopback TCP: %s",
						 strerror(errno));
	ASSERT_EQ(0, setsockopt(tx, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	p = alloc_map(_metadata, self->fd, len, PG, &a);
	ASSERT_NE(NULL, p);
	bp_fill(p, len, 10);
	buf = calloc(1, len);
	ASSERT_NE(NULL, buf);

	while (sent < len || got < len) {
		int progress = 0;

		if (sent < len) {
			n = send(tx, p + sent, len - sent,
				 MSG_ZEROCOPY | MSG_DONTWAIT);
			if (n > 0) {
				sent += (size_t)n;
				nsend++;
				progress = 1;
			} else {
				ASSERT_TRUE(errno == EAGAIN || errno == ENOBUFS)
					TH_LOG("send(MSG_ZEROCOPY): %s",
					       strerror(errno));
			}
		}
		n = recv(rx, buf + got, len - got, MSG_DONTWAIT);
		if (n > 0) {
			got += (size_t)n;
			progress = 1;
		} else {
			ASSERT_EQ(-1, n) TH_LOG("receiver saw EOF");
			ASSERT_EQ(EAGAIN, errno);
		}
		if (!progress) {
			ASSERT_GT(1000, ++idle) TH_LOG("no progress: sent %zu got %zu",
						       sent, got);
			usleep(10000);
		}
	}
	ASSERT_EQ(-1L, bp_check(buf, len, 10));

	/* Completions: ranges of send-call ids, in order, up to nsend - 1. */
	while (next < nsend) {
		char ctl[256];
		struct msghdr m = { .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct pollfd pf = { .fd = tx, .events = 0 };
		struct sock_extended_err *ee;
		struct cmsghdr *cm;

		ASSERT_EQ(1, poll(&pf, 1, 5000)) TH_LOG("no completion for id %u of %u",
							 next, nsend);
		ASSERT_NE(0, pf.revents & POLLERR);
		ASSERT_EQ(0, recvmsg(tx, &m, MSG_ERRQUEUE))
			TH_LOG("recvmsg(MSG_ERRQUEUE): %s", strerror(errno));
		cm = CMSG_FIRSTHDR(&m);
		ASSERT_NE(NULL, cm);
		ASSERT_EQ(SOL_IP, cm->cmsg_level);
		ASSERT_EQ(IP_RECVERR, cm->cmsg_type);
		ee = (struct sock_extended_err *)CMSG_DATA(cm);
		ASSERT_EQ(0U, ee->ee_errno);
		ASSERT_EQ(SO_EE_ORIGIN_ZEROCOPY, ee->ee_origin);
		ASSERT_EQ(next, ee->ee_info);	/* lo */
		ASSERT_LE(ee->ee_info, ee->ee_data);	/* hi */
		ASSERT_GT(nsend, ee->ee_data);
		if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
			copied = 1;
		next = ee->ee_data + 1;
	}
	TH_LOG("%zu bytes in %u zerocopy sends: the kernel %s", len, nsend,
	       copied ? "copied (SO_EE_CODE_ZEROCOPY_COPIED, as expected on loopback)" :
	       "sent the pages without copying");

	/* A PFN mapping cannot be sent by reference. */
	q = alloc_map(_metadata, self->fd, BP_PAGE, BIGPHYS_CACHE_WC, &w);
	ASSERT_NE(NULL, q);
	ASSERT_ERRNO(EFAULT, send(tx, q, BP_PAGE, MSG_ZEROCOPY | MSG_DONTWAIT));

	free(buf);
	close(tx);
	close(rx);
	ASSERT_EQ(0, munmap(q, BP_PAGE));
	ASSERT_EQ(0, bp_free_id(self->fd, w.id));
	ASSERT_EQ(0, munmap(p, len));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	/*
	 * The completion is posted just before the skb drops its page
	 * references, so the region may go HELD for a moment.
	 */
	ASSERT_LE(0, bp_wait_unheld(self->fd, RETURN_MS));
	ASSERT_POOL_IDLE(self->fd);
}

/* Submit one prepared SQE and wait for its CQE; returns cqe->res. */
static int uring_run(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/*
 * io_uring registered buffers: a page-backed mapping registers on 6.12
 * and WRITE_FIXED/READ_FIXED move its bytes to and from a file; 6.1's
 * io_uring refuses every file-backed mapping (EOPNOTSUPP).  A PFN mapping
 * cannot be pinned: EFAULT on both.
 */
TEST_F(page, uring_fixed_buffers)
{
	const size_t len = HOLD_SIZE;
	struct bigphys_alloc a, w;
	struct io_uring_sqe *sqe;
	struct iovec iov;
	__u8 *p, *q, *buf;
	int ret, tfd;

	NEED_PAGES();
	ASSERT_EQ(0, io_uring_queue_init(8, &self->ring, 0));
	self->ring_ok = 1;
	q = alloc_map(_metadata, self->fd, BP_PAGE, BIGPHYS_CACHE_WC, &w);
	ASSERT_NE(NULL, q);
	iov.iov_base = q;
	iov.iov_len = BP_PAGE;
	ASSERT_EQ(-EFAULT, io_uring_register_buffers(&self->ring, &iov, 1));
	ASSERT_EQ(0, munmap(q, BP_PAGE));
	ASSERT_EQ(0, bp_free_id(self->fd, w.id));

	p = alloc_map(_metadata, self->fd, len, PG, &a);
	ASSERT_NE(NULL, p);
	bp_fill(p, len, 11);
	iov.iov_base = p;
	iov.iov_len = len;
	ret = io_uring_register_buffers(&self->ring, &iov, 1);
	if (kernel_is_61()) {
		ASSERT_EQ(-EOPNOTSUPP, ret)
			TH_LOG("6.1 io_uring: expected EOPNOTSUPP for a file-backed buffer, got %s",
			       strerror(-ret));
		ASSERT_EQ(0, munmap(p, len));
		ASSERT_EQ(0, bp_free_id(self->fd, a.id));
		ASSERT_POOL_IDLE(self->fd);
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("register a page-backed buffer: %s",
				 strerror(-ret));

	tfd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	ASSERT_LE(0, tfd);
	sqe = io_uring_get_sqe(&self->ring);
	ASSERT_NE(NULL, sqe);
	io_uring_prep_write_fixed(sqe, tfd, p, len, 0, 0);
	ASSERT_EQ((int)len, uring_run(&self->ring));
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)len, pread(tfd, buf, len, 0));
	ASSERT_EQ(-1L, bp_check(buf, len, 11));

	/* And back: a new pattern in the file, read into the region. */
	bp_fill(buf, len, 12);
	ASSERT_EQ((ssize_t)len, pwrite(tfd, buf, len, 0));
	sqe = io_uring_get_sqe(&self->ring);
	ASSERT_NE(NULL, sqe);
	io_uring_prep_read_fixed(sqe, tfd, p + BP_PAGE, len - BP_PAGE, 0, 0);
	ASSERT_EQ((int)(len - BP_PAGE), uring_run(&self->ring));
	ASSERT_EQ(-1L, bp_check(p, BP_PAGE, 11));
	ASSERT_EQ(-1L, bp_check(p + BP_PAGE, len - BP_PAGE, 12));

	free(buf);
	close(tfd);
	ASSERT_EQ(0, io_uring_unregister_buffers(&self->ring));
	io_uring_queue_exit(&self->ring);
	self->ring_ok = 0;
	ASSERT_EQ(0, munmap(p, len));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_LE(0, bp_wait_unheld(self->fd, RETURN_MS));
	ASSERT_POOL_IDLE(self->fd);
}

/* Full-length O_DIRECT transfer, looping over short ones: 0 or -1/errno. */
static int direct_io(int dfd, __u8 *p, size_t len, int write)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write ? pwrite(dfd, p + done, len - done, (off_t)done) :
			    pread(dfd, p + done, len - done, (off_t)done);
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/*
 * O_DIRECT against the scratch disk: a 64 MiB page-backed region written
 * to it and read back into a second one, byte for byte; a PFN mapping
 * cannot be the buffer (EFAULT).
 */
TEST_F_TIMEOUT(page, o_direct_disk, 300)
{
	const char *disk = getenv("BIGPHYS_TEST_DISK");
	struct bigphys_alloc a, b, w;
	__u64 size = DISK_WANT, dsize = 0;
	struct bigphys_info in;
	__u8 *p, *q, *r;
	int dfd;

	NEED_PAGES();
	if (!disk || !*disk)
		SKIP(return, "BIGPHYS_TEST_DISK is not set (a scratch block device this test may overwrite)");
	dfd = open(disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	ASSERT_LE(0, dfd) TH_LOG("open %s: %s", disk, strerror(errno));
	ASSERT_EQ(0, ioctl(dfd, BLKGETSIZE64, &dsize));
	/* First the PFN-mapped buffer (the page-allocator pool is shared). */
	r = alloc_map(_metadata, self->fd, BP_PAGE, BIGPHYS_CACHE_WC, &w);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, bp_info(self->fd, &in));
	if (2 * size > in.pages_free)
		size = in.pages_free / 2 / BP_PAGE * BP_PAGE;
	if (size > dsize)
		size = dsize / BP_PAGE * BP_PAGE;
	ASSERT_LE(BP_PAGE, size);
	TH_LOG("%s: %llu MiB; two page-backed regions of %llu KiB%s", disk,
	       (unsigned long long)(dsize >> 20), (unsigned long long)(size >> 10),
	       size < DISK_WANT ? " (the largest that fits, not 64 MiB)" : "");

	p = alloc_map(_metadata, self->fd, size, PG, &a);
	ASSERT_NE(NULL, p);
	q = alloc_map(_metadata, self->fd, size, PG, &b);
	ASSERT_NE(NULL, q);
	bp_fill(p, size, 13);
	bp_fill(q, size, 14);		/* not what will be read */
	ASSERT_EQ(0, direct_io(dfd, p, size, 1))
		TH_LOG("O_DIRECT pwrite: %s", strerror(errno));
	ASSERT_EQ(0, direct_io(dfd, q, size, 0))
		TH_LOG("O_DIRECT pread: %s", strerror(errno));
	ASSERT_EQ(-1L, bp_check(q, size, 13));
	ASSERT_EQ(-1L, bp_check(p, size, 13));

	ASSERT_ERRNO(EFAULT, pwrite(dfd, r, BP_PAGE, 0));
	ASSERT_ERRNO(EFAULT, pread(dfd, r, BP_PAGE, 0));

	close(dfd);
	ASSERT_EQ(0, munmap(r, BP_PAGE));
	ASSERT_EQ(0, munmap(p, size));
	ASSERT_EQ(0, munmap(q, size));
	ASSERT_EQ(0, bp_free_id(self->fd, w.id));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	ASSERT_LE(0, bp_wait_unheld(self->fd, RETURN_MS));
	ASSERT_POOL_IDLE(self->fd);
}

/* delete_module(2) of bigphys, as rmmod does it. */
static int unload(void)
{
	return (int)syscall(SYS_delete_module, "bigphys", O_NONBLOCK);
}

/*
 * With every fd of ours closed, only the HELD region keeps the module:
 * unloading must be refused (EWOULDBLOCK: in use; EBUSY is the other
 * documented refusal).  As root only; then /dev/bigphys is reopened.
 */
static void unload_refused(struct __test_metadata *_metadata, int *fd)
{
	int e;

	ASSERT_EQ(0, close(*fd));
	*fd = -1;
	if (geteuid() == 0) {
		errno = 0;
		ASSERT_EQ(-1, unload()) TH_LOG("bigphys unloaded with a HELD region");
		e = errno;
		ASSERT_TRUE(e == EWOULDBLOCK || e == EBUSY)
			TH_LOG("delete_module: %s", strerror(e));
		ASSERT_EQ(0, access("/sys/module/bigphys/parameters", F_OK));
	} else {
		TH_LOG("not root: unload not attempted");
	}
	*fd = bp_open();
	ASSERT_LE(0, *fd);
}

/*
 * The HELD region @held (gone, pages referenced elsewhere) as LIST and
 * INFO show it, relative to @in0 (the idle pool), and the pool never
 * hands out its bytes: fill the page-backed part and check every piece.
 */
static void check_held(struct __test_metadata *_metadata, int fd,
		       const struct bigphys_info *in0,
		       const struct bigphys_alloc *held)
{
	struct bigphys_alloc got[MAX_FILL];
	struct bigphys_region_info ri;
	struct bigphys_info in;
	unsigned int n = 0, i;
	__u64 size, sum = 0;

	ASSERT_EQ(0, bp_find_phys(fd, held->phys_addr, &ri))
		TH_LOG("region at 0x%llx not listed", (unsigned long long)held->phys_addr);
	ASSERT_NE(0U, ri.flags & BIGPHYS_REGION_HELD);
	ASSERT_NE(0U, ri.flags & PG);
	ASSERT_EQ(0U, ri.flags & BIGPHYS_ALLOC_PERSIST);
	ASSERT_EQ(held->size, ri.size);
	ASSERT_STREQ("", ri.name);
	ASSERT_EQ(0U, ri.nr_files);
	ASSERT_EQ(0U, ri.nr_maps);
	ASSERT_EQ(0U, ri.nr_dma);
	ASSERT_EQ(0, bp_info(fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(held->size, in.held_bytes);
	ASSERT_EQ(in0->pages_free - held->size, in.pages_free);
	ASSERT_EQ(in0->free_bytes - (bp_pages_in_pool(in0) ? held->size : 0),
		  in.free_bytes);
	/* Nobody's: not mappable, not freeable, not a DMA target. */
	ASSERT_MMAP_FAILS(EINVAL, fd, held->phys_addr, BP_PAGE,
			  PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_ERRNO(ENOENT, bp_free_id(fd, ri.id));

	/* Take everything that is free, largest pieces first. */
	for (size = in.pages_free; size >= BP_PAGE;) {
		ASSERT_GT(MAX_FILL, n);
		if (!bp_alloc(fd, "", size, 0, PG, &got[n])) {
			ASSERT_IN_PAGES(*in0, got[n]);
			ASSERT_FALSE(bp_overlap(&got[n], held))
				TH_LOG("0x%llx + 0x%llx handed out over the HELD 0x%llx",
				       (unsigned long long)got[n].phys_addr,
				       (unsigned long long)got[n].size,
				       (unsigned long long)held->phys_addr);
			sum += got[n++].size;
			continue;
		}
		ASSERT_EQ(ENOSPC, errno);
		size = size / 2 / BP_PAGE * BP_PAGE;
	}
	ASSERT_EQ(in.pages_free, sum);
	ASSERT_EQ(0, bp_info(fd, &in));
	ASSERT_EQ(0ULL, in.pages_free);
	ASSERT_ERRNO(ENOSPC, bp_alloc(fd, "", BP_PAGE, 0, PG, NULL));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, bp_free_id(fd, got[i].id));
	ASSERT_EQ(0, bp_find_phys(fd, held->phys_addr, &ri));
	ASSERT_NE(0U, ri.flags & BIGPHYS_REGION_HELD);
}

/* After the holder let go: within RETURN_MS the pool is as before. */
static void check_returned(struct __test_metadata *_metadata, int fd,
			   const struct bigphys_info *in0, __u64 phys)
{
	struct bigphys_region_info ri;
	struct bigphys_info in;
	int ms;

	ms = bp_wait_unheld(fd, RETURN_MS);
	ASSERT_LE(0, ms) TH_LOG("still HELD %d ms after the holder let go",
				RETURN_MS);
	TH_LOG("memory back %d ms after the holder let go", ms);
	ASSERT_EQ(-1, bp_find_phys(fd, phys, &ri));
	ASSERT_EQ(0, bp_info(fd, &in));
	ASSERT_EQ(in0->pages_free, in.pages_free);
	ASSERT_EQ(in0->free_bytes, in.free_bytes);
	ASSERT_EQ(0ULL, in.held_bytes);
	ASSERT_EQ(0U, in.nr_regions);
}

/* A pipe holding vmsplice()d pages keeps a freed region HELD. */
TEST_F_TIMEOUT(page, held_by_pipe, 120)
{
	const struct bigphys_info *in0 = &self->info;
	struct bigphys_alloc a;
	struct iovec iov;
	__u8 *p, *buf;

	NEED_PAGES();
	ASSERT_EQ(0, pipe(self->pipe));
	p = alloc_map(_metadata, self->fd, HOLD_SIZE, PG, &a);
	ASSERT_NE(NULL, p);
	bp_fill(p, a.size, 15);
	iov.iov_base = p;
	iov.iov_len = a.size;
	ASSERT_EQ((ssize_t)a.size, vmsplice(self->pipe[1], &iov, 1, 0));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	unload_refused(_metadata, &self->fd);
	check_held(_metadata, self->fd, in0, &a);

	/* The pipe still has the region's bytes. */
	buf = malloc(a.size);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)a.size, read(self->pipe[0], buf, a.size));
	ASSERT_EQ(-1L, bp_check(buf, a.size, 15));
	free(buf);
	close(self->pipe[0]);
	close(self->pipe[1]);
	self->pipe[0] = self->pipe[1] = -1;
	check_returned(_metadata, self->fd, in0, a.phys_addr);
	ASSERT_POOL_IDLE(self->fd);
}

/* io_uring registered buffers keep a freed region HELD (6.12). */
TEST_F_TIMEOUT(page, held_by_uring, 120)
{
	const struct bigphys_info *in0 = &self->info;
	struct io_uring_sqe *sqe;
	struct bigphys_alloc a;
	struct iovec iov;
	__u8 *p, *buf;
	int ret;

	NEED_PAGES();
	if (kernel_is_61())
		SKIP(return, "6.1's io_uring refuses file-backed mappings as registered buffers (EOPNOTSUPP, see uring_fixed_buffers): it cannot hold bigphys pages");
	ASSERT_EQ(0, io_uring_queue_init(8, &self->ring, 0));
	self->ring_ok = 1;
	ASSERT_EQ(0, pipe(self->pipe));
	p = alloc_map(_metadata, self->fd, HOLD_SIZE, PG, &a);
	ASSERT_NE(NULL, p);
	bp_fill(p, a.size, 16);
	iov.iov_base = p;
	iov.iov_len = a.size;
	ret = io_uring_register_buffers(&self->ring, &iov, 1);
	ASSERT_EQ(0, ret) TH_LOG("register: %s", strerror(-ret));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	unload_refused(_metadata, &self->fd);
	check_held(_metadata, self->fd, in0, &a);

	/* The ring still writes the region's bytes (it has the pages). */
	sqe = io_uring_get_sqe(&self->ring);
	ASSERT_NE(NULL, sqe);
	io_uring_prep_write_fixed(sqe, self->pipe[1], p, a.size, 0, 0);
	ASSERT_EQ((int)a.size, uring_run(&self->ring));
	buf = malloc(a.size);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)a.size, read(self->pipe[0], buf, a.size));
	ASSERT_EQ(-1L, bp_check(buf, a.size, 16));
	free(buf);
	ASSERT_EQ(0, io_uring_unregister_buffers(&self->ring));
	io_uring_queue_exit(&self->ring);
	self->ring_ok = 0;
	check_returned(_metadata, self->fd, in0, a.phys_addr);
	ASSERT_POOL_IDLE(self->fd);
}

/* STRT_DMA push and readback through edu; DMA_MAP of the region. */
TEST_F(page, dma_roundtrip)
{
	struct bigphys_dev_info dev;
	struct bigphys_dma_map m;
	struct bigphys_alloc a;
	__u8 *p;

	NEED_PAGES();
	ASSERT_EQ(0, bp_dev_info(self->fd, 0, &dev))
		TH_LOG("no DMA device 0: %s", strerror(errno));
	ASSERT_EQ(0, bp_set_max_chunk(0));
	p = alloc_map(_metadata, self->fd, 2 * BP_PAGE, PG, &a);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, bp_roundtrip(self->fd, a.id, p, 17))
		TH_LOG("push/readback: %s", strerror(errno));
	/* Again with the engine in 256-byte transfers. */
	ASSERT_EQ(0, bp_set_max_chunk(256));
	ASSERT_EQ(0, bp_roundtrip(self->fd, a.id, p, 18))
		TH_LOG("push/readback, 256-byte chunks: %s", strerror(errno));
	ASSERT_EQ(0, bp_set_max_chunk(0));

	if (bp_sg_map_refused()) {
		ASSERT_ERRNO(EOPNOTSUPP, bp_dma_map(self->fd, a.id, 0, 0, a.size,
						    0, &m));
	} else {
		ASSERT_EQ(0, bp_dma_map(self->fd, a.id, 0, 0, a.size, 0, &m))
			TH_LOG("DMA_MAP: %s", strerror(errno));
		ASSERT_EQ(1U, m.nr_segs);
		if (bp_dma_direct())
			ASSERT_EQ(a.phys_addr, m.bus_addr);
		ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));
	}
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_HARNESS_MAIN
