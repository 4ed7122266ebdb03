/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL memory segments (eal_memory.c): the segment table over --no-huge
 * memory, up-front reservation, callbacks, the walk, physical addresses in
 * PA mode, and vdk_eal_init() end to end; each case checks that what it
 * undoes leaves no mapping or locked memory behind. The hugepage backing
 * has its own program, test_eal_hugepage.c.
 */
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

#define PREFIX "vdkmemtest"
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

static struct eal_config cfg;
static FILE *log_file;

/* ---- helpers ---- */

static void
cfg_reset(bool no_huge, size_t mem_mb)
{
	eal_config_defaults(&cfg);
	cfg.no_huge = no_huge;
	cfg.mem_mb = mem_mb;
	cfg.iova_mode = VDK_IOVA_VA;
	snprintf(cfg.file_prefix, sizeof(cfg.file_prefix), "%s", PREFIX);
}

static void
log_capture(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = tmpfile();
	vdk_log_set_stream(log_file);
}

static bool
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
static long
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
static const char *
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
static bool
is_mapped(const void *addr)
{
	return maps_perms(addr)[0] != '\0';
}

/* True if @addr is in the EAL's window but nothing is mapped there. */
static bool
is_reserved_only(const void *addr)
{
	return strcmp(maps_perms(addr), "---p") == 0;
}

static int
count_segs_cb(const struct vdk_memseg *ms, void *arg)
{
	(void)ms;
	(*(int *)arg)++;
	return 0;
}

static int
nb_segs(void)
{
	int n = 0;

	assert_int_equal(vdk_memseg_walk(count_segs_cb, &n), 0);
	return n;
}

static int
teardown(void **state)
{
	static const char *const cb_names[] = { "a", "b", "x" };
	unsigned int i;

	(void)state;
	eal_memory_cleanup();
	for (i = 0; i < VDK_DIM(cb_names); i++)
		vdk_mem_event_callback_unregister(cb_names[i]);
	return 0;
}

/* Drop one capability from the effective set of this process. */
static int
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
static int
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

/* ---- the segment table, over --no-huge memory ---- */

static void
test_memory_nohuge_starts_with_no_segments(void **state)
{
	size_t total = 1, in_use = 1;

	(void)state;
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_int_equal(eal_memory_page_sz(), (uint64_t)sysconf(_SC_PAGESIZE));
	vdk_memory_usage(&total, &in_use);
	assert_int_equal(total, 0);
	assert_int_equal(in_use, 0);
	assert_int_equal(nb_segs(), 0);
	eal_memory_cleanup();
}

static void
test_memory_init_twice_is_ealready(void **state)
{
	(void)state;
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_int_equal(eal_memory_init(&cfg), -EALREADY);
	eal_memory_cleanup();
	assert_int_equal(eal_memory_init(NULL), -EINVAL);
}

static void
test_memseg_nohuge_is_locked_rounded_and_iova_is_va(void **state)
{
	const struct vdk_memseg *ms;
	long lck0 = status_kb("VmLck");
	size_t i, total;
	char *p;

	(void)state;
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	ms = eal_memseg_alloc(100000, 0);
	assert_non_null(ms);
	p = ms->addr;
	assert_int_equal(ms->page_sz, 4096);
	assert_int_equal(ms->len, 102400);
	assert_int_equal((uintptr_t)p % 4096, 0);
	assert_int_equal(ms->socket_id, 0);
	assert_int_equal(ms->iova, (uint64_t)(uintptr_t)p);
	for (i = 0; i < ms->len / ms->page_sz; i++)
		assert_int_equal(ms->page_iova[i], (uint64_t)(uintptr_t)(p + i * 4096));
	assert_int_equal(vdk_memseg_addr2iova(ms, p + 5000), (uint64_t)(uintptr_t)(p + 5000));
	assert_int_equal(status_kb("VmLck") - lck0, 100);
	assert_false(eal_memseg_pinned(ms));
	memset(p, 0xa5, ms->len);

	assert_ptr_equal(vdk_mem_virt2memseg(p), ms);
	assert_ptr_equal(vdk_mem_virt2memseg(p + ms->len - 1), ms);
	assert_null(vdk_mem_virt2memseg(p + ms->len));
	assert_null(vdk_mem_virt2memseg(&total));
	vdk_memory_usage(&total, NULL);
	assert_int_equal(total, ms->len);

	eal_memseg_free(ms);
	/* The range goes back to the window: reserved, not accessible. */
	assert_true(is_reserved_only(p));
	assert_int_equal(status_kb("VmLck"), lck0);
	assert_null(vdk_mem_virt2memseg(p));
	assert_int_equal(nb_segs(), 0);
	eal_memory_cleanup();
	assert_false(is_mapped(p));
}

