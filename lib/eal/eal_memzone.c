/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memzones: named blocks of the EAL heap. The heap already gives aligned,
 * IOVA-contiguous memory on a chosen node; a zone adds a unique name and
 * a descriptor that stays at one address until the zone is freed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "eal_memory_internal.h"
#include "vdk_log.h"
#include "vdk_malloc.h"
#include "vdk_memzone.h"

static struct {
	pthread_mutex_t lock;
	struct vdk_memzone **zones;
	unsigned int nb;
	unsigned int cap;
} mz = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Index of the zone named @name, or -1; called locked. */
static int
find_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < mz.nb; i++)
		if (strcmp(mz.zones[i]->name, name) == 0)
			return (int)i;
	return -1;
}

static int
check_args(const char *name, size_t len, int socket_id, unsigned int flags, size_t align)
{
	if (name == NULL || name[0] == '\0') {
		VDK_LOG(ERR, MEMORY, "memzone: a zone needs a name");
		return EINVAL;
	}
	if (strnlen(name, VDK_MEMZONE_NAMESIZE) == VDK_MEMZONE_NAMESIZE) {
		VDK_LOG(ERR, MEMORY, "memzone %.*s...: name longer than %d characters",
			VDK_MEMZONE_NAMESIZE - 1, name, VDK_MEMZONE_NAMESIZE - 1);
		return ENAMETOOLONG;
	}
	if (len == 0) {
		VDK_LOG(ERR, MEMORY, "memzone %s: length 0", name);
		return EINVAL;
	}
	if (align != 0 && !VDK_IS_POWER_OF_2(align)) {
		VDK_LOG(ERR, MEMORY, "memzone %s: alignment %zu is not a power of two", name, align);
		return EINVAL;
	}
	if (flags != 0) {
		VDK_LOG(ERR, MEMORY, "memzone %s: unknown flags 0x%x", name, flags);
		return EINVAL;
	}
	if (socket_id != VDK_SOCKET_ID_ANY && !eal_numa_node_valid(socket_id)) {
		VDK_LOG(ERR, MEMORY, "memzone %s: NUMA node %d has no memory or does not exist",
			name, socket_id);
		return EINVAL;
	}
	return 0;
}

static int
table_add(struct vdk_memzone *z)
{
	if (mz.nb == mz.cap) {
		unsigned int cap = mz.cap ? mz.cap * 2 : 32;
		struct vdk_memzone **zones = realloc(mz.zones, cap * sizeof(*zones));

		if (zones == NULL)
			return -ENOMEM;
		mz.zones = zones;
		mz.cap = cap;
	}
	mz.zones[mz.nb++] = z;
	return 0;
}

const struct vdk_memzone *
vdk_memzone_reserve_aligned(const char *name, size_t len, int socket_id,
			    unsigned int flags, size_t align)
{
	const struct vdk_memseg *ms;
	struct vdk_memzone *z;
	int err;

	err = check_args(name, len, socket_id, flags, align);
	if (err != 0) {
		errno = err;
		return NULL;
	}
	z = calloc(1, sizeof(*z));
	if (z == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&mz.lock);
	if (find_by_name(name) >= 0) {
		VDK_LOG(ERR, MEMORY, "memzone %s: name taken; vdk_memzone_lookup() finds the "
			"existing zone", name);
		err = EEXIST;
		goto fail;
	}
	z->addr = eal_malloc_alloc(len, align, socket_id);
	if (z->addr == NULL) {
		err = errno;
		VDK_LOG(ERR, MEMORY, "memzone %s: no memory for %zu bytes on node %d", name,
			len, socket_id);
		goto fail;
	}
	ms = vdk_mem_virt2memseg(z->addr);
	snprintf(z->name, sizeof(z->name), "%s", name);
	z->len = len;
	z->iova = vdk_memseg_addr2iova(ms, z->addr);
	z->page_sz = ms->page_sz;
	z->socket_id = ms->socket_id;
	if (table_add(z) < 0) {
		vdk_free(z->addr);
		err = ENOMEM;
		goto fail;
	}
	pthread_mutex_unlock(&mz.lock);
	return z;
fail:
	pthread_mutex_unlock(&mz.lock);
	free(z);
	errno = err;
	return NULL;
}

const struct vdk_memzone *
vdk_memzone_reserve(const char *name, size_t len, int socket_id, unsigned int flags)
{
	return vdk_memzone_reserve_aligned(name, len, socket_id, flags, 0);
}

const struct vdk_memzone *
vdk_memzone_lookup(const char *name)
{
	const struct vdk_memzone *z = NULL;
	int i;

	if (name == NULL) {
		errno = ENOENT;
		return NULL;
	}
	pthread_mutex_lock(&mz.lock);
	i = find_by_name(name);
	if (i >= 0)
		z = mz.zones[i];
	pthread_mutex_unlock(&mz.lock);
	if (z == NULL)
		errno = ENOENT;
	return z;
}

int
vdk_memzone_free(const struct vdk_memzone *zone)
{
	struct vdk_memzone *z = NULL;
	unsigned int i;

	if (zone == NULL)
		return -EINVAL;
	pthread_mutex_lock(&mz.lock);
	for (i = 0; i < mz.nb; i++) {
		if (mz.zones[i] == zone) {
			z = mz.zones[i];
			mz.zones[i] = mz.zones[--mz.nb];
			break;
		}
	}
	pthread_mutex_unlock(&mz.lock);
	if (z == NULL) {
		VDK_LOG(ERR, MEMORY, "memzone at %p: not a reserved zone (freed already?)",
			(const void *)zone);
		return -EINVAL;
	}
	vdk_free(z->addr);
	free(z);
	return 0;
}

void
vdk_memzone_walk(void (*fn)(const struct vdk_memzone *, void *), void *arg)
{
	unsigned int i;

	if (fn == NULL)
		return;
	pthread_mutex_lock(&mz.lock);
	for (i = 0; i < mz.nb; i++)
		fn(mz.zones[i], arg);
	pthread_mutex_unlock(&mz.lock);
}

int
eal_memzone_init(void)
{
	return 0;
}

void
eal_memzone_cleanup(void)
{
	unsigned int i;

	/*
	 * Only the descriptors: the heap's cleanup takes back all its memory,
	 * zones included, whichever of the two runs first.
	 */
	pthread_mutex_lock(&mz.lock);
	for (i = 0; i < mz.nb; i++)
		free(mz.zones[i]);
	free(mz.zones);
	mz.zones = NULL;
	mz.nb = mz.cap = 0;
	pthread_mutex_unlock(&mz.lock);
}
