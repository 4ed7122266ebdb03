/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk_vfio.ko device fds of the PCI bus driver (kernel/linux/vdk_vfio/
 * pci*.c): info, regions, the config-space filter, BAR mmap, a real DMA
 * (NVMe Identify into a mapped buffer), interrupts to eventfds (e1000e
 * MSI-X and INTx raised through its ICS register), reset. Runs in the vm
 * guest with the module loaded and both devices bound to vdk-vfio-pci.
 *
 * usage: test_vdk_vfio_pci NVME_BDF NIC_BDF
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>

#include "kmod_util.h"
#include "kmod_cfg.h"

#define PAGE		4096u

/* NVMe 1.4 section 3.1 controller registers */
#define NVME_CAP	0x00
#define NVME_VS		0x08
#define NVME_CC		0x14
#define NVME_CSTS	0x1c
#define NVME_AQA	0x24
#define NVME_ASQ	0x28
#define NVME_ACQ	0x30
#define NVME_SQ0TDBL	0x1000
#define NVME_CQ0HDBL	0x1004

/* 82574L datasheet section 10.2 registers */
#define E1000_ICR	0x000c0
#define E1000_ICS	0x000c8
#define E1000_IMS	0x000d0
#define E1000_IMC	0x000d8
#define E1000_IVAR	0x000e4
#define E1000_EITR(n)	(0x000e8 + 4 * (n))	/* 82574: vectors 0-4 */
#define E1000_ICR_LSC	(1u << 2)
#define E1000_ICR_OTHER	(1u << 24)
/* IVAR: "other" causes to MSI-X vector 0, entry valid */
#define E1000_IVAR_OTHER_TO_0	0x00080000u

static const char *nvme_bdf;
static const char *nic_bdf;

struct dev {
	int group;
	int iommu;
	int fd;
};

struct devs {
	struct dev nvme;
	struct dev nic;
};

static int dev_open(struct dev *d, const char *bdf)
{
	d->group = kmod_group_open(bdf);
	if (d->group < 0)
		return -1;
	d->iommu = (int)kmod_ioctl(d->group, VDK_VFIO_GROUP_GET_IOMMU_FD,
				   NULL);
	d->fd = (int)kmod_ioctl(d->group, VDK_VFIO_GROUP_GET_DEVICE_FD,
				(void *)bdf);
	return d->iommu < 0 || d->fd < 0 ? -1 : 0;
}

static void dev_close(struct dev *d)
{
	close(d->fd);
	close(d->iommu);
	close(d->group);
}

static int setup(void **state)
{
	struct devs *d = calloc(1, sizeof(*d));

	if (!d || dev_open(&d->nvme, nvme_bdf) || dev_open(&d->nic, nic_bdf))
		return -1;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct devs *d = *state;

	dev_close(&d->nvme);
	dev_close(&d->nic);
	free(d);
	return kmod_pinned_pages() == 0 ? 0 : -1;
}

static struct vdk_vfio_region_info region(int fd, uint32_t index)
{
	struct vdk_vfio_region_info info = { .argsz = sizeof(info),
					     .index = index };

	assert_int_equal(kmod_ioctl(fd, VDK_VFIO_DEVICE_GET_REGION_INFO,
				    &info), 0);
	return info;
}

static void enable_bus_master(int fd)
{
	uint16_t cmd = cfg_read(fd, PCI_COMMAND, 2);

	assert_int_equal(cfg_write(fd, PCI_COMMAND,
				   cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
				   2), 2);
}

/* The BAR from its start, up to the MSI-X table's pages if it has them. */
static volatile uint32_t *bar_map(int fd, uint32_t index, size_t *len)
{
	struct kmod_region r;
	void *p;

	assert_int_equal(kmod_region(fd, index, &r), 0);
	*len = kmod_region_map_len(&r);
	assert_true(*len > 0);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 r.info.offset);
	assert_true(p != MAP_FAILED);
	return p;
}

static uint32_t rd32(volatile uint32_t *bar, unsigned int off)
{
	return bar[off / 4];
}

static void wr32(volatile uint32_t *bar, unsigned int off, uint32_t v)
{
	bar[off / 4] = v;
}

static int wait_reg(volatile uint32_t *bar, unsigned int off, uint32_t mask,
		    uint32_t want, int ms)
{
	struct timespec t = { 0, 1000000 };

	while (ms-- > 0) {
		if ((rd32(bar, off) & mask) == want)
			return 0;
		nanosleep(&t, NULL);
	}
	return -ETIMEDOUT;
}

/* 1 if the eventfd fired within ms (and consumes it), else 0 */
static int fired(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t n;

	if (poll(&p, 1, ms) != 1)
		return 0;
	assert_int_equal(read(efd, &n, sizeof(n)), sizeof(n));
	return 1;
}

