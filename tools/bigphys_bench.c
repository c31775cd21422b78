// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphys_bench - measure bigphys against the usual ways of doing the same.
 *
 * Five groups, each figure the median of several repetitions in this run:
 *  1. boot configuration: the time the application is blocked writing N
 *     32-bit registers, (a) word by word to the device's BAR0 plus a POSIX
 *     shm shadow, (b) into a bigphys shadow region plus one submission
 *     (STRT_DMA, or STRT_DMAV of several segments for an image bigger than
 *     the device window; the DMA runs in the background).  Also the time until the device has
 *     received the image, and the fixed cost of one STRT_DMA.
 *  2. DMA setup: DMA_MAP + DMA_UNMAP of a bigphys region (one contiguous
 *     mapping) against pinning an ordinary user buffer and mapping it
 *     scatter-gather (DMA_MAP with BIGPHYS_DMA_USER_PTR).
 *  3. shared-memory setup: mmap + first touch of every page, bigphys against
 *     shm_open/tmpfs: time and minor page faults.
 *  4. allocation: allocate and free many regions of mixed sizes, against
 *     tmpfs objects of the same sizes; then the largest contiguous block of
 *     the pool after freeing every other region, against the page
 *     allocator's largest free block after the guest fragmented its memory.
 *  5. to disk (only with a scratch disk: BIGPHYS_TEST_DISK or --disk): 64 MiB
 *     of a region written to the disk three ways: (a) write() from a
 *     PFN-mapped WB region through the page cache + fsync, (b) memcpy into
 *     an aligned bounce buffer + O_DIRECT, (c) O_DIRECT straight from a
 *     page-backed (BIGPHYS_ALLOC_PAGES) region: MB/s, CPU time, bytes the
 *     CPU copies.
 *  6. region table (with --regions, alone; with --quick, small): INFO and
 *     LIST cost against the number of regions (1000, 10000, 100000 regions
 *     of 4 KiB, or what the pool holds): ns per call, per LIST entry, and
 *     the growth exponent between the smallest and the largest count.
 *
 * Output: a table, one machine-readable line per figure,
 *	bench: NAME PARAM baseline=VALUE bigphys=VALUE ratio=BASELINE/BIGPHYS
 * (VALUE "na" when not measured; the unit is the suffix of NAME), and one
 * "target:" line per target of the issue, met or MISSED.  The exit status
 * says whether the program worked, not whether the targets were met.
 *
 * Usage: bigphys_bench [--quick] [--reps N] [--disk DEV] [--regions]
 *   --quick   tiny sizes and few repetitions (make check runs this)
 *   --regions only group 6 (make bench runs it on a 1 GiB pool)
 *   --disk    scratch block device (or file) for group 5, overwritten;
 *             default $BIGPHYS_TEST_DISK, none: the group is skipped
 * Needs root, bigphys loaded on a reserved pool and edu bound to it; the
 * BAR0 baseline needs iomem=relaxed on the kernel command line (without it
 * the baseline figures of group 1 are "na").
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libbigphys.h>

#include "pcibar.h"
#include "regimage.h"
#include "taskcpu.h"
#include "fineclock.h"

#define DEV_INDEX	0		/* the edu device */
#define PAGE		4096UL
#define KIB		1024UL
#define MIB		(1024UL * 1024)
#define NSEC_PER_SEC	1000000000ULL
#define MAX_REPS	64

/*
 * Baseline register writes go to BAR0 offsets that edu ignores (its live
 * registers are 0x00-0x9f; writing 0x80-0x98 starts a DMA).  Every other
 * offset of the 1 MiB BAR is a real MMIO write that QEMU discards, as in
 * examples/boot_config.c.  A 64 KiB image fits from here.
 */
#define BAR_BASE	0x1000
#define SHM_NAME	"/bigphys-bench"

static struct bp *bpm;		/* ioctl backend: setup, groups 2-4 */
static bool quick;
static unsigned int reps_opt;
static struct bigphys_dev_info dev;
static struct bigphys_info pool;
static const char *disk_path;	/* group 5's scratch disk, NULL: skipped */

/* ---- measurements and the report ---- */

struct result {
	const char *name;	/* machine-readable, unit as suffix */
	char param[24];
	double baseline;	/* NAN: not measured */
	double bigphys;
	unsigned int reps;
	const char *what;	/* for the table */
};

static struct result results[48];
static unsigned int nr_results;

struct target {
	char text[160];
	int state;		/* 1 met, 0 missed, -1 not measured */
	char why[96];
};

