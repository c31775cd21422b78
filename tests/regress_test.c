// SPDX-License-Identifier: GPL-2.0-only
/*
 * Regression tests for the review findings of issue 9 that live in the
 * submit and teardown paths; each failed on the code before its fix:
 *  - submit_races_unbind: a submitter held (userfaultfd) while writing its
 *    cookie as the device is unbound must fail with -ENODEV and leave no
 *    job (it used to publish the job and end it, freeing the device under
 *    itself when another thread reaped it);
 *  - poll_sees_every_completion: a SCHED_FIFO 99 poller on the IRQ thread's
 *    CPU sees every completion (the wake-up came before "finished" was
 *    visible: under preempt=full/PREEMPT_RT every poll() timed out);
 *  - surprise_removal: a device reading all-ones (fault_inject=1) fails its
 *    jobs with -EIO within the watchdog period and unbinds (it used to look
 *    busy forever); its bus mastering is off once its job has ended (the
 *    engine may still be moving data: it went on into unmapped memory),
 *    and it works again after a rebind;
 *  - unbind_clears_master_first: at unbind, bus mastering stops before
 *    DMA_MAP memory is unmapped (ftrace shows the order; the unmap call
 *    depends on the pool kind);
 *  - user_job_limit: max_user_jobs= bounds one user's jobs and mappings
 *    over all its fds (the limit was 64 per fd, fds unlimited).
 */
#define _GNU_SOURCE	/* sched_setaffinity() */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <linux/pci_regs.h>
#include <linux/userfaultfd.h>

#include "bigphys_test_util.h"

#define WIN		BP_EDU_WIN
#define WIN_SIZE	BP_EDU_WIN_SIZE

FIXTURE(regress) {
	int fd;
	struct bigphys_dev_info dev;
};

FIXTURE_SETUP(regress)
{
	BP_DMA_FIXTURE_SETUP(self->fd, &self->dev);
}

FIXTURE_TEARDOWN(regress)
{
	bp_write_file(BP_PARAM_DIR "max_user_jobs", "0");
	bp_dev_restore(self->dev.name);
	if (self->fd >= 0)
		close(self->fd);
	bp_teardown(_metadata, -1, NULL, 0);
}

/* One page of a region, pushed and read back: the device works. */
static void device_works(struct __test_metadata *_metadata, int fd)
{
	struct bigphys_alloc a;
	__u8 *p;

	ASSERT_EQ(0, bp_alloc(fd, "", 2 * BP_PAGE, 0, 0, &a));
	p = bp_map(fd, a.phys_addr, a.size);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, bp_roundtrip(fd, a.id, p, 77)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, munmap(p, a.size));
	ASSERT_EQ(0, bp_free_id(fd, a.id));
}

struct submitter {
	int fd;
	struct bigphys_dma *d;
	int ret;
	int err;
};

static void *submit_thread(void *arg)
{
	struct submitter *s = arg;

	s->ret = bp_dma_start(s->fd, s->d);
	s->err = errno;
	return NULL;
}

/*
 * Whether userfaultfd write-protects anonymous memory: 1 if UFFDIO_API on a
 * fresh userfaultfd reports UFFD_FEATURE_PAGEFAULT_FLAG_WP, 0 if not, -1
 * (errno set) if userfaultfd itself fails.  The probe's fd is not reused:
 * UFFDIO_API works once per fd.
 */
static int uffd_has_wp(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int uffd, ret, err;

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		return -1;
	ret = ioctl(uffd, UFFDIO_API, &api);
	err = errno;
	close(uffd);
	errno = err;
	if (ret)
		return -1;
	return !!(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP);
}

