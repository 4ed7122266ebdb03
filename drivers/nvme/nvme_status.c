/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completion status as text, named as NVMe 1.4 §4.6.1.2 (Figures 126-131)
 * names each code, so that a log line can be looked up in the spec.
 */
#include <stddef.h>

#include "vdk_common.h"
#include "vdk_nvme.h"

struct nvme_status_name {
	uint8_t sc;
	const char *str;
};

/* Generic Command Status (§4.6.1.2.1, Figures 126 and 127) */
static const struct nvme_status_name nvme_generic[] = {
	{ 0x00, "SUCCESS" },
	{ 0x01, "INVALID COMMAND OPCODE" },
	{ 0x02, "INVALID FIELD IN COMMAND" },
	{ 0x03, "COMMAND ID CONFLICT" },
	{ 0x04, "DATA TRANSFER ERROR" },
	{ 0x05, "COMMANDS ABORTED DUE TO POWER LOSS NOTIFICATION" },
	{ 0x06, "INTERNAL ERROR" },
	{ 0x07, "COMMAND ABORT REQUESTED" },
	{ 0x08, "COMMAND ABORTED DUE TO SQ DELETION" },
	{ 0x09, "COMMAND ABORTED DUE TO FAILED FUSED COMMAND" },
	{ 0x0a, "COMMAND ABORTED DUE TO MISSING FUSED COMMAND" },
	{ 0x0b, "INVALID NAMESPACE OR FORMAT" },
	{ 0x0c, "COMMAND SEQUENCE ERROR" },
	{ 0x0d, "INVALID SGL SEGMENT DESCRIPTOR" },
	{ 0x0e, "INVALID NUMBER OF SGL DESCRIPTORS" },
	{ 0x0f, "DATA SGL LENGTH INVALID" },
	{ 0x10, "METADATA SGL LENGTH INVALID" },
	{ 0x11, "SGL DESCRIPTOR TYPE INVALID" },
	{ 0x12, "INVALID USE OF CONTROLLER MEMORY BUFFER" },
	{ 0x13, "PRP OFFSET INVALID" },
	{ 0x14, "ATOMIC WRITE UNIT EXCEEDED" },
	{ 0x15, "OPERATION DENIED" },
	{ 0x16, "SGL OFFSET INVALID" },
	{ 0x18, "HOST IDENTIFIER INCONSISTENT FORMAT" },
	{ 0x19, "KEEP ALIVE TIMER EXPIRED" },
	{ 0x1a, "KEEP ALIVE TIMEOUT INVALID" },
	{ 0x1b, "COMMAND ABORTED DUE TO PREEMPT AND ABORT" },
	{ 0x1c, "SANITIZE FAILED" },
	{ 0x1d, "SANITIZE IN PROGRESS" },
	{ 0x1e, "SGL DATA BLOCK GRANULARITY INVALID" },
	{ 0x1f, "COMMAND NOT SUPPORTED FOR QUEUE IN CMB" },
	{ 0x20, "NAMESPACE IS WRITE PROTECTED" },
	{ 0x21, "COMMAND INTERRUPTED" },
	{ 0x22, "TRANSIENT TRANSPORT ERROR" },
	{ 0x80, "LBA OUT OF RANGE" },
	{ 0x81, "CAPACITY EXCEEDED" },
	{ 0x82, "NAMESPACE NOT READY" },
	{ 0x83, "RESERVATION CONFLICT" },
	{ 0x84, "FORMAT IN PROGRESS" },
};

