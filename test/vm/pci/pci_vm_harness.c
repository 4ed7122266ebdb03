/* SPDX-License-Identifier: BSD-3-Clause */
/* The harness pci_vm and vdkb_vm share: see pci_vm_harness.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vdk_common.h"
#include "vdk_eal.h"
#include "vdk_log.h"

#include "pci_vm_devices.h"
#include "pci_vm_harness.h"

unsigned int passed, failed;

void
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

/* ---- the EAL's log ---- */

static char *log_buf;
static size_t log_len;
static FILE *log_f;

void
log_capture(void)
{
	log_forget();
	log_f = open_memstream(&log_buf, &log_len);
	vdk_log_set_stream(log_f);
}

void
log_release(void)
{
	vdk_log_set_stream(NULL);
	fclose(log_f);
	for (const char *l = log_buf; l != NULL && *l != '\0';) {
		const char *nl = strchr(l, '\n');
		int n = nl != NULL ? (int)(nl - l) : (int)strlen(l);

		printf("  | %.*s\n", n, l);
		l += n + (nl != NULL);
	}
}

bool
log_has(const char *s)
{
	return log_buf != NULL && strstr(log_buf, s) != NULL;
}

void
log_forget(void)
{
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
}

int
eal_init(const char *first, ...)
{
	char *argv[32] = { (char *)vm_prog };
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	return vdk_eal_init(argc, argv);
}

const char *
ours(const char *bdf)
{
	static char buf[4][64];
	static unsigned int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s,driver=%s", bdf, vm_driver_name);
	return b;
}

/* ---- what the process holds ---- */

unsigned int
fds_of(const char *which)
{
	char path[300], target[PATH_MAX];
	unsigned int n = 0;
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");

	while (d != NULL && (e = readdir(d)) != NULL) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strncmp(target, which, strlen(which)) == 0)
			n++;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

unsigned int
region_mappings(void)
{
	char line[512];
	unsigned int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "vfio") != NULL)
			n++;
	if (f != NULL)
		fclose(f);
	return n;
}

unsigned long
status_kb(const char *field)
{
	char line[256], fmt[32];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	snprintf(fmt, sizeof(fmt), "%s: %%lu", field);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, fmt, &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb;
}

unsigned int
sysfs_hex(const char *bdf, const char *attr)
{
	char path[PATH_MAX];
	unsigned int v = 0xffffffff;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	f = fopen(path, "r");
	if (f != NULL && fscanf(f, "%x", &v) != 1)
		v = 0xffffffff;
	if (f != NULL)
		fclose(f);
	return v;
}

/* ---- the test driver ---- */

static struct tdev tdevs[4];
unsigned int nb_tdevs;

struct tdev *
tdev_of(const char *bdf)
{
	for (unsigned int i = 0; i < nb_tdevs; i++)
		if (strcmp(tdevs[i].dev->name, bdf) == 0)
			return &tdevs[i];
	return NULL;
}

static int
t_probe(struct vdk_pci_device *dev)
{
	struct tdev *t = tdev_of(dev->name);
	int ret;

	if (t == NULL) {
		if (nb_tdevs == VDK_DIM(tdevs))
			return -ENOSPC;
		t = &tdevs[nb_tdevs++];
	}
	memset(t, 0, sizeof(*t));
	t->dev = dev;
	/* The SMBus function of pci_vm's not-viable test has only an I/O BAR 4. */
	if (dev->bars[0].len > 0) {
		ret = vdk_pci_map_bar(dev, 0, &t->bar0, &t->bar0_len);
		if (ret < 0)
			return ret == -ENODEV ? -EIO : ret;	/* -ENODEV would decline */
	}
	dev->driver_data = t;
	return 0;
}

static int
t_remove(struct vdk_pci_device *dev)
{
	struct tdev *t = dev->driver_data;

	t->removed++;
	return 0;
}

static const struct vdk_pci_id t_ids[] = {
	{ VDK_PCI_DEVICE(0x8086, 0x10d3) },	/* 82574L */
	{ VDK_PCI_DEVICE_CLASS(0x010802) },	/* NVMe */
	{ VDK_PCI_DEVICE(0x8086, 0x2930) },	/* ICH9 SMBus, for pci_vm's not-viable */
	{ .vendor_id = 0 },
};
const struct vdk_pci_driver t_drv = {
	.name = vm_driver_name, .id_table = t_ids, .probe = t_probe, .remove = t_remove,
};
VDK_PCI_DRIVER_REGISTER(t_drv);

/* ---- e1000e interrupts ---- */

struct vm_irq irq;

void
on_e1000e_irq(struct vdk_pci_device *dev, unsigned int vector, void *arg)
{
	struct tdev *t = arg;

	/* In MSI-X mode ICR does not clear on read: write 1s to clear. */
	irq.icr = vdk_reg_read32(t->bar0, E1000_ICR);
	vdk_reg_write32(t->bar0, E1000_ICR, irq.icr);
	/* INTx: the line was masked when it fired; the cause is clear now. */
	if (vdk_intr_mode_get(dev) == VDK_INTR_MODE_INTX)
		vdk_intr_unmask(dev);
	irq.vector = vector;
	clock_gettime(CLOCK_MONOTONIC, &irq.when);
	__atomic_add_fetch(&irq.calls, 1, __ATOMIC_RELEASE);
}

const char *
mode_str(enum vdk_intr_mode m)
{
	return m == VDK_INTR_MODE_MSIX ? "MSI-X" : m == VDK_INTR_MODE_MSI ? "MSI" : "INTx";
}

unsigned int
e1000e_arm_lsc(struct tdev *en, enum vdk_intr_mode mode)
{
	vdk_reg_write32(en->bar0, E1000_IMC, 0xffffffff);
	vdk_reg_write32(en->bar0, E1000_ICR, 0xffffffff);
	vdk_reg_read32(en->bar0, E1000_ICR);
	vdk_reg_write32(en->bar0, E1000_IVAR, mode == VDK_INTR_MODE_MSIX ? E1000_IVAR_OTHER_VEC0
									 : 0);
	vdk_reg_write32(en->bar0, E1000_IMS, E1000_ICR_LSC | E1000_ICR_OTHER);
	/* A cause left from the device's start may fire once on unmasking. */
	usleep(100000);
	return __atomic_load_n(&irq.calls, __ATOMIC_ACQUIRE);
}

/* ---- NVMe ---- */

int
nvme_reset_and_read(struct tdev *nv, uint32_t *cc, uint32_t *csts, uint16_t *cmd)
{
	int ret = vdk_pci_reset(nv->dev);

	*cc = vdk_reg_read32(nv->bar0, NVME_CC);
	*csts = vdk_reg_read32(nv->bar0, NVME_CSTS);
	*cmd = 0;
	vdk_pci_cfg_read(nv->dev, cmd, 2, 4);
	return ret;
}
