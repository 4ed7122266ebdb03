/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/net/virtio/virtio_pci.c over the model's fake BAR, compiled in
 * so that its reads of config_generation reach the model (virtio_model.h):
 * the device configuration read consistently when the generation
 * settles, and a bounded number of tries when it never does; and so that
 * its reads of device_status during a reset do: a reset that completes
 * late is waited for, one that never completes fails on the clock with
 * the register named.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "virtio_model.h"

#define VIRTIO_PCI_CONFIG_GENERATION(vp) virtio_model_generation(vp)
#define VIRTIO_PCI_RESET_STATUS(vp) virtio_model_reset_status(vp)
#include "virtio_pci.c"

#include "test_eal_fixture.h"

/* Far more reads than any bound the driver may choose: it is looping. */
#define GEN_READS_LOOPING 1000000ul

static int
setup(void **state)
{
	struct virtio_model *m = virtio_model_create(1ull << VIRTIO_F_VERSION_1, 0);
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

	if (m == NULL)
		return -1;
	for (unsigned int i = 0; i < sizeof(mac); i++)
		m->device[VIRTIO_NET_CFG_MAC + i] = mac[i];
	*state = m;
	return 0;
}

static int
teardown(void **state)
{
	log_release();
	virtio_model_free(*state);
	return 0;
}

/* A generation that changes on each of the first gen_arg (a count) pairs of reads. */
static uint8_t
gen_settles_after(struct virtio_model *m)
{
	unsigned long changes = (unsigned long)(uintptr_t)m->gen_arg;

	if (m->gen_reads > GEN_READS_LOOPING)
		fail_msg("config_generation read %lu times: the driver does not stop",
			 m->gen_reads);
	/* Reads 1, 2 differ, 3, 4 differ, ... until the pairs run out. */
	return (uint8_t)(m->gen_reads <= 2 * changes ? m->gen_reads : 2 * changes + 1);
}

static void
test_virtio_read_dev_cfg_copies_a_settled_configuration(void **state)
{
	struct virtio_model *m = *state;
	uint8_t mac[6];

	assert_int_equal(virtio_pci_read_dev_cfg(&m->port->vp, VIRTIO_NET_CFG_MAC, mac, 6), 0);
	assert_int_equal(mac[0], 0x52);
	assert_int_equal(mac[5], 0x56);
	/* Once before and once after. */
	assert_int_equal(m->gen_reads, 2);
}

static void
test_virtio_read_dev_cfg_rereads_while_generation_changes(void **state)
{
	struct virtio_model *m = *state;
	uint8_t mac[6];

	m->gen_hook = gen_settles_after;
	m->gen_arg = (void *)(uintptr_t)5;
	assert_int_equal(virtio_pci_read_dev_cfg(&m->port->vp, VIRTIO_NET_CFG_MAC, mac, 6), 0);
	assert_int_equal(mac[1], 0x54);
	assert_int_equal(m->gen_reads, 2 * 5 + 2);
}

static void
test_virtio_read_dev_cfg_gives_up_on_a_generation_that_never_settles(void **state)
{
	struct virtio_model *m = *state;
	uint8_t mac[6] = { 1, 1, 1, 1, 1, 1 };

	log_capture();
	m->gen_hook = gen_settles_after;
	m->gen_arg = (void *)(uintptr_t)ULONG_MAX;
	assert_int_equal(virtio_pci_read_dev_cfg(&m->port->vp, VIRTIO_NET_CFG_MAC, mac, 6), -EIO);
	log_expect("config_generation changed on each of 64 reads");
	assert_int_equal(m->gen_reads, 2 * VIRTIO_CFG_TRIES);
	/* Nothing half-read is left for the caller to use. */
	for (unsigned int i = 0; i < sizeof(mac); i++)
		assert_int_equal(mac[i], 0);
}

static void
test_virtio_read_dev_cfg_refuses_bytes_beyond_the_structure(void **state)
{
	struct virtio_model *m = *state;
	uint16_t v = 7;

	assert_int_equal(virtio_pci_read_dev_cfg(&m->port->vp, VMODEL_DEVICE_LEN - 1, &v, 2),
			 -ERANGE);
	assert_int_equal(v, 0);
	assert_int_equal(m->gen_reads, 0);
}

/* §4.1.4.3.2: a device still busy for a few reads after the 0 is written is waited for. */
static void
test_virtio_reset_waits_for_device_status_to_read_0(void **state)
{
	struct virtio_model *m = *state;

	m->common->device_status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	m->reset_busy_reads = 3;
	assert_int_equal(virtio_pci_reset(&m->port->vp), 0);
	/* Three busy reads, then the one that saw 0. */
	assert_int_equal(m->reset_status_reads, 4);
	assert_int_equal(m->common->device_status, 0);
}

/*
 * A device whose status never reads back 0: the reset fails with
 * -ETIMEDOUT after the driver's bound, 1 s on the clock (not a count of
 * sleeps a loaded machine stretches), and the message names the register,
 * the device and what to do.
 */
static void
test_virtio_reset_that_never_completes_times_out_naming_device_status(void **state)
{
	struct virtio_model *m = *state;
	uint64_t t0, el;

	m->reset_busy_reads = ULONG_MAX;
	log_capture();
	t0 = now_ms();
	assert_int_equal(virtio_pci_reset(&m->port->vp), -ETIMEDOUT);
	el = now_ms() - t0;
	log_expect("model0: device_status did not read 0 within 1000 ms of a reset");
	log_expect("/sys/bus/pci/devices/model0/reset");
	assert_true(el >= 1000);
	assert_true(el < 3000);
	/* It kept looking, about once a millisecond, not once. */
	assert_true(m->reset_status_reads > 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_virtio_read_dev_cfg_copies_a_settled_configuration, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_read_dev_cfg_rereads_while_generation_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_read_dev_cfg_gives_up_on_a_generation_that_never_settles, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_read_dev_cfg_refuses_bytes_beyond_the_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_reset_waits_for_device_status_to_read_0,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_reset_that_never_completes_times_out_naming_device_status, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
