// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphys allocation ABI tests: ALLOC/FREE/INFO/LIST semantics and errnos,
 * named/anonymous/PERSIST lifetimes, zeroing, alignment and pool exhaustion.
 *
 * Every test starts with an idle pool (asserted in the fixture setup) and
 * must leave it idle; the teardown checks that on a fresh fd.
 */
#include "bigphys_test_util.h"

#include <sched.h>

#define MAX_REGIONS	64U

#define MAX_USER_BYTES	BP_PARAM_DIR "max_user_bytes"
#define OTHER_UID	1000	/* an unprivileged uid (the guest's "tester") */

static const char *const persist_names[] = {
	"at_persist", "at_list_p", "at_nocap", "at_ro", "at_rootname",
};

FIXTURE(alloc) {
	int fd;
	int fd2;
	pid_t child;
	int quota_set;	/* max_user_bytes was changed: restore 0 */
	struct bigphys_info info;
};

FIXTURE_SETUP(alloc)
{
	self->fd2 = -1;
	self->child = -1;
	self->quota_set = 0;
	self->fd = bp_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", BP_DEV, strerror(errno));
	ASSERT_POOL_IDLE(self->fd);
	ASSERT_EQ(0, bp_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(alloc)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->fd2 >= 0)
		close(self->fd2);
	if (self->quota_set)
		EXPECT_EQ(0, bp_write_file(MAX_USER_BYTES, "0"));
	bp_teardown(_metadata, self->child, persist_names,
		    ARRAY_SIZE(persist_names));
}

TEST_F(alloc, info)
{
	const struct bigphys_info *in = &self->info;
	__u32 kind = in->flags & (BIGPHYS_POOL_RESERVED | BIGPHYS_POOL_PAGES);

	TH_LOG("pool 0x%llx + 0x%llx, flags 0x%x, %u devices",
	       (unsigned long long)in->pool_base,
	       (unsigned long long)in->pool_size, in->flags, in->nr_devices);
	ASSERT_TRUE(kind == BIGPHYS_POOL_RESERVED || kind == BIGPHYS_POOL_PAGES);
	ASSERT_EQ(0U, in->flags & ~(BIGPHYS_POOL_RESERVED | BIGPHYS_POOL_PAGES |
				    BIGPHYS_POOL_HAS_PAGES |
				    BIGPHYS_POOL_DEVICE_TREE));
	/*
	 * A device-tree pool is a reserved range; the test VMs have one on
	 * arm64 (scripts/arm64-lib.sh), and no device tree on x86.
	 */
	if (in->flags & BIGPHYS_POOL_DEVICE_TREE)
		ASSERT_EQ(BIGPHYS_POOL_RESERVED, kind);
#ifdef __x86_64__
	ASSERT_EQ(0U, in->flags & BIGPHYS_POOL_DEVICE_TREE);
#endif
	/* The page-allocator pool is all pages (tests/page_test.c: the rest). */
	if (kind == BIGPHYS_POOL_PAGES)
		ASSERT_NE(0U, in->flags & BIGPHYS_POOL_HAS_PAGES);
	ASSERT_EQ(0ULL, in->pool_base % BP_PAGE);
	ASSERT_EQ(0ULL, in->pool_size % BP_PAGE);
	ASSERT_EQ(0U, in->pad);
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_INFO, NULL));
}

