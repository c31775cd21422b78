// SPDX-License-Identifier: GPL-2.0-only
/*
 * Observability of bigphys, against QEMU's edu device bound as device 0:
 *  - tracepoints: a push and a readback recorded through tracefs, every
 *    event and its fields checked against what the ioctls returned (region
 *    alloc/free, map/unmap, job submit/start/chunk/done);
 *  - the per-device sysfs counters move by exactly what the test did
 *    (jobs submitted/completed/failed/cancelled, bytes each way, busy time,
 *    lost interrupts), and the pool's sysfs files say what INFO says;
 *  - the debugfs tables list a region and the jobs in flight;
 *  - a lost interrupt (debugfs drop_irqs): the watchdog finishes the job,
 *    which completes, and watchdog_rescues counts it.
 *
 * Every edu transfer takes 100 ms; the whole file keeps to about 30.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "bigphys_test_util.h"
#include "bigphys_trace_util.h"

#define WIN		BP_EDU_WIN
#define WIN_SIZE	BP_EDU_WIN_SIZE
#define XFER_NS		(50 * BP_MSEC)	/* lower bound of one edu transfer */
#define WAIT_NS		(10 * BP_NSEC)
#define DEBUGFS		"/sys/kernel/debug/bigphys/"
#define POOL_DIR	"/sys/class/misc/bigphys/pool/"
#define WATCHDOG_MS	300

/* The per-device counters, in the order of struct bigphys_dev_stats. */
static const char *const stat_names[] = {
	"jobs_submitted", "jobs_completed", "jobs_failed", "jobs_cancelled",
	"bytes_to_device", "bytes_from_device", "busy_ns", "watchdog_rescues",
};
#define NR_STATS	(sizeof(stat_names) / sizeof(stat_names[0]))
enum { SUBMITTED, COMPLETED, FAILED, CANCELLED, TO_DEV, FROM_DEV, BUSY_NS,
       RESCUES };

struct stats {
	unsigned long long v[NR_STATS];
};

FIXTURE(obs) {
	int fd;
	struct bigphys_dev_info dev;	/* device 0 at setup */
	int tracing;			/* events enabled: disable at teardown */
};

FIXTURE_SETUP(obs)
{
	self->tracing = 0;
	BP_DMA_FIXTURE_SETUP(self->fd, &self->dev);
}

FIXTURE_TEARDOWN(obs)
{
	if (self->tracing)
		trace_stop();
	bp_write_file(DEBUGFS "drop_irqs", "0");
	bp_dev_restore(self->dev.name);
	if (self->fd >= 0)
		close(self->fd);
	bp_teardown(_metadata, -1, NULL, 0);
}

