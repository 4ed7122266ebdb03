/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-testpmd: forward packets between ports on dedicated lcores, driven
 * by a prompt (-i) or run for a set time (--run-time), in the manner of
 * DPDK's testpmd. See doc/testpmd.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "testpmd.h"
#include "vdk_eal.h"
#include "vdk_mbuf.h"

static void
on_signal(int sig)
{
	(void)sig;
	tp.quit = true;
}

static void
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* No SA_RESTART: a blocked read returns, so the main loop sees quit. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
show_all_stats(struct testpmd *t)
{
	uint16_t p;

	fprintf(t->out, "\nPort statistics ====================================\n");
	VDK_ETH_FOREACH_DEV(p)
		if (t->ports[p].fwd)
			tp_show_port_stats(t, p);
	fflush(t->out);
}

/* Without -i: forward until --run-time passes, a signal comes, or Enter. */
static void
run_noninteractive(struct testpmd *t)
{
	const struct tp_params *p = &t->params;
	double start = now_s(), next_stats = start + p->stats_period;
	bool watch_stdin = p->run_time == 0 && isatty(STDIN_FILENO);
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	if (watch_stdin)
		fprintf(t->out, "Press enter to exit\n");
	fflush(t->out);
	while (!t->quit) {
		double now = now_s();

		if (p->run_time > 0 && now - start >= p->run_time)
			break;
		if (p->stats_period > 0 && now >= next_stats) {
			show_all_stats(t);
			next_stats += p->stats_period;
		}
		if (watch_stdin) {
			fd_set fds;
			struct timeval tv = { 0, 10000 };

			FD_ZERO(&fds);
			FD_SET(STDIN_FILENO, &fds);
			if (select(STDIN_FILENO + 1, &fds, NULL, NULL, &tv) > 0)
				break;
		} else {
			nanosleep(&tick, NULL);
		}
	}
}

static int
app_init(struct testpmd *t)
{
	unsigned int l;

	t->out = stdout;
	t->engine = fwd_engine_find(t->params.fwd_mode);
	t->burst = t->params.burst;
	memcpy(t->txsegs, t->params.txpkts, sizeof(t->txsegs));
	t->nb_txsegs = t->params.nb_txpkts;
	t->record_burst_stats = t->params.record_burst_stats;
	VDK_LCORE_FOREACH_WORKER(l)
		t->worker_lcores[t->nb_workers++] = l;
	if (t->nb_workers == 0) {
		fprintf(t->out, "testpmd: no lcore to forward on: give the EAL at least two "
			"(for example -l 0-1)\n");
		return -EINVAL;
	}
	if (t->params.nb_cores > t->nb_workers) {
		fprintf(t->out, "testpmd: --nb-cores=%u but only %u forwarding lcore(s): give the "
			"EAL more with -l\n", t->params.nb_cores, t->nb_workers);
		return -EINVAL;
	}
	t->nb_fwd_lcores = t->params.nb_cores;
	return 0;
}

int
main(int argc, char **argv)
{
	int ret, status = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = vdk_eal_init(argc, argv);
	if (ret < 0)
		return ret == -ECANCELED ? 0 : 1;
	argc -= ret;
	argv += ret;
	tp_params_defaults(&tp.params);
	ret = tp_params_parse(&tp.params, argc, argv, stderr);
	if (ret != 0) {
		vdk_eal_cleanup();
		return ret > 0 ? 0 : 1;
	}
	if (tp.params.cmdline_file != NULL)
		fprintf(stdout, "CLI commands to be read from %s\n", tp.params.cmdline_file);
	if (app_init(&tp) != 0 || tp_ports_init(&tp) != 0) {
		status = 1;
		goto out;
	}
	signals_install();
	tp_hotplug_init(&tp);
	if (tp.params.link_check)
		tp_ports_check_link(&tp);
	/* Before forwarding starts: the file has every frame from the first. */
	if (tp.params.capture && tp_capture_start(&tp, &tp.params.capture_spec) != 0) {
		status = 1;
		goto out;
	}
	if (tp.params.cmdline_file != NULL) {
		/* As DPDK: the file runs first, then the prompt or forwarding. */
		ret = tp_cli_load(&tp, tp.params.cmdline_file);
		if (ret < 0) {
			status = 1;
			goto out;
		}
		if (tp.quit)
			goto out;
	}
	if (tp.params.interactive) {
		if (tp.params.auto_start && !tp.forwarding) {
			fprintf(tp.out, "Start automatic packet forwarding\n");
			tp_fwd_start(&tp, 0);
		}
		tp_cli_run(&tp);
	} else {
		fprintf(tp.out, "No commandline core given, start packet forwarding\n");
		if (!tp.forwarding && tp_fwd_start(&tp, tp.params.tx_first ? 1 : 0) != 0) {
			status = 1;
			goto out;
		}
		run_noninteractive(&tp);
	}
	if (tp.forwarding)
		tp_fwd_stop(&tp);
out:
	tp_fwd_cleanup(&tp);
	if (tp.capture != NULL && tp_capture_stop(&tp) != 0)
		status = 1;
	fprintf(tp.out, "\n");
	tp_ports_close_all(&tp);
	vdk_mempool_free(tp.pool);
	vdk_eal_cleanup();
	fprintf(tp.out, "\nBye...\n");
	return status;
}
