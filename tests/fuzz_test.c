// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphys hostile-input tests (issue 4): every ioctl with unknown and
 * wrong-size command numbers, bad pointers of every kind, syzkaller-style
 * special integers in every field, random flag bits, bad names, stale and
 * foreign ids; mmap at and around region and pool edges; access after FREE;
 * regions of other fds and processes.
 *
 * The tables are checked against a model of the contract in
 * include/uapi/bigphys.h: each call must succeed exactly when the model says
 * so, and otherwise fail with the errno the header documents for that case
 * (one errno where the header determines it, a documented set where it does
 * not).  A case that disagrees is logged and counted; each test fails at its
 * end if any did, so one run shows every mismatch.  Every test leaves the
 * pool idle (no region, every byte free), checked by the fixture teardown
 * on a fresh fd, and the last test checks INFO and LIST once more.
 */
#include "bigphys_test_util.h"
#include "bigphys_uring_util.h"

#include <limits.h>
#include <stdlib.h>

#define WIN		0x40000ULL	/* edu device window */
#define WIN_SIZE	4095ULL
#define WAIT_NS		(10 * BP_NSEC)
#define KERNEL_PTR	0xffffffff81000000ULL
#define DMA_MAX_LEN	(1ULL << 30)	/* bigphys_get_memory(): SZ_1G */

static const char *const persist_names[] = { "fz_rnd", "fz_ro_att", "fz_pg" };

/* Special integers for every 64-bit field (syzkaller style). */
static const __u64 sv64[] = {
	0, 1, 4095, 4096, 4097,
	(1ULL << 31) - 1, 1ULL << 31, (1ULL << 31) + 1,
	(1ULL << 32) - 2, (1ULL << 32) - 1, 1ULL << 32, (1ULL << 32) + 1,
	(1ULL << 63) - 1, 1ULL << 63, (1ULL << 63) + 1,
	-4096ULL, -2ULL, -1ULL,
};

/* The same for 32-bit fields. */
static const __u32 sv32[] = {
	0, 1, 4095, 4096, 4097, (1U << 31) - 1, 1U << 31, (1U << 31) + 1,
	-2U, -1U,
};

/*
 * Outcome sets: bit 0 is success, bit e the errno e (the errnos used here
 * are < 64 except the four mapped to the top bits).
 */
static __u64 ebit(int e)
{
	switch (e) {
	case 0:
		return 1;
	case EOVERFLOW:
		return 1ULL << 60;
	case EOPNOTSUPP:
		return 1ULL << 61;
	case ETIMEDOUT:
		return 1ULL << 62;
	}
	return e > 0 && e < 60 ? 1ULL << e : 1ULL << 63;
}

#define OK	ebit(0)

struct fz_stats {
	unsigned int cases;
	unsigned int ok;
	unsigned int errors;
	unsigned int bad;
};

/*
 * Check the result of one case: @ret is the call's return value (0 or -1,
 * errno set), @allowed the outcome set.  Returns the errno seen (0: success).
 */
static int fz_check(struct __test_metadata *_metadata, struct fz_stats *st,
		    long ret, __u64 allowed, const char *what)
{
	int e = ret == 0 ? 0 : ret == -1 ? errno : 255;

	st->cases++;
	if (e)
		st->errors++;
	else
		st->ok++;
	if (!(allowed & ebit(e))) {
		st->bad++;
		TH_LOG("%s: got %s (ret %ld), outcome set 0x%llx", what,
		       e ? strerror(e) : "success", ret,
		       (unsigned long long)allowed);
	}
	return e;
}

#define FZ_END(st) do {							\
	TH_LOG("%u cases: %u succeeded, %u failed as documented, %u wrong", \
	       (st).cases, (st).ok, (st).errors, (st).bad);	\
	ASSERT_EQ(0U, (st).bad);					\
} while (0)

/* xorshift64*: a fixed-seed generator for the random cases. */
static __u64 fz_rand(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Whether [@addr, @addr + @len) is readable user memory (pipe probe). */
static int user_readable(__u64 addr, size_t len)
{
	char buf[4096];
	int p[2], ok;

	if (pipe(p))
		return 0;
	ok = write(p[1], (const void *)(uintptr_t)addr, len) == (ssize_t)len;
	if (ok)
		ok = read(p[0], buf, len) == (ssize_t)len;
	close(p[0]);
	close(p[1]);
	return ok;
}

/* Open file descriptors of this process. */
static int fz_nr_fds(void)
{
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n;
}

FIXTURE(fuzz) {
	int fd;
	int fd2;
	pid_t child;
	struct bigphys_info info;
	int have_dev;
	struct bigphys_dev_info dev;
	char *rw;		/* RW page, then an unmapped page */
	char *none;		/* PROT_NONE page */
	char *ro;		/* read-only page */
};

FIXTURE_SETUP(fuzz)
{
	char *p;

	self->fd2 = -1;
	self->child = -1;
	self->fd = bp_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", BP_DEV, strerror(errno));
	ASSERT_POOL_IDLE(self->fd);
	ASSERT_EQ(0, bp_info(self->fd, &self->info));
	self->have_dev = !bp_dev_info(self->fd, 0, &self->dev);
	if (!self->have_dev)
		ASSERT_EQ(ENODEV, errno);

	p = mmap(NULL, 4 * BP_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0, 4 * BP_PAGE);
	ASSERT_EQ(0, munmap(p + BP_PAGE, BP_PAGE));
	ASSERT_EQ(0, mprotect(p + 2 * BP_PAGE, BP_PAGE, PROT_NONE));
	self->rw = p;
	self->none = p + 2 * BP_PAGE;
	self->ro = p + 3 * BP_PAGE;
}

FIXTURE_TEARDOWN(fuzz)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->fd2 >= 0)
		close(self->fd2);
	bp_teardown(_metadata, self->child, persist_names,
		    ARRAY_SIZE(persist_names));
}

/* Every ioctl of the ABI. */
static const struct fz_ioctl {
	const char *name;
	unsigned long cmd;
	size_t size;
} fz_ioctls[] = {
	{ "ALLOC", BIGPHYS_IOC_ALLOC, sizeof(struct bigphys_alloc) },
	{ "FREE", BIGPHYS_IOC_FREE, sizeof(struct bigphys_free) },
	{ "INFO", BIGPHYS_IOC_INFO, sizeof(struct bigphys_info) },
	/* INFO of before pages_base (the first bytes only): valid. */
	{ "INFO_V1", BIGPHYS_IOC_INFO_V1, _IOC_SIZE(BIGPHYS_IOC_INFO_V1) },
	{ "LIST", BIGPHYS_IOC_LIST, sizeof(struct bigphys_list) },
	{ "STRT_DMA", BIGPHYS_IOC_STRT_DMA, sizeof(struct bigphys_dma) },
	{ "WAIT_DMA", BIGPHYS_IOC_WAIT_DMA, sizeof(struct bigphys_dma_wait) },
	{ "DMA_MAP", BIGPHYS_IOC_DMA_MAP, sizeof(struct bigphys_dma_map) },
	{ "DMA_UNMAP", BIGPHYS_IOC_DMA_UNMAP, sizeof(__u64) },
	{ "DEV_INFO", BIGPHYS_IOC_DEV_INFO, sizeof(struct bigphys_dev_info) },
	{ "STRT_DMAV", BIGPHYS_IOC_STRT_DMAV, sizeof(struct bigphys_dmav) },
	{ "EXPORT", BIGPHYS_IOC_EXPORT, sizeof(struct bigphys_export) },
};

/*
 * The INFO command of the 48-byte struct of before pages_base (old
 * binaries), which may differ from INFO_V1: tests/page_test.c
 * info_old_binaries checks it; it is no unknown command here.
 */
#define FZ_OLD_INFO	_IOC(_IOC_READ, BIGPHYS_IOC_MAGIC, 3, 48)

static int is_abi_cmd(unsigned long cmd)
{
	size_t i;

	if (cmd == FZ_OLD_INFO)
		return 1;

	for (i = 0; i < ARRAY_SIZE(fz_ioctls); i++)
		if (fz_ioctls[i].cmd == cmd)
			return 1;
	return 0;
}

/*
 * Unknown command numbers: every number of our magic in every direction
 * with many sizes (which includes each ABI number with a wrong size or
 * direction), random 32-bit commands of our magic, and other magics'
 * numbers: all -ENOTTY, with a valid zeroed buffer as the argument.
 */
TEST_F(fuzz, unknown_cmds)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	static const unsigned int sizes[] = {
		0, 1, 4, 7, 8, 16, 24, 40, 48, 56, 64, 72, 80, 88, 96, 128,
		4096, _IOC_SIZEMASK,
	};
	struct fz_stats st = {};
	unsigned int nr, d, s, i;
	unsigned long cmd;
	__u64 seed = 0xF00DULL;
	char what[96];
	char *buf;

	buf = calloc(1, 4 * BP_PAGE + _IOC_SIZEMASK);
	ASSERT_NE(NULL, buf);
	for (nr = 0; nr <= _IOC_NRMASK; nr++)
		for (d = 0; d < ARRAY_SIZE(dirs); d++)
			for (s = 0; s < ARRAY_SIZE(sizes); s++) {
				if (dirs[d] == _IOC_NONE && sizes[s])
					continue;
				cmd = _IOC(dirs[d], BIGPHYS_IOC_MAGIC, nr, sizes[s]);
				if (is_abi_cmd(cmd))
					continue;
				snprintf(what, sizeof(what), "cmd 0x%lx", cmd);
				fz_check(_metadata, &st, ioctl(self->fd, cmd, buf),
					 ebit(ENOTTY), what);
			}
	for (i = 0; i < 4000; i++) {
		cmd = (unsigned long)(__u32)fz_rand(&seed);
		cmd = (cmd & ~(_IOC_TYPEMASK << _IOC_TYPESHIFT)) |
		      (BIGPHYS_IOC_MAGIC << _IOC_TYPESHIFT);
		if (is_abi_cmd(cmd))
			continue;
		snprintf(what, sizeof(what), "random cmd 0x%lx", cmd);
		fz_check(_metadata, &st, ioctl(self->fd, cmd, buf),
			 ebit(ENOTTY), what);
	}
	/* The ABI numbers under other magics (not ones the VFS handles). */
	for (i = 0; i < ARRAY_SIZE(fz_ioctls); i++) {
		static const unsigned int magics[] = { 0xBB, 0xB9, 0x01, 0xFF };

		for (d = 0; d < ARRAY_SIZE(magics); d++) {
			cmd = (fz_ioctls[i].cmd & ~(_IOC_TYPEMASK << _IOC_TYPESHIFT)) |
			      (magics[d] << _IOC_TYPESHIFT);
			snprintf(what, sizeof(what), "%s under magic 0x%x",
				 fz_ioctls[i].name, magics[d]);
			fz_check(_metadata, &st, ioctl(self->fd, cmd, buf),
				 ebit(ENOTTY), what);
		}
	}
	free(buf);
	ASSERT_POOL_IDLE(self->fd);
	FZ_END(st);
}

