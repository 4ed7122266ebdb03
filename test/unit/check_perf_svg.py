#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check a vdk-nvme-perf --plot SVG against the text report of the same run.

usage: check_perf_svg.py SVG REPORT [--render PNG]

- The SVG parses as XML (Python's expat parser) and is an <svg> element.
- Its percentile marks (class="pct") are the 14 that -L prints, with the
  very figures of the report's percentile lines (one namespace on one
  core: the plot shows all of them together, the report each).
- Its IOPS samples (class="sample") add up to the I/Os of the report's
  Total line (IOPS times the measured time, to its rounding), at rising
  times.
- --render: rsvg-convert (librsvg, Debian's librsvg2-bin) draws it to PNG,
  and each data colour (histogram bars, CDF line, IOPS line, marks) covers
  pixels there: the data was drawn, not only the axes.
Exits 0 when all hold, else 1 with what did not.
"""
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

SVG_NS = "{http://www.w3.org/2000/svg}"
# perf_plot.c's data colours, and how many pixels of each a drawing needs.
COLOURS = {"histogram": (0x44, 0x77, 0xAA), "cdf": (0xCC, 0x66, 0x77),
           "iops": (0x22, 0x88, 0x33), "marks": (0xAA, 0x33, 0x77)}
MIN_PIXELS = 20


def fail(msg):
    print("check_perf_svg: " + msg)
    sys.exit(1)


def report_figures(text):
    """The percentiles of the report's only latency summary, and its Total."""
    sections = text.count("Summary latency data for")
    if sections != 1:
        fail(f"the report has {sections} latency summaries: want one (-L, one namespace, one core)")
    pct = {}
    part = text.split("Summary latency data for", 1)[1]
    for m in re.finditer(r"^\s*([0-9.]+)% :\s+([0-9.]+)us$", part, re.M):
        pct.setdefault(m.group(1), m.group(2))
    total = re.search(r"^Total\s*:\s+([0-9.]+)", text, re.M)
    if total is None:
        fail("the report has no Total line")
    return pct, float(total.group(1))


def png_pixels(path):
    """(width, height, rows of RGBA bytes) of an 8-bit RGBA or RGB PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace != 0:
                fail(f"{path}: PNG depth {depth} colour type {ctype}: want 8-bit RGB(A)")
            bpp = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 0xFF
            elif f == 2:
                line[x] = (line[x] + b) & 0xFF
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        rows.append((line, bpp))
        prev = line
    return width, height, rows


def check_render(svg, png):
    subprocess.run(["rsvg-convert", "-f", "png", "-o", png, svg], check=True)
    width, height, rows = png_pixels(png)
    if (width, height) != (960, 860):
        fail(f"rendered {width}x{height}: want 960x860")
    seen = {k: 0 for k in COLOURS}
    for line, bpp in rows:
        for x in range(0, len(line), bpp):
            px = tuple(line[x:x + 3])
            for k, c in COLOURS.items():
                if all(abs(px[i] - c[i]) <= 8 for i in range(3)):
                    seen[k] += 1
    short = [f"{k} ({n} pixels)" for k, n in seen.items() if n < MIN_PIXELS]
    if short:
        fail("the rendered PNG lacks " + ", ".join(short))
    print("render: " + ", ".join(f"{k} {n} pixels" for k, n in seen.items()))


def main():
    if len(sys.argv) not in (3, 5) or (len(sys.argv) == 5 and sys.argv[3] != "--render"):
        print(__doc__)
        sys.exit(2)
    svg, report = sys.argv[1], sys.argv[2]
    try:
        root = ET.parse(svg).getroot()
    except ET.ParseError as e:
        fail(f"{svg} is not well-formed XML: {e}")
    if root.tag != SVG_NS + "svg":
        fail(f"{svg}: root element {root.tag}, not svg")
    want, total_iops = report_figures(open(report).read())
    marks = {c.get("data-percentile"): c.get("data-us")
             for c in root.iter(SVG_NS + "circle") if c.get("class") == "pct"}
    if len(want) != 14 or marks != want:
        fail(f"percentile marks {marks} differ from the report's {want}")
    samples = [(float(c.get("data-t")), int(c.get("data-ios")))
               for c in root.iter(SVG_NS + "circle") if c.get("class") == "sample"]
    if not samples:
        fail("no IOPS samples")
    times = [t for t, _ in samples]
    if times != sorted(times) or len(set(times)) != len(times):
        fail(f"sample times do not rise: {times}")
    ios = sum(n for _, n in samples)
    # Total IOPS = I/Os / measured time, printed to 2 decimals.
    if abs(total_iops * times[-1] - ios) > max(1.0, 0.005 * times[-1] + 1e-6 * ios):
        fail(f"samples add up to {ios} I/Os in {times[-1]} s; the report says {total_iops} IOPS")
    print(f"ok: {len(marks)} percentile marks as reported, {len(samples)} samples of {ios} I/Os")
    if len(sys.argv) == 5:
        check_render(svg, sys.argv[4])


main()
