/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdkb_vm: the EAL on VDK's own vdk_vfio module (--vfio-backend vdk and
 * auto) against the vm guest's emulated devices.
 *
 *   vdkb_vm NVME_BDF E1000E_BDF     both bound to vdk-vfio-pci (kmod-guest.sh
 *                                   runs it so); $VDKB_TEST picks the checks:
 *     probe (default)   config space, BARs, DMA (EAL memory, a segment added
 *                       later, registered memory), MSI-X/MSI/INTx, reset,
 *                       detach and cleanup, once with vdk and once with auto
 *     refusals          with $VDK_VM_NVME0 on vfio-pci: each backend forced
 *                       on the other's device, a bogus choice, a group held
 *                       by another process, then auto over both at once
 *   vdkb_vm nomodule NVME_BDF UNBOUND_BDF
 *                                   before the module is loaded, NVME_BDF on
 *                                   vfio-pci, UNBOUND_BDF on no driver
 *
 * One line a check ("ok - ..." or "FAIL - ..."), then "N passed, N failed";
 * exit status 0 only if nothing failed. The devices check the results:
 * the NVMe controller writes Identify data into our memory (mapped) or
 * fails to (unmapped), the e1000e raises interrupts through its ICS.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "vdk_eal.h"
#include "vdk_log.h"

#include "pci_vm_devices.h"
#include "pci_vm_harness.h"

#define DEBUGFS_PINNED "/sys/kernel/debug/vdk_vfio/pinned_pages"
#define DEBUGFS_MAPPINGS "/sys/kernel/debug/vdk_vfio/dma_mappings"

const char vm_prog[] = "vdkb_vm";
const char vm_driver_name[] = "vdkb_test";

/* ---- what the process and the module hold ---- */

#define GROUP_FDS() fds_of("/dev/vdk-vfio/")
#define IOMMU_FDS() fds_of("anon_inode:[vdk-vfio-iommu]")
#define DEVICE_FDS() fds_of("anon_inode:[vdk-vfio-device]")

static long
debugfs_num(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f != NULL && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f != NULL)
		fclose(f);
	return v;
}

static void
check_nothing_held(const char *after)
{
	check(GROUP_FDS() == 0 && IOMMU_FDS() == 0 && DEVICE_FDS() == 0 &&
	      fds_of("/dev/vfio/") == 0,
	      "after %s no group, IOMMU or device fd of either VFIO is open", after);
	check(region_mappings() == 0, "after %s no device region is mapped", after);
	check(status_kb("VmPin") == 0 && status_kb("VmLck") == 0,
	      "after %s nothing is pinned for DMA (VmPin %lu kB, VmLck %lu kB)", after,
	      status_kb("VmPin"), status_kb("VmLck"));
}

/* ---- checks ---- */

static void
check_backend_line(const char *bdf, const char *how)
{
	char want[256];

	snprintf(want, sizeof(want), "%s: VFIO backend %s", bdf, how);
	check(log_has(want), "the log says: %s", want);
}

static void
check_ids_and_bars(const char *nvme, const char *nic)
{
	struct tdev *nv = tdev_of(nvme), *en = tdev_of(nic);
	uint64_t cap, cap_pread = 0;
	uint32_t vs, status, status_pread = 0;

	for (unsigned int i = 0; i < 2; i++) {
		struct tdev *t = i ? en : nv;
		const char *bdf = i ? nic : nvme;
		uint16_t ids[2] = { 0, 0 };
		int ret = vdk_pci_cfg_read(t->dev, ids, sizeof(ids), 0);

		check(ret == 0 && ids[0] == sysfs_hex(bdf, "vendor") &&
		      ids[1] == sysfs_hex(bdf, "device"),
		      "%s: config space says %04x:%04x, as sysfs does", bdf, ids[0], ids[1]);
	}
	cap = vdk_reg_read64(nv->bar0, NVME_CAP);
	vs = vdk_reg_read32(nv->bar0, NVME_VS);
	vdk_pci_bar_read(nv->dev, 0, &cap_pread, 8, NVME_CAP);
	check(nv->bar0_len >= 0x2000 && (cap & 0xffff) == 0x7ff && cap == cap_pread,
	      "NVMe BAR0 mmapped (%zu bytes): CAP 0x%016" PRIx64 ", same through pread",
	      nv->bar0_len, cap);
	check(vs == 0x00010400, "NVMe BAR0: VS 0x%08x (1.4.0)", vs);
	status = vdk_reg_read32(en->bar0, E1000_STATUS);
	vdk_pci_bar_read(en->dev, 0, &status_pread, 4, E1000_STATUS);
	check(status != 0xffffffff && status == status_pread && (status & 0x2),
	      "e1000e BAR0: STATUS 0x%08x (link up), same through pread", status);
}

