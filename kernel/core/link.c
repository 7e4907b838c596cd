// SPDX-License-Identifier: GPL-2.0
/*
 * One link per open() of /dev/kucomms_NAME: the file operations that set
 * up its memory (KUCOMMS_IOC_SETUP), map it (the layout and rules of
 * linux/kucomms.h), wake the module's thread (KUCOMMS_IOC_WAKE) and let
 * userspace wait for kernel -> user messages (poll).
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "compat.h"
#include "internal.h"

static unsigned long kucomms_link_pages(const struct kucomms_link *link)
{
	return link->layout.total_size >> PAGE_SHIFT;
}

static int kucomms_link_open(struct inode *inode, struct file *file)
{
	struct kucomms_device *kdev =
		container_of(inode->i_cdev, struct kucomms_device, cdev);
	struct kucomms_link *link;
	int err = 0;

	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return -ENOMEM;
	link->kdev = kdev;
	link->pid = task_tgid_nr(current);
	get_task_comm(link->comm, current);
	link->exit_status = KUCOMMS_MON_CLOSED;
	init_waitqueue_head(&link->poll_wait);
	mutex_init(&link->setup_lock);
	init_completion(&link->down);

	mutex_lock(&kdev->lock);
	if (kdev->removed) {
		err = -ENODEV;
	} else if (kdev->nlinks >= KUCOMMS_MAX_LINKS) {
		dev_warn_ratelimited(&kdev->dev, "open by pid %d refused: %d links are open, the most a device allows\n",
				     link->pid, KUCOMMS_MAX_LINKS);
		err = -EMFILE;
	} else {
		link->id = kdev->next_link_id++;
		list_add_tail(&link->node, &kdev->links);
		WRITE_ONCE(kdev->nlinks, kdev->nlinks + 1);
		kucomms_mon_link_open(link);
	}
	mutex_unlock(&kdev->lock);
	if (err) {
		kfree(link);
		return err;
	}
	atomic_long_inc(&kucomms_live.links);
	file->private_data = link;
	return stream_open(inode, file);
}

/*
 * Every close() of a descriptor of the link: one made by a process that
 * is exiting (killed, or exited without closing) leaves its exit status
 * for the monitors' close record.
 */
static int kucomms_link_flush(struct file *file, fl_owner_t id)
{
	struct kucomms_link *link = file->private_data;

	if (current->flags & PF_EXITING)
		WRITE_ONCE(link->exit_status, current->exit_code);
	return 0;
}

static int kucomms_link_release(struct inode *inode, struct file *file)
{
	struct kucomms_link *link = file->private_data;
	struct kucomms_device *kdev = link->kdev;
	bool wait;

	/* The module's thread says link_down before the link goes. */
	mutex_lock(&kdev->lock);
	link->released = true;
	wait = link->up;
	mutex_unlock(&kdev->lock);
	if (wait) {
		kucomms_device_wake(kdev);
		wait_for_completion(&link->down);
	}

	mutex_lock(&kdev->lock);
	list_del(&link->node);
	WRITE_ONCE(kdev->nlinks, kdev->nlinks - 1);
	mutex_unlock(&kdev->lock);
	kucomms_mon_link_release(link);

	if (link->ready) {
		atomic_long_sub(2, &kucomms_live.rings);
		atomic_long_sub(kucomms_link_pages(link), &kucomms_live.pages);
	}
	kvfree(link->rx_buf);
	vfree(link->region[1]);
	vfree(link->region[0]);
	kfree(link);
	atomic_long_dec(&kucomms_live.links);
	return 0;
}

/**
 * kucomms_link_close() - close the kernel side of a link
 * @link: the link
 * @broken: because userspace broke one of its rings
 *
 * Userspace sees KUCOMMS_SIDE_CLOSED in side 0 state and POLLHUP (with
 * POLLERR when @broken); sends and KUCOMMS_IOC_WAKE fail with EPIPE. The
 * module's thread says link_down on its next pass. Any context that may
 * sleep; idempotent.
 */
