// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphysctl - command-line client for /dev/bigphys.
 *
 * Usage: bigphysctl [-d DEVICE] COMMAND [ARGS...]   (see usage() below)
 *
 * Every error is one line on stderr, "bigphysctl: <what>: <strerror(errno)>".
 * Exit status: 0 success, 1 the operation failed, 2 usage error.
 *
 * Built on libbigphys (include/libbigphys.h).  push and readback use the
 * library's default submission backend (BIGPHYS_BACKEND=sqpoll|uring|ioctl
 * forces one); the other commands only need ioctls and open the ioctl one.
 * save and restore stream a region to or from a file or block device with
 * bp_region_save()/bp_region_restore(): O_DIRECT for a page-backed region
 * (alloc --pages; the device reads or writes the region's memory itself,
 * the CPU copies nothing), buffered I/O otherwise.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libbigphys.h>

#include "regimage.h"

#define RC_OK		0
#define RC_FAIL		1
#define RC_USAGE	2

#define NSEC_PER_SEC	1000000000ULL
#define PROGRESS_NS	(100 * 1000000ULL)	/* progress line redraw interval */
#define DEFAULT_TIMEOUT	60		/* seconds to wait for a DMA job */
#define COPY_CHUNK	(64 * 1024)	/* binary image copy buffer */
#define TEXT_PROBE	4096		/* bytes looked at to tell text from binary */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *dev_path = "/dev/bigphys";
static const char *cmd_name;		/* current command, for messages */

static void usage(FILE *f)
{
	fputs("Usage: bigphysctl [-d DEVICE] COMMAND [ARGS...]\n"
	      "\n"
	      "Commands:\n"
	      "  info [--json]            pool state and the DMA devices bound to bigphys\n"
	      "  list [--json]            table of the regions in the pool\n"
	      "  stats [--json]           per-device DMA statistics (jobs, bytes, busy time,\n"
	      "                           lost interrupts caught) from sysfs\n"
	      "  alloc NAME SIZE [--cached|--wc|--uc|--pages] [--persist] [--align A]\n"
	      "                           create a named region (or attach to an existing one);\n"
	      "                           --pages: page-backed (write-back; O_DIRECT works on it)\n"
	      "  free NAME                remove a region's name (and its persist hold)\n"
	      "  load NAME FILE           write a register image into a region: text lines\n"
	      "                           \"OFFSET VALUE\" ('#' comments), or a raw binary\n"
	      "  push NAME --dev-addr A [--offset O] [--len L] [--dev N] [--timeout S]\n"
	      "                           DMA region -> device, wait for the end\n"
	      "  push NAME --segments O:L:A[,O:L:A...] [--dev N] [--timeout S]\n"
	      "                           one job of segments (region offset, length, device\n"
	      "                           address; STRT_DMAV), run in order; may be repeated\n"
	      "  readback NAME --dev-addr A [--offset O] [--len L] [--dev N] [--timeout S]\n"
	      "                           DMA device -> region, wait for the end\n"
	      "  dump NAME [--offset O] [--len L]\n"
	      "                           hexdump of a region\n"
	      "  save NAME FILE|DEVICE [--offset O] [--len L] [--direct|--buffered]\n"
	      "                           write the region to a file (created or truncated) or a\n"
	      "                           block device, then fdatasync; prints bytes and MB/s\n"
	      "  restore NAME FILE|DEVICE [--offset O] [--len L] [--direct|--buffered]\n"
	      "                           read a file or block device back into the region\n"
	      "\n"
	      "Options:\n"
	      "  -d, --device DEVICE      device node (default /dev/bigphys)\n"
	      "  -h, --help               show this help\n"
	      "\n"
	      "Numbers are decimal or 0x hex; SIZE, A, O and L also take a k, m or g suffix\n"
	      "(KiB, MiB, GiB).  --len defaults to the rest of the region, --dev to 0,\n"
	      "--timeout to 60 seconds (0: no limit).  save and restore use O_DIRECT\n"
	      "(no copy by the CPU) when the region is page-backed, buffered I/O otherwise;\n"
	      "--direct or --buffered forces one (O_DIRECT needs 4 KiB-aligned --offset\n"
	      "and --len).  restore reads at most the region's rest, and at most a\n"
	      "regular file's size; progress is shown when stderr is a terminal.\n"
	      "Exit status: 0 success, 1 operation failed, 2 usage error.\n", f);
}

/* What usually causes the errnos users meet, and where to look. */
static const char *hint(int err)
{
	switch (err) {
	case EIO:
		return "the device cannot reach this memory (DMA mask; see 'bigphysctl info') or stopped answering";
	case ENOSPC:
		return "no free block that large: 'bigphysctl info' shows the largest one";
	case EACCES:
		return "/dev/bigphys is root's and group bigphys's (scripts/99-bigphys.rules); a name belongs to the user that created it";
	case EBUSY:
		return "64 unreaped jobs and mappings per open, or the module's max_user_jobs= for this user";
	case EDQUOT:
		return "beyond the module's max_user_bytes= for this user";
	case EOPNOTSUPP:
		return "'bigphysctl info' shows what this pool and device support (pages part, DMA engine)";
	}
	return NULL;
}

static void vreport(const char *fmt, va_list ap)
{
	int err = errno;
	const char *h = hint(err);

	fputs("bigphysctl: ", stderr);
	if (cmd_name)
		fprintf(stderr, "%s: ", cmd_name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(err));
	if (h)
		fprintf(stderr, "bigphysctl: hint: %s\n", h);
}

/* Report a failed operation (errno is already set); returns RC_FAIL. */
static int __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return RC_FAIL;
}

/* Report a failed library call (@err a negative errno); returns RC_FAIL. */
static int __attribute__((format(printf, 2, 3))) fail_err(int err, const char *fmt, ...)
{
	va_list ap;

	errno = -err;
	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return RC_FAIL;
}

/* Report a failed library call with bp_strerror()'s message; returns RC_FAIL. */
static int __attribute__((format(printf, 2, 3))) fail_lib(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("bigphysctl: ", stderr);
	if (cmd_name)
		fprintf(stderr, "%s: ", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", bp_strerror(err));
	return RC_FAIL;
}

/* Report a usage error with errno @err; returns RC_USAGE. */
static int __attribute__((format(printf, 2, 3))) usage_err(int err, const char *fmt, ...)
{
	va_list ap;

	errno = err;
	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return RC_USAGE;
}

/*
 * getopt_long() wrapper: returns the next option, -1 at the end, or '?'
 * after reporting an unknown option or a missing argument.
 */
static int next_opt(int argc, char **argv, const char *shortopts,
		    const struct option *longopts)
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (c == ':') {
		usage_err(EINVAL, "option '%s' needs an argument", argv[optind - 1]);
		return '?';
	}
	if (c == '?') {
		if (optopt > 0 && optopt < 256)
			usage_err(EINVAL, "unknown option '-%c'", optopt);
		else
			usage_err(EINVAL, "bad option '%s'", argv[optind - 1]);
	}
	return c;
}

