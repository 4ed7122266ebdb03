// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts of a PCI device, delivered to eventfds: MSI-X and MSI (edge:
 * the handler only signals), and INTx (level: the handler masks the
 * device with PCI 2.3 INTx disable before signalling, and userspace
 * unmasks, by ioctl or through an eventfd, once it has served the cause).
 *
 * One index is enabled at a time. SET_IRQ_EVENTFDS on an enabled index
 * tears it down and enables it again with the new eventfds.
 *
 * The request index is apart from them: no interrupt of the device, but
 * an eventfd the module signals when the device is to be unbound or
 * removed while userspace holds it, so userspace can let it go (mainline's
 * VFIO_PCI_REQ_IRQ_INDEX).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <vdk_vfio.h>

#include "pci_private.h"

/* An eventfd that unmasks INTx when it is signalled. */
struct vdk_vfio_pci_unmask {
	struct vdk_vfio_pci *vdev;
	struct eventfd_ctx *ctx;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct work;
};

int vdk_vfio_pci_irq_count(struct vdk_vfio_pci *vdev, unsigned int index)
{
	struct pci_dev *pdev = vdev->pdev;
	int n = 0;

	switch (index) {
	case VDK_VFIO_PCI_INTX_IRQ_INDEX:
		n = vdev->intx_ok ? 1 : 0;
		break;
	case VDK_VFIO_PCI_MSI_IRQ_INDEX:
		n = pdev->msi_cap ? pci_msi_vec_count(pdev) : 0;
		break;
	case VDK_VFIO_PCI_MSIX_IRQ_INDEX:
		n = pdev->msix_cap ? pci_msix_vec_count(pdev) : 0;
		break;
	case VDK_VFIO_PCI_REQ_IRQ_INDEX:
		n = 1;
		break;
	}
	return max(n, 0);
}

/* Called with vdev->lock held. */
void vdk_vfio_pci_req_disable(struct vdk_vfio_pci *vdev)
{
	if (vdev->req_trigger)
		eventfd_ctx_put(vdev->req_trigger);
	vdev->req_trigger = NULL;
}

/* The core waits for the device fd to close: ask userspace for it. */
void vdk_vfio_pci_request(void *device_data, unsigned int count)
{
	struct vdk_vfio_pci *vdev = device_data;

	mutex_lock(&vdev->lock);
	if (vdev->req_trigger) {
		if (!count)
			pci_notice(vdev->pdev, "asking userspace to release the device\n");
		eventfd_signal(vdev->req_trigger, 1);
	} else if (!count) {
		pci_notice(vdev->pdev, "userspace holds the device and set no request eventfd: close the device fd or kill the process\n");
	}
	mutex_unlock(&vdev->lock);
}

/* Takes over the reference in @trigger. */
static int req_set(struct vdk_vfio_pci *vdev, unsigned int count,
		   struct eventfd_ctx *trigger)
{
	mutex_lock(&vdev->lock);
	vdk_vfio_pci_req_disable(vdev);
	if (count)
		vdev->req_trigger = trigger;
	mutex_unlock(&vdev->lock);
	return 0;
}

static irqreturn_t msi_handler(int irq, void *trigger)
{
	eventfd_signal(trigger, 1);
	return IRQ_HANDLED;
}

static irqreturn_t intx_handler(int irq, void *data)
{
	struct vdk_vfio_pci *vdev = data;
	unsigned long flags;
	bool mine = false;

	spin_lock_irqsave(&vdev->intx_lock, flags);
	if (!vdev->intx_masked && pci_check_and_mask_intx(vdev->pdev)) {
		vdev->intx_masked = true;
		mine = true;
	}
	spin_unlock_irqrestore(&vdev->intx_lock, flags);
	/* Outside the lock: the eventfd may be the unmask eventfd too. */
	if (mine)
		eventfd_signal(vdev->irqs[0].trigger, 1);
	return mine ? IRQ_HANDLED : IRQ_NONE;
}

static void intx_unmask(struct vdk_vfio_pci *vdev)
{
	unsigned long flags;
	bool again = false;

	spin_lock_irqsave(&vdev->intx_lock, flags);
	if (vdev->intx_masked) {
		if (pci_check_and_unmask_intx(vdev->pdev))
			vdev->intx_masked = false;
		else
			again = true;	/* still asserted: stays masked */
	}
	spin_unlock_irqrestore(&vdev->intx_lock, flags);
	if (again)
		eventfd_signal(vdev->irqs[0].trigger, 1);
}

