// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU cache maintenance for DMA ("Cache coherence" in bigphys_map.c),
 * against QEMU's edu device bound as device 0, seen through the
 * bigphys_cache_sync tracepoint (emulators model no caches: the event is
 * the only trace of it).  For a device that does not snoop the CPU caches
 * (sysfs dma_coherent 0) and a write-back region of the reserved pool:
 *  - a job to the device (STRT_DMA, STRT_DMAV, io_uring) cleans and
 *    invalidates exactly the range it maps before the engine's first
 *    transfer, and nothing after; a job from the device does the same and
 *    invalidates the range again after its last transfer;
 *  - a dma-buf of the region imported back (BIGPHYS_DMA_DMABUF): the
 *    exporter does it for the exported range;
 *  - DMA_MAP of the region fails with EOPNOTSUPP.
 * WC and UC regions, coherent devices (every x86 device) and the
 * page-allocator pool: no event at all, and DMA_MAP of a reserved WB
 * region works.  Every job's bytes are checked after a readback.
 */
#include <stdlib.h>

#include "bigphys_test_util.h"
#include "bigphys_trace_util.h"
#include "bigphys_uring_util.h"

#define WIN		BP_EDU_WIN
#define WIN_SIZE	BP_EDU_WIN_SIZE
#define WAIT_NS		(10 * BP_NSEC)
#define OFF		100ULL		/* a push's offset in its region */

FIXTURE(coh) {
	int fd;
	struct bigphys_dev_info dev;
	int coherent;		/* sysfs dma_coherent of device 0 */
	int reserved;		/* the pool is the boot-reserved range */
	int tracing;
};

FIXTURE_SETUP(coh)
{
	struct bigphys_info in;
	char path[256], val[16];

	self->tracing = 0;
	BP_DMA_FIXTURE_SETUP(self->fd, &self->dev);
	snprintf(path, sizeof(path), BP_PCI_DRIVER "%s/bigphys/dma_coherent",
		 self->dev.name);
	ASSERT_EQ(0, bp_read_file(path, val, sizeof(val)))
		TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_TRUE(!strcmp(val, "0") || !strcmp(val, "1")) TH_LOG("'%s'", val);
	self->coherent = val[0] == '1';
#if defined(__x86_64__) || defined(__i386__)
	ASSERT_TRUE(self->coherent) TH_LOG("x86 devices snoop the caches");
#endif
	ASSERT_EQ(0, bp_info(self->fd, &in));
	self->reserved = !!(in.flags & BIGPHYS_POOL_RESERVED);
	ASSERT_NE(self->reserved, !!(in.flags & BIGPHYS_POOL_PAGES));
	TH_LOG("device %s: dma_coherent %d, %s pool", self->dev.name,
	       self->coherent, self->reserved ? "reserved" : "page-allocator");
}

FIXTURE_TEARDOWN(coh)
{
	if (self->tracing)
		trace_stop();
	if (self->fd >= 0)
		close(self->fd);
	bp_teardown(_metadata, -1, NULL, 0);
}

/* Whether a WB region of this pool gets bigphys's own maintenance. */
static int ops_expected(const FIXTURE_DATA(coh) *self, __u32 cache)
{
	return !self->coherent && self->reserved && cache == BIGPHYS_CACHE_WB;
}

/* Whether a cache_sync event's operation (its last field) is @op. */
static int ev_op(const struct event *e, const char *op)
{
	const char *p = strstr(e->body, " op=");

	return p && !strcmp(p + 4, op);
}

/*
 * One job's trace: no cache_sync event unless @ops; with @ops exactly one
 * clean+inval of [@phys, @phys + @len) of region @id before the engine's
 * first transfer, then (@from_dev) exactly one inval of the same range after
 * its last transfer, and nothing else.
 */
