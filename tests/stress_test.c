// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphys randomised and concurrency tests (issue 4).
 *
 * random: ST_PROCS processes, each doing up to ST_OPS random operations
 *	(allocate anonymous, private named or shared named regions, attach
 *	another process's named region, mmap, munmap, write a pattern, DMA to
 *	edu and wait, FREE by id or name, close and reopen an fd, INFO/LIST
 *	checks, guessing other processes' regions) within a wall-clock cap.
 *	After every step each process checks that every byte it owns in every
 *	region it still maps holds the pattern it wrote (or zeroes for a
 *	region it just created).  Shared named regions are 16 pages; process p
 *	owns pages 4p..4p+3 of each.  Every few seconds the parent stops all
 *	children and checks the accounting: INFO's free bytes plus the sizes
 *	LIST shows make the pool size.  The seed is printed; BIGPHYS_SEED
 *	overrides it.
 * hammer: HM_PROCS processes x HM_THREADS threads attach, free, map, unmap
 *	and DMA a few shared named regions for HM_SECS seconds; each thread
 *	owns one page of each region and checks it after every step; the
 *	processes must finish (alarm() turns a hang into a failure).
 * guess_race: on one fd, threads reap jobs and unmap device mappings by
 *	guessing cookies and handles while another thread creates them (some
 *	with a read-only argument, so the ioctl fails and undoes itself).
 *
 * Every error is classified: documented and expected in that situation
 * (counted, printed), or unexpected (the test fails).  At the end the pool
 * must be completely free.  DMA parts are skipped when device 0 is absent.
 */
#include "bigphys_test_util.h"

#include <pthread.h>
#include <stdlib.h>

#define WIN		0x40000ULL
#define WIN_SIZE	4095ULL

#define ST_PROCS	4
#define ST_OPS		1500
#define ST_SECS		20
#define ST_SEED		0x5eed2024ULL
#define ST_HANDLES	12
#define ST_JOBS		6
#define ST_SHARED	3
#define SH_PAGES	16
#define SH_SIZE		(SH_PAGES * BP_PAGE)
#define SLICE		(SH_SIZE / ST_PROCS)

#define HM_PROCS	4
#define HM_THREADS	4
#define HM_SECS		10
#define HM_REGIONS	3
#define HM_SIZE		(HM_PROCS * HM_THREADS * BP_PAGE)
#define HM_ALARM	90

/* Counters a child sends to the parent. */
struct st_counts {
	unsigned long ops;
	unsigned long allocs;
	unsigned long attaches;
	unsigned long maps;
	unsigned long writes;
	unsigned long verifies;
	unsigned long dma_jobs;
	unsigned long dma_reaped;
	unsigned long dma_dropped;	/* cancelled by close */
	unsigned long frees;
	unsigned long reopens;
	unsigned long guesses;
	unsigned long infos;
	unsigned long expected;		/* documented errors, expected here */
	unsigned long unexpected;
	unsigned long by_errno[8];	/* ENOSPC ENOENT ETIMEDOUT EINTR EBUSY */
};

enum { X_ENOSPC, X_ENOENT, X_ETIMEDOUT, X_EINTR, X_EBUSY, X_OTHER };

static void st_add(struct st_counts *t, const struct st_counts *c)
{
	const unsigned long *s = (const unsigned long *)c;
	unsigned long *d = (unsigned long *)t;
	size_t i;

	for (i = 0; i < sizeof(*c) / sizeof(long); i++)
		d[i] += s[i];
}

static __u64 st_rand(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static __u64 st_seed(void)
{
	const char *env = getenv("BIGPHYS_SEED");

	return env && *env ? strtoull(env, NULL, 0) : ST_SEED;
}

/*
 * Classify the errno of a failed call: 1 if it is in @allowed (an ebit-like
 * mask of expected errnos), else report it and count it as unexpected.
 */
static int st_expect(struct st_counts *c, int e, const int *allowed,
		     const char *what)
{
	const int *a;

	for (a = allowed; *a; a++) {
		if (*a != e)
			continue;
		c->expected++;
		switch (e) {
		case ENOSPC: c->by_errno[X_ENOSPC]++; break;
		case ENOENT: c->by_errno[X_ENOENT]++; break;
		case ETIMEDOUT: c->by_errno[X_ETIMEDOUT]++; break;
		case EINTR: c->by_errno[X_EINTR]++; break;
		case EBUSY: c->by_errno[X_EBUSY]++; break;
		default: c->by_errno[X_OTHER]++; break;
		}
		return 1;
	}
	c->unexpected++;
	fprintf(stderr, "# pid %d: %s: unexpected %s\n", getpid(), what,
		strerror(e));
	return 0;
}

#define EXPECT_ONE_OF(c, e, what, ...) ({				\
	static const int __al[] = { __VA_ARGS__, 0 };			\
	st_expect((c), (e), __al, (what));				\
})

/* The randomised run: one process's view. */
struct st_handle {
	int used;
	int fdi;		/* fd index it is attached through; -1: freed */
	int shared;		/* shared name index, or -1 */
	int foreign;		/* another process's region: no bytes owned */
	struct bigphys_alloc a;
	__u8 *map;		/* whole-region mapping or NULL */
	size_t off, len;	/* the bytes this process owns */
	__u64 seed;		/* pattern in them; 0 zeroes; 1 unknown */
};

struct st_job {
	int used;
	int fdi;
	__u64 cookie;
	size_t len;
};

struct st_proc {
	int idx;
	int fd[2];
	int have_dev;
	__u64 rnd;
	unsigned int nnamed;
	struct st_handle h[ST_HANDLES];
	struct st_job j[ST_JOBS];
	struct st_counts c;
};

#define SEED_ZERO	0
#define SEED_UNKNOWN	1

static void st_fail(struct st_proc *p, const char *fmt, unsigned long a,
		    unsigned long b)
{
	fprintf(stderr, "# pid %d (proc %d) after %lu ops: ", getpid(),
		p->idx, p->c.ops);
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n");
	_exit(1);
}

