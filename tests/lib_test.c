// SPDX-License-Identifier: GPL-2.0-only
/*
 * libbigphys tests: every submission backend that works on this kernel
 * (sqpoll, uring, ioctl; the ones bp_open() cannot set up are skipped and
 * say why), each pushing and reading back through edu byte for byte
 * (device window 0x40000, at most 4095 bytes), a segmented push, polling,
 * timeouts, the exact negative errno of every error class, the backend
 * selection (flags, BIGPHYS_BACKEND, fallback), and that a SQPOLL
 * submission makes no system call (a seccomp filter on the submitting
 * thread refuses ioctl and io_uring_enter).
 *
 * The tests of the ABI itself (the other tests/NAME_test.c) use raw
 * ioctls through bigphys_test_util.h; this one uses only the library (and
 * not that header: its helpers share the bp_ prefix).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libbigphys.h>

/* kselftest_harness.h's TEST() wrappers have an unused parameter. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#define BP_PAGE		4096ULL

#define EDU_WIN		0x40000ULL
#define EDU_MAX		4095ULL		/* a transfer may not end at 0x41000 */
#define WAIT_NS		(5 * 1000000000ULL)
#define MARK_ERRNO	ENOTRECOVERABLE	/* what the seccomp filter answers */

static const char *const names[] = { "", "sqpoll", "uring", "ioctl" };

/* Fill @p with a pattern that differs for every @seed and offset. */
static void pattern(__u8 *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (__u8)(i * 131 + seed * 17 + (i >> 8));
}

FIXTURE(backend) {
	struct bp *bp;
	struct bp_region src, dst;
	bool skip;
};

FIXTURE_VARIANT(backend) {
	unsigned int flags;
	enum bp_backend want;
};

FIXTURE_VARIANT_ADD(backend, sqpoll) {
	.flags = BP_OPEN_SQPOLL,
	.want = BP_BACKEND_SQPOLL,
};

FIXTURE_VARIANT_ADD(backend, uring) {
	.flags = BP_OPEN_URING,
	.want = BP_BACKEND_URING,
};

FIXTURE_VARIANT_ADD(backend, ioctl) {
	.flags = BP_OPEN_IOCTL,
	.want = BP_BACKEND_IOCTL,
};

FIXTURE_SETUP(backend)
{
	int e;

	unsetenv("BIGPHYS_BACKEND");
	e = bp_open(&self->bp, variant->flags);
	if (e) {
		/* Only the io_uring backends may be missing, and only so. */
		ASSERT_NE((int)BP_BACKEND_IOCTL, (int)variant->want);
		ASSERT_TRUE(e == -EOPNOTSUPP || e == -EINVAL || e == -ENOSYS || e == -EPERM)
			TH_LOG("bp_open(%s): %d", names[variant->want], e);
		self->skip = true;
		SKIP(return, "%s backend unavailable: %s", names[variant->want],
		     bp_strerror(e));
	}
	ASSERT_EQ((int)variant->want, (int)bp_backend(self->bp));
	ASSERT_STREQ(names[variant->want], bp_backend_name(self->bp));
	ASSERT_EQ(0, bp_region_create(self->bp, NULL, 2 * BP_PAGE, BIGPHYS_CACHE_WB,
				      &self->src));
	ASSERT_EQ(0, bp_region_create(self->bp, NULL, 2 * BP_PAGE, BIGPHYS_CACHE_WB,
				      &self->dst));
	ASSERT_EQ(0, bp_region_map(self->bp, &self->src, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, bp_region_map(self->bp, &self->dst, PROT_READ | PROT_WRITE));
}

FIXTURE_TEARDOWN(backend)
{
	if (self->skip)
		return;
	bp_region_unmap(&self->src);
	bp_region_unmap(&self->dst);
	bp_close(self->bp);
}

/*
 * The 6.1 harness runs the test body after a SKIP in the fixture setup:
 * every test starts with this.
 */
#define NEED_BACKEND()	do {						\
	if (self->skip)							\
		SKIP(return, "backend unavailable");			\
} while (0)

