// SPDX-License-Identifier: GPL-2.0-only
/*
 * io_uring entry point: IORING_OP_URING_CMD on /dev/bigphys (the ABI is at
 * the end of include/uapi/bigphys.h).
 *
 * The command is decoded from the SQE while it is issued (the SQE's bytes
 * are copied once into a local structure, never read after returning
 * -EIOCBQUEUED), checked like the ioctl, and handed to the same core
 * (bigphys_job.c).  With IORING_SETUP_SQPOLL the issue runs in the ring's
 * SQ thread: the application's own thread only writes the SQE.
 *
 * Completion: the job ends in the IRQ thread (or at unbind, cancel, ...)
 * with the device's lock held; bigphys_uring_job_end() defers the CQE to
 * task context with io_uring_cmd_complete_in_task() (never
 * io_uring_cmd_done() from there), where bigphys_uring_done() frees the job
 * and posts the CQE with the issue_flags io_uring passes it.
 *
 * No command stays pending forever: every job ends (transfer done, lost
 * interrupt caught by the watchdog, dead device, unbind).  On 6.12 ring
 * teardown also cancels queued jobs (IO_URING_F_CANCEL); on 6.1 it waits
 * for them.  A pending command holds the file, so close() of /dev/bigphys
 * never meets an io_uring job.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/slab.h>

#include "bigphys_compat.h"
#include "bigphys_dma.h"

/* Bytes of the SQE's command area with IORING_SETUP_SQE128. */
#define BIGPHYS_URING_CMD_BYTES	80

/* What a pending command remembers, in its pdu. */
struct bigphys_uring_pdu {
	struct bigphys_job *job;
	u32 id;
};

static struct bigphys_uring_pdu *bigphys_pdu(struct io_uring_cmd *ioucmd)
{
	BUILD_BUG_ON(sizeof(struct bigphys_uring_pdu) > sizeof(ioucmd->pdu));
	return (struct bigphys_uring_pdu *)ioucmd->pdu;
}

/* Task context: free the job and post its CQE (res, big_cqe[0]). */
static void bigphys_uring_done(struct io_uring_cmd *ioucmd,
			       unsigned int issue_flags)
{
	struct bigphys_job *job = bigphys_pdu(ioucmd)->job;
	struct bigphys_file *bf = job->bf;
	u64 usec = div_u64(bigphys_job_duration_ns(job), NSEC_PER_USEC);
	u64 res2 = (u32)job->done | (u64)min_t(u64, usec, U32_MAX) << 32;
	int status = job->status;

	/* Out of the table first: a cancel no longer finds the job. */
	mutex_lock(&bf->lock);
	bigphys_slot_release(bf, &bf->ujobs, job->id);
	mutex_unlock(&bf->lock);
	bigphys_job_free(job);
	io_uring_cmd_done(ioucmd, status, res2, issue_flags);
}

/**
 * bigphys_uring_job_end() - an io_uring job ended: post its CQE
 * @job: the job, unmapped, with its status set
 *
 * Context: any, with the device's lock held (IRQ thread, unbind, cancel).
 */
void bigphys_uring_job_end(struct bigphys_job *job)
{
	io_uring_cmd_complete_in_task(job->ucmd, bigphys_uring_done);
}

/* IO_URING_F_CANCEL (6.12): ring teardown cancels a pending command. */
static void bigphys_uring_cancel(struct io_uring_cmd *ioucmd)
{
	struct bigphys_uring_pdu *pdu = bigphys_pdu(ioucmd);
	struct bigphys_file *bf = ioucmd->file->private_data;

	/* Under bf->lock the job cannot be freed (bigphys_uring_done()). */
	mutex_lock(&bf->lock);
	if (xa_load(&bf->ujobs, pdu->id) == pdu->job)
		bigphys_job_cancel(pdu->job);
	mutex_unlock(&bf->lock);
}

