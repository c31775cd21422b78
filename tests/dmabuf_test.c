// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma-buf sharing (issue 12).  Export: a region's dma-buf (EXPORT) as file
 * (size, fdinfo, name, flags), mapped (the bytes of the region, every
 * cache type and page-backed), given to vivid, which captures into it by
 * vmap (vmalloc instance) or by map_dma_buf for its device (dma-contig
 * instance), and to vgem (PRIME import); the region outlives FREE, its
 * fds and its process while an importer holds it, and the module cannot be
 * unloaded meanwhile.  Import: other drivers' dma-bufs (udmabuf on 6.12,
 * the system heap on x86_64 6.12, a vgem dumb buffer everywhere) as the
 * memory of STRT_DMA, STRT_DMAV, DMA_MAP and the io_uring DMA command, and
 * the errnos of a bad dma-buf fd or range.
 *
 * Needs what tests/guest/check.sh loads: the reserved pool with its
 * page-backed part, edu bound, vivid (n_devs=2 allocators=0,1: common.sh
 * kmod_params) and vgem.  A missing vivid or vgem fails, never skips.
 */
#include "bigphys_test_util.h"
#include "bigphys_uring_util.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <linux/videodev2.h>
#include <libdrm/drm.h>
#include <libdrm/drm_mode.h>

#define PG		BIGPHYS_ALLOC_PAGES
#define RDWR		BIGPHYS_EXPORT_RDWR
#define DBUF		BIGPHYS_DMA_DMABUF
#define WIN		BP_EDU_WIN
#define WIN_SIZE	BP_EDU_WIN_SIZE
#define NKEEP		16
#define VIVID_PARAMS	"/sys/module/vivid/parameters/"
#define BUFINFO		"/sys/kernel/debug/dma_buf/bufinfo"
/* vivid's webcam input, 100% Red, XBGR32 (bytes B, G, R, X = 0). */
#define CAP_W		320
#define CAP_H		180
#define RED_XBGR32	0x00ff0000U

/* Named regions a failing test may leave (the teardown frees them). */
static const char *const persist_names[] = { "db_basic", "db_life" };

FIXTURE(dmabuf) {
	int fd;
	int card;
	pid_t child;
	int keep[NKEEP];		/* fds the teardown closes */
	void *map[NKEEP];		/* mappings the teardown unmaps */
	size_t map_len[NKEEP];
	struct bigphys_info info;
	struct bigphys_dev_info dev;
};

typedef FIXTURE_DATA(dmabuf) fix_t;

FIXTURE_SETUP(dmabuf)
{
	int i;

	self->card = -1;
	self->child = -1;
	for (i = 0; i < NKEEP; i++) {
		self->keep[i] = -1;
		self->map[i] = NULL;
	}
	BP_DMA_FIXTURE_SETUP(self->fd, &self->dev);
	ASSERT_EQ(0, bp_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(dmabuf)
{
	int i;

	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	for (i = 0; i < NKEEP; i++) {
		if (self->map[i])
			munmap(self->map[i], self->map_len[i]);
		if (self->keep[i] >= 0)
			close(self->keep[i]);
	}
	if (self->card >= 0)
		close(self->card);
	if (self->fd >= 0)
		close(self->fd);
	bp_teardown(_metadata, -1, persist_names, ARRAY_SIZE(persist_names));
}

/* Remember @fd for the teardown; returns it (or -1 as given). */
static int keep(fix_t *self, int fd)
{
	int i;

	for (i = 0; fd >= 0 && i < NKEEP; i++) {
		if (self->keep[i] < 0) {
			self->keep[i] = fd;
			break;
		}
	}
	return fd;
}

/* Close a kept fd now: 0 or -1. */
static int drop(fix_t *self, int fd)
{
	int i;

	for (i = 0; i < NKEEP; i++)
		if (self->keep[i] == fd)
			self->keep[i] = -1;
	return close(fd);
}

/* Shared mapping of [@off, @off + @len) of @fd, unmapped by the teardown. */
static void *map_keep(fix_t *self, int fd, __u64 off, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)off);
	int i;

	if (p == MAP_FAILED)
		return NULL;
	for (i = 0; i < NKEEP; i++) {
		if (!self->map[i]) {
			self->map[i] = p;
			self->map_len[i] = len;
			break;
		}
	}
	return p;
}

static int unmap(fix_t *self, void *p)
{
	int i;

	for (i = 0; i < NKEEP; i++) {
		if (self->map[i] == p) {
			self->map[i] = NULL;
			return munmap(p, self->map_len[i]);
		}
	}
	return -1;
}

/* ALLOC (CREATE when named) and map a region through /dev/bigphys. */
static __u8 *region(struct __test_metadata *_metadata, fix_t *self,
		    const char *name, __u64 size, __u32 flags,
		    struct bigphys_alloc *a)
{
	if (name[0])
		flags |= BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_EXCL;
	if (bp_alloc(self->fd, name, size, 0, flags, a)) {
		TH_LOG("ALLOC '%s' 0x%llx flags 0x%x: %s", name,
		       (unsigned long long)size, flags, strerror(errno));
		return NULL;
	}
	return map_keep(self, self->fd, a->phys_addr, a->size,
			PROT_READ | PROT_WRITE);
}

/* The running kernel is 6.12.y (see may_lack()). */
static int kernel_is_612(void)
{
	struct utsname u;

	return !uname(&u) && !strncmp(u.release, "6.12.", 5);
}

/* Field @key of /proc/self/fdinfo/@fd ("key:\tvalue") into @val: 0 or -1. */
static int fdinfo(int fd, const char *key, char *val, size_t size)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(val, size, "%s", line + klen + 1 + strspn(line + klen + 1, " \t"));
		ret = 0;
	}
	fclose(f);
	return ret;
}

/*
 * Set for an exporter whose DMA_BUF_IOCTL_SYNC is wrong under
 * swiotlb=force: udmabuf maps its pages for its own misc device at the
 * first SYNC and, at every later SYNC_START, copies that mapping's bounce
 * buffer back over the pages (dma_sync_sg_for_cpu), undoing what another
 * device wrote meanwhile.  The CPU then uses the pages without SYNC
 * (coherent on x86), which is what the test can check for bigphys's part.
 */
static int skip_exporter_sync;

