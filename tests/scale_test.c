// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphys at scale (issue 13): many devices, many regions, a big pool.
 * Runs in make check's scale cell (scripts/lib.sh run_vm CONFIG scale:
 * 4 edu devices, a 1 GiB pool; tests/guest/scale.sh); anywhere else it
 * skips, saying what it needs.
 *
 * all_devices_at_once: SC_PROCS processes push to and read back from all
 *	SC_DEVS devices at once, SC_ROUNDS rounds: each process submits a
 *	push to every device, then waits for all four, then the readbacks.
 *	edu has one 4 KiB buffer per device (device address 0x40000), so
 *	process p owns slice p of every device's buffer (1 KiB at 0x40000 +
 *	p * 1024).  Every pattern depends on process, device and round: each
 *	readback is compared byte for byte, and at the end the parent reads
 *	back every device's whole buffer and finds each slice holding its
 *	owner's last pattern for that device (so no job went to another
 *	device).  The devices must overlap in time: the whole run must take
 *	less than half of what the jobs take one after another (edu: 100 ms
 *	per DMA).
 * hundred_thousand_regions: SC_RPROCS processes allocate SC_REGIONS
 *	regions of 4 KiB together (each checked zeroed through a mapping for
 *	a sample); INFO counts them and the free bytes exactly; the regions
 *	lie in the pool, page aligned, disjoint; one LIST call copies out all
 *	of them (ids, addresses, sizes, counts, names; nothing written past
 *	the count); a short LIST writes only its capacity and says how many
 *	exist; then half are freed by FREE (INFO and LIST exact again) and
 *	half by the processes exiting; the pool is idle after.  INFO and
 *	LIST times at 100,000 regions are logged (make bench measures them
 *	against the count).
 */
#include "bigphys_test_util.h"

#include <stdlib.h>

#define SC_DEVS		4
#define SC_PROCS	4
#define SC_ROUNDS	3
#define SC_SLICE	1024ULL
#define SC_EDU_MS	100	/* edu: one DMA takes 100 ms */

#define SC_REGIONS	100000U
#define SC_RPROCS	4
#define SC_PER_PROC	(SC_REGIONS / SC_RPROCS)
#define SC_RSIZE	BP_PAGE
#define SC_SAMPLE	5000	/* every this many regions: mapped, checked */
#define SC_SENTINEL	0xa5

/* Slice @p of a device's window: 1024 bytes, the last one 1023. */
static __u64 sc_slice_len(int p)
{
	return p == SC_PROCS - 1 ? BP_EDU_WIN_SIZE - p * SC_SLICE : SC_SLICE;
}

static __u64 sc_seed(int p, int d, int round)
{
	return 0x5ca1e000ULL + (__u64)p * 0x10000 + (__u64)d * 0x100 + round;
}

FIXTURE(scale) {
	int fd;
	struct bigphys_info info;
};

FIXTURE_SETUP(scale)
{
	self->fd = bp_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", BP_DEV, strerror(errno));
	ASSERT_EQ(0, bp_info(self->fd, &self->info));
	if (self->info.nr_devices < SC_DEVS)
		SKIP(return, "needs %d DMA devices bound to bigphys, found %u (make check's 6.12:scale cell boots 4 edu)",
		     SC_DEVS, self->info.nr_devices);
	if (self->info.pool_size < 512ULL << 20)
		SKIP(return, "needs a pool of at least 512 MiB for %u regions of 4 KiB, have %llu MiB (the scale cell loads 1 GiB)",
		     SC_REGIONS, (unsigned long long)self->info.pool_size >> 20);
	ASSERT_EQ(0, bp_set_max_chunk(0));
	ASSERT_POOL_IDLE(self->fd);
}

FIXTURE_TEARDOWN(scale)
{
	if (self->fd >= 0)
		close(self->fd);
	if (!_metadata->skip)
		bp_teardown(_metadata, 0, NULL, 0);
}