/* Check the owned bytes of every mapped handle (every 8th word). */
static void st_verify_all(struct st_proc *p, size_t stride)
{
	struct st_handle *h;
	long bad;
	int i;

	for (i = 0; i < ST_HANDLES; i++) {
		h = &p->h[i];
		if (!h->used || !h->map || !h->len || h->seed == SEED_UNKNOWN)
			continue;
		if (h->seed == SEED_ZERO)
			bad = bp_check_zero(h->map + h->off, h->len);
		else
			bad = bp_check_stride(h->map + h->off, h->len, h->seed,
					      stride);
		p->c.verifies++;
		if (bad != -1)
			st_fail(p, "region id %lu: owned byte %ld lost its pattern",
				h->a.id, (unsigned long)bad);
	}
}

/* Set the pattern of every handle of region @id (one region, one view). */
static void st_set_seed(struct st_proc *p, __u32 id, __u64 seed)
{
	int i;

	for (i = 0; i < ST_HANDLES; i++)
		if (p->h[i].used && p->h[i].a.id == id)
			p->h[i].seed = seed;
}

/* Whether region @id is attached to fd @fdi through a handle but @skip. */
static int st_attached(struct st_proc *p, __u32 id, int fdi,
		       const struct st_handle *skip)
{
	int i;

	for (i = 0; i < ST_HANDLES; i++)
		if (p->h[i].used && &p->h[i] != skip && p->h[i].a.id == id &&
		    p->h[i].fdi == fdi)
			return 1;
	return 0;
}

/* A handle of region @id other than @self, to inherit its pattern from. */
static struct st_handle *st_other(struct st_proc *p, __u32 id,
				  struct st_handle *self)
{
	int i;

	for (i = 0; i < ST_HANDLES; i++)
		if (p->h[i].used && &p->h[i] != self && p->h[i].a.id == id)
			return &p->h[i];
	return NULL;
}

static struct st_handle *st_new_handle(struct st_proc *p)
{
	int i;

	for (i = 0; i < ST_HANDLES; i++)
		if (!p->h[i].used) {
			memset(&p->h[i], 0, sizeof(p->h[i]));
			p->h[i].used = 1;
			p->h[i].fdi = -1;
			p->h[i].shared = -1;
			return &p->h[i];
		}
	return NULL;
}

/* Drop a handle once it is neither attached nor mapped. */
static void st_maybe_drop(struct st_handle *h)
{
	if (h->fdi < 0 && !h->map)
		h->used = 0;
}

static struct st_handle *st_pick(struct st_proc *p, int attached, int mapped)
{
	int i, n = 0, k;

	for (i = 0; i < ST_HANDLES; i++)
		if (p->h[i].used && (!attached || p->h[i].fdi >= 0) &&
		    (!mapped || p->h[i].map))
			n++;
	if (!n)
		return NULL;
	k = (int)(st_rand(&p->rnd) % (unsigned int)n);
	for (i = 0; i < ST_HANDLES; i++)
		if (p->h[i].used && (!attached || p->h[i].fdi >= 0) &&
		    (!mapped || p->h[i].map) && !k--)
			return &p->h[i];
	return NULL;
}

static void st_map(struct st_proc *p, struct st_handle *h)
{
	void *m = bp_map(p->fd[h->fdi], h->a.phys_addr, h->a.size);

	if (m == MAP_FAILED)
		st_fail(p, "mmap of attached region id %lu: errno %lu",
			h->a.id, (unsigned long)errno);
	h->map = m;
	p->c.maps++;
}

static void st_op_alloc(struct st_proc *p, int kind)
{
	static const __u32 caches[] = {
		BIGPHYS_CACHE_DEFAULT, BIGPHYS_CACHE_WC, BIGPHYS_CACHE_WB,
		BIGPHYS_CACHE_UC,
	};
	struct st_handle *h = st_new_handle(p), *o;
	__u64 r = st_rand(&p->rnd);
	char name[BIGPHYS_NAME_LEN] = "";
	__u64 size = (r % 8 + 1) * BP_PAGE - (r >> 8) % 64;
	__u32 flags = caches[(r >> 16) % 4];
	int fdi = (int)((r >> 20) & 1);

	if (!h)
		return;
	if (kind == 1) {		/* private name, others may attach */
		snprintf(name, sizeof(name), "st%d_%u", p->idx, p->nnamed++);
		flags |= BIGPHYS_ALLOC_CREATE | BIGPHYS_ALLOC_EXCL;
	} else if (kind == 2) {		/* shared name, 16 pages */
		h->shared = (int)((r >> 24) % ST_SHARED);
		snprintf(name, sizeof(name), "st_sh%d", h->shared);
		flags = BIGPHYS_ALLOC_CREATE | BIGPHYS_CACHE_WB;
		size = SH_SIZE;
	}
	if (bp_alloc(p->fd[fdi], name, size, 0, flags, &h->a)) {
		h->used = 0;
		EXPECT_ONE_OF(&p->c, errno, "alloc", ENOSPC);
		return;
	}
	p->c.allocs++;
	h->fdi = fdi;
	if (h->a.phys_addr % BP_PAGE || h->a.size < size)
		st_fail(p, "alloc granted size %lu for %lu", h->a.size, size);
	if (st_attached(p, h->a.id, fdi, h)) {
		/* Attached again through the same fd: nothing new. */
		h->used = 0;
		return;
	}
	o = st_other(p, h->a.id, h);
	st_map(p, h);
	if (kind == 2) {
		h->off = (size_t)p->idx * SLICE;
		h->len = SLICE;
		h->seed = o ? o->seed : SEED_UNKNOWN;
	} else {
		h->off = 0;
		h->len = h->a.size;
		h->seed = SEED_ZERO;	/* a new region is zeroed */
	}
}