/* Check that exactly @want positional arguments are left. */
static int check_args(int argc, char **argv, int want, const char *what)
{
	int have = argc - optind;

	if (have < want)
		return usage_err(EINVAL, "missing %s", what);
	if (have > want)
		return usage_err(EINVAL, "unexpected argument '%s'", argv[optind + want]);
	return RC_OK;
}

static int check_name(const char *name)
{
	if (!name[0])
		return usage_err(EINVAL, "empty region name");
	if (strlen(name) >= BIGPHYS_NAME_LEN)
		return usage_err(ENAMETOOLONG, "region name '%s'", name);
	return RC_OK;
}

static int get_size(const char *opt, const char *s, uint64_t *val)
{
	if (parse_size(s, val))
		return usage_err(errno, "bad %s '%s'", opt, s);
	return RC_OK;
}

static int get_u32(const char *opt, const char *s, uint32_t *val)
{
	uint64_t v;

	if (parse_u64(s, &v))
		return usage_err(errno, "bad %s '%s'", opt, s);
	if (v > UINT32_MAX)
		return usage_err(ERANGE, "bad %s '%s'", opt, s);
	*val = (uint32_t)v;
	return RC_OK;
}

/*
 * --segments OFF:LEN:DEVADDR[,OFF:LEN:DEVADDR...] (may be repeated): appends
 * to @segs (room for BIGPHYS_DMAV_MAX_SEGS), @nr counts them.
 */
static int get_segments(const char *s, struct bigphys_dma_seg *segs, uint32_t *nr)
{
	char *copy = strdup(s), *item, *save = NULL, *f[3];
	int rc = RC_OK;

	if (!copy)
		return usage_err(ENOMEM, "--segments");
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		struct bigphys_dma_seg *g = &segs[*nr];
		uint64_t v[3];

		f[0] = item;
		f[1] = strchr(f[0], ':');
		f[2] = f[1] ? strchr(f[1] + 1, ':') : NULL;
		if (!f[2] || *nr == BIGPHYS_DMAV_MAX_SEGS) {
			rc = usage_err(f[2] ? E2BIG : EINVAL,
				       "bad --segments '%s' (OFFSET:LEN:DEVADDR, at most %u)",
				       item, BIGPHYS_DMAV_MAX_SEGS);
			break;
		}
		*f[1]++ = '\0';
		*f[2]++ = '\0';
		if (parse_size(f[0], &v[0]) || parse_size(f[1], &v[1]) || !v[1] ||
		    parse_u64(f[2], &v[2])) {
			rc = usage_err(EINVAL, "bad --segments entry '%s:%s:%s'", f[0], f[1], f[2]);
			break;
		}
		*g = (struct bigphys_dma_seg){ .offset = v[0], .len = v[1], .dev_addr = v[2] };
		(*nr)++;
	}
	free(copy);
	return rc;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static const char *fmt_size(uint64_t n, char *buf, size_t len)
{
	static const char * const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double d = n;
	int i = -1;

	if (n < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)n);
		return buf;
	}
	while (d >= 1024 && i < 3) {
		d /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f %s", d, units[i]);
	return buf;
}

static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < NSEC_PER_SEC)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

static const char *cache_name(uint32_t flags)
{
	if (flags & BIGPHYS_ALLOC_PAGES)
		return "pages";		/* page-backed: always write-back */
	switch (flags & BIGPHYS_CACHE_MASK) {
	case BIGPHYS_CACHE_WC:
		return "wc";
	case BIGPHYS_CACHE_WB:
		return "wb";
	case BIGPHYS_CACHE_UC:
		return "uc";
	default:
		return "default";
	}
}

/* Open the device with backend @flags (BP_OPEN_*, 0 for the default). */
static struct bp *open_dev(unsigned int flags)
{
	struct bp *bp;
	int err = bp_open_dev(&bp, dev_path, flags);

	if (err) {
		fail_err(err, "%s", dev_path);
		return NULL;
	}
	return bp;
}

/* Attach to the existing region @name (no CREATE): any size, any cache type. */
static int attach(struct bp *bp, const char *name, struct bp_region *a)
{
	int err = bp_region_attach(bp, name, a);

	if (err) {
		fail_err(err, "attach '%s'", name);
		return -1;
	}
	return 0;
}

/* Map the whole region: its mmap() offset is its physical address. */
static void *map_region(struct bp *bp, struct bp_region *a, const char *name, int prot)
{
	int err = bp_region_map(bp, a, prot);

	if (err) {
		fail_err(err, "mmap '%s' (%llu bytes at 0x%llx)", name,
			 (unsigned long long)a->size, (unsigned long long)a->phys_addr);
		return NULL;
	}
	return a->map;
}

/*
 * Whether device @dev can address every byte of the pool: under its DMA
 * mask, or behind an IOMMU that translates (iommu_group type "DMA" or
 * "DMA-FQ"; "identity" is passthrough).  The module logs the same at probe.
 */
static bool dev_reaches_pool(const struct bigphys_dev_info *dev,
			     const struct bigphys_info *info, uint64_t *end)
{
	char path[128], type[32] = "";
	FILE *f;

	*end = info->pool_base + info->pool_size - 1;
	if ((info->flags & BIGPHYS_POOL_HAS_PAGES) &&
	    info->pages_base + info->pages_size - 1 > *end)
		*end = info->pages_base + info->pages_size - 1;
	if (*end <= dev->dma_mask)
		return true;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group/type",
		 dev->name);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(type, sizeof(type), f))
			type[0] = '\0';
		fclose(f);
	}
	return !strncmp(type, "DMA", 3);
}

/*
 * The options of info, list and stats: [--json] [--help], no arguments.
 * Return: -1 to go on, else the exit status (help shown, usage error).
 */
static int json_opts(int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	*json = false;
	while ((c = next_opt(argc, argv, ":h", opts)) != -1) {
		if (c == 'j') {
			*json = true;
			continue;
		}
		if (c != 'h')
			return RC_USAGE;
		usage(stdout);
		return RC_OK;
	}
	return check_args(argc, argv, 0, "") ? RC_USAGE : -1;
}

