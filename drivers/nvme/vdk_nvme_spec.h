/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * NVM Express structures: controller registers, submission and completion
 * queue entries, Identify data, opcodes and status codes, as the NVM
 * Express Base Specification revision 1.4 (and, where noted, 2.0) defines
 * them. Section numbers below are those of 1.4.
 *
 * Every layout is a struct with static_asserts on its size and the offsets
 * that matter, so a typo cannot move a field. Register fields are read and
 * written with VDK_NVME_GET()/VDK_NVME_SET() and a field name, which keeps
 * shifts and masks in one table:
 *
 * @code
 * uint64_t cap = vdk_reg_read64(bar, VDK_NVME_REG_CAP);
 * unsigned int stride = 4u << VDK_NVME_GET(cap, CAP_DSTRD);
 * @endcode
 *
 * Everything is little-endian, as on the wire; VDK builds for
 * little-endian CPUs only, so the fields are used as they are.
 */
#ifndef VDK_NVME_SPEC_H
#define VDK_NVME_SPEC_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/* ---- Field access ---- */

/** Value of field @p F (a name such as CAP_MQES) in register value @p v. */
#define VDK_NVME_GET(v, F) \
	((uint32_t)(((uint64_t)(v) >> VDK_NVME_##F##_SHIFT) & VDK_NVME_##F##_MASK))
/** @p val placed in field @p F, to OR into a register value. */
#define VDK_NVME_SET(F, val) \
	(((uint64_t)(val) & VDK_NVME_##F##_MASK) << VDK_NVME_##F##_SHIFT)

/* ---- Controller registers (§3.1) ---- */

/** The controller's register block at the start of BAR0 (§3.1, Figure 78). */
struct vdk_nvme_registers {
	uint64_t cap;     /**< 00h Controller Capabilities (§3.1.1) */
	uint32_t vs;      /**< 08h Version (§3.1.2) */
	uint32_t intms;   /**< 0Ch Interrupt Mask Set (§3.1.3) */
	uint32_t intmc;   /**< 10h Interrupt Mask Clear (§3.1.4) */
	uint32_t cc;      /**< 14h Controller Configuration (§3.1.5) */
	uint32_t rsvd18;  /**< 18h: reserved */
	uint32_t csts;    /**< 1Ch Controller Status (§3.1.6) */
	uint32_t nssr;    /**< 20h NVM Subsystem Reset (§3.1.7) */
	uint32_t aqa;     /**< 24h Admin Queue Attributes (§3.1.8) */
	uint64_t asq;     /**< 28h Admin Submission Queue Base Address (§3.1.9) */
	uint64_t acq;     /**< 30h Admin Completion Queue Base Address (§3.1.10) */
	uint32_t cmbloc;  /**< 38h Controller Memory Buffer Location */
	uint32_t cmbsz;   /**< 3Ch Controller Memory Buffer Size */
	uint32_t bpinfo;  /**< 40h Boot Partition Information */
	uint32_t bprsel;  /**< 44h Boot Partition Read Select */
	uint64_t bpmbl;   /**< 48h Boot Partition Memory Buffer Location */
	uint64_t cmbmsc;  /**< 50h Controller Memory Buffer Memory Space Control */
	uint32_t cmbsts;  /**< 58h Controller Memory Buffer Status */
	uint8_t rsvd5c[0xe00 - 0x5c]; /**< 5Ch..DFFh: reserved */
	uint32_t pmrcap;  /**< E00h Persistent Memory Capabilities */
	/** E04h..FFFh: the other persistent memory region registers, then reserved. */
	uint8_t rsvde04[0x1000 - 0xe04];
	/**
	 * 1000h: doorbells (§3.1.25, §3.1.26). SQ y's tail doorbell is at
	 * 1000h + (2y) * (4 << CAP.DSTRD), CQ y's head doorbell at
	 * 1000h + (2y + 1) * (4 << CAP.DSTRD).
	 */
	uint32_t doorbell[];
};
static_assert(offsetof(struct vdk_nvme_registers, vs) == 0x08, "VS");
static_assert(offsetof(struct vdk_nvme_registers, cc) == 0x14, "CC");
static_assert(offsetof(struct vdk_nvme_registers, csts) == 0x1c, "CSTS");
static_assert(offsetof(struct vdk_nvme_registers, aqa) == 0x24, "AQA");
static_assert(offsetof(struct vdk_nvme_registers, asq) == 0x28, "ASQ");
static_assert(offsetof(struct vdk_nvme_registers, acq) == 0x30, "ACQ");
static_assert(offsetof(struct vdk_nvme_registers, cmbsts) == 0x58, "CMBSTS");
static_assert(offsetof(struct vdk_nvme_registers, pmrcap) == 0xe00, "PMRCAP");
static_assert(offsetof(struct vdk_nvme_registers, doorbell) == 0x1000, "doorbells");

/** Byte offset of a register in BAR0. */
#define VDK_NVME_REG(field) ((uint32_t)offsetof(struct vdk_nvme_registers, field))
#define VDK_NVME_REG_CAP   VDK_NVME_REG(cap)      /**< CAP, 00h: 64 bits (vdk_reg_read64()) */
#define VDK_NVME_REG_VS    VDK_NVME_REG(vs)       /**< VS, 08h */
#define VDK_NVME_REG_INTMS VDK_NVME_REG(intms)    /**< INTMS, 0Ch: 1s mask vectors (not MSI-X) */
#define VDK_NVME_REG_INTMC VDK_NVME_REG(intmc)    /**< INTMC, 10h: 1s unmask vectors (not MSI-X) */
#define VDK_NVME_REG_CC    VDK_NVME_REG(cc)       /**< CC, 14h */
#define VDK_NVME_REG_CSTS  VDK_NVME_REG(csts)     /**< CSTS, 1Ch */
#define VDK_NVME_REG_NSSR  VDK_NVME_REG(nssr)     /**< NSSR, 20h: 4E564D65h resets the subsystem */
#define VDK_NVME_REG_AQA   VDK_NVME_REG(aqa)      /**< AQA, 24h */
#define VDK_NVME_REG_ASQ   VDK_NVME_REG(asq)      /**< ASQ, 28h: admin SQ IOVA, page aligned */
#define VDK_NVME_REG_ACQ   VDK_NVME_REG(acq)      /**< ACQ, 30h: admin CQ IOVA, page aligned */
#define VDK_NVME_REG_DBS   VDK_NVME_REG(doorbell) /**< 1000h: the first doorbell, admin SQ tail */

/* CAP (§3.1.1, Figure 79) */
#define VDK_NVME_CAP_MQES_SHIFT   0   /**< max queue entries, 0's based */
#define VDK_NVME_CAP_MQES_MASK    0xffffu /**< 16 bits; 0 invalid (2 entries at least) */
#define VDK_NVME_CAP_CQR_SHIFT    16  /**< queues must be physically contiguous */
#define VDK_NVME_CAP_CQR_MASK     0x1u /**< 1 bit */
#define VDK_NVME_CAP_AMS_SHIFT    17  /**< arbitration mechanisms besides round robin */
#define VDK_NVME_CAP_AMS_MASK     0x3u /**< 2 bits: VDK_NVME_CAP_AMS_* */
#define VDK_NVME_CAP_TO_SHIFT     24  /**< ready timeout, 500 ms units */
#define VDK_NVME_CAP_TO_MASK      0xffu /**< 8 bits */
#define VDK_NVME_CAP_DSTRD_SHIFT  32  /**< doorbell stride: 4 << DSTRD bytes */
#define VDK_NVME_CAP_DSTRD_MASK   0xfu /**< 4 bits */
#define VDK_NVME_CAP_NSSRS_SHIFT  36  /**< NVM subsystem reset supported */
#define VDK_NVME_CAP_NSSRS_MASK   0x1u /**< 1 bit */
#define VDK_NVME_CAP_CSS_SHIFT    37  /**< command sets supported */
#define VDK_NVME_CAP_CSS_MASK     0xffu /**< 8 bits: VDK_NVME_CAP_CSS_* */
#define VDK_NVME_CAP_BPS_SHIFT    45  /**< boot partitions supported */
#define VDK_NVME_CAP_BPS_MASK     0x1u /**< 1 bit */
#define VDK_NVME_CAP_MPSMIN_SHIFT 48  /**< minimum page size: 2^(12 + MPSMIN) */
#define VDK_NVME_CAP_MPSMIN_MASK  0xfu /**< 4 bits */
#define VDK_NVME_CAP_MPSMAX_SHIFT 52  /**< maximum page size: 2^(12 + MPSMAX) */
#define VDK_NVME_CAP_MPSMAX_MASK  0xfu /**< 4 bits */
#define VDK_NVME_CAP_PMRS_SHIFT   56  /**< persistent memory region supported */
#define VDK_NVME_CAP_PMRS_MASK    0x1u /**< 1 bit */
#define VDK_NVME_CAP_CMBS_SHIFT   57  /**< controller memory buffer supported (1.4) */
#define VDK_NVME_CAP_CMBS_MASK    0x1u /**< 1 bit */

/** CAP.CSS bit 0: the NVM command set. */
#define VDK_NVME_CAP_CSS_NVM       0x01u
/** CAP.CSS bit 6: one or more I/O command sets (2.0). */
#define VDK_NVME_CAP_CSS_IOCS      0x40u
/** CAP.CSS bit 7: no I/O command set, admin only. */
#define VDK_NVME_CAP_CSS_NOIO      0x80u
/** CAP.AMS bit 0: weighted round robin with urgent priority class. */
#define VDK_NVME_CAP_AMS_WRR       0x1u

/* VS (§3.1.2) */
#define VDK_NVME_VS_TER_SHIFT 0       /**< tertiary version number (the 3 of 1.2.3) */
#define VDK_NVME_VS_TER_MASK  0xffu   /**< 8 bits */
#define VDK_NVME_VS_MNR_SHIFT 8       /**< minor version number */
#define VDK_NVME_VS_MNR_MASK  0xffu   /**< 8 bits */
#define VDK_NVME_VS_MJR_SHIFT 16      /**< major version number */
#define VDK_NVME_VS_MJR_MASK  0xffffu /**< 16 bits */
/** A VS value, to compare versions: VDK_NVME_VERSION(1, 1, 0). */
#define VDK_NVME_VERSION(mjr, mnr, ter) \
	(((uint32_t)(mjr) << 16) | ((uint32_t)(mnr) << 8) | (uint32_t)(ter))

/* CC (§3.1.5, Figure 83) */
#define VDK_NVME_CC_EN_SHIFT     0   /**< enable: 1 starts the controller, 1 to 0 resets it */
#define VDK_NVME_CC_EN_MASK      0x1u /**< 1 bit */
#define VDK_NVME_CC_CSS_SHIFT    4   /**< I/O command set selected */
#define VDK_NVME_CC_CSS_MASK     0x7u /**< 3 bits: VDK_NVME_CC_CSS_* */
#define VDK_NVME_CC_MPS_SHIFT    7   /**< memory page size: 2^(12 + MPS) */
#define VDK_NVME_CC_MPS_MASK     0xfu /**< 4 bits; CAP.MPSMIN..CAP.MPSMAX */
#define VDK_NVME_CC_AMS_SHIFT    11  /**< arbitration mechanism selected */
#define VDK_NVME_CC_AMS_MASK     0x7u /**< 3 bits: VDK_NVME_CC_AMS_* */
#define VDK_NVME_CC_SHN_SHIFT    14  /**< shutdown notification */
#define VDK_NVME_CC_SHN_MASK     0x3u /**< 2 bits: VDK_NVME_CC_SHN_* */
#define VDK_NVME_CC_IOSQES_SHIFT 16  /**< I/O SQ entry size: 2^n bytes */
#define VDK_NVME_CC_IOSQES_MASK  0xfu /**< 4 bits: VDK_NVME_SQES_LOG2 */
#define VDK_NVME_CC_IOCQES_SHIFT 20  /**< I/O CQ entry size: 2^n bytes */
#define VDK_NVME_CC_IOCQES_MASK  0xfu /**< 4 bits: VDK_NVME_CQES_LOG2 */

#define VDK_NVME_CC_CSS_NVM    0x0u /**< NVM command set */
#define VDK_NVME_CC_CSS_IOCS   0x6u /**< all supported I/O command sets */
#define VDK_NVME_CC_CSS_NOIO   0x7u /**< admin command set only */
#define VDK_NVME_CC_AMS_RR     0x0u /**< round robin */
#define VDK_NVME_CC_AMS_WRR    0x1u /**< weighted round robin, urgent class */
#define VDK_NVME_CC_SHN_NONE   0x0u /**< no shutdown notification */
#define VDK_NVME_CC_SHN_NORMAL 0x1u /**< normal shutdown: wait for CSTS.SHST complete */
#define VDK_NVME_CC_SHN_ABRUPT 0x2u /**< abrupt shutdown */

/* CSTS (§3.1.6, Figure 84) */
#define VDK_NVME_CSTS_RDY_SHIFT   0  /**< ready: set to CC.EN once enabling/reset is done */
#define VDK_NVME_CSTS_RDY_MASK    0x1u /**< 1 bit */
#define VDK_NVME_CSTS_CFS_SHIFT   1  /**< controller fatal status */
#define VDK_NVME_CSTS_CFS_MASK    0x1u /**< 1 bit */
#define VDK_NVME_CSTS_SHST_SHIFT  2  /**< shutdown status */
#define VDK_NVME_CSTS_SHST_MASK   0x3u /**< 2 bits: VDK_NVME_CSTS_SHST_* */
#define VDK_NVME_CSTS_NSSRO_SHIFT 4  /**< NVM subsystem reset occurred; write 1 to clear */
#define VDK_NVME_CSTS_NSSRO_MASK  0x1u /**< 1 bit */
#define VDK_NVME_CSTS_PP_SHIFT    5  /**< processing paused */
#define VDK_NVME_CSTS_PP_MASK     0x1u /**< 1 bit */

#define VDK_NVME_CSTS_SHST_NORMAL   0x0u /**< normal operation, no shutdown asked for */
#define VDK_NVME_CSTS_SHST_OCCURING 0x1u /**< shutdown processing in progress */
#define VDK_NVME_CSTS_SHST_COMPLETE 0x2u /**< shutdown processing complete */

/* AQA (§3.1.8): both sizes 0's based, at most 4096 entries. */
#define VDK_NVME_AQA_ASQS_SHIFT 0      /**< admin submission queue size, 0's based */
#define VDK_NVME_AQA_ASQS_MASK  0xfffu /**< 12 bits */
#define VDK_NVME_AQA_ACQS_SHIFT 16     /**< admin completion queue size, 0's based */
#define VDK_NVME_AQA_ACQS_MASK  0xfffu /**< 12 bits */

/** Largest admin queue (AQA's fields are 12 bits, 0's based). */
#define VDK_NVME_ADMIN_QUEUE_MAX 4096u
/** Smallest queue of any kind: one entry always stays empty. */
#define VDK_NVME_QUEUE_MIN 2u

/* ---- Queue entries (§4.2, §4.6) ---- */

/** An SGL descriptor (§4.4, Figure 114): 16 bytes. */
struct vdk_nvme_sgl_desc {
	uint64_t addr; /**< IOVA of the data or of the next segment */
	uint32_t len; /**< bytes at addr */
	uint8_t rsvd[3]; /**< reserved: 0 */
	uint8_t id;   /**< type [7:4], sub type [3:0] */
};
static_assert(sizeof(struct vdk_nvme_sgl_desc) == 16, "SGL descriptor");

/* SGL descriptor types (§4.4, Figure 116) */
#define VDK_NVME_SGL_TYPE_DATA_BLOCK   0x0u /**< len bytes of data at addr */
#define VDK_NVME_SGL_TYPE_BIT_BUCKET   0x1u /**< len bytes of read data to discard (no address) */
#define VDK_NVME_SGL_TYPE_SEGMENT      0x2u /**< next segment at addr: len bytes of descriptors */
#define VDK_NVME_SGL_TYPE_LAST_SEGMENT 0x3u /**< as SEGMENT, and that segment is the last */
/** The id byte of a descriptor of @p type with sub type "address". */
#define VDK_NVME_SGL_ID(type) ((uint8_t)((type) << 4))

/** A submission queue entry (§4.2, Figure 104): 64 bytes. */
struct vdk_nvme_cmd {
	uint8_t opc;        /**< opcode */
	uint8_t flags;      /**< FUSE [1:0], PSDT [7:6] */
	uint16_t cid;       /**< command identifier: the driver sets it */
	uint32_t nsid; /**< namespace ID; 0 if the command takes none, VDK_NVME_NSID_ALL for all */
	uint32_t cdw2;      /**< command specific (reserved for most) */
	uint32_t cdw3;      /**< command specific (reserved for most) */
	uint64_t mptr;      /**< metadata pointer */
	union {
		struct {
			uint64_t prp1; /**< PRP entry 1: IOVA where the data starts (PSDT 0) */
			uint64_t prp2; /**< PRP entry 2, or IOVA of a PRP list past two pages */
		} prp;
		struct vdk_nvme_sgl_desc sgl1; /**< the first SGL descriptor (PSDT 1) */
	} dptr;             /**< data pointer */
	uint32_t cdw10;     /**< command specific: for Read/Write, starting LBA bits 31:0 */
	uint32_t cdw11;     /**< command specific: for Read/Write, starting LBA bits 63:32 */
	uint32_t cdw12;     /**< command specific: for Read/Write, VDK_NVME_IO_NLB_MASK and flags */
	uint32_t cdw13;     /**< command specific */
	uint32_t cdw14;     /**< command specific */
	uint32_t cdw15;     /**< command specific */
};
static_assert(sizeof(struct vdk_nvme_cmd) == 64, "SQ entry");
static_assert(offsetof(struct vdk_nvme_cmd, mptr) == 16, "MPTR");
static_assert(offsetof(struct vdk_nvme_cmd, dptr) == 24, "DPTR");
static_assert(offsetof(struct vdk_nvme_cmd, cdw10) == 40, "CDW10");

/** log2 of the submission queue entry size, for CC.IOSQES. */
#define VDK_NVME_SQES_LOG2 6u

#define VDK_NVME_CMD_PSDT_SHIFT 6    /**< PRP or SGL for data transfer, in vdk_nvme_cmd.flags */
#define VDK_NVME_CMD_PSDT_MASK  0x3u /**< 2 bits: VDK_NVME_PSDT_* */
#define VDK_NVME_PSDT_PRP       0x0u /**< PRPs */
#define VDK_NVME_PSDT_SGL_MPTR_CONTIG 0x1u /**< SGL, MPTR one contiguous buffer */

/** A completion queue entry (§4.6, Figure 121): 16 bytes. */
struct vdk_nvme_cpl {
	uint32_t cdw0;      /**< command specific */
	uint32_t cdw1;      /**< reserved in 1.4; command specific in 2.0 */
	uint16_t sqhd;      /**< SQ head pointer when this was posted */
	uint16_t sqid;      /**< SQ the command was submitted on */
	uint16_t cid;       /**< the command's cid */
	uint16_t status;    /**< phase tag [0], status field [15:1] */
};
static_assert(sizeof(struct vdk_nvme_cpl) == 16, "CQ entry");

/** log2 of the completion queue entry size, for CC.IOCQES. */
#define VDK_NVME_CQES_LOG2 4u

/* Status field, with the phase tag (§4.6.1, Figure 123) */
#define VDK_NVME_STATUS_P_SHIFT   0   /**< phase tag: flips each time the CQ wraps */
#define VDK_NVME_STATUS_P_MASK    0x1u /**< 1 bit */
#define VDK_NVME_STATUS_SC_SHIFT  1   /**< status code */
#define VDK_NVME_STATUS_SC_MASK   0xffu /**< 8 bits: VDK_NVME_SC_* */
#define VDK_NVME_STATUS_SCT_SHIFT 9   /**< status code type */
#define VDK_NVME_STATUS_SCT_MASK  0x7u /**< 3 bits: VDK_NVME_SCT_* */
#define VDK_NVME_STATUS_CRD_SHIFT 12  /**< command retry delay */
#define VDK_NVME_STATUS_CRD_MASK  0x3u /**< 2 bits: 0 none, else Identify CRDT1..3 */
#define VDK_NVME_STATUS_M_SHIFT   14  /**< more: a log page has details */
#define VDK_NVME_STATUS_M_MASK    0x1u /**< 1 bit */
#define VDK_NVME_STATUS_DNR_SHIFT 15  /**< do not retry */
#define VDK_NVME_STATUS_DNR_MASK  0x1u /**< 1 bit */

/* Status code types (§4.6.1.1) */
#define VDK_NVME_SCT_GENERIC          0x0u /**< generic command status: VDK_NVME_SC_SUCCESS ... */
#define VDK_NVME_SCT_COMMAND_SPECIFIC 0x1u /**< command specific: VDK_NVME_SC_INVALID_QUEUE_ID.. */
#define VDK_NVME_SCT_MEDIA_ERROR      0x2u /**< media and data integrity errors */
#define VDK_NVME_SCT_PATH             0x3u /**< path related status: VDK_NVME_SC_ABORTED_BY_HOST */
#define VDK_NVME_SCT_VENDOR_SPECIFIC  0x7u /**< vendor specific */

/* Generic command status (§4.6.1.2.1, Figure 126), the ones a driver acts on */
#define VDK_NVME_SC_SUCCESS                0x00u /**< successful completion */
#define VDK_NVME_SC_INVALID_OPCODE         0x01u /**< invalid command opcode */
#define VDK_NVME_SC_INVALID_FIELD          0x02u /**< invalid field in command */
#define VDK_NVME_SC_COMMAND_ID_CONFLICT    0x03u /**< the CID is in use on that SQ */
#define VDK_NVME_SC_DATA_TRANSFER_ERROR    0x04u /**< data transfer error */
#define VDK_NVME_SC_INTERNAL_ERROR         0x06u /**< internal error in the controller */
#define VDK_NVME_SC_ABORTED_BY_REQUEST     0x07u /**< aborted by an Abort command */
/** Aborted by SQ deletion; VDK's status too for what a reset or a queue pair free drops. */
#define VDK_NVME_SC_ABORTED_SQ_DELETION    0x08u
#define VDK_NVME_SC_INVALID_NAMESPACE      0x0bu /**< invalid namespace or format */
#define VDK_NVME_SC_COMMAND_SEQUENCE_ERROR 0x0cu /**< command sequence error */
#define VDK_NVME_SC_LBA_OUT_OF_RANGE       0x80u /**< LBA out of range */
/* Command specific status (§4.6.1.2.2) */
#define VDK_NVME_SC_INVALID_QUEUE_ID       0x01u /**< create queue: invalid queue identifier */
#define VDK_NVME_SC_INVALID_QUEUE_SIZE     0x02u /**< create queue: invalid queue size */
#define VDK_NVME_SC_ABORT_LIMIT_EXCEEDED   0x03u /**< Abort: ACL + 1 aborts already outstanding */
#define VDK_NVME_SC_INVALID_INTR_VECTOR    0x08u /**< create CQ: invalid interrupt vector */
/* Path related status (§4.6.1.2.4) */
/** Aborted by the host: VDK's status for commands of a failed or removed controller. */
#define VDK_NVME_SC_ABORTED_BY_HOST        0x71u

/* ---- Opcodes ---- */

/* Admin commands (§5, Figure 139) */
#define VDK_NVME_OPC_DELETE_IO_SQ   0x00u /**< Delete I/O Submission Queue */
#define VDK_NVME_OPC_CREATE_IO_SQ   0x01u /**< Create I/O Submission Queue */
#define VDK_NVME_OPC_GET_LOG_PAGE   0x02u /**< Get Log Page */
#define VDK_NVME_OPC_DELETE_IO_CQ   0x04u /**< Delete I/O Completion Queue */
#define VDK_NVME_OPC_CREATE_IO_CQ   0x05u /**< Create I/O Completion Queue */
#define VDK_NVME_OPC_IDENTIFY       0x06u /**< Identify: CNS in CDW10, VDK_NVME_CNS_* */
#define VDK_NVME_OPC_ABORT          0x08u /**< Abort: SQID and CID of the command in CDW10 */
#define VDK_NVME_OPC_SET_FEATURES   0x09u /**< Set Features: VDK_NVME_FEAT_* in CDW10 */
#define VDK_NVME_OPC_GET_FEATURES   0x0au /**< Get Features: VDK_NVME_FEAT_* in CDW10 */
#define VDK_NVME_OPC_ASYNC_EVENT    0x0cu /**< Asynchronous Event Request */
#define VDK_NVME_OPC_KEEP_ALIVE     0x18u /**< Keep Alive */
#define VDK_NVME_OPC_FORMAT_NVM     0x80u /**< Format NVM */

/* NVM command set I/O commands (§6, Figure 346) */
#define VDK_NVME_OPC_FLUSH          0x00u /**< Flush the volatile write cache */
#define VDK_NVME_OPC_WRITE          0x01u /**< Write */
#define VDK_NVME_OPC_READ           0x02u /**< Read */
#define VDK_NVME_OPC_COMPARE        0x05u /**< Compare */
#define VDK_NVME_OPC_WRITE_ZEROES   0x08u /**< Write Zeroes */
#define VDK_NVME_OPC_DSM            0x09u /**< Dataset Management (deallocate: trim) */

/* Create I/O Completion Queue (§5.3): CDW11 */
#define VDK_NVME_CREATE_CQ_PC   (1u << 0)  /**< physically contiguous */
#define VDK_NVME_CREATE_CQ_IEN  (1u << 1)  /**< interrupts enabled */
#define VDK_NVME_CREATE_CQ_IV_SHIFT 16     /**< interrupt vector */
/* Create I/O Submission Queue (§5.4): CDW11 */
#define VDK_NVME_CREATE_SQ_PC   (1u << 0) /**< physically contiguous */
#define VDK_NVME_CREATE_SQ_CQID_SHIFT 16  /**< the CQ its commands complete on */

/* Identify (§5.15): CNS in CDW10 [7:0] */
/** Identify Namespace of CDW1.NSID: struct vdk_nvme_ns_data. */
#define VDK_NVME_CNS_NS             0x00u
#define VDK_NVME_CNS_CTRLR          0x01u /**< Identify Controller: struct vdk_nvme_ctrlr_data */
/** Active NSIDs above CDW1.NSID, ascending, up to 1024. */
#define VDK_NVME_CNS_ACTIVE_NS_LIST 0x02u

/** Namespace IDs in one active namespace list (§5.15.2.3). */
#define VDK_NVME_NS_LIST_ENTRIES 1024u
/** The broadcast namespace ID. */
#define VDK_NVME_NSID_ALL 0xffffffffu

/* Features (§5.21.1) */
#define VDK_NVME_FEAT_ARBITRATION       0x01u  /**< arbitration burst and weights */
#define VDK_NVME_FEAT_VOLATILE_WC       0x06u  /**< volatile write cache enable (CDW11 bit 0) */
#define VDK_NVME_FEAT_NUM_QUEUES        0x07u  /**< §5.21.1.7 */
/** Interrupt coalescing: threshold [7:0] (0's based), time [15:8] in 100 us. */
#define VDK_NVME_FEAT_INTR_COALESCING   0x08u

/* Read, Write (§6.9, §6.15) and Write Zeroes (§6.17): CDW12 */
#define VDK_NVME_IO_NLB_MASK        0xffffu      /**< number of blocks, 0's based */
#define VDK_NVME_IO_FLAG_DEAC       (1u << 25)   /**< write zeroes: deallocate */
#define VDK_NVME_IO_FLAG_FUA        (1u << 30)   /**< force unit access */
#define VDK_NVME_IO_FLAG_LR         (1u << 31)   /**< limited retry */

/* Dataset Management (§6.7): CDW11 attributes */
#define VDK_NVME_DSM_ATTR_IDR   (1u << 0)  /**< integral dataset for read */
#define VDK_NVME_DSM_ATTR_IDW   (1u << 1)  /**< integral dataset for write */
#define VDK_NVME_DSM_ATTR_AD    (1u << 2)  /**< deallocate */
/** Most ranges one Dataset Management command takes. */
#define VDK_NVME_DSM_MAX_RANGES 256u

/** One range of Dataset Management (§6.7, Figure 364): 16 bytes. */
struct vdk_nvme_dsm_range {
	uint32_t attributes;  /**< context attributes */
	uint32_t length;      /**< logical blocks (not 0's based) */
	uint64_t slba;        /**< starting LBA */
};
static_assert(sizeof(struct vdk_nvme_dsm_range) == 16, "DSM range");

/* ---- Identify data (§5.15.2) ---- */

/** Power state descriptor (§5.15.2.2, Figure 250): 32 bytes. */
struct vdk_nvme_power_state {
	uint16_t mp;       /**< maximum power: 0.01 W units, 0.0001 W if flags bit 0 (MXPS) */
	uint8_t rsvd2;     /**< reserved */
	uint8_t flags;     /**< MXPS [0]: mp scale; NOPS [1]: non-operational state */
	uint32_t enlat;    /**< entry latency, microseconds */
	uint32_t exlat;    /**< exit latency, microseconds */
	uint8_t rrt;       /**< relative read throughput [4:0], 0 best */
	uint8_t rrl;       /**< relative read latency [4:0], 0 best */
	uint8_t rwt;       /**< relative write throughput [4:0], 0 best */
	uint8_t rwl;       /**< relative write latency [4:0], 0 best */
	uint16_t idlp;     /**< idle power, in the units of ips */
	uint8_t ips;       /**< idle power scale [7:6]: 0 not reported, 1 0.0001 W, 2 0.01 W */
	uint8_t rsvd19;    /**< reserved */
	uint16_t actp;     /**< active power, in the units of the active power scale */
	uint8_t apw_aps;   /**< active power workload [2:0], active power scale [7:6] (as ips) */
	uint8_t rsvd23[9]; /**< reserved */
};
static_assert(sizeof(struct vdk_nvme_power_state) == 32, "power state descriptor");

/** Identify Controller data structure (CNS 01h, §5.15.2.2, Figure 249). */
struct vdk_nvme_ctrlr_data {
	uint16_t vid;         /**< PCI vendor ID */
	uint16_t ssvid;       /**< PCI subsystem vendor ID */
	char sn[20];          /**< serial number, ASCII, space padded */
	char mn[40];          /**< model number, ASCII, space padded */
	char fr[8];           /**< firmware revision */
	uint8_t rab;          /**< recommended arbitration burst: 2^rab commands */
	uint8_t ieee[3];      /**< IEEE OUI of the vendor, least significant byte first */
	/** Multi-path: several ports [0], several controllers [1], SR-IOV VF [2], ANA [3]. */
	uint8_t cmic;
	uint8_t mdts;         /**< max data transfer: 2^mdts pages of CAP.MPSMIN; 0 none */
	uint16_t cntlid;      /**< controller ID within the NVM subsystem */
	uint32_t ver;         /**< version, as the VS register (0 before 1.2) */
	uint32_t rtd3r;       /**< RTD3 resume latency, µs (0: not reported) */
	uint32_t rtd3e;       /**< RTD3 entry latency, µs: bounds a shutdown */
	uint32_t oaes;        /**< optional asynchronous events supported (bit mask) */
	uint32_t ctratt;      /**< controller attributes (bit mask: 128-bit host ID [0], ...) */
	uint16_t rrls;        /**< read recovery levels supported: bit n for level n */
	uint8_t rsvd102[9];   /**< reserved */
	/** Controller type: 1 I/O, 2 discovery, 3 administrative; 0 not reported. */
	uint8_t cntrltype;
	uint8_t fguid[16];    /**< FRU globally unique identifier; zero if not reported */
	uint16_t crdt[3];     /**< command retry delay times 1..3 (status CRD), 100 ms units */
	uint8_t rsvd134[122]; /**< reserved (240..255: NVMe Management Interface) */
	uint16_t oacs;        /**< optional admin command support */
	uint8_t acl;          /**< abort command limit, 0's based */
	uint8_t aerl;         /**< asynchronous event requests outstanding at most, 0's based */
	/** Firmware updates: slot 1 read-only [0], slots [3:1], activation without reset [4]. */
	uint8_t frmw;
	uint8_t lpa;          /**< log page attributes (bit mask) */
	uint8_t elpe;         /**< error log page entries, 0's based */
	uint8_t npss;         /**< power states supported, 0's based: psd[0..npss] are valid */
	uint8_t avscc;        /**< admin vendor specific commands use the standard format [0] */
	uint8_t apsta;        /**< autonomous power state transitions supported [0] */
	uint16_t wctemp;      /**< warning composite temperature threshold, kelvin */
	uint16_t cctemp;      /**< critical composite temperature threshold, kelvin */
	uint16_t mtfa;        /**< maximum time for firmware activation, 100 ms units */
	uint32_t hmpre;       /**< host memory buffer preferred size, 4 KiB units */
	uint32_t hmmin;       /**< host memory buffer minimum size, 4 KiB units */
	uint8_t tnvmcap[16];  /**< total NVM capacity, bytes, 128-bit little-endian */
	uint8_t unvmcap[16];  /**< unallocated NVM capacity, bytes, 128-bit little-endian */
	uint32_t rpmbs;       /**< replay protected memory block support */
	uint16_t edstt;       /**< extended device self-test time, minutes */
	uint8_t dsto; /**< device self-test options: one test at a time for the subsystem [0] */
	/** Firmware update granularity, 4 KiB units; 0 not reported, FFh no restriction. */
	uint8_t fwug;
	uint16_t kas; /**< keep alive granularity, 100 ms units; 0: Keep Alive not supported */
	uint16_t hctma;       /**< host controlled thermal management supported [0] */
	uint16_t mntmt;       /**< minimum thermal management temperature, kelvin */
	uint16_t mxtmt;       /**< maximum thermal management temperature, kelvin */
	/** Sanitize capabilities: crypto erase [0], block erase [1], overwrite [2]. */
	uint32_t sanicap;
	uint32_t hmminds;     /**< host memory buffer minimum descriptor entry size, 4 KiB units */
	uint16_t hmmaxd;      /**< host memory buffer descriptor entries at most */
	uint16_t nsetidmax;   /**< highest NVM set identifier */
	uint16_t endgidmax;   /**< highest endurance group identifier */
	uint8_t anatt;        /**< ANA transition time, seconds */
	uint8_t anacap;       /**< asymmetric namespace access capabilities (bit mask) */
	uint32_t anagrpmax;   /**< highest ANA group identifier */
	uint32_t nanagrpid;   /**< number of ANA group identifiers */
	uint32_t pels;        /**< persistent event log size, 64 KiB units */
	uint8_t rsvd356[156]; /**< reserved */
	uint8_t sqes;         /**< SQ entry size: required [3:0], max [7:4], log2 */
	uint8_t cqes;         /**< CQ entry size, as sqes */
	uint16_t maxcmd;      /**< commands outstanding at most (fabrics); 0 not reported */
	uint32_t nn;          /**< number of namespaces (highest valid NSID) */
	uint16_t oncs;        /**< optional NVM command support */
	uint16_t fuses;       /**< fused operations supported: Compare and Write [0] */
	uint8_t fna;          /**< Format NVM: all namespaces [0], erase all [1], crypto [2] */
	uint8_t vwc;          /**< volatile write cache present [0] */
	uint16_t awun;        /**< atomic write unit, normal operation: blocks, 0's based */
	uint16_t awupf;       /**< atomic write unit across power failure: blocks, 0's based */
	uint8_t nvscc;        /**< NVM vendor specific commands use the standard format [0] */
	uint8_t nwpc;         /**< namespace write protection capabilities (bit mask) */
	uint16_t acwu;        /**< atomic compare and write unit: blocks, 0's based */
	uint16_t rsvd534;     /**< reserved */
	uint32_t sgls;        /**< SGL support [1:0] and kinds */
	uint32_t mnan;        /**< namespaces allowed at most; 0: nn */
	uint8_t rsvd544[224]; /**< reserved */
	char subnqn[256];     /**< NVM subsystem NQN, UTF-8, NUL-terminated */
	uint8_t rsvd1024[768]; /**< reserved */
	uint8_t nvmeof[256];  /**< NVMe over Fabrics attributes; unused on PCIe */
	struct vdk_nvme_power_state psd[32]; /**< power state descriptors 0..npss */
	uint8_t vs[1024];     /**< vendor specific */
};
static_assert(sizeof(struct vdk_nvme_ctrlr_data) == 4096, "Identify Controller");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, mn) == 24, "MN");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, mdts) == 77, "MDTS");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, ver) == 80, "VER");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, rtd3e) == 88, "RTD3E");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, oacs) == 256, "OACS");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, tnvmcap) == 280, "TNVMCAP");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, pels) == 352, "PELS");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, sqes) == 512, "SQES");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, nn) == 516, "NN");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, oncs) == 520, "ONCS");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, vwc) == 525, "VWC");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, sgls) == 536, "SGLS");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, subnqn) == 768, "SUBNQN");
static_assert(offsetof(struct vdk_nvme_ctrlr_data, psd) == 2048, "PSD0");

