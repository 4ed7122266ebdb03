/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pci_vm: the EAL's PCI bus, VFIO backend, DMA and interrupts against the
 * vm tier's emulated devices on the kernel's vfio-pci.
 *
 *   pci_vm probe NVME_BDF E1000E_BDF      both bound to vfio-pci
 *   pci_vm refusals NVME_BDF UNBOUND_BDF  NVMe on vfio-pci, the other on no driver
 *   pci_vm not-viable BDF BLOCKER_BDF     BDF on vfio-pci, BLOCKER in its
 *                                         IOMMU group on a kernel driver
 *   pci_vm viable BDF OTHER_BDF           the same group once OTHER left it
 *
 * One line a check ("ok - ..." or "FAIL - ..."), then "N passed, N failed";
 * the exit status is 0 only if nothing failed. What the device did is
 * checked by the device itself: the NVMe controller writes its Identify
 * data into our memory (DMA mapped) or fails to (unmapped), the e1000e
 * raises MSI-X, MSI and INTx interrupts when asked through its ICS register.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vdk_dma.h"
#include "vdk_eal.h"
#include "vdk_intr.h"
#include "vdk_log.h"
#include "vdk_pci.h"

#include "pci_vm_devices.h"
#include "pci_vm_harness.h"

const char vm_prog[] = "pci_vm";
const char vm_driver_name[] = "vm_test";

/* ---- what the process holds ---- */

static void
check_nothing_held(const char *after)
{
	check(fds_of("/dev/vfio/") == 0, "after %s no /dev/vfio file is open", after);
	check(region_mappings() == 0, "after %s no VFIO region is mapped", after);
	check(status_kb("VmLck") == 0, "after %s no page is pinned for DMA (VmLck %lu kB)", after,
	      status_kb("VmLck"));
}

static int
sysfs_group(const char *bdf)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	return atoi(strrchr(target, '/') + 1);
}

/* ---- interrupts ---- */

/* Wait for the n-th callback; *us: from @t0 (the ICS write) to the callback. */
static bool
wait_irq(unsigned int n, const struct timespec *from, long *us)
{
	struct timespec t0 = *from, now;

	for (;;) {
		if (__atomic_load_n(&irq.calls, __ATOMIC_ACQUIRE) >= n) {
			*us = (irq.when.tv_sec - t0.tv_sec) * 1000000 +
			      (irq.when.tv_nsec - t0.tv_nsec) / 1000;
			return true;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= 3)
			return false;
		usleep(100);
	}
}

/* ---- scenarios ---- */

static void
check_ids_and_bars(const char *nvme_bdf, const char *e1000e_bdf)
{
	struct tdev *nv = tdev_of(nvme_bdf), *en = tdev_of(e1000e_bdf);
	uint16_t ids[2];
	uint64_t cap, cap_pread = 0;
	uint32_t vs, status, status_pread = 0;

	for (unsigned int i = 0; i < 2; i++) {
		struct tdev *t = i ? en : nv;
		const char *bdf = i ? e1000e_bdf : nvme_bdf;

		int ret = vdk_pci_cfg_read(t->dev, ids, sizeof(ids), 0);

		check(ret == 0 &&
		      ids[0] == sysfs_hex(bdf, "vendor") && ids[1] == sysfs_hex(bdf, "device"),
		      "%s: config space says %04x:%04x, sysfs says %04x:%04x", bdf, ids[0], ids[1],
		      sysfs_hex(bdf, "vendor"), sysfs_hex(bdf, "device"));
		check(t->dev->iommu_group == sysfs_group(bdf), "%s: IOMMU group %d", bdf,
		      t->dev->iommu_group);
	}
	cap = vdk_reg_read64(nv->bar0, NVME_CAP);
	vs = vdk_reg_read32(nv->bar0, NVME_VS);
	vdk_pci_bar_read(nv->dev, 0, &cap_pread, 8, NVME_CAP);
	check(nv->bar0_len >= 0x2000 && (cap & 0xffff) == 0x7ff && cap == cap_pread,
	      "NVMe BAR0 (%zu bytes): CAP 0x%016" PRIx64 " (MQES+1 = %u), same through pread",
	      nv->bar0_len, cap, (unsigned int)(cap & 0xffff) + 1);
	check(vs == 0x00010400, "NVMe BAR0: VS 0x%08x (1.4.0)", vs);
	status = vdk_reg_read32(en->bar0, E1000_STATUS);
	vdk_pci_bar_read(en->dev, 0, &status_pread, 4, E1000_STATUS);
	check(status != 0xffffffff && status == status_pread && (status & 0x2),
	      "e1000e BAR0: STATUS 0x%08x (link up), same through pread", status);
}

