/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devices named on the command line: -a/--allow and -b/--block take a PCI
 * address, --vdev a virtual device name, each optionally followed by
 * ",key=value" arguments that the driver reads with vdk_devargs_get() and
 * vdk_devargs_get_uint().
 *
 * PCI addresses are stored in the full form sysfs uses, so that the bus
 * scan compares strings and "00:04.0" and "0000:00:04.0" name one device.
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "eal_core_internal.h"
#include "vdk_log.h"

/* The args of a device given without any: never freed. */
static const char no_args[] = "";

static int
parse_hex(const char **p, unsigned int max_digits, unsigned long max, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;
	unsigned int n = 0;

	while (isxdigit((unsigned char)*s) && n < max_digits) {
		v = v * 16 + (unsigned long)(isdigit((unsigned char)*s) ?
			*s - '0' : tolower((unsigned char)*s) - 'a' + 10);
		s++;
		n++;
	}
	if (n == 0 || v > max)
		return -EINVAL;
	*p = s;
	*out = v;
	return 0;
}

int
eal_parse_bdf(const char *s, char *out, size_t len)
{
	unsigned long domain = 0, bus, dev, fn;
	const char *colon1, *p = s;

	if (s == NULL)
		return -EINVAL;
	/* Two colons mean a domain is given. */
	colon1 = strchr(s, ':');
	if (colon1 != NULL && strchr(colon1 + 1, ':') != NULL) {
		if (parse_hex(&p, 8, 0xffffffffUL, &domain) < 0 || *p++ != ':')
			return -EINVAL;
	}
	if (parse_hex(&p, 2, 0xff, &bus) < 0 || *p++ != ':')
		return -EINVAL;
	if (parse_hex(&p, 2, 0x1f, &dev) < 0 || *p++ != '.')
		return -EINVAL;
	if (parse_hex(&p, 1, 7, &fn) < 0 || *p != '\0')
		return -EINVAL;
	if (snprintf(out, len, "%04lx:%02lx:%02lx.%lx", domain, bus, dev, fn) >= (int)len)
		return -EINVAL;
	return 0;
}

static const char *
devtype_option(enum vdk_devtype type)
{
	switch (type) {
	case VDK_DEVTYPE_ALLOWED:
		return "-a/--allow";
	case VDK_DEVTYPE_BLOCKED:
		return "-b/--block";
	case VDK_DEVTYPE_VDEV:
		return "--vdev";
	}
	return "?";
}

