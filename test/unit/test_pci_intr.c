/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupts (lib/eal/eal_intr.c) over the fake backend: the fake keeps
 * the eventfds VFIO would signal, so a test "fires" a vector by writing
 * to one and the real interrupt thread runs the callback.
 */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "eal_pci_internal.h"
#include "test_common.h"
#include "test_pci_fake.h"
#include "vdk_intr.h"
#include "vdk_log.h"

static struct vdk_pci_device *dev;

static int
t_probe(struct vdk_pci_device *d)
{
	dev = d;
	return 0;
}

static const struct vdk_pci_id t_ids[] = { { VDK_PCI_DEVICE(0x8086, 0x10d3) }, { 0 } };
static const struct vdk_pci_driver t_drv = { .name = "t_intr", .id_table = t_ids,
					     .probe = t_probe };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int calls[8];
	char thread_name[16];
	unsigned int sleep_ms;
	bool entered;             /* the callback has started */
	bool unregister_self;
	bool unmask;
	int unregister_ret;
	unsigned int bad_args;
} cb = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void
on_intr(struct vdk_pci_device *d, unsigned int vector, void *arg)
{
	/* No cmocka asserts here: they must not run off the test's thread. */
	if (d != dev || arg != &cb)
		cb.bad_args++;
	pthread_mutex_lock(&cb.lock);
	cb.entered = true;
	pthread_cond_broadcast(&cb.cond);
	pthread_mutex_unlock(&cb.lock);
	if (cb.sleep_ms) {
		struct timespec ts = { 0, (long)cb.sleep_ms * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (cb.unregister_self)
		cb.unregister_ret = vdk_intr_callback_unregister(d, vector);
	if (cb.unmask)
		vdk_intr_unmask(d);
	pthread_mutex_lock(&cb.lock);
	pthread_getname_np(pthread_self(), cb.thread_name, sizeof(cb.thread_name));
	cb.calls[vector]++;
	pthread_cond_broadcast(&cb.cond);
	pthread_mutex_unlock(&cb.lock);
}

/* Wait (5 s at most) until the interrupt thread is inside a callback. */
static bool
wait_entered(void)
{
	struct timespec dl;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	pthread_mutex_lock(&cb.lock);
	while (!cb.entered && pthread_cond_timedwait(&cb.cond, &cb.lock, &dl) == 0)
		;
	ok = cb.entered;
	pthread_mutex_unlock(&cb.lock);
	return ok;
}

static bool
wait_calls(unsigned int vector, unsigned int n)
{
	struct timespec dl;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	pthread_mutex_lock(&cb.lock);
	while (cb.calls[vector] < n &&
	       pthread_cond_timedwait(&cb.cond, &cb.lock, &dl) == 0)
		;
	ok = cb.calls[vector] >= n;
	pthread_mutex_unlock(&cb.lock);
	return ok;
}

static struct fake_device *
fdev(void)
{
	return &fake.devs[0];
}

/* What the device does when VFIO delivers vector @v of @index. */
static void
fire(unsigned int index, unsigned int v)
{
	uint64_t one = 1;

	assert_true((int)v < fdev()->irq_nb[index]);
	assert_int_equal(write(fdev()->irq_efd[index][v], &one, sizeof(one)), sizeof(one));
}

static int
setup(void **state)
{
	(void)state;
	log_capture();
	fake_sysfs_create();
	eal_pci_set_sysfs_root(fake_root);
	fake_backend_reset();
	assert_int_equal(eal_vfio_set_backend(&fake_backend), 0);
	fake_drivers_set_aside(NULL);
	assert_int_equal(vdk_pci_driver_register(&t_drv), 0);
	fake_dev("0000:00:06.0", 0x8086, 0x10d3, 0x020000, 6, "vfio-pci");
	dev = NULL;
	assert_int_equal(eal_pci_init(), 0);
	assert_non_null(dev);
	pthread_mutex_lock(&cb.lock);
	memset(cb.calls, 0, sizeof(cb.calls));
	cb.thread_name[0] = '\0';
	cb.sleep_ms = 0;
	cb.entered = false;
	cb.unregister_self = false;
	cb.unmask = false;
	cb.unregister_ret = 1;
	cb.bad_args = 0;
	pthread_mutex_unlock(&cb.lock);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	eal_pci_cleanup();
	assert_int_equal(fake.devices_open, 0);
	assert_int_equal(cb.bad_args, 0);
	vdk_pci_driver_unregister(&t_drv);
	fake_drivers_restore();
	eal_vfio_set_backend(NULL);
	eal_pci_set_sysfs_root(NULL);
	fake_sysfs_destroy();
	log_release();
	return 0;
}

static void
test_msix_vector_runs_its_callback_on_the_interrupt_thread(void **state)
{
	(void)state;
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 2), 0);
	assert_int_equal(vdk_intr_mode_get(dev), VDK_INTR_MODE_MSIX);
	assert_int_equal(vdk_intr_vector_count(dev), 2);
	assert_int_equal(fdev()->irq_nb[EAL_VFIO_IRQ_MSIX], 2);
	assert_int_equal(vdk_intr_callback_register(dev, 1, on_intr, &cb), 0);
	fire(EAL_VFIO_IRQ_MSIX, 1);
	assert_true(wait_calls(1, 1));
	fire(EAL_VFIO_IRQ_MSIX, 1);
	assert_true(wait_calls(1, 2));
	assert_string_equal(cb.thread_name, "vdk-intr");
	assert_int_equal(cb.calls[0], 0);
}