/* Unused payload bytes must be zero, so the payload can grow. */
static bool bigphys_uring_tail_zero(const u8 *cmd, size_t used)
{
	return !memchr_inv(cmd + used, 0, BIGPHYS_URING_CMD_BYTES - used);
}

/* Decode the SQE into @req (and @seg); the SQE is read here only. */
static int bigphys_uring_decode(struct io_uring_cmd *ioucmd,
				struct bigphys_job_req *req,
				struct bigphys_dma_seg *seg)
{
	u8 cmd[BIGPHYS_URING_CMD_BYTES];
	struct bigphys_dmav v;
	struct bigphys_dma d;
	int err;

	memcpy(cmd, bigphys_uring_payload(ioucmd), sizeof(cmd));
	switch (ioucmd->cmd_op) {
	case BIGPHYS_URING_CMD_DMA:
		memcpy(&d, cmd, sizeof(d));
		if (d.cookie || !bigphys_uring_tail_zero(cmd, sizeof(d)))
			return -EINVAL;
		return bigphys_dma_req(&d, req, seg);
	case BIGPHYS_URING_CMD_DMAV:
		memcpy(&v, cmd, sizeof(v));
		if (v.cookie || !bigphys_uring_tail_zero(cmd, sizeof(v)))
			return -EINVAL;
		err = bigphys_dmav_req(&v, req);
		return err;
	}
	return -ENOTTY;
}

static int bigphys_uring_submit(struct io_uring_cmd *ioucmd,
				unsigned int issue_flags)
{
	struct bigphys_file *bf = ioucmd->file->private_data;
	struct bigphys_job_req req = {};
	struct bigphys_dma_seg seg;
	struct bigphys_job *job;
	int err;

	if (!(issue_flags & IO_URING_F_SQE128))
		return -EINVAL;
	err = bigphys_uring_decode(ioucmd, &req, &seg);
	if (err)
		return err;
	job = bigphys_job_create(bf, &req);
	if (req.segs != &seg)
		kfree(req.segs);	/* NULL if the job took them */
	if (IS_ERR(job))
		return PTR_ERR(job);
	err = -EINVAL;
	if (job->len > BIGPHYS_URING_MAX_BYTES)
		goto discard;
	err = bigphys_job_reserve(job, ioucmd);
	if (err)
		goto discard;
	*bigphys_pdu(ioucmd) = (struct bigphys_uring_pdu) {
		.job = job, .id = job->id,
	};
	/*
	 * Marked before the job can end: issued by an io-wq worker
	 * (IOSQE_ASYNC), the command's CQE is posted by the submitter's task
	 * work, which may run before we return; a command marked after that
	 * would stay on the ring's cancel list once freed.  Until queued, a
	 * cancel finds only a reserved slot (xa_load() gives NULL): a no-op.
	 */
	bigphys_uring_mark_cancelable(ioucmd, issue_flags);
	err = bigphys_job_queue(job);
	if (err) {
		bigphys_job_discard(job);
		if (!BIGPHYS_URING_F_CANCEL)
			return err;
		/* Only io_uring_cmd_done() takes it off the list again. */
		io_uring_cmd_done(ioucmd, err, 0, issue_flags);
		return -EIOCBQUEUED;
	}
	return -EIOCBQUEUED;

discard:
	bigphys_job_discard(job);
	return err;
}

/**
 * bigphys_uring_cmd() - file_operations.uring_cmd of /dev/bigphys
 * @ioucmd: the command
 * @issue_flags: IO_URING_F_* from io_uring
 *
 * Context: process context (the submitter, the SQ thread or io-wq).
 * Return: -EIOCBQUEUED (the CQE follows when the job ends) or a negative
 * errno, which io_uring posts as the CQE's res at once.
 */
int bigphys_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	if (issue_flags & BIGPHYS_URING_F_CANCEL) {
		bigphys_uring_cancel(ioucmd);
		return 0;
	}
	return bigphys_uring_submit(ioucmd, issue_flags);
}
