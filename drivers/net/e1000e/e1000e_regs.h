/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intel 82574L registers and descriptors, as the "Intel 82574 GbE
 * Controller Family Datasheet", document 317694, Revision 3.4 (June 2014,
 * the revision intel.com serves) gives them: the register descriptions of
 * chapter 10 (Programming Interface), the descriptor formats and rings of
 * chapter 7 (Inline Functions: "Extended Rx Descriptor", "Receive
 * Descriptor Queue Structure", "Legacy Transmit Descriptor Format"), the
 * initialization of chapter 4. Every section is cited by its title, which
 * stays the same across revisions. Numbers move between revisions (TXDCTL
 * is §10.2.6.10 in Revision 2.7, §10.2.6.11 in 3.4), so a title carries
 * its number only where two independent sources give that number for
 * Revision 3.4; doc/e1000e.md lists the sources and the titles still
 * without one. Only what net_e1000e uses.
 */
#ifndef E1000E_REGS_H
#define E1000E_REGS_H

#include <assert.h>
#include <stdint.h>

/* General registers */
#define E1000E_CTRL      0x00000
#define E1000E_STATUS    0x00008
#define E1000E_EECD      0x00010
#define E1000E_EERD      0x00014
#define E1000E_CTRL_EXT  0x00018
#define E1000E_MDIC      0x00020
#define E1000E_FCAL      0x00028
#define E1000E_FCAH      0x0002c
#define E1000E_FCT       0x00030
#define E1000E_FCTTV     0x00170

/* Interrupt registers */
#define E1000E_ICR       0x000c0
#define E1000E_ITR       0x000c4
#define E1000E_ICS       0x000c8
#define E1000E_IMS       0x000d0
#define E1000E_IMC       0x000d8
#define E1000E_EIAC      0x000dc
#define E1000E_IAM       0x000e0
#define E1000E_IVAR      0x000e4

/*
 * Receive and transmit registers, queue 0; queue 1's are 0x100 further
 * (RDBAL1 0x02900, TDBAL1 0x03900 ...).
 */
#define E1000E_RCTL      0x00100
#define E1000E_TCTL      0x00400
#define E1000E_TIPG      0x00410
#define E1000E_RDBAL     0x02800
#define E1000E_RDBAH     0x02804
#define E1000E_RDLEN     0x02808
#define E1000E_RDH       0x02810
#define E1000E_RDT       0x02818
#define E1000E_RDTR      0x02820
#define E1000E_RXDCTL    0x02828
#define E1000E_RADV      0x0282c
#define E1000E_TDBAL     0x03800
#define E1000E_TDBAH     0x03804
#define E1000E_TDLEN     0x03808
#define E1000E_TDH       0x03810
#define E1000E_TDT       0x03818
#define E1000E_TIDV      0x03820
#define E1000E_TXDCTL    0x03828
#define E1000E_TADV      0x0382c
#define E1000E_QUEUE_STRIDE 0x100
#define E1000E_QREG(reg, q) ((reg) + E1000E_QUEUE_STRIDE * (uint32_t)(q))
#define E1000E_NB_QUEUES 2
#define E1000E_RXCSUM    0x05000
#define E1000E_RFCTL     0x05008
#define E1000E_MTA       0x05200 /* 128 entries */
#define E1000E_MTA_SIZE  128
#define E1000E_RAL0      0x05400
#define E1000E_RAH0      0x05404

/* Receive side scaling ("Multiple Receive Queues Command", "Redirection Table", "RSS Random Key") */
#define E1000E_MRQC      0x05818
#define E1000E_RETA      0x05c00 /* 32 registers, 4 one-byte entries each */
#define E1000E_RETA_SIZE 128
#define E1000E_RSSRK     0x05c80 /* 10 registers: the 40-byte key, byte 0 lowest */
#define E1000E_RSS_KEY_SIZE 40

/*
 * Statistics registers ("Statistic Register Descriptions"): 0x04000..0x04124, each cleared when read; the 64-bit counters are a low
 * register with the high one after it.
 */
#define E1000E_STATS_BASE 0x04000
#define E1000E_STATS_END  0x04128
#define E1000E_CRCERRS   0x04000 /* CRC error count */
#define E1000E_ALGNERRC  0x04004 /* alignment error count */
#define E1000E_SYMERRS   0x04008 /* symbol error count */
#define E1000E_RXERRC    0x0400c /* receive error count */
#define E1000E_MPC       0x04010 /* missed packets: no room in the receive FIFO */
#define E1000E_SCC       0x04014 /* single collision count */
#define E1000E_ECOL      0x04018 /* excessive collisions */
#define E1000E_MCC       0x0401c /* multiple collision count */
#define E1000E_LATECOL   0x04020 /* late collisions */
#define E1000E_COLC      0x04028 /* collision count */
#define E1000E_DC        0x04030 /* defer count */
#define E1000E_TNCRS     0x04034 /* transmit with no CRS */
#define E1000E_SEC       0x04038 /* sequence error count */
#define E1000E_CEXTERR   0x0403c /* carrier extension error count */
#define E1000E_RLEC      0x04040 /* receive length error count */
#define E1000E_XONRXC    0x04048
#define E1000E_XONTXC    0x0404c
#define E1000E_XOFFRXC   0x04050
#define E1000E_XOFFTXC   0x04054
#define E1000E_FCRUC     0x04058 /* unsupported flow control frames received */
#define E1000E_PRC64     0x0405c /* frames received by size: 64 bytes ... */
#define E1000E_PRC127    0x04060
#define E1000E_PRC255    0x04064
#define E1000E_PRC511    0x04068
#define E1000E_PRC1023   0x0406c
#define E1000E_PRC1522   0x04070 /* ... 1024 bytes to the maximum */
#define E1000E_GPRC      0x04074 /* good packets received */
#define E1000E_BPRC      0x04078 /* broadcast packets received */
#define E1000E_MPRC      0x0407c /* multicast packets received */
#define E1000E_GPTC      0x04080 /* good packets transmitted */
#define E1000E_GORCL     0x04088 /* good octets received, low (GORCH follows) */
#define E1000E_GOTCL     0x04090 /* good octets transmitted, low (GOTCH follows) */
#define E1000E_RNBC      0x040a0 /* receive no buffers: no descriptor was free */
#define E1000E_RUC       0x040a4 /* receive undersize count */
#define E1000E_RFC       0x040a8 /* receive fragment count */
#define E1000E_ROC       0x040ac /* receive oversize count */
#define E1000E_RJC       0x040b0 /* receive jabber count */
#define E1000E_TORL      0x040c0 /* total octets received, low (TORH follows) */
#define E1000E_TOTL      0x040c8 /* total octets transmitted, low (TOTH follows) */
#define E1000E_TPR       0x040d0 /* total packets received */
#define E1000E_TPT       0x040d4 /* total packets transmitted */
#define E1000E_PTC64     0x040d8 /* frames transmitted by size: 64 bytes ... */
#define E1000E_PTC127    0x040dc
#define E1000E_PTC255    0x040e0
#define E1000E_PTC511    0x040e4
#define E1000E_PTC1023   0x040e8
#define E1000E_PTC1522   0x040ec /* ... 1024 bytes to the maximum */
#define E1000E_MPTC      0x040f0 /* multicast packets transmitted */
#define E1000E_BPTC      0x040f4 /* broadcast packets transmitted */
#define E1000E_IAC       0x04100 /* interrupt assertion count */

/* CTRL ("Device Control Register", §10.2.2.1) */
#define E1000E_CTRL_FD        (1u << 0)
#define E1000E_CTRL_GIO_MASTER_DISABLE (1u << 2)
#define E1000E_CTRL_ASDE      (1u << 5)
#define E1000E_CTRL_SLU       (1u << 6)
#define E1000E_CTRL_FRCSPD    (1u << 11)
#define E1000E_CTRL_FRCDPLX   (1u << 12)
#define E1000E_CTRL_RST       (1u << 26)
#define E1000E_CTRL_RFCE      (1u << 27)
#define E1000E_CTRL_TFCE      (1u << 28)
#define E1000E_CTRL_VME       (1u << 30)
#define E1000E_CTRL_PHY_RST   (1u << 31)

/* STATUS */
#define E1000E_STATUS_FD      (1u << 0)
#define E1000E_STATUS_LU      (1u << 1)
#define E1000E_STATUS_SPEED_SHIFT 6
#define E1000E_STATUS_SPEED_MASK (3u << 6)
#define E1000E_STATUS_GIO_MASTER_ENABLE (1u << 19)

/* EECD, EERD */
#define E1000E_EECD_AUTO_RD   (1u << 9)
#define E1000E_EERD_START     (1u << 0)
#define E1000E_EERD_DONE      (1u << 1)
#define E1000E_EERD_ADDR_SHIFT 2
#define E1000E_EERD_DATA_SHIFT 16

/* CTRL_EXT: the interrupt bits that survive a reset and that we clear */
#define E1000E_CTRL_EXT_EIAME   (1u << 24)
#define E1000E_CTRL_EXT_IAME    (1u << 27)
#define E1000E_CTRL_EXT_DRV_LOAD (1u << 28)
#define E1000E_CTRL_EXT_PBA_CLR (1u << 31)

/* MDIC: MDI control, the PHY's registers */
#define E1000E_MDIC_DATA_MASK 0xffffu
#define E1000E_MDIC_REG_SHIFT 16
#define E1000E_MDIC_PHY_SHIFT 21
#define E1000E_MDIC_OP_WRITE  (1u << 26)
#define E1000E_MDIC_OP_READ   (2u << 26)
#define E1000E_MDIC_READY     (1u << 28)
#define E1000E_MDIC_ERROR     (1u << 30)
#define E1000E_PHY_ADDR       1

/* ICR/ICS/IMS/IMC causes ("Interrupt Cause Read Register") */
#define E1000E_ICR_TXDW       (1u << 0)
#define E1000E_ICR_LSC        (1u << 2)
#define E1000E_ICR_RXDMT0     (1u << 4)
#define E1000E_ICR_RXO        (1u << 6)
#define E1000E_ICR_RXT0       (1u << 7)
#define E1000E_ICR_OTHER      (1u << 24)

/*
 * IVAR ("Interrupt Vector Allocation Registers"): a 3-bit vector and a valid bit for each of RxQ0,
 * RxQ1, TxQ0, TxQ1 and "other" (link changes and the rest).
 */
#define E1000E_IVAR_VALID     0x8u
#define E1000E_IVAR_OTHER_SHIFT 16

/* MRQC: RSS on (bits 1:0 = 01b), and the hash of each packet type */
#define E1000E_MRQC_RSS_EN      (1u << 0)
#define E1000E_MRQC_TCPIPV4     (1u << 16)
#define E1000E_MRQC_IPV4        (1u << 17)
#define E1000E_MRQC_TCPIPV6     (1u << 18)
#define E1000E_MRQC_IPV6EX      (1u << 19)
#define E1000E_MRQC_IPV6        (1u << 20)
/* RETA: bit 7 of an entry is its queue, 0 or 1 */
#define E1000E_RETA_QUEUE1      0x80u

/* RXCSUM.PCSD: the write-back carries the RSS hash, not the packet checksum */
#define E1000E_RXCSUM_PCSD      (1u << 13)
/* RFCTL.EXTEN: extended receive descriptors (needed for RSS) */
#define E1000E_RFCTL_EXTEN      (1u << 15)

/* RCTL ("Receive Control Register", §10.2.5.1) */
#define E1000E_RCTL_EN        (1u << 1)
#define E1000E_RCTL_SBP       (1u << 2)
#define E1000E_RCTL_UPE       (1u << 3)
#define E1000E_RCTL_MPE       (1u << 4)
#define E1000E_RCTL_LPE       (1u << 5)
#define E1000E_RCTL_RDMTS_HALF (0u << 8)
#define E1000E_RCTL_BAM       (1u << 15)
#define E1000E_RCTL_BSIZE_SHIFT 16 /* 00: 2048, 01: 1024, 10: 512, 11: 256 */
#define E1000E_RCTL_BSEX      (1u << 25)
#define E1000E_RCTL_SECRC     (1u << 26)

/* RXDCTL/TXDCTL: thresholds counted in descriptors, write back at once */
#define E1000E_DCTL_WTHRESH_SHIFT 16
#define E1000E_DCTL_GRAN      (1u << 24)
#define E1000E_DCTL_THRESH_MASK 0x003f3f3fu

/* TCTL ("Transmit Control Register") */
#define E1000E_TCTL_EN        (1u << 1)
#define E1000E_TCTL_PSP       (1u << 3)
#define E1000E_TCTL_CT_SHIFT  4
#define E1000E_TCTL_COLD_SHIFT 12
#define E1000E_TCTL_RTLC      (1u << 24)

/* TIPG: the datasheet's recommended IPGT 8, IPGR1 8, IPGR2 6 for copper */
#define E1000E_TIPG_DEFAULT   (8u | (8u << 10) | (6u << 20))

/* RAH */
#define E1000E_RAH_AV         (1u << 31)

/* PHY registers (IEEE 802.3 clause 22) */
#define E1000E_PHY_CTRL       0
#define E1000E_PHY_CTRL_RESTART_AN (1u << 9)
#define E1000E_PHY_CTRL_AN_ENABLE  (1u << 12)

/*
 * "Extended Rx Descriptor" (RFCTL.EXTEN): the driver writes the buffer
 * address and zeroes the second quadword (DD clear); the device writes
 * back, over all 16 bytes, the RSS type and queue (MRQ), the RSS hash, the
 * extended status (DD and EOP in its low byte) with the errors in its top
 * byte, the length and the VLAN tag.
 */
struct e1000e_rx_desc {
	union {
		uint64_t addr;           /* read format */
		struct {
			uint32_t mrq;    /* RSS type in bits 3:0, queue in 15:8 */
			uint32_t rss;    /* the RSS hash */
		};
	};
	union {
		uint64_t upper;          /* read format: zero */
		struct {
			uint8_t status;  /* extended status, bits 7:0 */
			uint8_t status_hi[2];
			uint8_t errors;  /* extended errors, bits 31:24 */
			uint16_t length;
			uint16_t vlan;
		};
	};
};
static_assert(sizeof(struct e1000e_rx_desc) == 16, "extended rx descriptor is 16 bytes");

#define E1000E_RXD_MRQ_RSS_TYPE 0xfu  /* 0: no hash computed */
#define E1000E_RXD_STAT_DD    (1u << 0)
#define E1000E_RXD_STAT_EOP   (1u << 1)
/* CE, SE, SEQ, CXE, RXE: the frame itself is bad (TCPE/IPE are checksums) */
#define E1000E_RXD_ERR_FRAME  0x97u

/* "Legacy Transmit Descriptor Format" */
struct e1000e_tx_desc {
	uint64_t addr;
	union {
		struct {
			uint16_t length;
			uint8_t cso;
			uint8_t cmd;
			uint8_t status;
			uint8_t css;
			uint16_t special;
		};
		uint64_t upper; /* all of the above in one store */
	};
};
static_assert(sizeof(struct e1000e_tx_desc) == 16, "legacy tx descriptor is 16 bytes");

#define E1000E_TXD_CMD_EOP    (1u << 0)
#define E1000E_TXD_CMD_IFCS   (1u << 1)
#define E1000E_TXD_CMD_RS     (1u << 3)
#define E1000E_TXD_STAT_DD    (1u << 0)
#define E1000E_TXD_CMD_SHIFT  24 /* of cmd within upper */

/* Descriptor rings must be multiples of 128 bytes (RDLEN/TDLEN). */
#define E1000E_RING_ALIGN_DESC 8

#endif /* E1000E_REGS_H */
