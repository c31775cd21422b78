// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphys lifecycle tests: the edu device removed from the PCI bus and
 * rescanned while regions are mapped, PERSIST regions exist and DMA jobs are
 * queued; SIGKILL of a process in the middle of a multi-transfer job with
 * mappings and a PERSIST region; module unload attempts at every stage.
 * A child keeps the guest under memory pressure (allocating and touching
 * most of MemAvailable, dropping caches, compacting) during every test.
 *
 * Afterwards the pool accounting is exact, every job reports completion or
 * failure (never lost), and data in surviving regions is intact.
 */
#include "bigphys_test_util.h"	/* first: it defines _GNU_SOURCE */

#include <stdlib.h>
#include <sys/uio.h>

#define WIN		BP_EDU_WIN
#define WIN_SIZE	BP_EDU_WIN_SIZE
#define WAIT_NS		(10 * BP_NSEC)

static const char *const persist_names[] = { "lc_keep", "lc_orphan" };

/*
 * Memory pressure until killed: hold 7/8 of MemAvailable in touched 16 MiB
 * chunks for half a second, release it, drop the page cache, compact,
 * again.  The OOM killer picks this process first.
 */
#define PRESSURE_CHUNK	(16UL << 20)

struct pressure {
	__u64 chunks;	/* chunks touched */
	__u64 rounds;	/* times 7/8 of MemAvailable was held */
};