static struct target targets[24];
static unsigned int nr_targets;
static char notes[40][200];
static unsigned int nr_notes;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values (sorts @v). */
static double median(uint64_t *v, unsigned int n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static unsigned int reps(unsigned int full, unsigned int q)
{
	unsigned int n = reps_opt ? reps_opt : quick ? q : full;

	return n > MAX_REPS ? MAX_REPS : n;
}

static void result(const char *name, const char *param, double baseline, double bigphys,
		   unsigned int n, const char *what)
{
	struct result *r;

	if (nr_results == sizeof(results) / sizeof(results[0]))
		errx(1, "too many results");
	r = &results[nr_results++];
	r->name = name;
	snprintf(r->param, sizeof(r->param), "%s", param);
	r->baseline = baseline;
	r->bigphys = bigphys;
	r->reps = n;
	r->what = what;
}

static void target(int state, const char *why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void target(int state, const char *why, const char *fmt, ...)
{
	struct target *t;
	va_list ap;

	if (nr_targets == sizeof(targets) / sizeof(targets[0]))
		errx(1, "too many targets");
	t = &targets[nr_targets++];

	va_start(ap, fmt);
	vsnprintf(t->text, sizeof(t->text), fmt, ap);
	va_end(ap);
	t->state = state;
	snprintf(t->why, sizeof(t->why), "%s", why);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	va_list ap;

	if (nr_notes == sizeof(notes) / sizeof(notes[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(notes[nr_notes++], sizeof(notes[0]), fmt, ap);
	va_end(ap);
}

static const char *num(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "na");
	else if (isinf(v))
		snprintf(buf, len, "inf");
	else if (v != 0 && fabs(v) < 10)
		snprintf(buf, len, "%.3g", v);
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

static double ratio(const struct result *r)
{
	if (isnan(r->baseline) || isnan(r->bigphys))
		return NAN;
	if (r->bigphys == 0)
		return r->baseline == 0 ? NAN : INFINITY;
	return r->baseline / r->bigphys;
}

static void report_boot(void);
static void report_model(void);
static void boot_targets(void);
static void report_disk(void);
static void report_regions(void);

static void report(void)
{
	char b[32], g[32], q[32];
	unsigned int i;

	printf("\n%-20s %-9s %12s %12s %9s %5s  %s\n", "figure", "param", "baseline",
	       "bigphys", "ratio", "reps", "what (baseline vs bigphys)");
	for (i = 0; i < nr_results; i++) {
		const struct result *r = &results[i];

		printf("%-20s %-9s %12s %12s %9s %5u  %s\n", r->name, r->param,
		       num(b, sizeof(b), r->baseline), num(g, sizeof(g), r->bigphys),
		       num(q, sizeof(q), ratio(r)), r->reps, r->what);
	}
	printf("\n");
	for (i = 0; i < nr_notes; i++)
		printf("note: %s\n", notes[i]);
	printf("\n");
	for (i = 0; i < nr_results; i++) {
		const struct result *r = &results[i];

		printf("bench: %s %s baseline=%s bigphys=%s ratio=%s\n", r->name, r->param,
		       num(b, sizeof(b), r->baseline), num(g, sizeof(g), r->bigphys),
		       num(q, sizeof(q), ratio(r)));
	}
	report_boot();
	report_model();
	report_disk();
	report_regions();
	if (!quick)
		boot_targets();
	printf("\n");
	for (i = 0; i < nr_targets; i++)
		printf("target: %s: %s (%s)\n", targets[i].text,
		       targets[i].state > 0 ? "met" : targets[i].state ? "not measured" :
		       "MISSED", targets[i].why);
}

/* ---- bigphys helpers (libbigphys) ---- */

/* Exit with a message for the negative errno @e of a library call. */
static void __attribute__((noreturn, format(printf, 2, 3))) die(int e, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "bigphys_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", bp_strerror(e));
	exit(1);
}

static void info(struct bigphys_info *i)
{
	int e = bp_info(bpm, i);

	if (e)
		die(e, "BIGPHYS_IOC_INFO");
}

/* An anonymous region of @size bytes and cache type @cache; 0 or -errno. */
static int region_alloc(uint64_t size, uint32_t cache, struct bp_region *a)
{
	return bp_region_create(bpm, NULL, size, cache, a);
}

static void region_free(struct bp_region *a)
{
	int e;

	bp_region_unmap(a);
	e = bp_region_free(bpm, a);
	if (e)
		die(e, "BIGPHYS_IOC_FREE %u", a->id);
}

static void *region_map(struct bp_region *a)
{
	int e = bp_region_map(bpm, a, PROT_READ | PROT_WRITE);

	if (e)
		die(e, "mmap region %u", a->id);
	return a->map;
}

/* Submit a push of [@offset, +@len) of @r on @h to the window; the job. */
static uint64_t push(struct bp *h, const struct bp_region *r, uint64_t offset, uint64_t len)
{
	uint64_t job;
	int e = bp_push(h, r, offset, len, DEV_INDEX, dev.window_base, &job);

	if (e)
		die(e, "push of %llu bytes (%s)", (unsigned long long)len, bp_backend_name(h));
	return job;
}

/*
 * Wait for a job the way boot code that goes on working would: poll it
 * (no blocking) instead of sleeping.  Returns when it ended; exits unless
 * it moved every byte.
 */
static void poll_job(struct bp *h, uint64_t job, struct bp_completion *c)
{
	int e;

	if (!bp_pending(h))
		errx(1, "poll for job %llu: nothing pending", (unsigned long long)job);
	do
		e = bp_poll(h, c);
	while (!e);
	if (e < 0)
		die(e, "poll for job %llu", (unsigned long long)job);
	if (c->job != job)
		errx(1, "job %llu ended while waiting for %llu", (unsigned long long)c->job,
		     (unsigned long long)job);
	if (c->status)
		die(c->status, "DMA job %llu (%s)", (unsigned long long)job, bp_backend_name(h));
}

/* DMA_MAP + DMA_UNMAP; returns the segment count, the times in @map/@unmap. */
static unsigned int map_unmap(uint32_t region_id, void *uaddr, uint64_t len,
			      uint64_t *map_ns, uint64_t *unmap_ns)
{
	struct bigphys_dma_map m;
	uint64_t t0, t1, t2;
	int e;

	memset(&m, 0, sizeof(m));
	m.region_id = region_id;
	m.dev_index = DEV_INDEX;
	m.len = len;
	if (uaddr) {
		m.flags = BIGPHYS_DMA_USER_PTR;
		m.user_addr = (uintptr_t)uaddr;
	}
	t0 = now_ns();
	e = bp_dma_map(bpm, &m);
	t1 = now_ns();
	if (e)
		die(e, "DMA_MAP of %llu bytes (%s)", (unsigned long long)len,
		    uaddr ? "user memory" : "region");
	e = bp_dma_unmap(bpm, m.handle);
	t2 = now_ns();
	if (e)
		die(e, "DMA_UNMAP");
	*map_ns = t1 - t0;
	*unmap_ns = t2 - t1;
	return m.nr_segs;
}

static const char *size_str(uint64_t bytes)
{
	static char buf[8][24];		/* up to 8 in one printf */
	static unsigned int next;
	char *b = buf[next++ % 8];

	if (bytes >= MIB && !(bytes % MIB))
		snprintf(b, sizeof(buf[0]), "%lluM", (unsigned long long)(bytes / MIB));
	else
		snprintf(b, sizeof(buf[0]), "%lluK", (unsigned long long)(bytes / KIB));
	return b;
}

/* ---- 1. boot configuration ---- */

/* A synthetic register image: @n registers at offsets 0, 4, ... */
static void make_image(struct regimage *img, size_t n)
{
	size_t i;

	memset(img, 0, sizeof(*img));
	img->regs = calloc(n, sizeof(*img->regs));
	if (!img->regs)
		err(1, "calloc");
	for (i = 0; i < n; i++) {
		img->regs[i].offset = i * 4;
		img->regs[i].value = (uint32_t)(i * 2654435761U) ^ 0x5a5a0000;
		img->regs[i].line = i + 1;
	}
	img->nr = n;
	img->cap = n;
	img->end = n * 4;
}

/* The device's copy of the last job, read back into @rb and compared. */
static void verify_readback(const uint32_t *shadow, uint64_t off, uint64_t len,
			    struct bp_region *rb, const char *what)
{
	struct bp_completion c;
	uint64_t job;
	int e;

	memset(rb->map, 0, len);
	e = bp_readback(bpm, rb, 0, len, DEV_INDEX, dev.window_base, &job);
	if (e)
		die(e, "readback of %llu bytes", (unsigned long long)len);
	poll_job(bpm, job, &c);
	if (memcmp(rb->map, (const char *)shadow + off, len))
		errx(1, "readback after %s: the device does not hold the last %llu bytes of the image",
		     what, (unsigned long long)len);
}

enum variant { V_BASE, V_HELPER, V_IOCTL, V_URING, V_SQPOLL, NR_VARIANTS };

static const char *const vkey[NR_VARIANTS] = {
	"baseline", "helper", "ioctl", "uring", "sqpoll",
};
static const char *const vwhat[NR_VARIANTS] = {
	"word by word to BAR0 + shm, app thread",
	"word by word, handed to a spinning helper thread",
	"shadow writes + STRT_DMA(V) ioctl",
	"shadow writes + io_uring_enter (uring_cmd)",
	"shadow writes + SQPOLL ring (uring_cmd)",
};
static const unsigned int vflags[NR_VARIANTS] = {
	[V_IOCTL] = BP_OPEN_IOCTL, [V_URING] = BP_OPEN_URING, [V_SQPOLL] = BP_OPEN_SQPOLL,
};

#define NR_BOOT_SIZES	3

/* What one variant measured for one image size (medians over the reps). */
struct boot_res {
	bool have;
	unsigned int reps;
	double blocked_us, shadow_us, submit_us, cpu_us, cpu_app_us, cpu_thr_us, held_us;
	uint64_t syscalls, syscalls_max, mmio;
	char why[160];
};

static struct boot_res boot[NR_BOOT_SIZES][NR_VARIANTS];
static size_t boot_nregs[NR_BOOT_SIZES];
static unsigned int boot_nsizes;
static double guest_syscall_ns, host_syscall_ns = NAN;
static double submit_queued_us[NR_VARIANTS];

/*
 * Spin loops here use no PAUSE instruction: under TCG a PAUSE leaves the
 * translated code and goes through QEMU's main loop, which takes the
 * global lock that the other vCPU needs for every MMIO write, so a
 * PAUSE-spinning waiter slows the writer down by orders of magnitude.
 */

/*
 * IPIs (rescheduling, function call, TLB shootdown) and local timer
 * interrupts received so far by CPU @cpu, from /proc/interrupts.
 */
static uint64_t cpu_ipis(int cpu)
{
	char line[1024];
	uint64_t sum = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		int col;

		while (*p == ' ')
			p++;
		if (strncmp(p, "RES:", 4) && strncmp(p, "CAL:", 4) && strncmp(p, "TLB:", 4))
			continue;
		p += 4;
		for (col = 0; col <= cpu; col++) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			if (col == cpu)
				sum += v;
			p = end;
		}
	}
	fclose(f);
	return sum;
}

/*
 * The "usual way" done off the application thread: a helper thread that
 * already runs and spins waits for a request, writes the image word by
 * word to BAR0 and shm and says it is done.  The application only posts
 * the request.
 */
struct helper {
	pthread_t thread;
	struct pcibar *bar;
	uint32_t *shm;
	const struct regimage *img;
	uint64_t go;		/* request number, written by the app */
	uint64_t done;		/* last request finished, written by the helper */
	int quit;
};

static void *helper_main(void *p)
{
	struct helper *h = p;
	uint64_t last = 0, go;

	pthread_setname_np(pthread_self(), "bench-helper");
	while (!__atomic_load_n(&h->quit, __ATOMIC_ACQUIRE)) {
		go = __atomic_load_n(&h->go, __ATOMIC_ACQUIRE);
		if (go == last)
			continue;	/* no PAUSE: see spin_wait() */
		pcibar_write_image(h->bar, BAR_BASE, h->shm,
				   __atomic_load_n(&h->img, __ATOMIC_ACQUIRE));
		last = go;
		__atomic_store_n(&h->done, go, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* One boot-configuration run of variant @v; the figures of this rep. */
struct boot_rep {
	uint64_t blocked, shadow, submit, held, cpu_app, cpu_thr, syscalls;
};

static void boot_rep_bigphys(struct bp *h, struct bp_region *sh, const struct regimage *img,
			     uint64_t chunk, struct boot_rep *r)
{
	struct bigphys_dma_seg segs[64];
	uint64_t m0, t0, t1, t2, t3, self, io, other, bytes = img->nr * 4, job = 0;
	uint32_t *shadow = sh->map;
	struct bp_stats st0, st1;
	struct taskcpu s0, s1;
	struct bp_completion c;
	int e, n;

	taskcpu_read(&s0);
	bp_get_stats(h, &st0);
	m0 = now_ns();
	t0 = fine_ticks();
	for (size_t i = 0; i < img->nr; i++)
		shadow[img->regs[i].offset / 4] = img->regs[i].value;
	/* push the stores out of the write-combining buffers */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t1 = fine_ticks();
	/*
	 * One submission: a single push when the image fits the device
	 * window, else one job of segments (the table is built here, timed).
	 */
	if (bytes <= chunk) {
		e = bp_push(h, sh, 0, bytes, DEV_INDEX, dev.window_base, &job);
	} else {
		n = bp_split(0, bytes, chunk, dev.window_base, segs, 64);
		e = n < 0 ? n : bp_pushv(h, sh, DEV_INDEX, segs, n, &job);
	}
	t2 = fine_ticks();
	bp_get_stats(h, &st1);
	if (e)
		die(e, "boot config: submit %llu bytes (%s)", (unsigned long long)bytes,
		    bp_backend_name(h));
	/* the application goes on; the device has it when the job ends */
	poll_job(h, job, &c);
	t3 = now_ns();
	taskcpu_read(&s1);
	if (c.bytes != bytes)
		errx(1, "boot config: the job moved %llu of %llu bytes",
		     (unsigned long long)c.bytes, (unsigned long long)bytes);
	taskcpu_delta(&s0, &s1, gettid(), &self, &io, &other);
	r->blocked = fine_ns(t2 - t0);
	r->shadow = fine_ns(t1 - t0);
	r->submit = fine_ns(t2 - t1);
	r->held = t3 - m0;
	r->cpu_app = r->blocked;
	r->cpu_thr = io + other;
	r->syscalls = st1.syscalls - st0.syscalls;
}

static void boot_rep_baseline(struct pcibar *bar, uint32_t *shm, const struct regimage *img,
			      struct boot_rep *r)
{
	uint64_t t0, self, io, other;
	struct taskcpu s0, s1;

	taskcpu_read(&s0);
	t0 = fine_ticks();
	pcibar_write_image(bar, BAR_BASE, shm, img);
	r->blocked = fine_ns(fine_ticks() - t0);
	r->cpu_app = r->blocked;
	taskcpu_read(&s1);
	taskcpu_delta(&s0, &s1, gettid(), &self, &io, &other);
	r->held = r->blocked;
	r->cpu_thr = io + other;
	r->shadow = r->submit = r->syscalls = 0;
}

static void boot_rep_helper(struct helper *h, const struct regimage *img, struct boot_rep *r)
{
	uint64_t m0, t0, t1, self, io, other, seq;
	struct taskcpu s0, s1;

	taskcpu_read(&s0);
	m0 = now_ns();
	t0 = fine_ticks();
	seq = h->go + 1;
	__atomic_store_n(&h->img, img, __ATOMIC_RELEASE);
	__atomic_store_n(&h->go, seq, __ATOMIC_RELEASE);
	t1 = fine_ticks();
	while (__atomic_load_n(&h->done, __ATOMIC_ACQUIRE) != seq)
		;	/* no PAUSE: see spin_wait() */
	r->held = now_ns() - m0;
	taskcpu_read(&s1);
	taskcpu_delta(&s0, &s1, gettid(), &self, &io, &other);
	r->blocked = fine_ns(t1 - t0);
	r->cpu_app = r->blocked;
	r->cpu_thr = io + other;
	r->shadow = r->submit = r->syscalls = 0;
}

static void boot_summarise(struct boot_res *b, struct boot_rep *reps, unsigned int n,
			   uint64_t mmio)
{
	uint64_t v[MAX_REPS];
	unsigned int k;

#define MED(field) ({ for (k = 0; k < n; k++) v[k] = reps[k].field; median(v, n) / 1e3; })
	b->have = true;
	b->reps = n;
	b->blocked_us = MED(blocked);
	b->shadow_us = MED(shadow);
	b->submit_us = MED(submit);
	b->held_us = MED(held);
	b->cpu_app_us = MED(cpu_app);
	b->cpu_thr_us = MED(cpu_thr);
	for (k = 0; k < n; k++)
		v[k] = reps[k].cpu_app + reps[k].cpu_thr;
	b->cpu_us = median(v, n) / 1e3;
	for (k = 0; k < n; k++)
		v[k] = reps[k].syscalls;
	b->syscalls = (uint64_t)median(v, n);
	b->syscalls_max = v[n - 1];		/* sorted by median() */
	b->mmio = mmio;
#undef MED
}

/*
 * The fixed cost of one submission (4 bytes) on handle @h, each call timed
 * on its own: with the engine idle (the call starts the transfer) and busy
 * (the job is queued).  Medians in @idle_us and @queued_us.
 */
static void submit_cost(struct bp *h, const struct bp_region *r, unsigned int n,
			unsigned int nq, double *idle_us, double *queued_us, double *after_sys_us)
{
	uint64_t t_idle[MAX_REPS], t_q[BP_MAX_JOBS], t_s[BP_MAX_JOBS], jobs[BP_MAX_JOBS], t0;
	uint64_t ipi_idle = 0, ipi_q = 0, i0;
	int cpu = sched_getcpu();
	struct bp_completion c;
	unsigned int k;

	for (k = 0; k < n; k++) {
		i0 = cpu_ipis(cpu);
		t0 = fine_ticks();
		jobs[0] = push(h, r, 0, 4);
		t_idle[k] = fine_ns(fine_ticks() - t0);
		ipi_idle += cpu_ipis(cpu) - i0;
		poll_job(h, jobs[0], &c);
	}
	jobs[0] = push(h, r, 0, 4);
	for (k = 0; k < nq; k++) {
		i0 = cpu_ipis(cpu);
		t0 = fine_ticks();
		jobs[k + 1] = push(h, r, 0, 4);
		t_q[k] = fine_ns(fine_ticks() - t0);
		ipi_q += cpu_ipis(cpu) - i0;
	}
	note("%s: IPIs (RES+CAL+TLB) received by the application's CPU around a submission: %.2f each with the engine idle, %.2f queued",
	     bp_backend_name(h), (double)ipi_idle / n, (double)ipi_q / nq);
	for (k = 0; k <= nq; k++)
		poll_job(h, jobs[k], &c);
	/* queued again, each right after an unrelated system call */
	jobs[0] = push(h, r, 0, 4);
	for (k = 0; k < nq; k++) {
		syscall(SYS_getppid);
		t0 = fine_ticks();
		jobs[k + 1] = push(h, r, 0, 4);
		t_s[k] = fine_ns(fine_ticks() - t0);
	}
	for (k = 0; k <= nq; k++)
		poll_job(h, jobs[k], &c);
	*idle_us = median(t_idle, n) / 1e3;
	*queued_us = median(t_q, nq) / 1e3;
	*after_sys_us = median(t_s, nq) / 1e3;
}

/* The cost of a bare system call here: getppid(), back to back. */
static double syscall_cost_ns(void)
{
	uint64_t t[64], t0;
	unsigned int k;

	for (k = 0; k < 64; k++) {
		t0 = fine_ticks();
		syscall(SYS_getppid);
		t[k] = fine_ns(fine_ticks() - t0);
	}
	return median(t, 64);
}

static void bench_boot(void)
{
	static const size_t full[] = { 256, 1023, 16384 };
	static const size_t small[] = { 16, 1023 };
	const size_t *sizes = quick ? small : full;
	unsigned int n = reps(7, 2), s, k, nc, nq = quick ? 4 : 16;
	uint64_t chunk = (dev.window_size < dev.max_chunk ? dev.window_size : dev.max_chunk) & ~3ULL;
	uint64_t t_clk[64], t_tsc[64], t0, shm_bytes = 64 * KIB, first_ns, bytes, off;
	struct boot_rep rr[MAX_REPS];
	struct bp_region sh, rb, hsh;
	struct bp_completion c;
	struct helper helper;
	struct regimage img;
	struct pcibar bar;
	char what[256], param[24];
	bool have_bar;
	uint32_t *shm;
	struct bp *h;
	double idle_us, q_us, s_us;
	int shm_fd, e, v;

	boot_nsizes = quick ? 2 : 3;
	have_bar = !pcibar_map(dev.name, 0, BAR_BASE + shm_bytes, &bar, what, sizeof(what));
	if (!have_bar)
		note("boot config baseline not measured: %s (boot with iomem=relaxed)", what);
	shm_fd = shm_open(SHM_NAME, O_CREAT | O_RDWR, 0600);
	if (shm_fd < 0 || ftruncate(shm_fd, shm_bytes))
		err(1, "shm %s", SHM_NAME);
	shm = mmap(NULL, shm_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm == MAP_FAILED)
		err(1, "mmap shm");
	memset(shm, 0, shm_bytes);	/* both shadows start faulted in */

	/*
	 * The shadow is write-combining, as in examples/boot_config.c, and
	 * named, so that each backend's handle (its own fd) attaches it.
	 */
	e = bp_region_create(bpm, "bench-shadow", shm_bytes, BIGPHYS_CACHE_WC, &sh);
	if (!e)
		e = region_alloc(PAGE, BIGPHYS_CACHE_WB, &rb);
	if (e)
		die(e, "boot config: allocate the shadow");
	region_map(&sh);
	region_map(&rb);

	fine_calibrate(50);
	for (k = 0; k < 64; k++) {
		t0 = now_ns();
		t_clk[k] = now_ns() - t0;
	}
	for (k = 0; k < 64; k++) {
		t0 = fine_ticks();
		t_tsc[k] = fine_ns(fine_ticks() - t0);
	}
	guest_syscall_ns = syscall_cost_ns();

	/* The very first submission of the run, cold. */
	t0 = now_ns();
	c.job = push(bpm, &sh, 0, 4);
	first_ns = now_ns() - t0;
	poll_job(bpm, c.job, &c);

	for (s = 0; s < boot_nsizes; s++) {
		size_t nregs = sizes[s];

		boot_nregs[s] = nregs;
		bytes = nregs * 4;
		make_image(&img, nregs);
		nc = (bytes + chunk - 1) / chunk;

		if (have_bar) {
			for (k = 0; k < n; k++)
				boot_rep_baseline(&bar, shm, &img, &rr[k]);
			boot_summarise(&boot[s][V_BASE], rr, n, nregs + 1);
		} else {
			snprintf(boot[s][V_BASE].why, sizeof(boot[s][V_BASE].why), "no BAR0");
			snprintf(boot[s][V_HELPER].why, sizeof(boot[s][V_HELPER].why), "no BAR0");
		}

		for (v = V_IOCTL; v <= V_SQPOLL; v++) {
			struct boot_res *b = &boot[s][v];

			/* Each backend's own handle, opened just for its runs. */
			e = bp_open(&h, vflags[v]);
			if (e) {
				snprintf(b->why, sizeof(b->why), "%s", bp_strerror(e));
				continue;
			}
			e = bp_region_attach(h, "bench-shadow", &hsh);
			if (e)
				die(e, "attach the shadow (%s)", vkey[v]);
			hsh.map = sh.map;	/* one mapping is enough: the same memory */
			for (k = 0; k < n; k++)
				boot_rep_bigphys(h, &hsh, &img, chunk, &rr[k]);
			boot_summarise(b, rr, n, 0);
			off = (uint64_t)(nc - 1) * chunk;
			verify_readback(sh.map, off, bytes - off, &rb, vkey[v]);
			if (s == boot_nsizes - 1) {
				submit_cost(h, &hsh, reps(15, 3), v == V_IOCTL ? 32 : nq, &idle_us,
					    &q_us, &s_us);
				note("%s: a queued submission right after an unrelated system call (getppid) takes %.2f us, %.2f us back to back",
				     vkey[v], s_us, q_us);
				submit_queued_us[v] = q_us;
				snprintf(param, sizeof(param), "idle");
				if (v == V_IOCTL) {
					result("submit_fixed_us", "idle", NAN, idle_us, reps(15, 3),
					       "one STRT_DMA, engine idle (starts it)");
					result("submit_fixed_us", "queued", NAN, q_us, 32,
					       "one STRT_DMA, engine busy (queues it)");
				} else {
					result(v == V_SQPOLL ? "submit_sqpoll_us" : "submit_uring_us",
					       "idle", NAN, idle_us, reps(15, 3),
					       v == V_SQPOLL ? "one SQPOLL submission, engine idle" :
					       "one io_uring_enter submission, engine idle");
					result(v == V_SQPOLL ? "submit_sqpoll_us" : "submit_uring_us",
					       "queued", submit_queued_us[V_IOCTL], q_us, nq,
					       v == V_SQPOLL ?
					       "queued: STRT_DMA ioctl vs SQPOLL submission" :
					       "queued: STRT_DMA ioctl vs io_uring_enter");
				}
			}
			if (v == V_SQPOLL)
				note("SQPOLL thread pinned to CPU %d, the application on CPU %d; it sleeps after %u ms idle",
				     bp_sq_cpu(h), sched_getcpu(), BP_SQ_IDLE_MS);
			bp_close(h);
		}

		/* the old rows: baseline against the library's default backend */
		for (v = V_SQPOLL; v >= V_IOCTL && !boot[s][v].have; v--)
			;
		snprintf(param, sizeof(param), "%zu", nregs);
		if (v >= V_IOCTL) {
			struct boot_res *g = &boot[s][v], *bl = &boot[s][V_BASE];

			result("boot_blocked_us", param, bl->have ? bl->blocked_us : NAN,
			       g->blocked_us, n, v == V_SQPOLL ?
			       "app blocked: BAR0 word by word + shm vs shadow + SQPOLL submit" :
			       "app blocked: BAR0 word by word + shm vs shadow + submit");
			result("boot_shadow_us", param, NAN, g->shadow_us, n,
			       "of which: the shadow writes alone (WC region)");
			result("boot_held_us", param, bl->have ? bl->held_us : NAN, g->held_us, n,
			       "until the device has the image (edu: 100 ms per DMA job)");
		}
		if (nc > 1)
			note("%zu registers = %llu bytes: one STRT_DMAV job (uring: DMAV command) of %u segments of <= %llu bytes, all to edu's window 0x%llx (its buffer is 4 KiB), run one after another",
			     nregs, (unsigned long long)bytes, nc, (unsigned long long)chunk,
			     (unsigned long long)dev.window_base);
		regimage_free(&img);
	}
	/*
	 * The helper variant last, for every size: a thread spinning on the
	 * other CPU must not run during (or before) the other variants.
	 */
	for (s = 0; s < boot_nsizes && have_bar; s++) {
		make_image(&img, boot_nregs[s]);
		memset(&helper, 0, sizeof(helper));
		helper.bar = &bar;
		helper.shm = shm;
		/* on another CPU than the application, like the SQ thread */
		{
			pthread_attr_t attr;
			cpu_set_t other;
			int cpu = sched_getcpu() ? 0 : 1;

			pthread_attr_init(&attr);
			CPU_ZERO(&other);
			CPU_SET(cpu, &other);
			if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
				pthread_attr_setaffinity_np(&attr, sizeof(other), &other);
			if (pthread_create(&helper.thread, &attr, helper_main, &helper))
				errx(1, "pthread_create");
			pthread_attr_destroy(&attr);
		}
		usleep(20000);		/* it is already running */
		for (k = 0; k < n; k++)
			boot_rep_helper(&helper, &img, &rr[k]);
		__atomic_store_n(&helper.quit, 1, __ATOMIC_RELEASE);
		pthread_join(helper.thread, NULL);
		boot_summarise(&boot[s][V_HELPER], rr, n, 0);
		regimage_free(&img);
	}

	note("group 1 times its short intervals (blocked, shadow, submit, submit_*) with RDTSCP (%.3f ticks/ns, calibrated against CLOCK_MONOTONIC; reading it costs %.3f us): clock_gettime() reads the HPET here, an MMIO access the emulator serves under its global lock, %.2f us a read and longer while the other vCPU emulates a device access; held_us and the other groups use clock_gettime()",
	     fine_ticks_per_ns, median(t_tsc, 64) / 1e3, median(t_clk, 64) / 1e3);
	note("a system call (getppid, back to back) costs %.2f us here (median of 64)",
	     guest_syscall_ns / 1e3);
	note("the very first STRT_DMA of the run took %.1f us (cold: TCG translates the code path)",
	     first_ns / 1e3);

	region_free(&rb);
	region_free(&sh);
	munmap(shm, shm_bytes);
	close(shm_fd);
	shm_unlink(SHM_NAME);
	if (have_bar)
		pcibar_unmap(&bar);
}

static const char *fnum(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "na");
	else if (v < 10)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

/* The boot configuration table, its "bench:" lines, the model, the targets. */
static void report_boot(void)
{
	char a[32], b[32], c[32], d[32], e[32], sc[32];
	unsigned int s, v;

	printf("\nboot configuration (medians; CPU = app thread while blocked + every other thread of\n"
	       "the process, the SQPOLL kernel thread included, from the start until the device holds\n"
	       "the image; syscalls and MMIO = on the application's path, counted by construction)\n");
	printf("%-6s %-9s %11s %11s %11s %11s %9s %6s %12s  %s\n", "regs", "variant",
	       "blocked_us", "shadow_us", "submit_us", "cpu_us", "syscalls", "mmio", "held_us",
	       "what");
	for (s = 0; s < boot_nsizes; s++)
		for (v = 0; v < NR_VARIANTS; v++) {
			const struct boot_res *r = &boot[s][v];

			if (!r->have) {
				printf("%-6zu %-9s %11s  (%s)\n", boot_nregs[s], vkey[v], "na", r->why);
				continue;
			}
			if (r->syscalls_max != r->syscalls)
				snprintf(sc, sizeof(sc), "%llu..%llu", (unsigned long long)r->syscalls,
					 (unsigned long long)r->syscalls_max);
			else
				snprintf(sc, sizeof(sc), "%llu", (unsigned long long)r->syscalls);
			printf("%-6zu %-9s %11s %11s %11s %11s %9s %6llu %12s  %s\n", boot_nregs[s],
			       vkey[v], fnum(a, sizeof(a), r->blocked_us),
			       v >= V_IOCTL ? fnum(b, sizeof(b), r->shadow_us) : "-",
			       v >= V_IOCTL ? fnum(c, sizeof(c), r->submit_us) : "-",
			       fnum(d, sizeof(d), r->cpu_us), sc, (unsigned long long)r->mmio,
			       fnum(e, sizeof(e), r->held_us), vwhat[v]);
		}
	printf("\n");
	for (s = 0; s < boot_nsizes; s++)
		for (v = 0; v < NR_VARIANTS; v++) {
			const struct boot_res *r = &boot[s][v];

			if (!r->have)
				continue;
			printf("bench: boot %zu %s blocked_us=%s cpu_us=%s syscalls=%llu mmio=%llu held_us=%s\n",
			       boot_nregs[s], vkey[v], fnum(a, sizeof(a), r->blocked_us),
			       fnum(b, sizeof(b), r->cpu_us), (unsigned long long)r->syscalls,
			       (unsigned long long)r->mmio, fnum(c, sizeof(c), r->held_us));
		}
}

/*
 * The projection to real hardware: counts on the application's path
 * times per-operation costs from outside this VM.  Printed as "model",
 * never as a measurement.
 */
#define MMIO_LO_NS	50.0
#define MMIO_HI_NS	300.0

static void report_model(void)
{
	double scale, lo, hi, base_lo[NR_BOOT_SIZES], base_hi[NR_BOOT_SIZES];
	double proj[NR_BOOT_SIZES][NR_VARIANTS];
	unsigned int s, v;

	printf("\nmodel: a projection for real hardware, NOT a measurement. Inputs:\n");
	printf("model:   MMIO write leaving the core: %.0f-%.0f ns each (Intel community thread \"Why do\n"
	       "model:     MemReq TLPs take 100s nanoseconds to be generated after MMIO writes?\"); the\n"
	       "model:     flushing read counted as one more such access\n", MMIO_LO_NS, MMIO_HI_NS);
	if (isnan(host_syscall_ns)) {
		printf("model:   native system call: not given (make bench measures getppid() on the build\n"
		       "model:     machine and passes --host-syscall-ns); no projection\n");
		return;
	}
	scale = guest_syscall_ns / host_syscall_ns;
	printf("model:   native system call: %.0f ns (getppid() on the build machine, outside the VM);\n"
	       "model:     in this guest %.0f ns: syscall-bound work here is %.1fx overpriced\n",
	       host_syscall_ns, guest_syscall_ns, scale);
	printf("model:   shadow and shm stores: as measured here (TCG does not make stores cheaper: an\n"
	       "model:     upper bound); a kernel submission path (ioctl, io_uring_enter): measured\n"
	       "model:     submit time / %.1f (assumes the whole path is overpriced like a bare syscall);\n"
	       "model:     SQPOLL submission: measured (user-space stores only) + wakeups x native syscall\n",
	       scale);
	printf("model: %-6s %-9s %21s\n", "regs", "variant", "app blocked, us");
	for (s = 0; s < boot_nsizes; s++) {
		for (v = 0; v < NR_VARIANTS; v++) {
			const struct boot_res *r = &boot[s][v];
			double shm_store_us;

			proj[s][v] = NAN;
			if (!r->have)
				continue;
			switch (v) {
			case V_BASE:
				/* the stores into shm: take the bigphys shadow time as their cost */
				shm_store_us = boot[s][V_IOCTL].have ? boot[s][V_IOCTL].shadow_us : 0;
				lo = r->mmio * MMIO_LO_NS / 1e3 + shm_store_us;
				hi = r->mmio * MMIO_HI_NS / 1e3 + shm_store_us;
				base_lo[s] = lo;
				base_hi[s] = hi;
				printf("model: %-6zu %-9s %9.2f .. %-9.2f (%llu MMIO x %.0f..%.0f ns + %.2f us stores)\n",
				       boot_nregs[s], vkey[v], lo, hi, (unsigned long long)r->mmio,
				       MMIO_LO_NS, MMIO_HI_NS, shm_store_us);
				proj[s][v] = lo;
				break;
			case V_HELPER:
				proj[s][v] = r->blocked_us;
				printf("model: %-6zu %-9s %9.2f              (the hand-off as measured: two stores)\n",
				       boot_nregs[s], vkey[v], r->blocked_us);
				break;
			case V_IOCTL:
			case V_URING:
				proj[s][v] = r->shadow_us + r->submit_us / scale;
				printf("model: %-6zu %-9s %9.2f              (%.2f shadow + %.2f submit / %.1f; %llu syscall)\n",
				       boot_nregs[s], vkey[v], proj[s][v], r->shadow_us, r->submit_us,
				       scale, (unsigned long long)r->syscalls);
				break;
			case V_SQPOLL:
				proj[s][v] = r->shadow_us + r->submit_us +
					     r->syscalls * host_syscall_ns / 1e3;
				printf("model: %-6zu %-9s %9.2f              (%.2f shadow + %.2f submit + %llu x %.0f ns)\n",
				       boot_nregs[s], vkey[v], proj[s][v], r->shadow_us, r->submit_us,
				       (unsigned long long)r->syscalls, host_syscall_ns);
				break;
			}
		}
		for (v = V_IOCTL; v <= V_SQPOLL; v++)
			if (!isnan(proj[s][v]) && boot[s][V_BASE].have)
				printf("model: %zu registers, %s: word by word blocks %.1f..%.1fx longer\n",
				       boot_nregs[s], vkey[v], base_lo[s] / proj[s][v],
				       base_hi[s] / proj[s][v]);
	}
}

static void boot_targets(void)
{
	char why[160];
	unsigned int s, v;

	for (s = 0; s < boot_nsizes; s++) {
		const struct boot_res *q = &boot[s][V_SQPOLL];

		if (!q->have) {
			target(-1, q->why, "boot config %zu registers: SQPOLL app-blocked <= shadow writes + 4 us, no syscall or MMIO on the app path",
			       boot_nregs[s]);
			continue;
		}
		snprintf(why, sizeof(why), "blocked %.2f us, shadow %.2f us, syscalls %llu..%llu, MMIO %llu",
			 q->blocked_us, q->shadow_us, (unsigned long long)q->syscalls,
			 (unsigned long long)q->syscalls_max, (unsigned long long)q->mmio);
		target(q->blocked_us <= q->shadow_us + 4 && !q->syscalls_max && !q->mmio, why,
		       "boot config %zu registers: SQPOLL app-blocked <= shadow writes + 4 us, no syscall or MMIO on the app path",
		       boot_nregs[s]);
	}
	for (s = 0; s < boot_nsizes; s++) {
		unsigned int want = boot_nregs[s] == 16384 ? 10 : boot_nregs[s] == 1023 ? 3 : 0;

		if (!want)
			continue;
		for (v = V_IOCTL; v <= V_SQPOLL; v++) {
			const struct boot_res *r = &boot[s][v], *b = &boot[s][V_BASE];
			double q;

			if (!r->have || !b->have) {
				target(-1, r->have ? "no baseline" : r->why,
				       "boot config %zu registers, %s: application blocked >= %ux less than word by word",
				       boot_nregs[s], vkey[v], want);
				continue;
			}
			q = b->blocked_us / r->blocked_us;
			snprintf(why, sizeof(why), "ratio %.1f: %.1f vs %.1f us", q, b->blocked_us,
				 r->blocked_us);
			target(q >= want, why,
			       "boot config %zu registers, %s: application blocked >= %ux less than word by word",
			       boot_nregs[s], vkey[v], want);
		}
	}
	if (submit_queued_us[V_SQPOLL] > 0 && submit_queued_us[V_IOCTL] > 0) {
		snprintf(why, sizeof(why), "%.2f us vs %.2f us", submit_queued_us[V_SQPOLL],
			 submit_queued_us[V_IOCTL]);
		target(submit_queued_us[V_SQPOLL] < submit_queued_us[V_IOCTL], why,
		       "a queued submission via SQPOLL is cheaper than a queued STRT_DMA ioctl");
	} else {
		target(-1, "no SQPOLL backend",
		       "a queued submission via SQPOLL is cheaper than a queued STRT_DMA ioctl");
	}
}

/* ---- 2. DMA setup ---- */

static void bench_dma_setup(void)
{
	static const uint64_t full[] = { 64 * KIB, MIB, 16 * MIB, 64 * MIB };
	static const uint64_t small[] = { 64 * KIB };
	const uint64_t *sizes = quick ? small : full;
	unsigned int nsizes = quick ? 1 : 4, n = reps(9, 2), s, k, segs_b = 0, segs_g = 0;
	uint64_t t_b[MAX_REPS], t_g[MAX_REPS], m, u;
	double g_min = INFINITY, g_max = 0, last_ratio = NAN;
	struct bp_region a;
	char what[96], thp[64] = "?";
	FILE *f;
	void *buf;

	/* Bounced user memory (swiotlb=force) cannot be map-only: EOPNOTSUPP. */
	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		err(1, "mmap");
	memset(buf, 1, 4096);
	{
		struct bigphys_dma_map probe = {
			.dev_index = DEV_INDEX, .len = 4096,
			.flags = BIGPHYS_DMA_USER_PTR, .user_addr = (uintptr_t)buf,
		};

		if (bp_dma_map(bpm, &probe) == -EOPNOTSUPP) {
			note("DMA setup: not measured: DMA_MAP of user memory is refused here (it would be bounced, e.g. swiotlb=force)");
			munmap(buf, 4096);
			return;
		}
		bp_dma_unmap(bpm, probe.handle);
	}
	munmap(buf, 4096);
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (!fgets(thp, sizeof(thp), f))
			snprintf(thp, sizeof(thp), "?");
		thp[strcspn(thp, "\n")] = '\0';
		fclose(f);
	}
	for (s = 0; s < nsizes; s++) {
		uint64_t size = sizes[s];

		if (region_alloc(size, BIGPHYS_CACHE_WB, &a))
			err(1, "DMA setup: allocate a %s region", size_str(size));
		map_unmap(a.id, NULL, size, &m, &u);		/* warm-up */
		for (k = 0; k < n; k++) {
			segs_g = map_unmap(a.id, NULL, size, &m, &u);
			t_g[k] = m + u;
		}
		region_free(&a);

		/* An ordinary buffer in use: every page present. */
		buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			err(1, "mmap %s", size_str(size));
		memset(buf, 1, size);
		map_unmap(0, buf, size, &m, &u);		/* warm-up */
		for (k = 0; k < n; k++) {
			segs_b = map_unmap(0, buf, size, &m, &u);
			t_b[k] = m + u;
		}
		munmap(buf, size);

		result("dma_setup_us", size_str(size), median(t_b, n) / 1e3, median(t_g, n) / 1e3,
		       n, "DMA_MAP+UNMAP: pinned user buffer + sg_table vs region");
		result("dma_segments", size_str(size), segs_b, segs_g, n,
		       "DMA segments the device sees");
		if (results[nr_results - 2].bigphys < g_min)
			g_min = results[nr_results - 2].bigphys;
		if (results[nr_results - 2].bigphys > g_max)
			g_max = results[nr_results - 2].bigphys;
		last_ratio = ratio(&results[nr_results - 2]);
	}
	note("DMA setup: user buffers are anonymous memory, transparent hugepages \"%s\"", thp);
	if (!quick) {
		snprintf(what, sizeof(what), "ratio %.0f", last_ratio);
		target(last_ratio >= 100, what, "DMA setup 64M: region >= 100x faster than pin+SG");
		snprintf(what, sizeof(what), "%.1f..%.1f us, max/min %.2f", g_min, g_max,
			 g_max / g_min);
		target(g_max <= 2 * g_min, what, "DMA setup of a region constant within 2x from 64K to 64M");
	}
}

/* ---- 3. shared-memory setup ---- */

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Write one byte of every page; returns the page faults it took. */
static long touch(volatile char *p, uint64_t size)
{
	long f0 = minflt();
	uint64_t i;

	for (i = 0; i < size; i += PAGE)
		p[i] = 1;
	return minflt() - f0;
}

static void bench_first_touch(void)
{
	uint64_t size = quick ? MIB : 64 * MIB;
	unsigned int n = reps(5, 2), k;
	uint64_t t_b[MAX_REPS], t_g[MAX_REPS], f_b[MAX_REPS], f_g[MAX_REPS];
	uint64_t s_b[MAX_REPS], s_g[MAX_REPS], t0, t1;
	struct bp_region a;
	char what[96];
	double fb, fg;
	void *p;
	int sfd;

	for (k = 0; k < n; k++) {
		t0 = now_ns();
		if (region_alloc(size, BIGPHYS_CACHE_WB, &a))
			err(1, "first touch: allocate %s", size_str(size));
		t1 = now_ns();
		p = region_map(&a);
		f_g[k] = touch(p, size);
		t_g[k] = now_ns() - t1;
		s_g[k] = now_ns() - t0;
		region_free(&a);

		t0 = now_ns();
		sfd = shm_open(SHM_NAME, O_CREAT | O_EXCL | O_RDWR, 0600);
		if (sfd < 0 || ftruncate(sfd, size))
			err(1, "shm %s", SHM_NAME);
		t1 = now_ns();
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
		if (p == MAP_FAILED)
			err(1, "mmap shm %s", size_str(size));
		f_b[k] = touch(p, size);
		t_b[k] = now_ns() - t1;
		s_b[k] = now_ns() - t0;
		munmap(p, size);
		close(sfd);
		shm_unlink(SHM_NAME);
	}
	fb = median(f_b, n);
	fg = median(f_g, n);
	result("first_touch_ms", size_str(size), median(t_b, n) / 1e6, median(t_g, n) / 1e6, n,
	       "mmap + write every page: tmpfs vs region");
	result("first_touch_faults", size_str(size), fb, fg, n,
	       "minor page faults (getrusage) of that");
	result("shm_setup_ms", size_str(size), median(s_b, n) / 1e6, median(s_g, n) / 1e6, n,
	       "shm_open+ftruncate vs ALLOC (zeroes), + mmap + touch");
	if (!quick) {
		snprintf(what, sizeof(what), "bigphys %.0f faults, tmpfs %.0f for %llu pages",
			 fg, fb, (unsigned long long)(size / PAGE));
		target(fg == 0 && fb >= size / PAGE, what,
		       "first touch 64M: zero faults on bigphys, one per page on tmpfs");
	}
}

/* ---- 4. allocation ---- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/*
 * Mixed sizes: mostly small, some large, 4 KiB..1 MiB; scaled down so
 * that they take at most @budget bytes together.
 */
static uint64_t mixed_sizes(uint64_t *sizes, unsigned int nr, uint64_t budget)
{
	static const unsigned int pages[] = { 1, 1, 1, 2, 2, 4, 4, 8, 16, 32, 64, 256 };
	uint64_t total = 0;
	unsigned int i, shift = 0;

	for (;;) {
		rnd_state = 0x9e3779b97f4a7c15ULL;
		total = 0;
		for (i = 0; i < nr; i++) {
			unsigned int p = pages[rnd() % (sizeof(pages) / sizeof(pages[0]))] >> shift;

			sizes[i] = (p ? p : 1) * PAGE;
			total += sizes[i];
		}
		if (total <= budget || shift > 8)
			return total;
		shift++;
	}
}

/* Highest order with a free block in /proc/buddyinfo, as bytes; 0 if none. */
static uint64_t buddy_largest(void)
{
	char line[512], *p, *end;
	uint64_t best = 0;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned int order = 0;

		p = strstr(line, "zone");
		if (!p)
			continue;
		p += 4;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')		/* the zone name */
			p++;
		for (;;) {
			unsigned long c = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (c && (PAGE << order) > best)
				best = PAGE << order;
			order++;
			p = end;
		}
	}
	fclose(f);
	return best;
}

static long meminfo_kib(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

/*
 * Fragment the page allocator: a child maps nearly all free memory, touches
 * it and gives every other page back.  Returns the child (killed by the
 * caller), or -1 if it could not; @freed gets what it gave back.
 */
static pid_t fragment_memory(long *freed_kib)
{
	long avail = meminfo_kib("MemFree"), minfree = 0, want;
	int pfd[2];
	char c;
	pid_t pid;
	FILE *f;

	f = fopen("/proc/sys/vm/min_free_kbytes", "r");
	if (f) {
		if (fscanf(f, "%ld", &minfree) != 1)
			minfree = 0;
		fclose(f);
	}
	want = avail - 3 * minfree - 8192;	/* KiB; stay clear of the OOM killer */
	if (want < 4096 || pipe(pfd))
		return -1;
	*freed_kib = want / 2;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		uint64_t len = (uint64_t)want * KIB, i;
		char *p;

		close(pfd[0]);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		madvise(p, len, MADV_NOHUGEPAGE);
		for (i = 0; i < len; i += PAGE)
			p[i] = 1;
		for (i = 0; i < len; i += 2 * PAGE)
			madvise(p + i, PAGE, MADV_DONTNEED);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {		/* the child died (OOM?) */
		waitpid(pid, NULL, 0);
		close(pfd[0]);
		return -1;
	}
	close(pfd[0]);
	return pid;
}

static void bench_alloc(void)
{
	unsigned int nr = quick ? 50 : 1000, n = reps(5, 1), k, i, fails = 0, big = 0;
	uint64_t t_b[MAX_REPS], t_g[MAX_REPS], *sizes, total, t0, frag_largest;
	uint64_t before_buddy, after_buddy = 0;
	int e;
	struct bigphys_info pi;
	struct bp_region a, *ids;
	long freed_kib = 0;
	char name[64], what[128];
	pid_t child;
	int sfd;

	sizes = calloc(nr, sizeof(*sizes));
	ids = calloc(nr, sizeof(*ids));
	if (!sizes || !ids)
		err(1, "calloc");
	info(&pi);
	/* 60% of the free pool (and of what tmpfs can hold) */
	total = mixed_sizes(sizes, nr, pi.free_bytes / 10 * 6);

	for (k = 0; k < n; k++) {
		t0 = now_ns();
		for (i = 0; i < nr; i++) {
			if (region_alloc(sizes[i], BIGPHYS_CACHE_DEFAULT, &a))
				err(1, "allocation %u of %s", i, size_str(sizes[i]));
			ids[i] = a;
		}
		for (i = 0; i < nr; i++)
			region_free(&ids[i]);
		t_g[k] = now_ns() - t0;

		/* tmpfs objects of the same sizes, allocated and zeroed too */
		t0 = now_ns();
		for (i = 0; i < nr; i++) {
			snprintf(name, sizeof(name), "%s-%u", SHM_NAME, i);
			sfd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
			if (sfd < 0 || fallocate(sfd, 0, 0, sizes[i]))
				err(1, "shm %s of %s", name, size_str(sizes[i]));
			close(sfd);
		}
		for (i = 0; i < nr; i++) {
			snprintf(name, sizeof(name), "%s-%u", SHM_NAME, i);
			shm_unlink(name);
		}
		t_b[k] = now_ns() - t0;
	}
	snprintf(name, sizeof(name), "%u", nr);
	result("alloc_free_ms", name, median(t_b, n) / 1e6, median(t_g, n) / 1e6, n,
	       "allocate+free, mixed 4K..1M: tmpfs fallocate vs ALLOC/FREE");
	note("allocation: %u regions of mixed sizes, %s together (%.0f%% of the pool)", nr,
	     size_str(total), 100.0 * total / pi.pool_size);

	/* The pool, fragmented: allocate them all, free every other one. */
	for (i = 0; i < nr; i++) {
		if (region_alloc(sizes[i], BIGPHYS_CACHE_DEFAULT, &a))
			err(1, "allocation %u of %s", i, size_str(sizes[i]));
		ids[i] = a;
	}
	for (i = 0; i < nr; i += 2)
		region_free(&ids[i]);
	info(&pi);
	frag_largest = pi.largest_free;
	note("pool after freeing every other region: %s free, largest block %s",
	     size_str(pi.free_bytes), size_str(pi.largest_free));
	/* Every allocation over 4 MiB that fits in the largest block must succeed. */
	while (pi.largest_free > 4 * MIB && big < 64) {
		e = region_alloc(pi.largest_free, BIGPHYS_CACHE_DEFAULT, &a);
		big++;
		if (e) {
			fails++;
			note("allocation of %s failed (%s) with a %s free block",
			     size_str(pi.largest_free), bp_strerror(e), size_str(pi.largest_free));
			break;
		}
		info(&pi);
	}
	bp_close(bpm);			/* frees every anonymous region */
	e = bp_open(&bpm, BP_OPEN_IOCTL);
	if (e)
		die(e, "%s", BP_DEVICE);

	before_buddy = buddy_largest();
	child = quick ? -1 : fragment_memory(&freed_kib);
	if (child > 0) {
		after_buddy = buddy_largest();
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		note("page allocator: largest free block %s before, %s after a process took %ld MiB and freed every other page (%ld MiB)",
		     size_str(before_buddy), size_str(after_buddy), freed_kib / 512, freed_kib / 1024);
	} else {
		after_buddy = before_buddy;
		note("page allocator: not fragmented%s; largest free block %s (/proc/buddyinfo)",
		     quick ? " (--quick)" : " (the fragmenting process died)", size_str(before_buddy));
	}
	result("largest_block_kib", quick ? "unfrag" : "fragmented", after_buddy / KIB,
	       frag_largest / KIB, 1,
	       "largest free block: page allocator vs pool (bigger is better)");
	snprintf(what, sizeof(what), "%u allocations over 4M, %u failed", big, fails);
	if (!quick)
		target(!fails && big > 0, what,
		       "no allocation over 4M fails from the pool while free contiguous space exists");
	free(sizes);
	free(ids);
}

/* ---- 5. to disk ---- */

enum disk_way { D_PCACHE, D_BOUNCE, D_DIRECT, NR_DISK_WAYS };

static const char *const dkey[NR_DISK_WAYS] = { "pagecache", "bounce", "direct" };
static const char *const dwhat[NR_DISK_WAYS] = {
	"(a) write() from a WB region (PFN-mapped) via the page cache + fsync",
	"(b) memcpy WB region -> aligned buffer, O_DIRECT write + fdatasync",
	"(c) O_DIRECT straight from a PAGES region (bp_region_save) + fdatasync",
};

struct disk_res {
	bool measured;
	double mbps, ms, cpu_ms, busy_ms;
	uint64_t copied;	/* bytes the CPU copies, by construction */
};

static struct disk_res disk[NR_DISK_WAYS];
static uint64_t disk_size;	/* bytes written per repetition; 0: not run */
static unsigned int disk_reps;
static char disk_skip[160];	/* why the group did not run */

/* CPU time of this process (every thread, user + kernel), ns. */
static uint64_t proc_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NSEC_PER_SEC +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}

/*
 * Busy time of all CPUs (everything but idle and iowait) from /proc/stat,
 * in ns (USER_HZ ticks: 10 ms resolution): kernel threads (writeback) and
 * interrupts included, which the process's own CPU time misses.
 */
static uint64_t busy_ns(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t busy;

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) != 8)
		memset(v, 0, sizeof(v));
	fclose(f);
	busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];	/* not idle, iowait */
	return busy * (NSEC_PER_SEC / (hz > 0 ? hz : 100));
}

