/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * NVMe: a polled userspace driver for NVM Express controllers on PCIe.
 *
 * vdk_eal_init() scans the PCI bus and this driver claims every NVMe
 * controller (class 010802h) the bus offers it: each one bound to vfio-pci,
 * or those given with -a. It brings each controller up (disable, admin
 * queues, enable, Identify, number of queues) and learns its active
 * namespaces. An app then takes a controller by address, one I/O queue
 * pair per lcore, and submits commands that complete by polling:
 *
 * @code
 * struct vdk_nvme_ctrlr *ctrlr = vdk_nvme_ctrlr_get("0000:00:04.0");
 * struct vdk_nvme_ns *ns = vdk_nvme_ctrlr_get_ns(ctrlr, 1);
 * struct vdk_nvme_qpair *qp = vdk_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL);
 * void *buf = vdk_dma_zmalloc(4096, 4096, NULL);
 *
 * vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 8, done, &flag, 0);
 * while (!flag)
 *	vdk_nvme_qpair_process_completions(qp, 0);
 * @endcode
 *
 * Data buffers must be DMA memory: from vdk_dma_zmalloc(), the EAL heap,
 * a mempool, or registered with vdk_dma_register().
 *
 * Threads. A queue pair belongs to one thread at a time: submitting to it
 * and processing its completions take no lock. Different queue pairs may
 * be used from different threads at once. Control functions (admin
 * commands, reset, queue pair allocation) are thread-safe. A reset may run
 * while other threads use their queue pairs: their calls return -EAGAIN
 * while it runs, and the commands that were outstanding complete with
 * "aborted due to SQ deletion" on the next vdk_nvme_qpair_process_completions().
 *
 * Per-controller options come from the -a device arguments:
 *   -a 0000:00:04.0,io_queues=4,timeout_ms=5000,sgl=0
 * io_queues: I/O queues to ask the controller for (default 64);
 * timeout_ms: I/O command timeout, 0 for none (default 30000);
 * admin_timeout_ms: admin command timeout (default 10000);
 * sgl: 0 to use PRPs even where the controller offers SGLs.
 */
#ifndef VDK_NVME_H
#define VDK_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vdk_nvme_spec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** A controller. */
struct vdk_nvme_ctrlr;
/** An active namespace of a controller. */
struct vdk_nvme_ns;
/** An I/O submission queue with its completion queue. */
struct vdk_nvme_qpair;

/**
 * Called when a command completes, on the thread that processes the
 * completions. @p cpl is valid only during the call. Use
 * vdk_nvme_cpl_is_error() and vdk_nvme_cpl_status_str() on it.
 */
typedef void (*vdk_nvme_cmd_cb)(void *cb_arg, const struct vdk_nvme_cpl *cpl);

/* ---- Controllers ---- */

/**
 * The controller at PCI address @p bdf ("0000:00:04.0" or "00:04.0"),
 * already claimed by this driver.
 * @return it, or NULL with errno EINVAL (NULL or bad address) or ENOENT
 *   (no controller there: see vdk_nvme_ctrlr_attach()).
 */
struct vdk_nvme_ctrlr *vdk_nvme_ctrlr_get(const char *bdf);

/**
 * Make sure the controller at @p bdf is claimed: return it if it is,
 * else ask the PCI bus to attach it (as if given with -a).
 * @param[out] ctrlr the controller
 * @return 0; -EINVAL for a bad address or NULL; -EACCES if the device is
 *   bound to a kernel driver other than vfio-pci (the log says to run
 *   `vdk-setup bind BDF`); -ENODEV if no device is there, it is not an
 *   NVMe controller, or bring-up failed (the log says why); -EPERM if the
 *   EAL runs with --no-pci or the device is blocked by -b; other errors of
 *   vdk_pci_dev_attach().
 */
int vdk_nvme_ctrlr_attach(const char *bdf, struct vdk_nvme_ctrlr **ctrlr);