static int dbuf_sync(int fd, __u64 flags)
{
	struct dma_buf_sync s = { .flags = flags };

	if (skip_exporter_sync)
		return 0;
	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

/*
 * One STRT_DMA job on edu's window and its WAIT: 0 when it moved @len
 * bytes, else -1 with errno (EIO for a failed or short job).  @id is a
 * region id, or a dma-buf fd with BIGPHYS_DMA_DMABUF in @flags.
 */
static int dma_run(int fd, int id, __u64 off, __u64 len, __u32 flags)
{
	struct bigphys_dma_wait w;
	struct bigphys_dma d;

	bp_dma_req(&d, (__u32)id, off, len, WIN, flags);
	if (bp_dma_start(fd, &d) || bp_dma_wait(fd, d.cookie, 10 * BP_NSEC, &w))
		return -1;
	if (w.status || w.bytes != len) {
		errno = w.status ? -w.status : EIO;
		return -1;
	}
	return 0;
}

/*
 * Whether BUFINFO lists a dma-buf of exporter "bigphys" with inode @ino
 * and device @dev among its attachments: 1, 0, or -1 (unreadable).
 */
static int bufinfo_attached(unsigned long ino, const char *dev)
{
	unsigned long long size, i;
	char line[256], exp[64];
	unsigned int fl, mode;
	int in = 0, found = 0;
	long cnt;
	FILE *f;

	f = fopen(BUFINFO, "re");
	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llu %x %x %ld %63s %llu", &size, &fl, &mode,
			   &cnt, exp, &i) == 6) {
			in = !strcmp(exp, "bigphys") && i == ino;
			continue;
		}
		if (in && line[0] == '\t' && !strcmp(line + 1, dev))
			found = 1;
	}
	fclose(f);
	return found;
}

/* The lowest free fd number (the next open() gets it), or -1. */
static int lowest_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* delete_module(2) of bigphys, as rmmod does it. */
static int unload(void)
{
	return (int)syscall(SYS_delete_module, "bigphys", O_NONBLOCK);
}

/* ---- vgem ---- */

/* An fd of the DRM device whose driver is "vgem", or -1. */
static int vgem_open(void)
{
	char path[32], name[16];
	struct drm_version v;
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

static int prime_import(int card, int dbuf, __u32 *handle)
{
	struct drm_prime_handle h = { .fd = dbuf };
	int ret = ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &h);

	*handle = h.handle;
	return ret;
}

/* The dma-buf of GEM @handle (for an imported one: the original): fd or -1. */
static int prime_export(int card, __u32 handle)
{
	struct drm_prime_handle h = {
		.handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR,
	};

	return ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &h) ? -1 : h.fd;
}

static int gem_close(int card, __u32 handle)
{
	struct drm_gem_close c = { .handle = handle };

	return ioctl(card, DRM_IOCTL_GEM_CLOSE, &c);
}

#define OPEN_VGEM(self) do {						\
	(self)->card = vgem_open();					\
	ASSERT_LE(0, (self)->card)					\
		TH_LOG("no vgem DRM device in /dev/dri (check.sh loads vgem)"); \
} while (0)

/* ---- vivid ---- */

/*
 * The video capture node of the vivid instance that uses @allocator
 * (0 vmalloc, 1 dma-contig; vivid's "allocators" parameter, one value per
 * instance; bus_info "platform:vivid-NNN"): an fd, or -1.
 */
static int vivid_open(struct __test_metadata *_metadata, unsigned int allocator)
{
	char alloc[512], bus[32], path[32], *s;
	struct v4l2_capability cap;
	unsigned int inst = 0, n = 0;
	int i, fd;

	if (bp_read_file(VIVID_PARAMS "allocators", alloc, sizeof(alloc)) ||
	    bp_read_file(VIVID_PARAMS "n_devs", path, sizeof(path))) {
		TH_LOG("vivid is not loaded (check.sh loads it)");
		return -1;
	}
	n = (unsigned int)atoi(path);
	for (s = alloc; inst < n; inst++, s++) {
		if ((unsigned int)atoi(s) == allocator)
			break;
		s = strchr(s, ',');
		if (!s)
			return -1;
	}
	if (inst == n) {
		TH_LOG("no vivid instance with allocator %u (allocators=%s)",
		       allocator, alloc);
		return -1;
	}
	snprintf(bus, sizeof(bus), "platform:vivid-%03u", inst);
	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, "vivid") &&
		    !strcmp((char *)cap.bus_info, bus) &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE)) {
			TH_LOG("%s: %s, allocator %u", path, bus, allocator);
			return fd;
		}
		close(fd);
	}
	TH_LOG("no video capture node with bus_info %s", bus);
	return -1;
}

/* Set menu control @ctrl (by name) to the item named @item: 0 or -1. */
static int vivid_menu(int fd, const char *ctrl, const char *item)
{
	struct v4l2_query_ext_ctrl q;
	struct v4l2_querymenu m;
	struct v4l2_control c;
	__u32 id = 0, i;

	for (;;) {
		memset(&q, 0, sizeof(q));
		q.id = id | V4L2_CTRL_FLAG_NEXT_CTRL;
		if (ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q))
			return -1;
		id = q.id;
		if (!strcmp(q.name, ctrl) && q.type == V4L2_CTRL_TYPE_MENU)
			break;
	}
	for (i = (__u32)q.minimum; i <= (__u32)q.maximum; i++) {
		memset(&m, 0, sizeof(m));
		m.id = id;
		m.index = i;
		if (ioctl(fd, VIDIOC_QUERYMENU, &m) || strcmp((char *)m.name, item))
			continue;
		c.id = id;
		c.value = (__s32)m.index;
		return ioctl(fd, VIDIOC_S_CTRL, &c);
	}
	errno = ENOENT;
	return -1;
}

/*
 * vivid's instance with @allocator captures one frame of solid 100% red
 * into a dma-buf of a fresh region (@flags: its kind), which held a
 * sentinel: every pixel is red, nothing past the image changed.  Then
 * edu pushes the frame's first page (from the region, and from the
 * dma-buf, imported) and it is read back into another region.
 */
