// SPDX-License-Identifier: GPL-2.0-only
/*
 * io_uring submission (IORING_OP_URING_CMD, include/uapi/bigphys.h): push
 * and readback byte for byte with and without SQPOLL, CQE32 bytes and
 * duration, every submission error with its errno in the CQE, the 64 slots
 * shared with the ioctl, commands issued by io-wq (IOSQE_ASYNC), and the
 * lifecycle: close of the bigphys fd, exit of the ring, SIGKILL of an SQPOLL
 * process, unbind, each with jobs queued.
 */
#include "bigphys_test_util.h"
#include "bigphys_uring_util.h"

#define WIN		BP_EDU_WIN
#define WIN_SIZE	BP_EDU_WIN_SIZE
#define XFER_US		50000U		/* lower bound of one edu transfer */

FIXTURE(uring) {
	int fd;
	int ring_ok;
	struct io_uring ring;
	struct bigphys_alloc a;
	__u8 *p;
	struct bigphys_dev_info dev;
};

FIXTURE_SETUP(uring)
{
	int ret;

	self->ring_ok = 0;
	BP_DMA_FIXTURE_SETUP(self->fd, &self->dev);
	ret = bp_ring_init(&self->ring, 0);
	ASSERT_EQ(0, ret) TH_LOG("io_uring_queue_init: %s", strerror(-ret));
	self->ring_ok = 1;
	ASSERT_EQ(0, bp_alloc(self->fd, "", 2 * BP_PAGE, 0, 0, &self->a));
	self->p = bp_map(self->fd, self->a.phys_addr, self->a.size);
	ASSERT_NE(MAP_FAILED, self->p);
}

FIXTURE_TEARDOWN(uring)
{
	if (self->ring_ok)
		io_uring_queue_exit(&self->ring);
	bp_dev_restore(self->dev.name);
	if (self->p && self->p != MAP_FAILED)
		munmap(self->p, self->a.size);
	if (self->fd >= 0)
		close(self->fd);
	bp_teardown(_metadata, -1, NULL, 0);
}

/* Submit @d through @ring and wait for its CQE (at most 10 s). */
static int run_dma(struct io_uring *ring, int fd, const struct bigphys_dma *d,
		   struct bp_cqe *c)
{
	int ret = bp_ucmd(ring, fd, BIGPHYS_URING_CMD_DMA, d, sizeof(*d), 7);

	if (ret < 0)
		return ret;
	return bp_cqe_wait(ring, c, 10000);
}

/* Push the first page's pattern and read it back into the second page. */
static void push_readback(struct __test_metadata *_metadata,
			  struct io_uring *ring, int fd,
			  const struct bigphys_alloc *a, __u8 *p, __u64 seed)
{
	struct bigphys_dma d;
	struct bp_cqe c;

	bp_fill_bytes(p, BP_PAGE, seed, 0, 0);
	bp_fill_bytes(p + BP_PAGE, BP_PAGE, seed, 0, 1);
	bp_dma_req(&d, a->id, 0, WIN_SIZE, WIN, 0);
	ASSERT_EQ(0, run_dma(ring, fd, &d, &c));
	ASSERT_EQ(0, c.res) TH_LOG("push: %s", strerror(-c.res));
	ASSERT_EQ(7ULL, c.tag);
	ASSERT_EQ(WIN_SIZE, BIGPHYS_CQE_BYTES(c.extra));
	ASSERT_LE(XFER_US, BIGPHYS_CQE_USEC(c.extra));
	bp_dma_req(&d, a->id, BP_PAGE, WIN_SIZE, WIN, BIGPHYS_DMA_FROM_DEVICE);
	ASSERT_EQ(0, run_dma(ring, fd, &d, &c));
	ASSERT_EQ(0, c.res) TH_LOG("readback: %s", strerror(-c.res));
	ASSERT_EQ(WIN_SIZE, BIGPHYS_CQE_BYTES(c.extra));
	ASSERT_EQ(-1L, bp_check_bytes(p + BP_PAGE, WIN_SIZE, seed, 0, 0));
	/* The byte after the window was not written. */
	ASSERT_EQ(bp_byte(seed, WIN_SIZE, 1), p[BP_PAGE + WIN_SIZE]);
}

TEST_F(uring, push_readback)
{
	push_readback(_metadata, &self->ring, self->fd, &self->a, self->p, 3);
}

