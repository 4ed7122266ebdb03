/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe fault cases of the vm tier (doc/faults.md), on nvme1 under
 * QEMU's blkdebug driver (vm-run --blkdebug, rules in faults.blkdebug):
 *
 *   nvme_fault_tool media BDF NSID RBAD WBAD LIST
 *       blocks RBAD-64..RBAD+63 get pattern 21 (WBAD-64..WBAD+63 keep
 *       the image's zeroes: no write to WBAD succeeds); then, all in
 *       flight at once on one queue pair, 16 reads of 8 blocks over the
 *       first range and 16 writes of pattern 22 over the second. The
 *       read holding RBAD must fail with UNRECOVERED READ ERROR, the write
 *       holding WBAD with WRITE FAULT, and every other command succeed
 *       (the reads with pattern 21).
 *   nvme_fault_tool timeout BDF NSID LBA LIST
 *       blocks LBA..LBA+127 get pattern 31; the host throttles nv1 to one
 *       request a second (QEMU's block_set_io_throttle, through vm-run's
 *       monitor); 16 writes of pattern 32 are put in flight with a 1 s I/O
 *       timeout. The driver must abort the ones that time out, reset the
 *       controller when the aborts do not help (QEMU 7.2 never aborts a
 *       command it is executing), complete each write exactly once, and
 *       keep the queue pair working; a second queue pair, with 4 reads
 *       in flight through it all, must come back from the reset too.
 *   nvme_fault_tool kcheck DEV BLKSZ LIST
 *       no VDK: read LIST's blocks through the kernel's block device DEV
 *       (O_DIRECT) and check them.
 *
 * LIST (written by media and timeout, read by kcheck) has a line a
 * command: "ok LBA N SEED" for a write VDK reported done or a range
 * written before the fault (it must hold SEED's pattern), "either LBA N
 * OLD NEW" for a write reported failed (each block holds one of the two
 * patterns, nothing else: no torn or foreign data). Seed 0 stands for
 * zeroes, what the image holds where nothing was written.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vm_monitor.h"
#include "nvme_vm_pattern.h"
#include "vdk_cycles.h"
#include "vdk_dma.h"
#include "vdk_eal.h"
#include "vdk_nvme.h"
#include "vdk_nvme_spec.h"

#define NB_CMDS 16
#define CMD_BLOCKS 8

static int checks, failures;

static void
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "ok" : "FAILED");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	checks++;
	failures += !ok;
}

struct io {
	bool done;
	int times;               /* completions seen: must end at 1 */
	struct vdk_nvme_cpl cpl;
	uint64_t lba;
	bool write;
};

static void
io_done(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct io *io = arg;

	io->cpl = *cpl;
	io->done = true;
	io->times++;
}

/*
 * A second queue pair that wait_all() polls too (the timeout case's, with
 * reads of its own in flight while the controller resets).
 */
static struct vdk_nvme_qpair *bystander;

/* Poll until every one of @ios completed or @limit_s passed; false on the latter. */
static bool
wait_all(struct vdk_nvme_qpair *qp, struct io *ios, int n, unsigned int limit_s)
{
	uint64_t end = vdk_rdtsc() + (uint64_t)limit_s * vdk_get_tsc_hz();

	for (;;) {
		int left = 0;

		for (int i = 0; i < n; i++)
			left += !ios[i].done;
		if (left == 0)
			return true;
		if (vdk_rdtsc() > end)
			return false;
		(void)vdk_nvme_qpair_process_completions(qp, 0);
		if (bystander != NULL)
			(void)vdk_nvme_qpair_process_completions(bystander, 0);
	}
}

/* Write @n blocks of pattern @seed from @lba and flush; 0 or -1. */
/* The blocks seed @seed stands for: its pattern, or zeroes for seed 0. */
static void
expected(uint8_t *buf, uint64_t lba, uint32_t n, uint32_t bs, uint32_t seed)
{
	if (seed == 0)
		memset(buf, 0, (size_t)n * bs);
	else
		pattern(buf, lba, n, bs, seed);
}

static int
write_sync(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp, uint8_t *buf, uint64_t lba,
	   uint32_t n, uint32_t seed)
{
	struct io w = { 0 }, f = { 0 };
	uint32_t bs = vdk_nvme_ns_get_sector_size(ns);

	pattern(buf, lba, n, bs, seed);
	if (vdk_nvme_ns_cmd_write(ns, qp, buf, lba, n, io_done, &w, 0) != 0 ||
	    !wait_all(qp, &w, 1, 60) || vdk_nvme_cpl_is_error(&w.cpl))
		return -1;
	if (vdk_nvme_ns_cmd_flush(ns, qp, io_done, &f) != 0 || !wait_all(qp, &f, 1, 60) ||
	    vdk_nvme_cpl_is_error(&f.cpl))
		return -1;
	return 0;
}