static long mem_available_kb(void)
{
	char line[128];
	long kb = 0;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void __attribute__((noreturn)) pressure_loop(volatile struct pressure *st)
{
	static char *held[4096];
	size_t n, nr, i, j;

	bp_write_file("/proc/self/oom_score_adj", "1000");
	for (;;) {
		nr = (size_t)mem_available_kb() / 8 * 7 / (PRESSURE_CHUNK >> 10);
		for (n = 0; n < nr && n < 4096; n++) {
			held[n] = mmap(NULL, PRESSURE_CHUNK, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (held[n] == MAP_FAILED)
				break;
			for (j = 0; j < PRESSURE_CHUNK; j += BP_PAGE)
				held[n][j] = (char)j;
			st->chunks++;
		}
		st->rounds++;
		usleep(500000);
		for (i = 0; i < n; i++)
			munmap(held[i], PRESSURE_CHUNK);
		bp_write_file("/proc/sys/vm/drop_caches", "3");
		bp_write_file("/proc/sys/vm/compact_memory", "1");
	}
}

/* delete_module(2) of bigphys, as rmmod does it. */
static int unload(void)
{
	return (int)syscall(SYS_delete_module, "bigphys", O_NONBLOCK);
}

/* The module is in use: unloading fails with EWOULDBLOCK, it stays loaded. */
#define ASSERT_UNLOAD_REFUSED() do {					\
	ASSERT_ERRNO(EWOULDBLOCK, unload());				\
	ASSERT_EQ(0, access("/sys/module/bigphys/parameters", F_OK));	\
} while (0)

FIXTURE(life) {
	int fd;
	pid_t pressure;
	volatile struct pressure *st;	/* shared with the pressure child */
	pid_t child;
	struct bigphys_dev_info dev;
};

FIXTURE_SETUP(life)
{
	int i;

	self->child = -1;
	self->fd = -1;
	self->st = mmap(NULL, BP_PAGE, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->st);
	/* Forked first: it must not inherit (and hold) our fd. */
	self->pressure = fork();
	ASSERT_LE(0, self->pressure);
	if (self->pressure == 0)
		pressure_loop(self->st);
	/* Start once the pressure is real: 7/8 of MemAvailable held once. */
	for (i = 0; i < 6000 && !self->st->rounds; i++)
		usleep(10000);
	ASSERT_LT(0ULL, self->st->rounds) TH_LOG("no memory pressure after 60 s");
	self->fd = bp_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", BP_DEV, strerror(errno));
	ASSERT_POOL_IDLE(self->fd);
	ASSERT_EQ(0, bp_dev_info(self->fd, 0, &self->dev))
		TH_LOG("no DMA device 0 (edu bound to bigphys?): %s",
		       strerror(errno));
	ASSERT_EQ(0, bp_set_max_chunk(256));
}

FIXTURE_TEARDOWN(life)
{
	struct bigphys_dev_info di;
	char path[128];

	if (self->pressure > 0) {
		kill(self->pressure, SIGKILL);
		waitpid(self->pressure, NULL, 0);
		TH_LOG("memory pressure: %llu rounds, %llu MiB touched",
		       (unsigned long long)self->st->rounds,
		       (unsigned long long)self->st->chunks * 16);
	}
	if (self->fd >= 0)
		close(self->fd);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", self->dev.name);
	if (access(path, F_OK))
		bp_write_file("/sys/bus/pci/rescan", "1");
	EXPECT_EQ(0, bp_set_max_chunk(0));
	self->fd = bp_open();
	if (self->fd >= 0) {
		EXPECT_EQ(0, bp_dev_info(self->fd, 0, &di));
		close(self->fd);
	}
	bp_teardown(_metadata, self->child, persist_names,
		    ARRAY_SIZE(persist_names));
}

/* A page pushed to the device and read back into the next page matches. */
static void engine_roundtrip(struct __test_metadata *_metadata, int fd,
			     __u64 seed)
{
	struct bigphys_alloc a;
	__u8 *p;

	ASSERT_EQ(0, bp_set_max_chunk(0));
	ASSERT_EQ(0, bp_alloc(fd, "", 2 * BP_PAGE, 0, 0, &a));
	p = bp_map(fd, a.phys_addr, 2 * BP_PAGE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, bp_roundtrip(fd, a.id, p, seed))
		TH_LOG("push/readback: %s", strerror(errno));
	ASSERT_EQ(0, munmap(p, 2 * BP_PAGE));
	ASSERT_EQ(0, bp_free_id(fd, a.id));
}

/*
 * Remove the device from the bus with one job on the engine (16 transfers
 * of 256 bytes), one queued, a DMA_MAP mapping and a PERSIST region; then
 * rescan: the device is probed again as device 0 and works.
 */
TEST_F(life, remove_rescan_during_dma)
{
	struct bigphys_alloc keep, anon, pg = {};
	struct bigphys_region_info ri;
	struct bigphys_dev_info di;
	struct bigphys_dma_wait w;
	struct bigphys_dma_map m, m2;
	struct bigphys_dma d1, d2, d3 = {}, d4;
	struct bigphys_info in;
	char path[128];
	__u8 *pk, *pa, *pp = NULL, *pd;
	int has_pages, dbuf;
	__u64 t0;

	ASSERT_EQ(0, bp_alloc(self->fd, "lc_keep", 2 * BP_PAGE, 0,
			      BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_EXCL |
			      BIGPHYS_ALLOC_PERSIST, &keep));
	ASSERT_EQ(0, bp_alloc(self->fd, "", 2 * BP_PAGE, 0, 0, &anon));
	pk = bp_map(self->fd, keep.phys_addr, keep.size);
	pa = bp_map(self->fd, anon.phys_addr, anon.size);
	ASSERT_NE(MAP_FAILED, pk);
	ASSERT_NE(MAP_FAILED, pa);
	bp_fill(pk, keep.size, 71);
	bp_fill(pa, anon.size, 72);
	/* A page-backed region too, where the pool has a page-backed part. */
	ASSERT_EQ(0, bp_info(self->fd, &in));
	has_pages = bp_has_pages(&in);
	if (has_pages) {
		ASSERT_EQ(0, bp_alloc(self->fd, "", 2 * BP_PAGE, 0,
				      BIGPHYS_ALLOC_PAGES, &pg));
		pp = bp_map(self->fd, pg.phys_addr, pg.size);
		ASSERT_NE(MAP_FAILED, pp);
		bp_fill(pp, pg.size, 74);
	}

	bp_dma_req(&d1, anon.id, 0, WIN_SIZE, WIN, 0);
	ASSERT_EQ(0, bp_dma_start(self->fd, &d1));
	bp_dma_req(&d2, keep.id, 0, WIN_SIZE, WIN, 0);
	ASSERT_EQ(0, bp_dma_start(self->fd, &d2));
	if (has_pages) {
		bp_dma_req(&d3, pg.id, BP_PAGE, WIN_SIZE, WIN,
			   BIGPHYS_DMA_FROM_DEVICE);
		ASSERT_EQ(0, bp_dma_start(self->fd, &d3));
	}
	ASSERT_EQ(0, bp_dma_map(self->fd, keep.id, 0, 0, keep.size, 0, &m));
	/* The anonymous region as a dma-buf: a queued job and a DMA_MAP. */
	dbuf = bp_export(self->fd, anon.id, 0, 0, BIGPHYS_EXPORT_RDWR);
	ASSERT_LE(0, dbuf) TH_LOG("EXPORT: %s", strerror(errno));
	bp_dma_req(&d4, dbuf, BP_PAGE, WIN_SIZE, WIN,
		   BIGPHYS_DMA_DMABUF | BIGPHYS_DMA_FROM_DEVICE);
	ASSERT_EQ(0, bp_dma_start(self->fd, &d4));
	ASSERT_EQ(0, bp_dma_map(self->fd, dbuf, BIGPHYS_DMA_DMABUF, 0, BP_PAGE,
				0, &m2));
	ASSERT_UNLOAD_REFUSED();

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", self->dev.name);
	t0 = bp_now_ns();
	ASSERT_EQ(0, bp_write_file(strcat(path, "/remove"), "1"))
		TH_LOG("remove %s: %s", self->dev.name, strerror(errno));
	TH_LOG("remove took %llu ms",
	       (unsigned long long)((bp_now_ns() - t0) / BP_MSEC));
	path[strlen(path) - strlen("/remove")] = '\0';
	ASSERT_NE(0, access(path, F_OK));

	/* Both jobs report: the running one partly done, the queued not run. */
	ASSERT_EQ(0, bp_dma_wait(self->fd, d1.cookie, WAIT_NS, &w));
	ASSERT_EQ(-ENODEV, w.status);
	ASSERT_GT(WIN_SIZE, w.bytes);
	ASSERT_EQ(0ULL, w.bytes % 256);
	ASSERT_EQ(0, bp_dma_wait(self->fd, d2.cookie, WAIT_NS, &w));
	ASSERT_EQ(-ENODEV, w.status);
	ASSERT_EQ(0ULL, w.bytes);
	if (has_pages) {
		ASSERT_EQ(0, bp_dma_wait(self->fd, d3.cookie, WAIT_NS, &w));
		ASSERT_EQ(-ENODEV, w.status);
		ASSERT_EQ(0ULL, w.bytes);
		/* Not run: the readback target still holds its pattern. */
		ASSERT_EQ(-1L, bp_check(pp, pg.size, 74));
		ASSERT_EQ(0, bp_find(self->fd, pg.id, &ri));
		ASSERT_EQ(0U, ri.nr_dma);
	}
	/* The dma-buf job did not run either (pa keeps its pattern below). */
	ASSERT_EQ(0, bp_dma_wait(self->fd, d4.cookie, WAIT_NS, &w));
	ASSERT_EQ(-ENODEV, w.status);
	ASSERT_EQ(0ULL, w.bytes);
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m2.handle));

	/* No device; nothing holds the regions for DMA; data intact. */
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(0U, in.nr_devices);
	ASSERT_ERRNO(ENODEV, bp_dev_info(self->fd, 0, &di));
	bp_dma_req(&d1, anon.id, 0, 1, WIN, 0);
	ASSERT_ERRNO(ENODEV, bp_dma_start(self->fd, &d1));
	ASSERT_EQ(0, bp_find(self->fd, keep.id, &ri));
	ASSERT_EQ(0U, ri.nr_dma);
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));
	ASSERT_ERRNO(ENOENT, bp_dma_unmap(self->fd, m.handle));
	ASSERT_EQ(-1L, bp_check(pk, keep.size, 71));
	ASSERT_EQ(-1L, bp_check(pa, anon.size, 72));
	ASSERT_UNLOAD_REFUSED();

	/* Rescan: probed again, as device 0, and the engine works. */
	ASSERT_EQ(0, bp_write_file("/sys/bus/pci/rescan", "1"));
	ASSERT_EQ(0, access(path, F_OK)) TH_LOG("%s not back after rescan", path);
	ASSERT_EQ(0, bp_dev_info(self->fd, 0, &di))
		TH_LOG("device 0 after rescan: %s", strerror(errno));
	ASSERT_STREQ(self->dev.name, di.name);
	engine_roundtrip(_metadata, self->fd, 73);
	/* The dma-buf through the re-probed device (a new attachment). */
	pd = mmap(NULL, anon.size, PROT_READ | PROT_WRITE, MAP_SHARED, dbuf, 0);
	ASSERT_NE(MAP_FAILED, pd);
	ASSERT_EQ(-1L, bp_check(pd, anon.size, 72));
	ASSERT_EQ(0, bp_roundtrip_flags(self->fd, dbuf, BIGPHYS_DMA_DMABUF, pd,
					76))
		TH_LOG("dma-buf push/readback: %s", strerror(errno));
	ASSERT_EQ(0, munmap(pd, anon.size));
	ASSERT_EQ(0, close(dbuf));
	bp_fill(pa, anon.size, 72);
	if (has_pages) {
		/* The page-backed region through the re-probed device. */
		ASSERT_EQ(0, bp_roundtrip(self->fd, pg.id, pp, 75))
			TH_LOG("page-backed push/readback: %s", strerror(errno));
		ASSERT_EQ(0, munmap(pp, pg.size));
		ASSERT_EQ(0, bp_free_id(self->fd, pg.id));
	}

	ASSERT_EQ(-1L, bp_check(pk, keep.size, 71));
	ASSERT_EQ(0, munmap(pk, keep.size));
	ASSERT_EQ(0, munmap(pa, anon.size));
	ASSERT_EQ(0, bp_free_name(self->fd, "lc_keep"));
	ASSERT_EQ(0, bp_free_id(self->fd, anon.id));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * SIGKILL a process while its multi-transfer jobs run on a PERSIST region
 * and an anonymous one, both mapped, one also DMA_MAPped: the anonymous
 * region returns to the pool once the engine lets go of it, the PERSIST
 * region survives with its data and no user, the accounting is exact.
 */
