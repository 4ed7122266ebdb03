/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vdk_vfio backend (lib/eal/eal_vfio_vdk.c) over a small model of the
 * module's user API: the backend's source is included here with its
 * ioctl() calls sent to fm_ioctl(), which answers as doc/vdk_vfio.md says
 * the module does. Group nodes are files in a temporary folder; the IOMMU
 * and device fds are memfds, told apart by their names. What the real
 * module does with these calls runs in the vm tier (test/vm/vdkbackend/).
 */
/*
 * Before any header: the copy included below gets a name of its own, so it
 * does not clash with libvdk's (ASan's ODR check would stop the test).
 */
#define eal_vfio_vdk test_vdk_backend

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "test_common.h"
#include "test_pci_fake.h"
#include "vdk_log.h"

static int fm_ioctl(int fd, unsigned long req, ...);
#define ioctl fm_ioctl
#include "../../lib/eal/eal_vfio_vdk.c"
#undef ioctl

static const struct eal_vfio_backend *vb = &eal_vfio_vdk;

/* ---- the module model ---- */

#define FM_GROUPS 16
#define FM_LOG 1024

static struct {
	char dev_dir[PATH_MAX];
	bool viable[FM_GROUPS];
	int set_of[FM_GROUPS];		/* the group whose set it is in */
	bool in_use;			/* the IOMMU fd is open */
	/* Errors to answer, 0 for none. */
	int info_err, get_iommu_err, merge_err, unmerge_err, iommu_info_err, map_err;
	int get_device_err, device_info_err, irq_err, reset_err;
	uint32_t device_flags;
	struct vdk_vfio_dma_map last_map;
	unsigned int nb_maps;
	uint32_t irq_index, irq_count, irq_argsz;
	int32_t irq_efds[8];
	unsigned int unmasks, resets;
	char log[FM_LOG];
} fm;

static void __attribute__((format(printf, 1, 2)))
fm_record(const char *fmt, ...)
{
	size_t off = strlen(fm.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fm.log + off, sizeof(fm.log) - off, fmt, ap);
	va_end(ap);
}

/*
 * BAR3 holds an MSI-X table in its third page: the module's sparse-mmap
 * capability lists the pages around it. BAR4 says its capabilities need
 * more room than any caller gives.
 */
static void
fm_sparse_bar(struct vdk_vfio_region_info *ri)
{
	struct vdk_vfio_region_info_cap_sparse_mmap cap = {
		.header = { .id = VDK_VFIO_REGION_INFO_CAP_SPARSE_MMAP, .version = 1 },
		.nr_areas = 2,
	};
	struct vdk_vfio_region_sparse_mmap_area areas[2] = {
		{ .offset = 0, .size = 0x2000 }, { .offset = 0x3000, .size = 0x1000 },
	};
	uint32_t need = sizeof(*ri) + sizeof(cap) + sizeof(areas);

	ri->size = 0x4000;
	ri->flags = VDK_VFIO_REGION_INFO_FLAG_MMAP | VDK_VFIO_REGION_INFO_FLAG_CAPS;
	if (ri->index == 4)
		need = 4096;
	if (ri->argsz < need) {
		ri->argsz = need;
		return;
	}
	memcpy((char *)ri + sizeof(*ri), &cap, sizeof(cap));
	memcpy((char *)ri + sizeof(*ri) + sizeof(cap), areas, sizeof(areas));
	ri->cap_offset = sizeof(*ri);
}

/* What an fd is: a group node (its number), "iommu", "device" or other. */
static int
fm_kind(int fd, char *what, size_t len)
{
	char path[64], target[PATH_MAX];
	size_t dl = strlen(fm.dev_dir);
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -EBADF;
	target[n] = '\0';
	if (strncmp(target, fm.dev_dir, dl) == 0 && target[dl] == '/')
		return atoi(target + dl + 1);
	snprintf(what, len, "%s", strstr(target, "fm-iommu") != NULL ? "iommu" :
				  strstr(target, "fm-device") != NULL ? "device" : "other");
	return -1;
}

static int
fm_fail(int err)
{
	errno = err;
	return -1;
}