static long set_irqs(int fd, uint32_t index, uint32_t count,
		     const int32_t *fds)
{
	union kmod_irq_eventfds arg = { .hdr = {
		.argsz = KMOD_EVENTFDS_ARGSZ(count),
		.index = index, .count = count } };

	assert_true(count <= KMOD_EVENTFDS_MAX);
	if (count)
		memcpy(arg.hdr.eventfds, fds, count * sizeof(*fds));
	return kmod_ioctl(fd, VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS, &arg);
}

static long set_unmask_fd(int fd, int32_t efd)
{
	union kmod_irq_eventfds arg = { .hdr = {
		.argsz = KMOD_EVENTFDS_ARGSZ(1), .count = 1,
		.index = VDK_VFIO_PCI_INTX_IRQ_INDEX } };

	arg.hdr.eventfds[0] = efd;
	return kmod_ioctl(fd, VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD, &arg);
}

static long unmask(int fd, uint32_t index, uint32_t subindex)
{
	struct vdk_vfio_unmask_irq u = { .argsz = sizeof(u), .index = index,
					 .subindex = subindex };

	return kmod_ioctl(fd, VDK_VFIO_DEVICE_UNMASK_IRQ, &u);
}

static void test_device_info_reports_pci_regions_and_irqs(void **state)
{
	struct devs *d = *state;
	struct vdk_vfio_device_info info = { .argsz = sizeof(info) };

	assert_int_equal(kmod_ioctl(d->nvme.fd, VDK_VFIO_DEVICE_GET_INFO,
				    &info), 0);
	assert_true(info.flags & VDK_VFIO_DEVICE_FLAGS_PCI);
	assert_int_equal(info.num_regions, VDK_VFIO_PCI_NUM_REGIONS);
	assert_int_equal(info.num_irqs, VDK_VFIO_PCI_NUM_IRQS);
}

static void test_device_info_rejects_short_argsz_and_flags(void **state)
{
	struct devs *d = *state;
	struct vdk_vfio_device_info info = { .argsz = 12 };

	assert_int_equal(kmod_ioctl(d->nvme.fd, VDK_VFIO_DEVICE_GET_INFO,
				    &info), -EINVAL);
	info.argsz = sizeof(info);
	info.flags = VDK_VFIO_DEVICE_FLAGS_RESET;
	assert_int_equal(kmod_ioctl(d->nvme.fd, VDK_VFIO_DEVICE_GET_INFO,
				    &info), -EINVAL);
	assert_int_equal(kmod_ioctl(d->nvme.fd, VDK_VFIO_DEVICE_GET_INFO,
				    (void *)8), -EFAULT);
}

static void test_device_unknown_request_is_enotty(void **state)
{
	struct devs *d = *state;

	assert_int_equal(kmod_ioctl(d->nvme.fd, VDK_VFIO_IOMMU_MAP_DMA, NULL),
			 -ENOTTY);
	assert_int_equal(kmod_ioctl(d->nvme.fd, VFIO_DEVICE_GET_INFO, NULL),
			 -ENOTTY);
}

static void test_region_info_describes_nvme_regions(void **state)
{
	struct devs *d = *state;
	struct vdk_vfio_region_info bar0 = region(d->nvme.fd, 0);
	struct vdk_vfio_region_info cfg =
		region(d->nvme.fd, VDK_VFIO_PCI_CONFIG_REGION_INDEX);
	struct vdk_vfio_region_info rom =
		region(d->nvme.fd, VDK_VFIO_PCI_ROM_REGION_INDEX);

	assert_int_equal(bar0.size, 0x4000);
	/* the MSI-X table is in BAR0: its sparse areas need more room */
	assert_int_equal(bar0.flags, VDK_VFIO_REGION_INFO_FLAG_MMAP |
				     VDK_VFIO_REGION_INFO_FLAG_CAPS);
	assert_true(bar0.argsz > sizeof(bar0));
	assert_int_equal(bar0.cap_offset, 0);
	assert_int_equal(bar0.offset, 0);
	assert_int_equal(cfg.size, 4096);	/* PCIe: extended space */
	assert_int_equal(cfg.flags, 0);
	assert_int_equal(cfg.offset, CFG_OFF);
	assert_int_equal(rom.flags, VDK_VFIO_REGION_INFO_FLAG_RO);
}