/*
 * Bad argument pointers for every ioctl: -EFAULT, and nothing happens.  A
 * region exists meanwhile so LIST has something to copy.
 */
TEST_F(fuzz, bad_pointers)
{
	struct fz_stats st = {};
	struct bigphys_alloc a;
	struct bigphys_info in;
	char what[96];
	size_t i, j;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	for (i = 0; i < ARRAY_SIZE(fz_ioctls); i++) {
		const struct fz_ioctl *io = &fz_ioctls[i];
		const struct {
			const char *name;
			__u64 ptr;
		} ptrs[] = {
			{ "NULL", 0 },
			{ "(void *)1", 1 },
			{ "unmapped page", (uintptr_t)self->rw + BP_PAGE },
			{ "PROT_NONE page", (uintptr_t)self->none },
			{ "kernel address", KERNEL_PTR },
			{ "straddling into unmapped",
			  (uintptr_t)self->rw + BP_PAGE - io->size / 2 },
			{ "non-canonical", 1ULL << 63 },
			{ "last byte of the address space", -1ULL },
			{ "top page", -4096ULL },
		};

		for (j = 0; j < ARRAY_SIZE(ptrs); j++) {
			snprintf(what, sizeof(what), "%s with %s", io->name,
				 ptrs[j].name);
			/* The valid half of a straddling argument: zeroes. */
			memset(self->rw, 0, BP_PAGE);
			fz_check(_metadata, &st,
				 ioctl(self->fd, io->cmd, (uintptr_t)ptrs[j].ptr),
				 ebit(EFAULT), what);
		}
	}
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(1U, in.nr_regions);
	ASSERT_EQ(self->info.pool_size - BP_PAGE, in.free_bytes);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
	FZ_END(st);
}

/* Reap every job in @cookies (which must all finish). */
static void reap_jobs(struct __test_metadata *_metadata, int fd,
		      __u64 *cookies, unsigned int *n)
{
	struct bigphys_dma_wait w;
	unsigned int i;

	for (i = 0; i < *n; i++) {
		ASSERT_EQ(0, bp_dma_wait(fd, cookies[i], WAIT_NS, &w))
			TH_LOG("WAIT cookie %llu: %s",
			       (unsigned long long)cookies[i], strerror(errno));
		ASSERT_EQ(0, w.status);
	}
	*n = 0;
}

/*
 * Output in read-only memory (input valid): the _IOR/_IOWR ioctls fail with
 * -EFAULT and must undo what they did; _IOW ones work.
 */
TEST_F(fuzz, readonly_output)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_region_info ri;
	struct bigphys_dma_wait w;
	struct bigphys_dma_map m;
	struct bigphys_alloc a, b;
	struct bigphys_alloc *x;
	struct bigphys_dma d;
	char *ro = self->ro;
	__u32 n;
	int i;

	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ | PROT_WRITE));
	memset(ro, 0, BP_PAGE);

	/* ALLOC: anonymous, named, and an attach that asks for PERSIST. */
	ASSERT_EQ(0, bp_alloc(self->fd, "fz_ro_att", BP_PAGE, 0, cr, &a));
	x = (void *)ro;
	x[0].size = BP_PAGE;
	x[1].size = BP_PAGE;
	x[1].flags = cr;
	bp_set_name(x[1].name, "fz_ro_new");
	x[2].flags = BIGPHYS_ALLOC_PERSIST;
	bp_set_name(x[2].name, "fz_ro_att");
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_ALLOC, ro));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_ALLOC,
				   ro + sizeof(struct bigphys_alloc)));
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "fz_ro_new", 0, 0, 0, NULL));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_ALLOC,
				   ro + 2 * sizeof(struct bigphys_alloc)));
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	EXPECT_EQ(0U, ri.flags & BIGPHYS_ALLOC_PERSIST)
		TH_LOG("a failed attach left the region PERSIST");
	ASSERT_EQ(1U, ri.nr_files);
	ASSERT_EQ(0, bp_free_name(self->fd, "fz_ro_att"));
	ASSERT_POOL_IDLE(self->fd);

	/* INFO, INFO_V1, LIST (the struct, and the array). */
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_INFO, ro));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_INFO_V1, ro));
	/* V1's bytes fit before an unmapped page; INFO's do not. */
	{
		const size_t v1 = _IOC_SIZE(BIGPHYS_IOC_INFO_V1);

		memset(self->rw, 0, BP_PAGE);
		ASSERT_EQ(0, ioctl(self->fd, BIGPHYS_IOC_INFO_V1,
				   self->rw + BP_PAGE - v1));
		ASSERT_EQ(0, memcmp(self->rw + BP_PAGE - v1, &self->info, v1));
		ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_INFO,
					   self->rw + BP_PAGE - v1));
	}
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	n = 4;
	ASSERT_ERRNO(EFAULT, bp_list(self->fd, (void *)ro, &n));
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ | PROT_WRITE));
	((struct bigphys_list *)ro)->regions = (uintptr_t)self->rw;
	((struct bigphys_list *)ro)->count = 4;
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_LIST, ro));

	/* DMA_UNMAP and FREE read only. */
	ASSERT_ERRNO(ENOENT, ioctl(self->fd, BIGPHYS_IOC_DMA_UNMAP, ro + 64));
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ | PROT_WRITE));
	memset(ro, 0, BP_PAGE);
	((struct bigphys_free *)ro)->id = a.id;
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	ASSERT_EQ(0, ioctl(self->fd, BIGPHYS_IOC_FREE, ro));
	ASSERT_POOL_IDLE(self->fd);

	/* EXPORT: the fd is installed only after the copy-out worked. */
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ | PROT_WRITE));
	memset(ro, 0, BP_PAGE);
	((struct bigphys_export *)ro)->region_id = a.id;
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	n = fz_nr_fds();
	for (i = 0; i < 70; i++)
		ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_EXPORT, ro));
	EXPECT_EQ(n, (__u32)fz_nr_fds()) TH_LOG("failed EXPORTs left fds");
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	EXPECT_EQ(0U, ri.nr_dma) TH_LOG("failed EXPORTs still hold the region");
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);

	if (!self->have_dev) {
		ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ | PROT_WRITE));
		memset(ro, 0, BP_PAGE);
		ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
		ASSERT_ERRNO(ENODEV, ioctl(self->fd, BIGPHYS_IOC_DEV_INFO, ro));
		SKIP(return, "no DMA device 0: DMA parts skipped");
	}

	/* DEV_INFO of device 0. */
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ | PROT_WRITE));
	memset(ro, 0, BP_PAGE);
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_DEV_INFO, ro));

	/*
	 * STRT_DMA: more failures than the job limit, and each undone: the
	 * region is not held and the fd can still start a job.
	 */
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &b));
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ | PROT_WRITE));
	bp_dma_req((struct bigphys_dma *)ro, b.id, 0, 16, WIN, 0);
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	for (i = 0; i < 70; i++)
		ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_STRT_DMA, ro));
	ASSERT_EQ(0, bp_find(self->fd, b.id, &ri));
	ASSERT_EQ(0U, ri.nr_dma);

	/* DMA_MAP: likewise. */
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ | PROT_WRITE));
	memset(ro, 0, BP_PAGE);
	((struct bigphys_dma_map *)ro)->region_id = b.id;
	((struct bigphys_dma_map *)ro)->len = BP_PAGE;
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	for (i = 0; i < 70; i++)
		ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, ro));
	ASSERT_EQ(0, bp_find(self->fd, b.id, &ri));
	EXPECT_EQ(0U, ri.nr_dma) TH_LOG("failed DMA_MAPs still hold the region");
	ASSERT_EQ(0, bp_dma_map(self->fd, b.id, 0, 0, BP_PAGE, 0, &m))
		TH_LOG("DMA_MAP after failed ones: %s", strerror(errno));
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));

	/* WAIT_DMA: a failed copy-out does not reap the job. */
	bp_dma_req(&d, b.id, 0, 16, WIN, 0);
	ASSERT_EQ(0, bp_dma_start(self->fd, &d));
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ | PROT_WRITE));
	memset(ro, 0, BP_PAGE);
	((struct bigphys_dma_wait *)ro)->cookie = d.cookie;
	((struct bigphys_dma_wait *)ro)->timeout_ns = WAIT_NS;
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, BIGPHYS_IOC_WAIT_DMA, ro));
	ASSERT_EQ(0, bp_dma_wait(self->fd, d.cookie, WAIT_NS, &w))
		TH_LOG("WAIT after a failed copy-out: %s (job lost)",
		       strerror(errno));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(16ULL, w.bytes);
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	ASSERT_POOL_IDLE(self->fd);
}

/* ALLOC's outcome for a request, by the header's rules (caller is root). */
struct alloc_ctx {
	const struct bigphys_info *info;
	int exists;		/* the name exists, attached to this fd */
	__u64 exist_size;
	__u32 exist_cache;
	int exist_pages;	/* it is page-backed (BIGPHYS_ALLOC_PAGES) */
};

/*
 * The one errno the header gives for @a, as if the pool had a page-backed
 * part; 0 for success.  @pages_cache_ok: skip the PAGES-with-WC/UC rule.
 */
