/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Running without root (app/setup/setup_owner.c, setup_user.c): parsing
 * USER[:GROUP], `bind --owner` and `hugepages --owner` over the fake tree
 * and kernel model, the permission check `status --user` makes, and its
 * report of what a user lacks. The tests run as an ordinary user, so the
 * model records ownership changes and makes only the mode real.
 */
#include <grp.h>
#include <pwd.h>

#include "test_setup_fake.h"

static int
parse_owner(const char *spec, struct setup_owner *o)
{
	char why[160];

	return setup_parse_owner(spec, o, why, sizeof(why));
}

static void
test_owner_numbers_need_no_user_database(void **state)
{
	struct setup_owner o;

	(void)state;
	/* 4000000 is in no /etc/passwd: a number stands alone. */
	assert_int_equal(parse_owner("4000000", &o), 0);
	assert_true(o.set);
	assert_int_equal(o.uid, 4000000);
	assert_false(o.has_gid);
	assert_false(o.group_given);
	assert_int_equal(parse_owner("4000000:4000001", &o), 0);
	assert_int_equal(o.uid, 4000000);
	assert_int_equal(o.gid, 4000001);
	assert_true(o.group_given);
	assert_string_equal(o.spec, "4000000:4000001");
}

static void
test_owner_names_come_from_the_user_database(void **state)
{
	struct passwd *pw = getpwuid(0);
	struct group *gr = getgrgid(0);
	struct setup_owner o;
	char spec[160];

	(void)state;
	assert_non_null(pw);
	assert_non_null(gr);
	assert_int_equal(parse_owner(pw->pw_name, &o), 0);
	assert_int_equal(o.uid, 0);
	assert_true(o.has_gid);
	assert_int_equal(o.gid, pw->pw_gid);
	assert_string_equal(o.name, pw->pw_name);
	assert_false(o.group_given);
	snprintf(spec, sizeof(spec), "4000000:%s", gr->gr_name);
	assert_int_equal(parse_owner(spec, &o), 0);
	assert_int_equal(o.gid, 0);
	assert_true(o.group_given);
	assert_int_equal(parse_owner("vdk-no-such-user-x", &o), -ENOENT);
	assert_int_equal(parse_owner("4000000:vdk-no-such-group", &o), -ENOENT);
}

static void
test_owner_malformed_specs_are_refused(void **state)
{
	static const char *const bad[] = {
		"", ":", ":1000", "1000:", "-1", "+1", " 1000", "1000 ", "4294967295",
		"99999999999999999999", "1000:1000:1000", "a/b", "1000:a/b", "..:0", "-r",
		"1000:-1", "a b", "\xff", "0x10x",
	};
	struct setup_owner o;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_owner(bad[i], &o) >= 0)
			fail_msg("'%s' was taken as an owner", bad[i]);
}

static void
test_owner_options_belong_to_their_commands(void **state)
{
	struct fake *f = *state;
	static const char *const cases[][5] = {
		{ "status", "--owner", "1000", NULL, NULL },	/* --owner is bind's and hugepages' */
		{ "bind", "00:04.0", "--user", "1000", NULL },	/* --user is status's */
		{ "unbind", "00:04.0", "--owner", "1000", NULL },
		{ "iommu", "--user", "1000", NULL, NULL },
		{ "status", "--user", "1000", "--json", NULL },
		{ "status", "--mem", "64", NULL, NULL },	/* --mem of status wants --user */
		{ "bind", "00:04.0", "--driver", "e1000e", "--owner=1000" },
		{ "hugepages", "--owner", "1000", "--clear", NULL },
		{ "bind", "00:04.0", "--owner", NULL, NULL },
		{ "bind", "00:04.0", "--owner", "1000:", NULL },
		{ "bind", "00:04.0", "--owner=vdk-no-such-user-x", NULL, NULL },
		{ "status", "--user", "", NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *args[5];
		int n = 0;

		while (n < 5 && cases[i][n] != NULL) {
			args[n] = (char *)cases[i][n];
			n++;
		}
		f->nb_writes = 0;
		if (fake_run_argv(f, n, args) != SETUP_EXIT_USAGE)
			fail_msg("case %zu (%s %s %s) was not a usage error", i, cases[i][0],
				 cases[i][1], cases[i][2] ? cases[i][2] : "");
		assert_string_equal(f->out, "");
		assert_int_equal(f->nb_writes, 0);
		assert_int_equal(f->nb_owner_sets, 0);
	}
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--owner", "1000:"), SETUP_EXIT_USAGE);
	assert_contains(f->err, "--owner '1000:': the group after ':' is empty");
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--owner=vdk-no-such-user-x"),
			 SETUP_EXIT_USAGE);
	assert_contains(f->err, "no user 'vdk-no-such-user-x' in the user database; a number "
			"works without one");
}

