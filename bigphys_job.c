// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA jobs: per-device queues, chunking, completion, the lost-interrupt
 * watchdog, and what happens to jobs at close, unbind and surprise removal.
 *
 * The core behind both entry points: bigphys_dma.c (ioctl) and
 * bigphys_uring.c (io_uring) decode and check user input into a struct
 * bigphys_job_req, then call bigphys_job_create(), bigphys_job_reserve()
 * and bigphys_job_queue().  Nothing here touches user memory except the
 * pages of a BIGPHYS_DMA_USER_PTR buffer, which bigphys_mem_get() pins.
 *
 * A job's memory is mapped when it is queued and unmapped when it ends, in
 * the IRQ thread, before anybody learns it ended.  Transfers are chained
 * from the interrupt thread, one engine chunk at a time.
 *
 * Lifetime: an ioctl job is in its file's @jobs from queueing until WAIT_DMA
 * reaps it or the file is released; an io_uring job is in @ujobs until its
 * CQE is posted (bigphys_uring.c).  Each job holds a device reference and
 * its memory.  The submitter holds its own device reference while it queues
 * the job, so a job that ends at once (and is reaped) never frees the device
 * under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "bigphys_dma.h"
#include "bigphys_trace.h"

static unsigned int max_chunk;
module_param(max_chunk, uint, 0644);
MODULE_PARM_DESC(max_chunk,
		 "Largest transfer per engine command in bytes (0: the engine's limit)");

static unsigned int watchdog_ms = 2000;
module_param(watchdog_ms, uint, 0644);
MODULE_PARM_DESC(watchdog_ms,
		 "Check the engine for a lost interrupt after this many ms");

static unsigned int max_user_jobs;
module_param(max_user_jobs, uint, 0644);
MODULE_PARM_DESC(max_user_jobs,
		 "Most DMA jobs and device mappings one user (euid at open) may hold over all fds (0: no limit beyond 64 per fd)");

/* The last job number given (struct bigphys_job @seq). */
static atomic64_t bigphys_job_seq = ATOMIC64_INIT(0);

/* Slots held per user: euid -> xa_mk_value(count); under its xa_lock. */
static DEFINE_XARRAY(bigphys_user_slots);

/* Charge one slot to @uid within max_user_jobs: 0, -EBUSY or -ENOMEM. */
static int bigphys_user_charge(kuid_t uid)
{
	unsigned long key = __kuid_val(uid), n;
	void *entry;
	int err;

	xa_lock(&bigphys_user_slots);
	entry = xa_load(&bigphys_user_slots, key);
	n = entry ? xa_to_value(entry) : 0;
	if (max_user_jobs && n >= max_user_jobs)
		err = -EBUSY;
	else
		err = xa_err(__xa_store(&bigphys_user_slots, key,
					xa_mk_value(n + 1), GFP_ATOMIC));
	xa_unlock(&bigphys_user_slots);
	return err;
}

static void bigphys_user_uncharge(kuid_t uid)
{
	unsigned long key = __kuid_val(uid), n;

	xa_lock(&bigphys_user_slots);
	n = xa_to_value(xa_load(&bigphys_user_slots, key));
	if (n > 1)
		__xa_store(&bigphys_user_slots, key, xa_mk_value(n - 1),
			   GFP_ATOMIC);	/* replaces an entry: no allocation */
	else
		__xa_erase(&bigphys_user_slots, key);
	xa_unlock(&bigphys_user_slots);
}

/**
 * bigphys_slot_reserve() - reserve a cookie or handle within the fd's limit
 * @bf: the file
 * @xa: @bf->jobs, @bf->ujobs or @bf->maps
 * @id: out: the number
 *
 * The entry stays NULL to lookups (WAIT_DMA, DMA_UNMAP) until xa_store()
 * publishes the job or mapping, once it is complete: a thread that guesses
 * the number meanwhile gets -ENOENT instead of a half-made object.
 * Each slot is also charged to the file's user (max_user_jobs=).
 * Context: @bf->lock held.
 * Return: 0, -EBUSY (BIGPHYS_MAX_JOBS slots in use on the fd, or
 * max_user_jobs for the user) or -ENOMEM.
 */
