/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Telemetry: a unix socket through which tools outside the process read
 * its state while it runs, in the manner of DPDK's telemetry socket.
 *
 * vdk_eal_init() starts the server (unless --no-telemetry) on
 * RUNTIME_DIR/PREFIX/telemetry.PID, RUNTIME_DIR being $VDK_RUNTIME_DIR, or
 * /run/vdk for root and $XDG_RUNTIME_DIR/vdk (else /tmp/vdk-UID) for
 * others, and PREFIX the --file-prefix. The socket is SOCK_SEQPACKET: one
 * record a request ("/ethdev/stats,0"), one record a reply, a JSON object
 * {"/ethdev/stats": {...}}. On connect the server first sends
 * {"version": ..., "pid": ..., "max_output_len": ...}.
 *
 * Components register their commands (ethdev /ethdev/..., mempool
 * /mempool/..., nvme /nvme/...), and so may an app. Replies are built with
 * libjansson: include <jansson.h> and link -ljansson to write a command.
 *
 * @code
 * static int
 * fwd_status(const char *cmd, const char *params, json_t **reply)
 * {
 *	*reply = json_pack("{s:b}", "forwarding", my_app_forwarding());
 *	return *reply != NULL ? 0 : -ENOMEM;
 * }
 * ...
 * vdk_telemetry_register_cmd("/myapp/status", fwd_status, "Whether it forwards.");
 * @endcode
 */
#ifndef VDK_TELEMETRY_H
#define VDK_TELEMETRY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* jansson's value type (json_t is a typedef of it): callers include <jansson.h>. */
struct json_t;

/** Longest command name, NUL included. */
#define VDK_TELEMETRY_CMD_LEN 64
/** Longest request, command and parameters: longer ones get an error reply. */
#define VDK_TELEMETRY_REQ_LEN 256
/** Longest reply; a command whose reply is longer answers with an error. */
#define VDK_TELEMETRY_MAX_OUTPUT 65536
/** Clients served at once; one more is told so and closed. */
#define VDK_TELEMETRY_MAX_CLIENTS 32
/** Commands that may be registered, built-in ones included. */
#define VDK_TELEMETRY_MAX_CMDS 64

/**
 * A command. Runs on the telemetry thread, never on an lcore: it may take
 * control-path locks, but must not take any lock an lcore takes.
 *
 * @param cmd the command as registered ("/ethdev/stats")
 * @param params what followed the first comma ("0"), "" if nothing did
 * @param[out] reply the value to send (ownership passes to the caller);
 *   left NULL it sends JSON null
 * @return 0, or a negative errno: the client gets {"CMD": null, "error":
 *   "..."}, the message being the one set by vdk_telemetry_error() or else
 *   strerror()'s text.
 */
typedef int (*vdk_telemetry_cb)(const char *cmd, const char *params, struct json_t **reply);

/**
 * Add a command. May be called before vdk_eal_init() (from a constructor)
 * and while the server runs; commands stay until the process exits.
 *
 * @param cmd "/" then letters, digits, '_' and '/', shorter than
 *   VDK_TELEMETRY_CMD_LEN ("/ethdev/stats")
 * @param help one line for "/help,CMD"
 * @return 0; -EINVAL for a bad name, a NULL callback or help; -EEXIST if
 *   the name is taken; -ENOSPC past VDK_TELEMETRY_MAX_CMDS. Thread-safe.
 */
int vdk_telemetry_register_cmd(const char *cmd, vdk_telemetry_cb cb, const char *help);

/**
 * From inside a command callback: the message the client gets with the
 * error the callback returns ("port 7: no such port"). printf-style.
 */
void vdk_telemetry_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Parse @p params as one unsigned number no larger than @p max (a port
 * id, a queue id), for command callbacks.
 * @return 0 with *val set; -EINVAL, with the client's error message set,
 *   for anything else (empty, signs, trailing characters, too large).
 */
int vdk_telemetry_param_uint(const char *params, unsigned long max, unsigned long *val);

/**
 * How vdk_telemetry_reply_named() finds the object a command names.
 *
 * @param name the name the client gave, not empty
 * @param arg what the command passed on
 * @param[out] found the object's reply (ownership passes to the caller),
 *   or left NULL when no object has that name
 * @return 0, or a negative errno that the command returns as it is
 */
typedef int (*vdk_telemetry_find_cb)(const char *name, void *arg, struct json_t **found);

/**
 * The reply of a command that names one object after its comma
 * ("/mempool/info,NAME"), for command callbacks: @p find looks the name
 * up; an empty name or one @p find does not know gets an error message
 * that names @p list_cmd, the command that lists the names.
 *
 * @param cmd the command, as the callback got it
 * @param params the name, as the callback got it
 * @param what the kind of object, for the messages ("pool")
 * @param list_cmd the command that lists the objects ("/mempool/list")
 * @param find looks the name up; @p arg is passed to it
 * @param arg passed to @p find
 * @param[out] reply the object's reply
 * @return 0 with *reply set; -EINVAL for an empty name; -ENOENT for a
 *   name @p find does not know; else @p find's error.
 */
int vdk_telemetry_reply_named(const char *cmd, const char *params, const char *what,
			      const char *list_cmd, vdk_telemetry_find_cb find, void *arg,
			      struct json_t **reply);

/**
 * The folder that holds one folder a file prefix, and in it the sockets
 * (telemetry.PID): $VDK_RUNTIME_DIR; else /run/vdk for root; else
 * $XDG_RUNTIME_DIR/vdk; else /tmp/vdk-UID. For clients that look for
 * running processes.
 * @return 0; -ENAMETOOLONG if @p len is too small.
 */
int vdk_telemetry_runtime_dir(char *buf, size_t len);

/**
 * Path of this process's telemetry socket, or NULL when the server does
 * not run (--no-telemetry, or it could not start: the log says why).
 */
const char *vdk_telemetry_socket_path(void);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_TELEMETRY_H */