static int alloc_model_one(const struct alloc_ctx *c,
			   const struct bigphys_alloc *a, int name_ok,
			   int pages_cache_ok)
{
	__u32 cache = a->flags & BIGPHYS_CACHE_MASK;
	int pg = !!(a->flags & BIGPHYS_ALLOC_PAGES);
	__u64 size, base, end, start;

	if (a->flags & ~BIGPHYS_ALLOC_FLAGS || !name_ok)
		return EINVAL;
	if ((a->flags & BIGPHYS_ALLOC_EXCL) && !(a->flags & BIGPHYS_ALLOC_CREATE))
		return EINVAL;
	if ((a->flags & BIGPHYS_ALLOC_PERSIST) && !a->name[0])
		return EINVAL;
	if (!pages_cache_ok && pg &&
	    (cache == BIGPHYS_CACHE_WC || cache == BIGPHYS_CACHE_UC))
		return EINVAL;
	if (a->align && (a->align & (a->align - 1) || a->align < BP_PAGE))
		return EINVAL;
	if (a->align > 1ULL << 30)	/* more than genalloc can honour */
		return EINVAL;
	if (a->size > -BP_PAGE)
		return EINVAL;
	size = (a->size + BP_PAGE - 1) & -BP_PAGE;
	if (a->name[0] && c->exists) {
		if (a->flags & BIGPHYS_ALLOC_EXCL)
			return EEXIST;
		if (size > c->exist_size)
			return EINVAL;
		if (cache && cache != c->exist_cache)
			return EINVAL;
		if (pg && !c->exist_pages)
			return EINVAL;
		return 0;
	}
	if (a->name[0] && !(a->flags & BIGPHYS_ALLOC_CREATE))
		return ENOENT;
	if (!size)
		return EINVAL;
	/*
	 * An idle pool: first fit at the first multiple of the alignment,
	 * in the page-backed part for PAGES.
	 */
	base = pg ? c->info->pages_base : c->info->pool_base;
	end = base + (pg ? c->info->pages_size : c->info->pool_size);
	start = a->align ? (base + a->align - 1) & ~(a->align - 1) : base;
	if (start < base || start >= end || size > end - start)
		return ENOSPC;
	return 0;
}

/*
 * The outcome set for @a.  Where two documented conditions hold at once
 * the header does not say which errno wins, so either is allowed:
 * PAGES with WC/UC (EINVAL) against whatever else the request trips over,
 * and PAGES on a pool without a page-backed part (EOPNOTSUPP) against any
 * other error (it cannot succeed there).
 */
static __u64 alloc_model(const struct alloc_ctx *c,
			 const struct bigphys_alloc *a, int name_ok)
{
	__u32 cache = a->flags & BIGPHYS_CACHE_MASK;
	int pg = !!(a->flags & BIGPHYS_ALLOC_PAGES);
	int e = alloc_model_one(c, a, name_ok, 0);
	__u64 set = ebit(e);

	if (pg && (cache == BIGPHYS_CACHE_WC || cache == BIGPHYS_CACHE_UC)) {
		int other = alloc_model_one(c, a, name_ok, 1);

		if (other)
			set |= ebit(other);
	}
	if (pg && !(c->info->flags & BIGPHYS_POOL_HAS_PAGES)) {
		set &= ~OK;
		set |= ebit(EOPNOTSUPP);
	}
	return set;
}

/* Run ALLOC @a on @fd, compare with the model, undo a success. */
static void alloc_case(struct __test_metadata *_metadata, struct fz_stats *st,
		       int fd, const struct alloc_ctx *c,
		       const struct bigphys_alloc *req, int name_ok,
		       const char *what)
{
	struct bigphys_alloc a = *req;
	__u64 want = alloc_model(c, req, name_ok);
	const struct bigphys_info *in = c->info;
	char buf[160];
	int e, pg;

	snprintf(buf, sizeof(buf), "%s (size 0x%llx align 0x%llx flags 0x%x)",
		 what, (unsigned long long)req->size,
		 (unsigned long long)req->align, req->flags);
	e = fz_check(_metadata, st, ioctl(fd, BIGPHYS_IOC_ALLOC, &a), want,
		     buf);
	if (e)
		return;
	/* Where it came from: a page-backed region lies in the pages part. */
	pg = req->name[0] && c->exists ? c->exist_pages :
	     !!(req->flags & BIGPHYS_ALLOC_PAGES);
	if (pg != !!(a.flags & BIGPHYS_ALLOC_PAGES) ||
	    (pg && ((a.flags & BIGPHYS_CACHE_MASK) != BIGPHYS_CACHE_WB ||
		    a.phys_addr < in->pages_base ||
		    a.phys_addr + a.size > in->pages_base + in->pages_size))) {
		st->bad++;
		TH_LOG("%s: flags out 0x%x, phys 0x%llx (pages part 0x%llx + 0x%llx)",
		       buf, a.flags, (unsigned long long)a.phys_addr,
		       (unsigned long long)in->pages_base,
		       (unsigned long long)in->pages_size);
	}
	if (a.size < req->size || a.id == 0 || a.phys_addr % BP_PAGE ||
	    (req->align && a.phys_addr % req->align)) {
		st->bad++;
		TH_LOG("%s: granted size 0x%llx id %u phys 0x%llx", buf,
		       (unsigned long long)a.size, a.id,
		       (unsigned long long)a.phys_addr);
	}
	if (req->name[0] && c->exists)
		return;		/* attached again: the same region, kept */
	if (req->name[0]) {
		EXPECT_EQ(0, bp_free_name(fd, a.name));
	} else {
		EXPECT_EQ(0, bp_free_id(fd, a.id));
	}
}

/* ALLOC: special values in size, align, flags, id, phys_addr; names. */
TEST_F(fuzz, alloc_fields)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct alloc_ctx c = { .info = &self->info };
	struct bigphys_alloc req, ex;
	struct fz_stats st = {};
	__u64 seed = 0xA110CULL;
	char what[96];
	size_t i, k;

	/* Anonymous requests: size and align, then the output fields. */
	for (i = 0; i < ARRAY_SIZE(sv64) + 3; i++) {
		memset(&req, 0, sizeof(req));
		req.size = i < ARRAY_SIZE(sv64) ? sv64[i] :
			   self->info.pool_size + (i - ARRAY_SIZE(sv64) - 1) * BP_PAGE;
		alloc_case(_metadata, &st, self->fd, &c, &req, 1, "anon size");
	}
	for (i = 0; i < ARRAY_SIZE(sv64) + 64; i++) {
		memset(&req, 0, sizeof(req));
		req.size = BP_PAGE;
		req.align = i < ARRAY_SIZE(sv64) ? sv64[i] :
			    1ULL << (i - ARRAY_SIZE(sv64));
		alloc_case(_metadata, &st, self->fd, &c, &req, 1, "anon align");
	}
	for (i = 0; i < ARRAY_SIZE(sv64); i++) {
		memset(&req, 0, sizeof(req));
		req.size = BP_PAGE;
		req.id = (__u32)sv64[i];
		req.phys_addr = sv64[i];
		alloc_case(_metadata, &st, self->fd, &c, &req, 1,
			   "anon, junk in id/phys_addr");
	}
	/* The same sizes and alignments for page-backed regions. */
	for (i = 0; i < ARRAY_SIZE(sv64) + 3; i++) {
		memset(&req, 0, sizeof(req));
		req.size = i < ARRAY_SIZE(sv64) ? sv64[i] :
			   self->info.pages_size + (i - ARRAY_SIZE(sv64) - 1) * BP_PAGE;
		req.flags = BIGPHYS_ALLOC_PAGES;
		alloc_case(_metadata, &st, self->fd, &c, &req, 1, "PAGES size");
	}
	for (i = 0; i < ARRAY_SIZE(sv64) + 64; i++) {
		memset(&req, 0, sizeof(req));
		req.size = BP_PAGE;
		req.flags = BIGPHYS_ALLOC_PAGES;
		req.align = i < ARRAY_SIZE(sv64) ? sv64[i] :
			    1ULL << (i - ARRAY_SIZE(sv64));
		alloc_case(_metadata, &st, self->fd, &c, &req, 1, "PAGES align");
	}
	/* PAGES (and not) with every cache type, anonymous and named. */
	for (i = 0; i < 2 * 4 * 2 * 2; i++) {
		memset(&req, 0, sizeof(req));
		req.size = BP_PAGE;
		req.flags = (i & 1 ? BIGPHYS_ALLOC_PAGES : 0) |
			    (__u32)(i >> 1 & 3) << BIGPHYS_CACHE_SHIFT;
		if (i & 8) {
			req.flags |= cr;
			bp_set_name(req.name, "fz_pg");
		}
		if (i & 16)
			req.flags |= BIGPHYS_ALLOC_PERSIST |
				     (i & 8 ? BIGPHYS_ALLOC_EXCL : 0);
		alloc_case(_metadata, &st, self->fd, &c, &req, 1,
			   "PAGES x cache type");
	}

	/* Every single flag bit and random flags, anonymous and named. */
	for (i = 0; i < 32 + 400; i++) {
		__u64 r = fz_rand(&seed);

		memset(&req, 0, sizeof(req));
		req.size = BP_PAGE;
		req.flags = i < 32 ? 1U << i : (r & 1) ? (__u32)(r >> 8) :
			    (__u32)(r >> 8) & 0x3f;
		if (i >= 32 && (r & 2))
			bp_set_name(req.name, "fz_rnd");
		alloc_case(_metadata, &st, self->fd, &c, &req, 1, "flags");
	}
	/* The same against an existing name (attach), WC, 2 pages. */
	ASSERT_EQ(0, bp_alloc(self->fd, "fz_rnd", 2 * BP_PAGE, 0,
			      cr | BIGPHYS_CACHE_WC, &ex));
	c.exists = 1;
	c.exist_size = ex.size;
	c.exist_cache = BIGPHYS_CACHE_WC;
	for (i = 0; i < 32 + 300; i++) {
		__u64 r = fz_rand(&seed);

		memset(&req, 0, sizeof(req));
		req.size = (r >> 40) % 3 * BP_PAGE + ((r >> 50) & 1);
		req.flags = i < 32 ? 1U << i : (r & 1) ? (__u32)(r >> 8) :
			    (__u32)(r >> 8) & 0x3f;
		bp_set_name(req.name, "fz_rnd");
		alloc_case(_metadata, &st, self->fd, &c, &req, 1, "attach flags");
	}
	for (i = 0; i < ARRAY_SIZE(sv64); i++) {
		memset(&req, 0, sizeof(req));
		req.size = sv64[i];
		bp_set_name(req.name, "fz_rnd");
		alloc_case(_metadata, &st, self->fd, &c, &req, 1, "attach size");
	}
	ASSERT_EQ(0, bp_free_name(self->fd, "fz_rnd"));
	c.exists = 0;
	ASSERT_POOL_IDLE(self->fd);

	/*
	 * Attach with PAGES and every cache type to a WC, a WB and (where the
	 * pool has a page-backed part) a page-backed region of 2 pages.
	 */
	for (k = 0; k < 3; k++) {
		static const __u32 mk[] = {
			BIGPHYS_CACHE_WC, BIGPHYS_CACHE_WB,
			BIGPHYS_ALLOC_PAGES | BIGPHYS_CACHE_WB,
		};

		if (k == 2 && !(self->info.flags & BIGPHYS_POOL_HAS_PAGES))
			break;
		ASSERT_EQ(0, bp_alloc(self->fd, "fz_rnd", 2 * BP_PAGE, 0,
				      cr | mk[k], &ex));
		ASSERT_EQ(mk[k], ex.flags);
		c.exists = 1;
		c.exist_size = ex.size;
		c.exist_cache = mk[k] & BIGPHYS_CACHE_MASK;
		c.exist_pages = !!(mk[k] & BIGPHYS_ALLOC_PAGES);
		for (i = 0; i < 2 * 4 * 4 * 2; i++) {
			memset(&req, 0, sizeof(req));
			req.size = (i >> 3 & 3) * BP_PAGE;	/* 0..3 pages */
			req.flags = (i & 1 ? BIGPHYS_ALLOC_PAGES : 0) |
				    (__u32)(i >> 1 & 3) << BIGPHYS_CACHE_SHIFT;
			if (i & 32)
				req.flags |= cr;
			bp_set_name(req.name, "fz_rnd");
			snprintf(what, sizeof(what), "attach to a %s region",
				 k == 0 ? "WC" : k == 1 ? "WB" : "page-backed");
			alloc_case(_metadata, &st, self->fd, &c, &req, 1, what);
		}
		ASSERT_EQ(0, bp_free_name(self->fd, "fz_rnd"));
		c.exists = 0;
		c.exist_pages = 0;
	}
	ASSERT_POOL_IDLE(self->fd);

	/* Names. */
	{
		static const char bad_chars[] = " /\\\n\t*:%\x7f\x80\xff\x01";
		char name[BIGPHYS_NAME_LEN];

		for (k = 0; k < 2; k++) {
			memset(&req, 0, sizeof(req));
			req.size = BP_PAGE;
			req.flags = cr;
			memset(req.name, 'a', BIGPHYS_NAME_LEN);
			if (k)
				req.name[BIGPHYS_NAME_LEN - 1] = '\0';
			alloc_case(_metadata, &st, self->fd, &c, &req, k,
				   k ? "31-char name" : "name without NUL");
		}
		for (k = 0; k < sizeof(bad_chars) - 1; k++) {
			for (i = 0; i < 2; i++) {
				memset(&req, 0, sizeof(req));
				req.size = BP_PAGE;
				req.flags = cr;
				snprintf(name, sizeof(name), "fz%c", bad_chars[k]);
				if (i)
					snprintf(name, sizeof(name), "%cfz",
						 bad_chars[k]);
				memcpy(req.name, name, sizeof(name));
				snprintf(what, sizeof(what), "name with char 0x%02x",
					 (unsigned char)bad_chars[k]);
				alloc_case(_metadata, &st, self->fd, &c, &req, 0,
					   what);
			}
		}
		/* Junk after the NUL is not part of the name. */
		memset(&req, 0, sizeof(req));
		req.size = BP_PAGE;
		req.flags = cr;
		memset(req.name, '*', BIGPHYS_NAME_LEN);
		memcpy(req.name, "fz.x-_9", 8);
		alloc_case(_metadata, &st, self->fd, &c, &req, 1,
			   "junk after the NUL");
		req.name[0] = '\0';
		alloc_case(_metadata, &st, self->fd, &c, &req, 1,
			   "empty name, junk after the NUL");
		memset(&req, 0, sizeof(req));
		req.size = BP_PAGE;
		memcpy(req.name, "..", 3);
		alloc_case(_metadata, &st, self->fd, &c, &req, 1,
			   "\"..\" without CREATE");
	}
	ASSERT_POOL_IDLE(self->fd);
	FZ_END(st);
}