static int
first_seg_cb(const struct vdk_memseg *ms, void *arg)
{
	*(const struct vdk_memseg **)arg = ms;
	return 7;
}

static void
test_memory_m_reserves_pinned_memory_up_front(void **state)
{
	const struct vdk_memseg *ms = NULL;
	long lck0 = status_kb("VmLck");
	size_t total;
	void *addr;

	(void)state;
	cfg_reset(true, 8);
	assert_int_equal(eal_memory_init(&cfg), 0);
	vdk_memory_usage(&total, NULL);
	assert_int_equal(total, 8u << 20);
	assert_int_equal(nb_segs(), 1);
	assert_int_equal(status_kb("VmLck") - lck0, 8 * 1024);
	/* The walk stops at the first non-zero return and hands it back. */
	assert_int_equal(vdk_memseg_walk(first_seg_cb, &ms), 7);
	assert_non_null(ms);
	assert_true(eal_memseg_pinned(ms));
	addr = ms->addr;
	eal_memory_cleanup();
	assert_int_equal(status_kb("VmLck"), lck0);
	assert_false(is_mapped(addr));
}

static void
test_memory_socket_mem_reserves_per_node(void **state)
{
	const struct vdk_memseg *ms = NULL;
	size_t total;

	(void)state;
	cfg_reset(true, 0);
	cfg.socket_mem_set = true;
	cfg.socket_mem_mb[0] = 4;
	assert_int_equal(eal_memory_init(&cfg), 0);
	vdk_memory_usage(&total, NULL);
	assert_int_equal(total, 4u << 20);
	vdk_memseg_walk(first_seg_cb, &ms);
	assert_int_equal(ms->socket_id, 0);
	eal_memory_cleanup();
}

static void
test_memory_socket_mem_on_missing_node_fails_cleanly(void **state)
{
	long lck0 = status_kb("VmLck");

	(void)state;
	if (eal_numa_node_valid(EAL_MAX_NUMA_NODES - 1))
		skip();
	log_capture();
	cfg_reset(true, 0);
	cfg.socket_mem_set = true;
	cfg.socket_mem_mb[0] = 2;
	cfg.socket_mem_mb[EAL_MAX_NUMA_NODES - 1] = 2;
	assert_int_equal(eal_memory_init(&cfg), -EINVAL);
	assert_true(log_contains("has no memory or does not exist"));
	assert_int_equal(status_kb("VmLck"), lck0);
	/* Nothing was kept: a fresh init works. */
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	eal_memory_cleanup();
}

static void
test_memseg_alloc_rejects_bad_node_and_zero_length(void **state)
{
	(void)state;
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	errno = 0;
	assert_null(eal_memseg_alloc(4096, EAL_MAX_NUMA_NODES));
	assert_int_equal(errno, EINVAL);
	assert_null(eal_memseg_alloc(4096, -2));
	assert_int_equal(errno, EINVAL);
	assert_null(eal_memseg_alloc(0, 0));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(nb_segs(), 0);
	/* VDK_SOCKET_ID_ANY picks a node that exists. */
	{
		const struct vdk_memseg *ms = eal_memseg_alloc(1, VDK_SOCKET_ID_ANY);

		assert_non_null(ms);
		assert_true(eal_numa_node_valid(ms->socket_id));
		assert_int_equal(ms->len, 4096);
		eal_memseg_free(ms);
	}
	eal_memory_cleanup();
}

static void
test_memseg_alloc_without_init_fails(void **state)
{
	(void)state;
	log_capture();
	errno = 0;
	assert_null(eal_memseg_alloc(4096, 0));
	assert_int_not_equal(errno, 0);
	assert_true(log_contains("vdk_eal_init() has not run"));
}

/* ---- callbacks ---- */

struct cb_log {
	int alloc;
	int free;
	const struct vdk_memseg *last;
	int veto;      /* return this for ALLOC */
	char order[16]; /* one letter per call: which callback ran */
	char tag;
};

static char order_buf[32];

static int
event_cb(enum vdk_mem_event ev, const struct vdk_memseg *ms, void *arg)
{
	struct cb_log *l = arg;
	size_t n = strlen(order_buf);

	if (n + 1 < sizeof(order_buf)) {
		order_buf[n] = ev == VDK_MEM_EVENT_ALLOC ? l->tag : (char)(l->tag - 32);
		order_buf[n + 1] = '\0';
	}
	l->last = ms;
	/*
	 * ALLOC: the segment is visible to lookups already. FREE: lookups no
	 * longer find it (a datapath can no longer take its IOVA), but its
	 * pages are still there for the callback to tear down their mappings.
	 */
	if (ev == VDK_MEM_EVENT_ALLOC) {
		if (vdk_mem_virt2memseg(ms->addr) != ms)
			return -1;
		l->alloc++;
		return l->veto;
	}
	if (vdk_mem_virt2memseg(ms->addr) == NULL &&
	    strcmp(maps_perms(ms->addr), "rw-p") == 0)
		l->free++;
	return 0;
}