static void unmask_work(struct work_struct *work)
{
	struct vdk_vfio_pci_unmask *unmask =
		container_of(work, struct vdk_vfio_pci_unmask, work);

	intx_unmask(unmask->vdev);
}

/*
 * Runs under the eventfd's wait-queue lock: consume the count and leave
 * the unmask (which may signal an eventfd itself) to a work item.
 */
static int unmask_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			 int sync, void *key)
{
	struct vdk_vfio_pci_unmask *unmask =
		container_of(wait, struct vdk_vfio_pci_unmask, wait);
	u64 cnt;

	if (key_to_poll(key) & EPOLLIN) {
		eventfd_ctx_do_read(unmask->ctx, &cnt);
		schedule_work(&unmask->work);
	}
	return 0;
}

static void unmask_queue_proc(struct file *file, wait_queue_head_t *wqh,
			      poll_table *pt)
{
	struct vdk_vfio_pci_unmask *unmask =
		container_of(pt, struct vdk_vfio_pci_unmask, pt);

	add_wait_queue(wqh, &unmask->wait);
}

static void unmask_fd_remove(struct vdk_vfio_pci *vdev)
{
	struct vdk_vfio_pci_unmask *unmask = vdev->unmask;
	u64 cnt;

	if (!unmask)
		return;
	eventfd_ctx_remove_wait_queue(unmask->ctx, &unmask->wait, &cnt);
	cancel_work_sync(&unmask->work);
	eventfd_ctx_put(unmask->ctx);
	kfree(unmask);
	vdev->unmask = NULL;
}

/* Called with vdev->lock held and INTx enabled; -1 only removes. */
static int unmask_fd_set(struct vdk_vfio_pci *vdev, int fd)
{
	struct vdk_vfio_pci_unmask *unmask;
	struct fd f;
	int ret;

	if (fd == -1) {
		unmask_fd_remove(vdev);
		return 0;
	}
	f = fdget(fd);
	if (!f.file)
		return -EBADF;
	unmask = kzalloc(sizeof(*unmask), GFP_KERNEL);
	if (!unmask) {
		ret = -ENOMEM;
		goto put_file;
	}
	unmask->ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(unmask->ctx)) {
		ret = PTR_ERR(unmask->ctx);
		goto free_unmask;
	}
	unmask->vdev = vdev;
	INIT_WORK(&unmask->work, unmask_work);
	init_waitqueue_func_entry(&unmask->wait, unmask_wakeup);
	init_poll_funcptr(&unmask->pt, unmask_queue_proc);

	/* The new eventfd is good: only now let go of the old one. */
	unmask_fd_remove(vdev);
	vdev->unmask = unmask;
	if (vfs_poll(f.file, &unmask->pt) & EPOLLIN)
		schedule_work(&unmask->work);
	fdput(f);
	return 0;

free_unmask:
	kfree(unmask);
put_file:
	fdput(f);
	return ret;
}

static void irqs_free(struct vdk_vfio_pci *vdev)
{
	unsigned int i;

	for (i = 0; i < vdev->nirqs; i++) {
		if (vdev->irqs[i].trigger)
			eventfd_ctx_put(vdev->irqs[i].trigger);
		kfree(vdev->irqs[i].name);
	}
	kfree(vdev->irqs);
	vdev->irqs = NULL;
	vdev->nirqs = 0;
	vdev->irq_index = -1;
}

void vdk_vfio_pci_irqs_disable(struct vdk_vfio_pci *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	unsigned long flags;
	unsigned int i;

	switch (vdev->irq_index) {
	case VDK_VFIO_PCI_INTX_IRQ_INDEX:
		unmask_fd_remove(vdev);
		spin_lock_irqsave(&vdev->intx_lock, flags);
		vdev->intx_masked = true;
		pci_intx(pdev, 0);
		spin_unlock_irqrestore(&vdev->intx_lock, flags);
		free_irq(pdev->irq, vdev);
		break;
	case VDK_VFIO_PCI_MSI_IRQ_INDEX:
	case VDK_VFIO_PCI_MSIX_IRQ_INDEX:
		for (i = 0; i < vdev->nirqs; i++)
			if (vdev->irqs[i].trigger)
				free_irq(pci_irq_vector(pdev, i),
					 vdev->irqs[i].trigger);
		pci_free_irq_vectors(pdev);
		break;
	default:
		return;
	}
	irqs_free(vdev);
}