/* pwrite() all of it, retrying partial writes and EINTR; exits on errors. */
static void pwrite_all(int fd, const char *buf, uint64_t len, uint64_t pos)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err(1, "to disk: write %llu bytes at %llu to %s",
			    (unsigned long long)len, (unsigned long long)pos, disk_path);
		buf += n;
		len -= n;
		pos += n;
	}
}

/* Drop the disk's pages from the page cache (they are clean after a sync). */
static void drop_cache(int fd, uint64_t len)
{
	posix_fadvise(fd, 0, len, POSIX_FADV_DONTNEED);
}

/*
 * One write of @len bytes with way @w: @fd_buf without, @fd_dir with
 * O_DIRECT, @bounce a BP_XFER_CHUNK aligned buffer.
 */
static void disk_write(enum disk_way w, struct bp_region *wb, struct bp_region *pg, int fd_buf,
		       int fd_dir, char *bounce, uint64_t len)
{
	struct bp_xfer x = { .len = len, .flags = BP_XFER_SYNC };
	uint64_t off, n;
	int e = 0;

	switch (w) {
	case D_PCACHE:
		/* buffered: the kernel copies the region into the page cache */
		e = bp_region_save(bpm, wb, fd_buf, NULL, &x);
		break;
	case D_BOUNCE:
		for (off = 0; off < len; off += n) {
			n = len - off < BP_XFER_CHUNK ? len - off : BP_XFER_CHUNK;
			memcpy(bounce, (char *)wb->map + off, n);
			pwrite_all(fd_dir, bounce, n, off);
		}
		if (fdatasync(fd_dir))
			err(1, "to disk: fdatasync %s", disk_path);
		break;
	case D_DIRECT:
		x.flags |= BP_XFER_DIRECT;
		e = bp_region_save(bpm, pg, fd_dir, NULL, &x);
		break;
	default:
		break;
	}
	if (e)
		die(e, "to disk: %s: %llu of %llu bytes to %s", dkey[w], (unsigned long long)x.done,
		    (unsigned long long)len, disk_path);
}