int bigphys_slot_reserve(struct bigphys_file *bf, struct xarray *xa, u32 *id)
{
	int err;

	lockdep_assert_held(&bf->lock);
	if (bf->nr_slots >= BIGPHYS_MAX_JOBS)
		return -EBUSY;
	err = bigphys_user_charge(bf->owner);
	if (err)
		return err;
	err = xa_alloc(xa, id, NULL, xa_limit_31b, GFP_KERNEL_ACCOUNT);
	if (err) {
		bigphys_user_uncharge(bf->owner);
		return err;
	}
	bf->nr_slots++;
	return 0;
}

/**
 * bigphys_slot_release() - give back a reserved or published slot
 * @bf: the file
 * @xa: the table the slot is in
 * @id: the number
 *
 * Context: @bf->lock held.
 */
void bigphys_slot_release(struct bigphys_file *bf, struct xarray *xa, u32 id)
{
	lockdep_assert_held(&bf->lock);
	xa_erase(xa, id);
	bf->nr_slots--;
	bigphys_user_uncharge(bf->owner);
}

/**
 * bigphys_chunk_limit() - bytes per engine transfer
 * @bd: a device with an engine
 *
 * Return: the engine's limit, or max_chunk= if lower.
 */
u32 bigphys_chunk_limit(struct bigphys_dev *bd)
{
	return max_chunk ? min(max_chunk, bd->engine->max_chunk) :
			   bd->engine->max_chunk;
}

/* Start the next transfer of bd->cur.  Context: bd->lock held. */
static void bigphys_job_kick(struct bigphys_dev *bd)
{
	struct bigphys_job *job = bd->cur;
	const struct bigphys_dma_seg *seg = &job->segs[job->seg];
	size_t len, left = seg->len - job->seg_done;
	dma_addr_t bus;

	lockdep_assert_held(&bd->lock);
	bus = bigphys_mem_seg(&job->mem, seg->offset + job->seg_done, &len);
	job->chunk = min_t(size_t, min(len, left), bigphys_chunk_limit(bd));
	trace_bigphys_job_chunk(job, bus, seg->dev_addr + job->seg_done);
	bd->engine->start(bd, bus, seg->dev_addr + job->seg_done, job->chunk,
			  job->to_device);
	bd->kicks++;
	/*
	 * Armed once, not pushed back at every transfer: mod_delayed_work()
	 * deleted and re-added a timer on each kick, STRT_DMA included.  On a
	 * pending watchdog this is one bit test.  See bigphys_dma_watchdog().
	 */
	queue_delayed_work(system_wq, &bd->watchdog,
			   msecs_to_jiffies(watchdog_ms));
}

/* Count an ending job in its device's statistics.  Context: bd->lock held. */
static void bigphys_job_count(struct bigphys_job *job)
{
	struct bigphys_dev_stats *st = &job->bd->stats;

	if (!job->status)
		atomic64_inc(&st->jobs_completed);
	else if (job->status == -ECANCELED)
		atomic64_inc(&st->jobs_cancelled);
	else
		atomic64_inc(&st->jobs_failed);
	atomic64_add(bigphys_job_run_ns(job, job->t_end), &st->busy_ns);
}

/*
 * End a job: unmap its memory, then tell the owner.  For an ioctl job,
 * @ended is set before the wake-up, so a poller woken (and run) between the
 * wake-up and complete_all() sees it; the owner may free the job as soon as
 * it is completed, so complete_all() is the last thing done with it.
 * Context: bd->lock held; the job is neither queued nor on the engine.
 */