/* Wait for @job; its completion in @c; asserts the wait itself worked. */
#define WAIT_OK(bp, job, c)	ASSERT_EQ(0, bp_wait(bp, job, WAIT_NS, c))

/*
 * A submission the kernel must refuse with @want: the ioctl backend returns
 * it from the submission, the io_uring backends in the completion.
 */
#define EXPECT_REFUSED(self, rc, job, want) do {				\
	struct bp_completion _c;						\
	if (bp_backend((self)->bp) == BP_BACKEND_IOCTL) {			\
		ASSERT_EQ(-(want), rc);						\
		ASSERT_EQ(0ULL, job);						\
	} else {								\
		ASSERT_EQ(0, rc);						\
		ASSERT_NE(0ULL, job);						\
		WAIT_OK((self)->bp, job, &_c);					\
		ASSERT_EQ(-(want), _c.status);					\
		ASSERT_EQ(0ULL, _c.bytes);					\
		ASSERT_EQ(job, _c.job);						\
	}									\
} while (0)

/* Push @len bytes of src, read them back into dst, compare byte for byte. */
static int roundtrip(struct bp *bp, struct bp_region *src, struct bp_region *dst,
		     uint64_t len, unsigned int seed, struct bp_completion *c)
{
	uint64_t job;
	int e;

	pattern(src->map, len, seed);
	memset(dst->map, 0xee, len + 1);
	e = bp_push(bp, src, 0, len, 0, EDU_WIN, &job);
	if (e)
		return e;
	e = bp_wait(bp, job, WAIT_NS, c);
	if (e || c->status || c->bytes != len || c->job != job)
		return e ? e : c->status ? c->status : -EIO;
	e = bp_readback(bp, dst, 0, len, 0, EDU_WIN, &job);
	if (e)
		return e;
	e = bp_wait(bp, job, WAIT_NS, c);
	if (e || c->status || c->bytes != len)
		return e ? e : c->status ? c->status : -EIO;
	if (memcmp(src->map, dst->map, len))
		return -EBADMSG;
	/* nothing beyond @len was written */
	return ((__u8 *)dst->map)[len] == 0xee ? 0 : -EOVERFLOW;
}

TEST_F(backend, push_readback)
{
	static const uint64_t lens[] = { 1, 5, 4095 };
	struct bp_completion c;
	unsigned int i;

	NEED_BACKEND();

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, roundtrip(self->bp, &self->src, &self->dst, lens[i], i, &c))
			TH_LOG("%s: %llu bytes", bp_backend_name(self->bp),
			       (unsigned long long)lens[i]);
		ASSERT_LT(0ULL, c.duration_ns);
	}
	ASSERT_EQ(0U, bp_pending(self->bp));
}

/*
 * bp_region_export(): the region as a dma-buf, written through the
 * dma-buf's own mapping and pushed from the dma-buf (BIGPHYS_DMA_DMABUF)
 * on this backend; read back into the other region, compared.
 */
TEST_F(backend, dmabuf_push)
{
	struct bp_completion c;
	struct bigphys_dma d;
	uint64_t job;
	void *p;
	int dbuf;

	NEED_BACKEND();

	dbuf = bp_region_export(self->bp, &self->src, 0, 0, BIGPHYS_EXPORT_RDWR |
				BIGPHYS_EXPORT_CLOEXEC);
	ASSERT_LE(0, dbuf) TH_LOG("export: %s", strerror(-dbuf));
	ASSERT_EQ(-EINVAL, bp_region_export(self->bp, &self->src, 1, 0, 0));
	p = mmap(NULL, self->src.size, PROT_READ | PROT_WRITE, MAP_SHARED, dbuf, 0);
	ASSERT_NE(MAP_FAILED, p);
	pattern(p, 4095, 7);
	ASSERT_EQ(0, memcmp(p, self->src.map, 4095));
	memset(self->dst.map, 0xee, 4096);
	memset(&d, 0, sizeof(d));
	d.dmabuf_fd = dbuf;
	d.flags = BIGPHYS_DMA_DMABUF;
	d.len = 4095;
	d.dev_addr = EDU_WIN;
	ASSERT_EQ(0, bp_submit(self->bp, &d, &job));
	WAIT_OK(self->bp, job, &c);
	ASSERT_EQ(0, c.status);
	ASSERT_EQ(4095ULL, c.bytes);
	ASSERT_EQ(0, bp_readback(self->bp, &self->dst, 0, 4095, 0, EDU_WIN, &job));
	WAIT_OK(self->bp, job, &c);
	ASSERT_EQ(0, c.status);
	ASSERT_EQ(0, memcmp(p, self->dst.map, 4095));
	ASSERT_EQ(0, munmap(p, self->src.size));
	ASSERT_EQ(0, close(dbuf));
}

