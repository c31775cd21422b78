// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphys permission tests, run as an unprivileged uid (tests/guest/check.sh
 * starts it with su as user "tester", a member of the group that owns
 * /dev/bigphys, like scripts/99-bigphys.rules sets up).
 *
 * An unprivileged user may allocate, map and push its own regions through
 * the engine; PERSIST (CAP_SYS_ADMIN) and DMA_MAP (CAP_SYS_RAWIO) fail with
 * EPERM; another user's name (the PERSIST region "perm_root" that root made
 * before the run) can be neither attached, mapped nor removed; module
 * parameters and driver binding are root's.
 */
#include "bigphys_test_util.h"
#include "bigphys_uring_util.h"

#define ROOT_NAME	"perm_root"

FIXTURE(perm) {
	int fd;
};

FIXTURE_SETUP(perm)
{
	self->fd = bp_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", BP_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(perm)
{
	close(self->fd);
}

/* The run proves nothing as root or with the capabilities checked. */
TEST_F(perm, unprivileged)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	ASSERT_NE(0U, getuid());
	ASSERT_NE(0U, geteuid());
	ASSERT_EQ(0, syscall(SYS_capget, &hdr, data));
	ASSERT_EQ(0U, data[0].effective);
	ASSERT_EQ(0U, data[1].effective);
}

/* Own regions: allocate, map, push to the device and read back. */
TEST_F(perm, own_region_and_dma)
{
	struct bigphys_alloc a;
	__u8 *p;

	ASSERT_EQ(0, bp_alloc(self->fd, "perm_mine", 2 * BP_PAGE, 0,
			      BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_EXCL, &a));
	p = bp_map(self->fd, a.phys_addr, a.size);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, bp_roundtrip(self->fd, a.id, p, 5))
		TH_LOG("push/readback: %s", strerror(errno));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_name(self->fd, "perm_mine"));
}

TEST_F(perm, persist_and_dma_map_need_caps)
{
	__u8 buf[2 * BP_PAGE] __attribute__((aligned(4096)));
	struct bigphys_dma_map m;
	struct bigphys_alloc a;

	ASSERT_ERRNO(EPERM, bp_alloc(self->fd, "perm_p", BP_PAGE, 0,
				     BIGPHYS_ALLOC_CREATE |
				     BIGPHYS_ALLOC_PERSIST, NULL));
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "perm_p", 0, 0, 0, NULL));
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	ASSERT_ERRNO(EPERM, bp_dma_map(self->fd, a.id, 0, 0, BP_PAGE, 0, &m));
	memset(buf, 1, sizeof(buf));
	ASSERT_ERRNO(EPERM, bp_dma_map(self->fd, 0, BIGPHYS_DMA_USER_PTR, 0,
				       BP_PAGE, (__u64)(uintptr_t)buf, &m));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

/* root's PERSIST region: visible in LIST, but not ours to use. */
TEST_F(perm, other_users_name)
{
	struct bigphys_region_info r[64];
	struct bigphys_alloc a;
	__u32 i, n = 64;
	__u64 phys = 0;

	ASSERT_EQ(0, bp_list(self->fd, r, &n));
	for (i = 0; i < n && i < 64; i++)
		if (!strcmp(r[i].name, ROOT_NAME))
			phys = r[i].phys_addr;
	ASSERT_NE(0ULL, phys) TH_LOG("root did not create %s", ROOT_NAME);

	ASSERT_ERRNO(EACCES, bp_alloc(self->fd, ROOT_NAME, 0, 0, 0, &a));
	ASSERT_ERRNO(EACCES, bp_alloc(self->fd, ROOT_NAME, BP_PAGE, 0,
				      BIGPHYS_ALLOC_CREATE, &a));
	ASSERT_ERRNO(EEXIST, bp_alloc(self->fd, ROOT_NAME, BP_PAGE, 0,
				      BIGPHYS_ALLOC_CREATE |
				      BIGPHYS_ALLOC_EXCL, &a));
	ASSERT_ERRNO(EACCES, bp_free_name(self->fd, ROOT_NAME));
	ASSERT_MMAP_FAILS(EINVAL, self->fd, phys, BP_PAGE,
			  PROT_READ | PROT_WRITE, MAP_SHARED);
	/* Still there for root. */
	n = 64;
	ASSERT_EQ(0, bp_list(self->fd, r, &n));
	for (i = 0, phys = 0; i < n && i < 64; i++)
		if (!strcmp(r[i].name, ROOT_NAME))
			phys = r[i].phys_addr;
	ASSERT_NE(0ULL, phys);
}

/*
 * dma-bufs: an unprivileged user exports its own region and pushes it
 * through the engine from the dma-buf (import); root's region cannot be
 * exported (not attached), and a DMA_MAP of a dma-buf needs CAP_SYS_RAWIO
 * like any DMA_MAP.
 */
