/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The environment abstraction layer: start-up, options, shutdown.
 *
 * An app calls vdk_eal_init() first with its own argv. The EAL parses the
 * options it knows (DPDK's names and meanings), up to a "--" or the first
 * argument it does not know, starts one pinned thread per worker lcore,
 * sets up memory and, unless --no-pci, the PCI bus.
 *
 * @code
 * int ret = vdk_eal_init(argc, argv);
 * if (ret < 0)
 *	return 1;
 * argc -= ret;
 * argv += ret;	// argv[0] is still the program name
 * @endcode
 */
#ifndef VDK_EAL_H
#define VDK_EAL_H

#include <stdint.h>

#include "vdk_common.h"
#include "vdk_cycles.h"
#include "vdk_lcore.h"
#include "vdk_log.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** What device addresses (IOVAs) are. */
enum vdk_iova_mode {
	VDK_IOVA_DC = 0, /**< don't care: let the EAL choose */
	VDK_IOVA_PA,     /**< physical addresses (no IOMMU) */
	VDK_IOVA_VA,     /**< virtual addresses (IOMMU, the default) */
};

/**
 * Initialise the EAL from the command line.
 *
 * Options: -l/--lcores LIST, --main-lcore ID, -a/--allow BDF[,k=v...],
 * -b/--block BDF, --vdev NAME[,k=v...], --no-huge, -m MB, --socket-mem
 * MB[,MB...], --huge-dir DIR, --file-prefix NAME, --iova-mode pa|va,
 * --no-pci, --log-level [TYPE:]LEVEL, -v, -h/--help.
 *
 * @return the number of arguments consumed (argv[0] is moved to
 *   argv[ret], so after argv += ret it is the program name again);
 *   -EINVAL for a bad option (the message says which and why); -EALREADY
 *   if already initialised; -ENOMEM, -ENOENT, -EACCES and others from
 *   memory set-up, each with a log line that says what to do. After a
 *   failure nothing is left behind and vdk_eal_init() may be called again.
 *   After -h it prints the usage and returns -ECANCELED.
 *
 * The calling thread becomes the main lcore and is pinned to its CPU
 * until vdk_eal_cleanup(). getopt's state is reset (optind = 0) before and
 * after, so the app's own getopt() starts afresh on argv + ret. Not
 * thread-safe: call it once, from one thread.
 */
int vdk_eal_init(int argc, char **argv);

/**
 * Undo vdk_eal_init(): stop worker threads (waiting for launched functions
 * to return), release devices, memory and files, give the main thread back
 * its CPU mask and return log levels to their defaults. Call it from the
 * thread that called vdk_eal_init(). vdk_eal_init() works again afterwards.
 * @return 0, or -EINVAL if the EAL is not initialised.
 */
int vdk_eal_cleanup(void);

/** IOVA mode in force after vdk_eal_init(). */
enum vdk_iova_mode vdk_eal_iova_mode(void);

/** True unless --no-huge was given. */
int vdk_eal_has_hugepages(void);

/** True unless --no-pci was given. */
int vdk_eal_has_pci(void);

/** The --file-prefix in force ("vdk" by default). */
const char *vdk_eal_file_prefix(void);

/** VDK's version string, "VDK 0.2.0". */
const char *vdk_version(void);

/** Kind of device named on the command line. */
enum vdk_devtype {
	VDK_DEVTYPE_ALLOWED = 0, /**< -a: a PCI device to use */
	VDK_DEVTYPE_BLOCKED,     /**< -b: a PCI device to leave alone */
	VDK_DEVTYPE_VDEV,        /**< --vdev: a virtual device */
};

/** One device named on the command line with its arguments. */
struct vdk_devargs {
	enum vdk_devtype type; /**< the option that named it: -a, -b or --vdev */
	/** PCI address in full form ("0000:00:04.0") or vdev name ("net_null0"). */
	char name[64];
	/** What followed the first comma ("iface=veth0,qpairs=2"), or "". */
	const char *args;
};

/**
 * Iterate the devices named on the command line in the order given:
 * pass NULL for the first. @return the next one, or NULL at the end.
 */
const struct vdk_devargs *vdk_devargs_next(const struct vdk_devargs *prev);

/**
 * Value of key @p key in a "k1=v1,k2=v2" argument string, copied to @p val.
 * A key given without '=' ("k1,flag") has the value "".
 * @return 0; -ENOENT if the key is absent; -ENOSPC if @p len is too small;
 *   -EINVAL for a NULL argument or an empty key.
 */
int vdk_devargs_get(const char *args, const char *key, char *val, size_t len);

/**
 * Value of key @p key in a "k1=v1,k2=v2" argument string as a number in
 * @p min .. @p max, decimal or hexadecimal with "0x" (a leading 0 does not
 * make it octal: "010" is ten). Nothing but digits: no sign, no spaces,
 * no suffix. A bad value is logged (the key, the value and the range), so
 * a driver's probe can just return the error.
 * @return 0 with the value in @p out, or 0 with @p out untouched if the
 *   key is absent (set the default first); -EINVAL if the value is empty,
 *   not a number or has trailing characters; -ERANGE if it is outside
 *   @p min .. @p max (or beyond 32 bits); -EINVAL for a NULL argument,
 *   an empty key or @p min > @p max.
 */
int vdk_devargs_get_uint(const char *args, const char *key, uint32_t min, uint32_t max,
			 uint32_t *out);

/**
 * vdk_devargs_get_uint() for a 64-bit number (a feature mask, an offset):
 * the same spellings, the same messages, the range @p min .. @p max.
 * @return as vdk_devargs_get_uint(): 0 (@p out untouched if the key is
 *   absent); -EINVAL if the value is not a number; -ERANGE if it is
 *   outside the range or beyond 64 bits; -EINVAL for a NULL argument, an
 *   empty key or @p min > @p max.
 */
int vdk_devargs_get_u64(const char *args, const char *key, uint64_t min, uint64_t max,
			uint64_t *out);

/**
 * Check that the "k1=v1,k2=v2" argument string @p args of device
 * @p devname uses only the keys in @p known (NULL terminated): a key a
 * driver does not know is a typo the user must hear of, not a setting
 * silently dropped. Logs the first unknown "key=value" with @p help (what
 * the driver takes, "io_queues=N,sgl=0|1", or NULL).
 * @return 0 (also for NULL @p args); -EINVAL for an unknown or empty key.
 */
int vdk_devargs_check_keys(const char *devname, const char *args, const char *const known[],
			   const char *help);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_EAL_H */
