// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot_config - application boot code that configures a device through
 * bigphys.
 *
 * The usual way: boot code writes every configuration register to the
 * device's BAR with an uncached MMIO write, and keeps a copy in a POSIX
 * shared-memory "shadow" for the rest of the application.  The application
 * is blocked for every single bus write.
 *
 * With bigphys the shadow itself is physically contiguous, DMA-able memory.
 * The boot code fills it with ordinary memory writes, starts one background
 * DMA that copies it into the device, and goes on with its other work while
 * the device's DMA engine moves the data.
 *
 * Steps:
 *   a. open /dev/bigphys, create the persistent named shadow "edu-shadow"
 *      and map it;
 *   b. parse the configuration (a text register image) and write it into
 *      the shadow;
 *   c. a second process attaches the shadow by name and checks that it
 *      sees the same registers;
 *   d. start the DMA shadow -> device, do other work, wait for the DMA;
 *   e. DMA the device's copy back into an anonymous region and compare;
 *      then b, d and e once more: the first run of the code path is cold
 *      (caches, and under QEMU's TCG the translation of every code path
 *      the first time), the second warm;
 *   f. for comparison, the usual way: word by word to BAR0 and to shm,
 *      cold and warm;
 *   g. summary; remove the name "edu-shadow" (unless --keep).
 *
 * It uses libbigphys (include/libbigphys.h) with its default submission
 * backend: io_uring with a kernel SQPOLL thread where the kernel has the
 * bigphys io_uring commands (the submission is then a few memory stores),
 * else plain io_uring, else the STRT_DMA ioctl.  BIGPHYS_BACKEND=ioctl
 * (or uring, sqpoll) forces one.  For each run it prints the time the
 * application was blocked, the CPU time spent (the application thread
 * while blocked, plus every io_uring kernel thread of the process, e.g. the
 * spinning SQPOLL thread, until the device holds the image; the module's
 * interrupt thread is not counted) and the time until the device holds
 * the image.
 *
 * The device is QEMU's "edu" (bigphys device 0): its DMA engine copies
 * between memory and a 4 KiB buffer at device address 0x40000.
 *
 * Build: gcc -O2 -Wall -Iinclude -o boot_config examples/boot_config.c tools/regimage.c \
 *	tools/pcibar.c tools/taskcpu.c build/user/libbigphys.a -luring
 * Run as root, with the bigphys module loaded and edu bound to it:
 *	./boot_config [--keep] [--work-ms MS] [CONFIG]
 * CONFIG defaults to /etc/bigphys/edu-regs.conf (a copy of
 * examples/edu-regs.conf).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libbigphys.h>

#include "../tools/pcibar.h"
#include "../tools/regimage.h"
#include "../tools/taskcpu.h"
#include "../tools/fineclock.h"

#define DEV_INDEX		0		/* the edu device */
#define SHADOW_NAME		"edu-shadow"
#define DEFAULT_CONFIG		"/etc/bigphys/edu-regs.conf"
#define REGION_BYTES		4096

/*
 * edu's DMA window is device addresses 0x40000..0x40ffe: a transfer may not
 * reach the last byte of its 4 KiB buffer.  1023 whole 32-bit registers fit.
 */
#define NR_REGS			1023
#define IMAGE_BYTES		(NR_REGS * 4)

#define NSEC_PER_SEC		1000000000ULL
#define DMA_TIMEOUT_NS		(5 * NSEC_PER_SEC)
#define DEFAULT_WORK_MS		20

/*
 * Baseline writes go to BAR0 offsets that edu ignores: its registers at
 * 0x00-0x9f are live (writing 0x80-0x98 starts a DMA!), and everything else
 * in the 1 MiB BAR is ignored, yet each write is a real MMIO cycle.
 */
#define BASELINE_BAR_OFFSET	0x1000
#define BASELINE_SHM_NAME	"/bigphys-boot-config-baseline"

/* The configuration as the device should end up holding it. */
static struct regimage config;
static uint32_t expected[NR_REGS];
static bool listed[NR_REGS];
static unsigned int nr_listed;

