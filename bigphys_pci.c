// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI driver: binds devices bigphys can DMA to.
 *
 * Devices in the ID table have a DMA engine bigphys drives (STRT_DMA).  Any
 * other device bound through new_id or driver_override is map-only: user
 * space gets bus addresses (DMA_MAP) and programs the device itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "bigphys_compat.h"
#include "bigphys_dma.h"

static unsigned int dma_bits;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits,
		 "DMA addressing width of bound devices (default: the engine's; edu: 28, use 64 with -device edu,dma_mask=0xffffffffffffffff)");

/* Bound devices by dev_index; bigphys_devs_lock makes lookup + kref_get safe. */
static DEFINE_XARRAY_ALLOC(bigphys_devs);
static DEFINE_MUTEX(bigphys_devs_lock);

/**
 * bigphys_dev_get() - find a bound device by index
 * @index: dev_index from user space
 *
 * Return: the device with a reference (bigphys_dev_put()), or NULL.
 */
struct bigphys_dev *bigphys_dev_get(u32 index)
{
	struct bigphys_dev *bd;

	mutex_lock(&bigphys_devs_lock);
	bd = xa_load(&bigphys_devs, index);
	if (bd)
		kref_get(&bd->ref);
	mutex_unlock(&bigphys_devs_lock);
	return bd;
}

/**
 * bigphys_dev_get_next() - the bound device with the lowest index >= @index
 * @index: in: where to start; out: the device's index
 *
 * For walks over every device (debugfs): bigphys_dev_put() it, and go on
 * from @index + 1.
 * Return: the device with a reference, or NULL when there is none.
 */
struct bigphys_dev *bigphys_dev_get_next(unsigned long *index)
{
	struct bigphys_dev *bd;

	mutex_lock(&bigphys_devs_lock);
	bd = xa_find(&bigphys_devs, index, ULONG_MAX, XA_PRESENT);
	if (bd)
		kref_get(&bd->ref);
	mutex_unlock(&bigphys_devs_lock);
	return bd;
}

static void bigphys_dev_free(struct kref *ref)
{
	struct bigphys_dev *bd = container_of(ref, struct bigphys_dev, ref);

	mutex_destroy(&bd->lock);
	pci_dev_put(bd->pdev);
	kfree(bd);
}

void bigphys_dev_put(struct bigphys_dev *bd)
{
	kref_put(&bd->ref, bigphys_dev_free);
}

u32 bigphys_dma_nr_devices(void)
{
	struct bigphys_dev *bd;
	unsigned long i;
	u32 n = 0;

	mutex_lock(&bigphys_devs_lock);
	xa_for_each(&bigphys_devs, i, bd)
		n++;
	mutex_unlock(&bigphys_devs_lock);
	return n;
}

static void bigphys_devm_put(void *data)
{
	bigphys_dev_put(data);
}

static int bigphys_setup_irq(struct bigphys_dev *bd)
{
	struct pci_dev *pdev = bd->pdev;
	int nvec, err;

	nvec = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (nvec < 0)
		return nvec;
	bd->msi = pdev->msi_enabled;
	err = devm_request_threaded_irq(&pdev->dev, pci_irq_vector(pdev, 0),
					bigphys_dma_irq, bigphys_dma_irq_thread,
					IRQF_SHARED, KBUILD_MODNAME, bd);
	if (err)
		pci_free_irq_vectors(pdev);
	return err;
}

/*
 * Without this line a device whose DMA mask ends below the pool fails every
 * job on the pool with -EIO, and nothing says why (issue 13).  Checked once
 * the mask is set: the pool is set up before the driver registers.
 */
static void bigphys_check_reach(struct pci_dev *pdev, unsigned int bits)
{
	struct bigphys_info in = {};
	u64 end;

	mutex_lock(&bigphys_lock);
	bigphys_pool_info(&in);
	mutex_unlock(&bigphys_lock);
	end = max(in.pool_base + in.pool_size,
		  in.pages_base + in.pages_size) - 1;
	if (bigphys_dma_reachable(&pdev->dev, in.pool_base, in.pool_size) &&
	    (!in.pages_size ||
	     bigphys_dma_reachable(&pdev->dev, in.pages_base, in.pages_size)))
		return;
	pci_warn(pdev, "its %u-bit DMA mask cannot reach the pool (%#llx-%#llx) and no IOMMU translates for it: DMA on the pool fails with EIO. Fix: dma_bits=64 if the device addresses more (QEMU edu: -device edu,dma_mask=0xffffffffffffffff), an IOMMU (intel_iommu=on), or a pool below %#llx\n",
		 bits, min(in.pool_base, in.pages_size ? in.pages_base : in.pool_base),
		 end, dma_get_mask(&pdev->dev) + 1);
}