static void
test_mem_callback_register_rejects_bad_arguments(void **state)
{
	struct cb_log a = { .tag = 'a' };
	char name[80];
	int i;

	(void)state;
	assert_int_equal(vdk_mem_event_callback_register(NULL, event_cb, &a), -EINVAL);
	assert_int_equal(vdk_mem_event_callback_register("x", NULL, &a), -EINVAL);
	assert_int_equal(vdk_mem_event_callback_register("", event_cb, &a), -EINVAL);
	assert_int_equal(vdk_mem_event_callback_register("x", event_cb, &a), 0);
	assert_int_equal(vdk_mem_event_callback_register("x", event_cb, &a), -EEXIST);
	for (i = 1; ; i++) {
		int ret;

		snprintf(name, sizeof(name), "cb%d", i);
		ret = vdk_mem_event_callback_register(name, event_cb, &a);
		if (ret == -ENOSPC)
			break;
		assert_int_equal(ret, 0);
		assert_true(i < 1000);
	}
	while (--i > 0) {
		snprintf(name, sizeof(name), "cb%d", i);
		assert_int_equal(vdk_mem_event_callback_unregister(name), 0);
	}
	assert_int_equal(vdk_mem_event_callback_unregister("x"), 0);
	assert_int_equal(vdk_mem_event_callback_unregister("x"), -ENOENT);
	assert_int_equal(vdk_mem_event_callback_unregister(NULL), -ENOENT);
}

static void
test_mem_callbacks_see_growth_and_removal_in_order(void **state)
{
	struct cb_log a = { .tag = 'a' }, b = { .tag = 'b' };
	const struct vdk_memseg *ms;

	(void)state;
	order_buf[0] = '\0';
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_int_equal(vdk_mem_event_callback_register("a", event_cb, &a), 0);
	assert_int_equal(vdk_mem_event_callback_register("b", event_cb, &b), 0);
	ms = eal_memseg_alloc(8192, 0);
	assert_non_null(ms);
	assert_int_equal(a.alloc, 1);
	assert_int_equal(b.alloc, 1);
	assert_ptr_equal(a.last, ms);
	eal_memseg_free(ms);
	assert_int_equal(a.free, 1);
	assert_int_equal(b.free, 1);
	/* Added first-registered first, removed last-registered first. */
	assert_string_equal(order_buf, "abBA");
	assert_int_equal(vdk_mem_event_callback_unregister("a"), 0);
	assert_int_equal(vdk_mem_event_callback_unregister("b"), 0);
	eal_memory_cleanup();
}

static void
test_mem_callback_veto_fails_allocation_and_unwinds(void **state)
{
	struct cb_log a = { .tag = 'a' }, b = { .tag = 'b', .veto = -1 };
	long lck0 = status_kb("VmLck");
	size_t total;

	(void)state;
	order_buf[0] = '\0';
	log_capture();
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_int_equal(vdk_mem_event_callback_register("a", event_cb, &a), 0);
	assert_int_equal(vdk_mem_event_callback_register("b", event_cb, &b), 0);
	errno = 0;
	assert_null(eal_memseg_alloc(1 << 20, 0));
	assert_int_equal(errno, ENOMEM);
	assert_true(log_contains("memory callback \"b\" refused"));
	/* "a" had accepted the segment, so it is told it goes away. */
	assert_string_equal(order_buf, "abA");
	assert_int_equal(nb_segs(), 0);
	vdk_memory_usage(&total, NULL);
	assert_int_equal(total, 0);
	assert_int_equal(status_kb("VmLck"), lck0);
	assert_int_equal(vdk_mem_event_callback_unregister("a"), 0);
	assert_int_equal(vdk_mem_event_callback_unregister("b"), 0);
	eal_memory_cleanup();
}