static void
check_nvme_dma(const char *nvme_bdf)
{
	struct tdev *nv = tdev_of(nvme_bdf);
	struct nvme n;
	uint64_t iova;
	char *id, model[41];
	uint8_t *user;
	int ret, st;

	ret = nvme_enable(&n, nv->dev, nv->bar0);
	check(ret == 0, "NVMe controller enabled with admin queues in vdk_dma_zmalloc memory (%s)",
	      strerror(-ret));
	if (ret < 0)
		return;
	id = vdk_dma_zmalloc(4096, 4096, &iova);
	check(id != NULL && iova == (uintptr_t)id, "vdk_dma_zmalloc: IOVA = VA (0x%" PRIx64 ")",
	      iova);
	st = nvme_identify(&n, iova, 1);
	memcpy(model, id + 24, 40);
	model[40] = '\0';
	check(st == 0 && strncmp(model, "QEMU NVMe Ctrl", 14) == 0,
	      "the controller wrote Identify into EAL memory by DMA: status %d, model \"%.14s\"",
	      st, model);

	/* Memory from outside the EAL: reachable once registered, not after. */
	user = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(user, 0xaa, 4096);
	ret = vdk_dma_register(user, 4096);
	check(ret == 0 && vdk_mem_virt2iova(user) == (uintptr_t)user,
	      "vdk_dma_register of mmap'ed memory: %d", ret);
	st = nvme_identify(&n, (uintptr_t)user, 2);
	check(st == 0 && memcmp(user + 24, "QEMU NVMe Ctrl", 14) == 0,
	      "the controller wrote Identify into registered memory: status %d", st);
	memset(user, 0xaa, 4096);
	ret = vdk_dma_unregister(user, 4096);
	check(ret == 0 && vdk_mem_virt2iova(user) == VDK_BAD_IOVA,
	      "vdk_dma_unregister: %d", ret);
	/*
	 * QEMU's NVMe model completes the command even when the IOMMU blocks
	 * its write (the guest logs a DMAR fault), so the memory is the proof.
	 */
	st = nvme_identify(&n, (uintptr_t)user, 3);
	check(st >= 0 && user[24] == 0xaa && user[4095] == 0xaa,
	      "after unregister the IOMMU blocks the controller's write: memory untouched "
	      "(completion status 0x%x)", st > 0 ? st : 0);
	munmap(user, 4096);
	vdk_dma_free(id);
	nvme_free(&n);
}

/*
 * Raise LSC through ICS twice in @mode and see the callback run each
 * time. MSI-X needs IVAR to route the "other" cause to vector 0; INTx
 * needs the callback's unmask, or the second interrupt never comes.
 */
static void
check_intr_mode(struct tdev *en, enum vdk_intr_mode mode)
{
	unsigned int base;
	long us = 0;
	int ret;

	ret = vdk_intr_enable(en->dev, mode, 1);
	check(ret == 0 && vdk_intr_mode_get(en->dev) == mode,
	      "e1000e: %s enabled with 1 vector (%d)", mode_str(mode), ret);
	if (ret < 0)
		return;
	ret = vdk_intr_callback_register(en->dev, 0, on_e1000e_irq, en);
	check(ret == 0, "e1000e: callback registered on vector 0 (%d)", ret);
	base = e1000e_arm_lsc(en, mode);
	for (unsigned int i = 1; i <= 2; i++) {
		struct timespec t0;
		bool ok;

		irq.icr = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		vdk_reg_write32(en->bar0, E1000_ICS, E1000_ICR_LSC);
		/* Evaluated first: check()'s arguments have no order. */
		ok = wait_irq(base + i, &t0, &us) && irq.vector == 0 &&
		     (irq.icr & E1000_ICR_LSC);
		check(ok, "e1000e: ICS=LSC raised %s, the callback ran %ld us later (ICR 0x%08x)",
		      mode_str(mode), us, irq.icr);
	}
	vdk_reg_write32(en->bar0, E1000_IMC, 0xffffffff);
	ret = vdk_intr_disable(en->dev);
	check(ret == 0 && vdk_intr_mode_get(en->dev) == VDK_INTR_MODE_NONE,
	      "e1000e: %s disabled (%d)", mode_str(mode), ret);
}