/* Attach another process's named region found in LIST. */
static void st_op_attach_foreign(struct st_proc *p)
{
	struct bigphys_region_info ri[64];
	struct st_handle *h;
	__u32 n = 64, i, k, pick;
	char prefix[16];

	snprintf(prefix, sizeof(prefix), "st%d_", p->idx);
	if (bp_list(p->fd[0], ri, &n))
		st_fail(p, "LIST: errno %lu%lu", (unsigned long)errno, 0);
	pick = (__u32)st_rand(&p->rnd);
	for (k = 0; k < n && k < 64; k++) {
		i = (pick + k) % (n < 64 ? n : 64);
		if (strncmp(ri[i].name, "st", 2) || !strncmp(ri[i].name, "st_sh", 5) ||
		    !strncmp(ri[i].name, prefix, strlen(prefix)))
			continue;
		h = st_new_handle(p);
		if (!h)
			return;
		if (bp_alloc(p->fd[0], ri[i].name, 0, 0, 0, &h->a)) {
			h->used = 0;
			EXPECT_ONE_OF(&p->c, errno, "attach foreign", ENOENT);
			return;
		}
		p->c.attaches++;
		if (st_attached(p, h->a.id, 0, h)) {
			h->used = 0;	/* already attached through fd 0 */
			return;
		}
		h->fdi = 0;
		h->foreign = 1;
		return;
	}
}

static void st_op_write(struct st_proc *p)
{
	struct st_handle *h = st_pick(p, 0, 1);
	__u64 seed;

	if (!h || !h->len)
		return;
	seed = (st_rand(&p->rnd) | 2) & ~0ULL;
	bp_fill(h->map + h->off, h->len, seed);
	st_set_seed(p, h->a.id, seed);
	p->c.writes++;
}

static void st_op_dma(struct st_proc *p)
{
	struct st_handle *h = st_pick(p, 0, 0);
	__u64 r = st_rand(&p->rnd);
	struct bigphys_dma d;
	struct st_job *j = NULL;
	size_t len, off;
	int i, fdi;

	if (!h || !p->have_dev)
		return;
	for (i = 0; i < ST_JOBS; i++)
		if (!p->j[i].used)
			j = &p->j[i];
	if (!j)
		return;
	len = (size_t)(r % WIN_SIZE) + 1;
	if (len > h->a.size)
		len = h->a.size;
	off = (size_t)((r >> 12) % (h->a.size - len + 1));
	fdi = h->fdi >= 0 ? h->fdi : (int)((r >> 40) & 1);
	bp_dma_req(&d, (r >> 41) & 1 ? h->a.id : 0, off, len,
		   WIN + (r >> 42) % (WIN_SIZE - len + 1), 0);
	if (!d.region_id)
		d.phys_addr = h->a.phys_addr + (r >> 50) % h->a.size;
	if (bp_dma_start(p->fd[fdi], &d)) {
		/* Only a region not attached to this fd (freed, other fd). */
		if (st_attached(p, h->a.id, fdi, NULL))
			st_fail(p, "STRT_DMA on an attached region: errno %lu%lu",
				(unsigned long)errno, 0);
		EXPECT_ONE_OF(&p->c, errno, "STRT_DMA, region not on this fd",
			      ENOENT);
		return;
	}
	if (!st_attached(p, h->a.id, fdi, NULL))
		st_fail(p, "STRT_DMA on region id %lu not attached to fd %lu",
			h->a.id, (unsigned long)fdi);
	p->c.dma_jobs++;
	j->used = 1;
	j->fdi = fdi;
	j->cookie = d.cookie;
	j->len = len;
}

static void st_op_wait(struct st_proc *p, __u64 timeout)
{
	struct bigphys_dma_wait w;
	struct st_job *j = NULL;
	int i;

	for (i = 0; i < ST_JOBS; i++)
		if (p->j[i].used && (!j || st_rand(&p->rnd) & 1))
			j = &p->j[i];
	if (!j)
		return;
	if (bp_dma_wait(p->fd[j->fdi], j->cookie, timeout, &w)) {
		EXPECT_ONE_OF(&p->c, errno, "WAIT_DMA", ETIMEDOUT, EINTR);
		return;
	}
	if (w.status || w.bytes != j->len)
		st_fail(p, "DMA job status %ld bytes %lu", (unsigned long)w.status,
			(unsigned long)w.bytes);
	p->c.dma_reaped++;
	j->used = 0;
}

static void st_op_free(struct st_proc *p)
{
	struct st_handle *h = st_pick(p, 1, 0);
	int fd, i, other = 0;

	if (!h)
		return;
	fd = p->fd[h->fdi];
	/* FREE by name detaches whatever region has the name now. */
	for (i = 0; i < ST_HANDLES; i++)
		if (p->h[i].used && p->h[i].a.id != h->a.id &&
		    p->h[i].shared == h->shared && p->h[i].fdi == h->fdi)
			other = 1;
	if (h->shared >= 0 && !other && st_rand(&p->rnd) & 1) {
		char name[BIGPHYS_NAME_LEN];

		/* The name may be gone or be another region's by now. */
		snprintf(name, sizeof(name), "st_sh%d", h->shared);
		if (bp_free_name(fd, name))
			EXPECT_ONE_OF(&p->c, errno, "FREE shared name", ENOENT);
		if (bp_free_id(fd, h->a.id))
			EXPECT_ONE_OF(&p->c, errno, "FREE shared id", ENOENT);
	} else if (bp_free_id(fd, h->a.id)) {
		st_fail(p, "FREE id %lu attached to the fd: errno %lu", h->a.id,
			(unsigned long)errno);
	}
	p->c.frees++;
	h->fdi = -1;
	st_maybe_drop(h);
}

static void st_op_unmap(struct st_proc *p)
{
	struct st_handle *h = st_pick(p, 0, 1);

	if (!h)
		return;
	if (munmap(h->map, h->a.size))
		st_fail(p, "munmap: errno %lu%lu", (unsigned long)errno, 0);
	h->map = NULL;
	st_maybe_drop(h);
}