static void
test_memory_cleanup_tells_callbacks_every_segment_goes(void **state)
{
	struct cb_log a = { .tag = 'a' };

	(void)state;
	cfg_reset(true, 4);
	assert_int_equal(vdk_mem_event_callback_register("a", event_cb, &a), 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_int_equal(a.alloc, 1);
	assert_non_null(eal_memseg_alloc(4096, 0));
	assert_int_equal(a.alloc, 2);
	eal_memory_cleanup();
	assert_int_equal(a.free, 2);
	assert_int_equal(vdk_mem_event_callback_unregister("a"), 0);
}

/* ---- physical addresses ---- */

static void
test_virt2phy_of_present_page_keeps_offset(void **state)
{
	static char page[4096] __attribute__((aligned(4096)));
	uint64_t pa;
	void *untouched;

	(void)state;
	if (geteuid() != 0)
		skip();
	page[100] = 1;
	pa = vdk_mem_virt2phy(page + 100);
	assert_int_not_equal(pa, VDK_BAD_IOVA);
	assert_int_equal(pa % 4096, 100);
	untouched = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(untouched != MAP_FAILED);
	assert_int_equal(vdk_mem_virt2phy(untouched), VDK_BAD_IOVA);
	munmap(untouched, 4096);
}

static void
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

static void
test_memseg_pa_mode_records_physical_addresses(void **state)
{
	const struct vdk_memseg *ms;

	(void)state;
	if (geteuid() != 0)
		skip();
	cfg_reset(true, 0);
	cfg.iova_mode = VDK_IOVA_PA;
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_true(eal_memory_iova_pa());
	ms = eal_memseg_alloc(64 * 4096, 0);
	assert_non_null(ms);
	check_pa_segment(ms);
	eal_memory_cleanup();
}

static int
child_pa_without_cap_sys_admin(void)
{
	long lck0 = status_kb("VmLck");

	log_capture();
	if (drop_cap(CAP_SYS_ADMIN) != 0)
		return 10;
	cfg_reset(true, 1);
	cfg.iova_mode = VDK_IOVA_PA;
	if (eal_memory_init(&cfg) != -EACCES)
		return 11;
	if (!log_contains("/proc/self/pagemap") || !log_contains("--iova-mode va"))
		return 12;
	if (status_kb("VmLck") != lck0)
		return 13;
	return 0;
}

static void
test_memory_pa_mode_without_privilege_is_eacces(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(child_pa_without_cap_sys_admin), 0);
}

/* ---- the address window ---- */

static void
test_memory_window_is_address_space_only(void **state)
{
	long rss0 = status_kb("VmRSS"), lck0 = status_kb("VmLck"), size0 = status_kb("VmSize");
	const struct vdk_memseg *ms;

	(void)state;
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	/* 64 GiB of address space, and neither resident nor locked memory. */
	assert_true(status_kb("VmSize") - size0 >= 64l << 20);
	assert_true(status_kb("VmRSS") - rss0 < 512);
	assert_int_equal(status_kb("VmLck"), lck0);
	/* A segment costs its pages, and a few bytes of table a page. */
	ms = eal_memseg_alloc(GRANULE, 0);
	assert_non_null(ms);
	assert_int_equal(status_kb("VmLck") - lck0, 2048);
	assert_true(status_kb("VmRSS") - rss0 < 2048 + 512);
	eal_memseg_free(ms);
	assert_int_equal(status_kb("VmLck"), lck0);
	assert_true(status_kb("VmRSS") - rss0 < 512);
	eal_memory_cleanup();
	assert_true(status_kb("VmSize") - size0 < 1024);
}

static void
test_memseg_of_4k_pages_starts_on_a_2mib_granule(void **state)
{
	const struct vdk_memseg *a, *b;
	uint64_t iova = 0;
	char *pa, *pb;

	(void)state;
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	a = eal_memseg_alloc(12288, 0);
	b = eal_memseg_alloc(GRANULE + 4096, 0);
	assert_non_null(a);
	assert_non_null(b);
	pa = a->addr;
	pb = b->addr;
	assert_int_equal((uintptr_t)pa % GRANULE, 0);
	assert_int_equal((uintptr_t)pb % GRANULE, 0);
	/* The rest of a's granule is nobody's: b starts on the next one. */
	assert_ptr_equal(pb, pa + GRANULE);
	assert_true(is_reserved_only(pa + a->len));
	assert_null(vdk_mem_virt2memseg(pa + a->len));
	assert_true(eal_mem_window_iova(pa + a->len, &iova));
	assert_int_equal(iova, VDK_BAD_IOVA);
	/* b's second granule holds its last page only. */
	assert_ptr_equal(vdk_mem_virt2memseg(pb + b->len - 1), b);
	assert_true(eal_mem_window_iova(pb + b->len - 1, &iova));
	assert_int_equal(iova, (uint64_t)(uintptr_t)(pb + b->len - 1));
	assert_null(vdk_mem_virt2memseg(pb + b->len));
	assert_true(eal_mem_window_iova(pb + b->len, &iova));
	assert_int_equal(iova, VDK_BAD_IOVA);
	/* Memory the EAL did not give is outside the window altogether. */
	assert_false(eal_mem_window_iova(&iova, &iova));
	assert_false(eal_mem_window_iova(NULL, &iova));
	eal_memseg_free(a);
	eal_memseg_free(b);
	eal_memory_cleanup();
	/* No window: every address is outside. */
	assert_false(eal_mem_window_iova(pa, &iova));
	assert_null(vdk_mem_virt2memseg(pa));
}