/* sysfs file @attr of device @name's "bigphys" group: 0 or -1. */
static int dev_attr(const char *name, const char *attr, unsigned long long *v)
{
	char path[256], buf[64], *end;

	snprintf(path, sizeof(path), BP_PCI_DRIVER "%s/bigphys/%s", name, attr);
	if (bp_read_file(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return errno || end == buf || *end ? -1 : 0;
}

static void stats_get(struct __test_metadata *_metadata, const char *name,
		      struct stats *s)
{
	char what[64];
	size_t i;

	for (i = 0; i < NR_STATS; i++) {
		snprintf(what, sizeof(what), "%s", stat_names[i]);
		ASSERT_EQ(0, dev_attr(name, what, &s->v[i]))
			TH_LOG("%s: %s", what, strerror(errno));
	}
}

/* after - before of counter @i. */
#define DELTA(b, a, i)	((a).v[i] - (b).v[i])

static int pool_attr(const char *attr, unsigned long long *v)
{
	char path[128], buf[64], *end;

	snprintf(path, sizeof(path), POOL_DIR "%s", attr);
	if (bp_read_file(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return errno || end == buf || *end ? -1 : 0;
}

/* Allocate (named when @name is not "") and map a region. */
static __u8 *region_new(struct __test_metadata *_metadata, int fd,
			const char *name, __u64 size, __u32 flags,
			struct bigphys_alloc *a)
{
	void *p;

	if (name[0])
		flags |= BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_EXCL;
	ASSERT_EQ(0, bp_alloc(fd, name, size, 0, flags, a))
		TH_LOG("alloc %llu bytes: %s", (unsigned long long)size,
		       strerror(errno));
	p = bp_map(fd, a->phys_addr, size);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	return p;
}

static void job_start(struct __test_metadata *_metadata, int fd,
		      struct bigphys_dma *d)
{
	d->cookie = 0;
	ASSERT_EQ(0, bp_dma_start(fd, d))
		TH_LOG("STRT_DMA len %llu flags 0x%x: %s",
		       (unsigned long long)d->len, d->flags, strerror(errno));
	ASSERT_LT(0ULL, d->cookie);
}

/* Wait for a started job, which must move every byte. */
static void job_wait_ok(struct __test_metadata *_metadata, int fd,
			const struct bigphys_dma *d,
			struct bigphys_dma_wait *w)
{
	ASSERT_EQ(0, bp_dma_wait(fd, d->cookie, WAIT_NS, w))
		TH_LOG("WAIT_DMA cookie %llu: %s",
		       (unsigned long long)d->cookie, strerror(errno));
	ASSERT_EQ(0, w->status);
	ASSERT_EQ(d->len, w->bytes);
}

/* The trace: the bigphys events of the "trace" file, in order. */
/* Field @key as text (up to the next space) in @buf. */
static const char *ev_str(const struct event *e, const char *key, char *buf,
			  size_t size)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(e->body, pat);
	if (!p)
		return "";
	p += strlen(pat);
	snprintf(buf, size, "%.*s", (int)strcspn(p, " "), p);
	return buf;
}

/* Index of the first event @name from @from on with @key == @val, or -1. */
static int ev_find(const struct trace *t, int from, const char *name,
		   const char *key, unsigned long long val)
{
	int i;

	for (i = from; i < t->n; i++)
		if (!strcmp(t->ev[i].name, name) && ev_u(&t->ev[i], key) == val)
			return i;
	return -1;
}

/* How many events @name have @key == @val. */
static int ev_count(const struct trace *t, const char *name, const char *key,
		    unsigned long long val)
{
	int i, n = 0;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->ev[i].name, name) && ev_u(&t->ev[i], key) == val)
			n++;
	return n;
}

/*
 * The events of one finished job, the first submitted from event @from on
 * with its cookie and direction (a reaped job's cookie is given again):
 * submit, start, @chunks transfers of at most @chunk bytes to consecutive
 * device addresses from @dev_addr over consecutive bus addresses from @bus
 * (when known, else from the map event), done; map before submit and unmap
 * before done, with the same bus address.  @w is what WAIT_DMA said.
 * Returns the job number.
 */
static unsigned long long check_job(struct __test_metadata *_metadata,
				    const struct trace *t, int from,
				    const struct bigphys_dma *d,
				    const struct bigphys_dma_wait *w,
				    unsigned int chunks, unsigned int chunk,
				    unsigned long long bus)
{
	const char *dir = d->flags & BIGPHYS_DMA_FROM_DEVICE ? "from_device" :
							      "to_device";
	int sub = -1, start, done, map = -1, unmap, c, i;
	unsigned long long job, done_bytes = 0, len;
	char buf[32];

	for (i = from; i < t->n && sub < 0; i++)
		if (!strcmp(t->ev[i].name, "job_submit") &&
		    ev_u(&t->ev[i], "cookie") == d->cookie &&
		    ev_u(&t->ev[i], "uring") == 0 &&
		    !strcmp(ev_str(&t->ev[i], "dir", buf, sizeof(buf)), dir))
			sub = i;
	ASSERT_LE(0, sub) TH_LOG("no job_submit with cookie=%llu",
				 (unsigned long long)d->cookie);
	job = ev_u(&t->ev[sub], "job");
	ASSERT_NE(~0ULL, job);
	ASSERT_EQ(1, ev_count(t, "job_submit", "job", job));
	ASSERT_EQ(d->dev_index, ev_u(&t->ev[sub], "dev"));
	ASSERT_EQ(d->len, ev_u(&t->ev[sub], "bytes"));
	ASSERT_EQ(1ULL, ev_u(&t->ev[sub], "segs"));
	ASSERT_STREQ(dir, ev_str(&t->ev[sub], "dir", buf, sizeof(buf)));

	/* The mapping: the last map of this region and length before it. */
	for (i = 0; i < sub; i++)
		if (!strcmp(t->ev[i].name, "dma_map") &&
		    ev_u(&t->ev[i], "region") == d->region_id &&
		    ev_u(&t->ev[i], "len") == d->len)
			map = i;
	ASSERT_LE(0, map) TH_LOG("no dma_map before job %llu", job);
	ASSERT_EQ(d->dev_index, ev_u(&t->ev[map], "dev"));
	ASSERT_STREQ(dir, ev_str(&t->ev[map], "dir", buf, sizeof(buf)));
	ASSERT_LE(1ULL, ev_u(&t->ev[map], "segs"));
	if (bus == ~0ULL)
		bus = ev_u(&t->ev[map], "bus");
	ASSERT_EQ(bus, ev_u(&t->ev[map], "bus"));

	start = ev_find(t, sub + 1, "job_start", "job", job);
	ASSERT_LT(sub, start);
	ASSERT_EQ(1, ev_count(t, "job_start", "job", job));
	ASSERT_EQ(d->cookie, ev_u(&t->ev[start], "cookie"));
	ASSERT_EQ(d->len, ev_u(&t->ev[start], "bytes"));

	from = start;
	for (c = 0; c < (int)chunks; c++) {
		i = ev_find(t, from + 1, "job_chunk", "job", job);
		ASSERT_LT(from, i) TH_LOG("job %llu: chunk %d missing", job, c);
		len = ev_u(&t->ev[i], "len");
		ASSERT_EQ(done_bytes, ev_u(&t->ev[i], "done"));
		ASSERT_EQ(d->dev_addr + done_bytes, ev_u(&t->ev[i], "dev_addr"));
		ASSERT_EQ(bus + done_bytes, ev_u(&t->ev[i], "bus"));
		ASSERT_EQ(0ULL, ev_u(&t->ev[i], "seg"));
		ASSERT_GE(chunk, len);
		ASSERT_LT(0ULL, len);
		done_bytes += len;
		from = i;
	}
	ASSERT_EQ((int)chunks, ev_count(t, "job_chunk", "job", job));
	ASSERT_EQ(d->len, done_bytes);

	done = ev_find(t, from + 1, "job_done", "job", job);
	ASSERT_LT(from, done);
	ASSERT_EQ(1, ev_count(t, "job_done", "job", job));
	unmap = -1;
	for (i = from; i < done; i++)
		if (!strcmp(t->ev[i].name, "dma_unmap") &&
		    ev_u(&t->ev[i], "bus") == bus &&
		    ev_u(&t->ev[i], "len") == d->len)
			unmap = i;
	ASSERT_LE(0, unmap) TH_LOG("no dma_unmap of job %llu before its end",
				   job);
	ASSERT_EQ(d->cookie, ev_u(&t->ev[done], "cookie"));
	ASSERT_EQ(d->dev_index, ev_u(&t->ev[done], "dev"));
	ASSERT_EQ(0ULL, ev_u(&t->ev[done], "uring"));
	ASSERT_EQ(0ULL, ev_u(&t->ev[done], "status"));
	ASSERT_EQ(w->bytes, ev_u(&t->ev[done], "bytes"));
	ASSERT_EQ(d->len, ev_u(&t->ev[done], "len"));
	/* Queued + on the engine = WAIT_DMA's duration, to the nanosecond. */
	ASSERT_EQ(w->duration_ns, ev_u(&t->ev[done], "wait_ns") +
				  ev_u(&t->ev[done], "run_ns"));
	ASSERT_EQ(ev_u(&t->ev[start], "wait_ns"), ev_u(&t->ev[done], "wait_ns"));
	ASSERT_LE(chunks * XFER_NS, ev_u(&t->ev[done], "run_ns"));
	return job;
}

/*
 * A push of 4095 bytes in two engine transfers (max_chunk 2048) and a
 * readback of them, recorded with the bigphys events enabled in tracefs.
 */
TEST_F(obs, trace_push_readback)
{
	unsigned long long j1, j2, phys_bus = ~0ULL;
	struct bigphys_dma_wait w1, w2;
	struct bigphys_dma d1, d2;
	struct bigphys_alloc a;
	struct trace *t;
	char buf[64];
	int i, alloc, freed;
	__u8 *p;

	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, bp_set_max_chunk(2048));
	trace_begin(_metadata, &self->tracing);

	p = region_new(_metadata, self->fd, "obs_trace", 2 * BP_PAGE, 0, &a);
	bp_fill_bytes(p, BP_PAGE, 13, 0, 0);
	bp_fill_bytes(p + BP_PAGE, BP_PAGE, 13, 0, 1);
	bp_dma_req(&d1, a.id, 0, WIN_SIZE, WIN, 0);
	job_start(_metadata, self->fd, &d1);
	job_wait_ok(_metadata, self->fd, &d1, &w1);
	bp_dma_req(&d2, a.id, BP_PAGE, WIN_SIZE, WIN, BIGPHYS_DMA_FROM_DEVICE);
	job_start(_metadata, self->fd, &d2);
	job_wait_ok(_metadata, self->fd, &d2, &w2);
	ASSERT_EQ(-1L, bp_check_bytes(p + BP_PAGE, WIN_SIZE, 13, 0, 0));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	trace_end(_metadata, t, NULL);

	alloc = ev_find(t, 0, "region_alloc", "id", a.id);
	ASSERT_LE(0, alloc) TH_LOG("no region_alloc id=%u", a.id);
	ASSERT_EQ(a.phys_addr, ev_u(&t->ev[alloc], "phys"));
	ASSERT_EQ(a.size, ev_u(&t->ev[alloc], "size"));
	ASSERT_EQ(a.flags, ev_u(&t->ev[alloc], "flags"));
	ASSERT_EQ((unsigned long long)geteuid(), ev_u(&t->ev[alloc], "owner"));
	ASSERT_STREQ("obs_trace", ev_str(&t->ev[alloc], "name", buf, sizeof(buf)));

	/* Without an IOMMU or bouncing the bus address is the physical one. */
	if (bp_dma_direct())
		phys_bus = a.phys_addr;
	j1 = check_job(_metadata, t, 0, &d1, &w1, 2, 2048, phys_bus);
	if (bp_dma_direct())
		phys_bus = a.phys_addr + BP_PAGE;
	j2 = check_job(_metadata, t, ev_find(t, 0, "job_done", "job", j1),
		       &d2, &w2, 2, 2048, phys_bus);
	ASSERT_LT(j1, j2);
	ASSERT_LT(ev_find(t, 0, "job_done", "job", j1),
		  ev_find(t, 0, "job_submit", "job", j2));

	freed = ev_find(t, 0, "region_free", "id", a.id);
	ASSERT_LT(ev_find(t, 0, "job_done", "job", j2), freed);
	ASSERT_EQ(a.phys_addr, ev_u(&t->ev[freed], "phys"));
	ASSERT_EQ(a.size, ev_u(&t->ev[freed], "size"));
	for (i = 0; i < t->n; i++)
		ASSERT_STRNE("job_lost_irq", t->ev[i].name);
	free(t);
}

