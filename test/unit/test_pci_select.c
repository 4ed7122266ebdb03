/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The choice of VFIO backend (lib/eal/eal_vfio_select.c): --vfio-backend
 * and each device's kernel driver decide, every later call reaches the
 * backend that made its fd, and every refusal names its fix. The source
 * is included here with the two real backends replaced by fakes that
 * record which of them each call reached; the bus, DMA table and
 * interrupts above run their real code from libvdk.
 */
/*
 * Before any header, so that the declarations name the fakes too, and the
 * copy of the selector included below has names of its own beside
 * libvdk's (ASan's ODR check would stop the test).
 */
#define eal_vfio_mainline fake_ml
#define eal_vfio_vdk fake_vdk
#define eal_vfio_select test_select_backend
#define eal_vfio_explain_driver test_explain_driver

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "test_common.h"
#include "test_pci_fake.h"
#include "vdk_intr.h"
#include "vdk_log.h"

#include "../../lib/eal/eal_vfio_select.c"
#undef eal_vfio_mainline
#undef eal_vfio_vdk

#define NVME "0000:00:04.0"
#define NIC "0000:00:06.0"

static char calls[4096];
/* Per backend (0 mainline, 1 vdk): what open returns, and its domain fd. */
static int open_err[2];
static int group_open_err[2];
static int dom_fd[2] = { -1, -1 };

static void
note(unsigned int be, const char *fn)
{
	size_t off = strlen(calls);

	snprintf(calls + off, sizeof(calls) - off, "%s.%s ", be ? "vdk" : "ml", fn);
}

static unsigned int
count_calls(const char *what)
{
	unsigned int n = 0;

	for (const char *p = calls; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

/* Each fake forwards to test_pci_fake.h's backend after noting who it is. */
#define FAKE_BACKEND(tag, i)							\
static int tag##_open(void)							\
{ note(i, "open"); return open_err[i] ? open_err[i] : fake_backend.open(); }		\
static void tag##_close(void) { note(i, "close"); fake_backend.close(); }			\
static int tag##_group_open(int num, const char *bdf, bool *noiommu)		\
{										\
	note(i, "group_open");							\
	return group_open_err[i] ? group_open_err[i] : fake_backend.group_open(num, bdf, noiommu); \
}										\
static int tag##_group_viable(int fd) { note(i, "group_viable"); return fake_backend.group_viable(fd); } \
static int tag##_group_attach(int fd, bool noiommu, int *domain)		\
{										\
	int ret = fake_backend.group_attach(fd, noiommu, domain);				\
										\
	note(i, "group_attach");						\
	*domain = dom_fd[i];							\
	return ret;								\
}										\
static void tag##_group_detach(int fd) { note(i, "group_detach"); fake_backend.group_detach(fd); } \
static void tag##_group_close(int fd) { note(i, "group_close"); fake_backend.group_close(fd); } \
static int tag##_iommu_info(int d, struct eal_vfio_range *r, unsigned int *n, uint64_t *pg) \
{ note(i, "iommu_info"); return fake_backend.iommu_info(d, r, n, pg); }			\
static int tag##_dma_map(int d, uint64_t va, uint64_t iova, uint64_t len)	\
{ note(i, "dma_map"); return fake_backend.dma_map(d, va, iova, len); }			\
static int tag##_dma_unmap(int d, uint64_t iova, uint64_t len)			\
{ note(i, "dma_unmap"); return fake_backend.dma_unmap(d, iova, len); }			\
static int tag##_device_open(int g, const char *bdf)				\
{ note(i, "device_open"); return fake_backend.device_open(g, bdf); }			\
static void tag##_device_close(int fd) { note(i, "device_close"); fake_backend.device_close(fd); } \
static int tag##_device_info(int fd, uint32_t *f, uint32_t *nr, uint32_t *ni)	\
{ note(i, "device_info"); return fake_backend.device_info(fd, f, nr, ni); }		\
static int tag##_region_info(int fd, unsigned int idx, struct eal_vfio_region *r) \
{ note(i, "region_info"); return fake_backend.region_info(fd, idx, r); }			\
static int tag##_irq_info(int fd, unsigned int idx, uint32_t *c, uint32_t *f)	\
{ note(i, "irq_info"); return fake_backend.irq_info(fd, idx, c, f); }			\
static int tag##_irq_set(int fd, unsigned int idx, enum eal_vfio_irq_action a,	\
			 unsigned int s, unsigned int c, const int *efds)	\
{ note(i, "irq_set"); return fake_backend.irq_set(fd, idx, a, s, c, efds); }		\
static int tag##_reset(int fd) { note(i, "reset"); return fake_backend.reset(fd); }	\
const struct eal_vfio_backend fake_##tag = {					\
	.name = #tag, .open = tag##_open, .close = tag##_close,			\
	.group_open = tag##_group_open, .group_viable = tag##_group_viable,	\
	.group_attach = tag##_group_attach, .group_detach = tag##_group_detach,	\
	.group_close = tag##_group_close, .iommu_info = tag##_iommu_info,	\
	.dma_map = tag##_dma_map, .dma_unmap = tag##_dma_unmap,			\
	.device_open = tag##_device_open, .device_close = tag##_device_close,	\
	.device_info = tag##_device_info, .region_info = tag##_region_info,	\
	.irq_info = tag##_irq_info, .irq_set = tag##_irq_set, .reset = tag##_reset, \
	.explain_group_open = i ? vdk_explain : NULL,				\
}