/* Allocate @size (halved on ENOSPC down to 1 MiB); 0 or -errno. */
static int disk_region(uint64_t *size, uint32_t flags, struct bp_region *a)
{
	int e;

	for (;;) {
		e = region_alloc(*size, flags, a);
		if (e != -ENOSPC || *size <= MIB)
			return e;
		*size /= 2;
	}
}

static void bench_disk(void)
{
	uint64_t want = quick ? 4 * MIB : 64 * MIB, size = want, dsize = 0, warm, t0, c0, b0;
	uint64_t v_ms[NR_DISK_WAYS][MAX_REPS], v_cpu[NR_DISK_WAYS][MAX_REPS];
	uint64_t v_busy[NR_DISK_WAYS][MAX_REPS];
	unsigned int n = reps(5, 2), k, w, i;
	bool have_pages = pool.flags & BIGPHYS_POOL_HAS_PAGES;
	struct bp_region wb = { 0 }, pg = { 0 };
	struct bigphys_info pi;
	struct bp_xfer x;
	int fd_buf, fd_dir, e;
	char *bounce, what[160];
	struct stat st;
	double v[MAX_REPS];

	if (!disk_path) {
		snprintf(disk_skip, sizeof(disk_skip),
			 "no scratch disk (set BIGPHYS_TEST_DISK or --disk DEV)");
		printf("5. to disk: skipped: %s\n", disk_skip);
		note("to disk: skipped: %s", disk_skip);
		if (!quick)
			target(-1, disk_skip, "to disk: O_DIRECT from a PAGES region copies 0 bytes and uses at most half the CPU time of a bounce buffer");
		return;
	}
	fd_buf = open(disk_path, O_RDWR | O_CLOEXEC);
	if (fd_buf < 0 || fstat(fd_buf, &st))
		err(1, "to disk: %s", disk_path);
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd_buf, BLKGETSIZE64, &dsize))
			err(1, "to disk: size of %s", disk_path);
	} else if (S_ISREG(st.st_mode)) {
		dsize = st.st_size > (off_t)want ? (uint64_t)st.st_size : want;	/* grows */
	} else {
		errx(1, "to disk: %s is neither a block device nor a file", disk_path);
	}
	fd_dir = open(disk_path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd_dir < 0)
		err(1, "to disk: %s with O_DIRECT", disk_path);

	/* What fits: the disk, the page-backed part, the pool. */
	info(&pi);
	if (have_pages && pi.pages_free < MIB) {
		note("to disk: the page-backed part has %s free: (c) not measured",
		     size_str(pi.pages_free));
		have_pages = false;
	}
	if (size > dsize / MIB * MIB)
		size = dsize / MIB * MIB;
	if (have_pages && size > pi.pages_free / MIB * MIB)
		size = pi.pages_free / MIB * MIB;
	if (size > pi.largest_free / MIB * MIB)
		size = pi.largest_free / MIB * MIB;
	if (size < MIB)
		errx(1, "to disk: less than 1 MiB fits (disk %llu bytes, pages part %llu free, pool %llu largest)",
		     (unsigned long long)dsize, (unsigned long long)pi.pages_free,
		     (unsigned long long)pi.largest_free);
	if (have_pages) {
		e = disk_region(&size, BIGPHYS_ALLOC_PAGES, &pg);
		if (e)
			die(e, "to disk: a page-backed region of %s", size_str(size));
	}
	for (;;) {
		uint64_t s2 = size;

		e = disk_region(&s2, BIGPHYS_CACHE_WB, &wb);
		if (e)
			die(e, "to disk: a WB region of %s", size_str(size));
		if (s2 == size)
			break;
		/* the pool had less: both at the smaller size */
		size = s2;
		if (have_pages) {
			region_free(&pg);
			e = region_alloc(size, BIGPHYS_ALLOC_PAGES, &pg);
			if (e)
				die(e, "to disk: a page-backed region of %s", size_str(size));
		}
		break;
	}
	disk_size = size;
	disk_reps = n;
	printf("5. to disk: %s per write to %s (%s), %s wanted; page-backed part %s (%s free)%s...\n",
	       size_str(size), disk_path, size_str(dsize), size_str(want),
	       size_str(pi.pages_size), size_str(pi.pages_free),
	       have_pages ? "" : ": none, (c) not measured");
	fflush(stdout);
	note("to disk: %s to %s per write (wanted %s; disk %s, page-backed part %s with %s free, pool's largest free block %s)",
	     size_str(size), disk_path, size_str(want), size_str(dsize), size_str(pi.pages_size),
	     size_str(pi.pages_free), size_str(pi.largest_free));

	region_map(&wb);
	for (i = 0; i < size / 8; i++)
		((uint64_t *)wb.map)[i] = i * 0x9e3779b97f4a7c15ULL;
	if (have_pages) {
		region_map(&pg);
		memcpy(pg.map, wb.map, size);
	}
	bounce = mmap(NULL, BP_XFER_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (bounce == MAP_FAILED)
		err(1, "mmap bounce buffer");
	memset(bounce, 0, BP_XFER_CHUNK);

	/* Warm-up, one chunk each: the first run of a code path is cold (TCG). */
	warm = size < BP_XFER_CHUNK ? size : BP_XFER_CHUNK;
	for (w = 0; w < NR_DISK_WAYS; w++) {
		if (w == D_DIRECT && !have_pages)
			continue;
		disk_write(w, &wb, &pg, fd_buf, fd_dir, bounce, warm);
		drop_cache(fd_buf, size);
	}
	for (k = 0; k < n; k++) {
		for (w = 0; w < NR_DISK_WAYS; w++) {
			if (w == D_DIRECT && !have_pages)
				continue;
			drop_cache(fd_buf, size);
			t0 = now_ns();
			c0 = proc_cpu_ns();
			b0 = busy_ns();
			disk_write(w, &wb, &pg, fd_buf, fd_dir, bounce, size);
			v_busy[w][k] = busy_ns() - b0;
			v_cpu[w][k] = proc_cpu_ns() - c0;
			v_ms[w][k] = now_ns() - t0;
		}
	}
	drop_cache(fd_buf, size);

	for (w = 0; w < NR_DISK_WAYS; w++) {
		struct disk_res *d = &disk[w];

		if (w == D_DIRECT && !have_pages)
			continue;
		d->measured = true;
		for (k = 0; k < n; k++)
			v[k] = size / 1e6 / (v_ms[w][k] / 1e9);
		/* median of the MB/s of each repetition */
		{
			uint64_t tmp[MAX_REPS];

			for (k = 0; k < n; k++)
				tmp[k] = (uint64_t)(v[k] * 1000);
			d->mbps = median(tmp, n) / 1000;
		}
		d->ms = median(v_ms[w], n) / 1e6;
		d->cpu_ms = median(v_cpu[w], n) / 1e6;
		d->busy_ms = median(v_busy[w], n) / 1e6;
		d->copied = w == D_DIRECT ? 0 : size;
	}

	/* The disk holds the region: read it back both ways and compare. */
	memset(wb.map, 0, size);
	memset(&x, 0, sizeof(x));
	x.len = size;
	e = bp_region_restore(bpm, &wb, fd_buf, NULL, &x);
	if (e)
		die(e, "to disk: restore %s from %s (buffered)", size_str(size), disk_path);
	for (i = 0; i < size / 8; i++)
		if (((uint64_t *)wb.map)[i] != i * 0x9e3779b97f4a7c15ULL)
			errx(1, "to disk: %s holds another byte at %llu than the region written",
			     disk_path, (unsigned long long)i * 8);
	if (have_pages) {
		memset(pg.map, 0, size);
		memset(&x, 0, sizeof(x));
		x.len = size;
		x.flags = BP_XFER_DIRECT;
		drop_cache(fd_buf, size);
		t0 = now_ns();
		e = bp_region_restore(bpm, &pg, fd_dir, NULL, &x);
		t0 = now_ns() - t0;
		if (e)
			die(e, "to disk: restore %s from %s with O_DIRECT", size_str(size), disk_path);
		if (memcmp(pg.map, wb.map, size))
			errx(1, "to disk: O_DIRECT restore into the PAGES region differs from the disk");
		note("to disk: read back and compared (buffered into the WB region; O_DIRECT into the PAGES region, %.1f MB/s, one run)",
		     size / 1e6 / (t0 / 1e9));
	}
	drop_cache(fd_buf, size);
	munmap(bounce, BP_XFER_CHUNK);
	close(fd_dir);
	close(fd_buf);
	if (have_pages)
		region_free(&pg);
	region_free(&wb);

	result("disk_write_mbps", dkey[D_PCACHE], disk[D_PCACHE].mbps,
	       have_pages ? disk[D_DIRECT].mbps : NAN, n, "to disk, MB/s: (a) write()+page cache vs (c) O_DIRECT from PAGES (bigger is better)");
	result("disk_write_mbps", dkey[D_BOUNCE], disk[D_BOUNCE].mbps,
	       have_pages ? disk[D_DIRECT].mbps : NAN, n, "to disk, MB/s: (b) bounce buffer + O_DIRECT vs (c) (bigger is better)");
	result("disk_cpu_ms", dkey[D_PCACHE], disk[D_PCACHE].cpu_ms,
	       have_pages ? disk[D_DIRECT].cpu_ms : NAN, n, "CPU of this process (user+sys) for one write: (a) vs (c)");
	result("disk_cpu_ms", dkey[D_BOUNCE], disk[D_BOUNCE].cpu_ms,
	       have_pages ? disk[D_DIRECT].cpu_ms : NAN, n, "CPU of this process (user+sys) for one write: (b) vs (c)");
	result("disk_copied_mib", dkey[D_PCACHE], size / (double)MIB,
	       have_pages ? 0 : NAN, 1, "MiB the CPU copies (by construction): (a) into the page cache vs (c)");
	result("disk_copied_mib", dkey[D_BOUNCE], size / (double)MIB,
	       have_pages ? 0 : NAN, 1, "MiB the CPU copies (by construction): (b) memcpy vs (c)");
	if (!quick) {
		if (!have_pages) {
			target(-1, "the pool has no page-backed part (pages_base=)",
			       "to disk %s: O_DIRECT from a PAGES region copies 0 bytes and uses at most half the CPU time of a bounce buffer",
			       size_str(size));
		} else {
			snprintf(what, sizeof(what), "CPU %.1f ms vs %.1f ms (%.2fx), copied %llu vs %llu bytes",
				 disk[D_DIRECT].cpu_ms, disk[D_BOUNCE].cpu_ms,
				 disk[D_DIRECT].cpu_ms / disk[D_BOUNCE].cpu_ms,
				 (unsigned long long)disk[D_DIRECT].copied,
				 (unsigned long long)disk[D_BOUNCE].copied);
			target(disk[D_DIRECT].copied == 0 &&
			       disk[D_DIRECT].cpu_ms <= disk[D_BOUNCE].cpu_ms / 2, what,
			       "to disk %s: O_DIRECT from a PAGES region copies 0 bytes and uses at most half the CPU time of a bounce buffer",
			       size_str(size));
		}
	}
}