static void
test_owner_may_follows_the_permission_bits(void **state)
{
	struct setup_owner u = { .set = true, .uid = 4000000, .gid = 4000001, .has_gid = true };
	struct setup_owner bare = { .set = true, .uid = 4000000 };
	struct setup_owner root = { .set = true, .uid = 0 };
	struct stat st = { .st_uid = 0, .st_gid = 0, .st_mode = S_IFCHR | 0600 };

	(void)state;
	assert_false(setup_owner_may(&u, &st, 6));
	assert_true(setup_owner_may(&root, &st, 6));
	st.st_uid = 4000000;
	assert_true(setup_owner_may(&u, &st, 6));
	assert_true(setup_owner_may(&bare, &st, 6));
	/* The owner's bits decide for the owner, even when others' would allow. */
	st.st_mode = S_IFCHR | 0406;
	assert_false(setup_owner_may(&u, &st, 6));
	/* The group's bits for a member that is not the owner. */
	st.st_uid = 0;
	st.st_gid = 4000001;
	st.st_mode = S_IFCHR | 0660;
	assert_true(setup_owner_may(&u, &st, 6));
	assert_false(setup_owner_may(&bare, &st, 6));
	st.st_mode = S_IFCHR | 0640;
	assert_false(setup_owner_may(&u, &st, 6));
	/* Others' bits for everyone else: the kernel's 0666 container. */
	st.st_gid = 0;
	st.st_mode = S_IFCHR | 0666;
	assert_true(setup_owner_may(&bare, &st, 6));
	/* A directory needs write and search. */
	st.st_mode = S_IFDIR | 0702;
	assert_false(setup_owner_may(&bare, &st, 3));
	st.st_mode = S_IFDIR | 0703;
	assert_true(setup_owner_may(&bare, &st, 3));
}

static void
nvme_on_its_driver(struct fake *f)
{
	fake_add_device(f, "0000:00:04.0", 0x1b36, 0x0010, 0x010802, "nvme", 4);
	fake_add_driver(f, "vfio-pci");
}

static void
test_bind_owner_gives_the_group_node_to_the_user(void **state)
{
	struct fake *f = *state;
	char path[PATH_MAX];
	struct stat st;

	nvme_on_its_driver(f);
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--owner", "4000000:4000001"),
			 SETUP_EXIT_OK);
	assert_string_equal(fake_driver_of(f, "0000:00:04.0"), "vfio-pci");
	assert_int_equal(f->nb_owner_sets, 1);
	assert_string_equal(f->owner_path, "dev/vfio/4");
	assert_int_equal(f->owner_uid, 4000000);
	assert_int_equal(f->owner_gid, 4000001);
	assert_int_equal(f->owner_mode, 0660);
	assert_contains(f->out, "/dev/vfio/4: now owned by 4000000:4000001, mode 0660");
	fake_path(f, path, "dev/vfio/4");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);

	/* Bound already: only the node changes hands; without a group, 0600 and the group kept. */
	f->nb_writes = 0;
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--owner", "4000002"), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 0);
	assert_int_equal(f->nb_owner_sets, 2);
	assert_int_equal(f->owner_uid, 4000002);
	assert_int_equal(f->owner_gid, (unsigned int)-1);
	assert_int_equal(f->owner_mode, 0600);
}

