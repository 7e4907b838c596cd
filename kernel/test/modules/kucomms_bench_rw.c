// SPDX-License-Identifier: GPL-2.0
/*
 * kucomms_bench_rw: the baseline of the kernel benchmark, a character
 * device that echoes every write() back to a later read() of the same
 * descriptor, one message per call, through a FIFO in the kernel. It is
 * what a driver does without kucomms: a copy in, a copy out and a wait
 * queue each way, a system call per message. Built for the benchmark only.
 *
 *	insmod kucomms_bench_rw.ko	(creates /dev/kucomms_bench_rw)
 */
#include <linux/fs.h>
#include <linux/kfifo.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/wait.h>

#define BENCH_RW_FIFO_BYTES	(1 << 20)
/* The records' length field has 2 bytes. */
#define BENCH_RW_MAX_MESSAGE	65535

/* One per open(): one writer and one reader may use it at once. */
struct bench_rw {
	struct kfifo_rec_ptr_2 fifo;
	struct mutex read_lock;
	struct mutex write_lock;
	wait_queue_head_t readable;
	wait_queue_head_t writable;
};

static int bench_rw_open(struct inode *inode, struct file *file)
{
	struct bench_rw *rw = kzalloc(sizeof(*rw), GFP_KERNEL);
	int err;

	if (!rw)
		return -ENOMEM;
	err = kfifo_alloc(&rw->fifo, BENCH_RW_FIFO_BYTES, GFP_KERNEL);
	if (err) {
		kfree(rw);
		return err;
	}
	mutex_init(&rw->read_lock);
	mutex_init(&rw->write_lock);
	init_waitqueue_head(&rw->readable);
	init_waitqueue_head(&rw->writable);
	file->private_data = rw;
	return stream_open(inode, file);
}

static int bench_rw_release(struct inode *inode, struct file *file)
{
	struct bench_rw *rw = file->private_data;

	kfifo_free(&rw->fifo);
	kfree(rw);
	return 0;
}

static ssize_t bench_rw_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct bench_rw *rw = file->private_data;
	unsigned int copied;
	int err;

	if (count > BENCH_RW_MAX_MESSAGE)
		return -EMSGSIZE;
	if (mutex_lock_interruptible(&rw->write_lock))
		return -ERESTARTSYS;
	/* kfifo needs no lock between its one reader and one writer. */
	err = wait_event_interruptible(rw->writable,
				       kfifo_avail(&rw->fifo) >= count + 2);
	if (!err)
		err = kfifo_from_user(&rw->fifo, buf, count, &copied);
	mutex_unlock(&rw->write_lock);
	if (err)
		return err;
	wake_up_interruptible(&rw->readable);
	return count;
}

static ssize_t bench_rw_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct bench_rw *rw = file->private_data;
	unsigned int copied = 0;
	int err;

	if (mutex_lock_interruptible(&rw->read_lock))
		return -ERESTARTSYS;
	err = wait_event_interruptible(rw->readable, !kfifo_is_empty(&rw->fifo));
	if (!err)
		err = kfifo_to_user(&rw->fifo, buf, count, &copied);
	mutex_unlock(&rw->read_lock);
	if (err)
		return err;
	wake_up_interruptible(&rw->writable);
	return copied;
}

static const struct file_operations bench_rw_fops = {
	.owner = THIS_MODULE,
	.open = bench_rw_open,
	.release = bench_rw_release,
	.read = bench_rw_read,
	.write = bench_rw_write,
};

static struct miscdevice bench_rw_device = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kucomms_bench_rw",
	.fops = &bench_rw_fops,
	.mode = 0600,
};

module_misc_device(bench_rw_device);

MODULE_DESCRIPTION("kucomms benchmark baseline: a read()/write() echo character device");
MODULE_LICENSE("GPL");