static void bigphys_job_end(struct bigphys_job *job, int status)
{
	struct bigphys_file *bf = job->bf;

	lockdep_assert_held(&job->bd->lock);
	job->status = status;
	job->t_end = ktime_get();
	bigphys_job_count(job);
	bigphys_mem_unmap(job->bd, &job->mem);
	trace_bigphys_job_done(job);
	if (job->ucmd) {
		bigphys_uring_job_end(job);
		return;
	}
	/* Pairs with bigphys_dma_poll(): the unmap is done before @ended. */
	smp_store_release(&job->ended, true);
	wake_up_all(&bf->wq);
	complete_all(&job->finished);
}

/* Put the next queued job on the engine.  Context: bd->lock held. */
static void bigphys_dev_next(struct bigphys_dev *bd)
{
	lockdep_assert_held(&bd->lock);
	bd->cur = list_first_entry_or_null(&bd->queue, struct bigphys_job, node);
	if (bd->cur) {
		list_del_init(&bd->cur->node);
		bd->cur->t_start = ktime_get();
		trace_bigphys_job_start(bd->cur);
		bigphys_job_kick(bd);
	} else {
		wake_up_all(&bd->idle);	/* the watchdog finds nothing to do */
	}
}

/* The engine finished a transfer of bd->cur.  Context: bd->lock held. */
static void bigphys_dev_transfer_done(struct bigphys_dev *bd)
{
	struct bigphys_job *job = bd->cur;

	lockdep_assert_held(&bd->lock);
	if (!job)
		return;
	atomic64_add(job->chunk, job->to_device ? &bd->stats.bytes_to_device :
						  &bd->stats.bytes_from_device);
	job->done += job->chunk;
	job->seg_done += job->chunk;
	job->chunk = 0;
	if (job->seg_done == job->segs[job->seg].len) {
		job->seg++;
		job->seg_done = 0;
	}
	if (job->done < job->len && !job->cancel && !bd->gone) {
		bigphys_job_kick(bd);
		return;
	}
	bd->cur = NULL;
	if (job->done == job->len)
		bigphys_job_end(job, 0);
	else
		bigphys_job_end(job, bd->gone ? -ENODEV : -ECANCELED);
	if (!bd->gone)
		bigphys_dev_next(bd);
	else
		wake_up_all(&bd->idle);
}

/*
 * The device reads all-ones: it is gone (surprise removal) or broken.  Fail
 * the job on the engine and every queued one with -EIO; refuse new ones.
 * Context: bd->lock held.
 */
static void bigphys_dev_dead(struct bigphys_dev *bd)
{
	struct bigphys_job *job, *tmp;

	lockdep_assert_held(&bd->lock);
	if (!bd->dead)
		dev_err(&bd->pdev->dev, "device does not answer (register reads all-ones): failing its DMA jobs\n");
	bd->dead = true;
	/*
	 * The engine may still be moving data (a device that only reads
	 * all-ones, or fault_inject=): it must not reach memory that ending
	 * the job unmaps.  Probe sets bus mastering again on a new binding.
	 */
	pci_clear_master(bd->pdev);
	if (bd->cur) {
		job = bd->cur;
		bd->cur = NULL;
		bigphys_job_end(job, -EIO);
	}
	list_for_each_entry_safe(job, tmp, &bd->queue, node) {
		list_del_init(&job->node);
		bigphys_job_end(job, -EIO);
	}
	wake_up_all(&bd->idle);
}

irqreturn_t bigphys_dma_irq(int irq, void *data)
{
	struct bigphys_dev *bd = data;

	if (!bd->engine->irq_ack(bd))
		return IRQ_NONE;
	/*
	 * Testing only (debugfs drop_irqs): acknowledged but not handled, as
	 * if the interrupt had been lost; the watchdog has to find the
	 * transfer finished.
	 */
	if (unlikely(atomic_add_unless(&bigphys_drop_irqs, -1, 0)))
		return IRQ_HANDLED;
	return IRQ_WAKE_THREAD;
}