static void
test_bind_owner_for_vdk_vfio_uses_its_node(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, "0000:00:06.0", 0x8086, 0x10d3, 0x020000, "e1000e", 6);
	fake_add_driver(f, "vdk-vfio-pci");
	assert_int_equal(fake_run(f, "bind", "00:06.0", "--driver", "vdk-vfio-pci", "--owner",
				  "4000000"), SETUP_EXIT_OK);
	assert_string_equal(f->owner_path, "dev/vdk-vfio/6");
	/* No container note: vdk_vfio has none. */
	assert_not_contains(f->out, "vfio/vfio");
}

static void
test_bind_owner_dry_run_changes_nothing(void **state)
{
	struct fake *f = *state;

	nvme_on_its_driver(f);
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--owner", "4000000", "--dry-run"),
			 SETUP_EXIT_OK);
	assert_contains(f->out, "would give ");
	assert_contains(f->out, "/dev/vfio/4 to 4000000 (mode 0600)");
	assert_int_equal(f->nb_owner_sets, 0);
	assert_int_equal(f->nb_writes, 0);
	assert_string_equal(fake_driver_of(f, "0000:00:04.0"), "nvme");
}

static void
test_bind_owner_refuses_a_device_without_iommu_group(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, "0000:00:04.0", 0x1b36, 0x0010, 0x010802, "nvme", 4);
	fake_add_device(f, "0000:00:05.0", 0x1b36, 0x0010, 0x010802, "nvme", -1);
	fake_add_driver(f, "vfio-pci");
	fake_file(f, "sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
	assert_int_equal(fake_run(f, "bind", "00:04.0", "00:05.0", "--owner", "4000000"),
			 SETUP_EXIT_FAIL);
	assert_contains(f->err, "0000:00:05.0: refusing --owner: the device has no IOMMU group");
	assert_contains(f->err, "nothing changed");
	assert_int_equal(f->nb_writes, 0);
	assert_int_equal(f->nb_owner_sets, 0);
	assert_string_equal(fake_driver_of(f, "0000:00:04.0"), "nvme");
}

static void
test_bind_owner_failures_are_reported(void **state)
{
	struct fake *f = *state;

	nvme_on_its_driver(f);
	f->owner_rc = -EPERM;
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--owner", "4000000"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "/dev/vfio/4 to 4000000: Operation not permitted (run as root)");
	/* The node never appears: said, and a failure. */
	f->owner_rc = 0;
	f->nb_owner_sets = 0;
	fake_run(f, "unbind", "00:04.0");
	fake_unlink(f, "dev/vfio/4");
	f->no_group_nodes = true;
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--owner", "4000000"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "/dev/vfio/4 did not appear for IOMMU group 4");
	assert_int_equal(f->nb_owner_sets, 0);
}

static void
test_bind_owner_notes_a_closed_container(void **state)
{
	struct fake *f = *state;
	char path[PATH_MAX];

	nvme_on_its_driver(f);
	fake_file(f, "dev/vfio/vfio", "");
	fake_path(f, path, "dev/vfio/vfio");
	chmod(path, 0600);
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--owner", "4000000"), SETUP_EXIT_OK);
	assert_contains(f->out, "/dev/vfio/vfio is mode 0600");
	assert_contains(f->out, "the user cannot open it; the kernel makes it 0666");
	chmod(path, 0666);
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--owner", "4000000"), SETUP_EXIT_OK);
	assert_not_contains(f->out, "cannot open it");
}