TEST_F(alloc, unknown_ioctls)
{
	char buf[256];

	memset(buf, 0, sizeof(buf));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, _IO(BIGPHYS_IOC_MAGIC, 0x7f)));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, _IOWR(BIGPHYS_IOC_MAGIC, 0, __u64), buf));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, _IOWR(BIGPHYS_IOC_MAGIC, 10, __u64), buf));
	/* A known number with another size or direction is another ioctl. */
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, _IOWR(BIGPHYS_IOC_MAGIC, 1, __u64), buf));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd,
				   _IOW(BIGPHYS_IOC_MAGIC, 3, struct bigphys_info),
				   buf));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, _IOR('T', 1, int), buf));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(alloc, anon_basic)
{
	struct bigphys_alloc a, b, c;
	struct bigphys_free f;
	struct bigphys_info in;

	/* Anonymous regions need no CREATE; size is rounded up to pages. */
	ASSERT_EQ(0, bp_alloc(self->fd, "", 1, 0, 0, &a));
	ASSERT_EQ(BP_PAGE, a.size);
	ASSERT_LT(0U, a.id);
	ASSERT_EQ(BIGPHYS_CACHE_WC, a.flags);
	ASSERT_STREQ("", a.name);
	ASSERT_IN_POOL(self->info, a);

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE + 1, 0,
			      BIGPHYS_ALLOC_CREATE, &b));
	ASSERT_EQ(2 * BP_PAGE, b.size);
	ASSERT_EQ(0, bp_alloc(self->fd, "", 3 * BP_PAGE - 1, 0, 0, &c));
	ASSERT_EQ(3 * BP_PAGE, c.size);
	ASSERT_IN_POOL(self->info, b);
	ASSERT_IN_POOL(self->info, c);

	/* Distinct regions: distinct ids, disjoint memory. */
	ASSERT_NE(a.id, b.id);
	ASSERT_NE(a.id, c.id);
	ASSERT_NE(b.id, c.id);
	ASSERT_FALSE(bp_overlap(&a, &b));
	ASSERT_FALSE(bp_overlap(&a, &c));
	ASSERT_FALSE(bp_overlap(&b, &c));

	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(3U, in.nr_regions);
	ASSERT_EQ(in.pool_size - 6 * BP_PAGE, in.free_bytes);
	ASSERT_LE(in.largest_free, in.free_bytes);

	/* FREE: flags must be 0; ids must be attached to this fd. */
	memset(&f, 0, sizeof(f));
	f.id = b.id;
	f.flags = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_FREE, &f));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_FREE, NULL));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	ASSERT_ERRNO(ENOENT, bp_free_id(self->fd, b.id));
	ASSERT_ERRNO(ENOENT, bp_free_id(self->fd, 0));

	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(2U, in.nr_regions);
	ASSERT_EQ(in.pool_size - 4 * BP_PAGE, in.free_bytes);

	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, bp_free_id(self->fd, c.id));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(alloc, size_errors)
{
	__u64 psize = self->info.pool_size;
	struct bigphys_alloc a;

	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "", 0, 0, 0, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "at_size0", 0, 0,
				      BIGPHYS_ALLOC_CREATE, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "", UINT64_MAX, 0, 0, NULL));
	/* Rounds up past 2^64. */
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "", UINT64_MAX - BP_PAGE + 2, 0,
				      0, NULL));
	ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", psize + BP_PAGE, 0, 0, NULL));
	ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "at_size_big", psize + 1, 0,
				      BIGPHYS_ALLOC_CREATE, NULL));
	ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", 1ULL << 62, 0, 0, NULL));
	/* The failed named create must not have left the name behind. */
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "at_size_big", 0, 0, 0, NULL));
	ASSERT_POOL_IDLE(self->fd);

	/* The whole pool in one region. */
	ASSERT_EQ(0, bp_alloc(self->fd, "", psize, 0, 0, &a));
	ASSERT_EQ(psize, a.size);
	ASSERT_EQ(self->info.pool_base, a.phys_addr);
	ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", 1, 0, 0, NULL));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(alloc, align)
{
	static const __u64 bad[] = {
		1, 8, 2048, 3000, 4097, 3 * 4096, (2 << 20) + 4096,
	};
	const __u64 m2 = 2ULL << 20, k64 = 64ULL << 10;
	struct bigphys_alloc pad, a, b, c;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		ASSERT_EQ(-1, bp_alloc(self->fd, "", BP_PAGE, bad[i], 0, NULL))
			TH_LOG("align %llu accepted", (unsigned long long)bad[i]);
		ASSERT_EQ(EINVAL, errno);
	}
	ASSERT_POOL_IDLE(self->fd);

	if (self->info.pool_size < 2 * m2)
		SKIP(return, "pool smaller than 4 MiB");

	/* A one page region first, so the next free byte is misaligned. */
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, BP_PAGE, 0, &pad));
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, k64, 0, &a));
	ASSERT_EQ(0ULL, a.phys_addr % k64);
	ASSERT_EQ(0, bp_alloc(self->fd, "", m2, m2, 0, &b));
	ASSERT_EQ(0ULL, b.phys_addr % m2);
	ASSERT_EQ(m2, b.size);
	ASSERT_IN_POOL(self->info, a);
	ASSERT_IN_POOL(self->info, b);
	ASSERT_FALSE(bp_overlap(&pad, &a));
	ASSERT_FALSE(bp_overlap(&pad, &b));
	ASSERT_FALSE(bp_overlap(&a, &b));
	/* An alignment no address of the pool has cannot be satisfied. */
	if (self->info.pool_base % (1ULL << 30) &&
	    self->info.pool_base / (1ULL << 30) ==
	    (self->info.pool_base + self->info.pool_size - 1) / (1ULL << 30))
		ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", BP_PAGE, 1ULL << 30,
					      0, &c));

	ASSERT_EQ(0, bp_free_id(self->fd, pad.id));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * genalloc takes the alignment as an int: 1 GiB is the largest it honours.
 * Anything larger is refused, not truncated (2^32 used to become 0, and
 * 2^31 a negative number: both ENOSPC).
 */
TEST_F(alloc, align_limit)
{
	static const __u64 big[] = {
		1ULL << 31, 1ULL << 32, 1ULL << 33, 1ULL << 40, 1ULL << 62,
		1ULL << 63,
	};
	const __u64 g1 = 1ULL << 30, base = self->info.pool_base;
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_alloc a;
	unsigned int i;
	__u64 start;

	for (i = 0; i < ARRAY_SIZE(big); i++) {
		errno = 0;
		ASSERT_EQ(-1, bp_alloc(self->fd, "", BP_PAGE, big[i], 0, NULL))
			TH_LOG("align 2^%d accepted", __builtin_ctzll(big[i]));
		ASSERT_EQ(EINVAL, errno)
			TH_LOG("align 2^%d: %s, not EINVAL",
			       __builtin_ctzll(big[i]), strerror(errno));
		ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "at_align", BP_PAGE,
					      big[i], cr, NULL));
	}
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "at_align", 0, 0, 0, NULL));

	/* 1 GiB is accepted: it fits only if the pool holds such an address. */
	start = (base + g1 - 1) & ~(g1 - 1);
	if (start + BP_PAGE <= base + self->info.pool_size) {
		ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, g1, 0, &a));
		ASSERT_EQ(start, a.phys_addr);
		ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	} else {
		ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", BP_PAGE, g1, 0, NULL));
	}
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(alloc, flag_errors)
{
	/* Bit 3 is BIGPHYS_ALLOC_PAGES now; bit 8 (HELD) is output only. */
	static const __u32 bad[] = { 1U << 31, 1U << 7, 1U << 6, 1U << 8 };
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "at_flags", BP_PAGE, 0,
					      cr | bad[i], NULL));
		ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "", BP_PAGE, 0, bad[i], NULL));
	}
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "at_flags", BP_PAGE, 0,
				      BIGPHYS_ALLOC_EXCL, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "", BP_PAGE, 0,
				      BIGPHYS_ALLOC_PERSIST, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, "", BP_PAGE, 0,
				      cr | BIGPHYS_ALLOC_PERSIST, NULL));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_ALLOC, NULL));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_ALLOC, (void *)8));
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "at_flags", 0, 0, 0, NULL));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * ALLOC with a read-only argument: the copy-out fails, and the ioctl must
 * leave nothing behind (no region, no name, no PERSIST hold, no attach).
 * FREE only reads its argument, so it works from read-only memory.
 */