/* Three segments to three parts of the window, read back as one. */
TEST_F(backend, segmented_push)
{
	struct bigphys_dma_seg segs[3] = {
		{ .offset = 2000, .len = 2095, .dev_addr = EDU_WIN + 2000 },
		{ .offset = 0, .len = 1000, .dev_addr = EDU_WIN },
		{ .offset = 1000, .len = 1000, .dev_addr = EDU_WIN + 1000 },
	};
	struct bp_completion c;
	uint64_t job;

	NEED_BACKEND();

	pattern(self->src.map, EDU_MAX, 7);
	memset(self->dst.map, 0, EDU_MAX);
	ASSERT_EQ(0, bp_pushv(self->bp, &self->src, 0, segs, 3, &job));
	/* the library keeps its own copy: the array may change at once */
	memset(segs, 0xff, sizeof(segs));
	WAIT_OK(self->bp, job, &c);
	ASSERT_EQ(0, c.status);
	ASSERT_EQ(EDU_MAX, c.bytes);
	ASSERT_EQ(0, bp_readback(self->bp, &self->dst, 0, EDU_MAX, 0, EDU_WIN, &job));
	WAIT_OK(self->bp, job, &c);
	ASSERT_EQ(0, c.status);
	ASSERT_EQ(0, memcmp(self->src.map, self->dst.map, EDU_MAX));
}

/* bp_split() cuts an image bigger than the window into window-sized pieces. */
TEST_F(backend, split_image)
{
	struct bigphys_dma_seg segs[4];
	struct bp_completion c;
	uint64_t job;
	int n;

	NEED_BACKEND();

	ASSERT_EQ(3, n = bp_split(0, 2 * BP_PAGE, 4092, EDU_WIN, segs, 4));
	ASSERT_EQ(4092ULL, segs[0].len);
	ASSERT_EQ(4092ULL, segs[1].offset);
	ASSERT_EQ(2 * BP_PAGE - 2 * 4092, segs[2].len);
	ASSERT_EQ(-EINVAL, bp_split(0, 2 * BP_PAGE, 4092, EDU_WIN, segs, 2));
	ASSERT_EQ(-EINVAL, bp_split(0, 0, 4092, EDU_WIN, segs, 4));
	ASSERT_EQ(-EINVAL, bp_split(0, 10, 0, EDU_WIN, segs, 4));
	pattern(self->src.map, 2 * BP_PAGE, 9);
	ASSERT_EQ(0, bp_pushv(self->bp, &self->src, 0, segs, n, &job));
	WAIT_OK(self->bp, job, &c);
	ASSERT_EQ(0, c.status);
	ASSERT_EQ(2 * BP_PAGE, c.bytes);
	/* the device holds the last segment */
	ASSERT_EQ(0, bp_readback(self->bp, &self->dst, 0, segs[2].len, 0, EDU_WIN, &job));
	WAIT_OK(self->bp, job, &c);
	ASSERT_EQ(0, memcmp((__u8 *)self->src.map + segs[2].offset, self->dst.map,
			    segs[2].len));
}