TEST_F(uring, push_readback_sqpoll)
{
	struct io_uring sq;
	int ret;

	ret = bp_ring_init(&sq, IORING_SETUP_SQPOLL);
	ASSERT_EQ(0, ret) TH_LOG("SQPOLL ring: %s", strerror(-ret));
	push_readback(_metadata, &sq, self->fd, &self->a, self->p, 4);
	io_uring_queue_exit(&sq);
}

/* STRT_DMAV through io_uring: three segments, then one readback. */
TEST_F(uring, dmav_push_readback)
{
	struct bigphys_dma_seg segs[3];
	struct bigphys_dmav v;
	struct bigphys_dma d;
	struct bp_cqe c;
	int i;

	bp_fill_bytes(self->p, BP_PAGE, 5, 0, 0);
	bp_fill_bytes(self->p + BP_PAGE, BP_PAGE, 5, 0, 1);
	for (i = 0; i < 3; i++)
		segs[i] = (struct bigphys_dma_seg){ 1000 * i, 1000, WIN + 1000 * i };
	memset(&v, 0, sizeof(v));
	v.region_id = self->a.id;
	v.nr_segs = 3;
	v.segs = (uintptr_t)segs;
	ASSERT_EQ(1, bp_ucmd(&self->ring, self->fd, BIGPHYS_URING_CMD_DMAV,
			     &v, sizeof(v), 9));
	/* The segments were copied at submission: scribbling is harmless. */
	memset(segs, 0xff, sizeof(segs));
	ASSERT_EQ(0, bp_cqe_wait(&self->ring, &c, 10000));
	ASSERT_EQ(0, c.res) TH_LOG("dmav: %s", strerror(-c.res));
	ASSERT_EQ(9ULL, c.tag);
	ASSERT_EQ(3000U, BIGPHYS_CQE_BYTES(c.extra));
	ASSERT_LE(3 * XFER_US, BIGPHYS_CQE_USEC(c.extra));
	bp_dma_req(&d, self->a.id, BP_PAGE, 3000, WIN, BIGPHYS_DMA_FROM_DEVICE);
	ASSERT_EQ(0, run_dma(&self->ring, self->fd, &d, &c));
	ASSERT_EQ(0, c.res);
	ASSERT_EQ(-1L, bp_check_bytes(self->p + BP_PAGE, 3000, 5, 0, 0));
}

/* One refused submission: its CQE comes at once, with @want. */
static void expect_refused(struct __test_metadata *_metadata,
			   struct io_uring *ring, int fd, __u32 op,
			   const void *payload, size_t len, int want,
			   const char *what)
{
	struct bp_cqe c;

	ASSERT_EQ(1, bp_ucmd(ring, fd, op, payload, len, 0xE0));
	ASSERT_EQ(0, bp_cqe_wait(ring, &c, 2000)) TH_LOG("%s: no CQE", what);
	EXPECT_EQ(want, c.res) TH_LOG("%s: res %d, want %d", what, c.res, want);
	EXPECT_EQ(0ULL, c.extra) TH_LOG("%s", what);
}

