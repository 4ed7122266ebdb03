/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-telemetry: look into running VDK processes through their telemetry
 * sockets. Interactive (libedit, tab completes the process's commands),
 * one-shot (-c CMD, repeatable), a list of the processes of a prefix (-l),
 * or an OpenMetrics exporter for Prometheus (--exporter [ADDR:]PORT).
 */
#include <errno.h>
#include <getopt.h>
#include <histedit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tel.h"
#include "vdk_telemetry.h"

#define TIMEOUT_MS 5000
#define PROMPT "vdk-telemetry> "
#define MAX_CMDS 16

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: vdk-telemetry [-f PREFIX] [-p PID] [-c CMD]...\n"
		"       vdk-telemetry [-f PREFIX] -l\n"
		"       vdk-telemetry [-f PREFIX] --exporter [ADDR:]PORT\n"
		"\n"
		"Talks to the telemetry socket of a running VDK process (vdk-testpmd,\n"
		"vdk-nvme-perf, any app on the EAL without --no-telemetry).\n"
		"\n"
		"  -f, --file-prefix PREFIX  the processes' --file-prefix (default vdk)\n"
		"  -p, --pid PID             which process, when the prefix has several\n"
		"  -c, --command CMD         send CMD (\"/ethdev/stats,0\"), print the reply\n"
		"                            and exit; repeatable. Without -c: a prompt\n"
		"                            (tab completes; \"/\" lists the commands)\n"
		"  -l, --list                list the processes: pid, app, socket\n"
		"  -e, --exporter [ADDR:]PORT\n"
		"                            serve every process's counters on\n"
		"                            http://ADDR:PORT/metrics for Prometheus\n"
		"                            (OpenMetrics); ADDR defaults to 127.0.0.1\n"
		"  -h, --help                this help\n"
		"\n"
		"Sockets are in %s/PREFIX/telemetry.PID ($VDK_RUNTIME_DIR overrides).\n",
		"/run/vdk (root), $XDG_RUNTIME_DIR/vdk or /tmp/vdk-UID");
}