static void test_region_info_rejects_bad_arguments(void **state)
{
	struct devs *d = *state;
	struct vdk_vfio_region_info info = {
		.argsz = sizeof(info), .index = VDK_VFIO_PCI_NUM_REGIONS };

	assert_int_equal(kmod_ioctl(d->nvme.fd,
				    VDK_VFIO_DEVICE_GET_REGION_INFO, &info),
			 -EINVAL);
	info.index = 0;
	info.cap_offset = 1;
	assert_int_equal(kmod_ioctl(d->nvme.fd,
				    VDK_VFIO_DEVICE_GET_REGION_INFO, &info),
			 -EINVAL);
	info.cap_offset = 0;
	info.flags = VDK_VFIO_REGION_INFO_FLAG_MMAP;
	assert_int_equal(kmod_ioctl(d->nvme.fd,
				    VDK_VFIO_DEVICE_GET_REGION_INFO, &info),
			 -EINVAL);
	info.flags = 0;
	info.argsz = offsetof(struct vdk_vfio_region_info, offset);
	assert_int_equal(kmod_ioctl(d->nvme.fd,
				    VDK_VFIO_DEVICE_GET_REGION_INFO, &info),
			 -EINVAL);
}

static void test_config_reads_match_sysfs(void **state)
{
	struct devs *d = *state;
	uint8_t ours[256], sysfs[256];
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
		 nvme_bdf);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, sysfs, 64, 0), 64);
	close(fd);
	/* an odd start and length exercise the byte and word paths */
	assert_int_equal(pread(d->nvme.fd, ours, 63, CFG_OFF + 1), 63);
	assert_memory_equal(ours, sysfs + 1, 63);
	assert_int_equal(cfg_read(d->nvme.fd, PCI_VENDOR_ID, 2), 0x1b36);
	assert_int_equal(cfg_read(d->nvme.fd, PCI_DEVICE_ID, 2), 0x0010);
}

static void test_config_access_past_the_end(void **state)
{
	struct devs *d = *state;
	uint8_t buf[8];

	assert_int_equal(pread(d->nvme.fd, buf, 8, CFG_OFF + 4092), 4);
	assert_int_equal(pread(d->nvme.fd, buf, 4, CFG_OFF + 4096), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_config_write_to_bar_is_eperm(void **state)
{
	struct devs *d = *state;
	uint32_t bar0 = cfg_read(d->nvme.fd, PCI_BASE_ADDRESS_0, 4);

	assert_int_equal(cfg_write(d->nvme.fd, PCI_BASE_ADDRESS_0, ~0u, 4),
			 -EPERM);
	assert_int_equal(cfg_write(d->nvme.fd, PCI_BASE_ADDRESS_0 + 1, 0, 1),
			 -EPERM);
	assert_int_equal(cfg_write(d->nvme.fd, PCI_ROM_ADDRESS, ~0u, 4),
			 -EPERM);
	assert_int_equal(cfg_read(d->nvme.fd, PCI_BASE_ADDRESS_0, 4), bar0);
}

static void test_config_write_to_msix_is_eperm(void **state)
{
	struct devs *d = *state;
	unsigned int msix = find_cap(d->nvme.fd, PCI_CAP_ID_MSIX);
	unsigned int msi = find_cap(d->nic.fd, PCI_CAP_ID_MSI);
	uint16_t ctrl;

	assert_true(msix && msi);
	ctrl = cfg_read(d->nvme.fd, msix + PCI_MSIX_FLAGS, 2);
	assert_int_equal(cfg_write(d->nvme.fd, msix + PCI_MSIX_FLAGS,
				   ctrl | PCI_MSIX_FLAGS_ENABLE, 2), -EPERM);
	assert_int_equal(cfg_read(d->nvme.fd, msix + PCI_MSIX_FLAGS, 2), ctrl);
	assert_int_equal(cfg_write(d->nic.fd, msi + PCI_MSI_FLAGS,
				   PCI_MSI_FLAGS_ENABLE, 2), -EPERM);
	assert_int_equal(cfg_write(d->nic.fd, msi + PCI_MSI_ADDRESS_LO,
				   0xfee00000, 4), -EPERM);
}

static void test_config_write_command_keeps_intx_mask(void **state)
{
	struct devs *d = *state;
	uint16_t before = cfg_read(d->nvme.fd, PCI_COMMAND, 2);
	uint16_t after;

	/* bus master goes through; the INTx mask bit is the kernel's */
	assert_int_equal(cfg_write(d->nvme.fd, PCI_COMMAND,
				   (before | PCI_COMMAND_MASTER) ^
				   PCI_COMMAND_INTX_DISABLE, 2), 2);
	after = cfg_read(d->nvme.fd, PCI_COMMAND, 2);
	assert_true(after & PCI_COMMAND_MASTER);
	assert_int_equal(after & PCI_COMMAND_INTX_DISABLE,
			 before & PCI_COMMAND_INTX_DISABLE);
}

static void test_bar_mmap_reads_nvme_version(void **state)
{
	struct devs *d = *state;
	size_t len;
	volatile uint32_t *bar = bar_map(d->nvme.fd, 0, &len);
	uint64_t cap = 0;

	assert_int_equal(rd32(bar, NVME_VS), 0x00010400);	/* 1.4.0 */
	assert_int_equal(pread(d->nvme.fd, &cap, 8, NVME_CAP), 8);
	assert_int_equal(cap & 0xffffffff, rd32(bar, NVME_CAP));
	assert_int_equal(cap >> 32, rd32(bar, NVME_CAP + 4));
	assert_int_equal((cap & 0xffff) + 1, 2048);	/* CAP.MQES */
	munmap((void *)bar, len);
}

static void test_bar_mmap_rejects_bad_mappings(void **state)
{
	struct devs *d = *state;
	int fd = d->nvme.fd;

	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0) ==
		    MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(mmap(NULL, 0x8000, PROT_READ, MAP_SHARED, fd, 0) ==
		    MAP_FAILED);
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0x4000) ==
		    MAP_FAILED);
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, CFG_OFF) ==
		    MAP_FAILED);
	assert_int_equal(errno, EINVAL);
}

