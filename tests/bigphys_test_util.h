/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared helpers for the bigphys selftests.
 *
 * Include after kselftest_harness.h (this header includes it too).  Helpers
 * that return int follow the ioctl convention: 0 on success, -1 and errno on
 * failure, so tests can check exact errnos.
 *
 * Never use ASSERT_*() in a forked child: it longjmps into the copied test
 * frame and would run the fixture teardown (which frees PERSIST names) in
 * the child.  Children use CHILD_CHECK() and report through their exit code.
 */
#ifndef _BIGPHYS_TEST_UTIL_H
#define _BIGPHYS_TEST_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* mremap(), as kselftest_harness.h does */
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include <uapi/bigphys.h>

/* kselftest_harness.h itself has an unused parameter (W=1 builds). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define BP_DEV		"/dev/bigphys"
#define BP_PAGE		4096ULL
#define BP_PAT_LIST	"/sys/kernel/debug/x86/pat_memtype_list"

/*
 * PAT and its memtype list (arch/x86/mm/pat/memtype.c) are x86's; other
 * architectures (arm64: the MAIR index in each PTE) keep no such list.
 */
#if defined(__x86_64__) || defined(__i386__)
#define BP_HAVE_PAT	1
#else
#define BP_HAVE_PAT	0
#endif

static inline int bp_open(void)
{
	return open(BP_DEV, O_RDWR | O_CLOEXEC);
}

/* Copy @name (may be NULL for "") into a zeroed name field. */
static inline void bp_set_name(char dst[BIGPHYS_NAME_LEN], const char *name)
{
	size_t len = name ? strnlen(name, BIGPHYS_NAME_LEN) : 0;

	memset(dst, 0, BIGPHYS_NAME_LEN);
	memcpy(dst, name ? name : "", len);
}

/* BIGPHYS_IOC_ALLOC; @out (optional) receives the struct after the call. */
static inline int bp_alloc(int fd, const char *name, __u64 size, __u64 align,
			   __u32 flags, struct bigphys_alloc *out)
{
	struct bigphys_alloc a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.size = size;
	a.align = align;
	a.flags = flags;
	bp_set_name(a.name, name);
	ret = ioctl(fd, BIGPHYS_IOC_ALLOC, &a);
	if (out)
		*out = a;
	return ret;
}

static inline int bp_free_name(int fd, const char *name)
{
	struct bigphys_free f;

	memset(&f, 0, sizeof(f));
	bp_set_name(f.name, name);
	return ioctl(fd, BIGPHYS_IOC_FREE, &f);
}

static inline int bp_free_id(int fd, __u32 id)
{
	struct bigphys_free f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	return ioctl(fd, BIGPHYS_IOC_FREE, &f);
}

static inline int bp_info(int fd, struct bigphys_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(fd, BIGPHYS_IOC_INFO, info);
}

/* BIGPHYS_IOC_LIST; *@count is the capacity in and the total out. */
static inline int bp_list(int fd, struct bigphys_region_info *regions,
			  __u32 *count)
{
	struct bigphys_list l;
	int ret;

	memset(&l, 0, sizeof(l));
	l.regions = (__u64)(uintptr_t)regions;
	l.count = *count;
	ret = ioctl(fd, BIGPHYS_IOC_LIST, &l);
	*count = l.count;
	return ret;
}

/* Find region @id in the LIST output: 0 found, -1 not found or error. */
static inline int bp_find(int fd, __u32 id, struct bigphys_region_info *out)
{
	struct bigphys_region_info r[64];
	__u32 i, n = 64;

	if (bp_list(fd, r, &n))
		return -1;
	for (i = 0; i < n && i < 64; i++) {
		if (r[i].id == id) {
			*out = r[i];
			return 0;
		}
	}
	return -1;
}

/* Sum of nr_dma over every region LIST shows (jobs and device mappings). */
static inline __u32 bp_list_nr_dma(int fd)
{
	struct bigphys_region_info r[64];
	__u32 i, n = 64, sum = 0;

	if (bp_list(fd, r, &n))
		return ~0U;
	for (i = 0; i < n && i < 64; i++)
		sum += r[i].nr_dma;
	return sum;
}