irqreturn_t bigphys_dma_irq_thread(int irq, void *data)
{
	struct bigphys_dev *bd = data;
	int busy;

	mutex_lock(&bd->lock);
	if (bd->cur) {
		busy = bd->engine->busy(bd);
		if (busy < 0)
			bigphys_dev_dead(bd);
		else if (!busy)
			bigphys_dev_transfer_done(bd);
	}
	mutex_unlock(&bd->lock);
	return IRQ_HANDLED;
}

/*
 * Runs watchdog_ms after the first transfer of a busy period and then every
 * watchdog_ms while transfers go on.  A transfer counts as lost only if it
 * was already on the engine at the previous run (no kick since) and the
 * engine is idle: an interrupt about to be handled is not mistaken for a
 * lost one, and a lost one is noticed within two periods.  A device that
 * reads all-ones is dead: its jobs fail at once.
 */
void bigphys_dma_watchdog(struct work_struct *work)
{
	struct bigphys_dev *bd = container_of(to_delayed_work(work),
					      struct bigphys_dev, watchdog);
	int busy;

	mutex_lock(&bd->lock);
	if (bd->cur) {
		busy = bd->engine->busy(bd);
		if (busy < 0) {
			bigphys_dev_dead(bd);
		} else if (bd->kicks != bd->watchdog_kicks || busy) {
			bd->watchdog_kicks = bd->kicks;
			queue_delayed_work(system_wq, &bd->watchdog,
					   msecs_to_jiffies(watchdog_ms));
		} else {
			dev_warn_ratelimited(&bd->pdev->dev, "lost DMA interrupt\n");
			atomic64_inc(&bd->stats.watchdog_rescues);
			trace_bigphys_job_lost_irq(bd->cur);
			bigphys_dev_transfer_done(bd);
		}
	}
	mutex_unlock(&bd->lock);
}

/**
 * bigphys_dev_stop() - the device is being unbound: end its jobs
 * @bd: device
 *
 * Fails queued jobs with -ENODEV and lets the transfer on the engine finish
 * (the engine cannot be aborted; memory stays mapped until it stops).  An
 * engine that neither finishes nor reads all-ones within two watchdog
 * periods and a second is stopped from bus mastering and its job ended, so
 * unbinding never hangs.  Afterwards no job touches the device.
 * Context: process context, from the PCI remove callback.
 */
void bigphys_dev_stop(struct bigphys_dev *bd)
{
	unsigned long timeout = msecs_to_jiffies(2 * watchdog_ms + 1000);
	struct bigphys_job *job, *tmp;

	mutex_lock(&bd->lock);
	bd->gone = true;
	list_for_each_entry_safe(job, tmp, &bd->queue, node) {
		list_del_init(&job->node);
		bigphys_job_end(job, -ENODEV);
	}
	mutex_unlock(&bd->lock);
	if (!wait_event_timeout(bd->idle, !READ_ONCE(bd->cur), timeout)) {
		pci_clear_master(bd->pdev);
		mutex_lock(&bd->lock);
		job = bd->cur;
		bd->cur = NULL;
		if (job) {
			dev_err(&bd->pdev->dev, "DMA engine stuck: job ended at unbind\n");
			bigphys_job_end(job, -ENODEV);
		}
		mutex_unlock(&bd->lock);
	}
	cancel_delayed_work_sync(&bd->watchdog);
}

/* Whether the engine of @bd can move @len bytes at device address @addr. */
static bool bigphys_dev_window_ok(struct bigphys_dev *bd, u64 addr, u64 len)
{
	const struct bigphys_engine *e = bd->engine;

	return addr >= e->window_base && len && len <= e->window_size &&
	       addr - e->window_base <= e->window_size - len;
}

/*
 * Check the segments like STRT_DMA checks its range (the region range is
 * checked on the span they cover by bigphys_mem_get()) and make their
 * offsets relative to the span.  Sets the span in @req and the total in
 * @total.
 */
