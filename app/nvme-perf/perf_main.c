/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-nvme-perf: NVMe I/O benchmark in the manner of spdk_nvme_perf.
 *
 *   vdk-nvme-perf -q 32 -o 4096 -w randread -t 10 -L -r 'trtype:PCIe traddr:...'
 *   vdk-nvme-perf [EAL options] -- -q 32 -o 4096 -w randread -t 10 -L
 *
 * The first is spdk_nvme_perf's command line, the second the EAL form
 * (perf_cmdline.c). -c picks the lcores; without an EAL -l, it also tells
 * the EAL which to start. Exit status 0 when every I/O completed as it
 * should, 1 when a controller failed, an I/O failed, or --verify found a
 * difference or left a block it wrote unread, 2 for bad options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"
#include "vdk_eal.h"
#include "vdk_pci.h"

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
	struct perf_cmdline cl;
	struct perf_params params;
	int ret, status = 0;

	ret = perf_cmdline_build(&cl, argc, argv);
	if (ret < 0)
		return 2;
	ret = vdk_eal_init(cl.argc, cl.argv);
	if (ret == -ECANCELED) {
		perf_usage(stdout, argv[0]);
		perf_cmdline_free(&cl);
		return 0;
	}
	if (ret < 0) {
		fprintf(stderr, "%s: the EAL did not start (see above)%s\n", argv[0],
			cl.spdk ? "" : "; perf's own options go after \"--\"");
		perf_cmdline_free(&cl);
		return 2;
	}
	vdk_pci_event_callback_register(on_pci_event, NULL);
	perf_params_defaults(&params);
	ret = perf_params_parse(&params, cl.argc - ret, cl.argv + ret);
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
	perf_cmdline_free(&cl);
	return status;
}