static void vivid_capture(struct __test_metadata *_metadata, fix_t *self,
			  unsigned int allocator, __u32 flags)
{
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_requestbuffers rb;
	struct bigphys_alloc a, b;
	struct v4l2_format fmt;
	struct v4l2_buffer buf;
	__u32 x, y, sizeimage, bpl;
	struct pollfd pfd;
	int vfd, e;
	__u8 *p, *q;

	if ((flags & PG) && !bp_has_pages(&self->info))
		SKIP(return, "no page-backed part in this pool");
	vfd = keep(self, vivid_open(_metadata, allocator));
	ASSERT_LE(0, vfd);
	memset(&fmt, 0, sizeof(fmt));
	fmt.type = type;
	fmt.fmt.pix.width = CAP_W;
	fmt.fmt.pix.height = CAP_H;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_XBGR32;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_S_FMT, &fmt)) TH_LOG("S_FMT: %s", strerror(errno));
	ASSERT_EQ(V4L2_PIX_FMT_XBGR32, fmt.fmt.pix.pixelformat);
	ASSERT_EQ((__u32)CAP_W, fmt.fmt.pix.width);
	ASSERT_EQ((__u32)CAP_H, fmt.fmt.pix.height);
	sizeimage = fmt.fmt.pix.sizeimage;
	bpl = fmt.fmt.pix.bytesperline;
	ASSERT_LE(CAP_W * 4U, bpl);
	ASSERT_LE(bpl * CAP_H, sizeimage);
	ASSERT_EQ(0, vivid_menu(vfd, "Test Pattern", "100% Red"))
		TH_LOG("Test Pattern: %s", strerror(errno));
	ASSERT_EQ(0, vivid_menu(vfd, "OSD Text Mode", "None"))
		TH_LOG("OSD Text Mode: %s", strerror(errno));

	p = region(_metadata, self, "", sizeimage + 2 * BP_PAGE, flags, &a);
	ASSERT_NE(NULL, p);
	q = region(_metadata, self, "", 2 * BP_PAGE, 0, &b);
	ASSERT_NE(NULL, q);
	bp_fill(p, a.size, 51);
	e = keep(self, bp_export(self->fd, a.id, 0, 0, RDWR));
	ASSERT_LE(0, e) TH_LOG("EXPORT: %s", strerror(errno));

	memset(&rb, 0, sizeof(rb));
	rb.count = 1;
	rb.type = type;
	rb.memory = V4L2_MEMORY_DMABUF;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_REQBUFS, &rb)) TH_LOG("REQBUFS: %s", strerror(errno));
	ASSERT_LE(1U, rb.count);
	memset(&buf, 0, sizeof(buf));
	buf.type = type;
	buf.memory = V4L2_MEMORY_DMABUF;
	buf.index = 0;
	buf.m.fd = e;
	buf.length = (__u32)a.size;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_QBUF, &buf))
		TH_LOG("QBUF of the dma-buf: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_STREAMON, &type))
		TH_LOG("STREAMON: %s", strerror(errno));
	pfd.fd = vfd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 20000)) TH_LOG("no frame within 20 s");
	memset(&buf, 0, sizeof(buf));
	buf.type = type;
	buf.memory = V4L2_MEMORY_DMABUF;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_DQBUF, &buf)) TH_LOG("DQBUF: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_STREAMOFF, &type));
	ASSERT_EQ(0U, buf.flags & V4L2_BUF_FLAG_ERROR);
	ASSERT_EQ(sizeimage, buf.bytesused);

	/* The frame, through the region's own mapping. */
	for (y = 0; y < CAP_H; y++) {
		const volatile __u32 *row = (const volatile __u32 *)(p + y * bpl);

		for (x = 0; x < CAP_W; x++)
			ASSERT_EQ(RED_XBGR32, row[x])
				TH_LOG("pixel (%u, %u) is 0x%08x", x, y, row[x]);
	}
	ASSERT_EQ(0U, sizeimage % 8);
	ASSERT_EQ(-1L, bp_check_from(p + sizeimage, a.size - sizeimage, 51,
				     sizeimage / 8))
		TH_LOG("vivid wrote past the image");

	/* The frame to edu and back into another region, twice. */
	ASSERT_EQ(0, dma_run(self->fd, (int)a.id, 0, WIN_SIZE, 0))
		TH_LOG("push of the frame: %s", strerror(errno));
	ASSERT_EQ(0, dma_run(self->fd, (int)b.id, 0, WIN_SIZE,
			     BIGPHYS_DMA_FROM_DEVICE));
	ASSERT_EQ(0, memcmp(p, q, WIN_SIZE));
	ASSERT_EQ(0, dma_run(self->fd, e, BP_PAGE, WIN_SIZE, DBUF))
		TH_LOG("push from the dma-buf: %s", strerror(errno));
	ASSERT_EQ(0, dma_run(self->fd, (int)b.id, BP_PAGE, WIN_SIZE,
			     BIGPHYS_DMA_FROM_DEVICE));
	ASSERT_EQ(0, memcmp(p + BP_PAGE, q + BP_PAGE, WIN_SIZE));

	/* vivid lets go of the dma-buf (vunmap, unmap) when its fd closes. */
	TH_LOG("frame and pushes checked; closing the video node");
	ASSERT_EQ(0, drop(self, vfd));
	ASSERT_EQ(0, drop(self, e));
	ASSERT_EQ(0, unmap(self, p));
	ASSERT_EQ(0, unmap(self, q));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	ASSERT_POOL_IDLE(self->fd);
}

/* ---- export ---- */

/*
 * EXPORT of a named region of kind @flags: the dma-buf's file, fdinfo,
 * flags and name; its mapping and the region's show the same bytes both
 * ways; a partial, read-only export.
 */
