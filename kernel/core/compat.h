/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel interfaces kucomms uses that changed after 6.1 (Debian 12),
 * so the DKMS sources also build for newer kernels.
 */
#ifndef _KUCOMMS_COMPAT_H
#define _KUCOMMS_COMPAT_H

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define KUCOMMS_DEVNODE_CONST const
#else
#define KUCOMMS_DEVNODE_CONST
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define kucomms_class_create(name) class_create(name)
#else
#define kucomms_class_create(name) class_create(THIS_MODULE, name)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define kucomms_vm_flags_set(vma, flags)	vm_flags_set(vma, flags)
#define kucomms_vm_flags_clear(vma, flags)	vm_flags_clear(vma, flags)
#else
static inline void kucomms_vm_flags_set(struct vm_area_struct *vma,
					unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void kucomms_vm_flags_clear(struct vm_area_struct *vma,
					  unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#endif /* _KUCOMMS_COMPAT_H */
