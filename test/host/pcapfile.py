# SPDX-License-Identifier: BSD-3-Clause
"""Classic pcap files, read and written by the host tests themselves, so
that a file vdk-testpmd wrote is checked by a reader VDK did not write
(this one, and tcpdump beside it)."""
import struct

MAGIC_USEC = 0xA1B2C3D4
MAGIC_NSEC = 0xA1B23C4D
LINKTYPE_ETHERNET = 1


def write(path, frames, linktype=LINKTYPE_ETHERNET):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", MAGIC_USEC, 2, 4, 0, 0, 65535, linktype))
        for i, d in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000,
                                len(d), len(d)))
            f.write(d)


def read(path):
    """(linktype, [frame bytes ...]) of a pcap file in either byte order
    and either time resolution."""
    with open(path, "rb") as f:
        data = f.read()
    for endian in "<>":
        magic = struct.unpack(endian + "I", data[:4])[0]
        if magic in (MAGIC_USEC, MAGIC_NSEC):
            break
    else:
        raise ValueError("%s: not a pcap file (magic %r)" % (path, data[:4]))
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    frames, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError("%s: a record header cut short at %d" % (path, off))
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise ValueError("%s: a frame cut short at %d" % (path, off))
        frames.append(data[off:off + caplen])
        off += caplen
    return linktype, frames
