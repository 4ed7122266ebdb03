/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The config-space write mask of vdk_vfio.ko (kernel/linux/vdk_vfio/
 * pci_wmask.c, linked in as it is) over made-up config spaces: what a
 * well-formed device gets, and what a malformed capability list cannot
 * get. QEMU cannot make a device lie, so this runs on the host (suite
 * unit) with the device data built here.
 *
 * Each case checks the bytes past the mask (a guard the builder must not
 * touch) and that no byte of MSI, MSI-X, power management or the BARs
 * ever becomes writable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pci_wmask.h"

#define GUARD		64
#define GUARD_BYTE	0xa5

struct space {
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];
	unsigned int size;
	uint8_t *wmask;		/* size bytes, then GUARD guard bytes */
};

static void space_init(struct space *s, unsigned int size)
{
	memset(s->cfg, 0, sizeof(s->cfg));
	s->size = size;
	s->cfg[PCI_VENDOR_ID] = 0x86;
	s->cfg[PCI_VENDOR_ID + 1] = 0x80;
	s->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
}

/* Put capability @id at @pos and chain it after @prev (0: list head). */
static void cap_add(struct space *s, unsigned int prev, unsigned int pos,
		    uint8_t id)
{
	s->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	if (prev)
		s->cfg[prev + PCI_CAP_LIST_NEXT] = pos;
	else
		s->cfg[PCI_CAPABILITY_LIST] = pos;
	s->cfg[pos + PCI_CAP_LIST_ID] = id;
	s->cfg[pos + PCI_CAP_LIST_NEXT] = 0;
}

static void build(struct space *s)
{
	unsigned int i;

	s->wmask = malloc(s->size + GUARD);
	assert_non_null(s->wmask);
	memset(s->wmask, 0, s->size);
	memset(s->wmask + s->size, GUARD_BYTE, GUARD);
	vdk_vfio_pci_wmask_build(s->cfg, s->size, s->wmask);
	for (i = 0; i < GUARD; i++)
		assert_int_equal(s->wmask[s->size + i], GUARD_BYTE);
	/* the BARs, the ROM BAR, interrupt line and pin: never */
	for (i = PCI_BASE_ADDRESS_0; i < PCI_STD_HEADER_SIZEOF; i++)
		assert_int_equal(s->wmask[i], 0);
	/* extended config space: never */
	for (i = PCI_CFG_SPACE_SIZE; i < s->size; i++)
		assert_int_equal(s->wmask[i], 0);
}

static void assert_none_writable(const struct space *s, unsigned int from,
				 unsigned int len)
{
	unsigned int i;

	for (i = from; i < from + len && i < s->size; i++)
		assert_int_equal(s->wmask[i], 0);
}

static void done(struct space *s)
{
	free(s->wmask);
	s->wmask = NULL;
}

static void test_header_only(void **state)
{
	struct space s;

	(void)state;
	space_init(&s, PCI_CFG_SPACE_SIZE);
	build(&s);
	assert_true(s.wmask[PCI_COMMAND] & PCI_COMMAND_MEMORY);
	assert_true(s.wmask[PCI_COMMAND] & PCI_COMMAND_MASTER);
	/* INTx disable is the kernel's */
	assert_false(s.wmask[PCI_COMMAND + 1] &
		     (PCI_COMMAND_INTX_DISABLE >> 8));
	assert_int_equal(s.wmask[PCI_CACHE_LINE_SIZE], 0xff);
	assert_int_equal(s.wmask[PCI_CAPABILITY_LIST], 0);
	done(&s);
}

/* A device as QEMU's: PCIe, MSI-X, a vendor capability of 16 bytes. */
static void test_well_formed_capabilities(void **state)
{
	struct space s;
	unsigned int i;

	(void)state;
	space_init(&s, PCI_CFG_SPACE_EXP_SIZE);
	cap_add(&s, 0, 0x40, PCI_CAP_ID_MSIX);
	cap_add(&s, 0x40, 0x50, PCI_CAP_ID_EXP);
	cap_add(&s, 0x50, 0x90, PCI_CAP_ID_VNDR);
	s.cfg[0x90 + PCI_CAP_FLAGS] = 16;
	build(&s);
	assert_none_writable(&s, 0x40, PCI_CAP_MSIX_SIZEOF);
	assert_int_equal(s.wmask[0x50 + PCI_EXP_DEVCTL] & PCI_EXP_DEVCTL_URRE,
			 PCI_EXP_DEVCTL_URRE);
	/* payload and read request size are shared with the port: not ours */
	assert_int_equal(s.wmask[0x50 + PCI_EXP_DEVCTL] &
			 PCI_EXP_DEVCTL_PAYLOAD, 0);
	assert_none_writable(&s, 0x50 + PCI_EXP_LNKCTL, 2);
	for (i = 0x90 + 3; i < 0x90 + 16; i++)
		assert_int_equal(s.wmask[i], 0xff);
	assert_none_writable(&s, 0x90, 3);
	assert_int_equal(s.wmask[0x90 + 16], 0);
	done(&s);
}