static void
test_memseg_freed_range_is_reused_and_lookups_follow(void **state)
{
	const struct vdk_memseg *a, *b, *c;
	uint64_t iova;
	char *pa;

	(void)state;
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	a = eal_memseg_alloc(3 * GRANULE, 0);
	b = eal_memseg_alloc(4096, 0);
	assert_non_null(a);
	assert_non_null(b);
	pa = a->addr;
	eal_memseg_free(a);
	assert_true(eal_mem_window_iova(pa + GRANULE, &iova));
	assert_int_equal(iova, VDK_BAD_IOVA);
	/* First fit: the freed range is used again, by a smaller segment. */
	c = eal_memseg_alloc(GRANULE, 0);
	assert_non_null(c);
	assert_ptr_equal(c->addr, pa);
	assert_ptr_equal(vdk_mem_virt2memseg(pa + 5), c);
	assert_true(eal_mem_window_iova(pa + 5, &iova));
	assert_int_equal(iova, (uint64_t)(uintptr_t)(pa + 5));
	assert_null(vdk_mem_virt2memseg(pa + GRANULE));
	assert_true(eal_mem_window_iova(pa + 2 * GRANULE, &iova));
	assert_int_equal(iova, VDK_BAD_IOVA);
	assert_true(is_reserved_only(pa + GRANULE));
	assert_int_equal(nb_segs(), 2);
	eal_memseg_free(c);
	eal_memseg_free(b);
	/* Not a segment (any longer): refused, nothing changes. */
	log_capture();
	eal_memseg_free(b);
	assert_true(log_contains("is not an EAL segment"));
	assert_int_equal(nb_segs(), 0);
	eal_memory_cleanup();
}

/* Limit the address space to what is mapped now plus @extra_mb. */
static int
limit_address_space(long extra_mb)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = (rlim_t)(status_kb("VmSize") + extra_mb * 1024) * 1024;
	return setrlimit(RLIMIT_AS, &rl);
}

static int
child_window_under_address_space_limit(void)
{
	const struct vdk_memseg *ms;

	log_capture();
	if (limit_address_space(3 * 1024) != 0)
		return 10;
	cfg_reset(true, 0);
	if (eal_memory_init(&cfg) != 0)
		return 11;
	if (!log_contains("EAL memory is limited to 2 GiB") || !log_contains("room for 2 GiB"))
		return 12;
	ms = eal_memseg_alloc(4096, 0);
	if (ms == NULL || vdk_mem_virt2memseg(ms->addr) != ms)
		return 13;
	/* Larger than the window: refused with the reason. */
	errno = 0;
	if (eal_memseg_alloc(3ul << 30, 0) != NULL || errno != ENOMEM ||
	    !log_contains("larger than the EAL's 2 GiB address window"))
		return 14;
	eal_memory_cleanup();

	/* Not even -m's memory fits: a clean failure that names the limit. */
	log_capture();
	cfg_reset(true, 2048);
	if (eal_memory_init(&cfg) != -ENOMEM)
		return 15;
	if (!log_contains("cannot reserve 3 GiB of address space for EAL memory") ||
	    !log_contains("ulimit -v"))
		return 16;
	cfg_reset(true, 0);
	if (eal_memory_init(&cfg) != 0)
		return 17;
	eal_memory_cleanup();
	return 0;
}

static void
test_memory_window_shrinks_to_the_address_space_limit(void **state)
{
	(void)state;
	if (UNDER_ASAN)
		skip();
	assert_int_equal(in_child(child_window_under_address_space_limit), 0);
}

static int
child_full_window_is_enomem(void)
{
	static const struct vdk_memseg *segs[1024];
	const struct vdk_memseg *ms;
	unsigned int n = 0;

	log_capture();
	if (limit_address_space(3 * 1024) != 0)
		return 10;
	cfg_reset(true, 0);
	if (eal_memory_init(&cfg) != 0)
		return 11;
	/* A 2 GiB window holds 1024 segments, one a granule, however small. */
	while (n < 1024 && (segs[n] = eal_memseg_alloc(4096, 0)) != NULL)
		n++;
	if (n != 1024)
		return 12;
	errno = 0;
	if (eal_memseg_alloc(4096, 0) != NULL || errno != ENOMEM)
		return 13;
	if (!log_contains("no room for a 4 KiB segment in the EAL's 2 GiB address window"))
		return 14;
	/* Room comes back with a freed segment, at the same place. */
	eal_memseg_free(segs[700]);
	ms = eal_memseg_alloc(4096, 0);
	if (ms == NULL || ms->addr != (char *)segs[0]->addr + 700 * GRANULE)
		return 15;
	eal_memory_cleanup();
	return status_kb("VmLck") == 0 ? 0 : 16;
}