TEST_F(alloc, efault_rollback)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_alloc *persist, *anon, *attach, a;
	struct bigphys_region_info ri;
	struct bigphys_info *info;
	struct bigphys_free *fr;
	struct bigphys_list *l;
	char *page;

	page = mmap(NULL, BP_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	memset(page, 0, BP_PAGE);
	persist = (void *)page;
	anon = (void *)(page + 512);
	attach = (void *)(page + 1024);
	fr = (void *)(page + 1536);
	l = (void *)(page + 2048);
	info = (void *)(page + 2560);
	persist->size = BP_PAGE;
	persist->flags = cr | BIGPHYS_ALLOC_PERSIST;
	bp_set_name(persist->name, "at_ro");
	anon->size = BP_PAGE;
	bp_set_name(attach->name, "at_ro_att");
	bp_set_name(fr->name, "at_ro_att");
	ASSERT_EQ(0, mprotect(page, BP_PAGE, PROT_READ));

	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_ALLOC, persist));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_ALLOC, anon));
	ASSERT_POOL_IDLE(self->fd);
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "at_ro", 0, 0, 0, NULL));

	/* A failed attach does not attach. */
	ASSERT_EQ(0, bp_alloc(self->fd, "at_ro_att", BP_PAGE, 0, cr, &a));
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_ERRNO(EFAULT, ioctl(self->fd2, BIGPHYS_IOC_ALLOC, attach));
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_EQ(1U, ri.nr_files);
	ASSERT_ERRNO(ENOENT, bp_free_id(self->fd2, a.id));

	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_LIST, l));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_INFO, info));
	ASSERT_EQ(0, ioctl(self->fd, BIGPHYS_IOC_FREE, fr));
	ASSERT_EQ(0, munmap(page, BP_PAGE));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(alloc, names)
{
	static const char *const bad[] = {
		"bad/name", "bad name", "bad\tname", "bad:name", "bad*",
		"bad\xc3\xa4", "bad\\name", "bad\xe9",	/* Latin-1 letter */
	};
	const char *max = "at_4567890123456789012345678901";	/* 31 chars */
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_alloc a, raw;
	struct bigphys_free f;
	unsigned int i;

	ASSERT_EQ(31U, strlen(max));
	ASSERT_EQ(0, bp_alloc(self->fd, max, BP_PAGE, 0, cr, &a));
	ASSERT_STREQ(max, a.name);
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd2, max, 0, 0, 0, NULL));
	ASSERT_EQ(0, bp_free_name(self->fd2, max));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));

	ASSERT_EQ(0, bp_alloc(self->fd, "at_AZaz09.-_", BP_PAGE, 0, cr, NULL));
	ASSERT_EQ(0, bp_free_name(self->fd, "at_AZaz09.-_"));

	/* 32 bytes without a terminating NUL. */
	memset(&raw, 0, sizeof(raw));
	raw.size = BP_PAGE;
	raw.flags = cr;
	memset(raw.name, 'a', sizeof(raw.name));
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_ALLOC, &raw));
	memset(&f, 0, sizeof(f));
	memset(f.name, 'a', sizeof(f.name));
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_FREE, &f));

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		ASSERT_EQ(-1, bp_alloc(self->fd, bad[i], BP_PAGE, 0, cr, NULL))
			TH_LOG("bad name #%u ('%s') accepted", i, bad[i]);
		ASSERT_EQ(EINVAL, errno);
		ASSERT_ERRNO(EINVAL, bp_alloc(self->fd, bad[i], 0, 0, 0, NULL));
		ASSERT_ERRNO(EINVAL, bp_free_name(self->fd, bad[i]));
	}

	ASSERT_ERRNO(ENOENT, bp_free_name(self->fd, "at_nosuch"));
	memset(&f, 0, sizeof(f));
	bp_set_name(f.name, "at_nosuch");
	f.flags = 1U << 31;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_FREE, &f));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(alloc, attach)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_region_info ri;
	struct bigphys_alloc a, b;
	struct bigphys_info in;

	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd, "at_attach", 3 * BP_PAGE, 0, cr, &a));
	ASSERT_EQ(BIGPHYS_CACHE_WC, a.flags);
	ASSERT_STREQ("at_attach", a.name);

	/* Attach keeps the region's size; size 0 means "any". */
	ASSERT_EQ(0, bp_alloc(self->fd2, "at_attach", 0, 0, 0, &b));
	ASSERT_EQ(a.id, b.id);
	ASSERT_EQ(a.phys_addr, b.phys_addr);
	ASSERT_EQ(a.size, b.size);
	ASSERT_EQ(a.flags, b.flags);
	ASSERT_EQ(0, bp_alloc(self->fd2, "at_attach", BP_PAGE, 0, 0, &b));
	ASSERT_EQ(a.id, b.id);
	ASSERT_EQ(3 * BP_PAGE, b.size);
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd2, "at_attach", 4 * BP_PAGE, 0, 0, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd2, "at_attach", 0, 0,
				      BIGPHYS_CACHE_WB, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd2, "at_attach", 0, 0,
				      BIGPHYS_CACHE_UC, NULL));
	ASSERT_EQ(0, bp_alloc(self->fd2, "at_attach", 0, 0, BIGPHYS_CACHE_WC, &b));
	ASSERT_EQ(a.id, b.id);

	/* CREATE on an existing name attaches; CREATE|EXCL refuses. */
	ASSERT_EQ(0, bp_alloc(self->fd2, "at_attach", BP_PAGE, 0, cr, &b));
	ASSERT_EQ(a.id, b.id);
	ASSERT_EQ(a.phys_addr, b.phys_addr);
	ASSERT_EQ(3 * BP_PAGE, b.size);
	ASSERT_ERRNO(EEXIST, bp_alloc(self->fd2, "at_attach", BP_PAGE, 0,
				      cr | BIGPHYS_ALLOC_EXCL, NULL));
	ASSERT_ERRNO(EEXIST, bp_alloc(self->fd, "at_attach", BP_PAGE, 0,
				      cr | BIGPHYS_ALLOC_EXCL, NULL));
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd2, "at_nosuch", 0, 0, 0, NULL));
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd2, "at_nosuch", BP_PAGE, 0, 0, NULL));

	/* One region, counted once, attached to two fds. */
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(in.pool_size - 3 * BP_PAGE, in.free_bytes);
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_EQ(2U, ri.nr_files);
	ASSERT_STREQ("at_attach", ri.name);

	/* Closing one fd keeps it; closing the last one frees it. */
	close(self->fd2);
	self->fd2 = -1;
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_EQ(1U, ri.nr_files);
	close(self->fd);
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_POOL_IDLE(self->fd);
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "at_attach", 0, 0, 0, NULL));
}