/* Every submission error class of STRT_DMA and STRT_DMAV, in the CQE. */
TEST_F(uring, submit_errors)
{
	__u8 raw[BP_URING_CMD_BYTES];
	struct bigphys_dma_seg segs[2];
	struct io_uring small;
	struct io_uring_params pr;
	struct bigphys_dmav v;
	struct bigphys_dma d;
	struct bp_cqe c;
	int i;

	for (i = 0; i < 14; i++) {
		const char *what = "?";
		int want = -EINVAL;

		bp_dma_req(&d, self->a.id, 0, 64, WIN, 0);
		switch (i) {
		case 0: d.flags = 1U << 7; what = "unknown flag"; break;
		case 1: d.pad = 1; what = "pad"; break;
		case 2: d.cookie = 5; what = "cookie set"; break;
		case 3: d.len = 0; what = "len 0"; break;
		case 4: d.len = WIN_SIZE + 1; what = "len past window"; break;
		case 5: d.dev_addr = WIN - 1; what = "below window"; break;
		case 6: d.offset = 2 * BP_PAGE; what = "offset past region"; break;
		case 7: d.offset = 2 * BP_PAGE - 8; what = "range past region"; break;
		case 8: d.region_id += 1000; want = -ENOENT; what = "not attached"; break;
		case 9:
			d.region_id = 0;
			d.phys_addr = 0x1000;
			want = -ENOENT;
			what = "phys outside";
			break;
		case 10: d.dev_index = 7; want = -ENODEV; what = "no device"; break;
		case 11:
			d.region_id = 0;
			d.flags = BIGPHYS_DMA_USER_PTR;
			d.user_addr = 0x10000;
			want = -EFAULT;
			what = "user_ptr unmapped";
			break;
		case 12:
			d.flags = BIGPHYS_DMA_USER_PTR;
			d.user_addr = 0x10000;
			what = "user_ptr with region";
			break;
		case 13: d.user_addr = 0x10000; what = "user_addr, no USER_PTR"; break;
		}
		expect_refused(_metadata, &self->ring, self->fd,
			       BIGPHYS_URING_CMD_DMA, &d, sizeof(d), want, what);
	}
	/* Unused payload bytes, unknown command. */
	bp_dma_req(&d, self->a.id, 0, 64, WIN, 0);
	memset(raw, 0, sizeof(raw));
	memcpy(raw, &d, sizeof(d));
	raw[sizeof(raw) - 1] = 1;
	expect_refused(_metadata, &self->ring, self->fd, BIGPHYS_URING_CMD_DMA,
		       raw, sizeof(raw), -EINVAL, "payload tail set");
	expect_refused(_metadata, &self->ring, self->fd, BIGPHYS_IOC_STRT_DMA,
		       &d, sizeof(d), -ENOTTY, "ioctl number as cmd_op");
	expect_refused(_metadata, &self->ring, self->fd, 0, &d, sizeof(d),
		       -ENOTTY, "cmd_op 0");

	/* STRT_DMAV */
	segs[0] = (struct bigphys_dma_seg){ 0, 64, WIN };
	segs[1] = (struct bigphys_dma_seg){ 64, 64, WIN + 64 };
	for (i = 0; i < 8; i++) {
		const char *what = "?";
		int want = -EINVAL;

		memset(&v, 0, sizeof(v));
		v.region_id = self->a.id;
		v.nr_segs = 2;
		v.segs = (uintptr_t)segs;
		switch (i) {
		case 0: v.nr_segs = 0; what = "dmav 0 segs"; break;
		case 1: v.nr_segs = BIGPHYS_DMAV_MAX_SEGS + 1; what = "dmav too many"; break;
		case 2: v.segs = 0x10000; want = -EFAULT; what = "dmav bad array"; break;
		case 3: v.flags = BIGPHYS_DMA_USER_PTR; what = "dmav USER_PTR"; break;
		case 4: v.cookie = 1; what = "dmav cookie"; break;
		case 5: v.region_id = 0; want = -ENOENT; what = "dmav region 0"; break;
		case 6: v.dev_index = 3; want = -ENODEV; what = "dmav no device"; break;
		case 7: segs[1].len = 0; what = "dmav segment len 0"; break;
		}
		expect_refused(_metadata, &self->ring, self->fd,
			       BIGPHYS_URING_CMD_DMAV, &v, sizeof(v), want, what);
		segs[1].len = 64;
	}

	/* A ring without SQE128: the command area is only 16 bytes. */
	memset(&pr, 0, sizeof(pr));
	ASSERT_EQ(0, io_uring_queue_init_params(4, &small, &pr));
	bp_dma_req(&d, self->a.id, 0, 64, WIN, 0);
	ASSERT_EQ(0, bp_ucmd_prep(&small, self->fd, BIGPHYS_URING_CMD_DMA, &d,
				  sizeof(d), 16, 1));
	ASSERT_EQ(1, io_uring_submit(&small));
	ASSERT_EQ(0, bp_cqe_wait(&small, &c, 2000));
	EXPECT_EQ(-EINVAL, c.res);
	io_uring_queue_exit(&small);

	/* Nothing was left behind: no job holds the region. */
	ASSERT_EQ(0U, bp_list_nr_dma(self->fd));
}

