/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vdk-setup iommu` (app/setup/setup_iommu.c): each reason VFIO cannot
 * work, built into a fake tree one at a time, found and given its fix.
 */
#include "test_setup_fake.h"

/* QEMU's intel-iommu capability register with aw-bits=48 and the default 39. */
#define CAP_AW48 "0xd2008c222f0686\n"
#define CAP_AW39 "d2008c22260286\n"

static const char limits_8m[] =
	"Limit                     Soft Limit           Hard Limit           Units     \n"
	"Max open files            1024                 4096                 files     \n"
	"Max locked memory         8388608              8388608              bytes     \n";

/* A machine where VFIO works: the guest of notes/qemu-vfio-guest.md. */
static void
good_machine(struct fake *f)
{
	fake_file(f, "sys/firmware/acpi/tables/DMAR", "");
	fake_file(f, "sys/class/iommu/dmar0/intel-iommu/cap", CAP_AW48);
	fake_dir(f, "sys/kernel/iommu_groups/0/devices");
	fake_dir(f, "sys/kernel/iommu_groups/1/devices");
	fake_dir(f, "sys/module/vfio");
	fake_dir(f, "sys/module/vfio_pci");
	fake_dir(f, "sys/module/vfio_iommu_type1");
	fake_file(f, "sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n");
	fake_file(f, "dev/vfio/vfio", "");
	fake_file(f, "proc/cmdline", "intel_iommu=on iommu=pt console=ttyS0 panic=-1 quiet\n");
	fake_file(f, "proc/self/limits", limits_8m);
	fake_file(f, "proc/self/status", "Name:\tvdk-setup\nCapEff:\t0000000000000000\n");
	fake_file(f, "proc/self/maps",
		  "55d0c0000000-55d0c0001000 r--p 00000000 fe:00 1 /usr/bin/vdk-setup\n"
		  "7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0 [stack]\n"
		  "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n");
}

static void
test_iommu_working_machine_passes(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_OK);
	assert_contains(f->out, "ok       IOMMU units active: dmar0\n");
	assert_contains(f->out, "ok       2 IOMMU group(s)");
	assert_contains(f->out, "ok       VFIO modules loaded");
	assert_contains(f->out, "note     iommu=pt");
	assert_contains(f->out, "note     locked-memory limit (RLIMIT_MEMLOCK) is 8 MB");
	assert_contains(f->out, "ok       dmar0: 48-bit DMA addresses cover this process's 47-bit");
	assert_contains(f->out, "VFIO should work here\n");
	assert_not_contains(f->out, "PROBLEM");
}

static void
test_iommu_no_iommu_in_firmware(void **state)
{
	struct fake *f = *state;

	fake_dir(f, "sys/firmware/acpi/tables");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "PROBLEM  no IOMMU: the firmware announces none (no DMAR or IVRS");
	assert_contains(f->out, "fix: enable VT-d or AMD-Vi");
	assert_contains(f->out, "aw-bits=48");
	assert_contains(f->out, "PROBLEM  no IOMMU groups (/sys/kernel/iommu_groups is empty)");
	assert_contains(f->out, "PROBLEM  VFIO modules not loaded: vfio vfio_iommu_type1 vfio_pci");
	assert_contains(f->out, "fix: modprobe vfio-pci");
	assert_contains(f->out, "warning  cannot read ");
	assert_contains(f->out, "VFIO will not work until they are fixed");
}

static void
test_iommu_no_acpi_tables(void **state)
{
	struct fake *f = *state;

	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "no ACPI tables to look at");
}

static void
test_iommu_dmar_present_but_kernel_did_not_enable_it(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	fake_unlink(f, "sys/class/iommu/dmar0/intel-iommu/cap");
	{
		char p[PATH_MAX];

		fake_path(f, p, "sys/class/iommu/dmar0/intel-iommu");
		rmdir(p);
		fake_path(f, p, "sys/class/iommu/dmar0");
		rmdir(p);
	}
	fake_file(f, "proc/cmdline", "quiet\n");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "firmware announces Intel VT-d (ACPI DMAR table) but the kernel "
			"did not enable it\n");
	assert_contains(f->out, "fix: add intel_iommu=on to the kernel command line");
}

static void
test_iommu_intel_iommu_off_on_the_command_line(void **state)
{
	struct fake *f = *state;

	fake_file(f, "sys/firmware/acpi/tables/DMAR", "");
	fake_file(f, "proc/cmdline", "root=/dev/vda intel_iommu=igfx_off,off\n");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "PROBLEM  the kernel command line turns Intel VT-d off");
	assert_contains(f->out, "fix: remove intel_iommu=off");
	assert_not_contains(f->out, "add intel_iommu=on");
}

static void
test_iommu_amd_and_generic_off(void **state)
{
	struct fake *f = *state;

	fake_file(f, "sys/firmware/acpi/tables/IVRS", "");
	fake_file(f, "proc/cmdline", "amd_iommu=off iommu=off\n");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "turns AMD-Vi off (amd_iommu=off)");
	assert_contains(f->out, "turns the IOMMU off (iommu=off)");
}

static void
test_iommu_ivrs_without_active_unit(void **state)
{
	struct fake *f = *state;

	fake_file(f, "sys/firmware/acpi/tables/IVRS", "");
	fake_file(f, "proc/cmdline", "quiet\n");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "announces AMD-Vi (ACPI IVRS table) but no IOMMU unit is active");
}

static void
test_iommu_units_without_groups(void **state)
{
	struct fake *f = *state;
	char p[PATH_MAX];

	good_machine(f);
	fake_path(f, p, "sys/kernel/iommu_groups/0/devices");
	rmdir(p);
	fake_path(f, p, "sys/kernel/iommu_groups/0");
	rmdir(p);
	fake_path(f, p, "sys/kernel/iommu_groups/1/devices");
	rmdir(p);
	fake_path(f, p, "sys/kernel/iommu_groups/1");
	rmdir(p);
	fake_path(f, p, "sys/kernel/iommu_groups");
	rmdir(p);
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "no IOMMU groups (/sys/kernel/iommu_groups is missing)");
	assert_contains(f->out, "fix: see dmesg");
}

static void
test_iommu_one_module_missing_and_no_dev_node(void **state)
{
	struct fake *f = *state;
	char p[PATH_MAX];

	good_machine(f);
	fake_path(f, p, "sys/module/vfio_iommu_type1");
	rmdir(p);
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "VFIO modules not loaded: vfio_iommu_type1\n");

	fake_dir(f, "sys/module/vfio_iommu_type1");
	fake_unlink(f, "dev/vfio/vfio");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "/dev/vfio/vfio is missing although vfio is loaded");
}

static void
test_iommu_noiommu_mode_is_a_warning(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	fake_file(f, "sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_OK);
	assert_contains(f->out, "warning  no-IOMMU mode is on");
	assert_contains(f->out, "fix: echo N > /sys/module/vfio/parameters/"
			"enable_unsafe_noiommu_mode");
	assert_contains(f->out, "VFIO should work here (see the warnings above)");
}

static void
test_iommu_suggests_noiommu_without_an_iommu(void **state)
{
	struct fake *f = *state;

	fake_dir(f, "sys/module/vfio");
	fake_dir(f, "sys/module/vfio_pci");
	fake_dir(f, "sys/module/vfio_iommu_type1");
	fake_file(f, "dev/vfio/vfio", "");
	fake_file(f, "sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "note     without an IOMMU, VFIO's unsafe no-IOMMU mode");
	assert_contains(f->out, "--iova-mode=pa");
}

static void
test_iommu_memlock_too_small_for_mem(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	assert_int_equal(fake_run(f, "iommu", "--mem", "1024"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "PROBLEM  locked-memory limit (RLIMIT_MEMLOCK) is 8 MB, below "
			"the 1024 MB asked: VFIO_IOMMU_MAP_DMA fails with ENOMEM");
	assert_contains(f->out, "fix: ulimit -l 1049600");
}

static void
test_iommu_memlock_large_enough(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	assert_int_equal(fake_run(f, "iommu", "--mem", "8"), SETUP_EXIT_OK);
	assert_contains(f->out, "ok       locked-memory limit 8 MB covers the 8 MB asked");
}

static void
test_iommu_memlock_unlimited_or_capability(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	fake_file(f, "proc/self/limits", "Max locked memory         unlimited            "
		  "unlimited            bytes\n");
	assert_int_equal(fake_run(f, "iommu", "--mem", "65536"), SETUP_EXIT_OK);
	assert_contains(f->out, "locked-memory limit: unlimited");

	fake_file(f, "proc/self/limits", limits_8m);
	fake_file(f, "proc/self/status", "CapEff:\t000001ffffffffff\n");
	assert_int_equal(fake_run(f, "iommu", "--mem", "65536"), SETUP_EXIT_OK);
	assert_contains(f->out, "CAP_IPC_LOCK held");
}

static void
test_iommu_memlock_garbage(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	fake_file(f, "proc/self/limits", "Max locked memory         lots                 "
		  "lots                 bytes\n");
	assert_int_equal(fake_run(f, "iommu", "--mem", "64"), SETUP_EXIT_OK);
	assert_contains(f->out, "warning  cannot read the locked-memory limit");
	assert_contains(f->out, "garbage in the file");
	fake_file(f, "proc/self/limits", "Max open files 1 1 files\n");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_OK);
	assert_contains(f->out, "cannot read the locked-memory limit");
}

static void
test_iommu_39_bit_width_is_below_user_addresses(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	fake_file(f, "sys/class/iommu/dmar0/intel-iommu/cap", CAP_AW39);
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "PROBLEM  dmar0: the IOMMU translates only 39-bit addresses, "
			"below this process's 47-bit ones");
	assert_contains(f->out, "fix: in a QEMU guest, add aw-bits=48");
}

static void
test_iommu_width_limited_by_page_walk(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	/* MGAW says 48 bits, but SAGAW offers only the 3-level (39-bit) walk. */
	fake_file(f, "sys/class/iommu/dmar0/intel-iommu/cap", "0xd2008c222f0286\n");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "only 39-bit addresses");
}

static void
test_iommu_width_against_default_without_maps(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	fake_unlink(f, "proc/self/maps");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_OK);
	assert_contains(f->out, "cover this process's 47-bit ones");
	/* A 5-level-paging process with addresses above 2^47. */
	fake_file(f, "proc/self/maps", "7ffd1c000000-7ffd1c021000 rw-p 0 0:0 0\n"
		  "ff0000000000000-ff0000000001000 rw-p 0 0:0 0\n");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "below this process's 60-bit ones");
}

static void
test_iommu_garbage_cap_register(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	fake_file(f, "sys/class/iommu/dmar0/intel-iommu/cap", "capability\n");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_OK);
	assert_contains(f->out, "warning  dmar0: cannot read");
	assert_contains(f->out, "not a hex number");
}

static void
test_iommu_amd_units_skip_the_width_check(void **state)
{
	struct fake *f = *state;

	good_machine(f);
	fake_unlink(f, "sys/class/iommu/dmar0/intel-iommu/cap");
	fake_dir(f, "sys/class/iommu/ivhd0/amd-iommu");
	assert_int_equal(fake_run(f, "iommu"), SETUP_EXIT_OK);
	assert_contains(f->out, "IOMMU units active: dmar0 ivhd0");
	assert_not_contains(f->out, "DMA addresses");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
		T(test_iommu_working_machine_passes),
		T(test_iommu_no_iommu_in_firmware),
		T(test_iommu_no_acpi_tables),
		T(test_iommu_dmar_present_but_kernel_did_not_enable_it),
		T(test_iommu_intel_iommu_off_on_the_command_line),
		T(test_iommu_amd_and_generic_off),
		T(test_iommu_ivrs_without_active_unit),
		T(test_iommu_units_without_groups),
		T(test_iommu_one_module_missing_and_no_dev_node),
		T(test_iommu_noiommu_mode_is_a_warning),
		T(test_iommu_suggests_noiommu_without_an_iommu),
		T(test_iommu_memlock_too_small_for_mem),
		T(test_iommu_memlock_large_enough),
		T(test_iommu_memlock_unlimited_or_capability),
		T(test_iommu_memlock_garbage),
		T(test_iommu_39_bit_width_is_below_user_addresses),
		T(test_iommu_width_limited_by_page_walk),
		T(test_iommu_width_against_default_without_maps),
		T(test_iommu_garbage_cap_register),
		T(test_iommu_amd_units_skip_the_width_check),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