static void test_region_access_out_of_range(void **state)
{
	struct devs *d = *state;
	uint32_t v = 0;

	assert_int_equal(pread(d->nvme.fd, &v, 4, 0x4000), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(pwrite(d->nvme.fd, &v, 4,
				(uint64_t)VDK_VFIO_PCI_ROM_REGION_INDEX << 40),
			 -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(pread(d->nvme.fd, &v, 4,
			       (uint64_t)VDK_VFIO_PCI_NUM_REGIONS << 40), -1);
	assert_int_equal(errno, EINVAL);
}

/*
 * NVMe 1.4 section 7.6.1: disable, point the admin queues at @iova (SQ,
 * then CQ one page on), enable. The device must be bus master.
 */
static void nvme_enable(volatile uint32_t *bar, uint64_t iova)
{
	wr32(bar, NVME_CC, 0);
	assert_int_equal(wait_reg(bar, NVME_CSTS, 1, 0, 2000), 0);
	wr32(bar, NVME_AQA, (15 << 16) | 15);
	wr32(bar, NVME_ASQ, (uint32_t)iova);
	wr32(bar, NVME_ASQ + 4, (uint32_t)(iova >> 32));
	wr32(bar, NVME_ACQ, (uint32_t)(iova + PAGE));
	wr32(bar, NVME_ACQ + 4, (uint32_t)((iova + PAGE) >> 32));
	/* IOCQES 16 bytes, IOSQES 64 bytes, MPS 4 KiB, enable */
	wr32(bar, NVME_CC, (4 << 20) | (6 << 16) | 1);
	assert_int_equal(wait_reg(bar, NVME_CSTS, 1, 1, 2000), 0);
}

/* Queue memory for nvme_enable(), mapped at IOVA = VA. */
static uint8_t *nvme_queues(int iommu)
{
	uint8_t *mem = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(mem != MAP_FAILED);
	memset(mem, 0, 3 * PAGE);
	assert_int_equal(kmod_map(iommu, (uintptr_t)mem, (uintptr_t)mem,
				  3 * PAGE, KMOD_MAP_RW), 0);
	return mem;
}

/*
 * Identify Controller (section 5.15.2) through device fd @fd, into the
 * third page of queue memory mapped through @iommu: the device's DMA
 * must reach what the set maps. Returns the data page's serial number.
 */
static void nvme_identify(int fd, int iommu, char serial[21])
{
	size_t len;
	volatile uint32_t *bar = bar_map(fd, 0, &len);
	uint8_t *mem = nvme_queues(iommu);
	uint8_t *sq = mem, *data = mem + 2 * PAGE;
	volatile uint32_t *cqe = (volatile uint32_t *)(mem + PAGE);
	uint64_t iova = (uintptr_t)mem;
	uint32_t sqe[16] = { 0 };

	enable_bus_master(fd);
	nvme_enable(bar, iova);
	sqe[0] = 0x06 | (1 << 16);		/* Identify, CID 1 */
	sqe[6] = (uint32_t)(iova + 2 * PAGE);	/* PRP1 */
	sqe[7] = (uint32_t)((iova + 2 * PAGE) >> 32);
	sqe[10] = 1;				/* CNS: controller */
	memcpy(sq, sqe, sizeof(sqe));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr32(bar, NVME_SQ0TDBL, 1);
	for (int i = 0; i < 2000 && !(cqe[3] & (1u << 16)); i++)
		usleep(1000);
	/* CFS: the controller could not read its queue (an IOMMU fault) */
	assert_int_equal(rd32(bar, NVME_CSTS) & 2, 0);
	assert_true(cqe[3] & (1u << 16));		/* phase: posted */
	assert_int_equal(cqe[3] & 0xffff, 1);		/* CID */
	assert_int_equal((cqe[3] >> 17) & 0x7fff, 0);	/* status */
	wr32(bar, NVME_CQ0HDBL, 1);
	/* the device wrote into our pinned, mapped page */
	assert_memory_equal(data + 24, "QEMU NVMe Ctrl", 14);	/* MN */
	memcpy(serial, data + 4, 20);
	serial[20] = '\0';

	wr32(bar, NVME_CC, 0);
	assert_int_equal(wait_reg(bar, NVME_CSTS, 1, 0, 2000), 0);
	assert_int_equal(kmod_unmap(iommu, iova, 3 * PAGE), 0);
	munmap(mem, 3 * PAGE);
	munmap((void *)bar, len);
}

static void test_nvme_identify_lands_in_mapped_buffer(void **state)
{
	struct devs *d = *state;
	char serial[21];

	nvme_identify(d->nvme.fd, d->nvme.iommu, serial);
	assert_memory_equal(serial, "vdk-nvme0", 9);
}

/*
 * A group merged into a set in use is attached to the set's domain: the
 * third NVMe (VDK_VM_NVME1), merged into the first's set, reaches what
 * the set maps by DMA.
 */
static void test_nvme_identify_through_a_merged_group(void **state)
{
	const char *third = getenv("VDK_VM_NVME1");
	struct devs *d = *state;
	char path[128], serial[21];
	int group, fd;

	assert_non_null(third);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 third);
	assert_int_equal(kmod_sysfs_write(path, "vdk-vfio-pci"), 0);
	assert_int_equal(kmod_sysfs_write("/sys/bus/pci/drivers_probe", third),
			 0);
	group = kmod_group_open(third);
	assert_true(group >= 0);
	assert_int_equal(kmod_ioctl(d->nvme.group, VDK_VFIO_GROUP_MERGE,
				    &group), 0);
	fd = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_DEVICE_FD,
			     (void *)third);
	assert_true(fd >= 0);

	nvme_identify(fd, d->nvme.iommu, serial);
	assert_memory_not_equal(serial, "vdk-nvme0", 9);

	close(fd);
	close(group);	/* idle and closed: it leaves the set */
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/vdk-vfio-pci/unbind");
	assert_int_equal(kmod_sysfs_write(path, third), 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 third);
	assert_int_equal(kmod_sysfs_write(path, "none"), 0);
}