/* N jobs, B bytes each way: the counters move by exactly that. */
TEST_F(obs, counters_push_readback)
{
	struct bigphys_dma_wait w;
	struct stats before, after;
	struct bigphys_dma d;
	struct bigphys_alloc a;
	unsigned long long sum_ns = 0;
	__u64 t0, t1;
	__u8 *p;

	p = region_new(_metadata, self->fd, "", 2 * BP_PAGE, 0, &a);
	bp_fill_bytes(p, BP_PAGE, 7, 0, 0);
	stats_get(_metadata, self->dev.name, &before);
	/* Every job this device ever took has ended. */
	ASSERT_EQ(before.v[SUBMITTED], before.v[COMPLETED] + before.v[FAILED] +
				       before.v[CANCELLED]);
	t0 = bp_now_ns();
	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
	job_start(_metadata, self->fd, &d);
	job_wait_ok(_metadata, self->fd, &d, &w);
	sum_ns += w.duration_ns;
	bp_dma_req(&d, a.id, 100, 100, WIN + 8, 0);
	job_start(_metadata, self->fd, &d);
	job_wait_ok(_metadata, self->fd, &d, &w);
	sum_ns += w.duration_ns;
	bp_dma_req(&d, a.id, BP_PAGE, WIN_SIZE, WIN, BIGPHYS_DMA_FROM_DEVICE);
	job_start(_metadata, self->fd, &d);
	job_wait_ok(_metadata, self->fd, &d, &w);
	sum_ns += w.duration_ns;
	t1 = bp_now_ns();
	stats_get(_metadata, self->dev.name, &after);

	EXPECT_EQ(3ULL, DELTA(before, after, SUBMITTED));
	EXPECT_EQ(3ULL, DELTA(before, after, COMPLETED));
	EXPECT_EQ(0ULL, DELTA(before, after, FAILED));
	EXPECT_EQ(0ULL, DELTA(before, after, CANCELLED));
	EXPECT_EQ(WIN_SIZE + 100, DELTA(before, after, TO_DEV));
	EXPECT_EQ(WIN_SIZE, DELTA(before, after, FROM_DEV));
	EXPECT_EQ(0ULL, DELTA(before, after, RESCUES));
	/* On the engine: at least 3 edu transfers, at most the jobs' lives. */
	TH_LOG("busy_ns +%llu, the jobs lived %llu ns, the test took %llu ns",
	       DELTA(before, after, BUSY_NS), sum_ns,
	       (unsigned long long)(t1 - t0));
	EXPECT_LE(3 * XFER_NS, DELTA(before, after, BUSY_NS));
	EXPECT_GE(sum_ns, DELTA(before, after, BUSY_NS));
	EXPECT_EQ(after.v[SUBMITTED], after.v[COMPLETED] + after.v[FAILED] +
				      after.v[CANCELLED]);
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

/*
 * Closing an fd with a job on the engine and two queued: all three end
 * cancelled; the bytes of the transfers that ran are counted.
 */
TEST_F(obs, counters_cancelled)
{
	struct stats before, after;
	struct bigphys_dma d;
	struct bigphys_alloc a;
	unsigned long long moved;
	int fd2, i;

	fd2 = bp_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, bp_alloc(fd2, "", BP_PAGE, 0, 0, &a));
	/* 8 transfers of 100 ms: the close comes during the first ones. */
	ASSERT_EQ(0, bp_set_max_chunk(512));
	stats_get(_metadata, self->dev.name, &before);
	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
	job_start(_metadata, fd2, &d);
	for (i = 0; i < 2; i++) {
		bp_dma_req(&d, a.id, 0, 100, WIN, 0);
		job_start(_metadata, fd2, &d);
	}
	ASSERT_EQ(0, close(fd2));	/* returns once the engine stopped */
	stats_get(_metadata, self->dev.name, &after);

	EXPECT_EQ(3ULL, DELTA(before, after, SUBMITTED));
	EXPECT_EQ(3ULL, DELTA(before, after, CANCELLED));
	EXPECT_EQ(0ULL, DELTA(before, after, COMPLETED));
	EXPECT_EQ(0ULL, DELTA(before, after, FAILED));
	moved = DELTA(before, after, TO_DEV);
	TH_LOG("the cancelled job moved %llu bytes", moved);
	EXPECT_EQ(0ULL, moved % 512);
	EXPECT_LE(512ULL, moved);
	EXPECT_GT(WIN_SIZE, moved);
	EXPECT_EQ(0ULL, DELTA(before, after, FROM_DEV));
	EXPECT_LE(moved / 512 * XFER_NS, DELTA(before, after, BUSY_NS));
}