static void report_disk(void)
{
	char b[4][32];
	unsigned int w;

	if (!disk_size) {
		printf("\nto disk: skipped: %s\n", disk_skip[0] ? disk_skip : "not run");
		return;
	}
	printf("\nto disk (%s from a region to %s per write, medians of %u; cpu = this process,\n"
	       "user+sys, getrusage; busy = all CPUs from /proc/stat, 10 ms ticks, kernel threads\n"
	       "and interrupts included; copied = bytes the CPU copies, by construction)\n",
	       size_str(disk_size), disk_path, disk_reps);
	printf("%-10s %9s %9s %9s %9s %10s  %s\n", "way", "MB/s", "ms", "cpu_ms", "busy_ms",
	       "copied", "what");
	for (w = 0; w < NR_DISK_WAYS; w++) {
		const struct disk_res *d = &disk[w];

		if (!d->measured) {
			printf("%-10s %9s %9s %9s %9s %10s  %s\n", dkey[w], "na", "na", "na", "na",
			       "na", dwhat[w]);
			continue;
		}
		printf("%-10s %9s %9s %9s %9s %10llu  %s\n", dkey[w],
		       num(b[0], sizeof(b[0]), d->mbps), num(b[1], sizeof(b[1]), d->ms),
		       num(b[2], sizeof(b[2]), d->cpu_ms), num(b[3], sizeof(b[3]), d->busy_ms),
		       (unsigned long long)d->copied, dwhat[w]);
	}
	for (w = 0; w < NR_DISK_WAYS; w++) {
		const struct disk_res *d = &disk[w];

		if (!d->measured) {
			printf("bench: disk %s %s mbps=na ms=na cpu_ms=na busy_ms=na copied_bytes=na\n",
			       size_str(disk_size), dkey[w]);
			continue;
		}
		printf("bench: disk %s %s mbps=%s ms=%s cpu_ms=%s busy_ms=%s copied_bytes=%llu\n",
		       size_str(disk_size), dkey[w], num(b[0], sizeof(b[0]), d->mbps),
		       num(b[1], sizeof(b[1]), d->ms), num(b[2], sizeof(b[2]), d->cpu_ms),
		       num(b[3], sizeof(b[3]), d->busy_ms), (unsigned long long)d->copied);
	}
}