/*
 * EAL memory, a segment the heap adds later (mapped by the memory event
 * before the heap hands it out, unmapped and unpinned when it goes back),
 * registered memory, and memory the IOMMU no longer maps.
 */
static void
check_nvme_dma(struct nvme *n)
{
	long pinned0, pinned1, pinned2;
	uint64_t iova;
	char *id, *big;
	uint8_t *user;
	int ret, st;
	bool ok;

	id = vdk_dma_zmalloc(4096, 4096, &iova);
	check(id != NULL && iova == (uintptr_t)id, "vdk_dma_zmalloc: IOVA = VA (0x%" PRIx64 ")",
	      iova);
	if (id == NULL)
		return;
	/* Each result first: check()'s arguments are evaluated in no set order. */
	ok = nvme_identify_into(n, id, 1, &st);
	check(ok, "the controller wrote Identify into EAL memory by DMA (status %d)", st);

	pinned0 = debugfs_num(DEBUGFS_PINNED);
	big = vdk_dma_zmalloc(32u << 20, 4096, &iova);
	pinned1 = debugfs_num(DEBUGFS_PINNED);
	check(big != NULL && pinned1 - pinned0 >= (32 << 20) / 4096,
	      "a 32 MiB buffer beyond -m 16 grew a segment the module pinned (%ld -> %ld pages)",
	      pinned0, pinned1);
	if (big != NULL) {
		ok = nvme_identify_into(n, big + (32u << 20) - 4096, 2, &st);
		check(ok, "the controller wrote Identify into the new segment's last page "
		      "(status %d)", st);
		vdk_dma_free(big);
	}
	pinned2 = debugfs_num(DEBUGFS_PINNED);
	check(pinned2 == pinned0, "freed, the segment went back unmapped and unpinned "
	      "(%ld pages pinned)", pinned2);

	user = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ret = vdk_dma_register(user, 4096);
	check(ret == 0 && vdk_mem_virt2iova(user) == (uintptr_t)user,
	      "vdk_dma_register of mmapped memory: %d", ret);
	ok = nvme_identify_into(n, user, 3, &st);
	check(ok, "the controller wrote Identify into registered memory (status %d)", st);
	ret = vdk_dma_unregister(user, 4096);
	check(ret == 0, "vdk_dma_unregister: %d", ret);
	memset(user, 0xaa, 4096);
	/* QEMU completes the command even when the IOMMU blocks its write. */
	st = nvme_identify(n, (uintptr_t)user, 4);
	check(st >= 0 && user[24] == 0xaa && user[4095] == 0xaa,
	      "after unregister the IOMMU blocks the controller's write: memory untouched");
	munmap(user, 4096);
	vdk_dma_free(id);
}

static bool
wait_irq(unsigned int n)
{
	for (int i = 0; i < 30000; i++) {
		if (__atomic_load_n(&irq.calls, __ATOMIC_ACQUIRE) >= n)
			return true;
		usleep(100);
	}
	return false;
}

/* Raise LSC through ICS twice and see the callback run each time. */
static void
check_intr_mode(struct tdev *en, enum vdk_intr_mode mode)
{
	unsigned int base;
	int ret;

	ret = vdk_intr_enable(en->dev, mode, 1);
	check(ret == 0 && vdk_intr_mode_get(en->dev) == mode, "e1000e: %s enabled (%d)",
	      mode_str(mode), ret);
	if (ret < 0)
		return;
	ret = vdk_intr_callback_register(en->dev, 0, on_e1000e_irq, en);
	base = e1000e_arm_lsc(en, mode);
	for (unsigned int i = 1; i <= 2; i++) {
		bool ok;

		irq.icr = 0;
		vdk_reg_write32(en->bar0, E1000_ICS, E1000_ICR_LSC);
		ok = ret == 0 && wait_irq(base + i) && (irq.icr & E1000_ICR_LSC);
		check(ok, "e1000e: ICS=LSC raised %s #%u, delivered to the callback (ICR 0x%08x)",
		      mode_str(mode), i, irq.icr);
	}
	vdk_reg_write32(en->bar0, E1000_IMC, 0xffffffff);
	ret = vdk_intr_disable(en->dev);
	check(ret == 0, "e1000e: %s disabled (%d)", mode_str(mode), ret);
}