static int
fm_group_ioctl(int num, unsigned long req, void *arg)
{
	switch (req) {
	case VDK_VFIO_GROUP_GET_INFO: {
		struct vdk_vfio_group_info *info = arg;

		if (fm.info_err)
			return fm_fail(fm.info_err);
		if (info->argsz < 8 || info->flags)
			return fm_fail(EINVAL);
		info->flags = fm.viable[num] ? VDK_VFIO_GROUP_FLAGS_VIABLE : 0;
		return 0;
	}
	case VDK_VFIO_GROUP_GET_IOMMU_FD:
		fm_record("iommu(%d) ", num);
		if (fm.get_iommu_err)
			return fm_fail(fm.get_iommu_err);
		fm.in_use = true;
		return memfd_create("fm-iommu", MFD_CLOEXEC);
	case VDK_VFIO_GROUP_MERGE: {
		char what[16];
		int other = fm_kind(*(int32_t *)arg, what, sizeof(what));

		fm_record("merge(%d<-%d) ", num, other);
		if (fm.merge_err)
			return fm_fail(fm.merge_err);
		if (other < 0 || other == num)
			return fm_fail(EINVAL);
		if (fm.set_of[other] != other)
			return fm_fail(EBUSY);
		fm.set_of[other] = fm.set_of[num];
		return 0;
	}
	case VDK_VFIO_GROUP_UNMERGE:
		fm_record("unmerge(%d) ", num);
		if (fm.unmerge_err)
			return fm_fail(fm.unmerge_err);
		fm.set_of[num] = num;
		return 0;
	case VDK_VFIO_GROUP_GET_DEVICE_FD:
		fm_record("device(%d,%s) ", num, (const char *)arg);
		if (fm.get_device_err)
			return fm_fail(fm.get_device_err);
		return memfd_create("fm-device", MFD_CLOEXEC);
	}
	return fm_fail(ENOTTY);
}

static int
fm_iommu_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VDK_VFIO_IOMMU_GET_INFO: {
		struct vdk_vfio_iommu_info *info = arg;

		if (fm.iommu_info_err)
			return fm_fail(fm.iommu_info_err);
		info->iova_min = 0;
		info->iova_max = (1ull << 48) - 1;
		info->alignment = 4096;
		return 0;
	}
	case VDK_VFIO_IOMMU_MAP_DMA:
		fm.last_map = *(struct vdk_vfio_dma_map *)arg;
		fm.nb_maps++;
		return fm.map_err ? fm_fail(fm.map_err) : 0;
	}
	return fm_fail(ENOTTY);
}

static int
fm_device_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VDK_VFIO_DEVICE_GET_INFO: {
		struct vdk_vfio_device_info *info = arg;

		if (fm.device_info_err)
			return fm_fail(fm.device_info_err);
		info->flags = fm.device_flags;
		info->num_regions = VDK_VFIO_PCI_NUM_REGIONS;
		info->num_irqs = VDK_VFIO_PCI_NUM_IRQS;
		return 0;
	}
	case VDK_VFIO_DEVICE_GET_REGION_INFO: {
		struct vdk_vfio_region_info *ri = arg;

		if (ri->index >= VDK_VFIO_PCI_NUM_REGIONS)
			return fm_fail(EINVAL);
		ri->offset = (uint64_t)ri->index << 40;
		/* BAR0 mappable, BAR1 not, ROM read only, config; the rest absent. */
		ri->size = ri->index == 0 ? 0x4000 : ri->index == 1 ? 0x20 :
			   ri->index == VDK_VFIO_PCI_ROM_REGION_INDEX ? 0x10000 :
			   ri->index == VDK_VFIO_PCI_CONFIG_REGION_INDEX ? 4096 : 0;
		ri->flags = ri->index == 0 ? VDK_VFIO_REGION_INFO_FLAG_MMAP :
			    ri->index == VDK_VFIO_PCI_ROM_REGION_INDEX ?
			    VDK_VFIO_REGION_INFO_FLAG_RO : 0;
		if (ri->index == 3 || ri->index == 4)
			fm_sparse_bar(ri);
		return 0;
	}
	case VDK_VFIO_DEVICE_GET_IRQ_INFO: {
		struct vdk_vfio_irq_info *ii = arg;

		if (ii->index >= VDK_VFIO_PCI_NUM_IRQS)
			return fm_fail(EINVAL);
		ii->count = ii->index == VDK_VFIO_PCI_MSIX_IRQ_INDEX ? 5 : 1;
		ii->flags = ii->index == VDK_VFIO_PCI_INTX_IRQ_INDEX ?
			    VDK_VFIO_IRQ_INFO_FLAG_LEVEL : 0;
		return 0;
	}
	case VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS: {
		struct vdk_vfio_irq_eventfds *s = arg;

		if (fm.irq_err)
			return fm_fail(fm.irq_err);
		fm.irq_index = s->index;
		fm.irq_count = s->count;
		fm.irq_argsz = s->argsz;
		for (uint32_t i = 0; i < s->count && i < 8; i++)
			fm.irq_efds[i] = s->eventfds[i];
		return 0;
	}
	case VDK_VFIO_DEVICE_UNMASK_IRQ: {
		struct vdk_vfio_unmask_irq *u = arg;

		if (u->argsz < 16 || u->index != 0 || u->subindex != 0)
			return fm_fail(EINVAL);
		fm.unmasks++;
		return 0;
	}
	case VDK_VFIO_DEVICE_RESET:
		if (fm.reset_err)
			return fm_fail(fm.reset_err);
		fm.resets++;
		return 0;
	}
	return fm_fail(ENOTTY);
}