static void
test_memseg_full_window_is_enomem_and_room_comes_back(void **state)
{
	(void)state;
	if (UNDER_ASAN)
		skip();
	assert_int_equal(in_child(child_full_window_is_enomem), 0);
}

/* ---- lookups while another thread grows and shrinks the memory ---- */

#define RACE_GRANULES 16
#define RACE_LIVE 4
#define RACE_OPS 1000

/* One life of a segment, as the writer saw it. */
struct incarnation {
	uintptr_t addr;
	size_t len;
	uint64_t born;		/* epoch of the allocation (odd) */
	uint64_t died;		/* epoch of the free (odd); UINT64_MAX while alive */
	uint64_t iova[3][4];	/* pages 0-3 of each of its first three granules */
};

static struct {
	struct incarnation log[RACE_OPS];
	unsigned int nb;	/* entries written, published with release */
	uint64_t epoch;		/* odd while the writer allocates or frees */
	bool stop;
	uintptr_t base;		/* the first granule the segments use */
	unsigned long exact, bad;
	char failure[200];
} race;

/*
 * Is @x a right answer for @a, looked up between epochs @e0 and @e1?
 * It must be the IOVA of @a in a segment live at some time in between, or
 * VDK_BAD_IOVA unless a segment held @a all that time.
 */
static bool
race_answer_ok(uintptr_t a, uint64_t x, uint64_t e0, uint64_t e1, unsigned int nb)
{
	unsigned int i;

	for (i = nb; i-- > 0;) {
		const struct incarnation *inc = &race.log[i];
		uint64_t died = __atomic_load_n(&inc->died, __ATOMIC_ACQUIRE);
		uintptr_t off = a - inc->addr;

		if (off >= inc->len || inc->born > e1 || died < e0)
			continue;
		if (x == inc->iova[off / GRANULE][(off % GRANULE) / 4096] + off % 4096)
			return true;
		if (inc->born < e0 && died > e1)
			return false;
	}
	return x == VDK_BAD_IOVA;
}

struct probe {
	uintptr_t a;
	uint64_t x, e0, e1;
};

static bool
race_verify(const struct probe *p)
{
	if (!race_answer_ok(p->a, p->x, p->e0, p->e1,
			    __atomic_load_n(&race.nb, __ATOMIC_ACQUIRE))) {
		snprintf(race.failure, sizeof(race.failure), "%p: IOVA 0x%" PRIx64 " between "
			 "epochs %" PRIu64 " and %" PRIu64, (void *)p->a, p->x, p->e0, p->e1);
		return false;
	}
	if (p->x == VDK_BAD_IOVA)
		race.bad++;
	else
		race.exact++;
	return true;
}

/*
 * Look up addresses in the granules the writer uses, back to back. An
 * answer is checked once the writer's log has every segment that could
 * have given it: at once if no allocation was under way when the lookup
 * ended, else as soon as the epoch moves on.
 */
static void *
race_reader(void *arg)
{
	static struct probe pending[4096];
	unsigned int seed = 12345, nb_pending = 0, i;

	(void)arg;
	while (!__atomic_load_n(&race.stop, __ATOMIC_ACQUIRE)) {
		struct probe p;
		uint64_t now;

		p.a = race.base + (rand_r(&seed) % RACE_GRANULES) * GRANULE +
		      (rand_r(&seed) % 4) * 4096 + rand_r(&seed) % 4096;
		p.e0 = __atomic_load_n(&race.epoch, __ATOMIC_SEQ_CST);
		p.x = vdk_mem_virt2iova((void *)p.a);
		/* Must not crash; what it points to may change under us. */
		(void)vdk_mem_virt2memseg((void *)p.a);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		p.e1 = __atomic_load_n(&race.epoch, __ATOMIC_SEQ_CST);
		if ((p.e1 & 1) == 0) {
			if (!race_verify(&p))
				break;
		} else {
			pending[nb_pending++] = p;
		}
		do {
			now = __atomic_load_n(&race.epoch, __ATOMIC_ACQUIRE);
			if (nb_pending > 0 && now > pending[nb_pending - 1].e1) {
				for (i = 0; i < nb_pending && race_verify(&pending[i]); i++)
					;
				if (i < nb_pending)
					return NULL;
				nb_pending = 0;
			}
		} while (nb_pending == VDK_DIM(pending));
	}
	/* The writer has finished: its log is complete. */
	for (i = 0; i < nb_pending && race_verify(&pending[i]); i++)
		;
	return NULL;
}