/**
 * Shut the controller down (CC.SHN, NVMe 1.4 §7.6.2) and release it: its
 * queue pairs are deleted and freed, and the PCI device is detached.
 * Every other thread must have stopped using its queue pairs.
 * @return 0, or -EINVAL for NULL. A shutdown that does not complete in
 *   time is logged; the controller is released anyway.
 */
int vdk_nvme_ctrlr_detach(struct vdk_nvme_ctrlr *ctrlr);

/**
 * Iterate the claimed controllers in the order they came up: NULL for the
 * first. @return the next one, or NULL at the end.
 */
struct vdk_nvme_ctrlr *vdk_nvme_ctrlr_next(const struct vdk_nvme_ctrlr *prev);

/** The controller's name: its PCI address. */
const char *vdk_nvme_ctrlr_name(const struct vdk_nvme_ctrlr *ctrlr);

/** The Identify Controller data read at bring-up (or the last reset). */
const struct vdk_nvme_ctrlr_data *vdk_nvme_ctrlr_get_data(const struct vdk_nvme_ctrlr *ctrlr);

/** The CAP register as read at bring-up. */
uint64_t vdk_nvme_ctrlr_get_cap(const struct vdk_nvme_ctrlr *ctrlr);

/** The VS register: compare with VDK_NVME_VERSION(). */
uint32_t vdk_nvme_ctrlr_get_vs(const struct vdk_nvme_ctrlr *ctrlr);

/** Largest queue a queue pair may have, in entries (CAP.MQES + 1). */
uint32_t vdk_nvme_ctrlr_get_max_queue_entries(const struct vdk_nvme_ctrlr *ctrlr);

/** I/O queue pairs the controller granted (Set Features, Number of Queues). */
uint32_t vdk_nvme_ctrlr_get_max_io_qpairs(const struct vdk_nvme_ctrlr *ctrlr);

/** Largest transfer of one command in bytes (MDTS, at most 2 MiB). */
uint32_t vdk_nvme_ctrlr_get_max_xfer_size(const struct vdk_nvme_ctrlr *ctrlr);

/** True if the controller takes SGLs for I/O and the driver will use them. */
bool vdk_nvme_ctrlr_sgl_supported(const struct vdk_nvme_ctrlr *ctrlr);

/**
 * Number of namespaces the controller may have (Identify NN), as it says;
 * the driver scans at most 4096 of them.
 */
uint32_t vdk_nvme_ctrlr_get_num_ns(const struct vdk_nvme_ctrlr *ctrlr);

/**
 * Active namespace @p nsid. @return it, or NULL with errno ENOENT (not
 *   active, or unusable: the log said why at bring-up) or EINVAL.
 */
struct vdk_nvme_ns *vdk_nvme_ctrlr_get_ns(struct vdk_nvme_ctrlr *ctrlr, uint32_t nsid);

/** Lowest active namespace ID, or 0 when none is active. */
uint32_t vdk_nvme_ctrlr_first_active_ns(const struct vdk_nvme_ctrlr *ctrlr);

/** Next active namespace ID above @p nsid, or 0 when there is none. */
uint32_t vdk_nvme_ctrlr_next_active_ns(const struct vdk_nvme_ctrlr *ctrlr, uint32_t nsid);

/**
 * Set the command timeouts: an I/O command outstanding longer than
 * @p io_ms is aborted (Abort command); if it is still outstanding after
 * another @p io_ms the controller is reset. 0 disables I/O timeouts.
 * An admin command longer than @p admin_ms fails with -ETIMEDOUT.
 * @return 0, or -EINVAL for NULL or @p admin_ms 0.
 */
int vdk_nvme_ctrlr_set_timeouts(struct vdk_nvme_ctrlr *ctrlr, uint32_t io_ms,
				uint32_t admin_ms);