static int
fm_ioctl(int fd, unsigned long req, ...)
{
	void *arg = NULL;
	char what[16] = "";
	va_list ap;
	int num;

	/* Requests without an argument pass none: read it only for the others. */
	if (req != VDK_VFIO_GROUP_GET_IOMMU_FD && req != VDK_VFIO_GROUP_UNMERGE &&
	    req != VDK_VFIO_DEVICE_RESET) {
		va_start(ap, req);
		arg = va_arg(ap, void *);
		va_end(ap);
	}
	num = fm_kind(fd, what, sizeof(what));
	if (num >= 0 && num < FM_GROUPS)
		return fm_group_ioctl(num, req, arg);
	if (strcmp(what, "iommu") == 0)
		return fm_iommu_ioctl(req, arg);
	if (strcmp(what, "device") == 0)
		return fm_device_ioctl(req, arg);
	return fm_fail(ENOTTY);
}

/* ---- fixtures ---- */

static void
fm_node(int num)
{
	char path[PATH_MAX];
	FILE *f;

	fake_fmt(path, sizeof(path), "%s/%d", fm.dev_dir, num);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	log_capture();
	memset(&fm, 0, sizeof(fm));
	for (int i = 0; i < FM_GROUPS; i++) {
		fm.viable[i] = true;
		fm.set_of[i] = i;
	}
	fm.device_flags = VDK_VFIO_DEVICE_FLAGS_PCI | VDK_VFIO_DEVICE_FLAGS_RESET;
	fake_sysfs_create();
	fake_write("module/vdk_vfio/refcnt", "0\n");
	fake_fmt(fm.dev_dir, sizeof(fm.dev_dir), "%s/dev-vdk-vfio", fake_root);
	fake_mkdirs(fm.dev_dir);
	for (int g = 3; g <= 9; g++)
		fm_node(g);
	eal_pci_set_sysfs_root(fake_root);
	dev_dir = fm.dev_dir;
	assert_int_equal(vb->open(), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	vb->close();
	dev_dir = VDK_VFIO_DEV_DIR;
	eal_pci_set_sysfs_root(NULL);
	fake_sysfs_destroy();
	log_release();
	return 0;
}

static bool
fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Open and attach group @num; returns its fd, the domain in *dom. */
static int
attach(int num, int *dom)
{
	bool noiommu = true;
	int fd = vb->group_open(num, "0000:00:04.0", &noiommu);

	assert_true(fd >= 0);
	assert_false(noiommu);
	assert_int_equal(vb->group_viable(fd), 1);
	assert_int_equal(vb->group_attach(fd, false, dom), 0);
	return fd;
}

/* ---- tests ---- */

static void
test_open_without_the_module_says_insmod_and_vdk_setup(void **state)
{
	(void)state;
	fake_unlink("module/vdk_vfio/refcnt");
	fake_fmt(fm.log, sizeof(fm.log), "%s/module/vdk_vfio", fake_root);
	assert_int_equal(rmdir(fm.log), 0);
	fm.log[0] = '\0';
	assert_int_equal(vb->open(), -ENOENT);
	assert_logged("the vdk_vfio kernel module is not loaded");
	assert_logged("run `insmod vdk_vfio.ko` (doc/vdk_vfio.md)");
	assert_logged("`vdk-setup bind BDF --driver vdk-vfio-pci`");
	assert_logged("--vfio-backend mainline");
}

static void
test_open_with_the_module_but_no_nodes_says_boot_with_an_iommu(void **state)
{
	(void)state;
	dev_dir = "/nonexistent/vdk-vfio";
	assert_int_equal(vb->open(), -ENODEV);
	assert_logged("the vdk_vfio module is loaded but /nonexistent/vdk-vfio is missing");
	assert_logged("intel_iommu=on");
}

static void
test_group_open_failures_are_explained_with_the_module_node(void **state)
{
	bool noiommu;
	char node[PATH_MAX];
	int fd;

	(void)state;
	assert_int_equal(vb->group_open(12, "0000:00:04.0", &noiommu), -ENOENT);
	assert_true(vb->explain_group_open(ENOENT, 12, "0000:00:04.0"));
	fake_fmt(node, sizeof(node), "has no node %s/12 for IOMMU group 12", fm.dev_dir);
	assert_logged(node);
	assert_true(vb->explain_group_open(EBUSY, 3, "0000:00:04.0"));
	fake_fmt(node, sizeof(node), "in use by another process (see `fuser -v %s/3`)",
		 fm.dev_dir);
	assert_logged(node);
	assert_true(vb->explain_group_open(EACCES, 3, "0000:00:04.0"));
	/* The node, its owner, and the command that gives it to this user. */
	fake_fmt(node, sizeof(node), "no permission to open %s/3 (owner ", fm.dev_dir);
	assert_logged(node);
	assert_logged("`vdk-setup bind 0000:00:04.0 --driver vdk-vfio-pci --owner ");
	assert_true(vb->explain_group_open(ENODEV, 3, "0000:00:04.0"));
	assert_logged("IOMMU group 3 is gone");
	/* A node that opens gives a group fd of ours. */
	fd = vb->group_open(3, "0000:00:04.0", &noiommu);
	assert_true(fd >= 0);
	vb->group_close(fd);
	assert_false(fd_is_open(fd));
}

static void
test_viability_is_the_group_info_flag(void **state)
{
	bool noiommu;
	int fd;

	(void)state;
	fd = vb->group_open(4, "0000:00:04.0", &noiommu);
	assert_int_equal(vb->group_viable(fd), 1);
	fm.viable[4] = false;
	assert_int_equal(vb->group_viable(fd), 0);
	fm.info_err = EFAULT;
	assert_int_equal(vb->group_viable(fd), -EFAULT);
	assert_logged("VDK_VFIO_GROUP_GET_INFO: Bad address");
	vb->group_close(fd);
}

static void
test_first_group_takes_the_iommu_fd_and_later_groups_merge_into_its_set(void **state)
{
	int d3, d5, d7, g3, g5, g7;

	(void)state;
	g3 = attach(3, &d3);
	g5 = attach(5, &d5);
	g7 = attach(7, &d7);
	/* One domain for all: the layer above maps DMA once. */
	assert_int_equal(d3, d5);
	assert_int_equal(d5, d7);
	assert_string_equal(fm.log, "iommu(3) merge(3<-5) merge(3<-7) ");
	assert_int_equal(fm.set_of[5], 3);
	assert_int_equal(fm.set_of[7], 3);
	/* Attaching again changes nothing. */
	assert_int_equal(vb->group_attach(g5, false, &d5), 0);
	assert_int_equal(d5, d3);
	assert_string_equal(fm.log, "iommu(3) merge(3<-5) merge(3<-7) ");
	vb->group_detach(g7);
	vb->group_detach(g5);
	vb->group_detach(g3);
	vb->group_close(g7);
	vb->group_close(g5);
	vb->group_close(g3);
}

static void
test_groups_unmerge_as_they_leave_and_the_last_closes_the_iommu_fd(void **state)
{
	int dom, d, g3, g5, g9;

	(void)state;
	g3 = attach(3, &dom);
	g5 = attach(5, &d);
	/* The first group leaves: the IOMMU fd stays with the set of the others. */
	vb->group_detach(g3);
	vb->group_close(g3);
	assert_true(fd_is_open(dom));
	/* A newcomer merges through a group still in the set. */
	g9 = attach(9, &d);
	assert_int_equal(d, dom);
	assert_string_equal(fm.log, "iommu(3) merge(3<-5) unmerge(3) merge(5<-9) ");
	vb->group_detach(g5);
	assert_true(fd_is_open(dom));
	vb->group_detach(g9);
	/* Closing the IOMMU fd makes the module unmap and unpin everything. */
	assert_false(fd_is_open(dom));
	assert_string_equal(fm.log, "iommu(3) merge(3<-5) unmerge(3) merge(5<-9) unmerge(5) ");
	vb->group_close(g5);
	vb->group_close(g9);
	/* A detach of a group not attached is harmless. */
	vb->group_detach(g9);
}

static void
test_an_unmerge_refused_is_a_warning_and_the_fd_close_finishes_it(void **state)
{
	int dom, g3, g5;

	(void)state;
	g3 = attach(3, &dom);
	g5 = attach(5, &dom);
	fm.unmerge_err = EBUSY;
	vb->group_detach(g5);
	assert_logged("IOMMU group 5: VDK_VFIO_GROUP_UNMERGE: Device or resource busy; it "
		      "leaves the set when its fd is closed");
	vb->group_close(g5);
	vb->group_detach(g3);
	assert_false(fd_is_open(dom));
	vb->group_close(g3);
}

static void
test_refused_iommu_fd_and_merge_are_explained_and_leave_nothing(void **state)
{
	bool noiommu;
	int dom = -1, g3, g5;

	(void)state;
	g3 = vb->group_open(3, "0000:00:04.0", &noiommu);
	fm.get_iommu_err = EBUSY;
	assert_int_equal(vb->group_attach(g3, false, &dom), -EBUSY);
	assert_logged("IOMMU group 3: VDK_VFIO_GROUP_GET_IOMMU_FD refused: a device of the "
		      "group is bound to a driver that does DMA");
	fm.get_iommu_err = EPERM;
	assert_int_equal(vb->group_attach(g3, false, &dom), -EPERM);
	assert_logged("in use by another process");
	assert_int_equal(dom, -1);
	fm.get_iommu_err = 0;
	assert_int_equal(vb->group_attach(g3, false, &dom), 0);

	g5 = vb->group_open(5, "0000:00:05.0", &noiommu);
	fm.merge_err = EINVAL;
	assert_int_equal(vb->group_attach(g5, false, &dom), -EINVAL);
	assert_logged("IOMMU group 5: merging it with group 3 refused: its IOMMU cannot "
		      "share a domain");
	/* Not in the set: its detach does not unmerge, and g3 stays the member. */
	vb->group_detach(g5);
	vb->group_close(g5);
	assert_null(strstr(fm.log, "unmerge"));
	assert_int_equal(vb->group_attach(g3, false, &dom), 0);	/* already attached */
	vb->group_detach(g3);
	assert_false(fd_is_open(dom));
	vb->group_close(g3);
}

static void
test_a_noiommu_attach_is_refused(void **state)
{
	bool noiommu;
	int dom, g3;

	(void)state;
	g3 = vb->group_open(3, "0000:00:04.0", &noiommu);
	assert_int_equal(vb->group_attach(g3, true, &dom), -EINVAL);
	assert_int_equal(vb->group_attach(12345, false, &dom), -EBADF);
	vb->group_close(g3);
}

static void
test_iommu_info_cuts_every_groups_reserved_windows_out_of_the_aperture(void **state)
{
	struct eal_vfio_range r[EAL_VFIO_MAX_RANGES];
	unsigned int nb = EAL_VFIO_MAX_RANGES;
	uint64_t pgsizes = 0;
	int dom, g3, g5;

	(void)state;
	fake_write("kernel/iommu_groups/3/reserved_regions",
		   "0x00000000fee00000 0x00000000feefffff msi\n");
	/* Group 5: a window at 0 and one overlapping group 3's. */
	fake_write("kernel/iommu_groups/5/reserved_regions",
		   "0x0000000000000000 0x0000000000000fff direct\n"
		   "0x00000000fee80000 0x00000000fef0ffff reserved\n"
		   "garbage\n");
	g3 = attach(3, &dom);
	g5 = attach(5, &dom);
	assert_int_equal(vb->iommu_info(dom, r, &nb, &pgsizes), 0);
	assert_int_equal(nb, 2);
	assert_int_equal(r[0].start, 0x1000);
	assert_int_equal(r[0].end, 0xfedfffff);
	assert_int_equal(r[1].start, 0xfef10000);
	assert_int_equal(r[1].end, (1ull << 48) - 1);
	assert_int_equal(pgsizes, 4096);

	/* Fewer slots than ranges: the first ones, and a warning. */
	nb = 1;
	assert_int_equal(vb->iommu_info(dom, r, &nb, &pgsizes), 0);
	assert_int_equal(nb, 1);
	assert_int_equal(r[0].start, 0x1000);
	assert_logged("the IOMMU leaves 2 IOVA ranges; VDK uses the first 1");

	fm.iommu_info_err = EFAULT;
	nb = EAL_VFIO_MAX_RANGES;
	assert_int_equal(vb->iommu_info(dom, r, &nb, &pgsizes), -EFAULT);
	assert_logged("VDK_VFIO_IOMMU_GET_INFO: Bad address");
	vb->group_detach(g5);
	vb->group_detach(g3);
	vb->group_close(g5);
	vb->group_close(g3);
}

static void
test_ranges_cut_handles_every_overlap(void **state)
{
	struct eal_vfio_range r[4] = { { 0x1000, 0x8fff }, { 0x10000, 0x1ffff } };
	unsigned int n = 2;

	(void)state;
	ranges_cut(r, &n, 4, 0x20000, 0x30000);		/* outside: nothing */
	assert_int_equal(n, 2);
	ranges_cut(r, &n, 4, 0x0, 0x1fff);		/* the start */
	assert_int_equal(r[0].start, 0x2000);
	ranges_cut(r, &n, 4, 0x8000, 0x10fff);		/* one's end and the next's start */
	assert_int_equal(n, 2);
	assert_int_equal(r[0].end, 0x7fff);
	assert_int_equal(r[1].start, 0x11000);
	ranges_cut(r, &n, 4, 0x4000, 0x4fff);		/* the middle: split */
	assert_int_equal(n, 3);
	assert_int_equal(r[0].end, 0x3fff);
	assert_int_equal(r[1].start, 0x5000);
	assert_int_equal(r[1].end, 0x7fff);
	ranges_cut(r, &n, 4, 0x5000, 0x7fff);		/* a whole range */
	assert_int_equal(n, 2);
	assert_int_equal(r[1].start, 0x11000);
	ranges_cut(r, &n, 2, 0x12000, 0x12fff);		/* no room to split: kept */
	assert_int_equal(n, 2);
	ranges_cut(r, &n, 4, 0, UINT64_MAX);		/* everything */
	assert_int_equal(n, 0);
}

static void
test_dma_map_and_unmap_send_the_module_its_flags(void **state)
{
	int dom, g3;

	(void)state;
	g3 = attach(3, &dom);
	assert_int_equal(vb->dma_map(dom, 0x7f0000000000, 0x7f0000000000, 0x200000), 0);
	assert_int_equal(fm.last_map.argsz, sizeof(struct vdk_vfio_dma_map));
	assert_int_equal(fm.last_map.flags, VDK_VFIO_DMA_MAP_FLAG_MAP |
			 VDK_VFIO_DMA_MAP_FLAG_READ | VDK_VFIO_DMA_MAP_FLAG_WRITE);
	assert_int_equal(fm.last_map.vaddr, 0x7f0000000000);
	assert_int_equal(fm.last_map.iova, 0x7f0000000000);
	assert_int_equal(fm.last_map.size, 0x200000);
	assert_int_equal(vb->dma_unmap(dom, 0x7f0000000000, 0x200000), 0);
	assert_int_equal(fm.last_map.flags, 0);
	assert_int_equal(fm.last_map.iova, 0x7f0000000000);
	assert_int_equal(fm.last_map.size, 0x200000);
	fm.map_err = ENOENT;
	assert_int_equal(vb->dma_unmap(dom, 0x1000, 0x1000), -ENOENT);
	assert_logged("VDK_VFIO_IOMMU_MAP_DMA unmap at IOVA 0x1000 (0x1000 bytes)");
	vb->group_detach(g3);
	vb->group_close(g3);
}

static void
test_dma_map_refusals_say_what_the_errno_means(void **state)
{
	struct rlimit saved, low;
	int dom, g3;

	(void)state;
	g3 = attach(3, &dom);
	fm.map_err = EEXIST;
	assert_int_equal(vb->dma_map(dom, 0x10000, 0x10000, 0x1000), -EEXIST);
	assert_logged("VDK_VFIO_IOMMU_MAP_DMA of VA 0x10000 at IOVA 0x10000 (0x1000 bytes): "
		      "File exists (the IOVA range overlaps a mapping)");
	fm.map_err = EINVAL;
	assert_int_equal(vb->dma_map(dom, 0x10000, 0x10000, 0x1000), -EINVAL);
	assert_logged("outside the IOMMU's window or in a reserved one");
	fm.map_err = EFAULT;
	assert_int_equal(vb->dma_map(dom, 0x10000, 0x10000, 0x1000), -EFAULT);
	assert_logged("not mapped, or not writable");
	/* The module charges VmPin against RLIMIT_MEMLOCK: give the numbers. */
	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &saved), 0);
	low = saved;
	low.rlim_cur = 64 * 1024;
	if (low.rlim_max != RLIM_INFINITY && low.rlim_max < low.rlim_cur)
		low.rlim_cur = low.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &low), 0);
	fm.map_err = ENOMEM;
	assert_int_equal(vb->dma_map(dom, 0x10000, 0x10000, 0x100000), -ENOMEM);
	setrlimit(RLIMIT_MEMLOCK, &saved);
	assert_logged("vdk_vfio cannot pin 0x100000 bytes at VA 0x10000 for DMA: 0 KiB are "
		      "pinned already (VmPin) and RLIMIT_MEMLOCK is");
	assert_logged("or run with CAP_IPC_LOCK");
	vb->group_detach(g3);
	vb->group_close(g3);
}