/* bp_poll() never blocks, reaps each job once, in submission order. */
TEST_F(backend, poll_and_timeout)
{
	struct bp_completion c;
	uint64_t job[2];
	int i, got = 0, r;

	NEED_BACKEND();

	ASSERT_EQ(0, bp_poll(self->bp, &c));
	pattern(self->src.map, 64, 1);
	ASSERT_EQ(0, bp_push(self->bp, &self->src, 0, 64, 0, EDU_WIN, &job[0]));
	ASSERT_EQ(0, bp_push(self->bp, &self->src, 64, 64, 0, EDU_WIN + 64, &job[1]));
	ASSERT_NE(job[0], job[1]);
	ASSERT_EQ(2U, bp_pending(self->bp));
	/* edu takes 100 ms per job: neither has finished yet */
	ASSERT_EQ(-ETIMEDOUT, bp_wait(self->bp, job[1], 0, &c));
	ASSERT_EQ(-ETIMEDOUT, bp_wait(self->bp, job[1], 1000000, &c));
	for (i = 0; i < 500 && got < 2; i++) {
		r = bp_poll(self->bp, &c);
		ASSERT_LE(0, r);
		if (r) {
			ASSERT_EQ(job[got], c.job);
			ASSERT_EQ(0, c.status);
			ASSERT_EQ(64ULL, c.bytes);
			got++;
		} else {
			usleep(10000);
		}
	}
	ASSERT_EQ(2, got);
	ASSERT_EQ(0U, bp_pending(self->bp));
	ASSERT_EQ(0, bp_poll(self->bp, &c));
	ASSERT_EQ(-ENOENT, bp_wait(self->bp, job[0], 0, &c));
	ASSERT_EQ(-ENOENT, bp_wait(self->bp, 0, 0, &c));
}

/* Every error class, with its exact errno, where the backend reports it. */
TEST_F(backend, errors)
{
	struct bigphys_dma_seg seg = { .offset = 0, .len = 0, .dev_addr = EDU_WIN };
	struct bigphys_dma d = { .region_id = self->src.id, .len = 4, .dev_addr = EDU_WIN };
	struct bp_region bogus = self->src;
	struct bigphys_dev_info dev;
	struct bp_region r;
	uint64_t job;
	int rc;

	NEED_BACKEND();

	/* kernel: length 0, past the region, outside the window */
	rc = bp_push(self->bp, &self->src, 0, 0, 0, EDU_WIN, &job);
	EXPECT_REFUSED(self, rc, job, EINVAL);
	rc = bp_push(self->bp, &self->src, self->src.size - 2, 4, 0, EDU_WIN, &job);
	EXPECT_REFUSED(self, rc, job, EINVAL);
	rc = bp_push(self->bp, &self->src, 0, 4, 0, EDU_WIN + 4094, &job);
	EXPECT_REFUSED(self, rc, job, EINVAL);
	rc = bp_push(self->bp, &self->src, 0, 4, 0, 0, &job);
	EXPECT_REFUSED(self, rc, job, EINVAL);
	/* no such device; a region not attached to this fd */
	rc = bp_push(self->bp, &self->src, 0, 4, 77, EDU_WIN, &job);
	EXPECT_REFUSED(self, rc, job, ENODEV);
	bogus.id = 0x7fffff00;
	rc = bp_push(self->bp, &bogus, 0, 4, 0, EDU_WIN, &job);
	EXPECT_REFUSED(self, rc, job, ENOENT);
	/* a segment of length 0 */
	rc = bp_pushv(self->bp, &self->src, 0, &seg, 1, &job);
	EXPECT_REFUSED(self, rc, job, EINVAL);
	ASSERT_EQ(0U, bp_pending(self->bp));

	/* the library's own checks, on every backend */
	d.cookie = 5;
	ASSERT_EQ(-EINVAL, bp_submit(self->bp, &d, &job));
	ASSERT_EQ(-EINVAL, bp_pushv(self->bp, &self->src, 0, &seg, 0, &job));
	ASSERT_EQ(-EINVAL, bp_pushv(self->bp, &self->src, 0, &seg,
				    BIGPHYS_DMAV_MAX_SEGS + 1, &job));
	ASSERT_EQ(-ENOENT, bp_wait(self->bp, 12345, 0, NULL));
	ASSERT_EQ(0U, bp_pending(self->bp));

	/* regions, devices */
	ASSERT_EQ(-ENOENT, bp_region_attach(self->bp, "lib_test_missing", &r));
	ASSERT_EQ(-EINVAL, bp_region_attach(self->bp, "", &r));
	ASSERT_EQ(-ENAMETOOLONG, bp_region_create(self->bp,
		  "lib_test_a_name_of_32_characters", BP_PAGE, 0, &r));
	ASSERT_EQ(-EINVAL, bp_region_create(self->bp, "bad/name", BP_PAGE, 0, &r));
	ASSERT_EQ(-EINVAL, bp_region_create(self->bp, NULL, 0, 0, &r));
	ASSERT_EQ(0, bp_region_create(self->bp, "lib_test_x", BP_PAGE, BIGPHYS_ALLOC_EXCL, &r));
	ASSERT_EQ(-EEXIST, bp_region_create(self->bp, "lib_test_x", BP_PAGE,
					    BIGPHYS_ALLOC_EXCL, &r));
	ASSERT_EQ(0, bp_unlink(self->bp, "lib_test_x"));
	ASSERT_EQ(-ENOENT, bp_unlink(self->bp, "lib_test_x"));
	ASSERT_EQ(-ENODEV, bp_dev_info(self->bp, 77, &dev));
	ASSERT_EQ(-EBUSY, bp_region_map(self->bp, &self->src, PROT_READ));
	ASSERT_STRNE(strerror(ENOSPC), bp_strerror(-ENOSPC));
	ASSERT_STREQ(strerror(EXDEV), bp_strerror(-EXDEV));
}