static void
race_log_alloc(const struct vdk_memseg *ms, uint64_t born)
{
	struct incarnation *inc = &race.log[race.nb];
	unsigned int g, k;

	inc->addr = (uintptr_t)ms->addr;
	inc->len = ms->len;
	inc->born = born;
	inc->died = UINT64_MAX;
	for (g = 0; g < 3; g++)
		for (k = 0; k < 4; k++)
			inc->iova[g][k] = g * GRANULE + k * 4096 < ms->len
				? vdk_memseg_addr2iova(ms, (char *)ms->addr + g * GRANULE + k * 4096)
				: VDK_BAD_IOVA;
	__atomic_store_n(&race.nb, race.nb + 1, __ATOMIC_RELEASE);
}

/* Free a segment of the log, between two moves of the epoch. */
static void
race_free(const struct vdk_memseg *ms, unsigned int idx)
{
	uint64_t e = race.epoch + 1;

	/* Logged before the epoch moves, so a reader that sees it sees this. */
	__atomic_store_n(&race.log[idx].died, e, __ATOMIC_RELEASE);
	__atomic_store_n(&race.epoch, e, __ATOMIC_SEQ_CST);
	eal_memseg_free(ms);
	__atomic_store_n(&race.epoch, e + 1, __ATOMIC_SEQ_CST);
}

/* Allocate and free segments of assorted sizes, at most RACE_LIVE at once. */
static void
race_writer(void)
{
	static const size_t sizes[] = { 4096, 12288, 100000, GRANULE, GRANULE + 4096, 5 * MIB };
	const struct vdk_memseg *live[RACE_LIVE];
	unsigned int idx[RACE_LIVE], nb_live = 0, op, seed = 777, j;

	for (op = 0; op < RACE_OPS && race.failure[0] == '\0'; op++) {
		uint64_t e = race.epoch + 1;

		if (nb_live < RACE_LIVE && (nb_live == 0 || rand_r(&seed) % 2 == 0)) {
			__atomic_store_n(&race.epoch, e, __ATOMIC_SEQ_CST);
			live[nb_live] = eal_memseg_alloc(sizes[rand_r(&seed) % VDK_DIM(sizes)], 0);
			assert_non_null(live[nb_live]);
			idx[nb_live] = race.nb;
			race_log_alloc(live[nb_live++], e);
			__atomic_store_n(&race.epoch, e + 1, __ATOMIC_SEQ_CST);
		} else {
			j = rand_r(&seed) % nb_live;
			race_free(live[j], idx[j]);
			live[j] = live[--nb_live];
			idx[j] = idx[nb_live];
		}
	}
	while (nb_live > 0) {
		nb_live--;
		race_free(live[nb_live], idx[nb_live]);
	}
}

static void
race_run(enum vdk_iova_mode mode)
{
	const struct vdk_memseg *first;
	pthread_t reader;

	memset(&race, 0, sizeof(race));
	cfg_reset(true, 0);
	cfg.iova_mode = mode;
	assert_int_equal(eal_memory_init(&cfg), 0);
	/* The window's first granule: where first fit puts the segments. */
	first = eal_memseg_alloc(4096, 0);
	assert_non_null(first);
	race.base = (uintptr_t)first->addr;
	eal_memseg_free(first);
	/* One segment stays all along: lookups in it must always be exact. */
	race.nb = 0;
	race.epoch = 1;
	race_log_alloc(eal_memseg_alloc(4096, 0), 1);
	race.epoch = 2;
	assert_int_equal(race.log[0].addr, race.base);

	assert_int_equal(pthread_create(&reader, NULL, race_reader, NULL), 0);
	race_writer();
	__atomic_store_n(&race.stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(reader, NULL), 0);
	print_message("%s mode: %lu exact answers, %lu VDK_BAD_IOVA, %u segments\n",
		      mode == VDK_IOVA_PA ? "PA" : "VA", race.exact, race.bad, race.nb);
	if (race.failure[0] != '\0')
		fail_msg("wrong answer for %s", race.failure);
	/* Both kinds of answer happened: the test looked where things changed. */
	assert_true(race.exact > 0);
	assert_true(race.bad > 0);
	eal_memory_cleanup();
}

static void
test_mem_virt2iova_is_right_or_bad_while_segments_come_and_go(void **state)
{
	(void)state;
	race_run(VDK_IOVA_VA);
}

static void
test_mem_virt2iova_in_pa_mode_is_right_or_bad_while_segments_come_and_go(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	race_run(VDK_IOVA_PA);
}