static int bigphys_job_segs(struct bigphys_dev *bd, struct bigphys_job_req *req,
			    size_t *total)
{
	struct bigphys_dma_seg *segs = req->segs;
	u64 first = U64_MAX, end = 0;
	u32 i;

	*total = 0;
	for (i = 0; i < req->nr_segs; i++) {
		if (!bigphys_dev_window_ok(bd, segs[i].dev_addr, segs[i].len) ||
		    segs[i].offset > U64_MAX - segs[i].len)
			return -EINVAL;
		first = min(first, segs[i].offset);
		end = max(end, segs[i].offset + segs[i].len);
		*total += segs[i].len;
	}
	for (i = 0; i < req->nr_segs; i++)
		segs[i].offset -= first;
	if (!(req->flags & BIGPHYS_DMA_USER_PTR))
		req->offset = first;
	req->len = end - first;
	return 0;
}

/**
 * bigphys_job_create() - a job for a decoded request, not yet queued
 * @bf: the submitting file
 * @req: decoded request: @req->segs holds 1..BIGPHYS_DMAV_MAX_SEGS
 *	segments, offsets from the region start (or from @req->user_addr).
 *	One segment is copied into the job; more are taken over on success
 *	(@req->segs becomes NULL; they are kfree()d with the job).  The span
 *	they cover is written to @req->offset and @req->len.
 *
 * Checks the device and the segments, allocates the job and takes its
 * memory (bigphys_mem_get()).
 * Context: process context, no locks held.
 * Return: the job, or ERR_PTR(-ENODEV) no such device, -EOPNOTSUPP no
 * engine, -EINVAL outside the device window or the region, -ENOENT,
 * -EFAULT, -ENOMEM as bigphys_mem_get().
 */
struct bigphys_job *bigphys_job_create(struct bigphys_file *bf,
				       struct bigphys_job_req *req)
{
	struct bigphys_dev *bd;
	struct bigphys_job *job;
	size_t total;
	int err;

	bd = bigphys_dev_get(req->dev_index);
	if (!bd)
		return ERR_PTR(-ENODEV);
	err = -EOPNOTSUPP;
	if (!bd->engine)
		goto put_dev;
	err = bigphys_job_segs(bd, req, &total);
	if (err)
		goto put_dev;

	err = -ENOMEM;
	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job)
		goto put_dev;
	INIT_LIST_HEAD(&job->node);
	init_completion(&job->finished);
	job->bd = bd;
	job->bf = bf;
	job->seq = atomic64_inc_return(&bigphys_job_seq);
	job->to_device = !(req->flags & BIGPHYS_DMA_FROM_DEVICE);
	job->len = total;
	err = bigphys_mem_get(bf, bd, &job->mem, req);
	if (err)
		goto free_job;
	job->nr_segs = req->nr_segs;
	if (req->nr_segs == 1) {
		job->one = req->segs[0];
		job->segs = &job->one;
	} else {
		job->segs = req->segs;
		req->segs = NULL;
	}
	return job;

free_job:
	kfree(job);
put_dev:
	bigphys_dev_put(bd);
	return ERR_PTR(err);
}

/* The table a job's slot is in. */
static struct xarray *bigphys_job_table(struct bigphys_job *job)
{
	return job->ucmd ? &job->bf->ujobs : &job->bf->jobs;
}

/**
 * bigphys_job_reserve() - give a job a slot of its file (one of 64)
 * @job: from bigphys_job_create()
 * @ucmd: the io_uring command that submits it, or NULL (ioctl: the slot
 *	number is the cookie, @job->id)
 *
 * Context: process context.
 * Return: 0, -EBUSY (64 jobs and mappings on the file), -ENOMEM.
 */
int bigphys_job_reserve(struct bigphys_job *job, struct io_uring_cmd *ucmd)
{
	struct bigphys_file *bf = job->bf;
	int err;

	job->ucmd = ucmd;
	mutex_lock(&bf->lock);
	err = bigphys_slot_reserve(bf, bigphys_job_table(job), &job->id);
	mutex_unlock(&bf->lock);
	return err;
}