/* The vdk fake explains its own failures, as the real one does; mainline does not. */
static bool
vdk_explain(int err, int num, const char *bdf)
{
	VDK_LOG(ERR, VFIO, "%s: fake vdk explains group %d: %s", bdf, num, strerror(err));
	return true;
}

FAKE_BACKEND(ml, 0);
FAKE_BACKEND(vdk, 1);

/* ---- a test driver for both devices ---- */

static unsigned int probed;

static int
t_probe(struct vdk_pci_device *d)
{
	(void)d;
	probed++;
	return 0;
}

static const struct vdk_pci_id t_ids[] = {
	{ VDK_PCI_DEVICE(0x8086, 0x10d3) },
	{ VDK_PCI_DEVICE_CLASS(0x010802) },
	{ .vendor_id = 0 },
};
static const struct vdk_pci_driver t_drv = {
	.name = "t_select", .id_table = t_ids, .probe = t_probe,
};

static int
setup(void **state)
{
	(void)state;
	log_capture();
	calls[0] = '\0';
	probed = 0;
	memset(open_err, 0, sizeof(open_err));
	memset(group_open_err, 0, sizeof(group_open_err));
	for (unsigned int i = 0; i < 2; i++) {
		dom_fd[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(dom_fd[i] >= 0);
	}
	fake_sysfs_create();
	eal_pci_set_sysfs_root(fake_root);
	fake_backend_reset();
	fake_dev(NVME, 0x1b36, 0x0010, 0x010802, 4, "vfio-pci");
	fake_dev(NIC, 0x8086, 0x10d3, 0x020000, 6, "vdk-vfio-pci");
	fake_dev("0000:00:05.0", 0x1b36, 0x0010, 0x010802, 5, "nvme");
	eal_cfg.vfio_backend = EAL_VFIO_AUTO;
	/* This file's copy, which reaches the fakes. */
	assert_int_equal(eal_vfio_set_backend(&eal_vfio_select), 0);
	fake_drivers_set_aside(NULL);
	assert_int_equal(vdk_pci_driver_register(&t_drv), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	eal_pci_cleanup();
	assert_int_equal(fake.devices_open, 0);
	assert_int_equal(fake.groups_open, 0);
	vdk_pci_driver_unregister(&t_drv);
	fake_drivers_restore();
	eal_devargs_release(&eal_cfg);
	eal_cfg.vfio_backend = EAL_VFIO_AUTO;
	eal_vfio_set_backend(NULL);
	eal_pci_set_sysfs_root(NULL);
	fake_sysfs_destroy();
	for (unsigned int i = 0; i < 2; i++)
		close(dom_fd[i]);
	log_release();
	return 0;
}

static int
init_with(const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	for (const char *bdf = first; bdf != NULL; bdf = va_arg(ap, const char *))
		assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_ALLOWED, bdf), 0);
	va_end(ap);
	return eal_pci_init();
}

/* ---- tests ---- */