TEST_F(alloc, same_fd_no_double_count)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_alloc a, b, c;
	struct bigphys_region_info ri;
	struct bigphys_info in;

	ASSERT_EQ(0, bp_alloc(self->fd, "at_twice", 2 * BP_PAGE, 0, cr, &a));
	ASSERT_EQ(0, bp_alloc(self->fd, "at_twice", 2 * BP_PAGE, 0, cr, &b));
	ASSERT_EQ(0, bp_alloc(self->fd, "at_twice", 0, 0, 0, &c));
	ASSERT_EQ(a.id, b.id);
	ASSERT_EQ(a.id, c.id);
	ASSERT_EQ(a.phys_addr, b.phys_addr);
	ASSERT_EQ(a.phys_addr, c.phys_addr);

	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(in.pool_size - 2 * BP_PAGE, in.free_bytes);
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_EQ(1U, ri.nr_files);

	/* One FREE removes the name and the only attachment. */
	ASSERT_EQ(0, bp_free_name(self->fd, "at_twice"));
	ASSERT_POOL_IDLE(self->fd);
	ASSERT_ERRNO(ENOENT, bp_free_name(self->fd, "at_twice"));
	ASSERT_ERRNO(ENOENT, bp_free_id(self->fd, a.id));
}

TEST_F(alloc, free_semantics)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_region_info ri;
	struct bigphys_alloc a, b, anon;
	struct bigphys_info in;

	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd, "at_unlink", 2 * BP_PAGE, 0, cr, &a));

	/* Any opener may remove a name; the attached fd keeps the region. */
	ASSERT_EQ(0, bp_free_name(self->fd2, "at_unlink"));
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd2, "at_unlink", 0, 0, 0, NULL));
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "at_unlink", 0, 0, 0, NULL));
	ASSERT_ERRNO(ENOENT, bp_free_name(self->fd2, "at_unlink"));
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(in.pool_size - 2 * BP_PAGE, in.free_bytes);
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_STREQ("", ri.name);
	ASSERT_EQ(1U, ri.nr_files);

	/* The name can be reused at once, for new memory. */
	ASSERT_EQ(0, bp_alloc(self->fd2, "at_unlink", 2 * BP_PAGE, 0,
			      cr | BIGPHYS_ALLOC_EXCL, &b));
	ASSERT_NE(a.id, b.id);
	ASSERT_FALSE(bp_overlap(&a, &b));
	ASSERT_EQ(0, bp_free_name(self->fd2, "at_unlink"));

	/* The old region goes when its last fd detaches. */
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);

	/* An anonymous region is invisible to other fds. */
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &anon));
	ASSERT_ERRNO(ENOENT, bp_free_id(self->fd2, anon.id));
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(0, bp_free_id(self->fd, anon.id));
	ASSERT_POOL_IDLE(self->fd);
}

/* A removed name leaves no byte behind: LIST shows 32 zero bytes. */
TEST_F(alloc, free_clears_whole_name)
{
	static const char zero[BIGPHYS_NAME_LEN];
	struct bigphys_region_info ri;
	struct bigphys_alloc a;

	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd, "at_secretname", BP_PAGE, 0,
			      BIGPHYS_ALLOC_CREATE, &a));
	/* The second fd keeps the region alive after the FREE. */
	ASSERT_EQ(0, bp_alloc(self->fd2, "at_secretname", 0, 0, 0, NULL));
	ASSERT_EQ(0, bp_free_name(self->fd, "at_secretname"));
	ASSERT_EQ(0, bp_find(self->fd2, a.id, &ri));
	ASSERT_EQ(1U, ri.nr_files);
	ASSERT_EQ(0, memcmp(zero, ri.name, sizeof(zero)))
		TH_LOG("LIST after FREE: name bytes 1.. are '%.*s'",
		       BIGPHYS_NAME_LEN - 1, ri.name + 1);
	ASSERT_EQ(0, bp_free_id(self->fd2, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * FREE by id follows the rule FREE by name has: a root fd kept across a
 * privilege drop cannot remove root's name or PERSIST hold (EACCES, and
 * nothing changes).  The caller's own regions, anonymous or named, are
 * still freed by id.
 */
TEST_F(alloc, free_id_needs_owner)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_region_info ri;
	struct bigphys_alloc a;

	ASSERT_EQ(0, bp_alloc(self->fd, "at_rootname", 2 * BP_PAGE, 0,
			      cr | BIGPHYS_ALLOC_PERSIST, &a));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct bigphys_region_info cri;
		struct bigphys_alloc b, c;
		int fd = bp_open();

		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(bp_alloc(fd, "at_rootname", 0, 0, 0, &b) == 0);
		CHILD_CHECK(b.id == a.id);
		CHILD_CHECK(setresgid(OTHER_UID, OTHER_UID, OTHER_UID) == 0);
		CHILD_CHECK(setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == 0);
		errno = 0;
		CHILD_CHECK(bp_free_id(fd, b.id) == -1);
		CHILD_CHECK(errno == EACCES);
		CHILD_CHECK(bp_find(fd, b.id, &cri) == 0);
		CHILD_CHECK(!strcmp(cri.name, "at_rootname"));
		CHILD_CHECK(cri.flags & BIGPHYS_ALLOC_PERSIST);
		CHILD_CHECK(cri.nr_files == 2);
		/* The name is root's to remove, by name too. */
		errno = 0;
		CHILD_CHECK(bp_free_name(fd, "at_rootname") == -1);
		CHILD_CHECK(errno == EACCES);
		/* Its own regions: FREE by id works. */
		CHILD_CHECK(bp_alloc(fd, "", BP_PAGE, 0, 0, &c) == 0);
		CHILD_CHECK(bp_free_id(fd, c.id) == 0);
		CHILD_CHECK(bp_alloc(fd, "at_username", BP_PAGE, 0, cr, &c) == 0);
		CHILD_CHECK(bp_free_id(fd, c.id) == 0);
		errno = 0;
		CHILD_CHECK(bp_alloc(fd, "at_username", 0, 0, 0, NULL) == -1);
		CHILD_CHECK(errno == ENOENT);
		_exit(0);
	}
	ASSERT_EQ(0, bp_wait_child(self->child));
	self->child = -1;

	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_STREQ("at_rootname", ri.name);
	ASSERT_EQ(BIGPHYS_ALLOC_PERSIST, ri.flags & BIGPHYS_ALLOC_PERSIST);
	ASSERT_EQ(1U, ri.nr_files);
	/* The owner frees by id: name, PERSIST hold and handle go. */
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "at_rootname", 0, 0, 0, NULL));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(alloc, close_frees)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_alloc a, b;
	struct bigphys_info in;

	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd2, "at_close", 2 * BP_PAGE, 0, cr, &a));
	ASSERT_EQ(0, bp_alloc(self->fd2, "", BP_PAGE, 0, 0, &b));
	ASSERT_EQ(0, bp_alloc(self->fd, "at_close", 0, 0, 0, NULL));

	close(self->fd2);
	self->fd2 = -1;
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(in.pool_size - 2 * BP_PAGE, in.free_bytes);

	close(self->fd);
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_POOL_IDLE(self->fd);
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "at_close", 0, 0, 0, NULL));
}