static void
test_device_open_busy_says_bind_it_to_vdk_vfio_pci(void **state)
{
	int dom, g3, fd;

	(void)state;
	g3 = attach(3, &dom);
	fm.get_device_err = EBUSY;
	assert_int_equal(vb->device_open(g3, "0000:00:04.0"), -EBUSY);
	assert_logged("0000:00:04.0: vdk_vfio would not open the device: it is not bound to "
		      "vdk-vfio-pci (`vdk-setup bind 0000:00:04.0 --driver vdk-vfio-pci`)");
	fm.get_device_err = ENODEV;
	assert_int_equal(vb->device_open(g3, "0000:00:04.0"), -ENODEV);
	assert_logged("would not open the device: No such device");
	fm.get_device_err = 0;
	fd = vb->device_open(g3, "0000:00:04.0");
	assert_true(fd >= 0);
	assert_non_null(strstr(fm.log, "device(3,0000:00:04.0)"));
	vb->device_close(fd);
	assert_false(fd_is_open(fd));
	vb->group_detach(g3);
	vb->group_close(g3);
}

static void
test_device_info_region_info_and_irq_info_translate_the_flags(void **state)
{
	struct eal_vfio_region r;
	uint32_t flags, nr, ni, count;
	int dom, g3, fd;

	(void)state;
	g3 = attach(3, &dom);
	fd = vb->device_open(g3, "0000:00:04.0");
	assert_int_equal(vb->device_info(fd, &flags, &nr, &ni), 0);
	assert_int_equal(flags, EAL_VFIO_DEV_F_RESET);
	assert_int_equal(nr, 8);
	assert_int_equal(ni, VDK_VFIO_PCI_NUM_IRQS);
	fm.device_flags = VDK_VFIO_DEVICE_FLAGS_PCI;
	assert_int_equal(vb->device_info(fd, &flags, &nr, &ni), 0);
	assert_int_equal(flags, 0);
	fm.device_flags = 0;
	assert_int_equal(vb->device_info(fd, &flags, &nr, &ni), -ENODEV);
	assert_logged("vdk_vfio device is not a PCI device (flags 0x0)");
	fm.device_info_err = EFAULT;
	assert_int_equal(vb->device_info(fd, &flags, &nr, &ni), -EFAULT);
	assert_logged("VDK_VFIO_DEVICE_GET_INFO: Bad address");

	assert_int_equal(vb->region_info(fd, 0, &r), 0);
	assert_int_equal(r.size, 0x4000);
	assert_int_equal(r.offset, 0);
	assert_int_equal(r.flags, EAL_VFIO_REGION_F_READ | EAL_VFIO_REGION_F_WRITE |
			 EAL_VFIO_REGION_F_MMAP);
	assert_int_equal(r.nb_areas, 0);
	assert_int_equal(vb->region_info(fd, 1, &r), 0);
	assert_int_equal(r.flags, EAL_VFIO_REGION_F_READ | EAL_VFIO_REGION_F_WRITE);
	assert_int_equal(vb->region_info(fd, 2, &r), 0);
	assert_int_equal(r.size, 0);
	assert_int_equal(r.flags, 0);
	/* the MSI-X table's BAR: only the areas around the table are mapped */
	assert_int_equal(vb->region_info(fd, 3, &r), 0);
	assert_int_equal(r.flags, EAL_VFIO_REGION_F_READ | EAL_VFIO_REGION_F_WRITE |
			 EAL_VFIO_REGION_F_MMAP);
	assert_int_equal(r.nb_areas, 2);
	assert_int_equal(r.areas[0].offset, 0);
	assert_int_equal(r.areas[0].size, 0x2000);
	assert_int_equal(r.areas[1].offset, 0x3000);
	assert_int_equal(r.areas[1].size, 0x1000);
	/* capabilities it cannot read: nothing mapped rather than all */
	assert_int_equal(vb->region_info(fd, 4, &r), 0);
	assert_int_equal(r.flags, EAL_VFIO_REGION_F_READ | EAL_VFIO_REGION_F_WRITE);
	assert_logged("region 4: capabilities need 4096 bytes: not mapped");
	assert_int_equal(vb->region_info(fd, VDK_VFIO_PCI_ROM_REGION_INDEX, &r), 0);
	assert_int_equal(r.flags, EAL_VFIO_REGION_F_READ);
	assert_int_equal(vb->region_info(fd, VDK_VFIO_PCI_CONFIG_REGION_INDEX, &r), 0);
	assert_int_equal(r.offset, 7ull << 40);
	assert_int_equal(r.size, 4096);
	assert_int_equal(vb->region_info(fd, 8, &r), -EINVAL);

	assert_int_equal(vb->irq_info(fd, EAL_VFIO_IRQ_MSIX, &count, &flags), 0);
	assert_int_equal(count, 5);
	assert_int_equal(flags, EAL_VFIO_IRQ_F_EVENTFD);
	assert_int_equal(vb->irq_info(fd, EAL_VFIO_IRQ_INTX, &count, &flags), 0);
	assert_int_equal(flags, EAL_VFIO_IRQ_F_EVENTFD | EAL_VFIO_IRQ_F_MASKABLE |
			 EAL_VFIO_IRQ_F_AUTOMASKED);
	assert_int_equal(vb->irq_info(fd, VDK_VFIO_PCI_NUM_IRQS, &count, &flags), -EINVAL);
	vb->device_close(fd);
	vb->group_detach(g3);
	vb->group_close(g3);
}

