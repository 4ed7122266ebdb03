/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk_eal_init() and vdk_eal_cleanup(): the order in which the EAL's parts
 * come up and go down. Each step undoes itself on failure, and init undoes
 * the steps before a failed one, so that a failed init can be retried.
 */
#include <errno.h>
#include <stdbool.h>

#include "eal_core_internal.h"
#include "vdk_eal.h"
#include "vdk_log.h"

/* Init and cleanup are not thread-safe; this only catches a second call. */
static bool eal_up;

int
vdk_eal_init(int argc, char **argv)
{
	int consumed, ret;

	if (eal_up) {
		VDK_LOG(ERR, EAL, "vdk_eal_init() called twice: call vdk_eal_cleanup() "
			"first to start again");
		return -EALREADY;
	}

	eal_config_defaults(&eal_cfg);
	consumed = eal_parse_args(&eal_cfg, argc, argv);
	if (consumed < 0) {
		ret = consumed;
		goto release_config;
	}
	/* VA under an IOMMU; PA when VFIO can only run without one. */
	if (eal_cfg.iova_mode == VDK_IOVA_DC)
		eal_cfg.iova_mode = eal_cfg.no_pci ? VDK_IOVA_VA : eal_vfio_iova_mode_hint();

	/* The TSC measurement runs while the rest starts: no 10 ms wait here. */
	eal_tsc_calibrate_start();

	/* Lcores first: memory is then first touched from the main lcore's node. */
	ret = eal_lcore_init(&eal_cfg);
	if (ret < 0)
		goto reset_log;
	ret = eal_memory_init(&eal_cfg);
	if (ret < 0)
		goto lcore_cleanup;
	ret = eal_memzone_init();
	if (ret < 0)
		goto memory_cleanup;
	ret = eal_malloc_init();
	if (ret < 0)
		goto memzone_cleanup;
	if (!eal_cfg.no_pci) {
		ret = eal_pci_init();
		if (ret < 0)
			goto malloc_cleanup;
	}
	/* Buses (--vdev devices) last: their drivers may need everything above. */
	ret = eal_bus_probe_all();
	if (ret < 0)
		goto pci_cleanup;

	/* Last: everything its commands read is up. */
	eal_telemetry_start(&eal_cfg);
	eal_up = true;
	VDK_LOG(DEBUG, EAL, "up: %u lcores, main lcore %u, %s memory, IOVA as %s",
		vdk_lcore_count(), vdk_get_main_lcore(),
		eal_cfg.no_huge ? "ordinary" : "hugepage",
		eal_cfg.iova_mode == VDK_IOVA_PA ? "PA" : "VA");
	return consumed;

pci_cleanup:
	if (!eal_cfg.no_pci)
		eal_pci_cleanup();
malloc_cleanup:
	eal_malloc_cleanup();
memzone_cleanup:
	eal_memzone_cleanup();
memory_cleanup:
	eal_memory_cleanup();
lcore_cleanup:
	eal_lcore_cleanup();
reset_log:
	eal_log_reset();
release_config:
	eal_config_release(&eal_cfg);
	eal_config_defaults(&eal_cfg);
	return ret;
}

int
vdk_eal_cleanup(void)
{
	if (!eal_up) {
		VDK_LOG(ERR, EAL, "vdk_eal_cleanup(): the EAL is not initialised");
		return -EINVAL;
	}
	/* First: nothing its commands read may go while a client asks. */
	eal_telemetry_stop();
	eal_bus_remove_all();
	/* Also under --no-pci: it forgets DMA registrations made meanwhile. */
	eal_pci_cleanup();
	eal_malloc_cleanup();
	eal_memzone_cleanup();
	eal_memory_cleanup();
	eal_lcore_cleanup();
	eal_log_reset();
	eal_config_release(&eal_cfg);
	eal_config_defaults(&eal_cfg);
	eal_up = false;
	return 0;
}

enum vdk_iova_mode
vdk_eal_iova_mode(void)
{
	return eal_cfg.iova_mode;
}

int
vdk_eal_has_hugepages(void)
{
	return !eal_cfg.no_huge;
}

int
vdk_eal_has_pci(void)
{
	return !eal_cfg.no_pci;
}

const char *
vdk_eal_file_prefix(void)
{
	return eal_cfg.file_prefix[0] != '\0' ? eal_cfg.file_prefix : "vdk";
}