static void
test_auto_opens_each_device_through_the_backend_of_its_driver_and_says_which(void **state)
{
	struct vdk_pci_device *nvme, *nic;
	void *buf;

	(void)state;
	assert_int_equal(init_with(NVME, NIC, NULL), 0);
	assert_int_equal(probed, 2);
	assert_logged("vfio: " NVME ": VFIO backend mainline, the kernel's vfio-pci "
		      "(--vfio-backend auto: the device is bound to vfio-pci)");
	assert_logged("vfio: " NIC ": VFIO backend vdk, VDK's vdk_vfio module "
		      "(--vfio-backend auto: the device is bound to vdk-vfio-pci)");
	assert_int_equal(count_calls("ml.group_open"), 1);
	assert_int_equal(count_calls("vdk.group_open"), 1);
	assert_int_equal(count_calls("ml.device_open"), 1);
	assert_int_equal(count_calls("vdk.device_open"), 1);
	/* Each backend opened once, each with its own domain. */
	assert_int_equal(count_calls("ml.open"), 1);
	assert_int_equal(count_calls("vdk.open"), 1);
	assert_int_equal(eal_vfio_domain_count(), 2);
	assert_int_equal(count_calls("ml.iommu_info"), 1);
	assert_int_equal(count_calls("vdk.iommu_info"), 1);

	/* Later calls by device fd reach the backend that opened it. */
	nvme = vdk_pci_dev_lookup(NVME);
	nic = vdk_pci_dev_lookup(NIC);
	calls[0] = '\0';
	assert_int_equal(vdk_pci_reset(nic), 0);
	assert_string_equal(calls, "vdk.reset ");
	calls[0] = '\0';
	assert_int_equal(vdk_intr_enable(nvme, VDK_INTR_MODE_MSIX, 2), 0);
	assert_int_equal(vdk_intr_disable(nvme), 0);
	assert_int_equal(count_calls("vdk."), 0);
	assert_int_equal(count_calls("ml.irq_set"), 2);

	/* Memory registered for DMA goes into both domains. */
	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	calls[0] = '\0';
	assert_int_equal(eal_vfio_dma_map((uintptr_t)buf, (uintptr_t)buf, 4096), 0);
	assert_int_equal(count_calls("ml.dma_map"), 1);
	assert_int_equal(count_calls("vdk.dma_map"), 1);
	assert_int_equal(eal_vfio_dma_unmap((uintptr_t)buf, 4096), 0);
	assert_int_equal(count_calls("ml.dma_unmap"), 1);
	assert_int_equal(count_calls("vdk.dma_unmap"), 1);
	munmap(buf, 4096);

	calls[0] = '\0';
	eal_pci_cleanup();
	assert_int_equal(count_calls("ml.device_close"), 1);
	assert_int_equal(count_calls("vdk.device_close"), 1);
	assert_int_equal(count_calls("ml.group_close"), 1);
	assert_int_equal(count_calls("vdk.group_close"), 1);
	assert_int_equal(count_calls("ml.close"), 1);
	assert_int_equal(count_calls("vdk.close"), 1);
}

static void
test_forced_vdk_refuses_a_device_on_vfio_pci_and_names_the_fix(void **state)
{
	(void)state;
	eal_cfg.vfio_backend = EAL_VFIO_VDK;
	assert_int_equal(init_with(NVME, NULL), -EACCES);
	assert_logged(NVME " is bound to vfio-pci but --vfio-backend vdk needs it on "
		      "vdk-vfio-pci, VDK's vdk_vfio module: run `vdk-setup bind " NVME
		      " --driver vdk-vfio-pci`, or use --vfio-backend mainline (or auto)");
	assert_int_equal(count_calls("group_open"), 0);
	/* No second, generic message about /dev/vfio. */
	assert_not_logged("no VFIO device node");
}

static void
test_forced_vdk_without_the_module_fails_before_looking_at_the_device(void **state)
{
	(void)state;
	eal_cfg.vfio_backend = EAL_VFIO_VDK;
	open_err[1] = -ENOENT;
	assert_int_equal(init_with(NVME, NULL), -ENOENT);
	assert_string_equal(calls, "vdk.open ");
	assert_not_logged("is bound to vfio-pci");
	assert_not_logged("no VFIO device node");
}

static void
test_forced_vdk_takes_a_device_on_its_driver(void **state)
{
	(void)state;
	eal_cfg.vfio_backend = EAL_VFIO_VDK;
	assert_int_equal(init_with(NIC, NULL), 0);
	assert_logged(NIC ": VFIO backend vdk, VDK's vdk_vfio module (--vfio-backend vdk)");
	assert_int_equal(count_calls("ml."), 0);
}