/* What one run measured. */
struct run {
	uint64_t shadow_ns;	/* bigphys: the shadow writes */
	uint64_t submit_ns;	/* bigphys: the submission */
	uint64_t blocked_ns;	/* the application could do nothing else */
	uint64_t held_ns;	/* configuration start -> device holds the image */
	uint64_t cpu_app_ns;	/* the application thread: it runs throughout its blocked time */
	uint64_t cpu_io_ns;	/* io_uring kernel threads until the device holds it */
	uint64_t cpu_other_ns;	/* other threads of the process meanwhile */
	uint64_t syscalls;	/* system calls on the application's path */
	uint64_t mmio;		/* MMIO accesses on the application's path */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Format a duration in us, or ms when long; up to 8 results per printf(). */
static const char *dur(uint64_t ns)
{
	static char buf[8][32];
	static unsigned int next;
	char *b = buf[next++ % 8];

	if (ns < 10000000)
		snprintf(b, sizeof(buf[0]), "%.1f us", ns / 1e3);
	else
		snprintf(b, sizeof(buf[0]), "%.1f ms", ns / 1e6);
	return b;
}

/* Exit with a message for the negative errno @e of a library call. */
static void __attribute__((noreturn, format(printf, 2, 3))) die(int e, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "boot_config: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", bp_strerror(e));
	exit(1);
}

/* Wait for a DMA job to finish; exit unless it moved every byte. */
static void wait_dma(struct bp *bp, uint64_t job, struct bp_completion *c)
{
	int e = bp_wait(bp, job, DMA_TIMEOUT_NS, c);

	if (e)
		die(e, "wait for DMA job %llu", (unsigned long long)job);
	if (c->status)
		die(c->status, "DMA job %llu (%llu bytes moved)", (unsigned long long)job,
		    (unsigned long long)c->bytes);
}

/* b. Read the configuration file into config, expected[] and listed[]. */
static void read_config(const char *path)
{
	char what[256];
	size_t i;

	if (regimage_load(path, &config, what, sizeof(what)))
		err(1, "%s", what);
	if (!config.nr)
		errx(1, "%s: no registers", path);
	if (config.end > IMAGE_BYTES)
		errx(1, "%s: registers end at byte 0x%llx, the image holds 0x%x bytes",
		     path, (unsigned long long)config.end, IMAGE_BYTES);

	/* Applied in file order: the last value of a register wins. */
	for (i = 0; i < config.nr; i++) {
		unsigned int reg = config.regs[i].offset / 4;

		if (!listed[reg])
			nr_listed++;
		listed[reg] = true;
		expected[reg] = config.regs[i].value;
	}
}

/* Count the configured registers whose value in @regs differs from the file. */
static unsigned int count_mismatches(const uint32_t *regs)
{
	unsigned int i, bad = 0;

	for (i = 0; i < NR_REGS; i++)
		if (listed[i] && regs[i] != expected[i])
			bad++;
	return bad;
}

/*
 * c. In a second process: open /dev/bigphys, attach the shadow by name and
 * check the registers.  (The child also inherits the parent's mapping, but
 * it goes through its own handle and mapping, as an unrelated process
 * would.)  It submits no DMA, so it needs no ring: the ioctl backend.
 */
static int second_process(const struct bp_region *parent)
{
	struct bp_region a;
	unsigned int bad;
	struct bp *bp;
	int e;

	e = bp_open(&bp, BP_OPEN_IOCTL);
	if (e)
		die(e, "second process: open %s", BP_DEVICE);
	/* No CREATE: the name must exist.  Any size, any cache type. */
	e = bp_region_attach(bp, SHADOW_NAME, &a);
	if (e)
		die(e, "second process: attach \"%s\"", SHADOW_NAME);
	e = bp_region_map(bp, &a, PROT_READ);
	if (e)
		die(e, "second process: mmap \"%s\"", SHADOW_NAME);

	bad = count_mismatches(a.map);
	printf("c. second process (pid %d) attached \"%s\": %s (id %u); "
	       "%u/%u registers match\n", (int)getpid(), SHADOW_NAME,
	       a.id == parent->id && a.phys_addr == parent->phys_addr ? "same region" :
	       "A DIFFERENT REGION", a.id, nr_listed - bad, nr_listed);

	bp_region_unmap(&a);
	bp_close(bp);
	return bad || a.id != parent->id ? 1 : 0;
}