/* ---- 6. region table: INFO and LIST against the number of regions ---- */

#define NR_TBL_MAX	4

struct tbl_res {
	unsigned int regions;
	double alloc_ns;	/* mean ALLOC while growing to @regions */
	double info_ns;		/* median INFO */
	double count_ns;	/* median LIST with capacity 0 (the count only) */
	double list_ns;		/* median LIST copying out every entry */
	double free_ns;		/* mean FREE while shrinking from @regions */
};

static struct tbl_res tbl[NR_TBL_MAX];
static unsigned int tbl_n, tbl_reps_info, tbl_reps_list;
static char tbl_note[160];
static bool regions_only;

static uint64_t tbl_info_ns(int fd, struct bigphys_info *in)
{
	uint64_t t0 = now_ns();

	memset(in, 0, sizeof(*in));
	if (ioctl(fd, BIGPHYS_IOC_INFO, in))
		err(1, "BIGPHYS_IOC_INFO");
	return now_ns() - t0;
}

/* One LIST of capacity @cap into @buf; the count must be @want. */
static uint64_t tbl_list_ns(int fd, struct bigphys_region_info *buf, uint32_t cap,
			    uint32_t want)
{
	struct bigphys_list l = { .regions = (uintptr_t)buf, .count = cap };
	uint64_t t0 = now_ns(), t;

	if (ioctl(fd, BIGPHYS_IOC_LIST, &l))
		err(1, "BIGPHYS_IOC_LIST");
	t = now_ns() - t0;
	if (l.count != want)
		errx(1, "LIST counts %u regions, %u exist", l.count, want);
	return t;
}