/* ONCS bits */
#define VDK_NVME_ONCS_COMPARE      (1u << 0) /**< Compare supported */
#define VDK_NVME_ONCS_WRITE_UNC    (1u << 1) /**< Write Uncorrectable supported */
#define VDK_NVME_ONCS_DSM          (1u << 2) /**< Dataset Management supported */
#define VDK_NVME_ONCS_WRITE_ZEROES (1u << 3) /**< Write Zeroes supported */
/* SGLS [1:0] */
/** Bits [1:0]: VDK_NVME_SGLS_NONE, _ANY_ALIGN or _DWORD_ALIGN. */
#define VDK_NVME_SGLS_SUPPORT_MASK  0x3u
#define VDK_NVME_SGLS_NONE          0x0u /**< SGLs not supported: PRPs only */
#define VDK_NVME_SGLS_ANY_ALIGN     0x1u /**< SGLs supported, data blocks of any alignment */
/** SGLs supported, data block address and length dword aligned. */
#define VDK_NVME_SGLS_DWORD_ALIGN   0x2u

/** One LBA format (§5.15.2.1, Figure 248): 4 bytes. */
struct vdk_nvme_lbaf {
	uint16_t ms;     /**< metadata bytes per block */
	uint8_t lbads;   /**< block size, log2; a value below 9 is not supported */
	uint8_t rp;      /**< relative performance [1:0] */
};
static_assert(sizeof(struct vdk_nvme_lbaf) == 4, "LBA format");