static uint32_t crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}

/*
 * d. Stand-in for the rest of the boot sequence, which runs while the DMA
 * engine copies the configuration: checksum the configuration over and over
 * for about @ms milliseconds.
 */
static void other_init_work(unsigned int ms, bool verbose)
{
	uint64_t start = now_ns(), end = start + ms * 1000000ULL;
	unsigned int rounds = 0;
	uint32_t crc = 0;

	do {
		crc = crc32(crc, expected, sizeof(expected));
		rounds++;
	} while (now_ns() < end);

	if (verbose)
		printf("   other init work while the DMA runs: %u x CRC-32 of the config (0x%08x): %s\n",
		       rounds, crc, dur(now_ns() - start));
}

/*
 * b + d: write the configuration into the shadow and push it to the device
 * in the background; go on with other work; wait until the device has it.
 * The CPU time counts the application thread while it is blocked and every
 * io_uring thread of the process until the device holds the image.
 */
static void bigphys_run(struct bp *bp, const struct bp_region *shadow,
			const struct bigphys_dev_info *dev, unsigned int work_ms,
			bool verbose, struct run *r)
{
	uint32_t *regs = shadow->map;
	struct taskcpu s0, s1;
	struct bp_stats st0, st1;
	struct bp_completion c;
	uint64_t t0, t1, t2, self, job;
	size_t i;
	int e;

	memset(r, 0, sizeof(*r));
	taskcpu_read(&s0);
	bp_get_stats(bp, &st0);

	/*
	 * The configuration starts here.  The blocked part is timed with the
	 * TSC (see tools/fineclock.h: the VM's clock_gettime() is an MMIO read
	 * of the HPET that waits for the emulator's lock).
	 */
	t0 = fine_ticks();
	for (i = 0; i < config.nr; i++)
		regs[config.regs[i].offset / 4] = config.regs[i].value;
	/*
	 * The shadow is write-combining memory: a full fence pushes the stores
	 * out of the CPU's write-combining buffers, so that other processes
	 * and the device see them.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t1 = fine_ticks();
	e = bp_push(bp, shadow, 0, IMAGE_BYTES, DEV_INDEX, dev->window_base, &job);
	t2 = fine_ticks();
	bp_get_stats(bp, &st1);
	if (e)
		die(e, "push %u bytes to %s", IMAGE_BYTES, dev->name);

	r->shadow_ns = fine_ns(t1 - t0);
	r->submit_ns = fine_ns(t2 - t1);
	r->blocked_ns = fine_ns(t2 - t0);
	r->cpu_app_ns = r->blocked_ns;
	r->syscalls = st1.syscalls - st0.syscalls;
	if (verbose) {
		printf("b. shadow writes: %zu registers in %s\n", config.nr, dur(r->shadow_ns));
		printf("d. submit (%s): DMA of %u bytes to %s at 0x%llx: %s, %llu system call%s (returned at once)\n",
		       bp_backend_name(bp), IMAGE_BYTES, dev->name,
		       (unsigned long long)dev->window_base, dur(r->submit_ns),
		       (unsigned long long)r->syscalls, r->syscalls == 1 ? "" : "s");
	}

	other_init_work(work_ms, verbose);

	t0 = now_ns();
	wait_dma(bp, job, &c);
	t1 = now_ns();
	taskcpu_read(&s1);
	taskcpu_delta(&s0, &s1, gettid(), &self, &r->cpu_io_ns, &r->cpu_other_ns);
	if (c.bytes != IMAGE_BYTES)
		errx(1, "the DMA moved %llu of %u bytes", (unsigned long long)c.bytes,
		     IMAGE_BYTES);
	/* duration: from the submission to the end of the transfer */
	r->held_ns = r->shadow_ns + r->submit_ns + c.duration_ns;
	if (verbose) {
		printf("   wait: %llu bytes moved in %s; blocked %s waiting\n",
		       (unsigned long long)c.bytes, dur(c.duration_ns), dur(t1 - t0));
		printf("   configuration start -> device holds the image: %s\n",
		       dur(r->held_ns));
	}
}

