/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/nvme/nvme_pci.c on the real PCI bus code over the fake VFIO
 * backend (test_pci_fake.h): the device's BAR0 is a memfd, and the model
 * answers in it from a thread, as the device would behind a BAR mapping.
 * Probe by class code, bus mastering, device arguments, attach and detach
 * (shutdown), MSI-X vectors from the EAL delivered by the model, and the
 * refusals a user meets: a device on a kernel driver (`vdk-setup bind`),
 * --no-pci, no device, a bad address.
 */
#include <errno.h>
#include <sys/mman.h>

#include "eal_core_internal.h"
#include "eal_internal.h"
#include "eal_pci_internal.h"
#include "test_pci_fake.h"
#include "test_nvme_util.h"
#include "vdk_intr.h"

#define BDF "0000:00:04.0"

static struct nvme_model *model;
static uint8_t *model_bar;

/* The fake opens the device: give its BAR0 to a running model. */
static int
nvme_device_open(int group_fd, const char *bdf)
{
	int fd = fake_backend.device_open(group_fd, bdf);
	void *bar;

	if (fd < 0 || strcmp(bdf, BDF) != 0)
		return fd;
	bar = mmap(NULL, MODEL_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bar == MAP_FAILED)
		return -errno;
	model_bar = bar;
	nvme_model_use_bar(model, model_bar);
	nvme_model_run(model);
	return fd;
}

static void
nvme_device_close(int fd)
{
	if (model_bar != NULL && model->running) {
		nvme_model_stop(model);
		munmap(model_bar, MODEL_BAR_SIZE);
		model_bar = NULL;
	}
	fake_backend.device_close(fd);
}

static struct eal_vfio_backend nvme_backend;

static int
setup(void **state)
{
	(void)state;
	log_capture();
	fake_sysfs_create();
	eal_pci_set_sysfs_root(fake_root);
	fake_backend_reset();
	nvme_backend = fake_backend;
	nvme_backend.device_open = nvme_device_open;
	nvme_backend.device_close = nvme_device_close;
	assert_int_equal(eal_vfio_set_backend(&nvme_backend), 0);
	/* Only the NVMe driver: it is registered by its constructor. */
	fake_drivers_set_aside(NULL);
	fake_drivers_restore();
	model = nvme_model_create();
	nvme_model_add_ns(model, 1, 2048, 9, 0, false);
	eal_cfg.no_pci = false;
	fake_dev(BDF, 0x1b36, 0x0010, 0x010802, 4, "vfio-pci");
	fake_dev("0000:00:05.0", 0x1b36, 0x0010, 0x010802, 5, "nvme");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	eal_pci_cleanup();
	assert_int_equal(fake.devices_open, 0);
	eal_devargs_release(&eal_cfg);
	eal_vfio_set_backend(NULL);
	eal_pci_set_sysfs_root(NULL);
	fake_sysfs_destroy();
	eal_cfg.no_pci = true;
	/* The fake owns the eventfds the model may have borrowed. */
	for (unsigned int v = 0; v <= MODEL_MAX_QUEUES; v++)
		model->efd[v] = -1;
	nvme_model_free(model);
	log_release();
	return 0;
}