/**
 * Reset the controller (NVMe 1.4 §7.3.2: CC.EN to 0, then bring-up again)
 * and bring every allocated queue pair back on the same memory. Commands
 * outstanding on a queue pair complete, on that queue pair's next
 * vdk_nvme_qpair_process_completions(), with status "aborted due to SQ
 * deletion". Waits for calls in progress on other threads' queue pairs
 * to return, so do not call it while holding a queue pair in a call.
 * A failed (fatal) controller comes back if the reset succeeds.
 * @return 0; -EINVAL for NULL; -EIO (controller marked failed: every
 *   later call on it returns -ENXIO) or -ETIMEDOUT when bring-up fails;
 *   -EBUSY when another reset is in progress.
 */
int vdk_nvme_ctrlr_reset(struct vdk_nvme_ctrlr *ctrlr);

/**
 * True when the controller failed: CSTS.CFS (controller fatal status,
 * NVMe 1.4 §3.1.6) was seen, it was removed (registers read all ones), or
 * a reset failed. vdk_nvme_ctrlr_reset() may bring it back.
 */
bool vdk_nvme_ctrlr_is_failed(const struct vdk_nvme_ctrlr *ctrlr);

/**
 * Submit an admin command as given (passthrough, for tools): the driver
 * only sets the command identifier and, for @p buf, the data pointer
 * (PRPs). @p buf must be DMA memory, or NULL with @p len 0.
 * @p cb runs from vdk_nvme_ctrlr_process_admin_completions().
 * @return 0; -EINVAL for a NULL argument or a buffer beyond the maximum
 *   transfer; -EFAULT if @p buf is not DMA memory; -EAGAIN when the admin
 *   queue is full; -ENXIO when the controller has failed.
 */
int vdk_nvme_ctrlr_cmd_admin_raw(struct vdk_nvme_ctrlr *ctrlr, const struct vdk_nvme_cmd *cmd,
				 void *buf, uint32_t len, vdk_nvme_cmd_cb cb, void *cb_arg);

/**
 * Poll the admin completion queue, at most its size less one completions
 * a call. Thread-safe.
 * @return the number of completions processed, or -ENXIO when the
 *   controller has failed, or -EINVAL for NULL.
 */
int vdk_nvme_ctrlr_process_admin_completions(struct vdk_nvme_ctrlr *ctrlr);

/**
 * Run an admin command and wait for it, up to the admin timeout.
 * @param[out] cpl the completion (may be NULL)
 * @return 0 when it completed successfully; -EIO when it completed with an
 *   error status (in @p cpl, and logged at debug level); -ETIMEDOUT; and
 *   the errors of vdk_nvme_ctrlr_cmd_admin_raw().
 */
int vdk_nvme_ctrlr_admin_sync(struct vdk_nvme_ctrlr *ctrlr, const struct vdk_nvme_cmd *cmd,
			      void *buf, uint32_t len, struct vdk_nvme_cpl *cpl);

/* ---- I/O queue pairs ---- */

/** Options of a queue pair. Fill with vdk_nvme_qpair_opts_default(). */
struct vdk_nvme_qpair_opts {
	/** sizeof(struct vdk_nvme_qpair_opts) as the caller knows it. */
	size_t opts_size;
	/**
	 * Entries of each queue; at most one less can be outstanding. Default
	 * 256, at most vdk_nvme_ctrlr_get_max_queue_entries().
	 */
	uint32_t queue_size;
	/**
	 * Raise an interrupt (MSI-X, through an eventfd) for completions, for
	 * vdk_nvme_qpair_wait(). Default off: polling only.
	 */
	bool interrupts;
	/**
	 * Ring the submission doorbell at once for every command, instead of
	 * once per burst (at the next vdk_nvme_qpair_process_completions() or
	 * vdk_nvme_qpair_flush()). Default off.
	 */
	bool doorbell_per_cmd;
};

/** Fill @p opts with the defaults. @p size is sizeof(*opts). */
void vdk_nvme_qpair_opts_default(struct vdk_nvme_qpair_opts *opts, size_t size);

