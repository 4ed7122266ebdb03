/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A device the kernel takes back (lib/eal/eal_pci_remove.c) over the fake
 * backend: the fake keeps the request eventfd the EAL registers, so a
 * test plays the kernel's unbind by writing to it, and the real interrupt
 * thread handles it. What the kernel needs before its removal can finish
 * is checked where the kernel would see it: no fd and no mapping of the
 * process refers to the device's file any more.
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <cmocka.h>

#include "eal_pci_internal.h"
#include "test_common.h"
#include "test_pci_fake.h"
#include "vdk_intr.h"
#include "vdk_log.h"

#define BDF "0000:00:06.0"
#define REG_MAGIC 0x12345678u

static struct vdk_pci_device *dev;
static volatile uint32_t *bar0;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int removed_calls;	/* the driver's removed() */
	unsigned int remove_calls;	/* the driver's remove() */
	uint32_t bar_at_removed;	/* what BAR0 read inside removed() */
	int flag_at_removed;		/* vdk_pci_dev_is_removed() inside removed() */
	char removed_thread[16];
	unsigned int events;		/* the app's callback */
	unsigned int events_second;	/* a second callback, registered later */
	unsigned int order_bad;		/* the second ran before the first */
	struct vdk_pci_device *event_dev;
	int cfg_ret_in_event;
	bool detach_in_event;
	int detach_ret;
} st = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static int
t_probe(struct vdk_pci_device *d)
{
	void *p;
	size_t len;

	if (vdk_pci_map_bar(d, 0, &p, &len) != 0)
		return -EIO;
	dev = d;
	bar0 = p;
	bar0[1] = REG_MAGIC;
	return 0;
}

static int
t_remove(struct vdk_pci_device *d)
{
	(void)d;
	st.remove_calls++;
	return 0;
}

static void
t_removed(struct vdk_pci_device *d)
{
	/* No cmocka asserts here: they must not run off the test's thread. */
	st.bar_at_removed = bar0[1];
	st.flag_at_removed = vdk_pci_dev_is_removed(d);
	pthread_getname_np(pthread_self(), st.removed_thread, sizeof(st.removed_thread));
	st.removed_calls++;
}

static const struct vdk_pci_id t_ids[] = { { VDK_PCI_DEVICE(0x8086, 0x10d3) }, { 0 } };
static const struct vdk_pci_driver t_drv = { .name = "t_remove", .id_table = t_ids,
					     .probe = t_probe, .remove = t_remove,
					     .removed = t_removed };

static void
on_event(struct vdk_pci_device *d, enum vdk_pci_event ev, void *arg)
{
	uint32_t v;

	(void)arg;
	pthread_mutex_lock(&st.lock);
	if (ev == VDK_PCI_EVENT_REMOVED) {
		st.event_dev = d;
		st.cfg_ret_in_event = vdk_pci_cfg_read(d, &v, sizeof(v), 0);
		if (st.detach_in_event)
			st.detach_ret = vdk_pci_dev_detach(d);
		st.events++;
	}
	pthread_cond_broadcast(&st.cond);
	pthread_mutex_unlock(&st.lock);
}

static void
on_event_second(struct vdk_pci_device *d, enum vdk_pci_event ev, void *arg)
{
	(void)d;
	(void)ev;
	(void)arg;
	pthread_mutex_lock(&st.lock);
	if (st.events == 0)
		st.order_bad++;
	st.events_second++;
	pthread_cond_broadcast(&st.cond);
	pthread_mutex_unlock(&st.lock);
}

static bool
wait_events(unsigned int n)
{
	struct timespec dl;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	pthread_mutex_lock(&st.lock);
	while (st.events < n && pthread_cond_timedwait(&st.cond, &st.lock, &dl) == 0)
		;
	ok = st.events >= n;
	pthread_mutex_unlock(&st.lock);
	return ok;
}

static struct fake_device *
fdev(void)
{
	return &fake.devs[0];
}

/* The kernel's unbind: signal the request eventfd the EAL gave it. */
static void
kernel_requests_device(void)
{
	uint64_t one = 1;

	assert_int_equal(fdev()->irq_nb[EAL_VFIO_IRQ_REQ], 1);
	assert_int_equal(write(fdev()->irq_efd[EAL_VFIO_IRQ_REQ][0], &one, sizeof(one)),
			 sizeof(one));
}

