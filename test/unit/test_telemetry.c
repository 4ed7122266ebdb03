/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The telemetry server without the EAL: requests handled as the socket
 * would hand them over (good, unknown, malformed, oversized), command
 * registration, and the socket itself in a runtime directory of the
 * test's own: its mode, a symlink planted where its folder goes, a stale
 * socket of a dead process, the client limit, and that stop removes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "telemetry_internal.h"
#include "test_common.h"
#include "vdk_telemetry.h"

static char base[] = "/tmp/vdk-test-telemetry-XXXXXX";

/* Telemetry's messages, into the log the tests capture. */
static void
to_log(const char *msg)
{
	vdk_log(VDK_LOG_ERR, VDK_LOGTYPE_EAL, "telemetry: %s\n", msg);
}
static char last_params[VDK_TELEMETRY_REQ_LEN];

static int
cmd_echo(const char *cmd, const char *params, json_t **reply)
{
	(void)cmd;
	snprintf(last_params, sizeof(last_params), "%s", params);
	*reply = json_string(params);
	return 0;
}

static int
cmd_port(const char *cmd, const char *params, json_t **reply)
{
	unsigned long v;
	int ret = vdk_telemetry_param_uint(params, 31, &v);

	(void)cmd;
	if (ret < 0)
		return ret;
	*reply = json_integer((json_int_t)v);
	return 0;
}

static int
cmd_fails(const char *cmd, const char *params, json_t **reply)
{
	(void)cmd;
	(void)params;
	*reply = json_string("dropped");	/* freed by the server, not sent */
	if (params[0] == 'm')
		vdk_telemetry_error("the test's own message");
	return -EIO;
}

/* Objects by name for vdk_telemetry_reply_named(): "a" and "b"; "broken" fails. */
static int
find_named(const char *name, void *arg, json_t **found)
{
	assert_ptr_equal(arg, last_params);
	if (strcmp(name, "broken") == 0) {
		*found = json_string("half made");	/* dropped with the error */
		return -EIO;
	}
	if (strcmp(name, "a") == 0 || strcmp(name, "b") == 0)
		*found = json_pack("{ss}", "name", name);
	return 0;
}

static int
cmd_named(const char *cmd, const char *params, json_t **reply)
{
	return vdk_telemetry_reply_named(cmd, params, "widget", "/test/widgets", find_named,
					 last_params, reply);
}

static int
cmd_huge(const char *cmd, const char *params, json_t **reply)
{
	static char big[VDK_TELEMETRY_MAX_OUTPUT + 1];

	(void)cmd;
	(void)params;
	memset(big, 'a', sizeof(big) - 1);
	*reply = json_string(big);
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	if (mkdtemp(base) == NULL)
		return -1;
	assert_int_equal(vdk_telemetry_register_cmd("/test/echo", cmd_echo, "echoes"), 0);
	assert_int_equal(vdk_telemetry_register_cmd("/test/port", cmd_port, "a port"), 0);
	assert_int_equal(vdk_telemetry_register_cmd("/test/fails", cmd_fails, "fails"), 0);
	assert_int_equal(vdk_telemetry_register_cmd("/test/huge", cmd_huge, "too big"), 0);
	assert_int_equal(vdk_telemetry_register_cmd("/test/named", cmd_named, "by name"), 0);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rmdir(base);
	return 0;
}

/* The reply to @req as parsed JSON; fails the test if it is not JSON. */
static json_t *
ask_len(const char *req, size_t len)
{
	json_error_t err;
	char *reply = NULL;
	long n = telemetry_handle(req, len, &reply);
	json_t *v;

	assert_true(n > 0);
	assert_non_null(reply);
	assert_int_equal(strlen(reply), (size_t)n);
	v = json_loads(reply, 0, &err);
	if (v == NULL)
		fail_msg("reply to '%s' is not JSON: %s (%s)", req, reply, err.text);
	free(reply);
	return v;
}

static json_t *
ask(const char *req)
{
	return ask_len(req, strlen(req));
}