static void
check_reset(struct tdev *nv)
{
	uint16_t cmd = 0;
	uint32_t cc, csts;
	int ret;

	ret = nvme_reset_and_read(nv, &cc, &csts, &cmd);
	check(ret == 0 && cc == 0 && (csts & 1) == 0 && (cmd & 0x4),
	      "NVMe reset through the module: controller disabled (CC 0x%x, CSTS 0x%x), PCI "
	      "command 0x%x restored", cc, csts, cmd);
}

/* ---- scenarios ---- */

static void
scenario_probe(const char *backend, const char *nvme, const char *nic)
{
	struct tdev *nv, *en;
	struct nvme n;
	char why[96];
	int ret;

	printf("# --vfio-backend %s\n", backend);
	nb_tdevs = 0;
	log_capture();
	ret = eal_init("--vfio-backend", backend, "-a", ours(nvme), "-a", ours(nic), "-m", "16",
		       NULL);
	log_release();
	check(ret >= 0, "vdk_eal_init --vfio-backend %s -a %s -a %s: %d", backend, nvme, nic,
	      ret);
	nv = tdev_of(nvme);
	en = tdev_of(nic);
	if (ret < 0 || nv == NULL || en == NULL) {
		check(false, "the test driver probed both devices");
		if (ret >= 0)
			vdk_eal_cleanup();
		return;
	}
	snprintf(why, sizeof(why), strcmp(backend, "auto") == 0 ?
		 "(--vfio-backend auto: the device is bound to vdk-vfio-pci)" :
		 "(--vfio-backend %s)", backend);
	for (unsigned int i = 0; i < 2; i++) {
		char how[160];

		snprintf(how, sizeof(how), "vdk, VDK's vdk_vfio module %s", why);
		check_backend_line(i ? nic : nvme, how);
	}
	/* GROUP_MERGE: both groups in one set, one IOMMU fd maps for both. */
	check(GROUP_FDS() == 2 && IOMMU_FDS() == 1 && DEVICE_FDS() == 2 &&
	      fds_of("/dev/vfio/") == 0,
	      "2 group fds, 1 IOMMU fd, 2 device fds open (%u, %u, %u), none of vfio-pci",
	      GROUP_FDS(), IOMMU_FDS(), DEVICE_FDS());
	check(debugfs_num(DEBUGFS_PINNED) >= (16 << 20) / 4096 &&
	      status_kb("VmPin") >= 16 * 1024,
	      "EAL memory pinned by the module: %ld pages (debugfs), VmPin %lu kB",
	      debugfs_num(DEBUGFS_PINNED), status_kb("VmPin"));

	check_ids_and_bars(nvme, nic);
	ret = nvme_enable(&n, nv->dev, nv->bar0);
	check(ret == 0, "NVMe enabled with admin queues in vdk_dma_zmalloc memory (%d)", ret);
	if (ret == 0)
		check_nvme_dma(&n);
	vdk_pci_set_bus_master(en->dev, 1);
	check_intr_mode(en, VDK_INTR_MODE_MSIX);
	check_intr_mode(en, VDK_INTR_MODE_MSI);
	check_intr_mode(en, VDK_INTR_MODE_INTX);
	check_reset(nv);
	nvme_free(&n);

	ret = vdk_pci_dev_detach(nv->dev);
	check(ret == 0 && nv->removed == 1 && GROUP_FDS() == 1 && IOMMU_FDS() == 1 &&
	      DEVICE_FDS() == 1 && debugfs_num(DEBUGFS_PINNED) > 0,
	      "detach %s: its group left the set, the e1000e's group and the IOMMU fd stay, "
	      "memory still pinned", nvme);
	ret = vdk_eal_cleanup();
	check(ret == 0 && en->removed == 1, "vdk_eal_cleanup: %d", ret);
	check_nothing_held("cleanup");
	check(debugfs_num(DEBUGFS_PINNED) == 0 && debugfs_num(DEBUGFS_MAPPINGS) == 0,
	      "the module holds no pin and no mapping (%ld, %ld)", debugfs_num(DEBUGFS_PINNED),
	      debugfs_num(DEBUGFS_MAPPINGS));
}

/* Init that must fail with @want and a message holding every string in @msgs. */
static void
expect_refusal(const char *what, int want, const char *const *msgs, const char *first, ...)
{
	char *argv[32] = { "vdkb_vm" };
	bool all = true;
	int argc = 1, ret;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	log_capture();
	ret = vdk_eal_init(argc, argv);
	log_release();
	for (unsigned int i = 0; msgs[i] != NULL; i++)
		all = all && log_has(msgs[i]);
	check(ret == want && all, "%s: %d (%s), the message says what to do", what, ret,
	      strerror(-ret));
	if (ret >= 0)
		vdk_eal_cleanup();
	check_nothing_held(what);
}