/*
 * BP_MAX_JOBS unreaped jobs fill the handle: the next submission is -EBUSY,
 * from the library.  On the io_uring backends refused submissions (no
 * such device) hold a slot until reaped, which fills it without 64 real
 * transfers of 100 ms each; on the ioctl backend they are real, and the
 * close at teardown cancels the queued ones.
 */
TEST_F(backend, job_limit)
{
	uint64_t jobs[BP_MAX_JOBS], extra;
	struct bp_completion c;
	unsigned int i;
	bool real;

	NEED_BACKEND();
	real = bp_backend(self->bp) == BP_BACKEND_IOCTL;
	for (i = 0; i < BP_MAX_JOBS; i++)
		ASSERT_EQ(0, bp_push(self->bp, &self->src, 0, 4, real ? 0 : 77, EDU_WIN,
				     &jobs[i])) TH_LOG("job %u", i);
	ASSERT_EQ((unsigned int)BP_MAX_JOBS, bp_pending(self->bp));
	ASSERT_EQ(-EBUSY, bp_push(self->bp, &self->src, 0, 4, 0, EDU_WIN, &extra));
	ASSERT_EQ(0ULL, extra);
	ASSERT_EQ(0, bp_wait(self->bp, jobs[0], WAIT_NS, &c));
	ASSERT_EQ(real ? 0 : -ENODEV, c.status);
	ASSERT_EQ(BP_MAX_JOBS - 1U, bp_pending(self->bp));
	if (real)
		return;
	for (i = 1; i < BP_MAX_JOBS; i++) {
		ASSERT_EQ(0, bp_wait(self->bp, jobs[i], WAIT_NS, &c));
		ASSERT_EQ(-ENODEV, c.status);
	}
	ASSERT_EQ(0U, bp_pending(self->bp));
}

TEST_F(backend, info)
{
	struct bigphys_region_info *regs;
	struct bigphys_dev_info dev;
	struct bigphys_info info;
	uint32_t n, i, seen = 0;

	NEED_BACKEND();

	ASSERT_EQ(0, bp_info(self->bp, &info));
	ASSERT_LT(0U, info.nr_devices);
	ASSERT_LE(info.largest_free, info.free_bytes);
	ASSERT_EQ(0, bp_dev_info(self->bp, 0, &dev));
	ASSERT_EQ(0x1234U, dev.vendor);
	ASSERT_EQ(0x11e8U, dev.device);
	ASSERT_EQ(EDU_WIN, dev.window_base);
	ASSERT_EQ(0, bp_list(self->bp, &regs, &n));
	ASSERT_LE(2U, n);
	for (i = 0; i < n; i++)
		if (regs[i].id == self->src.id || regs[i].id == self->dst.id)
			seen++;
	free(regs);
	ASSERT_EQ(2U, seen);
}