static void
assert_error(json_t *v, const char *cmd, const char *text)
{
	json_t *e = json_object_get(v, "error");

	assert_non_null(e);
	if (strstr(json_string_value(e), text) == NULL)
		fail_msg("error '%s' does not say '%s'", json_string_value(e), text);
	if (cmd != NULL)
		assert_true(json_is_null(json_object_get(v, cmd)));
	else
		assert_int_equal(json_object_size(v), 1);
	json_decref(v);
}

static void
test_handle_wraps_the_reply_in_the_command_name(void **state)
{
	json_t *v;

	(void)state;
	v = ask("/test/echo,a b,c");
	assert_string_equal(json_string_value(json_object_get(v, "/test/echo")), "a b,c");
	assert_int_equal(json_object_size(v), 1);
	json_decref(v);
	/* A line typed into nc ends in a newline. */
	v = ask("/test/port,7\r\n");
	assert_int_equal(json_integer_value(json_object_get(v, "/test/port")), 7);
	json_decref(v);
	v = ask("/test/echo");
	assert_string_equal(last_params, "");
	json_decref(v);
}

static void
test_handle_lists_commands_and_their_help(void **state)
{
	json_t *v, *list;
	bool seen = false;
	size_t i;
	json_t *c;

	(void)state;
	v = ask("/");
	list = json_object_get(v, "/");
	assert_true(json_is_array(list));
	json_array_foreach(list, i, c)
		seen |= strcmp(json_string_value(c), "/test/port") == 0;
	assert_true(seen);
	json_decref(v);
	v = ask("/help,/test/port");
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "/help"),
							       "/test/port")), "a port");
	json_decref(v);
	assert_error(ask("/help,/nope"), "/help", "no command '/nope'");
}

static void
test_handle_rejects_bad_requests_with_an_error_reply(void **state)
{
	char big[VDK_TELEMETRY_REQ_LEN + 10];

	(void)state;
	assert_error(ask("/test/nope"), "/test/nope", "unknown command /test/nope");
	assert_error(ask(""), NULL, "empty request");
	assert_error(ask("\n"), NULL, "empty request");
	assert_error(ask("test/echo"), NULL, "is not a command");
	assert_error(ask("/test/ec ho"), NULL, "is not a command");
	assert_error(ask("/test/echo,\x01"), NULL, "byte 0x01 at offset 11");
	assert_error(ask_len("/test/echo\0,x", 13), NULL, "byte 0x00 at offset 10");
	assert_error(ask("/test/echo,\xc3\xa9"), NULL, "byte 0xc3");
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	/* Exactly at the limit, and a record the socket truncated (len > read). */
	assert_error(ask_len(big, VDK_TELEMETRY_REQ_LEN), NULL, "too long");
	assert_error(ask_len(big, 100000), NULL, "request of 100000 bytes too long");
	memset(big, 'a', VDK_TELEMETRY_CMD_LEN + 1);
	big[0] = '/';
	assert_error(ask_len(big, VDK_TELEMETRY_CMD_LEN), NULL, "is not a command");
}

static void
test_handle_reports_command_failures(void **state)
{
	(void)state;
	assert_error(ask("/test/fails"), "/test/fails", strerror(EIO));
	assert_error(ask("/test/fails,m"), "/test/fails", "the test's own message");
	/* The message does not stick to the next failure. */
	assert_error(ask("/test/fails"), "/test/fails", strerror(EIO));
	assert_error(ask("/test/huge"), "/test/huge", "reply longer than");
	assert_error(ask("/test/port"), "/test/port", "a number is needed");
	assert_error(ask("/test/port,32"), "/test/port", "not a number from 0 to 31");
	assert_error(ask("/test/port,-1"), "/test/port", "not a number");
	assert_error(ask("/test/port,1x"), "/test/port", "not a number");
	assert_error(ask("/test/port,99999999999999999999999"), "/test/port", "not a number");
}