static const char *
status(const struct io *io)
{
	return vdk_nvme_cpl_is_error(&io->cpl) ? vdk_nvme_cpl_status_str(&io->cpl) : "success";
}

/* One LIST line for each write of @ios: what its blocks must now hold. */
static void
list_writes(FILE *list, const struct io *ios, int n, uint32_t old, uint32_t seed)
{
	for (int i = 0; i < n; i++) {
		if (!ios[i].write)
			continue;
		if (ios[i].done && !vdk_nvme_cpl_is_error(&ios[i].cpl))
			fprintf(list, "ok %" PRIu64 " %u %u\n", ios[i].lba, CMD_BLOCKS, seed);
		else
			fprintf(list, "either %" PRIu64 " %u %u %u\n", ios[i].lba, CMD_BLOCKS, old,
				seed);
	}
}

static int
media(struct vdk_nvme_ctrlr *c, struct vdk_nvme_ns *ns, uint64_t rbad, uint64_t wbad,
      FILE *list)
{
	struct vdk_nvme_qpair *qp = vdk_nvme_ctrlr_alloc_io_qpair(c, NULL);
	uint32_t bs = vdk_nvme_ns_get_sector_size(ns), len = CMD_BLOCKS * bs;
	uint8_t *bufs = vdk_dma_zmalloc((size_t)2 * NB_CMDS * len, 4096, NULL);
	uint8_t *want = malloc(len);
	struct io ios[2 * NB_CMDS];
	int i, bad_reads = 0, bad_writes = 0, others_ok = 0, data_ok = 0;

	if (qp == NULL || bufs == NULL || want == NULL) {
		fprintf(stderr, "media: set-up: %s\n", strerror(errno));
		return 1;
	}
	/* Before the fault; the blocks that cannot be read back stay out of LIST. */
	check(write_sync(ns, qp, bufs, rbad - 64, 128, 21) == 0,
	      "pattern 21 written to blocks %" PRIu64 "..%" PRIu64, rbad - 64, rbad + 63);
	fprintf(list, "ok %" PRIu64 " 64 21\nok %" PRIu64 " 56 21\n", rbad - 64, rbad + 8);

	memset(ios, 0, sizeof(ios));
	memset(bufs, 0, (size_t)2 * NB_CMDS * len);
	for (i = 0; i < 2 * NB_CMDS; i++) {
		struct io *io = &ios[i];
		uint8_t *buf = bufs + (size_t)i * len;
		int ret;

		io->write = i >= NB_CMDS;
		io->lba = (io->write ? wbad : rbad) - 64 + (uint64_t)(i % NB_CMDS) * CMD_BLOCKS;
		if (io->write) {
			pattern(buf, io->lba, CMD_BLOCKS, bs, 22);
			ret = vdk_nvme_ns_cmd_write(ns, qp, buf, io->lba, CMD_BLOCKS, io_done, io, 0);
		} else {
			ret = vdk_nvme_ns_cmd_read(ns, qp, buf, io->lba, CMD_BLOCKS, io_done, io, 0);
		}
		if (ret != 0) {
			fprintf(stderr, "media: submit %d: %s\n", i, strerror(-ret));
			return 1;
		}
	}
	check(wait_all(qp, ios, 2 * NB_CMDS, 120), "all 32 commands completed");
	for (i = 0; i < 2 * NB_CMDS; i++) {
		struct io *io = &ios[i];
		uint64_t bad = io->write ? wbad : rbad;
		bool holds = bad >= io->lba && bad < io->lba + CMD_BLOCKS;

		if (holds) {
			const char *want_str = io->write ? "WRITE FAULT" : "UNRECOVERED READ ERROR";

			check(io->done && strcmp(status(io), want_str) == 0,
			      "%s of blocks %" PRIu64 "..%" PRIu64 " (block %" PRIu64 " bad) completed "
			      "with \"%s\" (want \"%s\")", io->write ? "write" : "read", io->lba,
			      io->lba + CMD_BLOCKS - 1, bad, status(io), want_str);
			if (io->write)
				bad_writes++;
			else
				bad_reads++;
			continue;
		}
		if (io->done && !vdk_nvme_cpl_is_error(&io->cpl)) {
			others_ok++;
			if (!io->write) {
				pattern(want, io->lba, CMD_BLOCKS, bs, 21);
				data_ok += memcmp(bufs + (size_t)i * len, want, len) == 0;
			}
		} else {
			printf("  %s at %" PRIu64 ": %s\n", io->write ? "write" : "read", io->lba,
			       status(io));
		}
	}
	check(bad_reads == 1 && bad_writes == 1, "one read and one write held a bad block");
	check(others_ok == 2 * NB_CMDS - 2, "the other %d commands in flight succeeded (%d did)",
	      2 * NB_CMDS - 2, others_ok);
	check(data_ok == NB_CMDS - 1, "the other %d reads returned pattern 21 (%d did)",
	      NB_CMDS - 1, data_ok);
	{
		int once = 0;

		for (i = 0; i < 2 * NB_CMDS; i++)
			once += ios[i].times == 1;
		check(once == 2 * NB_CMDS, "each command completed exactly once (%d did)", once);
	}
	check(!vdk_nvme_ctrlr_is_failed(c), "the controller is not failed");
	list_writes(list, ios, 2 * NB_CMDS, 0, 22);
	/* The queue pair goes on: a read of good blocks right after. */
	memset(ios, 0, sizeof(ios[0]));
	check(vdk_nvme_ns_cmd_read(ns, qp, bufs, rbad + 8, CMD_BLOCKS, io_done, &ios[0], 0) == 0 &&
	      wait_all(qp, ios, 1, 60) && !vdk_nvme_cpl_is_error(&ios[0].cpl),
	      "a read after the errors succeeds");
	free(want);
	vdk_dma_free(bufs);
	vdk_nvme_ctrlr_free_io_qpair(qp);
	return 0;
}

