/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * io_uring helpers for the bigphys selftests (liburing from Debian, 2.3:
 * no io_uring_prep_cmd(), so IORING_OP_URING_CMD is prepared by hand from
 * io_uring_prep_rw()).  Include after bigphys_test_util.h.
 */
#ifndef _BIGPHYS_URING_UTIL_H
#define _BIGPHYS_URING_UTIL_H

#include <stddef.h>
#include <liburing.h>

#define BP_URING_CMD_BYTES	80	/* command area of a 128-byte SQE */

/* A ring for bigphys: SQE128 and CQE32, plus @flags (e.g. SQPOLL). */
static inline int bp_ring_init(struct io_uring *ring, unsigned int flags)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 | flags;
	if (flags & IORING_SETUP_SQPOLL)
		p.sq_thread_idle = 2000;	/* ms */
	return io_uring_queue_init_params(64, ring, &p);
}

/*
 * Queue one bigphys command (@len payload bytes, the rest of the command
 * area zeroed: @area bytes, 80 on an SQE128 ring) with @tag as user_data.
 * Returns its SQE (to set flags on), or NULL if the ring is full.
 */
static inline struct io_uring_sqe *bp_ucmd_sqe(struct io_uring *ring, int fd,
					       __u32 op, const void *payload,
					       size_t len, size_t area,
					       __u64 tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	__u8 *cmd;

	if (!sqe)
		return NULL;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = op;
	/* cmd[] runs into the second half of a 128-byte SQE. */
	cmd = (__u8 *)(uintptr_t)sqe + offsetof(struct io_uring_sqe, cmd);
	memset(cmd, 0, area);
	memcpy(cmd, payload, len < area ? len : area);
	sqe->user_data = tag;
	return sqe;
}

/* bp_ucmd_sqe(): 0, or -EBUSY if the ring is full. */
static inline int bp_ucmd_prep(struct io_uring *ring, int fd, __u32 op,
			       const void *payload, size_t len, size_t area,
			       __u64 tag)
{
	return bp_ucmd_sqe(ring, fd, op, payload, len, area, tag) ? 0 : -EBUSY;
}

/* bp_ucmd() with IOSQE_* @sqe_flags (IOSQE_ASYNC: io-wq issues it). */
static inline int bp_ucmd_flags(struct io_uring *ring, int fd, __u32 op,
				const void *payload, size_t len, __u64 tag,
				__u8 sqe_flags)
{
	struct io_uring_sqe *sqe;
	int ret;

	sqe = bp_ucmd_sqe(ring, fd, op, payload, len, BP_URING_CMD_BYTES, tag);
	if (!sqe)
		return -EBUSY;
	io_uring_sqe_set_flags(sqe, sqe_flags);
	ret = io_uring_submit(ring);
	return ret < 0 ? ret : 1;
}

/*
 * Prepare and submit one command; returns 1 (submitted) or -errno.  (With
 * SQPOLL io_uring_submit() counts the entries the SQ thread has not taken
 * yet, which may be more or fewer than this one.)
 */
static inline int bp_ucmd(struct io_uring *ring, int fd, __u32 op,
			  const void *payload, size_t len, __u64 tag)
{
	return bp_ucmd_flags(ring, fd, op, payload, len, tag, 0);
}

/* One CQE: its res, user_data and big_cqe[0]. */
struct bp_cqe {
	int res;
	__u64 tag;
	__u64 extra;
};

/* Wait up to @timeout_ms for a CQE; 0, or -ETIME / -errno. */
static inline int bp_cqe_wait(struct io_uring *ring, struct bp_cqe *out,
			      unsigned int timeout_ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
	};
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (ret)
		return ret;
	out->res = cqe->res;
	out->tag = cqe->user_data;
	out->extra = (ring->flags & IORING_SETUP_CQE32) ? cqe->big_cqe[0] : 0;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

/* A CQE already there, without blocking: 0 or -EAGAIN. */
static inline int bp_cqe_peek(struct io_uring *ring, struct bp_cqe *out)
{
	struct io_uring_cqe *cqe;

	if (io_uring_peek_cqe(ring, &cqe))
		return -EAGAIN;
	out->res = cqe->res;
	out->tag = cqe->user_data;
	out->extra = (ring->flags & IORING_SETUP_CQE32) ? cqe->big_cqe[0] : 0;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

#endif /* _BIGPHYS_URING_UTIL_H */