static struct vdk_vfio_pci_irq *irqs_alloc(struct vdk_vfio_pci *vdev,
					   const char *kind,
					   unsigned int count)
{
	struct vdk_vfio_pci_irq *irqs;
	unsigned int i;

	irqs = kcalloc(count, sizeof(*irqs), GFP_KERNEL);
	if (!irqs)
		return NULL;
	for (i = 0; i < count; i++) {
		irqs[i].name = kasprintf(GFP_KERNEL, "vdk-vfio-%s[%u](%s)",
					 kind, i, pci_name(vdev->pdev));
		if (!irqs[i].name)
			goto free_names;
	}
	return irqs;

free_names:
	while (i--)
		kfree(irqs[i].name);
	kfree(irqs);
	return NULL;
}

/* Takes over the references in @triggers on success. */
static int intx_enable(struct vdk_vfio_pci *vdev,
		       struct eventfd_ctx **triggers)
{
	struct pci_dev *pdev = vdev->pdev;
	unsigned long flags;
	int ret;

	vdev->irqs = irqs_alloc(vdev, "intx", 1);
	if (!vdev->irqs)
		return -ENOMEM;
	vdev->irqs[0].trigger = triggers[0];
	vdev->nirqs = 1;

	/* Masked while the handler is installed on a possibly shared line. */
	spin_lock_irqsave(&vdev->intx_lock, flags);
	vdev->intx_masked = true;
	pci_intx(pdev, 0);
	spin_unlock_irqrestore(&vdev->intx_lock, flags);
	ret = request_irq(pdev->irq, intx_handler, IRQF_SHARED,
			  vdev->irqs[0].name, vdev);
	if (ret) {
		vdev->irqs[0].trigger = NULL;
		irqs_free(vdev);
		return ret;
	}
	vdev->irq_index = VDK_VFIO_PCI_INTX_IRQ_INDEX;
	triggers[0] = NULL;

	spin_lock_irqsave(&vdev->intx_lock, flags);
	vdev->intx_masked = false;
	pci_intx(pdev, 1);
	spin_unlock_irqrestore(&vdev->intx_lock, flags);
	return 0;
}

/* Takes over the references in @triggers on success. */
static int msi_enable(struct vdk_vfio_pci *vdev, unsigned int index,
		      unsigned int count, struct eventfd_ctx **triggers)
{
	bool msix = index == VDK_VFIO_PCI_MSIX_IRQ_INDEX;
	struct pci_dev *pdev = vdev->pdev;
	struct vdk_vfio_pci_irq *irqs;
	unsigned int i;
	int ret;

	irqs = irqs_alloc(vdev, msix ? "msix" : "msi", count);
	if (!irqs)
		return -ENOMEM;
	ret = pci_alloc_irq_vectors(pdev, count, count,
				    msix ? PCI_IRQ_MSIX : PCI_IRQ_MSI);
	if (ret < 0)
		goto free_irqs;
	/* A vector without an eventfd has no handler: the core masks it. */
	for (i = 0; i < count; i++) {
		if (!triggers[i])
			continue;
		ret = request_irq(pci_irq_vector(pdev, i), msi_handler, 0,
				  irqs[i].name, triggers[i]);
		if (ret)
			goto free_requested;
	}
	for (i = 0; i < count; i++) {
		irqs[i].trigger = triggers[i];
		triggers[i] = NULL;
	}
	vdev->irqs = irqs;
	vdev->nirqs = count;
	vdev->irq_index = index;
	return 0;

free_requested:
	while (i--)
		if (triggers[i])
			free_irq(pci_irq_vector(pdev, i), triggers[i]);
	pci_free_irq_vectors(pdev);
free_irqs:
	for (i = 0; i < count; i++)
		kfree(irqs[i].name);
	kfree(irqs);
	return ret;
}

/* Every eventfd is checked before anything changes. */
static int triggers_get(const s32 *fds, unsigned int count,
			struct eventfd_ctx **triggers)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (fds[i] == -1)
			continue;
		triggers[i] = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(triggers[i])) {
			int ret = PTR_ERR(triggers[i]);

			triggers[i] = NULL;
			return ret;
		}
	}
	return 0;
}

