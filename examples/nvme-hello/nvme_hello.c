/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme-hello: the smallest useful VDK NVMe program. It takes the first
 * NVMe controller the EAL found (or the one named by -a BDF), prints what
 * Identify says, writes one sector with a greeting, reads it back and
 * compares.
 *
 *   nvme-hello -a 0000:00:05.0 [-- LBA]
 *
 * The sector written is LBA 0 unless given; its old contents are lost.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdk_dma.h>
#include <vdk_eal.h>
#include <vdk_nvme.h>

struct done {
	bool done;
	struct vdk_nvme_cpl cpl;
};

static void
on_done(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct done *d = arg;

	d->cpl = *cpl;
	d->done = true;
}

/* Poll until the command completes; 0 when it succeeded. */
static int
wait_done(struct vdk_nvme_qpair *qp, struct done *d, const char *what)
{
	while (!d->done) {
		int n = vdk_nvme_qpair_process_completions(qp, 0);

		if (n < 0 && n != -EAGAIN) {
			fprintf(stderr, "%s: the controller failed (%s)\n", what, strerror(-n));
			return -1;
		}
	}
	if (vdk_nvme_cpl_is_error(&d->cpl)) {
		fprintf(stderr, "%s: %s\n", what, vdk_nvme_cpl_status_str(&d->cpl));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct vdk_nvme_ctrlr_data *id;
	struct vdk_nvme_ctrlr *ctrlr;
	struct vdk_nvme_qpair *qp;
	struct vdk_nvme_ns *ns;
	struct done d = { 0 };
	uint64_t lba = 0;
	uint32_t bs;
	char *buf;
	int ret, status = 1;

	ret = vdk_eal_init(argc, argv);
	if (ret < 0)
		return 1;
	argc -= ret;
	argv += ret;
	if (argc > 1)
		lba = strtoull(argv[1], NULL, 0);

	ctrlr = vdk_nvme_ctrlr_next(NULL);
	if (ctrlr == NULL) {
		fprintf(stderr, "nvme-hello: no NVMe controller found: bind one with `vdk-setup bind "
			"BDF` and pass -a BDF\n");
		goto out;
	}
	id = vdk_nvme_ctrlr_get_data(ctrlr);
	printf("controller %s: \"%.40s\" serial \"%.20s\" firmware \"%.8s\"\n",
	       vdk_nvme_ctrlr_name(ctrlr), id->mn, id->sn, id->fr);
	ns = vdk_nvme_ctrlr_get_ns(ctrlr, vdk_nvme_ctrlr_first_active_ns(ctrlr));
	if (ns == NULL) {
		fprintf(stderr, "nvme-hello: %s has no active namespace\n", vdk_nvme_ctrlr_name(ctrlr));
		goto out;
	}
	bs = vdk_nvme_ns_get_sector_size(ns);
	printf("namespace %u: %" PRIu64 " sectors of %u bytes\n", vdk_nvme_ns_get_id(ns),
	       vdk_nvme_ns_get_num_sectors(ns), bs);

	qp = vdk_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL);
	buf = vdk_dma_zmalloc(bs, 4096, NULL);
	if (qp == NULL || buf == NULL) {
		fprintf(stderr, "nvme-hello: no queue pair or buffer\n");
		goto out;
	}
	snprintf(buf, bs, "Hello from VDK to sector %" PRIu64 "!", lba);
	ret = vdk_nvme_ns_cmd_write(ns, qp, buf, lba, 1, on_done, &d, VDK_NVME_IO_FUA);
	if (ret < 0 || wait_done(qp, &d, "write") < 0) {
		fprintf(stderr, "nvme-hello: write failed (%s)\n", ret < 0 ? strerror(-ret) : "status");
		goto free;
	}
	memset(buf, 0, bs);
	d.done = false;
	ret = vdk_nvme_ns_cmd_read(ns, qp, buf, lba, 1, on_done, &d, 0);
	if (ret < 0 || wait_done(qp, &d, "read") < 0) {
		fprintf(stderr, "nvme-hello: read failed (%s)\n", ret < 0 ? strerror(-ret) : "status");
		goto free;
	}
	printf("read back: %s\n", buf);
	status = strncmp(buf, "Hello from VDK", 14) == 0 ? 0 : 1;
	if (status != 0)
		fprintf(stderr, "nvme-hello: the sector read back is not what was written\n");
free:
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
out:
	vdk_eal_cleanup();
	return status;
}