static void
test_forced_mainline_refuses_a_device_on_vdk_vfio_pci(void **state)
{
	(void)state;
	eal_cfg.vfio_backend = EAL_VFIO_MAINLINE;
	assert_int_equal(init_with(NIC, NULL), -EACCES);
	assert_logged(NIC " is bound to vdk-vfio-pci (VDK's vdk_vfio module) but "
		      "--vfio-backend mainline needs it on vfio-pci: run `vdk-setup bind " NIC
		      "`, or use --vfio-backend vdk (or auto)");
	assert_int_equal(count_calls("vdk."), 0);
}

static void
test_forced_mainline_takes_a_device_on_vfio_pci(void **state)
{
	(void)state;
	eal_cfg.vfio_backend = EAL_VFIO_MAINLINE;
	assert_int_equal(init_with(NVME, NULL), 0);
	assert_logged(NVME ": VFIO backend mainline, the kernel's vfio-pci (--vfio-backend "
		      "mainline)");
	assert_int_equal(count_calls("vdk."), 0);
}

static void
test_a_device_on_neither_driver_is_refused_with_advice_for_the_chosen_backend(void **state)
{
	bool noiommu;

	(void)state;
	/* auto: the bus refuses it, naming both ways to give it to VDK. */
	assert_int_equal(init_with("0000:00:05.0", NULL), -EACCES);
	assert_logged("pci: 0000:00:05.0 is bound to nvme, not to vfio-pci: run `vdk-setup bind "
		      "0000:00:05.0` to give it to VDK; or, for VDK's vdk_vfio module, load it "
		      "(`insmod vdk_vfio.ko`) and run `vdk-setup bind 0000:00:05.0 --driver "
		      "vdk-vfio-pci`");
	assert_int_equal(count_calls("."), 0);
	/* The selector says the same if a stale scan lets such a device through. */
	assert_int_equal(eal_vfio_select.group_open(5, "0000:00:05.0", &noiommu), -EACCES);
	assert_true(eal_vfio_select.explain_group_open(EACCES, 5, "0000:00:05.0"));

	/* vdk, without the module: load it first. */
	eal_cfg.vfio_backend = EAL_VFIO_VDK;
	fake_dev_bind("0000:00:05.0", "");
	eal_vfio_explain_driver("0000:00:05.0", "");
	assert_logged("0000:00:05.0 is bound to no driver, not to vdk-vfio-pci, and the "
		      "vdk_vfio module is not loaded: run `insmod vdk_vfio.ko` (doc/vdk_vfio.md), "
		      "then `vdk-setup bind 0000:00:05.0 --driver vdk-vfio-pci`");
	/* vdk, with the module. */
	fake_write("module/vdk_vfio/refcnt", "0\n");
	assert_int_equal(eal_vfio_select.group_open(5, "0000:00:05.0", &noiommu), -EACCES);
	assert_logged("0000:00:05.0 is bound to no driver, not to vdk-vfio-pci: run `vdk-setup "
		      "bind 0000:00:05.0 --driver vdk-vfio-pci` to give it to VDK's vdk_vfio module");

	eal_cfg.vfio_backend = EAL_VFIO_MAINLINE;
	assert_int_equal(eal_vfio_select.group_open(5, "0000:00:05.0", &noiommu), -EACCES);
	assert_logged("0000:00:05.0 is bound to no driver, not to vfio-pci: run `vdk-setup "
		      "bind 0000:00:05.0` to give it to VDK");
	assert_int_equal(eal_vfio_select.group_open(9, "0000:00:09.0", &noiommu), -ENODEV);
	assert_logged("0000:00:09.0: cannot read its kernel driver in");
	eal_vfio_select.close();
}

static void
test_a_group_open_failure_is_explained_by_the_backend_that_failed(void **state)
{
	(void)state;
	group_open_err[1] = -EBUSY;
	assert_int_equal(init_with(NIC, NULL), -EBUSY);
	assert_logged(NIC ": fake vdk explains group 6: Device or resource busy");
	assert_not_logged("fuser -v /dev/vfio/6");
	eal_pci_cleanup();
	eal_devargs_release(&eal_cfg);
	/* Mainline leaves it to the generic words, which are its own. */
	group_open_err[0] = -EBUSY;
	assert_int_equal(init_with(NVME, NULL), -EBUSY);
	assert_logged(NVME ": IOMMU group 4 is in use by another process (see "
		      "`fuser -v /dev/vfio/4`)");
}

