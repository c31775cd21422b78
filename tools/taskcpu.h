/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * taskcpu: CPU time of every thread of this process, from
 * /proc/self/task/TID/schedstat (first field: ns spent on a CPU), so that
 * the kernel threads io_uring runs for the process (the SQPOLL thread
 * "iou-sqp-PID", io workers "iou-wrk-PID") are counted with the
 * application's own.  Shared by examples/boot_config.c and
 * tools/bigphys_bench.c.  Reading it makes system calls: never inside a
 * timed section.
 */
#ifndef TASKCPU_H
#define TASKCPU_H

#include <stdint.h>
#include <sys/types.h>

#define TASKCPU_MAX	32

struct taskcpu {
	unsigned int nr;
	struct {
		pid_t tid;
		char comm[24];
		uint64_t ns;
	} t[TASKCPU_MAX];
};

/* taskcpu_read - snapshot every thread; returns 0 or -errno. */
int taskcpu_read(struct taskcpu *s);

/*
 * taskcpu_delta - CPU time between two snapshots, in ns: @self_ns for
 * thread @self, @io_ns for io_uring's threads (comm "iou-"), @other_ns for
 * the rest (threads that appeared count from 0; threads that ended are lost).
 */
void taskcpu_delta(const struct taskcpu *a, const struct taskcpu *b, pid_t self,
		   uint64_t *self_ns, uint64_t *io_ns, uint64_t *other_ns);

#endif /* TASKCPU_H */