void kucomms_link_close(struct kucomms_link *link, bool broken)
{
	struct kucomms_device *kdev = link->kdev;
	bool closed;

	if (broken && !test_and_set_bit(KUCOMMS_LINK_BROKEN, &link->flags)) {
		atomic64_inc(&kdev->stats.protocol_errors);
		dev_warn_ratelimited(&kdev->dev, "link %u of pid %d closed: its process wrote an impossible ring state\n",
				     link->id, link->pid);
	}
	mutex_lock(&link->setup_lock);
	/*
	 * Side 0 says closed before the link counts as closed (the atomic
	 * bit operation orders the two), so a process that sees POLLHUP or
	 * EPIPE also finds KUCOMMS_SIDE_CLOSED, as linux/kucomms.h promises.
	 */
	if (link->ready) {
		struct kucomms_side_page *side0 = link->region[0];

		kucomms_write_once(side0->state.flags, KUCOMMS_SIDE_CLOSED);
	}
	closed = test_and_set_bit(KUCOMMS_LINK_CLOSED, &link->flags);
	mutex_unlock(&link->setup_lock);
	if (closed)
		return;
	kucomms_mon_link_hangup(link, broken);
	wake_up_interruptible_poll(&link->poll_wait, EPOLLHUP | EPOLLERR);
	kucomms_device_wake(kdev);
}

static int kucomms_link_alloc(struct kucomms_link *link)
{
	const struct kucomms_link_layout *l = &link->layout;

	/* Zeroed: userspace maps these pages. */
	link->region[0] = __vmalloc(l->region_size[0], KUCOMMS_LINK_GFP | __GFP_ZERO);
	link->region[1] = __vmalloc(l->region_size[1], KUCOMMS_LINK_GFP | __GFP_ZERO);
	link->rx_buf = kvmalloc(kucomms_ring_max_length(l->capacity[1]),
				KUCOMMS_LINK_GFP);
	if (!link->region[0] || !link->region[1] || !link->rx_buf) {
		kvfree(link->rx_buf);
		vfree(link->region[1]);
		vfree(link->region[0]);
		link->rx_buf = NULL;
		link->region[0] = NULL;
		link->region[1] = NULL;
		return -ENOMEM;
	}
	kucomms_link_info_publish(link->region[0], l);
	kucomms_link_bind(l, 0, link->region[0], link->region[1],
			  &link->tx, &link->rx);
	return 0;
}

static int kucomms_link_setup(struct kucomms_link *link,
			      struct kucomms_setup *setup)
{
	u64 cap0, cap1;
	int err;

	if (memchr_inv(setup->reserved, 0, sizeof(setup->reserved)))
		return -EINVAL;
	cap0 = setup->ring0_capacity ?: KUCOMMS_RING_DEFAULT_CAPACITY;
	cap1 = setup->ring1_capacity ?: KUCOMMS_RING_DEFAULT_CAPACITY;

	mutex_lock(&link->setup_lock);
	if (link->ready) {
		err = -EBUSY;
		goto out_unlock;
	}
	if (test_bit(KUCOMMS_LINK_CLOSED, &link->flags)) {
		err = -EPIPE;
		goto out_unlock;
	}
	err = kucomms_link_layout_init(&link->layout, cap0, cap1, PAGE_SIZE);
	if (err)
		goto out_unlock;
	err = kucomms_link_alloc(link);
	if (err)
		goto out_unlock;
	atomic_long_add(2, &kucomms_live.rings);
	atomic_long_add(kucomms_link_pages(link), &kucomms_live.pages);
	/* Pairs with the load-acquires of ready: the rings are bound. */
	smp_store_release(&link->ready, true);

	setup->ring0_capacity = cap0;
	setup->ring1_capacity = cap1;
	setup->ro_size = link->layout.region_size[0];
	setup->rw_offset = link->layout.side_offset[1];
	setup->rw_size = link->layout.region_size[1];
out_unlock:
	mutex_unlock(&link->setup_lock);
	return err;
}