static void
test_vector_without_callback_is_read_through_its_eventfd(void **state)
{
	struct pollfd p;
	uint64_t n = 0;
	int fd;

	(void)state;
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 1), 0);
	fd = vdk_intr_efd(dev, 0);
	assert_true(fd >= 0);
	fire(EAL_VFIO_IRQ_MSIX, 0);
	fire(EAL_VFIO_IRQ_MSIX, 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(read(fd, &n, sizeof(n)), sizeof(n));
	assert_int_equal(n, 2);
	assert_int_equal(vdk_intr_efd(dev, 1), -ENOENT);
	assert_int_equal(vdk_intr_efd(NULL, 0), -EINVAL);
}

static void
test_auto_mode_picks_msix_and_trims_to_what_the_device_has(void **state)
{
	(void)state;
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_AUTO, 32), 0);
	assert_int_equal(vdk_intr_mode_get(dev), VDK_INTR_MODE_MSIX);
	assert_int_equal(vdk_intr_vector_count(dev), 5);
}

static void
test_enable_refuses_bad_requests_and_leaves_interrupts_off(void **state)
{
	(void)state;
	assert_int_equal(vdk_intr_enable(NULL, VDK_INTR_MODE_MSIX, 1), -EINVAL);
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 0), -EINVAL);
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_NONE, 1), -EINVAL);
	assert_int_equal(vdk_intr_enable(dev, (enum vdk_intr_mode)99, 1), -EINVAL);
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSI, 2), -ERANGE);
	assert_non_null(strstr(logged(), "0000:00:06.0 has 1 MSI vectors, 2 asked"));
	assert_int_equal(vdk_intr_mode_get(dev), VDK_INTR_MODE_NONE);
	fdev()->irq_set_err = -EINVAL;
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 2), -EINVAL);
	assert_non_null(strstr(logged(), "enabling 2 MSI-X vectors failed"));
	assert_int_equal(vdk_intr_vector_count(dev), 0);
	fdev()->irq_set_err = 0;
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSI, 1), 0);
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 1), -EBUSY);
	assert_non_null(strstr(logged(), "MSI interrupts are enabled already"));
	assert_int_equal(vdk_intr_mode_get(dev), VDK_INTR_MODE_MSI);
}

static void
test_register_refuses_missing_vectors_and_duplicates(void **state)
{
	(void)state;
	assert_int_equal(vdk_intr_callback_register(dev, 0, on_intr, &cb), -ENOENT);
	assert_non_null(strstr(logged(), "no vector 0 enabled"));
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 2), 0);
	assert_int_equal(vdk_intr_callback_register(dev, 2, on_intr, &cb), -ENOENT);
	assert_int_equal(vdk_intr_callback_register(dev, 0, NULL, &cb), -EINVAL);
	assert_int_equal(vdk_intr_callback_register(NULL, 0, on_intr, &cb), -EINVAL);
	assert_int_equal(vdk_intr_callback_register(dev, 0, on_intr, &cb), 0);
	assert_int_equal(vdk_intr_callback_register(dev, 0, on_intr, &cb), -EEXIST);
	assert_int_equal(vdk_intr_callback_unregister(dev, 1), -ENOENT);
	assert_int_equal(vdk_intr_callback_unregister(NULL, 0), -EINVAL);
	assert_int_equal(vdk_intr_callback_unregister(dev, 0), 0);
	assert_int_equal(vdk_intr_callback_unregister(dev, 0), -ENOENT);
}