/* Does any fd or mapping of the process still refer to a fake device's memfd? */
static unsigned int
device_file_refs(void)
{
	char path[64], target[PATH_MAX], line[512];
	unsigned int refs = 0;
	FILE *f;

	for (int fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "fake-vfio-device") != NULL)
			refs++;
	}
	f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "fake-vfio-device") != NULL)
			refs++;
	fclose(f);
	return refs;
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
	fake_dev(BDF, 0x8086, 0x10d3, 0x020000, 6, "vfio-pci");
	pthread_mutex_lock(&st.lock);
	st.removed_calls = st.remove_calls = st.events = st.events_second = 0;
	st.order_bad = 0;
	st.bar_at_removed = 0;
	st.flag_at_removed = -1;
	st.removed_thread[0] = '\0';
	st.event_dev = NULL;
	st.cfg_ret_in_event = 1;
	st.detach_in_event = false;
	st.detach_ret = 1;
	pthread_mutex_unlock(&st.lock);
	assert_int_equal(vdk_pci_event_callback_register(on_event, &st), 0);
	dev = NULL;
	assert_int_equal(eal_pci_init(), 0);
	assert_non_null(dev);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	vdk_pci_event_callback_unregister(on_event, &st);
	vdk_pci_event_callback_unregister(on_event_second, &st);
	eal_pci_cleanup();
	assert_int_equal(fake.devices_open, 0);
	assert_int_equal(fake.groups_open, 0);
	vdk_pci_driver_unregister(&t_drv);
	fake_drivers_restore();
	eal_vfio_set_backend(NULL);
	eal_pci_set_sysfs_root(NULL);
	fake_sysfs_destroy();
	log_release();
	return 0;
}

static void
test_open_registers_the_request_interrupt(void **state)
{
	(void)state;
	assert_int_equal(fdev()->irq_nb[EAL_VFIO_IRQ_REQ], 1);
	assert_true(fdev()->irq_efd[EAL_VFIO_IRQ_REQ][0] >= 0);
	assert_int_equal(vdk_pci_dev_is_removed(dev), 0);
	/* Detach takes it down again, while the fd is still VFIO's. */
	assert_int_equal(vdk_pci_dev_detach(dev), 0);
	assert_int_equal(fdev()->irq_nb[EAL_VFIO_IRQ_REQ], 0);
}

static void
test_request_releases_the_device_and_tells_driver_then_app(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(bar0[1], REG_MAGIC);
	assert_true(device_file_refs() >= 2);	/* the fd and the BAR0 mapping */
	assert_int_equal(vdk_pci_event_callback_register(on_event_second, &st), 0);
	kernel_requests_device();
	assert_true(wait_events(1));

	/* The driver was told first, on the interrupt thread, with the BAR safe. */
	assert_int_equal(st.removed_calls, 1);
	assert_string_equal(st.removed_thread, "vdk-intr");
	assert_int_equal(st.flag_at_removed, 1);
	assert_int_equal(st.bar_at_removed, 0xffffffffu);
	/* The app's callbacks, in registration order, with the device already gone. */
	assert_ptr_equal(st.event_dev, dev);
	assert_int_equal(st.cfg_ret_in_event, -ENODEV);
	pthread_mutex_lock(&st.lock);
	while (st.events_second == 0)
		pthread_cond_wait(&st.cond, &st.lock);
	pthread_mutex_unlock(&st.lock);
	assert_int_equal(st.order_bad, 0);

	/* Nothing of the process holds the device: the kernel's unbind can finish. */
	assert_int_equal(device_file_refs(), 0);
	assert_int_equal(fake.groups_open, 0);
	assert_int_equal(vdk_pci_dev_is_removed(dev), 1);
	/* The BAR stays readable, all ones, at the driver's address. */
	assert_int_equal(bar0[0], 0xffffffffu);
	assert_int_equal(bar0[1], 0xffffffffu);
	bar0[2] = 0;	/* a doorbell write in flight lands harmlessly */
	assert_int_equal(vdk_pci_cfg_read(dev, &v, sizeof(v), 0), -ENODEV);
	assert_int_equal(vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 1), -ENODEV);
	assert_int_equal(vdk_pci_reset(dev), -ENODEV);

	/* The app detaches: remove() runs, the rest is freed. */
	assert_int_equal(st.remove_calls, 0);
	assert_int_equal(vdk_pci_dev_detach(dev), 0);
	assert_int_equal(st.remove_calls, 1);
	assert_int_equal(fake.devices_open, 0);
	assert_int_equal(st.removed_calls, 1);
}

/* An lcore polling the BAR while the device goes: only the old value or all ones. */
static struct {
	volatile bool stop;
	unsigned long reads, bad;
} poll_st;