static void
hold_and_wait(const char *nic, int up, int down)
{
	char c;
	int ret;

	ret = eal_init("--vfio-backend", "vdk", "-a", ours(nic), "--no-huge",
		       "--file-prefix", "holder", NULL);
	if (write(up, "h", 1) != 1 || read(down, &c, 1) != 1)
		_exit(2);
	if (ret >= 0)
		vdk_eal_cleanup();
	_exit(ret >= 0 ? 0 : 1);
}

static void
check_group_held_elsewhere(const char *nic)
{
	int up[2], down[2], st;
	char c, want[96];
	pid_t pid;

	if (pipe(up) != 0 || pipe(down) != 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		hold_and_wait(nic, up[1], down[0]);
	if (read(up[0], &c, 1) != 1) {
		check(false, "the holder process came up");
		return;
	}
	snprintf(want, sizeof(want), "(see `fuser -v /dev/vdk-vfio/");
	{
		const char *msgs[] = { "is in use by another process", want, NULL };

		expect_refusal("a group another process holds", -EBUSY, msgs, "--vfio-backend",
			       "vdk", "-a", ours(nic), "--no-huge", "--file-prefix", "second",
			       NULL);
	}
	if (write(down[1], "x", 1) != 1)
		return;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the holder let go cleanly");
}

/*
 * auto over devices on both drivers at once: each backend has its own
 * IOMMU domain and the DMA table is mapped into both.
 */
static void
check_mixed(const char *nvme_ml, const char *nvme_vdk, const char *nic)
{
	struct tdev *a, *b, *en;
	struct nvme na, nb;
	char *buf;
	int ret, st;
	bool ok;

	printf("# --vfio-backend auto over vfio-pci and vdk-vfio-pci together\n");
	nb_tdevs = 0;
	log_capture();
	ret = eal_init("-a", ours(nvme_ml), "-a", ours(nvme_vdk), "-a", ours(nic), "-m", "8",
		       NULL);
	log_release();
	a = tdev_of(nvme_ml);
	b = tdev_of(nvme_vdk);
	en = tdev_of(nic);
	check(ret >= 0 && a != NULL && b != NULL && en != NULL,
	      "vdk_eal_init -a %s -a %s -a %s: %d", nvme_ml, nvme_vdk, nic, ret);
	if (ret < 0 || a == NULL || b == NULL || en == NULL) {
		if (ret >= 0)
			vdk_eal_cleanup();
		return;
	}
	check_backend_line(nvme_ml, "mainline, the kernel's vfio-pci (--vfio-backend auto: "
			   "the device is bound to vfio-pci)");
	check_backend_line(nvme_vdk, "vdk, VDK's vdk_vfio module (--vfio-backend auto: "
			   "the device is bound to vdk-vfio-pci)");
	check(fds_of("/dev/vfio/") == 2 && GROUP_FDS() == 2 && IOMMU_FDS() == 1,
	      "vfio-pci's container and group, vdk_vfio's 2 groups and 1 IOMMU fd");
	buf = vdk_dma_zmalloc(4096, 4096, NULL);
	ret = nvme_enable(&na, a->dev, a->bar0);
	ok = ret == 0 && buf != NULL && nvme_identify_into(&na, buf, 1, &st);
	check(ok, "%s (mainline) wrote Identify into EAL memory (%d)", nvme_ml, ret ? ret : st);
	ret = nvme_enable(&nb, b->dev, b->bar0);
	ok = ret == 0 && buf != NULL && nvme_identify_into(&nb, buf, 1, &st);
	check(ok, "%s (vdk) wrote Identify into the same EAL memory (%d)", nvme_vdk,
	      ret ? ret : st);
	vdk_pci_set_bus_master(en->dev, 1);
	check_intr_mode(en, VDK_INTR_MODE_MSIX);
	vdk_pci_reset(a->dev);
	vdk_pci_reset(b->dev);
	nvme_free(&na);
	nvme_free(&nb);
	vdk_dma_free(buf);
	check(vdk_eal_cleanup() == 0, "vdk_eal_cleanup");
	check_nothing_held("the mixed run");
}

static void
scenario_refusals(const char *nvme_vdk, const char *nic)
{
	const char *nvme_ml = getenv("VDK_VM_NVME0");
	char fix[128];

	if (nvme_ml == NULL) {
		check(false, "VDK_VM_NVME0 names the NVMe on vfio-pci");
		return;
	}
	snprintf(fix, sizeof(fix), "`vdk-setup bind %s --driver vdk-vfio-pci`", nvme_ml);
	{
		const char *msgs[] = { "is bound to vfio-pci but --vfio-backend vdk needs it on "
				       "vdk-vfio-pci", fix, NULL };

		expect_refusal("--vfio-backend vdk on a device bound to vfio-pci", -EACCES, msgs,
			       "--vfio-backend", "vdk", "-a", ours(nvme_ml), "--no-huge", NULL);
	}
	{
		const char *msgs[] = { "is bound to vdk-vfio-pci (VDK's vdk_vfio module) but "
				       "--vfio-backend mainline needs it on vfio-pci",
				       "or use --vfio-backend vdk (or auto)", NULL };

		expect_refusal("--vfio-backend mainline on a device bound to vdk-vfio-pci",
			       -EACCES, msgs, "--vfio-backend", "mainline", "-a", ours(nic),
			       "--no-huge", NULL);
	}
	{
		const char *msgs[] = { "--vfio-backend 'bogus': use auto", NULL };

		expect_refusal("--vfio-backend bogus", -EINVAL, msgs, "--vfio-backend", "bogus",
			       "--no-huge", NULL);
	}
	check_group_held_elsewhere(nic);
	check_mixed(nvme_ml, nvme_vdk, nic);
}

static void
scenario_nomodule(const char *nvme, const char *unbound)
{
	char fix[128];
	int ret;

	check(access("/sys/module/vdk_vfio", F_OK) != 0, "the vdk_vfio module is not loaded");
	{
		const char *msgs[] = { "the vdk_vfio kernel module is not loaded",
				       "`insmod vdk_vfio.ko`",
				       "`vdk-setup bind BDF --driver vdk-vfio-pci`", NULL };

		expect_refusal("--vfio-backend vdk without the module", -ENOENT, msgs,
			       "--vfio-backend", "vdk", "-a", ours(nvme), "--no-huge", NULL);
	}
	snprintf(fix, sizeof(fix), "then `vdk-setup bind %s --driver vdk-vfio-pci`", unbound);
	{
		const char *msgs[] = { "and the vdk_vfio module is not loaded: run `insmod "
				       "vdk_vfio.ko`", fix, NULL };

		expect_refusal("--vfio-backend vdk, module absent, device on no driver", -EACCES,
			       msgs, "--vfio-backend", "vdk", "-a", ours(unbound), "--no-huge",
			       NULL);
	}
	snprintf(fix, sizeof(fix), "run `vdk-setup bind %s` to give it to VDK; or, for VDK's "
		 "vdk_vfio module", unbound);
	{
		const char *msgs[] = { fix, "--driver vdk-vfio-pci", NULL };

		expect_refusal("auto, device on neither driver: both ways named", -EACCES, msgs,
			       "-a", ours(unbound), "--no-huge", NULL);
	}
	/* auto without the module: a device on vfio-pci still works. */
	nb_tdevs = 0;
	log_capture();
	ret = eal_init("-a", ours(nvme), "--no-huge", NULL);
	log_release();
	check(ret >= 0 && tdev_of(nvme) != NULL, "auto without the module: %s opened: %d", nvme,
	      ret);
	check_backend_line(nvme, "mainline, the kernel's vfio-pci (--vfio-backend auto: the "
			   "device is bound to vfio-pci)");
	if (ret >= 0)
		vdk_eal_cleanup();
	check_nothing_held("the mainline run");
}

int
main(int argc, char **argv)
{
	const char *test = getenv("VDKB_TEST");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "nomodule") == 0) {
		scenario_nomodule(argv[2], argv[3]);
	} else if (argc == 3 && (test == NULL || strcmp(test, "probe") == 0)) {
		scenario_probe("vdk", argv[1], argv[2]);
		scenario_probe("auto", argv[1], argv[2]);
	} else if (argc == 3 && strcmp(test, "refusals") == 0) {
		scenario_refusals(argv[1], argv[2]);
	} else {
		fprintf(stderr, "usage: [VDKB_TEST=probe|refusals] vdkb_vm NVME_BDF E1000E_BDF\n"
			"       vdkb_vm nomodule NVME_BDF UNBOUND_BDF\n");
		return 2;
	}
	printf("%u passed, %u failed\n", passed, failed);
	log_forget();
	return failed ? 1 : 0;
}