/* LIST entry whose region starts at @phys: 0 found, -1 not found or error. */
static inline int bp_find_phys(int fd, __u64 phys,
			       struct bigphys_region_info *out)
{
	struct bigphys_region_info r[64];
	__u32 i, n = 64;

	if (bp_list(fd, r, &n))
		return -1;
	for (i = 0; i < n && i < 64; i++) {
		if (r[i].phys_addr == phys) {
			*out = r[i];
			return 0;
		}
	}
	return -1;
}

/* Whether ALLOC_PAGES works on this pool (INFO's pages_* are valid). */
static inline int bp_has_pages(const struct bigphys_info *in)
{
	return !!(in->flags & BIGPHYS_POOL_HAS_PAGES);
}

/*
 * Whether the page-backed part shares its bytes with the pool (the
 * page-allocator pool, which is all pages): then a page-backed region
 * takes from free_bytes as well as from pages_free.
 */
static inline int bp_pages_in_pool(const struct bigphys_info *in)
{
	return bp_has_pages(in) && in->pages_base < in->pool_base + in->pool_size &&
	       in->pool_base < in->pages_base + in->pages_size;
}

/* A region lies page aligned inside the page-backed part. */
#define ASSERT_IN_PAGES(info, a) do {					\
	ASSERT_EQ(0ULL, (a).phys_addr % BP_PAGE);			\
	ASSERT_LE((info).pages_base, (a).phys_addr);			\
	ASSERT_LE((a).phys_addr + (a).size,				\
		  (info).pages_base + (info).pages_size);		\
} while (0)

/* Do the regions described by @a and @b share any byte? */
static inline int bp_overlap(const struct bigphys_alloc *a,
			     const struct bigphys_alloc *b)
{
	return a->phys_addr < b->phys_addr + b->size &&
	       b->phys_addr < a->phys_addr + a->size;
}

/* Shared read/write mapping of @len bytes at physical address @phys. */
static inline void *bp_map(int fd, __u64 phys, size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)phys);
}

/* Pattern word @idx of pattern @seed; different seeds give different words. */
static inline __u64 bp_word(__u64 seed, size_t idx)
{
	return (seed + 1) * 0x9E3779B97F4A7C15ULL ^
	       ((__u64)idx * 0xC2B2AE3D27D4EB4FULL) ^ ((__u64)idx << 32);
}

static inline void bp_fill(void *p, size_t len, __u64 seed)
{
	volatile __u64 *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = bp_word(seed, i);
}

/*
 * Check every @stride-th word (1 = every word; the last word is always
 * checked).  Returns -1 if all match, else the byte offset of the first
 * mismatch.
 */
static inline long bp_check_stride(const void *p, size_t len, __u64 seed,
				   size_t stride)
{
	const volatile __u64 *w = p;
	size_t i, n = len / 8;

	for (i = 0; i < n; i += stride)
		if (w[i] != bp_word(seed, i))
			return (long)(i * 8);
	if (n && w[n - 1] != bp_word(seed, n - 1))
		return (long)((n - 1) * 8);
	return -1;
}

static inline long bp_check(const void *p, size_t len, __u64 seed)
{
	return bp_check_stride(p, len, seed, 1);
}

/*
 * Like bp_check() for a window that starts at pattern word @first (a mapping
 * of a region from byte 8 * @first on): -1 or the first bad byte offset.
 */
static inline long bp_check_from(const void *p, size_t len, __u64 seed,
				 size_t first)
{
	const volatile __u64 *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != bp_word(seed, first + i))
			return (long)(i * 8);
	return -1;
}

/* -1 if every byte is 0, else the byte offset of the first nonzero word. */
static inline long bp_check_zero(const void *p, size_t len)
{
	const volatile __u64 *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			return (long)(i * 8);
	return -1;
}

/* The pat_memtype_list name of a cache type (flags & BIGPHYS_CACHE_MASK). */
static inline const char *bp_pat_name(__u32 cache)
{
	switch (cache & BIGPHYS_CACHE_MASK) {
	case BIGPHYS_CACHE_DEFAULT:
	case BIGPHYS_CACHE_WC:
		return "write-combining";
	case BIGPHYS_CACHE_UC:
		return "uncached-minus";
	case BIGPHYS_CACHE_WB:
		return "write-back";
	}
	return "?";
}