/**
 * Create an I/O queue pair (Create I/O Completion Queue, then Create I/O
 * Submission Queue, NVMe 1.4 §5.3, §5.4). @p opts may be NULL for the
 * defaults. Thread-safe.
 * @return the queue pair, or NULL with errno: EINVAL (NULL controller, a
 *   queue size below 2 or above CAP.MQES + 1: the log gives the limit),
 *   ENOSPC (every I/O queue the controller granted is in use), ENOMEM,
 *   ENOTSUP (interrupts asked where the device has none), ENXIO (the
 *   controller failed), EIO (the controller refused the queue: the log
 *   gives its status).
 */
struct vdk_nvme_qpair *vdk_nvme_ctrlr_alloc_io_qpair(struct vdk_nvme_ctrlr *ctrlr,
						     const struct vdk_nvme_qpair_opts *opts);

/**
 * Delete the queue pair on the controller and free it. Commands still
 * outstanding are completed with "aborted due to SQ deletion" first. Call
 * it from the thread that uses the queue pair, or when none does.
 * @return 0, or -EINVAL for NULL. A controller that fails to delete the
 *   queue (or that has failed) is disabled first, so that it cannot write
 *   into the freed memory, and marked failed (vdk_nvme_ctrlr_reset() brings
 *   it back); the memory is freed either way.
 */
int vdk_nvme_ctrlr_free_io_qpair(struct vdk_nvme_qpair *qpair);

/**
 * Ring the submission doorbell for commands queued since the last ring,
 * and consume up to @p max completions, calling each command's callback.
 * 0, or more than the queue holds, means the queue size less one: what
 * the controller can have posted, so a controller that keeps posting
 * cannot hold the caller. Callbacks may submit new commands. Also checks
 * for timed-out commands and a failed controller now and then.
 * @return the number of completions, 0 or more; -EAGAIN while the
 *   controller resets (call again later); -ENXIO when the controller has
 *   failed (outstanding commands were completed with "command aborted by
 *   host" first); -EINVAL for NULL.
 */
int vdk_nvme_qpair_process_completions(struct vdk_nvme_qpair *qpair, uint32_t max);

/**
 * Ring the submission doorbell for commands queued since the last ring.
 * @return 0; -EAGAIN during a reset; -ENXIO; -EINVAL.
 */
int vdk_nvme_qpair_flush(struct vdk_nvme_qpair *qpair);

/** Commands submitted and not yet completed. */
uint32_t vdk_nvme_qpair_outstanding(const struct vdk_nvme_qpair *qpair);

/** The queue ID (1 and up). */
uint16_t vdk_nvme_qpair_id(const struct vdk_nvme_qpair *qpair);

/**
 * In interrupt mode, ring the doorbell and sleep until the controller
 * signals a completion or @p timeout_ms passes (-1: forever). Then call
 * vdk_nvme_qpair_process_completions().
 * @return 0 when signalled; -ETIMEDOUT when @p timeout_ms passed first;
 *   -ENOTSUP when the queue pair polls; -EINVAL; an errno of poll() or
 *   read().
 */
int vdk_nvme_qpair_wait(struct vdk_nvme_qpair *qpair, int timeout_ms);

/**
 * Submit an I/O command as given (passthrough): the driver sets the
 * command identifier and, for @p buf, the data pointer. Other arguments
 * and returns as vdk_nvme_ns_cmd_read().
 */
int vdk_nvme_qpair_cmd_io_raw(struct vdk_nvme_qpair *qpair, const struct vdk_nvme_cmd *cmd,
			      void *buf, uint32_t len, vdk_nvme_cmd_cb cb, void *cb_arg);

/* ---- Namespaces ---- */