TEST_F(regress, submit_races_unbind)
{
	struct uffdio_api api = {
		.api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP,
	};
	struct uffdio_register reg;
	struct uffdio_writeprotect wp;
	struct uffd_msg msg;
	struct submitter s;
	struct bigphys_alloc a;
	struct pollfd pfd;
	pthread_t t;
	__u64 cookie;
	void *page;
	int uffd, has_wp;

	/*
	 * The submitter is held by a write-protect fault, which needs
	 * CONFIG_HAVE_ARCH_USERFAULTFD_WP (fs/userfaultfd.c: userfaultfd_api()
	 * drops the feature without it).  x86_64 has it on every kernel of
	 * the matrix (Debian's 6.1 and 6.12 amd64 configs): its absence is a
	 * failure there.  arm64 selects it from 6.10 on ("arm64/mm: Add uffd
	 * write-protect support"): Debian's arm64 6.12 has it, its 6.1 has
	 * not, and then the race cannot be set up.
	 */
	has_wp = uffd_has_wp();
	ASSERT_LE(0, has_wp) TH_LOG("userfaultfd: %s", strerror(errno));
#ifdef __x86_64__
	ASSERT_EQ(1, has_wp)
		TH_LOG("UFFDIO_API: no UFFD_FEATURE_PAGEFAULT_FLAG_WP on x86_64");
#else
	if (!has_wp)
		SKIP(return, "no UFFD_FEATURE_PAGEFAULT_FLAG_WP on this kernel (arm64: from 6.10)");
#endif

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	page = mmap(NULL, BP_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	s.fd = self->fd;
	s.d = page;
	bp_dma_req(s.d, a.id, 0, 64, WIN, 0);

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	ASSERT_LE(0, uffd) TH_LOG("userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	reg = (struct uffdio_register){
		.range = { (uintptr_t)page, BP_PAGE },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	wp = (struct uffdio_writeprotect){
		.range = { (uintptr_t)page, BP_PAGE },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp));

	/* The submitter stalls writing its cookie into the protected page. */
	ASSERT_EQ(0, pthread_create(&t, NULL, submit_thread, &s));
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 5000)) TH_LOG("the submitter did not fault");
	ASSERT_EQ((ssize_t)sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	ASSERT_NE(0ULL, msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP);

	/* Meanwhile the device goes; then the submitter may go on. */
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 0));
	wp.mode = 0;	/* un-protect and wake */
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-1, s.ret);
	EXPECT_EQ(ENODEV, s.err) TH_LOG("STRT_DMA: %s", strerror(s.err));
	/* No job was left behind under the cookie it wrote. */
	cookie = s.d->cookie;
	EXPECT_NE(0ULL, cookie);
	ASSERT_ERRNO(ENOENT, bp_dma_wait(self->fd, cookie, 0, NULL));
	ASSERT_EQ(0U, bp_list_nr_dma(self->fd));

	close(uffd);
	munmap(page, BP_PAGE);
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 1));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	device_works(_metadata, self->fd);
}

/* The Linux IRQ number of bigphys's interrupt (from /proc/interrupts). */
static int bigphys_irq(void)
{
	char line[512];
	int irq = -1;
	FILE *f = fopen("/proc/interrupts", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "bigphys") && sscanf(line, " %d:", &irq) == 1)
			break;
	fclose(f);
	return irq;
}

TEST_F(regress, poll_sees_every_completion)
{
	struct sched_param sp = { .sched_priority = 99 };
	struct bigphys_alloc a;
	struct bigphys_dma_wait w;
	struct bigphys_dma d;
	struct pollfd pfd;
	char path[64];
	cpu_set_t cpus;
	__u64 t0, ms, worst = 0;
	int irq, i, n, late = 0;

	irq = bigphys_irq();
	ASSERT_LE(0, irq) TH_LOG("no bigphys line in /proc/interrupts");
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	ASSERT_EQ(0, bp_write_file(path, "0")) TH_LOG("%s: %s", path, strerror(errno));
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_FIFO, &sp));

	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	for (i = 0; i < 12; i++) {
		bp_dma_req(&d, a.id, 0, 64, WIN, 0);
		ASSERT_EQ(0, bp_dma_start(self->fd, &d));
		pfd = (struct pollfd){ .fd = self->fd, .events = POLLIN };
		t0 = bp_now_ns();
		n = poll(&pfd, 1, 1500);
		ms = (bp_now_ns() - t0) / BP_MSEC;
		worst = ms > worst ? ms : worst;
		EXPECT_EQ(1, n) TH_LOG("round %d: poll gave %d after %llu ms", i,
				       n, (unsigned long long)ms);
		if (ms >= 1000)
			late++;
		ASSERT_EQ(0, bp_dma_wait(self->fd, d.cookie, 5 * BP_NSEC, &w));
		ASSERT_EQ(0, w.status);
	}
	sp.sched_priority = 0;
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_OTHER, &sp));
	TH_LOG("12 completions, worst poll() %llu ms, %d late",
	       (unsigned long long)worst, late);
	EXPECT_EQ(0, late);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
}

