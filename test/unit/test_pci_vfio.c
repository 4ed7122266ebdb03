/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend-neutral VFIO layer (lib/eal/eal_vfio.c) over the fake
 * backend: groups and their one domain, the DMA table (recorded before a
 * domain exists and mapped when it appears, EAL segments followed through
 * the memory callbacks), IOVA ranges, RLIMIT_MEMLOCK, no-IOMMU groups, and
 * every message that tells the user what to do.
 */
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "eal_pci_internal.h"
#include "test_common.h"
#include "test_pci_fake.h"
#include "vdk_log.h"
#include "vdk_memory.h"

#define MIB (1ull << 20)

static int
setup(void **state)
{
	(void)state;
	log_capture();
	fake_sysfs_create();
	eal_pci_set_sysfs_root(fake_root);
	fake_backend_reset();
	assert_int_equal(eal_vfio_set_backend(&fake_backend), 0);
	eal_cfg.iova_mode = VDK_IOVA_VA;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	eal_vfio_cleanup();
	assert_int_equal(fake.groups_open, 0);
	assert_false(fake.container_open);
	assert_int_equal(eal_vfio_dma_count(), 0);
	eal_vfio_set_backend(NULL);
	eal_pci_set_sysfs_root(NULL);
	eal_cfg.iova_mode = VDK_IOVA_DC;
	fake_sysfs_destroy();
	log_release();
	return 0;
}

/* An address range nobody uses, for the table (the fake maps nothing). */
static uint64_t
va(unsigned int n)
{
	return 0x100000000ull + n * 0x10000000ull;
}

static void
test_memory_recorded_before_any_group_is_mapped_when_the_domain_appears(void **state)
{
	struct eal_vfio_group *g4, *g5;

	(void)state;
	assert_int_equal(eal_vfio_dma_map(va(1), va(1), 2 * MIB), 0);
	assert_int_equal(eal_vfio_dma_count(), 1);
	assert_int_equal(fake.nb_maps, 0);
	assert_false(fake.container_open);
	assert_int_equal(eal_vfio_domain_count(), 0);

	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g4), 0);
	assert_true(fake.container_open);
	assert_int_equal(eal_vfio_domain_count(), 1);
	assert_true(fake_is_mapped(va(1), 2 * MIB));
	/* A second group joins the same domain: nothing is mapped twice. */
	assert_int_equal(eal_vfio_group_get(5, "0000:00:05.0", &g5), 0);
	assert_ptr_equal(g4->domain, g5->domain);
	assert_int_equal(fake.maps_total, 1);
	/* Memory added while the domain lives is mapped at once. */
	assert_int_equal(eal_vfio_dma_map(va(2), va(2), MIB), 0);
	assert_true(fake_is_mapped(va(2), MIB));

	eal_vfio_group_put(g5);
	assert_int_equal(fake.nb_maps, 2);
	/* The last group out leaves nothing mapped, but the table remembers. */
	eal_vfio_group_put(g4);
	assert_int_equal(fake.nb_maps, 0);
	assert_int_equal(fake.unmap_misses, 0);
	assert_int_equal(fake.groups_open, 0);
	assert_int_equal(eal_vfio_domain_count(), 0);
	assert_int_equal(eal_vfio_dma_count(), 2);
	/* ...and maps it all again into the next domain. */
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g4), 0);
	assert_int_equal(fake.nb_maps, 2);
	eal_vfio_group_put(g4);
}

static void
test_one_group_is_opened_once_for_its_devices(void **state)
{
	struct eal_vfio_group *a, *b;

	(void)state;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &a), 0);
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.1", &b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(fake.groups_open, 1);
	eal_vfio_group_put(a);
	assert_int_equal(fake.groups_open, 1);
	eal_vfio_group_put(b);
	assert_int_equal(fake.groups_open, 0);
}

static void
test_group_open_errors_tell_what_to_do(void **state)
{
	static const struct { int err; const char *msg; } cases[] = {
		{ -ENOENT, "IOMMU group 4 has no VFIO device node: the device is not bound to "
			   "vfio-pci: run `vdk-setup bind 0000:00:04.0`" },
		{ -EBUSY, "IOMMU group 4 is in use by another process (see `fuser -v /dev/vfio/4`)" },
		/* The permission, who we are, and the vdk-setup command that grants it. */
		{ -EACCES, "0000:00:04.0: no permission to open /dev/vfio/4 (" },
		{ -EPERM, "as root, give it to this user with `vdk-setup bind 0000:00:04.0 "
			  "--owner " },
		{ -EIO, "cannot open IOMMU group 4: Input/output error" },
	};
	struct eal_vfio_group *g;

	(void)state;
	for (unsigned int i = 0; i < VDK_DIM(cases); i++) {
		fake.group_open_err = cases[i].err;
		assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), cases[i].err);
		assert_non_null(strstr(logged(), cases[i].msg));
		assert_int_equal(fake.groups_open, 0);
	}
}

