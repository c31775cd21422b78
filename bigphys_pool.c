// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pool of physically contiguous memory and its regions.
 *
 * The pool is either a boot-reserved range, which the kernel neither maps
 * nor manages as RAM, or the largest block the page allocator gives (at
 * most 2^BIGPHYS_MAX_ORDER pages).  genalloc carves regions out of it.
 * Where the range comes from, first match wins:
 *  1. pool_base=/pool_size= (module parameters): a range reserved at boot,
 *     with memmap=SIZE$BASE on x86 or a no-map /reserved-memory node of the
 *     device tree (Documentation/devicetree/bindings/reserved-memory/
 *     reserved-memory.yaml) on arm64;
 *  2. the device tree node compatible with "bigphys,pool" under
 *     /reserved-memory, which must have no-map (of_reserved_mem_lookup());
 *  3. the page allocator (fallback).
 * The same checks apply to 1 and 2: page aligned, not System RAM, wholly
 * reserved (an x86 "Reserved" resource or inside a no-map reserved-memory
 * node) and not claimed by another driver (request_mem_region()).
 *
 * Caching.  x86 PAT refuses or silently changes a user mapping whose memory
 * type differs from another mapping of the same physical page, so every
 * mapping of a region uses the region's one cache type, and the region
 * itself holds that type in PAT for its whole life:
 *  - reserved range: the kernel does not map it.  Each region keeps a kernel
 *    mapping of its own type (ioremap_wc/ioremap_cache/ioremap), which
 *    registers the memtype; it also zeroes the region.  A write-back region
 *    is flushed from the CPU caches before it goes back to the pool, so no
 *    dirty line can land on memory another region later uses as WC/UC.
 *  - page-allocator block: it is in the kernel's direct map (write-back).
 *    For a WC or UC region set_memory_wc/uc() changes the direct map and
 *    records the memory type of those pages; set_memory_wb() restores it
 *    when the region is freed.
 * User mappings insert PFNs one by one (bigphys_mmap.c), and each insert
 * takes the registered type: what the user gets is what the region has.
 * (remap_pfn_range() would instead reserve the VMA's range in PAT, and on
 * 6.1 a partial munmap then leaks that entry with its type.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/genalloc.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/set_memory.h>

#include "bigphys_compat.h"
#include "bigphys_priv.h"
#include "bigphys_trace.h"

/* See bigphys_priv.h for what bigphys_lock protects. */
DEFINE_MUTEX(bigphys_lock);
DEFINE_XARRAY_ALLOC1(bigphys_regions);
/* Entries of bigphys_regions, so INFO and LIST need not count; bigphys_lock. */
unsigned int bigphys_nr_regions;
static u32 bigphys_next_id;	/* xa_alloc_cyclic() cursor; bigphys_lock */

static unsigned long max_user_bytes;
module_param(max_user_bytes, ulong, 0644);
MODULE_PARM_DESC(max_user_bytes,
		 "Most pool bytes the regions created by one effective uid may hold; beyond it ALLOC fails with EDQUOT (default 0: unlimited)");

/*
 * Pool pages held by the regions each euid created, indexed by uid, as
 * xarray value entries; under bigphys_lock.  Charged when a region's block
 * is allocated, uncharged when the block returns to the pool, so changing
 * max_user_bytes at any time keeps the counts right.
 */
static DEFINE_XARRAY(bigphys_user_pages);

/* Zero regions this much at a time, rescheduling in between. */
#define BIGPHYS_ZERO_CHUNK	SZ_1M

static struct {
	struct gen_pool *gp;
	phys_addr_t base;
	size_t size;
	struct page *pages;	/* page-allocator block, or NULL */
	unsigned int order;	/* of @pages */
	struct resource *res;	/* our claim on the reserved range */
	bool dt;		/* the range is the device tree's pool node */
} pool;

/*
 * How to reserve [@base, @base + @size), for error messages: memmap= exists
 * on x86 only; elsewhere the device tree's /reserved-memory is the way.
 */
static const char *bigphys_reserve_hint(char *buf, size_t len, u64 base,
					u64 size)
{
	if (IS_ENABLED(CONFIG_X86))
		snprintf(buf, len, "memmap=%lluK$%#llx", size >> 10, base);
	else
		snprintf(buf, len, "a no-map /reserved-memory node, reg = <%#llx %#llx>",
			 base, size);
	return buf;
}

bool bigphys_pool_is_ram(void)
{
	return pool.pages;
}

/*
 * The allocator a region with @flags comes from: page-backed regions from
 * the page-backed part (pages_base=), else from a page-allocator pool,
 * which is all pages; NULL when there is no such memory.
 */
static struct gen_pool *bigphys_region_gp(u32 flags)
{
	if (!(flags & BIGPHYS_ALLOC_PAGES))
		return pool.gp;
	return bigphys_pages_gp() ?: (pool.pages ? pool.gp : NULL);
}

static int bigphys_parse(const char *param, const char *str, u64 *val)
{
	char *end;

	*val = memparse(str, &end);
	if (end == str || *end) {
		pr_err("%s=%s: not a number (use e.g. 0x10000000 or 64M)\n",
		       param, str);
		return -EINVAL;
	}
	return 0;
}

/* walk_iomem_res_desc() callback: @res is clipped to the range walked. */
static int bigphys_count_bytes(struct resource *res, void *arg)
{
	*(u64 *)arg += resource_size(res);
	return 0;
}

/*
 * Whether [@base, @base + @size) lies inside one no-map node of the device
 * tree's /reserved-memory (arm64 lists such ranges in /proc/iomem as
 * "reserved" with IORES_DESC_NONE, so the walk for IORES_DESC_RESERVED,
 * which is how x86 marks memmap= ranges, does not find them).
 */
static bool bigphys_dt_nomap_covers(u64 base, u64 size)
{
	struct device_node *parent, *np;
	struct reserved_mem *rmem;
	bool found = false;

	parent = of_find_node_by_path("/reserved-memory");
	if (!parent)
		return false;
	for_each_available_child_of_node(parent, np) {
		rmem = of_reserved_mem_lookup(np);
		if (rmem && of_property_read_bool(np, "no-map") &&
		    base >= rmem->base && base + size <= rmem->base + rmem->size) {
			found = true;
			of_node_put(np);
			break;
		}
	}
	of_node_put(parent);
	return found;
}

/**
 * bigphys_range_check_claim() - check and claim a boot-reserved range
 * @what: what named the range, for messages ("pool_base=0x... pool_size=...")
 * @base: physical address of its first byte
 * @size: bytes
 * @align: required alignment of @base and @size in bytes (a power of two)
 * @range: filled: the range claimed
 *
 * Context: module load.
 * Return: the resource claimed (release_mem_region() it), or an ERR_PTR:
 * -EINVAL unaligned, empty, or not wholly a reserved memory range;
 * -EADDRINUSE overlaps System RAM; -EBUSY claimed by another driver (or by
 * bigphys itself).  Each failure logs one line naming @what.
 */
static struct resource *bigphys_range_check_claim(const char *what, u64 base,
						  u64 size, u64 align,
						  struct range *range)
{
	struct resource *res;
	u64 reserved = 0;
	char hint[80];

	if (!size || !IS_ALIGNED(base, align) || !IS_ALIGNED(size, align) ||
	    base + size < base || base + size - 1 > PHYS_ADDR_MAX) {
		pr_err("%s: must be %s aligned, non-empty and inside the physical address space\n",
		       what, align == PAGE_SIZE ? "page" : "2 MiB");
		return ERR_PTR(-EINVAL);
	}
	if (region_intersects(base, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("%s overlaps System RAM: reserve the range at boot with %s (see /proc/iomem)\n",
		       what, bigphys_reserve_hint(hint, sizeof(hint), base, size));
		return ERR_PTR(-EADDRINUSE);
	}
	walk_iomem_res_desc(IORES_DESC_RESERVED, IORESOURCE_MEM, base,
			    base + size - 1, &reserved, bigphys_count_bytes);
	if (reserved != size && !bigphys_dt_nomap_covers(base, size)) {
		pr_err("%s is not wholly a reserved memory range: reserve the range at boot with %s (see /proc/iomem)\n",
		       what, bigphys_reserve_hint(hint, sizeof(hint), base, size));
		return ERR_PTR(-EINVAL);
	}
	res = request_mem_region(base, size, KBUILD_MODNAME);
	if (!res) {
		pr_err("%s is already claimed by another driver or overlaps the other bigphys range (see /proc/iomem)\n",
		       what);
		return ERR_PTR(-EBUSY);
	}
	range->start = base;
	range->end = base + size - 1;
	return res;
}

/**
 * bigphys_range_claim() - check and claim a boot-reserved physical range
 *	named by module parameters
 * @pbase: name of the base parameter, for messages ("pool_base")
 * @psize: name of the size parameter ("pool_size")
 * @base_str: its value (memparse syntax), or NULL
 * @size_str: the size's value, or NULL
 * @align: required alignment of base and size in bytes (a power of two)
 * @range: filled: the range claimed
 *
 * Context: module load.
 * Return: as bigphys_range_check_claim(), and -EINVAL when only one of the
 * two parameters is given or one is not a number.
 */
struct resource *bigphys_range_claim(const char *pbase, const char *psize,
				     const char *base_str, const char *size_str,
				     u64 align, struct range *range)
{
	char what[80];
	u64 base, size;
	int err;

	if (!base_str || !size_str) {
		pr_err("%s= and %s= must be given together\n", pbase, psize);
		return ERR_PTR(-EINVAL);
	}
	err = bigphys_parse(pbase, base_str, &base);
	if (!err)
		err = bigphys_parse(psize, size_str, &size);
	if (err)
		return ERR_PTR(err);
	snprintf(what, sizeof(what), "%s=%#llx %s=%#llx", pbase, base, psize,
		 size);
	return bigphys_range_check_claim(what, base, size, align, range);
}

/*
 * The pool from the device tree: the /reserved-memory node compatible with
 * BIGPHYS_DT_COMPATIBLE.  Return: -ENODEV when there is none (the caller
 * falls back to the page allocator), else as bigphys_range_check_claim().
 */
static int bigphys_pool_dt(void)
{
	struct reserved_mem *rmem;
	struct device_node *np;
	struct range range;
	char what[80];
	bool nomap;

	np = of_find_compatible_node(NULL, NULL, BIGPHYS_DT_COMPATIBLE);
	if (!np)
		return -ENODEV;
	rmem = of_reserved_mem_lookup(np);
	nomap = of_property_read_bool(np, "no-map");
	snprintf(what, sizeof(what), "device tree node %pOF", np);
	of_node_put(np);
	if (!rmem || !nomap) {
		pr_err("%s: a bigphys pool must be a /reserved-memory node with reg and no-map\n",
		       what);
		return -EINVAL;
	}
	pool.res = bigphys_range_check_claim(what, rmem->base, rmem->size,
					     PAGE_SIZE, &range);
	if (IS_ERR(pool.res))
		return PTR_ERR(pool.res);
	pool.base = range.start;
	pool.size = range_len(&range);
	pool.dt = true;
	return 0;
}

static int bigphys_pool_reserved(const char *base_str, const char *size_str)
{
	struct range range;

	pool.res = bigphys_range_claim("pool_base", "pool_size", base_str,
				       size_str, PAGE_SIZE, &range);
	if (IS_ERR(pool.res))
		return PTR_ERR(pool.res);
	pool.base = range.start;
	pool.size = range_len(&range);
	return 0;
}

static int bigphys_pool_pages(void)
{
	int order;

	for (order = BIGPHYS_MAX_ORDER; order >= 0; order--) {
		pool.pages = alloc_pages(GFP_KERNEL | __GFP_NOWARN |
					 __GFP_NORETRY, order);
		if (pool.pages)
			break;
	}
	if (!pool.pages)
		return -ENOMEM;
	pool.order = order;
	/*
	 * Every page gets its own reference count, so that page-backed
	 * regions can map them one by one with vmf_insert_page() and tell
	 * when nobody else holds them (bigphys_pages.c).
	 */
	split_page(pool.pages, order);
	pool.base = page_to_phys(pool.pages);
	pool.size = PAGE_SIZE << order;
	if (IS_ENABLED(CONFIG_X86))
		pr_info("no pool_base=/pool_size=: using %zu KiB from the page allocator; for a bigger pool boot with memmap=64M$0x10000000 and load with pool_base=0x10000000 pool_size=64M\n",
			pool.size >> 10);
	else
		pr_info("no pool_base=/pool_size=: using %zu KiB from the page allocator; for a bigger pool add a no-map /reserved-memory node compatible with \"%s\" to the device tree\n",
			pool.size >> 10, BIGPHYS_DT_COMPATIBLE);
	return 0;
}

static void bigphys_pool_free_pages(void)
{
	unsigned long i;

	for (i = 0; i < 1UL << pool.order; i++)
		__free_page(pool.pages + i);
}

/**
 * bigphys_pool_init() - set up the pool at module load
 * @base: pool_base= parameter (physical address) or NULL
 * @size: pool_size= parameter (bytes, memparse suffixes) or NULL
 * @dt: without @base and @size, look for the device tree's pool node
 * @pages_base: pages_base= parameter: the page-backed part, or NULL
 * @pages_size: pages_size= parameter, or NULL
 *
 * Return: 0, or -EINVAL (malformed parameters or not a reserved range),
 * -EADDRINUSE (overlaps System RAM), -EBUSY (claimed by someone else),
 * -ENOMEM, or the error of making the page-backed part.  Each failure
 * logs one line naming the parameter.
 */
int bigphys_pool_init(const char *base, const char *size, bool dt,
		      const char *pages_base, const char *pages_size)
{
	int err;

	if (base || size) {
		err = bigphys_pool_reserved(base, size);
	} else {
		err = dt ? bigphys_pool_dt() : -ENODEV;
		if (err == -ENODEV)
			err = bigphys_pool_pages();
	}
	if (err)
		return err;

	pool.gp = gen_pool_create(PAGE_SHIFT, NUMA_NO_NODE);
	if (!pool.gp) {
		err = -ENOMEM;
		goto release_memory;
	}
	/* genalloc keeps unsigned long "addresses": we give it physical ones. */
	err = gen_pool_add(pool.gp, pool.base, pool.size, NUMA_NO_NODE);
	if (err)
		goto destroy_gp;
	pr_info("pool %pa + %zu KiB (%s)\n", &pool.base, pool.size >> 10,
		pool.pages ? "page allocator" : pool.dt ?
		"reserved range from the device tree" : "reserved range");
	if (pages_base || pages_size) {
		err = bigphys_pages_init(pages_base, pages_size);
		if (err)
			goto destroy_gp;
	}
	return 0;

destroy_gp:
	gen_pool_destroy(pool.gp);
release_memory:
	if (pool.pages)
		bigphys_pool_free_pages();
	else
		release_mem_region(pool.base, pool.size);
	return err;
}

/*
 * Every region is gone by now: files, VMAs, PERSIST and HELD regions hold
 * the module.
 */
void bigphys_pool_exit(void)
{
	bigphys_pages_exit();
	xa_destroy(&bigphys_user_pages);
	gen_pool_destroy(pool.gp);
	if (pool.pages)
		bigphys_pool_free_pages();
	else
		release_mem_region(pool.base, pool.size);
}

static void bigphys_largest_free(struct gen_pool *gp,
				 struct gen_pool_chunk *chunk, void *data)
{
	unsigned long nbits = (chunk->end_addr - chunk->start_addr + 1) >>
			      gp->min_alloc_order;
	unsigned long start = 0, end, *largest = data;

	while ((start = find_next_zero_bit(chunk->bits, nbits, start)) < nbits) {
		end = find_next_bit(chunk->bits, nbits, start);
		*largest = max(*largest, end - start);
		start = end;
	}
}

/**
 * bigphys_pool_info() - fill the pool part of struct bigphys_info
 * @info: filled: pool_base, pool_size, free_bytes, largest_free, flags.
 *
 * Context: bigphys_lock held (so the bitmap does not change under us).
 */
void bigphys_pool_info(struct bigphys_info *info)
{
	unsigned long largest = 0;

	lockdep_assert_held(&bigphys_lock);
	gen_pool_for_each_chunk(pool.gp, bigphys_largest_free, &largest);
	info->pool_base = pool.base;
	info->pool_size = pool.size;
	info->free_bytes = gen_pool_avail(pool.gp);
	info->largest_free = (u64)largest << PAGE_SHIFT;
	info->flags = pool.pages ? BIGPHYS_POOL_PAGES : BIGPHYS_POOL_RESERVED;
	if (pool.dt)
		info->flags |= BIGPHYS_POOL_DEVICE_TREE;
	if (pool.pages) {
		/* The page-allocator block is all pages. */
		info->flags |= BIGPHYS_POOL_HAS_PAGES;
		info->pages_base = info->pool_base;
		info->pages_size = info->pool_size;
		info->pages_free = info->free_bytes;
	}
	bigphys_pages_info(info);
}

static unsigned long bigphys_user_pages_get(kuid_t uid)
{
	void *entry = xa_load(&bigphys_user_pages, __kuid_val(uid));

	return entry ? xa_to_value(entry) : 0;
}

/* Charge @size bytes to @uid: -EDQUOT beyond max_user_bytes, -ENOMEM. */
static int bigphys_charge(kuid_t uid, size_t size)
{
	unsigned long limit = READ_ONCE(max_user_bytes);
	unsigned long pages = bigphys_user_pages_get(uid) + (size >> PAGE_SHIFT);

	lockdep_assert_held(&bigphys_lock);
	if (limit && (u64)pages << PAGE_SHIFT > limit)
		return -EDQUOT;
	return xa_err(xa_store(&bigphys_user_pages, __kuid_val(uid),
			       xa_mk_value(pages), GFP_KERNEL));
}

static void bigphys_uncharge(kuid_t uid, size_t size)
{
	unsigned long pages = bigphys_user_pages_get(uid);

	lockdep_assert_held(&bigphys_lock);
	if (pages <= size >> PAGE_SHIFT)
		xa_erase(&bigphys_user_pages, __kuid_val(uid));
	else	/* replaces the entry in place: allocates nothing */
		xa_store(&bigphys_user_pages, __kuid_val(uid),
			 xa_mk_value(pages - (size >> PAGE_SHIFT)), GFP_KERNEL);
}

/*
 * Zero @r in chunks and reschedule in between: under emulation a 64 MiB
 * uncached region takes a quarter of a second.
 */
static void bigphys_region_zero(struct bigphys_region *r)
{
	size_t off, n;

	for (off = 0; off < r->size; off += n) {
		n = min_t(size_t, r->size - off, BIGPHYS_ZERO_CHUNK);
		if (r->kmap)
			memset_io(r->kmap + off, 0, n);
		else
			memset(phys_to_virt(r->phys + off), 0, n);
		cond_resched();
	}
}

/*
 * Whether the region's memory is in the kernel's direct map: the
 * page-allocator pool, and page-backed regions (memremap_pages() gave the
 * page-backed part one).  Those need no kernel mapping of their own.
 */
static bool bigphys_region_direct(const struct bigphys_region *r)
{
	return pool.pages || (r->flags & BIGPHYS_ALLOC_PAGES);
}

/* Zero a new region and give it its cache type (see the top of the file). */
static int bigphys_region_prepare(struct bigphys_region *r)
{
	u32 cache = r->flags & BIGPHYS_CACHE_MASK;
	int npages = r->size >> PAGE_SHIFT;
	void *va;

	if (bigphys_region_direct(r)) {
		va = phys_to_virt(r->phys);
		bigphys_region_zero(r);
		if (cache == BIGPHYS_CACHE_WC)
			return set_memory_wc((unsigned long)va, npages);
		if (cache == BIGPHYS_CACHE_UC)
			return set_memory_uc((unsigned long)va, npages);
		return 0;
	}

	if (cache == BIGPHYS_CACHE_WB)
		r->kmap = ioremap_cache(r->phys, r->size);
	else if (cache == BIGPHYS_CACHE_UC)
		r->kmap = ioremap(r->phys, r->size);
	else
		r->kmap = ioremap_wc(r->phys, r->size);
	if (!r->kmap)
		return -ENOMEM;
	bigphys_region_zero(r);
	wmb();	/* drain write-combining buffers before anyone else looks */
	return 0;
}

static void bigphys_region_unprepare(struct bigphys_region *r)
{
	u32 cache = r->flags & BIGPHYS_CACHE_MASK;

	if (bigphys_region_direct(r)) {
		if (cache != BIGPHYS_CACHE_WB)
			set_memory_wb((unsigned long)phys_to_virt(r->phys),
				      r->size >> PAGE_SHIFT);
		return;
	}
	if (cache == BIGPHYS_CACHE_WB)
		bigphys_flush_dcache((void __force *)r->kmap, r->size);
	iounmap(r->kmap);
}

/**
 * bigphys_region_alloc() - allocate a zeroed region from the pool
 * @size: bytes, a nonzero multiple of PAGE_SIZE
 * @align: 0 or a power of two from PAGE_SIZE to BIGPHYS_ALIGN_MAX (bytes)
 * @flags: BIGPHYS_ALLOC_PERSIST is ignored here; BIGPHYS_ALLOC_PAGES and
 *	the cache type are kept (BIGPHYS_CACHE_DEFAULT becomes
 *	BIGPHYS_CACHE_WC, or BIGPHYS_CACHE_WB with PAGES; the caller has
 *	refused PAGES with WC or UC)
 * @name: "" or a checked name
 *
 * The region belongs to (and its bytes are charged to) the caller's euid.
 * It is not in bigphys_regions yet, so nobody can find, attach or map it:
 * bigphys_region_publish() it, or bigphys_region_discard() it.
 *
 * Context: process context, bigphys_lock not held: it is taken to allocate
 * the block and dropped while the region is zeroed, which may take long.
 * Return: the region with one reference, or ERR_PTR(-EDQUOT) when the
 * euid's regions would exceed max_user_bytes, -EOPNOTSUPP for PAGES when
 * the pool has no page-backed part, -ENOSPC when no free block fits,
 * -ENOMEM, or the error of changing the cache type.
 */
struct bigphys_region *bigphys_region_alloc(size_t size, size_t align,
					    u32 flags, const char *name)
{
	struct genpool_data_align data = { .align = max_t(size_t, align, PAGE_SIZE) };
	struct bigphys_region *r;
	struct gen_pool *gp;
	int err;

	gp = bigphys_region_gp(flags);
	if (!gp)
		return ERR_PTR(-EOPNOTSUPP);
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	kref_init(&r->ref);
	r->size = size;
	r->flags = flags & (BIGPHYS_CACHE_MASK | BIGPHYS_ALLOC_PAGES);
	if ((r->flags & BIGPHYS_CACHE_MASK) == BIGPHYS_CACHE_DEFAULT)
		r->flags |= flags & BIGPHYS_ALLOC_PAGES ? BIGPHYS_CACHE_WB :
							  BIGPHYS_CACHE_WC;
	r->owner = current_euid();
	strscpy(r->name, name, sizeof(r->name));

	mutex_lock(&bigphys_lock);
	err = bigphys_charge(r->owner, size);
	if (err)
		goto unlock;
	r->phys = gen_pool_alloc_algo(gp, size, gen_pool_first_fit_align,
				      &data);
	if (!r->phys) {
		err = -ENOSPC;
		goto uncharge;
	}
	mutex_unlock(&bigphys_lock);

	err = bigphys_region_prepare(r);
	if (err)
		goto free_block;
	return r;

free_block:
	mutex_lock(&bigphys_lock);
	gen_pool_free(gp, r->phys, size);
uncharge:
	bigphys_uncharge(r->owner, size);
unlock:
	mutex_unlock(&bigphys_lock);
	kfree(r);
	return ERR_PTR(err);
}

/**
 * bigphys_region_publish() - make a region from bigphys_region_alloc() findable
 * @r: the region, not published yet
 *
 * Gives @r its id and puts it in bigphys_regions: from now on it is found by
 * id and name, listed, and freed by its last bigphys_region_put().
 *
 * Context: bigphys_lock held.
 * Return: 0, or -ENOMEM or -EBUSY (no free id); @r is unchanged then.
 */
int bigphys_region_publish(struct bigphys_region *r)
{
	int err;

	lockdep_assert_held(&bigphys_lock);
	err = xa_alloc_cyclic(&bigphys_regions, &r->id, r, XA_LIMIT(1, INT_MAX),
			      &bigphys_next_id, GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		r->id = 0;
		return err;
	}
	bigphys_nr_regions++;
	trace_bigphys_region_alloc(r);
	return 0;
}

/**
 * bigphys_region_discard() - free a region that was never published
 * @r: the region from bigphys_region_alloc()
 *
 * Context: process context, bigphys_lock not held (it is taken).
 */
void bigphys_region_discard(struct bigphys_region *r)
{
	bigphys_region_unprepare(r);
	mutex_lock(&bigphys_lock);
	gen_pool_free(bigphys_region_gp(r->flags), r->phys, r->size);
	bigphys_uncharge(r->owner, r->size);
	mutex_unlock(&bigphys_lock);
	kfree(r);
}

/**
 * bigphys_region_destroy() - return a region's memory to the pool
 * @r: a published region nobody references any more, and whose pages
 *	(for a page-backed one) nobody outside bigphys holds
 *
 * Context: bigphys_lock held.
 */
void bigphys_region_destroy(struct bigphys_region *r)
{
	lockdep_assert_held(&bigphys_lock);
	trace_bigphys_region_free(r);
	xa_erase(&bigphys_regions, r->id);
	bigphys_nr_regions--;
	bigphys_region_unprepare(r);
	gen_pool_free(bigphys_region_gp(r->flags), r->phys, r->size);
	bigphys_uncharge(r->owner, r->size);
	kfree(r);
}

/*
 * The last reference is gone.  A page-backed region's pages may still be
 * referenced from outside (a pipe, a socket, an I/O in flight): then the
 * region is HELD until they are released (bigphys_pages.c).
 */
static void bigphys_region_free(struct kref *ref)
{
	struct bigphys_region *r = container_of(ref, struct bigphys_region, ref);

	lockdep_assert_held(&bigphys_lock);
	if ((r->flags & BIGPHYS_ALLOC_PAGES) && bigphys_pages_held(r)) {
		bigphys_region_hold(r);
		return;
	}
	bigphys_region_destroy(r);
}

static void bigphys_region_release(struct kref *ref)
{
	bigphys_region_free(ref);
	mutex_unlock(&bigphys_lock);
}

/**
 * bigphys_region_put() - drop a region reference
 * @r: region
 *
 * The last reference returns the memory to the pool.
 * Context: process context; takes bigphys_lock when it is the last one.
 */
void bigphys_region_put(struct bigphys_region *r)
{
	kref_put_mutex(&r->ref, bigphys_region_release, &bigphys_lock);
}

/**
 * bigphys_region_put_locked() - bigphys_region_put() with bigphys_lock held
 * @r: region
 */
void bigphys_region_put_locked(struct bigphys_region *r)
{
	lockdep_assert_held(&bigphys_lock);
	kref_put(&r->ref, bigphys_region_free);
}

/**
 * bigphys_region_find_name() - look a named region up
 * @name: a nonempty name
 *
 * Context: bigphys_lock held.
 * Return: the region (no reference taken) or NULL.
 */
struct bigphys_region *bigphys_region_find_name(const char *name)
{
	struct bigphys_region *r;
	unsigned long id;

	lockdep_assert_held(&bigphys_lock);
	xa_for_each(&bigphys_regions, id, r)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}