/* PCI_COMMAND of device @name from sysfs config space, or -1 (errno). */
static int pci_command(const char *name)
{
	char path[128];
	__u8 cmd[2];
	int fd, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, cmd, sizeof(cmd), PCI_COMMAND);
	close(fd);
	if (n != sizeof(cmd))
		return -1;
	return cmd[0] | cmd[1] << 8;
}

TEST_F(regress, surprise_removal)
{
	struct bigphys_dma_wait w;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	__u64 t0, ms;
	int cmd;

	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "watchdog_ms", "300"));
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	bp_dma_req(&d, a.id, 0, WIN_SIZE, WIN, 0);
	ASSERT_EQ(0, bp_dma_start(self->fd, &d));
	/* From now on every register read is all-ones, as after a removal. */
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "fault_inject", "1"))
		TH_LOG("fault_inject: %s", strerror(errno));
	t0 = bp_now_ns();
	ASSERT_EQ(0, bp_dma_wait(self->fd, d.cookie, 5 * BP_NSEC, &w))
		TH_LOG("the job did not end: %s", strerror(errno));
	ms = (bp_now_ns() - t0) / BP_MSEC;
	TH_LOG("job ended %d after %llu ms", w.status, (unsigned long long)ms);
	EXPECT_EQ(-EIO, w.status);
	cmd = pci_command(self->dev.name);
	ASSERT_LE(0, cmd) TH_LOG("%s config: %s", self->dev.name, strerror(errno));
	EXPECT_EQ(0, cmd & PCI_COMMAND_MASTER)
		TH_LOG("bus mastering still on after the dead device's job ended");
	/* New jobs are refused at once. */
	ASSERT_ERRNO(ENODEV, bp_dma_start(self->fd, &d));
	t0 = bp_now_ns();
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 0));
	TH_LOG("unbind took %llu ms",
	       (unsigned long long)((bp_now_ns() - t0) / BP_MSEC));
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "fault_inject", "0"));
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "watchdog_ms", "2000"));
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 1));
	EXPECT_NE(0, pci_command(self->dev.name) & PCI_COMMAND_MASTER);
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	device_works(_metadata, self->fd);
}

static const char *tracing_dir(void)
{
	if (!access("/sys/kernel/tracing/trace", F_OK))
		return "/sys/kernel/tracing/";
	return "/sys/kernel/debug/tracing/";
}

static int trace_write(const char *file, const char *val, int append)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "%s%s", tracing_dir(), file);
	fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -1;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * The DMA API function that unmaps a plain region's DMA_MAP mapping
 * (bigphys_mem_unmap()), as function tracing sees it: on a reserved pool
 * dma_unmap_resource(); the page-allocator pool is RAM with struct pages,
 * mapped with dma_map_sgtable() and unmapped with dma_unmap_sgtable(),
 * an inline wrapper of dma_unmap_sg_attrs() (include/linux/dma-mapping.h,
 * 6.1 and 6.12), which is the function traced.  NULL for an unknown kind.
 */
static const char *unmap_function(const struct bigphys_info *in)
{
	switch (in->flags & (BIGPHYS_POOL_RESERVED | BIGPHYS_POOL_PAGES)) {
	case BIGPHYS_POOL_RESERVED:
		return "dma_unmap_resource";
	case BIGPHYS_POOL_PAGES:
		return "dma_unmap_sg_attrs";
	}
	return NULL;
}