static void
test_unregister_waits_for_a_running_callback(void **state)
{
	unsigned int calls;

	(void)state;
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 1), 0);
	assert_int_equal(vdk_intr_callback_register(dev, 0, on_intr, &cb), 0);
	/* Long enough that an unregister which does not wait returns first. */
	cb.sleep_ms = 200;
	fire(EAL_VFIO_IRQ_MSIX, 0);
	assert_true(wait_entered());
	assert_int_equal(vdk_intr_callback_unregister(dev, 0), 0);
	/* It returned only once the callback had finished, however late that was. */
	pthread_mutex_lock(&cb.lock);
	calls = cb.calls[0];
	pthread_mutex_unlock(&cb.lock);
	assert_int_equal(calls, 1);
	/* After unregister the callback never runs again. */
	cb.sleep_ms = 0;
	fire(EAL_VFIO_IRQ_MSIX, 0);
	usleep(50000);
	assert_int_equal(cb.calls[0], 1);
}

static void
test_callback_may_unregister_itself(void **state)
{
	(void)state;
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 1), 0);
	assert_int_equal(vdk_intr_callback_register(dev, 0, on_intr, &cb), 0);
	cb.unregister_self = true;
	fire(EAL_VFIO_IRQ_MSIX, 0);
	assert_true(wait_calls(0, 1));
	assert_int_equal(cb.unregister_ret, 0);
	assert_int_equal(vdk_intr_callback_unregister(dev, 0), -ENOENT);
	/* The vector can take a new callback. */
	cb.unregister_self = false;
	assert_int_equal(vdk_intr_callback_register(dev, 0, on_intr, &cb), 0);
	fire(EAL_VFIO_IRQ_MSIX, 0);
	assert_true(wait_calls(0, 2));
}

static void
test_intx_callback_unmasks_the_line(void **state)
{
	(void)state;
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_INTX, 1), 0);
	assert_int_equal(vdk_intr_mode_get(dev), VDK_INTR_MODE_INTX);
	assert_int_equal(vdk_intr_callback_register(dev, 0, on_intr, &cb), 0);
	cb.unmask = true;
	fire(EAL_VFIO_IRQ_INTX, 0);
	assert_true(wait_calls(0, 1));
	assert_int_equal(fdev()->unmasks, 1);
	assert_int_equal(vdk_intr_unmask(NULL), -EINVAL);
}

static void
test_unmask_outside_intx_is_enotsup(void **state)
{
	(void)state;
	assert_int_equal(vdk_intr_unmask(dev), -ENOTSUP);
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 1), 0);
	assert_int_equal(vdk_intr_unmask(dev), -ENOTSUP);
	assert_int_equal(fdev()->unmasks, 0);
}

static void
test_disable_tears_down_vectors_and_callbacks(void **state)
{
	(void)state;
	assert_int_equal(vdk_intr_disable(dev), 0);
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 3), 0);
	assert_int_equal(vdk_intr_callback_register(dev, 0, on_intr, &cb), 0);
	assert_int_equal(vdk_intr_callback_register(dev, 2, on_intr, &cb), 0);
	assert_int_equal(vdk_intr_disable(dev), 0);
	assert_int_equal(fdev()->irq_nb[EAL_VFIO_IRQ_MSIX], 0);
	assert_int_equal(vdk_intr_mode_get(dev), VDK_INTR_MODE_NONE);
	assert_int_equal(vdk_intr_vector_count(dev), 0);
	assert_int_equal(vdk_intr_disable(NULL), -EINVAL);
	/* And can be enabled again in another mode. */
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSI, 1), 0);
}

static void
test_detach_disables_interrupts(void **state)
{
	(void)state;
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 2), 0);
	assert_int_equal(vdk_intr_callback_register(dev, 1, on_intr, &cb), 0);
	assert_int_equal(vdk_pci_dev_detach(dev), 0);
	assert_int_equal(fdev()->irq_nb[EAL_VFIO_IRQ_MSIX], 0);
	assert_int_equal(vdk_intr_mode_get(dev), VDK_INTR_MODE_NONE);
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 1), -ENODEV);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_msix_vector_runs_its_callback_on_the_interrupt_thread),
		T(test_vector_without_callback_is_read_through_its_eventfd),
		T(test_auto_mode_picks_msix_and_trims_to_what_the_device_has),
		T(test_enable_refuses_bad_requests_and_leaves_interrupts_off),
		T(test_register_refuses_missing_vectors_and_duplicates),
		T(test_unregister_waits_for_a_running_callback),
		T(test_callback_may_unregister_itself),
		T(test_intx_callback_unmasks_the_line),
		T(test_unmask_outside_intx_is_enotsup),
		T(test_disable_tears_down_vectors_and_callbacks),
		T(test_detach_disables_interrupts),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