static void
test_group_that_is_not_viable_names_the_device_that_blocks_it(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	fake_dev("0000:00:06.0", 0x8086, 0x10d3, 0x020000, 6, "vfio-pci");
	fake_dev("0000:00:06.1", 0x8086, 0x10d3, 0x020000, 6, "e1000e");
	fake_dev("0000:00:06.2", 0x8086, 0x10d3, 0x020000, 6, "");
	fake.viable = 0;
	assert_int_equal(eal_vfio_group_get(6, "0000:00:06.0", &g), -EPERM);
	assert_non_null(strstr(logged(), "IOMMU group 6 of 0000:00:06.0 is not viable: "
				   "0000:00:06.1 shares the group and is bound to e1000e"));
	assert_non_null(strstr(logged(), "run `vdk-setup bind 0000:00:06.1`"));
	/* Devices on vfio-pci or on no driver do not block a group. */
	assert_null(strstr(logged(), "0000:00:06.2 shares"));
	assert_null(strstr(logged(), "0000:00:06.0 shares"));
	assert_int_equal(fake.groups_open, 0);
	assert_int_equal(fake.groups_attached, 0);
}

static void
test_group_not_viable_without_a_visible_blocker_still_says_where_to_look(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	fake.viable = 0;
	assert_int_equal(eal_vfio_group_get(8, "0000:00:08.0", &g), -EPERM);
	assert_non_null(strstr(logged(), "`vdk-setup status` shows which"));
	fake.viable = -EIO;
	assert_int_equal(eal_vfio_group_get(8, "0000:00:08.0", &g), -EIO);
	assert_int_equal(fake.groups_open, 0);
}

static void
test_container_and_attach_failures_leave_nothing_open(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	fake.open_err = -ENOENT;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), -ENOENT);
	assert_false(fake.container_open);
	fake.open_err = 0;
	fake.attach_err = -EINVAL;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), -EINVAL);
	assert_int_equal(fake.groups_open, 0);
	fake.attach_err = 0;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	assert_int_equal(eal_vfio_set_backend(NULL), -EBUSY);
	eal_vfio_group_put(g);
}

static void
use_39_bit_ranges(void)
{
	fake.nb_ranges = 2;
	fake.ranges[0] = (struct eal_vfio_range){ 0, 0xfedfffff };
	fake.ranges[1] = (struct eal_vfio_range){ 0xfef00000, (1ull << 39) - 1 };
}

static void
test_iova_above_the_iommu_width_is_refused_with_the_aw_bits_hint(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	use_39_bit_ranges();
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	assert_int_equal(eal_vfio_dma_map(0x7f0000000000ull, 0x7f0000000000ull, MIB), -ERANGE);
	assert_non_null(strstr(logged(), "is above what the IOMMU translates (0x0-0xfedfffff, "
				   "0xfef00000-0x7fffffffff, 39 address bits)"));
	assert_non_null(strstr(logged(), "-device intel-iommu,aw-bits=48"));
	assert_non_null(strstr(logged(), "--iova-mode pa"));
	assert_int_equal(eal_vfio_dma_count(), 0);
	assert_int_equal(fake.map_calls, 0);
	eal_vfio_group_put(g);
}

static void
test_iova_in_the_interrupt_window_is_refused(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	use_39_bit_ranges();
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	assert_int_equal(eal_vfio_dma_map(0xfee00000, 0xfee00000, 0x1000), -ERANGE);
	assert_non_null(strstr(logged(), "is outside the IOMMU's ranges"));
	assert_int_equal(eal_vfio_dma_count(), 0);
	eal_vfio_group_put(g);
}

static void
test_recorded_memory_out_of_range_fails_the_new_domain_cleanly(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	use_39_bit_ranges();
	assert_int_equal(eal_vfio_dma_map(va(1), va(1), MIB), 0);
	assert_int_equal(eal_vfio_dma_map(0x7f0000000000ull, 0x7f0000000000ull, MIB), 0);
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), -ERANGE);
	assert_int_equal(fake.nb_maps, 0);
	assert_int_equal(fake.groups_open, 0);
	assert_int_equal(fake.groups_attached, 0);
	assert_int_equal(eal_vfio_dma_unmap(0x7f0000000000ull, MIB), 0);
	assert_int_equal(eal_vfio_dma_unmap(va(1), MIB), 0);
}