TEST_F(perm, dmabuf_same_rules)
{
	struct bigphys_region_info r[64];
	struct bigphys_dma_map m;
	struct bigphys_alloc a;
	__u32 i, n = 64, root_id = 0;
	int dbuf;
	__u8 *p;

	ASSERT_EQ(0, bp_list(self->fd, r, &n));
	for (i = 0; i < n && i < 64; i++)
		if (!strcmp(r[i].name, ROOT_NAME))
			root_id = r[i].id;
	ASSERT_NE(0U, root_id) TH_LOG("root did not create %s", ROOT_NAME);
	ASSERT_ERRNO(ENOENT, bp_export(self->fd, root_id, 0, 0,
				       BIGPHYS_EXPORT_RDWR));

	ASSERT_EQ(0, bp_alloc(self->fd, "", 2 * BP_PAGE, 0, 0, &a));
	dbuf = bp_export(self->fd, a.id, 0, 0, BIGPHYS_EXPORT_RDWR);
	ASSERT_LE(0, dbuf) TH_LOG("EXPORT: %s", strerror(errno));
	p = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, dbuf, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap of the dma-buf: %s",
					strerror(errno));
	ASSERT_EQ(0, bp_roundtrip_flags(self->fd, dbuf, BIGPHYS_DMA_DMABUF, p, 9))
		TH_LOG("push/readback through the dma-buf: %s", strerror(errno));
	ASSERT_ERRNO(EPERM, bp_dma_map(self->fd, dbuf, BIGPHYS_DMA_DMABUF, 0,
				       BP_PAGE, 0, &m));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, close(dbuf));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