/*
 * A job that fails (the device stops answering: fault_inject=1) counts as
 * failed, and its done event says -EIO; a rebound device starts at 0.
 */
TEST_F(obs, counters_failed)
{
	struct stats before, after;
	struct bigphys_dma_wait w;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	struct trace *t;
	unsigned long long v;
	size_t i;
	int done;
	__u8 *p;

	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "watchdog_ms", "300"));
	ASSERT_EQ(0, bp_alloc(self->fd, "", 2 * BP_PAGE, 0, 0, &a));
	stats_get(_metadata, self->dev.name, &before);
	trace_begin(_metadata, &self->tracing);
	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
	job_start(_metadata, self->fd, &d);
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "fault_inject", "1"));
	ASSERT_EQ(0, bp_dma_wait(self->fd, d.cookie, 5 * BP_NSEC, &w));
	trace_end(_metadata, t, NULL);
	ASSERT_EQ(-EIO, w.status);
	stats_get(_metadata, self->dev.name, &after);
	EXPECT_EQ(1ULL, DELTA(before, after, SUBMITTED));
	EXPECT_EQ(1ULL, DELTA(before, after, FAILED));
	EXPECT_EQ(0ULL, DELTA(before, after, COMPLETED));
	EXPECT_EQ(0ULL, DELTA(before, after, CANCELLED));
	EXPECT_EQ(0ULL, DELTA(before, after, TO_DEV));
	EXPECT_EQ(0ULL, DELTA(before, after, RESCUES));
	done = ev_find(t, 0, "job_done", "cookie", d.cookie);
	ASSERT_LE(0, done);
	EXPECT_EQ((unsigned long long)(long long)-EIO,
		  ev_u(&t->ev[done], "status"));
	EXPECT_EQ(0ULL, ev_u(&t->ev[done], "bytes"));
	free(t);

	/* Refused at once now: not submitted. */
	ASSERT_ERRNO(ENODEV, bp_dma_start(self->fd, &d));
	ASSERT_EQ(0, dev_attr(self->dev.name, "jobs_submitted", &v));
	EXPECT_EQ(after.v[SUBMITTED], v);

	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 0));
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "fault_inject", "0"));
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "watchdog_ms", "2000"));
	ASSERT_EQ(-1, dev_attr(self->dev.name, "jobs_submitted", &v))
		TH_LOG("the counters outlived the unbind");
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 1));
	stats_get(_metadata, self->dev.name, &before);
	for (i = 0; i < NR_STATS; i++)
		EXPECT_EQ(0ULL, before.v[i]) TH_LOG("counter %zu after the rebind",
						    i);
	p = bp_map(self->fd, a.phys_addr, a.size);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, bp_roundtrip(self->fd, a.id, p, 21));
	stats_get(_metadata, self->dev.name, &after);
	EXPECT_EQ(2ULL, after.v[SUBMITTED]);
	EXPECT_EQ(2ULL, after.v[COMPLETED]);
	EXPECT_EQ(WIN_SIZE, after.v[TO_DEV]);
	EXPECT_EQ(WIN_SIZE, after.v[FROM_DEV]);
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