static void test_irq_info_counts_e1000e_vectors(void **state)
{
	struct devs *d = *state;
	struct vdk_vfio_irq_info info = { .argsz = sizeof(info) };

	assert_int_equal(kmod_ioctl(d->nic.fd, VDK_VFIO_DEVICE_GET_IRQ_INFO,
				    &info), 0);
	assert_int_equal(info.count, 1);
	assert_int_equal(info.flags, VDK_VFIO_IRQ_INFO_FLAG_LEVEL);
	info = (struct vdk_vfio_irq_info){ .argsz = sizeof(info),
		.index = VDK_VFIO_PCI_MSI_IRQ_INDEX };
	assert_int_equal(kmod_ioctl(d->nic.fd, VDK_VFIO_DEVICE_GET_IRQ_INFO,
				    &info), 0);
	assert_int_equal(info.count, 1);
	info = (struct vdk_vfio_irq_info){ .argsz = sizeof(info),
		.index = VDK_VFIO_PCI_MSIX_IRQ_INDEX };
	assert_int_equal(kmod_ioctl(d->nic.fd, VDK_VFIO_DEVICE_GET_IRQ_INFO,
				    &info), 0);
	assert_int_equal(info.count, 5);
	assert_int_equal(info.flags, 0);
}

static void test_irq_info_rejects_bad_arguments(void **state)
{
	struct devs *d = *state;
	struct vdk_vfio_irq_info info = {
		.argsz = sizeof(info), .index = VDK_VFIO_PCI_NUM_IRQS };

	assert_int_equal(kmod_ioctl(d->nic.fd, VDK_VFIO_DEVICE_GET_IRQ_INFO,
				    &info), -EINVAL);
	info.index = 0;
	info.flags = 1;
	assert_int_equal(kmod_ioctl(d->nic.fd, VDK_VFIO_DEVICE_GET_IRQ_INFO,
				    &info), -EINVAL);
	info.flags = 0;
	info.argsz = 8;
	assert_int_equal(kmod_ioctl(d->nic.fd, VDK_VFIO_DEVICE_GET_IRQ_INFO,
				    &info), -EINVAL);
}