/* info --json: one object; every size in bytes, addresses as numbers. */
static int info_json(struct bp *bp, const struct bigphys_info *info)
{
	struct bigphys_dev_info dev;
	uint64_t end;
	uint32_t i;
	int err;

	printf("{\"pool_base\": %llu, \"pool_size\": %llu, \"kind\": \"%s\", "
	       "\"free_bytes\": %llu, \"largest_free\": %llu, \"pages_base\": %llu, "
	       "\"pages_size\": %llu, \"pages_free\": %llu, \"held_bytes\": %llu, "
	       "\"nr_regions\": %u, \"devices\": [",
	       (unsigned long long)info->pool_base, (unsigned long long)info->pool_size,
	       info->flags & BIGPHYS_POOL_RESERVED ? "reserved" : "page-allocator",
	       (unsigned long long)info->free_bytes, (unsigned long long)info->largest_free,
	       (unsigned long long)info->pages_base, (unsigned long long)info->pages_size,
	       (unsigned long long)info->pages_free, (unsigned long long)info->held_bytes,
	       info->nr_regions);
	for (i = 0; i < info->nr_devices; i++) {
		err = bp_dev_info(bp, i, &dev);
		if (err) {
			printf("]}\n");
			return fail_err(err, "BIGPHYS_IOC_DEV_INFO %u", i);
		}
		printf("%s{\"index\": %u, \"name\": \"%s\", \"vendor\": %u, \"device\": %u, "
		       "\"msi\": %s, \"dma_mask\": %llu, \"max_chunk\": %llu, "
		       "\"window_base\": %llu, \"window_size\": %llu, \"reaches_pool\": %s}",
		       i ? ", " : "", i, dev.name, dev.vendor, dev.device,
		       dev.flags & BIGPHYS_DEV_MSI ? "true" : "false",
		       (unsigned long long)dev.dma_mask, (unsigned long long)dev.max_chunk,
		       (unsigned long long)dev.window_base, (unsigned long long)dev.window_size,
		       dev_reaches_pool(&dev, info, &end) ? "true" : "false");
	}
	printf("]}\n");
	return RC_OK;
}

static int cmd_info(int argc, char **argv)
{
	struct bigphys_info info;
	char b1[32], b2[32];
	int c, err, rc = RC_OK;
	bool json;
	struct bp *bp;
	uint64_t end;
	uint32_t i;

	c = json_opts(argc, argv, &json);
	if (c >= 0)
		return c;

	bp = open_dev(BP_OPEN_IOCTL);
	if (!bp)
		return RC_FAIL;
	err = bp_info(bp, &info);
	if (err) {
		rc = fail_err(err, "BIGPHYS_IOC_INFO");
		goto out;
	}
	if (json) {
		rc = info_json(bp, &info);
		goto out;
	}

	printf("pool:     0x%llx-0x%llx, %llu bytes (%s)\n",
	       (unsigned long long)info.pool_base,
	       (unsigned long long)(info.pool_base + info.pool_size - 1),
	       (unsigned long long)info.pool_size, fmt_size(info.pool_size, b1, sizeof(b1)));
	printf("kind:     ");
	if (info.flags & BIGPHYS_POOL_DEVICE_TREE)
		printf("boot-reserved range (device tree /reserved-memory, bigphys,pool)\n");
	else if (info.flags & BIGPHYS_POOL_RESERVED)
		printf("boot-reserved range (memmap=)\n");
	else if (info.flags & BIGPHYS_POOL_PAGES)
		printf("page allocator block (fallback)\n");
	else
		printf("unknown (flags 0x%x)\n", info.flags);
	/* "(all)" when nothing is allocated: scripts look for it. */
	printf("free:     %llu bytes (%s)\n", (unsigned long long)info.free_bytes,
	       info.free_bytes == info.pool_size ? "all" :
	       fmt_size(info.free_bytes, b1, sizeof(b1)));
	printf("largest:  %llu bytes (%s) free in one block\n",
	       (unsigned long long)info.largest_free,
	       fmt_size(info.largest_free, b2, sizeof(b2)));
	if (info.flags & BIGPHYS_POOL_HAS_PAGES)
		printf("pages:    0x%llx-0x%llx, %llu bytes (%s), %llu free: page-backed part (alloc --pages)\n",
		       (unsigned long long)info.pages_base,
		       (unsigned long long)(info.pages_base + info.pages_size - 1),
		       (unsigned long long)info.pages_size, fmt_size(info.pages_size, b1, sizeof(b1)),
		       (unsigned long long)info.pages_free);
	else
		printf("pages:    none (no page-backed part: alloc --pages fails)\n");
	if (info.held_bytes)
		printf("held:     %llu bytes of freed regions still referenced from outside bigphys\n",
		       (unsigned long long)info.held_bytes);
	printf("regions:  %u\n", info.nr_regions);
	printf("devices:  %u\n", info.nr_devices);

	for (i = 0; i < info.nr_devices; i++) {
		struct bigphys_dev_info dev;

		err = bp_dev_info(bp, i, &dev);
		if (err) {
			rc = fail_err(err, "BIGPHYS_IOC_DEV_INFO %u", i);
			continue;
		}
		printf("device %u: %s, %04x:%04x, %s\n", i, dev.name, dev.vendor, dev.device,
		       dev.flags & BIGPHYS_DEV_MSI ? "MSI" : "INTx");
		printf("          dma mask 0x%llx, max chunk %llu bytes\n",
		       (unsigned long long)dev.dma_mask, (unsigned long long)dev.max_chunk);
		printf("          window 0x%llx-0x%llx (%llu bytes)\n",
		       (unsigned long long)dev.window_base,
		       (unsigned long long)(dev.window_base + dev.window_size - 1),
		       (unsigned long long)dev.window_size);
		if (!dev_reaches_pool(&dev, &info, &end))
			printf("          device %u cannot reach the pool: its DMA mask ends at 0x%llx, the pool at 0x%llx, and no IOMMU translates: DMA on the pool fails with EIO (load the module with dma_bits=64 if the device addresses more, enable an IOMMU, or reserve the pool below 0x%llx)\n",
			       i, (unsigned long long)dev.dma_mask,
			       (unsigned long long)end,
			       (unsigned long long)dev.dma_mask + 1);
	}
out:
	bp_close(bp);
	return rc;
}