/*
 * Count the lines of pat_memtype_list that cover exactly [@start, @end)
 * (printed as "PAT: [mem 0x<start>-0x<end>] <type>"); with @type only the
 * lines of that type.  Returns -1 if the list cannot be read.
 */
static inline int bp_pat_count(__u64 start, __u64 end, const char *type)
{
	unsigned long long s, e;
	char line[256], t[64];
	int n = 0;
	FILE *f;

	f = fopen(BP_PAT_LIST, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "PAT: [mem 0x%llx-0x%llx] %63s", &s, &e, t) != 3)
			continue;
		if (s != start || e != end)
			continue;
		if (!type || !strcmp(type, t))
			n++;
	}
	fclose(f);
	return n;
}

/* Drop @cap from the effective set of the calling process. */
static inline int bp_drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[cap / 32].effective &= ~(1U << (cap % 32));
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Parent/child handshake over pipes: 0 on success, -1 on EOF/error. */
static inline int bp_sync_send(int fd)
{
	char c = 'x';

	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static inline int bp_sync_wait(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* Reap @pid: its exit status, 128 + signal if killed, -1 on error. */
static inline int bp_wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* For forked children: report the failing line and exit 1. */
#define CHILD_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "# child %s:%d: check '%s' failed (errno %d: %s)\n", \
			__FILE__, __LINE__, #cond, errno, strerror(errno)); \
		_exit(1);						\
	}								\
} while (0)

/* @call must fail with errno @err. */
#define ASSERT_ERRNO(err, call) do {					\
	errno = 0;							\
	ASSERT_EQ(-1, (call));						\
	ASSERT_EQ((err), errno);					\
} while (0)

/* mmap() of [@off, @off + @len) on @fd must fail with errno @err. */
#define ASSERT_MMAP_FAILS(err, fd, off, len, prot, flags) do {		\
	size_t __len = (len);						\
	void *__p;							\
	errno = 0;							\
	__p = mmap(NULL, __len, (prot), (flags), (fd), (off_t)(off));	\
	if (__p != MAP_FAILED)						\
		munmap(__p, __len);					\
	ASSERT_EQ(MAP_FAILED, __p);					\
	ASSERT_EQ((err), errno);					\
} while (0)

/* The region described by @a lies page aligned inside the pool. */
#define ASSERT_IN_POOL(info, a) do {					\
	ASSERT_EQ(0ULL, (a).phys_addr % BP_PAGE);			\
	ASSERT_LE((info).pool_base, (a).phys_addr);			\
	ASSERT_LE((a).phys_addr + (a).size,				\
		  (info).pool_base + (info).pool_size);			\
} while (0)

/*
 * The pool must be completely free: no region (HELD ones included), every
 * byte available, the page-backed part too.
 */
#define ASSERT_POOL_IDLE(fd) do {					\
	struct bigphys_info __pi;					\
	ASSERT_EQ(0, bp_info(fd, &__pi));				\
	ASSERT_NE(0ULL, __pi.pool_size);				\
	ASSERT_EQ(0U, __pi.nr_regions);					\
	ASSERT_EQ(__pi.pool_size, __pi.free_bytes);			\
	ASSERT_EQ(__pi.pool_size, __pi.largest_free);			\
	ASSERT_EQ(0ULL, __pi.held_bytes);				\
	if (__pi.flags & BIGPHYS_POOL_HAS_PAGES)			\
		ASSERT_EQ(__pi.pages_size, __pi.pages_free);		\
} while (0)

#define EXPECT_POOL_IDLE(fd) do {					\
	struct bigphys_info __pi;					\
	EXPECT_EQ(0, bp_info(fd, &__pi));				\
	EXPECT_EQ(0U, __pi.nr_regions);					\
	EXPECT_EQ(__pi.pool_size, __pi.free_bytes);			\
	EXPECT_EQ(__pi.pool_size, __pi.largest_free);			\
	EXPECT_EQ(0ULL, __pi.held_bytes);				\
	if (__pi.flags & BIGPHYS_POOL_HAS_PAGES)			\
		EXPECT_EQ(__pi.pages_size, __pi.pages_free);		\
} while (0)

