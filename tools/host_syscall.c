// SPDX-License-Identifier: GPL-2.0-only
/*
 * host_syscall - the cost of one native system call on this machine, for
 * the model of `make bench` (scripts/bench.sh runs it on the build machine,
 * outside the VM, and passes the figure to bigphys_bench --host-syscall-ns).
 *
 * getppid() back to back, 1000 per batch, 31 batches; prints the median
 * batch's time per call in whole ns (at least 1).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BATCH	1000
#define BATCHES	31

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	uint64_t t[BATCHES], t0, ns;
	int b, i;

	for (b = 0; b < BATCHES; b++) {
		t0 = now_ns();
		for (i = 0; i < BATCH; i++)
			syscall(SYS_getppid);
		t[b] = now_ns() - t0;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp);
	ns = (t[BATCHES / 2] + BATCH / 2) / BATCH;
	printf("%llu\n", (unsigned long long)(ns ? ns : 1));
	return 0;
}