/* The helper behind /mempool/info,NAME and /nvme/qpairs,BDF. */
static void
test_reply_named_finds_by_name_and_says_what_lists_them(void **state)
{
	json_t *v;

	(void)state;
	v = ask("/test/named,b");
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "/test/named"),
							      "name")), "b");
	json_decref(v);
	assert_error(ask("/test/named"), "/test/named",
		     "name the widget: /test/named,NAME (/test/widgets lists them)");
	assert_error(ask("/test/named,c"), "/test/named", "no widget 'c': /test/widgets lists them");
	assert_error(ask("/test/named,broken"), "/test/named", strerror(EIO));
}

static void
test_register_refuses_bad_names_and_duplicates(void **state)
{
	(void)state;
	assert_int_equal(vdk_telemetry_register_cmd("/test/echo", cmd_echo, "x"), -EEXIST);
	assert_int_equal(vdk_telemetry_register_cmd("test", cmd_echo, "x"), -EINVAL);
	assert_int_equal(vdk_telemetry_register_cmd("/a,b", cmd_echo, "x"), -EINVAL);
	assert_int_equal(vdk_telemetry_register_cmd("/a b", cmd_echo, "x"), -EINVAL);
	assert_int_equal(vdk_telemetry_register_cmd("/a", NULL, "x"), -EINVAL);
	assert_int_equal(vdk_telemetry_register_cmd("/a", cmd_echo, NULL), -EINVAL);
	assert_int_equal(vdk_telemetry_register_cmd(NULL, cmd_echo, "x"), -EINVAL);
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* One record from @fd as JSON. */
static json_t *
read_json(int fd)
{
	static char buf[VDK_TELEMETRY_MAX_OUTPUT + 1];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n > 0);
	buf[n] = '\0';
	return json_loads(buf, 0, NULL);
}

/* The signals blocked in this process's thread named @name; fails if none is. */
static unsigned long long
blocked_in_thread(const char *name)
{
	char path[300], line[256], comm[32];
	unsigned long long mask = 0;
	bool found = false;
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	FILE *f;

	assert_non_null(d);
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (f == NULL || fgets(comm, sizeof(comm), f) == NULL) {
			if (f != NULL)
				fclose(f);
			continue;
		}
		fclose(f);
		comm[strcspn(comm, "\n")] = '\0';
		if (strcmp(comm, name) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", de->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "SigBlk: %llx", &mask) == 1)
				found = true;
		fclose(f);
	}
	closedir(d);
	assert_true(found);
	return mask;
}

