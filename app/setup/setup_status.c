/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vdk-setup status`: every PCI device with its IDs and names, driver,
 * IOMMU group and whether the group can go to VFIO; for a group that
 * cannot, which members block it and the command that would fix it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "setup_internal.h"

struct status_row {
	struct setup_dev dev;
	int load_rc;
	char vendor_name[128];
	char device_name[160];
	char class_name[96];
	/* Group state: -1 no group, 0 blocked, 1 viable. */
	int viable;
	char **blockers;
	int nb_blockers;
	struct setup_users users;
};

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void
json_str_or_null(FILE *f, const char *s)
{
	if (s[0] == '\0')
		fputs("null", f);
	else
		json_str(f, s);
}

static int
row_fill(struct setup_ctx *ctx, struct setup_pciids *db, const char *bdf,
	 struct status_row *r)
{
	int rc = 0;

	char path[PATH_MAX];

	memset(r, 0, sizeof(*r));
	r->viable = -1;
	/* Gone since the listing (hot unplug, a dangling link): not an error. */
	if (setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s", bdf) < 0 ||
	    !setup_is_dir(path))
		return -ENODEV;
	r->load_rc = setup_dev_load(ctx, bdf, &r->dev);
	if (r->dev.ids_ok) {
		setup_pciids_vendor(db, r->dev.vendor, r->vendor_name, sizeof(r->vendor_name));
		setup_pciids_device(db, r->dev.vendor, r->dev.device, r->device_name,
				    sizeof(r->device_name));
	}
	setup_pciids_class(db, r->dev.class_code, r->class_name, sizeof(r->class_name));
	if (r->dev.group >= 0) {
		r->nb_blockers = setup_group_blockers(ctx, r->dev.group, NULL, 0, &r->blockers);
		if (r->nb_blockers < 0) {
			rc = r->nb_blockers;
			r->nb_blockers = 0;
		} else {
			r->viable = r->nb_blockers == 0;
		}
	}
	/* Only a device with a kernel driver can have disks or interfaces. */
	if (r->dev.driver[0] != '\0' && !setup_driver_is_vfio(r->dev.driver)) {
		int urc = setup_dev_users(ctx, &r->dev, &r->users);

		rc = rc ? rc : urc;
	}
	return r->load_rc ? r->load_rc : rc;
}

static void
row_free(struct status_row *r)
{
	setup_free_list(r->blockers, r->nb_blockers);
	r->blockers = NULL;
}

static void
print_text_header(FILE *f)
{
	fprintf(f, "%-13s %-9s %-16s %-5s %-7s %s\n", "BDF", "ID", "Driver", "Group",
		"VFIO", "Name");
}

static void
print_text_row(FILE *f, const struct status_row *r, bool have_db)
{
	char id[16], group[16], name[300];
	const struct setup_dev *d = &r->dev;

	if (d->ids_ok)
		snprintf(id, sizeof(id), "%04lx:%04lx", d->vendor, d->device);
	else
		snprintf(id, sizeof(id), "????:????");
	if (d->group >= 0)
		snprintf(group, sizeof(group), "%d", d->group);
	else
		snprintf(group, sizeof(group), "-");
	if (r->vendor_name[0] != '\0' || r->device_name[0] != '\0')
		snprintf(name, sizeof(name), "%s %s", r->vendor_name,
			 r->device_name[0] ? r->device_name : "(unknown device)");
	else if (r->class_name[0] != '\0')
		snprintf(name, sizeof(name), "(%s)", r->class_name);
	else
		snprintf(name, sizeof(name), "%s", have_db ? "(unknown)" : "");
	fprintf(f, "%-13s %-9s %-16s %-5s %-7s %s\n", d->bdf, id,
		d->driver[0] ? d->driver : "-", group,
		r->viable < 0 ? "nogroup" : r->viable ? "viable" : "blocked", name);
	if (d->override[0] != '\0')
		fprintf(f, "    driver_override: %s\n", d->override);
	for (unsigned int i = 0; i < r->users.nb; i++)
		fprintf(f, "    in use: %s\n", r->users.what[i]);
	if (r->viable == 0) {
		fprintf(f, "    group %d blocked by", d->group);
		for (int i = 0; i < r->nb_blockers; i++)
			fprintf(f, " %s", r->blockers[i]);
		fprintf(f, "; to use it: vdk-setup bind");
		for (int i = 0; i < r->nb_blockers; i++)
			fprintf(f, " %s", r->blockers[i]);
		fputc('\n', f);
	}
}

static void
print_json_row(FILE *f, const struct status_row *r, bool first)
{
	const struct setup_dev *d = &r->dev;
	char hex[16];

	fputs(first ? "\n  {" : ",\n  {", f);
	fputs("\"bdf\": ", f);
	json_str(f, d->bdf);
	if (d->ids_ok)
		fprintf(f, ", \"vendor_id\": \"%04lx\", \"device_id\": \"%04lx\"", d->vendor,
			d->device);
	else
		fputs(", \"vendor_id\": null, \"device_id\": null", f);
	snprintf(hex, sizeof(hex), "%06lx", d->class_code);
	fputs(", \"class\": ", f);
	json_str(f, hex);
	fputs(", \"vendor\": ", f);
	json_str_or_null(f, r->vendor_name);
	fputs(", \"device\": ", f);
	json_str_or_null(f, r->device_name);
	fputs(", \"class_name\": ", f);
	json_str_or_null(f, r->class_name);
	fputs(", \"driver\": ", f);
	json_str_or_null(f, d->driver);
	fputs(", \"driver_override\": ", f);
	json_str_or_null(f, d->override);
	if (d->group >= 0)
		fprintf(f, ", \"iommu_group\": %d", d->group);
	else
		fputs(", \"iommu_group\": null", f);
	fprintf(f, ", \"vfio_viable\": %s", r->viable > 0 ? "true" : "false");
	fputs(", \"blockers\": [", f);
	for (int i = 0; i < r->nb_blockers; i++) {
		fputs(i ? ", " : "", f);
		json_str(f, r->blockers[i]);
	}
	fputs("], \"in_use\": [", f);
	for (unsigned int i = 0; i < r->users.nb; i++) {
		fputs(i ? ", " : "", f);
		json_str(f, r->users.what[i]);
	}
	fputs("]}", f);
}

int
setup_cmd_status(struct setup_ctx *ctx)
{
	struct setup_pciids *db;
	struct status_row r;
	char **bdfs;
	int n, failed = 0, shown = 0;
	bool any_group = false;

	n = setup_list_devices(ctx, &bdfs);
	if (n < 0)
		return SETUP_EXIT_FAIL;
	db = setup_pciids_open(ctx);
	if (ctx->json)
		fputs("{\"devices\": [", ctx->out);
	else
		print_text_header(ctx->out);
	for (int i = 0; i < n; i++) {
		int rc = row_fill(ctx, db, bdfs[i], &r);

		if (rc == -ENODEV) {
			row_free(&r);
			continue;
		}
		failed |= rc < 0;
		any_group |= r.dev.group >= 0;
		if (ctx->json)
			print_json_row(ctx->out, &r, shown == 0);
		else
			print_text_row(ctx->out, &r, db != NULL);
		shown++;
		row_free(&r);
	}
	if (ctx->json) {
		fputs(shown ? "\n]" : "]", ctx->out);
		fprintf(ctx->out, ", \"pci_ids\": %s}\n", db ? "true" : "false");
	} else {
		if (db == NULL && !(strcmp(ctx->pci_ids, "none") == 0))
			fprintf(ctx->out, "(no names: install the pci.ids package)\n");
		if (shown > 0 && !any_group)
			fprintf(ctx->out, "no device has an IOMMU group: VFIO cannot isolate "
				"them; run `vdk-setup iommu` to see why\n");
	}
	setup_pciids_close(db);
	setup_free_list(bdfs, n);
	return failed ? SETUP_EXIT_FAIL : SETUP_EXIT_OK;
}