/* ---- end to end, through vdk_eal_init() ---- */

/* vdk_eal_init() with "test" as argv[0] and the NULL-terminated options. */
static int
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

static void
test_eal_init_no_huge_grows_on_demand_and_cleans_up(void **state)
{
	const struct vdk_memzone *mz;
	long lck0 = status_kb("VmLck");
	size_t total;
	void *p;

	(void)state;
	assert_true(eal_init_with("--no-huge", "--no-pci", "-l", "0", NULL) >= 0);
	assert_false(vdk_eal_has_hugepages());
	vdk_memory_usage(&total, NULL);
	assert_int_equal(total, 0);
	p = vdk_malloc("e2e", 1000, 0);
	assert_non_null(p);
	mz = vdk_memzone_reserve("e2e", 5000, VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mz);
	assert_int_equal(mz->iova, vdk_malloc_virt2iova(mz->addr));
	vdk_memory_usage(&total, NULL);
	assert_int_equal(total, 2u << 20);
	assert_int_equal(status_kb("VmLck") - lck0, 2048);
	assert_int_equal(vdk_eal_cleanup(), 0);
	assert_int_equal(status_kb("VmLck"), lck0);
	assert_false(is_mapped(p));
	errno = 0;
	assert_null(vdk_malloc("e2e", 1000, 0));
	assert_int_equal(errno, ENOMEM);
}

static void
test_eal_init_m_reserves_up_front(void **state)
{
	long lck0 = status_kb("VmLck");
	size_t total;

	(void)state;
	assert_true(eal_init_with("--no-huge", "--no-pci", "-l", "0", "-m", "16", NULL) >= 0);
	vdk_memory_usage(&total, NULL);
	assert_int_equal(total, 16u << 20);
	assert_int_equal(status_kb("VmLck") - lck0, 16 * 1024);
	assert_int_equal(vdk_eal_cleanup(), 0);
	assert_int_equal(status_kb("VmLck"), lck0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_memory_nohuge_starts_with_no_segments, teardown),
		cmocka_unit_test_teardown(test_memory_init_twice_is_ealready, teardown),
		cmocka_unit_test_teardown(test_memseg_nohuge_is_locked_rounded_and_iova_is_va, teardown),
		cmocka_unit_test_teardown(test_memory_m_reserves_pinned_memory_up_front, teardown),
		cmocka_unit_test_teardown(test_memory_socket_mem_reserves_per_node, teardown),
		cmocka_unit_test_teardown(test_memory_socket_mem_on_missing_node_fails_cleanly, teardown),
		cmocka_unit_test_teardown(test_memseg_alloc_rejects_bad_node_and_zero_length, teardown),
		cmocka_unit_test_teardown(test_memseg_alloc_without_init_fails, teardown),
		cmocka_unit_test_teardown(test_mem_callback_register_rejects_bad_arguments, teardown),
		cmocka_unit_test_teardown(test_mem_callbacks_see_growth_and_removal_in_order, teardown),
		cmocka_unit_test_teardown(test_mem_callback_veto_fails_allocation_and_unwinds, teardown),
		cmocka_unit_test_teardown(test_memory_cleanup_tells_callbacks_every_segment_goes, teardown),
		cmocka_unit_test_teardown(test_virt2phy_of_present_page_keeps_offset, teardown),
		cmocka_unit_test_teardown(test_memseg_pa_mode_records_physical_addresses, teardown),
		cmocka_unit_test_teardown(test_memory_pa_mode_without_privilege_is_eacces, teardown),
		cmocka_unit_test_teardown(test_memory_window_is_address_space_only, teardown),
		cmocka_unit_test_teardown(test_memseg_of_4k_pages_starts_on_a_2mib_granule, teardown),
		cmocka_unit_test_teardown(test_memseg_freed_range_is_reused_and_lookups_follow,
					  teardown),
		cmocka_unit_test_teardown(test_memory_window_shrinks_to_the_address_space_limit,
					  teardown),
		cmocka_unit_test_teardown(test_memseg_full_window_is_enomem_and_room_comes_back,
					  teardown),
		cmocka_unit_test_teardown(test_mem_virt2iova_is_right_or_bad_while_segments_come_and_go,
					  teardown),
		cmocka_unit_test_teardown(
			test_mem_virt2iova_in_pa_mode_is_right_or_bad_while_segments_come_and_go,
			teardown),
		cmocka_unit_test_teardown(test_eal_init_no_huge_grows_on_demand_and_cleans_up, teardown),
		cmocka_unit_test_teardown(test_eal_init_m_reserves_up_front, teardown),
	};

	return cmocka_run_group_tests_name("eal_memory", tests, NULL, NULL);
}