static void export_basics(struct __test_metadata *_metadata, fix_t *self,
			  __u32 flags)
{
	const char *name = "db_basic";
	struct bigphys_alloc a;
	struct stat st, st2;
	struct iovec l, r;
	__u8 *p, *q, *q2;
	char val[64], tmp[64];
	int e, e2;

	if ((flags & PG) && !bp_has_pages(&self->info))
		SKIP(return, "no page-backed part in this pool");
	p = region(_metadata, self, name, 4 * BP_PAGE, flags, &a);
	ASSERT_NE(NULL, p);
	bp_fill(p, a.size, 1);
	e = keep(self, bp_export(self->fd, a.id, 0, 0,
				 BIGPHYS_EXPORT_CLOEXEC | RDWR));
	ASSERT_LE(0, e) TH_LOG("EXPORT: %s", strerror(errno));

	/* The file: size, exporter, name, fd flags. */
	ASSERT_EQ(0, fstat(e, &st));
	ASSERT_EQ((off_t)a.size, st.st_size);
	ASSERT_EQ((off_t)a.size, lseek(e, 0, SEEK_END));
	ASSERT_EQ(0, fdinfo(e, "exp_name", val, sizeof(val)))
		TH_LOG("fd %d is not a dma-buf: no exp_name in fdinfo", e);
	ASSERT_STREQ("bigphys", val);
	ASSERT_EQ(0, fdinfo(e, "size", val, sizeof(val)));
	ASSERT_EQ(a.size, strtoull(val, NULL, 10));
	ASSERT_EQ(0, fdinfo(e, "name", val, sizeof(val)))
		TH_LOG("the dma-buf has no name");
	ASSERT_STREQ(name, val);
	ASSERT_EQ(FD_CLOEXEC, fcntl(e, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(O_RDWR, fcntl(e, F_GETFL) & O_ACCMODE);

	/* Its mapping is the region, both ways, between CPU-access syncs. */
	q = map_keep(self, e, 0, a.size, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, q) TH_LOG("mmap of the dma-buf: %s", strerror(errno));
	ASSERT_EQ(0, dbuf_sync(e, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	ASSERT_EQ(-1L, bp_check(q, a.size, 1));
	bp_fill(q, a.size, 2);
	ASSERT_EQ(0, dbuf_sync(e, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	ASSERT_EQ(-1L, bp_check(p, a.size, 2));
	((volatile __u64 *)p)[5] = 0x0123456789abcdefULL;
	ASSERT_EQ(0, dbuf_sync(e, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	ASSERT_EQ(0x0123456789abcdefULL, ((volatile __u64 *)q)[5]);
	ASSERT_EQ(0, dbuf_sync(e, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	((volatile __u64 *)p)[5] = bp_word(2, 5);
	/* A page in the middle; past the end. */
	q2 = map_keep(self, e, 2 * BP_PAGE, BP_PAGE, PROT_READ);
	ASSERT_NE(NULL, q2);
	ASSERT_EQ(-1L, bp_check_from(q2, BP_PAGE, 2, 2 * BP_PAGE / 8));
	ASSERT_EQ(0, unmap(self, q2));
	ASSERT_MMAP_FAILS(EINVAL, e, 0, a.size + BP_PAGE, PROT_READ, MAP_SHARED);
	ASSERT_MMAP_FAILS(EINVAL, e, a.size, BP_PAGE, PROT_READ, MAP_SHARED);
	/* Page references (GUP): a page-backed region only. */
	l.iov_base = tmp;
	l.iov_len = sizeof(tmp);
	r.iov_base = q;
	r.iov_len = sizeof(tmp);
	if (flags & PG) {
		ASSERT_EQ((ssize_t)sizeof(tmp), process_vm_readv(getpid(), &l, 1, &r, 1, 0))
			TH_LOG("process_vm_readv of a page-backed dma-buf mapping: %s",
			       strerror(errno));
		ASSERT_EQ(0, memcmp(tmp, p, sizeof(tmp)));
	} else {
		ASSERT_ERRNO(EFAULT, process_vm_readv(getpid(), &l, 1, &r, 1, 0));
	}

	ASSERT_EQ(0, ioctl(e, DMA_BUF_SET_NAME, "db_renamed"));
	ASSERT_EQ(0, fdinfo(e, "name", val, sizeof(val)));
	ASSERT_STREQ("db_renamed", val);

	/* Pages 1 and 2, no flags: no CLOEXEC, read-only, another dma-buf. */
	e2 = keep(self, bp_export(self->fd, a.id, BP_PAGE, 2 * BP_PAGE, 0));
	ASSERT_LE(0, e2) TH_LOG("EXPORT of pages 1-2: %s", strerror(errno));
	ASSERT_EQ(0, fstat(e2, &st2));
	ASSERT_EQ((off_t)(2 * BP_PAGE), st2.st_size);
	ASSERT_NE(st.st_ino, st2.st_ino);
	ASSERT_EQ(0, fcntl(e2, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(O_RDONLY, fcntl(e2, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, fdinfo(e2, "name", val, sizeof(val)));
	ASSERT_STREQ(name, val);
	ASSERT_MMAP_FAILS(EACCES, e2, 0, 2 * BP_PAGE, PROT_READ | PROT_WRITE,
			  MAP_SHARED);
	q2 = map_keep(self, e2, 0, 2 * BP_PAGE, PROT_READ);
	ASSERT_NE(NULL, q2);
	ASSERT_EQ(-1L, bp_check_from(q2, 2 * BP_PAGE, 2, BP_PAGE / 8));

	/* The dma-buf mappings outlive the name, the fds and the region's. */
	ASSERT_EQ(0, drop(self, e));
	ASSERT_EQ(0, drop(self, e2));
	ASSERT_EQ(0, unmap(self, p));
	ASSERT_EQ(0, bp_free_name(self->fd, name));
	ASSERT_EQ(-1L, bp_check(q, a.size, 2));
	ASSERT_EQ(-1L, bp_check_from(q2, 2 * BP_PAGE, 2, BP_PAGE / 8));
	ASSERT_EQ(0, unmap(self, q));
	ASSERT_EQ(0, unmap(self, q2));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dmabuf, export_wc)
{
	export_basics(_metadata, self, BIGPHYS_CACHE_WC);
}

TEST_F(dmabuf, export_uc)
{
	export_basics(_metadata, self, BIGPHYS_CACHE_UC);
}

TEST_F(dmabuf, export_wb)
{
	export_basics(_metadata, self, BIGPHYS_CACHE_WB);
}

TEST_F(dmabuf, export_pages)
{
	export_basics(_metadata, self, PG);
}

/* EXPORT errors; a failed call leaves no fd. */
TEST_F(dmabuf, export_errors)
{
	const __u64 S = 4 * BP_PAGE;
	struct bigphys_export x, *ro;
	struct bigphys_alloc a, b, c;
	int fd2, next;

	ASSERT_EQ(0, bp_alloc(self->fd, "", S, 0, 0, &a));
	fd2 = keep(self, bp_open());
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, bp_alloc(fd2, "", BP_PAGE, 0, 0, &b));
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &c));
	ASSERT_EQ(0, bp_free_id(self->fd, c.id));
	ro = mmap(NULL, BP_PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	next = lowest_fd();
	ASSERT_LE(0, next);

	/* Not attached to this fd. */
	ASSERT_ERRNO(ENOENT, bp_export(self->fd, b.id, 0, 0, 0));
	ASSERT_ERRNO(ENOENT, bp_export(self->fd, c.id, 0, 0, 0));
	ASSERT_ERRNO(ENOENT, bp_export(self->fd, 0, 0, 0, 0));
	ASSERT_ERRNO(ENOENT, bp_export(self->fd, 0xfffffff0U, 0, 0, 0));
	/* Flags, padding. */
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, 0, 0, 1U << 2));
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, 0, 0, ~0U));
	memset(&x, 0, sizeof(x));
	x.region_id = a.id;
	x.pad = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_EXPORT, &x));
	/* Alignment and range. */
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, 1, 0, 0));
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, BP_PAGE / 2, BP_PAGE, 0));
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, 0, 1, 0));
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, 0, BP_PAGE + 8, 0));
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, S, 0, 0));
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, S, BP_PAGE, 0));
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, 0, S + BP_PAGE, 0));
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, 3 * BP_PAGE, 2 * BP_PAGE, 0));
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, -BP_PAGE, BP_PAGE, 0));
	ASSERT_ERRNO(EINVAL, bp_export(self->fd, a.id, BP_PAGE, -BP_PAGE, 0));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_EXPORT, NULL));
	/* Read-only output: the dma-buf is dropped, no fd installed. */
	memset(ro, 0, sizeof(*ro));
	ro->region_id = a.id;
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_EXPORT, ro));
	munmap(ro, BP_PAGE);
	ASSERT_EQ(next, lowest_fd()) TH_LOG("a failed EXPORT left an fd behind");

	/* The last page alone works. */
	next = bp_export(self->fd, a.id, S - BP_PAGE, 0, 0);
	ASSERT_LE(0, next);
	ASSERT_EQ(0, close(next));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_EQ(0, bp_free_id(fd2, b.id));
	ASSERT_EQ(0, drop(self, fd2));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * vgem imports a region's dma-buf (maps it for its device: bufinfo lists
 * the attachment); the dma-buf vgem gives back for the handle is the same
 * one, and its mapping and the region's show the same bytes both ways.
 */