/* Ask the host for an HMP command; its reply must be empty (success). */
static bool
monitor(const char *cmd)
{
	char reply[512];

	if (vm_monitor(cmd, reply, sizeof(reply)) != 0) {
		fprintf(stderr, "monitor: no answer to '%s' (not in the vm tier?)\n", cmd);
		return false;
	}
	if (reply[0] != '\0') {
		fprintf(stderr, "monitor: '%s': %s\n", cmd, reply);
		return false;
	}
	return true;
}

static int
timeout(struct vdk_nvme_ctrlr *c, struct vdk_nvme_ns *ns, uint64_t lba, FILE *list)
{
	struct vdk_nvme_qpair *qp = vdk_nvme_ctrlr_alloc_io_qpair(c, NULL);
	struct vdk_nvme_qpair *qp2 = vdk_nvme_ctrlr_alloc_io_qpair(c, NULL);
	uint32_t bs = vdk_nvme_ns_get_sector_size(ns), len = CMD_BLOCKS * bs;
	uint8_t *bufs = vdk_dma_zmalloc((size_t)NB_CMDS * len, 4096, NULL);
	uint8_t *rbufs = vdk_dma_zmalloc((size_t)4 * len, 4096, NULL);
	uint8_t *want = malloc((size_t)NB_CMDS * len);
	struct io ios[NB_CMDS], reads[4];
	int i, ok = 0, sq_del = 0, other = 0, once = 0, good = 0, r_once = 0, r_other = 0;
	uint64_t t0;
	bool done;

	if (qp == NULL || qp2 == NULL || bufs == NULL || rbufs == NULL || want == NULL) {
		fprintf(stderr, "timeout: set-up: %s\n", strerror(errno));
		return 1;
	}
	check(write_sync(ns, qp, bufs, lba, NB_CMDS * CMD_BLOCKS, 31) == 0,
	      "pattern 31 written to blocks %" PRIu64 "..%" PRIu64, lba,
	      lba + NB_CMDS * CMD_BLOCKS - 1);
	check(vdk_nvme_ctrlr_set_timeouts(c, 1000, 10000) == 0, "I/O timeout set to 1 s");
	if (!monitor("block_set_io_throttle nv1 0 0 0 1 0 0")) {
		check(false, "nv1 throttled to 1 request a second");
		return 1;
	}
	memset(ios, 0, sizeof(ios));
	memset(reads, 0, sizeof(reads));
	t0 = vdk_rdtsc();
	/* The other queue pair's reads, of blocks past the written ones. */
	for (i = 0; i < 4; i++)
		if (vdk_nvme_ns_cmd_read(ns, qp2, rbufs + (size_t)i * len,
					 lba + (uint64_t)(NB_CMDS + i) * CMD_BLOCKS, CMD_BLOCKS,
					 io_done, &reads[i], 0) != 0) {
			fprintf(stderr, "timeout: read %d failed\n", i);
			return 1;
		}
	bystander = qp2;
	for (i = 0; i < NB_CMDS; i++) {
		ios[i].write = true;
		ios[i].lba = lba + (uint64_t)i * CMD_BLOCKS;
		pattern(bufs + (size_t)i * len, ios[i].lba, CMD_BLOCKS, bs, 32);
		if (vdk_nvme_ns_cmd_write(ns, qp, bufs + (size_t)i * len, ios[i].lba, CMD_BLOCKS,
					  io_done, &ios[i], 0) != 0) {
			fprintf(stderr, "timeout: submit %d failed\n", i);
			return 1;
		}
	}
	done = wait_all(qp, ios, NB_CMDS, 120) && wait_all(qp2, reads, 4, 120);
	bystander = NULL;
	check(done, "all 16 writes and the other queue pair's 4 reads completed, in %.1f s",
	      (double)(vdk_rdtsc() - t0) / (double)vdk_get_tsc_hz());
	/* Unthrottled before anything else can fail: the kernel checks next. */
	check(monitor("block_set_io_throttle nv1 0 0 0 0 0 0"), "nv1 unthrottled");
	for (i = 0; i < NB_CMDS; i++) {
		once += ios[i].times == 1;
		if (!vdk_nvme_cpl_is_error(&ios[i].cpl))
			ok++;
		else if (vdk_nvme_cpl_sct(&ios[i].cpl) == VDK_NVME_SCT_GENERIC &&
			 vdk_nvme_cpl_sc(&ios[i].cpl) == VDK_NVME_SC_ABORTED_SQ_DELETION)
			sq_del++;
		else
			other++, printf("  write at %" PRIu64 ": %s\n", ios[i].lba, status(&ios[i]));
	}
	printf("writes: %d succeeded, %d aborted by the reset, %d other errors\n", ok, sq_del,
	       other);
	for (i = 0; i < 4; i++) {
		r_once += reads[i].times == 1;
		r_other += vdk_nvme_cpl_is_error(&reads[i].cpl) &&
			   !(vdk_nvme_cpl_sct(&reads[i].cpl) == VDK_NVME_SCT_GENERIC &&
			     vdk_nvme_cpl_sc(&reads[i].cpl) == VDK_NVME_SC_ABORTED_SQ_DELETION);
	}
	check(r_once == 4 && r_other == 0, "the other queue pair's reads completed once each, done "
	      "or aborted by the reset (%d once, %d other errors)", r_once, r_other);
	check(once == NB_CMDS, "each write completed exactly once (%d did)", once);
	check(sq_del > 0 && other == 0,
	      "the writes that outlived the abort completed with \"COMMAND ABORTED DUE TO SQ "
	      "DELETION\" after the reset (%d), no other error", sq_del);
	check(!vdk_nvme_ctrlr_is_failed(c), "the controller came back from the reset");
	list_writes(list, ios, NB_CMDS, 31, 32);
	/* The same queue pair after the reset: VDK's own view of the blocks. */
	memset(ios, 0, sizeof(ios[0]));
	memset(bufs, 0, (size_t)NB_CMDS * len);
	check(vdk_nvme_ns_cmd_read(ns, qp, bufs, lba, NB_CMDS * CMD_BLOCKS, io_done, &ios[0], 0) == 0 &&
	      wait_all(qp, ios, 1, 60) && !vdk_nvme_cpl_is_error(&ios[0].cpl),
	      "the queue pair reads again after the reset");
	for (i = 0; i < NB_CMDS * CMD_BLOCKS; i++) {
		uint8_t *b = bufs + (size_t)i * bs;

		pattern(want, lba + i, 1, bs, 31);
		pattern(want + bs, lba + i, 1, bs, 32);
		good += memcmp(b, want, bs) == 0 || memcmp(b, want + bs, bs) == 0;
	}
	check(good == NB_CMDS * CMD_BLOCKS, "every block holds pattern 31 or 32 (%d of %d)", good,
	      NB_CMDS * CMD_BLOCKS);
	memset(reads, 0, sizeof(reads[0]));
	check(vdk_nvme_ns_cmd_read(ns, qp2, rbufs, lba, CMD_BLOCKS, io_done, &reads[0], 0) == 0 &&
	      wait_all(qp2, reads, 1, 60) && !vdk_nvme_cpl_is_error(&reads[0].cpl),
	      "the other queue pair reads again after the reset");
	free(want);
	vdk_dma_free(rbufs);
	vdk_dma_free(bufs);
	vdk_nvme_ctrlr_free_io_qpair(qp2);
	vdk_nvme_ctrlr_free_io_qpair(qp);
	return 0;
}