/* FREE, INFO, LIST, DEV_INFO, DMA_UNMAP and WAIT_DMA (no job) fields. */
TEST_F(fuzz, other_fields)
{
	const __u32 cr = BIGPHYS_ALLOC_CREATE;
	struct bigphys_region_info *ri;
	struct bigphys_dev_info di;
	struct bigphys_dma_wait w;
	struct bigphys_alloc a, b;
	struct bigphys_free f;
	struct bigphys_list l;
	struct fz_stats st = {};
	__u64 seed = 0xF4EEULL;
	char what[96];
	size_t i, k;
	__u32 n;
	int e;

	ASSERT_EQ(0, bp_alloc(self->fd, "fz_free", BP_PAGE, 0, cr, &a));
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &b));

	/* FREE: ids (none but a and b attached), flags, names. */
	for (i = 0; i < ARRAY_SIZE(sv32); i++) {
		if (sv32[i] == a.id || sv32[i] == b.id)
			continue;
		snprintf(what, sizeof(what), "FREE id %u", sv32[i]);
		fz_check(_metadata, &st, bp_free_id(self->fd, sv32[i]),
			 ebit(ENOENT), what);
	}
	for (i = 0; i < 32 + 100; i++) {
		memset(&f, 0, sizeof(f));
		f.id = b.id;
		f.flags = i < 32 ? 1U << i : (__u32)fz_rand(&seed) | 1;
		snprintf(what, sizeof(what), "FREE flags 0x%x", f.flags);
		fz_check(_metadata, &st, ioctl(self->fd, BIGPHYS_IOC_FREE, &f),
			 ebit(EINVAL), what);
	}
	memset(&f, 0, sizeof(f));
	memset(f.name, 'a', BIGPHYS_NAME_LEN);
	fz_check(_metadata, &st, ioctl(self->fd, BIGPHYS_IOC_FREE, &f),
		 ebit(EINVAL), "FREE name without NUL");
	memcpy(f.name, "fz/", 4);
	fz_check(_metadata, &st, ioctl(self->fd, BIGPHYS_IOC_FREE, &f),
		 ebit(EINVAL), "FREE bad name");
	memcpy(f.name, "fz_nosuch", 10);
	fz_check(_metadata, &st, ioctl(self->fd, BIGPHYS_IOC_FREE, &f),
		 ebit(ENOENT), "FREE missing name, junk after NUL");

	/* LIST: count, pad, regions. Canaries after the written entries. */
	ri = calloc(64, sizeof(*ri));
	ASSERT_NE(NULL, ri);
	for (i = 0; i < ARRAY_SIZE(sv32); i++) {
		memset(ri, 0xa5, 64 * sizeof(*ri));
		memset(&l, 0, sizeof(l));
		l.regions = (uintptr_t)ri;
		l.count = sv32[i];
		snprintf(what, sizeof(what), "LIST count %u", sv32[i]);
		e = fz_check(_metadata, &st, ioctl(self->fd, BIGPHYS_IOC_LIST, &l),
			     OK, what);
		if (e)
			continue;
		n = sv32[i] < 2 ? sv32[i] : 2;
		if (l.count != 2 || (n && ri[0].id != a.id && ri[0].id != b.id) ||
		    ((unsigned char *)&ri[n])[0] != 0xa5) {
			st.bad++;
			TH_LOG("%s: count out %u, wrote past the capacity or wrong ids",
			       what, l.count);
		}
	}
	for (i = 1; i < ARRAY_SIZE(sv32); i++) {
		memset(&l, 0, sizeof(l));
		l.regions = (uintptr_t)ri;
		l.count = 64;
		l.pad = sv32[i];
		snprintf(what, sizeof(what), "LIST pad %u", sv32[i]);
		fz_check(_metadata, &st, ioctl(self->fd, BIGPHYS_IOC_LIST, &l),
			 ebit(EINVAL), what);
	}
	for (i = 0; i < ARRAY_SIZE(sv64); i++) {
		for (k = 0; k < 2; k++) {
			memset(&l, 0, sizeof(l));
			l.regions = sv64[i];
			l.count = k ? 64 : 0;
			snprintf(what, sizeof(what), "LIST regions 0x%llx count %u",
				 (unsigned long long)sv64[i], l.count);
			fz_check(_metadata, &st,
				 ioctl(self->fd, BIGPHYS_IOC_LIST, &l),
				 k && !user_readable(sv64[i], 1) ? ebit(EFAULT) : OK,
				 what);
		}
	}
	free(ri);

	/* DEV_INFO: index, pad, reserved; the output fields are ignored. */
	for (i = 0; i < ARRAY_SIZE(sv32); i++) {
		snprintf(what, sizeof(what), "DEV_INFO index %u", sv32[i]);
		fz_check(_metadata, &st, bp_dev_info(self->fd, sv32[i], &di),
			 sv32[i] < self->info.nr_devices ? OK : ebit(ENODEV), what);
		if (!sv32[i])
			continue;
		memset(&di, 0, sizeof(di));
		di.pad = sv32[i];
		snprintf(what, sizeof(what), "DEV_INFO pad %u", sv32[i]);
		fz_check(_metadata, &st, ioctl(self->fd, BIGPHYS_IOC_DEV_INFO, &di),
			 ebit(EINVAL), what);
		memset(&di, 0, sizeof(di));
		di.reserved = sv32[i];
		snprintf(what, sizeof(what), "DEV_INFO reserved %u", sv32[i]);
		fz_check(_metadata, &st, ioctl(self->fd, BIGPHYS_IOC_DEV_INFO, &di),
			 ebit(EINVAL), what);
		memset(&di, 0xff, sizeof(di));
		di.index = 0;
		di.pad = 0;
		di.reserved = 0;
		snprintf(what, sizeof(what), "DEV_INFO junk in the output fields");
		fz_check(_metadata, &st, ioctl(self->fd, BIGPHYS_IOC_DEV_INFO, &di),
			 self->have_dev ? OK : ebit(ENODEV), what);
	}

	/* DMA_UNMAP handles and WAIT_DMA cookies: none exists. */
	for (i = 0; i < ARRAY_SIZE(sv64); i++) {
		snprintf(what, sizeof(what), "DMA_UNMAP handle 0x%llx",
			 (unsigned long long)sv64[i]);
		fz_check(_metadata, &st, bp_dma_unmap(self->fd, sv64[i]),
			 ebit(ENOENT), what);
		snprintf(what, sizeof(what), "WAIT_DMA cookie 0x%llx",
			 (unsigned long long)sv64[i]);
		fz_check(_metadata, &st, bp_dma_wait(self->fd, sv64[i], sv64[i], &w),
			 ebit(ENOENT), what);
		if (!sv64[i])
			continue;
		memset(&w, 0, sizeof(w));
		w.cookie = 1;
		w.pad = (__u32)sv64[i];
		if (!w.pad)
			continue;
		snprintf(what, sizeof(what), "WAIT_DMA pad 0x%x", w.pad);
		fz_check(_metadata, &st, ioctl(self->fd, BIGPHYS_IOC_WAIT_DMA, &w),
			 ebit(EINVAL), what);
	}

	/* Both regions are still there and whole. */
	ASSERT_EQ(0, bp_free_name(self->fd, "fz_free"));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));
	ASSERT_POOL_IDLE(self->fd);
	FZ_END(st);
}