/* e. Read the device's copy back and compare it with the shadow; 0 if equal. */
static int verify(struct bp *bp, const struct bp_region *shadow, struct bp_region *rb,
		  const struct bigphys_dev_info *dev, bool verbose)
{
	const uint8_t *s = shadow->map, *d = rb->map;
	struct bp_completion c;
	uint64_t job;
	size_t i;
	int e;

	memset(rb->map, 0, IMAGE_BYTES);
	e = bp_readback(bp, rb, 0, IMAGE_BYTES, DEV_INDEX, dev->window_base, &job);
	if (e)
		die(e, "readback from %s", dev->name);
	wait_dma(bp, job, &c);
	if (verbose)
		printf("e. readback: %llu bytes from %s at 0x%llx into anonymous region %u: %s\n",
		       (unsigned long long)c.bytes, dev->name,
		       (unsigned long long)dev->window_base, rb->id, dur(c.duration_ns));
	if (c.bytes != IMAGE_BYTES || memcmp(d, s, IMAGE_BYTES)) {
		for (i = 0; i < IMAGE_BYTES && d[i] == s[i]; i++)
			;
		printf("   verify: MISMATCH at offset 0x%zx: shadow 0x%02x, device 0x%02x\n",
		       i, i < IMAGE_BYTES ? s[i] : 0, i < IMAGE_BYTES ? d[i] : 0);
		printf("   \"%s\" kept for inspection (bigphysctl dump %s)\n", SHADOW_NAME,
		       SHADOW_NAME);
		return 1;
	}
	printf("   verify: OK, the device holds the %u bytes of the shadow\n", IMAGE_BYTES);
	return 0;
}

/*
 * f. The usual way, for comparison: each register goes to the device with an
 * uncached MMIO write to BAR0 (through the PCI sysfs resource file) and into
 * a POSIX shm shadow, all on the application thread; the device holds the
 * image when the flushing read returns.  Returns false if BAR0 is unusable.
 */
static bool baseline(const char *pci_name, struct run *cold, struct run *warm)
{
	struct run *runs[2] = { cold, warm };
	struct pcibar bar;
	char what[256];
	uint64_t t0;
	uint32_t *shm;
	int shm_fd, k;

	if (pcibar_map(pci_name, 0, BASELINE_BAR_OFFSET + IMAGE_BYTES, &bar, what,
		       sizeof(what))) {
		warnx("f. baseline skipped: %s", what);
		return false;
	}

	shm_fd = shm_open(BASELINE_SHM_NAME, O_CREAT | O_RDWR, 0600);
	if (shm_fd < 0)
		err(1, "shm_open %s", BASELINE_SHM_NAME);
	if (ftruncate(shm_fd, REGION_BYTES))
		err(1, "ftruncate %s", BASELINE_SHM_NAME);
	shm = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm == MAP_FAILED)
		err(1, "mmap %s", BASELINE_SHM_NAME);

	for (k = 0; k < 2; k++) {
		struct run *r = runs[k];

		memset(r, 0, sizeof(*r));
		t0 = fine_ticks();
		pcibar_write_image(&bar, BASELINE_BAR_OFFSET, shm, &config);
		r->blocked_ns = fine_ns(fine_ticks() - t0);
		r->cpu_app_ns = r->blocked_ns;
		r->held_ns = r->blocked_ns;
		r->mmio = config.nr + 1;
		printf("f. baseline, %s: %zu registers word-by-word to BAR0 of %s + shm shadow: %s\n",
		       k ? "warm" : "cold", config.nr, pci_name, dur(r->blocked_ns));
	}

	munmap(shm, REGION_BYTES);
	close(shm_fd);
	shm_unlink(BASELINE_SHM_NAME);
	pcibar_unmap(&bar);
	return true;
}

static void print_run(const char *what, const struct run *r, bool uring)
{
	printf("   %-15s %12s %14s %12s %12s %9llu %9llu\n", what, dur(r->blocked_ns),
	       dur(r->cpu_app_ns + r->cpu_io_ns + r->cpu_other_ns), dur(r->cpu_app_ns),
	       uring ? dur(r->cpu_io_ns) : "-", (unsigned long long)r->syscalls,
	       (unsigned long long)r->mmio);
}