static void test_set_irqs_rejects_bad_arguments(void **state)
{
	struct devs *d = *state;
	int efd = eventfd(0, EFD_CLOEXEC);
	int null = open("/dev/null", O_RDWR);
	int32_t fds[8] = { efd, efd, efd, efd, efd, efd };
	struct vdk_vfio_irq_eventfds hdr = {
		.argsz = sizeof(hdr), .index = VDK_VFIO_PCI_MSIX_IRQ_INDEX,
		.count = 1 };

	assert_true(efd >= 0 && null >= 0);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 6,
				  fds), -EINVAL);	/* 5 vectors */
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_NUM_IRQS, 1, fds),
			 -EINVAL);
	hdr.flags = 1;
	assert_int_equal(kmod_ioctl(d->nic.fd,
				    VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS, &hdr),
			 -EINVAL);
	hdr.flags = 0;
	assert_int_equal(kmod_ioctl(d->nic.fd,
				    VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS, NULL),
			 -EFAULT);
	/* argsz does not cover the eventfd that count announces */
	assert_int_equal(kmod_ioctl(d->nic.fd,
				    VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS, &hdr),
			 -EINVAL);
	hdr.argsz = 8;
	hdr.count = 0;
	assert_int_equal(kmod_ioctl(d->nic.fd,
				    VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS, &hdr),
			 -EINVAL);
	fds[0] = -5;
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 1,
				  fds), -EBADF);
	fds[0] = 999;
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 1,
				  fds), -EBADF);
	fds[0] = null;
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 1,
				  fds), -EINVAL);
	/* a bad eventfd after a good one: nothing was enabled */
	fds[0] = efd;
	fds[1] = null;
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 2,
				  fds), -EINVAL);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSI_IRQ_INDEX, 1,
				  fds), 0);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSI_IRQ_INDEX, 0,
				  NULL), 0);
	close(null);
	close(efd);
}

static void test_set_irqs_one_index_at_a_time(void **state)
{
	struct devs *d = *state;
	int efd = eventfd(0, EFD_CLOEXEC);
	int32_t fds[5] = { efd, -1, efd, -1, efd };

	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 5,
				  fds), 0);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSI_IRQ_INDEX, 1,
				  fds), -EBUSY);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 1,
				  fds), -EBUSY);
	/* again on the same index: re-enabled with the new set */
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 2,
				  fds), 0);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 0,
				  NULL), 0);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSI_IRQ_INDEX, 1,
				  fds), 0);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSI_IRQ_INDEX, 0,
				  NULL), 0);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 1,
				  fds), 0);
	fds[0] = -1;	/* -1 for INTx disables it */
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 1,
				  fds), 0);
	assert_int_equal(unmask(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 0),
			 -EINVAL);
	close(efd);
}

/* Raise "link status change" through ICS: an interrupt on demand. */
static void e1000e_raise_lsc(volatile uint32_t *bar)
{
	wr32(bar, E1000_ICS, E1000_ICR_LSC);
}

/*
 * QEMU 7.2's e1000e arms a throttling timer with every interrupt it
 * sends, of at least 128 us even with ITR/EITR written 0 (it raises any
 * interval to 500 x 256 ns), and aborts (an assertion) if that timer
 * fires after the interrupt mode changed: MSI-X turned off under an
 * MSI-X timer, or on under the legacy one. Let it expire before each
 * change of mode. The timer runs on QEMU's main loop thread, which a
 * loaded host can keep off a CPU for a while: 20 ms, not 128 us.
 */
static void e1000e_let_throttle_expire(void)
{
	usleep(20000);
}

static void test_e1000e_msix_interrupt_reaches_eventfd(void **state)
{
	struct devs *d = *state;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int32_t fds[1] = { efd };
	size_t len;
	volatile uint32_t *bar = bar_map(d->nic.fd, 0, &len);

	enable_bus_master(d->nic.fd);	/* an MSI is a DMA write */
	wr32(bar, E1000_IMC, ~0u);
	wr32(bar, E1000_ICR, ~0u);
	/* the shortest throttle interval QEMU allows (e1000e_let_throttle_expire) */
	for (unsigned int v = 0; v < 5; v++)
		wr32(bar, E1000_EITR(v), 0);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 1,
				  fds), 0);
	wr32(bar, E1000_IVAR, E1000_IVAR_OTHER_TO_0);
	wr32(bar, E1000_IMS, E1000_ICR_OTHER | E1000_ICR_LSC);
	assert_false(fired(efd, 50));
	e1000e_raise_lsc(bar);
	assert_true(fired(efd, 2000));
	/* In MSI-X mode ICR clears by writing 1s; then it fires again. */
	wr32(bar, E1000_ICR, ~0u);
	e1000e_raise_lsc(bar);
	assert_true(fired(efd, 2000));
	wr32(bar, E1000_ICR, ~0u);

	e1000e_let_throttle_expire();
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 0,
				  NULL), 0);
	e1000e_raise_lsc(bar);
	assert_false(fired(efd, 100));
	wr32(bar, E1000_IMC, ~0u);
	e1000e_let_throttle_expire();
	munmap((void *)bar, len);
	close(efd);
}