static int cmd_list(int argc, char **argv)
{
	struct bigphys_region_info *regions = NULL;
	int c, err, width = 4, rc = RC_OK;
	bool json;
	uint32_t i, count;
	struct bp *bp;

	c = json_opts(argc, argv, &json);
	if (c >= 0)
		return c;

	bp = open_dev(BP_OPEN_IOCTL);
	if (!bp)
		return RC_FAIL;

	/* Asks for the count first; retries if regions appear in between. */
	err = bp_list(bp, &regions, &count);
	if (err) {
		rc = fail_err(err, "BIGPHYS_IOC_LIST");
		goto out;
	}

	if (json) {
		/* Names are [A-Za-z0-9._-]: nothing to escape. */
		printf("[");
		for (i = 0; i < count; i++) {
			const struct bigphys_region_info *r = &regions[i];

			printf("%s{\"id\": %u, \"name\": \"%s\", \"phys_addr\": %llu, "
			       "\"size\": %llu, \"cache\": \"%s\", \"persist\": %s, "
			       "\"held\": %s, \"nr_files\": %u, \"nr_maps\": %u, "
			       "\"nr_dma\": %u}", i ? ", " : "", r->id, r->name,
			       (unsigned long long)r->phys_addr, (unsigned long long)r->size,
			       cache_name(r->flags),
			       r->flags & BIGPHYS_ALLOC_PERSIST ? "true" : "false",
			       r->flags & BIGPHYS_REGION_HELD ? "true" : "false",
			       r->nr_files, r->nr_maps, r->nr_dma);
		}
		printf("]\n");
		goto out;
	}
	if (!count) {
		printf("no regions\n");
		goto out;
	}
	for (i = 0; i < count; i++) {
		if ((int)strlen(regions[i].name) > width)
			width = strlen(regions[i].name);
	}

	printf("%6s  %-*s  %18s  %12s  %-7s  %7s  %5s  %5s  %5s\n", "ID", width, "NAME", "PHYS",
	       "SIZE", "CACHE", "PERSIST", "FILES", "MAPS", "DMA");
	for (i = 0; i < count; i++) {
		const struct bigphys_region_info *r = &regions[i];

		printf("%6u  %-*s  %#18llx  %12llu  %-7s  %7s  %5u  %5u  %5u\n", r->id, width,
		       r->name[0] ? r->name :
		       r->flags & BIGPHYS_REGION_HELD ? "(held)" : "-",
		       (unsigned long long)r->phys_addr,
		       (unsigned long long)r->size,
		       cache_name(r->flags), r->flags & BIGPHYS_ALLOC_PERSIST ? "yes" : "no",
		       r->nr_files, r->nr_maps, r->nr_dma);
	}
out:
	free(regions);
	bp_close(bp);
	return rc;
}

enum { OPT_CACHED = 256, OPT_WC, OPT_UC, OPT_PERSIST, OPT_ALIGN, OPT_DEV_ADDR, OPT_OFFSET,
	OPT_LEN, OPT_DEV, OPT_TIMEOUT, OPT_PAGES, OPT_DIRECT, OPT_BUFFERED, OPT_SEGMENTS };

static int cmd_alloc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cached", no_argument, NULL, OPT_CACHED },
		{ "wc", no_argument, NULL, OPT_WC },
		{ "uc", no_argument, NULL, OPT_UC },
		{ "persist", no_argument, NULL, OPT_PERSIST },
		{ "pages", no_argument, NULL, OPT_PAGES },
		{ "align", required_argument, NULL, OPT_ALIGN },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint32_t cache = BIGPHYS_CACHE_DEFAULT, want;
	uint64_t size, align = 0;
	bool persist = false, pages = false;
	struct bp_region a;
	const char *name;
	struct bp *bp;
	char buf[32];
	int c, err;

	while ((c = next_opt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case OPT_CACHED:
		case OPT_WC:
		case OPT_UC:
			want = c == OPT_CACHED ? BIGPHYS_CACHE_WB :
			       c == OPT_WC ? BIGPHYS_CACHE_WC : BIGPHYS_CACHE_UC;
			if (cache != BIGPHYS_CACHE_DEFAULT && cache != want)
				return usage_err(EINVAL, "more than one cache type");
			cache = want;
			break;
		case OPT_PERSIST:
			persist = true;
			break;
		case OPT_PAGES:
			pages = true;
			break;
		case OPT_ALIGN:
			if (get_size("--align", optarg, &align))
				return RC_USAGE;
			break;
		case 'h':
			usage(stdout);
			return RC_OK;
		default:
			return RC_USAGE;
		}
	}
	if (check_args(argc, argv, 2, "NAME and SIZE"))
		return RC_USAGE;
	name = argv[optind];
	if (check_name(name) || get_size("SIZE", argv[optind + 1], &size))
		return RC_USAGE;
	if (!size)
		return usage_err(EINVAL, "bad SIZE '%s'", argv[optind + 1]);
	if (pages && (cache == BIGPHYS_CACHE_WC || cache == BIGPHYS_CACHE_UC))
		return usage_err(EINVAL, "--pages regions are write-back: not with --wc or --uc");

	bp = open_dev(BP_OPEN_IOCTL);
	if (!bp)
		return RC_FAIL;

	err = bp_region_alloc(bp, name, size, align, BIGPHYS_ALLOC_CREATE | cache |
			      (persist ? BIGPHYS_ALLOC_PERSIST : 0) |
			      (pages ? BIGPHYS_ALLOC_PAGES : 0), &a);
	if (err) {
		if (pages && (err == -EOPNOTSUPP || err == -ENOSPC))
			fail_lib(err, "create page-backed '%s' (%llu bytes)", name,
				 (unsigned long long)size);
		else
			fail_err(err, "create '%s' (%llu bytes)", name, (unsigned long long)size);
		bp_close(bp);
		return RC_FAIL;
	}

	printf("%s: id %u, phys 0x%llx, size %llu (%s), cache %s%s%s\n", name, a.id,
	       (unsigned long long)a.phys_addr, (unsigned long long)a.size,
	       fmt_size(a.size, buf, sizeof(buf)),
	       a.flags & BIGPHYS_ALLOC_PAGES ? "wb" : cache_name(a.flags),
	       a.flags & BIGPHYS_ALLOC_PAGES ? ", page-backed" : "",
	       a.flags & BIGPHYS_ALLOC_PERSIST ? ", persist" : "");
	if (!(a.flags & BIGPHYS_ALLOC_PERSIST))
		printf("note: '%s' is gone when bigphysctl exits (no --persist)\n", name);
	bp_close(bp);
	return RC_OK;
}

static int cmd_free(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *name;
	int c, err, rc = RC_OK;
	struct bp *bp;

	while ((c = next_opt(argc, argv, ":h", opts)) != -1) {
		if (c != 'h')
			return RC_USAGE;
		usage(stdout);
		return RC_OK;
	}
	if (check_args(argc, argv, 1, "NAME"))
		return RC_USAGE;
	name = argv[optind];
	if (check_name(name))
		return RC_USAGE;

	bp = open_dev(BP_OPEN_IOCTL);
	if (!bp)
		return RC_FAIL;
	err = bp_unlink(bp, name);
	if (err)
		rc = fail_err(err, "free '%s'", name);
	else
		printf("freed '%s'\n", name);
	bp_close(bp);
	return rc;
}

