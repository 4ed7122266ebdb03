// SPDX-License-Identifier: GPL-2.0
/*
 * Config space through the device fd: reads are passed through; writes go
 * through a per-byte mask of the bits userspace may change, built once at
 * bind from an allow list (pci_wmask.c). Everything else belongs to the
 * host: BARs and the ROM BAR (where the device decodes, which the host's
 * address map depends on), MSI and MSI-X (programmed by the kernel for the
 * eventfds), the INTx mask bit (the kernel masks INTx from its interrupt
 * handler), PCIe link and payload settings shared with the upstream port,
 * power management and everything in extended config space.
 *
 * A write that touches no writable bit fails with -EPERM, so a driver
 * learns at once that it tried something the host keeps; a write mixing
 * writable and protected bits changes only the writable ones, as a
 * register with read-only fields does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/unaligned.h>

#include "pci_private.h"
#include "pci_wmask.h"

int vdk_vfio_pci_config_init(struct vdk_vfio_pci *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	unsigned int len = min_t(unsigned int, pdev->cfg_size,
				 PCI_CFG_SPACE_SIZE);
	unsigned int off;
	u8 *cfg;

	cfg = kzalloc(PCI_CFG_SPACE_SIZE, GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	vdev->cfg_wmask = kzalloc(pdev->cfg_size, GFP_KERNEL);
	if (!vdev->cfg_wmask) {
		kfree(cfg);
		return -ENOMEM;
	}
	for (off = 0; off < len; off++)
		pci_read_config_byte(pdev, off, &cfg[off]);
	vdk_vfio_pci_wmask_build(cfg, pdev->cfg_size, vdev->cfg_wmask);
	kfree(cfg);
	return 0;
}

static int cfg_read(struct pci_dev *pdev, unsigned int off, unsigned int n,
		    u8 *bytes)
{
	int ret;

	if (n == 4) {
		u32 v;

		ret = pci_user_read_config_dword(pdev, off, &v);
		put_unaligned_le32(v, bytes);
	} else if (n == 2) {
		u16 v;

		ret = pci_user_read_config_word(pdev, off, &v);
		put_unaligned_le16(v, bytes);
	} else {
		ret = pci_user_read_config_byte(pdev, off, bytes);
	}
	return ret;
}

static int cfg_write(struct pci_dev *pdev, unsigned int off, unsigned int n,
		     const u8 *bytes)
{
	if (n == 4)
		return pci_user_write_config_dword(pdev, off,
						   get_unaligned_le32(bytes));
	if (n == 2)
		return pci_user_write_config_word(pdev, off,
						  get_unaligned_le16(bytes));
	return pci_user_write_config_byte(pdev, off, bytes[0]);
}

/*
 * The COMMAND byte that holds INTX_DISABLE: read-modify-write under the
 * lock the INTx handler masks with, or a stale copy could unmask an
 * interrupt the handler just masked.
 */
static int cfg_write_intx_byte(struct vdk_vfio_pci *vdev, unsigned int off,
			       u8 val, u8 mask)
{
	unsigned long flags;
	u8 old;
	int ret;

	spin_lock_irqsave(&vdev->intx_lock, flags);
	ret = pci_read_config_byte(vdev->pdev, off, &old);
	if (!ret)
		ret = pci_write_config_byte(vdev->pdev, off,
					    (old & ~mask) | (val & mask));
	spin_unlock_irqrestore(&vdev->intx_lock, flags);
	return ret ? -EIO : 0;
}

static int cfg_write_filtered(struct vdk_vfio_pci *vdev, unsigned int off,
			      unsigned int n, const u8 *bytes)
{
	const u8 *mask = vdev->cfg_wmask + off;
	bool any = false, all = true;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		any |= mask[i] != 0;
		all &= mask[i] == 0xff;
	}
	if (!any)
		return -EPERM;
	if (all)
		return cfg_write(vdev->pdev, off, n, bytes);

	/*
	 * Byte by byte, writing only bytes with a writable bit: a wider
	 * read-modify-write would write back 1s into write-1-to-clear bits
	 * of the bytes around them.
	 */
	for (i = 0; i < n; i++) {
		u8 old;

		if (!mask[i])
			continue;
		if (off + i == PCI_COMMAND + 1) {
			ret = cfg_write_intx_byte(vdev, off + i, bytes[i],
						  mask[i]);
		} else if (mask[i] == 0xff) {
			ret = cfg_write(vdev->pdev, off + i, 1, bytes + i);
		} else {
			u8 val;

			ret = cfg_read(vdev->pdev, off + i, 1, &old);
			val = (old & ~mask[i]) | (bytes[i] & mask[i]);
			if (!ret)
				ret = cfg_write(vdev->pdev, off + i, 1, &val);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A write that reaches the low byte of COMMAND may turn memory decode off:
 * the BAR mappings are zapped first and stay unpopulated while it runs, so
 * no access slips through between the check and the change.
 */
static int cfg_write_one(struct vdk_vfio_pci *vdev, unsigned int off,
			 unsigned int n, const u8 *bytes)
{
	int ret;

	if (off > PCI_COMMAND || off + n <= PCI_COMMAND)
		return cfg_write_filtered(vdev, off, n, bytes);
	vdk_vfio_pci_zap_and_lock_memory(vdev);
	ret = cfg_write_filtered(vdev, off, n, bytes);
	up_write(&vdev->memory_lock);
	return ret;
}

/* User memory is copied with no lock held: a stalled fault stalls no one. */
ssize_t vdk_vfio_pci_config_rw(struct vdk_vfio_pci *vdev, char __user *buf,
			       size_t count, loff_t pos, bool write)
{
	struct pci_dev *pdev = vdev->pdev;
	u8 *data = NULL;
	size_t done = 0;
	int ret = 0;

	if (pos >= pdev->cfg_size)
		return -EINVAL;
	count = min_t(size_t, count, pdev->cfg_size - pos);
	if (write) {
		data = memdup_user(buf, count);
		if (IS_ERR(data))
			return PTR_ERR(data);
		mutex_lock(&vdev->lock);
	}
	while (done < count) {
		unsigned int off = pos + done;
		unsigned int n = 4;
		u8 bytes[4];

		if (!IS_ALIGNED(off, 4) || count - done < 4)
			n = (IS_ALIGNED(off, 2) && count - done >= 2) ? 2 : 1;
		if (write) {
			ret = cfg_write_one(vdev, off, n, data + done);
		} else {
			ret = cfg_read(pdev, off, n, bytes);
			if (!ret && copy_to_user(buf + done, bytes, n))
				ret = -EFAULT;
		}
		if (ret)
			break;
		done += n;
	}
	if (write) {
		mutex_unlock(&vdev->lock);
		kfree(data);
	}
	return done ? done : ret;
}
