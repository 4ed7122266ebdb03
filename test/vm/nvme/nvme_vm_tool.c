/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the nvme vm tests ask of VDK in the guest, one subcommand a step,
 * so that a script can put the kernel's nvme driver between two steps:
 *
 *   nvme_vm_tool identify BDF               Identify data, one "key value" a line
 *   nvme_vm_tool write BDF NSID LBA N SEED  write the pattern to N blocks, flush
 *   nvme_vm_tool check BDF NSID LBA N SEED  read N blocks, compare with the pattern
 *   nvme_vm_tool pattern LBA N BLKSZ SEED   the pattern itself, to stdout
 *   nvme_vm_tool selftest BDF NSID          every I/O command and a reset, on the device
 *
 * The pattern (nvme_vm_pattern.h) depends on the seed and each byte's
 * absolute place, so a block read anywhere can be checked, by this tool
 * or by cmp(1).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdk_dma.h"
#include "vdk_eal.h"
#include "vdk_nvme.h"
#include "nvme_vm_pattern.h"

struct wait {
	int done;
	struct vdk_nvme_cpl cpl;
};

static void
done_cb(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct wait *w = arg;

	w->cpl = *cpl;
	w->done = 1;
}

/* Run until @w completes; 0 on success, else prints the status. */
static int
wait_for(struct vdk_nvme_qpair *qp, struct wait *w, const char *what)
{
	while (!w->done) {
		int ret = vdk_nvme_qpair_process_completions(qp, 0);

		if (ret < 0 && ret != -EAGAIN) {
			fprintf(stderr, "%s: %s\n", what, strerror(-ret));
			return -1;
		}
	}
	if (vdk_nvme_cpl_is_error(&w->cpl)) {
		fprintf(stderr, "%s: %s\n", what, vdk_nvme_cpl_status_str(&w->cpl));
		return -1;
	}
	return 0;
}

static void
print_str(const char *key, const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\0'))
		len--;
	printf("%s %.*s\n", key, (int)len, s);
}

static int
identify(struct vdk_nvme_ctrlr *c)
{
	const struct vdk_nvme_ctrlr_data *d = vdk_nvme_ctrlr_get_data(c);
	uint32_t nsid;

	printf("vid 0x%04x\nssvid 0x%04x\n", d->vid, d->ssvid);
	print_str("sn", d->sn, sizeof(d->sn));
	print_str("mn", d->mn, sizeof(d->mn));
	print_str("fr", d->fr, sizeof(d->fr));
	printf("mdts %u\ncntlid %u\nver 0x%x\nnn %u\noncs 0x%x\nsqes 0x%x\ncqes 0x%x\n"
	       "vwc 0x%x\nsgls 0x%x\nacl %u\nmqes %u\n", d->mdts, d->cntlid, d->ver, d->nn,
	       d->oncs, d->sqes, d->cqes, d->vwc, d->sgls, d->acl,
	       vdk_nvme_ctrlr_get_max_queue_entries(c) - 1);
	for (nsid = vdk_nvme_ctrlr_first_active_ns(c); nsid != 0;
	     nsid = vdk_nvme_ctrlr_next_active_ns(c, nsid)) {
		struct vdk_nvme_ns *ns = vdk_nvme_ctrlr_get_ns(c, nsid);

		printf("ns%u.nsze %" PRIu64 "\nns%u.lba_size %u\nns%u.sectors512 %" PRIu64 "\n",
		       nsid, vdk_nvme_ns_get_num_sectors(ns), nsid,
		       vdk_nvme_ns_get_sector_size(ns), nsid, vdk_nvme_ns_get_size(ns) / 512);
	}
	return 0;
}