/* The sentence, the right way round whoever wins. */
static void verdict(const char *label, const struct run *bpr, const struct run *base)
{
	double q;

	if (!bpr->blocked_ns || !base->blocked_ns)
		return;
	q = (double)base->blocked_ns / bpr->blocked_ns;
	if (q >= 1)
		printf("   %s: bigphys blocked the application %.1fx less than the word-by-word baseline (%s vs %s)\n",
		       label, q, dur(bpr->blocked_ns), dur(base->blocked_ns));
	else
		printf("   %s: bigphys blocked the application %.1fx MORE than the word-by-word baseline (%s vs %s)\n",
		       label, 1 / q, dur(bpr->blocked_ns), dur(base->blocked_ns));
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: boot_config [--keep] [--work-ms MS] [CONFIG]\n"
		"  CONFIG         text register image (default %s)\n"
		"  --keep         keep the persistent region \"%s\" at the end\n"
		"  --work-ms MS   other init work done while the DMA runs (default %u)\n"
		"Environment: BIGPHYS_BACKEND=sqpoll|uring|ioctl forces the submission backend.\n",
		DEFAULT_CONFIG, SHADOW_NAME, DEFAULT_WORK_MS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keep", no_argument, NULL, 'k' },
		{ "work-ms", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *config_path = DEFAULT_CONFIG;
	unsigned int work_ms = DEFAULT_WORK_MS;
	struct run cold, warm, base_cold, base_warm;
	struct bp_region shadow, readback;
	struct bigphys_dev_info dev;
	struct bigphys_info info;
	bool keep = false, have_base;
	int c, e, status;
	struct bp *bp;
	uint64_t v;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			keep = true;
			break;
		case 'w':
			if (parse_u64(optarg, &v) || v > 60000)
				errx(2, "bad --work-ms '%s'", optarg);
			work_ms = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	if (optind < argc)
		config_path = argv[optind];

	/*
	 * Read the configuration first: if the file is bad, nothing has been
	 * created yet.  (It is written into the shadow in step b.)
	 */
	read_config(config_path);
	fine_calibrate(20);

	/* a. Open bigphys, find the device, create and map the shadow. */
	e = bp_open(&bp, 0);
	if (e)
		die(e, "open %s", BP_DEVICE);
	e = bp_info(bp, &info);
	if (e)
		die(e, "BIGPHYS_IOC_INFO");
	if (info.nr_devices <= DEV_INDEX)
		errx(1, "no DMA device bound to bigphys (is edu there?)");
	e = bp_dev_info(bp, DEV_INDEX, &dev);
	if (e)
		die(e, "BIGPHYS_IOC_DEV_INFO %u", DEV_INDEX);
	if (dev.window_size < IMAGE_BYTES)
		errx(1, "device %s: DMA window of %llu bytes, need %u", dev.name,
		     (unsigned long long)dev.window_size, IMAGE_BYTES);

	/* write-combining (the default cache type), persistent, named */
	e = bp_region_create(bp, SHADOW_NAME, REGION_BYTES, BIGPHYS_ALLOC_PERSIST, &shadow);
	if (e)
		die(e, "create \"%s\"", SHADOW_NAME);
	e = bp_region_map(bp, &shadow, PROT_READ | PROT_WRITE);
	if (e)
		die(e, "mmap \"%s\"", SHADOW_NAME);

	printf("a. %s: submission backend %s (%s)", BP_DEVICE, bp_backend_name(bp),
	       bp_backend_why(bp));
	if (bp_sq_cpu(bp) >= 0)
		printf(", SQ thread on CPU %d, this thread on CPU %d", bp_sq_cpu(bp),
		       sched_getcpu());
	printf("\n   shadow \"%s\" id %u, phys 0x%llx, %llu bytes, persistent, mapped\n",
	       SHADOW_NAME, shadow.id, (unsigned long long)shadow.phys_addr,
	       (unsigned long long)shadow.size);
	printf("   device %u: %s (%04x:%04x), window 0x%llx-0x%llx, max chunk %llu bytes, %s\n",
	       DEV_INDEX, dev.name, dev.vendor, dev.device, (unsigned long long)dev.window_base,
	       (unsigned long long)(dev.window_base + dev.window_size - 1),
	       (unsigned long long)dev.max_chunk, dev.flags & BIGPHYS_DEV_MSI ? "MSI" : "INTx");
	printf("b. %s: %zu registers, offsets 0x0-0x%llx\n", config_path, config.nr,
	       (unsigned long long)(config.end - 4));

	/* Anonymous (name ""); read by the CPU, so cached (write-back). */
	e = bp_region_create(bp, NULL, REGION_BYTES, BIGPHYS_CACHE_WB, &readback);
	if (!e)
		e = bp_region_map(bp, &readback, PROT_READ | PROT_WRITE);
	if (e)
		die(e, "create the readback region");

	/* b, d: the first (cold) run. */
	printf("-- first run (cold) --\n");
	bigphys_run(bp, &shadow, &dev, work_ms, true, &cold);

	/* c. A second process finds the shadow by name. */
	fflush(stdout);			/* or the child prints it again */
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		status = second_process(&shadow);
		fflush(stdout);
		_exit(status);
	}
	if (waitpid(pid, &status, 0) < 0)
		err(1, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		errx(1, "the second process did not see the configuration");

	/* e. Read the device's copy back and compare it with the shadow. */
	if (verify(bp, &shadow, &readback, &dev, true))
		return 1;

	/* The same again, warm. */
	printf("-- second run (warm) --\n");
	memset(shadow.map, 0, REGION_BYTES);	/* the warm run writes it all again */
	bigphys_run(bp, &shadow, &dev, work_ms, true, &warm);
	if (verify(bp, &shadow, &readback, &dev, true))
		return 1;

	/* f. The usual way, for comparison. */
	have_base = baseline(dev.name, &base_cold, &base_warm);

	/* g. Summary. */
	printf("g. summary, %zu registers, backend %s\n", config.nr, bp_backend_name(bp));
	printf("   %-15s %12s %14s %12s %12s %9s %9s\n", "", "app blocked", "CPU time",
	       "app thread", "io_uring", "syscalls", "MMIO");
	print_run("bigphys cold", &cold, bp_backend(bp) != BP_BACKEND_IOCTL);
	print_run("bigphys warm", &warm, bp_backend(bp) != BP_BACKEND_IOCTL);
	if (have_base) {
		print_run("baseline cold", &base_cold, false);
		print_run("baseline warm", &base_warm, false);
	}
	printf("   CPU time: the application thread while blocked (it runs throughout), plus the\n"
	       "   process's io_uring threads (%s) until the device\n"
	       "   held the image (/proc/self/task/*/schedstat); syscalls, MMIO: on the application's path;\n"
	       "   blocked times by %s (%.3f ticks/ns), the rest by clock_gettime()\n",
	       bp_backend(bp) == BP_BACKEND_SQPOLL ? "the SQPOLL thread spins while awake" :
	       "none with this backend", FINE_CLOCK_NAME, fine_ticks_per_ns);
	printf("   the device held the whole image after %s (cold) / %s (warm) with bigphys (background DMA; edu takes 100 ms per DMA)",
	       dur(cold.held_ns), dur(warm.held_ns));
	if (have_base)
		printf(",\n   %s / %s with the baseline", dur(base_cold.held_ns),
		       dur(base_warm.held_ns));
	printf("\n");
	if (have_base) {
		verdict("cold", &cold, &base_cold);
		verdict("warm", &warm, &base_warm);
	}

	bp_region_unmap(&readback);
	bp_region_unmap(&shadow);
	if (keep) {
		printf("   kept \"%s\" (persistent; bigphysctl free %s removes it)\n",
		       SHADOW_NAME, SHADOW_NAME);
	} else {
		e = bp_unlink(bp, SHADOW_NAME);
		if (e)
			die(e, "free \"%s\"", SHADOW_NAME);
		printf("   freed \"%s\"\n", SHADOW_NAME);
	}
	bp_close(bp);
	regimage_free(&config);
	return 0;
}
