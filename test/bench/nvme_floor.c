/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The floor for bench nvme: the least a program can do to read 4 KiB from
 * an NVMe controller through vfio-pci, one command at a time, so that the
 * bench can say how far vdk-nvme-perf's QD1 latency is above what the
 * device (here QEMU's model) allows.
 *
 * No library, no driver layer: VFIO ioctls, BAR0 mmapped, one admin queue
 * pair to identify the namespace and create one I/O queue pair, then a loop
 * that spins on the completion's phase bit (reading the TSC each turn, as
 * vdk-nvme-perf's poll does), writes the next read command and rings the
 * completion doorbell and the submission doorbell back to back, as a
 * driver that submits from its completion callback does (vdk-nvme-perf,
 * SPDK). Random 4 KiB-aligned LBAs, as vdk-nvme-perf -w randread. Latency
 * is taken as vdk-nvme-perf takes it, TSC when the command is written to
 * TSC when its completion is seen, so both hold the same two doorbell
 * writes; the TSC rate is measured against CLOCK_MONOTONIC over the run.
 *
 *   bench_nvme_floor BDF [SECONDS [huge|small [ENTRIES [SETTLE_NS]]]]
 *
 * "huge": the queues and the buffer on one 2 MiB hugepage, as
 * vdk-nvme-perf has them, instead of 4 KiB pages ("small"): the device
 * model translates each DMA through the emulated IOMMU, and the page
 * size is the one difference in memory between the two programs.
 * ENTRIES: the I/O queues' size, 2 to 64 (default 64). With 2 the
 * completion queue is full after every completion, and QEMU's model
 * (7.2) wakes its main loop on each head doorbell that un-fills it: the
 * cost vdk-nvme-perf paid at QD1 when it sized its queue depth + 1
 * (doc/nvme.md, Benchmark).
 * SETTLE_NS: how long after seeing a completion the loop rings the two
 * doorbells (default 1000; 0: at once). Under QEMU's TCG this decides the
 * device model's latency: QEMU's main loop posts the completion holding
 * its big lock, which the vCPU needs for a doorbell write, and goes to
 * sleep in ppoll() a few microseconds after dropping the lock. Doorbells
 * that come in between keep it awake, on a host CPU of its own, and a
 * read takes about 7 us; too early, the vCPU sleeps on the lock, too
 * late, the main loop sleeps, and the host may wake it on the vCPU's CPU,
 * where each read then costs 19-30 us (doc/nvme.md, "The floor's spin").
 * vdk-nvme-perf's completion callback takes about that long; the bench
 * runs several SETTLE_NS and keeps the lowest.
 *
 * Prints "floor: ios=N iops=X mean_us=Y p50_us=Z p10_us=A p90_us=B
 * sq_db_us=Q cq_db_us=C" and exits 0, or says what failed and exits 1.
 * Q and C are the mean times of one submission and one completion
 * doorbell write: a doorbell that waits for QEMU's big lock waits there.
 * The device must be bound to vfio-pci, alone in its IOMMU group (the
 * guest's emulated IOMMU gives each device its own).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define QSIZE 64            /* entries in each queue, at most; one command is ever in flight */
#define IO_SIZE 4096u
#define MAX_SAMPLES (1u << 22)

struct sqe {
	uint32_t cdw0, nsid, rsvd[2];
	uint64_t mptr, prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct cqe {
	uint32_t dw0, dw1;
	uint16_t sqhd, sqid, cid, status;
};

struct qpair {
	volatile struct sqe *sq;
	volatile struct cqe *cq;
	uint64_t sq_iova, cq_iova;
	volatile uint32_t *sq_db, *cq_db;
	uint16_t size, tail, head, phase, cid;
	uint64_t seen;          /* TSC when the last completion was seen */
	uint64_t sq_db_tsc, cq_db_tsc; /* TSC cycles spent in doorbell writes, summed */
};

static volatile uint8_t *bar;
static int container = -1;
static int use_huge;

#define SETTLE_NS 1000  /* default SETTLE_NS: see the comment at the top */

static void
fail(const char *what)
{
	fprintf(stderr, "nvme floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint32_t
rd32(uint32_t off)
{
	return *(volatile uint32_t *)(bar + off);
}

static uint64_t
rd64(uint32_t off)
{
	return *(volatile uint64_t *)(bar + off);
}

static void
wr32(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(bar + off) = v;
}

static void
wr64(uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(bar + off) = v;
}

/* Anonymous memory mapped for the device's DMA at IOVA = VA. */
static void *
dma_alloc(size_t len, uint64_t *iova)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	static uint8_t *huge;
	static size_t huge_used;
	void *p;

	if (use_huge) {
		/* Carved from one 2 MiB page, mapped for DMA once. */
		if (huge == NULL) {
			huge = mmap(NULL, 2u << 20, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
			if (huge == MAP_FAILED)
				fail("mmap a 2 MiB hugepage (reserve some: nr_hugepages)");
			memset(huge, 0, 2u << 20);
			map.vaddr = map.iova = (uintptr_t)huge;
			map.size = 2u << 20;
			map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
			if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map) != 0)
				fail("VFIO_IOMMU_MAP_DMA");
		}
		if (huge_used + len > (2u << 20)) {
			errno = ENOMEM;
			fail("the hugepage is full");
		}
		p = huge + huge_used;
		huge_used += (len + 4095) & ~(size_t)4095;
		*iova = (uintptr_t)p;
		return p;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap DMA memory");
	memset(p, 0, len);
	map.vaddr = (uintptr_t)p;
	map.iova = (uintptr_t)p;
	map.size = len;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map) != 0)
		fail("VFIO_IOMMU_MAP_DMA");
	*iova = map.iova;
	return p;
}

static void
qpair_init(struct qpair *q, unsigned int qid, unsigned int dstrd, unsigned int size)
{
	q->size = (uint16_t)size;
	q->sq = dma_alloc(4096, &q->sq_iova);
	q->cq = dma_alloc(4096, &q->cq_iova);
	q->sq_db = (volatile uint32_t *)(bar + 0x1000 + (2 * qid) * (4u << dstrd));
	q->cq_db = (volatile uint32_t *)(bar + 0x1000 + (2 * qid + 1) * (4u << dstrd));
	q->phase = 1;
}

/* Copy @cmd into the submission queue; the doorbell is rung apart. */
static void
post(struct qpair *q, struct sqe *cmd)
{
	cmd->cdw0 |= (uint32_t)q->cid++ << 16;
	q->sq[q->tail] = *cmd;
	q->tail = (q->tail + 1) % q->size;
	/* The entry is in memory before the device hears of it (x86: stores in order). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Write a doorbell; the time the write took is added to *@tsc. */
static void
ring(volatile uint32_t *db, uint16_t v, uint64_t *tsc)
{
	uint64_t t = __rdtsc();

	*db = v;
	*tsc += __rdtsc() - t;
}

/*
 * Spin for the next completion, reading the TSC each turn as every poll
 * of vdk-nvme-perf does; its status field (0: success). The head
 * doorbell is left to the caller. Not inlined: bench nvme --counts
 * counts the I/Os and the spins by the calls of this function and the
 * turns of its loop.
 */
static __attribute__((noinline)) uint16_t
complete(struct qpair *q)
{
	volatile struct cqe *c = &q->cq[q->head];

	while ((c->status & 1) != q->phase)
		(void)__rdtsc();
	q->seen = __rdtsc();
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (++q->head == q->size) {
		q->head = 0;
		q->phase ^= 1;
	}
	return c->status >> 1;
}

static void
admin(struct qpair *aq, struct sqe *cmd, const char *what)
{
	uint16_t st;

	post(aq, cmd);
	ring(aq->sq_db, aq->tail, &aq->sq_db_tsc);
	st = complete(aq);
	ring(aq->cq_db, aq->head, &aq->cq_db_tsc);
	if (st != 0) {
		fprintf(stderr, "nvme floor: %s failed, status 0x%x\n", what, st);
		exit(1);
	}
}

static int
wait_ready(unsigned int want, unsigned int timeout_ms)
{
	unsigned int i;

	for (i = 0; i < timeout_ms; i++) {
		if ((rd32(0x1c) & 1) == want)
			return 0;
		usleep(1000);
	}
	return -1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_region_info bar0 = { .argsz = sizeof(bar0), .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info cfg = { .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	char path[256], link[256], *g, *end = NULL;
	struct qpair aq = { 0 }, ioq = { 0 };
	struct sqe cmd;
	uint64_t cap, buf_iova, id_iova, nsze, nblocks, lba, x = 88172645463325252ull;
	uint64_t t0, t1, lat1, sum = 0, n = 0, m, settle_tsc;
	uint32_t *lat, lbads, per_io;
	unsigned int dstrd, to_ms, entries = argc > 4 ? (unsigned int)atoi(argv[4]) : QSIZE;
	uint16_t pcicmd;
	uint8_t *ident;
	double seconds = argc > 2 ? atof(argv[2]) : 5, s0, s1 = 0, hz;
	long settle_ns = argc > 5 ? strtol(argv[5], &end, 10) : SETTLE_NS;
	ssize_t len;
	int group, dev;

	if (argc < 2) {
		fprintf(stderr, "usage: %s BDF [SECONDS [huge|small [ENTRIES [SETTLE_NS]]]]\n",
			argv[0]);
		return 1;
	}
	if (entries < 2 || entries > QSIZE) {
		fprintf(stderr, "nvme floor: ENTRIES %s: want 2 to %u\n", argv[4], QSIZE);
		return 1;
	}
	use_huge = argc > 3 && strcmp(argv[3], "huge") == 0;
	if (argc > 5 && (*end != '\0' || settle_ns < 0 || settle_ns > 1000000)) {
		fprintf(stderr, "nvme floor: SETTLE_NS %s: want 0 to 1000000\n", argv[5]);
		return 1;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", argv[1]);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		fail(path);
	link[len] = '\0';
	g = strrchr(link, '/');
	snprintf(path, sizeof(path), "/dev/vfio/%s", g + 1);
	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		fail("/dev/vfio/vfio");
	group = open(path, O_RDWR);
	if (group < 0)
		fail(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs) != 0 || !(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		fail("the IOMMU group is not viable (a device in it is not on vfio-pci)");
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) != 0)
		fail("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) != 0)
		fail("VFIO_SET_IOMMU type1v2");
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[1]);
	if (dev < 0)
		fail("VFIO_GROUP_GET_DEVICE_FD");
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &bar0) != 0 ||
	    ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &cfg) != 0)
		fail("VFIO_DEVICE_GET_REGION_INFO");
	bar = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev, (off_t)bar0.offset);
	if (bar == MAP_FAILED)
		fail("mmap BAR0");
	/* Bus master and memory decode on: the device may now DMA. */
	if (pread(dev, &pcicmd, 2, (off_t)cfg.offset + 4) != 2)
		fail("read the PCI command register");
	pcicmd |= 0x6;
	if (pwrite(dev, &pcicmd, 2, (off_t)cfg.offset + 4) != 2)
		fail("write the PCI command register");

	cap = rd64(0x0);
	dstrd = (unsigned int)(cap >> 32) & 0xf;
	to_ms = (unsigned int)((cap >> 24) & 0xff) * 500 + 1000;
	wr32(0x14, 0); /* CC.EN = 0: reset */
	if (wait_ready(0, to_ms) != 0) {
		fprintf(stderr, "nvme floor: the controller did not stop\n");
		return 1;
	}
	qpair_init(&aq, 0, dstrd, QSIZE);
	wr32(0x24, (QSIZE - 1) << 16 | (QSIZE - 1)); /* AQA */
	wr64(0x28, aq.sq_iova);
	wr64(0x30, aq.cq_iova);
	/* IOCQES 4 (16 B), IOSQES 6 (64 B), 4 KiB pages, NVM command set, enable. */
	wr32(0x14, 4u << 20 | 6u << 16 | 1);
	if (wait_ready(1, to_ms) != 0) {
		fprintf(stderr, "nvme floor: the controller did not become ready\n");
		return 1;
	}

	ident = dma_alloc(4096, &id_iova);
	memset(&cmd, 0, sizeof(cmd));
	cmd.cdw0 = 0x06; /* Identify namespace 1 */
	cmd.nsid = 1;
	cmd.prp1 = id_iova;
	admin(&aq, &cmd, "Identify namespace 1");
	memcpy(&nsze, ident, 8);
	lbads = (uint32_t)ident[128 + 4 * (ident[26] & 0xf) + 2];
	if (lbads < 9 || lbads > 12 || nsze == 0) {
		fprintf(stderr, "nvme floor: namespace 1: %" PRIu64 " blocks of 2^%u bytes: "
			"not a disk for 4 KiB reads\n", nsze, lbads);
		return 1;
	}
	per_io = IO_SIZE >> lbads;
	nblocks = nsze / per_io;

	qpair_init(&ioq, 1, dstrd, entries);
	memset(&cmd, 0, sizeof(cmd));
	cmd.cdw0 = 0x05; /* Create I/O completion queue 1, polled (no interrupt) */
	cmd.prp1 = ioq.cq_iova;
	cmd.cdw10 = (entries - 1) << 16 | 1;
	cmd.cdw11 = 1; /* physically contiguous */
	admin(&aq, &cmd, "Create I/O completion queue");
	memset(&cmd, 0, sizeof(cmd));
	cmd.cdw0 = 0x01; /* Create I/O submission queue 1 on completion queue 1 */
	cmd.prp1 = ioq.sq_iova;
	cmd.cdw10 = (entries - 1) << 16 | 1;
	cmd.cdw11 = 1u << 16 | 1;
	admin(&aq, &cmd, "Create I/O submission queue");

	dma_alloc(IO_SIZE, &buf_iova);
	lat = calloc(MAX_SAMPLES, sizeof(*lat));
	if (lat == NULL)
		fail("latency samples");
	/* The TSC's rate, roughly, for SETTLE_NS: 20 ms of CLOCK_MONOTONIC. */
	s0 = now_s();
	t0 = __rdtsc();
	while (now_s() - s0 < 0.02)
		;
	settle_tsc = (uint64_t)((double)(__rdtsc() - t0) / (now_s() - s0) * (double)settle_ns / 1e9);
	s0 = now_s();
	t0 = __rdtsc();
	for (;;) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		lba = (x % nblocks) * per_io;
		memset(&cmd, 0, sizeof(cmd));
		cmd.cdw0 = 0x02; /* Read */
		cmd.nsid = 1;
		cmd.prp1 = buf_iova;
		cmd.cdw10 = (uint32_t)lba;
		cmd.cdw11 = (uint32_t)(lba >> 32);
		cmd.cdw12 = per_io - 1;
		t1 = __rdtsc();
		post(&ioq, &cmd);
		/* The last completion's head, then the new tail, as a driver's poll rings them. */
		if (n > 0)
			ring(ioq.cq_db, ioq.head, &ioq.cq_db_tsc);
		ring(ioq.sq_db, ioq.tail, &ioq.sq_db_tsc);
		if (complete(&ioq) != 0) {
			fprintf(stderr, "nvme floor: read of LBA %" PRIu64 " failed\n", lba);
			return 1;
		}
		lat1 = ioq.seen - t1;
		sum += lat1;
		if (n < MAX_SAMPLES)
			lat[n] = (uint32_t)(lat1 > UINT32_MAX ? UINT32_MAX : lat1);
		/* The clock between reads, and only now and then: not part of one. */
		if ((++n & 255) == 0 && (s1 = now_s()) - s0 >= seconds)
			break;
		while (__rdtsc() - ioq.seen < settle_tsc)
			;
	}
	hz = (double)(__rdtsc() - t0) / (s1 - s0);
	m = n < MAX_SAMPLES ? n : MAX_SAMPLES;
	qsort(lat, m, sizeof(*lat), cmp_u32);
	printf("floor: ios=%" PRIu64 " iops=%.1f mean_us=%.3f p50_us=%.3f p10_us=%.3f p90_us=%.3f "
	       "sq_db_us=%.3f cq_db_us=%.3f\n", n, (double)n / (s1 - s0),
	       (double)sum / (double)n / hz * 1e6, lat[m / 2] / hz * 1e6, lat[m / 10] / hz * 1e6,
	       lat[m * 9 / 10] / hz * 1e6, (double)ioq.sq_db_tsc / (double)n / hz * 1e6,
	       (double)ioq.cq_db_tsc / (double)n / hz * 1e6);
	wr32(0x14, 0); /* leave the controller reset, as a driver's close would */
	wait_ready(0, to_ms);
	return 0;
}