static void st_op_remap(struct st_proc *p)
{
	struct st_handle *h;
	int i;

	for (i = 0; i < ST_HANDLES; i++) {
		h = &p->h[i];
		if (h->used && h->fdi >= 0 && !h->map) {
			st_map(p, h);
			return;
		}
	}
}

static void st_op_reopen(struct st_proc *p)
{
	int fdi = (int)(st_rand(&p->rnd) & 1), i;

	close(p->fd[fdi]);	/* cancels queued jobs, waits for the running one */
	p->fd[fdi] = bp_open();
	if (p->fd[fdi] < 0)
		st_fail(p, "reopen: errno %lu%lu", (unsigned long)errno, 0);
	for (i = 0; i < ST_JOBS; i++) {
		if (p->j[i].used && p->j[i].fdi == fdi) {
			p->j[i].used = 0;
			p->c.dma_dropped++;
		}
	}
	for (i = 0; i < ST_HANDLES; i++) {
		if (p->h[i].used && p->h[i].fdi == fdi) {
			p->h[i].fdi = -1;
			st_maybe_drop(&p->h[i]);
		}
	}
	p->c.reopens++;
}

/* INFO/LIST: own regions listed, no overlaps, accounting bounds. */
static void st_op_info(struct st_proc *p)
{
	struct bigphys_region_info ri[64];
	struct bigphys_info in;
	__u64 held = 0, listed = 0;
	__u32 n = 64, i, k;
	int m, dup;

	if (bp_info(p->fd[0], &in) || bp_list(p->fd[0], ri, &n))
		st_fail(p, "INFO/LIST: errno %lu%lu", (unsigned long)errno, 0);
	p->c.infos++;
	for (m = 0; m < ST_HANDLES; m++) {
		if (!p->h[m].used)
			continue;
		dup = 0;
		for (k = 0; k < (__u32)m; k++)
			if (p->h[k].used && p->h[k].a.id == p->h[m].a.id)
				dup = 1;
		if (!dup)
			held += p->h[m].a.size;
		if (n > 64)
			continue;
		for (i = 0; i < n; i++)
			if (ri[i].id == p->h[m].a.id)
				break;
		if (i == n || ri[i].phys_addr != p->h[m].a.phys_addr ||
		    ri[i].size != p->h[m].a.size)
			st_fail(p, "held region id %lu not in LIST (%lu entries)",
				p->h[m].a.id, n);
	}
	if (in.free_bytes % BP_PAGE || in.largest_free > in.free_bytes ||
	    in.free_bytes > in.pool_size - held)
		st_fail(p, "INFO free %lu with %lu bytes held", in.free_bytes,
			held);
	for (i = 0; i < n && i < 64; i++) {
		listed += ri[i].size;
		if (ri[i].phys_addr < in.pool_base ||
		    ri[i].phys_addr + ri[i].size > in.pool_base + in.pool_size)
			st_fail(p, "LIST region %lu outside the pool (phys %lu)",
				ri[i].id, ri[i].phys_addr);
		for (k = 0; k < i; k++)
			if (ri[k].phys_addr < ri[i].phys_addr + ri[i].size &&
			    ri[i].phys_addr < ri[k].phys_addr + ri[k].size)
				st_fail(p, "LIST regions %lu and %lu overlap",
					ri[i].id, ri[k].id);
	}
	if (listed > in.pool_size)
		st_fail(p, "LIST sizes %lu exceed the pool %lu", listed,
			in.pool_size);
}

/* Whether fd @fdi may map [@phys, @phys + 4096): inside a region on it. */
static int st_may_map(struct st_proc *p, int fdi, __u64 phys)
{
	int i;

	for (i = 0; i < ST_HANDLES; i++)
		if (p->h[i].used && p->h[i].fdi == fdi &&
		    phys >= p->h[i].a.phys_addr &&
		    phys + BP_PAGE <= p->h[i].a.phys_addr + p->h[i].a.size)
			return 1;
	return 0;
}

/* Try to map another process's region by its physical address. */
static void st_op_guess(struct st_proc *p)
{
	struct bigphys_region_info ri[64];
	__u32 n = 64, i;
	int fdi;
	void *m;

	if (bp_list(p->fd[0], ri, &n) || !n)
		return;
	i = (__u32)(st_rand(&p->rnd) % (n < 64 ? n : 64));
	for (fdi = 0; fdi < 2; fdi++) {
		if (st_may_map(p, fdi, ri[i].phys_addr))
			continue;
		p->c.guesses++;
		errno = 0;
		m = mmap(NULL, BP_PAGE, PROT_READ, MAP_SHARED, p->fd[fdi],
			 (off_t)ri[i].phys_addr);
		if (m != MAP_FAILED)
			st_fail(p, "mapped region id %lu (phys 0x%lx) it never attached",
				ri[i].id, ri[i].phys_addr);
		if (errno != EINVAL)
			st_fail(p, "guess mmap: errno %lu%lu", (unsigned long)errno, 0);
	}
}