static void
test_nvme_pci_probe_claims_an_nvme_class_device(void **state)
{
	struct vdk_nvme_ctrlr *c;
	struct vdk_nvme_qpair *qp;
	struct vdk_pci_device *dev;
	uint8_t *buf = vdk_dma_zmalloc(4096, 4096, NULL);
	struct tu_done d = { 0 };
	uint16_t cmd;

	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	c = vdk_nvme_ctrlr_get(BDF);
	assert_non_null(c);
	assert_ptr_equal(vdk_nvme_ctrlr_next(NULL), c);
	assert_null(vdk_nvme_ctrlr_next(c));
	dev = vdk_pci_dev_lookup(BDF);
	assert_non_null(dev);
	assert_ptr_equal(dev->driver_data, c);
	assert_string_equal(dev->driver->name, "nvme");
	/* Bus mastering before the controller could fetch anything. */
	assert_int_equal(vdk_pci_cfg_read(dev, &cmd, 2, 4), 0);
	assert_true(cmd & 0x4);
	assert_int_equal(vdk_nvme_ctrlr_get_max_io_qpairs(c), 16);
	qp = vdk_nvme_ctrlr_alloc_io_qpair(c, NULL);
	assert_non_null(qp);
	tu_pattern(buf, 4096, 2);
	assert_int_equal(vdk_nvme_ns_cmd_write(vdk_nvme_ctrlr_get_ns(c, 1), qp, buf, 0, 8,
					       tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(model, qp, &d, 1), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	assert_memory_equal(model->ns[0].data, buf, 4096);
	/* The device on the kernel's driver was left alone. */
	assert_null(vdk_nvme_ctrlr_get("0000:00:05.0"));
	vdk_dma_free(buf);
}

static void
test_nvme_pci_device_arguments_set_the_controller_up(void **state)
{
	struct vdk_nvme_ctrlr *c;

	(void)state;
	/* driver= is the bus's, and reaches the driver too */
	assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_ALLOWED,
					 BDF ",io_queues=2,sgl=0,timeout_ms=100,driver=nvme"), 0);
	assert_int_equal(eal_pci_init(), 0);
	c = vdk_nvme_ctrlr_get(BDF);
	assert_non_null(c);
	assert_int_equal(vdk_nvme_ctrlr_get_max_io_qpairs(c), 2);
	assert_false(vdk_nvme_ctrlr_sgl_supported(c));
	assert_int_equal(c->cfg.io_timeout_ms, 100);
}

/*
 * Numbers are read by vdk_devargs_get_uint(), as every driver's are: a
 * value out of range or not a number fails the probe, the message names
 * the key, the value and the range, and the bus names the device.
 */
static void
test_nvme_pci_bad_device_argument_fails_the_probe(void **state)
{
	static const struct {
		const char *arg, *said;
	} bad[] = {
		{ ",io_queues=0", "device argument io_queues=0: out of range: give a number in "
				  "1..65535" },
		{ ",io_queues=65536", "io_queues=65536: out of range" },
		{ ",io_queues=4x", "device argument io_queues=4x: not a number: give one in "
				   "1..65535" },
		{ ",io_queues=-1", "io_queues=-1: not a number" },
		{ ",io_queues=", "io_queues=: not a number" },
		{ ",timeout_ms=3600001", "timeout_ms=3600001: out of range: give a number in "
					 "0..3600000" },
		{ ",admin_timeout_ms=0", "admin_timeout_ms=0: out of range" },
		{ ",sgl=2", "device argument sgl=2: out of range: give a number in 0..1" },
		{ ",sgl= 1", "sgl= 1: not a number" },
		/* a typo is refused, not dropped: the default would run unseen */
		{ ",io_queue=4", BDF ": unknown argument 'io_queue=4'; it takes io_queues=N," },
	};
	char devargs[64];

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		log_capture();
		snprintf(devargs, sizeof(devargs), "%s%s", BDF, bad[i].arg);
		assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_ALLOWED, devargs), 0);
		assert_true(eal_pci_init() < 0);
		log_expect(bad[i].said);
		log_expect(BDF ": driver nvme failed to probe it");
		assert_null(vdk_nvme_ctrlr_get(BDF));
		eal_pci_cleanup();
		eal_devargs_release(&eal_cfg);
	}
	log_capture();
}

/* A leading 0 is decimal, as for every driver's numbers: io_queues=010 is ten, not eight. */
static void
test_nvme_pci_device_argument_with_leading_zero_is_decimal(void **state)
{
	struct vdk_nvme_ctrlr *c;

	(void)state;
	assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_ALLOWED, BDF ",io_queues=010"), 0);
	assert_int_equal(eal_pci_init(), 0);
	c = vdk_nvme_ctrlr_get(BDF);
	assert_non_null(c);
	assert_int_equal(vdk_nvme_ctrlr_get_max_io_qpairs(c), 10);
}

static void
test_nvme_pci_detach_shuts_down_and_attach_brings_back(void **state)
{
	struct vdk_nvme_ctrlr *c, *again = NULL;
	struct vdk_pci_device *dev;

	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	c = vdk_nvme_ctrlr_get(BDF);
	assert_non_null(c);
	assert_non_null(vdk_nvme_ctrlr_alloc_io_qpair(c, NULL));
	assert_int_equal(vdk_nvme_ctrlr_detach(c), 0);
	assert_int_equal(model->nb_shutdown, 1);
	assert_null(vdk_nvme_ctrlr_get(BDF));
	dev = vdk_pci_dev_lookup(BDF);
	assert_null(dev->driver);
	assert_int_equal(fake.devices_open, 0);
	/* Attach again, as a tool would. */
	assert_int_equal(vdk_nvme_ctrlr_attach(BDF, &again), 0);
	assert_non_null(again);
	assert_ptr_equal(vdk_nvme_ctrlr_get(BDF), again);
	/* Attaching what is attached hands it back. */
	assert_int_equal(vdk_nvme_ctrlr_attach("00:04.0", &c), 0);
	assert_ptr_equal(c, again);
}