static void triggers_put(struct eventfd_ctx **triggers, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (triggers[i])
			eventfd_ctx_put(triggers[i]);
}

long vdk_vfio_pci_ioctl_set_irqs(struct vdk_vfio_pci *vdev, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vdk_vfio_irq_eventfds, count);
	struct vdk_vfio_irq_eventfds hdr;
	struct eventfd_ctx **triggers = NULL;
	s32 *fds = NULL;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags ||
	    hdr.index >= VDK_VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	/* count is bounded by the device before anything is allocated */
	if (hdr.count > vdk_vfio_pci_irq_count(vdev, hdr.index) ||
	    (u64)hdr.argsz - minsz < (u64)hdr.count * sizeof(s32))
		return -EINVAL;

	if (hdr.count) {
		fds = memdup_user(arg + minsz, hdr.count * sizeof(s32));
		if (IS_ERR(fds))
			return PTR_ERR(fds);
		triggers = kcalloc(hdr.count, sizeof(*triggers), GFP_KERNEL);
		if (!triggers) {
			ret = -ENOMEM;
			goto free_fds;
		}
		ret = triggers_get(fds, hdr.count, triggers);
		if (ret)
			goto put_triggers;
	}

	if (hdr.index == VDK_VFIO_PCI_REQ_IRQ_INDEX) {
		ret = req_set(vdev, hdr.count, triggers ? triggers[0] : NULL);
		if (triggers)
			triggers[0] = NULL;
		goto put_triggers;
	}

	mutex_lock(&vdev->lock);
	if (!hdr.count ||
	    (hdr.index == VDK_VFIO_PCI_INTX_IRQ_INDEX && !triggers[0])) {
		/* disabling what is not enabled is a no-op */
		if (vdev->irq_index == hdr.index)
			vdk_vfio_pci_irqs_disable(vdev);
		ret = 0;
	} else if (vdev->irq_index != -1 && vdev->irq_index != hdr.index) {
		ret = -EBUSY;
	} else {
		vdk_vfio_pci_irqs_disable(vdev);
		if (hdr.index == VDK_VFIO_PCI_INTX_IRQ_INDEX)
			ret = intx_enable(vdev, triggers);
		else
			ret = msi_enable(vdev, hdr.index, hdr.count, triggers);
	}
	mutex_unlock(&vdev->lock);

put_triggers:
	if (triggers)
		triggers_put(triggers, hdr.count);
	kfree(triggers);
free_fds:
	kfree(fds);
	return ret;
}

long vdk_vfio_pci_ioctl_unmask(struct vdk_vfio_pci *vdev, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vdk_vfio_unmask_irq, subindex);
	struct vdk_vfio_unmask_irq unmask;
	int ret = 0;

	if (copy_from_user(&unmask, arg, minsz))
		return -EFAULT;
	if (unmask.argsz < minsz || unmask.flags ||
	    unmask.index != VDK_VFIO_PCI_INTX_IRQ_INDEX || unmask.subindex)
		return -EINVAL;
	mutex_lock(&vdev->lock);
	if (vdev->irq_index != VDK_VFIO_PCI_INTX_IRQ_INDEX)
		ret = -EINVAL;
	else
		intx_unmask(vdev);
	mutex_unlock(&vdev->lock);
	return ret;
}

long vdk_vfio_pci_ioctl_set_unmask_fd(struct vdk_vfio_pci *vdev,
				      void __user *arg)
{
	unsigned long minsz = offsetofend(struct vdk_vfio_irq_eventfds, count);
	struct vdk_vfio_irq_eventfds hdr;
	s32 fd = -1;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags ||
	    hdr.index != VDK_VFIO_PCI_INTX_IRQ_INDEX || hdr.count > 1 ||
	    (u64)hdr.argsz - minsz < (u64)hdr.count * sizeof(s32))
		return -EINVAL;
	if (hdr.count && get_user(fd, (s32 __user *)(arg + minsz)))
		return -EFAULT;
	if (fd < -1)
		return -EBADF;

	mutex_lock(&vdev->lock);
	if (vdev->irq_index != VDK_VFIO_PCI_INTX_IRQ_INDEX)
		ret = -EINVAL;
	else
		ret = unmask_fd_set(vdev, fd);
	mutex_unlock(&vdev->lock);
	return ret;
}
