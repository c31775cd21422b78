// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphys DMA tests against QEMU's edu device (1234:11e8) bound as device 0:
 * DEV_INFO, STRT_DMA/WAIT_DMA push and readback (regions, by physical
 * address, user memory), STRT_DMAV (several segments as one job), argument
 * checking with exact errnos, poll(), region
 * lifetime while a job runs (FREE, close, SIGKILL), DMA_MAP/DMA_UNMAP,
 * unbinding and rebinding the device, and the per-fd job limit.
 *
 * edu moves at most 4095 bytes per transfer between memory and its 4096 byte
 * buffer at device address 0x40000; a transfer ending at 0x41000 aborts QEMU,
 * so the window is 0x40000..0x40ffe.  Every transfer takes 100 ms, so the
 * whole file keeps to about 50 transfers.  The max_chunk module parameter is
 * lowered to split a job into several transfers; the fixture restores it.
 *
 * Every test starts with an idle pool and device 0 bound and leaves them so;
 * the teardown rebinds the device and checks the pool on a fresh fd.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "bigphys_test_util.h"

#define EDU_VENDOR	0x1234U
#define EDU_DEVICE	0x11e8U
#define WIN		0x40000ULL	/* edu window: 0x40000..0x40ffe */
#define WIN_SIZE	4095ULL
#define XFER_NS		(50 * BP_MSEC)	/* lower bound of one edu transfer */
#define WAIT_NS		(10 * BP_NSEC)
#define MAX_JOBS	64		/* unreaped jobs + mappings per fd */

FIXTURE(dma) {
	int fd;
	int fd2;
	pid_t child;
	struct bigphys_info info;
	struct bigphys_dev_info dev;	/* device 0 at setup */
	char extra[BIGPHYS_NAME_LEN];	/* map-only device a test bound */
};

FIXTURE_SETUP(dma)
{
	self->fd2 = -1;
	self->child = -1;
	self->extra[0] = '\0';
	self->fd = bp_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", BP_DEV, strerror(errno));
	ASSERT_EQ(0, bp_set_max_chunk(0))
		TH_LOG("max_chunk parameter: %s", strerror(errno));
	ASSERT_POOL_IDLE(self->fd);
	ASSERT_EQ(0, bp_info(self->fd, &self->info));
	ASSERT_EQ(0, bp_dev_info(self->fd, 0, &self->dev))
		TH_LOG("no DMA device 0 (edu bound to bigphys?): %s",
		       strerror(errno));
}

FIXTURE_TEARDOWN(dma)
{
	struct bigphys_dev_info di;
	char path[128], val[32];
	int fd;

	if (self->fd >= 0)
		close(self->fd);
	if (self->fd2 >= 0)
		close(self->fd2);
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
		self->child = -1;
	}
	if (self->extra[0]) {
		bp_pci_bind(self->extra, 0);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
			 self->extra);
		bp_write_file(path, "\n");
	}
	EXPECT_EQ(0, bp_set_max_chunk(0));
	EXPECT_EQ(0, bp_read_file(BP_PARAM_DIR "max_chunk", val, sizeof(val)));
	EXPECT_STREQ("0", val);
	fd = bp_open();
	if (fd >= 0) {
		/* A test that failed with the device unbound: bind it again. */
		if (bp_dev_info(fd, 0, &di) && self->dev.name[0])
			bp_pci_bind(self->dev.name, 1);
		EXPECT_EQ(0, bp_dev_info(fd, 0, &di));
		EXPECT_STREQ(self->dev.name, di.name);
		close(fd);
	}
	bp_teardown(_metadata, -1, NULL, 0);
}

/* Allocate a region on @fd (named when @name is not ""), map it. */
static __u8 *region_new(struct __test_metadata *_metadata, int fd,
			const char *name, __u64 size, struct bigphys_alloc *a)
{
	__u32 flags = name[0] ? BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_EXCL : 0;
	void *p;

	ASSERT_EQ(0, bp_alloc(fd, name, size, 0, flags, a))
		TH_LOG("alloc %llu bytes: %s", (unsigned long long)size,
		       strerror(errno));
	p = bp_map(fd, a->phys_addr, size);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	return p;
}

static void region_del(struct __test_metadata *_metadata, int fd,
		       const struct bigphys_alloc *a, void *p)
{
	if (p)
		ASSERT_EQ(0, munmap(p, a->size));
	ASSERT_EQ(0, bp_free_id(fd, a->id));
}

/* STRT_DMA @d on @fd (cookie > 0). */
static void job_start(struct __test_metadata *_metadata, int fd,
		      struct bigphys_dma *d)
{
	d->cookie = 0;
	ASSERT_EQ(0, bp_dma_start(fd, d))
		TH_LOG("STRT_DMA id %u off %llu len %llu dev 0x%llx flags 0x%x: %s",
		       d->region_id, (unsigned long long)d->offset,
		       (unsigned long long)d->len,
		       (unsigned long long)d->dev_addr, d->flags, strerror(errno));
	ASSERT_LT(0ULL, d->cookie);
}

/* Wait for a started job: it moved every byte in at least @xfers transfers. */
static void job_wait_ok(struct __test_metadata *_metadata, int fd,
			const struct bigphys_dma *d, unsigned int xfers)
{
	struct bigphys_dma_wait w;

	ASSERT_EQ(0, bp_dma_wait(fd, d->cookie, WAIT_NS, &w))
		TH_LOG("WAIT_DMA cookie %llu: %s",
		       (unsigned long long)d->cookie, strerror(errno));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(d->len, w.bytes);
	ASSERT_EQ(0U, w.pad);
	ASSERT_LE(xfers * XFER_NS, w.duration_ns)
		TH_LOG("%llu bytes in %llu ns: expected >= %u transfers of 100 ms",
		       (unsigned long long)d->len,
		       (unsigned long long)w.duration_ns, xfers);
	ASSERT_GT(WAIT_NS, w.duration_ns);
}

static void job_run(struct __test_metadata *_metadata, int fd,
		    struct bigphys_dma *d, unsigned int xfers)
{
	job_start(_metadata, fd, d);
	job_wait_ok(_metadata, fd, d, xfers);
}

/*
 * @p[0, size) after a readback of pattern bytes [@start, @start + @len) of
 * @seed to offset @off, over a buffer that held the complement everywhere
 * (byte j: complement of pattern byte j - off + start): exactly the range
 * changed, to the pattern.
 */
static void check_range(struct __test_metadata *_metadata, const __u8 *p,
			size_t size, size_t off, size_t len, __u64 seed,
			size_t start)
{
	ASSERT_EQ(-1L, bp_check_bytes(p + off, len, seed, start, 0))
		TH_LOG("readback differs at byte %ld of %zu",
		       bp_check_bytes(p + off, len, seed, start, 0), len);
	ASSERT_EQ(-1L, bp_check_bytes(p, off, seed, start - off, 1))
		TH_LOG("byte %ld before the range changed",
		       bp_check_bytes(p, off, seed, start - off, 1));
	ASSERT_EQ(-1L, bp_check_bytes(p + off + len, size - off - len, seed,
				      start + len, 1))
		TH_LOG("byte %ld after the range changed",
		       bp_check_bytes(p + off + len, size - off - len, seed,
				      start + len, 1));
}

/* Fill @p[0, size) with the complement check_range() expects around @off. */
static void fill_guard(__u8 *p, size_t size, size_t off, __u64 seed,
		       size_t start)
{
	bp_fill_bytes(p, size, seed, start - off, 1);
}

static void set_chunk(struct __test_metadata *_metadata, int fd,
		      unsigned int bytes)
{
	struct bigphys_dev_info di;

	ASSERT_EQ(0, bp_set_max_chunk(bytes));
	ASSERT_EQ(0, bp_dev_info(fd, 0, &di));
	ASSERT_EQ(bytes ? bytes : 4095ULL, di.max_chunk);
}

/* Region info of @id from LIST. */
#define GET_REGION(fd, id, ri) ASSERT_EQ(0, bp_find((fd), (id), (ri)))

/*
 * Push @len pattern bytes from region offset @src_off to device offset
 * @dev_off, read them back into another region at @dst_off, compare; with
 * engine chunks of @chunk bytes (0: 4095), @xfers transfers each way.
 */