/*
 * Wait up to @ms for INFO's held_bytes to reach 0 (HELD regions go back
 * to the pool from a kernel worker that rechecks every ~200 ms).  Returns
 * the milliseconds waited, or -1 if they are still held (or INFO failed).
 */
static inline int bp_wait_unheld(int fd, int ms)
{
	struct bigphys_info in;
	int waited = 0;

	for (;;) {
		if (bp_info(fd, &in))
			return -1;
		if (!in.held_bytes)
			return waited;
		if (waited >= ms)
			return -1;
		usleep(10000);
		waited += 10;
	}
}

/*
 * Fixture teardown helper: kill a still running child, then (on a fresh fd,
 * after the caller closed its own fds) check that a passing test left the
 * pool idle, and remove the PERSIST names a failing test may have left.
 */
static inline void bp_teardown(struct __test_metadata *_metadata, pid_t child,
			       const char *const *persist, size_t nr_persist)
{
	size_t i;
	int fd;

	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	fd = bp_open();
	if (fd < 0)
		return;
	/*
	 * Pages a failed test left in a pipe or ring the caller has closed
	 * by now: let them come back before the next test's idle check.
	 */
	if (bp_wait_unheld(fd, 5000) < 0)
		TH_LOG("teardown: pool bytes still HELD after 5 s");
	if (_metadata->passed)
		EXPECT_POOL_IDLE(fd);
	for (i = 0; i < nr_persist; i++)
		bp_free_name(fd, persist[i]);
	close(fd);
}

/*
 * DMA helpers: devices, jobs and device mappings.  Like the helpers above,
 * the int ones return 0, or -1 with errno set.
 */
#define BP_PARAM_DIR	"/sys/module/bigphys/parameters/"
#define BP_PCI_DRIVER	"/sys/bus/pci/drivers/bigphys/"
#define BP_NSEC		1000000000ULL
#define BP_MSEC		1000000ULL

static inline __u64 bp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * BP_NSEC + (__u64)ts.tv_nsec;
}

/* Write the string @val to @path (sysfs attributes): 0 or -1 and errno. */
static inline int bp_write_file(const char *path, const char *val)
{
	ssize_t len = (ssize_t)strlen(val), n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, (size_t)len);
	err = n < 0 ? errno : EIO;
	close(fd);
	if (n == len)
		return 0;
	errno = err;
	return -1;
}