static bool
vdev_name_valid(const char *name, size_t len)
{
	if (len == 0 || !isalpha((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' &&
		    name[i] != '-' && name[i] != '.')
			return false;
	return true;
}

/* "k=v,flag,k2=v2": no empty items, no empty keys. */
static bool
args_valid(const char *args)
{
	const char *item = args;

	for (;;) {
		size_t n = strcspn(item, ",");

		if (n == 0 || item[0] == '=')
			return false;
		if (item[n] == '\0')
			return true;
		item += n + 1;
	}
}

int
eal_devargs_add(struct eal_config *cfg, enum vdk_devtype type, const char *arg)
{
	const char *opt = devtype_option(type);
	struct vdk_devargs *da;
	const char *comma;
	char name[sizeof(da->name)];
	size_t name_len;
	char *args;

	if (cfg->nb_devargs == EAL_MAX_DEVARGS) {
		VDK_LOG(ERR, EAL, "%s %s: more than %d devices on the command line; "
			"name fewer devices", opt, arg, EAL_MAX_DEVARGS);
		return -EINVAL;
	}

	comma = strchr(arg, ',');
	name_len = comma != NULL ? (size_t)(comma - arg) : strlen(arg);
	if (name_len >= sizeof(name)) {
		VDK_LOG(ERR, EAL, "%s %s: device name longer than %zu characters",
			opt, arg, sizeof(name) - 1);
		return -EINVAL;
	}
	memcpy(name, arg, name_len);
	name[name_len] = '\0';

	if (type == VDK_DEVTYPE_VDEV) {
		if (!vdev_name_valid(name, name_len)) {
			VDK_LOG(ERR, EAL, "--vdev %s: bad device name '%s': use a driver "
				"name and a number, for example net_null0", arg, name);
			return -EINVAL;
		}
	} else if (eal_parse_bdf(name, name, sizeof(name)) < 0) {
		VDK_LOG(ERR, EAL, "%s %s: '%s' is not a PCI address: use "
			"DOMAIN:BUS:DEV.FN or BUS:DEV.FN in hex, for example 0000:00:04.0 "
			"(lspci -D lists them)", opt, arg, name);
		return -EINVAL;
	}

	if (comma != NULL && !args_valid(comma + 1)) {
		VDK_LOG(ERR, EAL, "%s %s: bad device arguments '%s': use "
			"key=value pairs separated by commas", opt, arg, comma + 1);
		return -EINVAL;
	}

	for (unsigned int i = 0; i < cfg->nb_devargs; i++) {
		if (strcmp(cfg->devargs[i].name, name) == 0) {
			VDK_LOG(ERR, EAL, "%s %s: device %s is named twice on the command "
				"line; give it once", opt, arg, name);
			return -EINVAL;
		}
	}

	if (comma != NULL) {
		args = strdup(comma + 1);
		if (args == NULL) {
			VDK_LOG(ERR, EAL, "%s %s: out of memory", opt, arg);
			return -ENOMEM;
		}
	} else {
		args = (char *)no_args;
	}

	da = &cfg->devargs[cfg->nb_devargs++];
	da->type = type;
	memcpy(da->name, name, sizeof(da->name));
	da->args = args;
	return 0;
}

void
eal_devargs_release(struct eal_config *cfg)
{
	for (unsigned int i = 0; i < cfg->nb_devargs; i++) {
		if (cfg->devargs[i].args != no_args)
			free((char *)cfg->devargs[i].args);
		cfg->devargs[i].args = NULL;
	}
	cfg->nb_devargs = 0;
}

const struct vdk_devargs *
vdk_devargs_next(const struct vdk_devargs *prev)
{
	const struct vdk_devargs *first = &eal_cfg.devargs[0];
	size_t next;

	if (prev == NULL)
		next = 0;
	else if (prev >= first && prev < first + eal_cfg.nb_devargs)
		next = (size_t)(prev - first) + 1;
	else
		return NULL;
	return next < eal_cfg.nb_devargs ? &eal_cfg.devargs[next] : NULL;
}

int
vdk_devargs_get(const char *args, const char *key, char *val, size_t len)
{
	size_t key_len;
	const char *item;

	if (args == NULL || key == NULL || key[0] == '\0' || val == NULL)
		return -EINVAL;
	key_len = strlen(key);

	for (item = args; *item != '\0'; ) {
		size_t n = strcspn(item, ",");

		/* "key=value", or a bare "key" meaning a flag with value "". */
		if (n >= key_len && strncmp(item, key, key_len) == 0 &&
		    (n == key_len || item[key_len] == '=')) {
			const char *v = n == key_len ? item + n : item + key_len + 1;
			size_t vlen = (size_t)(item + n - v);

			if (vlen >= len)
				return -ENOSPC;
			memcpy(val, v, vlen);
			val[vlen] = '\0';
			return 0;
		}
		item += n;
		if (*item == ',')
			item++;
	}
	return -ENOENT;
}

/*
 * The number of vdk_devargs_get_uint() and vdk_devargs_get_u64(): one
 * parser, so that both take and refuse the same spellings.
 */
static int
devargs_get_num(const char *args, const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
	/* Longer than any 64-bit number: a longer value is reported, not cut. */
	char val[24];
	unsigned long long v;
	const char *digits;
	char *end;
	int base = 10, ret;

	if (key == NULL || out == NULL || min > max)
		return -EINVAL;
	ret = vdk_devargs_get(args, key, val, sizeof(val));
	if (ret == -ENOENT)
		return 0;
	if (ret == -ENOSPC) {
		VDK_LOG(ERR, EAL, "device argument %s: value longer than %zu characters: give a "
			"number in %" PRIu64 "..%" PRIu64, key, sizeof(val) - 1, min, max);
		return -ERANGE;
	}
	if (ret != 0)
		return ret;
	digits = val;
	if (val[0] == '0' && (val[1] == 'x' || val[1] == 'X')) {
		digits = val + 2;
		base = 16;
	}
	/* strtoull() would take a sign, spaces and, after a 0, octal. */
	if (base == 16 ? !isxdigit((unsigned char)digits[0]) : !isdigit((unsigned char)digits[0]))
		goto not_a_number;
	errno = 0;
	v = strtoull(digits, &end, base);
	if (*end != '\0')
		goto not_a_number;
	if (errno == ERANGE || v < min || v > max) {
		VDK_LOG(ERR, EAL, "device argument %s=%s: out of range: give a number in "
			"%" PRIu64 "..%" PRIu64, key, val, min, max);
		return -ERANGE;
	}
	*out = v;
	return 0;
not_a_number:
	VDK_LOG(ERR, EAL, "device argument %s=%s: not a number: give one in %" PRIu64 "..%"
		PRIu64 " (decimal, or hexadecimal with 0x)", key, val, min, max);
	return -EINVAL;
}

int
vdk_devargs_get_uint(const char *args, const char *key, uint32_t min, uint32_t max,
		     uint32_t *out)
{
	uint64_t v;
	int ret;

	if (out == NULL)
		return -EINVAL;
	v = *out;
	ret = devargs_get_num(args, key, min, max, &v);
	if (ret == 0)
		*out = (uint32_t)v;
	return ret;
}

int
vdk_devargs_get_u64(const char *args, const char *key, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	return devargs_get_num(args, key, min, max, out);
}

int
vdk_devargs_check_keys(const char *devname, const char *args, const char *const known[],
		       const char *help)
{
	const char *p = args, *end;
	size_t klen;
	unsigned int i;
	bool ok;

	if (args == NULL)
		return 0;
	while (*p != '\0') {
		end = p + strcspn(p, ",");
		klen = strcspn(p, "=,");
		ok = false;
		for (i = 0; known != NULL && known[i] != NULL; i++) {
			if (strlen(known[i]) == klen && strncmp(p, known[i], klen) == 0) {
				ok = true;
				break;
			}
		}
		if (!ok || klen == 0) {
			VDK_LOG(ERR, EAL, "%s: unknown argument '%.*s'%s%s", devname,
				(int)(end - p), p, help ? "; it takes " : "", help ? help : "");
			return -EINVAL;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}
