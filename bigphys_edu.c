// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA engine of QEMU's "edu" PCI device (1234:11e8).
 *
 * Source: QEMU docs/specs/edu.rst and hw/misc/edu.c (QEMU 7.2), and
 * ../shared/PLATFORM-NOTES.md for what was measured.  BAR0 registers:
 *   0x00 identification 0xRRrr00ed; 0x24 interrupt status; 0x64 interrupt
 *   acknowledge; 0x80 DMA source; 0x88 DMA destination; 0x90 DMA count;
 *   0x98 DMA command: bit 0 start (reads 1 while running), bit 1 direction
 *   (1: device buffer -> RAM), bit 2 raise interrupt 0x100 when done.
 * The device's DMA buffer is 4096 bytes at device address 0x40000.  QEMU 7.2
 * aborts the whole emulator on a transfer of 0 bytes or one that ends at
 * 0x41000 exactly, so the usable window is 0x40000..0x40ffe (4095 bytes).
 * The default DMA mask is 28 bits unless the dma_mask property is set.
 */
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/iopoll.h>

#include "bigphys_dma.h"

#define EDU_REG_ID		0x00
#define EDU_ID_MASK		0xff
#define EDU_ID			0xed
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_START		BIT(0)
#define EDU_DMA_FROM_DEV	BIT(1)
#define EDU_DMA_IRQ		BIT(2)
#define EDU_IRQ_DMA		0x100

/*
 * Register reads.  A device that is gone (surprise removal) reads all-ones;
 * fault_inject= bit 0 makes it look so for the tests.
 */
static u32 edu_readl(struct bigphys_dev *bd, unsigned int reg)
{
	if (READ_ONCE(bigphys_fault_inject) & BIGPHYS_FAULT_ENGINE_READS)
		return U32_MAX;
	return readl(bd->bar + reg);
}

static u64 edu_readq(struct bigphys_dev *bd, unsigned int reg)
{
	if (READ_ONCE(bigphys_fault_inject) & BIGPHYS_FAULT_ENGINE_READS)
		return U64_MAX;
	return readq(bd->bar + reg);
}

static int edu_busy(struct bigphys_dev *bd);

/*
 * A transfer started under an earlier binding may still be running: the
 * job of a device that read all-ones is ended at once, and edu finishes a
 * transfer 100 ms (virtual time) after its start (PLATFORM-NOTES.md).
 * edu ignores DMA register writes while one runs (hw/misc/edu.c), so the
 * first start of this binding would be lost: wait it out (bus mastering is
 * still off, so it moves nothing), then acknowledge its interrupt.
 */
static int edu_probe(struct bigphys_dev *bd)
{
	u32 id = edu_readl(bd, EDU_REG_ID);
	int busy, err;

	if ((id & EDU_ID_MASK) != EDU_ID) {
		pci_err(bd->pdev, "not an edu device (id register %#x)\n", id);
		return -ENODEV;
	}
	err = read_poll_timeout(edu_busy, busy, busy <= 0, USEC_PER_MSEC,
				USEC_PER_SEC, false, bd);
	if (err || busy < 0) {
		pci_err(bd->pdev, "DMA engine %s\n",
			err ? "still busy after 1 s" : "does not answer");
		return err ?: busy;
	}
	writel(edu_readl(bd, EDU_REG_IRQ_STATUS), bd->bar + EDU_REG_IRQ_ACK);
	return 0;
}

static void edu_start(struct bigphys_dev *bd, dma_addr_t bus, u64 dev_addr,
		      u32 len, bool to_device)
{
	u64 cmd = EDU_DMA_START | EDU_DMA_IRQ;

	if (to_device) {
		writeq(bus, bd->bar + EDU_REG_DMA_SRC);
		writeq(dev_addr, bd->bar + EDU_REG_DMA_DST);
	} else {
		writeq(dev_addr, bd->bar + EDU_REG_DMA_SRC);
		writeq(bus, bd->bar + EDU_REG_DMA_DST);
		cmd |= EDU_DMA_FROM_DEV;
	}
	writeq(len, bd->bar + EDU_REG_DMA_COUNT);
	writeq(cmd, bd->bar + EDU_REG_DMA_CMD);
}

static int edu_busy(struct bigphys_dev *bd)
{
	u64 cmd = edu_readq(bd, EDU_REG_DMA_CMD);

	if (cmd == U64_MAX)
		return -ENODEV;
	return cmd & EDU_DMA_START;
}

static bool edu_irq_ack(struct bigphys_dev *bd)
{
	u32 status = edu_readl(bd, EDU_REG_IRQ_STATUS);

	/* 0: another device's shared interrupt; all-ones: we are gone. */
	if (!status || status == U32_MAX)
		return false;
	writel(status, bd->bar + EDU_REG_IRQ_ACK);
	return status & EDU_IRQ_DMA;
}

const struct bigphys_engine bigphys_edu_engine = {
	.name = "edu",
	.dma_bits = 28,
	.window_base = 0x40000,
	.window_size = 4095,
	.max_chunk = 4095,
	.probe = edu_probe,
	.start = edu_start,
	.busy = edu_busy,
	.irq_ack = edu_irq_ack,
};