static void push_pull(struct __test_metadata *_metadata, int fd, __u64 len,
		      __u64 src_off, __u64 dst_off, __u64 dev_off,
		      unsigned int chunk, unsigned int xfers, __u64 seed)
{
	const __u64 size = 2 * BP_PAGE;
	struct bigphys_alloc a, b;
	struct bigphys_dma d;
	__u8 *src, *dst;

	src = region_new(_metadata, fd, "", size, &a);
	dst = region_new(_metadata, fd, "", size, &b);
	bp_fill_bytes(src, size, seed + 1000, 0, 0);
	bp_fill_bytes(src + src_off, len, seed, 0, 0);
	fill_guard(dst, size, dst_off, seed, 0);
	set_chunk(_metadata, fd, chunk);

	bp_dma_req(&d, a.id, src_off, len, WIN + dev_off, 0);
	job_run(_metadata, fd, &d, xfers);
	bp_dma_req(&d, b.id, dst_off, len, WIN + dev_off, BIGPHYS_DMA_FROM_DEVICE);
	job_run(_metadata, fd, &d, xfers);
	check_range(_metadata, dst, size, dst_off, len, seed, 0);
	/* The push only read its source. */
	ASSERT_EQ(-1L, bp_check_bytes(src + src_off, len, seed, 0, 0));

	set_chunk(_metadata, fd, 0);
	region_del(_metadata, fd, &a, src);
	region_del(_metadata, fd, &b, dst);
	ASSERT_POOL_IDLE(fd);
}

TEST_F(dma, dev_info)
{
	const struct bigphys_dev_info *di = &self->dev;
	struct bigphys_dev_info d2;
	char path[128], val[32];
	unsigned int bits = 28;
	struct stat st;

	TH_LOG("device 0: %s %04x:%04x mask 0x%llx flags 0x%x", di->name,
	       di->vendor, di->device, (unsigned long long)di->dma_mask,
	       di->flags);
	ASSERT_EQ(0U, di->index);
	ASSERT_EQ(EDU_VENDOR, di->vendor);
	ASSERT_EQ(EDU_DEVICE, di->device);
	ASSERT_EQ(BIGPHYS_DEV_MSI, di->flags);
	ASSERT_EQ(WIN, di->window_base);
	ASSERT_EQ(WIN_SIZE, di->window_size);
	ASSERT_EQ(4095ULL, di->max_chunk);
	ASSERT_EQ(0U, di->pad);
	ASSERT_EQ(0U, di->reserved);
	/* The mask follows the dma_bits parameter (edu's default: 28). */
	ASSERT_EQ(0, bp_read_file(BP_PARAM_DIR "dma_bits", val, sizeof(val)));
	if (atoi(val))
		bits = (unsigned int)atoi(val);
	ASSERT_EQ(bits >= 64 ? ~0ULL : (1ULL << bits) - 1, di->dma_mask);

	/* The name is the PCI device, and bigphys is its driver. */
	ASSERT_NE(0U, strnlen(di->name, sizeof(di->name)));
	ASSERT_GT(sizeof(di->name), strnlen(di->name, sizeof(di->name)));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", di->name);
	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), BP_PCI_DRIVER "%s", di->name);
	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", di->name);
	ASSERT_EQ(0, bp_read_file(path, val, sizeof(val)));
	ASSERT_STREQ("0x11e8", val);

	/* One device: index 1 and beyond do not exist. */
	ASSERT_EQ(1U, self->info.nr_devices);
	ASSERT_ERRNO(ENODEV, bp_dev_info(self->fd, 1, &d2));
	ASSERT_ERRNO(ENODEV, bp_dev_info(self->fd, 99, &d2));
	ASSERT_ERRNO(ENODEV, bp_dev_info(self->fd, UINT32_MAX, &d2));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_DEV_INFO, NULL));

	/* max_chunk follows the parameter, capped at the engine's limit. */
	set_chunk(_metadata, self->fd, 1024);
	ASSERT_EQ(0, bp_set_max_chunk(100000));
	ASSERT_EQ(0, bp_dev_info(self->fd, 0, &d2));
	ASSERT_EQ(4095ULL, d2.max_chunk);
	set_chunk(_metadata, self->fd, 0);
	ASSERT_POOL_IDLE(self->fd);
}

/* uapi: "Padding and reserved fields must be zero" (-EINVAL). */
TEST_F(dma, dev_info_pad)
{
	struct bigphys_dev_info di;

	memset(&di, 0, sizeof(di));
	di.pad = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_DEV_INFO, &di));
	memset(&di, 0, sizeof(di));
	di.reserved = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_DEV_INFO, &di));
}

/*
 * 4 bytes, then 1 byte over them with the complement: the readback of 4
 * shows exactly the first byte changed; then a 1-byte readback writes one
 * byte.
 */
TEST_F(dma, push_readback_small)
{
	const __u64 seed = 12, size = BP_PAGE;
	struct bigphys_alloc a, b;
	struct bigphys_dma d;
	__u8 *src, *dst;

	src = region_new(_metadata, self->fd, "", size, &a);
	dst = region_new(_metadata, self->fd, "", size, &b);

	bp_fill_bytes(src, 4, seed, 0, 0);
	fill_guard(dst, size, 0, seed, 0);
	bp_dma_req(&d, a.id, 0, 4, WIN, 0);
	job_run(_metadata, self->fd, &d, 1);
	bp_dma_req(&d, b.id, 0, 4, WIN, BIGPHYS_DMA_FROM_DEVICE);
	job_run(_metadata, self->fd, &d, 1);
	check_range(_metadata, dst, size, 0, 4, seed, 0);

	/* One byte: the complement of pattern byte 0. */
	bp_fill_bytes(src + 100, 1, seed, 0, 1);
	bp_dma_req(&d, a.id, 100, 1, WIN, 0);
	job_run(_metadata, self->fd, &d, 1);
	fill_guard(dst, size, 0, seed, 0);
	bp_dma_req(&d, b.id, 0, 4, WIN, BIGPHYS_DMA_FROM_DEVICE);
	job_run(_metadata, self->fd, &d, 1);
	ASSERT_EQ(bp_byte(seed, 0, 1), dst[0]);
	check_range(_metadata, dst, size, 1, 3, seed, 1);

	/* A 1-byte readback to offset 9 writes that byte only. */
	fill_guard(dst, size, 9, seed, 1);
	bp_dma_req(&d, b.id, 9, 1, WIN + 1, BIGPHYS_DMA_FROM_DEVICE);
	job_run(_metadata, self->fd, &d, 1);
	check_range(_metadata, dst, size, 9, 1, seed, 1);

	region_del(_metadata, self->fd, &a, src);
	region_del(_metadata, self->fd, &b, dst);
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dma, push_readback_4095)
{
	push_pull(_metadata, self->fd, 4095, 0, 0, 0, 0, 1, 13);
}

/* max_chunk 1024: 4095 bytes are 4 transfers each way. */
TEST_F(dma, push_readback_multichunk)
{
	push_pull(_metadata, self->fd, 4095, 0, 0, 0, 1024, 4, 14);
}

/* Nonzero region offsets (one crossing a page) and device offset. */
TEST_F(dma, push_readback_offsets)
{
	push_pull(_metadata, self->fd, 1000, BP_PAGE + 123, 3000, 77, 0, 1, 15);
}