/* io_uring jobs and ioctl jobs share the fd's 64 slots. */
TEST_F(uring, slots_shared)
{
	struct bigphys_dma d;
	struct bp_cqe c;
	int i;

	bp_dma_req(&d, self->a.id, 0, 1, WIN, 0);
	ASSERT_EQ(1, bp_ucmd(&self->ring, self->fd, BIGPHYS_URING_CMD_DMA,
			     &d, sizeof(d), 1));
	for (i = 1; i < 64; i++)
		ASSERT_EQ(0, bp_dma_start(self->fd, &d)) TH_LOG("job %d", i);
	ASSERT_ERRNO(EBUSY, bp_dma_start(self->fd, &d));
	d.cookie = 0;	/* STRT_DMA wrote one; io_uring wants 0 */
	expect_refused(_metadata, &self->ring, self->fd, BIGPHYS_URING_CMD_DMA,
		       &d, sizeof(d), -EBUSY, "65th job via io_uring");
	/* The first job ends: its slot is free again, for either path. */
	ASSERT_EQ(0, bp_cqe_wait(&self->ring, &c, 10000));
	ASSERT_EQ(1ULL, c.tag);
	ASSERT_EQ(0, c.res);
	ASSERT_EQ(0, bp_dma_start(self->fd, &d));
	ASSERT_ERRNO(EBUSY, bp_dma_start(self->fd, &d));
	/* close() cancels the queued ioctl jobs. */
	close(self->fd);
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
}

/* close() of /dev/bigphys with io_uring jobs queued: they still complete. */
TEST_F(uring, close_fd_with_jobs)
{
	struct bigphys_dma d;
	struct bp_cqe c;
	int i, fd = self->fd;

	bp_fill_bytes(self->p, BP_PAGE, 6, 0, 0);
	bp_dma_req(&d, self->a.id, 0, WIN_SIZE, WIN, 0);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(1, bp_ucmd(&self->ring, fd, BIGPHYS_URING_CMD_DMA,
				     &d, sizeof(d), 100 + i));
	munmap(self->p, self->a.size);
	self->p = NULL;
	ASSERT_EQ(0, close(fd));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, bp_cqe_wait(&self->ring, &c, 10000));
		ASSERT_EQ(100ULL + i, c.tag);
		ASSERT_EQ(0, c.res);
		ASSERT_EQ(WIN_SIZE, BIGPHYS_CQE_BYTES(c.extra));
	}
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
}

/* Wait until no job or mapping uses any region (at most @ms). */
static int dma_idle_within(int fd, unsigned int ms)
{
	__u64 end = bp_now_ns() + (__u64)ms * BP_MSEC;

	while (bp_list_nr_dma(fd)) {
		if (bp_now_ns() > end)
			return -1;
		usleep(20000);
	}
	return 0;
}

/* The ring goes away with jobs queued: bounded, nothing leaks. */
TEST_F(uring, ring_exit_with_jobs)
{
	struct bigphys_dma d;
	__u64 t0, dt;
	int i;

	bp_dma_req(&d, self->a.id, 0, WIN_SIZE, WIN, 0);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(1, bp_ucmd(&self->ring, self->fd,
				     BIGPHYS_URING_CMD_DMA, &d, sizeof(d), i));
	t0 = bp_now_ns();
	io_uring_queue_exit(&self->ring);
	self->ring_ok = 0;
	dt = bp_now_ns() - t0;
	TH_LOG("ring exit with 8 jobs took %llu ms",
	       (unsigned long long)(dt / BP_MSEC));
	/* 6.12 cancels the queued jobs; 6.1 waits for them (8 x 100 ms). */
	ASSERT_EQ(0, dma_idle_within(self->fd, 5000));
	ASSERT_EQ(0, bp_ring_init(&self->ring, 0));
	self->ring_ok = 1;
	push_readback(_metadata, &self->ring, self->fd, &self->a, self->p, 8);
}

/* SIGKILL of a process with an SQPOLL ring and queued jobs. */
TEST_F(uring, sigkill_sqpoll)
{
	struct bigphys_info in;
	int sync[2], st, i;
	__u64 t0;
	pid_t pid;

	ASSERT_EQ(0, pipe(sync));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct bigphys_alloc a;
		struct bigphys_dma d;
		struct io_uring r;
		int fd = bp_open();

		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(!bp_alloc(fd, "", BP_PAGE, 0, 0, &a));
		CHILD_CHECK(!bp_ring_init(&r, IORING_SETUP_SQPOLL));
		bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
		for (i = 0; i < 8; i++)
			CHILD_CHECK(bp_ucmd(&r, fd, BIGPHYS_URING_CMD_DMA, &d,
					    sizeof(d), i) == 1);
		CHILD_CHECK(!bp_sync_send(sync[1]));
		pause();
		_exit(0);
	}
	close(sync[1]);
	ASSERT_EQ(0, bp_sync_wait(sync[0]));
	close(sync[0]);
	usleep(50000);	/* let the SQ thread issue them */
	t0 = bp_now_ns();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	TH_LOG("SIGKILLed SQPOLL process gone after %llu ms",
	       (unsigned long long)((bp_now_ns() - t0) / BP_MSEC));
	ASSERT_TRUE(WIFSIGNALED(st));
	ASSERT_EQ(0, dma_idle_within(self->fd, 5000));
	/* Only our own region is left. */
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
}

