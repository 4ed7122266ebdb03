/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO, backend-neutral: IOMMU groups, the domains they share, and the
 * table of memory mapped for device DMA.
 *
 * The DMA table is the one truth about what devices may reach: every EAL
 * memory segment (added and removed through the mem-event callbacks) and
 * every range a user registered through lib/dma. A domain that comes into
 * being (the first group attached to a container) gets the whole table
 * mapped; an entry added later is mapped into every live domain. With no
 * domain at all the table only records, so memory registered before any
 * device is opened is mapped when one is.
 *
 * Locks: the memory subsystem calls our callbacks holding its own lock
 * and we then take vfio_lock, so we never walk memory segments while
 * holding vfio_lock (track_lock orders the one walk we do).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eal_pci_internal.h"
#include "eal_vfio_internal.h"
#include "vdk_log.h"
#include "vdk_memory.h"

#define VFIO_MAX_GROUPS 64
#define VFIO_MAX_DOMAINS 8
#define VFIO_MEM_CB_NAME "vfio"
#define CAP_IPC_LOCK_BIT 14

struct dma_entry {
	uint64_t va;
	uint64_t iova;		/* VDK_BAD_IOVA: per page, from ms->page_iova */
	uint64_t len;
	const struct vdk_memseg *ms;	/* NULL for user memory */
};

static pthread_mutex_t vfio_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t track_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct eal_vfio_backend *backend = &eal_vfio_select;
static bool backend_open;
static bool mem_tracking;
static bool noiommu_seen;
static struct eal_vfio_group groups[VFIO_MAX_GROUPS];
static struct eal_vfio_domain domains[VFIO_MAX_DOMAINS];
static struct dma_entry *dma_tab;
static unsigned int dma_nb, dma_cap;

int
eal_vfio_set_backend(const struct eal_vfio_backend *be)
{
	int ret = 0;

	pthread_mutex_lock(&vfio_lock);
	if (backend_open) {
		ret = -EBUSY;
	} else {
		backend = be != NULL ? be : &eal_vfio_select;
	}
	pthread_mutex_unlock(&vfio_lock);
	return ret;
}

const struct eal_vfio_backend *
eal_vfio_get_backend(void)
{
	return backend;
}

bool
eal_vfio_noiommu(void)
{
	return noiommu_seen;
}

/* ---- the DMA table ---- */

/* Index of the first entry ending above @va (where @va would go). */
static unsigned int
dma_find(uint64_t va)
{
	unsigned int lo = 0, hi = dma_nb;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (dma_tab[mid].va + dma_tab[mid].len <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
dma_insert(const struct dma_entry *e)
{
	unsigned int i = dma_find(e->va);

	if (i < dma_nb && dma_tab[i].va < e->va + e->len)
		return -EEXIST;
	if (dma_nb == dma_cap) {
		unsigned int ncap = dma_cap ? dma_cap * 2 : 32;
		struct dma_entry *n = realloc(dma_tab, ncap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		dma_tab = n;
		dma_cap = ncap;
	}
	memmove(&dma_tab[i + 1], &dma_tab[i], (dma_nb - i) * sizeof(*dma_tab));
	dma_tab[i] = *e;
	dma_nb++;
	return 0;
}

static void
dma_remove(unsigned int i)
{
	memmove(&dma_tab[i], &dma_tab[i + 1], (dma_nb - i - 1) * sizeof(*dma_tab));
	dma_nb--;
}

static uint64_t
dma_bytes(void)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < dma_nb; i++)
		n += dma_tab[i].len;
	return n;
}

/* ---- domains ---- */

static unsigned int
live_domains(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < VFIO_MAX_DOMAINS; i++)
		if (domains[i].nb_groups > 0 && !domains[i].noiommu)
			n++;
	return n;
}

unsigned int
eal_vfio_domain_count(void)
{
	unsigned int n;

	pthread_mutex_lock(&vfio_lock);
	n = live_domains();
	pthread_mutex_unlock(&vfio_lock);
	return n;
}

static void
format_ranges(const struct eal_vfio_domain *dom, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < dom->nb_ranges && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s0x%" PRIx64 "-0x%" PRIx64,
				 i ? ", " : "", dom->ranges[i].start, dom->ranges[i].end);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/*
 * Is [iova, iova + len) inside one of the domain's ranges? If not, say
 * which ranges there are, and when the IOVA lies above them all (IOVA =
 * VA on an IOMMU with fewer address bits than user space), how to fix it.
 */
