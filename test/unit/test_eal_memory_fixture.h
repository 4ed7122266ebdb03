/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the EAL memory test programs share: the configuration they start
 * memory with, log capture, /proc/self readers, the check of a PA-mode
 * segment and the reset a teardown does. Included by test_eal_memory.c,
 * test_eal_memory_window.c and the hugepage programs (through
 * test_eal_hugepage_fake.h); a program that must keep its files apart from
 * the others' defines PREFIX before including.
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

#ifndef PREFIX
#define PREFIX "vdkmemtest"
#endif
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

static __attribute__((unused)) struct eal_config cfg;
static __attribute__((unused)) FILE *log_file;

/* ---- helpers ---- */

static __attribute__((unused)) void
cfg_reset(bool no_huge, size_t mem_mb)
{
	eal_config_defaults(&cfg);
	cfg.no_huge = no_huge;
	cfg.mem_mb = mem_mb;
	cfg.iova_mode = VDK_IOVA_VA;
	snprintf(cfg.file_prefix, sizeof(cfg.file_prefix), "%s", PREFIX);
}

static __attribute__((unused)) void
log_capture(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = tmpfile();
	vdk_log_set_stream(log_file);
}

static __attribute__((unused)) bool
log_contains(const char *needle)
{
	char buf[8192];
	size_t n;

	fflush(log_file);
	rewind(log_file);
	n = fread(buf, 1, sizeof(buf) - 1, log_file);
	buf[n] = '\0';
	fseek(log_file, 0, SEEK_END);
	return strstr(buf, needle) != NULL;
}

/* A "Field:  N kB" line of /proc/self/status, in kB; -1 if absent. */
static __attribute__((unused)) long
status_kb(const char *field)
{
	char line[256];
	long kb = -1;
	size_t len = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/*
 * Permissions of the mapping of this process that contains @addr ("rw-p",
 * "---p"), or "" if none does.
 */
static __attribute__((unused)) const char *
maps_perms(const void *addr)
{
	static char perms[8];
	unsigned long lo, hi, a = (unsigned long)addr;
	char line[512], p[8];
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	perms[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, p) == 3 && a >= lo && a < hi) {
			snprintf(perms, sizeof(perms), "%s", p);
			break;
		}
	}
	fclose(f);
	return perms;
}

/* True if some mapping of this process contains @addr. */
static __attribute__((unused)) bool
is_mapped(const void *addr)
{
	return maps_perms(addr)[0] != '\0';
}

/* True if @addr is in the EAL's window but nothing is mapped there. */
static __attribute__((unused)) bool
is_reserved_only(const void *addr)
{
	return strcmp(maps_perms(addr), "---p") == 0;
}

static __attribute__((unused)) int
count_segs_cb(const struct vdk_memseg *ms, void *arg)
{
	(void)ms;
	(*(int *)arg)++;
	return 0;
}

static __attribute__((unused)) int
nb_segs(void)
{
	int n = 0;

	assert_int_equal(vdk_memseg_walk(count_segs_cb, &n), 0);
	return n;
}

/* Undo what any case may have left: EAL memory and the callbacks it registers. */
static __attribute__((unused)) void
memory_reset(void)
{
	static const char *const cb_names[] = { "a", "b", "x" };
	unsigned int i;

	eal_memory_cleanup();
	for (i = 0; i < VDK_DIM(cb_names); i++)
		vdk_mem_event_callback_unregister(cb_names[i]);
}

static __attribute__((unused)) int
teardown(void **state)
{
	(void)state;
	memory_reset();
	return 0;
}

/*
 * Check a PA-mode segment: each page's IOVA is the physical address of its
 * VA, and the segment has one IOVA only if its pages are contiguous.
 */
static __attribute__((unused)) void
check_pa_segment(const struct vdk_memseg *ms)
{
	size_t i, n = ms->len / ms->page_sz;
	bool contiguous = true;

	for (i = 0; i < n; i++) {
		char *va = (char *)ms->addr + i * ms->page_sz;

		assert_int_equal(ms->page_iova[i], vdk_mem_virt2phy(va));
		assert_int_equal(vdk_memseg_addr2iova(ms, va + 123), ms->page_iova[i] + 123);
		if (i > 0 && ms->page_iova[i] != ms->page_iova[i - 1] + ms->page_sz)
			contiguous = false;
	}
	assert_int_equal(ms->iova, contiguous ? ms->page_iova[0] : VDK_BAD_IOVA);
}

/*
 * Start EAL memory on --no-huge in IOVA mode PA; the case is skipped
 * without root, which alone may read physical addresses.
 */
static __attribute__((unused)) void
nohuge_pa_memory_init(void)
{
	if (geteuid() != 0)
		skip();
	cfg_reset(true, 0);
	cfg.iova_mode = VDK_IOVA_PA;
	assert_int_equal(eal_memory_init(&cfg), 0);
}

/* vdk_eal_init() with "test" as argv[0] and the NULL-terminated options. */
static __attribute__((unused)) int
eal_init_with(const char *opt, ...)
{
	char *argv[16] = { (char *)"test" };
	int argc = 1;
	va_list ap;

	va_start(ap, opt);
	for (; opt != NULL && argc < 15; opt = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)opt;
	va_end(ap);
	return vdk_eal_init(argc, argv);
}

/* Drop one capability from the effective set of this process. */
static __attribute__((unused)) int
drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) != 0)
		return -1;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Run @fn in a child process; its return value is the exit status. */
static __attribute__((unused)) int
in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}


#endif /* TEST_EAL_MEMORY_FIXTURE_H */