TEST_F(alloc, persist)
{
	const __u32 fl = BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_PERSIST;
	const size_t len = 4 * BP_PAGE;
	struct bigphys_region_info ri;
	struct bigphys_alloc a, b;
	struct bigphys_info in;
	void *p;

	ASSERT_EQ(0, bp_alloc(self->fd, "at_persist", len, 0, fl, &a));
	ASSERT_EQ(BIGPHYS_ALLOC_PERSIST | BIGPHYS_CACHE_WC, a.flags);
	p = bp_map(self->fd, a.phys_addr, len);
	ASSERT_NE(MAP_FAILED, p);
	bp_fill(p, len, 11);
	ASSERT_EQ(0, munmap(p, len));

	/* Survives the last close. */
	close(self->fd);
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(in.pool_size - len, in.free_bytes);
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_STREQ("at_persist", ri.name);
	ASSERT_EQ(0U, ri.nr_files);
	ASSERT_EQ(0U, ri.nr_maps);
	ASSERT_EQ(BIGPHYS_ALLOC_PERSIST, ri.flags & BIGPHYS_ALLOC_PERSIST);

	/* A later opener attaches without CREATE and sees the data. */
	ASSERT_EQ(0, bp_alloc(self->fd, "at_persist", 0, 0, 0, &b));
	ASSERT_EQ(a.id, b.id);
	ASSERT_EQ(a.phys_addr, b.phys_addr);
	ASSERT_EQ(len, b.size);
	ASSERT_EQ(a.flags, b.flags);
	p = bp_map(self->fd, b.phys_addr, len);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1, bp_check(p, len, 11));
	ASSERT_EQ(0, munmap(p, len));
	close(self->fd);

	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(0, bp_free_name(self->fd, "at_persist"));
	ASSERT_POOL_IDLE(self->fd);
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "at_persist", 0, 0, 0, NULL));
}

TEST_F(alloc, persist_needs_cap_sys_admin)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;

	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		int fd;

		CHILD_CHECK(bp_drop_cap(CAP_SYS_ADMIN) == 0);
		fd = bp_open();
		CHILD_CHECK(fd >= 0);
		errno = 0;
		CHILD_CHECK(bp_alloc(fd, "at_nocap", BP_PAGE, 0,
				     cr | BIGPHYS_ALLOC_PERSIST, NULL) == -1);
		CHILD_CHECK(errno == EPERM);
		/* A plain named region needs no capability. */
		CHILD_CHECK(bp_alloc(fd, "at_nocap", BP_PAGE, 0, cr, NULL) == 0);
		_exit(0);
	}
	ASSERT_EQ(0, bp_wait_child(self->child));
	self->child = -1;
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(alloc, cache_types)
{
	static const struct {
		__u32 req, got;
	} t[] = {
		{ BIGPHYS_CACHE_DEFAULT, BIGPHYS_CACHE_WC },
		{ BIGPHYS_CACHE_WC, BIGPHYS_CACHE_WC },
		{ BIGPHYS_CACHE_UC, BIGPHYS_CACHE_UC },
		{ BIGPHYS_CACHE_WB, BIGPHYS_CACHE_WB },
	};
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_alloc a;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, t[i].req, &a));
		ASSERT_EQ(t[i].got, a.flags);
		ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	}

	/* Attach with DEFAULT accepts any type and reports the real one. */
	ASSERT_EQ(0, bp_alloc(self->fd, "at_cache", BP_PAGE, 0,
			      cr | BIGPHYS_CACHE_WB, &a));
	ASSERT_EQ(BIGPHYS_CACHE_WB, a.flags);
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd2, "at_cache", 0, 0, 0, &a));
	ASSERT_EQ(BIGPHYS_CACHE_WB, a.flags);
	ASSERT_EQ(0, bp_alloc(self->fd2, "at_cache", 0, 0, BIGPHYS_CACHE_WB, &a));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd2, "at_cache", 0, 0,
				      BIGPHYS_CACHE_UC, NULL));
	ASSERT_ERRNO(EINVAL, bp_alloc(self->fd2, "at_cache", 0, 0,
				      BIGPHYS_CACHE_WC, NULL));
	ASSERT_EQ(0, bp_free_name(self->fd2, "at_cache"));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

