/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command registry and the handling of one request: parse it, find
 * the command, run it, wrap its value as {"CMD": value}. Everything a
 * client sends is input: bounded, checked byte by byte, answered with an
 * error reply when wrong, never trusted to be a C string.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telemetry_internal.h"

struct tel_cmd {
	char name[VDK_TELEMETRY_CMD_LEN];
	vdk_telemetry_cb cb;
	char help[160];
};

static struct tel_cmd cmds[VDK_TELEMETRY_MAX_CMDS];
static unsigned int nb_cmds;
/* Registration and lookup only: never held while a command runs. */
static pthread_mutex_t cmd_lock = PTHREAD_MUTEX_INITIALIZER;

static telemetry_log_fn log_fn;
static const char *version = "VDK";

void
telemetry_log(const char *fmt, ...)
{
	telemetry_log_fn fn = __atomic_load_n(&log_fn, __ATOMIC_ACQUIRE);
	char msg[512];
	va_list ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(msg);
}

void
telemetry_set_env(const char *ver, telemetry_log_fn log)
{
	version = ver != NULL ? ver : "VDK";
	__atomic_store_n(&log_fn, log, __ATOMIC_RELEASE);
}

/* What the running callback wants its client to read (vdk_telemetry_error()). */
static _Thread_local char cb_error[160];

static bool
cmd_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '/';
}

static bool
cmd_name_ok(const char *name, size_t len)
{
	if (len == 0 || len >= VDK_TELEMETRY_CMD_LEN || name[0] != '/')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!cmd_char_ok(name[i]))
			return false;
	return true;
}

int
vdk_telemetry_register_cmd(const char *cmd, vdk_telemetry_cb cb, const char *help)
{
	int ret = 0;

	if (cmd == NULL || cb == NULL || help == NULL ||
	    !cmd_name_ok(cmd, strnlen(cmd, VDK_TELEMETRY_CMD_LEN))) {
		TEL_LOG(ERR, "command %s: not registered: a name is '/' then letters, "
			"digits, '_' and '/' (at most %d), with a callback and help",
			cmd != NULL ? cmd : "(null)", VDK_TELEMETRY_CMD_LEN - 1);
		return -EINVAL;
	}
	pthread_mutex_lock(&cmd_lock);
	for (unsigned int i = 0; i < nb_cmds; i++) {
		if (strcmp(cmds[i].name, cmd) == 0) {
			ret = -EEXIST;
			goto unlock;
		}
	}
	if (nb_cmds == VDK_TELEMETRY_MAX_CMDS) {
		ret = -ENOSPC;
		goto unlock;
	}
	snprintf(cmds[nb_cmds].name, sizeof(cmds[nb_cmds].name), "%s", cmd);
	snprintf(cmds[nb_cmds].help, sizeof(cmds[nb_cmds].help), "%s", help);
	cmds[nb_cmds].cb = cb;
	nb_cmds++;
unlock:
	pthread_mutex_unlock(&cmd_lock);
	if (ret == -EEXIST)
		TEL_LOG(ERR, "command %s: registered already", cmd);
	else if (ret == -ENOSPC)
		TEL_LOG(ERR, "command %s: no room: %d commands are the most",
			cmd, VDK_TELEMETRY_MAX_CMDS);
	return ret;
}

void
vdk_telemetry_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cb_error, sizeof(cb_error), fmt, ap);
	va_end(ap);
}

int
vdk_telemetry_param_uint(const char *params, unsigned long max, unsigned long *val)
{
	unsigned long v = 0;
	const char *p;

	if (params == NULL || val == NULL || params[0] == '\0') {
		vdk_telemetry_error("a number is needed after the comma (0 to %lu)", max);
		return -EINVAL;
	}
	for (p = params; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > (max - (unsigned long)(*p - '0')) / 10) {
			vdk_telemetry_error("'%.32s' is not a number from 0 to %lu", params, max);
			return -EINVAL;
		}
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*val = v;
	return 0;
}

int
vdk_telemetry_reply_named(const char *cmd, const char *params, const char *what,
			  const char *list_cmd, vdk_telemetry_find_cb find, void *arg,
			  json_t **reply)
{
	json_t *found = NULL;
	int ret;

	if (params == NULL || params[0] == '\0') {
		vdk_telemetry_error("name the %s: %s,NAME (%s lists them)", what, cmd, list_cmd);
		return -EINVAL;
	}
	ret = find(params, arg, &found);
	if (ret < 0) {
		json_decref(found);
		return ret;
	}
	if (found == NULL) {
		vdk_telemetry_error("no %s '%.64s': %s lists them", what, params, list_cmd);
		return -ENOENT;
	}
	*reply = found;
	return 0;
}

static bool
find_cmd(const char *name, struct tel_cmd *out)
{
	bool found = false;

	pthread_mutex_lock(&cmd_lock);
	for (unsigned int i = 0; i < nb_cmds && !found; i++) {
		if (strcmp(cmds[i].name, name) == 0) {
			*out = cmds[i];
			found = true;
		}
	}
	pthread_mutex_unlock(&cmd_lock);
	return found;
}