/* Growth exponent b of cost ~ regions^b between the first and last count. */
static double tbl_growth(double first, double last)
{
	if (tbl_n < 2 || !(first > 0) || !(last > 0))
		return NAN;
	return log(last / first) / log((double)tbl[tbl_n - 1].regions / tbl[0].regions);
}

/*
 * Allocate 4 KiB regions on a fresh fd up to each count (1000, 10000,
 * 100000; --quick 100, 1000), measuring INFO and LIST at each, then FREE
 * them all.  Counts the pool cannot hold are replaced by what it can.
 */
static void bench_regions(void)
{
	static const unsigned int full[] = { 1000, 10000, 100000 }, small[] = { 100, 1000 };
	const unsigned int *want = quick ? small : full;
	unsigned int nwant = quick ? 2 : 3, fit, have = 0, s, k;
	struct bigphys_region_info *buf;
	struct bigphys_info in, start;
	uint32_t *ids;
	uint64_t v[MAX_REPS], t0;
	int fd;

	fd = open(BP_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		err(1, "%s", BP_DEVICE);
	tbl_info_ns(fd, &start);
	/* Leave a tenth of the free pool (and the largest block) alone. */
	fit = (unsigned int)(start.free_bytes / PAGE / 10 * 9);
	for (s = 0; s < nwant && want[s] <= fit; s++)
		tbl[tbl_n++].regions = want[s];
	if (s < nwant) {
		unsigned int f = fit >= 10000 ? fit / 1000 * 1000 : fit;

		if (f > (tbl_n ? tbl[tbl_n - 1].regions : 0))
			tbl[tbl_n++].regions = f;
		snprintf(tbl_note, sizeof(tbl_note),
			 "the pool (%s free) holds only %u regions of 4 KiB here: %u scaled down to %u",
			 size_str(start.free_bytes), fit, want[nwant - 1],
			 tbl_n ? tbl[tbl_n - 1].regions : 0);
	}
	if (!tbl_n)
		errx(1, "the pool has no room for the region-table group");
	ids = calloc(tbl[tbl_n - 1].regions, sizeof(*ids));
	buf = calloc(tbl[tbl_n - 1].regions, sizeof(*buf));
	if (!ids || !buf)
		err(1, "calloc");
	tbl_reps_info = reps(15, 3);
	tbl_reps_list = reps(9, 3);
	for (s = 0; s < tbl_n; s++) {
		struct tbl_res *r = &tbl[s];
		unsigned int total = start.nr_regions + r->regions;

		t0 = now_ns();
		for (; have < r->regions; have++) {
			struct bigphys_alloc a = { .size = PAGE };

			if (ioctl(fd, BIGPHYS_IOC_ALLOC, &a))
				err(1, "ALLOC of region %u", have + 1);
			ids[have] = a.id;
		}
		r->alloc_ns = (double)(now_ns() - t0) / (r->regions - (s ? tbl[s - 1].regions : 0));
		for (k = 0; k < tbl_reps_info; k++)
			v[k] = tbl_info_ns(fd, &in);
		r->info_ns = median(v, tbl_reps_info);
		if (in.nr_regions != total)
			errx(1, "INFO counts %u regions, %u exist", in.nr_regions, total);
		if (in.free_bytes != start.free_bytes - (uint64_t)r->regions * PAGE)
			errx(1, "INFO: %llu bytes free with %u regions, expected %llu",
			     (unsigned long long)in.free_bytes, r->regions,
			     (unsigned long long)(start.free_bytes - (uint64_t)r->regions * PAGE));
		for (k = 0; k < tbl_reps_info; k++)
			v[k] = tbl_list_ns(fd, NULL, 0, total);
		r->count_ns = median(v, tbl_reps_info);
		for (k = 0; k < tbl_reps_list; k++)
			v[k] = tbl_list_ns(fd, buf, r->regions, total);
		r->list_ns = median(v, tbl_reps_list);
		printf("   %u regions: INFO %.1f us, LIST %.1f us\n", r->regions, r->info_ns / 1000,
		       r->list_ns / 1000);
		fflush(stdout);
	}
	/* FREE from the top down, timing each step's share. */
	for (s = tbl_n; s-- > 0;) {
		unsigned int down = s ? tbl[s - 1].regions : 0, n = have - down;

		t0 = now_ns();
		for (; have > down; have--) {
			struct bigphys_free f = { .id = ids[have - 1] };

			if (ioctl(fd, BIGPHYS_IOC_FREE, &f))
				err(1, "FREE of region %u", ids[have - 1]);
		}
		tbl[s].free_ns = (double)(now_ns() - t0) / n;
	}
	tbl_info_ns(fd, &in);
	if (in.nr_regions != start.nr_regions || in.free_bytes != start.free_bytes)
		errx(1, "INFO after freeing them all: %u regions, %llu bytes free; before: %u, %llu",
		     in.nr_regions, (unsigned long long)in.free_bytes, start.nr_regions,
		     (unsigned long long)start.free_bytes);
	close(fd);
	free(ids);
	free(buf);

	{
		const struct tbl_res *a = &tbl[0], *z = &tbl[tbl_n - 1];
		double gi = tbl_growth(a->info_ns, z->info_ns);
		double gc = tbl_growth(a->count_ns, z->count_ns);
		double gl = tbl_growth(a->list_ns, z->list_ns);
		double worst = fmax(gi, fmax(gc, gl));
		char why[96];

		/* --quick: 100 and 1000 regions, 3 calls: too few to judge. */
		snprintf(why, sizeof(why), "%sgrowth exponent INFO %.2f, LIST count %.2f, LIST all %.2f",
			 quick ? "--quick, not judged: " : "", gi, gc, gl);
		target(quick || tbl_n < 2 ? -1 : worst <= 1.1, why,
		       "region table %u..%u regions: INFO and LIST cost grow at most linearly (exponent <= 1.1)",
		       a->regions, z->regions);
	}
}

static void report_regions(void)
{
	char b[7][32];
	unsigned int s;

	if (!tbl_n)
		return;
	printf("\nregion table (4 KiB regions on one fd; INFO and LIST medians of %u and %u calls,\n"
	       "ALLOC and FREE means over each step; LIST copies every entry in one call)\n",
	       tbl_reps_info, tbl_reps_list);
	if (tbl_note[0])
		printf("note: %s\n", tbl_note);
	printf("%-8s %10s %10s %12s %12s %14s %10s\n", "regions", "info_us", "count_us",
	       "list_us", "list_ns/entry", "alloc_us/each", "free_us/each");
	for (s = 0; s < tbl_n; s++) {
		const struct tbl_res *r = &tbl[s];

		printf("%-8u %10s %10s %12s %12s %14s %10s\n", r->regions,
		       num(b[0], sizeof(b[0]), r->info_ns / 1000),
		       num(b[1], sizeof(b[1]), r->count_ns / 1000),
		       num(b[2], sizeof(b[2]), r->list_ns / 1000),
		       num(b[3], sizeof(b[3]), r->list_ns / r->regions),
		       num(b[4], sizeof(b[4]), r->alloc_ns / 1000),
		       num(b[5], sizeof(b[5]), r->free_ns / 1000));
	}
	for (s = 1; s < tbl_n; s++) {
		const struct tbl_res *a = &tbl[s - 1], *z = &tbl[s];

		printf("growth %u -> %u regions (x%.0f): INFO x%.2f, LIST count x%.2f, LIST all x%.2f\n",
		       a->regions, z->regions, (double)z->regions / a->regions,
		       z->info_ns / a->info_ns, z->count_ns / a->count_ns, z->list_ns / a->list_ns);
	}
	for (s = 0; s < tbl_n; s++) {
		const struct tbl_res *r = &tbl[s];

		printf("bench: regions %u info_ns=%s list_count_ns=%s list_ns=%s list_entry_ns=%s alloc_ns=%s free_ns=%s\n",
		       r->regions, num(b[0], sizeof(b[0]), r->info_ns),
		       num(b[1], sizeof(b[1]), r->count_ns), num(b[2], sizeof(b[2]), r->list_ns),
		       num(b[3], sizeof(b[3]), r->list_ns / r->regions),
		       num(b[4], sizeof(b[4]), r->alloc_ns), num(b[5], sizeof(b[5]), r->free_ns));
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: bigphys_bench [--quick] [--reps N] [--host-syscall-ns NS] [--disk DEV]\n"
		"                     [--regions]\n"
		"  --quick    tiny sizes, few repetitions (for make check)\n"
		"  --regions  only the region-table group: INFO and LIST against 1000, 10000\n"
		"             and 100000 regions of 4 KiB (fewer if the pool is smaller)\n"
		"  --disk DEV scratch block device (or file) for the \"to disk\" group: its\n"
		"             first 64 MiB are overwritten (default: $BIGPHYS_TEST_DISK;\n"
		"             none: the group is skipped)\n"
		"  --reps N   repetitions of every figure (default: per group)\n"
		"  --host-syscall-ns NS   a native system call on real hardware (make bench\n"
		"             measures getppid() on the build machine): input of the model\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "host-syscall-ns", required_argument, NULL, 's' },
		{ "disk", required_argument, NULL, 'd' },
		{ "regions", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct bp *probe;
	uint64_t v;
	int c, e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			break;
		case 'r':
			if (parse_u64(optarg, &v) || !v || v > MAX_REPS)
				errx(2, "bad --reps '%s' (1..%d)", optarg, MAX_REPS);
			reps_opt = v;
			break;
		case 's':
			if (parse_u64(optarg, &v) || !v || v > 1000000)
				errx(2, "bad --host-syscall-ns '%s'", optarg);
			host_syscall_ns = v;
			break;
		case 'd':
			disk_path = optarg;
			break;
		case 'R':
			regions_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!disk_path && getenv("BIGPHYS_TEST_DISK") && *getenv("BIGPHYS_TEST_DISK"))
		disk_path = getenv("BIGPHYS_TEST_DISK");

	e = bp_open(&bpm, BP_OPEN_IOCTL);
	if (e)
		die(e, "%s", BP_DEVICE);
	info(&pool);
	if (pool.nr_devices <= DEV_INDEX)
		errx(1, "no DMA device bound to bigphys (is edu there?)");
	e = bp_dev_info(bpm, DEV_INDEX, &dev);
	if (e)
		die(e, "BIGPHYS_IOC_DEV_INFO");
	printf("bigphys_bench%s: pool %s at 0x%llx (%s free), device %s, window %llu bytes\n",
	       quick ? " --quick" : "", size_str(pool.pool_size),
	       (unsigned long long)pool.pool_base, size_str(pool.free_bytes), dev.name,
	       (unsigned long long)dev.window_size);
	/* Which backend an application gets by default here. */
	e = bp_open(&probe, 0);
	if (e)
		die(e, "%s", BP_DEVICE);
	printf("libbigphys default backend: %s (%s)\n", bp_backend_name(probe),
	       bp_backend_why(probe));
	note("libbigphys default backend here: %s (%s)", bp_backend_name(probe),
	     bp_backend_why(probe));
	bp_close(probe);
	/*
	 * The application thread stays on its CPU; the SQ thread and the
	 * helper thread go to another one.
	 */
	{
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(sched_getcpu(), &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			note("could not pin the application thread: %s", strerror(errno));
	}
	fflush(stdout);

	if (regions_only) {
		unsigned int i;

		printf("6. region table...\n");
		fflush(stdout);
		bench_regions();
		report_regions();
		printf("\n");
		for (i = 0; i < nr_targets; i++)
			printf("target: %s: %s (%s)\n", targets[i].text,
			       targets[i].state > 0 ? "met" : targets[i].state ? "not measured" :
			       "MISSED", targets[i].why);
		bp_close(bpm);
		return 0;
	}

	printf("1. boot configuration...\n");
	fflush(stdout);
	bench_boot();
	printf("2. DMA setup...\n");
	fflush(stdout);
	bench_dma_setup();
	printf("3. shared-memory setup...\n");
	fflush(stdout);
	bench_first_touch();
	printf("4. allocation...\n");
	fflush(stdout);
	bench_alloc();
	bench_disk();
	if (quick) {
		printf("6. region table...\n");
		fflush(stdout);
		bench_regions();
	}

	report();
	bp_close(bpm);
	return 0;
}
