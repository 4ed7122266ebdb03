/* SPDX-License-Identifier: BSD-3-Clause */
/* The fixture of test_eal_memory_fixture.h. */
#include "test_eal_memory_fixture.h"

struct eal_config cfg;
const char *memory_fixture_prefix = "vdkmemtest";

void
cfg_reset(bool no_huge, size_t mem_mb)
{
	eal_config_defaults(&cfg);
	cfg.no_huge = no_huge;
	cfg.mem_mb = mem_mb;
	cfg.iova_mode = VDK_IOVA_VA;
	snprintf(cfg.file_prefix, sizeof(cfg.file_prefix), "%s", memory_fixture_prefix);
}

long
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

const char *
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

bool
is_mapped(const void *addr)
{
	return maps_perms(addr)[0] != '\0';
}

bool
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

int
nb_segs(void)
{
	int n = 0;

	assert_int_equal(vdk_memseg_walk(count_segs_cb, &n), 0);
	return n;
}

void
memory_reset(void)
{
	static const char *const cb_names[] = { "a", "b", "x" };
	unsigned int i;

	eal_memory_cleanup();
	for (i = 0; i < VDK_DIM(cb_names); i++)
		vdk_mem_event_callback_unregister(cb_names[i]);
}

int
teardown(void **state)
{
	(void)state;
	memory_reset();
	return 0;
}

void
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

void
nohuge_pa_memory_init(void)
{
	if (geteuid() != 0)
		skip();
	cfg_reset(true, 0);
	cfg.iova_mode = VDK_IOVA_PA;
	assert_int_equal(eal_memory_init(&cfg), 0);
}

int
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

int
drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) != 0)
		return -1;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	return (int)syscall(SYS_capset, &hdr, data);
}

int
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