static void *
poller(void *arg)
{
	(void)arg;
	while (!poll_st.stop) {
		uint32_t v = bar0[1];

		if (v != REG_MAGIC && v != 0xffffffffu)
			poll_st.bad++;
		__atomic_fetch_add(&poll_st.reads, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void
test_poll_loop_in_flight_reads_old_value_or_all_ones(void **state)
{
	pthread_t t;

	(void)state;
	poll_st.stop = false;
	poll_st.reads = poll_st.bad = 0;
	assert_int_equal(pthread_create(&t, NULL, poller, NULL), 0);
	while (__atomic_load_n(&poll_st.reads, __ATOMIC_RELAXED) < 1000)
		sched_yield();
	kernel_requests_device();
	assert_true(wait_events(1));
	{
		unsigned long after = __atomic_load_n(&poll_st.reads, __ATOMIC_RELAXED);

		while (__atomic_load_n(&poll_st.reads, __ATOMIC_RELAXED) < after + 1000)
			sched_yield();
	}
	poll_st.stop = true;
	pthread_join(t, NULL);
	assert_int_equal(poll_st.bad, 0);
	assert_int_equal(bar0[1], 0xffffffffu);
	assert_int_equal(vdk_pci_dev_detach(dev), 0);
}

static void
test_callback_may_detach_the_device(void **state)
{
	(void)state;
	st.detach_in_event = true;
	kernel_requests_device();
	assert_true(wait_events(1));
	assert_int_equal(st.detach_ret, 0);
	assert_int_equal(st.remove_calls, 1);
	assert_int_equal(fake.devices_open, 0);
	assert_null(dev->driver);
}

/*
 * The app detaches while the request waits for the bus lock: the request
 * must then do nothing (and not deadlock: the detach waits for nobody).
 */
static void
test_request_racing_a_detach_does_nothing(void **state)
{
	struct timespec nap = { 0, 50 * 1000000L };

	(void)state;
	eal_pci_lock();
	kernel_requests_device();
	nanosleep(&nap, NULL);	/* the handler is waiting for the lock now */
	assert_int_equal(vdk_pci_dev_detach(dev), 0);
	eal_pci_unlock();
	nanosleep(&nap, NULL);
	nanosleep(&nap, NULL);
	assert_int_equal(st.removed_calls, 0);
	assert_int_equal(st.events, 0);
	assert_int_equal(vdk_pci_dev_is_removed(dev), 0);
	assert_int_equal(st.remove_calls, 1);
}

static void
test_removed_device_can_be_attached_again(void **state)
{
	struct vdk_pci_device *old = dev;

	(void)state;
	kernel_requests_device();
	assert_true(wait_events(1));
	assert_int_equal(vdk_pci_dev_attach(BDF), -EEXIST);	/* still claimed */
	assert_int_equal(vdk_pci_dev_detach(old), 0);
	/* device_add brought it back: a fresh scan, a fresh open. */
	dev = NULL;
	assert_int_equal(vdk_pci_dev_attach(BDF), 0);
	assert_non_null(dev);
	assert_int_equal(vdk_pci_dev_is_removed(dev), 0);
	assert_int_equal(bar0[1], REG_MAGIC);
	assert_int_equal(fdev()->irq_nb[EAL_VFIO_IRQ_REQ], 1);
	assert_ptr_equal(vdk_pci_dev_lookup(BDF), dev);
}

static void
test_kernel_without_request_interrupt_still_opens(void **state)
{
	(void)state;
	assert_int_equal(vdk_pci_dev_detach(dev), 0);
	fake.no_req = true;
	dev = NULL;
	assert_int_equal(vdk_pci_dev_attach(BDF), 0);
	assert_non_null(dev);
	assert_int_equal(fdev()->irq_nb[EAL_VFIO_IRQ_REQ], 0);
	assert_non_null(strstr(logged(), "no device request interrupt"));
}

/* An app callback that takes its time and reads the device at the end. */
static struct {
	volatile bool in, done;
	char name[VDK_PCI_NAME_LEN];
} slow;

static void
on_event_slow(struct vdk_pci_device *d, enum vdk_pci_event ev, void *arg)
{
	struct timespec nap = { 0, 300 * 1000000L };

	(void)ev;
	(void)arg;
	slow.in = true;
	nanosleep(&nap, NULL);
	memcpy(slow.name, d->name, sizeof(slow.name));
	slow.done = true;
}

/* Cleanup frees the device structs: not while a removal's callbacks still run. */
static void
test_cleanup_waits_for_removal_callbacks(void **state)
{
	(void)state;
	memset(&slow, 0, sizeof(slow));
	assert_int_equal(vdk_pci_event_callback_register(on_event_slow, NULL), 0);
	kernel_requests_device();
	while (!slow.in)
		sched_yield();
	eal_pci_cleanup();
	assert_true(slow.done);
	assert_string_equal(slow.name, BDF);
	assert_int_equal(vdk_pci_event_callback_unregister(on_event_slow, NULL), 0);
}

static void
test_event_callback_register_refuses_bad_and_duplicate(void **state)
{
	(void)state;
	assert_int_equal(vdk_pci_event_callback_register(NULL, NULL), -EINVAL);
	assert_int_equal(vdk_pci_event_callback_register(on_event, &st), -EEXIST);
	assert_int_equal(vdk_pci_event_callback_unregister(on_event_second, &st), -ENOENT);
	assert_int_equal(vdk_pci_event_callback_unregister(NULL, &st), -EINVAL);
	assert_int_equal(vdk_pci_dev_is_removed(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_open_registers_the_request_interrupt),
		T(test_request_releases_the_device_and_tells_driver_then_app),
		T(test_poll_loop_in_flight_reads_old_value_or_all_ones),
		T(test_callback_may_detach_the_device),
		T(test_request_racing_a_detach_does_nothing),
		T(test_removed_device_can_be_attached_again),
		T(test_kernel_without_request_interrupt_still_opens),
		T(test_cleanup_waits_for_removal_callbacks),
		T(test_event_callback_register_refuses_bad_and_duplicate),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