static void check_syncs(struct __test_metadata *_metadata,
			const struct trace *t, int ops, __u32 id,
			unsigned long long phys, unsigned long long len,
			int from_dev)
{
	int i, n = 0, first = -1, last = -1, clean = -1, inval = -1;

	for (i = 0; i < t->n; i++) {
		if (!strcmp(t->ev[i].name, "job_chunk")) {
			if (first < 0)
				first = i;
			last = i;
		}
		if (strcmp(t->ev[i].name, "cache_sync"))
			continue;
		n++;
		EXPECT_EQ(id, ev_u(&t->ev[i], "region"));
		EXPECT_EQ(phys, ev_u(&t->ev[i], "phys"));
		EXPECT_EQ(len, ev_u(&t->ev[i], "len"));
		if (ev_op(&t->ev[i], "clean+inval") && clean < 0)
			clean = i;
		else if (ev_op(&t->ev[i], "inval") && inval < 0)
			inval = i;
		else
			EXPECT_TRUE(0) TH_LOG("extra event:%s", t->ev[i].body);
	}
	ASSERT_LE(0, first) TH_LOG("no job_chunk event in the trace");
	if (!ops) {
		ASSERT_EQ(0, n) TH_LOG("cache maintenance for a coherent job");
		return;
	}
	ASSERT_EQ(from_dev ? 2 : 1, n);
	ASSERT_LE(0, clean) TH_LOG("no clean+inval before the device reads");
	ASSERT_LT(clean, first);
	if (from_dev) {
		ASSERT_LE(0, inval) TH_LOG("no inval after the device wrote");
		ASSERT_GT(inval, last);
	}
}

/* A mapped region of @pages pages and cache type @flags. */
static __u8 *region_new(struct __test_metadata *_metadata, int fd,
			__u64 pages, __u32 flags, struct bigphys_alloc *a)
{
	void *p;

	ASSERT_EQ(0, bp_alloc(fd, "", pages * BP_PAGE, 0, flags, a))
		TH_LOG("alloc: %s", strerror(errno));
	p = bp_map(fd, a->phys_addr, a->size);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	return p;
}

