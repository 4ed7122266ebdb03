/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Between net_memif's control thread (memif_socket.c: sockets, epoll,
 * listening, connecting, port control) and the protocol it runs on each
 * connection (memif_conn.c: messages, the connection's states, the shared
 * memory). Both run under the control thread's lock.
 */
#ifndef MEMIF_CONN_INTERNAL_H
#define MEMIF_CONN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "memif_internal.h"

/* A client tries again this long after a failure or a disconnection. */
#define MEMIF_RETRY_MS 500

struct memif_channel;

/* ---- memif_conn.c: the protocol ---- */

/*
 * Server: take the connection @fd accepted on @l and say HELLO, offering
 * @rx client-to-server and @tx server-to-client rings. @fd is the
 * channel's (closed on failure).
 */
void memif_conn_accept(struct memif_listener *l, int fd, unsigned int rx, unsigned int tx);

/* Client: @fd is connected to @p's server; wait for its HELLO. @return 0 or -errno (@fd closed). */
int memif_conn_open(struct memif_port *p, int fd);

/* A message is waiting on @cc: handle it (the channel may be closed after). */
void memif_conn_input(struct memif_channel *cc);

/*
 * End @p's connection: tell the peer @reason (if @tell), take the rings
 * from the datapath, unmap. A started client tries again later.
 */
void memif_conn_disconnect(struct memif_port *p, const char *reason, bool tell);

/* Record @p's link state (up while connected and started). */
void memif_link_report(struct memif_port *p);

/* ---- memif_socket.c: what the protocol needs of the thread ---- */

/* Watch @fd for @cc's input. @return the slot, or -errno. */
int memif_src_add(int fd, struct memif_channel *cc);
/* Stop watching @fd (slot @slot, < 0: none). */
void memif_src_del(int slot, int fd);
/* The port served on @l with interface @id, or NULL. */
struct memif_port *memif_server_port(const struct memif_listener *l, uint32_t id);
/* A connection on @l refused before it named a port: logged once for a repeated @reason. */
void memif_listener_refused(struct memif_listener *l, const char *reason);
uint64_t memif_now_ns(void);

#endif /* MEMIF_CONN_INTERNAL_H */