static void
test_nvme_pci_attach_refusals_say_what_to_do(void **state)
{
	struct vdk_nvme_ctrlr *c = NULL;

	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	log_capture();
	assert_int_equal(vdk_nvme_ctrlr_attach("0000:00:05.0", &c), -EACCES);
	log_expect("0000:00:05.0 is not bound to vfio-pci: run `vdk-setup bind 0000:00:05.0`");
	log_capture();
	assert_int_equal(vdk_nvme_ctrlr_attach("0000:00:1f.0", &c), -ENODEV);
	log_expect("0000:00:1f.0: no NVMe controller found there");
	log_capture();
	assert_int_equal(vdk_nvme_ctrlr_attach("nvme0", &c), -EINVAL);
	log_expect("\"nvme0\" is not a PCI address");
	assert_int_equal(vdk_nvme_ctrlr_attach(NULL, &c), -EINVAL);
	assert_int_equal(vdk_nvme_ctrlr_attach(BDF, NULL), -EINVAL);
	assert_null(c);
	eal_cfg.no_pci = true;
	log_capture();
	assert_int_equal(vdk_nvme_ctrlr_attach("0000:00:05.0", &c), -EPERM);
	log_expect("no NVMe controller found: the EAL runs with --no-pci");
	assert_int_equal(vdk_nvme_ctrlr_detach(NULL), -EINVAL);
	log_capture();
}

static void
test_nvme_pci_interrupts_through_msix_eventfds(void **state)
{
	struct vdk_nvme_qpair_opts o;
	struct vdk_nvme_ctrlr *c;
	struct vdk_nvme_qpair *qp;
	struct vdk_pci_device *dev;
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	struct tu_done d = { 0 };
	unsigned int v;

	(void)state;
	/* The fake device has 5 MSI-X vectors: admin plus four queues. */
	assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_ALLOWED, BDF ",io_queues=4"), 0);
	assert_int_equal(eal_pci_init(), 0);
	c = vdk_nvme_ctrlr_get(BDF);
	dev = vdk_pci_dev_lookup(BDF);
	vdk_nvme_qpair_opts_default(&o, sizeof(o));
	o.interrupts = true;
	qp = vdk_nvme_ctrlr_alloc_io_qpair(c, &o);
	assert_null(qp);   /* the model has no vectors yet: it refuses the CQ */
	assert_int_equal(vdk_intr_mode_get(dev), VDK_INTR_MODE_MSIX);
	assert_int_equal(vdk_intr_vector_count(dev), 5);
	/* Wire the model to the eventfds VFIO was given, as MSI-X would. */
	nvme_model_stop(model);
	for (v = 0; v < 5; v++)
		model->efd[v] = vdk_intr_efd(dev, v);
	model->nb_vectors = 5;
	nvme_model_run(model);
	qp = vdk_nvme_ctrlr_alloc_io_qpair(c, &o);
	assert_non_null(qp);
	assert_int_equal(vdk_nvme_ns_cmd_read(vdk_nvme_ctrlr_get_ns(c, 1), qp, buf, 0, 1,
					      tu_done_cb, &d, 0), 0);
	assert_int_equal(vdk_nvme_qpair_wait(qp, 5000), 0);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 1);
	assert_int_equal(d.n, 1);
	vdk_dma_free(buf);
}