/* The socket of the one process asked for; prints why not. */
static int
pick(const char *prefix, long want_pid, struct tel_proc *out)
{
	struct tel_proc procs[TEL_MAX_PROCS];
	int n = tel_find(prefix, procs, TEL_MAX_PROCS);

	if (n < 0 && n != -ENOENT) {
		fprintf(stderr, "vdk-telemetry: prefix %s: %s\n", prefix, strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (want_pid == 0 ? n == 1 : procs[i].pid == want_pid) {
			*out = procs[i];
			return 0;
		}
	}
	if (n <= 0 || want_pid != 0) {
		fprintf(stderr, "vdk-telemetry: no running VDK process with file prefix '%s'%s: "
			"is it running, with telemetry (no --no-telemetry), as this user? "
			"-f PREFIX names another prefix\n", prefix,
			want_pid != 0 ? " and that pid" : "");
		return -ENOENT;
	}
	fprintf(stderr, "vdk-telemetry: %d processes have file prefix '%s': pick one with -p:",
		n, prefix);
	for (int i = 0; i < n; i++)
		fprintf(stderr, " %ld", procs[i].pid);
	fputc('\n', stderr);
	return -EEXIST;
}

static int
list(const char *prefix)
{
	struct tel_proc procs[TEL_MAX_PROCS];
	int n = tel_find(prefix, procs, TEL_MAX_PROCS);

	if (n < 0 && n != -ENOENT) {
		fprintf(stderr, "vdk-telemetry: prefix %s: %s\n", prefix, strerror(-n));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct tel_conn c;
		json_t *info = NULL;

		if (tel_connect(procs[i].path, &c) == 0) {
			info = tel_query_value(&c, "/info", TIMEOUT_MS);
			tel_close(&c);
		}
		printf("%ld %s %s\n", procs[i].pid,
		       info != NULL ? json_string_value(json_object_get(info, "app")) : "?",
		       procs[i].path);
		json_decref(info);
	}
	return 0;
}

/* The process's commands, for completion. */
static json_t *cmd_list;

static unsigned char
complete(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	size_t len = (size_t)(li->cursor - li->buffer), common = 0;
	const char *first = NULL;
	unsigned int n = 0;
	json_t *c;
	size_t i;

	(void)ch;
	json_array_foreach(cmd_list, i, c) {
		const char *s = json_string_value(c);

		if (strncmp(s, li->buffer, len) != 0)
			continue;
		if (n++ == 0) {
			first = s;
			common = strlen(s);
		} else {
			size_t k = 0;

			while (k < common && s[k] == first[k])
				k++;
			common = k;
		}
	}
	if (n == 0)
		return CC_ERROR;
	if (common > len) {
		char ins[VDK_TELEMETRY_CMD_LEN];

		snprintf(ins, sizeof(ins), "%.*s", (int)(common - len), first + len);
		el_insertstr(el, ins);
		return CC_REFRESH;
	}
	fputc('\n', stdout);
	json_array_foreach(cmd_list, i, c)
		if (strncmp(json_string_value(c), li->buffer, len) == 0)
			printf("%s  ", json_string_value(c));
	fputc('\n', stdout);
	return CC_REDISPLAY;
}

static const char *
prompt(EditLine *el)
{
	(void)el;
	return PROMPT;
}

/* Send @line and print the reply, indented when @pretty. @return 0 or -1. */
static int
run_cmd(struct tel_conn *c, const char *line, bool pretty)
{
	char *reply = tel_query(c, line, TIMEOUT_MS);
	json_t *v;

	if (reply == NULL) {
		fprintf(stderr, "vdk-telemetry: %s: no reply: %s\n", line, strerror(errno));
		return -1;
	}
	v = pretty ? json_loads(reply, 0, NULL) : NULL;
	if (v != NULL) {
		json_dumpf(v, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(v);
	} else {
		puts(reply);
	}
	free(reply);
	fflush(stdout);
	return 0;
}

static int
interactive(struct tel_conn *c)
{
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	EditLine *el = NULL;
	History *hist = NULL;
	char *plain = NULL;
	size_t cap = 0;
	HistEvent ev;
	int count;

	cmd_list = tel_query_value(c, "/", TIMEOUT_MS);
	if (tty) {
		el = el_init("vdk-telemetry", stdin, stdout, stderr);
		hist = history_init();
		if (el == NULL || hist == NULL) {
			fprintf(stderr, "vdk-telemetry: cannot start the line editor\n");
			return 1;
		}
		history(hist, &ev, H_SETSIZE, 1000);
		history(hist, &ev, H_SETUNIQUE, 1);
		el_set(el, EL_EDITOR, "emacs");
		el_set(el, EL_PROMPT, prompt);
		el_set(el, EL_HIST, history, hist);
		el_set(el, EL_ADDFN, "tel-complete", "complete a telemetry command", complete);
		el_set(el, EL_BIND, "^I", "tel-complete", NULL);
		el_set(el, EL_SIGNAL, 1);
	}
	for (;;) {
		char line[VDK_TELEMETRY_REQ_LEN * 4];
		const char *in;
		size_t n;

		if (tty) {
			in = el_gets(el, &count);
		} else {
			fputs(PROMPT, stdout);
			fflush(stdout);
			in = getline(&plain, &cap, stdin) < 0 ? NULL : plain;
		}
		if (in == NULL)
			break;
		snprintf(line, sizeof(line), "%s", in);
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n == 0)
			continue;
		if (strcmp(line, "quit") == 0 || strcmp(line, "exit") == 0)
			break;
		if (tty)
			history(hist, &ev, H_ENTER, line);
		if (run_cmd(c, line, true) != 0)
			break;
	}
	if (tty) {
		history_end(hist);
		el_end(el);
	}
	free(plain);
	json_decref(cmd_list);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file-prefix", required_argument, NULL, 'f' },
		{ "pid", required_argument, NULL, 'p' },
		{ "command", required_argument, NULL, 'c' },
		{ "list", no_argument, NULL, 'l' },
		{ "exporter", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = "vdk", *exporter = NULL, *cmds[MAX_CMDS];
	unsigned int nb_cmds = 0;
	struct tel_proc proc;
	struct tel_conn c;
	bool do_list = false;
	long pid = 0;
	int opt, ret;
	char *end;

	while ((opt = getopt_long(argc, argv, "f:p:c:le:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			prefix = optarg;
			break;
		case 'p':
			pid = strtol(optarg, &end, 10);
			if (*end != '\0' || pid <= 0) {
				fprintf(stderr, "vdk-telemetry: -p '%s': give a process id\n", optarg);
				return 2;
			}
			break;
		case 'c':
			if (nb_cmds == MAX_CMDS) {
				fprintf(stderr, "vdk-telemetry: at most %d -c\n", MAX_CMDS);
				return 2;
			}
			cmds[nb_cmds++] = optarg;
			break;
		case 'l':
			do_list = true;
			break;
		case 'e':
			exporter = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || strchr(prefix, '/') != NULL || prefix[0] == '\0') {
		usage(stderr);
		return 2;
	}
	if (do_list)
		return list(prefix);
	if (exporter != NULL)
		return tel_exporter_run(prefix, exporter);

	if (pick(prefix, pid, &proc) != 0)
		return 1;
	ret = tel_connect(proc.path, &c);
	if (ret < 0) {
		fprintf(stderr, "vdk-telemetry: %s: %s\n", proc.path,
			ret == -EBUSY ? "the process serves as many clients as it can: try again"
				      : strerror(-ret));
		return 1;
	}
	if (nb_cmds == 0) {
		ret = interactive(&c);
	} else {
		ret = 0;
		for (unsigned int i = 0; i < nb_cmds && ret == 0; i++)
			ret = run_cmd(&c, cmds[i], false) == 0 ? 0 : 1;
	}
	tel_close(&c);
	return ret;
}
