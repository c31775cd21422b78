// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphys_bench - measure bigphys against the usual ways of doing the same.
 *
 * Four groups, each figure the median of several repetitions in this run:
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
 *
 * Output: a table, one machine-readable line per figure,
 *	bench: NAME PARAM baseline=VALUE bigphys=VALUE ratio=BASELINE/BIGPHYS
 * (VALUE "na" when not measured; the unit is the suffix of NAME), and one
 * "target:" line per target of the issue, met or MISSED.  The exit status
 * says whether the program worked, not whether the targets were met.
 *
 * Usage: bigphys_bench [--quick] [--reps N]
 *   --quick   tiny sizes and few repetitions (make check runs this)
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uapi/bigphys.h>

#include "pcibar.h"
#include "regimage.h"

#define DEV_NODE	"/dev/bigphys"
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

static int fd;
static bool quick;
static unsigned int reps_opt;
static struct bigphys_dev_info dev;
static struct bigphys_info pool;

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

static struct target targets[16];
static unsigned int nr_targets;
static char notes[32][200];
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
	struct target *t = &targets[nr_targets++];
	va_list ap;

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
	printf("\n");
	for (i = 0; i < nr_targets; i++)
		printf("target: %s: %s (%s)\n", targets[i].text,
		       targets[i].state > 0 ? "met" : targets[i].state ? "not measured" :
		       "MISSED", targets[i].why);
}

/* ---- bigphys helpers ---- */

static void info(struct bigphys_info *i)
{
	memset(i, 0, sizeof(*i));
	if (ioctl(fd, BIGPHYS_IOC_INFO, i))
		err(1, "BIGPHYS_IOC_INFO");
}

/* An anonymous region of @size bytes and cache type @cache; 0 or -errno. */
static int region_alloc(uint64_t size, uint32_t cache, struct bigphys_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->size = size;
	a->flags = BIGPHYS_ALLOC_CREATE | cache;
	return ioctl(fd, BIGPHYS_IOC_ALLOC, a) ? -errno : 0;
}

static void region_free(uint32_t id)
{
	struct bigphys_free f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	if (ioctl(fd, BIGPHYS_IOC_FREE, &f))
		err(1, "BIGPHYS_IOC_FREE %u", id);
}

static void *region_map(const struct bigphys_alloc *a)
{
	void *p = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)a->phys_addr);

	if (p == MAP_FAILED)
		err(1, "mmap region %u", a->id);
	return p;
}

static uint64_t strt_dma(uint32_t region_id, uint32_t flags, uint64_t offset, uint64_t len)
{
	struct bigphys_dma d = {
		.region_id = region_id,
		.dev_index = DEV_INDEX,
		.flags = flags,
		.offset = offset,
		.len = len,
		.dev_addr = dev.window_base,
	};

	if (ioctl(fd, BIGPHYS_IOC_STRT_DMA, &d))
		err(1, "STRT_DMA of %llu bytes", (unsigned long long)len);
	return d.cookie;
}

static uint64_t strt_dmav(uint32_t region_id, struct bigphys_dma_seg *segs, uint32_t nr)
{
	struct bigphys_dmav v = {
		.region_id = region_id,
		.dev_index = DEV_INDEX,
		.nr_segs = nr,
		.segs = (uintptr_t)segs,
	};

	if (ioctl(fd, BIGPHYS_IOC_STRT_DMAV, &v))
		err(1, "STRT_DMAV of %u segments", nr);
	return v.cookie;
}

/*
 * Wait for a job the way boot code that goes on working would: poll it
 * (WAIT_DMA with no timeout) instead of sleeping.  Returns when it ended.
 */
static void poll_dma(uint64_t cookie, struct bigphys_dma_wait *w)
{
	for (;;) {
		memset(w, 0, sizeof(*w));
		w->cookie = cookie;
		if (!ioctl(fd, BIGPHYS_IOC_WAIT_DMA, w))
			break;
		if (errno != ETIMEDOUT && errno != EINTR)
			err(1, "WAIT_DMA %llu", (unsigned long long)cookie);
	}
	if (w->status) {
		errno = -w->status;
		err(1, "DMA job %llu", (unsigned long long)cookie);
	}
}