static void test_e1000e_intx_stays_masked_until_unmasked(void **state)
{
	struct devs *d = *state;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int32_t fds[1] = { efd };
	size_t len;
	volatile uint32_t *bar = bar_map(d->nic.fd, 0, &len);

	wr32(bar, E1000_IMC, ~0u);
	(void)rd32(bar, E1000_ICR);	/* legacy mode: reading clears */
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 1,
				  fds), 0);
	wr32(bar, E1000_IMS, E1000_ICR_LSC);
	e1000e_raise_lsc(bar);
	assert_true(fired(efd, 2000));
	/* masked: a second cause raises nothing */
	e1000e_raise_lsc(bar);
	assert_false(fired(efd, 100));
	/* unmasked while the line is still up: signalled again */
	assert_int_equal(unmask(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_true(fired(efd, 2000));
	/* served (ICR read), unmasked: quiet until the next cause */
	(void)rd32(bar, E1000_ICR);
	assert_int_equal(unmask(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_false(fired(efd, 100));
	e1000e_raise_lsc(bar);
	assert_true(fired(efd, 2000));
	(void)rd32(bar, E1000_ICR);

	wr32(bar, E1000_IMC, ~0u);
	e1000e_let_throttle_expire();
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 0,
				  NULL), 0);
	munmap((void *)bar, len);
	close(efd);
}

static void test_e1000e_intx_unmask_eventfd_unmasks(void **state)
{
	struct devs *d = *state;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int ufd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int32_t fds[1] = { efd };
	uint64_t one = 1;
	size_t len;
	volatile uint32_t *bar = bar_map(d->nic.fd, 0, &len);

	wr32(bar, E1000_IMC, ~0u);
	(void)rd32(bar, E1000_ICR);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 1,
				  fds), 0);
	assert_int_equal(set_unmask_fd(d->nic.fd, ufd), 0);
	wr32(bar, E1000_IMS, E1000_ICR_LSC);
	for (int i = 0; i < 3; i++) {
		/* fires only if the previous write to ufd unmasked */
		e1000e_raise_lsc(bar);
		assert_true(fired(efd, 2000));
		(void)rd32(bar, E1000_ICR);
		assert_int_equal(write(ufd, &one, sizeof(one)), sizeof(one));
	}
	e1000e_raise_lsc(bar);
	assert_true(fired(efd, 2000));
	(void)rd32(bar, E1000_ICR);
	/* removed: signalling it no longer unmasks */
	assert_int_equal(set_unmask_fd(d->nic.fd, -1), 0);
	assert_int_equal(write(ufd, &one, sizeof(one)), sizeof(one));
	e1000e_raise_lsc(bar);
	assert_false(fired(efd, 200));

	wr32(bar, E1000_IMC, ~0u);
	e1000e_let_throttle_expire();
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 0,
				  NULL), 0);
	munmap((void *)bar, len);
	close(ufd);
	close(efd);
}

