/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memif protocol, version 2.0, as DPDK's net_memif and libmemif (VPP)
 * speak it: what goes over the control socket and what lies in the shared
 * memory. Byte order is the host's (both ends share the machine).
 *
 * Control: a unix SOCK_SEQPACKET socket; every message is exactly 128
 * bytes, a 16-bit type then the body; file descriptors ride along as
 * SCM_RIGHTS. The client connects; the server says HELLO (its limits);
 * the client answers INIT (version, interface id, secret), ADD_REGION
 * (one a memfd it made), ADD_RING (one a ring, with an eventfd for
 * interrupts) and CONNECT, each ACKed; the server ends with CONNECTED.
 * DISCONNECT (a code and a reason) ends a connection from either side.
 *
 * Memory: the client owns every region and ring. A ring is a 128-byte
 * header (cookie, flags, head on the first cache line, tail on the second)
 * and 2^n 16-byte descriptors, each naming a buffer by region and offset.
 * Rings go client to server (C2S, formerly "S2M") or server to client
 * (S2C, "M2S"). The client writes only head, the server only tail: on a
 * C2S ring the client fills buffers and moves head, the server reads them
 * and gives them back by moving tail; on an S2C ring the client posts
 * empty buffers by moving head, the server fills them and moves tail.
 * head and tail count freely in 16 bits; a slot is the count modulo 2^n.
 */
#ifndef MEMIF_PROTO_H
#define MEMIF_PROTO_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define MEMIF_COOKIE 0x3E31F20u
#define MEMIF_VERSION ((2u << 8) | 0u)
#define MEMIF_MSG_SIZE 128
#define MEMIF_NAME_SIZE 32
#define MEMIF_SECRET_SIZE 24
#define MEMIF_REASON_SIZE 96

enum memif_msg_type {
	MEMIF_MSG_NONE = 0,
	MEMIF_MSG_ACK = 1,
	MEMIF_MSG_HELLO = 2,
	MEMIF_MSG_INIT = 3,
	MEMIF_MSG_ADD_REGION = 4,
	MEMIF_MSG_ADD_RING = 5,
	MEMIF_MSG_CONNECT = 6,
	MEMIF_MSG_CONNECTED = 7,
	MEMIF_MSG_DISCONNECT = 8,
};

#define MEMIF_MODE_ETHERNET 0
/* ADD_RING flags: the ring carries client-to-server packets. */
#define MEMIF_RING_FLAG_C2S 1u
/* Ring header flags: the receiver polls; the sender need not signal. */
#define MEMIF_RING_FLAG_MASK_INT 1u
/* Descriptor flags: the packet goes on in the next slot. */
#define MEMIF_DESC_FLAG_NEXT 1u

struct __attribute__((packed)) memif_msg_hello {
	uint8_t name[MEMIF_NAME_SIZE];
	uint16_t min_version;
	uint16_t max_version;
	uint16_t max_region;		/* highest region index it takes */
	uint16_t max_s2c_ring;		/* highest ring index, each way */
	uint16_t max_c2s_ring;
	uint8_t max_log2_ring_size;
};

struct __attribute__((packed)) memif_msg_init {
	uint16_t version;
	uint32_t id;
	uint8_t mode;
	uint8_t secret[MEMIF_SECRET_SIZE];
	uint8_t name[MEMIF_NAME_SIZE];
};

struct __attribute__((packed)) memif_msg_add_region {
	uint16_t index;
	uint64_t size;
};

struct __attribute__((packed)) memif_msg_add_ring {
	uint16_t flags;
	uint16_t index;
	uint16_t region;
	uint32_t offset;
	uint8_t log2_ring_size;
	uint16_t private_hdr_size;
};

struct __attribute__((packed)) memif_msg_connect {
	uint8_t if_name[MEMIF_NAME_SIZE];	/* CONNECT and CONNECTED alike */
};

struct __attribute__((packed)) memif_msg_disconnect {
	uint32_t code;
	uint8_t reason[MEMIF_REASON_SIZE];
};

struct __attribute__((packed)) memif_msg {
	uint16_t type;
	union {
		struct memif_msg_hello hello;
		struct memif_msg_init init;
		struct memif_msg_add_region add_region;
		struct memif_msg_add_ring add_ring;
		struct memif_msg_connect connect;
		struct memif_msg_disconnect disconnect;
		uint8_t pad[MEMIF_MSG_SIZE - 2];
	};
};

static_assert(sizeof(struct memif_msg) == MEMIF_MSG_SIZE, "a memif message is 128 bytes");
static_assert(sizeof(struct memif_msg_hello) == 43, "hello layout");
static_assert(sizeof(struct memif_msg_init) == 63, "init layout");
static_assert(sizeof(struct memif_msg_add_region) == 10, "add_region layout");
static_assert(sizeof(struct memif_msg_add_ring) == 13, "add_ring layout");
static_assert(offsetof(struct memif_msg, hello) == 2, "the body follows the type");

struct memif_desc {
	uint16_t flags;
	uint16_t region;
	uint32_t length;
	uint32_t offset;
	uint32_t metadata;
};

static_assert(sizeof(struct memif_desc) == 16, "a descriptor is 16 bytes");

struct memif_ring {
	uint32_t cookie;
	uint16_t flags;
	uint16_t head;			/* written by the client */
	uint8_t pad0[56];
	uint16_t tail;			/* written by the server */
	uint8_t pad1[62];
	struct memif_desc desc[];
};

static_assert(offsetof(struct memif_ring, head) == 6, "head on the first cache line");
static_assert(offsetof(struct memif_ring, tail) == 64, "tail on the second cache line");
static_assert(offsetof(struct memif_ring, desc) == 128, "descriptors after two cache lines");

/* Bytes of a ring of 2^@log2 descriptors. */
static inline size_t
memif_ring_bytes(unsigned int log2)
{
	return sizeof(struct memif_ring) + (sizeof(struct memif_desc) << log2);
}

#endif /* MEMIF_PROTO_H */