/* A PCIe capability at 0xFC of a 256-byte space: its registers are past it. */
static void test_capability_at_the_end(void **state)
{
	struct space s;

	(void)state;
	space_init(&s, PCI_CFG_SPACE_SIZE);
	cap_add(&s, 0, 0xfc, PCI_CAP_ID_EXP);
	build(&s);
	done(&s);

	space_init(&s, PCI_CFG_SPACE_SIZE);
	cap_add(&s, 0, 0xfc, PCI_CAP_ID_VNDR);
	s.cfg[0xfc + PCI_CAP_FLAGS] = 0xff;
	build(&s);
	assert_int_equal(s.wmask[0xff], 0xff);
	done(&s);
}

/* A vendor capability that claims to cover the MSI capability after it. */
static void test_vendor_length_stops_at_next_capability(void **state)
{
	struct space s;
	unsigned int i;

	(void)state;
	space_init(&s, PCI_CFG_SPACE_SIZE);
	cap_add(&s, 0, 0x40, PCI_CAP_ID_VNDR);
	s.cfg[0x40 + PCI_CAP_FLAGS] = 0xc0;
	cap_add(&s, 0x40, 0x50, PCI_CAP_ID_MSI);
	s.cfg[0x50 + PCI_MSI_FLAGS] = PCI_MSI_FLAGS_64BIT;
	cap_add(&s, 0x50, 0x70, PCI_CAP_ID_MSIX);
	build(&s);
	for (i = 0x43; i < 0x50; i++)
		assert_int_equal(s.wmask[i], 0xff);
	assert_none_writable(&s, 0x50, 0x100 - 0x50);
	done(&s);
}

/* Overlapping capabilities: a vendor one inside a 64-bit masked MSI. */
static void test_overlap_cannot_open_msi(void **state)
{
	struct space s;

	(void)state;
	space_init(&s, PCI_CFG_SPACE_SIZE);
	cap_add(&s, 0, 0x40, PCI_CAP_ID_MSI);
	s.cfg[0x40 + PCI_MSI_FLAGS] = PCI_MSI_FLAGS_64BIT;
	s.cfg[0x40 + PCI_MSI_FLAGS + 1] = PCI_MSI_FLAGS_MASKBIT >> 8;
	cap_add(&s, 0x40, 0x44, PCI_CAP_ID_VNDR);
	s.cfg[0x44 + PCI_CAP_FLAGS] = 0x40;
	/* and a power management capability the vendor one runs over */
	cap_add(&s, 0x44, 0x60, PCI_CAP_ID_PM);
	build(&s);
	assert_none_writable(&s, 0x40, PCI_MSI_PENDING_64 + 4);
	assert_none_writable(&s, 0x60, PCI_PM_SIZEOF);
	done(&s);
}

/* A list that loops (0x40 -> 0x48 -> 0x40) ends; a vendor cap gets its bytes. */
static void test_looping_list_ends(void **state)
{
	struct space s;

	(void)state;
	space_init(&s, PCI_CFG_SPACE_SIZE);
	cap_add(&s, 0, 0x40, PCI_CAP_ID_VNDR);
	s.cfg[0x40 + PCI_CAP_FLAGS] = 8;
	cap_add(&s, 0x40, 0x48, PCI_CAP_ID_MSIX);
	s.cfg[0x48 + PCI_CAP_LIST_NEXT] = 0x40;
	build(&s);
	assert_int_equal(s.wmask[0x43], 0xff);
	assert_none_writable(&s, 0x48, PCI_CAP_MSIX_SIZEOF);
	done(&s);
}

/* A list pointer into the header, or with low bits set, is not followed. */
static void test_bad_pointers(void **state)
{
	struct space s;

	(void)state;
	space_init(&s, PCI_CFG_SPACE_SIZE);
	s.cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	s.cfg[PCI_CAPABILITY_LIST] = 0x10;	/* the BARs */
	s.cfg[0x10] = PCI_CAP_ID_VNDR;
	s.cfg[0x12] = 0x30;
	build(&s);
	done(&s);

	space_init(&s, PCI_CFG_SPACE_SIZE);
	cap_add(&s, 0, 0x40, PCI_CAP_ID_VNDR);
	s.cfg[PCI_CAPABILITY_LIST] = 0x43;	/* rounded down, as Linux does */
	s.cfg[0x40 + PCI_CAP_FLAGS] = 4;
	build(&s);
	assert_int_equal(s.wmask[0x43], 0xff);
	assert_int_equal(s.wmask[0x44], 0);
	done(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_well_formed_capabilities),
		cmocka_unit_test(test_capability_at_the_end),
		cmocka_unit_test(test_vendor_length_stops_at_next_capability),
		cmocka_unit_test(test_overlap_cannot_open_msi),
		cmocka_unit_test(test_looping_list_ends),
		cmocka_unit_test(test_bad_pointers),
	};

	return cmocka_run_group_tests_name("vdk_vfio config write mask",
					   tests, NULL, NULL);
}