static void
test_irq_set_enables_disables_and_unmasks_a_whole_index(void **state)
{
	int efds[3] = { 11, -1, 13 };
	int dom, g3, fd;

	(void)state;
	g3 = attach(3, &dom);
	fd = vb->device_open(g3, "0000:00:04.0");
	assert_int_equal(vb->irq_set(fd, EAL_VFIO_IRQ_MSIX, EAL_VFIO_IRQ_TRIGGER, 0, 3, efds), 0);
	assert_int_equal(fm.irq_index, VDK_VFIO_PCI_MSIX_IRQ_INDEX);
	assert_int_equal(fm.irq_count, 3);
	assert_int_equal(fm.irq_argsz, sizeof(struct vdk_vfio_irq_eventfds) + 3 * 4);
	assert_int_equal(fm.irq_efds[0], 11);
	assert_int_equal(fm.irq_efds[1], -1);
	assert_int_equal(fm.irq_efds[2], 13);
	assert_int_equal(vb->irq_set(fd, EAL_VFIO_IRQ_MSIX, EAL_VFIO_IRQ_DISABLE, 0, 0, NULL), 0);
	assert_int_equal(fm.irq_count, 0);
	assert_int_equal(fm.irq_argsz, sizeof(struct vdk_vfio_irq_eventfds));
	/* The module has no sub-range set-up. */
	assert_int_equal(vb->irq_set(fd, EAL_VFIO_IRQ_MSIX, EAL_VFIO_IRQ_TRIGGER, 2, 1, efds),
			 -EINVAL);
	assert_logged("vdk_vfio sets up an interrupt index whole: vectors from 2 on");
	assert_int_equal(vb->irq_set(fd, EAL_VFIO_IRQ_INTX, EAL_VFIO_IRQ_UNMASK, 0, 1, NULL), 0);
	assert_int_equal(fm.unmasks, 1);
	assert_int_equal(vb->irq_set(fd, EAL_VFIO_IRQ_MSI, EAL_VFIO_IRQ_UNMASK, 0, 1, NULL),
			 -EINVAL);
	fm.irq_err = EBUSY;
	assert_int_equal(vb->irq_set(fd, EAL_VFIO_IRQ_MSI, EAL_VFIO_IRQ_TRIGGER, 0, 1, efds),
			 -EBUSY);
	vb->device_close(fd);
	vb->group_detach(g3);
	vb->group_close(g3);
}