/* Readback of parts of the device buffer: the last byte, a middle slice. */
TEST_F(dma, device_slices)
{
	const __u64 seed = 16, size = BP_PAGE;
	struct bigphys_alloc a, b;
	struct bigphys_dma d;
	__u8 *src, *dst;

	src = region_new(_metadata, self->fd, "", size, &a);
	dst = region_new(_metadata, self->fd, "", size, &b);
	bp_fill_bytes(src, WIN_SIZE, seed, 0, 0);
	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
	job_run(_metadata, self->fd, &d, 1);

	fill_guard(dst, size, 0, seed, 4094);
	bp_dma_req(&d, b.id, 0, 1, WIN + 4094, BIGPHYS_DMA_FROM_DEVICE);
	job_run(_metadata, self->fd, &d, 1);
	check_range(_metadata, dst, size, 0, 1, seed, 4094);

	fill_guard(dst, size, 2000, seed, 500);
	bp_dma_req(&d, b.id, 2000, 100, WIN + 500, BIGPHYS_DMA_FROM_DEVICE);
	job_run(_metadata, self->fd, &d, 1);
	check_range(_metadata, dst, size, 2000, 100, seed, 500);

	region_del(_metadata, self->fd, &a, src);
	region_del(_metadata, self->fd, &b, dst);
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * region_id 0: phys_addr (anywhere inside) picks the region, the offset
 * still counts from the region's start.
 */
TEST_F(dma, locate_by_phys)
{
	const __u64 seed = 21, size = 2 * BP_PAGE;
	struct bigphys_alloc a, b;
	struct bigphys_dma d;
	__u8 *src, *dst;

	src = region_new(_metadata, self->fd, "", size, &a);
	dst = region_new(_metadata, self->fd, "", size, &b);
	bp_fill_bytes(src, size, seed, 0, 0);
	fill_guard(dst, size, 100, seed, 8);

	bp_dma_req(&d, 0, 8, 300, WIN, 0);
	d.phys_addr = a.phys_addr + a.size - 1;
	job_run(_metadata, self->fd, &d, 1);
	bp_dma_req(&d, 0, 100, 300, WIN, BIGPHYS_DMA_FROM_DEVICE);
	d.phys_addr = b.phys_addr + 5;
	job_run(_metadata, self->fd, &d, 1);
	check_range(_metadata, dst, size, 100, 300, seed, 8);

	/* The range is checked against the region phys_addr found. */
	bp_dma_req(&d, 0, a.size - 10, 20, WIN, 0);
	d.phys_addr = a.phys_addr;
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	/* Outside every region of this fd. */
	d.offset = 0;
	d.phys_addr = self->info.pool_base + self->info.pool_size;
	ASSERT_ERRNO(ENOENT, bp_dma_start(self->fd, &d));
	d.phys_addr = 0;
	ASSERT_ERRNO(ENOENT, bp_dma_start(self->fd, &d));

	region_del(_metadata, self->fd, &a, src);
	region_del(_metadata, self->fd, &b, dst);
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * Transfers a user buffer takes at least: one per physically contiguous
 * piece (from pagemap) when bus addresses are physical; an IOMMU may merge
 * the pieces into one.
 */
static unsigned int user_xfers(const __u8 *p, size_t len)
{
	__u64 first = bp_virt_to_phys(p), last = bp_virt_to_phys(p + len - 1);

	if (!bp_dma_direct() || !first || !last || last - first == len - 1)
		return 1;
	return 2;
}

/* USER_PTR: scatter-gather from and to malloc()ed, page-straddling memory. */
TEST_F(dma, user_ptr)
{
	const __u64 seed = 31, len = WIN_SIZE;
	const size_t size = 4 * BP_PAGE;
	__u8 *sbuf, *dbuf, *s, *t;
	struct bigphys_dma d;
	size_t doff;

	sbuf = malloc(size);
	dbuf = malloc(size);
	ASSERT_NE(NULL, sbuf);
	ASSERT_NE(NULL, dbuf);
	memset(sbuf, 0x5a, size);
	/* Both straddle a page boundary (len < 2 pages: at most 2 pieces). */
	s = (__u8 *)(((uintptr_t)sbuf + BP_PAGE - 1) & ~(BP_PAGE - 1)) + 3096;
	t = (__u8 *)(((uintptr_t)dbuf + BP_PAGE - 1) & ~(BP_PAGE - 1)) + 1000;
	doff = (size_t)(t - dbuf);
	bp_fill_bytes(s, len, seed, 0, 0);
	fill_guard(dbuf, size, doff, seed, 0);

	bp_dma_req(&d, 0, 0, len, WIN, BIGPHYS_DMA_USER_PTR);
	d.user_addr = (__u64)(uintptr_t)s;
	job_run(_metadata, self->fd, &d, user_xfers(s, len));
	bp_dma_req(&d, 0, 0, len, WIN, BIGPHYS_DMA_USER_PTR |
		   BIGPHYS_DMA_FROM_DEVICE);
	d.user_addr = (__u64)(uintptr_t)t;
	job_run(_metadata, self->fd, &d, user_xfers(t, len));
	check_range(_metadata, dbuf, size, doff, len, seed, 0);
	ASSERT_EQ(-1L, bp_check_bytes(s, len, seed, 0, 0));

	free(sbuf);
	free(dbuf);
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dma, user_ptr_errors)
{
	const __u32 up = BIGPHYS_DMA_USER_PTR;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	__u8 *buf, *gone, *ro;

	buf = malloc(BP_PAGE);
	ASSERT_NE(NULL, buf);
	memset(buf, 1, BP_PAGE);
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));

	/* region_id, phys_addr and offset must be 0; user_addr must not. */
	bp_dma_req(&d, a.id, 0, 16, WIN, up);
	d.user_addr = (__u64)(uintptr_t)buf;
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	bp_dma_req(&d, 0, 1, 16, WIN, up);
	d.user_addr = (__u64)(uintptr_t)buf;
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	bp_dma_req(&d, 0, 0, 16, WIN, up);
	d.user_addr = (__u64)(uintptr_t)buf;
	d.phys_addr = a.phys_addr;
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	bp_dma_req(&d, 0, 0, 16, WIN, up);
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	bp_dma_req(&d, 0, 0, 16, WIN, up | BIGPHYS_DMA_FROM_DEVICE);
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));

	/* Unmapped memory, wholly or in its second page. */
	gone = mmap(NULL, 2 * BP_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gone);
	memset(gone, 2, 2 * BP_PAGE);
	ASSERT_EQ(0, munmap(gone + BP_PAGE, BP_PAGE));
	bp_dma_req(&d, 0, 0, 200, WIN, up);
	d.user_addr = (__u64)(uintptr_t)(gone + BP_PAGE - 100);
	ASSERT_ERRNO(EFAULT, bp_dma_start(self->fd, &d));
	ASSERT_EQ(0, munmap(gone, BP_PAGE));
	d.user_addr = (__u64)(uintptr_t)gone;
	ASSERT_ERRNO(EFAULT, bp_dma_start(self->fd, &d));
	d.flags |= BIGPHYS_DMA_FROM_DEVICE;
	ASSERT_ERRNO(EFAULT, bp_dma_start(self->fd, &d));

	/* Readback needs writable memory. */
	ro = mmap(NULL, BP_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	bp_dma_req(&d, 0, 0, 16, WIN, up | BIGPHYS_DMA_FROM_DEVICE);
	d.user_addr = (__u64)(uintptr_t)ro;
	ASSERT_ERRNO(EFAULT, bp_dma_start(self->fd, &d));
	ASSERT_EQ(0, munmap(ro, BP_PAGE));

	/* user_addr without USER_PTR. */
	bp_dma_req(&d, a.id, 0, 16, WIN, 0);
	d.user_addr = (__u64)(uintptr_t)buf;
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));

	/* Nothing was left behind: no job (cookie 1 unused), no DMA user. */
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, 1, 0, NULL));
	free(buf);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dma, submit_errors)
{
	struct bigphys_alloc a, other;
	struct bigphys_region_info ri;
	struct bigphys_dma base, d, *ro;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd2, "", BP_PAGE, 0, 0, &other));
	bp_dma_req(&base, a.id, 0, 1, WIN, 0);

#define BAD(err, field, val) do {					\
	d = base;							\
	d.field = (val);						\
	errno = 0;							\
	ASSERT_EQ(-1, bp_dma_start(self->fd, &d))			\
		TH_LOG("%s = 0x%llx accepted", #field,			\
		       (unsigned long long)(val));			\
	ASSERT_EQ((err), errno) TH_LOG("%s = 0x%llx", #field,		\
				       (unsigned long long)(val));	\
} while (0)

	/* Length and region range. */
	BAD(EINVAL, len, 0);
	d = base;
	d.offset = BP_PAGE - 10;
	d.len = 100;
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));	/* past the end */
	BAD(EINVAL, offset, BP_PAGE);
	BAD(EINVAL, offset, 1ULL << 40);
	BAD(EINVAL, offset, UINT64_MAX);
	d = base;
	d.offset = UINT64_MAX - 5;
	d.len = 100;						/* wraps */
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));

	/* Device window 0x40000..0x40ffe. */
	BAD(EINVAL, dev_addr, 0);
	BAD(EINVAL, dev_addr, WIN - 1);
	BAD(EINVAL, dev_addr, WIN + WIN_SIZE);			/* 0x40fff */
	BAD(EINVAL, dev_addr, UINT64_MAX);
	BAD(EINVAL, dev_addr, UINT64_MAX - 0x40000 + 1);
	d = base;
	d.dev_addr = WIN + 1;
	d.len = WIN_SIZE;					/* ends 0x41000 */
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	d = base;
	d.len = WIN_SIZE + 1;					/* ends 0x41000 */
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	d = base;
	d.dev_addr = WIN + WIN_SIZE - 1;
	d.len = 2;						/* ends 0x41000 */
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	BAD(EINVAL, len, UINT64_MAX);

	/* Device, flags, padding. */
	BAD(ENODEV, dev_index, 99);
	BAD(ENODEV, dev_index, UINT32_MAX);
	BAD(EINVAL, flags, 1U << 3);
	BAD(EINVAL, flags, 1U << 31);
	BAD(EINVAL, pad, 1);
	BAD(EINVAL, pad, 1U << 31);

	/* Regions: another fd's anonymous region, unknown ids, phys. */
	BAD(ENOENT, region_id, other.id);
	BAD(ENOENT, region_id, a.id + 1000);
	BAD(ENOENT, region_id, UINT32_MAX);
	d = base;
	d.region_id = 0;
	d.phys_addr = other.phys_addr;
	ASSERT_ERRNO(ENOENT, bp_dma_start(self->fd, &d));
	d.phys_addr = 0;
	ASSERT_ERRNO(ENOENT, bp_dma_start(self->fd, &d));
	d.phys_addr = a.phys_addr + a.size;
	ASSERT_ERRNO(ENOENT, bp_dma_start(self->fd, &d));
