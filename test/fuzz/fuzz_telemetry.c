/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the telemetry request handling (telemetry_handle():
 * bounds, byte checks, command and parameter split, lookup, the reply).
 * The input is one request record as a client would send it.
 *
 * Besides the sanitizers' checks, each run checks what the server
 * promises: a reply always, valid JSON, an object whose one key is the
 * command or which carries "error", and for the echo command exactly the
 * parameters that were sent. Built with clang and -fsanitize=fuzzer it is
 * a libFuzzer target; otherwise VDK_FUZZ_STANDALONE links the random
 * mutation driver of fuzz_standalone.c.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry_internal.h"
#include "vdk_log.h"

#define FUZZ_MAX_LEN 1024

static void
check(int cond, const char *what, const char *reply)
{
	if (!cond) {
		fprintf(stderr, "fuzz_telemetry: invariant broken: %s (reply %s)\n", what,
			reply != NULL ? reply : "none");
		abort();
	}
}

static int
cmd_echo(const char *cmd, const char *params, json_t **reply)
{
	(void)cmd;
	*reply = json_string(params);
	return 0;
}

static int
cmd_port(const char *cmd, const char *params, json_t **reply)
{
	unsigned long v;
	int ret = vdk_telemetry_param_uint(params, 31, &v);

	(void)cmd;
	if (ret == 0)
		*reply = json_integer((json_int_t)v);
	return ret;
}

static int
cmd_fails(const char *cmd, const char *params, json_t **reply)
{
	(void)cmd;
	*reply = json_true();
	if (params[0] != '\0')
		vdk_telemetry_error("failed on %s", params);
	return -EIO;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vdk_log_set_global_level(VDK_LOG_CRIT);
	vdk_telemetry_register_cmd("/test/echo", cmd_echo, "echo");
	vdk_telemetry_register_cmd("/test/port", cmd_port, "port");
	vdk_telemetry_register_cmd("/test/fails", cmd_fails, "fails");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly @size bytes: a read past it is ASan's to find. */
	char *req = malloc(size ? size : 1);
	char *reply = NULL;
	const char *key;
	json_t *v, *val;
	size_t len = size;
	long n;

	memcpy(req, data, size);
	n = telemetry_handle(req, size, &reply);
	check(n > 0 && reply != NULL, "a reply for every request", reply);
	check(strlen(reply) == (size_t)n, "the length returned is the reply's", reply);
	v = json_loads(reply, 0, NULL);
	check(json_is_object(v), "the reply is a JSON object", reply);
	if (json_object_get(v, "error") == NULL) {
		check(json_object_size(v) == 1, "a good reply has one key", reply);
		json_object_foreach(v, key, val) {
			size_t kl = strlen(key);

			check(kl <= size && memcmp(req, key, kl) == 0 &&
			      (kl == size || req[kl] == ',' || req[kl] == '\n' || req[kl] == '\r'),
			      "the key is the command sent", reply);
			if (strcmp(key, "/test/echo") == 0) {
				while (len > 0 && (req[len - 1] == '\n' || req[len - 1] == '\r'))
					len--;
				if (kl < len) {
					check(json_string_length(val) == len - kl - 1 &&
					      memcmp(json_string_value(val), req + kl + 1,
						     len - kl - 1) == 0,
					      "echo returns the parameters sent", reply);
				} else {
					check(json_string_length(val) == 0, "echo of nothing", reply);
				}
			}
		}
	} else {
		check(json_is_string(json_object_get(v, "error")), "the error is text", reply);
	}
	json_decref(v);
	free(reply);
	free(req);
	return 0;
}

#ifdef VDK_FUZZ_STANDALONE
#include "fuzz_standalone.h"

static const char *const tokens[] = {
	"/", ",", "/test/echo", "/test/port", "/test/fails", "/help", "/info", "\n", "\r",
	"0", "31", "32", "99999999999999999999", "-", " ", "\x7f", "\xff", "",
};

static void
mutate(struct fuzz_input *in)
{
	unsigned int edits = 1 + (unsigned int)(fuzz_rnd() % 4);

	for (unsigned int e = 0; e < edits; e++) {
		size_t at = in->n ? (size_t)(fuzz_rnd() % (in->n + 1)) : 0;
		const char *t;
		size_t tl;

		switch (fuzz_rnd() % 5) {
		case 0:	/* change a byte */
			if (in->n)
				in->d[fuzz_rnd() % in->n] = (uint8_t)fuzz_rnd();
			break;
		case 1:	/* insert a token (the empty one is a NUL byte) */
			t = tokens[fuzz_rnd() % (sizeof(tokens) / sizeof(tokens[0]))];
			tl = t[0] != '\0' ? strlen(t) : 1;
			if (in->n + tl <= FUZZ_MAX_LEN) {
				memmove(in->d + at + tl, in->d + at, in->n - at);
				memcpy(in->d + at, t, tl);
				in->n += tl;
			}
			break;
		case 2:	/* cut */
			if (in->n)
				in->n = at < in->n ? at : in->n - 1;
			break;
		case 3:	/* grow with printable filler, towards the length limit */
			tl = (size_t)(fuzz_rnd() % 300);
			if (in->n + tl <= FUZZ_MAX_LEN) {
				memset(in->d + in->n, 'a' + (int)(fuzz_rnd() % 26), tl);
				in->n += tl;
			}
			break;
		case 4:	/* drop a byte */
			if (in->n) {
				memmove(in->d + at - (at == in->n), in->d + at + (at < in->n),
					in->n - at - (at < in->n));
				in->n--;
			}
			break;
		}
	}
}

const struct fuzz_target fuzz_target = {
	.name = "fuzz_telemetry",
	.max_len = FUZZ_MAX_LEN,
	.mutate = mutate,
};
#endif
