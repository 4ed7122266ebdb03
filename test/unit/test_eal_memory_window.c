/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL's address window (eal_memory.c): segments placed on 2 MiB
 * granules inside one reservation that costs no memory, freed ranges
 * reused, the window's size under an address-space limit, and the
 * lock-free vdk_mem_virt2iova() answering right (or VDK_BAD_IOVA) while
 * another thread adds and removes segments.
 */
#include <sched.h>
#include <stdalign.h>

#include "test_eal_memory_fixture.h"

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
#define RACE_SLOTS (RACE_GRANULES * 4)	/* the pages the reader looks at */
/*
 * The writer changes no more than this many times between two lookups, and
 * waits at most RACE_READER_WAIT_S for one.
 */
#define RACE_OPS_A_LOOKUP 4
#define RACE_READER_WAIT_S 30

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
	/* Lookups made, published with release; apart from what the writer changes. */
	alignas(64) unsigned long probes;
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
	unsigned int seed = 12345, nb_pending = 0, i, slot = 0;

	(void)arg;
	while (!__atomic_load_n(&race.stop, __ATOMIC_ACQUIRE)) {
		struct probe p;
		uint64_t now;

		/*
		 * Pages 0-3 of each granule in turn, anywhere in the page: any
		 * RACE_SLOTS lookups in a row include the segment that stays.
		 */
		p.a = race.base + (slot % RACE_GRANULES) * GRANULE +
		      (slot / RACE_GRANULES) * 4096 + rand_r(&seed) % 4096;
		slot = (slot + 1) % RACE_SLOTS;
		p.e0 = __atomic_load_n(&race.epoch, __ATOMIC_SEQ_CST);
		p.x = vdk_mem_virt2iova((void *)p.a);
		/* Must not crash; what it points to may change under us. */
		(void)vdk_mem_virt2memseg((void *)p.a);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		p.e1 = __atomic_load_n(&race.epoch, __ATOMIC_SEQ_CST);
		__atomic_store_n(&race.probes, race.probes + 1, __ATOMIC_RELEASE);
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

/*
 * Wait until the reader has made a lookup since @seen (updated): on a
 * loaded machine the reader may not be scheduled for a while, and a writer
 * that ran ahead would finish before it looked. False after
 * RACE_READER_WAIT_S without one.
 */
static bool
race_wait_reader(unsigned long *seen)
{
	struct timespec now, dl;
	unsigned long n;
	unsigned int spins = 0;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += RACE_READER_WAIT_S;
	while ((n = __atomic_load_n(&race.probes, __ATOMIC_ACQUIRE)) == *seen) {
		/* A running reader looks every few hundred ns: yield only when it does not. */
		if (++spins < 10000) {
			vdk_pause();
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > dl.tv_sec || (now.tv_sec == dl.tv_sec && now.tv_nsec > dl.tv_nsec))
			return false;
		sched_yield();
	}
	*seen = n;
	return true;
}

/*
 * Allocate and free segments of assorted sizes, at most RACE_LIVE at once,
 * the reader looking at least once every RACE_OPS_A_LOOKUP changes.
 */
static void
race_writer(void)
{
	static const size_t sizes[] = { 4096, 12288, 100000, GRANULE, GRANULE + 4096, 5 * MIB };
	const struct vdk_memseg *live[RACE_LIVE];
	unsigned int idx[RACE_LIVE], nb_live = 0, op, seed = 777, j;
	unsigned long seen = 0;

	for (op = 0; op < RACE_OPS && race.failure[0] == '\0'; op++) {
		uint64_t e = race.epoch + 1;

		if (op % RACE_OPS_A_LOOKUP == 0 && !race_wait_reader(&seen)) {
			snprintf(race.failure, sizeof(race.failure), "no lookup from the reader in "
				 "%d s, at change %u", RACE_READER_WAIT_S, op);
			break;
		}

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
	print_message("%s mode: %lu lookups, %lu exact answers, %lu VDK_BAD_IOVA, %u segments\n",
		      mode == VDK_IOVA_PA ? "PA" : "VA", race.probes, race.exact, race.bad, race.nb);
	if (race.failure[0] != '\0')
		fail_msg("wrong answer for %s", race.failure);
	/*
	 * Both kinds of answer happened: the test looked where things changed.
	 * The writer waited for RACE_OPS / RACE_OPS_A_LOOKUP lookups or more,
	 * over RACE_SLOTS pages in turn: each pass meets the segment that stays
	 * and, with at most RACE_LIVE segments of 3 granules or less, pages that
	 * no segment holds.
	 */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_memory_window_is_address_space_only, teardown),
		cmocka_unit_test_teardown(test_memseg_of_4k_pages_starts_on_a_2mib_granule, teardown),
		cmocka_unit_test_teardown(test_memseg_freed_range_is_reused_and_lookups_follow, teardown),
		cmocka_unit_test_teardown(test_memory_window_shrinks_to_the_address_space_limit, teardown),
		cmocka_unit_test_teardown(test_memseg_full_window_is_enomem_and_room_comes_back, teardown),
		cmocka_unit_test_teardown(test_mem_virt2iova_is_right_or_bad_while_segments_come_and_go,
					  teardown),
		cmocka_unit_test_teardown(test_mem_virt2iova_in_pa_mode_is_right_or_bad_while_segments_come_and_go,
					  teardown),
	};

	return cmocka_run_group_tests_name("eal_memory_window", tests, NULL, NULL);
}
