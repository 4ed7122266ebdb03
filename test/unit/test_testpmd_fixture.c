/* SPDX-License-Identifier: BSD-3-Clause */
/* The testpmd command tests' fixture (test_testpmd_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_testpmd_fixture.h"
#include "vdk_eal.h"
#include "vdk_mempool.h"
#include "vdk_vdev.h"

#define TP_FIXTURE_MAX_PORTS 4

char *tp_out_buf;
size_t tp_out_len;

int
tp_fixture_up(const char *prog, unsigned int nb_ports)
{
	static char names[TP_FIXTURE_MAX_PORTS][16];
	char *argv[5 + 2 * TP_FIXTURE_MAX_PORTS + 1] = { (char *)prog, "--no-huge", "-l", "0-1",
							 "--no-pci" };
	int argc = 5;

	if (nb_ports > TP_FIXTURE_MAX_PORTS)
		return -1;
	for (unsigned int i = 0; i < nb_ports; i++) {
		snprintf(names[i], sizeof(names[i]), "net_null%u", i);
		argv[argc++] = "--vdev";
		argv[argc++] = names[i];
	}
	argv[argc] = NULL;
	if (vdk_eal_init(argc, argv) < 0 || vdk_vdev_probe_all() != 0)
		return -1;
	tp_fixture_state();
	return tp_ports_init(&tp) == 0 ? 0 : -1;
}

void
tp_fixture_state(void)
{
	tp_params_defaults(&tp.params);
	tp.out = tmpfile();
	tp.engine = &fwd_io_engine;
	tp.burst = 32;
	tp.txsegs[0] = 64;
	tp.nb_txsegs = 1;
	tp.worker_lcores[0] = 1;
	tp.nb_workers = 1;
	tp.nb_fwd_lcores = 1;
}

int
tp_fixture_down(void **state)
{
	(void)state;
	tp_fwd_cleanup(&tp);
	tp_ports_close_all(&tp);
	vdk_vdev_remove_all();
	vdk_mempool_free(tp.pool);
	fclose(tp.out);
	tp.out = NULL;
	free(tp_out_buf);
	tp_out_buf = NULL;
	return vdk_eal_cleanup();
}

void
tp_out_open(void)
{
	if (tp.out != NULL)
		fclose(tp.out);
	free(tp_out_buf);
	tp_out_buf = NULL;
	tp.out = open_memstream(&tp_out_buf, &tp_out_len);
	assert_non_null(tp.out);
}

const char *
tp_run(const char *line, int expect)
{
	int ret;

	tp_out_open();
	ret = tp_cmd_exec(&tp, line);
	fflush(tp.out);
	if (ret != expect)
		fail_msg("'%s' returned %d, not %d; printed: %s", line, ret, expect, tp_out_buf);
	return tp_out_buf;
}

void
tp_expect_output(const char *line, int expect, const char *needle)
{
	const char *o = tp_run(line, expect);

	if (strstr(o, needle) == NULL)
		fail_msg("'%s' printed \"%s\", which lacks \"%s\"", line, o, needle);
}