/* Unbind with io_uring jobs running and queued: CQEs with -ENODEV. */
TEST_F(uring, unbind_with_jobs)
{
	struct bigphys_dev_info di;
	struct bigphys_dma d;
	struct bp_cqe c;
	int i, seen[3] = { 0 };

	ASSERT_EQ(0, bp_set_max_chunk(256));
	bp_dma_req(&d, self->a.id, 0, WIN_SIZE, WIN, 0);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(1, bp_ucmd(&self->ring, self->fd,
				     BIGPHYS_URING_CMD_DMA, &d, sizeof(d), i));
	usleep(150000);
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, bp_cqe_wait(&self->ring, &c, 10000));
		ASSERT_GT(3ULL, c.tag);
		seen[c.tag]++;
		EXPECT_EQ(-ENODEV, c.res) TH_LOG("job %llu", (unsigned long long)c.tag);
		if (c.tag == 0) {
			EXPECT_GT(WIN_SIZE, BIGPHYS_CQE_BYTES(c.extra));
			EXPECT_EQ(0U, BIGPHYS_CQE_BYTES(c.extra) % 256);
		} else {
			EXPECT_EQ(0U, BIGPHYS_CQE_BYTES(c.extra));
		}
	}
	ASSERT_EQ(1, seen[0] && seen[1] && seen[2]);
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 1));
	ASSERT_EQ(0, bp_dev_info(self->fd, 0, &di));
	ASSERT_EQ(0, bp_set_max_chunk(0));
	ASSERT_EQ(0, run_dma(&self->ring, self->fd, &d, &c));
	ASSERT_EQ(0, c.res) TH_LOG("after rebind: %s", strerror(-c.res));
}

/* Submit one DMA command with IOSQE_ASYNC: io-wq issues it.  1 or -errno. */
static int ucmd_async(struct io_uring *ring, int fd,
		      const struct bigphys_dma *d, __u64 tag)
{
	return bp_ucmd_flags(ring, fd, BIGPHYS_URING_CMD_DMA, d, sizeof(*d), tag,
			     IOSQE_ASYNC);
}

/*
 * Commands issued by an io-wq worker (IOSQE_ASYNC), not by the submitter:
 * the submitter's task work may post a CQE before the worker returns from
 * the issue, so a command is marked cancelable before its job can end
 * (marked after, a command that had completed stayed on the ring's cancel
 * list, walked at ring exit after it was freed).  Push and readback; then
 * 8 queued with max_chunk=256, the device unbound meanwhile: every CQE
 * arrives (0 or -ENODEV), the ring exits with none pending, and the device
 * works after a rebind.  Last, on a dead device (fault_inject=1, found by
 * the watchdog) a command fails only when queued, after it was marked:
 * -ENODEV in its CQE, inline and from io-wq, and the ring exits.  (The
 * window between queueing and marking is a few instructions: this runs
 * the paths; it did not catch the old order.)
 */