#undef BAD

	/* Bad argument pointers; a read-only one cannot take the cookie. */
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_STRT_DMA, NULL));
	ro = mmap(NULL, BP_PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	*ro = base;
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	ASSERT_ERRNO(EFAULT, bp_dma_start(self->fd, ro));
	ASSERT_EQ(0, munmap(ro, BP_PAGE));

	/* No failure left a job or a DMA reference behind. */
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(0U, ri.nr_dma);
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, 1, 0, NULL));

	/* The baseline itself is valid. */
	d = base;
	job_run(_metadata, self->fd, &d, 1);
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(0U, ri.nr_dma);

	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	close(self->fd2);
	self->fd2 = -1;
	ASSERT_POOL_IDLE(self->fd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F(dma, wait)
{
	struct itimerval it = { .it_value.tv_usec = 30000 };
	struct bigphys_dma_wait w;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct sigaction sa;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	__u64 t0, dt;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	set_chunk(_metadata, self->fd, 1024);
	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);	/* 4 transfers, 400 ms */
	job_start(_metadata, self->fd, &d);

	/* Timeout 0: does not block; the job goes on. */
	t0 = bp_now_ns();
	ASSERT_ERRNO(ETIMEDOUT, bp_dma_wait(self->fd, d.cookie, 0, NULL));
	ASSERT_GT(50 * BP_MSEC, bp_now_ns() - t0);
	/* A short timeout waits for it. */
	t0 = bp_now_ns();
	ASSERT_ERRNO(ETIMEDOUT, bp_dma_wait(self->fd, d.cookie, 20 * BP_MSEC, NULL));
	dt = bp_now_ns() - t0;
	ASSERT_LE(10 * BP_MSEC, dt);
	ASSERT_GT(300 * BP_MSEC, dt);

	/* A signal interrupts the wait; the job goes on. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	t0 = bp_now_ns();
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	ASSERT_ERRNO(EINTR, bp_dma_wait(self->fd, d.cookie, 5 * BP_NSEC, NULL));
	dt = bp_now_ns() - t0;
	ASSERT_LE(20 * BP_MSEC, dt);
	ASSERT_GT(300 * BP_MSEC, dt);

	/* Argument errors while it runs. */
	memset(&w, 0, sizeof(w));
	w.cookie = d.cookie;
	w.pad = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_WAIT_DMA, &w));
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, 0, 0, NULL));
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, d.cookie + 1000, 0, NULL));
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, d.cookie | 1ULL << 32, 0, NULL));
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, UINT64_MAX, 0, NULL));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_WAIT_DMA, NULL));

	/* Still running; the longest timeout returns when it ends. */
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, bp_dma_wait(self->fd, d.cookie, UINT64_MAX, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(WIN_SIZE, w.bytes);
	ASSERT_EQ(d.cookie, w.cookie);
	ASSERT_LE(4 * XFER_NS, w.duration_ns);
	ASSERT_GT(WAIT_NS, w.duration_ns);

	/* Reaped: its cookie is gone. */
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, d.cookie, 0, NULL));
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, d.cookie, BP_MSEC, NULL));

	set_chunk(_metadata, self->fd, 0);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dma, poll)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct bigphys_dma_wait w;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	__u64 t0;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	ASSERT_EQ(0, poll(&pfd, 1, 0));		/* no job at all */

	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
	job_start(_metadata, self->fd, &d);
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	t0 = bp_now_ns();
	ASSERT_EQ(1, poll(&pfd, 1, 5000));
	ASSERT_EQ(POLLIN, pfd.revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL));
	ASSERT_LE(XFER_NS, bp_now_ns() - t0);
	/* Still reported until reaped; WAIT then does not block. */
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(0, bp_dma_wait(self->fd, d.cookie, 0, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(WIN_SIZE, w.bytes);
	ASSERT_EQ(0, poll(&pfd, 1, 0));

	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * FREE and munmap of the only region of a running job: the job holds it
 * (still counted), finishes, and the data arrived; then it is gone.
 */
TEST_F(dma, free_during_dma)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	const __u64 seed = 51, size = BP_PAGE;
	struct bigphys_region_info ri;
	struct bigphys_alloc a, b;
	struct bigphys_info in;
	struct bigphys_dma d;
	__u8 *p;

	p = region_new(_metadata, self->fd, "dt_free", size, &a);
	bp_fill_bytes(p, size, seed, 0, 0);
	set_chunk(_metadata, self->fd, 1024);
	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
	job_start(_metadata, self->fd, &d);

	ASSERT_EQ(0, bp_free_name(self->fd, "dt_free"));
	ASSERT_EQ(0, munmap(p, size));
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "dt_free", 0, 0, 0, NULL));
	ASSERT_ERRNO(ENOENT, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(in.pool_size - size, in.free_bytes);
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(1U, ri.nr_dma);
	ASSERT_EQ(0U, ri.nr_files);
	ASSERT_EQ(0U, ri.nr_maps);
	ASSERT_STREQ("", ri.name);
	/* ... and all that while the job still ran. */
	ASSERT_EQ(0, poll(&pfd, 1, 0));

	job_wait_ok(_metadata, self->fd, &d, 4);
	ASSERT_POOL_IDLE(self->fd);

	/* What the device got is the freed region's content. */
	set_chunk(_metadata, self->fd, 0);
	p = region_new(_metadata, self->fd, "", size, &b);
	fill_guard(p, size, 0, seed, 0);
	bp_dma_req(&d, b.id, 0, WIN_SIZE, WIN, BIGPHYS_DMA_FROM_DEVICE);
	job_run(_metadata, self->fd, &d, 1);
	check_range(_metadata, p, size, 0, WIN_SIZE, seed, 0);
	region_del(_metadata, self->fd, &b, p);
	ASSERT_POOL_IDLE(self->fd);
}

/* A 1-byte push on a fresh region: the engine still works. */
static void engine_alive(struct __test_metadata *_metadata, int fd)
{
	struct bigphys_alloc a;
	struct bigphys_dma d;

	ASSERT_EQ(0, bp_set_max_chunk(0));
	ASSERT_EQ(0, bp_alloc(fd, "", BP_PAGE, 0, 0, &a));
	bp_dma_req(&d, a.id, 0, 1, WIN, 0);
	job_run(_metadata, fd, &d, 1);
	ASSERT_EQ(0, bp_free_id(fd, a.id));
}

/*
 * close() with a 16-transfer job running returns after the current
 * transfer, and the region goes back to the pool.
 */
TEST_F(dma, close_during_dma)
{
	struct bigphys_region_info ri;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	__u64 t0, dt;

	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd2, "", BP_PAGE, 0, 0, &a));
	set_chunk(_metadata, self->fd, 256);
	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);	/* 16 transfers, 1.6 s */
	job_start(_metadata, self->fd2, &d);
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(1U, ri.nr_dma);

	t0 = bp_now_ns();
	ASSERT_EQ(0, close(self->fd2));
	dt = bp_now_ns() - t0;
	self->fd2 = -1;
	TH_LOG("close took %llu ms", (unsigned long long)(dt / BP_MSEC));
	ASSERT_GT(1000 * BP_MSEC, dt);
	ASSERT_POOL_IDLE(self->fd);
	engine_alive(_metadata, self->fd);
	ASSERT_POOL_IDLE(self->fd);
}

