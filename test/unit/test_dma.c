/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/dma: registration bookkeeping with no container (recorded, mapped
 * later), with the fake VFIO backend's domain (mapped into it, including
 * when a device is attached after the registration), IOVA lookup, and the
 * DMA allocator over --no-huge EAL memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "eal_pci_internal.h"
#include "test_common.h"
#include "test_pci_fake.h"
#include "vdk_dma.h"
#include "vdk_log.h"
#include "vdk_malloc.h"
#include "vdk_memory.h"

#define PG 4096u

static void *region;
static size_t region_len = 16 * PG;

static int
t_probe(struct vdk_pci_device *d)
{
	(void)d;
	return 0;
}

static const struct vdk_pci_id t_ids[] = { { VDK_PCI_DEVICE(0x8086, 0x10d3) }, { 0 } };
static const struct vdk_pci_driver t_drv = { .name = "t_dma", .id_table = t_ids,
					     .probe = t_probe };

static int
setup(void **state)
{
	(void)state;
	log_capture();
	region = mmap(NULL, region_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	assert_true(region != MAP_FAILED);
	memset(region, 1, region_len);
	fake_sysfs_create();
	eal_pci_set_sysfs_root(fake_root);
	fake_backend_reset();
	assert_int_equal(eal_vfio_set_backend(&fake_backend), 0);
	fake_drivers_set_aside(NULL);
	assert_int_equal(vdk_pci_driver_register(&t_drv), 0);
	fake_dev("0000:00:06.0", 0x8086, 0x10d3, 0x020000, 6, "vfio-pci");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	eal_pci_cleanup();
	eal_vfio_cleanup();
	assert_int_equal(fake.devices_open, 0);
	assert_int_equal(fake.nb_maps, 0);
	vdk_pci_driver_unregister(&t_drv);
	fake_drivers_restore();
	eal_vfio_set_backend(NULL);
	eal_pci_set_sysfs_root(NULL);
	eal_cfg.iova_mode = VDK_IOVA_DC;
	fake_sysfs_destroy();
	munmap(region, region_len);
	log_release();
	return 0;
}

static char *
at(size_t page)
{
	return (char *)region + page * PG;
}

static void
test_register_without_a_container_records_for_later(void **state)
{
	(void)state;
	assert_int_equal(vdk_dma_register(region, 4 * PG), 0);
	assert_int_equal(eal_vfio_dma_count(), 1);
	assert_int_equal(fake.map_calls, 0);
	/* IOVA = VA, inside the range and nowhere else. */
	assert_int_equal(vdk_mem_virt2iova(at(3) + 17), (uintptr_t)at(3) + 17);
	assert_int_equal(vdk_mem_virt2iova(at(4)), VDK_BAD_IOVA);
	assert_int_equal(vdk_dma_unregister(region, 4 * PG), 0);
	assert_int_equal(eal_vfio_dma_count(), 0);
	assert_int_equal(vdk_mem_virt2iova(region), VDK_BAD_IOVA);
}

static void
test_register_refuses_bad_ranges_and_leaves_the_table(void **state)
{
	(void)state;
	assert_int_equal(vdk_dma_register(NULL, PG), -EINVAL);
	assert_int_equal(vdk_dma_register(region, 0), -EINVAL);
	assert_int_equal(vdk_dma_register(at(0) + 8, PG), -EINVAL);
	assert_non_null(strstr(logged(), "must be multiples of the page size"));
	assert_int_equal(vdk_dma_register(region, PG + 1), -EINVAL);
	assert_int_equal(vdk_dma_register((void *)(uintptr_t)(UINTPTR_MAX - PG + 1), 2 * PG),
			 -EINVAL);
	assert_int_equal(eal_vfio_dma_count(), 0);
	assert_int_equal(vdk_dma_register(at(2), 4 * PG), 0);
	assert_int_equal(vdk_dma_register(at(4), 4 * PG), -EEXIST);
	assert_non_null(strstr(logged(), "overlaps a registered range"));
	assert_int_equal(vdk_dma_register(at(0), 3 * PG), -EEXIST);
	assert_int_equal(vdk_dma_register(at(6), 2 * PG), 0);
	assert_int_equal(eal_vfio_dma_count(), 2);
	assert_int_equal(vdk_dma_unregister(at(2), PG), -ENOENT);
	assert_non_null(strstr(logged(), "no registration with exactly this address and length"));
	assert_int_equal(vdk_dma_unregister(at(3), 3 * PG), -ENOENT);
	assert_int_equal(vdk_dma_unregister(NULL, PG), -EINVAL);
	assert_int_equal(vdk_dma_unregister(at(2), 0), -EINVAL);
	assert_int_equal(vdk_dma_unregister(at(2), 4 * PG), 0);
	assert_int_equal(vdk_dma_unregister(at(6), 2 * PG), 0);
}

static void
test_virt2iova_of_memory_nobody_gave_is_bad_iova(void **state)
{
	int on_stack = 0;

	(void)state;
	assert_int_equal(vdk_mem_virt2iova(&on_stack), VDK_BAD_IOVA);
	assert_int_equal(vdk_mem_virt2iova(NULL), VDK_BAD_IOVA);
}

static void
test_registered_memory_is_mapped_into_a_domain_that_appears_later(void **state)
{
	(void)state;
	assert_int_equal(vdk_dma_register(region, 8 * PG), 0);
	assert_int_equal(eal_pci_init(), 0);
	assert_true(fake_is_mapped((uintptr_t)region, 8 * PG));
	/* Registered now: mapped at once. */
	assert_int_equal(vdk_dma_register(at(8), 2 * PG), 0);
	assert_true(fake_is_mapped((uintptr_t)at(8), 2 * PG));
	assert_int_equal(vdk_dma_unregister(at(8), 2 * PG), 0);
	assert_false(fake_is_mapped((uintptr_t)at(8), 2 * PG));
	/* A device attached after the registration gets it too. */
	assert_int_equal(vdk_pci_dev_detach(vdk_pci_dev_lookup("0000:00:06.0")), 0);
	assert_int_equal(fake.nb_maps, 0);
	assert_int_equal(vdk_pci_dev_attach("0000:00:06.0"), 0);
	assert_true(fake_is_mapped((uintptr_t)region, 8 * PG));
	assert_int_equal(vdk_dma_unregister(region, 8 * PG), 0);
	assert_int_equal(fake.nb_maps, 0);
}

static void
test_register_of_memory_the_iommu_cannot_reach_is_erange_and_not_recorded(void **state)
{
	(void)state;
	fake.nb_ranges = 1;
	fake.ranges[0] = (struct eal_vfio_range){ 0, (1ull << 39) - 1 };
	assert_int_equal(eal_pci_init(), 0);
	if ((uintptr_t)region < (1ull << 39))
		skip();		/* mmap placed it low: nothing to show */
	assert_int_equal(vdk_dma_register(region, PG), -ERANGE);
	assert_non_null(strstr(logged(), "aw-bits=48"));
	assert_int_equal(eal_vfio_dma_count(), 0);
	assert_int_equal(fake.nb_maps, 0);
}

static void
test_pa_mode_registration_translates_through_pagemap(void **state)
{
	uint64_t pa;

	(void)state;
	eal_cfg.iova_mode = VDK_IOVA_PA;
	assert_int_equal(vdk_dma_register(region, 2 * PG), 0);
	pa = vdk_mem_virt2phy(at(1));
	assert_int_equal(vdk_mem_virt2iova(at(1)), pa);
	if (pa != VDK_BAD_IOVA)
		assert_int_equal(vdk_mem_virt2iova(at(1) + 5), pa + 5);
	/* An IOMMU domain cannot take memory registered for physical addresses. */
	assert_int_equal(eal_pci_init(), 0);
	assert_null(vdk_pci_dev_lookup("0000:00:06.0")->driver);
	assert_non_null(strstr(logged(), "registered for physical addressing"));
	assert_int_equal(vdk_dma_unregister(region, 2 * PG), 0);
}

/* ---- the allocator, over EAL memory ---- */

static int
setup_eal(void **state)
{
	char *argv[] = { "test_dma", "--no-huge", "--no-pci", NULL };

	setup(state);
	assert_true(vdk_eal_init(3, argv) >= 0);
	return 0;
}

static int
teardown_eal(void **state)
{
	assert_int_equal(vdk_eal_cleanup(), 0);
	return teardown(state);
}

static void
test_dma_zmalloc_gives_zeroed_aligned_memory_and_its_iova(void **state)
{
	uint64_t iova = 0;
	uint8_t *p;

	(void)state;
	p = vdk_dma_zmalloc(10000, 4096, &iova);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 4096, 0);
	for (size_t i = 0; i < 10000; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(iova, vdk_mem_virt2iova(p));
	assert_int_equal(iova, (uintptr_t)p);
	/* Contiguous over its whole length, across pages. */
	assert_int_equal(vdk_mem_virt2iova(p + 9999), iova + 9999);
	vdk_dma_free(p);
	p = vdk_dma_zmalloc_socket(64, 0, VDK_SOCKET_ID_ANY, NULL);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 64, 0);
	vdk_dma_free(p);
	vdk_dma_free(NULL);
}

