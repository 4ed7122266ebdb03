/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the EAL memory test programs share: the configuration they start
 * memory with, log capture, /proc/self readers, the check of a PA-mode
 * segment and the reset a teardown does. Used by test_eal_memory.c,
 * test_eal_memory_window.c and the hugepage programs (through
 * test_eal_hugepage_fake.h); a program that must
 * keep its files apart from the others' sets memory_fixture_prefix (the
 * file prefix cfg_reset() gives) before its tests run. A compiled fixture
 * (test_eal_memory_fixture.c), in the test fixture library every unit
 * test links; the log is captured by test_common.h's log_capture().
 */
#ifndef TEST_EAL_MEMORY_FIXTURE_H
#define TEST_EAL_MEMORY_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "eal_internal.h"
#include "eal_memory_internal.h"
#include "vdk_dma.h"
#include "vdk_eal.h"
#include "vdk_log.h"
#include "vdk_malloc.h"
#include "vdk_memory.h"
#include "vdk_memzone.h"

#include "test_common.h"

#define MIB (1ul << 20)
#define GRANULE (2 * MIB)

/* ASan reserves terabytes of shadow: RLIMIT_AS cannot be used under it. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* The configuration cfg_reset() makes, for eal_memory_init(). */
extern struct eal_config cfg;
/* The --file-prefix cfg_reset() gives ("vdkmemtest" unless the program sets another). */
extern const char *memory_fixture_prefix;

/* cfg for @no_huge and @mem_mb MiB (0: grow on demand), IOVA as VA. */
void cfg_reset(bool no_huge, size_t mem_mb);
/* A "Field:  N kB" line of /proc/self/status, in kB; -1 if absent. */
long status_kb(const char *field);
/*
 * Permissions of the mapping of this process that contains @addr ("rw-p",
 * "---p"), or "" if none does.
 */
const char *maps_perms(const void *addr);
/* True if some mapping of this process contains @addr. */
bool is_mapped(const void *addr);
/* True if @addr is in the EAL's window but nothing is mapped there. */
bool is_reserved_only(const void *addr);
/* How many EAL memory segments there are. */
int nb_segs(void);
/* Undo what any case may have left: EAL memory and the callbacks it registers. */
void memory_reset(void);
/* A cmocka teardown: memory_reset(). */
int teardown(void **state);
/*
 * Check a PA-mode segment: each page's IOVA is the physical address of its
 * VA, and the segment has one IOVA only if its pages are contiguous.
 */
void check_pa_segment(const struct vdk_memseg *ms);
/*
 * Start EAL memory on --no-huge in IOVA mode PA; the case is skipped
 * without root, which alone may read physical addresses.
 */
void nohuge_pa_memory_init(void);
/* vdk_eal_init() with "test" as argv[0] and the NULL-terminated options. */
int eal_init_with(const char *opt, ...);
/* Drop one capability from the effective set of this process. */
int drop_cap(int cap);
/* Run @fn in a child process; its return value is the exit status. */
int in_child(int (*fn)(void));

#endif /* TEST_EAL_MEMORY_FIXTURE_H */