static void st_child(int idx, __u64 seed, int have_dev, __u64 deadline, int out)
{
	struct st_proc *p = calloc(1, sizeof(*p));
	unsigned int r;
	int i;

	alarm(ST_SECS * 4);	/* a hang is a failure */
	if (!p)
		_exit(2);
	p->idx = idx;
	p->have_dev = have_dev;
	p->rnd = seed * 0x9E3779B97F4A7C15ULL + (__u64)idx + 1;
	p->fd[0] = bp_open();
	p->fd[1] = bp_open();
	if (p->fd[0] < 0 || p->fd[1] < 0)
		_exit(2);
	while (p->c.ops < ST_OPS && bp_now_ns() < deadline) {
		r = (unsigned int)(st_rand(&p->rnd) % 100);
		if (r < 12)
			st_op_alloc(p, 0);
		else if (r < 20)
			st_op_alloc(p, 1);
		else if (r < 30)
			st_op_alloc(p, 2);
		else if (r < 34)
			st_op_attach_foreign(p);
		else if (r < 48)
			st_op_write(p);
		else if (r < 56)
			st_op_dma(p);
		else if (r < 62)
			st_op_wait(p, 0);
		else if (r < 64)
			st_op_wait(p, 5 * BP_NSEC);
		else if (r < 74)
			st_op_free(p);
		else if (r < 80)
			st_op_unmap(p);
		else if (r < 85)
			st_op_remap(p);
		else if (r < 86)
			st_op_reopen(p);
		else if (r < 95)
			st_op_info(p);
		else
			st_op_guess(p);
		p->c.ops++;
		st_verify_all(p, 8);
	}
	/* Reap the jobs, check everything in full, let go. */
	for (i = 0; i < ST_JOBS; i++) {
		while (p->j[i].used) {
			struct st_job *j = &p->j[i];
			struct bigphys_dma_wait w;

			if (bp_dma_wait(p->fd[j->fdi], j->cookie, 10 * BP_NSEC, &w)) {
				if (EXPECT_ONE_OF(&p->c, errno, "final WAIT_DMA",
						  EINTR))
					continue;
				break;
			}
			if (w.status || w.bytes != j->len)
				st_fail(p, "DMA job status %ld bytes %lu",
					(unsigned long)w.status,
					(unsigned long)w.bytes);
			p->c.dma_reaped++;
			j->used = 0;
		}
	}
	st_verify_all(p, 1);
	for (i = 0; i < ST_HANDLES; i++)
		if (p->h[i].used && p->h[i].map)
			munmap(p->h[i].map, p->h[i].a.size);
	close(p->fd[0]);
	close(p->fd[1]);
	if (write(out, &p->c, sizeof(p->c)) != sizeof(p->c))
		_exit(2);
	_exit(p->c.unexpected ? 1 : 0);
}

/* With every child stopped: INFO's accounting matches LIST exactly. */
static int st_checkpoint(int fd, char *msg, size_t size)
{
	struct bigphys_region_info *ri;
	struct bigphys_info in, in2;
	__u32 n = 1024, i;
	__u64 sum = 0;
	int ret = -1;

	ri = calloc(n, sizeof(*ri));
	if (!ri)
		return -1;
	if (bp_info(fd, &in) || bp_list(fd, ri, &n) || bp_info(fd, &in2)) {
		snprintf(msg, size, "INFO/LIST: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < n && i < 1024; i++)
		sum += ri[i].size;
	if (memcmp(&in, &in2, sizeof(in)) || n != in.nr_regions ||
	    sum + in.free_bytes != in.pool_size) {
		snprintf(msg, size,
			 "accounting: %u regions (INFO %u) of %llu bytes + %llu free != pool %llu",
			 n, in.nr_regions, (unsigned long long)sum,
			 (unsigned long long)in.free_bytes,
			 (unsigned long long)in.pool_size);
		goto out;
	}
	ret = 0;
out:
	free(ri);
	return ret;
}

FIXTURE(stress) {
	int fd;
	pid_t pids[ST_PROCS > HM_PROCS ? ST_PROCS : HM_PROCS];
	int have_dev;
};

FIXTURE_SETUP(stress)
{
	struct bigphys_dev_info di;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(self->pids); i++)
		self->pids[i] = -1;
	self->fd = bp_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", BP_DEV, strerror(errno));
	ASSERT_POOL_IDLE(self->fd);
	self->have_dev = !bp_dev_info(self->fd, 0, &di);
	if (!self->have_dev) {
		ASSERT_EQ(ENODEV, errno);
	} else {
		ASSERT_EQ(WIN, di.window_base);
	}
}

FIXTURE_TEARDOWN(stress)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(self->pids); i++) {
		if (self->pids[i] > 0) {
			kill(self->pids[i], SIGKILL);
			waitpid(self->pids[i], NULL, 0);
		}
	}
	if (self->fd >= 0)
		close(self->fd);
	bp_teardown(_metadata, -1, NULL, 0);
}

static void st_print(struct __test_metadata *_metadata, const char *name,
		     __u64 seed, int procs, int threads,
		     const struct st_counts *t, unsigned int checkpoints)
{
	TH_LOG("%s: seed 0x%llx, %d processes x %d threads, %lu ops "
	       "(%lu allocs, %lu attaches, %lu maps, %lu writes, %lu verifies, "
	       "%lu frees, %lu reopens, %lu guesses, %lu INFO/LIST), "
	       "%lu DMA jobs (%lu reaped, %lu dropped by close), "
	       "%u accounting checkpoints, "
	       "errors: %lu expected (ENOSPC %lu, ENOENT %lu, ETIMEDOUT %lu, "
	       "EINTR %lu, EBUSY %lu), %lu unexpected",
	       name, (unsigned long long)seed, procs, threads, t->ops,
	       t->allocs, t->attaches, t->maps, t->writes, t->verifies,
	       t->frees, t->reopens, t->guesses, t->infos, t->dma_jobs,
	       t->dma_reaped, t->dma_dropped, checkpoints, t->expected,
	       t->by_errno[X_ENOSPC], t->by_errno[X_ENOENT],
	       t->by_errno[X_ETIMEDOUT], t->by_errno[X_EINTR],
	       t->by_errno[X_EBUSY], t->unexpected);
}