/* SIGKILL of a process in the middle of a job: everything is released. */
TEST_F(dma, kill_during_dma)
{
	struct bigphys_region_info ri;
	struct bigphys_alloc a;
	struct bigphys_info in;
	int sync[2], i;
	__u64 t0;

	set_chunk(_metadata, self->fd, 256);
	ASSERT_EQ(0, pipe(sync));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct bigphys_dma d;
		int fd = bp_open();
		__u8 *p;

		close(sync[0]);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(bp_alloc(fd, "", BP_PAGE, 0, 0, &a) == 0);
		p = bp_map(fd, a.phys_addr, BP_PAGE);
		CHILD_CHECK(p != MAP_FAILED);
		bp_fill_bytes(p, BP_PAGE, 61, 0, 0);
		bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
		CHILD_CHECK(bp_dma_start(fd, &d) == 0);
		CHILD_CHECK(write(sync[1], &a, sizeof(a)) == sizeof(a));
		for (;;)
			pause();
	}
	close(sync[1]);
	ASSERT_EQ((ssize_t)sizeof(a), read(sync[0], &a, sizeof(a)));
	close(sync[0]);

	/* The child's region is mapped and in use by its job. */
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(1U, ri.nr_dma);
	ASSERT_EQ(1U, ri.nr_maps);
	ASSERT_EQ(1U, ri.nr_files);

	t0 = bp_now_ns();
	ASSERT_EQ(0, kill(self->child, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, bp_wait_child(self->child));
	self->child = -1;
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, bp_info(self->fd, &in));
		if (!in.nr_regions && in.free_bytes == in.pool_size)
			break;
		usleep(10000);
	}
	TH_LOG("pool idle %llu ms after SIGKILL",
	       (unsigned long long)((bp_now_ns() - t0) / BP_MSEC));
	ASSERT_POOL_IDLE(self->fd);
	engine_alive(_metadata, self->fd);
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dma, dma_map)
{
	const int direct = bp_dma_direct();
	struct bigphys_dma_map m1, m2;
	struct bigphys_region_info ri;
	struct bigphys_alloc a;

	TH_LOG("bus addresses are %s", direct ? "physical" : "translated");
	ASSERT_EQ(0, bp_alloc(self->fd, "", 4 * BP_PAGE, 0, 0, &a));

	/* The whole region: longer than the engine's window, no matter. */
	ASSERT_EQ(0, bp_dma_map(self->fd, a.id, 0, 0, a.size, 0, &m1));
	ASSERT_LT(0ULL, m1.handle);
	ASSERT_EQ(1U, m1.nr_segs);
	ASSERT_NE(0ULL, m1.bus_addr);
	if (direct)
		ASSERT_EQ(a.phys_addr, m1.bus_addr);
	ASSERT_EQ(a.id, m1.region_id);
	ASSERT_EQ(a.size, m1.len);

	/* Part of it, for readback. */
	ASSERT_EQ(0, bp_dma_map(self->fd, a.id, BIGPHYS_DMA_FROM_DEVICE,
				BP_PAGE + 8, 100, 0, &m2));
	ASSERT_LT(0ULL, m2.handle);
	ASSERT_NE(m1.handle, m2.handle);
	ASSERT_EQ(1U, m2.nr_segs);
	if (direct)
		ASSERT_EQ(a.phys_addr + BP_PAGE + 8, m2.bus_addr);
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(2U, ri.nr_dma);

	ASSERT_EQ(0, bp_dma_unmap(self->fd, m2.handle));
	ASSERT_ERRNO(ENOENT, bp_dma_unmap(self->fd, m2.handle));
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(1U, ri.nr_dma);
	ASSERT_ERRNO(ENOENT, bp_dma_unmap(self->fd, 0));
	ASSERT_ERRNO(ENOENT, bp_dma_unmap(self->fd, m1.handle | 1ULL << 32));
	ASSERT_ERRNO(ENOENT, bp_dma_unmap(self->fd, UINT64_MAX));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_DMA_UNMAP, NULL));
	/* Handles are per fd. */
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_ERRNO(ENOENT, bp_dma_unmap(self->fd2, m1.handle));
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m1.handle));
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(0U, ri.nr_dma);

	/* close() undoes a mapping. */
	ASSERT_EQ(0, bp_dma_map(self->fd, a.id, 0, 0, BP_PAGE, 0, &m1));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	close(self->fd);
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_POOL_IDLE(self->fd);
}

/* A mapping keeps its region after FREE and munmap, until DMA_UNMAP. */
TEST_F(dma, dma_map_holds_region)
{
	struct bigphys_region_info ri;
	struct bigphys_dma_map m;
	struct bigphys_alloc a;
	struct bigphys_info in;
	__u8 *p;

	p = region_new(_metadata, self->fd, "dt_map", 2 * BP_PAGE, &a);
	ASSERT_EQ(0, bp_dma_map(self->fd, a.id, 0, 0, a.size, 0, &m));
	ASSERT_EQ(0, bp_free_name(self->fd, "dt_map"));
	ASSERT_EQ(0, munmap(p, a.size));

	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(in.pool_size - a.size, in.free_bytes);
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(1U, ri.nr_dma);
	ASSERT_EQ(0U, ri.nr_files);
	ASSERT_EQ(0U, ri.nr_maps);

	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dma, dma_map_user_ptr)
{
	const size_t len = 64 << 10;
	struct bigphys_dma_map m;
	__u8 *buf;

	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	memset(buf, 7, len);
	if (bp_sg_map_refused()) {
		/* Bounced or non-coherent: user space could not sync it. */
		ASSERT_ERRNO(EOPNOTSUPP, bp_dma_map(self->fd, 0,
						    BIGPHYS_DMA_USER_PTR, 0, len,
						    (__u64)(uintptr_t)buf, &m));
		ASSERT_EQ(0U, bp_list_nr_dma(self->fd));
		free(buf);
		return;
	}
	ASSERT_EQ(0, bp_dma_map(self->fd, 0, BIGPHYS_DMA_USER_PTR, 0, len,
				(__u64)(uintptr_t)buf, &m));
	ASSERT_LT(0ULL, m.handle);
	ASSERT_LE(1U, m.nr_segs);
	ASSERT_GE(len / BP_PAGE + 1, m.nr_segs);
	ASSERT_NE(0ULL, m.bus_addr);
	if (bp_dma_direct() && bp_virt_to_phys(buf))
		ASSERT_EQ(bp_virt_to_phys(buf), m.bus_addr);
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));

	ASSERT_EQ(0, bp_dma_map(self->fd, 0, BIGPHYS_DMA_USER_PTR |
				BIGPHYS_DMA_FROM_DEVICE, 0, len,
				(__u64)(uintptr_t)buf, &m));
	ASSERT_LE(1U, m.nr_segs);
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));
	free(buf);
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * DMA_MAP returns the whole segment list of scattered user memory: the
 * segments cover the buffer in order (and, without an IOMMU, are its pages'
 * physical addresses).
 */
TEST_F(dma, dma_map_segments)
{
	const size_t len = 64 << 10;
	struct bigphys_bus_seg segs[64];
	struct bigphys_dma_map m;
	__u64 total = 0;
	__u8 *buf;
	__u32 i;

	if (bp_sg_map_refused())
		SKIP(return, "swiotlb=force or a non-coherent device: user memory is refused for DMA_MAP (dma_map_user_ptr checks the errno)");
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	for (i = 0; i < len; i += BP_PAGE * 2)	/* every other page first */
		buf[i] = 1;
	memset(buf, 7, len);
	memset(segs, 0xee, sizeof(segs));
	bp_dma_map_req(&m, 0, BIGPHYS_DMA_USER_PTR, 0, len, (uintptr_t)buf);
	m.segs = (uintptr_t)segs;
	m.max_segs = 64;
	ASSERT_EQ(0, ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m));
	TH_LOG("64 KiB of user memory: %u DMA segments", m.nr_segs);
	ASSERT_LE(1U, m.nr_segs);
	ASSERT_GE(len / BP_PAGE, m.nr_segs);
	ASSERT_EQ(m.bus_addr, segs[0].bus_addr);
	for (i = 0; i < m.nr_segs; i++) {
		ASSERT_NE(0ULL, segs[i].len);
		if (bp_dma_direct() && bp_virt_to_phys(buf + total))
			ASSERT_EQ(bp_virt_to_phys(buf + total), segs[i].bus_addr);
		total += segs[i].len;
	}
	ASSERT_EQ(len, total);
	ASSERT_EQ(0xeeeeeeeeeeeeeeeeULL, segs[m.nr_segs].len);	/* not written */
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));

	/* Room for one: only the first segment is written. */
	memset(segs, 0xee, sizeof(segs));
	bp_dma_map_req(&m, 0, BIGPHYS_DMA_USER_PTR, 0, len, (uintptr_t)buf);
	m.segs = (uintptr_t)segs;
	m.max_segs = 1;
	ASSERT_EQ(0, ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m));
	ASSERT_EQ(m.bus_addr, segs[0].bus_addr);
	ASSERT_EQ(0xeeeeeeeeeeeeeeeeULL, segs[1].bus_addr);
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));

	/* Errors: pad, capacity without array, a bad array (nothing left). */
	bp_dma_map_req(&m, 0, BIGPHYS_DMA_USER_PTR, 0, len, (uintptr_t)buf);
	m.pad = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m));
	bp_dma_map_req(&m, 0, BIGPHYS_DMA_USER_PTR, 0, len, (uintptr_t)buf);
	m.max_segs = 4;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m));
	bp_dma_map_req(&m, 0, BIGPHYS_DMA_USER_PTR, 0, len, (uintptr_t)buf);
	m.segs = 0x10000;
	m.max_segs = 4;
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m));
	ASSERT_EQ(0U, bp_list_nr_dma(self->fd));
	ASSERT_EQ(0, munmap(buf, len));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dma, dma_map_errors)
{
	const __u32 up = BIGPHYS_DMA_USER_PTR;
	struct bigphys_alloc a, other;
	struct bigphys_dma_map m;
	__u8 *buf, *ro;

	buf = malloc(BP_PAGE);
	ASSERT_NE(NULL, buf);
	memset(buf, 1, BP_PAGE);
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd2, "", BP_PAGE, 0, 0, &other));

	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, a.id, 0, 0, 0, 0, &m));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, a.id, 0, 0, BP_PAGE + 1, 0, &m));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, a.id, 0, BP_PAGE, 1, 0, &m));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, a.id, 0, UINT64_MAX, 2, 0, &m));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, a.id, 1U << 3, 0, 1, 0, &m));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, a.id, 1U << 31, 0, 1, 0, &m));
	ASSERT_ERRNO(ENOENT, bp_dma_map(self->fd, other.id, 0, 0, 1, 0, &m));
	ASSERT_ERRNO(ENOENT, bp_dma_map(self->fd, 0, 0, 0, 1, 0, &m));
	ASSERT_ERRNO(ENOENT, bp_dma_map(self->fd, a.id + 1000, 0, 0, 1, 0, &m));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, a.id, 0, 0, 1,
					(__u64)(uintptr_t)buf, &m));
	memset(&m, 0, sizeof(m));
	m.region_id = a.id;
	m.len = 1;
	m.dev_index = 99;
	ASSERT_ERRNO(ENODEV, ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, NULL));

	/* USER_PTR: no region, no offset, an address, mapped memory. */
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, a.id, up, 0, 16,
					(__u64)(uintptr_t)buf, &m));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, 0, up, 1, 16,
					(__u64)(uintptr_t)buf, &m));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, 0, up, 0, 16, 0, &m));
	ro = mmap(NULL, BP_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_ERRNO(EFAULT, bp_dma_map(self->fd, 0, up | BIGPHYS_DMA_FROM_DEVICE,
					0, 16, (__u64)(uintptr_t)ro, &m));
	ASSERT_EQ(0, munmap(ro, BP_PAGE));
	ASSERT_ERRNO(EFAULT, bp_dma_map(self->fd, 0, up, 0, 16,
					(__u64)(uintptr_t)ro, &m));

	ASSERT_ERRNO(ENOENT, bp_dma_unmap(self->fd, 1));	/* none made */
	free(buf);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	close(self->fd2);
	self->fd2 = -1;
	ASSERT_POOL_IDLE(self->fd);
}