TEST_F(uring, async_issue)
{
	struct bigphys_dma_wait w;
	struct bigphys_dma d;
	struct bp_cqe c;
	int i, ended = 0;

	bp_fill_bytes(self->p, BP_PAGE, 21, 0, 0);
	bp_fill_bytes(self->p + BP_PAGE, BP_PAGE, 21, 0, 1);
	bp_dma_req(&d, self->a.id, 0, WIN_SIZE, WIN, 0);
	ASSERT_EQ(1, ucmd_async(&self->ring, self->fd, &d, 1));
	ASSERT_EQ(0, bp_cqe_wait(&self->ring, &c, 10000));
	ASSERT_EQ(0, c.res) TH_LOG("async push: %s", strerror(-c.res));
	bp_dma_req(&d, self->a.id, BP_PAGE, WIN_SIZE, WIN,
		   BIGPHYS_DMA_FROM_DEVICE);
	ASSERT_EQ(1, ucmd_async(&self->ring, self->fd, &d, 2));
	ASSERT_EQ(0, bp_cqe_wait(&self->ring, &c, 10000));
	ASSERT_EQ(0, c.res) TH_LOG("async readback: %s", strerror(-c.res));
	ASSERT_EQ(-1L, bp_check_bytes(self->p + BP_PAGE, WIN_SIZE, 21, 0, 0));

	ASSERT_EQ(0, bp_set_max_chunk(256));
	bp_dma_req(&d, self->a.id, 0, WIN_SIZE, WIN, 0);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(1, ucmd_async(&self->ring, self->fd, &d, 10 + i));
	usleep(50000);
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 0));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, bp_cqe_wait(&self->ring, &c, 10000));
		ASSERT_LE(10ULL, c.tag);
		ASSERT_TRUE(c.res == 0 || c.res == -ENODEV)
			TH_LOG("job %llu: %s", (unsigned long long)c.tag,
			       strerror(-c.res));
		ended += c.res == -ENODEV;
	}
	TH_LOG("%d of 8 async jobs ended by the unbind", ended);
	EXPECT_LT(0, ended);
	io_uring_queue_exit(&self->ring);
	self->ring_ok = 0;
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 1));
	ASSERT_EQ(0, bp_set_max_chunk(0));
	ASSERT_EQ(0, bp_ring_init(&self->ring, 0));
	self->ring_ok = 1;
	push_readback(_metadata, &self->ring, self->fd, &self->a, self->p, 22);

	/* A dead device: commands fail in bigphys_job_queue(). */
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "watchdog_ms", "300"));
	ASSERT_EQ(0, bp_dma_start(self->fd, &d));
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "fault_inject", "1"));
	ASSERT_EQ(0, bp_dma_wait(self->fd, d.cookie, 5 * BP_NSEC, &w));
	EXPECT_EQ(-EIO, w.status);
	bp_dma_req(&d, self->a.id, 0, WIN_SIZE, WIN, 0);	/* cookie 0 */
	ASSERT_EQ(1, bp_ucmd(&self->ring, self->fd, BIGPHYS_URING_CMD_DMA, &d,
			     sizeof(d), 30));
	ASSERT_EQ(1, ucmd_async(&self->ring, self->fd, &d, 31));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, bp_cqe_wait(&self->ring, &c, 10000));
		EXPECT_EQ(-ENODEV, c.res) TH_LOG("job %llu on a dead device: %s",
						 (unsigned long long)c.tag,
						 strerror(-c.res));
	}
	io_uring_queue_exit(&self->ring);
	self->ring_ok = 0;
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "fault_inject", "0"));
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "watchdog_ms", "2000"));
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 0));
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 1));
	ASSERT_EQ(0, bp_ring_init(&self->ring, 0));
	self->ring_ok = 1;
	push_readback(_metadata, &self->ring, self->fd, &self->a, self->p, 23);
}

/* PCI remove (hot unplug) with io_uring jobs queued, then rescan. */
TEST_F(uring, pci_remove_with_jobs)
{
	struct bigphys_dev_info di;
	struct bigphys_dma d;
	struct bp_cqe c;
	char path[160];
	int i;

	bp_dma_req(&d, self->a.id, 0, WIN_SIZE, WIN, 0);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, bp_ucmd(&self->ring, self->fd,
				     BIGPHYS_URING_CMD_DMA, &d, sizeof(d), i));
	usleep(20000);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove",
		 self->dev.name);
	ASSERT_EQ(0, bp_write_file(path, "1"));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, bp_cqe_wait(&self->ring, &c, 10000));
		/* The job on the engine may have finished its one transfer. */
		if (c.tag) {
			EXPECT_EQ(-ENODEV, c.res);
		} else {
			EXPECT_TRUE(c.res == 0 || c.res == -ENODEV);
		}
	}
	ASSERT_EQ(0U, bp_list_nr_dma(self->fd));
	ASSERT_EQ(0, bp_write_file("/sys/bus/pci/rescan", "1"));
	ASSERT_EQ(0, bp_dev_info(self->fd, 0, &di));
	ASSERT_STREQ(self->dev.name, di.name);
	push_readback(_metadata, &self->ring, self->fd, &self->a, self->p, 11);
}

TEST_HARNESS_MAIN