static void
check_interrupts(const char *e1000e_bdf)
{
	struct tdev *en = tdev_of(e1000e_bdf);

	/* MSI and MSI-X are writes by the device: bus mastering first. */
	vdk_pci_set_bus_master(en->dev, 1);
	check_intr_mode(en, VDK_INTR_MODE_MSIX);
	check_intr_mode(en, VDK_INTR_MODE_MSI);
	check_intr_mode(en, VDK_INTR_MODE_INTX);
}

static void
check_reset(const char *nvme_bdf)
{
	struct tdev *nv = tdev_of(nvme_bdf);
	uint16_t cmd = 0;
	uint32_t cc, csts;
	int ret;

	/* The controller was enabled by check_nvme_dma(). */
	ret = nvme_reset_and_read(nv, &cc, &csts, &cmd);
	/* The kernel restores config space around the reset: bus mastering stays. */
	check(ret == 0 && cc == 0 && (csts & 1) == 0 && (cmd & 0x4),
	      "NVMe reset: controller disabled (CC 0x%x, CSTS 0x%x), PCI command 0x%x kept",
	      cc, csts, cmd);
}

static int
scenario_probe(const char *nvme, const char *e1000e)
{
	struct vdk_pci_device *d;
	struct tdev *en;
	unsigned long locked;
	int ret, nvme_group;

	log_capture();
	ret = eal_init("-a", ours(nvme), "-a", ours(e1000e), "-m", "16", NULL);
	log_release();
	check(ret >= 0, "vdk_eal_init -a %s -a %s: %d", nvme, e1000e, ret);
	if (ret < 0)
		return 1;
	check(log_has("claimed by vm_test"), "the log names the driver that claimed them");
	check(tdev_of(nvme) != NULL && tdev_of(e1000e) != NULL,
	      "the test driver probed both devices");
	if (tdev_of(nvme) == NULL || tdev_of(e1000e) == NULL)
		return 1;
	locked = status_kb("VmLck");
	check(locked >= 16 * 1024, "EAL memory pinned for DMA: VmLck %lu kB", locked);
	check_ids_and_bars(nvme, e1000e);
	check_nvme_dma(nvme);
	check_interrupts(e1000e);
	check_reset(nvme);

	d = tdev_of(nvme)->dev;
	nvme_group = d->iommu_group;
	ret = vdk_pci_dev_detach(d);
	{
		char node[32];

		snprintf(node, sizeof(node), "/dev/vfio/%d", nvme_group);
		check(ret == 0 && tdev_of(nvme)->removed == 1 && d->driver == NULL &&
		      fds_of(node) == 0 && fds_of("/dev/vfio/") == 2,
		      "detach: remove() ran, %s closed, the e1000e's group and the container "
		      "still open", node);
	}
	/* Device structs are gone after cleanup: keep our own record. */
	en = tdev_of(e1000e);
	ret = vdk_eal_cleanup();
	check(ret == 0 && en->removed == 1, "vdk_eal_cleanup: %d, remove() ran for %s", ret,
	      e1000e);
	check_nothing_held("cleanup");
	return 0;
}

/* Run @fn in a child so that dropped capabilities and limits stay there. */
static void
in_child(void (*fn)(const char *), const char *arg)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		passed = failed = 0;
		fn(arg);
		fflush(stdout);
		_exit(failed ? 1 : 0);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		failed++;
}

static void
memlock_too_low(const char *nvme)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct cap[2];
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	int ret;

	syscall(SYS_capget, &hdr, cap);
	cap[0].effective &= ~(1u << CAP_IPC_LOCK);
	syscall(SYS_capset, &hdr, cap);
	setrlimit(RLIMIT_MEMLOCK, &rl);
	log_capture();
	ret = eal_init("-a", ours(nvme), "-m", "16", "--file-prefix", "memlock", NULL);
	log_release();
	check(ret == -ENOMEM && log_has("RLIMIT_MEMLOCK is 64 KiB") &&
	      log_has("ulimit -l"), "memlock 64 KiB without CAP_IPC_LOCK: %d, with the numbers",
	      ret);
	check_nothing_held("the memlock refusal");
	log_forget();
}

static void
hold_device(const char *nvme)
{
	char c;
	int ret;

	ret = eal_init("-a", ours(nvme), "--no-huge", "--file-prefix", "holder", NULL);
	printf("  (holder: vdk_eal_init %d)\n", ret);
	fflush(stdout);
	/* fd 3 says we hold it; fd 4 tells us to let go. */
	if (write(3, "h", 1) != 1 || read(4, &c, 1) != 1)
		_exit(2);
	if (ret >= 0)
		vdk_eal_cleanup();
	_exit(ret >= 0 ? 0 : 1);
}