/* EXPORT's outcome by the header's rules. */
static int export_model(const struct bigphys_export *e, __u32 id, __u64 size)
{
	if (e->flags & ~BIGPHYS_EXPORT_FLAGS || e->pad || e->offset % BP_PAGE ||
	    e->len % BP_PAGE)
		return EINVAL;
	if (e->region_id != id)
		return ENOENT;
	if (e->offset >= size || e->len > size - e->offset)
		return EINVAL;
	return 0;
}

/*
 * EXPORT: every field with the special values, random flags; a refused
 * call leaves no fd and no reference behind, an accepted one a dma-buf of
 * the asked size with the asked fd flags.
 */
TEST_F(fuzz, export_fields)
{
	__u64 vals[ARRAY_SIZE(sv64) + 24], seed = 0xE4B0ULL, size;
	struct bigphys_region_info ri;
	struct fz_stats st = {};
	struct bigphys_export e;
	struct bigphys_alloc a;
	unsigned int f, i, nv, ok = 0;
	int fds, want, r, fdflags;
	char what[96];
	struct stat sb;

	ASSERT_EQ(0, bp_alloc(self->fd, "", 4 * BP_PAGE, 0, 0, &a));
	fds = fz_nr_fds();
	for (f = 0; f < 5; f++) {	/* id, flags, offset, len, pad */
		memcpy(vals, sv64, sizeof(sv64));
		nv = ARRAY_SIZE(sv64);
		vals[nv++] = a.id;
		vals[nv++] = BP_PAGE * 3;
		vals[nv++] = BP_PAGE * 4;
		vals[nv++] = BP_PAGE * 5;
		for (i = 0; f == 1 && i < 16; i++)
			vals[nv++] = (__u32)fz_rand(&seed) & ((1U << (i + 1)) - 1);
		for (i = 0; i < nv; i++) {
			memset(&e, 0, sizeof(e));
			e.region_id = a.id;
			e.fd = -7;
			switch (f) {
			case 0: e.region_id = (__u32)vals[i]; break;
			case 1: e.flags = (__u32)vals[i]; break;
			case 2: e.offset = vals[i]; break;
			case 3: e.len = vals[i]; break;
			case 4: e.pad = (__u32)vals[i]; break;
			}
			want = export_model(&e, a.id, a.size);
			snprintf(what, sizeof(what), "EXPORT %s 0x%llx",
				 (const char *[]){ "region_id", "flags", "offset",
						   "len", "pad" }[f],
				 (unsigned long long)vals[i]);
			if (fz_check(_metadata, &st,
				     ioctl(self->fd, BIGPHYS_IOC_EXPORT, &e),
				     ebit(want), what) || want)
				continue;
			ok++;
			size = e.len ? e.len : a.size - e.offset;
			fdflags = fcntl(e.fd, F_GETFD);
			if (fstat(e.fd, &sb) || sb.st_size != (off_t)size ||
			    !(fdflags & FD_CLOEXEC) !=
			    !(e.flags & BIGPHYS_EXPORT_CLOEXEC)) {
				st.bad++;
				TH_LOG("%s: fd %d size %lld (want %llu), fd flags 0x%x",
				       what, e.fd, (long long)sb.st_size,
				       (unsigned long long)size, fdflags);
			}
			ASSERT_EQ(0, close(e.fd));
		}
	}
	TH_LOG("%u exports", ok);
	EXPECT_LT(0U, ok);
	/* Refused calls left no fd; closed dma-bufs hold no reference. */
	EXPECT_EQ(fds, fz_nr_fds());
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	EXPECT_EQ(0U, ri.nr_dma);
	r = bp_export(self->fd, a.id, 0, 0, 0);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	EXPECT_EQ(1U, ri.nr_dma) TH_LOG("a live dma-buf is counted in nr_dma");
	ASSERT_EQ(0, close(r));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
	FZ_END(st);
}

/* STRT_DMA / DMA_MAP outcome by the header's rules (one device: edu). */
struct dma_ctx {
	int have_dev;
	__u32 nr_devices;
	__u32 id;		/* region attached to the fd */
	__u64 phys, size;
	__u64 ubuf;		/* a readable and writable user buffer */
	size_t ubuf_len;
	int dbuf_fd;		/* the only dma-buf open: the region exported */
};

static int dma_model(const struct dma_ctx *c, __u32 region_id, __u32 dev_index,
		     __u32 flags, __u32 pad, __u64 phys, __u64 offset, __u64 len,
		     __u64 dev_addr, __u64 uaddr, int is_map)
{
	if (flags & ~BIGPHYS_DMA_FLAGS || pad)
		return EINVAL;
	if (dev_index >= c->nr_devices)
		return ENODEV;
	if (!is_map && (dev_addr < WIN || !len || len > WIN_SIZE ||
			dev_addr - WIN > WIN_SIZE - len))
		return EINVAL;
	if (!len || len > DMA_MAX_LEN)
		return EINVAL;
	if (flags & BIGPHYS_DMA_DMABUF) {
		/* region_id is the fd; any open file that is no dma-buf: EINVAL */
		if (flags & BIGPHYS_DMA_USER_PTR || phys || uaddr)
			return EINVAL;
		if (fcntl((int)region_id, F_GETFD) < 0)
			return EBADF;
		if ((int)region_id != c->dbuf_fd)
			return EINVAL;
		return offset >= c->size || len > c->size - offset ? EINVAL : 0;
	}
	if (flags & BIGPHYS_DMA_USER_PTR) {
		if (region_id || phys || offset || !uaddr)
			return EINVAL;
		if (uaddr + len < uaddr)
			return -1;	/* wraps: EINVAL or EFAULT */
		if (uaddr >= c->ubuf && uaddr + len <= c->ubuf + c->ubuf_len)
			return 0;
		return EFAULT;
	}
	if (uaddr)
		return EINVAL;
	if (region_id ? region_id != c->id :
	    phys < c->phys || phys - c->phys >= c->size)
		return ENOENT;
	if (offset >= c->size || len > c->size - offset)
		return EINVAL;
	return 0;
}

static __u64 model_set(int want)
{
	return want < 0 ? ebit(EINVAL) | ebit(EFAULT) : ebit(want);
}

enum { F_ID, F_DEV, F_FLAGS, F_PAD, F_PHYS, F_OFF, F_LEN, F_DEVADDR, F_UADDR,
       F_OUT, F_DBUF, F_DBUF_OFF, F_NR };
static const char *const fnames[F_NR] = {
	"region_id", "dev_index", "flags", "pad", "phys_addr", "offset", "len",
	"dev_addr", "user_addr", "output fields", "dmabuf_fd",
	"dma-buf offset",
};

/* io_uring jobs of dma_fields still running (their CQE not seen yet). */
struct uring_ctx {
	struct io_uring ring;
	__u64 tag;
	unsigned int inflight;
	unsigned int bad;	/* a job that was accepted but did not succeed */
};

static void uring_reap(struct uring_ctx *u, const struct bp_cqe *c)
{
	u->inflight--;
	if (c->res)
		u->bad++;
}

/*
 * STRT_DMA through io_uring, returning like the ioctl (0, or -1 and errno):
 * a refused command's CQE is posted before io_uring_enter() returns, an
 * accepted one's only when its job ends.
 */
static long uring_dma(struct uring_ctx *u, int fd, const struct bigphys_dma *d)
{
	__u64 tag = ++u->tag;
	struct bp_cqe c;
	int ret;

	ret = bp_ucmd(&u->ring, fd, BIGPHYS_URING_CMD_DMA, d, sizeof(*d), tag);
	if (ret != 1) {
		errno = ret < 0 ? -ret : EIO;
		return -2;
	}
	while (!bp_cqe_peek(&u->ring, &c)) {
		if (c.tag != tag) {
			uring_reap(u, &c);
			continue;
		}
		if (!c.res)	/* finished already: cannot be */
			u->bad++;
		errno = -c.res;
		return c.res ? -1 : 0;
	}
	u->inflight++;
	return 0;
}

/* Wait for every accepted io_uring job. */
static int uring_drain(struct uring_ctx *u)
{
	struct bp_cqe c;

	while (u->inflight) {
		if (bp_cqe_wait(&u->ring, &c, 10000))
			return -1;
		uring_reap(u, &c);
	}
	return u->bad ? -1 : 0;
}

/*
 * STRT_DMA and DMA_MAP: special values in each field, the others valid,
 * plus context values at the region and window edges and random flags.
 * Successful jobs are reaped, successful mappings unmapped.  STRT_DMA runs
 * through both entry points: the ioctl and io_uring (is_map 2).
 */