/** The namespace ID. */
uint32_t vdk_nvme_ns_get_id(const struct vdk_nvme_ns *ns);
/** The controller of the namespace. */
struct vdk_nvme_ctrlr *vdk_nvme_ns_get_ctrlr(const struct vdk_nvme_ns *ns);
/** Its Identify Namespace data. */
const struct vdk_nvme_ns_data *vdk_nvme_ns_get_data(const struct vdk_nvme_ns *ns);
/** Size in blocks (NSZE). */
uint64_t vdk_nvme_ns_get_num_sectors(const struct vdk_nvme_ns *ns);
/** Bytes of data in a block (the LBA format in use). */
uint32_t vdk_nvme_ns_get_sector_size(const struct vdk_nvme_ns *ns);
/** Bytes a block takes in a data buffer: data, plus metadata when extended. */
uint32_t vdk_nvme_ns_get_extended_sector_size(const struct vdk_nvme_ns *ns);
/** Metadata bytes per block; 0 when the format has none. */
uint32_t vdk_nvme_ns_get_md_size(const struct vdk_nvme_ns *ns);
/** True if metadata sits at the end of each block in the data buffer. */
bool vdk_nvme_ns_md_extended(const struct vdk_nvme_ns *ns);
/** Size in bytes (blocks times data bytes per block). */
uint64_t vdk_nvme_ns_get_size(const struct vdk_nvme_ns *ns);
/** Most blocks one read or write may move. */
uint32_t vdk_nvme_ns_get_max_io_sectors(const struct vdk_nvme_ns *ns);

/** Write flag: force unit access (the data reaches the media first). */
#define VDK_NVME_IO_FUA  VDK_NVME_IO_FLAG_FUA
/** Read/write flag: limited retry. */
#define VDK_NVME_IO_LR   VDK_NVME_IO_FLAG_LR
/** Write zeroes flag: deallocate the blocks as well. */
#define VDK_NVME_IO_DEAC VDK_NVME_IO_FLAG_DEAC

/**
 * Read @p lba_count blocks from @p lba into @p buf (NVMe 1.4 §6.9).
 * @p buf holds lba_count * vdk_nvme_ns_get_extended_sector_size() bytes of
 * DMA memory. Transfers over two memory pages use a PRP list; none needs
 * alignment beyond 4 bytes. @p io_flags: VDK_NVME_IO_FUA, VDK_NVME_IO_LR.
 * Datapath: no lock, no system call.
 * @return 0 when queued; -EINVAL for a NULL argument, 0 blocks, more than
 *   vdk_nvme_ns_get_max_io_sectors(), a range beyond the namespace, or a
 *   buffer not 4-byte aligned; -EFAULT if @p buf is not DMA memory;
 *   -ENOMEM when every command slot is in use (process completions
 *   first); -EAGAIN during a reset; -ENXIO when the controller failed.
 */
int vdk_nvme_ns_cmd_read(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qpair, void *buf,
			 uint64_t lba, uint32_t lba_count, vdk_nvme_cmd_cb cb, void *cb_arg,
			 uint32_t io_flags);

/** Write (NVMe 1.4 §6.15); as vdk_nvme_ns_cmd_read(). */
int vdk_nvme_ns_cmd_write(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qpair, void *buf,
			  uint64_t lba, uint32_t lba_count, vdk_nvme_cmd_cb cb, void *cb_arg,
			  uint32_t io_flags);

/**
 * Read or write with separate metadata: @p md holds lba_count *
 * vdk_nvme_ns_get_md_size() bytes of DMA memory (MPTR). As
 * vdk_nvme_ns_cmd_read(); -EINVAL also when the format has no separate
 * metadata.
 */
int vdk_nvme_ns_cmd_read_with_md(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qpair,
				 void *buf, void *md, uint64_t lba, uint32_t lba_count,
				 vdk_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags);
/** Write with separate metadata; as vdk_nvme_ns_cmd_read_with_md(). */
int vdk_nvme_ns_cmd_write_with_md(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qpair,
				  void *buf, void *md, uint64_t lba, uint32_t lba_count,
				  vdk_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags);

