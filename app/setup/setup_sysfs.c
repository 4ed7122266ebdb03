/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Paths under the --sysfs/--proc/--dev roots, small file readers that
 * reject garbage instead of guessing, and the default operations that
 * change the machine.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "setup_internal.h"

int
setup_path(const struct setup_ctx *ctx, enum setup_root root, char *buf, size_t len,
	   const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, len, "%s/", ctx->root[root]);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - n)
		return -ENAMETOOLONG;
	return 0;
}

/* Read a small text file, trailing whitespace removed. */
int
setup_read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	size_t got = 0;
	int fd;

	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return (int)n;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	/*
	 * A NUL inside the value would silently cut it short; trailing NULs
	 * are how some attributes end (virtio 9p's mount_tag).
	 */
	if (strlen(buf) != got) {
		for (size_t i = strlen(buf); i < got; i++)
			if (buf[i] != '\0')
				return -EINVAL;
		got = strlen(buf);
	}
	while (got > 0 && isspace((unsigned char)buf[got - 1]))
		buf[--got] = '\0';
	return 0;
}

/* procfs escapes space, tab, newline and backslash in paths as \\ooo. */
void
setup_unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r; ) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Whole-string unsigned parse: no sign, no trailing junk, no overflow. */
int
setup_parse_ulong(const char *s, int base, unsigned long *val)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno != 0 || end == s || *end != '\0')
		return -EINVAL;
	*val = v;
	return 0;
}

int
setup_read_hex(const char *path, unsigned long *val)
{
	char buf[64];
	const char *p = buf;
	int rc;

	rc = setup_read_str(path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	/* strtoul would take a second "0x" after the first one. */
	for (const char *q = p; *q; q++)
		if (!isxdigit((unsigned char)*q))
			return -EINVAL;
	return setup_parse_ulong(p, 16, val);
}

int
setup_read_ulong(const char *path, unsigned long *val)
{
	char buf[64];
	int rc;

	rc = setup_read_str(path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	return setup_parse_ulong(buf, 10, val);
}

/* The last component of a symlink's target: a driver or a group number. */
int
setup_readlink_base(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (*base == '\0' || strlen(base) >= len)
		return -EINVAL;
	strcpy(buf, base);
	return 0;
}

static int
setup_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in a directory but "." and "..", sorted; the count or -errno. */
int
setup_list_dir(const char *path, char ***names)
{
	struct dirent *de;
	char **v = NULL, **nv;
	size_t n = 0, cap = 0;
	DIR *d;

	*names = NULL;
	d = opendir(path);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto nomem;
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (v[n] == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), setup_name_cmp);
	*names = v;
	return (int)n;
nomem:
	closedir(d);
	setup_free_list(v, (int)n);
	return -ENOMEM;
}

void
setup_free_list(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

bool
setup_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool
setup_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Every change the tool makes goes through here (see struct setup_ops). */
int
setup_write(struct setup_ctx *ctx, const char *path, const char *val)
{
	if (ctx->dry_run) {
		fprintf(ctx->out, "would write '%s' to %s\n", val, path);
		return 0;
	}
	return ctx->ops->write_attr(ctx, path, val);
}

void
setup_err(struct setup_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fputs("vdk-setup: ", ctx->err);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->err);
}

const char *
setup_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

/* No O_CREAT: a sysfs attribute that is missing means the wrong device or bus. */
static int
default_write_attr(struct setup_ctx *ctx, const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd;

	(void)ctx;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs takes one write per value; a short write is an error. */
	n = write(fd, val, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	if (close(fd) < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * Open directory @dir (made first where missing, with @create) one
 * component at a time, refusing a symbolic link anywhere on the way: each
 * step is openat(O_NOFOLLOW) relative to the last, so a link swapped in
 * between a check and the use cannot redirect it. Returns an O_PATH
 * descriptor, or -ELOOP for a link, -ENOTDIR, -ENOENT, -errno.
 */
int
setup_open_dir_nofollow(const char *dir, bool create)
{
	char buf[PATH_MAX], *save = NULL;
	int fd, next;

	if (dir[0] == '\0' || strlen(dir) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, dir);
	fd = open(dir[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (char *c = strtok_r(buf, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
		struct stat st;

		if (strcmp(c, ".") == 0)
			continue;
		if (create && mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
			goto fail;
		next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			/* O_PATH|O_DIRECTORY gives ENOTDIR for a link: say which it is. */
			if ((errno == ENOTDIR || errno == ELOOP) &&
			    fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				errno = ELOOP;
			goto fail;
		}
		close(fd);
		fd = next;
	}
	return fd;
fail:
	next = -errno;
	close(fd);
	return next;
}

/*
 * Mount on the directory the walk opened, through its /proc/self/fd link:
 * mount(2) then lands on that very directory, not on whatever a path
 * resolves to by now.
 */
static int
default_mount_hugetlbfs(struct setup_ctx *ctx, const char *dir, const char *opts)
{
	char target[64];
	int fd, rc = 0;

	(void)ctx;
	fd = setup_open_dir_nofollow(dir, true);
	if (fd < 0)
		return fd;
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount("hugetlbfs", target, "hugetlbfs", MS_NOSUID | MS_NODEV, opts) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int
default_modprobe(struct setup_ctx *ctx, const char *module)
{
	int status;
	pid_t pid;

	fflush(ctx->out);
	fflush(ctx->err);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* "--": a name can never be taken as one of modprobe's options. */
		execlp("modprobe", "modprobe", "--", module, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/*
 * Through an O_PATH descriptor opened without following a link: the
 * chown and chmod land on the node or directory that was checked, not on
 * whatever a link planted at that path points to.
 */
static int
default_set_owner(struct setup_ctx *ctx, const char *path, uid_t uid, gid_t gid,
		  unsigned int mode)
{
	char proc[64];
	struct stat st;
	int fd, rc = 0;

	(void)ctx;
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
	} else if (!S_ISCHR(st.st_mode) && !S_ISDIR(st.st_mode)) {
		rc = S_ISLNK(st.st_mode) ? -ELOOP : -EINVAL;	/* only nodes and directories */
	} else if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0) {
		rc = -errno;
	} else {
		/* fchmod refuses an O_PATH fd; its /proc link reaches the same inode. */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (chmod(proc, mode) < 0)
			rc = -errno;
	}
	close(fd);
	return rc;
}

static void
default_sleep_ms(struct setup_ctx *ctx, unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	(void)ctx;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const struct setup_ops setup_default_ops = {
	.write_attr = default_write_attr,
	.mount_hugetlbfs = default_mount_hugetlbfs,
	.modprobe = default_modprobe,
	.sleep_ms = default_sleep_ms,
	.set_owner = default_set_owner,
};