/* Write or check @n blocks from @lba in transfers of at most 64 KiB. */
static int
rw(struct vdk_nvme_ctrlr *c, uint32_t nsid, uint64_t lba, uint32_t n, uint32_t seed, bool write)
{
	struct vdk_nvme_ns *ns = vdk_nvme_ctrlr_get_ns(c, nsid);
	struct vdk_nvme_qpair *qp = vdk_nvme_ctrlr_alloc_io_qpair(c, NULL);
	uint32_t bs, chunk, i;
	uint8_t *buf, *want;
	int ret = 0;

	if (ns == NULL || qp == NULL) {
		fprintf(stderr, "namespace %u or a queue pair: %s\n", nsid, strerror(errno));
		return 1;
	}
	bs = vdk_nvme_ns_get_sector_size(ns);
	chunk = 65536 / bs;
	buf = vdk_dma_zmalloc((size_t)chunk * bs, 4096, NULL);
	want = malloc((size_t)chunk * bs);
	for (i = 0; i < n && ret == 0; i += chunk) {
		uint32_t cnt = n - i < chunk ? n - i : chunk;
		struct wait w = { 0 };

		pattern(want, lba + i, cnt, bs, seed);
		if (write) {
			memcpy(buf, want, (size_t)cnt * bs);
			ret = vdk_nvme_ns_cmd_write(ns, qp, buf, lba + i, cnt, done_cb, &w, 0);
		} else {
			memset(buf, 0, (size_t)cnt * bs);
			ret = vdk_nvme_ns_cmd_read(ns, qp, buf, lba + i, cnt, done_cb, &w, 0);
		}
		if (ret == 0)
			ret = wait_for(qp, &w, write ? "write" : "read");
		if (ret == 0 && !write && memcmp(buf, want, (size_t)cnt * bs) != 0) {
			for (uint32_t b = 0; b < cnt; b++)
				if (memcmp(buf + b * bs, want + b * bs, bs) != 0) {
					fprintf(stderr, "block %" PRIu64 " differs from the pattern\n",
						lba + i + b);
					break;
				}
			ret = -1;
		}
	}
	if (ret == 0 && write) {
		struct wait w = { 0 };

		ret = vdk_nvme_ns_cmd_flush(ns, qp, done_cb, &w);
		if (ret == 0)
			ret = wait_for(qp, &w, "flush");
	}
	if (ret == 0)
		printf("%s %u blocks at %" PRIu64 ": ok\n", write ? "wrote" : "checked", n, lba);
	free(want);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
	return ret == 0 ? 0 : 1;
}

static int checks, failures;

static void
check(bool ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	checks++;
	failures += !ok;
}

/* Each I/O command once on the real device, then a reset in the middle. */
static int
selftest(struct vdk_nvme_ctrlr *c, uint32_t nsid)
{
	struct vdk_nvme_ns *ns = vdk_nvme_ctrlr_get_ns(c, nsid);
	struct vdk_nvme_qpair *qp = vdk_nvme_ctrlr_alloc_io_qpair(c, NULL);
	struct vdk_nvme_dsm_range r = { .slba = 64, .length = 8 };
	uint8_t *buf = vdk_dma_zmalloc(132 * 1024, 4096, NULL);
	uint8_t *two = vdk_dma_zmalloc(128 * 1024, 4096, NULL);
	struct iovec iov[2] = { { buf, 4096 }, { two, 8192 } };
	struct vdk_nvme_cmd raw = { .opc = VDK_NVME_OPC_IDENTIFY, .cdw10 = VDK_NVME_CNS_CTRLR };
	struct wait w = { 0 };
	int i;

	if (ns == NULL || qp == NULL || buf == NULL || two == NULL) {
		fprintf(stderr, "selftest set-up: %s\n", strerror(errno));
		return 1;
	}
	/* A PRP list: 128 KiB at an odd offset crosses 33 pages. */
	pattern(buf + 512, 0, 256, 512, 7);
	check(vdk_nvme_ns_cmd_write(ns, qp, buf + 512, 0, 256, done_cb, &w, 0) == 0 &&
	      wait_for(qp, &w, "write") == 0, "128 KiB write through a PRP list");
	memset(two, 0, 128 * 1024);
	w.done = 0;
	check(vdk_nvme_ns_cmd_read(ns, qp, two, 0, 256, done_cb, &w, 0) == 0 &&
	      wait_for(qp, &w, "read") == 0 && memcmp(two, buf + 512, 128 * 1024) == 0,
	      "128 KiB read back equal");
	w.done = 0;
	check(vdk_nvme_ns_cmd_readv(ns, qp, iov, 2, 8, 24, done_cb, &w, 0) == 0 &&
	      wait_for(qp, &w, "readv") == 0 && memcmp(two, buf + 512 + 8 * 512 + 4096, 8192) == 0,
	      vdk_nvme_ctrlr_sgl_supported(c) ? "vectored read as an SGL" : "vectored read as PRPs");
	w.done = 0;
	check(vdk_nvme_ns_cmd_write_zeroes(ns, qp, 0, 8, done_cb, &w, 0) == 0 &&
	      wait_for(qp, &w, "write zeroes") == 0, "write zeroes");
	w.done = 0;
	check(vdk_nvme_ns_cmd_read(ns, qp, two, 0, 8, done_cb, &w, 0) == 0 &&
	      wait_for(qp, &w, "read") == 0 && two[0] == 0 && two[4095] == 0,
	      "zeroed blocks read as zeroes");
	w.done = 0;
	check(vdk_nvme_ns_cmd_dsm(ns, qp, &r, 1, VDK_NVME_DSM_ATTR_AD, done_cb, &w) == 0 &&
	      wait_for(qp, &w, "deallocate") == 0, "dataset management (deallocate)");
	w.done = 0;
	check(vdk_nvme_ns_cmd_flush(ns, qp, done_cb, &w) == 0 && wait_for(qp, &w, "flush") == 0,
	      "flush");
	w.done = 0;
	check(vdk_nvme_ns_cmd_read(ns, qp, two, vdk_nvme_ns_get_num_sectors(ns), 1, done_cb, &w,
				   0) == -EINVAL, "a read past the end is refused");
	check(vdk_nvme_ctrlr_admin_sync(c, &raw, two, 4096, NULL) == 0 &&
	      memcmp(two + 4, vdk_nvme_ctrlr_get_data(c)->sn, 20) == 0,
	      "admin passthrough Identify");
	/* Reset with reads in flight: each completes once, the queue pair comes back. */
	{
		int done = 0;
		struct wait ws[16];

		memset(ws, 0, sizeof(ws));
		for (i = 0; i < 16; i++)
			vdk_nvme_ns_cmd_read(ns, qp, two + i * 512, (uint64_t)i, 1, done_cb, &ws[i], 0);
		vdk_nvme_qpair_flush(qp);
		check(vdk_nvme_ctrlr_reset(c) == 0, "controller reset");
		while (vdk_nvme_qpair_outstanding(qp) > 0)
			vdk_nvme_qpair_process_completions(qp, 0);
		for (i = 0; i < 16; i++)
			done += ws[i].done;
		check(done == 16, "every read in flight completed once");
		w.done = 0;
		check(vdk_nvme_ns_cmd_read(ns, qp, two, 0, 256, done_cb, &w, 0) == 0 &&
		      wait_for(qp, &w, "read") == 0, "I/O after the reset");
	}
	vdk_dma_free(two);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
	printf("%d passed, %d failed\n", checks - failures, failures);
	return failures == 0 ? 0 : 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: nvme_vm_tool identify BDF | write|check BDF NSID LBA N SEED |\n"
			"       pattern LBA N BLKSZ SEED | selftest BDF NSID\n");
	return 2;
}

