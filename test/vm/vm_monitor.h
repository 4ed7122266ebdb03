/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * For a command running in the vm tier's guest: ask vm-run, on the host,
 * to run one QEMU monitor (HMP) command, for what only the host can do
 * (set_link e1000e off). doc/vm-tests.md describes the exchange: the
 * request goes to $VDK_VM_OUT/monitor.request, the answer comes back in
 * monitor.reply, one at a time.
 * Compiled once (its .c), linked by the programs that use it.
 */
#ifndef VDK_VM_MONITOR_H
#define VDK_VM_MONITOR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Run @cmd in QEMU's monitor; its output (empty for most commands that
 * succeed) goes to @reply. Returns 0, or -1 outside the guest or when no
 * answer came within 10 s (vm-run looks for requests every 0.2 s).
 */
int vm_monitor(const char *cmd, char *reply, size_t len);

#endif