TEST_F(life, kill_with_persist_and_mappings)
{
	const __u64 psize = 4 * BP_PAGE;
	struct bigphys_region_info ri;
	struct bigphys_alloc keep;
	struct bigphys_info in;
	int sync[2], i, has_pages;
	__u8 *p;

	ASSERT_EQ(0, bp_info(self->fd, &in));
	has_pages = bp_has_pages(&in);
	ASSERT_EQ(0, pipe(sync));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct bigphys_alloc k, a;
		struct bigphys_dma_map m;
		struct bigphys_dma d;
		int fd = bp_open(), dbuf;
		__u8 *pk, *pa;

		close(sync[0]);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(bp_alloc(fd, "lc_orphan", psize, 0,
				     BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_EXCL |
				     BIGPHYS_ALLOC_PERSIST, &k) == 0);
		CHILD_CHECK(bp_alloc(fd, "", BP_PAGE, 0, 0, &a) == 0);
		pk = bp_map(fd, k.phys_addr, psize);
		pa = bp_map(fd, a.phys_addr, BP_PAGE);
		CHILD_CHECK(pk != MAP_FAILED && pa != MAP_FAILED);
		bp_fill(pk, psize, 81);
		bp_dma_req(&d, k.id, 0, WIN_SIZE, WIN, 0);
		CHILD_CHECK(bp_dma_start(fd, &d) == 0);
		bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, BIGPHYS_DMA_FROM_DEVICE);
		CHILD_CHECK(bp_dma_start(fd, &d) == 0);
		CHILD_CHECK(bp_dma_map(fd, a.id, 0, 0, BP_PAGE, 0, &m) == 0);
		/* The region as a dma-buf with a job queued and a DMA_MAP. */
		dbuf = bp_export(fd, a.id, 0, 0, 0);
		CHILD_CHECK(dbuf >= 0);
		bp_dma_req(&d, dbuf, 0, WIN_SIZE, WIN, BIGPHYS_DMA_DMABUF);
		CHILD_CHECK(bp_dma_start(fd, &d) == 0);
		CHILD_CHECK(bp_dma_map(fd, dbuf, BIGPHYS_DMA_DMABUF, 0, BP_PAGE,
				       0, &m) == 0);
		/*
		 * A page-backed region with a job queued and its pages in a
		 * pipe of ours: when the exit closes the bigphys fd before the
		 * pipe, the region is HELD until the pipe goes too.
		 */
		if (has_pages) {
			struct bigphys_alloc g;
			struct iovec iov;
			int pp[2];
			__u8 *pg;

			CHILD_CHECK(bp_alloc(fd, "", 16 * BP_PAGE, 0,
					     BIGPHYS_ALLOC_PAGES, &g) == 0);
			pg = bp_map(fd, g.phys_addr, g.size);
			CHILD_CHECK(pg != MAP_FAILED);
			bp_fill(pg, g.size, 83);
			bp_dma_req(&d, g.id, 0, WIN_SIZE, WIN, 0);
			CHILD_CHECK(bp_dma_start(fd, &d) == 0);
			CHILD_CHECK(pipe(pp) == 0);
			iov.iov_base = pg;
			iov.iov_len = g.size;
			CHILD_CHECK(vmsplice(pp[1], &iov, 1, 0) == (ssize_t)g.size);
		}
		CHILD_CHECK(bp_sync_send(sync[1]) == 0);
		for (;;)
			pause();
	}
	close(sync[1]);
	ASSERT_EQ(0, bp_sync_wait(sync[0]));
	close(sync[0]);
	usleep(300000);		/* a few transfers into the first job */
	ASSERT_EQ(0, kill(self->child, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, bp_wait_child(self->child));
	self->child = -1;

	/*
	 * Only the PERSIST region remains, unused, once the engine is idle
	 * and any HELD page-backed region is back.
	 */
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, bp_info(self->fd, &in));
		if (in.nr_regions == 1 && !bp_list_nr_dma(self->fd))
			break;
		usleep(10000);
	}
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(in.pool_size - psize, in.free_bytes);
	ASSERT_EQ(0ULL, in.held_bytes);
	if (has_pages && !bp_pages_in_pool(&in))
		ASSERT_EQ(in.pages_size, in.pages_free);
	ASSERT_EQ(0, bp_alloc(self->fd, "lc_orphan", 0, 0, 0, &keep));
	ASSERT_EQ(psize, keep.size);
	ASSERT_EQ(0, bp_find(self->fd, keep.id, &ri));
	ASSERT_EQ(1U, ri.nr_files);	/* ours, by the attach above */
	ASSERT_EQ(0U, ri.nr_maps);
	ASSERT_EQ(0U, ri.nr_dma);
	ASSERT_NE(0U, ri.flags & BIGPHYS_ALLOC_PERSIST);
	p = bp_map(self->fd, keep.phys_addr, psize);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1L, bp_check(p, psize, 81));
	ASSERT_EQ(0, munmap(p, psize));

	/* Held by the PERSIST name alone: unload still refused. */
	ASSERT_EQ(0, close(self->fd));		/* detaches; the name stays */
	self->fd = -1;
	ASSERT_UNLOAD_REFUSED();
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(0, bp_free_name(self->fd, "lc_orphan"));
	ASSERT_POOL_IDLE(self->fd);
	engine_roundtrip(_metadata, self->fd, 82);
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * Unload attempts while only a mapping holds the module (its fd closed),
 * only an exported dma-buf or its mapping does, and while only another
 * process's open fd does: refused each time, and the memory keeps working.
 */