/* "/": every command, in the order registered. */
static int
cmd_list(const char *cmd, const char *params, json_t **reply)
{
	json_t *a = json_array();

	(void)cmd;
	(void)params;
	if (a == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&cmd_lock);
	for (unsigned int i = 0; i < nb_cmds; i++)
		json_array_append_new(a, json_string(cmds[i].name));
	pthread_mutex_unlock(&cmd_lock);
	*reply = a;
	return 0;
}

/* "/help,CMD": the command's help line. */
static int
cmd_help(const char *cmd, const char *params, json_t **reply)
{
	struct tel_cmd c;

	(void)cmd;
	if (!find_cmd(params, &c)) {
		vdk_telemetry_error("no command '%.64s': / lists them", params);
		return -ENOENT;
	}
	*reply = json_pack("{ss}", c.name, c.help);
	return *reply != NULL ? 0 : -ENOMEM;
}

__attribute__((constructor)) static void
telemetry_register_builtin(void)
{
	vdk_telemetry_register_cmd("/", cmd_list, "Every command, as a list.");
	vdk_telemetry_register_cmd("/help", cmd_help, "The help of a command: /help,/ethdev/stats");
}

/* Dump @v (stolen) as compact JSON; NULL on failure or past the output limit. */
static long
dump(json_t *v, char **out)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t n;

	json_decref(v);
	if (s == NULL)
		return -ENOMEM;
	n = strlen(s);
	if (n > VDK_TELEMETRY_MAX_OUTPUT) {
		free(s);
		return -EMSGSIZE;
	}
	*out = s;
	return (long)n;
}

/* {"error": msg}, or with @cmd {"CMD": null, "error": msg}. */
static long
error_reply(const char *cmd, const char *msg, char **out)
{
	json_t *v = cmd != NULL ? json_pack("{snss}", cmd, "error", msg)
				: json_pack("{ss}", "error", msg);

	if (v == NULL)
		return -ENOMEM;
	return dump(v, out);
}

long
telemetry_handle(const char *req, size_t len, char **reply)
{
	char cmd[VDK_TELEMETRY_CMD_LEN], params[VDK_TELEMETRY_REQ_LEN], msg[256];
	size_t cmd_len, i;
	struct tel_cmd c;
	const char *comma;
	json_t *v = NULL;
	long n;
	int ret;

	*reply = NULL;
	/* A newline ends a line typed into nc or socat: accept it. */
	if (len > 0 && len < VDK_TELEMETRY_REQ_LEN && req[len - 1] == '\n')
		len--;
	if (len > 0 && len < VDK_TELEMETRY_REQ_LEN && req[len - 1] == '\r')
		len--;
	if (len == 0)
		return error_reply(NULL, "empty request: send a command, / lists them", reply);
	if (len >= VDK_TELEMETRY_REQ_LEN) {
		snprintf(msg, sizeof(msg), "request of %zu bytes too long: at most %d", len,
			 VDK_TELEMETRY_REQ_LEN - 1);
		return error_reply(NULL, msg, reply);
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)req[i] < 0x20 || (unsigned char)req[i] > 0x7e) {
			snprintf(msg, sizeof(msg), "byte 0x%02x at offset %zu: a request is "
				 "printable ASCII", (unsigned char)req[i], i);
			return error_reply(NULL, msg, reply);
		}
	}
	comma = memchr(req, ',', len);
	cmd_len = comma != NULL ? (size_t)(comma - req) : len;
	if (!cmd_name_ok(req, cmd_len)) {
		snprintf(msg, sizeof(msg), "'%.*s' is not a command: a command is '/' then "
			 "letters, digits, '_' and '/' (at most %d); / lists them",
			 (int)(cmd_len < 64 ? cmd_len : 64), req, VDK_TELEMETRY_CMD_LEN - 1);
		return error_reply(NULL, msg, reply);
	}
	memcpy(cmd, req, cmd_len);
	cmd[cmd_len] = '\0';
	if (comma != NULL) {
		memcpy(params, comma + 1, len - cmd_len - 1);
		params[len - cmd_len - 1] = '\0';
	} else {
		params[0] = '\0';
	}
	if (!find_cmd(cmd, &c)) {
		snprintf(msg, sizeof(msg), "unknown command %s: / lists them", cmd);
		return error_reply(cmd, msg, reply);
	}

	cb_error[0] = '\0';
	ret = c.cb(cmd, params, &v);
	if (ret < 0) {
		json_decref(v);
		snprintf(msg, sizeof(msg), "%s", cb_error[0] != '\0' ? cb_error : strerror(-ret));
		return error_reply(cmd, msg, reply);
	}
	v = json_pack("{so?}", cmd, v);
	if (v == NULL)
		return error_reply(cmd, strerror(ENOMEM), reply);
	n = dump(v, reply);
	if (n == -EMSGSIZE) {
		snprintf(msg, sizeof(msg), "reply longer than %d bytes", VDK_TELEMETRY_MAX_OUTPUT);
		return error_reply(cmd, msg, reply);
	}
	return n;
}

long
telemetry_greeting(char **reply)
{
	json_t *v = json_pack("{sssIsi}", "version", version, "pid", (json_int_t)getpid(),
			      "max_output_len", VDK_TELEMETRY_MAX_OUTPUT);

	if (v == NULL)
		return -ENOMEM;
	return dump(v, reply);
}