/* Write a text register image; nothing is written if any offset is outside. */
static int load_text(FILE *f, const char *file, const char *name, void *map, uint64_t size)
{
	struct regimage img = { 0 };
	uint32_t *regs = map;
	char what[256];
	size_t i;

	if (fseek(f, 0, SEEK_SET))
		return fail("%s: rewind", file);
	if (regimage_parse(f, file, &img, what, sizeof(what)))
		return fail("%s", what);

	for (i = 0; i < img.nr; i++) {
		const struct regimage_reg *r = &img.regs[i];

		if (r->offset >= size || size - r->offset < 4) {
			errno = ERANGE;
			fail("%s:%u: offset 0x%llx is outside region '%s' (%llu bytes)",
			     file, r->line, (unsigned long long)r->offset, name,
			     (unsigned long long)size);
			regimage_free(&img);
			return RC_FAIL;
		}
	}
	for (i = 0; i < img.nr; i++)
		regs[img.regs[i].offset / 4] = img.regs[i].value;
	/* Push the stores out of the write-combining buffers. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	printf("%s: wrote %zu register%s from %s (text image)\n", name, img.nr,
	       img.nr == 1 ? "" : "s", file);
	regimage_free(&img);
	return RC_OK;
}

/* Copy a raw binary image to the start of the region. */
static int load_binary(FILE *f, const char *file, const char *name, void *map, uint64_t size,
		       const void *head, size_t head_len)
{
	uint64_t done = head_len;
	struct stat st;
	char *buf;
	size_t n;

	if (fstat(fileno(f), &st))
		return fail("%s", file);
	if ((S_ISREG(st.st_mode) && (uint64_t)st.st_size > size) || head_len > size) {
		errno = EFBIG;
		return fail("%s (%llu bytes) does not fit in region '%s' (%llu bytes)", file,
			    (unsigned long long)st.st_size, name, (unsigned long long)size);
	}

	buf = malloc(COPY_CHUNK);
	if (!buf)
		return fail("%s", file);
	memcpy(map, head, head_len);
	while ((n = fread(buf, 1, COPY_CHUNK, f)) > 0) {
		if (n > size - done) {
			errno = EFBIG;
			free(buf);
			return fail("%s does not fit in region '%s' (%llu bytes)", file, name,
				    (unsigned long long)size);
		}
		memcpy((char *)map + done, buf, n);
		done += n;
	}
	free(buf);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (ferror(f))
		return fail("%s: read", file);

	printf("%s: copied %llu bytes from %s (binary image)\n", name,
	       (unsigned long long)done, file);
	return RC_OK;
}

static int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static char head[TEXT_PROBE];
	const char *name, *file;
	struct bp_region a;
	struct bp *bp;
	int c, rc;
	void *map;
	size_t n;
	FILE *f;

	while ((c = next_opt(argc, argv, ":h", opts)) != -1) {
		if (c != 'h')
			return RC_USAGE;
		usage(stdout);
		return RC_OK;
	}
	if (check_args(argc, argv, 2, "NAME and FILE"))
		return RC_USAGE;
	name = argv[optind];
	file = argv[optind + 1];
	if (check_name(name))
		return RC_USAGE;

	f = fopen(file, "r");
	if (!f)
		return fail("%s", file);
	n = fread(head, 1, sizeof(head), f);
	if (ferror(f)) {
		fclose(f);
		return fail("%s: read", file);
	}

	bp = open_dev(BP_OPEN_IOCTL);
	if (!bp) {
		fclose(f);
		return RC_FAIL;
	}
	rc = RC_FAIL;
	if (attach(bp, name, &a))
		goto out;
	map = map_region(bp, &a, name, PROT_READ | PROT_WRITE);
	if (!map)
		goto out;

	if (regimage_is_text(head, n))
		rc = load_text(f, file, name, map, a.size);
	else
		rc = load_binary(f, file, name, map, a.size, head, n);
	bp_region_unmap(&a);
out:
	bp_close(bp);
	fclose(f);
	return rc;
}

static void clear_progress(bool tty)
{
	if (tty) {
		fputs("\r\033[K", stdout);
		fflush(stdout);
	}
}

/*
 * Wait for DMA job @job, at most @timeout_ns (0: no limit).  On a
 * terminal, wait 100 ms at a time and redraw a progress line in between;
 * otherwise just block.
 */
static int wait_job(struct bp *bp, uint64_t job, uint64_t timeout_ns, const char *label,
		    struct bp_completion *w)
{
	bool tty = isatty(STDOUT_FILENO);
	uint64_t start = now_ns(), now = start, deadline;
	char buf[32];
	int err;

	deadline = timeout_ns ? start + timeout_ns : UINT64_MAX;
	for (;;) {
		uint64_t step = deadline == UINT64_MAX ? BP_WAIT_FOREVER : deadline - now;

		if (tty && step > PROGRESS_NS)
			step = PROGRESS_NS;
		err = bp_wait(bp, job, step, w);
		if (!err) {
			clear_progress(tty);
			return 0;
		}
		if (err != -ETIMEDOUT) {
			clear_progress(tty);
			fail_err(err, "wait for DMA job %llu", (unsigned long long)job);
			return -1;
		}

		now = now_ns();
		if (now >= deadline) {
			clear_progress(tty);
			errno = ETIMEDOUT;
			fail("DMA job %llu still running after %s", (unsigned long long)job,
			     fmt_ns(now - start, buf, sizeof(buf)));
			return -1;
		}
		if (tty) {
			printf("\r%s ... %.1f s", label, (now - start) / 1e9);
			fflush(stdout);
		}
	}
}