TEST_F(life, unload_stages)
{
	struct bigphys_alloc a;
	int sync[2], dbuf;
	__u8 *p;

	ASSERT_UNLOAD_REFUSED();		/* our fd */
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	p = bp_map(self->fd, a.phys_addr, BP_PAGE);
	ASSERT_NE(MAP_FAILED, p);
	bp_fill(p, BP_PAGE, 91);
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_UNLOAD_REFUSED();		/* the mapping alone */
	ASSERT_EQ(-1L, bp_check(p, BP_PAGE, 91));
	ASSERT_EQ(0, munmap(p, BP_PAGE));

	/* An exported dma-buf alone: region freed, every bigphys fd closed. */
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	p = bp_map(self->fd, a.phys_addr, BP_PAGE);
	ASSERT_NE(MAP_FAILED, p);
	bp_fill(p, BP_PAGE, 92);
	ASSERT_EQ(0, munmap(p, BP_PAGE));
	dbuf = bp_export(self->fd, a.id, 0, 0, 0);
	ASSERT_LE(0, dbuf);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_UNLOAD_REFUSED();		/* the dma-buf alone */
	p = mmap(NULL, BP_PAGE, PROT_READ, MAP_SHARED, dbuf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1L, bp_check(p, BP_PAGE, 92));
	ASSERT_EQ(0, close(dbuf));
	ASSERT_UNLOAD_REFUSED();		/* its mapping alone */
	ASSERT_EQ(-1L, bp_check(p, BP_PAGE, 92));
	ASSERT_EQ(0, munmap(p, BP_PAGE));

	ASSERT_EQ(0, pipe(sync));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		int fd = bp_open();

		close(sync[0]);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(bp_sync_send(sync[1]) == 0);
		for (;;)
			pause();
	}
	close(sync[1]);
	ASSERT_EQ(0, bp_sync_wait(sync[0]));
	close(sync[0]);
	ASSERT_UNLOAD_REFUSED();		/* another process's fd */
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_POOL_IDLE(self->fd);
}

TEST_HARNESS_MAIN