TEST_F_TIMEOUT(fuzz, dma_fields, 180)
{
	struct uring_ctx u = {};
	struct fz_stats st = {};
	__u64 cookies[64], vals[ARRAY_SIZE(sv64) + 16], seed = 0xD3AULL;
	unsigned int nc = 0, jobs = 0, maps = 0, nv, f, i, is_map;
	struct bigphys_dma_map m;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	struct dma_ctx c;
	char what[128];
	void *p, *ubuf;
	int want, e;

	ASSERT_EQ(0, bp_alloc(self->fd, "", 2 * BP_PAGE, 0, 0, &a));
	p = bp_map(self->fd, a.phys_addr, a.size);
	ASSERT_NE(MAP_FAILED, p);
	bp_fill(p, a.size, 1);
	if (self->have_dev) {
		ASSERT_EQ(WIN, self->dev.window_base);
		ASSERT_EQ(WIN_SIZE, self->dev.window_size);
	}
	/* Two user pages with unmapped pages around them. */
	ubuf = mmap(NULL, 4 * BP_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ubuf);
	ASSERT_EQ(0, munmap(ubuf, BP_PAGE));
	ubuf = (char *)ubuf + BP_PAGE;
	ASSERT_EQ(0, munmap((char *)ubuf + 2 * BP_PAGE, BP_PAGE));
	memset(ubuf, 1, 2 * BP_PAGE);
	c = (struct dma_ctx){ self->have_dev, self->info.nr_devices, a.id,
			      a.phys_addr, a.size, (uintptr_t)ubuf, 2 * BP_PAGE,
			      bp_export(self->fd, a.id, 0, 0, 0) };
	ASSERT_LE(0, c.dbuf_fd) TH_LOG("EXPORT: %s", strerror(errno));
	ASSERT_EQ(0, bp_ring_init(&u.ring, 0));

	/* 0 STRT_DMA, 1 DMA_MAP, 2 io_uring STRT_DMA, 3 one-segment STRT_DMAV */
	for (is_map = 0; is_map < 4; is_map++) {
		for (f = 0; f < F_NR; f++) {
			memcpy(vals, sv64, sizeof(sv64));
			nv = ARRAY_SIZE(sv64);
			switch (f) {
			case F_ID:
				vals[nv++] = a.id;
				vals[nv++] = a.id + 1;
				break;
			case F_PHYS:
				vals[nv++] = a.phys_addr;
				vals[nv++] = a.phys_addr + a.size - 1;
				vals[nv++] = a.phys_addr + a.size;
				vals[nv++] = a.phys_addr - 1;
				break;
			case F_OFF:
				vals[nv++] = a.size - 64;
				vals[nv++] = a.size - 63;
				vals[nv++] = a.size;
				break;
			case F_LEN:
				vals[nv++] = WIN_SIZE;
				vals[nv++] = a.size;
				vals[nv++] = a.size + 1;
				vals[nv++] = DMA_MAX_LEN;
				vals[nv++] = DMA_MAX_LEN + 1;
				break;
			case F_DEVADDR:
				vals[nv++] = WIN;
				vals[nv++] = WIN + WIN_SIZE - 64;
				vals[nv++] = WIN + WIN_SIZE - 63;
				vals[nv++] = WIN - 1;
				vals[nv++] = WIN + 0x1000;
				break;
			case F_UADDR:
				vals[nv++] = (uintptr_t)ubuf;
				vals[nv++] = (uintptr_t)ubuf + 2 * BP_PAGE - 64;
				vals[nv++] = (uintptr_t)ubuf + 2 * BP_PAGE - 63;
				vals[nv++] = (uintptr_t)p;	/* a bigphys mapping */
				vals[nv++] = (uintptr_t)self->none;
				vals[nv++] = KERNEL_PTR;
				break;
			case F_FLAGS:
				for (i = 0; i < 16; i++)
					vals[nv++] = (fz_rand(&seed) >> 7) & 0xffff;
				break;
			case F_DBUF:
				vals[nv++] = c.dbuf_fd;
				vals[nv++] = self->fd;	/* not a dma-buf */
				vals[nv++] = c.dbuf_fd + 100;	/* not open */
				break;
			case F_DBUF_OFF:
				vals[nv++] = a.size - 64;
				vals[nv++] = a.size - 63;
				break;
			}
			for (i = 0; i < nv; i++) {
				__u64 v = vals[i];
				__u32 id = a.id, dev = 0, fl = 0, pad = 0;
				__u64 phys = 0, off = 0, len = 64, da = WIN, ua = 0;

				switch (f) {
				case F_ID: id = (__u32)v; break;
				case F_DEV: dev = (__u32)v; break;
				case F_FLAGS: fl = (__u32)v; break;
				case F_PAD: pad = (__u32)v; break;
				case F_PHYS: id = 0; phys = v; break;
				case F_OFF: off = v; break;
				case F_LEN: len = v; break;
				case F_DEVADDR: da = v; break;
				case F_UADDR:
					id = 0;
					fl = BIGPHYS_DMA_USER_PTR;
					ua = v;
					break;
				case F_DBUF:
					id = (__u32)v;
					fl = BIGPHYS_DMA_DMABUF;
					break;
				case F_DBUF_OFF:
					id = c.dbuf_fd;
					fl = BIGPHYS_DMA_DMABUF;
					off = v;
					break;
				}
				if (is_map == 1 && (f == F_PAD || f == F_DEVADDR ||
						    f == F_PHYS))
					continue;	/* not fields of DMA_MAP */
				if (is_map == 3 && (f == F_PAD || f == F_PHYS ||
						    f == F_UADDR || f == F_OUT))
					continue;	/* not fields of STRT_DMAV */
				want = dma_model(&c, id, dev, fl, pad, phys, off,
						 len, da, ua, is_map == 1);
				if (!c.have_dev && want == 0)
					want = ENODEV;
				/* Bounced map-only memory cannot be synced. */
				if (is_map == 1 && want == 0 && bp_sg_map_refused() &&
				    (fl & BIGPHYS_DMA_USER_PTR))
					want = EOPNOTSUPP;
				snprintf(what, sizeof(what), "%s %s 0x%llx",
					 (const char *[]){ "STRT_DMA", "DMA_MAP",
							   "io_uring STRT_DMA",
							   "STRT_DMAV" }[is_map],
					 fnames[f], (unsigned long long)v);
				if (is_map == 3) {
					struct bigphys_dma_seg sg = {
						.offset = off, .len = len,
						.dev_addr = da,
					};
					struct bigphys_dmav dv = {
						.region_id = id, .dev_index = dev,
						.flags = fl, .nr_segs = 1,
						.segs = (uintptr_t)&sg,
					};

					e = fz_check(_metadata, &st,
						     ioctl(self->fd, BIGPHYS_IOC_STRT_DMAV, &dv),
						     model_set(want), what);
					if (e)
						continue;
					jobs++;
					cookies[nc++] = dv.cookie;
					if (nc == 32)
						reap_jobs(_metadata, self->fd, cookies, &nc);
					continue;
				}
				if (is_map == 1) {
					memset(&m, 0, sizeof(m));
					m.region_id = id;
					m.dev_index = dev;
					m.flags = fl;
					m.offset = off;
					m.len = len;
					m.user_addr = ua;
					if (f == F_OUT) {
						m.nr_segs = (__u32)v;
						m.bus_addr = v;
						m.handle = v;
					}
					e = fz_check(_metadata, &st,
						     ioctl(self->fd, BIGPHYS_IOC_DMA_MAP, &m),
						     model_set(want), what);
					if (!e) {
						maps++;
						ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));
					}
					continue;
				}
				bp_dma_req(&d, id, off, len, da, fl);
				d.dev_index = dev;
				d.pad = pad;
				d.phys_addr = phys;
				d.user_addr = ua;
				if (f == F_OUT)
					d.cookie = v;
				if (is_map == 2) {
					/* io_uring: no cookie goes out, it must be 0. */
					if (f == F_OUT && v)
						want = EINVAL;
					e = fz_check(_metadata, &st,
						     uring_dma(&u, self->fd, &d),
						     model_set(want), what);
					if (!e)
						jobs++;
					if (u.inflight == 32)
						ASSERT_EQ(0, uring_drain(&u));
					continue;
				}
				e = fz_check(_metadata, &st, bp_dma_start(self->fd, &d),
					     model_set(want), what);
				if (e)
					continue;
				jobs++;
				cookies[nc++] = d.cookie;
				if (nc == 32)
					reap_jobs(_metadata, self->fd, cookies, &nc);
			}
		}
	}
	reap_jobs(_metadata, self->fd, cookies, &nc);
	ASSERT_EQ(0, uring_drain(&u)) TH_LOG("%u accepted io_uring jobs failed", u.bad);
	io_uring_queue_exit(&u.ring);
	TH_LOG("%u DMA jobs, %u device mappings", jobs, maps);
	ASSERT_EQ(0, close(c.dbuf_fd));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, munmap(ubuf, 2 * BP_PAGE));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
	FZ_END(st);
}

/* WAIT_DMA timeouts on a running job: only success or -ETIMEDOUT. */
TEST_F_TIMEOUT(fuzz, wait_timeouts, 120)
{
	struct fz_stats st = {};
	struct bigphys_dma_wait w;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	char what[96];
	size_t i;
	int e;

	if (!self->have_dev)
		SKIP(return, "no DMA device 0");
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	for (i = 0; i < ARRAY_SIZE(sv64); i++) {
		bp_dma_req(&d, a.id, 0, 8, WIN, 0);
		ASSERT_EQ(0, bp_dma_start(self->fd, &d));
		snprintf(what, sizeof(what), "WAIT_DMA timeout 0x%llx",
			 (unsigned long long)sv64[i]);
		/* 10 s or more must see the 100 ms job finish. */
		e = fz_check(_metadata, &st,
			     bp_dma_wait(self->fd, d.cookie, sv64[i], &w),
			     sv64[i] >= WAIT_NS ? OK : OK | ebit(ETIMEDOUT), what);
		if (!e && (w.status || w.bytes != 8)) {
			st.bad++;
			TH_LOG("%s: status %d bytes %llu", what, w.status,
			       (unsigned long long)w.bytes);
		}
		if (e)
			ASSERT_EQ(0, bp_dma_wait(self->fd, d.cookie, WAIT_NS, &w));
		/* Reaped: the cookie is gone. */
		ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, d.cookie, 0, &w));
	}
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	ASSERT_POOL_IDLE(self->fd);
	FZ_END(st);
}