static int cmd_dma(int argc, char **argv, bool from_dev)
{
	static const struct option opts[] = {
		{ "dev-addr", required_argument, NULL, OPT_DEV_ADDR },
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "len", required_argument, NULL, OPT_LEN },
		{ "dev", required_argument, NULL, OPT_DEV },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "segments", required_argument, NULL, OPT_SEGMENTS },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static struct bigphys_dma_seg segs[BIGPHYS_DMAV_MAX_SEGS];
	uint64_t dev_addr = 0, offset = 0, len = 0, timeout = DEFAULT_TIMEOUT;
	uint32_t nr_segs = 0, i;
	bool have_dev_addr = false, have_len = false;
	struct bp_completion w;
	char label[160], b1[32];
	struct bp_region a;
	const char *name;
	uint32_t dev = 0;
	uint64_t job;
	int c, err, rc = RC_FAIL;
	struct bp *bp;

	while ((c = next_opt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case OPT_DEV_ADDR:
			if (parse_u64(optarg, &dev_addr))
				return usage_err(errno, "bad --dev-addr '%s'", optarg);
			have_dev_addr = true;
			break;
		case OPT_OFFSET:
			if (get_size("--offset", optarg, &offset))
				return RC_USAGE;
			break;
		case OPT_LEN:
			if (get_size("--len", optarg, &len))
				return RC_USAGE;
			if (!len)
				return usage_err(EINVAL, "bad --len '%s'", optarg);
			have_len = true;
			break;
		case OPT_DEV:
			if (get_u32("--dev", optarg, &dev))
				return RC_USAGE;
			break;
		case OPT_TIMEOUT:
			if (parse_u64(optarg, &timeout) || timeout > UINT64_MAX / NSEC_PER_SEC)
				return usage_err(errno == ERANGE ? ERANGE : EINVAL,
						 "bad --timeout '%s'", optarg);
			break;
		case OPT_SEGMENTS:
			if (from_dev)
				return usage_err(EINVAL, "--segments is for push only");
			if (get_segments(optarg, segs, &nr_segs))
				return RC_USAGE;
			break;
		case 'h':
			usage(stdout);
			return RC_OK;
		default:
			return RC_USAGE;
		}
	}
	if (check_args(argc, argv, 1, "NAME"))
		return RC_USAGE;
	name = argv[optind];
	if (check_name(name))
		return RC_USAGE;
	if (nr_segs && (have_dev_addr || have_len || offset))
		return usage_err(EINVAL, "--segments replaces --dev-addr, --offset and --len");
	if (!have_dev_addr && !nr_segs)
		return usage_err(EINVAL, "missing --dev-addr (or --segments)");

	bp = open_dev(0);
	if (!bp)
		return RC_FAIL;
	if (attach(bp, name, &a))
		goto out;
	if (nr_segs) {
		/* The kernel checks each segment; say which total moved. */
		for (i = 0, len = 0; i < nr_segs; i++)
			len += segs[i].len;
		dev_addr = segs[0].dev_addr;
		err = bp_pushv(bp, &a, dev, segs, nr_segs, &job);
		if (err) {
			fail_err(err, "start DMA of %u segments (%llu bytes) to device %u",
				 nr_segs, (unsigned long long)len, dev);
			goto out;
		}
		goto wait;
	}
	if (offset >= a.size) {
		errno = EINVAL;
		fail("offset 0x%llx is outside region '%s' (%llu bytes)",
		     (unsigned long long)offset, name, (unsigned long long)a.size);
		goto out;
	}
	if (!have_len)
		len = a.size - offset;
	if (len > a.size - offset) {
		errno = EINVAL;
		fail("offset 0x%llx + %llu bytes is outside region '%s' (%llu bytes)",
		     (unsigned long long)offset, (unsigned long long)len, name,
		     (unsigned long long)a.size);
		goto out;
	}

	err = from_dev ? bp_readback(bp, &a, offset, len, dev, dev_addr, &job) :
			 bp_push(bp, &a, offset, len, dev, dev_addr, &job);
	if (err) {
		fail_err(err, "start DMA of %llu bytes %s device %u at 0x%llx",
			 (unsigned long long)len, from_dev ? "from" : "to", dev,
			 (unsigned long long)dev_addr);
		goto out;
	}

wait:
	snprintf(label, sizeof(label), "%s: %llu bytes %s device %u at 0x%llx", cmd_name,
		 (unsigned long long)len, from_dev ? "from" : "to", dev,
		 (unsigned long long)dev_addr);
	if (wait_job(bp, job, timeout * NSEC_PER_SEC, label, &w))
		goto out;
	if (w.status) {
		/* io_uring backends: a refused submission also ends up here */
		fail_err(w.status, "DMA job %llu failed after %llu of %llu bytes",
			 (unsigned long long)job, (unsigned long long)w.bytes,
			 (unsigned long long)len);
		goto out;
	}

	if (nr_segs)
		printf("%s: %llu bytes in %u segments from '%s' to device %u in %s", cmd_name,
		       (unsigned long long)w.bytes, nr_segs, name, dev,
		       fmt_ns(w.duration_ns, b1, sizeof(b1)));
	else
		printf("%s: %llu bytes %s '%s'+0x%llx %s device %u at 0x%llx in %s", cmd_name,
		       (unsigned long long)w.bytes, from_dev ? "into" : "from", name,
		       (unsigned long long)offset,
		       from_dev ? "from" : "to", dev, (unsigned long long)dev_addr,
		       fmt_ns(w.duration_ns, b1, sizeof(b1)));
	if (w.duration_ns)
		printf(" (%s/s)", fmt_size(w.bytes * (double)NSEC_PER_SEC / w.duration_ns, b1,
					   sizeof(b1)));
	printf("\n");
	rc = RC_OK;
out:
	bp_close(bp);
	return rc;
}

static int cmd_push(int argc, char **argv)
{
	return cmd_dma(argc, argv, false);
}

static int cmd_readback(int argc, char **argv)
{
	return cmd_dma(argc, argv, true);
}

/* hexdump -C style: offset, 16 bytes in two groups, ASCII; '*' for repeats. */
static void hexdump(const unsigned char *base, uint64_t start, uint64_t len)
{
	unsigned char line[16], prev[16];
	bool have_prev = false, squeezing = false;
	uint64_t off;
	size_t i, n;

	for (off = start; off < start + len; off += 16) {
		n = start + len - off < 16 ? start + len - off : 16;
		memcpy(line, base + off, n);
		if (n == 16 && have_prev && !memcmp(line, prev, 16)) {
			if (!squeezing)
				printf("*\n");
			squeezing = true;
			continue;
		}
		squeezing = false;
		have_prev = n == 16;
		memcpy(prev, line, n);

		printf("%08llx ", (unsigned long long)off);
		for (i = 0; i < 16; i++) {
			if (i == 8)
				putchar(' ');
			if (i < n)
				printf(" %02x", line[i]);
			else
				printf("   ");
		}
		printf("  |");
		for (i = 0; i < n; i++)
			putchar(line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '.');
		printf("|\n");
	}
	printf("%08llx\n", (unsigned long long)(start + len));
}

/* The per-device statistics (Documentation/ABI/testing/sysfs-driver-bigphys). */
static const char *const dev_stats[] = {
	"jobs_submitted", "jobs_completed", "jobs_failed", "jobs_cancelled",
	"bytes_to_device", "bytes_from_device", "busy_ns", "watchdog_rescues",
};

