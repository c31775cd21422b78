// SPDX-License-Identifier: GPL-2.0-only
/*
 * ALLOC_BIGPHYS, FREE, INFO and LIST; DMA ioctls are
 * passed on to bigphys_dma.c.  The ABI is include/uapi/bigphys.h.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "bigphys_priv.h"

/* Names: NUL-terminated within BIGPHYS_NAME_LEN, [A-Za-z0-9._-]. */
static int bigphys_name_check(const char *name)
{
	size_t i, len = strnlen(name, BIGPHYS_NAME_LEN);

	if (len == BIGPHYS_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isascii(name[i]) ||
		    (!isalnum(name[i]) && !strchr("._-", name[i])))
			return -EINVAL;
	return 0;
}

/**
 * bigphys_file_region_get() - find a region attached to a file
 * @bf: the file
 * @id: region id, or 0 to find the region by @phys
 * @phys: with @id 0: physical address of the first byte wanted
 * @len: with @id 0: bytes wanted from @phys; the whole range must lie in
 *	the region
 *
 * Context: takes bigphys_lock.
 * Return: the region with a reference the caller must put, or NULL.
 */
struct bigphys_region *bigphys_file_region_get(struct bigphys_file *bf,
					       u32 id, phys_addr_t phys,
					       size_t len)
{
	struct bigphys_region *r, *found = NULL;
	unsigned long i;

	mutex_lock(&bigphys_lock);
	if (id) {
		found = xa_load(&bf->regions, id);
	} else {
		xa_for_each(&bf->regions, i, r) {
			if (phys >= r->phys && phys - r->phys < r->size &&
			    len <= r->size - (phys - r->phys)) {
				found = r;
				break;
			}
		}
	}
	if (found)
		kref_get(&found->ref);
	mutex_unlock(&bigphys_lock);
	return found;
}

/* Attach @r to @bf unless it already is; takes a reference when it does. */
static int bigphys_attach(struct bigphys_file *bf, struct bigphys_region *r,
			  bool *attached)
{
	int err;

	*attached = false;
	if (xa_load(&bf->regions, r->id))
		return 0;
	err = xa_insert(&bf->regions, r->id, r, GFP_KERNEL_ACCOUNT);
	if (err)
		return err;
	kref_get(&r->ref);
	atomic_inc(&r->nr_files);
	*attached = true;
	return 0;
}

static void bigphys_detach(struct bigphys_file *bf, struct bigphys_region *r)
{
	if (xa_erase(&bf->regions, r->id) != r)
		return;
	atomic_dec(&r->nr_files);
	bigphys_region_put_locked(r);
}

/* Returns whether @r became PERSIST (it may already be). */
static bool bigphys_make_persistent(struct bigphys_region *r)
{
	if (r->flags & BIGPHYS_ALLOC_PERSIST)
		return false;
	/* The name holds the region, and the region holds the module. */
	kref_get(&r->ref);
	__module_get(THIS_MODULE);
	r->flags |= BIGPHYS_ALLOC_PERSIST;
	return true;
}

static void bigphys_drop_persistent(struct bigphys_region *r)
{
	if (!(r->flags & BIGPHYS_ALLOC_PERSIST))
		return;
	r->flags &= ~BIGPHYS_ALLOC_PERSIST;
	module_put(THIS_MODULE);
	bigphys_region_put_locked(r);
}