/* DMA_MAP + DMA_UNMAP; returns the segment count, the times in @map/@unmap. */
static unsigned int map_unmap(uint32_t region_id, void *uaddr, uint64_t len,
			      uint64_t *map_ns, uint64_t *unmap_ns)
{
	struct bigphys_dma_map m;
	uint64_t t0, t1, t2;

	memset(&m, 0, sizeof(m));
	m.region_id = region_id;
	m.dev_index = DEV_INDEX;
	m.len = len;
	if (uaddr) {
		m.flags = BIGPHYS_DMA_USER_PTR;
		m.user_addr = (uintptr_t)uaddr;
	}
	t0 = now_ns();
	if (ioctl(fd, BIGPHYS_IOC_DMA_MAP, &m))
		err(1, "DMA_MAP of %llu bytes (%s)", (unsigned long long)len,
		    uaddr ? "user memory" : "region");
	t1 = now_ns();
	if (ioctl(fd, BIGPHYS_IOC_DMA_UNMAP, &m.handle))
		err(1, "DMA_UNMAP");
	t2 = now_ns();
	*map_ns = t1 - t0;
	*unmap_ns = t2 - t1;
	return m.nr_segs;
}

static const char *size_str(uint64_t bytes)
{
	static char buf[4][24];
	static unsigned int next;
	char *b = buf[next++ % 4];

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
			    const struct bigphys_alloc *rb, const volatile uint32_t *rbmap)
{
	struct bigphys_dma_wait w;

	poll_dma(strt_dma(rb->id, BIGPHYS_DMA_FROM_DEVICE, 0, len), &w);
	if (memcmp((const void *)rbmap, (const char *)shadow + off, len))
		errx(1, "readback: the device does not hold the last %llu bytes of the image",
		     (unsigned long long)len);
}

/*
 * The fixed cost of one STRT_DMA (4 bytes), each call timed on its own:
 * with the engine idle (the call starts the transfer) and with the engine
 * busy (the job is queued).  Also the cost of reading the clock.
 */
static void bench_submit(uint32_t region_id)
{
	unsigned int n = reps(15, 3), nq = quick ? 4 : 32, k;
	uint64_t t_idle[MAX_REPS], t_q[64], t_clk[64], cookies[64], t0;
	struct bigphys_dma_wait w;

	for (k = 0; k < 64; k++) {
		t0 = now_ns();
		t_clk[k] = now_ns() - t0;
	}
	for (k = 0; k < n; k++) {
		t0 = now_ns();
		cookies[0] = strt_dma(region_id, 0, 0, 4);
		t_idle[k] = now_ns() - t0;
		poll_dma(cookies[0], &w);
	}
	cookies[0] = strt_dma(region_id, 0, 0, 4);
	for (k = 0; k < nq; k++) {
		t0 = now_ns();
		cookies[k + 1] = strt_dma(region_id, 0, 0, 4);
		t_q[k] = now_ns() - t0;
	}
	for (k = 0; k <= nq; k++)
		poll_dma(cookies[k], &w);
	result("submit_fixed_us", "idle", NAN, median(t_idle, n) / 1e3, n,
	       "one STRT_DMA, engine idle (starts it)");
	result("submit_fixed_us", "queued", NAN, median(t_q, nq) / 1e3, nq,
	       "one STRT_DMA, engine busy (queues it)");
	note("reading the clock (clock_gettime) costs %.1f us here (median of 64); it is inside every figure in us once",
	     median(t_clk, 64) / 1e3);
}