/* Through the kernel's driver: every LIST line holds what it says. */
static int
kcheck(const char *dev, uint32_t bs, const char *path)
{
	FILE *list = fopen(path, "r");
	int fd = open(dev, O_RDONLY | O_DIRECT);
	uint8_t *buf, *a = malloc(bs), *b = malloc(bs);
	char kind[16];
	uint64_t lba;
	uint32_t n, s1, s2;
	long blocks = 0, bad = 0;

	if (list == NULL || fd < 0 || posix_memalign((void **)&buf, 4096, bs) != 0) {
		fprintf(stderr, "kcheck: %s or %s: %s\n", path, dev, strerror(errno));
		return 1;
	}
	while (fscanf(list, "%15s %" SCNu64 " %u %u", kind, &lba, &n, &s1) == 4) {
		bool either = strcmp(kind, "either") == 0;

		if (either && fscanf(list, "%u", &s2) != 1)
			break;
		for (uint32_t i = 0; i < n; i++, blocks++) {
			if (pread(fd, buf, bs, (off_t)((lba + i) * bs)) != (ssize_t)bs) {
				printf("FAILED: block %" PRIu64 ": the kernel's read failed: %s\n",
				       lba + i, strerror(errno));
				bad++;
				continue;
			}
			expected(a, lba + i, 1, bs, s1);
			if (either)
				expected(b, lba + i, 1, bs, s2);
			if (memcmp(buf, a, bs) != 0 && !(either && memcmp(buf, b, bs) == 0)) {
				printf("FAILED: block %" PRIu64 " holds neither pattern %u%s\n", lba + i,
				       s1, either ? " nor the failed write's" : " (reported written)");
				bad++;
			}
		}
	}
	check(blocks > 0 && bad == 0, "the kernel's driver read %ld blocks of %s, each holding "
	      "what VDK reported (%ld did not)", blocks, path, bad);
	fclose(list);
	close(fd);
	free(buf);
	free(a);
	free(b);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: nvme_fault_tool media BDF NSID RBAD WBAD LIST |\n"
			"       timeout BDF NSID LBA LIST | kcheck DEV BLKSZ LIST\n");
	return 2;
}