static long kucomms_link_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct kucomms_link *link = file->private_data;
	void __user *argp = (void __user *)arg;
	struct kucomms_setup setup;
	int err;

	switch (cmd) {
	case KUCOMMS_IOC_SETUP:
		/* No user copy under setup_lock: mmap takes it under mmap_lock. */
		if (copy_from_user(&setup, argp, sizeof(setup)))
			return -EFAULT;
		err = kucomms_link_setup(link, &setup);
		if (err)
			return err;
		/* The module's thread announces the new link (link_up). */
		kucomms_device_wake(link->kdev);
		return copy_to_user(argp, &setup, sizeof(setup)) ? -EFAULT : 0;
	case KUCOMMS_IOC_WAKE:
		if (test_bit(KUCOMMS_LINK_CLOSED, &link->flags))
			return -EPIPE;
		/* Pairs with the store-release in SETUP. */
		if (!smp_load_acquire(&link->ready))
			return -EINVAL;
		kucomms_device_wake(link->kdev);
		return 0;
	default:
		return -ENOTTY;
	}
}

/* A partial munmap or mprotect would split the mapping: refused. */
static int kucomms_vma_may_split(struct vm_area_struct *vma,
				 unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct kucomms_vm_ops = {
	.may_split = kucomms_vma_may_split,
};

/*
 * Map the pages of @region (vmalloc'ed, at least as long as @vma) into
 * @vma, which can then neither grow, nor be split, nor be inherited, nor
 * dumped. remap_vmalloc_range() would do, but it only takes vmalloc_user()
 * memory, which cannot be charged to a memory cgroup.
 */
int kucomms_map_region(struct vm_area_struct *vma, void *region)
{
	unsigned long addr;
	int err;

	kucomms_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTCOPY | VM_DONTDUMP);
	vma->vm_ops = &kucomms_vm_ops;

	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		err = vm_insert_page(vma, addr, vmalloc_to_page(region));
		if (err)
			return err;
		region = (u8 *)region + PAGE_SIZE;
	}
	return 0;
}

static int kucomms_link_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kucomms_link *link = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	int side, err;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&link->setup_lock);
	err = -EINVAL;
	if (!link->ready)
		goto out_unlock;
	if (vma->vm_pgoff == 0 && size == link->layout.region_size[0]) {
		/* Side 0 is the kernel's: userspace only ever reads it. */
		err = -EPERM;
		if (vma->vm_flags & VM_WRITE)
			goto out_unlock;
		kucomms_vm_flags_clear(vma, VM_MAYWRITE);
		side = 0;
	} else if (vma->vm_pgoff == link->layout.side_offset[1] >> PAGE_SHIFT &&
		   size == link->layout.region_size[1]) {
		side = 1;
	} else {
		goto out_unlock;
	}
	err = kucomms_map_region(vma, link->region[side]);
out_unlock:
	mutex_unlock(&link->setup_lock);
	return err;
}

static __poll_t kucomms_link_poll(struct file *file, poll_table *wait)
{
	struct kucomms_link *link = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &link->poll_wait, wait);
	/* Pairs with the barrier before waitqueue_active() in kucomms_send(). */
	smp_mb();
	/* BROKEN is set before CLOSED: POLLERR comes with POLLHUP only. */
	if (test_bit(KUCOMMS_LINK_CLOSED, &link->flags)) {
		mask |= EPOLLHUP;
		if (test_bit(KUCOMMS_LINK_BROKEN, &link->flags))
			mask |= EPOLLERR;
	}
	/* Pairs with the store-release in SETUP: tx is bound once ready. */
	if (smp_load_acquire(&link->ready) &&
	    kucomms_ring_unconsumed(&link->tx))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

const struct file_operations kucomms_link_fops = {
	.owner = THIS_MODULE,
	.open = kucomms_link_open,
	.flush = kucomms_link_flush,
	.release = kucomms_link_release,
	.unlocked_ioctl = kucomms_link_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = kucomms_link_mmap,
	.poll = kucomms_link_poll,
};