/* Command Specific Status (§4.6.1.2.2, Figures 128 and 129) */
static const struct nvme_status_name nvme_command_specific[] = {
	{ 0x00, "COMPLETION QUEUE INVALID" },
	{ 0x01, "INVALID QUEUE IDENTIFIER" },
	{ 0x02, "INVALID QUEUE SIZE" },
	{ 0x03, "ABORT COMMAND LIMIT EXCEEDED" },
	{ 0x05, "ASYNCHRONOUS EVENT REQUEST LIMIT EXCEEDED" },
	{ 0x06, "INVALID FIRMWARE SLOT" },
	{ 0x07, "INVALID FIRMWARE IMAGE" },
	{ 0x08, "INVALID INTERRUPT VECTOR" },
	{ 0x09, "INVALID LOG PAGE" },
	{ 0x0a, "INVALID FORMAT" },
	{ 0x0b, "FIRMWARE ACTIVATION REQUIRES CONVENTIONAL RESET" },
	{ 0x0c, "INVALID QUEUE DELETION" },
	{ 0x0d, "FEATURE IDENTIFIER NOT SAVEABLE" },
	{ 0x0e, "FEATURE NOT CHANGEABLE" },
	{ 0x0f, "FEATURE NOT NAMESPACE SPECIFIC" },
	{ 0x10, "FIRMWARE ACTIVATION REQUIRES NVM SUBSYSTEM RESET" },
	{ 0x11, "FIRMWARE ACTIVATION REQUIRES CONTROLLER LEVEL RESET" },
	{ 0x12, "FIRMWARE ACTIVATION REQUIRES MAXIMUM TIME VIOLATION" },
	{ 0x13, "FIRMWARE ACTIVATION PROHIBITED" },
	{ 0x14, "OVERLAPPING RANGE" },
	{ 0x15, "NAMESPACE INSUFFICIENT CAPACITY" },
	{ 0x16, "NAMESPACE IDENTIFIER UNAVAILABLE" },
	{ 0x18, "NAMESPACE ALREADY ATTACHED" },
	{ 0x19, "NAMESPACE IS PRIVATE" },
	{ 0x1a, "NAMESPACE NOT ATTACHED" },
	{ 0x1b, "THIN PROVISIONING NOT SUPPORTED" },
	{ 0x1c, "CONTROLLER LIST INVALID" },
	{ 0x1d, "DEVICE SELF-TEST IN PROGRESS" },
	{ 0x1e, "BOOT PARTITION WRITE PROHIBITED" },
	{ 0x1f, "INVALID CONTROLLER IDENTIFIER" },
	{ 0x20, "INVALID SECONDARY CONTROLLER STATE" },
	{ 0x21, "INVALID NUMBER OF CONTROLLER RESOURCES" },
	{ 0x22, "INVALID RESOURCE IDENTIFIER" },
	{ 0x23, "SANITIZE PROHIBITED WHILE PERSISTENT MEMORY REGION IS ENABLED" },
	{ 0x24, "ANA GROUP IDENTIFIER INVALID" },
	{ 0x25, "ANA ATTACH FAILED" },
	{ 0x80, "CONFLICTING ATTRIBUTES" },
	{ 0x81, "INVALID PROTECTION INFORMATION" },
	{ 0x82, "ATTEMPTED WRITE TO READ ONLY RANGE" },
};

/* Media and Data Integrity Errors (§4.6.1.2.3, Figure 130) */
static const struct nvme_status_name nvme_media[] = {
	{ 0x80, "WRITE FAULT" },
	{ 0x81, "UNRECOVERED READ ERROR" },
	{ 0x82, "END-TO-END GUARD CHECK ERROR" },
	{ 0x83, "END-TO-END APPLICATION TAG CHECK ERROR" },
	{ 0x84, "END-TO-END REFERENCE TAG CHECK ERROR" },
	{ 0x85, "COMPARE FAILURE" },
	{ 0x86, "ACCESS DENIED" },
	{ 0x87, "DEALLOCATED OR UNWRITTEN LOGICAL BLOCK" },
};

/* Path Related Status (§4.6.1.2.4, Figure 131) */
static const struct nvme_status_name nvme_path[] = {
	{ 0x00, "INTERNAL PATH ERROR" },
	{ 0x01, "ASYMMETRIC ACCESS PERSISTENT LOSS" },
	{ 0x02, "ASYMMETRIC ACCESS INACCESSIBLE" },
	{ 0x03, "ASYMMETRIC ACCESS TRANSITION" },
	{ 0x60, "CONTROLLER PATHING ERROR" },
	{ 0x70, "HOST PATHING ERROR" },
	{ 0x71, "COMMAND ABORTED BY HOST" },
};

static const char *
nvme_find(const struct nvme_status_name *t, size_t n, uint8_t sc)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].sc == sc)
			return t[i].str;
	/* C0h-FFh of every type are the vendor's (§4.6.1.2). */
	return sc >= 0xc0 ? "VENDOR SPECIFIC" : "RESERVED";
}

const char *
vdk_nvme_status_str(uint8_t sct, uint8_t sc)
{
	switch (sct) {
	case VDK_NVME_SCT_GENERIC:
		return nvme_find(nvme_generic, VDK_DIM(nvme_generic), sc);
	case VDK_NVME_SCT_COMMAND_SPECIFIC:
		return nvme_find(nvme_command_specific, VDK_DIM(nvme_command_specific), sc);
	case VDK_NVME_SCT_MEDIA_ERROR:
		return nvme_find(nvme_media, VDK_DIM(nvme_media), sc);
	case VDK_NVME_SCT_PATH:
		return nvme_find(nvme_path, VDK_DIM(nvme_path), sc);
	case VDK_NVME_SCT_VENDOR_SPECIFIC:
		return "VENDOR SPECIFIC";
	default:
		return "UNKNOWN";
	}
}

const char *
vdk_nvme_cpl_status_str(const struct vdk_nvme_cpl *cpl)
{
	if (cpl == NULL)
		return "UNKNOWN";
	return vdk_nvme_status_str(vdk_nvme_cpl_sct(cpl), vdk_nvme_cpl_sc(cpl));
}

const char *
vdk_nvme_sct_str(uint8_t sct)
{
	static const char *const names[] = {
		"GENERIC", "COMMAND SPECIFIC", "MEDIA AND DATA INTEGRITY", "PATH RELATED",
		"RESERVED", "RESERVED", "RESERVED", "VENDOR SPECIFIC",
	};

	return sct < VDK_DIM(names) ? names[sct] : "UNKNOWN";
}
