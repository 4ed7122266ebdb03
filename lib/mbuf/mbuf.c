/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet mbuf pools, bulk free, checks and reads across segments. The
 * per-packet operations are inline in vdk_mbuf.h.
 */
#include <errno.h>
#include <string.h>

#include "vdk_log.h"
#include "vdk_mbuf.h"
#include "vdk_mempool.h"

/* Segments collected before a put_bulk to their pool. */
#define FREE_BULK_BATCH 64

static void
pktmbuf_pool_init(struct vdk_mempool *mp, void *arg)
{
	*(struct vdk_pktmbuf_pool_private *)vdk_mempool_get_priv(mp) =
		*(const struct vdk_pktmbuf_pool_private *)arg;
}

/* Put each mbuf in the free state the datapath expects: refcnt 1, one segment. */
static void
pktmbuf_init(struct vdk_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	const struct vdk_pktmbuf_pool_private *priv = arg;
	struct vdk_mbuf *m = obj;
	size_t buf_off = sizeof(*m) + priv->mbuf_priv_size;

	(void)idx;
	memset(m, 0, buf_off);
	m->buf_addr = (char *)m + buf_off;
	m->buf_iova = vdk_mempool_virt2iova(m) == VDK_BAD_IOVA
			      ? VDK_BAD_IOVA : vdk_mempool_virt2iova(m) + buf_off;
	m->buf_len = priv->mbuf_data_room_size;
	m->priv_size = priv->mbuf_priv_size;
	m->pool = mp;
	m->refcnt = 1;
	m->nb_segs = 1;
	m->port = VDK_MBUF_PORT_INVALID;
	vdk_pktmbuf_reset_headroom(m);
}

struct vdk_mempool *
vdk_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size,
			uint16_t priv_size, uint16_t data_room_size, int socket_id)
{
	struct vdk_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = data_room_size,
		.mbuf_priv_size = priv_size,
	};

	if (priv_size % 8 != 0) {
		VDK_LOG(ERR, MBUF, "mbuf pool %s: private size %u is not a multiple of 8",
			name != NULL ? name : "(null)", priv_size);
		errno = EINVAL;
		return NULL;
	}
	if (data_room_size == 0) {
		VDK_LOG(ERR, MBUF, "mbuf pool %s: data room size 0; "
			"VDK_MBUF_DEFAULT_BUF_SIZE suits standard frames",
			name != NULL ? name : "(null)");
		errno = EINVAL;
		return NULL;
	}
	return vdk_mempool_create(name, n, sizeof(struct vdk_mbuf) + priv_size + data_room_size,
				  cache_size, sizeof(priv), pktmbuf_pool_init, &priv,
				  pktmbuf_init, &priv, socket_id, 0);
}

void
vdk_pktmbuf_free_bulk(struct vdk_mbuf **mbufs, unsigned int n)
{
	void *pending[FREE_BULK_BATCH];
	struct vdk_mempool *pool = NULL;
	unsigned int i, nb = 0;

	for (i = 0; i < n; i++) {
		struct vdk_mbuf *m = mbufs[i], *next;

		for (; m != NULL; m = next) {
			next = m->next;
			m = vdk_pktmbuf_prefree_seg(m);
			if (m == NULL)
				continue;
			if (nb == FREE_BULK_BATCH || (nb > 0 && m->pool != pool)) {
				vdk_mempool_put_bulk(pool, pending, nb);
				nb = 0;
			}
			pool = m->pool;
			pending[nb++] = m;
		}
	}
	if (nb > 0)
		vdk_mempool_put_bulk(pool, pending, nb);
}

static int
check_fail(const char **reason, const char *why)
{
	if (reason != NULL)
		*reason = why;
	return -EINVAL;
}

int
vdk_mbuf_check(const struct vdk_mbuf *m, int is_header, const char **reason)
{
	const struct vdk_mbuf *seg;
	unsigned int nb_segs;
	uint64_t pkt_len;

	if (m == NULL)
		return check_fail(reason, "mbuf is NULL");
	if (m->pool == NULL)
		return check_fail(reason, "no pool");
	if (m->buf_addr == NULL)
		return check_fail(reason, "no buffer");
	if (vdk_mbuf_refcnt_read(m) == 0)
		return check_fail(reason, "refcnt is 0");
	if ((uint32_t)m->data_off + m->data_len > m->buf_len)
		return check_fail(reason, "data past the end of the buffer");
	if (!is_header)
		return 0;

	nb_segs = 0;
	pkt_len = 0;
	for (seg = m; seg != NULL; seg = seg->next) {
		/* Also stops a chain that loops back on itself. */
		if (++nb_segs > m->nb_segs)
			return check_fail(reason, "more segments than nb_segs");
		if ((uint32_t)seg->data_off + seg->data_len > seg->buf_len)
			return check_fail(reason, "a segment's data passes its buffer");
		pkt_len += seg->data_len;
	}
	if (nb_segs != m->nb_segs)
		return check_fail(reason, "fewer segments than nb_segs");
	if (pkt_len != m->pkt_len)
		return check_fail(reason, "pkt_len is not the sum of the segments' data_len");
	return 0;
}

const void *
vdk_pktmbuf_read(const struct vdk_mbuf *m, uint32_t off, uint32_t len, void *buf)
{
	const struct vdk_mbuf *seg = m;
	char *dst = buf;
	uint32_t chunk;

	if ((uint64_t)off + len > m->pkt_len)
		return NULL;
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	if (seg == NULL)
		return NULL;
	if (off + len <= seg->data_len)
		return vdk_pktmbuf_mtod_offset(seg, const char *, off);
	while (len > 0 && seg != NULL) {
		chunk = VDK_MIN(len, (uint32_t)seg->data_len - off);
		memcpy(dst, vdk_pktmbuf_mtod_offset(seg, const char *, off), chunk);
		dst += chunk;
		len -= chunk;
		off = 0;
		seg = seg->next;
	}
	return len == 0 ? buf : NULL;
}

int
vdk_pktmbuf_append_copy(struct vdk_mbuf *m, struct vdk_mempool *mp, const void *src,
			uint32_t len)
{
	struct vdk_mbuf *last = vdk_pktmbuf_lastseg(m), *s;
	const char *from = src;
	uint32_t k;

	while (len > 0) {
		if (vdk_pktmbuf_tailroom(last) == 0) {
			if (vdk_unlikely(m->nb_segs >= VDK_MBUF_MAX_NB_SEGS))
				return -EOVERFLOW;
			s = vdk_pktmbuf_alloc(mp);
			if (vdk_unlikely(s == NULL))
				return -ENOBUFS;
			last->next = s;
			last = s;
			m->nb_segs++;
		}
		k = VDK_MIN(len, (uint32_t)vdk_pktmbuf_tailroom(last));
		memcpy(vdk_pktmbuf_mtod_offset(last, char *, last->data_len), from, k);
		last->data_len = (uint16_t)(last->data_len + k);
		m->pkt_len += k;
		from += k;
		len -= k;
	}
	return 0;
}