static int bigphys_alloc_check(struct bigphys_alloc *a)
{
	if (a->flags & ~BIGPHYS_ALLOC_FLAGS || bigphys_name_check(a->name))
		return -EINVAL;
	if ((a->flags & BIGPHYS_ALLOC_EXCL) && !(a->flags & BIGPHYS_ALLOC_CREATE))
		return -EINVAL;
	if ((a->flags & BIGPHYS_ALLOC_PERSIST) && !a->name[0])
		return -EINVAL;
	/* Page-backed memory is write-back (see bigphys_pages.c). */
	if ((a->flags & BIGPHYS_ALLOC_PAGES) &&
	    (a->flags & BIGPHYS_CACHE_MASK) != BIGPHYS_CACHE_DEFAULT &&
	    (a->flags & BIGPHYS_CACHE_MASK) != BIGPHYS_CACHE_WB)
		return -EINVAL;
	/* genalloc takes the alignment as an int: at most 1 GiB. */
	if (a->align && (!is_power_of_2(a->align) || a->align < PAGE_SIZE ||
			 a->align > BIGPHYS_ALIGN_MAX))
		return -EINVAL;
	if (a->size > SIZE_MAX - PAGE_SIZE + 1)
		return -EINVAL;
	if ((a->flags & BIGPHYS_ALLOC_PERSIST) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

/*
 * Names are per user, like files in a sticky directory: only the creator's
 * euid (or CAP_SYS_ADMIN) may attach to a name or remove it.
 */
static bool bigphys_may_use(const struct bigphys_region *r)
{
	return uid_eq(r->owner, current_euid()) || capable(CAP_SYS_ADMIN);
}

/*
 * Under bigphys_lock: the existing region @a names, checked against @a; NULL
 * when a new region is to be created; or an ERR_PTR.
 */
static struct bigphys_region *bigphys_alloc_lookup(const struct bigphys_alloc *a)
{
	struct bigphys_region *r = NULL;
	u32 cache = a->flags & BIGPHYS_CACHE_MASK;

	lockdep_assert_held(&bigphys_lock);
	if (a->name[0])
		r = bigphys_region_find_name(a->name);
	if (r) {
		if (a->flags & BIGPHYS_ALLOC_EXCL)
			return ERR_PTR(-EEXIST);
		if (!bigphys_may_use(r))
			return ERR_PTR(-EACCES);
		if (PAGE_ALIGN(a->size) > r->size)
			return ERR_PTR(-EINVAL);
		if (cache != BIGPHYS_CACHE_DEFAULT &&
		    cache != (r->flags & BIGPHYS_CACHE_MASK))
			return ERR_PTR(-EINVAL);
		if ((a->flags & BIGPHYS_ALLOC_PAGES) &&
		    !(r->flags & BIGPHYS_ALLOC_PAGES))
			return ERR_PTR(-EINVAL);
		return r;
	}
	if (a->name[0] && !(a->flags & BIGPHYS_ALLOC_CREATE))
		return ERR_PTR(-ENOENT);
	if (!a->size)
		return ERR_PTR(-EINVAL);
	return NULL;
}

static long bigphys_ioctl_alloc(struct bigphys_file *bf,
				struct bigphys_alloc __user *uarg)
{
	struct bigphys_region *r, *fresh = NULL;
	struct bigphys_alloc a;
	bool created = false, attached, persisted = false;
	long err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	err = bigphys_alloc_check(&a);
	if (err)
		return err;

	mutex_lock(&bigphys_lock);
	r = bigphys_alloc_lookup(&a);
	if (!r) {
		/*
		 * Zeroing a big region takes long: do it without the lock,
		 * on a region nobody can find yet, then look again.  Another
		 * ALLOC may have created the name meanwhile: then this one
		 * sees it like any existing name (attach, or EEXIST with
		 * EXCL, as if it had come second) and discards its own.
		 */
		mutex_unlock(&bigphys_lock);
		fresh = bigphys_region_alloc(PAGE_ALIGN(a.size), a.align,
					     a.flags, a.name);
		if (IS_ERR(fresh))
			return PTR_ERR(fresh);
		mutex_lock(&bigphys_lock);
		r = bigphys_alloc_lookup(&a);
		if (!r) {
			err = bigphys_region_publish(fresh);
			if (err)
				goto unlock;
			r = fresh;
			fresh = NULL;
			created = true;
		}
	}
	if (IS_ERR(r)) {
		err = PTR_ERR(r);
		goto unlock;
	}
	err = bigphys_attach(bf, r, &attached);
	if (created)	/* the attach took its own reference */
		bigphys_region_put_locked(r);
	if (err)
		goto unlock;
	if (a.flags & BIGPHYS_ALLOC_PERSIST)
		persisted = bigphys_make_persistent(r);

	a.size = r->size;
	a.id = r->id;
	a.flags = r->flags;
	a.phys_addr = r->phys;
	/* No user copies under bigphys_lock: a fault takes mmap_lock. */
	kref_get(&r->ref);
	mutex_unlock(&bigphys_lock);
	if (!copy_to_user(uarg, &a, sizeof(a))) {
		bigphys_region_put(r);
		goto discard;
	}
	/* Undo everything this call did, including PERSIST on an attach. */
	mutex_lock(&bigphys_lock);
	if (persisted)
		bigphys_drop_persistent(r);
	if (attached)
		bigphys_detach(bf, r);
	bigphys_region_put_locked(r);
	err = -EFAULT;
unlock:
	mutex_unlock(&bigphys_lock);
discard:
	if (fresh)
		bigphys_region_discard(fresh);
	return err;
}

static long bigphys_ioctl_free(struct bigphys_file *bf,
			       struct bigphys_free __user *uarg)
{
	struct bigphys_region *r;
	struct bigphys_free f;
	long err = 0;

	if (copy_from_user(&f, uarg, sizeof(f)))
		return -EFAULT;
	if (f.flags || bigphys_name_check(f.name))
		return -EINVAL;

	mutex_lock(&bigphys_lock);
	if (f.name[0])
		r = bigphys_region_find_name(f.name);
	else
		r = xa_load(&bf->regions, f.id);
	if (!r) {
		err = -ENOENT;
		goto unlock;
	}
	/* By id too: a handle is no licence to remove someone's name. */
	if ((r->name[0] || (r->flags & BIGPHYS_ALLOC_PERSIST)) &&
	    !bigphys_may_use(r)) {
		err = -EACCES;
		goto unlock;
	}
	kref_get(&r->ref);
	memset(r->name, 0, sizeof(r->name));	/* LIST copies all of it */
	bigphys_drop_persistent(r);
	bigphys_detach(bf, r);
	bigphys_region_put_locked(r);
unlock:
	mutex_unlock(&bigphys_lock);
	return err;
}

/* @size: the caller's struct bigphys_info, sizeof() or the 48-byte V1 */
static long bigphys_ioctl_info(struct bigphys_info __user *uarg, size_t size)
{
	struct bigphys_info info = {};

	mutex_lock(&bigphys_lock);
	bigphys_pool_info(&info);
	info.nr_regions = bigphys_nr_regions;
	mutex_unlock(&bigphys_lock);
	info.nr_devices = bigphys_dma_nr_devices();

	return copy_to_user(uarg, &info, size) ? -EFAULT : 0;
}

static long bigphys_ioctl_list(struct bigphys_list __user *uarg)
{
	struct bigphys_region_info *buf = NULL;
	struct bigphys_region *r;
	struct bigphys_list l;
	u32 total = 0, n = 0;
	unsigned long id;
	long err = 0;

	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	if (l.pad)
		return -EINVAL;

	/* One pass over the table, one copy-out. */
	mutex_lock(&bigphys_lock);
	total = bigphys_nr_regions;
	if (l.count && total) {
		buf = kvcalloc(min(l.count, total), sizeof(*buf), GFP_KERNEL);
		if (!buf) {
			mutex_unlock(&bigphys_lock);
			return -ENOMEM;
		}
	}
	xa_for_each(&bigphys_regions, id, r) {
		if (n == min(l.count, total))
			break;
		buf[n].phys_addr = r->phys;
		buf[n].size = r->size;
		buf[n].id = r->id;
		buf[n].flags = r->flags;
		buf[n].nr_files = atomic_read(&r->nr_files);
		buf[n].nr_maps = atomic_read(&r->nr_maps);
		buf[n].nr_dma = atomic_read(&r->nr_dma);
		memcpy(buf[n].name, r->name, sizeof(buf[n].name));
		n++;
	}
	mutex_unlock(&bigphys_lock);

	if (n && copy_to_user(u64_to_user_ptr(l.regions), buf, n * sizeof(*buf)))
		err = -EFAULT;
	l.count = total;
	if (!err && copy_to_user(uarg, &l, sizeof(l)))
		err = -EFAULT;
	kvfree(buf);
	return err;
}

/**
 * bigphys_ioctl() - the ioctls of /dev/bigphys (include/uapi/bigphys.h)
 * @file: the open file
 * @cmd: BIGPHYS_IOC_*; anything else (including a wrong size) is -ENOTTY
 * @arg: user pointer to the command's structure
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno documented in the uapi header.
 */
long bigphys_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct bigphys_file *bf = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case BIGPHYS_IOC_ALLOC:
		return bigphys_ioctl_alloc(bf, argp);
	case BIGPHYS_IOC_FREE:
		return bigphys_ioctl_free(bf, argp);
	case BIGPHYS_IOC_INFO:
	case BIGPHYS_IOC_INFO_V1:
		return bigphys_ioctl_info(argp, _IOC_SIZE(cmd));
	case BIGPHYS_IOC_LIST:
		return bigphys_ioctl_list(argp);
	case BIGPHYS_IOC_EXPORT:
		return bigphys_dmabuf_ioctl_export(bf, argp);
	case BIGPHYS_IOC_STRT_DMA:
	case BIGPHYS_IOC_STRT_DMAV:
	case BIGPHYS_IOC_WAIT_DMA:
	case BIGPHYS_IOC_DMA_MAP:
	case BIGPHYS_IOC_DMA_UNMAP:
	case BIGPHYS_IOC_DEV_INFO:
		return bigphys_dma_ioctl(bf, cmd, argp);
	default:
		return -ENOTTY;
	}
}
