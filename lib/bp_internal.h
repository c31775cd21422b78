/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libbigphys internals: the handle, the job table, the backend operations.
 * Not installed.
 */
#ifndef BP_INTERNAL_H
#define BP_INTERNAL_H

#include <stdbool.h>
#include <liburing.h>

#include "libbigphys.h"

enum bp_job_state {
	BP_JOB_FREE = 0,
	BP_JOB_RUNNING,		/* submitted, no completion seen yet */
	BP_JOB_DONE,		/* completion seen, not reaped by the caller */
};

/*
 * One job slot.  The handle given to the caller is (seq << 6) | slot, so a
 * completion finds its slot without a search and a stale handle (same slot,
 * older seq) is recognised.
 */
struct bp_job {
	uint64_t tag;			/* the caller's handle; 0 when free */
	uint64_t cookie;		/* ioctl backend: the kernel's cookie */
	enum bp_job_state state;
	struct bp_completion c;
	struct bigphys_dma_seg *segs;	/* io_uring DMAV: our copy */
	uint32_t segs_cap;
};

struct bp {
	int fd;
	enum bp_backend backend;
	bool have_ring;
	int sq_cpu;
	struct io_uring ring;
	uint64_t seq;
	unsigned int nr_jobs;		/* slots not free */
	unsigned int next_slot;		/* where to look for a free slot first */
	struct bp_stats stats;
	char why[400];
	struct bp_job jobs[BP_MAX_JOBS];
};

#define BP_SLOT_BITS	6
#define BP_SLOT(tag)	((unsigned int)((tag) & (BP_MAX_JOBS - 1)))

/* Not exported from libbigphys.so. */
#define BP_HIDDEN	__attribute__((visibility("hidden")))

/* lib/libbigphys.c */
BP_HIDDEN struct bp_job *bp_job_new(struct bp *bp);
BP_HIDDEN void bp_job_release(struct bp *bp, struct bp_job *j);
BP_HIDDEN struct bp_job *bp_job_find(struct bp *bp, uint64_t tag);

/* lib/bp_uring.c */
BP_HIDDEN int bp_uring_setup(struct bp *bp, bool sqpoll, char *why, size_t whylen);
BP_HIDDEN void bp_uring_teardown(struct bp *bp);
BP_HIDDEN int bp_uring_submit(struct bp *bp, struct bp_job *j, uint32_t op, const void *payload,
		    size_t len);
BP_HIDDEN void bp_uring_reap(struct bp *bp);
BP_HIDDEN int bp_uring_wait(struct bp *bp, struct bp_job *j, uint64_t timeout_ns);

#endif /* BP_INTERNAL_H */