/**
 * Vectored read: the blocks land in @p iovcnt buffers in order. With SGLs
 * (vdk_nvme_ctrlr_sgl_supported()) any buffers work; with PRPs every
 * buffer but the first must start on a 4 KiB page and every one but the
 * last must end on one. As vdk_nvme_ns_cmd_read(); -EINVAL also when the
 * lengths do not add up to lba_count blocks, for more than 256 buffers, or
 * for buffers PRPs cannot describe.
 */
int vdk_nvme_ns_cmd_readv(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qpair,
			  const struct iovec *iov, int iovcnt, uint64_t lba, uint32_t lba_count,
			  vdk_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags);
/** Vectored write; as vdk_nvme_ns_cmd_readv(). */
int vdk_nvme_ns_cmd_writev(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qpair,
			   const struct iovec *iov, int iovcnt, uint64_t lba, uint32_t lba_count,
			   vdk_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags);

/**
 * Flush the volatile write cache (NVMe 1.4 §6.8). A controller without a
 * volatile write cache completes it at once with success.
 * @return as vdk_nvme_ns_cmd_read().
 */
int vdk_nvme_ns_cmd_flush(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qpair,
			  vdk_nvme_cmd_cb cb, void *cb_arg);

/**
 * Write zeroes to @p lba_count blocks (NVMe 1.4 §6.17), no data buffer.
 * @p io_flags: VDK_NVME_IO_DEAC, VDK_NVME_IO_FUA, VDK_NVME_IO_LR.
 * @return as vdk_nvme_ns_cmd_read(); -ENOTSUP when the controller lacks
 *   the command (ONCS).
 */
int vdk_nvme_ns_cmd_write_zeroes(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qpair,
				 uint64_t lba, uint32_t lba_count, vdk_nvme_cmd_cb cb,
				 void *cb_arg, uint32_t io_flags);

/**
 * Dataset Management (NVMe 1.4 §6.7) over @p nr_ranges ranges (1..256),
 * with @p attributes VDK_NVME_DSM_ATTR_*: VDK_NVME_DSM_ATTR_AD deallocates
 * (trims). The ranges are copied; @p ranges may be ordinary memory.
 * @return as vdk_nvme_ns_cmd_read(); -EINVAL also for a range beyond the
 *   namespace; -ENOTSUP when the controller lacks the command (ONCS).
 */
int vdk_nvme_ns_cmd_dsm(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qpair,
			const struct vdk_nvme_dsm_range *ranges, uint16_t nr_ranges,
			uint32_t attributes, vdk_nvme_cmd_cb cb, void *cb_arg);

/* ---- Status ---- */

/** True if @p cpl reports an error (any status but success). */
static inline bool
vdk_nvme_cpl_is_error(const struct vdk_nvme_cpl *cpl)
{
	return (cpl->status & 0xfffeu) != 0;
}

/** Status code type of @p cpl (VDK_NVME_SCT_*). */
static inline uint8_t
vdk_nvme_cpl_sct(const struct vdk_nvme_cpl *cpl)
{
	return (uint8_t)VDK_NVME_GET(cpl->status, STATUS_SCT);
}

/** Status code of @p cpl (VDK_NVME_SC_*). */
static inline uint8_t
vdk_nvme_cpl_sc(const struct vdk_nvme_cpl *cpl)
{
	return (uint8_t)VDK_NVME_GET(cpl->status, STATUS_SC);
}

/**
 * The status as text, as the specification names it: "SUCCESS",
 * "INVALID FIELD IN COMMAND", "LBA OUT OF RANGE", "UNRECOVERED READ
 * ERROR"... An unknown code gives "RESERVED", "VENDOR SPECIFIC" or
 * "UNKNOWN". The string is static.
 */
const char *vdk_nvme_status_str(uint8_t sct, uint8_t sc);

/** vdk_nvme_status_str() of a completion. */
const char *vdk_nvme_cpl_status_str(const struct vdk_nvme_cpl *cpl);

/** The status code type as text: "GENERIC", "COMMAND SPECIFIC", ... */
const char *vdk_nvme_sct_str(uint8_t sct);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_NVME_H */
