/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finding running VDK processes and talking to their telemetry sockets:
 * RUNTIME_DIR/PREFIX/telemetry.PID, one SOCK_SEQPACKET record a request
 * and a reply.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tel.h"
#include "vdk_telemetry.h"

static int
by_pid(const void *a, const void *b)
{
	const struct tel_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int
tel_find(const char *prefix, struct tel_proc *procs, int max)
{
	char base[PATH_MAX], dir[PATH_MAX + NAME_MAX + 2];
	struct dirent *de;
	int n = 0, ret;
	long pid;
	char end;
	DIR *d;

	ret = vdk_telemetry_runtime_dir(base, sizeof(base));
	if (ret < 0)
		return ret;
	snprintf(dir, sizeof(dir), "%s/%s", base, prefix);
	d = opendir(dir);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL && n < max) {
		if (sscanf(de->d_name, "telemetry.%ld%c", &pid, &end) != 1 || pid <= 0)
			continue;
		/* A socket a killed process left behind. */
		if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
			continue;
		procs[n].pid = pid;
		if ((size_t)snprintf(procs[n].path, sizeof(procs[n].path), "%s/%s", dir,
				     de->d_name) >= sizeof(procs[n].path))
			continue;
		n++;
	}
	closedir(d);
	qsort(procs, (size_t)n, sizeof(*procs), by_pid);
	return n;
}

/* One record from @fd within @timeout_ms, NUL-terminated; NULL with errno. */
static char *
recv_record(int fd, size_t max, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *buf;
	ssize_t n;
	int r;

	r = poll(&p, 1, timeout_ms);
	if (r <= 0) {
		errno = r == 0 ? ETIMEDOUT : errno;
		return NULL;
	}
	buf = malloc(max + 1);
	if (buf == NULL)
		return NULL;
	n = recv(fd, buf, max + 1, MSG_TRUNC);
	if (n <= 0 || (size_t)n > max) {
		free(buf);
		errno = n == 0 ? ECONNRESET : n < 0 ? errno : EMSGSIZE;
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int
tel_connect(const char *path, struct tel_conn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_t *g;
	char *hello;
	int err;

	c->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	hello = recv_record(c->fd, 4096, 2000);
	if (hello == NULL)
		goto fail;
	g = json_loads(hello, 0, NULL);
	free(hello);
	if (!json_is_integer(json_object_get(g, "max_output_len"))) {
		/* A busy server says so instead of greeting. */
		json_decref(g);
		close(c->fd);
		c->fd = -1;
		return -EBUSY;
	}
	c->pid = (long)json_integer_value(json_object_get(g, "pid"));
	c->max_output = (size_t)json_integer_value(json_object_get(g, "max_output_len"));
	json_decref(g);
	return 0;
fail:
	err = errno;
	close(c->fd);
	c->fd = -1;
	return -err;
}

void
tel_close(struct tel_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

char *
tel_query(struct tel_conn *c, const char *cmd, int timeout_ms)
{
	size_t len = strlen(cmd);

	if (send(c->fd, cmd, len, MSG_NOSIGNAL) != (ssize_t)len)
		return NULL;
	return recv_record(c->fd, c->max_output, timeout_ms);
}

json_t *
tel_query_value(struct tel_conn *c, const char *cmd, int timeout_ms)
{
	char *reply = tel_query(c, cmd, timeout_ms), key[VDK_TELEMETRY_CMD_LEN];
	const char *comma = strchr(cmd, ',');
	json_t *all, *v;

	if (reply == NULL)
		return NULL;
	all = json_loads(reply, 0, NULL);
	free(reply);
	snprintf(key, sizeof(key), "%.*s", (int)(comma != NULL ? comma - cmd : (long)strlen(cmd)),
		 cmd);
	v = json_incref(json_object_get(all, key));
	json_decref(all);
	if (json_is_null(v)) {
		json_decref(v);
		v = NULL;
	}
	if (v == NULL)
		errno = EPROTO;
	return v;
}