/* Read the first line of @path into @buf (newline stripped): 0 or -1. */
static inline int bp_read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int ret = -1;

	if (!f)
		return -1;
	if (fgets(buf, (int)size, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* The max_chunk module parameter (bytes per engine transfer, 0: engine's). */
static inline int bp_set_max_chunk(unsigned int bytes)
{
	char val[16];

	snprintf(val, sizeof(val), "%u", bytes);
	return bp_write_file(BP_PARAM_DIR "max_chunk", val);
}

/* Bind (@bind true) or unbind PCI device @name to/from bigphys. */
static inline int bp_pci_bind(const char *name, int bind)
{
	return bp_write_file(bind ? BP_PCI_DRIVER "bind" : BP_PCI_DRIVER "unbind",
			     name);
}

/*
 * Teardown of a DMA test: the device parameters back to their defaults
 * (fault_inject=0, watchdog_ms=2000, max_chunk=0) and PCI device @name
 * bound again, whatever a test that failed half way left changed.
 */
static inline void bp_dev_restore(const char *name)
{
	bp_write_file(BP_PARAM_DIR "fault_inject", "0");
	bp_write_file(BP_PARAM_DIR "watchdog_ms", "2000");
	bp_set_max_chunk(0);
	bp_pci_bind(name, 1);
}

static inline int bp_dev_info(int fd, __u32 index, struct bigphys_dev_info *out)
{
	memset(out, 0, sizeof(*out));
	out->index = index;
	return ioctl(fd, BIGPHYS_IOC_DEV_INFO, out);
}

/* A STRT_DMA request on device 0 for region @id (0: by phys, USER_PTR). */
static inline void bp_dma_req(struct bigphys_dma *d, __u32 id, __u64 offset,
			      __u64 len, __u64 dev_addr, __u32 flags)
{
	memset(d, 0, sizeof(*d));
	d->region_id = id;
	d->offset = offset;
	d->len = len;
	d->dev_addr = dev_addr;
	d->flags = flags;
}

static inline int bp_dma_start(int fd, struct bigphys_dma *d)
{
	return ioctl(fd, BIGPHYS_IOC_STRT_DMA, d);
}

/* WAIT_DMA for @cookie; @out (optional) receives the result. */
static inline int bp_dma_wait(int fd, __u64 cookie, __u64 timeout_ns,
			      struct bigphys_dma_wait *out)
{
	struct bigphys_dma_wait w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.cookie = cookie;
	w.timeout_ns = timeout_ns;
	ret = ioctl(fd, BIGPHYS_IOC_WAIT_DMA, &w);
	if (out)
		*out = w;
	return ret;
}

/* A DMA_MAP request on device 0 (no segment list). */
static inline void bp_dma_map_req(struct bigphys_dma_map *m, __u32 id,
				  __u32 flags, __u64 offset, __u64 len,
				  __u64 user_addr)
{
	memset(m, 0, sizeof(*m));
	m->region_id = id;
	m->flags = flags;
	m->offset = offset;
	m->len = len;
	m->user_addr = user_addr;
}

/* DMA_MAP on device 0; @out receives the struct after the call. */
static inline int bp_dma_map(int fd, __u32 id, __u32 flags, __u64 offset,
			     __u64 len, __u64 user_addr,
			     struct bigphys_dma_map *out)
{
	bp_dma_map_req(out, id, flags, offset, len, user_addr);
	return ioctl(fd, BIGPHYS_IOC_DMA_MAP, out);
}

static inline int bp_dma_unmap(int fd, __u64 handle)
{
	return ioctl(fd, BIGPHYS_IOC_DMA_UNMAP, &handle);
}

/*
 * Byte @idx of pattern @seed (the bytes bp_fill() writes, little endian);
 * @inv gives the complement, which differs from the pattern in every byte.
 */
static inline __u8 bp_byte(__u64 seed, size_t idx, int inv)
{
	__u8 b = (__u8)(bp_word(seed, idx / 8) >> (idx % 8 * 8));

	return inv ? (__u8)~b : b;
}

/* Fill @len bytes with pattern bytes @start, @start + 1, ... */
static inline void bp_fill_bytes(void *p, size_t len, __u64 seed, size_t start,
				 int inv)
{
	volatile __u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = bp_byte(seed, start + i, inv);
}

/* -1 if @p holds what bp_fill_bytes() wrote, else the first bad offset. */
static inline long bp_check_bytes(const void *p, size_t len, __u64 seed,
				  size_t start, int inv)
{
	const volatile __u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != bp_byte(seed, start + i, inv))
			return (long)i;
	return -1;
}

/* Whether bus addresses are physical addresses: no IOMMU, no forced swiotlb. */
static inline int bp_dma_direct(void)
{
	char cmdline[1024] = "";
	struct dirent *de;
	int iommu = 0;
	DIR *d;

	d = opendir("/sys/class/iommu");
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				iommu = 1;
		closedir(d);
	}
	bp_read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	return !iommu && !strstr(cmdline, "swiotlb=force");
}

/* Whether the guest runs with swiotlb=force (every sg mapping bounced). */
static inline int bp_swiotlb_forced(void)
{
	char cmdline[1024] = "";

	bp_read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	return strstr(cmdline, "swiotlb=force") != NULL;
}

/*
 * Whether a device bound to bigphys does not snoop the CPU caches (its
 * sysfs dma_coherent reads 0: arm64 with dma-coherent deleted from the
 * device tree's PCIe host node; never on x86).
 */
static inline int bp_noncoherent(void)
{
	char path[sizeof(BP_PCI_DRIVER) + 256 + 32], val[8];
	struct dirent *de;
	int nc = 0;
	DIR *d;

	d = opendir(BP_PCI_DRIVER);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "0000:", 5))
			continue;
		snprintf(path, sizeof(path), BP_PCI_DRIVER "%s/bigphys/dma_coherent",
			 de->d_name);
		if (!bp_read_file(path, val, sizeof(val)) && val[0] == '0')
			nc = 1;
	}
	closedir(d);
	return nc;
}

