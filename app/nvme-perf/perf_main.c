/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-nvme-perf: NVMe I/O benchmark in the manner of spdk_nvme_perf.
 *
 *   vdk-nvme-perf [EAL options] [--] -q 32 -o 4096 -w randread -t 10 -L
 *
 * -c picks the lcores; without an EAL -l, it also tells the EAL which to
 * start. Exit status 0 when every I/O completed as it should, 1 when a
 * controller failed, an I/O failed, or --verify found a difference or
 * left a block it wrote unread, 2 for bad options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"
#include "vdk_eal.h"
#include "vdk_pci.h"

/* Does the EAL part of argv (up to "--") choose lcores itself? */
static bool
eal_has_lcores(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strncmp(argv[i], "-l", 2) == 0 || strncmp(argv[i], "--lcores", 8) == 0)
			return true;
	return false;
}

/*
 * A controller's device went away (unplug, unbind): the driver failed it
 * already, so its workers stop at their next poll; say which one it was.
 */
static void
on_pci_event(struct vdk_pci_device *dev, enum vdk_pci_event event, void *arg)
{
	(void)arg;
	if (event == VDK_PCI_EVENT_REMOVED)
		fprintf(stderr, "vdk-nvme-perf: controller %s went away (unplugged or unbound): "
			"its workers stop; the results so far follow\n", dev->name);
}

int
main(int argc, char **argv)
{
	static struct perf_run run;
	struct perf_params params;
	char lcores[256];
	char **eal_argv;
	uint64_t mask;
	int eal_argc = 0, ret, status = 0;

	eal_argv = calloc((size_t)argc + 3, sizeof(*eal_argv));
	if (eal_argv == NULL)
		return 2;
	eal_argv[eal_argc++] = argv[0];
	if (perf_find_core_mask(argc, argv, &mask) && !eal_has_lcores(argc, argv) &&
	    perf_core_mask_to_list(mask, lcores, sizeof(lcores)) == 0) {
		eal_argv[eal_argc++] = "-l";
		eal_argv[eal_argc++] = lcores;
	}
	for (int i = 1; i < argc; i++)
		eal_argv[eal_argc++] = argv[i];

	ret = vdk_eal_init(eal_argc, eal_argv);
	if (ret == -ECANCELED) {
		perf_usage(stdout, argv[0]);
		free(eal_argv);
		return 0;
	}
	if (ret < 0) {
		fprintf(stderr, "%s: the EAL did not start (see above); perf's own options go "
			"after \"--\"\n", argv[0]);
		free(eal_argv);
		return 2;
	}
	vdk_pci_event_callback_register(on_pci_event, NULL);
	perf_params_defaults(&params);
	ret = perf_params_parse(&params, eal_argc - ret, eal_argv + ret);
	if (ret == -ECANCELED) {
		perf_usage(stdout, argv[0]);
		goto cleanup;
	}
	if (ret < 0) {
		status = 2;
		goto cleanup;
	}
	ret = perf_setup(&run, &params);
	if (ret < 0) {
		status = ret == -EINVAL ? 2 : 1;
		goto teardown;
	}
	printf("Running %s of %u bytes at depth %u for %u s (warm-up %u s) on %u namespace%s, "
	       "%u core%s\n", perf_pattern_name(params.pattern), params.io_size, params.depth,
	       params.time_s, params.warmup_s, run.nb_ctx, run.nb_ctx == 1 ? "" : "s",
	       run.nb_workers, run.nb_workers == 1 ? "" : "s");
	fflush(stdout);
	if (perf_execute(&run) < 0) {
		status = 1;
		goto teardown;
	}
	perf_report_text(stdout, &run);
	if (params.json != NULL && perf_report_json(params.json, &run) < 0)
		status = 1;
	if (params.plot != NULL && perf_plot_svg(params.plot, &run) < 0)
		status = 1;
	for (unsigned int i = 0; i < run.nb_ctx; i++) {
		const struct perf_ns_ctx *c = run.all[i];

		/* With --continue-on-error failed I/Os are expected: they are reported. */
		if (c->failed || (c->stats.errors > 0 && !params.continue_on_error) ||
		    c->stats.verify_failures > 0 ||
		    (params.verify && perf_verify_short(&c->stats)))
			status = 1;
	}
teardown:
	perf_teardown(&run);
cleanup:
	vdk_eal_cleanup();
	free(eal_argv);
	return status;
}