/* Ids of freed regions and of other fds' regions. */
TEST_F(fuzz, stale_and_foreign_ids)
{
	const int rw = PROT_READ | PROT_WRITE;
	struct bigphys_region_info ri;
	struct bigphys_dma_map m;
	struct bigphys_alloc a, b;
	struct bigphys_dma d;
	int nodev = self->have_dev ? 0 : ENODEV;

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, bp_alloc(self->fd2, "", BP_PAGE, 0, 0, &b));

	/* a is freed (its memory may now be b's); b is fd2's. */
	ASSERT_ERRNO(ENOENT, bp_free_id(self->fd, a.id));
	ASSERT_ERRNO(ENOENT, bp_free_id(self->fd, b.id));
	ASSERT_MMAP_FAILS(EINVAL, self->fd, a.phys_addr, BP_PAGE, rw, MAP_SHARED);
	ASSERT_MMAP_FAILS(EINVAL, self->fd, b.phys_addr, BP_PAGE, rw, MAP_SHARED);
	bp_dma_req(&d, a.id, 0, 8, WIN, 0);
	ASSERT_ERRNO(nodev ?: ENOENT, bp_dma_start(self->fd, &d));
	bp_dma_req(&d, b.id, 0, 8, WIN, 0);
	ASSERT_ERRNO(nodev ?: ENOENT, bp_dma_start(self->fd, &d));
	bp_dma_req(&d, 0, 0, 8, WIN, 0);
	d.phys_addr = b.phys_addr;
	ASSERT_ERRNO(nodev ?: ENOENT, bp_dma_start(self->fd, &d));
	ASSERT_ERRNO(nodev ?: ENOENT, bp_dma_map(self->fd, a.id, 0, 0, 8, 0, &m));
	ASSERT_ERRNO(nodev ?: ENOENT, bp_dma_map(self->fd, b.id, 0, 0, 8, 0, &m));

	/* b is untouched. */
	ASSERT_EQ(0, bp_find(self->fd, b.id, &ri));
	ASSERT_EQ(1U, ri.nr_files);
	ASSERT_EQ(0U, ri.nr_dma);
	ASSERT_EQ(0, bp_free_id(self->fd2, b.id));
	ASSERT_ERRNO(ENOENT, bp_free_id(self->fd2, b.id));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * The longest mmap(NULL, len, ...) that the address space search does not
 * refuse with -ENOMEM before the driver sees the call (do_mmap() ->
 * get_unmapped_area(): "len > TASK_SIZE", then the arch's search).
 * Lengths up to it that do not fit beside what is mapped fail with ENOMEM
 * too; the lengths mmap_edges tries are far below it or above it.
 *  - x86_64: TASK_SIZE = TASK_SIZE_MAX = (1 << 47) - PAGE_SIZE with 4-level
 *    paging (arch/x86/include/asm/page_64_types.h; QEMU's CPUs have no
 *    LA57), checked by get_unmapped_area() and arch_get_unmapped_area*()
 *    (arch/x86/kernel/sys_x86_64.c).
 *  - aarch64: TASK_SIZE = 1 << vabits_actual (48 on 6.1, VA_BITS_48; up to
 *    52 on 6.12, VA_BITS_52), but a search without an address hint above
 *    it stays below arch_get_mmap_end() = DEFAULT_MAP_WINDOW_64 =
 *    1 << VA_BITS_MIN = 1 << 48 on both (arch/arm64/include/asm/processor.h,
 *    memory.h), and generic_get_unmapped_area*() (mm/mmap.c) refuse
 *    "len > mmap_end - mmap_min_addr".  So 1 << 47 passes there and the
 *    call goes on to file_mmap_ok() (EOVERFLOW) and the driver (EINVAL).
 * Returns 0 if /proc/sys/vm/mmap_min_addr cannot be read (aarch64).
 */
static __u64 mmap_len_max(void)
{
#if defined(__x86_64__)
	return (1ULL << 47) - BP_PAGE;
#elif defined(__aarch64__)
	char buf[32];

	if (bp_read_file("/proc/sys/vm/mmap_min_addr", buf, sizeof(buf)))
		return 0;
	return (1ULL << 48) - strtoull(buf, NULL, 0);
#else
#error "mmap_len_max(): add this architecture's TASK_SIZE and mmap window"
#endif
}

/*
 * mmap at and around region and pool edges.  Pool layout (first fit in an
 * idle pool): A (fd2) | B (fd) | C (fd) | D (fd2), 4 pages each.  A range
 * may be mapped exactly when it lies inside B or inside C.
 */
static int mmap_model(__u64 off, __u64 len, __u64 len_max,
		      const struct bigphys_alloc *own, int nown)
{
	__u64 plen = (len + BP_PAGE - 1) & -BP_PAGE;
	int i;

	if (off % BP_PAGE || !len)
		return EINVAL;
	if (!plen)
		return ENOMEM;
	if (off / BP_PAGE + plen / BP_PAGE < off / BP_PAGE)
		return EOVERFLOW;
	if (plen > len_max)
		return ENOMEM;
	/* file_mmap_ok(): a char device's offsets end at ULONG_MAX. */
	if (off / BP_PAGE > (ULONG_MAX - plen) / BP_PAGE)
		return EOVERFLOW;
	for (i = 0; i < nown; i++)
		if (off >= own[i].phys_addr &&
		    off - own[i].phys_addr < own[i].size &&
		    plen <= own[i].size - (off - own[i].phys_addr))
			return 0;
	return EINVAL;
}

TEST_F(fuzz, mmap_edges)
{
	const int rw = PROT_READ | PROT_WRITE;
	struct bigphys_alloc r[4], own[2];
	struct fz_stats st = {};
	__u64 pb = self->info.pool_base, pe = pb + self->info.pool_size;
	__u64 S = 4 * BP_PAGE, offs[24], lens[20], len_max = mmap_len_max();
	size_t no = 0, nl = 0, i, j, k;
	char what[128];
	void *p;
	int e, want;

	ASSERT_NE(0ULL, len_max) TH_LOG("/proc/sys/vm/mmap_min_addr: %s",
					 strerror(errno));
	self->fd2 = bp_open();
	ASSERT_LE(0, self->fd2);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, bp_alloc(i == 1 || i == 2 ? self->fd : self->fd2,
				      "", S, 0, 0, &r[i]));
		ASSERT_EQ(pb + i * S, r[i].phys_addr);
		p = bp_map(i == 1 || i == 2 ? self->fd : self->fd2,
			   r[i].phys_addr, S);
		ASSERT_NE(MAP_FAILED, p);
		bp_fill(p, S, 100 + i);
		ASSERT_EQ(0, munmap(p, S));
	}
	own[0] = r[1];
	own[1] = r[2];

	offs[no++] = 0;
	offs[no++] = BP_PAGE;
	offs[no++] = pb - BP_PAGE;
	offs[no++] = pb;
	offs[no++] = r[1].phys_addr - BP_PAGE;
	offs[no++] = r[1].phys_addr;
	offs[no++] = r[1].phys_addr + 1;
	offs[no++] = r[1].phys_addr + 2048;
	offs[no++] = r[1].phys_addr + BP_PAGE;
	offs[no++] = r[1].phys_addr + S - BP_PAGE;
	offs[no++] = r[2].phys_addr;
	offs[no++] = r[2].phys_addr + S - BP_PAGE;
	offs[no++] = r[2].phys_addr + S;
	offs[no++] = r[3].phys_addr + S;
	offs[no++] = pe - BP_PAGE;
	offs[no++] = pe;
	offs[no++] = 1ULL << 32;
	offs[no++] = (1ULL << 63) - BP_PAGE;
	offs[no++] = -BP_PAGE;		/* a negative off_t */
	offs[no++] = -2 * BP_PAGE;

	lens[nl++] = 0;
	lens[nl++] = 1;
	lens[nl++] = BP_PAGE - 1;
	lens[nl++] = BP_PAGE;
	lens[nl++] = BP_PAGE + 1;
	lens[nl++] = S - BP_PAGE;
	lens[nl++] = S;
	lens[nl++] = S + 1;
	lens[nl++] = S + BP_PAGE;
	lens[nl++] = 2 * S;
	lens[nl++] = self->info.pool_size;
	lens[nl++] = 1ULL << 31;
	lens[nl++] = (1ULL << 32) + 1;
	lens[nl++] = 1ULL << 47;
	lens[nl++] = 1ULL << 63;
	lens[nl++] = -BP_PAGE;
	lens[nl++] = -1ULL;

	for (i = 0; i < no; i++) {
		for (j = 0; j < nl; j++) {
			want = mmap_model(offs[i], lens[j], len_max, own, 2);
			snprintf(what, sizeof(what), "mmap off 0x%llx len 0x%llx",
				 (unsigned long long)offs[i],
				 (unsigned long long)lens[j]);
			p = mmap(NULL, lens[j], rw, MAP_SHARED, self->fd,
				 (off_t)offs[i]);
			e = fz_check(_metadata, &st, p == MAP_FAILED ? -1 : 0,
				     ebit(want), what);
			if (e)
				continue;
			/* What is mapped is the owner's data, exactly. */
			k = offs[i] >= r[2].phys_addr ? 2 : 1;
			if (bp_check_from(p, (lens[j] + BP_PAGE - 1) & -BP_PAGE,
					  100 + k,
					  (offs[i] - r[k].phys_addr) / 8) != -1) {
				st.bad++;
				TH_LOG("%s: not the owner's data", what);
			}
			munmap(p, lens[j]);
		}
	}

	/* Flags and protections at B's start. */
	{
		const struct {
			int prot, flags;
			__u64 allowed;
			const char *name;
		} pf[] = {
			{ rw, MAP_PRIVATE, ebit(EINVAL), "MAP_PRIVATE" },
			{ PROT_READ, MAP_PRIVATE, ebit(EINVAL), "MAP_PRIVATE ro" },
			{ rw | PROT_EXEC, MAP_SHARED, ebit(EPERM), "PROT_EXEC" },
			{ PROT_EXEC, MAP_SHARED, ebit(EPERM), "PROT_EXEC only" },
			{ PROT_READ | PROT_EXEC, MAP_PRIVATE,
			  ebit(EINVAL) | ebit(EPERM), "MAP_PRIVATE exec" },
			{ PROT_READ, MAP_SHARED, OK, "read-only" },
			{ PROT_WRITE, MAP_SHARED, OK, "write-only" },
			{ PROT_NONE, MAP_SHARED, OK, "PROT_NONE" },
			{ rw, MAP_SHARED_VALIDATE, OK, "MAP_SHARED_VALIDATE" },
			{ rw, MAP_SHARED | MAP_POPULATE, OK, "MAP_POPULATE" },
			{ rw, MAP_SHARED | MAP_NORESERVE, OK, "MAP_NORESERVE" },
		};

		for (i = 0; i < ARRAY_SIZE(pf); i++) {
			p = mmap(NULL, S, pf[i].prot, pf[i].flags, self->fd,
				 (off_t)r[1].phys_addr);
			e = fz_check(_metadata, &st, p == MAP_FAILED ? -1 : 0,
				     pf[i].allowed, pf[i].name);
			if (!e) {
				if (pf[i].prot & PROT_READ &&
				    bp_check(p, S, 101) != -1) {
					st.bad++;
					TH_LOG("%s: not B's data", pf[i].name);
				}
				munmap(p, S);
			}
		}
	}

	/* mremap growth: never, in place or moved; nothing of C shows. */
	p = bp_map(self->fd, r[1].phys_addr, S);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(MAP_FAILED, mremap(p, S, 2 * S, MREMAP_MAYMOVE));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(MAP_FAILED, mremap(p, S, S + BP_PAGE, 0));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(MAP_FAILED, mremap((char *)p + S - BP_PAGE, BP_PAGE,
				     2 * BP_PAGE, MREMAP_MAYMOVE));
	ASSERT_EQ(EFAULT, errno);
	/* Shrink, then grow back: still refused. */
	ASSERT_EQ(p, mremap(p, S, BP_PAGE, 0));
	ASSERT_EQ(MAP_FAILED, mremap(p, BP_PAGE, S, MREMAP_MAYMOVE));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, bp_check(p, BP_PAGE, 101));
	ASSERT_EQ(0, munmap(p, BP_PAGE));

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, bp_free_id(i == 1 || i == 2 ? self->fd : self->fd2,
					r[i].id));
	ASSERT_POOL_IDLE(self->fd);
	FZ_END(st);
}

