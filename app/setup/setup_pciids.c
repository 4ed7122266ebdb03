/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vendor, device and class names from the pci.ids database (Debian
 * package pci.ids). The file is read once into memory and searched with
 * memmem: a status run looks up a few dozen devices, and one pass per
 * lookup over ~1.3 MB is far below what the user notices.
 *
 * Format: "vvvv  Vendor" at column 0, "\tdddd  Device" under it,
 * "\t\tssss ssss  Subsystem" under that; classes as "C cc  Class" with
 * "\tss  Subclass" lines under each.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "setup_internal.h"

#define PCIIDS_MAX_SIZE (64u << 20)

struct setup_pciids {
	char *text;
	size_t len;
};

static const char *const pciids_paths[] = {
	"/usr/share/misc/pci.ids",
	"/usr/share/hwdata/pci.ids",
};

static int
slurp(const char *path, struct setup_pciids *db)
{
	FILE *f;
	long sz;

	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	if (fseek(f, 0, SEEK_END) < 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return -EIO;
	}
	if ((unsigned long)sz > PCIIDS_MAX_SIZE) {
		fclose(f);
		return -EFBIG;
	}
	db->text = malloc((size_t)sz + 2);
	if (db->text == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	/* A leading newline lets every search look for "\n<key>". */
	db->text[0] = '\n';
	db->len = fread(db->text + 1, 1, (size_t)sz, f) + 1;
	db->text[db->len] = '\0';
	fclose(f);
	return 0;
}

/*
 * The database named by --pci-ids, or the first of the usual places.
 * NULL (names omitted) when none is installed or --pci-ids is "none".
 */
struct setup_pciids *
setup_pciids_open(struct setup_ctx *ctx)
{
	struct setup_pciids *db;
	int rc = -ENOENT;

	if (strcmp(ctx->pci_ids, "none") == 0)
		return NULL;
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return NULL;
	if (ctx->pci_ids[0] != '\0') {
		rc = slurp(ctx->pci_ids, db);
		if (rc < 0)
			setup_err(ctx, "cannot read PCI ID database %s: %s; names left out",
				  ctx->pci_ids, setup_strerror(rc));
	} else {
		for (size_t i = 0; i < sizeof(pciids_paths) / sizeof(pciids_paths[0]) && rc < 0; i++)
			rc = slurp(pciids_paths[i], db);
	}
	if (rc < 0) {
		free(db);
		return NULL;
	}
	return db;
}

void
setup_pciids_close(struct setup_pciids *db)
{
	if (db == NULL)
		return;
	free(db->text);
	free(db);
}

/* Copy the name after "<key>  " up to the end of its line. */
static bool
copy_name(const char *p, const char *end, char *buf, size_t len)
{
	const char *nl;
	size_t n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	nl = memchr(p, '\n', end - p);
	n = (nl ? nl : end) - p;
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	if (n == 0 || len == 0)
		return false;
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

/*
 * Find "\n<key>" followed by two spaces in [from, end); the line must
 * start exactly there (indentation is part of the key).
 */
static const char *
find_line(const char *from, const char *end, const char *key)
{
	size_t klen = strlen(key);
	const char *p = from;

	while (p < end) {
		p = memmem(p, end - p, key, klen);
		if (p == NULL)
			return NULL;
		if (p + klen < end && p[klen] == ' ')
			return p + klen;
		p += klen;
	}
	return NULL;
}

/* The block of lines belonging to a top-level entry ends at the next one. */
static const char *
block_end(const char *start, const char *end)
{
	const char *p = start;

	while ((p = memchr(p, '\n', end - p)) != NULL) {
		p++;
		if (p < end && *p != '\t' && *p != '#' && *p != '\n')
			return p;
	}
	return end;
}

static const char *
vendor_line(struct setup_pciids *db, unsigned int vendor)
{
	char key[16];

	snprintf(key, sizeof(key), "\n%04x", vendor & 0xffff);
	return find_line(db->text, db->text + db->len, key);
}

bool
setup_pciids_vendor(struct setup_pciids *db, unsigned int vendor, char *buf, size_t len)
{
	const char *p;

	if (db == NULL)
		return false;
	p = vendor_line(db, vendor);
	return p != NULL && copy_name(p, db->text + db->len, buf, len);
}

bool
setup_pciids_device(struct setup_pciids *db, unsigned int vendor, unsigned int device,
		    char *buf, size_t len)
{
	const char *v, *end, *p;
	char key[16];

	if (db == NULL)
		return false;
	v = vendor_line(db, vendor);
	if (v == NULL)
		return false;
	end = block_end(v, db->text + db->len);
	snprintf(key, sizeof(key), "\n\t%04x", device & 0xffff);
	p = find_line(v, end, key);
	return p != NULL && copy_name(p, end, buf, len);
}

/* "Ethernet controller" for 0x020000; the class name alone if no subclass. */
bool
setup_pciids_class(struct setup_pciids *db, unsigned int class_code, char *buf, size_t len)
{
	const char *c, *end, *p;
	char key[16];

	if (db == NULL)
		return false;
	snprintf(key, sizeof(key), "\nC %02x", (class_code >> 16) & 0xff);
	c = find_line(db->text, db->text + db->len, key);
	if (c == NULL)
		return false;
	end = block_end(c, db->text + db->len);
	snprintf(key, sizeof(key), "\n\t%02x", (class_code >> 8) & 0xff);
	p = find_line(c, end, key);
	if (p != NULL && copy_name(p, end, buf, len))
		return true;
	return copy_name(c, end, buf, len);
}