/* One decimal sysfs attribute; -1 with errno when it cannot be read. */
static int read_stat(const char *dir, const char *name, unsigned long long *val)
{
	char path[256];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%llu", val);
	fclose(f);
	if (n != 1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	unsigned long long v[ARRAY_SIZE(dev_stats)];
	struct bigphys_dev_info dev;
	struct bigphys_info info;
	int c, err, rc = RC_OK;
	bool json;
	char dir[192];
	struct bp *bp;
	uint32_t i, k;

	c = json_opts(argc, argv, &json);
	if (c >= 0)
		return c;
	bp = open_dev(BP_OPEN_IOCTL);
	if (!bp)
		return RC_FAIL;
	err = bp_info(bp, &info);
	if (err) {
		rc = fail_err(err, "BIGPHYS_IOC_INFO");
		goto out;
	}
	if (json)
		printf("[");
	else
		printf("%3s  %-12s  %9s  %9s  %6s  %9s  %14s  %14s  %12s  %8s\n", "DEV", "NAME",
		       "SUBMITTED", "COMPLETED", "FAILED", "CANCELLED", "BYTES_TO_DEV",
		       "BYTES_FROM_DEV", "BUSY_MS", "RESCUES");
	for (i = 0; i < info.nr_devices; i++) {
		err = bp_dev_info(bp, i, &dev);
		if (err) {
			rc = fail_err(err, "BIGPHYS_IOC_DEV_INFO %u", i);
			break;
		}
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/bigphys", dev.name);
		for (k = 0; k < ARRAY_SIZE(dev_stats); k++) {
			if (read_stat(dir, dev_stats[k], &v[k])) {
				rc = fail("read %s/%s", dir, dev_stats[k]);
				goto end;
			}
		}
		if (!json) {
			printf("%3u  %-12s  %9llu  %9llu  %6llu  %9llu  %14llu  %14llu  %12.3f  %8llu\n",
			       i, dev.name, v[0], v[1], v[2], v[3], v[4], v[5], v[6] / 1e6, v[7]);
			continue;
		}
		printf("%s{\"index\": %u, \"name\": \"%s\"", i ? ", " : "", i, dev.name);
		for (k = 0; k < ARRAY_SIZE(dev_stats); k++)
			printf(", \"%s\": %llu", dev_stats[k], v[k]);
		printf("}");
	}
end:
	if (json)
		printf("]\n");
out:
	bp_close(bp);
	return rc;
}

static int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "len", required_argument, NULL, OPT_LEN },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint64_t offset = 0, len = 0;
	bool have_len = false;
	struct bp_region a;
	const char *name;
	int c, rc = RC_FAIL;
	struct bp *bp;
	void *map;

	while ((c = next_opt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case OPT_OFFSET:
			if (get_size("--offset", optarg, &offset))
				return RC_USAGE;
			break;
		case OPT_LEN:
			if (get_size("--len", optarg, &len))
				return RC_USAGE;
			have_len = true;
			break;
		case 'h':
			usage(stdout);
			return RC_OK;
		default:
			return RC_USAGE;
		}
	}
	if (check_args(argc, argv, 1, "NAME"))
		return RC_USAGE;
	name = argv[optind];
	if (check_name(name))
		return RC_USAGE;

	bp = open_dev(BP_OPEN_IOCTL);
	if (!bp)
		return RC_FAIL;
	if (attach(bp, name, &a))
		goto out;
	if (offset > a.size || (have_len && len > a.size - offset)) {
		errno = EINVAL;
		fail("offset 0x%llx + %llu bytes is outside region '%s' (%llu bytes)",
		     (unsigned long long)offset, (unsigned long long)len, name,
		     (unsigned long long)a.size);
		goto out;
	}
	if (!have_len)
		len = a.size - offset;

	map = map_region(bp, &a, name, PROT_READ);
	if (!map)
		goto out;
	hexdump(map, offset, len);
	bp_region_unmap(&a);
	rc = RC_OK;
out:
	bp_close(bp);
	return rc;
}

/* ---- save / restore ---- */

struct progress {
	const char *label;
	uint64_t start, last;
	bool shown;
};

/* bp_progress_fn: a progress line on stderr, at most every 100 ms. */
static int show_progress(uint64_t done, uint64_t total, void *arg)
{
	struct progress *pr = arg;
	uint64_t now = now_ns();
	char b1[32], b2[32];

	if (now - pr->last < PROGRESS_NS && done < total)
		return 0;
	pr->last = now;
	pr->shown = true;
	fprintf(stderr, "\r%s: %s of %s (%.0f%%), %.1f s\033[K", pr->label,
		fmt_size(done, b1, sizeof(b1)), fmt_size(total, b2, sizeof(b2)),
		total ? 100.0 * done / total : 100.0, (now - pr->start) / 1e9);
	return 0;
}

/*
 * Size of @path in bytes for a regular file or a block device (0 when it
 * does not exist yet), its type in @mode; 0 or -1 after reporting.
 */
