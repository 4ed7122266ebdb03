/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The telemetry socket and the thread that serves it.
 *
 * One thread, off the lcores' CPUs, polls the listening socket and up to
 * VDK_TELEMETRY_MAX_CLIENTS clients. Nothing blocks it: sockets are
 * non-blocking and a client that does not read its replies is dropped,
 * so a client can slow down or stop only the telemetry, never forwarding.
 *
 * The socket lives in BASE/PREFIX, a directory this process owns with
 * mode 0700. Every path step below BASE is opened with O_NOFOLLOW and
 * checked (owner, mode), and the socket is bound through that directory's
 * file descriptor, so a symlink planted in the path is refused, not
 * followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "telemetry_internal.h"

#define SOCK_NAME_FMT "telemetry.%ld"

struct server {
	bool running;
	int base_fd;		/* BASE, to remove PREFIX when it empties */
	int dir_fd;		/* BASE/PREFIX */
	int listen_fd;
	int stop_fd;		/* eventfd: stop the thread */
	pthread_t thread;
	char prefix[NAME_MAX + 1];
	char name[32];		/* telemetry.PID */
	char path[PATH_MAX];
	int client[VDK_TELEMETRY_MAX_CLIENTS];
	unsigned int nb_clients;
};

static struct server srv = { .base_fd = -1, .dir_fd = -1, .listen_fd = -1, .stop_fd = -1 };

int
vdk_telemetry_runtime_dir(char *buf, size_t len)
{
	const char *env = getenv("VDK_RUNTIME_DIR");
	int n;

	if (env != NULL && env[0] != '\0')
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/vdk");
	else if ((env = getenv("XDG_RUNTIME_DIR")) != NULL && env[0] != '\0')
		n = snprintf(buf, len, "%s/vdk", env);
	else
		n = snprintf(buf, len, "/tmp/vdk-%u", (unsigned int)geteuid());
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/*
 * Make (if needed) and open directory @name below @at without following
 * a symlink, and check it is ours and not writable by others.
 */
static int
open_private_dir(int at, const char *name, const char *shown)
{
	struct stat st;
	int fd;

	if (mkdirat(at, name, 0700) != 0 && errno != EEXIST) {
		TEL_LOG(ERR, "%s: cannot create: %s", shown, strerror(errno));
		return -errno;
	}
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		TEL_LOG(ERR, "%s: cannot open%s: %s", shown,
			err == ELOOP || err == ENOTDIR ? " (a symlink or not a directory: "
			"remove it)" : "", strerror(err));
		return -err;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 0022) != 0) {
		TEL_LOG(ERR, "%s: not owned by uid %u or writable by others: "
			"remove it or pick another --file-prefix", shown, (unsigned int)geteuid());
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* Open BASE (made if missing; its parents must exist). */
static int
open_base(const char *base)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(base, '/');
	int pfd, fd;

	if (slash == NULL || slash[1] == '\0') {
		TEL_LOG(ERR, "runtime directory '%s': give an absolute path "
			"in VDK_RUNTIME_DIR", base);
		return -EINVAL;
	}
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - base), base);
	pfd = open(parent[0] != '\0' ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		TEL_LOG(ERR, "runtime directory's parent %s: %s", parent,
			strerror(errno));
		return -errno;
	}
	fd = open_private_dir(pfd, slash + 1, base);
	close(pfd);
	return fd;
}

/* Remove sockets of processes that died without removing theirs. */
static void
remove_stale(int dir_fd)
{
	int fd = dup(dir_fd);
	struct dirent *de;
	struct stat st;
	DIR *d;
	long pid;
	char end;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (sscanf(de->d_name, SOCK_NAME_FMT "%c", &pid, &end) != 1 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISSOCK(st.st_mode))
			unlinkat(dir_fd, de->d_name, 0);
	}
	closedir(d);
}

