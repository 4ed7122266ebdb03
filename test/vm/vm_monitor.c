/* SPDX-License-Identifier: BSD-3-Clause */
/* The monitor request of vm_monitor.h. */
#include "vm_monitor.h"

int
vm_monitor(const char *cmd, char *reply, size_t len)
{
	const char *dir = getenv("VDK_VM_OUT");
	char req[512], tmp[512], ans[512];
	struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
	FILE *f;
	size_t n;
	int i;

	reply[0] = '\0';
	if (dir == NULL)
		return -1;
	snprintf(req, sizeof(req), "%s/monitor.request", dir);
	snprintf(tmp, sizeof(tmp), "%s/monitor.request.tmp", dir);
	snprintf(ans, sizeof(ans), "%s/monitor.reply", dir);
	unlink(ans);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%s\n", cmd);
	/* Renamed whole, so the host never reads half a line. */
	if (fclose(f) != 0 || rename(tmp, req) != 0)
		return -1;
	for (i = 0; i < 200; i++) {
		f = fopen(ans, "r");
		if (f != NULL) {
			n = fread(reply, 1, len - 1, f);
			reply[n] = '\0';
			fclose(f);
			unlink(ans);
			/* HMP ends what it prints with a newline. */
			while (n > 0 && (reply[n - 1] == '\n' || reply[n - 1] == '\r'))
				reply[--n] = '\0';
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}
