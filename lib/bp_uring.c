// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libbigphys: the io_uring backends (sqpoll and uring), through liburing.
 *
 * The ring has 128-byte SQEs (IORING_SETUP_SQE128: the command area holds
 * the 64-byte struct bigphys_dma) and 32-byte CQEs (IORING_SETUP_CQE32:
 * big_cqe[0] = bytes | usec << 32).  Each job is one IORING_OP_URING_CMD
 * whose user_data is the job's handle.  liburing 2.3 has no
 * io_uring_prep_cmd(): io_uring_prep_rw() sets the common fields, then
 * cmd_op and the payload go in by hand.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bp_internal.h"

#define RING_ENTRIES	BP_MAX_JOBS
#define CMD_BYTES	80		/* command area of a 128-byte SQE */
#define PROBE_TAG	1ULL		/* never a job handle: those have seq >= 1 << 6 */
#define NSEC_PER_SEC	1000000000ULL

_Static_assert(sizeof(struct bigphys_dma) <= CMD_BYTES, "payload too big for an SQE128");
_Static_assert(sizeof(struct bigphys_dmav) <= CMD_BYTES, "payload too big for an SQE128");

/*
 * A CPU for the SQ thread other than the caller's current one: from the
 * caller's affinity mask if it has another, else any other online CPU (an
 * application pinned to one CPU still gets its SQ thread elsewhere); -1
 * when there is only one CPU.
 */
static int other_cpu(void)
{
	int self = sched_getcpu(), cpu;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (!sched_getaffinity(0, sizeof(set), &set))
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &set) && cpu != self)
				return cpu;
	for (cpu = 0; cpu < online && cpu < CPU_SETSIZE; cpu++)
		if (cpu != self)
			return cpu;
	return -1;
}

/* Put one uring command into the SQ (not yet submitted); -EAGAIN if full. */
static int queue_cmd(struct bp *bp, uint32_t op, const void *payload, size_t len,
		     uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&bp->ring);

	if (!sqe)
		return -EAGAIN;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, bp->fd, NULL, 0, 0);
	sqe->cmd_op = op;
	memset(sqe->cmd, 0, CMD_BYTES);
	memcpy(sqe->cmd, payload, len);
	io_uring_sqe_set_data64(sqe, tag);
	return 0;
}

/*
 * io_uring_submit(), counting the system call it makes: always without
 * SQPOLL; with SQPOLL only when the thread sleeps (liburing enters the
 * kernel exactly when IORING_SQ_NEED_WAKEUP is set, read after a full
 * barrier, as here).
 */
static int submit(struct bp *bp)
{
	int ret;

	if (bp->backend != BP_BACKEND_SQPOLL || !bp->have_ring) {
		bp->stats.syscalls++;
	} else {
		io_uring_smp_mb();
		if (IO_URING_READ_ONCE(*bp->ring.sq.kflags) & IORING_SQ_NEED_WAKEUP) {
			bp->stats.syscalls++;
			bp->stats.sq_wakeups++;
		}
	}
	ret = io_uring_submit(&bp->ring);
	return ret < 0 ? ret : 0;
}

/*
 * The probe: a DMA command for device index 0xffffffff.  The bigphys
 * module checks flags and padding, then looks the device up: -ENODEV,
 * without taking a job slot or touching any memory.  Without the bigphys
 * commands the kernel answers -EOPNOTSUPP (no uring_cmd for this file),
 * -ENOTTY (the module does not know cmd_op) or -EINVAL (no uring commands
 * or SQE128).
 */
static int probe(struct bp *bp, char *why, size_t whylen)
{
	struct bigphys_dma d = { .dev_index = UINT32_MAX, .len = 4 };
	struct __kernel_timespec ts = { .tv_sec = 5 };
	struct io_uring_cqe *cqe;
	int err, res;

	err = queue_cmd(bp, BIGPHYS_URING_CMD_DMA, &d, sizeof(d), PROBE_TAG);
	if (!err)
		err = submit(bp);
	if (err) {
		snprintf(why, whylen, "probe submission: %s", strerror(-err));
		return err;
	}
	do {
		bp->stats.syscalls++;
		err = io_uring_wait_cqe_timeout(&bp->ring, &cqe, &ts);
	} while (err == -EINTR);
	if (err) {
		snprintf(why, whylen, "probe: no completion (%s)", strerror(-err));
		return err == -ETIME ? -ETIMEDOUT : err;
	}
	res = cqe->res;
	io_uring_cqe_seen(&bp->ring, cqe);
	if (res == -ENODEV)
		return 0;
	snprintf(why, whylen, "bigphys has no io_uring commands here (probe: %s)",
		 res ? strerror(-res) : "succeeded?!");
	return -EOPNOTSUPP;
}

