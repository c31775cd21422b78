/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fineclock: short intervals timed with the CPU's time-stamp counter.
 *
 * In the test VM clock_gettime() reads the HPET (TCG's TSC is marked
 * unstable), which is an MMIO access: the emulator serves it under its
 * global lock, so a clock read on one vCPU waits while the other vCPU
 * emulates a device register access (for example the SQPOLL thread
 * starting edu's DMA engine).  A timed section that ends with such a read
 * then includes that wait.  RDTSCP needs no lock.  fine_calibrate() measures
 * the TSC rate against CLOCK_MONOTONIC once; intervals must start and end
 * on the same CPU (the callers pin the measuring thread).  Shared by
 * examples/boot_config.c and tools/bigphys_bench.c.
 */
#ifndef FINECLOCK_H
#define FINECLOCK_H

#include <stdint.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>

/* What fine_ticks() reads, for reports. */
#define FINE_CLOCK_NAME	"the TSC (RDTSCP)"
static double fine_ticks_per_ns;

static inline uint64_t fine_ticks(void)
{
	unsigned int aux;

	return __rdtscp(&aux);
}
#else
/*
 * Elsewhere clock_gettime() is already lock-free: arm64's vDSO reads the
 * generic timer's virtual counter (CNTVCT_EL0) in user space.
 */
#define FINE_CLOCK_NAME	"CLOCK_MONOTONIC (vDSO)"
static double fine_ticks_per_ns;

static inline uint64_t fine_ticks(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
#endif

static inline uint64_t fine_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Measure the tick rate over @ms milliseconds; returns ticks per ns. */
static inline double fine_calibrate(unsigned int ms)
{
	uint64_t n0 = fine_mono_ns(), c0 = fine_ticks(), n1, c1;

	usleep(ms * 1000);
	n1 = fine_mono_ns();
	c1 = fine_ticks();
	fine_ticks_per_ns = (double)(c1 - c0) / (n1 - n0);
	if (fine_ticks_per_ns <= 0)
		fine_ticks_per_ns = 1;
	return fine_ticks_per_ns;
}

/* Ticks to ns (fine_calibrate() first). */
static inline uint64_t fine_ns(uint64_t ticks)
{
	return (uint64_t)(ticks / fine_ticks_per_ns);
}

#endif /* FINECLOCK_H */