/**
 * bigphys_job_queue() - map a job's memory, publish it and queue it
 * @job: with a reserved slot
 *
 * Mapping, publishing and queueing are one section under the file's and the
 * device's locks: remove() cannot run in between (no mapping for a removed
 * device), and a job can neither end nor be reaped before it is published.
 * After a 0 return the job belongs to its table (WAIT_DMA, close, or the
 * io_uring completion frees it): the caller must not touch it.
 * Context: process context, no locks held.
 * Return: 0; -ENODEV device unbound or not answering; the errors of
 * bigphys_mem_map().  On error the caller still owns the job and its slot.
 */
int bigphys_job_queue(struct bigphys_job *job)
{
	struct bigphys_file *bf = job->bf;
	struct bigphys_dev *bd = job->bd;
	int err;

	/* Ours, not the job's: the job may be reaped before we unlock. */
	kref_get(&bd->ref);
	mutex_lock(&bf->lock);
	mutex_lock(&bd->lock);
	err = -ENODEV;
	if (bd->gone || bd->dead)
		goto unlock;
	err = bigphys_mem_map(bd, &job->mem);
	if (err)
		goto unlock;
	job->t_submit = ktime_get();
	/* The reserved slot has its node: storing allocates nothing. */
	xa_store(bigphys_job_table(job), job->id, job, GFP_KERNEL);
	list_add_tail(&job->node, &bd->queue);
	atomic64_inc(&bd->stats.jobs_submitted);
	trace_bigphys_job_submit(job);
	if (!bd->cur)
		bigphys_dev_next(bd);
unlock:
	mutex_unlock(&bd->lock);
	mutex_unlock(&bf->lock);
	bigphys_dev_put(bd);
	return err;
}

/**
 * bigphys_job_free() - free a job that is not (or no longer) queued
 * @job: ended or never queued; its slot already released
 *
 * Context: process context, no locks held.
 */
void bigphys_job_free(struct bigphys_job *job)
{
	if (job->segs != &job->one)
		kfree(job->segs);
	bigphys_mem_put(&job->mem);
	bigphys_dev_put(job->bd);
	kfree(job);
}

/**
 * bigphys_job_discard() - undo bigphys_job_create() and _reserve()
 * @job: never queued (or bigphys_job_queue() failed)
 *
 * Context: process context, no locks held.
 */
void bigphys_job_discard(struct bigphys_job *job)
{
	struct bigphys_file *bf = job->bf;

	if (job->id) {
		mutex_lock(&bf->lock);
		bigphys_slot_release(bf, bigphys_job_table(job), job->id);
		mutex_unlock(&bf->lock);
	}
	bigphys_job_free(job);
}

/**
 * bigphys_job_duration_ns() - from submission to completion
 * @job: an ended job
 *
 * Return: nanoseconds.
 */
u64 bigphys_job_duration_ns(const struct bigphys_job *job)
{
	return ktime_to_ns(ktime_sub(job->t_end, job->t_submit));
}

/**
 * bigphys_job_wait() - WAIT_DMA: wait for an ioctl job to end
 * @bf: the file
 * @cookie: the job's cookie
 * @timeout_ns: 0 = do not block
 *
 * On success the job is marked as being waited for: the caller reports it
 * and then reaps it (bigphys_job_reap()) or gives it back
 * (bigphys_job_unwait()).
 * Context: process context, no locks held; sleeps interruptibly.
 * Return: the ended job, or ERR_PTR(-ENOENT) unknown cookie, -EBUSY
 * another thread waits for it, -ETIMEDOUT, -ERESTARTSYS: interrupted.  The
 * system call restarts then, unless a signal handler without SA_RESTART
 * ran (user space sees -EINTR): task work queued with TWA_SIGNAL, as
 * io_uring's ring exit does, interrupts the sleep with no signal at all.
 */
