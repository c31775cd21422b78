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
 *   f. for comparison, the usual way: word by word to BAR0 and to shm;
 *   g. summary; remove the name "edu-shadow" (unless --keep).
 *
 * The device is QEMU's "edu" (bigphys device 0): its DMA engine copies
 * between memory and a 4 KiB buffer at device address 0x40000.
 *
 * Build: gcc -O2 -Wall -Iinclude -o boot_config examples/boot_config.c tools/regimage.c \
 *	tools/pcibar.c
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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uapi/bigphys.h>

#include "../tools/pcibar.h"
#include "../tools/regimage.h"

#define DEV_NODE		"/dev/bigphys"
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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Format a duration in us, or ms when long; up to 4 results per printf(). */
static const char *dur(uint64_t ns)
{
	static char buf[4][32];
	static unsigned int next;
	char *b = buf[next++ % 4];

	if (ns < 10000000)
		snprintf(b, sizeof(buf[0]), "%.1f us", ns / 1e3);
	else
		snprintf(b, sizeof(buf[0]), "%.1f ms", ns / 1e6);
	return b;
}

/* Map a whole region: its mmap() offset is its physical address. */
static void *map_region(int fd, const struct bigphys_alloc *a)
{
	void *p = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)a->phys_addr);

	if (p == MAP_FAILED)
		err(1, "mmap region %u", a->id);
	return p;
}

/*
 * Start a background DMA between the start of region @region_id and device
 * address @dev_addr.  Returns at once, with the job's cookie.
 */
static uint64_t start_dma(int fd, uint32_t region_id, uint32_t flags, uint64_t dev_addr,
			  uint64_t len)
{
	struct bigphys_dma dma = {
		.region_id = region_id,
		.dev_index = DEV_INDEX,
		.flags = flags,
		.offset = 0,
		.len = len,
		.dev_addr = dev_addr,
	};

	if (ioctl(fd, BIGPHYS_IOC_STRT_DMA, &dma))
		err(1, "STRT_DMA of %llu bytes", (unsigned long long)len);
	return dma.cookie;
}

/* Wait for a DMA job to finish; exit unless it moved every byte. */
static void wait_dma(int fd, uint64_t cookie, struct bigphys_dma_wait *w)
{
	int ret;

	do {
		memset(w, 0, sizeof(*w));
		w->cookie = cookie;
		w->timeout_ns = DMA_TIMEOUT_NS;
		ret = ioctl(fd, BIGPHYS_IOC_WAIT_DMA, w);
	} while (ret && errno == EINTR);

	if (ret)
		err(1, "WAIT_DMA (job %llu)", (unsigned long long)cookie);
	if (w->status) {
		errno = -w->status;
		err(1, "DMA job %llu (%llu bytes moved)", (unsigned long long)cookie,
		    (unsigned long long)w->bytes);
	}
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
 * it goes through its own fd and mapping, as an unrelated process would.)
 */