/*
 * Whether DMA_MAP refuses (EOPNOTSUPP) memory with struct pages (user
 * memory, page-backed regions, the page-allocator pool): its mapping would
 * need syncs user space cannot make, bounce buffers (swiotlb=force) or the
 * cache maintenance of a non-coherent device (bigphys_map.c).
 */
static inline int bp_sg_map_refused(void)
{
	return bp_swiotlb_forced() || bp_noncoherent();
}

/* Physical address of the (present) byte at @p via pagemap; 0 if unknown. */
static inline __u64 bp_virt_to_phys(const void *p)
{
	__u64 ent = 0, va = (__u64)(uintptr_t)p;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, &ent, sizeof(ent), (off_t)(va / BP_PAGE * sizeof(ent)));
	close(fd);
	if (n != sizeof(ent) || !(ent >> 63) || !(ent & ((1ULL << 55) - 1)))
		return 0;
	return (ent & ((1ULL << 55) - 1)) * BP_PAGE + va % BP_PAGE;
}

/* Fixture setup of the DMA suites: an fd, max_chunk 0, an idle pool, device 0. */
#define BP_DMA_FIXTURE_SETUP(fd, dev) do {				\
	(fd) = bp_open();						\
	ASSERT_LE(0, (fd)) TH_LOG("open %s: %s", BP_DEV, strerror(errno)); \
	ASSERT_EQ(0, bp_set_max_chunk(0));				\
	ASSERT_POOL_IDLE(fd);						\
	ASSERT_EQ(0, bp_dev_info((fd), 0, (dev)))			\
		TH_LOG("no DMA device 0: %s", strerror(errno));		\
} while (0)

/* edu's DMA window on device 0: 4095 usable bytes from device address 0x40000. */
#define BP_EDU_WIN	0x40000ULL
#define BP_EDU_WIN_SIZE	4095ULL

/*
 * Push @seed's pattern from the first page of region @id (mapped at @p, at
 * least two pages) through device 0's window and read it back into the
 * second page, which held the complement.  0 when every job succeeded and
 * the bytes match; else -1 with errno from the failing call, or EIO for a
 * failed job, a short job or a mismatch.  @flags: 0, or BIGPHYS_DMA_DMABUF
 * with @id a dma-buf fd (and @p its mapping).
 */
static inline int bp_roundtrip_flags(int fd, __u32 id, __u32 flags, __u8 *p,
				     __u64 seed)
{
	struct bigphys_dma_wait w;
	struct bigphys_dma d;

	bp_fill_bytes(p, BP_PAGE, seed, 0, 0);
	bp_fill_bytes(p + BP_PAGE, BP_PAGE, seed, 0, 1);
	bp_dma_req(&d, id, 0, BP_EDU_WIN_SIZE, BP_EDU_WIN, flags);
	if (bp_dma_start(fd, &d) || bp_dma_wait(fd, d.cookie, 10 * BP_NSEC, &w))
		return -1;
	if (w.status || w.bytes != BP_EDU_WIN_SIZE)
		goto eio;
	bp_dma_req(&d, id, BP_PAGE, BP_EDU_WIN_SIZE, BP_EDU_WIN,
		   BIGPHYS_DMA_FROM_DEVICE | flags);
	if (bp_dma_start(fd, &d) || bp_dma_wait(fd, d.cookie, 10 * BP_NSEC, &w))
		return -1;
	if (w.status || w.bytes != BP_EDU_WIN_SIZE ||
	    bp_check_bytes(p + BP_PAGE, BP_EDU_WIN_SIZE, seed, 0, 0) != -1)
		goto eio;
	return 0;
eio:
	errno = EIO;
	return -1;
}

static inline int bp_roundtrip(int fd, __u32 id, __u8 *p, __u64 seed)
{
	return bp_roundtrip_flags(fd, id, 0, p, seed);
}

/* EXPORT a region (BIGPHYS_EXPORT_* @flags): the dma-buf fd, or -1. */
static inline int bp_export(int fd, __u32 id, __u64 offset, __u64 len,
			    __u32 flags)
{
	struct bigphys_export e = {
		.region_id = id, .flags = flags, .offset = offset, .len = len,
	};

	return ioctl(fd, BIGPHYS_IOC_EXPORT, &e) ? -1 : e.fd;
}

#endif /* _BIGPHYS_TEST_UTIL_H */