static void
test_server_serves_a_0600_socket_and_removes_it(void **state)
{
	unsigned long long mask;
	char path[512];
	struct stat st;
	json_t *v;
	int fd;

	(void)state;
	assert_int_equal(telemetry_start(base, "srv", NULL, "VDK test", to_log), 0);
	/* The app's SIGINT and SIGTERM go to its own threads, never to the server's. */
	mask = blocked_in_thread("vdk-telemetry");
	assert_true((mask & (1ull << (SIGINT - 1))) != 0 && (mask & (1ull << (SIGTERM - 1))) != 0);
	snprintf(path, sizeof(path), "%s/srv/telemetry.%ld", base, (long)getpid());
	assert_string_equal(vdk_telemetry_socket_path(), path);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/srv", base);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	fd = connect_to(vdk_telemetry_socket_path());
	assert_true(fd >= 0);
	v = read_json(fd);
	assert_int_equal(json_integer_value(json_object_get(v, "pid")), getpid());
	assert_int_equal(json_integer_value(json_object_get(v, "max_output_len")),
			 VDK_TELEMETRY_MAX_OUTPUT);
	json_decref(v);
	assert_int_equal(send(fd, "/test/port,3", 12, 0), 12);
	v = read_json(fd);
	assert_int_equal(json_integer_value(json_object_get(v, "/test/port")), 3);
	json_decref(v);
	/* Oversized: the record is cut at the buffer, the reply says how long it was. */
	{
		static char big[5000];

		memset(big, 'x', sizeof(big));
		assert_int_equal(send(fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
		v = read_json(fd);
		assert_non_null(strstr(json_string_value(json_object_get(v, "error")),
				       "request of 5000 bytes too long"));
		json_decref(v);
	}
	close(fd);

	telemetry_stop();
	assert_null(vdk_telemetry_socket_path());
	assert_int_not_equal(lstat(path, &st), 0);	/* the empty folder went too */
	telemetry_stop();	/* idempotent */
}

static void
test_server_refuses_a_symlinked_folder(void **state)
{
	char link[512], target[512], entry[600];
	struct stat st;
	int ret;

	(void)state;
	snprintf(target, sizeof(target), "%s/elsewhere", base);
	snprintf(link, sizeof(link), "%s/evil", base);
	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(symlink(target, link), 0);
	log_capture();
	ret = telemetry_start(base, "evil", NULL, "VDK test", to_log);
	assert_true(ret == -ENOTDIR || ret == -ELOOP);
	assert_logged("a symlink or not a directory");
	log_release();
	assert_null(vdk_telemetry_socket_path());
	/* Nothing was made through the link. */
	snprintf(entry, sizeof(entry), "%s/telemetry.%ld", target, (long)getpid());
	assert_int_not_equal(lstat(entry, &st), 0);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(rmdir(target), 0);

	/* A folder others may write to is refused too. */
	assert_int_equal(mkdir(link, 0777), 0);
	assert_int_equal(chmod(link, 0777), 0);
	log_capture();
	assert_int_equal(telemetry_start(base, "evil", NULL, "VDK test", to_log), -EPERM);
	assert_logged("writable by others");
	log_release();
	assert_int_equal(rmdir(link), 0);
	assert_int_equal(telemetry_start(base, "../x", NULL, "VDK test", to_log), -EINVAL);
}

static void
test_server_removes_a_dead_process_socket(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[64];
	struct stat st;
	pid_t child;
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/stale", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	/* A pid that is surely dead: a child reaped already. */
	child = fork();
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/telemetry.%ld", dir, (long)child);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(telemetry_start(base, "stale", NULL, "VDK test", to_log), 0);
	assert_int_not_equal(lstat(sa.sun_path, &st), 0);
	telemetry_stop();
}

static void
test_server_turns_away_clients_past_the_limit(void **state)
{
	int fd[VDK_TELEMETRY_MAX_CLIENTS + 1];
	json_t *v;

	(void)state;
	assert_int_equal(telemetry_start(base, "limit", NULL, "VDK test", to_log), 0);
	for (int i = 0; i < VDK_TELEMETRY_MAX_CLIENTS; i++) {
		fd[i] = connect_to(vdk_telemetry_socket_path());
		assert_true(fd[i] >= 0);
		v = read_json(fd[i]);
		assert_non_null(json_object_get(v, "version"));
		json_decref(v);
	}
	fd[VDK_TELEMETRY_MAX_CLIENTS] = connect_to(vdk_telemetry_socket_path());
	v = read_json(fd[VDK_TELEMETRY_MAX_CLIENTS]);
	assert_non_null(strstr(json_string_value(json_object_get(v, "error")), "too many clients"));
	json_decref(v);
	close(fd[VDK_TELEMETRY_MAX_CLIENTS]);
	/* One leaves: the next one is served. */
	close(fd[0]);
	usleep(100000);
	fd[0] = connect_to(vdk_telemetry_socket_path());
	v = read_json(fd[0]);
	assert_non_null(json_object_get(v, "version"));
	json_decref(v);
	for (int i = 0; i < VDK_TELEMETRY_MAX_CLIENTS; i++)
		close(fd[i]);
	telemetry_stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handle_wraps_the_reply_in_the_command_name),
		cmocka_unit_test(test_handle_lists_commands_and_their_help),
		cmocka_unit_test(test_handle_rejects_bad_requests_with_an_error_reply),
		cmocka_unit_test(test_handle_reports_command_failures),
		cmocka_unit_test(test_reply_named_finds_by_name_and_says_what_lists_them),
		cmocka_unit_test(test_register_refuses_bad_names_and_duplicates),
		cmocka_unit_test(test_server_serves_a_0600_socket_and_removes_it),
		cmocka_unit_test(test_server_refuses_a_symlinked_folder),
		cmocka_unit_test(test_server_removes_a_dead_process_socket),
		cmocka_unit_test(test_server_turns_away_clients_past_the_limit),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
