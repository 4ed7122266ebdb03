/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An NVMe controller added while the process runs (doc/faults.md):
 *
 *   nvme_hot_add [EAL options] -- BDF
 *
 * Started while nothing is at BDF (nvme_removal.sh runs it after a
 * device_del): the EAL comes up without the device, and
 * vdk_nvme_ctrlr_attach(BDF) fails with -ENODEV. The program prints
 * "waiting" and reads a line from stdin; meanwhile the script plugs the
 * device in (QEMU device_add) and binds it to the VFIO driver. Then, in
 * the same process, vdk_nvme_ctrlr_attach(BDF) must bring the controller
 * up, and a write and a read of 8 blocks must complete on a queue pair
 * of it: the read overwrites a buffer of 0xa5 bytes with what the device
 * returns (zeroes: the hot-plug NVMe is a null-co drive), which shows the
 * device's DMA landed. Last the controller is detached. One line a check,
 * then "N passed, N failed"; exit status 0 only if all passed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <vdk_dma.h>
#include <vdk_eal.h>
#include <vdk_nvme.h>

static int passed, failed;

static void
check(bool ok, const char *fmt, const char *what)
{
	printf("%s - ", ok ? "ok" : "FAIL");
	printf(fmt, what);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

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

/* One command to completion; its status text, or the error that stopped it. */
static const char *
wait_done(struct vdk_nvme_qpair *qp, struct done *d, int ret)
{
	if (ret < 0)
		return strerror(-ret);
	while (!d->done) {
		ret = vdk_nvme_qpair_process_completions(qp, 0);
		if (ret < 0 && ret != -EAGAIN)
			return strerror(-ret);
	}
	return vdk_nvme_cpl_is_error(&d->cpl) ? vdk_nvme_cpl_status_str(&d->cpl) : NULL;
}

static void
io(struct vdk_nvme_ctrlr *ctrlr)
{
	struct vdk_nvme_ns *ns = vdk_nvme_ctrlr_get_ns(ctrlr, vdk_nvme_ctrlr_first_active_ns(ctrlr));
	struct vdk_nvme_qpair *qp = vdk_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL);
	struct done d = { 0 };
	const char *err;
	uint32_t bs = ns != NULL ? vdk_nvme_ns_get_sector_size(ns) : 512, i;
	unsigned char *buf = vdk_dma_zmalloc(8 * bs, 4096, NULL);

	check(ns != NULL && qp != NULL && buf != NULL, "%s: a namespace, a queue pair and DMA memory",
	      vdk_nvme_ctrlr_name(ctrlr));
	if (ns == NULL || qp == NULL || buf == NULL)
		goto out;
	memset(buf, 0x5a, 8 * bs);
	err = wait_done(qp, &d, vdk_nvme_ns_cmd_write(ns, qp, buf, 64, 8, on_done, &d, 0));
	check(err == NULL, "a write of 8 blocks completes: %s", err != NULL ? err : "success");
	memset(buf, 0xa5, 8 * bs);
	d.done = false;
	err = wait_done(qp, &d, vdk_nvme_ns_cmd_read(ns, qp, buf, 64, 8, on_done, &d, 0));
	check(err == NULL, "a read of 8 blocks completes: %s", err != NULL ? err : "success");
	for (i = 0; i < 8 * bs && buf[i] == 0; i++)
		;
	check(i == 8 * bs, "%s", "the read's data (the null-co drive's zeroes) replaced the buffer's");
out:
	vdk_dma_free(buf);
	if (qp != NULL)
		vdk_nvme_ctrlr_free_io_qpair(qp);
}

int
main(int argc, char **argv)
{
	struct vdk_nvme_ctrlr *ctrlr = NULL;
	char line[64];
	int ret;

	ret = vdk_eal_init(argc, argv);
	if (ret < 0)
		return 1;
	argc -= ret;
	argv += ret;
	if (argc != 2) {
		fprintf(stderr, "usage: nvme_hot_add [EAL options] -- BDF\n");
		vdk_eal_cleanup();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = vdk_nvme_ctrlr_attach(argv[1], &ctrlr);
	check(ret == -ENODEV, "before the device is added, attach fails: %s", strerror(-ret));
	printf("waiting\n");
	if (fgets(line, sizeof(line), stdin) == NULL)
		fprintf(stderr, "nvme_hot_add: stdin closed before the device came\n");
	ret = vdk_nvme_ctrlr_attach(argv[1], &ctrlr);
	check(ret == 0 && ctrlr != NULL, "after device_add, vdk_nvme_ctrlr_attach brings it up: %s",
	      strerror(-ret));
	if (ret == 0 && ctrlr != NULL) {
		printf("controller %s: serial \"%.20s\"\n", vdk_nvme_ctrlr_name(ctrlr),
		       vdk_nvme_ctrlr_get_data(ctrlr)->sn);
		io(ctrlr);
		ret = vdk_nvme_ctrlr_detach(ctrlr);
		check(ret == 0, "the controller detaches: %s", strerror(-ret));
	}
	vdk_eal_cleanup();
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}