TEST_F_TIMEOUT(stress, random, 180)
{
	const __u64 seed = st_seed();
	const __u64 deadline = bp_now_ns() + ST_SECS * BP_NSEC;
	struct st_counts total = {}, c;
	unsigned int checkpoints = 0;
	int pipes[ST_PROCS][2], alive = 0, status[ST_PROCS];
	char msg[200];
	pid_t pid;
	int i, st;

	printf("# stress.random: seed 0x%llx (set BIGPHYS_SEED to replay)\n",
	       (unsigned long long)seed);
	fflush(stdout);
	for (i = 0; i < ST_PROCS; i++) {
		ASSERT_EQ(0, pipe(pipes[i]));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(pipes[i][0]);
			st_child(i, seed, self->have_dev, deadline, pipes[i][1]);
		}
		close(pipes[i][1]);
		self->pids[i] = pid;
		status[i] = -1;
		alive++;
	}

	/* Every 0.5 s: stop everybody, check the accounting, go on. */
	while (alive) {
		usleep(500 * 1000);
		for (i = 0; i < ST_PROCS; i++) {
			if (self->pids[i] <= 0)
				continue;
			if (waitpid(self->pids[i], &st, WNOHANG) == self->pids[i]) {
				status[i] = WIFEXITED(st) ? WEXITSTATUS(st) :
							    128 + WTERMSIG(st);
				self->pids[i] = -1;
				alive--;
			}
		}
		if (!alive)
			break;
		for (i = 0; i < ST_PROCS; i++)
			if (self->pids[i] > 0)
				kill(self->pids[i], SIGSTOP);
		for (i = 0; i < ST_PROCS; i++) {
			if (self->pids[i] <= 0)
				continue;
			ASSERT_EQ(self->pids[i], waitpid(self->pids[i], &st, WUNTRACED));
			if (!WIFSTOPPED(st)) {
				status[i] = WIFEXITED(st) ? WEXITSTATUS(st) :
							    128 + WTERMSIG(st);
				self->pids[i] = -1;
				alive--;
			}
		}
		checkpoints++;
		EXPECT_EQ(0, st_checkpoint(self->fd, msg, sizeof(msg)))
			TH_LOG("checkpoint %u: %s", checkpoints, msg);
		for (i = 0; i < ST_PROCS; i++)
			if (self->pids[i] > 0)
				kill(self->pids[i], SIGCONT);
	}
	for (i = 0; i < ST_PROCS; i++) {
		memset(&c, 0, sizeof(c));
		EXPECT_EQ((ssize_t)sizeof(c), read(pipes[i][0], &c, sizeof(c)))
			TH_LOG("child %d sent no figures", i);
		close(pipes[i][0]);
		st_add(&total, &c);
		EXPECT_EQ(0, status[i])
			TH_LOG("child %d: exit status %d%s", i, status[i],
			       status[i] == 128 + SIGALRM ? " (hung: alarm)" : "");
	}
	st_print(_metadata, "random", seed, ST_PROCS, 1, &total, checkpoints);
	EXPECT_EQ(0UL, total.unexpected);
	EXPECT_LT(ST_PROCS * 100UL, total.ops);
	if (self->have_dev)
		EXPECT_LT(0UL, total.dma_jobs);
	EXPECT_EQ(total.dma_jobs, total.dma_reaped + total.dma_dropped);
	ASSERT_POOL_IDLE(self->fd);
}

/* The N x M hammer. */
struct hm_thread {
	pthread_t tid;
	int proc, idx;
	int have_dev;
	int dma_fd;		/* the process's shared fd */
	__u64 deadline;
	__u64 rnd;
	struct st_counts c;
	char err[200];
};

struct hm_hold {
	__u32 id;
	__u8 *map;
	__u64 seed;
};

#define HM_FAIL(t, ...) do {						\
	snprintf((t)->err, sizeof((t)->err), __VA_ARGS__);		\
	goto out;							\
} while (0)