static void vgem_import(struct __test_metadata *_metadata, fix_t *self,
			__u32 flags)
{
	struct bigphys_alloc a;
	struct stat st, st2;
	__u32 h, h2;
	int e, e2;
	__u8 *p, *q;

	if ((flags & PG) && !bp_has_pages(&self->info))
		SKIP(return, "no page-backed part in this pool");
	OPEN_VGEM(self);
	p = region(_metadata, self, "", 4 * BP_PAGE, flags, &a);
	ASSERT_NE(NULL, p);
	bp_fill(p, a.size, 11);
	e = keep(self, bp_export(self->fd, a.id, 0, 0, RDWR));
	ASSERT_LE(0, e);
	ASSERT_EQ(0, prime_import(self->card, e, &h))
		TH_LOG("PRIME_FD_TO_HANDLE: %s", strerror(errno));
	ASSERT_EQ(0, prime_import(self->card, e, &h2));
	ASSERT_EQ(h, h2);
	ASSERT_EQ(0, fstat(e, &st));
	ASSERT_EQ(1, bufinfo_attached(st.st_ino, "vgem"))
		TH_LOG("%s has no vgem attachment of dma-buf inode %lu",
		       BUFINFO, (unsigned long)st.st_ino);

	e2 = keep(self, prime_export(self->card, h));
	ASSERT_LE(0, e2) TH_LOG("PRIME_HANDLE_TO_FD: %s", strerror(errno));
	ASSERT_EQ(0, fstat(e2, &st2));
	ASSERT_EQ(st.st_ino, st2.st_ino);
	q = map_keep(self, e2, 0, a.size, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, q);
	ASSERT_EQ(0, dbuf_sync(e2, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	ASSERT_EQ(-1L, bp_check(q, a.size, 11));
	bp_fill(q, a.size, 12);
	ASSERT_EQ(0, dbuf_sync(e2, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	ASSERT_EQ(-1L, bp_check(p, a.size, 12));

	ASSERT_EQ(0, unmap(self, q));
	ASSERT_EQ(0, drop(self, e2));
	ASSERT_EQ(0, drop(self, e));
	ASSERT_EQ(0, gem_close(self->card, h));
	ASSERT_EQ(0, bufinfo_attached(st.st_ino, "vgem"));
	ASSERT_EQ(0, unmap(self, p));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dmabuf, vgem_import_wc)
{
	vgem_import(_metadata, self, BIGPHYS_CACHE_WC);
}

TEST_F(dmabuf, vgem_import_pages)
{
	vgem_import(_metadata, self, PG);
}

/* ---- lifetime ---- */

/*
 * FREE, munmap, close of the dma-buf and of /dev/bigphys: vgem's import
 * and a dma-buf mapping keep the memory, valid and out of free_bytes,
 * until the mapping and vgem let go; then the pool is exact again.
 */
TEST_F(dmabuf, lifetime_vgem)
{
	const struct bigphys_info *in0 = &self->info;
	struct bigphys_alloc a, b;
	struct bigphys_info in;
	__u8 *p, *q, *r;
	__u32 h;
	int e;

	OPEN_VGEM(self);
	p = region(_metadata, self, "db_life", 8 * BP_PAGE, 0, &a);
	ASSERT_NE(NULL, p);
	bp_fill(p, a.size, 21);
	e = keep(self, bp_export(self->fd, a.id, 0, 0, RDWR));
	ASSERT_LE(0, e);
	q = map_keep(self, e, 0, a.size, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, q);
	ASSERT_EQ(0, prime_import(self->card, e, &h));

	ASSERT_EQ(0, unmap(self, p));
	ASSERT_EQ(0, bp_free_name(self->fd, "db_life"));
	ASSERT_EQ(0, drop(self, e));
	ASSERT_EQ(0, close(self->fd));
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(in0->free_bytes - a.size, in.free_bytes);
	ASSERT_EQ(-1L, bp_check(q, a.size, 21));
	bp_fill(q, a.size, 22);
	ASSERT_EQ(0, unmap(self, q));
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(in0->free_bytes - a.size, in.free_bytes)
		TH_LOG("the region went back to the pool while vgem holds it");

	/* What vgem holds: the same bytes, and edu can still push them. */
	e = keep(self, prime_export(self->card, h));
	ASSERT_LE(0, e);
	q = map_keep(self, e, 0, a.size, PROT_READ);
	ASSERT_NE(NULL, q);
	ASSERT_EQ(-1L, bp_check(q, a.size, 22));
	r = region(_metadata, self, "", BP_PAGE, 0, &b);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, dma_run(self->fd, e, 2 * BP_PAGE, WIN_SIZE, DBUF))
		TH_LOG("push from a freed region's dma-buf: %s", strerror(errno));
	ASSERT_EQ(0, dma_run(self->fd, (int)b.id, 0, WIN_SIZE,
			     BIGPHYS_DMA_FROM_DEVICE));
	ASSERT_EQ(0, memcmp(r, q + 2 * BP_PAGE, WIN_SIZE));
	ASSERT_EQ(0, unmap(self, r));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	ASSERT_EQ(0, unmap(self, q));
	ASSERT_EQ(0, drop(self, e));
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(in0->free_bytes - a.size, in.free_bytes);

	ASSERT_EQ(0, gem_close(self->card, h));
	ASSERT_EQ(0, close(self->card));
	self->card = -1;
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * A child exports a region (page-backed when the pool has a part), vgem
 * imports it through the card fd the parent shares, and the child is
 * killed: the memory stays, readable through vgem, until vgem lets go.
 */
TEST_F_TIMEOUT(dmabuf, lifetime_child_killed, 60)
{
	const struct bigphys_info *in0 = &self->info;
	__u32 flags = bp_has_pages(in0) ? PG : 0;
	struct bigphys_info in;
	int sync[2], e;
	__u32 h = 0;
	__u8 *q;

	OPEN_VGEM(self);
	ASSERT_EQ(0, pipe(sync));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		struct bigphys_alloc a;
		int fd = bp_open(), d;
		__u8 *p;

		close(sync[0]);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(!bp_alloc(fd, "", 4 * BP_PAGE, 0, flags, &a));
		p = bp_map(fd, a.phys_addr, a.size);
		CHILD_CHECK(p != MAP_FAILED);
		bp_fill(p, a.size, 31);
		d = bp_export(fd, a.id, 0, 0, RDWR);
		CHILD_CHECK(d >= 0);
		CHILD_CHECK(!prime_import(self->card, d, &h));
		CHILD_CHECK(write(sync[1], &h, sizeof(h)) == sizeof(h));
		for (;;)
			pause();
	}
	close(sync[1]);
	ASSERT_EQ((ssize_t)sizeof(h), read(sync[0], &h, sizeof(h)));
	close(sync[0]);
	ASSERT_EQ(0, kill(self->child, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, bp_wait_child(self->child));
	self->child = -1;

	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	if (flags) {
		ASSERT_EQ(in0->pages_free - 4 * BP_PAGE, in.pages_free);
	} else {
		ASSERT_EQ(in0->free_bytes - 4 * BP_PAGE, in.free_bytes);
	}
	e = keep(self, prime_export(self->card, h));
	ASSERT_LE(0, e);
	q = map_keep(self, e, 0, 4 * BP_PAGE, PROT_READ);
	ASSERT_NE(NULL, q);
	ASSERT_EQ(-1L, bp_check(q, 4 * BP_PAGE, 31));
	ASSERT_EQ(0, unmap(self, q));
	ASSERT_EQ(0, drop(self, e));
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);

	ASSERT_EQ(0, close(self->card));
	self->card = -1;
	ASSERT_LE(0, bp_wait_unheld(self->fd, 5000));
	ASSERT_POOL_IDLE(self->fd);
}

/* A dma-buf alone (then vgem's import alone) keeps the module loaded. */
TEST_F(dmabuf, unload_refused)
{
	struct bigphys_alloc a;
	__u32 h;
	int e;

	if (geteuid())
		SKIP(return, "unloading needs root");
	OPEN_VGEM(self);
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	e = keep(self, bp_export(self->fd, a.id, 0, 0, 0));
	ASSERT_LE(0, e);
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_ERRNO(EWOULDBLOCK, unload());
	ASSERT_EQ(0, access(BP_PARAM_DIR, F_OK));
	ASSERT_EQ(0, prime_import(self->card, e, &h));
	ASSERT_EQ(0, drop(self, e));
	ASSERT_ERRNO(EWOULDBLOCK, unload());
	ASSERT_EQ(0, access(BP_PARAM_DIR, F_OK));
	ASSERT_EQ(0, close(self->card));
	self->card = -1;
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_POOL_IDLE(self->fd);
}

/* ---- import ---- */

/*
 * @dbuf, a foreign dma-buf of @size (>= 4 pages) bytes, as the memory of
 * edu's jobs: pushed (STRT_DMA, io_uring) and read back into a region;
 * filled by a readback (checked through its mapping, with CPU-access
 * syncs); pushed as two STRT_DMAV segments; DMA_MAP'd; pushed by io_uring.
 */
static void import_roundtrip(struct __test_metadata *_metadata, fix_t *self,
			     int dbuf, __u64 size)
{
	struct bigphys_bus_seg bs[64];
	struct bigphys_dma_seg segs[2];
	struct bigphys_dma_map m;
	struct bigphys_dmav v;
	struct bigphys_dma d;
	struct bigphys_alloc a;
	struct io_uring ring;
	struct bp_cqe cqe;
	__u64 total = 0;
	__u32 i;
	__u8 *p, *q;
	int ret;

	q = map_keep(self, dbuf, 0, size, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, q) TH_LOG("mmap of the dma-buf: %s", strerror(errno));
	p = region(_metadata, self, "", 4 * BP_PAGE, 0, &a);
	ASSERT_NE(NULL, p);

	/* Its page 0 to edu, back into the region's page 0. */
	ASSERT_EQ(0, dbuf_sync(dbuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	bp_fill_bytes(q, 3 * BP_PAGE, 41, 0, 0);
	ASSERT_EQ(0, dbuf_sync(dbuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	ASSERT_EQ(0, dma_run(self->fd, dbuf, 0, WIN_SIZE, DBUF))
		TH_LOG("STRT_DMA from the dma-buf: %s", strerror(errno));
	ASSERT_EQ(0, dma_run(self->fd, (int)a.id, 0, WIN_SIZE,
			     BIGPHYS_DMA_FROM_DEVICE));
	ASSERT_EQ(-1L, bp_check_bytes(p, WIN_SIZE, 41, 0, 0));

	/* The region's page 1 to edu, back into the dma-buf's page 1. */
	bp_fill_bytes(p + BP_PAGE, BP_PAGE, 42, 0, 0);
	ASSERT_EQ(0, dma_run(self->fd, (int)a.id, BP_PAGE, WIN_SIZE, 0));
	ASSERT_EQ(0, dma_run(self->fd, dbuf, BP_PAGE, WIN_SIZE,
			     BIGPHYS_DMA_FROM_DEVICE | DBUF))
		TH_LOG("readback into the dma-buf: %s", strerror(errno));
	ASSERT_EQ(0, dbuf_sync(dbuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	ASSERT_EQ(-1L, bp_check_bytes(q + BP_PAGE, WIN_SIZE, 42, 0, 0));
	ASSERT_EQ(-1L, bp_check_bytes(q + BP_PAGE + WIN_SIZE, BP_PAGE - WIN_SIZE,
				      41, BP_PAGE + WIN_SIZE, 0));
	ASSERT_EQ(0, dbuf_sync(dbuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

	/* STRT_DMAV: page 2 as two segments, second half first. */
	segs[0].offset = 2 * BP_PAGE + 2048;
	segs[0].len = WIN_SIZE - 2048;
	segs[0].dev_addr = WIN + 2048;
	segs[1].offset = 2 * BP_PAGE;
	segs[1].len = 2048;
	segs[1].dev_addr = WIN;
	memset(&v, 0, sizeof(v));
	v.dmabuf_fd = dbuf;
	v.flags = DBUF;
	v.nr_segs = 2;
	v.segs = (__u64)(uintptr_t)segs;
	ASSERT_EQ(0, ioctl(self->fd, BIGPHYS_IOC_STRT_DMAV, &v))
		TH_LOG("STRT_DMAV from the dma-buf: %s", strerror(errno));
	{
		struct bigphys_dma_wait w;

		ASSERT_EQ(0, bp_dma_wait(self->fd, v.cookie, 10 * BP_NSEC, &w));
		ASSERT_EQ(0, w.status);
		ASSERT_EQ(WIN_SIZE, w.bytes);
	}
	ASSERT_EQ(0, dma_run(self->fd, (int)a.id, 2 * BP_PAGE, WIN_SIZE,
			     BIGPHYS_DMA_FROM_DEVICE));
	ASSERT_EQ(-1L, bp_check_bytes(p + 2 * BP_PAGE, WIN_SIZE, 41,
				      2 * BP_PAGE, 0));

	/* DMA_MAP: segments that cover the range. */
	bp_dma_map_req(&m, 0, DBUF, 0, size, 0);
	m.dmabuf_fd = dbuf;
	m.segs = (__u64)(uintptr_t)bs;
	m.max_segs = 64;
	if (bp_swiotlb_forced()) {
		if (ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m)) {
			ASSERT_EQ(EOPNOTSUPP, errno);
		} else {
			ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));
		}
	} else {
		ASSERT_EQ(0, ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m))
			TH_LOG("DMA_MAP of the dma-buf: %s", strerror(errno));
		ASSERT_LE(1U, m.nr_segs);
		ASSERT_NE(0ULL, m.handle);
		ASSERT_EQ(bs[0].bus_addr, m.bus_addr);
		for (i = 0; i < m.nr_segs && i < 64; i++)
			total += bs[i].len;
		if (m.nr_segs <= 64) {
			ASSERT_EQ(size, total);
		}
		ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));
	}
	/* io_uring: page 0 again, into the region's page 3. */
	ASSERT_EQ(0, bp_ring_init(&ring, 0));
	bp_dma_req(&d, 0, 0, WIN_SIZE, WIN, DBUF);
	d.dmabuf_fd = dbuf;
	ASSERT_EQ(1, bp_ucmd(&ring, self->fd, BIGPHYS_URING_CMD_DMA, &d,
			     sizeof(d), 7));
	ret = bp_cqe_wait(&ring, &cqe, 10000);
	if (!ret)
		ret = dma_run(self->fd, (int)a.id, 3 * BP_PAGE, WIN_SIZE,
			      BIGPHYS_DMA_FROM_DEVICE) ? errno : 0;
	io_uring_queue_exit(&ring);
	ASSERT_EQ(0, ret) TH_LOG("CQE wait or readback: %s", strerror(abs(ret)));
	ASSERT_EQ(0, cqe.res) TH_LOG("uring DMA from the dma-buf: %s",
				     strerror(-cqe.res));
	ASSERT_EQ(7ULL, cqe.tag);
	ASSERT_EQ(-1L, bp_check_bytes(p + 3 * BP_PAGE, WIN_SIZE, 41, 0, 0));

	ASSERT_EQ(0, unmap(self, q));
	ASSERT_EQ(0, unmap(self, p));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

/*
 * A uring job from a dma-buf, the ring closed, then an ioctl job: its
 * WAIT_DMA must not fail with EINTR.  No signal is sent; closing a ring
 * makes io_uring queue task work with TWA_SIGNAL on the task
 * (io_ring_exit_work), which interrupts an interruptible sleep: a driver
 * returns -ERESTARTSYS there, and the call restarts transparently.
 */
TEST_F(dmabuf, wait_after_ring_exit)
{
	struct bigphys_alloc a;
	struct io_uring ring;
	struct bigphys_dma d;
	struct bp_cqe cqe;
	int e;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	e = keep(self, bp_export(self->fd, a.id, 0, 0, RDWR));
	ASSERT_LE(0, e);
	ASSERT_EQ(0, bp_ring_init(&ring, 0));
	bp_dma_req(&d, 0, 0, 64, WIN, DBUF);
	d.dmabuf_fd = e;
	ASSERT_EQ(1, bp_ucmd(&ring, self->fd, BIGPHYS_URING_CMD_DMA, &d,
			     sizeof(d), 1));
	ASSERT_EQ(0, bp_cqe_wait(&ring, &cqe, 10000));
	ASSERT_EQ(0, cqe.res);
	io_uring_queue_exit(&ring);
	ASSERT_EQ(0, dma_run(self->fd, (int)a.id, 0, 64, 0))
		TH_LOG("STRT_DMA + WAIT_DMA after the ring's close: %s",
		       strerror(errno));
	ASSERT_EQ(0, drop(self, e));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * Why this kernel may lack @path (/dev/udmabuf or /dev/dma_heap/system), or
 * NULL when it must have it.  Debian's 6.1 kernels have neither
 * (CONFIG_UDMABUF and CONFIG_DMABUF_HEAPS unset in the amd64 and arm64
 * configs).  Its 6.12 kernels have udmabuf (CONFIG_UDMABUF=y, amd64 and
 * arm64); the system heap only on amd64 (CONFIG_DMABUF_HEAPS_SYSTEM=y):
 * the arm64 6.12 config has no CONFIG_DMABUF_HEAPS, so there a missing
 * /dev/dma_heap (no heap registered at all) is this kernel's build, while
 * a /dev/dma_heap without its system heap is still a failure.
 */
#ifdef __x86_64__
#define ARCH_X86_64	1
#else
#define ARCH_X86_64	0
#endif

static const char *may_lack(const char *path)
{
	if (!kernel_is_612())
		return "only Debian's 6.12 kernels are known to have it";
	if (!ARCH_X86_64 && !strncmp(path, "/dev/dma_heap/", 14) &&
	    access("/dev/dma_heap", F_OK))
		return "no /dev/dma_heap: no CONFIG_DMABUF_HEAPS (Debian's arm64 6.12)";
	return NULL;
}

/* A missing heap or udmabuf node skips where may_lack() says why. */
#define OPEN_OR_SKIP(fd, path) do {					\
	const char *__why;						\
	int __err;							\
									\
	(fd) = keep(self, open((path), O_RDWR | O_CLOEXEC));		\
	if ((fd) < 0) {							\
		__err = errno;						\
		__why = may_lack(path);					\
		ASSERT_NE(NULL, __why)					\
			TH_LOG("this kernel must have %s: %s", (path),	\
			       strerror(__err));			\
		SKIP(return, "no %s on this kernel: %s", (path), __why); \
	}								\
} while (0)

TEST_F(dmabuf, import_system_heap)
{
	struct dma_heap_allocation_data h;
	int heap, dbuf;

	OPEN_OR_SKIP(heap, "/dev/dma_heap/system");
	memset(&h, 0, sizeof(h));
	h.len = 4 * BP_PAGE;
	h.fd_flags = O_RDWR | O_CLOEXEC;
	ASSERT_EQ(0, ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &h))
		TH_LOG("DMA_HEAP_IOCTL_ALLOC: %s", strerror(errno));
	dbuf = keep(self, (int)h.fd);
	import_roundtrip(_metadata, self, dbuf, 4 * BP_PAGE);
	ASSERT_EQ(0, drop(self, dbuf));
	ASSERT_POOL_IDLE(self->fd);
}

TEST_F(dmabuf, import_udmabuf)
{
	struct udmabuf_create c;
	int dev, memfd, dbuf;

	OPEN_OR_SKIP(dev, "/dev/udmabuf");
	memfd = keep(self, memfd_create("dmabuf_test", MFD_ALLOW_SEALING));
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, 4 * BP_PAGE));
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	memset(&c, 0, sizeof(c));
	c.memfd = (__u32)memfd;
	c.flags = UDMABUF_FLAGS_CLOEXEC;
	c.size = 4 * BP_PAGE;
	dbuf = keep(self, ioctl(dev, UDMABUF_CREATE, &c));
	ASSERT_LE(0, dbuf) TH_LOG("UDMABUF_CREATE: %s", strerror(errno));
	skip_exporter_sync = bp_swiotlb_forced();
	if (skip_exporter_sync)
		TH_LOG("swiotlb=force: udmabuf's own SYNC would undo device writes: not used");
	import_roundtrip(_metadata, self, dbuf, 4 * BP_PAGE);
	skip_exporter_sync = 0;
	/* The memfd holds what the dma-buf does. */
	{
		__u8 buf[64];

		ASSERT_EQ((ssize_t)sizeof(buf), pread(memfd, buf, sizeof(buf), BP_PAGE));
		ASSERT_EQ(-1L, bp_check_bytes(buf, sizeof(buf), 42, 0, 0));
	}
	ASSERT_EQ(0, drop(self, dbuf));
	ASSERT_POOL_IDLE(self->fd);
}

/* A vgem dumb buffer (every kernel); the readback shows through vgem's map. */
TEST_F(dmabuf, import_vgem_dumb)
{
	struct drm_mode_create_dumb cd;
	struct drm_mode_map_dumb md;
	int dbuf;
	__u8 *g;

	OPEN_VGEM(self);
	memset(&cd, 0, sizeof(cd));
	cd.width = 1024;
	cd.height = 4;
	cd.bpp = 32;
	ASSERT_EQ(0, ioctl(self->card, DRM_IOCTL_MODE_CREATE_DUMB, &cd))
		TH_LOG("CREATE_DUMB: %s", strerror(errno));
	ASSERT_LE(4 * BP_PAGE, cd.size);
	dbuf = keep(self, prime_export(self->card, cd.handle));
	ASSERT_LE(0, dbuf) TH_LOG("PRIME_HANDLE_TO_FD: %s", strerror(errno));
	import_roundtrip(_metadata, self, dbuf, 4 * BP_PAGE);
	memset(&md, 0, sizeof(md));
	md.handle = cd.handle;
	ASSERT_EQ(0, ioctl(self->card, DRM_IOCTL_MODE_MAP_DUMB, &md));
	g = map_keep(self, self->card, md.offset, cd.size, PROT_READ);
	ASSERT_NE(NULL, g) TH_LOG("mmap of the dumb buffer: %s", strerror(errno));
	ASSERT_EQ(-1L, bp_check_bytes(g + BP_PAGE, WIN_SIZE, 42, 0, 0));
	ASSERT_EQ(-1L, bp_check_bytes(g, WIN_SIZE, 41, 0, 0));
	ASSERT_EQ(0, unmap(self, g));
	ASSERT_EQ(0, drop(self, dbuf));
	ASSERT_EQ(0, gem_close(self->card, cd.handle));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * Bad dma-bufs for STRT_DMA, STRT_DMAV, DMA_MAP and the uring command:
 * EBADF not an open fd, EINVAL not a dma-buf, a range past its end, or
 * DMABUF with USER_PTR.
 */
TEST_F(dmabuf, import_errors)
{
	struct bigphys_dma_seg seg;
	struct bigphys_dma_map m;
	struct bigphys_dmav v;
	struct bigphys_dma d;
	struct bigphys_alloc a;
	struct io_uring ring;
	struct bp_cqe cqe;
	int pp[2], e, closed, i;
	int bad[4][2];
	static __u8 ubuf[BP_PAGE];

	ASSERT_EQ(0, pipe(pp));
	keep(self, pp[0]);
	keep(self, pp[1]);
	ASSERT_EQ(0, bp_alloc(self->fd, "", 2 * BP_PAGE, 0, 0, &a));
	e = keep(self, bp_export(self->fd, a.id, 0, 0, RDWR));
	ASSERT_LE(0, e);
	ASSERT_EQ(0, bp_ring_init(&ring, 0));
	closed = lowest_fd();
	ASSERT_LE(0, closed);
	/* { fd, errno } */
	bad[0][0] = -1;		bad[0][1] = EBADF;
	bad[1][0] = closed;	bad[1][1] = EBADF;
	bad[2][0] = pp[0];	bad[2][1] = EINVAL;
	bad[3][0] = self->fd;	bad[3][1] = EINVAL;
	for (i = 0; i < 4; i++) {
		bp_dma_req(&d, 0, 0, 64, WIN, DBUF);
		d.dmabuf_fd = bad[i][0];
		ASSERT_ERRNO(bad[i][1], bp_dma_start(self->fd, &d));
		seg.offset = 0;
		seg.len = 64;
		seg.dev_addr = WIN;
		memset(&v, 0, sizeof(v));
		v.dmabuf_fd = bad[i][0];
		v.flags = DBUF;
		v.nr_segs = 1;
		v.segs = (__u64)(uintptr_t)&seg;
		ASSERT_ERRNO(bad[i][1], ioctl(self->fd, BIGPHYS_IOC_STRT_DMAV, &v));
		bp_dma_map_req(&m, 0, DBUF, 0, 64, 0);
		m.dmabuf_fd = bad[i][0];
		ASSERT_ERRNO(bad[i][1], ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m));
		ASSERT_EQ(1, bp_ucmd(&ring, self->fd, BIGPHYS_URING_CMD_DMA, &d,
				     sizeof(d), i));
		ASSERT_EQ(0, bp_cqe_wait(&ring, &cqe, 10000));
		ASSERT_EQ(-bad[i][1], cqe.res) TH_LOG("uring, fd %d", bad[i][0]);
	}
	io_uring_queue_exit(&ring);

	/* Past the end: the offset, or offset + len. */
	bp_dma_req(&d, (__u32)e, 2 * BP_PAGE, 64, WIN, DBUF);
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	bp_dma_req(&d, (__u32)e, 2 * BP_PAGE - 32, 64, WIN, DBUF);
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	seg.offset = 2 * BP_PAGE - 32;
	seg.len = 64;
	seg.dev_addr = WIN;
	v.dmabuf_fd = e;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_STRT_DMAV, &v));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, (__u32)e, DBUF, BP_PAGE,
					BP_PAGE + 1, 0, &m));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, (__u32)e, DBUF, -BP_PAGE,
					2 * BP_PAGE, 0, &m));
	/* DMABUF with USER_PTR. */
	bp_dma_req(&d, (__u32)e, 0, 64, WIN, DBUF | BIGPHYS_DMA_USER_PTR);
	d.user_addr = (__u64)(uintptr_t)ubuf;
	ASSERT_ERRNO(EINVAL, bp_dma_start(self->fd, &d));
	ASSERT_ERRNO(EINVAL, bp_dma_map(self->fd, (__u32)e,
					DBUF | BIGPHYS_DMA_USER_PTR, 0, 64,
					(__u64)(uintptr_t)ubuf, &m));
	v.flags = DBUF | BIGPHYS_DMA_USER_PTR;
	seg.offset = 0;
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, BIGPHYS_IOC_STRT_DMAV, &v));
	/* Nothing was left queued or mapped. */
	ASSERT_EQ(1U, bp_list_nr_dma(self->fd))
		TH_LOG("the export must be the region's only DMA user");
	ASSERT_EQ(0, drop(self, e));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * Last: a kernel BUG in a WC capture (a vmap that vb2 cannot undo) would
 * leave the buffer queued and fail every later test of the binary.
 */
TEST_F_TIMEOUT(dmabuf, vivid_vmalloc_pages, 120)
{
	vivid_capture(_metadata, self, 0, PG);
}

TEST_F_TIMEOUT(dmabuf, vivid_contig_pages, 120)
{
	vivid_capture(_metadata, self, 1, PG);
}

TEST_F_TIMEOUT(dmabuf, vivid_contig_wc, 120)
{
	vivid_capture(_metadata, self, 1, BIGPHYS_CACHE_WC);
}

TEST_F_TIMEOUT(dmabuf, vivid_vmalloc_wc, 120)
{
	vivid_capture(_metadata, self, 0, BIGPHYS_CACHE_WC);
}

TEST_HARNESS_MAIN