static void
device_held_elsewhere(const char *nvme)
{
	int up[2], down[2], st, ret;
	pid_t pid;
	char c;

	if (pipe(up) != 0 || pipe(down) != 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(up[1], 3);
		dup2(down[0], 4);
		hold_device(nvme);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) != 1) {
		check(false, "the holder process came up");
		return;
	}
	log_capture();
	ret = eal_init("-a", ours(nvme), "--no-huge", "--file-prefix", "second", NULL);
	log_release();
	check(ret == -EBUSY && log_has("is in use by another process"),
	      "%s held by another process: %d, \"in use by another process\"", nvme, ret);
	check_nothing_held("the EBUSY refusal");
	if (ret >= 0)
		vdk_eal_cleanup();
	log_forget();
	if (write(down[1], "x", 1) != 1)
		return;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the holder let go cleanly");
}

static int
scenario_refusals(const char *nvme, const char *unbound)
{
	void *hole;
	int ret;

	log_capture();
	ret = eal_init("-a", "0000:00:1e.0", "--no-huge", NULL);
	log_release();
	check(ret == -ENODEV && log_has("-a 0000:00:1e.0: no such PCI device"),
	      "absent BDF: %d, \"no such PCI device\"", ret);
	check_nothing_held("the absent-BDF refusal");
	log_forget();

	log_capture();
	ret = eal_init("-a", unbound, "--no-huge", NULL);
	log_release();
	check(ret == -EACCES && log_has("vdk-setup bind"),
	      "%s on no driver: %d, names `vdk-setup bind %s`", unbound, ret, unbound);
	check_nothing_held("the unbound-device refusal");
	log_forget();

	device_held_elsewhere(nvme);
	in_child(memlock_too_low, nvme);

	/* The interrupt window (0xfee00000) is no IOVA the IOMMU translates. */
	ret = eal_init("-a", ours(nvme), "--no-huge", NULL);
	check(ret >= 0, "vdk_eal_init -a %s for the IOVA check: %d", nvme, ret);
	hole = mmap((void *)0xfee00000, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (ret >= 0 && hole == (void *)0xfee00000) {
		log_capture();
		ret = vdk_dma_register(hole, 4096);
		log_release();
		check(ret == -ERANGE && log_has("outside the IOMMU's ranges") &&
		      vdk_mem_virt2iova(hole) == VDK_BAD_IOVA,
		      "vdk_dma_register at VA 0xfee00000: %d, names the IOMMU's ranges", ret);
		log_forget();
		munmap(hole, 4096);
	} else {
#ifdef __SANITIZE_ADDRESS__
		/* ASan's shadow gap covers that address: nothing to try. */
		printf("skip - 0xfee00000 is in ASan's shadow gap\n");
#else
		check(false, "could not map a page at 0xfee00000 to try");
#endif
	}
	if (vdk_eal_cleanup() == 0)
		check_nothing_held("the IOVA refusal");
	return 0;
}

static int
scenario_not_viable(const char *bdf, const char *blocker)
{
	char want[128];
	int ret;

	log_capture();
	ret = eal_init("-a", ours(bdf), "--no-huge", NULL);
	log_release();
	snprintf(want, sizeof(want), "%s shares the group and is bound to", blocker);
	check(ret == -EPERM && log_has("is not viable") && log_has(want) &&
	      log_has("vdk-setup bind"), "%s in a group with %s on a kernel driver: %d, names it",
	      bdf, blocker, ret);
	check_nothing_held("the not-viable refusal");
	log_forget();
	return 0;
}

static int
scenario_viable(const char *bdf, const char *other)
{
	int ret;

	ret = eal_init("-a", ours(bdf), "--no-huge", NULL);
	check(ret >= 0 && tdev_of(bdf) != NULL && tdev_of(bdf)->dev->driver == &t_drv,
	      "%s claimed by the driver once %s left its kernel driver: %d", bdf, other, ret);
	if (ret >= 0) {
		check(vdk_eal_cleanup() == 0, "vdk_eal_cleanup");
		check_nothing_held("cleanup");
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: pci_vm probe|refusals|not-viable|viable BDF BDF\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "probe") == 0)
		scenario_probe(argv[2], argv[3]);
	else if (strcmp(argv[1], "refusals") == 0)
		scenario_refusals(argv[2], argv[3]);
	else if (strcmp(argv[1], "not-viable") == 0)
		scenario_not_viable(argv[2], argv[3]);
	else if (strcmp(argv[1], "viable") == 0)
		scenario_viable(argv[2], argv[3]);
	else
		return 2;
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