/*
 * Access after FREE: the mapping keeps the owner's data until munmap; then
 * the memory goes back, and the next allocation of it reads zeroes.
 */
TEST_F(fuzz, access_after_free)
{
	const int rw = PROT_READ | PROT_WRITE;
	const __u64 S = 8 * BP_PAGE;
	struct bigphys_region_info ri;
	struct bigphys_alloc a, b, c;
	struct bigphys_info in;
	int pipefd[2];
	void *p, *q;
	pid_t pid;

	ASSERT_EQ(0, bp_alloc(self->fd, "fz_aaf", S, 0, BIGPHYS_ALLOC_CREATE, &a));
	p = bp_map(self->fd, a.phys_addr, S);
	ASSERT_NE(MAP_FAILED, p);
	bp_fill(p, S, 7);
	ASSERT_EQ(0, bp_free_name(self->fd, "fz_aaf"));
	ASSERT_MMAP_FAILS(EINVAL, self->fd, a.phys_addr, S, rw, MAP_SHARED);
	ASSERT_ERRNO(ENOENT, bp_alloc(self->fd, "fz_aaf", 0, 0, 0, NULL));
	ASSERT_EQ(-1, bp_check(p, S, 7));
	bp_fill(p, S, 8);
	ASSERT_EQ(-1, bp_check(p, S, 8));
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_EQ(0U, ri.nr_files);
	ASSERT_EQ(1U, ri.nr_maps);
	ASSERT_EQ('\0', ri.name[0]);
	ASSERT_EQ(0, bp_info(self->fd, &in));
	ASSERT_EQ(self->info.pool_size - S, in.free_bytes);

	/* Meanwhile the rest of the pool goes to others, never this block. */
	ASSERT_EQ(0, bp_alloc(self->fd, "", self->info.pool_size - S, 0, 0, &b));
	ASSERT_FALSE(bp_overlap(&a, &b));
	ASSERT_ERRNO(ENOSPC, bp_alloc(self->fd, "", BP_PAGE, 0, 0, NULL));
	ASSERT_EQ(0, bp_free_id(self->fd, b.id));

	/* A forked child holds the mapping after the parent unmaps. */
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[1]);
		CHILD_CHECK(bp_sync_wait(pipefd[0]) == 0);
		CHILD_CHECK(bp_check(p, S, 8) == -1);
		bp_fill(p, S, 9);
		_exit(0);
	}
	self->child = pid;
	close(pipefd[0]);
	ASSERT_EQ(0, munmap(p, S));
	ASSERT_EQ(0, bp_find(self->fd, a.id, &ri));
	ASSERT_EQ(1U, ri.nr_maps);
	ASSERT_EQ(0, bp_sync_send(pipefd[1]));
	close(pipefd[1]);
	ASSERT_EQ(0, bp_wait_child(pid));
	self->child = -1;
	ASSERT_POOL_IDLE(self->fd);

	/* The same block again, anonymous and named: zeroes only. */
	ASSERT_EQ(0, bp_alloc(self->fd, "", S, 0, 0, &c));
	ASSERT_EQ(a.phys_addr, c.phys_addr);
	q = bp_map(self->fd, c.phys_addr, S);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(-1, bp_check_zero(q, S));
	bp_fill(q, S, 10);
	ASSERT_EQ(0, munmap(q, S));
	ASSERT_EQ(0, bp_free_id(self->fd, c.id));
	ASSERT_EQ(0, bp_alloc(self->fd, "fz_aaf", S, 0,
			      BIGPHYS_ALLOC_CREATE | BIGPHYS_CACHE_WB, &c));
	ASSERT_EQ(a.phys_addr, c.phys_addr);
	q = bp_map(self->fd, c.phys_addr, S);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(-1, bp_check_zero(q, S));
	ASSERT_EQ(0, munmap(q, S));
	ASSERT_EQ(0, bp_free_name(self->fd, "fz_aaf"));
	ASSERT_POOL_IDLE(self->fd);
}

/*
 * Another process guesses: with its own fd it cannot map any page of the
 * pool, start DMA on, map for DMA or free regions it did not allocate or
 * attach, by id or physical address; it can attach a named one by name.
 */
TEST_F_TIMEOUT(fuzz, other_process_guesses, 120)
{
	struct bigphys_alloc x, y;
	const __u64 pb = self->info.pool_base, ps = self->info.pool_size;
	int nodev = self->have_dev ? 0 : ENODEV;
	void *p;
	pid_t pid;

	ASSERT_EQ(0, bp_alloc(self->fd, "", 4 * BP_PAGE, 0, 0, &x));
	ASSERT_EQ(0, bp_alloc(self->fd, "fz_named", 4 * BP_PAGE, 0,
			      BIGPHYS_ALLOC_CREATE, &y));
	p = bp_map(self->fd, x.phys_addr, x.size);
	ASSERT_NE(MAP_FAILED, p);
	bp_fill(p, x.size, 11);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		const int rw = PROT_READ | PROT_WRITE;
		struct bigphys_dma_map m;
		struct bigphys_alloc z;
		struct bigphys_dma d;
		__u64 off, len;
		void *q;
		int fd = bp_open();

		CHILD_CHECK(fd >= 0);
		for (len = BP_PAGE; len <= 4 * BP_PAGE; len *= 2)
			for (off = pb - len; off < pb + ps + len; off += BP_PAGE) {
				errno = 0;
				q = mmap(NULL, len, rw, MAP_SHARED, fd, (off_t)off);
				CHILD_CHECK(q == MAP_FAILED && errno == EINVAL);
			}
		CHILD_CHECK(bp_free_id(fd, x.id) == -1 && errno == ENOENT);
		bp_dma_req(&d, x.id, 0, 8, WIN, 0);
		CHILD_CHECK(bp_dma_start(fd, &d) == -1 &&
			    errno == (nodev ?: ENOENT));
		bp_dma_req(&d, 0, 0, 8, WIN, 0);
		d.phys_addr = x.phys_addr;
		CHILD_CHECK(bp_dma_start(fd, &d) == -1 &&
			    errno == (nodev ?: ENOENT));
		CHILD_CHECK(bp_dma_map(fd, x.id, 0, 0, 8, 0, &m) == -1 &&
			    errno == (nodev ?: ENOENT));
		CHILD_CHECK(bp_dma_map(fd, y.id, 0, 0, 8, 0, &m) == -1 &&
			    errno == (nodev ?: ENOENT));
		/* Attaching the named one by name works, then it maps. */
		CHILD_CHECK(bp_alloc(fd, "fz_named", 0, 0, 0, &z) == 0);
		CHILD_CHECK(z.id == y.id);
		q = bp_map(fd, y.phys_addr, y.size);
		CHILD_CHECK(q != MAP_FAILED);
		CHILD_CHECK(bp_check_zero(q, y.size) == -1);
		errno = 0;
		q = mmap(NULL, BP_PAGE, rw, MAP_SHARED, fd, (off_t)x.phys_addr);
		CHILD_CHECK(q == MAP_FAILED && errno == EINVAL);
		_exit(0);
	}
	self->child = pid;
	ASSERT_EQ(0, bp_wait_child(pid));
	self->child = -1;
	ASSERT_EQ(-1, bp_check(p, x.size, 11));
	ASSERT_EQ(0, munmap(p, x.size));
	ASSERT_EQ(0, bp_free_id(self->fd, x.id));
	ASSERT_EQ(0, bp_free_name(self->fd, "fz_named"));
	ASSERT_POOL_IDLE(self->fd);
}

/* After all of the above: nothing leaked, nothing listed. */
TEST_F(fuzz, zz_pool_idle)
{
	struct bigphys_region_info ri[4];
	__u32 n = 4;

	ASSERT_POOL_IDLE(self->fd);
	ASSERT_EQ(0, bp_list(self->fd, ri, &n));
	ASSERT_EQ(0U, n);
}

TEST_HARNESS_MAIN
