#!/usr/bin/env python3
"""Send an unsolicited mDNS announcement (RFC 6762 section 8.3) like a phone does.

Announces <host>.local A <ipv4> and the reverse PTR, plus one DNS-SD service
instance (PTR, SRV, TXT) such as Android's wireless-debugging service, as a
single multicast DNS response to 224.0.0.251:5353, sent twice one second apart.
Names are compressed (RFC 1035 section 4.1.4) as real responders do.

Usage: mdns_announce.py --host Redmi-Note-12 --ip 192.168.50.123 --iface-ip 192.168.50.123
"""

import argparse
import socket
import struct
import time

TYPE_A, TYPE_PTR, TYPE_TXT, TYPE_SRV = 1, 12, 16, 33
CLASS_IN = 1
CACHE_FLUSH = 0x8000


class Message:
    def __init__(self):
        self.buf = bytearray()
        self.names = {}  # suffix (tuple of labels) -> offset

    def name(self, dotted):
        labels = [l for l in dotted.split(".") if l]
        for i in range(len(labels)):
            suffix = tuple(l.lower() for l in labels[i:])
            if suffix in self.names:
                self.buf += struct.pack("!H", 0xC000 | self.names[suffix])
                return
            if len(self.buf) < 0x3FFF:
                self.names[suffix] = len(self.buf)
            raw = labels[i].encode()
            self.buf += bytes([len(raw)]) + raw
        self.buf += b"\x00"

    def record(self, name, rtype, rclass, ttl, rdata_writer):
        self.name(name)
        self.buf += struct.pack("!HHI", rtype, rclass, ttl)
        length_at = len(self.buf)
        self.buf += b"\x00\x00"
        rdata_writer()
        struct.pack_into("!H", self.buf, length_at, len(self.buf) - length_at - 2)


def build(host, ip, service, instance, port, txt):
    m = Message()
    fqdn = host + ".local"
    svc = service + ".local"
    inst = instance + "." + svc
    rev = ".".join(reversed(ip.split("."))) + ".in-addr.arpa"
    answers = 6
    # Header: id 0, flags QR|AA, 0 questions, 6 answers, 0 authority, 0 additional.
    m.buf += struct.pack("!HHHHHH", 0, 0x8400, 0, answers, 0, 0)
    m.record(fqdn, TYPE_A, CLASS_IN | CACHE_FLUSH, 120, lambda: m.buf.extend(socket.inet_aton(ip)))
    m.record(rev, TYPE_PTR, CLASS_IN | CACHE_FLUSH, 120, lambda: m.name(fqdn))
    m.record("_services._dns-sd._udp.local", TYPE_PTR, CLASS_IN, 4500, lambda: m.name(svc))
    m.record(svc, TYPE_PTR, CLASS_IN, 4500, lambda: m.name(inst))

    def srv():
        m.buf.extend(struct.pack("!HHH", 0, 0, port))
        m.name(fqdn)

    m.record(inst, TYPE_SRV, CLASS_IN | CACHE_FLUSH, 120, srv)

    def txt_rdata():
        for item in txt:
            raw = item.encode()
            m.buf.extend(bytes([len(raw)]) + raw)

    m.record(inst, TYPE_TXT, CLASS_IN | CACHE_FLUSH, 4500, txt_rdata)
    return bytes(m.buf)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--ip", required=True)
    ap.add_argument("--service", default="_adb-tls-connect._tcp")
    ap.add_argument("--instance", default="adb-9c7e3a41-Redmi")
    ap.add_argument("--port", type=int, default=37215)
    ap.add_argument("--txt", action="append", default=[])
    ap.add_argument("--count", type=int, default=2)
    args = ap.parse_args()

    packet = build(args.host, args.ip, args.service, args.instance, args.port, args.txt or ["v=1"])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(args.ip))
    sock.bind((args.ip, 5353))
    for i in range(args.count):
        if i:
            time.sleep(1.0)
        sock.sendto(packet, ("224.0.0.251", 5353))


if __name__ == "__main__":
    main()