static void *hm_thread(void *arg)
{
	struct hm_thread *t = arg;
	const size_t slot = (size_t)(t->proc * HM_THREADS + t->idx) * BP_PAGE;
	struct hm_hold hold[2] = {};
	struct bigphys_dma_wait w;
	struct bigphys_alloc a;
	struct bigphys_dma d;
	char name[BIGPHYS_NAME_LEN];
	int fd = bp_open(), i, k;
	__u32 kept = 0;
	__u64 r, seed;
	__u8 *m;

	if (fd < 0)
		HM_FAIL(t, "open: %s", strerror(errno));
	while (bp_now_ns() < t->deadline) {
		r = st_rand(&t->rnd);
		t->c.ops++;
		/* Attach or create a shared region, map it, write our page. */
		snprintf(name, sizeof(name), "hm%u", (unsigned int)(r % HM_REGIONS));
		if (bp_alloc(fd, name, HM_SIZE, 0, BIGPHYS_ALLOC_CREATE, &a)) {
			EXPECT_ONE_OF(&t->c, errno, "hammer alloc", ENOSPC);
			continue;
		}
		t->c.allocs++;
		if ((r >> 8) & 1) {
			m = bp_map(fd, a.phys_addr, HM_SIZE);
			if (m != MAP_FAILED)
				m += slot;
		} else {
			m = bp_map(fd, a.phys_addr + slot, BP_PAGE);
		}
		if (m == MAP_FAILED)
			HM_FAIL(t, "mmap of attached region %u: %s", a.id,
				strerror(errno));
		t->c.maps++;
		seed = st_rand(&t->rnd) | 2;
		bp_fill(m, BP_PAGE, seed);
		t->c.writes++;
		for (i = 0; i < 2; i++)
			if (hold[i].map && hold[i].id == a.id)
				hold[i].seed = seed;	/* the same page */

		/* DMA our page through this fd or the process's one. */
		if (t->have_dev && (r >> 9) % 4 == 0) {
			int dfd = (r >> 11) & 1 ? t->dma_fd : fd;

			bp_dma_req(&d, dfd == fd ? a.id : 0, slot,
				   1 + (r >> 12) % WIN_SIZE, WIN, 0);
			d.phys_addr = dfd == fd ? 0 : a.phys_addr + slot;
			if (bp_dma_start(dfd, &d)) {
				/* The process's fd holds an older region. */
				if (dfd == fd || !EXPECT_ONE_OF(&t->c, errno,
						"hammer STRT_DMA by phys", ENOENT))
					HM_FAIL(t, "STRT_DMA: %s", strerror(errno));
			} else {
				t->c.dma_jobs++;
				if (bp_dma_wait(dfd, d.cookie, 60 * BP_NSEC, &w))
					HM_FAIL(t, "WAIT_DMA: %s", strerror(errno));
				if (w.status || w.bytes != d.len)
					HM_FAIL(t, "DMA status %d bytes %llu",
						w.status,
						(unsigned long long)w.bytes);
				t->c.dma_reaped++;
			}
		}
		if (bp_check(m, BP_PAGE, seed) != -1)
			HM_FAIL(t, "region %u: our page changed", a.id);
		t->c.verifies++;

		/* A region kept attached last round and not this one: go. */
		if (kept && kept != a.id && bp_free_id(fd, kept))
			HM_FAIL(t, "FREE kept region %u: %s", kept,
				strerror(errno));
		kept = 0;
		/* Let go: the name and our handle, our handle, or keep it. */
		k = (int)((r >> 24) % 3);
		if (k == 0 && bp_free_name(fd, name))
			EXPECT_ONE_OF(&t->c, errno, "hammer FREE name", ENOENT);
		if (k < 2) {
			/* After FREE name it may be detached already. */
			if (bp_free_id(fd, a.id) &&
			    (k || !EXPECT_ONE_OF(&t->c, errno, "hammer FREE id",
						 ENOENT)))
				HM_FAIL(t, "FREE id %u: %s", a.id, strerror(errno));
			t->c.frees++;
		} else {
			kept = a.id;
		}
		/* Our page survives FREE while mapped. */
		if (bp_check(m, BP_PAGE, seed) != -1)
			HM_FAIL(t, "region %u: our page changed after FREE", a.id);
		/* Keep one mapping for a while, checking it every round. */
		k = (int)((r >> 30) & 1);
		if (hold[k].map)
			munmap(hold[k].map, BP_PAGE);
		hold[k].map = (__u8 *)bp_map(fd, a.phys_addr + slot, BP_PAGE);
		if (hold[k].map == MAP_FAILED) {
			hold[k].map = NULL;
			if (errno != EINVAL)	/* detached above */
				HM_FAIL(t, "mmap: %s", strerror(errno));
		}
		hold[k].id = a.id;
		hold[k].seed = seed;
		if ((r >> 8) & 1)
			munmap(m - slot, HM_SIZE);
		else
			munmap(m, BP_PAGE);
		for (i = 0; i < 2; i++)
			if (hold[i].map &&
			    bp_check(hold[i].map, BP_PAGE, hold[i].seed) != -1)
				HM_FAIL(t, "held region %u: our page changed",
					hold[i].id);
		if ((r >> 40) % 16 == 0) {
			struct bigphys_info in;

			if (bp_info(fd, &in))
				HM_FAIL(t, "INFO: %s", strerror(errno));
			t->c.infos++;
		}
	}
out:
	for (i = 0; i < 2; i++)
		if (hold[i].map)
			munmap(hold[i].map, BP_PAGE);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void hm_child(int proc, __u64 seed, int have_dev, __u64 deadline, int out)
{
	struct hm_thread t[HM_THREADS];
	struct bigphys_alloc a;
	struct st_counts c = {};
	char name[BIGPHYS_NAME_LEN];
	int i, dma_fd, bad = 0;

	alarm(HM_ALARM);	/* a deadlock kills the child: a failure */
	dma_fd = bp_open();
	if (dma_fd < 0)
		_exit(2);
	for (i = 0; i < HM_REGIONS; i++) {
		snprintf(name, sizeof(name), "hm%d", i);
		if (bp_alloc(dma_fd, name, HM_SIZE, 0, BIGPHYS_ALLOC_CREATE, &a))
			_exit(3);
	}
	memset(t, 0, sizeof(t));
	for (i = 0; i < HM_THREADS; i++) {
		t[i].proc = proc;
		t[i].idx = i;
		t[i].have_dev = have_dev;
		t[i].dma_fd = dma_fd;
		t[i].deadline = deadline;
		t[i].rnd = seed * 0x9E3779B97F4A7C15ULL + (__u64)(proc * 64 + i) + 1;
		if (pthread_create(&t[i].tid, NULL, hm_thread, &t[i]))
			_exit(4);
	}
	for (i = 0; i < HM_THREADS; i++) {
		pthread_join(t[i].tid, NULL);
		st_add(&c, &t[i].c);
		if (t[i].err[0]) {
			fprintf(stderr, "# hammer proc %d thread %d: %s\n", proc,
				i, t[i].err);
			bad = 1;
		}
	}
	close(dma_fd);
	if (write(out, &c, sizeof(c)) != sizeof(c))
		_exit(2);
	_exit(bad || c.unexpected ? 1 : 0);
}

TEST_F_TIMEOUT(stress, hammer, 180)
{
	const __u64 seed = st_seed();
	const __u64 deadline = bp_now_ns() + HM_SECS * BP_NSEC;
	struct st_counts total = {}, c;
	int pipes[HM_PROCS][2], i, st;
	pid_t pid;

	printf("# stress.hammer: seed 0x%llx\n", (unsigned long long)seed);
	fflush(stdout);
	for (i = 0; i < HM_PROCS; i++) {
		ASSERT_EQ(0, pipe(pipes[i]));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(pipes[i][0]);
			hm_child(i, seed, self->have_dev, deadline, pipes[i][1]);
		}
		close(pipes[i][1]);
		self->pids[i] = pid;
	}
	for (i = 0; i < HM_PROCS; i++) {
		st = bp_wait_child(self->pids[i]);
		self->pids[i] = -1;
		EXPECT_EQ(0, st)
			TH_LOG("hammer process %d: exit status %d%s", i, st,
			       st == 128 + SIGALRM ? " (deadlock: alarm)" : "");
		memset(&c, 0, sizeof(c));
		EXPECT_EQ((ssize_t)sizeof(c), read(pipes[i][0], &c, sizeof(c)));
		close(pipes[i][0]);
		st_add(&total, &c);
	}
	st_print(_metadata, "hammer", seed, HM_PROCS, HM_THREADS, &total, 0);
	EXPECT_EQ(0UL, total.unexpected);
	EXPECT_LT((unsigned long)HM_PROCS * HM_THREADS, total.ops);
	if (self->have_dev)
		EXPECT_LT(0UL, total.dma_jobs);
	ASSERT_POOL_IDLE(self->fd);
}

