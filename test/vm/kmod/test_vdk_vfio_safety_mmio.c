/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk_vfio.ko host safety (doc/vdk_vfio.md, "Safety"), what reaches the
 * device's registers:
 *   1 the MSI-X table is out of reach of read, write and mmap, the rest
 *     of its BAR is not;
 *   2 no BAR access while memory decode is off or a reset runs.
 * Interrupt isolation (also point 1) needs a guest without interrupt
 * remapping: test_vdk_vfio_isolation.c. Locks, removal, pins, ownership
 * and device state: test_vdk_vfio_safety_lifetime.c.
 *
 * usage: test_vdk_vfio_safety_mmio NVME_BDF NIC_BDF
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <linux/pci_regs.h>
#include <pthread.h>
#include <sys/resource.h>

#include "kmod_util.h"
#include "kmod_cfg.h"
#include "kmod_safety.h"

static ssize_t bar_pread(int fd, unsigned int off, uint32_t *v)
{
	ssize_t n = pread(fd, v, 4, off);

	return n < 0 ? -errno : n;
}

static ssize_t bar_pwrite(int fd, unsigned int off, uint32_t v)
{
	ssize_t n = pwrite(fd, &v, 4, off);

	return n < 0 ? -errno : n;
}

/*
 * 1: the table holds the kernel's messages: no read, write or mmap of it.
 * The rest of its BAR stays open: read and write, and mmap of the sparse
 * areas GET_REGION_INFO reports around the table's pages.
 */
static void test_msix_table_is_out_of_reach(void **state)
{
	struct dev d;
	struct kmod_region r;
	unsigned int msix, bir, table, pba, i;
	uint64_t tstart, tend, covered = 0;
	uint32_t v;
	void *p;

	(void)state;
	dev_open(&d, nvme_bdf);
	msix = find_cap(d.fd, PCI_CAP_ID_MSIX);
	assert_true(msix);
	table = cfg_read(d.fd, msix + PCI_MSIX_TABLE, 4);
	pba = cfg_read(d.fd, msix + PCI_MSIX_PBA, 4);
	bir = table & PCI_MSIX_TABLE_BIR;
	table &= PCI_MSIX_TABLE_OFFSET;
	pba &= PCI_MSIX_PBA_OFFSET;
	assert_int_equal(bir, 0);	/* QEMU's NVMe: in BAR0 */
	assert_int_equal(bar_pread(d.fd, table, &v), -EPERM);
	assert_int_equal(bar_pwrite(d.fd, table, 0xfee00000), -EPERM);
	assert_int_equal(bar_pread(d.fd, table + 12, &v), -EPERM);
	assert_int_equal(bar_pread(d.fd, pba, &v), 4);
	assert_int_equal(bar_pread(d.fd, NVME_VS, &v), 4);
	assert_int_equal(v, NVME_VERSION);

	/* the sparse areas: page aligned, clear of the table, the rest */
	assert_int_equal(kmod_region(d.fd, 0, &r), 0);
	assert_true(r.info.flags & VDK_VFIO_REGION_INFO_FLAG_CAPS);
	assert_true(r.nareas >= 1);
	tstart = table & ~(PAGE - 1);
	tend = (table + 16 * (((cfg_read(d.fd, msix + PCI_MSIX_FLAGS, 2) &
				PCI_MSIX_FLAGS_QSIZE) + 1)) + PAGE - 1) &
	       ~(PAGE - 1);
	for (i = 0; i < r.nareas; i++) {
		uint64_t off = r.areas[i].offset, len = r.areas[i].size;

		assert_int_equal(off % PAGE, 0);
		assert_int_equal(len % PAGE, 0);
		assert_true(off + len <= tstart || off >= tend);
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, d.fd, off);
		assert_true(p != MAP_FAILED);
		/* the PBA (past the table) reads as it does through pread */
		if (pba >= off && pba < off + len) {
			assert_int_equal(bar_pread(d.fd, pba, &v), 4);
			assert_int_equal(*(volatile uint32_t *)
					 ((char *)p + pba - off), v);
		}
		munmap(p, len);
		covered += len;
	}
	assert_int_equal(covered, r.info.size - (tend - tstart));
	/* the table's pages, alone or in a larger mapping: refused */
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, d.fd, tstart) ==
		    MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(mmap(NULL, r.info.size, PROT_READ, MAP_SHARED, d.fd, 0) ==
		    MAP_FAILED);
	assert_int_equal(errno, EINVAL);

	/* the registers before the table, mapped as before */
	bar_map(&d);
	assert_int_equal(d.bar[NVME_VS / 4], NVME_VERSION);
	dev_close(&d);
}

static sigjmp_buf sigbus_jmp;
static volatile sig_atomic_t sigbus_count;

static void on_sigbus(int sig)
{
	(void)sig;
	sigbus_count++;
	siglongjmp(sigbus_jmp, 1);
}