static int second_process(const struct bigphys_alloc *parent)
{
	struct bigphys_alloc a;
	unsigned int bad;
	uint32_t *shadow;
	int fd;

	fd = open(DEV_NODE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		err(1, "second process: %s", DEV_NODE);

	/* No CREATE: the name must exist.  Size 0 and cache type 0: any. */
	memset(&a, 0, sizeof(a));
	strcpy(a.name, SHADOW_NAME);
	if (ioctl(fd, BIGPHYS_IOC_ALLOC, &a))
		err(1, "second process: attach \"%s\"", SHADOW_NAME);
	shadow = map_region(fd, &a);

	bad = count_mismatches(shadow);
	printf("c. second process (pid %d) attached \"%s\": %s (id %u); "
	       "%u/%u registers match\n", (int)getpid(), SHADOW_NAME,
	       a.id == parent->id && a.phys_addr == parent->phys_addr ? "same region" :
	       "A DIFFERENT REGION", a.id, nr_listed - bad, nr_listed);

	munmap(shadow, a.size);
	close(fd);
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
static void other_init_work(unsigned int ms)
{
	uint64_t start = now_ns(), end = start + ms * 1000000ULL;
	unsigned int rounds = 0;
	uint32_t crc = 0;

	do {
		crc = crc32(crc, expected, sizeof(expected));
		rounds++;
	} while (now_ns() < end);

	printf("   other init work while the DMA runs: %u x CRC-32 of the config (0x%08x): %s\n",
	       rounds, crc, dur(now_ns() - start));
}

/*
 * f. The usual way, for comparison: each register goes to the device with an
 * uncached MMIO write to BAR0 (through the PCI sysfs resource file) and into
 * a POSIX shm shadow.  Returns the time taken, or 0 if BAR0 is unusable.
 */
static uint64_t baseline(const char *pci_name)
{
	uint64_t t0, elapsed;
	struct pcibar bar;
	char what[256];
	uint32_t *shm;
	int shm_fd;

	if (pcibar_map(pci_name, 0, BASELINE_BAR_OFFSET + IMAGE_BYTES, &bar, what,
		       sizeof(what))) {
		warnx("f. baseline skipped: %s", what);
		return 0;
	}

	shm_fd = shm_open(BASELINE_SHM_NAME, O_CREAT | O_RDWR, 0600);
	if (shm_fd < 0)
		err(1, "shm_open %s", BASELINE_SHM_NAME);
	if (ftruncate(shm_fd, REGION_BYTES))
		err(1, "ftruncate %s", BASELINE_SHM_NAME);
	shm = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm == MAP_FAILED)
		err(1, "mmap %s", BASELINE_SHM_NAME);

	t0 = now_ns();
	pcibar_write_image(&bar, BASELINE_BAR_OFFSET, shm, &config);
	elapsed = now_ns() - t0;

	printf("f. baseline: %zu registers word-by-word to BAR0 of %s + shm shadow: %s\n",
	       config.nr, pci_name, dur(elapsed));

	munmap(shm, REGION_BYTES);
	close(shm_fd);
	shm_unlink(BASELINE_SHM_NAME);
	pcibar_unmap(&bar);
	return elapsed;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: boot_config [--keep] [--work-ms MS] [CONFIG]\n"
		"  CONFIG         text register image (default %s)\n"
		"  --keep         keep the persistent region \"%s\" at the end\n"
		"  --work-ms MS   other init work done while the DMA runs (default %u)\n",
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
	struct bigphys_alloc shadow_region, readback_region;
	struct bigphys_dev_info dev;
	struct bigphys_info info;
	struct bigphys_dma_wait w;
	uint64_t t_start, shadow_ns, submit_ns, held_ns, waited_ns, baseline_ns, t0;
	uint8_t *readback;
	uint32_t *shadow;
	bool keep = false;
	uint64_t cookie, v;
	int fd, c, status;
	size_t i;
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

	/* a. Open bigphys, find the device, create and map the shadow. */
	fd = open(DEV_NODE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		err(1, "%s", DEV_NODE);

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, BIGPHYS_IOC_INFO, &info))
		err(1, "BIGPHYS_IOC_INFO");
	if (info.nr_devices <= DEV_INDEX)
		errx(1, "no DMA device bound to bigphys (is edu there?)");
	memset(&dev, 0, sizeof(dev));
	dev.index = DEV_INDEX;
	if (ioctl(fd, BIGPHYS_IOC_DEV_INFO, &dev))
		err(1, "BIGPHYS_IOC_DEV_INFO %u", DEV_INDEX);
	dev.name[BIGPHYS_NAME_LEN - 1] = '\0';
	if (dev.window_size < IMAGE_BYTES)
		errx(1, "device %s: DMA window of %llu bytes, need %u", dev.name,
		     (unsigned long long)dev.window_size, IMAGE_BYTES);

	memset(&shadow_region, 0, sizeof(shadow_region));
	shadow_region.size = REGION_BYTES;
	shadow_region.flags = BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_PERSIST |
			      BIGPHYS_CACHE_DEFAULT;	/* write-combining */
	strcpy(shadow_region.name, SHADOW_NAME);
	if (ioctl(fd, BIGPHYS_IOC_ALLOC, &shadow_region))
		err(1, "create \"%s\"", SHADOW_NAME);
	shadow = map_region(fd, &shadow_region);

	printf("a. %s: shadow \"%s\" id %u, phys 0x%llx, %llu bytes, persistent, mapped\n",
	       DEV_NODE, SHADOW_NAME, shadow_region.id, (unsigned long long)shadow_region.phys_addr,
	       (unsigned long long)shadow_region.size);
	printf("   device %u: %s (%04x:%04x), window 0x%llx-0x%llx, max chunk %llu bytes, %s\n",
	       DEV_INDEX, dev.name, dev.vendor, dev.device, (unsigned long long)dev.window_base,
	       (unsigned long long)(dev.window_base + dev.window_size - 1),
	       (unsigned long long)dev.max_chunk, dev.flags & BIGPHYS_DEV_MSI ? "MSI" : "INTx");

	/* b. Write the configuration into the shadow. */
	printf("b. %s: %zu registers, offsets 0x0-0x%llx\n", config_path, config.nr,
	       (unsigned long long)(config.end - 4));

	t_start = now_ns();		/* the configuration starts here */
	for (i = 0; i < config.nr; i++)
		shadow[config.regs[i].offset / 4] = config.regs[i].value;
	/*
	 * The shadow is write-combining memory: a full fence pushes the stores
	 * out of the CPU's write-combining buffers, so that other processes
	 * and the device see them.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	shadow_ns = now_ns() - t_start;
	printf("   shadow writes: %zu registers in %s\n", config.nr, dur(shadow_ns));

	/* c. A second process finds the shadow by name. */
	fflush(stdout);			/* or the child prints it again */
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		status = second_process(&shadow_region);
		fflush(stdout);
		_exit(status);
	}
	if (waitpid(pid, &status, 0) < 0)
		err(1, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		errx(1, "the second process did not see the configuration");

	/* d. Push the shadow to the device in the background. */
	t0 = now_ns();
	cookie = start_dma(fd, shadow_region.id, 0, dev.window_base, IMAGE_BYTES);
	submit_ns = now_ns() - t0;
	printf("d. submit: DMA of %u bytes to %s at 0x%llx: %s (returned at once)\n",
	       IMAGE_BYTES, dev.name, (unsigned long long)dev.window_base, dur(submit_ns));

	other_init_work(work_ms);

	t0 = now_ns();
	wait_dma(fd, cookie, &w);
	waited_ns = now_ns() - t0;
	/*
	 * duration_ns runs from the submission to the end of the transfer.
	 * Leave out step c, which real boot code would not do.
	 */
	held_ns = shadow_ns + submit_ns + w.duration_ns;
	printf("   wait: %llu bytes moved in %s; blocked %s in WAIT_DMA\n",
	       (unsigned long long)w.bytes, dur(w.duration_ns), dur(waited_ns));
	printf("   configuration start -> device holds the image: %s\n", dur(held_ns));

	/* e. Read the device's copy back and compare it with the shadow. */
	memset(&readback_region, 0, sizeof(readback_region));
	readback_region.size = REGION_BYTES;
	/* Anonymous (name ""); read by the CPU, so cached (write-back). */
	readback_region.flags = BIGPHYS_ALLOC_CREATE | BIGPHYS_CACHE_WB;
	if (ioctl(fd, BIGPHYS_IOC_ALLOC, &readback_region))
		err(1, "create the readback region");
	readback = map_region(fd, &readback_region);

	cookie = start_dma(fd, readback_region.id, BIGPHYS_DMA_FROM_DEVICE, dev.window_base,
			   IMAGE_BYTES);
	wait_dma(fd, cookie, &w);
	printf("e. readback: %llu bytes from %s at 0x%llx into anonymous region %u: %s\n",
	       (unsigned long long)w.bytes, dev.name, (unsigned long long)dev.window_base,
	       readback_region.id, dur(w.duration_ns));

	if (memcmp(readback, shadow, IMAGE_BYTES)) {
		const uint8_t *s = (const uint8_t *)shadow;

		for (i = 0; readback[i] == s[i]; i++)
			;
		printf("   verify: MISMATCH at offset 0x%zx: shadow 0x%02x, device 0x%02x\n",
		       i, s[i], readback[i]);
		printf("   \"%s\" kept for inspection (bigphysctl dump %s)\n", SHADOW_NAME,
		       SHADOW_NAME);
		return 1;
	}
	printf("   verify: OK\n");
	munmap(readback, readback_region.size);

	/* f. The usual way, for comparison. */
	baseline_ns = baseline(dev.name);

	/* g. Summary. */
	printf("g. summary\n");
	if (baseline_ns)
		printf("   application blocked, baseline (BAR0 word-by-word + shm): %s\n",
		       dur(baseline_ns));
	printf("   application blocked, bigphys (shadow writes + submit):    %s\n",
	       dur(shadow_ns + submit_ns));
	if (baseline_ns)
		printf("   ratio: the baseline blocks the application %.1fx longer\n",
		       (double)baseline_ns / (shadow_ns + submit_ns));
	printf("   the device held the whole image after %s with bigphys (background DMA)",
	       dur(held_ns));
	if (baseline_ns)
		printf(", %s with the baseline", dur(baseline_ns));
	printf("\n");

	munmap(shadow, shadow_region.size);
	if (keep) {
		printf("   kept \"%s\" (persistent; bigphysctl free %s removes it)\n",
		       SHADOW_NAME, SHADOW_NAME);
	} else {
		struct bigphys_free f;

		memset(&f, 0, sizeof(f));
		strcpy(f.name, SHADOW_NAME);
		if (ioctl(fd, BIGPHYS_IOC_FREE, &f))
			err(1, "free \"%s\"", SHADOW_NAME);
		printf("   freed \"%s\"\n", SHADOW_NAME);
	}
	close(fd);
	regimage_free(&config);
	return 0;
}