/* DMA_MAP needs CAP_SYS_RAWIO (checked in a child that drops it). */
TEST_F(dma, dma_map_eperm)
{
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct bigphys_dma_map m;
		struct bigphys_alloc a;
		struct bigphys_dma d;
		int fd = bp_open();

		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(bp_alloc(fd, "", BP_PAGE, 0, 0, &a) == 0);
		CHILD_CHECK(bp_drop_cap(CAP_SYS_RAWIO) == 0);
		errno = 0;
		CHILD_CHECK(bp_dma_map(fd, a.id, 0, 0, BP_PAGE, 0, &m) == -1);
		CHILD_CHECK(errno == EPERM);
		/* STRT_DMA needs no capability (bad length: no transfer). */
		bp_dma_req(&d, a.id, 0, 0, WIN, 0);
		errno = 0;
		CHILD_CHECK(bp_dma_start(fd, &d) == -1 && errno == EINVAL);
		_exit(0);
	}
	ASSERT_EQ(0, bp_wait_child(self->child));
	self->child = -1;
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * Unbind with a region mapped and filled: the device is gone for new work,
 * the memory is not; bind again and DMA works.
 */
TEST_F(dma, unbind_rebind)
{
	const __u64 seed = 41, size = 2 * BP_PAGE;
	struct bigphys_dev_info di;
	struct bigphys_dma_map m, m2;
	struct bigphys_info in;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	char path[128];
	__u8 *p;

	p = region_new(_metadata, self->fd, "", size, &a);
	bp_fill_bytes(p, size, seed, 0, 0);
	ASSERT_EQ(0, bp_dma_map(self->fd, a.id, 0, 0, size, 0, &m));

	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 0))
		TH_LOG("unbind %s: %s", self->dev.name, strerror(errno));
	ASSERT_ERRNO(ENODEV, bp_dev_info(self->fd, 0, &di));
	bp_dma_req(&d, a.id, 0, 1, WIN, 0);
	ASSERT_ERRNO(ENODEV, bp_dma_start(self->fd, &d));
	ASSERT_ERRNO(ENODEV, bp_dma_map(self->fd, a.id, 0, 0, size, 0, &m2));
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(0U, in.nr_devices);
	snprintf(path, sizeof(path), BP_PCI_DRIVER "%s", self->dev.name);
	ASSERT_NE(0, access(path, F_OK));
	ASSERT_EQ(-1L, bp_check_bytes(p, size, seed, 0, 0));

	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 1))
		TH_LOG("bind %s: %s", self->dev.name, strerror(errno));
	ASSERT_EQ(0, bp_dev_info(self->fd, 0, &di));
	ASSERT_STREQ(self->dev.name, di.name);
	ASSERT_EQ(EDU_DEVICE, di.device);
	ASSERT_EQ(WIN, di.window_base);
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_devices);
	ASSERT_EQ(0, access(path, F_OK));
	/* The mapping made before the unbind is still released normally. */
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));

	/* Push the first page, read it back into the second. */
	fill_guard(p + BP_PAGE, BP_PAGE, 0, seed, 0);
	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
	job_run(_metadata, self->fd, &d, 1);
	bp_dma_req(&d, a.id, BP_PAGE, WIN_SIZE, WIN, BIGPHYS_DMA_FROM_DEVICE);
	job_run(_metadata, self->fd, &d, 1);
	check_range(_metadata, p + BP_PAGE, BP_PAGE, 0, WIN_SIZE, seed, 0);

	region_del(_metadata, self->fd, &a, p);
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * Unbind with one job on the engine (16 transfers) and one queued: the
 * unbind waits for the current transfer only, both jobs end with -ENODEV.
 */
TEST_F(dma, unbind_during_dma)
{
	struct bigphys_dma_wait w;
	struct bigphys_dev_info di;
	struct bigphys_dma d1, d2;
	struct bigphys_alloc a;
	__u64 t0, dt;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	set_chunk(_metadata, self->fd, 256);
	bp_dma_req(&d1, a.id, 0, WIN_SIZE, WIN, 0);
	job_start(_metadata, self->fd, &d1);
	bp_dma_req(&d2, a.id, 0, WIN_SIZE, WIN, BIGPHYS_DMA_FROM_DEVICE);
	job_start(_metadata, self->fd, &d2);

	t0 = bp_now_ns();
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 0));
	dt = bp_now_ns() - t0;
	/*
	 * No bound on the time: under KFENCE an idle unbind alone takes 4 s.
	 * The byte count below shows the job stopped after one transfer.
	 */
	TH_LOG("unbind took %llu ms", (unsigned long long)(dt / BP_MSEC));

	ASSERT_EQ(0, bp_dma_wait(self->fd, d1.cookie, 5 * BP_NSEC, &w));
	ASSERT_EQ(-ENODEV, w.status);
	ASSERT_GT(WIN_SIZE, w.bytes);
	ASSERT_EQ(0ULL, w.bytes % 256);
	ASSERT_EQ(0, bp_dma_wait(self->fd, d2.cookie, 5 * BP_NSEC, &w));
	ASSERT_EQ(-ENODEV, w.status);
	ASSERT_EQ(0ULL, w.bytes);

	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 1));
	ASSERT_EQ(0, bp_dev_info(self->fd, 0, &di));
	ASSERT_STREQ(self->dev.name, di.name);
	set_chunk(_metadata, self->fd, 0);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * uapi: "The mapping holds the region ... until DMA_UNMAP, close of the fd,
 * or unbinding of the device."  After the unbind the region is only held
 * by its fd, so FREE returns it to the pool.
 */
TEST_F(dma, unbind_releases_mappings)
{
	struct bigphys_region_info ri;
	struct bigphys_dma_map m;
	struct bigphys_alloc a;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	ASSERT_EQ(0, bp_dma_map(self->fd, a.id, 0, 0, BP_PAGE, 0, &m));
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(1U, ri.nr_dma);

	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 0));
	GET_REGION(self->fd, a.id, &ri);
	EXPECT_EQ(0U, ri.nr_dma);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	EXPECT_POOL_IDLE(self->fd);
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 1));
	bp_dma_unmap(self->fd, m.handle);	/* either way, gone after this */
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * 64 unreaped jobs and mappings per fd; the 65th is -EBUSY, finished but
 * unreaped jobs count.  close() cancels the queued ones at once.
 */