/* 1 if reading @reg raised SIGBUS, else 0 (*val gets what was read). */
static int touch(volatile uint32_t *reg, uint32_t *val)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int bus = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_jmp, 1))
		bus = 1;
	else
		*val = *reg;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

/* 2: the CVE-2020-12888 class: no access reaches a device not decoding. */
static void test_decode_off_means_sigbus_and_eio(void **state)
{
	struct dev d;
	uint32_t v = 0;

	(void)state;
	dev_open(&d, nvme_bdf);
	bar_map(&d);
	set_command(d.fd, PCI_COMMAND_MEMORY, 0);
	assert_int_equal(touch(&d.bar[NVME_VS / 4], &v), 0);
	assert_int_equal(v, NVME_VERSION);

	set_command(d.fd, 0, PCI_COMMAND_MEMORY);
	assert_int_equal(touch(&d.bar[NVME_VS / 4], &v), 1);
	assert_int_equal(bar_pread(d.fd, NVME_VS, &v), -EIO);
	assert_int_equal(bar_pwrite(d.fd, NVME_AQA, 0), -EIO);

	set_command(d.fd, PCI_COMMAND_MEMORY, 0);
	assert_int_equal(touch(&d.bar[NVME_VS / 4], &v), 0);
	assert_int_equal(v, NVME_VERSION);
	assert_int_equal(bar_pread(d.fd, NVME_VS, &v), 4);
	dev_close(&d);
}

/* Page faults one read of @reg takes: 0 if its page is mapped. */
static long faults_to_read(volatile uint32_t *reg, uint32_t *val)
{
	struct rusage r0, r1;

	getrusage(RUSAGE_THREAD, &r0);
	*val = *reg;
	getrusage(RUSAGE_THREAD, &r1);
	return r1.ru_minflt - r0.ru_minflt;
}

/*
 * 2: a mapping is populated by its first touch, not by mmap(), and a reset
 * or a COMMAND write takes it away while it runs: the next touch faults
 * again (and finds the device decoding). pagemap and smaps do not show
 * VM_PFNMAP mappings; the thread's fault count does.
 */
static void test_reset_zaps_bar_mappings(void **state)
{
	struct dev d;
	uint32_t v = 0;

	(void)state;
	dev_open(&d, nvme_bdf);
	bar_map(&d);
	set_command(d.fd, PCI_COMMAND_MEMORY, 0);
	assert_int_equal(faults_to_read(&d.bar[NVME_VS / 4], &v), 1);
	assert_int_equal(v, NVME_VERSION);
	assert_int_equal(faults_to_read(&d.bar[NVME_CC / 4], &v), 0);
	assert_int_equal(kmod_ioctl(d.fd, VDK_VFIO_DEVICE_RESET, NULL), 0);
	assert_int_equal(faults_to_read(&d.bar[NVME_VS / 4], &v), 1);
	assert_int_equal(v, NVME_VERSION);
	set_command(d.fd, PCI_COMMAND_MEMORY, 0);
	assert_int_equal(faults_to_read(&d.bar[NVME_VS / 4], &v), 1);
	assert_int_equal(faults_to_read(&d.bar[NVME_VS / 4], &v), 0);
	dev_close(&d);
}

struct hammer {
	volatile uint32_t *reg;
	volatile int stop;
	unsigned long reads;
	unsigned long wrong;
};

static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;

	while (!h->stop) {
		if (*h->reg != NVME_VERSION)
			h->wrong++;
		h->reads++;
	}
	return NULL;
}

/*
 * 2: a thread reading the BAR through its mapping while another resets
 * the device: each read waits for the reset in the fault handler, none
 * raises SIGBUS (which would kill the test) or sees the device mid-reset.
 */
static void test_bar_hammered_during_resets(void **state)
{
	struct hammer h = { 0 };
	pthread_t thread;
	struct dev d;
	int i;

	(void)state;
	dev_open(&d, nvme_bdf);
	bar_map(&d);
	h.reg = &d.bar[NVME_VS / 4];
	assert_int_equal(pthread_create(&thread, NULL, hammer_fn, &h), 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(kmod_ioctl(d.fd, VDK_VFIO_DEVICE_RESET, NULL),
				 0);
	h.stop = 1;
	pthread_join(thread, NULL);
	printf("hammer: %lu reads across 20 resets\n", h.reads);
	assert_true(h.reads > 0);
	assert_int_equal(h.wrong, 0);
	dev_close(&d);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_teardown(name, teardown)
		T(test_msix_table_is_out_of_reach),
		T(test_decode_off_means_sigbus_and_eio),
		T(test_reset_zaps_bar_mappings),
		T(test_bar_hammered_during_resets),
#undef T
	};

	return KMOD_SAFETY_MAIN("vdk_vfio safety: mmio", tests, argc, argv);
}