struct bigphys_job *bigphys_job_wait(struct bigphys_file *bf, u64 cookie,
				     u64 timeout_ns)
{
	struct bigphys_job *job;
	unsigned long timeout;
	long left;

	mutex_lock(&bf->lock);
	job = cookie <= U32_MAX ? xa_load(&bf->jobs, cookie) : NULL;
	if (job && job->waiting)
		job = ERR_PTR(-EBUSY);
	else if (job)
		job->waiting = true;
	mutex_unlock(&bf->lock);
	if (IS_ERR_OR_NULL(job))
		return job ?: ERR_PTR(-ENOENT);

	left = completion_done(&job->finished);
	if (!left && timeout_ns) {
		timeout = min_t(u64, nsecs_to_jiffies64(timeout_ns),
				MAX_SCHEDULE_TIMEOUT - 1);
		left = wait_for_completion_interruptible_timeout(&job->finished,
								 timeout ?: 1);
	}
	if (left <= 0) {
		bigphys_job_unwait(job);
		return ERR_PTR(left ? -ERESTARTSYS : -ETIMEDOUT);
	}
	return job;
}

/**
 * bigphys_job_unwait() - give back a job bigphys_job_wait() returned
 * @job: the job; it stays in its file's table
 */
void bigphys_job_unwait(struct bigphys_job *job)
{
	mutex_lock(&job->bf->lock);
	job->waiting = false;
	mutex_unlock(&job->bf->lock);
}

/**
 * bigphys_job_reap() - free a job bigphys_job_wait() returned
 * @job: the job; its slot is released
 */
void bigphys_job_reap(struct bigphys_job *job)
{
	mutex_lock(&job->bf->lock);
	bigphys_slot_release(job->bf, &job->bf->jobs, job->id);
	mutex_unlock(&job->bf->lock);
	bigphys_job_free(job);
}

/**
 * bigphys_job_cancel() - stop a job: dequeue it, or stop it after the
 *	transfer on the engine
 * @job: a queued or running job, or one that ended (nothing happens)
 *
 * Context: process context; the caller keeps the job alive.
 */
void bigphys_job_cancel(struct bigphys_job *job)
{
	struct bigphys_dev *bd = job->bd;

	mutex_lock(&bd->lock);
	job->cancel = true;
	if (!list_empty(&job->node)) {
		list_del_init(&job->node);
		bigphys_job_end(job, -ECANCELED);
	}
	mutex_unlock(&bd->lock);
}

/**
 * bigphys_dma_poll() - poll() mask of a file
 * @bf: the file
 *
 * Return: EPOLLIN | EPOLLRDNORM while a finished ioctl job waits to be
 * reaped.
 */
__poll_t bigphys_dma_poll(struct bigphys_file *bf)
{
	struct bigphys_job *job;
	unsigned long i;
	__poll_t mask = 0;

	mutex_lock(&bf->lock);
	xa_for_each(&bf->jobs, i, job)
		/* Pairs with bigphys_job_end(). */
		if (smp_load_acquire(&job->ended))
			mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&bf->lock);
	return mask;
}

/**
 * bigphys_dma_file_release() - the file is closed: end its DMA
 * @bf: the file
 *
 * Queued jobs are cancelled; a job on the engine stops after its current
 * transfer; the memory stays mapped (and the region alive) until then.  No
 * io_uring job is left: each pending command holds the file.
 * Context: process context; no other user of @bf is left.
 */
void bigphys_dma_file_release(struct bigphys_file *bf)
{
	struct bigphys_job *job;
	struct bigphys_map *map;
	unsigned long i;

	/* First stop everything, so no queued job of ours starts meanwhile... */
	xa_for_each(&bf->jobs, i, job)
		bigphys_job_cancel(job);
	/* ...then wait for the transfers already on an engine. */
	xa_for_each(&bf->jobs, i, job) {
		wait_for_completion(&job->finished);
		bigphys_job_reap(job);
	}
	xa_for_each(&bf->maps, i, map) {
		mutex_lock(&bf->lock);
		bigphys_slot_release(bf, &bf->maps, i);
		mutex_unlock(&bf->lock);
		bigphys_map_free(map);
	}
}