static int
bind_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The socket file takes the socket inode's mode: 0600 before it exists. */
	if (fchmod(fd, 0600) != 0)
		goto fail;
	/* Through the directory's descriptor: no path step is looked up again. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", srv.dir_fd, srv.name);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	if (fstatat(srv.dir_fd, srv.name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISSOCK(st.st_mode) || (st.st_mode & 0077) != 0) {
		unlinkat(srv.dir_fd, srv.name, 0);
		errno = EPERM;
		goto fail;
	}
	if (listen(fd, 64) != 0) {
		unlinkat(srv.dir_fd, srv.name, 0);
		goto fail;
	}
	return fd;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

/* Send one record; a client that cannot take it now is dropped. */
static int
send_reply(int fd, const char *buf, long len)
{
	ssize_t n;

	if (len < 0)
		return (int)len;
	n = send(fd, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return n == len ? 0 : -EIO;
}

static void
drop_client(unsigned int i)
{
	close(srv.client[i]);
	srv.client[i] = srv.client[--srv.nb_clients];
}

static void
accept_clients(void)
{
	char *reply = NULL;
	long len;
	int fd;

	while ((fd = accept4(srv.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (srv.nb_clients == VDK_TELEMETRY_MAX_CLIENTS) {
			char busy[96];
			int n = snprintf(busy, sizeof(busy), "{\"error\":\"too many clients: the "
					 "server serves at most %d at once\"}",
					 VDK_TELEMETRY_MAX_CLIENTS);

			send_reply(fd, busy, n);
			close(fd);
			continue;
		}
		len = telemetry_greeting(&reply);
		if (send_reply(fd, reply, len) != 0) {
			close(fd);
		} else {
			srv.client[srv.nb_clients++] = fd;
		}
		free(reply);
		reply = NULL;
	}
}

/* Read and answer one request; false when the client is gone or dropped. */
static bool
serve_client(int fd)
{
	char req[VDK_TELEMETRY_REQ_LEN];
	char *reply = NULL;
	ssize_t n;
	int ret;

	/* MSG_TRUNC: the record's real length, so an oversized one is told so. */
	n = recv(fd, req, sizeof(req), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	ret = send_reply(fd, reply, telemetry_handle(req, (size_t)n, &reply));
	free(reply);
	return ret == 0;
}

static void *
server_thread(void *arg)
{
	struct pollfd pfd[2 + VDK_TELEMETRY_MAX_CLIENTS];

	(void)arg;
	for (;;) {
		unsigned int n = srv.nb_clients;

		pfd[0] = (struct pollfd){ .fd = srv.stop_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = srv.listen_fd, .events = POLLIN };
		for (unsigned int i = 0; i < n; i++)
			pfd[2 + i] = (struct pollfd){ .fd = srv.client[i], .events = POLLIN };
		if (poll(pfd, 2 + n, -1) < 0) {
			if (errno == EINTR)
				continue;
			TEL_LOG(ERR, "%s: poll failed, the server stops: %s",
				srv.path, strerror(errno));
			break;
		}
		if (pfd[0].revents != 0)
			break;
		/* Backwards: dropping client i moves the last one into its slot. */
		for (unsigned int i = n; i-- > 0;) {
			short ev = pfd[2 + i].revents;

			if (ev == 0)
				continue;
			if ((ev & POLLIN) != 0 ? !serve_client(srv.client[i]) : true)
				drop_client(i);
		}
		if (pfd[1].revents != 0)
			accept_clients();
	}
	return NULL;
}

static void
close_fds(void)
{
	if (srv.listen_fd >= 0) {
		unlinkat(srv.dir_fd, srv.name, 0);
		close(srv.listen_fd);
	}
	/* Other processes may still use PREFIX: only an empty one of ours goes. */
	if (srv.dir_fd >= 0) {
		close(srv.dir_fd);
		unlinkat(srv.base_fd, srv.prefix, AT_REMOVEDIR);
	}
	if (srv.base_fd >= 0)
		close(srv.base_fd);
	if (srv.stop_fd >= 0)
		close(srv.stop_fd);
	srv.listen_fd = srv.dir_fd = srv.base_fd = srv.stop_fd = -1;
}

int
telemetry_start(const char *base, const char *prefix, const cpu_set_t *cpus,
		const char *version, telemetry_log_fn log)
{
	pthread_attr_t attr;
	int ret;

	if (srv.running)
		return -EALREADY;
	telemetry_set_env(version, log);
	if (prefix[0] == '\0' || strchr(prefix, '/') != NULL || strcmp(prefix, ".") == 0 ||
	    strcmp(prefix, "..") == 0 || strlen(prefix) >= sizeof(srv.prefix))
		return -EINVAL;
	snprintf(srv.prefix, sizeof(srv.prefix), "%s", prefix);
	snprintf(srv.name, sizeof(srv.name), SOCK_NAME_FMT, (long)getpid());
	snprintf(srv.path, sizeof(srv.path), "%s/%s/%s", base, prefix, srv.name);
	srv.nb_clients = 0;

	ret = open_base(base);
	if (ret < 0)
		return ret;
	srv.base_fd = ret;
	ret = open_private_dir(srv.base_fd, prefix, srv.path);
	if (ret < 0)
		goto close;
	srv.dir_fd = ret;
	remove_stale(srv.dir_fd);
	ret = bind_socket();
	if (ret < 0) {
		TEL_LOG(ERR, "%s: cannot listen: %s%s", srv.path, strerror(-ret),
			ret == -EADDRINUSE ? " (something else has this name: remove it)" : "");
		goto close;
	}
	srv.listen_fd = ret;
	srv.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv.stop_fd < 0) {
		ret = -errno;
		goto close;
	}
	ret = pthread_attr_init(&attr);
	if (ret == 0 && cpus != NULL)
		ret = pthread_attr_setaffinity_np(&attr, sizeof(*cpus), cpus);
	if (ret == 0) {
		sigset_t all, old;

		/*
		 * The thread starts with every signal blocked, so that a SIGINT
		 * meant for the app's prompt or main loop is never taken here.
		 */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		ret = pthread_create(&srv.thread, &attr, server_thread, NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
	}
	if (ret != 0) {
		TEL_LOG(ERR, "%s: cannot start the server thread: %s", srv.path,
			strerror(ret));
		ret = -ret;
		goto close;
	}
	pthread_setname_np(srv.thread, "vdk-telemetry");
	srv.running = true;
	TEL_LOG(DEBUG, "serving on %s", srv.path);
	return 0;
close:
	close_fds();
	return ret;
}

void
telemetry_stop(void)
{
	uint64_t one = 1;

	if (!srv.running)
		return;
	if (write(srv.stop_fd, &one, sizeof(one)) != sizeof(one))
		TEL_LOG(ERR, "%s: cannot wake the server thread: %s", srv.path,
			strerror(errno));
	pthread_join(srv.thread, NULL);
	while (srv.nb_clients > 0)
		drop_client(srv.nb_clients - 1);
	close_fds();
	srv.running = false;
}

const char *
vdk_telemetry_socket_path(void)
{
	return srv.running ? srv.path : NULL;
}