/* Fill a new region with a pattern, free it, allocate again: all zero. */
static void dirty_then_check_zero(struct __test_metadata *_metadata, int fd,
				  __u64 size, __u32 flags)
{
	struct bigphys_alloc a, b;
	void *p;

	ASSERT_EQ(0, bp_alloc(fd, "", size, 0, flags, &a));
	p = bp_map(fd, a.phys_addr, size);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1, bp_check_zero(p, size));
	bp_fill(p, size, 21);
	ASSERT_EQ(-1, bp_check_stride(p, size, 21, 509));
	ASSERT_EQ(0, munmap(p, size));
	ASSERT_EQ(0, bp_free_id(fd, a.id));

	ASSERT_EQ(0, bp_alloc(fd, "", size, 0, flags, &b));
	if (b.phys_addr != a.phys_addr)
		TH_LOG("region came back at 0x%llx, not 0x%llx",
		       (unsigned long long)b.phys_addr,
		       (unsigned long long)a.phys_addr);
	p = bp_map(fd, b.phys_addr, size);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1, bp_check_zero(p, size));
	ASSERT_EQ(0, munmap(p, size));
	ASSERT_EQ(0, bp_free_id(fd, b.id));
}

TEST_F_TIMEOUT(alloc, zeroed, 120)
{
	dirty_then_check_zero(_metadata, self->fd, 64 * 1024,
			      BIGPHYS_CACHE_DEFAULT);
	/* The whole pool: the same memory is certainly reused. */
	dirty_then_check_zero(_metadata, self->fd, self->info.pool_size,
			      BIGPHYS_CACHE_WB);
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F_TIMEOUT(alloc, exhaustion, 120)
{
	const __u64 psize = self->info.pool_size;
	__u64 chunk = (psize / 7) & ~(BP_PAGE - 1);
	struct bigphys_alloc r[MAX_REGIONS];
	void *map[MAX_REGIONS];
	unsigned int n = 0, nchunks, i;
	struct bigphys_info in;
	__u64 sum = 0;
	int ret;

	if (chunk < BP_PAGE)
		chunk = BP_PAGE;
	for (;;) {
		ASSERT_GT(MAX_REGIONS, n);
		ret = bp_alloc(self->fd, "", chunk, 0, BIGPHYS_CACHE_WB, &r[n]);
		if (ret)
			break;
		ASSERT_EQ(chunk, r[n].size);
		map[n] = bp_map(self->fd, r[n].phys_addr, chunk);
		ASSERT_NE(MAP_FAILED, map[n]);
		bp_fill(map[n], chunk, 100 + n);
		sum += chunk;
		n++;
	}
	ASSERT_EQ(-1, ret);
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_LE(1U, n);
	nchunks = n;

	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(n, in.nr_regions);
	ASSERT_EQ(psize, in.free_bytes + sum);
	ASSERT_LE(in.largest_free, in.free_bytes);
	ASSERT_GT(chunk, in.largest_free);

	/* Use up the rest, block by block. */
	while (in.largest_free) {
		ASSERT_GT(MAX_REGIONS, n);
		ASSERT_EQ(0, bp_alloc(self->fd, "", in.largest_free, 0,
				      BIGPHYS_CACHE_WB, &r[n]));
		ASSERT_EQ(in.largest_free, r[n].size);
		map[n] = bp_map(self->fd, r[n].phys_addr, r[n].size);
		ASSERT_NE(MAP_FAILED, map[n]);
		bp_fill(map[n], r[n].size, 100 + n);
		sum += r[n].size;
		n++;
		ASSERT_EQ(0, bp_info(self->fd, &in));
		ASSERT_EQ(psize, in.free_bytes + sum);
		ASSERT_LE(in.largest_free, in.free_bytes);
	}
	ASSERT_EQ(0ULL, in.free_bytes);
	ASSERT_EQ(psize, sum);
	ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", 1, 0, 0, NULL));
	ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "at_full", 1, 0,
				      BIGPHYS_ALLOC_CREATE, NULL));

	/* Nothing overlaps and every region kept its own pattern. */
	for (i = 0; i < n; i++) {
		unsigned int j;

		for (j = i + 1; j < n; j++)
			ASSERT_FALSE(bp_overlap(&r[i], &r[j]));
		ASSERT_EQ(-1, bp_check(map[i], r[i].size, 100 + i));
	}

	/* Two non-adjacent holes of one chunk each: 2 chunks do not fit. */
	if (nchunks >= 4 && r[1].phys_addr + chunk != r[3].phys_addr &&
	    r[3].phys_addr + chunk != r[1].phys_addr) {
		ASSERT_EQ(0, munmap(map[1], chunk));
		ASSERT_EQ(0, munmap(map[3], chunk));
		map[1] = NULL;
		map[3] = NULL;
		ASSERT_EQ(0, bp_free_id(self->fd, r[1].id));
		ASSERT_EQ(0, bp_free_id(self->fd, r[3].id));
		ASSERT_EQ(0, bp_info(self->fd, &in));
		ASSERT_EQ(2 * chunk, in.free_bytes);
		ASSERT_EQ(chunk, in.largest_free);
		ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", 2 * chunk, 0, 0, NULL));
		ASSERT_EQ(0, bp_alloc(self->fd, "", chunk, 0, 0, &r[1]));
		ASSERT_EQ(0, bp_alloc(self->fd, "", chunk, 0, 0, &r[3]));
		ASSERT_FALSE(bp_overlap(&r[1], &r[3]));
		for (i = 0; i < n; i++) {
			if (i != 1 && i != 3)
				ASSERT_EQ(-1, bp_check(map[i], r[i].size, 100 + i));
		}
	}

	for (i = 0; i < n; i++) {
		if (map[i])
			ASSERT_EQ(0, munmap(map[i], r[i].size));
		ASSERT_EQ(0, bp_free_id(self->fd, r[i].id));
	}
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * Zeroing a big region does not stall everyone else: while another process
 * allocates (and zeroes) 48 MiB uncached regions, 4 KiB ALLOC+FREE calls
 * stay well below the time one such allocation takes alone.  When zeroing
 * held the global lock, a small call waited for a whole big one once per
 * big ALLOC; the host (shared, emulated) may stall a few calls on its own,
 * so the test looks at the ZL_ROUNDS / 2 slowest calls, not only the worst.
 */
