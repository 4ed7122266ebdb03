/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL memory segments (eal_memory.c): the segment table over --no-huge
 * memory, up-front reservation, callbacks, the walk, physical addresses in
 * PA mode, and vdk_eal_init() end to end; each case checks that what it
 * undoes leaves no mapping or locked memory behind. The hugepage backing
 * has its own programs, test_eal_hugepage.c and test_eal_hugepage_lock.c.
 */
#include "test_eal_memory_fixture.h"

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

/* The "Locked:" kB of the mapping that starts at @addr (smaps), or -1. */
static long
smaps_locked_kb(const void *addr)
{
	unsigned long lo, hi;
	char line[512];
	long kb = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = lo == (unsigned long)(uintptr_t)addr;
		else if (in && sscanf(line, "Locked: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/*
 * IOVA mode VA: -m charges RLIMIT_MEMLOCK for all of it at once but makes
 * pages resident, and locks them, only as they are touched or handed out
 * by the heap; mode PA faults every page in at once (it reads their
 * physical addresses).
 */
static void
test_memory_m_nohuge_va_locks_pages_as_they_fault_in(void **state)
{
	const struct vdk_memseg *ms = NULL;
	long lck0 = status_kb("VmLck"), rss0 = status_kb("VmRSS");

	(void)state;
	cfg_reset(true, 8);
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_int_equal(status_kb("VmLck") - lck0, 8 * 1024);
	assert_true(status_kb("VmRSS") - rss0 < 1024);
	vdk_memseg_walk(first_seg_cb, &ms);
	assert_non_null(ms);
	assert_int_equal(smaps_locked_kb(ms->addr), 0);
	memset(ms->addr, 0x5a, 3 * MIB);
	assert_int_equal(smaps_locked_kb(ms->addr), 3 * 1024);
	assert_true(status_kb("VmRSS") - rss0 >= 3 * 1024);
	eal_memory_cleanup();
	assert_int_equal(status_kb("VmLck"), lck0);

	/* A heap block is resident and locked when vdk_malloc() returns it. */
	assert_true(eal_init_with("--no-huge", "--no-pci", "-l", "0", "-m", "8", NULL) >= 0);
	ms = NULL;
	vdk_memseg_walk(first_seg_cb, &ms);
	assert_non_null(ms);
	assert_true(smaps_locked_kb(ms->addr) < 256);
	assert_non_null(vdk_malloc("t", 3 * MIB, 0));
	assert_true(smaps_locked_kb(ms->addr) >= 3 * 1024);
	assert_true(smaps_locked_kb(ms->addr) < 3 * 1024 + 256);
	assert_int_equal(vdk_eal_cleanup(), 0);

	if (geteuid() != 0)
		return; /* PA mode needs root: the VA half stands */
	cfg_reset(true, 4);
	cfg.iova_mode = VDK_IOVA_PA;
	assert_int_equal(eal_memory_init(&cfg), 0);
	ms = NULL;
	vdk_memseg_walk(first_seg_cb, &ms);
	assert_non_null(ms);
	assert_int_equal(smaps_locked_kb(ms->addr), 4 * 1024);
	eal_memory_cleanup();
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
	    strncmp(maps_perms(ms->addr), "rw-", 3) == 0)
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
test_memseg_pa_mode_records_physical_addresses(void **state)
{
	const struct vdk_memseg *ms;

	(void)state;
	nohuge_pa_memory_init();
	assert_true(eal_memory_iova_pa());
	ms = eal_memseg_alloc(64 * 4096, 0);
	assert_non_null(ms);
	check_pa_segment(ms);
	eal_memory_cleanup();
}

/* Open descriptors of this process. */
static int
open_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* What test_share_hook() answers the EAL. */
static bool test_share;

static bool
test_share_hook(void)
{
	return test_share;
}

static void
register_test_share_hook(void)
{
	int ret = vdk_mem_share_hook_register(test_share_hook);

	assert_true(ret == 0 || ret == -EEXIST);
}

/*
 * VA-mode --no-huge memory has a file only when a share hook asks:
 * anonymous memory otherwise, which faults in faster.
 */
static void
test_memseg_nohuge_va_has_a_file_only_when_a_hook_asks(void **state)
{
	const struct vdk_memseg *ms;

	(void)state;
	assert_int_equal(vdk_mem_share_hook_register(NULL), -EINVAL);
	register_test_share_hook();
	assert_int_equal(vdk_mem_share_hook_register(test_share_hook), -EEXIST);
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	test_share = false;
	ms = eal_memseg_alloc(4096, 0);
	assert_non_null(ms);
	assert_int_equal(vdk_memseg_fd(ms), -ENOTSUP);
	eal_memseg_free(ms);
	test_share = true;
	ms = eal_memseg_alloc(4096, 0);
	assert_non_null(ms);
	assert_true(vdk_memseg_fd(ms) >= 0);
	eal_memseg_free(ms);
	test_share = false;
	eal_memory_cleanup();
}

static void
test_memseg_fd_maps_the_same_pages_and_closes_with_the_segment(void **state)
{
	const struct vdk_memseg *ms;
	int fds0, fd;
	uint8_t *other;

	(void)state;
	register_test_share_hook();
	test_share = true;
	cfg_reset(true, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	fds0 = open_fd_count();
	ms = eal_memseg_alloc(3 * 4096, 0);
	assert_non_null(ms);
	fd = vdk_memseg_fd(ms);
	assert_true(fd >= 0);
	assert_int_equal(open_fd_count(), fds0 + 1);
	/* What another process would map: the same pages, both ways. */
	other = mmap(NULL, ms->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(other != MAP_FAILED);
	((volatile uint8_t *)ms->addr)[ms->len - 1] = 0x5a;
	assert_int_equal(other[ms->len - 1], 0x5a);
	other[0] = 0xa5;
	assert_int_equal(((volatile uint8_t *)ms->addr)[0], 0xa5);
	munmap(other, ms->len);
	eal_memseg_free(ms);
	assert_int_equal(open_fd_count(), fds0);
	assert_int_equal(vdk_memseg_fd(NULL), -EINVAL);
	eal_memory_cleanup();
	test_share = false;
}

static void
test_memseg_fd_of_pa_mode_anonymous_memory_is_enotsup(void **state)
{
	const struct vdk_memseg *ms;

	(void)state;
	nohuge_pa_memory_init();
	ms = eal_memseg_alloc(4096, 0);
	assert_non_null(ms);
	assert_int_equal(vdk_memseg_fd(ms), -ENOTSUP);
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

/* ---- end to end, through vdk_eal_init() ---- */

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
		cmocka_unit_test_teardown(test_memory_m_nohuge_va_locks_pages_as_they_fault_in,
					  teardown),
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
		cmocka_unit_test_teardown(test_memseg_nohuge_va_has_a_file_only_when_a_hook_asks,
					  teardown),
		cmocka_unit_test_teardown(test_memseg_fd_maps_the_same_pages_and_closes_with_the_segment,
					  teardown),
		cmocka_unit_test_teardown(test_memseg_fd_of_pa_mode_anonymous_memory_is_enotsup, teardown),
		cmocka_unit_test_teardown(test_eal_init_no_huge_grows_on_demand_and_cleans_up, teardown),
		cmocka_unit_test_teardown(test_eal_init_m_reserves_up_front, teardown),
	};

	return cmocka_run_group_tests_name("eal_memory", tests, NULL, NULL);
}