static void test_unmask_rejects_bad_arguments(void **state)
{
	struct devs *d = *state;
	struct vdk_vfio_unmask_irq u = { .argsz = 8 };
	int efd = eventfd(0, EFD_CLOEXEC);
	int null = open("/dev/null", O_RDWR);
	int32_t fds[1] = { efd };

	assert_int_equal(unmask(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 0),
			 -EINVAL);	/* INTx not enabled */
	assert_int_equal(set_unmask_fd(d->nic.fd, efd), -EINVAL);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 1,
				  fds), 0);
	assert_int_equal(unmask(d->nic.fd, VDK_VFIO_PCI_MSIX_IRQ_INDEX, 0),
			 -EINVAL);
	assert_int_equal(unmask(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 1),
			 -EINVAL);
	assert_int_equal(kmod_ioctl(d->nic.fd, VDK_VFIO_DEVICE_UNMASK_IRQ, &u),
			 -EINVAL);
	assert_int_equal(set_unmask_fd(d->nic.fd, 999), -EBADF);
	assert_int_equal(set_unmask_fd(d->nic.fd, null), -EINVAL);
	{
		union kmod_irq_eventfds arg = { .hdr = {
			.argsz = KMOD_EVENTFDS_ARGSZ(0), .count = 1 } };

		arg.hdr.eventfds[0] = efd;
		arg.hdr.eventfds[1] = efd;

		/* argsz short of the eventfd that count announces */
		assert_int_equal(kmod_ioctl(d->nic.fd,
				VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD, &arg),
				 -EINVAL);
		arg.hdr.argsz = KMOD_EVENTFDS_ARGSZ(2);
		arg.hdr.count = 2;
		assert_int_equal(kmod_ioctl(d->nic.fd,
				VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD, &arg),
				 -EINVAL);
		arg.hdr.count = 1;
		arg.hdr.flags = 1;
		assert_int_equal(kmod_ioctl(d->nic.fd,
				VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD, &arg),
				 -EINVAL);
		arg.hdr.flags = 0;
		arg.hdr.index = VDK_VFIO_PCI_MSI_IRQ_INDEX;
		assert_int_equal(kmod_ioctl(d->nic.fd,
				VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD, &arg),
				 -EINVAL);
	}
	assert_int_equal(unmask(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_int_equal(set_irqs(d->nic.fd, VDK_VFIO_PCI_INTX_IRQ_INDEX, 0,
				  NULL), 0);
	close(null);
	close(efd);
}

/* A function reset is also a controller reset: CC.EN and CSTS.RDY drop. */
static void test_reset_disables_the_nvme_controller(void **state)
{
	struct devs *d = *state;
	struct vdk_vfio_device_info info = { .argsz = sizeof(info) };
	size_t len;
	volatile uint32_t *bar = bar_map(d->nvme.fd, 0, &len);
	uint8_t *mem = nvme_queues(d->nvme.iommu);

	assert_int_equal(kmod_ioctl(d->nvme.fd, VDK_VFIO_DEVICE_GET_INFO,
				    &info), 0);
	assert_true(info.flags & VDK_VFIO_DEVICE_FLAGS_RESET);
	enable_bus_master(d->nvme.fd);
	nvme_enable(bar, (uintptr_t)mem);
	assert_int_equal(kmod_ioctl(d->nvme.fd, VDK_VFIO_DEVICE_RESET, NULL),
			 0);
	assert_int_equal(rd32(bar, NVME_CC) & 1, 0);
	assert_int_equal(rd32(bar, NVME_CSTS) & 1, 0);
	assert_int_equal(kmod_unmap(d->nvme.iommu, (uintptr_t)mem, 3 * PAGE),
			 0);
	munmap(mem, 3 * PAGE);
	munmap((void *)bar, len);
}

/* Whatever userspace left running, the next open finds it stopped. */
static void test_release_resets_the_device(void **state)
{
	struct devs *d = *state;
	size_t len;
	volatile uint32_t *bar = bar_map(d->nvme.fd, 0, &len);
	uint8_t *mem = nvme_queues(d->nvme.iommu);

	enable_bus_master(d->nvme.fd);
	nvme_enable(bar, (uintptr_t)mem);
	munmap((void *)bar, len);
	close(d->nvme.fd);
	d->nvme.fd = (int)kmod_ioctl(d->nvme.group,
				     VDK_VFIO_GROUP_GET_DEVICE_FD,
				     (void *)nvme_bdf);
	assert_true(d->nvme.fd >= 0);
	bar = bar_map(d->nvme.fd, 0, &len);
	assert_int_equal(rd32(bar, NVME_CC) & 1, 0);
	assert_int_equal(rd32(bar, NVME_CSTS) & 1, 0);
	assert_false(cfg_read(d->nvme.fd, PCI_COMMAND, 2) & PCI_COMMAND_MASTER);
	munmap((void *)bar, len);
	/* the mapping outlived the device fd: the IOMMU fd holds the set */
	assert_int_equal(kmod_unmap(d->nvme.iommu, (uintptr_t)mem, 3 * PAGE),
			 0);
	munmap(mem, 3 * PAGE);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_device_info_reports_pci_regions_and_irqs),
		T(test_device_info_rejects_short_argsz_and_flags),
		T(test_device_unknown_request_is_enotty),
		T(test_region_info_describes_nvme_regions),
		T(test_region_info_rejects_bad_arguments),
		T(test_config_reads_match_sysfs),
		T(test_config_access_past_the_end),
		T(test_config_write_to_bar_is_eperm),
		T(test_config_write_to_msix_is_eperm),
		T(test_config_write_command_keeps_intx_mask),
		T(test_bar_mmap_reads_nvme_version),
		T(test_bar_mmap_rejects_bad_mappings),
		T(test_region_access_out_of_range),
		T(test_nvme_identify_lands_in_mapped_buffer),
		T(test_nvme_identify_through_a_merged_group),
		T(test_irq_info_counts_e1000e_vectors),
		T(test_irq_info_rejects_bad_arguments),
		T(test_set_irqs_rejects_bad_arguments),
		T(test_set_irqs_one_index_at_a_time),
		T(test_e1000e_msix_interrupt_reaches_eventfd),
		T(test_e1000e_intx_stays_masked_until_unmasked),
		T(test_e1000e_intx_unmask_eventfd_unmasks),
		T(test_unmask_rejects_bad_arguments),
		T(test_reset_disables_the_nvme_controller),
		T(test_release_resets_the_device),
#undef T
	};

	if (kmod_args(argc, argv, &nvme_bdf, &nic_bdf))
		return 2;
	return cmocka_run_group_tests_name("vdk_vfio pci", tests, NULL, NULL);
}