static void bench_boot(void)
{
	static const size_t full[] = { 256, 1023, 16384 };
	static const size_t small[] = { 16, 1023 };
	const size_t *sizes = quick ? small : full;
	unsigned int nsizes = quick ? 2 : 3, n = reps(7, 2), s, k, nc;
	uint64_t chunk = (dev.window_size < dev.max_chunk ? dev.window_size : dev.max_chunk) & ~3ULL;
	uint64_t t_base[MAX_REPS], t_blk[MAX_REPS], t_held[MAX_REPS], t_sh[MAX_REPS];
	uint64_t cookies[64], t0, t1, shm_bytes = 64 * KIB, first_ns = 0;
	struct bigphys_dma_seg segs[64];
	struct bigphys_alloc sh, rb;
	struct bigphys_dma_wait w;
	struct regimage img;
	struct pcibar bar;
	char what[256], param[24];
	bool have_bar;
	uint32_t *shadow, *shm;
	volatile uint32_t *rbmap;
	int shm_fd;

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

	/* The shadow is write-combining, as in examples/boot_config.c. */
	if (region_alloc(shm_bytes, BIGPHYS_CACHE_WC, &sh) ||
	    region_alloc(PAGE, BIGPHYS_CACHE_WB, &rb))
		err(1, "boot config: allocate the shadow");
	shadow = region_map(&sh);
	rbmap = region_map(&rb);

	/* The very first STRT_DMA of the run, cold. */
	t0 = now_ns();
	cookies[0] = strt_dma(sh.id, 0, 0, 4);
	first_ns = now_ns() - t0;
	poll_dma(cookies[0], &w);

	for (s = 0; s < nsizes; s++) {
		size_t nregs = sizes[s];
		uint64_t bytes = nregs * 4, off;
		unsigned int j;

		make_image(&img, nregs);
		nc = (bytes + chunk - 1) / chunk;
		for (k = 0; k < n && have_bar; k++) {
			t0 = now_ns();
			pcibar_write_image(&bar, BAR_BASE, shm, &img);
			t_base[k] = now_ns() - t0;
		}
		/* the shadow writes alone */
		for (k = 0; k < n; k++) {
			t0 = now_ns();
			for (size_t i = 0; i < img.nr; i++)
				shadow[img.regs[i].offset / 4] = img.regs[i].value;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			t_sh[k] = now_ns() - t0;
		}
		for (k = 0; k < n; k++) {
			t0 = now_ns();
			for (size_t i = 0; i < img.nr; i++)
				shadow[img.regs[i].offset / 4] = img.regs[i].value;
			/* push the stores out of the write-combining buffers */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			/*
			 * One submission: a single STRT_DMA when the image
			 * fits the device window, else one STRT_DMAV of nc
			 * segments (the segment table is built here, timed).
			 */
			if (nc == 1) {
				cookies[0] = strt_dma(sh.id, 0, 0, bytes);
			} else {
				for (j = 0, off = 0; off < bytes; off += chunk, j++) {
					segs[j].offset = off;
					segs[j].len = bytes - off < chunk ? bytes - off : chunk;
					segs[j].dev_addr = dev.window_base;
				}
				cookies[0] = strt_dmav(sh.id, segs, nc);
			}
			t1 = now_ns();
			t_blk[k] = t1 - t0;
			/* the application goes on; the device has it when the job ends */
			poll_dma(cookies[0], &w);
			if (w.bytes != bytes)
				errx(1, "boot config: the job moved %llu of %llu bytes",
				     (unsigned long long)w.bytes, (unsigned long long)bytes);
			t_held[k] = now_ns() - t0;
		}
		off = (uint64_t)(nc - 1) * chunk;
		verify_readback(shadow, off, bytes - off, &rb, rbmap);

		snprintf(param, sizeof(param), "%zu", nregs);
		result("boot_blocked_us", param, have_bar ? median(t_base, n) / 1e3 : NAN,
		       median(t_blk, n) / 1e3, n, nc > 1 ?
		       "app blocked: BAR0 word by word + shm vs shadow writes + STRT_DMAV" :
		       "app blocked: BAR0 word by word + shm vs shadow writes + STRT_DMA");
		result("boot_shadow_us", param, NAN, median(t_sh, n) / 1e3, n,
		       "of which: the shadow writes alone (WC region)");
		result("boot_held_us", param, have_bar ? median(t_base, n) / 1e3 : NAN,
		       median(t_held, n) / 1e3, n,
		       "until the device has the image (edu: 100 ms per DMA job)");
		if (nc > 1)
			note("%zu registers = %llu bytes: one STRT_DMAV job of %u segments of <= %llu bytes, all to edu's window 0x%llx (its buffer is 4 KiB), run one after another",
			     nregs, (unsigned long long)bytes, nc, (unsigned long long)chunk,
			     (unsigned long long)dev.window_base);
		if (!quick && (nregs == 16384 || nregs == 1023)) {
			unsigned int want = nregs == 16384 ? 10 : 3;
			struct result *r = &results[nr_results - 3];
			double q = ratio(r);

			snprintf(what, sizeof(what), "ratio %.1f", q);
			target(isnan(q) ? -1 : q >= want, isnan(q) ? "no baseline" : what,
			       "boot config %zu registers: application blocked >= %ux less",
			       nregs, want);
		}
		regimage_free(&img);
	}
	bench_submit(sh.id);
	note("the very first STRT_DMA of the run took %.1f us (cold: TCG translates the code path)",
	     first_ns / 1e3);

	munmap((void *)rbmap, rb.size);
	munmap(shadow, sh.size);
	region_free(rb.id);
	region_free(sh.id);
	munmap(shm, shm_bytes);
	close(shm_fd);
	shm_unlink(SHM_NAME);
	if (have_bar)
		pcibar_unmap(&bar);
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
	struct bigphys_alloc a;
	char what[96], thp[64] = "?";
	FILE *f;
	void *buf;

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
		region_free(a.id);

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
	struct bigphys_alloc a;
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
		munmap(p, size);
		region_free(a.id);

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
	struct bigphys_info pi;
	struct bigphys_alloc a;
	long freed_kib = 0;
	uint32_t *ids;
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
			ids[i] = a.id;
		}
		for (i = 0; i < nr; i++)
			region_free(ids[i]);
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
		ids[i] = a.id;
	}
	for (i = 0; i < nr; i += 2)
		region_free(ids[i]);
	info(&pi);
	frag_largest = pi.largest_free;
	note("pool after freeing every other region: %s free, largest block %s",
	     size_str(pi.free_bytes), size_str(pi.largest_free));
	/* Every allocation over 4 MiB that fits in the largest block must succeed. */
	while (pi.largest_free > 4 * MIB && big < 64) {
		int e = region_alloc(pi.largest_free, BIGPHYS_CACHE_DEFAULT, &a);

		big++;
		if (e) {
			fails++;
			note("allocation of %s failed (%s) with a %s free block",
			     size_str(pi.largest_free), strerror(-e), size_str(pi.largest_free));
			break;
		}
		info(&pi);
	}
	close(fd);			/* frees every anonymous region */
	fd = open(DEV_NODE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		err(1, "%s", DEV_NODE);

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

static void usage(FILE *f)
{
	fprintf(f, "Usage: bigphys_bench [--quick] [--reps N]\n"
		"  --quick    tiny sizes, few repetitions (for make check)\n"
		"  --reps N   repetitions of every figure (default: per group)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint64_t v;
	int c;

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

	fd = open(DEV_NODE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		err(1, "%s", DEV_NODE);
	info(&pool);
	if (pool.nr_devices <= DEV_INDEX)
		errx(1, "no DMA device bound to bigphys (is edu there?)");
	memset(&dev, 0, sizeof(dev));
	dev.index = DEV_INDEX;
	if (ioctl(fd, BIGPHYS_IOC_DEV_INFO, &dev))
		err(1, "BIGPHYS_IOC_DEV_INFO");
	dev.name[BIGPHYS_NAME_LEN - 1] = '\0';
	printf("bigphys_bench%s: pool %s at 0x%llx (%s free), device %s, window %llu bytes\n",
	       quick ? " --quick" : "", size_str(pool.pool_size),
	       (unsigned long long)pool.pool_base, size_str(pool.free_bytes), dev.name,
	       (unsigned long long)dev.window_size);
	fflush(stdout);

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

	report();
	close(fd);
	return 0;
}