static void
test_backend_map_failure_unwinds_partial_domain_population(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(eal_vfio_dma_map(va(i), va(i), MIB), 0);
	fake.map_fail_at = 3;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), -EFAULT);
	assert_int_equal(fake.nb_maps, 0);
	assert_int_equal(fake.groups_open, 0);
	fake.map_fail_at = 0;
	fake.map_err = -EIO;
	fake.map_calls = 0;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), -EIO);
	fake.map_err = 0;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	assert_int_equal(fake.nb_maps, 3);
	fake.map_err = -EIO;
	assert_int_equal(eal_vfio_dma_map(va(5), va(5), MIB), -EIO);
	assert_int_equal(eal_vfio_dma_count(), 3);
	fake.map_err = 0;
	eal_vfio_group_put(g);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(eal_vfio_dma_unmap(va(i), MIB), 0);
}

static void
test_dma_table_rejects_overlaps_and_bad_ranges(void **state)
{
	uint64_t iova;

	(void)state;
	assert_int_equal(eal_vfio_dma_map(va(1), va(1), 2 * MIB), 0);
	assert_int_equal(eal_vfio_dma_map(va(1) + MIB, va(1) + MIB, 2 * MIB), -EEXIST);
	assert_int_equal(eal_vfio_dma_map(va(1) - MIB, va(1) - MIB, 2 * MIB), -EEXIST);
	assert_int_equal(eal_vfio_dma_map(va(1) - MIB, va(1) - MIB, MIB), 0);
	assert_int_equal(eal_vfio_dma_map(va(2), va(2), 0), -EINVAL);
	assert_int_equal(eal_vfio_dma_map(UINT64_MAX - 10, 0, 4096), -EINVAL);
	assert_int_equal(eal_vfio_dma_count(), 2);
	assert_int_equal(eal_vfio_dma_lookup(va(1) + 12345, &iova), 0);
	assert_int_equal(iova, va(1) + 12345);
	assert_int_equal(eal_vfio_dma_lookup(va(1) + 2 * MIB, &iova), -ENOENT);
	/* Unregister takes exactly what was registered. */
	assert_int_equal(eal_vfio_dma_unmap(va(1), MIB), -ENOENT);
	assert_int_equal(eal_vfio_dma_unmap(va(1) + 4096, 2 * MIB), -ENOENT);
	assert_int_equal(eal_vfio_dma_unmap(va(1), 2 * MIB), 0);
	assert_int_equal(eal_vfio_dma_unmap(va(1) - MIB, MIB), 0);
}

static int
set_ipc_lock(bool on)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) != 0)
		return -errno;
	if (on)
		data[0].effective |= 1u << CAP_IPC_LOCK;
	else
		data[0].effective &= ~(1u << CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data) == 0 ? 0 : -errno;
}

static void
test_memlock_limit_is_checked_with_the_numbers(void **state)
{
	struct eal_vfio_group *g;
	struct rlimit old, low;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &old), 0);
	assert_int_equal(set_ipc_lock(false), 0);
	low = (struct rlimit){ .rlim_cur = 64 * 1024, .rlim_max = old.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &low), 0);

	assert_int_equal(eal_vfio_dma_map(va(1), va(1), 4 * MIB), 0);
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), -ENOMEM);
	assert_non_null(strstr(logged(), "DMA mapping needs 4096 KiB of locked memory more"));
	assert_non_null(strstr(logged(), "RLIMIT_MEMLOCK is 64 KiB"));
	assert_non_null(strstr(logged(), "ulimit -l"));
	assert_int_equal(fake.groups_open, 0);
	assert_int_equal(eal_vfio_dma_unmap(va(1), 4 * MIB), 0);

	/* With a live domain the check runs before each new range. */
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	assert_int_equal(eal_vfio_dma_map(va(2), va(2), 2 * MIB), -ENOMEM);
	assert_int_equal(eal_vfio_dma_count(), 0);
	assert_int_equal(eal_vfio_dma_map(va(2), va(2), 4096), 0);
	/* CAP_IPC_LOCK lifts the limit, as it does in the kernel. */
	assert_int_equal(set_ipc_lock(true), 0);
	assert_int_equal(eal_vfio_dma_map(va(3), va(3), 4 * MIB), 0);
	eal_vfio_group_put(g);
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &old), 0);
	assert_int_equal(eal_vfio_dma_unmap(va(2), 4096), 0);
	assert_int_equal(eal_vfio_dma_unmap(va(3), 4 * MIB), 0);
}