static int
check_range(const struct eal_vfio_domain *dom, uint64_t va, uint64_t iova, uint64_t len)
{
	uint64_t last = iova + len - 1, top = 0;
	char ranges[256];
	unsigned int bits;

	for (unsigned int i = 0; i < dom->nb_ranges; i++) {
		if (iova >= dom->ranges[i].start && last <= dom->ranges[i].end)
			return 0;
		top = VDK_MAX(top, dom->ranges[i].end);
	}
	format_ranges(dom, ranges, sizeof(ranges));
	bits = top == UINT64_MAX ? 64 : (unsigned int)(64 - __builtin_clzll(top + 1)) - 1;
	if (last > top)
		VDK_LOG(ERR, VFIO, "cannot map 0x%" PRIx64 " bytes at VA 0x%" PRIx64 " for DMA: "
			"IOVA 0x%" PRIx64 "-0x%" PRIx64 " is above what the IOMMU translates (%s, "
			"%u address bits). With IOVA = VA the IOMMU needs 48 bits: on QEMU use "
			"-device intel-iommu,aw-bits=48; or run with --iova-mode pa",
			len, va, iova, last, ranges, bits);
	else
		VDK_LOG(ERR, VFIO, "cannot map 0x%" PRIx64 " bytes at VA 0x%" PRIx64 " for DMA: "
			"IOVA 0x%" PRIx64 "-0x%" PRIx64 " is outside the IOMMU's ranges %s (the "
			"gap is reserved, e.g. the interrupt window): use memory elsewhere",
			len, va, iova, last, ranges);
	return -ERANGE;
}