TEST_F(dma, job_limit)
{
	struct bigphys_dma_wait w;
	struct bigphys_dma_map m;
	struct bigphys_alloc a, b;
	__u64 cookies[MAX_JOBS], t0, dt;
	struct bigphys_dma d;
	int i, j;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	for (i = 0; i < MAX_JOBS; i++) {
		bp_dma_req(&d, a.id, i, 1, WIN + i, 0);
		job_start(_metadata, self->fd, &d);
		cookies[i] = d.cookie;
		for (j = 0; j < i; j++)
			ASSERT_NE(cookies[j], cookies[i]);
	}
	bp_dma_req(&d, a.id, 0, 1, WIN, 0);
	ASSERT_ERRNO(EBUSY, bp_dma_start(self->fd, &d));
	ASSERT_ERRNO(EBUSY, bp_dma_map(self->fd, a.id, 0, 0, 1, 0, &m));

	/* The limit is per fd. */
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd2, "", BP_PAGE, 0, 0, &b));
	bp_dma_req(&d, b.id, 0, 1, WIN, 0);
	job_start(_metadata, self->fd2, &d);
	t0 = bp_now_ns();
	close(self->fd2);		/* its job is queued: cancelled */
	self->fd2 = -1;
	ASSERT_GT(500 * BP_MSEC, bp_now_ns() - t0);

	/* The first job finishes; unreaped, it still counts. */
	bp_dma_req(&d, a.id, 0, 1, WIN, 0);
	d.cookie = cookies[0];
	job_wait_ok(_metadata, self->fd, &d, 1);
	ASSERT_EQ(0, bp_dma_map(self->fd, a.id, 0, 0, 1, 0, &m));
	ASSERT_ERRNO(EBUSY, bp_dma_start(self->fd, &d));
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));
	job_start(_metadata, self->fd, &d);
	ASSERT_ERRNO(EBUSY, bp_dma_start(self->fd, &d));
	ASSERT_ERRNO(ETIMEDOUT, bp_dma_wait(self->fd, cookies[MAX_JOBS - 1], 0, &w));

	t0 = bp_now_ns();
	ASSERT_EQ(0, close(self->fd));
	dt = bp_now_ns() - t0;
	self->fd = -1;
	TH_LOG("close with %d jobs took %llu ms", MAX_JOBS,
	       (unsigned long long)(dt / BP_MSEC));
	ASSERT_GT(2 * BP_NSEC, dt);
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_POOL_IDLE(self->fd);
}

/* ---- STRT_DMAV: one job of several segments ---- */

static void seg_set(struct bigphys_dma_seg *s, __u64 offset, __u64 len,
		    __u64 dev_addr)
{
	s->offset = offset;
	s->len = len;
	s->dev_addr = dev_addr;
}

/* STRT_DMAV on device 0; the cookie (0 on failure) in @cookie. */
static int dmav_start(int fd, __u32 id, __u32 flags,
		      const struct bigphys_dma_seg *segs, __u32 nr,
		      __u64 *cookie)
{
	struct bigphys_dmav v;
	int ret;

	memset(&v, 0, sizeof(v));
	v.region_id = id;
	v.flags = flags;
	v.nr_segs = nr;
	v.segs = (uintptr_t)segs;
	ret = ioctl(fd, BIGPHYS_IOC_STRT_DMAV, &v);
	if (cookie)
		*cookie = ret ? 0 : v.cookie;
	return ret;
}

/* STRT_DMAV, then wait: @bytes moved in at least @xfers transfers. */
static void dmav_run(struct __test_metadata *_metadata, int fd, __u32 id,
		     __u32 flags, const struct bigphys_dma_seg *segs, __u32 nr,
		     __u64 bytes, unsigned int xfers)
{
	struct bigphys_dma_wait w;
	__u64 cookie;

	ASSERT_EQ(0, dmav_start(fd, id, flags, segs, nr, &cookie))
		TH_LOG("STRT_DMAV of %u segments: %s", nr, strerror(errno));
	ASSERT_LT(0ULL, cookie);
	ASSERT_EQ(0, bp_dma_wait(fd, cookie, WAIT_NS, &w))
		TH_LOG("WAIT_DMA: %s", strerror(errno));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(bytes, w.bytes);
	ASSERT_LE(xfers * XFER_NS, w.duration_ns)
		TH_LOG("%u segments in %llu ns: expected >= %u transfers", nr,
		       (unsigned long long)w.duration_ns, xfers);
	ASSERT_GT(WAIT_NS, w.duration_ns);
}

/*
 * Three segments from scattered region offsets (one crossing a page) to
 * three device offsets, split into engine chunks (max_chunk 1024: 1 + 2 + 2
 * transfers), read back by two segments into another region: byte exact,
 * nothing else written.  Then order: two segments to the same device
 * address, the second wins.
 */
TEST_F(dma, dmav_push_readback)
{
	const __u64 size = 3 * BP_PAGE;
	struct bigphys_dma_seg segs[3];
	struct bigphys_alloc a, b;
	__u8 *src, *dst, *want;
	size_t i;

	src = region_new(_metadata, self->fd, "", size, &a);
	dst = region_new(_metadata, self->fd, "", size, &b);
	want = malloc(size);
	ASSERT_NE(NULL, want);
	bp_fill_bytes(src, size, 31, 0, 0);
	memset(dst, 0xa5, size);
	memset(want, 0xa5, size);

	set_chunk(_metadata, self->fd, 1024);
	seg_set(&segs[0], 100, 1000, WIN);
	seg_set(&segs[1], BP_PAGE - 50, 2000, WIN + 1000);
	seg_set(&segs[2], 2 * BP_PAGE + 7, 1095, WIN + 3000);
	dmav_run(_metadata, self->fd, a.id, 0, segs, 3, 4095, 5);
	set_chunk(_metadata, self->fd, 0);

	/* device [0, 3000) -> dst 0, device [3000, 4095) -> dst 5000 */
	seg_set(&segs[0], 0, 3000, WIN);
	seg_set(&segs[1], 5000, 1095, WIN + 3000);
	dmav_run(_metadata, self->fd, b.id, BIGPHYS_DMA_FROM_DEVICE, segs, 2,
		 4095, 2);
	memcpy(want, src + 100, 1000);
	memcpy(want + 1000, src + BP_PAGE - 50, 2000);
	memcpy(want + 5000, src + 2 * BP_PAGE + 7, 1095);
	for (i = 0; i < size; i++)
		ASSERT_EQ(want[i], dst[i]) TH_LOG("byte %zu of the readback", i);
	/* The push only read its source. */
	ASSERT_EQ(-1L, bp_check_bytes(src, size, 31, 0, 0));

	/* In order: the second segment overwrites the first on the device. */
	seg_set(&segs[0], 0, 16, WIN + 8);
	seg_set(&segs[1], BP_PAGE, 16, WIN + 8);
	dmav_run(_metadata, self->fd, a.id, 0, segs, 2, 32, 2);
	seg_set(&segs[0], 64, 16, WIN + 8);
	dmav_run(_metadata, self->fd, b.id, BIGPHYS_DMA_FROM_DEVICE, segs, 1,
		 16, 1);
	ASSERT_EQ(0, memcmp(dst + 64, src + BP_PAGE, 16));

	free(want);
	region_del(_metadata, self->fd, &a, src);
	region_del(_metadata, self->fd, &b, dst);
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dma, dmav_errors)
{
	struct bigphys_dma_seg base[2], *segs, *edge;
	struct bigphys_alloc a, other;
	struct bigphys_region_info ri;
	struct bigphys_dmav v, *ro;
	__u64 cookie;
	void *page;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd2, "", BP_PAGE, 0, 0, &other));
	seg_set(&base[0], 0, 1, WIN);
	seg_set(&base[1], 8, 1, WIN + 8);
	segs = calloc(BIGPHYS_DMAV_MAX_SEGS + 1, sizeof(*segs));
	ASSERT_NE(NULL, segs);

	/* Each bad value in the second segment, the first being valid. */
#define BADSEG(err, field, val) do {					\
	memcpy(segs, base, sizeof(base));				\
	segs[1].field = (val);						\
	errno = 0;							\
	ASSERT_EQ(-1, dmav_start(self->fd, a.id, 0, segs, 2, &cookie))	\
		TH_LOG("seg %s = 0x%llx accepted", #field,		\
		       (unsigned long long)(val));			\
	ASSERT_EQ((err), errno) TH_LOG("seg %s = 0x%llx", #field,	\
				       (unsigned long long)(val));	\
} while (0)
	BADSEG(EINVAL, len, 0);
	BADSEG(EINVAL, len, WIN_SIZE + 1);
	BADSEG(EINVAL, len, UINT64_MAX);
	BADSEG(EINVAL, offset, BP_PAGE);			/* past the region */
	BADSEG(EINVAL, offset, 1ULL << 40);
	BADSEG(EINVAL, offset, UINT64_MAX);			/* wraps */
	BADSEG(EINVAL, dev_addr, 0);
	BADSEG(EINVAL, dev_addr, WIN - 1);
	BADSEG(EINVAL, dev_addr, WIN + WIN_SIZE);		/* 0x40fff */
	BADSEG(EINVAL, dev_addr, UINT64_MAX);
	memcpy(segs, base, sizeof(base));
	seg_set(&segs[1], BP_PAGE - 10, 100, WIN);		/* ends past */
	ASSERT_ERRNO(EINVAL, dmav_start(self->fd, a.id, 0, segs, 2, NULL));
	seg_set(&segs[1], 0, WIN_SIZE, WIN + 1);		/* ends 0x41000 */
	ASSERT_ERRNO(EINVAL, dmav_start(self->fd, a.id, 0, segs, 2, NULL));