/* guess_race: one submitter, two guessers, one fd. */
struct gr_thread {
	pthread_t tid;
	int fd;
	__u32 id;
	int submitter;
	void *ro;		/* read-only copies of valid arguments */
	__u64 deadline;
	struct st_counts c;
	char err[200];
};

#define GR_SECS		4
#define GR_GUESS	80

static void *gr_thread(void *arg)
{
	struct gr_thread *t = arg;
	struct bigphys_dma_wait w;
	struct bigphys_dma_map m;
	struct bigphys_dma d;
	__u64 next_job = 0, h;

	while (bp_now_ns() < t->deadline) {
		if (!t->submitter) {
			for (h = 1; h <= GR_GUESS; h++) {
				t->c.ops++;
				if (!bp_dma_unmap(t->fd, h))
					t->c.frees++;
				else if (!EXPECT_ONE_OF(&t->c, errno, "guess DMA_UNMAP",
							ENOENT))
					HM_FAIL(t, "DMA_UNMAP %llu: %s",
						(unsigned long long)h, strerror(errno));
				t->c.ops++;
				if (!bp_dma_wait(t->fd, h, 0, &w)) {
					if (w.status || w.bytes != 8)
						HM_FAIL(t, "job %llu: status %d bytes %llu",
							(unsigned long long)h, w.status,
							(unsigned long long)w.bytes);
					t->c.dma_reaped++;
				} else if (!EXPECT_ONE_OF(&t->c, errno, "guess WAIT_DMA",
							  ENOENT, ETIMEDOUT, EBUSY)) {
					HM_FAIL(t, "WAIT_DMA %llu: %s",
						(unsigned long long)h, strerror(errno));
				}
			}
			continue;
		}
		t->c.ops += 4;
		if (!bp_dma_map(t->fd, t->id, 0, 0, BP_PAGE, 0, &m)) {
			t->c.maps++;
			if (bp_dma_unmap(t->fd, m.handle) &&
			    !EXPECT_ONE_OF(&t->c, errno, "own DMA_UNMAP", ENOENT))
				HM_FAIL(t, "DMA_UNMAP: %s", strerror(errno));
		} else if (!EXPECT_ONE_OF(&t->c, errno, "DMA_MAP", EBUSY)) {
			HM_FAIL(t, "DMA_MAP: %s", strerror(errno));
		}
		errno = 0;
		if (ioctl(t->fd, BIGPHYS_IOC_DMA_MAP, t->ro) != -1 ||
		    (errno != EFAULT && errno != EBUSY))
			HM_FAIL(t, "read-only DMA_MAP: %s", strerror(errno));
		errno = 0;
		if (ioctl(t->fd, BIGPHYS_IOC_STRT_DMA, (char *)t->ro + 256) != -1 ||
		    (errno != EFAULT && errno != EBUSY))
			HM_FAIL(t, "read-only STRT_DMA: %s", strerror(errno));
		/* A real job every 200 ms: the guessers reap it. */
		if (bp_now_ns() >= next_job) {
			next_job = bp_now_ns() + 200 * BP_MSEC;
			bp_dma_req(&d, t->id, 0, 8, WIN, 0);
			if (!bp_dma_start(t->fd, &d))
				t->c.dma_jobs++;
			else if (!EXPECT_ONE_OF(&t->c, errno, "STRT_DMA", EBUSY))
				HM_FAIL(t, "STRT_DMA: %s", strerror(errno));
		}
	}
out:
	return NULL;
}

TEST_F_TIMEOUT(stress, guess_race, 120)
{
	struct gr_thread t[3];
	struct st_counts total = {};
	struct bigphys_alloc a;
	struct bigphys_dma_map *m;
	char *ro;
	int i;

	if (!self->have_dev)
		SKIP(return, "no DMA device 0");
	ASSERT_EQ(0, bp_alloc(self->fd, "", BP_PAGE, 0, 0, &a));
	ro = mmap(NULL, BP_PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	m = (void *)ro;
	m->region_id = a.id;
	m->len = BP_PAGE;
	bp_dma_req((struct bigphys_dma *)(ro + 256), a.id, 0, 8, WIN, 0);
	ASSERT_EQ(0, mprotect(ro, BP_PAGE, PROT_READ));

	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++) {
		t[i].fd = self->fd;
		t[i].id = a.id;
		t[i].submitter = i == 0;
		t[i].ro = ro;
		t[i].deadline = bp_now_ns() + GR_SECS * BP_NSEC;
		ASSERT_EQ(0, pthread_create(&t[i].tid, NULL, gr_thread, &t[i]));
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pthread_join(t[i].tid, NULL));
		EXPECT_STREQ("", t[i].err);
		st_add(&total, &t[i].c);
	}
	st_print(_metadata, "guess_race", 0, 1, 3, &total, 0);
	EXPECT_EQ(0UL, total.unexpected);
	EXPECT_LT(0UL, total.dma_jobs);
	EXPECT_LT(0UL, total.maps);
	/* The fd still works and close ends what is left. */
	ASSERT_EQ(0, bp_free_id(self->fd, a.id));
	close(self->fd);
	self->fd = bp_open();
	ASSERT_LE(0, self->fd);
	ASSERT_POOL_IDLE(self->fd);
	munmap(ro, BP_PAGE);
}

TEST_HARNESS_MAIN