/*
 * The lost-interrupt path: drop_irqs=1 drops the next completion
 * interrupt; the watchdog finds the transfer finished, the job completes
 * with every byte on the device, and watchdog_rescues counts it.
 */
TEST_F(obs, lost_interrupt)
{
	struct stats before, after;
	struct bigphys_dma_wait w;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	struct trace *t;
	char val[32];
	int lost;
	__u8 *p;

	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, bp_read_file(DEBUGFS "drop_irqs", val, sizeof(val)))
		TH_LOG("%sdrop_irqs: %s", DEBUGFS, strerror(errno));
	ASSERT_STREQ("0", val);
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "watchdog_ms", "300"));
	p = region_new(_metadata, self->fd, "", 2 * BP_PAGE, 0, &a);
	bp_fill_bytes(p, BP_PAGE, 5, 0, 0);
	bp_fill_bytes(p + BP_PAGE, BP_PAGE, 5, 0, 1);
	stats_get(_metadata, self->dev.name, &before);
	trace_begin(_metadata, &self->tracing);
	ASSERT_EQ(0, bp_write_file(DEBUGFS "drop_irqs", "1"));
	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
	job_start(_metadata, self->fd, &d);
	job_wait_ok(_metadata, self->fd, &d, &w);
	trace_end(_metadata, t, NULL);
	TH_LOG("the job with the dropped interrupt took %llu ms",
	       (unsigned long long)(w.duration_ns / BP_MSEC));
	/* edu takes 100 ms: only the watchdog (a period or two) ended it. */
	EXPECT_LE(WATCHDOG_MS * BP_MSEC, w.duration_ns);
	ASSERT_EQ(0, bp_read_file(DEBUGFS "drop_irqs", val, sizeof(val)));
	EXPECT_STREQ("0", val);
	stats_get(_metadata, self->dev.name, &after);
	EXPECT_EQ(1ULL, DELTA(before, after, RESCUES));
	EXPECT_EQ(1ULL, DELTA(before, after, SUBMITTED));
	EXPECT_EQ(1ULL, DELTA(before, after, COMPLETED));
	EXPECT_EQ(0ULL, DELTA(before, after, FAILED));
	EXPECT_EQ(WIN_SIZE, DELTA(before, after, TO_DEV));
	lost = ev_find(t, 0, "job_lost_irq", "cookie", d.cookie);
	ASSERT_LE(0, lost);
	EXPECT_EQ(WIN_SIZE, ev_u(&t->ev[lost], "len"));
	EXPECT_EQ(0ULL, ev_u(&t->ev[lost], "done"));
	EXPECT_LT(lost, ev_find(t, 0, "job_done", "cookie", d.cookie));
	free(t);

	/* The device holds the bytes, and interrupts work again. */
	bp_dma_req(&d, a.id, BP_PAGE, WIN_SIZE, WIN, BIGPHYS_DMA_FROM_DEVICE);
	job_start(_metadata, self->fd, &d);
	job_wait_ok(_metadata, self->fd, &d, &w);
	ASSERT_EQ(-1L, bp_check_bytes(p + BP_PAGE, WIN_SIZE, 5, 0, 0));
	stats_get(_metadata, self->dev.name, &before);
	EXPECT_EQ(1ULL, DELTA(after, before, COMPLETED));
	EXPECT_EQ(0ULL, DELTA(after, before, RESCUES));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