static void
test_nvme_pci_too_few_vectors_refuses_interrupt_qpairs(void **state)
{
	struct vdk_nvme_qpair_opts o;
	struct vdk_nvme_ctrlr *c;
	struct vdk_pci_device *dev;

	(void)state;
	/* 16 queues granted: 17 vectors asked of a device with 5 (its MSI-X
	 * capability says 1). The driver takes what there is... */
	assert_int_equal(eal_pci_init(), 0);
	c = vdk_nvme_ctrlr_get(BDF);
	dev = vdk_pci_dev_lookup(BDF);
	vdk_nvme_qpair_opts_default(&o, sizeof(o));
	o.interrupts = true;
	log_capture();
	assert_null(vdk_nvme_ctrlr_alloc_io_qpair(c, &o));
	assert_int_equal(errno, ENOTSUP);
	/* ...and a queue without a vector of its own is refused, not shared. */
	log_expect("no interrupt vector for queue 1: use a polled queue pair");
	assert_int_equal(vdk_intr_mode_get(dev), VDK_INTR_MODE_MSIX);
	assert_int_equal(vdk_intr_vector_count(dev), 1);
	/* Polled queue pairs are unaffected. */
	assert_non_null(vdk_nvme_ctrlr_alloc_io_qpair(c, NULL));
	log_capture();
}

/*
 * The kernel takes the device back (unbind, unplug) with commands in
 * flight: the controller is failed at once, each command completes once
 * with "COMMAND ABORTED BY HOST", later calls get -ENXIO, and detach
 * does not wait for a device that is gone.
 */
static void
test_nvme_pci_removal_fails_the_controller_and_aborts_commands_once(void **state)
{
	struct vdk_nvme_ctrlr *c;
	struct vdk_nvme_qpair *qp;
	struct vdk_nvme_ns *ns;
	struct fake_device *fd = NULL;
	struct tu_done d[4] = { { 0 } };
	uint8_t *buf = vdk_dma_zmalloc(4096, 4096, NULL);
	uint64_t one = 1, end;

	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	c = vdk_nvme_ctrlr_get(BDF);
	assert_non_null(c);
	ns = vdk_nvme_ctrlr_get_ns(c, 1);
	qp = vdk_nvme_ctrlr_alloc_io_qpair(c, NULL);
	assert_non_null(qp);
	model->hold_io = true;
	for (int i = 0; i < 4; i++)
		assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, (uint64_t)i * 8, 8, tu_done_cb,
						      &d[i], 0), 0);
	assert_true(vdk_nvme_qpair_process_completions(qp, 0) >= 0);
	for (unsigned int i = 0; i < fake.nb_devs; i++)
		if (strcmp(fake.devs[i].bdf, BDF) == 0)
			fd = &fake.devs[i];
	assert_non_null(fd);
	assert_int_equal(fd->irq_nb[EAL_VFIO_IRQ_REQ], 1);
	assert_int_equal(write(fd->irq_efd[EAL_VFIO_IRQ_REQ][0], &one, sizeof(one)), 8);
	/* The driver is told on the interrupt thread: no poll needed to notice. */
	end = vdk_rdtsc() + 2 * vdk_get_tsc_hz();
	while (!vdk_nvme_ctrlr_is_failed(c) && vdk_rdtsc() < end)
		sched_yield();
	assert_true(vdk_nvme_ctrlr_is_failed(c));
	assert_int_equal(vdk_pci_dev_is_removed(vdk_pci_dev_lookup(BDF)), 1);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), -ENXIO);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), -ENXIO);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(d[i].n, 1);
		assert_true(vdk_nvme_cpl_is_error(&d[i].cpl));
		assert_int_equal(vdk_nvme_cpl_sct(&d[i].cpl), VDK_NVME_SCT_PATH);
		assert_int_equal(vdk_nvme_cpl_sc(&d[i].cpl), VDK_NVME_SC_ABORTED_BY_HOST);
	}
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 8, tu_done_cb, &d[0], 0), -ENXIO);
	assert_int_equal(d[0].n, 1);
	assert_int_equal(vdk_nvme_ctrlr_free_io_qpair(qp), 0);
	assert_int_equal(vdk_nvme_ctrlr_detach(c), 0);
	assert_int_equal(model->nb_shutdown, 0);	/* nothing reached the gone device */
	assert_null(vdk_nvme_ctrlr_get(BDF));
	model->hold_io = false;
	vdk_dma_free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nvme_pci_probe_claims_an_nvme_class_device,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_pci_device_arguments_set_the_controller_up,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_pci_bad_device_argument_fails_the_probe,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_nvme_pci_device_argument_with_leading_zero_is_decimal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_pci_detach_shuts_down_and_attach_brings_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_pci_attach_refusals_say_what_to_do, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_pci_interrupts_through_msix_eventfds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_nvme_pci_removal_fails_the_controller_and_aborts_commands_once, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_nvme_pci_too_few_vectors_refuses_interrupt_qpairs,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("nvme_pci", tests, eal_up, eal_down);
}