static bool
has_cap_ipc_lock(void)
{
	char line[256];
	bool ret = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long caps;

		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			ret = (caps >> CAP_IPC_LOCK_BIT) & 1;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* VmLck: what the process has locked already, pinned DMA pages included. */
static uint64_t
locked_bytes(void)
{
	char line[256];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmLck: %" SCNu64, &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/*
 * VFIO pins every mapped page and charges it to RLIMIT_MEMLOCK unless the
 * process has CAP_IPC_LOCK. Past the limit MAP_DMA fails with a bare
 * ENOMEM, so check first and give the numbers.
 */
static int
check_memlock(uint64_t more)
{
	struct rlimit rl;
	uint64_t have;

	if (more == 0 || getrlimit(RLIMIT_MEMLOCK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	have = locked_bytes();
	if (have + more <= rl.rlim_cur || has_cap_ipc_lock())
		return 0;
	VDK_LOG(ERR, VFIO, "DMA mapping needs %" PRIu64 " KiB of locked memory more (%" PRIu64
		" KiB locked already) but RLIMIT_MEMLOCK is %" PRIu64 " KiB: raise it "
		"(`ulimit -l unlimited`, memlock in /etc/security/limits.conf, "
		"LimitMEMLOCK= for a service) or run with CAP_IPC_LOCK; as root, `vdk-setup "
		"status --user %u --mem %" PRIu64 "` checks it", more / 1024, have / 1024,
		(uint64_t)rl.rlim_cur / 1024, (unsigned int)getuid(),
		(have + more + (1u << 20) - 1) >> 20);
	return -ENOMEM;
}

/* Map one entry: in one piece, or page by page when its IOVAs are scattered. */
static int
entry_map(const struct eal_vfio_domain *dom, const struct dma_entry *e, bool map)
{
	uint64_t pg, n;
	int ret;

	if (dom->noiommu)
		return 0;
	if (e->iova == VDK_BAD_IOVA && e->ms == NULL) {
		VDK_LOG(ERR, VFIO, "memory at VA 0x%" PRIx64 " was registered for physical "
			"addressing (--iova-mode pa) and cannot be mapped into an IOMMU: use "
			"--iova-mode va", e->va);
		return map ? -ENOTSUP : 0;
	}
	if (e->iova != VDK_BAD_IOVA) {
		if (!map)
			return backend->dma_unmap(dom->handle, e->iova, e->len);
		ret = check_range(dom, e->va, e->iova, e->len);
		return ret < 0 ? ret : backend->dma_map(dom->handle, e->va, e->iova, e->len);
	}
	pg = e->ms->page_sz;
	n = e->len / pg;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t va = e->va + i * pg, iova = e->ms->page_iova[i];

		if (!map) {
			backend->dma_unmap(dom->handle, iova, pg);
			continue;
		}
		ret = iova == VDK_BAD_IOVA ? -EINVAL : check_range(dom, va, iova, pg);
		if (ret == 0)
			ret = backend->dma_map(dom->handle, va, iova, pg);
		if (ret < 0) {
			if (iova == VDK_BAD_IOVA)
				VDK_LOG(ERR, VFIO, "page at VA 0x%" PRIx64 " has no IOVA (no "
					"physical address known): cannot map it", va);
			while (i-- > 0)
				backend->dma_unmap(dom->handle, e->ms->page_iova[i], pg);
			return ret;
		}
	}
	return 0;
}

/* Map an entry into every live domain, or into none. */
static int
entry_map_all(const struct dma_entry *e)
{
	unsigned int i;
	int ret = 0;

	if (live_domains() > 0) {
		ret = check_memlock(e->len * live_domains());
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < VFIO_MAX_DOMAINS; i++) {
		if (domains[i].nb_groups == 0)
			continue;
		ret = entry_map(&domains[i], e, true);
		if (ret < 0)
			break;
	}
	/* Whatever failed (range, backend) has said why already. */
	if (ret < 0) {
		while (i-- > 0)
			if (domains[i].nb_groups > 0)
				entry_map(&domains[i], e, false);
	}
	return ret;
}

static void
entry_unmap_all(const struct dma_entry *e)
{
	for (unsigned int i = 0; i < VFIO_MAX_DOMAINS; i++)
		if (domains[i].nb_groups > 0)
			entry_map(&domains[i], e, false);
}

/* A new domain gets everything in the table, or nothing. */
static int
domain_populate(struct eal_vfio_domain *dom)
{
	unsigned int i;
	int ret;

	if (dom->noiommu)
		return 0;
	dom->nb_ranges = EAL_VFIO_MAX_RANGES;
	ret = backend->iommu_info(dom->handle, dom->ranges, &dom->nb_ranges, &dom->pgsizes);
	if (ret < 0)
		return ret;
	ret = check_memlock(dma_bytes());
	if (ret < 0)
		return ret;
	for (i = 0; i < dma_nb; i++) {
		ret = entry_map(dom, &dma_tab[i], true);
		if (ret < 0)
			break;
	}
	if (ret < 0)
		while (i-- > 0)
			entry_map(dom, &dma_tab[i], false);
	else
		VDK_LOG(DEBUG, VFIO, "domain %d: %u ranges mapped (%" PRIu64 " KiB)", dom->handle,
			dma_nb, dma_bytes() / 1024);
	return ret;
}

/* ---- EAL memory segments ---- */

static int
memseg_record(const struct vdk_memseg *ms, bool map)
{
	struct dma_entry e = {
		.va = (uintptr_t)ms->addr, .iova = ms->iova, .len = ms->len, .ms = ms,
	};
	unsigned int i;
	int ret;

	pthread_mutex_lock(&vfio_lock);
	i = dma_find(e.va);
	if (i < dma_nb && dma_tab[i].va == e.va && dma_tab[i].ms == ms) {
		ret = 0;	/* seen by both the callback and the walk */
		goto out;
	}
	ret = dma_insert(&e);
	if (ret < 0) {
		VDK_LOG(ERR, VFIO, "memory segment at %p: %s", ms->addr,
			ret == -EEXIST ? "overlaps memory registered for DMA" : "out of memory");
		goto out;
	}
	if (map) {
		ret = entry_map_all(&e);
		if (ret < 0)
			dma_remove(dma_find(e.va));
	}
out:
	pthread_mutex_unlock(&vfio_lock);
	return ret;
}

static int
memseg_walk_cb(const struct vdk_memseg *ms, void *arg)
{
	(void)arg;
	return memseg_record(ms, true) < 0 ? -1 : 0;
}

static int
mem_event_cb(enum vdk_mem_event event, const struct vdk_memseg *ms, void *arg)
{
	unsigned int i;

	(void)arg;
	if (event == VDK_MEM_EVENT_ALLOC)
		return memseg_record(ms, true) < 0 ? -1 : 0;
	pthread_mutex_lock(&vfio_lock);
	i = dma_find((uintptr_t)ms->addr);
	if (i < dma_nb && dma_tab[i].ms == ms) {
		entry_unmap_all(&dma_tab[i]);
		dma_remove(i);
	}
	pthread_mutex_unlock(&vfio_lock);
	return 0;
}

static int
mem_track_start(void)
{
	int ret = 0;

	pthread_mutex_lock(&track_lock);
	if (mem_tracking)
		goto out;
	ret = vdk_mem_event_callback_register(VFIO_MEM_CB_NAME, mem_event_cb, NULL);
	if (ret < 0) {
		VDK_LOG(ERR, VFIO, "cannot follow memory segments: %s", strerror(-ret));
		goto out;
	}
	if (vdk_memseg_walk(memseg_walk_cb, NULL) != 0) {
		vdk_mem_event_callback_unregister(VFIO_MEM_CB_NAME);
		ret = -ENOMEM;
		goto out;
	}
	mem_tracking = true;
out:
	pthread_mutex_unlock(&track_lock);
	return ret;
}

static void
mem_track_stop(void)
{
	pthread_mutex_lock(&track_lock);
	if (mem_tracking)
		vdk_mem_event_callback_unregister(VFIO_MEM_CB_NAME);
	mem_tracking = false;
	pthread_mutex_unlock(&track_lock);
}

/* ---- user memory (lib/dma) ---- */

int
eal_vfio_dma_map(uint64_t va, uint64_t iova, uint64_t len)
{
	struct dma_entry e = { .va = va, .iova = iova, .len = len, .ms = NULL };
	int ret;

	if (len == 0 || va + len < va)
		return -EINVAL;
	pthread_mutex_lock(&vfio_lock);
	ret = dma_insert(&e);
	if (ret < 0)
		goto out;
	ret = entry_map_all(&e);
	if (ret < 0)
		dma_remove(dma_find(va));
out:
	pthread_mutex_unlock(&vfio_lock);
	return ret;
}

int
eal_vfio_dma_unmap(uint64_t va, uint64_t len)
{
	unsigned int i;
	int ret = -ENOENT;

	pthread_mutex_lock(&vfio_lock);
	i = dma_find(va);
	if (i < dma_nb && dma_tab[i].va == va && dma_tab[i].len == len &&
	    dma_tab[i].ms == NULL) {
		entry_unmap_all(&dma_tab[i]);
		dma_remove(i);
		ret = 0;
	}
	pthread_mutex_unlock(&vfio_lock);
	return ret;
}

int
eal_vfio_dma_lookup(uint64_t va, uint64_t *iova)
{
	unsigned int i;
	int ret = -ENOENT;

	pthread_mutex_lock(&vfio_lock);
	i = dma_find(va);
	if (i < dma_nb && dma_tab[i].va <= va && dma_tab[i].ms == NULL) {
		*iova = dma_tab[i].iova == VDK_BAD_IOVA ? VDK_BAD_IOVA
							: dma_tab[i].iova + (va - dma_tab[i].va);
		ret = 0;
	}
	pthread_mutex_unlock(&vfio_lock);
	return ret;
}

unsigned int
eal_vfio_dma_count(void)
{
	unsigned int n = 0;

	pthread_mutex_lock(&vfio_lock);
	for (unsigned int i = 0; i < dma_nb; i++)
		if (dma_tab[i].ms == NULL)
			n++;
	pthread_mutex_unlock(&vfio_lock);
	return n;
}

/* ---- groups ---- */

/*
 * A group is viable when no device in it is driven by a kernel driver
 * (unbound, vfio-pci, VDK's driver and pci-stub are fine). Name the
 * devices that are, with the command that fixes it.
 */
static void
explain_not_viable(int num, const char *bdf)
{
	char dir[PATH_MAX], blockers[512] = "";
	struct dirent *e;
	size_t off = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/kernel/iommu_groups/%d/devices", eal_sysfs_root(), num);
	d = opendir(dir);
	while (d != NULL && (e = readdir(d)) != NULL) {
		char drv[64];

		if (e->d_name[0] == '.' ||
		    pci_sysfs_driver(eal_sysfs_root(), e->d_name, drv, sizeof(drv)) < 0)
			continue;
		if (drv[0] == '\0' || strcmp(drv, PCI_KDRV_NAME_VFIO) == 0 ||
		    strcmp(drv, PCI_KDRV_NAME_VDK_VFIO) == 0 || strcmp(drv, "pci-stub") == 0)
			continue;
		VDK_LOG(ERR, VFIO, "IOMMU group %d of %s is not viable: %s shares the group and "
			"is bound to %s; every device of a group must leave its kernel driver: "
			"run `vdk-setup bind %s`", num, bdf, e->d_name, drv, e->d_name);
		off += (size_t)snprintf(blockers + off, sizeof(blockers) - off, " %s", e->d_name);
		if (off >= sizeof(blockers))
			break;
	}
	if (d != NULL)
		closedir(d);
	if (blockers[0] == '\0')
		VDK_LOG(ERR, VFIO, "IOMMU group %d of %s is not viable: a device in %s is bound to "
			"a kernel driver; `vdk-setup status` shows which", num, bdf, dir);
}

void
eal_vfio_explain_no_access(const char *node, const char *bdf, const char *setup_opts)
{
	struct stat st;
	char owner[64] = "";

	if (stat(node, &st) == 0)
		snprintf(owner, sizeof(owner), "owner %u:%u, mode %04o; ", (unsigned int)st.st_uid,
			 (unsigned int)st.st_gid, (unsigned int)(st.st_mode & 07777));
	VDK_LOG(ERR, VFIO, "%s: no permission to open %s (%sthis process runs as uid %u, gid "
		"%u): as root, give it to this user with `vdk-setup bind %s %s--owner %u:%u` "
		"(doc/setup.md, \"Running without root\"), or run as root", bdf, node, owner,
		(unsigned int)getuid(), (unsigned int)getgid(), bdf, setup_opts,
		(unsigned int)getuid(), (unsigned int)getgid());
}

static void
explain_open_error(int err, int num, const char *bdf)
{
	switch (err) {
	case ENOENT:
		VDK_LOG(ERR, VFIO, "%s: IOMMU group %d has no VFIO device node: the device is "
			"not bound to vfio-pci: run `vdk-setup bind %s`", bdf, num, bdf);
		break;
	case EBUSY:
		VDK_LOG(ERR, VFIO, "%s: IOMMU group %d is in use by another process (see "
			"`fuser -v /dev/vfio/%d`): stop it or choose another device", bdf, num, num);
		break;
	case EACCES:
	case EPERM: {
		char node[32];

		snprintf(node, sizeof(node), "/dev/vfio/%d", num);
		eal_vfio_explain_no_access(node, bdf, "");
		break;
	}
	default:
		VDK_LOG(ERR, VFIO, "%s: cannot open IOMMU group %d: %s", bdf, num, strerror(err));
	}
}

static struct eal_vfio_domain *
domain_for(int handle, bool noiommu)
{
	struct eal_vfio_domain *free_slot = NULL;

	for (unsigned int i = 0; i < VFIO_MAX_DOMAINS; i++) {
		if (domains[i].nb_groups > 0 && domains[i].handle == handle)
			return &domains[i];
		if (domains[i].nb_groups == 0 && free_slot == NULL)
			free_slot = &domains[i];
	}
	if (free_slot != NULL) {
		memset(free_slot, 0, sizeof(*free_slot));
		free_slot->handle = handle;
		free_slot->noiommu = noiommu;
	}
	return free_slot;
}

static int
group_setup(struct eal_vfio_group *g, const char *bdf)
{
	struct eal_vfio_domain *dom;
	int ret, handle;

	ret = backend->group_viable(g->fd);
	if (ret == 0) {
		explain_not_viable(g->num, bdf);
		return -EPERM;
	}
	if (ret < 0)
		return ret;
	if (g->noiommu) {
		if (!noiommu_seen)
			VDK_LOG(WARNING, VFIO, "no-IOMMU mode (vfio's enable_unsafe_noiommu_mode): "
				"devices can write to any memory and see physical addresses; use "
				"it only for trusted devices on machines without an IOMMU");
		noiommu_seen = true;
		if (vdk_eal_iova_mode() == VDK_IOVA_VA) {
			VDK_LOG(ERR, VFIO, "%s: IOMMU group %d is a no-IOMMU group but the IOVA "
				"mode is va: run with --iova-mode pa", bdf, g->num);
			return -EINVAL;
		}
	}
	ret = backend->group_attach(g->fd, g->noiommu, &handle);
	if (ret < 0)
		return ret;
	dom = domain_for(handle, g->noiommu);
	if (dom == NULL) {
		VDK_LOG(ERR, VFIO, "%s: more than %d IOMMU domains", bdf, VFIO_MAX_DOMAINS);
		ret = -ENOSPC;
		goto detach;
	}
	if (dom->nb_groups == 0) {
		ret = domain_populate(dom);
		if (ret < 0)
			goto detach;
	}
	dom->nb_groups++;
	g->domain = dom;
	return 0;
detach:
	backend->group_detach(g->fd);
	return ret;
}

int
eal_vfio_group_get(int num, const char *bdf, struct eal_vfio_group **group)
{
	struct eal_vfio_group *g = NULL;
	int ret;

	/* Outside vfio_lock: the walk takes the memory lock first (see top). */
	ret = mem_track_start();
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&vfio_lock);
	for (unsigned int i = 0; i < VFIO_MAX_GROUPS; i++) {
		if (groups[i].refcnt > 0 && groups[i].num == num) {
			groups[i].refcnt++;
			*group = &groups[i];
			ret = 0;
			goto out;
		}
		if (groups[i].refcnt == 0 && g == NULL)
			g = &groups[i];
	}
	if (g == NULL) {
		VDK_LOG(ERR, VFIO, "%s: more than %d IOMMU groups open", bdf, VFIO_MAX_GROUPS);
		ret = -ENOSPC;
		goto out;
	}
	if (!backend_open) {
		ret = backend->open();
		if (ret < 0)
			goto out;
		backend_open = true;
	}
	memset(g, 0, sizeof(*g));
	g->num = num;
	ret = backend->group_open(num, bdf, &g->noiommu);
	if (ret < 0) {
		if (backend->explain_group_open == NULL ||
		    !backend->explain_group_open(-ret, num, bdf))
			explain_open_error(-ret, num, bdf);
		goto out;
	}
	g->fd = ret;
	ret = group_setup(g, bdf);
	if (ret < 0) {
		backend->group_close(g->fd);
		goto out;
	}
	g->refcnt = 1;
	*group = g;
out:
	pthread_mutex_unlock(&vfio_lock);
	return ret;
}

void
eal_vfio_group_put(struct eal_vfio_group *g)
{
	pthread_mutex_lock(&vfio_lock);
	if (g->refcnt > 0 && --g->refcnt == 0) {
		struct eal_vfio_domain *dom = g->domain;

		/*
		 * The last group out of a container takes the IOMMU and all its
		 * mappings with it; unmap explicitly first so that a backend
		 * keeping the domain alive holds nothing stale.
		 */
		if (dom != NULL && dom->nb_groups == 1)
			for (unsigned int i = 0; i < dma_nb; i++)
				entry_map(dom, &dma_tab[i], false);
		backend->group_detach(g->fd);
		backend->group_close(g->fd);
		if (dom != NULL)
			dom->nb_groups--;
		g->domain = NULL;
	}
	pthread_mutex_unlock(&vfio_lock);
}

void
eal_vfio_cleanup(void)
{
	mem_track_stop();
	pthread_mutex_lock(&vfio_lock);
	for (unsigned int i = 0; i < VFIO_MAX_GROUPS; i++) {
		if (groups[i].refcnt == 0)
			continue;
		VDK_LOG(WARNING, VFIO, "IOMMU group %d still open at cleanup: closing it",
			groups[i].num);
		groups[i].refcnt = 1;
		pthread_mutex_unlock(&vfio_lock);
		eal_vfio_group_put(&groups[i]);
		pthread_mutex_lock(&vfio_lock);
	}
	if (backend_open)
		backend->close();
	backend_open = false;
	memset(domains, 0, sizeof(domains));
	free(dma_tab);
	dma_tab = NULL;
	dma_nb = dma_cap = 0;
	pthread_mutex_unlock(&vfio_lock);
}

enum vdk_iova_mode
eal_vfio_iova_mode_hint(void)
{
	char path[PATH_MAX], val[8] = "";
	bool iommu = false;
	struct dirent *e;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "%s/class/iommu", eal_sysfs_root());
	d = opendir(path);
	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			iommu = true;
	if (d != NULL)
		closedir(d);
	if (iommu)
		return VDK_IOVA_VA;
	snprintf(path, sizeof(path), "%s/module/vfio/parameters/enable_unsafe_noiommu_mode",
		 eal_sysfs_root());
	f = fopen(path, "re");
	if (f != NULL) {
		if (fgets(val, sizeof(val), f) == NULL)
			val[0] = '\0';
		fclose(f);
	}
	return val[0] == 'Y' || val[0] == '1' ? VDK_IOVA_PA : VDK_IOVA_VA;
}