/* Split a debugfs regions line; 0 when it has all ten fields. */
struct rline {
	unsigned int id, files, maps, dma, owner;
	unsigned long long phys, size;
	char cache[8], flags[32], name[BIGPHYS_NAME_LEN];
};

static int region_line(unsigned int id, struct rline *r)
{
	char line[256];
	int found = -1;
	FILE *f;

	f = fopen(DEBUGFS "regions", "re");
	if (!f)
		return -2;
	if (!fgets(line, sizeof(line), f) ||
	    strcmp(line, "id phys size cache flags files maps dma owner name\n")) {
		fclose(f);
		return -3;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %llx %llu %7s %31s %u %u %u %u %31s",
			   &r->id, &r->phys, &r->size, r->cache, r->flags,
			   &r->files, &r->maps, &r->dma, &r->owner,
			   r->name) != 10) {
			found = -4;
			break;
		}
		if (r->id == id)
			found = 0;
		if (!found)
			break;
	}
	fclose(f);
	return found;
}

/* The debugfs region table lists a region with what ALLOC said. */
TEST_F(obs, debugfs_regions)
{
	struct bigphys_dma_map m;
	struct bigphys_alloc a;
	struct stat st;
	struct rline r;
	__u8 *p;

	ASSERT_EQ(0, stat(DEBUGFS "regions", &st)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0400U, st.st_mode & 07777);
	/* UC: DMA_MAP below works for a non-coherent device too. */
	p = region_new(_metadata, self->fd, "obs_table", 3 * BP_PAGE,
		       BIGPHYS_CACHE_UC | BIGPHYS_ALLOC_PERSIST, &a);
	ASSERT_EQ(0, region_line(a.id, &r));
	EXPECT_EQ(a.phys_addr, r.phys);
	EXPECT_EQ(3 * BP_PAGE, r.size);
	EXPECT_STREQ("uc", r.cache);
	EXPECT_STREQ("persist", r.flags);
	EXPECT_EQ(1U, r.files);
	EXPECT_EQ(1U, r.maps);
	EXPECT_EQ(0U, r.dma);
	EXPECT_EQ(geteuid(), r.owner);
	EXPECT_STREQ("obs_table", r.name);

	ASSERT_EQ(0, bp_dma_map(self->fd, a.id, 0, 0, BP_PAGE, 0, &m));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, region_line(a.id, &r));
	EXPECT_EQ(0U, r.maps);
	EXPECT_EQ(1U, r.dma);
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));

	/* FREE removes the name, PERSIST and the handle: the region goes. */
	ASSERT_EQ(0, bp_free_name(self->fd, "obs_table"));
	ASSERT_EQ(-1, region_line(a.id, &r));

	/* An anonymous WC region: no name, no flags. */
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	ASSERT_EQ(0, region_line(a.id, &r));
	EXPECT_STREQ("wc", r.cache);
	EXPECT_STREQ("-", r.flags);
	EXPECT_STREQ("-", r.name);
	EXPECT_EQ(0U, r.maps);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