int
main(int argc, char **argv)
{
	char *eal_argv[] = { argv[0], "-l", "0", "-a", NULL, "--log-level", "nvme:info", NULL };
	struct vdk_nvme_ctrlr *c;
	int ret;

	if (argc >= 6 && strcmp(argv[1], "pattern") == 0) {
		uint64_t lba = strtoull(argv[2], NULL, 0);
		uint32_t n = (uint32_t)strtoul(argv[3], NULL, 0), bs = (uint32_t)strtoul(argv[4], NULL, 0);
		uint8_t *buf = malloc((size_t)n * bs);

		pattern(buf, lba, n, bs, (uint32_t)strtoul(argv[5], NULL, 0));
		fwrite(buf, bs, n, stdout);
		free(buf);
		return 0;
	}
	if (argc < 3)
		return usage();
	eal_argv[4] = argv[2];
	if (vdk_eal_init(7, eal_argv) < 0)
		return 1;
	c = vdk_nvme_ctrlr_get(argv[2]);
	if (c == NULL) {
		fprintf(stderr, "no NVMe controller at %s\n", argv[2]);
		vdk_eal_cleanup();
		return 1;
	}
	if (strcmp(argv[1], "identify") == 0)
		ret = identify(c);
	else if (argc >= 7 && (strcmp(argv[1], "write") == 0 || strcmp(argv[1], "check") == 0))
		ret = rw(c, (uint32_t)strtoul(argv[3], NULL, 0), strtoull(argv[4], NULL, 0),
			 (uint32_t)strtoul(argv[5], NULL, 0), (uint32_t)strtoul(argv[6], NULL, 0),
			 strcmp(argv[1], "write") == 0);
	else if (argc >= 4 && strcmp(argv[1], "selftest") == 0)
		ret = selftest(c, (uint32_t)strtoul(argv[3], NULL, 0));
	else
		ret = usage();
	vdk_eal_cleanup();
	return ret;
}