int bp_uring_setup(struct bp *bp, bool sqpoll, char *why, size_t whylen)
{
	struct io_uring_params p;
	int err, cpu = -1;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	if (sqpoll) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = BP_SQ_IDLE_MS;
		cpu = other_cpu();
		if (cpu >= 0) {
			p.flags |= IORING_SETUP_SQ_AFF;
			p.sq_thread_cpu = cpu;
		}
	}
	bp->stats.syscalls++;
	err = io_uring_queue_init_params(RING_ENTRIES, &bp->ring, &p);
	if (err == -EINVAL && cpu >= 0) {
		/* e.g. a cpuset that does not allow the CPU for the thread */
		p.flags &= ~IORING_SETUP_SQ_AFF;
		p.sq_thread_cpu = 0;
		cpu = -1;
		bp->stats.syscalls++;
		err = io_uring_queue_init_params(RING_ENTRIES, &bp->ring, &p);
	}
	if (err) {
		snprintf(why, whylen, "io_uring_setup(%s): %s",
			 sqpoll ? "SQE128|CQE32|SQPOLL" : "SQE128|CQE32", strerror(-err));
		return err;
	}
	bp->have_ring = true;
	/* submit() counts by the backend: set it for the probe. */
	bp->backend = sqpoll ? BP_BACKEND_SQPOLL : BP_BACKEND_URING;
	bp->sq_cpu = cpu;
	err = probe(bp, why, whylen);
	if (err) {
		bp_uring_teardown(bp);
		return err;
	}
	return 0;
}

void bp_uring_teardown(struct bp *bp)
{
	if (!bp->have_ring)
		return;
	io_uring_queue_exit(&bp->ring);
	bp->have_ring = false;
	bp->sq_cpu = -1;
	bp->backend = BP_BACKEND_IOCTL;
}

int bp_uring_submit(struct bp *bp, struct bp_job *j, uint32_t op, const void *payload,
		    size_t len)
{
	int err = queue_cmd(bp, op, payload, len, j->tag);

	if (err == -EAGAIN) {
		/* The SQ is full of entries the kernel has not consumed yet. */
		err = submit(bp);
		if (!err)
			err = queue_cmd(bp, op, payload, len, j->tag);
	}
	if (err)
		return err;
	return submit(bp);
}

/* Move every CQE into its job slot (no system call). */
void bp_uring_reap(struct bp *bp)
{
	struct io_uring_cqe *cqe;
	struct bp_job *j;

	while (!io_uring_peek_cqe(&bp->ring, &cqe)) {
		j = bp_job_find(bp, cqe->user_data);
		if (j && j->state == BP_JOB_RUNNING) {
			j->state = BP_JOB_DONE;
			j->c.status = cqe->res;
			j->c.bytes = BIGPHYS_CQE_BYTES(cqe->big_cqe[0]);
			j->c.duration_ns = (uint64_t)BIGPHYS_CQE_USEC(cqe->big_cqe[0]) * 1000;
		}
		io_uring_cqe_seen(&bp->ring, cqe);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int bp_uring_wait(struct bp *bp, struct bp_job *j, uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns == BP_WAIT_FOREVER ? UINT64_MAX : now_ns() + timeout_ns;
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	uint64_t left, now;
	int err;

	for (;;) {
		bp_uring_reap(bp);
		if (j->state == BP_JOB_DONE)
			return 0;
		if (!timeout_ns)
			return -ETIMEDOUT;
		now = now_ns();
		if (deadline != UINT64_MAX && now >= deadline)
			return -ETIMEDOUT;
		left = deadline == UINT64_MAX ? 3600 * NSEC_PER_SEC : deadline - now;
		ts.tv_sec = left / NSEC_PER_SEC;
		ts.tv_nsec = left % NSEC_PER_SEC;
		bp->stats.syscalls++;
		err = io_uring_wait_cqe_timeout(&bp->ring, &cqe, &ts);
		if (err && err != -ETIME && err != -EINTR && err != -EAGAIN)
			return err;
	}
}