static int target_size(const char *path, bool must_exist, uint64_t *size, mode_t *mode)
{
	struct stat st;
	int fd;

	*size = 0;
	*mode = 0;
	if (stat(path, &st)) {
		if (errno == ENOENT && !must_exist)
			return 0;
		fail("%s", path);
		return -1;
	}
	*mode = st.st_mode;
	if (S_ISREG(st.st_mode)) {
		*size = st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, BLKGETSIZE64, size)) {
			fail("%s: size of the block device", path);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int cmd_xfer(int argc, char **argv, bool save)
{
	static const struct option opts[] = {
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "len", required_argument, NULL, OPT_LEN },
		{ "direct", no_argument, NULL, OPT_DIRECT },
		{ "buffered", no_argument, NULL, OPT_BUFFERED },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c, err, mode_opt = 0, rc = RC_FAIL;	/* mode_opt: OPT_DIRECT/_BUFFERED */
	uint64_t offset = 0, len = 0, fsize, t0, ns;
	struct progress pr = { 0 };
	const char *name, *file, *how;
	struct bp_xfer x = { 0 };
	char label[96], b1[32];
	bool have_len = false;
	struct bp_region a;
	struct bp *bp;
	mode_t mode;

	while ((c = next_opt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case OPT_OFFSET:
			if (get_size("--offset", optarg, &offset))
				return RC_USAGE;
			break;
		case OPT_LEN:
			if (get_size("--len", optarg, &len))
				return RC_USAGE;
			if (!len)
				return usage_err(EINVAL, "bad --len '%s'", optarg);
			have_len = true;
			break;
		case OPT_DIRECT:
		case OPT_BUFFERED:
			if (mode_opt && mode_opt != c)
				return usage_err(EINVAL, "--direct and --buffered together");
			mode_opt = c;
			break;
		case 'h':
			usage(stdout);
			return RC_OK;
		default:
			return RC_USAGE;
		}
	}
	if (check_args(argc, argv, 2, "NAME and FILE|DEVICE"))
		return RC_USAGE;
	name = argv[optind];
	file = argv[optind + 1];
	if (check_name(name))
		return RC_USAGE;
	if (!file[0])
		return usage_err(EINVAL, "empty FILE|DEVICE");
	if (mode_opt == OPT_DIRECT && (offset % BP_XFER_ALIGN || len % BP_XFER_ALIGN))
		return usage_err(EINVAL, "--direct needs --offset and --len in multiples of %llu",
				 (unsigned long long)BP_XFER_ALIGN);
	if (target_size(file, !save, &fsize, &mode))
		return RC_FAIL;
	if (S_ISDIR(mode)) {
		errno = EISDIR;
		return fail("%s", file);
	}

	bp = open_dev(BP_OPEN_IOCTL);
	if (!bp)
		return RC_FAIL;
	if (attach(bp, name, &a))
		goto out;
	if (offset > a.size || (have_len && len > a.size - offset) ||
	    (!have_len && offset == a.size)) {
		errno = EINVAL;
		fail("offset 0x%llx + %llu bytes is outside region '%s' (%llu bytes)",
		     (unsigned long long)offset, (unsigned long long)len, name,
		     (unsigned long long)a.size);
		goto out;
	}
	if (!have_len)
		len = a.size - offset;
	if (!save && S_ISREG(mode) && !have_len) {
		if (fsize > len) {
			errno = EFBIG;
			fail("%s (%llu bytes) does not fit in region '%s' from 0x%llx (%llu bytes); --len takes its start",
			     file, (unsigned long long)fsize, name, (unsigned long long)offset,
			     (unsigned long long)len);
			goto out;
		}
		len = fsize;
		if (!len) {
			errno = ENODATA;
			fail("%s is empty", file);
			goto out;
		}
	}
	if (S_ISBLK(mode) && len > fsize) {
		errno = save ? ENOSPC : ENODATA;
		fail("%s has %llu bytes, %llu needed", file, (unsigned long long)fsize,
		     (unsigned long long)len);
		goto out;
	}

	/*
	 * O_DIRECT when the region is page-backed (nothing copied by the
	 * CPU), else buffered: O_DIRECT from a PFN-mapped region fails with
	 * EFAULT.  --direct/--buffered force one.
	 */
	if (mode_opt == OPT_DIRECT || (!mode_opt && (a.flags & BIGPHYS_ALLOC_PAGES)))
		x.flags |= BP_XFER_DIRECT;
	if (x.flags & BP_XFER_DIRECT)
		how = "O_DIRECT";
	else if (mode_opt)
		how = "buffered";
	else
		how = "buffered: the region is not page-backed";
	/* O_DIRECT restore of a file of odd size: length from the file's size. */
	if ((x.flags & BP_XFER_DIRECT) && len % BP_XFER_ALIGN &&
	    !(!save && S_ISREG(mode) && !have_len)) {
		errno = EINVAL;
		fail("O_DIRECT needs a length in multiples of %llu, not %llu; --buffered",
		     (unsigned long long)BP_XFER_ALIGN, (unsigned long long)len);
		goto out;
	}
	x.offset = offset;
	x.len = save || have_len || !S_ISREG(mode) ? len : 0;
	if (save)
		x.flags |= BP_XFER_SYNC;
	if (isatty(STDERR_FILENO)) {
		snprintf(label, sizeof(label), "%s '%s' %s %s", cmd_name, name,
			 save ? "to" : "from", file);
		pr.label = label;
		x.progress = show_progress;
		x.progress_arg = &pr;
	}

	pr.start = pr.last = t0 = now_ns();
	err = save ? bp_region_save(bp, &a, -1, file, &x) : bp_region_restore(bp, &a, -1, file, &x);
	ns = now_ns() - t0;
	if (pr.shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	if (err) {
		if (err == -EINVAL && (x.flags & BP_XFER_DIRECT) && !x.done)
			fail_err(err, "%s %s with O_DIRECT (its file system may refuse O_DIRECT: try --buffered)",
				 save ? "write" : "read", file);
		else
			fail_lib(err, "%s '%s' %s %s (%s) after %llu of %llu bytes",
				 save ? "save" : "restore", name, save ? "to" : "from", file, how,
				 (unsigned long long)x.done, (unsigned long long)len);
		goto out;
	}

	printf("%s: %llu bytes (%s) %s '%s'+0x%llx %s %s in %s, %.1f MB/s (%s%s)\n", cmd_name,
	       (unsigned long long)x.done, fmt_size(x.done, b1, sizeof(b1)),
	       save ? "from" : "into", name, (unsigned long long)offset, save ? "to" : "from",
	       file, fmt_ns(ns, label, sizeof(label)), ns ? x.done * 1e3 / ns : 0.0, how,
	       save ? ", fdatasync" : "");
	rc = RC_OK;
out:
	bp_close(bp);
	return rc;
}

static int cmd_save(int argc, char **argv)
{
	return cmd_xfer(argc, argv, true);
}

static int cmd_restore(int argc, char **argv)
{
	return cmd_xfer(argc, argv, false);
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "info", cmd_info },
	{ "list", cmd_list },
	{ "stats", cmd_stats },
	{ "alloc", cmd_alloc },
	{ "free", cmd_free },
	{ "load", cmd_load },
	{ "push", cmd_push },
	{ "readback", cmd_readback },
	{ "dump", cmd_dump },
	{ "save", cmd_save },
	{ "restore", cmd_restore },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	size_t i;
	int c;

	opterr = 0;	/* next_opt() reports errors in our format */
	/* '+': stop at the command; its options are parsed by the command. */
	while ((c = next_opt(argc, argv, "+:d:h", opts)) != -1) {
		switch (c) {
		case 'd':
			dev_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return RC_OK;
		default:
			return RC_USAGE;
		}
	}
	if (optind >= argc)
		return usage_err(EINVAL, "missing command (try 'bigphysctl --help')");

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		cmd_name = commands[i].name;
		argc -= optind;
		argv += optind;
		optind = 0;	/* restart getopt on the command's arguments */
		return commands[i].fn(argc, argv);
	}
	return usage_err(EINVAL, "unknown command '%s'", argv[optind]);
}