static void
test_noiommu_group_needs_pa_mode_and_maps_nothing(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	fake.group_noiommu = true;
	assert_int_equal(eal_vfio_dma_map(va(1), VDK_BAD_IOVA, MIB), 0);
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), -EINVAL);
	assert_non_null(strstr(logged(), "no-IOMMU mode (vfio's enable_unsafe_noiommu_mode): "
				   "devices can write to any memory"));
	assert_non_null(strstr(logged(), "is a no-IOMMU group but the IOVA mode is va: run with "
				   "--iova-mode pa"));
	assert_int_equal(fake.groups_open, 0);
	eal_cfg.iova_mode = VDK_IOVA_PA;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	assert_true(eal_vfio_noiommu());
	assert_true(g->domain->noiommu);
	assert_int_equal(eal_vfio_domain_count(), 0);
	assert_int_equal(fake.map_calls, 0);
	eal_vfio_group_put(g);
	assert_int_equal(eal_vfio_dma_unmap(va(1), MIB), 0);
}

static void
test_memory_recorded_for_physical_addresses_is_refused_by_an_iommu(void **state)
{
	struct eal_vfio_group *g;
	uint64_t iova = 0;

	(void)state;
	assert_int_equal(eal_vfio_dma_map(va(1), VDK_BAD_IOVA, MIB), 0);
	assert_int_equal(eal_vfio_dma_lookup(va(1) + 5, &iova), 0);
	assert_int_equal(iova, VDK_BAD_IOVA);
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), -ENOTSUP);
	assert_non_null(strstr(logged(), "registered for physical addressing"));
	assert_int_equal(eal_vfio_dma_unmap(va(1), MIB), 0);
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	assert_int_equal(eal_vfio_dma_map(va(1), VDK_BAD_IOVA, MIB), -ENOTSUP);
	assert_int_equal(eal_vfio_dma_count(), 0);
	eal_vfio_group_put(g);
}

static void
test_cleanup_closes_groups_still_open(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	assert_int_equal(eal_vfio_dma_map(va(1), va(1), MIB), 0);
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	eal_vfio_cleanup();
	assert_non_null(strstr(logged(), "IOMMU group 4 still open at cleanup"));
	assert_int_equal(fake.groups_open, 0);
	assert_int_equal(fake.nb_maps, 0);
	assert_int_equal(eal_vfio_dma_count(), 0);
}

