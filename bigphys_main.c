// SPDX-License-Identifier: GPL-2.0-only
/*
 * bigphys - physically contiguous, DMA-able memory for user space.
 *
 * Module entry points, parameters and the /dev/bigphys character device.
 * See README.md for the design and include/uapi/bigphys.h for the API.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "bigphys_priv.h"

static char *pool_base;
module_param(pool_base, charp, 0444);
MODULE_PARM_DESC(pool_base,
		 "Physical base of the boot-reserved pool, e.g. 0x10000000 for memmap=64M$0x10000000");

static char *pool_size;
module_param(pool_size, charp, 0444);
MODULE_PARM_DESC(pool_size, "Size of the boot-reserved pool, e.g. 64M");

static bool dt_pool = true;
module_param(dt_pool, bool, 0444);
MODULE_PARM_DESC(dt_pool,
		 "Without pool_base=: take the pool from the device tree's no-map /reserved-memory node compatible with \"bigphys,pool\" when there is one (default 1; 0: the page allocator)");

static char *pages_base;
module_param(pages_base, charp, 0444);
MODULE_PARM_DESC(pages_base,
		 "Physical base of a second boot-reserved range, 2 MiB aligned, made page-backed for BIGPHYS_ALLOC_PAGES regions, e.g. 0x16000000 for memmap=128M$0x16000000");

static char *pages_size;
module_param(pages_size, charp, 0444);
MODULE_PARM_DESC(pages_size,
		 "Size of the page-backed range, a multiple of 2 MiB, e.g. 128M");

/* Read with READ_ONCE(): root may change it at any time. */
unsigned int bigphys_fault_inject;
module_param_named(fault_inject, bigphys_fault_inject, uint, 0644);
MODULE_PARM_DESC(fault_inject,
		 "Testing only: bitmask of failures to inject (1: engine register reads return all-ones; 2: the PCI probe fails after the IRQ is set up); default 0");

static int bigphys_open(struct inode *inode, struct file *file)
{
	struct bigphys_file *bf;

	bf = kzalloc(sizeof(*bf), GFP_KERNEL);
	if (!bf)
		return -ENOMEM;
	xa_init(&bf->regions);
	xa_init_flags(&bf->jobs, XA_FLAGS_ALLOC1);
	xa_init_flags(&bf->ujobs, XA_FLAGS_ALLOC1);
	xa_init_flags(&bf->maps, XA_FLAGS_ALLOC1);
	mutex_init(&bf->lock);
	init_waitqueue_head(&bf->wq);
	bf->owner = current_euid();
	file->private_data = bf;
	return 0;
}

static int bigphys_release(struct inode *inode, struct file *file)
{
	struct bigphys_file *bf = file->private_data;
	struct bigphys_region *r;
	unsigned long id;

	bigphys_dma_file_release(bf);

	mutex_lock(&bigphys_lock);
	xa_for_each(&bf->regions, id, r) {
		xa_erase(&bf->regions, id);
		atomic_dec(&r->nr_files);
		bigphys_region_put_locked(r);
	}
	mutex_unlock(&bigphys_lock);

	xa_destroy(&bf->regions);
	mutex_destroy(&bf->lock);
	kfree(bf);
	return 0;
}

static __poll_t bigphys_poll(struct file *file, poll_table *wait)
{
	struct bigphys_file *bf = file->private_data;

	poll_wait(file, &bf->wq, wait);
	return bigphys_dma_poll(bf);
}

static const struct file_operations bigphys_fops = {
	.owner = THIS_MODULE,
	.open = bigphys_open,
	.release = bigphys_release,
	.unlocked_ioctl = bigphys_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = bigphys_uring_cmd,
	.mmap = bigphys_mmap,
	.poll = bigphys_poll,
	.llseek = noop_llseek,
};

static struct miscdevice bigphys_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "bigphys",
	.fops = &bigphys_fops,
	.mode = 0600,
	.groups = bigphys_pool_groups,	/* /sys/class/misc/bigphys/pool/ */
};

static int __init bigphys_init(void)
{
	int err;

	err = bigphys_pool_init(pool_base, pool_size, dt_pool, pages_base,
				pages_size);
	if (err)
		return err;
	err = bigphys_dma_init();
	if (err)
		goto exit_pool;
	err = misc_register(&bigphys_misc);
	if (err)
		goto exit_dma;
	bigphys_debugfs_init();
	return 0;

exit_dma:
	bigphys_dma_exit();
exit_pool:
	bigphys_pool_exit();
	return err;
}

static void __exit bigphys_exit(void)
{
	bigphys_debugfs_exit();
	misc_deregister(&bigphys_misc);
	bigphys_dma_exit();
	bigphys_pool_exit();
}

module_init(bigphys_init);
module_exit(bigphys_exit);

MODULE_DESCRIPTION("Physically contiguous DMA-able memory for user space, pushed to PCIe devices by DMA");
MODULE_LICENSE("GPL");