struct jline {
	unsigned int dev, cookie, seg, segs;
	unsigned long long job, done, len, wait_ns, run_ns;
	char kind[8], state[10], dir[16];
};

/* Read the debugfs jobs table: its lines for device 0, at most @max. */
static int job_lines(struct jline *j, int max)
{
	char line[256];
	int n = 0;
	FILE *f;

	f = fopen(DEBUGFS "jobs", "re");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) ||
	    strcmp(line, "dev job cookie kind state dir done len seg/segs wait_ns run_ns\n")) {
		fclose(f);
		return -1;
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %llu %u %7s %9s %15s %llu %llu %u/%u %llu %llu",
			   &j[n].dev, &j[n].job, &j[n].cookie, j[n].kind,
			   j[n].state, j[n].dir, &j[n].done, &j[n].len,
			   &j[n].seg, &j[n].segs, &j[n].wait_ns,
			   &j[n].run_ns) != 12) {
			n = -1;
			break;
		}
		if (!j[n].dev)
			n++;
	}
	fclose(f);
	return n;
}

/* The debugfs jobs table: one running, one queued; empty once they end. */
TEST_F(obs, debugfs_jobs)
{
	struct bigphys_dma_wait w;
	struct bigphys_dma d1, d2;
	struct bigphys_alloc a;
	struct jline j[4];

	ASSERT_EQ(0, bp_alloc(self->fd, "", 2 * BP_PAGE, 0, 0, &a));
	ASSERT_EQ(0, job_lines(j, 4)) TH_LOG("jobs left over");
	/* 8 transfers of 100 ms, then a readback queued behind it. */
	ASSERT_EQ(0, bp_set_max_chunk(512));
	bp_dma_req(&d1, a.id, 0, WIN_SIZE, WIN, 0);
	job_start(_metadata, self->fd, &d1);
	bp_dma_req(&d2, a.id, BP_PAGE, 100, WIN, BIGPHYS_DMA_FROM_DEVICE);
	job_start(_metadata, self->fd, &d2);
	ASSERT_EQ(2, job_lines(j, 4));
	EXPECT_EQ(d1.cookie, j[0].cookie);
	EXPECT_STREQ("ioctl", j[0].kind);
	EXPECT_STREQ("running", j[0].state);
	EXPECT_STREQ("to_device", j[0].dir);
	EXPECT_EQ(0ULL, j[0].done % 512);
	EXPECT_GT(WIN_SIZE, j[0].done);
	EXPECT_EQ(WIN_SIZE, j[0].len);
	EXPECT_EQ(1U, j[0].segs);
	EXPECT_EQ(d2.cookie, j[1].cookie);
	EXPECT_STREQ("queued", j[1].state);
	EXPECT_STREQ("from_device", j[1].dir);
	EXPECT_EQ(0ULL, j[1].done);
	EXPECT_EQ(100ULL, j[1].len);
	EXPECT_EQ(0ULL, j[1].run_ns);
	EXPECT_LT(j[0].job, j[1].job);
	ASSERT_EQ(0, bp_dma_wait(self->fd, d1.cookie, WAIT_NS, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(0, bp_dma_wait(self->fd, d2.cookie, WAIT_NS, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(0, job_lines(j, 4));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

/* The sysfs files: where, what mode, and what the device's group holds. */
TEST_F(obs, sysfs_layout)
{
	static const char *const pool_names[] = {
		"size", "free_bytes", "largest_free", "nr_regions",
		"held_bytes", "pages_size", "pages_free",
	};
	char path[256];
	unsigned long long v;
	struct stat st;
	size_t i;

	ASSERT_EQ(0, dev_attr(self->dev.name, "dev_index", &v));
	EXPECT_EQ(0ULL, v);
	for (i = 0; i < NR_STATS; i++) {
		snprintf(path, sizeof(path), BP_PCI_DRIVER "%s/bigphys/%s",
			 self->dev.name, stat_names[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_EQ(0444U, st.st_mode & 07777) TH_LOG("%s", path);
		/* Read-only even for root. */
		ASSERT_ERRNO(EACCES, bp_write_file(path, "0"));
	}
	for (i = 0; i < sizeof(pool_names) / sizeof(pool_names[0]); i++) {
		snprintf(path, sizeof(path), POOL_DIR "%s", pool_names[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_EQ(0444U, st.st_mode & 07777) TH_LOG("%s", path);
	}
	ASSERT_EQ(0, stat(DEBUGFS "jobs", &st));
	EXPECT_EQ(0400U, st.st_mode & 07777);
	ASSERT_EQ(0, stat(DEBUGFS "drop_irqs", &st));
	EXPECT_EQ(0600U, st.st_mode & 07777);
}

static void pool_vs_info(struct __test_metadata *_metadata, int fd)
{
	struct bigphys_info in;
	unsigned long long v;

	ASSERT_EQ(0, bp_info(fd, &in));
	ASSERT_EQ(0, pool_attr("size", &v));
	EXPECT_EQ(in.pool_size, v);
	ASSERT_EQ(0, pool_attr("free_bytes", &v));
	EXPECT_EQ(in.free_bytes, v);
	ASSERT_EQ(0, pool_attr("largest_free", &v));
	EXPECT_EQ(in.largest_free, v);
	ASSERT_EQ(0, pool_attr("nr_regions", &v));
	EXPECT_EQ(in.nr_regions, v);
	ASSERT_EQ(0, pool_attr("held_bytes", &v));
	EXPECT_EQ(in.held_bytes, v);
	ASSERT_EQ(0, pool_attr("pages_size", &v));
	EXPECT_EQ(bp_has_pages(&in) ? in.pages_size : 0, v);
	ASSERT_EQ(0, pool_attr("pages_free", &v));
	EXPECT_EQ(bp_has_pages(&in) ? in.pages_free : 0, v);
}

/* The pool's files say what INFO says, and follow an ALLOC and a FREE. */
TEST_F(obs, pool_sysfs)
{
	unsigned long long free0, free1, n0, n1, pfree0, pfree1;
	struct bigphys_alloc a, b;
	struct bigphys_info in;

	pool_vs_info(_metadata, self->fd);
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(0, pool_attr("free_bytes", &free0));
	ASSERT_EQ(0, pool_attr("nr_regions", &n0));
	ASSERT_EQ(0, pool_attr("pages_free", &pfree0));
	ASSERT_EQ(0, bp_alloc(self->fd, "", 1 << 20, 0, 0, &a));
	if (bp_has_pages(&in))
		ASSERT_EQ(0, bp_alloc(self->fd, "", 2 << 20, 0,
				      BIGPHYS_ALLOC_PAGES, &b));
	pool_vs_info(_metadata, self->fd);
	ASSERT_EQ(0, pool_attr("free_bytes", &free1));
	ASSERT_EQ(0, pool_attr("nr_regions", &n1));
	ASSERT_EQ(0, pool_attr("pages_free", &pfree1));
	EXPECT_EQ(n0 + 1 + bp_has_pages(&in), n1);
	if (bp_pages_in_pool(&in)) {	/* page-allocator pool: all pages */
		EXPECT_EQ(free0 - (3 << 20), free1);
	} else {
		EXPECT_EQ(free0 - (1 << 20), free1);
		if (bp_has_pages(&in))
			EXPECT_EQ(pfree0 - (2 << 20), pfree1);
	}
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	if (bp_has_pages(&in))
		ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	pool_vs_info(_metadata, self->fd);
	ASSERT_EQ(0, pool_attr("free_bytes", &free1));
	EXPECT_EQ(free0, free1);
}

TEST_HARNESS_MAIN