int
main(int argc, char **argv)
{
	char *eal_argv[] = { argv[0], "-l", "0", "-a", NULL, "--log-level", "nvme:info", NULL };
	struct vdk_nvme_ctrlr *c;
	struct vdk_nvme_ns *ns;
	FILE *list;
	int ret;

	if (argc == 5 && strcmp(argv[1], "kcheck") == 0) {
		ret = kcheck(argv[2], (uint32_t)strtoul(argv[3], NULL, 0), argv[4]);
		goto out;
	}
	if (!((argc == 7 && strcmp(argv[1], "media") == 0) ||
	      (argc == 6 && strcmp(argv[1], "timeout") == 0)))
		return usage();
	eal_argv[4] = argv[2];
	if (vdk_eal_init(7, eal_argv) < 0)
		return 1;
	c = vdk_nvme_ctrlr_get(argv[2]);
	ns = c != NULL ? vdk_nvme_ctrlr_get_ns(c, (uint32_t)strtoul(argv[3], NULL, 0)) : NULL;
	list = fopen(argv[argc - 1], "w");
	if (ns == NULL || list == NULL) {
		fprintf(stderr, "no NVMe namespace %s at %s, or %s: %s\n", argv[3], argv[2],
			argv[argc - 1], strerror(errno));
		vdk_eal_cleanup();
		return 1;
	}
	if (argv[1][0] == 'm')
		ret = media(c, ns, strtoull(argv[4], NULL, 0), strtoull(argv[5], NULL, 0), list);
	else
		ret = timeout(c, ns, strtoull(argv[4], NULL, 0), list);
	fclose(list);
	vdk_eal_cleanup();
out:
	printf("%d passed, %d failed\n", checks - failures, failures);
	return ret != 0 || failures != 0 ? 1 : 0;
}