/** Identify Namespace data structure (CNS 00h, §5.15.2.1, Figure 245). */
struct vdk_nvme_ns_data {
	uint64_t nsze;        /**< size in blocks */
	uint64_t ncap;        /**< capacity in blocks */
	uint64_t nuse;        /**< blocks in use */
	/** Features: thin provisioning [0], NAWUN.. valid [1], DULBE [2], NPWG.. valid [4]. */
	uint8_t nsfeat;
	uint8_t nlbaf;        /**< number of LBA formats, 0's based */
	uint8_t flbas;        /**< format in use [3:0] (+ [6:5] in 2.0), extended LBA [4] */
	uint8_t mc;           /**< metadata capabilities */
	uint8_t dpc;          /**< end-to-end data protection types supported */
	uint8_t dps;          /**< end-to-end data protection type in use [2:0], info first [3] */
	uint8_t nmic;         /**< may be attached to several controllers [0] */
	uint8_t rescap;       /**< reservation capabilities (bit mask) */
	uint8_t fpi;          /**< format progress: supported [7], percent left [6:0] */
	/** Deallocated blocks read as [2:0]: 0 unknown, 1 zeros, 2 ones; Write Zeroes DEAC [3]. */
	uint8_t dlfeat;
	/** Namespace atomic write unit normal: blocks, 0's based; valid with nsfeat [1]. */
	uint16_t nawun;
	uint16_t nawupf;      /**< namespace atomic write unit power fail: blocks, 0's based */
	uint16_t nacwu;       /**< namespace atomic compare and write unit: blocks, 0's based */
	uint16_t nabsn;       /**< namespace atomic boundary size normal: blocks, 0's based */
	uint16_t nabo;        /**< namespace atomic boundary offset: blocks */
	uint16_t nabspf;      /**< namespace atomic boundary size power fail: blocks, 0's based */
	uint16_t noiob;       /**< optimal I/O boundary: blocks; 0 not reported */
	uint8_t nvmcap[16];   /**< NVM capacity, bytes, 128-bit little-endian; 0 not reported */
	uint16_t npwg; /**< preferred write granularity: blocks, 0's based; valid with nsfeat [4] */
	uint16_t npwa;        /**< preferred write alignment: blocks, 0's based */
	uint16_t npdg;        /**< preferred deallocate granularity: blocks, 0's based */
	uint16_t npda;        /**< preferred deallocate alignment: blocks, 0's based */
	uint16_t nows;        /**< optimal write size: blocks, 0's based */
	uint8_t rsvd74[18];   /**< reserved */
	uint32_t anagrpid;    /**< ANA group identifier */
	uint8_t rsvd96[3];    /**< reserved */
	uint8_t nsattr;       /**< namespace attributes: write protected [0] */
	uint16_t nvmsetid;    /**< NVM set identifier */
	uint16_t endgid;      /**< endurance group identifier */
	uint8_t nguid[16];    /**< namespace globally unique identifier; zero if not reported */
	uint8_t eui64[8];     /**< IEEE extended unique identifier; zero if not reported */
	/** 16 formats in 1.4 (the rest reserved); 64 in 2.0. */
	struct vdk_nvme_lbaf lbaf[64];
	uint8_t vs[3712]; /**< vendor specific */
};
static_assert(sizeof(struct vdk_nvme_ns_data) == 4096, "Identify Namespace");
static_assert(offsetof(struct vdk_nvme_ns_data, nlbaf) == 25, "NLBAF");
static_assert(offsetof(struct vdk_nvme_ns_data, dlfeat) == 33, "DLFEAT");
static_assert(offsetof(struct vdk_nvme_ns_data, nvmcap) == 48, "NVMCAP");
static_assert(offsetof(struct vdk_nvme_ns_data, anagrpid) == 92, "ANAGRPID");
static_assert(offsetof(struct vdk_nvme_ns_data, nguid) == 104, "NGUID");
static_assert(offsetof(struct vdk_nvme_ns_data, lbaf) == 128, "LBAF0");
static_assert(offsetof(struct vdk_nvme_ns_data, vs) == 384, "VS");

/* FLBAS */
#define VDK_NVME_FLBAS_IDX_LO_SHIFT 0    /**< index of the LBA format in use, bits [3:0] */
#define VDK_NVME_FLBAS_IDX_LO_MASK  0xfu /**< 4 bits */
#define VDK_NVME_FLBAS_EXT_SHIFT    4    /**< metadata at the end of each block */
#define VDK_NVME_FLBAS_EXT_MASK     0x1u /**< 1 bit */
#define VDK_NVME_FLBAS_IDX_HI_SHIFT 5    /**< 2.0: format index bits [5:4] */
#define VDK_NVME_FLBAS_IDX_HI_MASK  0x3u /**< 2 bits */

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_NVME_SPEC_H */