static void
test_reset_passes_the_module_errno(void **state)
{
	int dom, g3, fd;

	(void)state;
	g3 = attach(3, &dom);
	fd = vb->device_open(g3, "0000:00:04.0");
	assert_int_equal(vb->reset(fd), 0);
	assert_int_equal(fm.resets, 1);
	fm.reset_err = EAGAIN;
	assert_int_equal(vb->reset(fd), -EAGAIN);
	vb->device_close(fd);
	vb->group_detach(g3);
	vb->group_close(g3);
}

static void
test_close_closes_groups_and_the_iommu_fd_left_open(void **state)
{
	int dom, g3, g5;

	(void)state;
	g3 = attach(3, &dom);
	g5 = attach(5, &dom);
	vb->close();
	assert_false(fd_is_open(g3));
	assert_false(fd_is_open(g5));
	assert_false(fd_is_open(dom));
	/* And the backend opens again. */
	assert_int_equal(vb->open(), 0);
	g3 = attach(3, &dom);
	assert_string_equal(fm.log, "iommu(3) merge(3<-5) iommu(3) ");
	vb->group_detach(g3);
	vb->group_close(g3);
}

static void
test_every_ioctl_on_a_foreign_fd_is_a_negative_errno(void **state)
{
	struct eal_vfio_range r[4];
	struct eal_vfio_region reg;
	unsigned int nb = 4;
	uint64_t pgsizes;
	uint32_t a, b, c;
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	(void)state;
	assert_true(null_fd >= 0);
	assert_int_equal(vb->group_viable(null_fd), -ENOTTY);
	assert_int_equal(vb->iommu_info(null_fd, r, &nb, &pgsizes), -ENOTTY);
	assert_int_equal(vb->dma_map(null_fd, 0x1000, 0x1000, 0x1000), -ENOTTY);
	assert_int_equal(vb->dma_unmap(null_fd, 0x1000, 0x1000), -ENOTTY);
	assert_int_equal(vb->device_open(null_fd, "0000:00:04.0"), -ENOTTY);
	assert_int_equal(vb->device_info(null_fd, &a, &b, &c), -ENOTTY);
	assert_int_equal(vb->region_info(null_fd, 0, &reg), -ENOTTY);
	assert_int_equal(vb->irq_info(null_fd, 0, &a, &b), -ENOTTY);
	assert_int_equal(vb->irq_set(null_fd, 2, EAL_VFIO_IRQ_TRIGGER, 0, 1, &null_fd), -ENOTTY);
	assert_int_equal(vb->irq_set(null_fd, 2, EAL_VFIO_IRQ_DISABLE, 0, 0, NULL), -ENOTTY);
	assert_int_equal(vb->irq_set(null_fd, 0, EAL_VFIO_IRQ_UNMASK, 0, 1, NULL), -ENOTTY);
	assert_int_equal(vb->reset(null_fd), -ENOTTY);
	close(null_fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_open_without_the_module_says_insmod_and_vdk_setup),
		T(test_open_with_the_module_but_no_nodes_says_boot_with_an_iommu),
		T(test_group_open_failures_are_explained_with_the_module_node),
		T(test_viability_is_the_group_info_flag),
		T(test_first_group_takes_the_iommu_fd_and_later_groups_merge_into_its_set),
		T(test_groups_unmerge_as_they_leave_and_the_last_closes_the_iommu_fd),
		T(test_an_unmerge_refused_is_a_warning_and_the_fd_close_finishes_it),
		T(test_refused_iommu_fd_and_merge_are_explained_and_leave_nothing),
		T(test_a_noiommu_attach_is_refused),
		T(test_iommu_info_cuts_every_groups_reserved_windows_out_of_the_aperture),
		T(test_ranges_cut_handles_every_overlap),
		T(test_dma_map_and_unmap_send_the_module_its_flags),
		T(test_dma_map_refusals_say_what_the_errno_means),
		T(test_device_open_busy_says_bind_it_to_vdk_vfio_pci),
		T(test_device_info_region_info_and_irq_info_translate_the_flags),
		T(test_irq_set_enables_disables_and_unmasks_a_whole_index),
		T(test_reset_passes_the_module_errno),
		T(test_close_closes_groups_and_the_iommu_fd_left_open),
		T(test_every_ioctl_on_a_foreign_fd_is_a_negative_errno),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