/* Wait for job @cookie on @fd: 0 when it moved exactly @len bytes. */
static int sc_wait(int fd, __u64 cookie, __u64 len)
{
	struct bigphys_dma_wait w;

	if (bp_dma_wait(fd, cookie, 30 * BP_NSEC, &w))
		return -1;
	if (w.status || w.bytes != len) {
		fprintf(stderr, "# job %llu: status %d, %llu of %llu bytes\n",
			(unsigned long long)cookie, w.status,
			(unsigned long long)w.bytes, (unsigned long long)len);
		errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * Child @p of all_devices_at_once: an 8-page region, pages 0-3 the pushed
 * patterns (one per device), pages 4-7 the readbacks.
 */
static void sc_devices_child(int p, int go)
{
	__u64 len = sc_slice_len(p), dev_addr = BP_EDU_WIN + p * SC_SLICE;
	__u64 cookie[SC_DEVS];
	struct bigphys_alloc a;
	struct bigphys_dma d;
	int fd, r, i, dev;
	__u8 *m;

	fd = bp_open();
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(!bp_alloc(fd, NULL, 8 * BP_PAGE, 0, 0, &a));
	m = bp_map(fd, a.phys_addr, 8 * BP_PAGE);
	CHILD_CHECK(m != MAP_FAILED);
	CHILD_CHECK(!bp_sync_wait(go));
	for (r = 0; r < SC_ROUNDS; r++) {
		for (dev = 0; dev < SC_DEVS; dev++) {
			bp_fill_bytes(m + dev * BP_PAGE, len, sc_seed(p, dev, r), 0, 0);
			bp_fill_bytes(m + (4 + dev) * BP_PAGE, len, sc_seed(p, dev, r), 0, 1);
		}
		/* Every device at once, each process starting on another one. */
		for (i = 0; i < SC_DEVS; i++) {
			dev = (p + i) % SC_DEVS;
			bp_dma_req(&d, a.id, dev * BP_PAGE, len, dev_addr, 0);
			d.dev_index = dev;
			CHILD_CHECK(!bp_dma_start(fd, &d));
			cookie[dev] = d.cookie;
		}
		for (dev = 0; dev < SC_DEVS; dev++)
			CHILD_CHECK(!sc_wait(fd, cookie[dev], len));
		for (i = 0; i < SC_DEVS; i++) {
			dev = (p + i) % SC_DEVS;
			bp_dma_req(&d, a.id, (4 + dev) * BP_PAGE, len, dev_addr,
				   BIGPHYS_DMA_FROM_DEVICE);
			d.dev_index = dev;
			CHILD_CHECK(!bp_dma_start(fd, &d));
			cookie[dev] = d.cookie;
		}
		for (dev = 0; dev < SC_DEVS; dev++) {
			long bad;

			CHILD_CHECK(!sc_wait(fd, cookie[dev], len));
			bad = bp_check_bytes(m + (4 + dev) * BP_PAGE, len,
					     sc_seed(p, dev, r), 0, 0);
			if (bad != -1)
				fprintf(stderr, "# process %d, device %d, round %d: byte %ld read back wrong\n",
					p, dev, r, bad);
			CHILD_CHECK(bad == -1);
		}
	}
	munmap(m, 8 * BP_PAGE);
	close(fd);
	_exit(0);
}

TEST_F_TIMEOUT(scale, all_devices_at_once, 120)
{
	char names[SC_DEVS][BIGPHYS_NAME_LEN];
	struct bigphys_dev_info di;
	pid_t pid[SC_PROCS];
	struct bigphys_alloc a;
	struct bigphys_dma d;
	int go[2], p, dev, j;
	__u64 t0, elapsed, serial;
	__u8 *m;

	if (_metadata->skip)
		return;
	/* Four engines, four different devices, the same window. */
	for (dev = 0; dev < SC_DEVS; dev++) {
		ASSERT_EQ(0, bp_dev_info(self->fd, dev, &di));
		ASSERT_EQ(BP_EDU_WIN, di.window_base);
		ASSERT_LE(BP_EDU_WIN_SIZE, di.window_size);
		memcpy(names[dev], di.name, BIGPHYS_NAME_LEN);
		for (j = 0; j < dev; j++)
			ASSERT_NE(0, strncmp(names[j], names[dev], BIGPHYS_NAME_LEN));
		TH_LOG("device %d: %s", dev, di.name);
	}

	ASSERT_EQ(0, pipe(go));
	for (p = 0; p < SC_PROCS; p++) {
		pid[p] = fork();
		ASSERT_LE(0, pid[p]);
		if (!pid[p]) {
			close(go[1]);
			sc_devices_child(p, go[0]);
		}
	}
	close(go[0]);
	t0 = bp_now_ns();
	for (p = 0; p < SC_PROCS; p++)
		ASSERT_EQ(0, bp_sync_send(go[1]));
	for (p = 0; p < SC_PROCS; p++)
		EXPECT_EQ(0, bp_wait_child(pid[p])) TH_LOG("process %d failed", p);
	elapsed = bp_now_ns() - t0;
	close(go[1]);
	ASSERT_TRUE(_metadata->passed);
	/* Every job one after another on one engine would take this long. */
	serial = (__u64)SC_PROCS * SC_DEVS * SC_ROUNDS * 2 * SC_EDU_MS * BP_MSEC;
	TH_LOG("%d processes x %d devices x %d rounds x (push + readback) = %d jobs in %llu ms (%llu ms one after another)",
	       SC_PROCS, SC_DEVS, SC_ROUNDS, SC_PROCS * SC_DEVS * SC_ROUNDS * 2,
	       (unsigned long long)(elapsed / BP_MSEC), (unsigned long long)(serial / BP_MSEC));
	EXPECT_GT(serial / 2, elapsed) TH_LOG("the devices did not run at once");

	/* Each device's buffer holds its own last patterns, slice by slice. */
	ASSERT_EQ(0, bp_alloc(self->fd, NULL, BP_PAGE, 0, 0, &a));
	m = bp_map(self->fd, a.phys_addr, BP_PAGE);
	ASSERT_NE(MAP_FAILED, m);
	for (dev = 0; dev < SC_DEVS; dev++) {
		memset(m, 0, BP_PAGE);
		bp_dma_req(&d, a.id, 0, BP_EDU_WIN_SIZE, BP_EDU_WIN,
			   BIGPHYS_DMA_FROM_DEVICE);
		d.dev_index = dev;
		ASSERT_EQ(0, bp_dma_start(self->fd, &d));
		ASSERT_EQ(0, sc_wait(self->fd, d.cookie, BP_EDU_WIN_SIZE));
		for (p = 0; p < SC_PROCS; p++)
			EXPECT_EQ(-1, bp_check_bytes(m + p * SC_SLICE, sc_slice_len(p),
						     sc_seed(p, dev, SC_ROUNDS - 1), 0, 0))
				TH_LOG("device %d, slice %d: not process %d's last pattern for it",
				       dev, p, p);
	}
	munmap(m, BP_PAGE);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

struct sc_region {
	__u32 id;
	__u32 pad;
	__u64 phys;
};

/*
 * Child @p of hundred_thousand_regions: allocates its share into @tab,
 * reports 'r' on @up, then obeys @down: 'f' FREE every region (and report
 * 'f'), 'x' exit (the fd's close releases what is left).
 */
static void sc_regions_child(int p, struct sc_region *tab, int up, int down)
{
	struct bigphys_alloc a;
	__u64 t0 = bp_now_ns();
	unsigned int i;
	char c;
	__u8 *m;
	int fd;

	fd = bp_open();
	CHILD_CHECK(fd >= 0);
	for (i = 0; i < SC_PER_PROC; i++) {
		if (bp_alloc(fd, NULL, SC_RSIZE, 0, 0, &a)) {
			fprintf(stderr, "# process %d: ALLOC %u failed: %s\n", p, i,
				strerror(errno));
			_exit(1);
		}
		tab[i].id = a.id;
		tab[i].phys = a.phys_addr;
		if (i % SC_SAMPLE)
			continue;
		m = bp_map(fd, a.phys_addr, SC_RSIZE);
		CHILD_CHECK(m != MAP_FAILED);
		CHILD_CHECK(bp_check_zero(m, SC_RSIZE) == -1);
		bp_fill(m, SC_RSIZE, a.id);
		CHILD_CHECK(bp_check(m, SC_RSIZE, a.id) == -1);
		munmap(m, SC_RSIZE);
	}
	fprintf(stderr, "# process %d: %u ALLOCs of 4 KiB in %llu ms\n", p, SC_PER_PROC,
		(unsigned long long)((bp_now_ns() - t0) / BP_MSEC));
	CHILD_CHECK(!bp_sync_send(up));
	for (;;) {
		CHILD_CHECK(read(down, &c, 1) == 1);
		if (c == 'x')
			_exit(0);
		CHILD_CHECK(c == 'f');
		t0 = bp_now_ns();
		for (i = 0; i < SC_PER_PROC; i++)
			CHILD_CHECK(!bp_free_id(fd, tab[i].id));
		fprintf(stderr, "# process %d: %u FREEs in %llu ms\n", p, SC_PER_PROC,
			(unsigned long long)((bp_now_ns() - t0) / BP_MSEC));
		CHILD_CHECK(!bp_sync_send(up));
	}
}

static int sc_cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int sc_cmp_region_id(const void *a, const void *b)
{
	const struct sc_region *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The first index at which @buf is not all SC_SENTINEL, or -1. */
static long sc_untouched(const void *buf, size_t len)
{
	const __u8 *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != SC_SENTINEL)
			return (long)i;
	return -1;
}

/*
 * LIST must show exactly the regions @want[0..@n) (sorted by id), each
 * 4 KiB, anonymous, attached to one fd, unmapped, no DMA, in one call that
 * writes nothing past the count.
 */
static void sc_check_list(struct __test_metadata *_metadata, int fd,
			  const struct sc_region *want, __u32 n)
{
	size_t bytes = ((size_t)n + 8) * sizeof(struct bigphys_region_info);
	struct bigphys_region_info *l = malloc(bytes), zero;
	__u32 count = n + 8, i, bad = 0;
	__u64 t0;

	ASSERT_NE(NULL, l);
	memset(l, SC_SENTINEL, bytes);
	memset(&zero, 0, sizeof(zero));
	t0 = bp_now_ns();
	ASSERT_EQ(0, bp_list(fd, l, &count));
	TH_LOG("LIST of %u regions: one call, %llu us", n,
	       (unsigned long long)((bp_now_ns() - t0) / 1000));
	ASSERT_EQ(n, count);
	EXPECT_EQ(-1, sc_untouched(l + n, 8 * sizeof(*l)))
		TH_LOG("LIST wrote past the %u entries", n);
	/* The region table is an xarray by id: LIST comes in id order. */
	for (i = 0; i < n; i++) {
		const struct bigphys_region_info *e = &l[i];

		if (e->id != want[i].id || e->phys_addr != want[i].phys ||
		    e->size != SC_RSIZE || e->nr_files != 1 || e->nr_maps ||
		    e->nr_dma || e->pad ||
		    (e->flags & (BIGPHYS_ALLOC_PERSIST | BIGPHYS_ALLOC_PAGES |
				 BIGPHYS_REGION_HELD)) ||
		    memcmp(e->name, zero.name, sizeof(e->name))) {
			if (bad++ < 5)
				TH_LOG("LIST entry %u: id %u phys 0x%llx size %llu files %u maps %u dma %u flags 0x%x; want id %u phys 0x%llx",
				       i, e->id, (unsigned long long)e->phys_addr,
				       (unsigned long long)e->size, e->nr_files, e->nr_maps,
				       e->nr_dma, e->flags, want[i].id,
				       (unsigned long long)want[i].phys);
		}
	}
	EXPECT_EQ(0U, bad);
	free(l);
}

TEST_F_TIMEOUT(scale, hundred_thousand_regions, 900)
{
	int up[2], down[SC_RPROCS][2], p;
	struct bigphys_region_info *l, *small;
	struct sc_region *tab, *sorted;
	struct bigphys_info in;
	__u64 *phys, t0, t_info, t_list, t_count;
	pid_t pid[SC_RPROCS];
	__u32 i, count;
	char c;

	if (_metadata->skip)
		return;
	tab = mmap(NULL, SC_REGIONS * sizeof(*tab), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, tab);
	ASSERT_EQ(0, pipe(up));
	for (p = 0; p < SC_RPROCS; p++)
		ASSERT_EQ(0, pipe(down[p]));
	t0 = bp_now_ns();
	for (p = 0; p < SC_RPROCS; p++) {
		pid[p] = fork();
		ASSERT_LE(0, pid[p]);
		if (!pid[p]) {
			close(up[0]);
			close(down[p][1]);
			sc_regions_child(p, tab + p * SC_PER_PROC, up[1], down[p][0]);
		}
		close(down[p][0]);
	}
	close(up[1]);
	for (p = 0; p < SC_RPROCS; p++)
		ASSERT_EQ(1, read(up[0], &c, 1)) TH_LOG("a process failed allocating");
	TH_LOG("%u regions of 4 KiB allocated by %d processes in %llu ms", SC_REGIONS,
	       SC_RPROCS, (unsigned long long)((bp_now_ns() - t0) / BP_MSEC));

	/* INFO: the count and the bytes, exactly. */
	t0 = bp_now_ns();
	ASSERT_EQ(0, bp_info(self->fd, &in));
	t_info = bp_now_ns() - t0;
	EXPECT_EQ(SC_REGIONS, in.nr_regions);
	EXPECT_EQ(self->info.pool_size - (__u64)SC_REGIONS * SC_RSIZE, in.free_bytes);
	EXPECT_GE(in.free_bytes, in.largest_free);
	EXPECT_LT(0ULL, in.largest_free);
	EXPECT_EQ(0ULL, in.held_bytes);

	/* In the pool, page aligned, disjoint. */
	phys = malloc(SC_REGIONS * sizeof(*phys));
	ASSERT_NE(NULL, phys);
	for (i = 0; i < SC_REGIONS; i++)
		phys[i] = tab[i].phys;
	qsort(phys, SC_REGIONS, sizeof(*phys), sc_cmp_u64);
	ASSERT_LE(in.pool_base, phys[0]);
	ASSERT_GE(in.pool_base + in.pool_size, phys[SC_REGIONS - 1] + SC_RSIZE);
	for (i = 0; i < SC_REGIONS; i++) {
		ASSERT_EQ(0ULL, phys[i] % BP_PAGE);
		if (i)
			ASSERT_LE(phys[i - 1] + SC_RSIZE, phys[i]) TH_LOG("regions overlap at 0x%llx",
									  (unsigned long long)phys[i]);
	}
	free(phys);

	/* LIST: all of them in one call, exactly; then a short one. */
	sorted = malloc(SC_REGIONS * sizeof(*sorted));
	ASSERT_NE(NULL, sorted);
	memcpy(sorted, tab, SC_REGIONS * sizeof(*sorted));
	qsort(sorted, SC_REGIONS, sizeof(*sorted), sc_cmp_region_id);
	sc_check_list(_metadata, self->fd, sorted, SC_REGIONS);
	small = malloc(20 * sizeof(*small));
	l = malloc(10 * sizeof(*l));
	ASSERT_NE(NULL, small);
	ASSERT_NE(NULL, l);
	memset(small, SC_SENTINEL, 20 * sizeof(*small));
	count = 10;
	ASSERT_EQ(0, bp_list(self->fd, small, &count));
	EXPECT_EQ(SC_REGIONS, count);
	EXPECT_EQ(-1, sc_untouched(small + 10, 10 * sizeof(*small)));
	for (i = 0; i < 10; i++)
		EXPECT_EQ(sorted[i].id, small[i].id);
	count = 0;
	t0 = bp_now_ns();
	ASSERT_EQ(0, bp_list(self->fd, NULL, &count));
	t_count = bp_now_ns() - t0;
	EXPECT_EQ(SC_REGIONS, count);
	/* The full copy-out once more, timed alone. */
	free(l);
	l = malloc(SC_REGIONS * sizeof(*l));
	ASSERT_NE(NULL, l);
	count = SC_REGIONS;
	t0 = bp_now_ns();
	ASSERT_EQ(0, bp_list(self->fd, l, &count));
	t_list = bp_now_ns() - t0;
	EXPECT_EQ(SC_REGIONS, count);
	TH_LOG("with %u regions: INFO %llu us, LIST (count only) %llu us, LIST (all) %llu us = %llu ns per entry",
	       SC_REGIONS, (unsigned long long)(t_info / 1000),
	       (unsigned long long)(t_count / 1000), (unsigned long long)(t_list / 1000),
	       (unsigned long long)(t_list / SC_REGIONS));
	free(l);
	free(small);

	/* Processes 0 and 1 FREE theirs one by one: exact again. */
	for (p = 0; p < SC_RPROCS / 2; p++)
		ASSERT_EQ(1, write(down[p][1], "f", 1));
	for (p = 0; p < SC_RPROCS / 2; p++)
		ASSERT_EQ(1, read(up[0], &c, 1)) TH_LOG("a process failed freeing");
	ASSERT_EQ(0, bp_info(self->fd, &in));
	EXPECT_EQ(SC_REGIONS / 2, in.nr_regions);
	EXPECT_EQ(self->info.pool_size - (__u64)SC_REGIONS / 2 * SC_RSIZE, in.free_bytes);
	memcpy(sorted, tab + SC_RPROCS / 2 * SC_PER_PROC, SC_REGIONS / 2 * sizeof(*sorted));
	qsort(sorted, SC_REGIONS / 2, sizeof(*sorted), sc_cmp_region_id);
	sc_check_list(_metadata, self->fd, sorted, SC_REGIONS / 2);
	free(sorted);

	/* All exit; 2 and 3 still hold theirs: the close releases them. */
	for (p = 0; p < SC_RPROCS; p++) {
		ASSERT_EQ(1, write(down[p][1], "x", 1));
		close(down[p][1]);
	}
	for (p = 0; p < SC_RPROCS; p++)
		EXPECT_EQ(0, bp_wait_child(pid[p])) TH_LOG("process %d failed", p);
	close(up[0]);
	ASSERT_EQ(0, bp_info(self->fd, &in));
	EXPECT_EQ(0U, in.nr_regions);
	EXPECT_EQ(in.pool_size, in.free_bytes);
	EXPECT_EQ(in.pool_size, in.largest_free);
	count = 0;
	ASSERT_EQ(0, bp_list(self->fd, NULL, &count));
	EXPECT_EQ(0U, count);
	munmap(tab, SC_REGIONS * sizeof(*tab));
}

TEST_HARNESS_MAIN