/* Counted system calls: 1 per ioctl or uring submission, 0 for SQPOLL. */
TEST_F(backend, syscall_count)
{
	struct bp_stats a, b;
	struct bp_completion c;
	uint64_t j1, j2;

	NEED_BACKEND();

	ASSERT_EQ(0, bp_push(self->bp, &self->src, 0, 4, 0, EDU_WIN, &j1));
	bp_get_stats(self->bp, &a);
	ASSERT_EQ(0, bp_push(self->bp, &self->src, 0, 4, 0, EDU_WIN, &j2));
	bp_get_stats(self->bp, &b);
	ASSERT_EQ(a.submits + 1, b.submits);
	/* 0 for SQPOLL: the first submission woke the thread */
	ASSERT_EQ(bp_backend(self->bp) == BP_BACKEND_SQPOLL ? 0ULL : 1ULL,
		  b.syscalls - a.syscalls);
	ASSERT_EQ(0ULL, b.sq_wakeups - a.sq_wakeups);
	WAIT_OK(self->bp, j1, &c);
	WAIT_OK(self->bp, j2, &c);
	bp_get_stats(self->bp, &a);
	ASSERT_EQ(0, bp_poll(self->bp, &c));
	bp_get_stats(self->bp, &b);
	ASSERT_EQ(0ULL, b.syscalls - a.syscalls);	/* nothing pending: no call */
}

/*
 * The SQPOLL claim checked by the kernel, not by our counter: a thread
 * whose seccomp filter fails ioctl() and io_uring_enter() with
 * ENOTRECOVERABLE still submits (while the SQ thread is awake).
 */
struct nosys_arg {
	struct bp *bp;
	struct bp_region *src;
	uint64_t job;
	int rc;
	int probe;	/* a raw ioctl in the filtered thread: must fail */
};

static void *nosys_thread(void *p)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | MARK_ERRNO),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct nosys_arg *a = p;
	struct bigphys_info info;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		a->rc = -errno;
		return NULL;
	}
	a->probe = ioctl(bp_fd(a->bp), BIGPHYS_IOC_INFO, &info) ? errno : 0;
	a->rc = bp_push(a->bp, a->src, 0, 4, 0, EDU_WIN, &a->job);
	return NULL;
}

TEST_F(backend, sqpoll_submit_without_syscall)
{
	struct nosys_arg a = { .bp = self->bp, .src = &self->src };
	struct bp_completion c;
	pthread_t t;
	uint64_t j;

	NEED_BACKEND();

	if (bp_backend(self->bp) != BP_BACKEND_SQPOLL)
		SKIP(return, "only the sqpoll backend submits without system calls");
	/* wake the SQ thread (it then stays awake BP_SQ_IDLE_MS) */
	ASSERT_EQ(0, bp_push(self->bp, &self->src, 0, 4, 0, EDU_WIN, &j));
	ASSERT_EQ(0, pthread_create(&t, NULL, nosys_thread, &a));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(MARK_ERRNO, a.probe);		/* the filter works */
	ASSERT_EQ(0, a.rc) TH_LOG("%s", bp_strerror(a.rc));
	WAIT_OK(self->bp, j, &c);
	WAIT_OK(self->bp, a.job, &c);
	ASSERT_EQ(0, c.status);
	ASSERT_EQ(4ULL, c.bytes);
}

/* With two or more CPUs the SQ thread is pinned off the opener's CPU. */
TEST_F(backend, sq_thread_cpu)
{
	cpu_set_t set;

	NEED_BACKEND();

	if (bp_backend(self->bp) != BP_BACKEND_SQPOLL) {
		ASSERT_EQ(-1, bp_sq_cpu(self->bp));
		return;
	}
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	if (CPU_COUNT(&set) < 2) {
		ASSERT_EQ(-1, bp_sq_cpu(self->bp));
		return;
	}
	ASSERT_LE(0, bp_sq_cpu(self->bp));
	ASSERT_TRUE(CPU_ISSET(bp_sq_cpu(self->bp), &set));
}