/* Run one STRT_DMA job (region id, or dma-buf fd with DMABUF), traced. */
static void run_traced(struct __test_metadata *_metadata, int fd, int *tracing,
		       int id, __u64 off, __u32 flags, struct trace *t)
{
	struct bigphys_dma_wait w;
	struct bigphys_dma d;

	trace_begin(_metadata, tracing);
	bp_dma_req(&d, (__u32)id, off, WIN_SIZE, WIN, flags);
	ASSERT_EQ(0, bp_dma_start(fd, &d)) TH_LOG("STRT_DMA: %s", strerror(errno));
	ASSERT_EQ(0, bp_dma_wait(fd, d.cookie, WAIT_NS, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(WIN_SIZE, w.bytes);
	trace_end(_metadata, t, "cache_sync");
}

/*
 * STRT_DMA push from offset OFF of a region of each cache type, and a
 * readback into its third page: the events that type needs, and the bytes.
 */
TEST_F(coh, strt_dma)
{
	static const __u32 types[] = {
		BIGPHYS_CACHE_WB, BIGPHYS_CACHE_WC, BIGPHYS_CACHE_UC,
	};
	struct bigphys_alloc a;
	struct trace *t;
	size_t i;
	__u8 *p;

	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int ops = ops_expected(self, types[i]);

		TH_LOG("cache type %s: %s", bp_pat_name(types[i]),
		       ops ? "maintenance expected" : "no maintenance");
		p = region_new(_metadata, self->fd, 3, types[i], &a);
		bp_fill_bytes(p + OFF, WIN_SIZE, 30 + i, 0, 0);
		bp_fill_bytes(p + 2 * BP_PAGE, WIN_SIZE, 30 + i, 0, 1);
		run_traced(_metadata, self->fd, &self->tracing, (int)a.id, OFF,
			   0, t);
		check_syncs(_metadata, t, ops, a.id, a.phys_addr + OFF,
			    WIN_SIZE, 0);
		run_traced(_metadata, self->fd, &self->tracing, (int)a.id,
			   2 * BP_PAGE, BIGPHYS_DMA_FROM_DEVICE, t);
		check_syncs(_metadata, t, ops, a.id, a.phys_addr + 2 * BP_PAGE,
			    WIN_SIZE, 1);
		ASSERT_EQ(-1L, bp_check_bytes(p + 2 * BP_PAGE, WIN_SIZE, 30 + i,
					      0, 0));
		ASSERT_EQ(0, munmap(p, a.size));
		ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	}
	free(t);
}

/* STRT_DMAV of two segments each way: the span they cover, once. */
TEST_F(coh, strt_dmav)
{
	struct bigphys_dma_seg segs[2] = {
		{ 512, 1024, WIN }, { 3000, 1000, WIN + 1024 },
	};
	struct bigphys_dma_wait w;
	struct bigphys_dmav v;
	struct bigphys_alloc a;
	struct trace *t;
	int ops = ops_expected(self, BIGPHYS_CACHE_WB), dir;
	__u8 *p;

	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	p = region_new(_metadata, self->fd, 2, BIGPHYS_CACHE_WB, &a);
	bp_fill_bytes(p, BP_PAGE, 40, 0, 0);
	bp_fill_bytes(p + BP_PAGE, BP_PAGE, 40, 0, 1);
	for (dir = 0; dir < 2; dir++) {
		trace_begin(_metadata, &self->tracing);
		memset(&v, 0, sizeof(v));
		v.region_id = a.id;
		v.flags = dir ? BIGPHYS_DMA_FROM_DEVICE : 0;
		v.nr_segs = 2;
		v.segs = (uintptr_t)segs;
		ASSERT_EQ(0, ioctl(self->fd, BIGPHYS_IOC_STRT_DMAV, &v))
			TH_LOG("STRT_DMAV: %s", strerror(errno));
		ASSERT_EQ(0, bp_dma_wait(self->fd, v.cookie, WAIT_NS, &w));
		ASSERT_EQ(0, w.status);
		ASSERT_EQ(2024ULL, w.bytes);
		trace_end(_metadata, t, "cache_sync");
		check_syncs(_metadata, t, ops, a.id,
			    a.phys_addr + dir * BP_PAGE + 512, 3488, dir);
		segs[0].offset += BP_PAGE;	/* the readback: second page */
		segs[1].offset += BP_PAGE;
	}
	/* The segments came back; the gap between them is untouched. */
	ASSERT_EQ(-1L, bp_check_bytes(p + BP_PAGE + 512, 1024, 40, 512, 0));
	ASSERT_EQ(-1L, bp_check_bytes(p + BP_PAGE + 1536, 1464, 40, 1536, 1));
	ASSERT_EQ(-1L, bp_check_bytes(p + BP_PAGE + 3000, 1000, 40, 3000, 0));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	free(t);
}

/* BIGPHYS_URING_CMD_DMA push and readback of a WB region. */
TEST_F(coh, uring)
{
	int ops = ops_expected(self, BIGPHYS_CACHE_WB), dir, ret;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	struct io_uring ring;
	struct bp_cqe c;
	struct trace *t;
	__u8 *p;

	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	ret = bp_ring_init(&ring, 0);
	ASSERT_EQ(0, ret) TH_LOG("io_uring_queue_init: %s", strerror(-ret));
	p = region_new(_metadata, self->fd, 3, BIGPHYS_CACHE_WB, &a);
	bp_fill_bytes(p + OFF, WIN_SIZE, 50, 0, 0);
	bp_fill_bytes(p + 2 * BP_PAGE, WIN_SIZE, 50, 0, 1);
	for (dir = 0; dir < 2; dir++) {
		__u64 off = dir ? 2 * BP_PAGE : OFF;

		trace_begin(_metadata, &self->tracing);
		bp_dma_req(&d, a.id, off, WIN_SIZE, WIN,
			   dir ? BIGPHYS_DMA_FROM_DEVICE : 0);
		ASSERT_EQ(1, bp_ucmd(&ring, self->fd, BIGPHYS_URING_CMD_DMA, &d,
				     sizeof(d), 9));
		ASSERT_EQ(0, bp_cqe_wait(&ring, &c, 10000));
		ASSERT_EQ(0, c.res) TH_LOG("uring job: %s", strerror(-c.res));
		ASSERT_EQ(WIN_SIZE, BIGPHYS_CQE_BYTES(c.extra));
		trace_end(_metadata, t, "cache_sync");
		check_syncs(_metadata, t, ops, a.id, a.phys_addr + off,
			    WIN_SIZE, dir);
	}
	ASSERT_EQ(-1L, bp_check_bytes(p + 2 * BP_PAGE, WIN_SIZE, 50, 0, 0));
	io_uring_queue_exit(&ring);
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	free(t);
}

/*
 * A dma-buf of the second and third pages of a WB region, imported back:
 * the exporter's map cleans the exported range, its unmap invalidates it
 * after a readback only.
 */
TEST_F(coh, dmabuf)
{
	int ops = ops_expected(self, BIGPHYS_CACHE_WB), e;
	struct bigphys_alloc a;
	struct trace *t;
	__u8 *p;

	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	p = region_new(_metadata, self->fd, 4, BIGPHYS_CACHE_WB, &a);
	e = bp_export(self->fd, a.id, BP_PAGE, 2 * BP_PAGE,
		      BIGPHYS_EXPORT_CLOEXEC | BIGPHYS_EXPORT_RDWR);
	ASSERT_LE(0, e) TH_LOG("EXPORT: %s", strerror(errno));
	/* The jobs' ranges are the dma-buf's pages: the syncs cover both. */
	bp_fill_bytes(p + BP_PAGE, WIN_SIZE, 60, 0, 0);
	bp_fill_bytes(p + 2 * BP_PAGE, WIN_SIZE, 60, 0, 1);
	run_traced(_metadata, self->fd, &self->tracing, e, 0,
		   BIGPHYS_DMA_DMABUF, t);
	check_syncs(_metadata, t, ops, a.id, a.phys_addr + BP_PAGE,
		    2 * BP_PAGE, 0);
	run_traced(_metadata, self->fd, &self->tracing, e, BP_PAGE,
		   BIGPHYS_DMA_DMABUF | BIGPHYS_DMA_FROM_DEVICE, t);
	check_syncs(_metadata, t, ops, a.id, a.phys_addr + BP_PAGE,
		    2 * BP_PAGE, 1);
	ASSERT_EQ(-1L, bp_check_bytes(p + 2 * BP_PAGE, WIN_SIZE, 60, 0, 0));
	ASSERT_EQ(0, close(e));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	free(t);
}

/* DMA_MAP and DMA_UNMAP of the first page of region @id: no cache_sync. */
static void map_without_syncs(struct __test_metadata *_metadata, int fd,
			      int *tracing, __u32 id, struct trace *t,
			      const char *what)
{
	struct bigphys_dma_map m;

	trace_begin(_metadata, tracing);
	ASSERT_EQ(0, bp_dma_map(fd, id, 0, 0, BP_PAGE, 0, &m))
		TH_LOG("DMA_MAP of %s: %s", what, strerror(errno));
	ASSERT_EQ(0, bp_dma_unmap(fd, m.handle));
	trace_end(_metadata, t, "cache_sync");
	for (int i = 0; i < t->n; i++)
		ASSERT_STRNE("cache_sync", t->ev[i].name);
}

/*
 * DMA_MAP: refused for a WB region that needs bigphys's maintenance (user
 * space could not ask for it), allowed for WC, and for WB when coherent.
 */
TEST_F(coh, dma_map)
{
	struct bigphys_dma_map m;
	struct bigphys_alloc a, b;
	struct trace *t;

	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, BIGPHYS_CACHE_WB, &a));
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, BIGPHYS_CACHE_WC, &b));
	if (!self->reserved) {
		/* dma_map_sgtable() pages: refused when they need syncs. */
		if (!self->coherent) {
			ASSERT_ERRNO(EOPNOTSUPP, bp_dma_map(self->fd, a.id, 0,
							     0, BP_PAGE, 0, &m));
			ASSERT_ERRNO(EOPNOTSUPP, bp_dma_map(self->fd, b.id, 0,
							     0, BP_PAGE, 0, &m));
		}
		SKIP(goto out, "page-allocator pool: no bigphys maintenance");
	}
	if (ops_expected(self, BIGPHYS_CACHE_WB)) {
		ASSERT_ERRNO(EOPNOTSUPP, bp_dma_map(self->fd, a.id, 0, 0,
						     BP_PAGE, 0, &m));
	} else {
		map_without_syncs(_metadata, self->fd, &self->tracing, a.id, t,
				  "WB");
	}
	ASSERT_EQ(0U, bp_list_nr_dma(self->fd));
	map_without_syncs(_metadata, self->fd, &self->tracing, b.id, t, "WC");
out:
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	free(t);
}

TEST_HARNESS_MAIN