#undef BADSEG

	/* Flags, segment count, region, device. */
	ASSERT_ERRNO(EINVAL, dmav_start(self->fd, a.id, BIGPHYS_DMA_USER_PTR,
					base, 2, NULL));
	ASSERT_ERRNO(EINVAL, dmav_start(self->fd, a.id, 1U << 3, base, 2, NULL));
	ASSERT_ERRNO(EINVAL, dmav_start(self->fd, a.id, 1U << 31, base, 2, NULL));
	ASSERT_ERRNO(EINVAL, dmav_start(self->fd, a.id, 0, base, 0, NULL));
	ASSERT_ERRNO(EINVAL, dmav_start(self->fd, a.id, 0, segs,
					BIGPHYS_DMAV_MAX_SEGS + 1, NULL));
	ASSERT_ERRNO(EINVAL, dmav_start(self->fd, a.id, 0, segs, UINT32_MAX,
					NULL));
	ASSERT_ERRNO(ENOENT, dmav_start(self->fd, 0, 0, base, 2, NULL));
	ASSERT_ERRNO(ENOENT, dmav_start(self->fd, other.id, 0, base, 2, NULL));
	ASSERT_ERRNO(ENOENT, dmav_start(self->fd, a.id + 1000, 0, base, 2,
					NULL));
	memset(&v, 0, sizeof(v));
	v.region_id = a.id;
	v.dev_index = 99;
	v.nr_segs = 2;
	v.segs = (uintptr_t)base;
	ASSERT_ERRNO(ENODEV, ioctl(self->fd, BIGPHYS_IOC_STRT_DMAV, &v));

	/* Bad pointers: the argument, the segments, the cookie. */
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_STRT_DMAV, NULL));
	ASSERT_ERRNO(EFAULT, dmav_start(self->fd, a.id, 0, NULL, 2, NULL));
	page = mmap(NULL, 2 * BP_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap((char *)page + BP_PAGE, BP_PAGE));
	edge = (struct bigphys_dma_seg *)((char *)page + BP_PAGE) - 1;
	*edge = base[0];					/* 2nd unmapped */
	ASSERT_ERRNO(EFAULT, dmav_start(self->fd, a.id, 0, edge, 2, NULL));
	ASSERT_EQ(0, dmav_start(self->fd, a.id, 0, edge, 1, &cookie));
	ASSERT_EQ(0, bp_dma_wait(self->fd, cookie, WAIT_NS, NULL));
	ro = page;
	memset(ro, 0, sizeof(*ro));
	ro->region_id = a.id;
	ro->nr_segs = 2;
	ro->segs = (uintptr_t)base;
	ASSERT_EQ(0, mprotect(page, BP_PAGE, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_STRT_DMAV, ro));
	ASSERT_EQ(0, munmap(page, BP_PAGE));

	/* No failure left a job or a DMA reference behind. */
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(0U, ri.nr_dma);
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, cookie, 0, NULL));
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, cookie + 1, 0, NULL));

	/* The baseline itself is valid: two 1-byte transfers. */
	dmav_run(_metadata, self->fd, a.id, 0, base, 2, 2, 2);
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ(0U, ri.nr_dma);

	free(segs);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	close(self->fd2);
	self->fd2 = -1;
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * A STRT_DMAV job takes one of the fd's 64 slots whatever its segments;
 * failed submissions (bad segments pointer, unwritable cookie) give theirs
 * back.  BIGPHYS_DMAV_MAX_SEGS segments are accepted; close cancels the
 * job after the transfer on the engine.
 */
TEST_F(dma, dmav_job_limit)
{
	struct bigphys_dma_seg *segs;
	struct bigphys_region_info ri;
	struct bigphys_dmav *ro;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	__u64 cookie, t0, dt;
	int i;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	segs = calloc(BIGPHYS_DMAV_MAX_SEGS, sizeof(*segs));
	ASSERT_NE(NULL, segs);
	for (i = 0; i < BIGPHYS_DMAV_MAX_SEGS; i++)
		seg_set(&segs[i], i % BP_PAGE, 1, WIN + i % WIN_SIZE);

	ASSERT_EQ(0, dmav_start(self->fd, a.id, 0, segs,
				BIGPHYS_DMAV_MAX_SEGS, &cookie))
		TH_LOG("STRT_DMAV of %d segments: %s", BIGPHYS_DMAV_MAX_SEGS,
		       strerror(errno));
	ASSERT_LT(0ULL, cookie);
	for (i = 1; i < MAX_JOBS - 1; i++) {
		bp_dma_req(&d, a.id, i, 1, WIN + i, 0);
		job_start(_metadata, self->fd, &d);
	}
	/* 63 slots taken: failures must not keep the last one. */
	ASSERT_ERRNO(EFAULT, dmav_start(self->fd, a.id, 0, NULL, 8, NULL));
	ro = mmap(NULL, BP_PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memset(ro, 0, sizeof(*ro));
	ro->region_id = a.id;
	ro->nr_segs = 8;
	ro->segs = (uintptr_t)segs;
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_STRT_DMAV, ro));
	ASSERT_EQ(0, munmap(ro, BP_PAGE));
	ASSERT_EQ(0, dmav_start(self->fd, a.id, 0, segs, 8, NULL));
	ASSERT_ERRNO(EBUSY, dmav_start(self->fd, a.id, 0, segs, 1, NULL));
	bp_dma_req(&d, a.id, 0, 1, WIN, 0);
	ASSERT_ERRNO(EBUSY, bp_dma_start(self->fd, &d));
	GET_REGION(self->fd, a.id, &ri);
	ASSERT_EQ((__u32)MAX_JOBS, ri.nr_dma);

	/* The 1024-segment job is on the engine, far from done. */
	ASSERT_ERRNO(ETIMEDOUT, bp_dma_wait(self->fd, cookie, 0, NULL));
	t0 = bp_now_ns();
	ASSERT_EQ(0, close(self->fd));
	dt = bp_now_ns() - t0;
	self->fd = -1;
	ASSERT_GT(2 * BP_NSEC, dt);
	free(segs);
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_POOL_IDLE(self->fd);
}

/* An unbound VGA function to bind as a map-only device, or "". */
static void find_map_only(char name[BIGPHYS_NAME_LEN])
{
	char path[300], val[32];
	struct dirent *de;
	DIR *dir;

	name[0] = '\0';
	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= BIGPHYS_NAME_LEN)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class",
			 de->d_name);
		if (bp_read_file(path, val, sizeof(val)) ||
		    strncmp(val, "0x0300", 6))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver",
			 de->d_name);
		if (!access(path, F_OK))
			continue;
		strcpy(name, de->d_name);
		break;
	}
	closedir(dir);
}

/*
 * A device bound through driver_override has no engine bigphys drives:
 * STRT_DMA is -EOPNOTSUPP, DMA_MAP works.
 */
TEST_F(dma, map_only_device)
{
	char name[BIGPHYS_NAME_LEN], path[128];
	struct bigphys_dev_info di;
	struct bigphys_dma_map m;
	struct bigphys_alloc a;
	struct bigphys_info in;
	struct bigphys_dma d;

	find_map_only(name);
	if (!name[0])
		SKIP(return, "no unbound VGA function to bind");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 name);
	ASSERT_EQ(0, bp_write_file(path, "bigphys"));
	strcpy(self->extra, name);
	ASSERT_EQ(0, bp_pci_bind(name, 1)) TH_LOG("bind %s: %s", name,
						  strerror(errno));
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(2U, in.nr_devices);
	ASSERT_EQ(0, bp_dev_info(self->fd, 1, &di));
	ASSERT_STREQ(name, di.name);
	ASSERT_EQ(1U, di.index);
	ASSERT_EQ(0ULL, di.max_chunk);

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	bp_dma_req(&d, a.id, 0, 1, WIN, 0);
	d.dev_index = 1;
	ASSERT_ERRNO(EOPNOTSUPP, bp_dma_start(self->fd, &d));
	memset(&m, 0, sizeof(m));
	m.region_id = a.id;
	m.dev_index = 1;
	m.len = BP_PAGE;
	ASSERT_EQ(0, ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m));
	ASSERT_EQ(1U, m.nr_segs);
	if (bp_dma_direct())
		ASSERT_EQ(a.phys_addr, m.bus_addr);
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));

	ASSERT_EQ(0, bp_pci_bind(name, 0));
	ASSERT_EQ(0, bp_write_file(path, "\n"));
	self->extra[0] = '\0';
	ASSERT_ERRNO(ENODEV, bp_dev_info(self->fd, 1, &di));
	ASSERT_EQ(0, bp_dev_info(self->fd, 0, &di));
	ASSERT_STREQ(self->dev.name, di.name);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_HARNESS_MAIN