/* ---- backend selection ---- */

TEST(selection)
{
	struct bp *bp, *bp2;
	int e;

	unsetenv("BIGPHYS_BACKEND");
	ASSERT_EQ(0, bp_open(&bp, 0));
	ASSERT_NE(NULL, bp_backend_why(bp));
	ASSERT_LT(0U, strlen(bp_backend_why(bp)));
	TH_LOG("default backend: %s (%s)", bp_backend_name(bp), bp_backend_why(bp));
	printf("# default backend: %s (%s)\n", bp_backend_name(bp), bp_backend_why(bp));
	switch (bp_backend(bp)) {
	case BP_BACKEND_SQPOLL:
		ASSERT_STREQ("default (the best available)", bp_backend_why(bp));
		break;
	case BP_BACKEND_URING:
		/* sqpoll failed but uring works */
		ASSERT_NE(0, bp_open(&bp2, BP_OPEN_SQPOLL));
		ASSERT_EQ(0, bp_open(&bp2, BP_OPEN_URING));
		bp_close(bp2);
		break;
	case BP_BACKEND_IOCTL:
		/* neither io_uring backend works: forcing them fails the same way */
		e = bp_open(&bp2, BP_OPEN_SQPOLL);
		ASSERT_NE(0, e);
		ASSERT_NE(NULL, strstr(bp_backend_why(bp), "sqpoll") ?:
			  strstr(bp_backend_why(bp), "io_uring"));
		ASSERT_NE(0, bp_open(&bp2, BP_OPEN_URING));
		break;
	default:
		ASSERT_TRUE(0) TH_LOG("backend %d", bp_backend(bp));
	}
	bp_close(bp);

	/* forced by flag and by environment */
	ASSERT_EQ(0, bp_open(&bp, BP_OPEN_IOCTL));
	ASSERT_STREQ("ioctl", bp_backend_name(bp));
	ASSERT_STREQ("forced by BP_OPEN_IOCTL", bp_backend_why(bp));
	bp_close(bp);
	ASSERT_EQ(0, setenv("BIGPHYS_BACKEND", "ioctl", 1));
	ASSERT_EQ(0, bp_open(&bp, 0));
	ASSERT_EQ((int)BP_BACKEND_IOCTL, (int)bp_backend(bp));
	ASSERT_STREQ("forced by BIGPHYS_BACKEND", bp_backend_why(bp));
	bp_close(bp);
	/* a flag wins over the environment */
	ASSERT_EQ(0, setenv("BIGPHYS_BACKEND", "nonsense", 1));
	ASSERT_EQ(-EINVAL, bp_open(&bp, 0));
	ASSERT_NULL(bp);
	ASSERT_EQ(0, bp_open(&bp, BP_OPEN_IOCTL));
	bp_close(bp);
	unsetenv("BIGPHYS_BACKEND");

	/* bad flags, bad node */
	ASSERT_EQ(-EINVAL, bp_open(&bp, BP_OPEN_IOCTL | BP_OPEN_URING));
	ASSERT_EQ(-EINVAL, bp_open(&bp, 1U << 12));
	ASSERT_EQ(-ENOENT, bp_open_dev(&bp, "/dev/bigphys-nonexistent", 0));
	/* a file without the bigphys commands: the default falls back to ioctl */
	ASSERT_EQ(0, bp_open_dev(&bp, "/dev/zero", 0));
	ASSERT_EQ((int)BP_BACKEND_IOCTL, (int)bp_backend(bp));
	bp_close(bp);
	e = bp_open_dev(&bp, "/dev/zero", BP_OPEN_URING);
	ASSERT_TRUE(e == -EOPNOTSUPP || e == -EINVAL) TH_LOG("forced uring on /dev/zero: %d", e);
}

TEST_HARNESS_MAIN