static void
test_dma_zmalloc_refuses_bad_sizes_and_alignments(void **state)
{
	uint64_t iova = 7;

	(void)state;
	errno = 0;
	assert_null(vdk_dma_zmalloc(0, 64, &iova));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_dma_zmalloc(64, 3, &iova));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_dma_zmalloc(64, (size_t)1 << 40, &iova));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(iova, 7);
}

static void
test_eal_cleanup_forgets_registrations_even_without_pci(void **state)
{
	char *argv[] = { "test_dma", "--no-huge", "--no-pci", NULL };

	(void)state;
	assert_int_equal(vdk_dma_register(region, PG), 0);
	assert_int_equal(eal_vfio_dma_count(), 1);
	assert_int_equal(vdk_eal_cleanup(), 0);
	assert_int_equal(eal_vfio_dma_count(), 0);
	assert_int_equal(vdk_mem_virt2iova(region), VDK_BAD_IOVA);
	assert_true(vdk_eal_init(3, argv) >= 0);
}

static void
test_register_of_eal_memory_is_eexist(void **state)
{
	uint8_t *p;
	void *pg;

	(void)state;
	p = vdk_dma_zmalloc(4 * PG, PG, NULL);
	assert_non_null(p);
	pg = (void *)VDK_ALIGN_CEIL((uintptr_t)p, PG);
	assert_int_equal(vdk_dma_register(pg, PG), -EEXIST);
	assert_non_null(strstr(logged(), "overlaps EAL memory"));
	assert_int_equal(eal_vfio_dma_count(), 0);
	vdk_dma_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
#define E(t) cmocka_unit_test_setup_teardown(t, setup_eal, teardown_eal)
		T(test_register_without_a_container_records_for_later),
		T(test_register_refuses_bad_ranges_and_leaves_the_table),
		T(test_virt2iova_of_memory_nobody_gave_is_bad_iova),
		T(test_registered_memory_is_mapped_into_a_domain_that_appears_later),
		T(test_register_of_memory_the_iommu_cannot_reach_is_erange_and_not_recorded),
		T(test_pa_mode_registration_translates_through_pagemap),
		E(test_dma_zmalloc_gives_zeroed_aligned_memory_and_its_iova),
		E(test_dma_zmalloc_refuses_bad_sizes_and_alignments),
		E(test_eal_cleanup_forgets_registrations_even_without_pci),
		E(test_register_of_eal_memory_is_eexist),
#undef T
#undef E
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