static void
hugepage_machine(struct fake *f, const char *nfree)
{
	fake_file(f, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", nfree);
	fake_file(f, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", nfree);
	fake_file(f, "proc/meminfo", "Hugepagesize:       2048 kB\n");
}

static void
test_hugepages_owner_mounts_for_the_user(void **state)
{
	struct fake *f = *state;
	char dir[PATH_MAX];

	hugepage_machine(f, "0\n");
	fake_path(f, dir, "huge");
	assert_int_equal(fake_run(f, "hugepages", "8", "--mount", dir, "--owner", "4000000:4000001"),
			 SETUP_EXIT_OK);
	assert_int_equal(f->nb_mounts, 1);
	assert_string_equal(f->mount_opts, "uid=4000000,gid=4000001,mode=0770");
	assert_contains(f->out, ", for 4000000:4000001");
	assert_int_equal(fake_run(f, "hugepages", "--size", "2M", "--mount", dir, "--owner",
				  "4000000"), SETUP_EXIT_OK);
	assert_string_equal(f->mount_opts, "pagesize=2M,uid=4000000,mode=0700");
	/* No --mount: one of the user's own, named after the uid. */
	assert_int_equal(fake_run(f, "hugepages", "--owner", "4000000", "--dry-run"),
			 SETUP_EXIT_OK);
	assert_contains(f->out, "would mount hugetlbfs on /run/vdk-hugepages-4000000 "
			"(pagesize=2M,uid=4000000,mode=0700)");
	assert_int_equal(f->nb_mounts, 2);
	assert_int_equal(f->nb_owner_sets, 0);
}

static void
test_hugepages_owner_hands_over_an_existing_mount(void **state)
{
	struct fake *f = *state;
	char dir[PATH_MAX], line[PATH_MAX + 64];

	hugepage_machine(f, "0\n");
	fake_dir(f, "huge");
	fake_path(f, dir, "huge");
	snprintf(line, sizeof(line), "nodev %s hugetlbfs rw,pagesize=2M 0 0\n", dir);
	fake_append(f, "proc/mounts", line);
	assert_int_equal(fake_run(f, "hugepages", "--mount", dir, "--owner", "4000000"),
			 SETUP_EXIT_OK);
	assert_int_equal(f->nb_mounts, 0);
	assert_int_equal(f->nb_owner_sets, 1);
	assert_string_equal(f->owner_path, "huge");
	assert_int_equal(f->owner_mode, 0700);
	f->owner_rc = -EPERM;
	assert_int_equal(fake_run(f, "hugepages", "--mount", dir, "--owner", "4000000"),
			 SETUP_EXIT_FAIL);
	assert_contains(f->err, "(run as root)");
}

/* A machine with one device on vfio-pci whose node belongs to the test's own user. */
static void
user_machine(struct fake *f, const char *memlock)
{
	char line[128];

	/* mkdtemp made the tree 0700: open it as /dev and /run are. */
	assert_int_equal(chmod(f->root, 0755), 0);
	fake_add_device(f, "0000:00:04.0", 0x1b36, 0x0010, 0x010802, NULL, 4);
	fake_add_driver(f, "vfio-pci");
	fake_bind_link(f, "0000:00:04.0", "vfio-pci");
	fake_group_node(f, "0000:00:04.0", "vfio-pci");
	fake_file(f, "dev/vfio/vfio", "");
	hugepage_machine(f, "16\n");
	snprintf(line, sizeof(line), "Limit Soft Limit Hard Limit Units\n"
		 "Max locked memory         %-20s %-20s bytes\n", memlock, memlock);
	fake_file(f, "proc/self/limits", line);
}

static void
test_status_user_with_everything_granted(void **state)
{
	struct fake *f = *state;
	char me[32], dir[PATH_MAX], line[PATH_MAX + 64], path[PATH_MAX];

	user_machine(f, "unlimited");
	fake_path(f, path, "dev/vfio/vfio");
	chmod(path, 0666);
	fake_dir(f, "huge");
	fake_path(f, dir, "huge");
	chmod(dir, 0700);
	snprintf(line, sizeof(line), "nodev %s hugetlbfs rw,pagesize=2M 0 0\n", dir);
	fake_append(f, "proc/mounts", line);
	snprintf(me, sizeof(me), "%u:%u", (unsigned int)getuid(), (unsigned int)getgid());
	assert_int_equal(fake_run(f, "status", "--user", me, "--mem", "64"), SETUP_EXIT_OK);
	assert_contains(f->out, "ok       ");
	assert_contains(f->out, "/dev/vfio/4 (0000:00:04.0, IOMMU group 4): read-write");
	assert_contains(f->out, "/dev/vfio/vfio: read-write");
	assert_contains(f->out, "hugepages: 16 free");
	assert_contains(f->out, "/huge: writable");
	/* Run as root, the user is root, whom no limit binds. */
	assert_contains(f->out, getuid() == 0 ? "memlock: root has CAP_IPC_LOCK" :
			"memlock: unlimited");
	assert_contains(f->out, "nothing missing");
	assert_not_contains(f->out, "MISSING");
	assert_int_equal(f->nb_writes, 0);
}

static void
test_status_user_names_what_is_missing_and_the_grant(void **state)
{
	struct fake *f = *state;

	user_machine(f, "8388608");
	/* The node is the test user's, mode 0600: another uid may not open it. */
	assert_int_equal(fake_run(f, "status", "--user", "4000000:4000001", "--mem", "64"),
			 SETUP_EXIT_FAIL);
	assert_contains(f->out, "MISSING  ");
	assert_contains(f->out, "/dev/vfio/4 (0000:00:04.0, IOMMU group 4): no read-write "
			"access (owner ");
	assert_contains(f->out, "grant: vdk-setup bind 0000:00:04.0 --owner 4000000:4000001");
	assert_contains(f->out, "/dev/vfio/vfio: no read-write access");
	assert_contains(f->out, "memlock: 8192 KiB, but VFIO pins the 64 MiB");
	assert_contains(f->out, "`ulimit -l 65536`");
	assert_contains(f->out, "`4000000:4000000 - memlock 65536`");
	assert_contains(f->out, "hugetlbfs: no mount this user may write");
	assert_contains(f->out, "3 missing: run the commands above as root");
	/* No --mem: the limit is told, not judged. */
	assert_int_equal(fake_run(f, "status", "--user", "4000000"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "memlock: 8192 KiB (this shell's limit)");
	assert_contains(f->out, "2 missing");
	assert_int_equal(f->nb_writes, 0);
	assert_int_equal(f->nb_owner_sets, 0);
}

static void
test_status_user_without_devices_or_hugepages(void **state)
{
	struct fake *f = *state;

	assert_int_equal(chmod(f->root, 0755), 0);
	fake_add_device(f, "0000:00:04.0", 0x1b36, 0x0010, 0x010802, "nvme", 4);
	fake_add_device(f, "0000:00:06.0", 0x8086, 0x10d3, 0x020000, "vdk-vfio-pci", 6);
	fake_group_node(f, "0000:00:06.0", "vdk-vfio-pci");
	hugepage_machine(f, "0\n");
	fake_file(f, "proc/self/limits", "Max locked memory unlimited unlimited bytes\n");
	assert_int_equal(fake_run(f, "status", "--user", "4000000"), SETUP_EXIT_FAIL);
	/* The nvme device is no one's business here; the vdk_vfio one has its own node. */
	assert_not_contains(f->out, "0000:00:04.0");
	assert_contains(f->out, "/dev/vdk-vfio/6 (0000:00:06.0, IOMMU group 6): no read-write");
	assert_contains(f->out, "grant: vdk-setup bind 0000:00:06.0 --driver vdk-vfio-pci "
			"--owner 4000000");
	assert_not_contains(f->out, "vfio/vfio");
	assert_contains(f->out, "hugepages: none free; reserve some: vdk-setup hugepages 64 "
			"--owner 4000000");
	/* Unreadable limits: said, and missing. */
	fake_unlink(f, "proc/self/limits");
	fake_unlink(f, "sys/devices/pci0000:00/0000:00:06.0/driver");
	assert_int_equal(fake_run(f, "status", "--user", "4000000"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "devices: none is on a VFIO driver; grant one: vdk-setup bind "
			"BDF --owner 4000000");
	assert_contains(f->out, "memlock: cannot read the locked-memory limit");
}

/* A node or mount under a directory the user may not search is out of reach. */
static void
test_status_user_sees_a_closed_directory_on_the_way(void **state)
{
	struct fake *f = *state;
	char dir[PATH_MAX], line[PATH_MAX + 64], closed[PATH_MAX];
	struct setup_owner o = { .set = true, .uid = 4000000 };

	user_machine(f, "unlimited");
	/* The node is 0666 now, but its directory is root's 0700. */
	fake_path(f, dir, "dev/vfio/4");
	chmod(dir, 0666);
	fake_path(f, dir, "dev/vfio");
	chmod(dir, 0700);
	fake_dir(f, "run/closed/huge");
	fake_path(f, dir, "run/closed");
	chmod(dir, 0700);
	fake_path(f, dir, "run/closed/huge");
	chmod(dir, 0777);
	snprintf(line, sizeof(line), "nodev %s hugetlbfs rw,pagesize=2M 0 0\n", dir);
	fake_append(f, "proc/mounts", line);
	assert_false(setup_owner_may_reach(&o, dir, closed, sizeof(closed)));
	assert_true(strlen(closed) > strlen(f->root));
	assert_string_equal(closed + strlen(f->root), "/run/closed");
	assert_int_equal(fake_run(f, "status", "--user", "4000000"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "/dev/vfio/4 (0000:00:04.0, IOMMU group 4): out of reach: the "
			"user may not search ");
	assert_contains(f->out, "/run/closed/huge: out of reach: the user may not search ");
	assert_not_contains(f->out, "/huge: writable");
	/* Opened, both are fine. */
	fake_path(f, dir, "run/closed");
	chmod(dir, 0755);
	fake_path(f, dir, "dev/vfio");
	chmod(dir, 0755);
	assert_true(setup_owner_may_reach(&o, f->root, closed, sizeof(closed)));
	assert_int_equal(fake_run(f, "status", "--user", "4000000"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "/dev/vfio/4 (0000:00:04.0, IOMMU group 4): read-write");
	assert_contains(f->out, "/run/closed/huge: writable");
}

/* The real operation: a directory and a node change hands; links and files do not. */
static void
test_default_set_owner_refuses_links_and_files(void **state)
{
	struct fake *f = *state;
	struct setup_ctx ctx;
	char dir[PATH_MAX], file[PATH_MAX], link[PATH_MAX];
	struct stat st;

	fake_dir(f, "d");
	fake_file(f, "file", "");
	fake_link(f, "d", "link");
	fake_path(f, dir, "d");
	fake_path(f, file, "file");
	fake_path(f, link, "link");
	fake_ctx(f, &ctx, stdout, stderr);
	/* Our own uid: allowed without root too. */
	assert_int_equal(setup_default_ops.set_owner(&ctx, dir, getuid(), (gid_t)-1, 0700), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(setup_default_ops.set_owner(&ctx, dir, getuid(), (gid_t)-1, 0750), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(setup_default_ops.set_owner(&ctx, link, getuid(), (gid_t)-1, 0700),
			 -ELOOP);
	assert_int_equal(setup_default_ops.set_owner(&ctx, file, getuid(), (gid_t)-1, 0700),
			 -EINVAL);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	if (getuid() == 0) {
		/* Root gives it away for real. */
		assert_int_equal(setup_default_ops.set_owner(&ctx, dir, 4000000, 4000001, 0770), 0);
		assert_int_equal(stat(dir, &st), 0);
		assert_int_equal(st.st_uid, 4000000);
		assert_int_equal(st.st_gid, 4000001);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_numbers_need_no_user_database),
		cmocka_unit_test(test_owner_names_come_from_the_user_database),
		cmocka_unit_test(test_owner_malformed_specs_are_refused),
		cmocka_unit_test(test_owner_may_follows_the_permission_bits),
#define T(t) cmocka_unit_test_setup_teardown(t, fake_setup, fake_teardown)
		T(test_owner_options_belong_to_their_commands),
		T(test_bind_owner_gives_the_group_node_to_the_user),
		T(test_bind_owner_for_vdk_vfio_uses_its_node),
		T(test_bind_owner_dry_run_changes_nothing),
		T(test_bind_owner_refuses_a_device_without_iommu_group),
		T(test_bind_owner_failures_are_reported),
		T(test_bind_owner_notes_a_closed_container),
		T(test_hugepages_owner_mounts_for_the_user),
		T(test_hugepages_owner_hands_over_an_existing_mount),
		T(test_status_user_with_everything_granted),
		T(test_status_user_names_what_is_missing_and_the_grant),
		T(test_status_user_without_devices_or_hugepages),
		T(test_status_user_sees_a_closed_directory_on_the_way),
		T(test_default_set_owner_refuses_links_and_files),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