static int bigphys_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	const struct bigphys_engine *engine = (void *)id->driver_data;
	struct bigphys_dev *bd;
	unsigned int bits;
	int err;

	bd = kzalloc(sizeof(*bd), GFP_KERNEL);
	if (!bd)
		return -ENOMEM;
	kref_init(&bd->ref);
	bd->pdev = pci_dev_get(pdev);
	bd->engine = engine;
	mutex_init(&bd->lock);
	INIT_LIST_HEAD(&bd->queue);
	INIT_LIST_HEAD(&bd->maps);
	init_waitqueue_head(&bd->idle);
	INIT_DELAYED_WORK(&bd->watchdog, bigphys_dma_watchdog);
	/* Runs after the IRQ is freed: devm releases in reverse order. */
	err = devm_add_action_or_reset(&pdev->dev, bigphys_devm_put, bd);
	if (err)
		return err;

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	bits = dma_bits ?: (engine ? engine->dma_bits : 64);
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(min(bits, 64U)));
	if (err) {
		pci_err(pdev, "cannot use a %u-bit DMA mask: the platform has no DMA-able memory below it; if the device addresses more, load with dma_bits=N (its width)\n",
			bits);
		return err;
	}
	bigphys_check_reach(pdev, bits);

	if (engine) {
		err = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
		if (err)
			return err;
		bd->bar = pcim_iomap_table(pdev)[0];
		err = engine->probe(bd);
		if (err)
			return err;
		err = bigphys_setup_irq(bd);
		if (err)
			return err;
	}
	/* Once the engine is idle (engine->probe): see edu_probe(). */
	pci_set_master(pdev);

	mutex_lock(&bigphys_devs_lock);
	if (READ_ONCE(bigphys_fault_inject) & BIGPHYS_FAULT_PROBE) {
		pci_info(pdev, "fault_inject: failing the probe after the IRQ setup\n");
		err = -ENOMEM;	/* as if xa_alloc() failed */
	} else {
		err = xa_alloc(&bigphys_devs, &bd->index, bd, xa_limit_31b,
			       GFP_KERNEL);
	}
	mutex_unlock(&bigphys_devs_lock);
	if (err)
		goto free_irq;
	kref_get(&bd->ref);	/* for the index */
	pci_set_drvdata(pdev, bd);
	pci_info(pdev, "bigphys device %u: %s, %u-bit DMA, %s\n", bd->index,
		 engine ? engine->name : "map-only", bits,
		 engine ? (bd->msi ? "MSI" : "INTx") : "no interrupt");
	return 0;

free_irq:
	/* The handler first: the vectors cannot go while it is requested. */
	if (engine) {
		devm_free_irq(&pdev->dev, pci_irq_vector(pdev, 0), bd);
		pci_free_irq_vectors(pdev);
	}
	return err;
}

static void bigphys_remove(struct pci_dev *pdev)
{
	struct bigphys_dev *bd = pci_get_drvdata(pdev);

	mutex_lock(&bigphys_devs_lock);
	xa_erase(&bigphys_devs, bd->index);
	mutex_unlock(&bigphys_devs_lock);

	bigphys_dev_stop(bd);
	if (bd->engine) {
		devm_free_irq(&pdev->dev, pci_irq_vector(pdev, 0), bd);
		pci_free_irq_vectors(pdev);
	}
	/*
	 * Stop bus mastering before DMA_MAP memory goes back to the pool: user
	 * space may have programmed the device with those bus addresses.
	 */
	pci_clear_master(pdev);
	bigphys_dev_unmap_all(bd);
	bigphys_dev_put(bd);	/* the index's reference */
}

static const struct pci_device_id bigphys_pci_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8), .driver_data = (kernel_ulong_t)&bigphys_edu_engine },
	{ }
};
MODULE_DEVICE_TABLE(pci, bigphys_pci_ids);

static struct pci_driver bigphys_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = bigphys_pci_ids,
	.probe = bigphys_probe,
	.remove = bigphys_remove,
	/* Statistics: added after probe, removed before remove (driver core). */
	.dev_groups = bigphys_dev_groups,
};

int bigphys_dma_init(void)
{
	return pci_register_driver(&bigphys_pci_driver);
}

void bigphys_dma_exit(void)
{
	pci_unregister_driver(&bigphys_pci_driver);
}