TEST_F(regress, unbind_clears_master_first)
{
	char path[128], line[512], filter[64];
	long clear_at = -1, unmap_at = -1, n = 0;
	struct bigphys_dma_map m;
	struct bigphys_alloc a;
	struct bigphys_info in;
	const char *unmap;
	FILE *f;

	ASSERT_EQ(0, bp_info(self->fd, &in));
	unmap = unmap_function(&in);
	ASSERT_NE(NULL, unmap)
		TH_LOG("pool flags 0x%x: neither reserved nor page allocator",
		       in.flags);
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	ASSERT_EQ(0, bp_dma_map(self->fd, a.id, 0, 0, BP_PAGE, 0, &m));

	ASSERT_EQ(0, trace_write("set_ftrace_filter", "pci_clear_master\n", 0))
		TH_LOG("ftrace: %s", strerror(errno));
	snprintf(filter, sizeof(filter), "%s\n", unmap);
	ASSERT_EQ(0, trace_write("set_ftrace_filter", filter, 1))
		TH_LOG("ftrace filter %s: %s", unmap, strerror(errno));
	ASSERT_EQ(0, trace_write("current_tracer", "function\n", 0));
	ASSERT_EQ(0, trace_write("trace", "", 0));
	ASSERT_EQ(0, trace_write("tracing_on", "1\n", 0));
	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 0));
	ASSERT_EQ(0, trace_write("tracing_on", "0\n", 0));

	snprintf(path, sizeof(path), "%strace", tracing_dir());
	f = fopen(path, "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (clear_at < 0 && strstr(line, "pci_clear_master"))
			clear_at = n;
		if (unmap_at < 0 && strstr(line, unmap))
			unmap_at = n;
		n++;
	}
	fclose(f);
	trace_write("current_tracer", "nop\n", 0);
	trace_write("set_ftrace_filter", "\n", 0);
	TH_LOG("trace: pci_clear_master at line %ld, %s at %ld",
	       clear_at, unmap, unmap_at);
	ASSERT_LE(0, clear_at);
	ASSERT_LE(0, unmap_at);
	ASSERT_LT(clear_at, unmap_at);

	ASSERT_EQ(0, bp_pci_bind(self->dev.name, 1));
	ASSERT_EQ(0, bp_dma_unmap(self->fd, m.handle));
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	device_works(_metadata, self->fd);
}

/* max_user_jobs= counts a user's jobs and mappings over all its fds. */
TEST_F(regress, user_job_limit)
{
	struct bigphys_dma_map m;
	struct bigphys_alloc a, b;
	struct bigphys_dma d;
	int fd2;

	fd2 = bp_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	ASSERT_EQ(0, bp_alloc(fd2, "", BP_PAGE, 0, 0, &b));
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "max_user_jobs", "3"))
		TH_LOG("max_user_jobs: %s", strerror(errno));
	bp_dma_req(&d, a.id, 0, 1, WIN, 0);
	ASSERT_EQ(0, bp_dma_start(self->fd, &d));
	ASSERT_EQ(0, bp_dma_map(self->fd, a.id, 0, 0, BP_PAGE, 0, &m));
	bp_dma_req(&d, b.id, 0, 1, WIN, 0);
	ASSERT_EQ(0, bp_dma_start(fd2, &d));
	/* Three held: a fourth fails on either fd, whatever the kind. */
	ASSERT_ERRNO(EBUSY, bp_dma_start(fd2, &d));
	ASSERT_ERRNO(EBUSY, bp_dma_map(fd2, b.id, 0, 0, BP_PAGE, 0, &m));
	/* Closing fd2 gives its slot back. */
	ASSERT_EQ(0, close(fd2));
	bp_dma_req(&d, a.id, 0, 1, WIN, 0);
	ASSERT_EQ(0, bp_dma_start(self->fd, &d));
	ASSERT_ERRNO(EBUSY, bp_dma_start(self->fd, &d));
	ASSERT_EQ(0, bp_write_file(BP_PARAM_DIR "max_user_jobs", "0"));
	ASSERT_EQ(0, bp_dma_start(self->fd, &d));
	close(self->fd);	/* cancels the jobs, frees the mapping */
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
}

TEST_HARNESS_MAIN
