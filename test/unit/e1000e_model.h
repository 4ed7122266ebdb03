/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An Intel 82574L in the test process, from the device's side: its
 * registers are an ordinary 128 KiB buffer handed to the driver as BAR0,
 * and the descriptor rings are wherever the driver programmed RDBAL/RDLEN
 * and TDBAL/TDLEN to point (DMA memory; the EAL runs --no-huge --no-pci,
 * so an IOVA is the address). Nothing happens on its own: the test says
 * what the device does next.
 *
 * Well-behaved, the model receives a frame into the buffers from RDH on,
 * never past RDT, in buffers of RCTL.BSIZE with EOP on the last, and sends
 * what the driver queued up to TDT, reporting DD where RS asked for it. As
 * a broken or hostile device it writes back any descriptor with any
 * length, status and errors, moves its heads anywhere, and sets any
 * register: the device-side fuzzer and the trust tests drive it so.
 *
 * e1000e_model_port() puts the driver's datapath over the model: a port
 * with one rx and one tx queue, started as dev_start would start them.
 *
 * Registers with side effects (the control path's) are served by
 * e1000e_model_step(), what the hardware does between two looks by the
 * driver, run in a thread of its own by e1000e_model_run(): CTRL.RST
 * resets the registers and clears itself, EERD.START reads an EEPROM
 * word and sets DONE. A stuck device (stuck_reset) never clears RST.
 */
#ifndef E1000E_MODEL_H
#define E1000E_MODEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "e1000e_internal.h"
#include "eal_pci_internal.h"

#define E1000E_MODEL_BAR_SIZE 0x20000u   /* the 82574L's memory BAR */
#define E1000E_MODEL_TX_MAX   16384u      /* bytes of one sent frame it keeps */
#define E1000E_MODEL_EEPROM_WORDS 64u

struct vdk_mempool;

struct e1000e_model {
	uint8_t *bar;
	bool foreign_bar;              /* e1000e_model_use_bar(): not ours to free */
	uint32_t rdh;                  /* next receive descriptor it writes */
	uint32_t tdh;                  /* next transmit descriptor it reads */
	uint16_t eeprom[E1000E_MODEL_EEPROM_WORDS]; /* words 0-2: the MAC address */
	bool rah_invalid;              /* a reset leaves RAH0.AV clear: the MAC is the EEPROM's */

	/* Faults: tests set them at any time. */
	volatile bool stuck_reset;     /* CTRL.RST never clears */

	/* What happened. */
	uint64_t nb_rx_frames;         /* frames written into the ring */
	uint64_t nb_rx_missed;         /* frames with no room up to RDT (MPC) */
	uint64_t nb_tx_frames;         /* frames sent (EOP seen) */
	uint64_t nb_tx_desc;           /* transmit descriptors read */
	uint64_t nb_bad_dma;           /* descriptor addresses that were not DMA memory */
	unsigned int nb_resets;        /* CTRL.RST served */
	unsigned int nb_eeprom_reads;  /* EERD reads served */
	uint8_t tx_last[E1000E_MODEL_TX_MAX]; /* the last frame sent, as on the wire */
	uint32_t tx_last_len;
	uint32_t tx_cur_len;           /* bytes of the frame being gathered */

	/* The driver's port over it (e1000e_model_port). */
	struct e1000e_port *port;
	/*
	 * The EAL's whole device, not only its public part: the driver asks
	 * the EAL whether it was removed, which reads the rest.
	 */
	struct pci_dev pci;

	pthread_t thread;
	volatile bool running;
};

/* A device with its registers at their reset values (MAC 52:54:00:12:34:56). */
struct e1000e_model *e1000e_model_create(void);
/* Free the model and the port over it, if any. */
void e1000e_model_free(struct e1000e_model *m);
/* Serve registers in @bar (E1000E_MODEL_BAR_SIZE bytes someone else owns). */
void e1000e_model_use_bar(struct e1000e_model *m, uint8_t *bar);

/* What the hardware does between two looks by the driver: CTRL.RST, EERD.START. */
void e1000e_model_step(struct e1000e_model *m);
/* Step in a thread of its own until e1000e_model_stop() (e1000e_model_free() stops it too). */
void e1000e_model_run(struct e1000e_model *m);
void e1000e_model_stop(struct e1000e_model *m);

uint32_t e1000e_model_reg32(const struct e1000e_model *m, uint32_t off);
void e1000e_model_set_reg32(struct e1000e_model *m, uint32_t off, uint32_t val);

/*
 * The driver's port over the model, queues of @nb_rxd and @nb_txd
 * descriptors (rx buffers from @mp, @rx_free_thresh 0 for the default),
 * started as dev_start starts them: rings programmed, RCTL.EN and BSIZE
 * set. NULL, the driver having said why, if the queues cannot be made.
 */
struct e1000e_port *e1000e_model_port(struct e1000e_model *m, uint16_t nb_rxd, uint16_t nb_txd,
				      struct vdk_mempool *mp, uint16_t rx_free_thresh);
/* Stop the queues (every mbuf back to its pool) and start them again: a port restart. */
int e1000e_model_port_restart(struct e1000e_model *m);

/* ---- receive ---- */

/* The receive ring as the driver programmed it (RDBAL/RDBAH, RDLEN), and its size. */
volatile struct e1000e_rx_desc *e1000e_model_rx_ring(const struct e1000e_model *m,
						     uint32_t *nb_desc);
/* The receive buffer size RCTL.BSIZE gives. */
uint32_t e1000e_model_rx_buf_size(const struct e1000e_model *m);
/*
 * Receive @len bytes of @frame as the device does: into the buffers from
 * RDH on, one buffer a descriptor, EOP on the last, never reaching RDT.
 * @return descriptors used; 0 if the ring had no room (counted as missed)
 *   or a descriptor's address was not DMA memory.
 */
unsigned int e1000e_model_rx_frame(struct e1000e_model *m, const void *frame, uint32_t len);
/*
 * Write back descriptor @idx (taken modulo the ring) with any length,
 * status and errors, as a broken device might; the buffer is not written.
 */
void e1000e_model_rx_write(struct e1000e_model *m, uint32_t idx, uint16_t len, uint8_t status,
			   uint8_t errors);
/* Write back the descriptor at RDH and move RDH on, whatever RDT says. */
void e1000e_model_rx_push(struct e1000e_model *m, uint16_t len, uint8_t status, uint8_t errors);

/* ---- transmit ---- */

/*
 * Send what the driver queued, from TDH up to TDT (at most @max
 * descriptors): gather each frame into tx_last, write DD back where RS
 * asked for it, move TDH. @return descriptors processed.
 */
unsigned int e1000e_model_tx_run(struct e1000e_model *m, unsigned int max);
/* Write status @status into transmit descriptor @idx (modulo the ring), as a broken device might. */
void e1000e_model_tx_write(struct e1000e_model *m, uint32_t idx, uint8_t status);

#endif /* E1000E_MODEL_H */