static void
test_iova_mode_hint_follows_iommu_and_noiommu_parameter(void **state)
{
	(void)state;
	assert_int_equal(eal_vfio_iova_mode_hint(), VDK_IOVA_VA);
	fake_write("module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
	assert_int_equal(eal_vfio_iova_mode_hint(), VDK_IOVA_PA);
	fake_write("class/iommu/dmar0/name", "dmar0\n");
	assert_int_equal(eal_vfio_iova_mode_hint(), VDK_IOVA_VA);
	fake_write("module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n");
	assert_int_equal(eal_vfio_iova_mode_hint(), VDK_IOVA_VA);
}

/* ---- EAL memory segments, with real (--no-huge) memory ---- */

static int
setup_mem(void **state)
{
	setup(state);
	eal_config_defaults(&eal_cfg);
	eal_cfg.no_huge = true;
	eal_cfg.iova_mode = VDK_IOVA_VA;
	assert_int_equal(eal_memory_init(&eal_cfg), 0);
	return 0;
}

static int
teardown_mem(void **state)
{
	eal_vfio_cleanup();
	eal_memory_cleanup();
	eal_config_release(&eal_cfg);
	eal_config_defaults(&eal_cfg);
	return teardown(state);
}

static void
test_eal_segments_are_mapped_while_they_exist(void **state)
{
	const struct vdk_memseg *before, *after;
	struct eal_vfio_group *g;

	(void)state;
	before = eal_memseg_alloc(MIB, VDK_SOCKET_ID_ANY);
	assert_non_null(before);
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	/* The walk found the segment that existed; IOVA = VA. */
	assert_true(fake_is_mapped((uintptr_t)before->addr, before->len));
	assert_int_equal(before->iova, (uintptr_t)before->addr);
	/* A segment added later is mapped by the ALLOC callback... */
	after = eal_memseg_alloc(2 * MIB, VDK_SOCKET_ID_ANY);
	assert_non_null(after);
	assert_true(fake_is_mapped((uintptr_t)after->addr, after->len));
	/* ...and unmapped by the FREE one. */
	eal_memseg_free(after);
	assert_int_equal(fake.nb_maps, 1);
	/* Segments are not user memory: unregister does not touch them. */
	assert_int_equal(eal_vfio_dma_unmap((uintptr_t)before->addr, before->len), -ENOENT);
	assert_int_equal(eal_vfio_dma_count(), 0);
	eal_vfio_group_put(g);
	assert_int_equal(fake.nb_maps, 0);
	eal_memseg_free(before);
}

static void
test_segment_that_cannot_be_mapped_is_vetoed(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	fake.map_err = -EIO;
	errno = 0;
	assert_null(eal_memseg_alloc(MIB, VDK_SOCKET_ID_ANY));
	assert_int_equal(errno, ENOMEM);
	assert_non_null(strstr(logged(), "memory callback \"vfio\" refused"));
	fake.map_err = 0;
	assert_int_equal(fake.nb_maps, 0);
	eal_vfio_group_put(g);
}

static void
test_pa_mode_segments_are_mapped_page_by_page_at_physical_addresses(void **state)
{
	const struct vdk_memseg *ms;
	struct eal_vfio_group *g;
	uint64_t pages;

	(void)state;
	eal_memory_cleanup();
	eal_cfg.iova_mode = VDK_IOVA_PA;
	assert_int_equal(eal_memory_init(&eal_cfg), 0);
	ms = eal_memseg_alloc(64 * 1024, VDK_SOCKET_ID_ANY);
	if (ms == NULL)
		skip();		/* no pagemap access: not root */
	pages = ms->len / ms->page_sz;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	if (ms->iova == VDK_BAD_IOVA) {
		assert_int_equal(fake.nb_maps, pages);
		for (uint64_t i = 0; i < pages; i++)
			assert_true(fake_is_mapped((uintptr_t)ms->addr + i * ms->page_sz,
						   ms->page_sz));
	} else {
		assert_int_equal(fake.nb_maps, 1);
	}
	eal_vfio_group_put(g);
	assert_int_equal(fake.nb_maps, 0);
	assert_int_equal(fake.unmap_misses, 0);
	eal_memseg_free(ms);
}

static void
test_cleanup_stops_following_memory(void **state)
{
	struct eal_vfio_group *g;

	(void)state;
	assert_int_equal(eal_vfio_group_get(4, "0000:00:04.0", &g), 0);
	eal_vfio_group_put(g);
	eal_vfio_cleanup();
	/* The callback's name is free again. */
	assert_int_equal(vdk_mem_event_callback_unregister("vfio"), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
#define M(t) cmocka_unit_test_setup_teardown(t, setup_mem, teardown_mem)
		T(test_memory_recorded_before_any_group_is_mapped_when_the_domain_appears),
		T(test_one_group_is_opened_once_for_its_devices),
		T(test_group_open_errors_tell_what_to_do),
		T(test_group_that_is_not_viable_names_the_device_that_blocks_it),
		T(test_group_not_viable_without_a_visible_blocker_still_says_where_to_look),
		T(test_container_and_attach_failures_leave_nothing_open),
		T(test_iova_above_the_iommu_width_is_refused_with_the_aw_bits_hint),
		T(test_iova_in_the_interrupt_window_is_refused),
		T(test_recorded_memory_out_of_range_fails_the_new_domain_cleanly),
		T(test_backend_map_failure_unwinds_partial_domain_population),
		T(test_dma_table_rejects_overlaps_and_bad_ranges),
		T(test_memlock_limit_is_checked_with_the_numbers),
		T(test_noiommu_group_needs_pa_mode_and_maps_nothing),
		T(test_memory_recorded_for_physical_addresses_is_refused_by_an_iommu),
		T(test_cleanup_closes_groups_still_open),
		T(test_iova_mode_hint_follows_iommu_and_noiommu_parameter),
		M(test_eal_segments_are_mapped_while_they_exist),
		M(test_segment_that_cannot_be_mapped_is_vetoed),
		M(test_pa_mode_segments_are_mapped_page_by_page_at_physical_addresses),
		M(test_cleanup_stops_following_memory),
#undef T
#undef M
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