static void
test_a_backend_that_will_not_open_has_said_why_itself(void **state)
{
	(void)state;
	open_err[0] = -ENOENT;
	assert_int_equal(init_with(NVME, NULL), -ENOENT);
	assert_string_equal(calls, "ml.open ");
	assert_not_logged("no VFIO device node");
	/* The next try opens it again. */
	eal_pci_cleanup();
	eal_devargs_release(&eal_cfg);
	open_err[0] = 0;
	assert_int_equal(init_with(NVME, NULL), 0);
}

static void
test_calls_on_an_fd_no_backend_made_are_ebadf(void **state)
{
	struct eal_vfio_region r;
	struct eal_vfio_range ranges[2];
	unsigned int nb = 2;
	uint64_t pg;
	uint32_t a, b, c;
	int dom;

	(void)state;
	assert_int_equal(eal_vfio_select.group_viable(999), -EBADF);
	assert_logged("fd 999 is no VFIO file VDK opened: a bug in the caller");
	assert_int_equal(eal_vfio_select.group_attach(999, false, &dom), -EBADF);
	assert_int_equal(eal_vfio_select.iommu_info(999, ranges, &nb, &pg), -EBADF);
	assert_int_equal(eal_vfio_select.dma_map(999, 0x1000, 0x1000, 0x1000), -EBADF);
	assert_int_equal(eal_vfio_select.dma_unmap(999, 0x1000, 0x1000), -EBADF);
	assert_int_equal(eal_vfio_select.device_open(999, NVME), -EBADF);
	assert_int_equal(eal_vfio_select.device_info(999, &a, &b, &c), -EBADF);
	assert_int_equal(eal_vfio_select.region_info(999, 0, &r), -EBADF);
	assert_int_equal(eal_vfio_select.irq_info(999, 0, &a, &b), -EBADF);
	assert_int_equal(eal_vfio_select.irq_set(999, 0, EAL_VFIO_IRQ_DISABLE, 0, 0, NULL),
			 -EBADF);
	assert_int_equal(eal_vfio_select.reset(999), -EBADF);
	eal_vfio_select.group_detach(999);
	eal_vfio_select.group_close(999);
	eal_vfio_select.device_close(999);
	assert_int_equal(count_calls("."), 0);
}

static void
test_a_reused_fd_number_belongs_to_its_new_backend(void **state)
{
	(void)state;
	eal_vfio_select.close();
	assert_int_equal(owner_set(500, &fake_ml), 0);
	assert_ptr_equal(owner_of(500), &fake_ml);
	assert_int_equal(owner_set(500, &fake_vdk), 0);
	assert_ptr_equal(owner_of(500), &fake_vdk);
	owner_drop(500);
	assert_null(owner_of(500));
	/* The table is bounded and says so. */
	for (int fd = 1000; fd < 1000 + SEL_MAX_FDS; fd++)
		assert_int_equal(owner_set(fd, &fake_ml), 0);
	assert_int_equal(owner_set(5000, &fake_ml), -EMFILE);
	assert_logged("more than 256 VFIO file descriptors open");
	eal_vfio_select.close();
	assert_null(owner_of(1000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_auto_opens_each_device_through_the_backend_of_its_driver_and_says_which),
		T(test_forced_vdk_refuses_a_device_on_vfio_pci_and_names_the_fix),
		T(test_forced_vdk_without_the_module_fails_before_looking_at_the_device),
		T(test_forced_vdk_takes_a_device_on_its_driver),
		T(test_forced_mainline_refuses_a_device_on_vdk_vfio_pci),
		T(test_forced_mainline_takes_a_device_on_vfio_pci),
		T(test_a_device_on_neither_driver_is_refused_with_advice_for_the_chosen_backend),
		T(test_a_group_open_failure_is_explained_by_the_backend_that_failed),
		T(test_a_backend_that_will_not_open_has_said_why_itself),
		T(test_calls_on_an_fd_no_backend_made_are_ebadf),
		T(test_a_reused_fd_number_belongs_to_its_new_backend),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
