#!/usr/bin/env python3
"""Writes a classic pcap file holding PASSES copies of INPUT's frames, one after the other.

    scripts/pcap-passes.py INPUT PASSES OUTPUT [--renumber]

As is, every pass repeats the same flows: a tool that keeps its flows (ndpiReader keeps every
flow it has seen, whatever the timestamps say) meets flows it has already classified and stops
inspecting them. With --renumber, pass k (k = 0, 1, ...) has the last 16 bits of every IPv4 and
IPv6 source and destination address XORed with k, so each pass carries new flows (new 5-tuples)
in the same networks (/16 for IPv4, /112 for IPv6), with the same payloads and timestamps: what
a link carries, where flows are seen once. Addresses are found under Ethernet, 802.1Q/802.1ad
tags, MPLS and PPPoE session headers; the IPv4 header checksum and the TCP/UDP checksums are
updated (RFC 1624) so that the frames stay valid. Frames of other kinds are copied unchanged.
"""

import struct
import sys

ETH_IPV4, ETH_IPV6 = 0x0800, 0x86DD
VLAN_TAGS = (0x8100, 0x88A8, 0x9100)
MPLS = (0x8847, 0x8848)
PPPOE_SESSION = 0x8864
PPP_IPV4, PPP_IPV6 = 0x0021, 0x0057
TCP, UDP = 6, 17
IPV6_FRAGMENT = 44
IPV6_EXTENSIONS = (0, 43, IPV6_FRAGMENT, 60)
LINKTYPE_ETHERNET = 1


def fail(msg):
    print(f"pcap-passes: {msg}", file=sys.stderr)
    sys.exit(2)


def read_pcap(path):
    """The file's 24-byte header, byte order and its records as (16-byte header, data)."""
    try:
        data = open(path, "rb").read()
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    if len(data) < 24:
        fail(f"{path}: {len(data)} bytes, shorter than a pcap file header")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        order = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = ">"
    else:
        fail(f"{path}: not a classic pcap file (magic {magic.hex()})")
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF
    records, at = [], 24
    while at < len(data):
        if at + 16 > len(data):
            fail(f"{path}: record header at byte {at} cut short")
        captured = struct.unpack_from(order + "I", data, at + 8)[0]
        end = at + 16 + captured
        if end > len(data):
            fail(f"{path}: record at byte {at} declares {captured} bytes, file ends first")
        records.append((data[at : at + 16], data[at + 16 : end]))
        at = end
    return data[:24], linktype, records


def fold(x):
    while x >> 16:
        x = (x & 0xFFFF) + (x >> 16)
    return x


def patch_checksum(frame, at, old_words, new_words):
    """RFC 1624 incremental update of the 16-bit checksum at `at` for the words that changed."""
    if at + 2 > len(frame):
        return
    hc = struct.unpack_from(">H", frame, at)[0]
    s = (~hc) & 0xFFFF
    for old, new in zip(old_words, new_words):
        s = fold(s + ((~old) & 0xFFFF) + new)
    struct.pack_into(">H", frame, at, (~s) & 0xFFFF)


def network_offset(frame):
    """(offset, version) of the IP header under Ethernet and its tags, or None."""
    if len(frame) < 14:
        return None
    ethertype, at = struct.unpack_from(">H", frame, 12)[0], 14
    while ethertype in VLAN_TAGS and at + 4 <= len(frame):
        ethertype, at = struct.unpack_from(">H", frame, at + 2)[0], at + 4
    if ethertype in MPLS:
        while at + 4 <= len(frame):
            bottom = frame[at + 2] & 1
            at += 4
            if bottom:
                break
        if at >= len(frame):
            return None
        version = frame[at] >> 4
        return (at, version) if version in (4, 6) else None
    if ethertype == PPPOE_SESSION and at + 8 <= len(frame):
        proto = struct.unpack_from(">H", frame, at + 6)[0]
        return {PPP_IPV4: (at + 8, 4), PPP_IPV6: (at + 8, 6)}.get(proto)
    return {ETH_IPV4: (at, 4), ETH_IPV6: (at, 6)}.get(ethertype)


def ipv6_upper(frame, ip):
    """(protocol, offset, first fragment) past the IPv6 extension headers."""
    proto, at, first = frame[ip + 6], ip + 40, True
    while proto in IPV6_EXTENSIONS and at + 8 <= len(frame):
        if proto == IPV6_FRAGMENT:
            first = first and struct.unpack_from(">H", frame, at + 2)[0] >> 3 == 0
            proto, at = frame[at], at + 8
        else:
            proto, at = frame[at], at + 8 + frame[at + 1] * 8
    return proto, at, first


def renumber(frame, k):
    """XORs the last 16 bits of both addresses with k, keeping the checksums right."""
    found = network_offset(frame)
    if found is None:
        return
    ip, version = found
    if version == 4:
        if ip + 20 > len(frame) or frame[ip] >> 4 != 4:
            return
        ihl = (frame[ip] & 0x0F) * 4
        places = (ip + 14, ip + 18)
        proto = frame[ip + 9]
        flags_offset = struct.unpack_from(">H", frame, ip + 6)[0]
        first_fragment = flags_offset & 0x1FFF == 0
        transport = ip + ihl
        header_checksum = ip + 10
    else:
        if ip + 40 > len(frame):
            return
        places = (ip + 22, ip + 38)
        proto, transport, first_fragment = ipv6_upper(frame, ip)
        header_checksum = None
    old = [struct.unpack_from(">H", frame, p)[0] for p in places]
    new = [w ^ k for w in old]
    for p, w in zip(places, new):
        struct.pack_into(">H", frame, p, w)
    if header_checksum is not None:
        patch_checksum(frame, header_checksum, old, new)
    if not first_fragment:
        return
    if proto == TCP:
        patch_checksum(frame, transport + 16, old, new)
    elif proto == UDP and transport + 8 <= len(frame):
        if struct.unpack_from(">H", frame, transport + 6)[0] != 0 or version == 6:
            patch_checksum(frame, transport + 6, old, new)


def main():
    args = [a for a in sys.argv[1:] if a != "--renumber"]
    renumbered = "--renumber" in sys.argv[1:]
    if len(args) != 3:
        fail("usage: pcap-passes.py INPUT PASSES OUTPUT [--renumber]")
    src, passes, dst = args
    if not passes.isdigit() or int(passes) < 1:
        fail(f"PASSES: {passes!r} is not a whole number of at least 1")
    passes = int(passes)
    if renumbered and passes > 0x10000:
        fail(f"PASSES: {passes} passes, at most 65,536 with --renumber (16 bits of address)")
    header, linktype, records = read_pcap(src)
    if renumbered and linktype != LINKTYPE_ETHERNET:
        fail(f"{src}: link type {linktype}, --renumber reads Ethernet (1) only")
    with open(dst, "wb") as out:
        out.write(header)
        for k in range(passes):
            for record, data in records:
                out.write(record)
                if renumbered and k:
                    frame = bytearray(data)
                    renumber(frame, k)
                    out.write(frame)
                else:
                    out.write(data)


if __name__ == "__main__":
    main()