/* io_uring gives an unprivileged user exactly what the ioctl gives. */
TEST_F(perm, uring_same_rules)
{
	struct bigphys_region_info r[64];
	struct bigphys_alloc a;
	struct bigphys_dma d;
	struct io_uring ring;
	struct bp_cqe c;
	__u32 i, n = 64;
	__u64 root_phys = 0;
	__u8 *p;

	ASSERT_EQ(0, bp_ring_init(&ring, IORING_SETUP_SQPOLL))
		TH_LOG("SQPOLL ring as an unprivileged user");
	ASSERT_EQ(0, bp_alloc(self->fd, "", 2 * BP_PAGE, 0, 0, &a));
	p = bp_map(self->fd, a.phys_addr, a.size);
	ASSERT_NE(MAP_FAILED, p);
	bp_fill_bytes(p, BP_PAGE, 21, 0, 0);
	bp_dma_req(&d, a.id, 0, BP_EDU_WIN_SIZE, BP_EDU_WIN, 0);
	ASSERT_EQ(1, bp_ucmd(&ring, self->fd, BIGPHYS_URING_CMD_DMA, &d,
			     sizeof(d), 1));
	ASSERT_EQ(0, bp_cqe_wait(&ring, &c, 10000));
	ASSERT_EQ(0, c.res) TH_LOG("own region: %s", strerror(-c.res));
	bp_dma_req(&d, a.id, BP_PAGE, BP_EDU_WIN_SIZE, BP_EDU_WIN,
		   BIGPHYS_DMA_FROM_DEVICE);
	ASSERT_EQ(1, bp_ucmd(&ring, self->fd, BIGPHYS_URING_CMD_DMA, &d,
			     sizeof(d), 2));
	ASSERT_EQ(0, bp_cqe_wait(&ring, &c, 10000));
	ASSERT_EQ(0, c.res);
	ASSERT_EQ(-1L, bp_check_bytes(p + BP_PAGE, BP_EDU_WIN_SIZE, 21, 0, 0));

	/* root's region, by its physical address: not attached to us. */
	ASSERT_EQ(0, bp_list(self->fd, r, &n));
	for (i = 0; i < n && i < 64; i++)
		if (!strcmp(r[i].name, ROOT_NAME))
			root_phys = r[i].phys_addr;
	ASSERT_NE(0ULL, root_phys);
	bp_dma_req(&d, 0, 0, 64, BP_EDU_WIN, 0);
	d.phys_addr = root_phys;
	ASSERT_EQ(1, bp_ucmd(&ring, self->fd, BIGPHYS_URING_CMD_DMA, &d,
			     sizeof(d), 3));
	ASSERT_EQ(0, bp_cqe_wait(&ring, &c, 2000));
	ASSERT_EQ(-ENOENT, c.res);
	io_uring_queue_exit(&ring);
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

/*
 * A page-backed region is an unprivileged user's too: allocate, map,
 * vmsplice() its pages into a pipe, push it through the engine.  Then the
 * user's own region goes HELD (pages left in the pipe, everything else
 * gone): even its creator can neither map, free nor DMA it; and every
 * HELD or root-owned region LIST shows stays out of reach.
 */
TEST_F(perm, pages_region)
{
	struct bigphys_region_info r[64], ri;
	struct bigphys_info in;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	__u32 i, n = 64;
	struct iovec iov;
	int pp[2], ms;
	__u8 *p, *buf;

	ASSERT_EQ(0, bp_info(self->fd, &in));
	if (!bp_has_pages(&in))
		SKIP(return, "no page-backed part in this pool (loaded without pages_base=)");
	ASSERT_EQ(0, bp_alloc(self->fd, "perm_pg", 16 * BP_PAGE, 0,
			      BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_EXCL |
			      BIGPHYS_ALLOC_PAGES, &a));
	ASSERT_EQ(BIGPHYS_ALLOC_PAGES | BIGPHYS_CACHE_WB, a.flags);
	p = bp_map(self->fd, a.phys_addr, a.size);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, bp_roundtrip(self->fd, a.id, p, 31))
		TH_LOG("push/readback: %s", strerror(errno));
	bp_fill(p, a.size, 32);
	ASSERT_EQ(0, pipe(pp));
	iov.iov_base = p;
	iov.iov_len = a.size;
	ASSERT_EQ((ssize_t)a.size, vmsplice(pp[1], &iov, 1, 0))
		TH_LOG("vmsplice: %s", strerror(errno));

	/* Everything of ours goes; the pipe keeps the pages. */
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_name(self->fd, "perm_pg"));
	ASSERT_EQ(0, close(self->fd));
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bp_find_phys(self->fd, a.phys_addr, &ri));
	ASSERT_NE(0U, ri.flags & BIGPHYS_REGION_HELD);
	ASSERT_STREQ("", ri.name);

	/* Every HELD region and every root-owned name: out of reach. */
	ASSERT_EQ(0, bp_list(self->fd, r, &n));
	for (i = 0; i < n && i < 64; i++) {
		if (!(r[i].flags & BIGPHYS_REGION_HELD) &&
		    strncmp(r[i].name, "perm_root", 9))
			continue;
		TH_LOG("out of reach: 0x%llx + 0x%llx flags 0x%x \"%s\"",
		       (unsigned long long)r[i].phys_addr,
		       (unsigned long long)r[i].size, r[i].flags, r[i].name);
		ASSERT_MMAP_FAILS(EINVAL, self->fd, r[i].phys_addr, BP_PAGE,
				  PROT_READ | PROT_WRITE, MAP_SHARED);
		ASSERT_ERRNO(ENOENT, bp_free_id(self->fd, r[i].id));
		bp_dma_req(&d, 0, 0, 64, BP_EDU_WIN, 0);
		d.phys_addr = r[i].phys_addr;
		ASSERT_ERRNO(ENOENT, bp_dma_start(self->fd, &d));
		if (!r[i].name[0])
			continue;
		/* root's name: EACCES (EINVAL too for PAGES onto a WC one). */
		errno = 0;
		ASSERT_EQ(-1, bp_alloc(self->fd, r[i].name, 0, 0,
				       BIGPHYS_ALLOC_PAGES, NULL));
		if (r[i].flags & BIGPHYS_ALLOC_PAGES) {
			ASSERT_EQ(EACCES, errno);
		} else {
			ASSERT_TRUE(errno == EACCES || errno == EINVAL)
				TH_LOG("attach with PAGES: %s", strerror(errno));
		}
		ASSERT_ERRNO(EACCES, bp_alloc(self->fd, r[i].name, 0, 0, 0, NULL));
		ASSERT_ERRNO(EACCES, bp_free_name(self->fd, r[i].name));
	}

	/* Release the pages: the region goes back to the pool. */
	buf = malloc(a.size);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)a.size, read(pp[0], buf, a.size));
	ASSERT_EQ(-1L, bp_check(buf, a.size, 32));
	free(buf);
	close(pp[0]);
	close(pp[1]);
	ms = bp_wait_unheld(self->fd, 5000);
	ASSERT_LE(0, ms);
	ASSERT_EQ(-1, bp_find_phys(self->fd, a.phys_addr, &ri));
}

TEST_F(perm, root_only_sysfs)
{
	ASSERT_ERRNO(EACCES, bp_set_max_chunk(256));
	ASSERT_ERRNO(EACCES, bp_write_file(BP_PARAM_DIR "max_user_bytes", "0"));
	ASSERT_ERRNO(EACCES, bp_write_file(BP_PARAM_DIR "fault_inject", "0"));
	ASSERT_ERRNO(EACCES, bp_pci_bind("0000:00:04.0", 0));
	ASSERT_ERRNO(EACCES, bp_write_file("/sys/bus/pci/rescan", "1"));
}

TEST_HARNESS_MAIN