#define ZL_ROUNDS	12U
#define ZL_OPS		(1U << 17)

static int zl_cmp_desc(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Run on CPU @cpu of two, so the guest's scheduler does not add its slices. */
static void zl_pin(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

TEST_F_TIMEOUT(alloc, zeroing_latency, 300)
{
	const __u64 big = 48ULL << 20;
	__u64 alone = ~0ULL, t, *lat;
	struct bigphys_alloc a;
	unsigned int n = 0, i;
	int res[2];
	char done;

	if (self->info.pool_size < big + (1ULL << 20))
		SKIP(return, "pool smaller than 49 MiB");
	{
		char cmdline[1024] = "";

		/* KFENCE on every allocation: small calls measure KFENCE. */
		bp_read_file("/proc/cmdline", cmdline, sizeof(cmdline));
		if (strstr(cmdline, "kfence.sample_interval=1"))
			SKIP(return, "memory debugging: latency not meaningful");
	}
	/*
	 * Both vCPUs in one QEMU thread (make check's x86 guests,
	 * scripts/check.sh): a vCPU that zeroes runs until QEMU's round-robin
	 * kick (up to 100 ms) and the other waits, whatever the module does.
	 * The arm64 cells (a thread per vCPU) run this test.
	 */
	if (getenv("BIGPHYS_VCPUS_ONE_THREAD"))
		SKIP(return, "vCPUs share one QEMU thread: latency not meaningful");
	/* A big ALLOC's own time, with nobody else using the pool. */
	for (i = 0; i < 3; i++) {
		t = bp_now_ns();
		ASSERT_EQ(0, bp_alloc(self->fd, "", big, 0, BIGPHYS_CACHE_UC, &a));
		t = bp_now_ns() - t;
		if (t < alone)
			alone = t;
		ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	}
	lat = calloc(ZL_OPS, sizeof(*lat));
	ASSERT_NE(NULL, lat);
	ASSERT_EQ(0, pipe(res));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct bigphys_alloc b;
		int fd = bp_open();

		close(res[0]);
		CHILD_CHECK(fd >= 0);
		zl_pin(1);
		for (i = 0; i < ZL_ROUNDS; i++) {
			CHILD_CHECK(bp_alloc(fd, "", big, 0, BIGPHYS_CACHE_UC,
					     &b) == 0);
			CHILD_CHECK(bp_free_id(fd, b.id) == 0);
		}
		_exit(0);	/* closes res[1]: the parent reads EOF */
	}
	close(res[1]);
	zl_pin(0);
	ASSERT_EQ(0, fcntl(res[0], F_SETFL, O_NONBLOCK));
	while (read(res[0], &done, 1) < 0) {
		ASSERT_EQ(EAGAIN, errno);
		ASSERT_GT(ZL_OPS, n);
		t = bp_now_ns();
		ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
		ASSERT_EQ(0, bp_free_id(self->fd, a.id));
		lat[n++] = bp_now_ns() - t;
	}
	close(res[0]);
	ASSERT_EQ(0, bp_wait_child(self->child));
	self->child = -1;

	qsort(lat, n, sizeof(*lat), zl_cmp_desc);
	TH_LOG("48 MiB UC ALLOC alone: %llu us; %u x 4 KiB ALLOC+FREE beside %u of them: slowest %llu, %llu, %llu us, #%u %llu us",
	       (unsigned long long)alone / 1000, n, ZL_ROUNDS,
	       (unsigned long long)lat[0] / 1000,
	       (unsigned long long)(n > 1 ? lat[1] : 0) / 1000,
	       (unsigned long long)(n > 2 ? lat[2] : 0) / 1000, ZL_ROUNDS / 2,
	       (unsigned long long)(n >= ZL_ROUNDS / 2 ? lat[ZL_ROUNDS / 2 - 1] : 0) / 1000);
	ASSERT_LE(ZL_ROUNDS, n);
	ASSERT_LT(lat[ZL_ROUNDS / 2 - 1] * 2, alone);
	free(lat);
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * max_user_bytes limits the pool bytes each euid's regions hold: EDQUOT
 * beyond it, attaching charges nothing, another euid has its own budget,
 * and bytes count until the memory is back in the pool (not just until
 * FREE).  0 is unlimited.
 */
TEST_F(alloc, max_user_bytes)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_alloc a, b, c;
	char val[32];
	void *p;

	ASSERT_EQ(0, bp_read_file(MAX_USER_BYTES, val, sizeof(val)))
		TH_LOG("%s: %s", MAX_USER_BYTES, strerror(errno));
	ASSERT_STREQ("0", val);
	ASSERT_EQ(0, bp_write_file(MAX_USER_BYTES, "16384"));
	self->quota_set = 1;

	ASSERT_EQ(0, bp_alloc(self->fd, "", 3 * BP_PAGE, 0, 0, &a));
	ASSERT_ERRNO(EDQUOT, bp_alloc(self->fd, "", 2 * BP_PAGE, 0, 0, NULL));
	ASSERT_ERRNO(EDQUOT, bp_alloc(self->fd, "at_quota", 2 * BP_PAGE, 0, cr,
				      NULL));
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "at_quota", 0, 0, 0, NULL));
	/* Exactly up to the limit. */
	ASSERT_EQ(0, bp_alloc(self->fd, "at_quota", BP_PAGE, 0, cr, &b));
	ASSERT_ERRNO(EDQUOT, bp_alloc(self->fd, "", 1, 0, 0, NULL));
	/* Attaching is free. */
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd2, "at_quota", 0, 0, 0, &c));
	ASSERT_EQ(b.id, c.id);

	/* Another euid has its own budget. */
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct bigphys_alloc d;

		CHILD_CHECK(setresgid(OTHER_UID, OTHER_UID, OTHER_UID) == 0);
		CHILD_CHECK(setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == 0);
		CHILD_CHECK(bp_alloc(self->fd, "", 4 * BP_PAGE, 0, 0, &d) == 0);
		errno = 0;
		CHILD_CHECK(bp_alloc(self->fd, "", BP_PAGE, 0, 0, NULL) == -1);
		CHILD_CHECK(errno == EDQUOT);
		CHILD_CHECK(bp_free_id(self->fd, d.id) == 0);
		_exit(0);
	}
	ASSERT_EQ(0, bp_wait_child(self->child));
	self->child = -1;

	/* Still charged while a mapping holds the memory after FREE. */
	p = bp_map(self->fd, a.phys_addr, a.size);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_ERRNO(EDQUOT, bp_alloc(self->fd, "", BP_PAGE, 0, 0, NULL));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_alloc(self->fd, "", 3 * BP_PAGE, 0, 0, &a));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));

	/* 0: unlimited again. */
	ASSERT_EQ(0, bp_write_file(MAX_USER_BYTES, "0"));
	self->quota_set = 0;
	ASSERT_EQ(0, bp_alloc(self->fd, "", 16 * BP_PAGE, 0, 0, &a));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, bp_free_name(self->fd, "at_quota"));
	close(self->fd2);
	self->fd2 = -1;
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(alloc, list)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_region_info buf[8], sentinel, ri;
	struct bigphys_alloc a, b, c;
	struct bigphys_list l;
	struct bigphys_info in;
	void *p1, *p2;
	__u32 n;

	ASSERT_EQ(0, bp_alloc(self->fd, "at_list_a", 2 * BP_PAGE, 0,
			      cr | BIGPHYS_CACHE_WB, &a));
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &b));
	ASSERT_EQ(0, bp_alloc(self->fd, "at_list_p", 3 * BP_PAGE, 0,
			      cr | BIGPHYS_ALLOC_PERSIST | BIGPHYS_CACHE_UC, &c));
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(3U, in.nr_regions);

	/* Capacity 0: only the count, nothing written. */
	memset(&sentinel, 0xa5, sizeof(sentinel));
	memset(buf, 0xa5, sizeof(buf));
	n = 0;
	ASSERT_EQ(0, bp_list(self->fd, buf, &n));
	ASSERT_EQ(3U, n);
	ASSERT_EQ(0, memcmp(&buf[0], &sentinel, sizeof(sentinel)));
	n = 0;
	ASSERT_EQ(0, bp_list(self->fd, NULL, &n));
	ASSERT_EQ(3U, n);

	/* Capacity 1: one entry written, the total reported. */
	n = 1;
	ASSERT_EQ(0, bp_list(self->fd, buf, &n));
	ASSERT_EQ(3U, n);
	ASSERT_TRUE(buf[0].id == a.id || buf[0].id == b.id || buf[0].id == c.id);
	ASSERT_EQ(0, memcmp(&buf[1], &sentinel, sizeof(sentinel)));

	n = ARRAY_SIZE(buf);
	ASSERT_EQ(0, bp_list(self->fd, buf, &n));
	ASSERT_EQ(3U, n);
	ASSERT_EQ(0, memcmp(&buf[3], &sentinel, sizeof(sentinel)));

	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_EQ(a.phys_addr, ri.phys_addr);
	ASSERT_EQ(2 * BP_PAGE, ri.size);
	ASSERT_EQ(BIGPHYS_CACHE_WB, ri.flags);
	ASSERT_EQ(1U, ri.nr_files);
	ASSERT_EQ(0U, ri.nr_maps);
	ASSERT_EQ(0U, ri.nr_dma);
	ASSERT_EQ(0U, ri.pad);
	ASSERT_STREQ("at_list_a", ri.name);

	ASSERT_EQ(0, bp_find(self->fd, b.id, &ri));
	ASSERT_EQ(b.phys_addr, ri.phys_addr);
	ASSERT_EQ(BP_PAGE, ri.size);
	ASSERT_EQ(BIGPHYS_CACHE_WC, ri.flags);
	ASSERT_EQ(1U, ri.nr_files);
	ASSERT_STREQ("", ri.name);

	ASSERT_EQ(0, bp_find(self->fd, c.id, &ri));
	ASSERT_EQ(c.phys_addr, ri.phys_addr);
	ASSERT_EQ(3 * BP_PAGE, ri.size);
	ASSERT_EQ(BIGPHYS_ALLOC_PERSIST | BIGPHYS_CACHE_UC, ri.flags);
	ASSERT_EQ(1U, ri.nr_files);
	ASSERT_STREQ("at_list_p", ri.name);

	/* nr_maps counts VMAs. */
	p1 = bp_map(self->fd, a.phys_addr, 2 * BP_PAGE);
	ASSERT_NE(MAP_FAILED, p1);
	p2 = bp_map(self->fd, a.phys_addr + BP_PAGE, BP_PAGE);
	ASSERT_NE(MAP_FAILED, p2);
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_EQ(2U, ri.nr_maps);
	ASSERT_EQ(0, munmap(p1, 2 * BP_PAGE));
	ASSERT_EQ(0, munmap(p2, BP_PAGE));
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_EQ(0U, ri.nr_maps);

	/* Errors. */
	memset(&l, 0, sizeof(l));
	l.regions = (__u64)(uintptr_t)buf;
	l.count = ARRAY_SIZE(buf);
	l.pad = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_LIST, &l));
	l.pad = 0;
	l.regions = 8;
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_LIST, &l));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_LIST, NULL));

	ASSERT_EQ(0, bp_free_name(self->fd, "at_list_a"));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	ASSERT_EQ(0, bp_free_name(self->fd, "at_list_p"));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_HARNESS_MAIN
