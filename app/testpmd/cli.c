/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The prompt. On a terminal it is libedit's: line editing, history and
 * tab completion over the command grammar. From a pipe or a file (scripts,
 * tests) lines are read plainly and echoed after the prompt, so a
 * transcript reads like a session. A command file (--cmdline-file,
 * `load FILE`) runs silently, as DPDK's testpmd runs one: only what the
 * commands print shows, and a `quit` in a file ends that file only.
 */
#include <errno.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testpmd.h"

#define PROMPT "testpmd> "
#define MAX_COMPLETIONS 64

static const char *
prompt(EditLine *el)
{
	(void)el;
	return PROMPT;
}

/* Longest common prefix of @n words. */
static size_t
common_prefix(const char **w, unsigned int n)
{
	size_t len = strlen(w[0]);
	unsigned int i;

	for (i = 1; i < n; i++) {
		size_t k = 0;

		while (k < len && w[i][k] == w[0][k])
			k++;
		len = k;
	}
	return len;
}

static unsigned char
complete(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	const char *cands[MAX_COMPLETIONS];
	char line[256], ins[80];
	size_t len = (size_t)(li->cursor - li->buffer), plen, common;
	const char *start;
	unsigned int n, i;

	(void)ch;
	if (len >= sizeof(line))
		return CC_ERROR;
	memcpy(line, li->buffer, len);
	line[len] = '\0';
	n = tp_cmd_complete(line, cands, MAX_COMPLETIONS);
	if (n == 0)
		return CC_ERROR;
	/* Length of the word being completed. */
	start = line + len;
	while (start > line && start[-1] != ' ' && start[-1] != '\t')
		start--;
	plen = (size_t)(line + len - start);
	common = common_prefix(cands, n);
	if (common > plen) {
		snprintf(ins, sizeof(ins), "%.*s%s", (int)(common - plen), cands[0] + plen,
			 n == 1 ? " " : "");
		el_insertstr(el, ins);
		return CC_REFRESH;
	}
	if (n == 1) {
		el_insertstr(el, " ");
		return CC_REFRESH;
	}
	fputc('\n', stdout);
	for (i = 0; i < n; i++)
		fprintf(stdout, "%s%s", cands[i], i + 1 < n ? "  " : "\n");
	return CC_REDISPLAY;
}

/* Run one line; @return 1 when the session should end. */
static int
run_line(struct testpmd *t, const char *line)
{
	return tp_cmd_exec(t, line) == 1;
}

static int
cli_editline(struct testpmd *t)
{
	EditLine *el;
	History *hist;
	HistEvent ev;
	const char *line;
	int count, done = 0;

	el = el_init("vdk-testpmd", stdin, stdout, stderr);
	hist = history_init();
	if (el == NULL || hist == NULL) {
		fprintf(t->out, "Cannot start the line editor\n");
		if (el)
			el_end(el);
		if (hist)
			history_end(hist);
		return -ENOMEM;
	}
	history(hist, &ev, H_SETSIZE, 1000);
	history(hist, &ev, H_SETUNIQUE, 1);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_PROMPT, prompt);
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_ADDFN, "tp-complete", "complete a testpmd command", complete);
	el_set(el, EL_BIND, "^I", "tp-complete", NULL);
	/* Let libedit restore the terminal on signals. */
	el_set(el, EL_SIGNAL, 1);
	while (!done && !t->quit) {
		line = el_gets(el, &count);
		if (line == NULL) {
			if (count == -1 && errno == EINTR && !t->quit)
				continue;
			fputc('\n', stdout);
			break;
		}
		if (line[strspn(line, " \t\r\n")] != '\0')
			history(hist, &ev, H_ENTER, line);
		done = run_line(t, line);
	}
	history_end(hist);
	el_end(el);
	return 0;
}

static int
cli_plain(struct testpmd *t, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int done = 0;

	while (!done && !t->quit) {
		fputs(PROMPT, t->out);
		fflush(t->out);
		if (getline(&line, &cap, in) < 0) {
			if (errno == EINTR && !t->quit) {
				clearerr(in);
				continue;
			}
			fputc('\n', t->out);
			break;
		}
		fputs(line, t->out);
		done = run_line(t, line);
	}
	free(line);
	return 0;
}

/* Files loading files: deep enough for any script, shallow enough to stop a loop. */
#define MAX_LOAD_DEPTH 8

int
tp_cli_load(struct testpmd *t, const char *path)
{
	static unsigned int depth;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret = 0;

	if (depth == MAX_LOAD_DEPTH) {
		fprintf(t->out, "Cannot load '%s': command files nested %u deep (a file that "
			"loads itself?)\n", path, MAX_LOAD_DEPTH);
		return -ELOOP;
	}
	f = fopen(path, "r");
	if (f == NULL) {
		ret = -errno;
		fprintf(t->out, "Cannot open command file '%s': %s\n", path, strerror(-ret));
		return ret;
	}
	depth++;
	/* As in DPDK, `quit` ends the file it is in, not the program. */
	while (!t->quit && getline(&line, &cap, f) >= 0)
		if (tp_cmd_exec(t, line) == 1)
			break;
	depth--;
	free(line);
	fclose(f);
	fprintf(t->out, "Read CLI commands from %s\n", path);
	return ret;
}

int
tp_cli_run(struct testpmd *t)
{
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return cli_editline(t);
	return cli_plain(t, stdin);
}
