#!/usr/bin/env bash
# Record samples/phone-sample.pcapng: a "phone" on a "home network" seen from
# the telltale box's LAN port, with real servers and clients in network
# namespaces (see topology.sh). Runs as root. Nothing leaves the namespaces.
#
#   scripts/netns/record-sample.sh            # writes samples/phone-sample.*
#
# Environment:
#   TT_PREFIX   namespace name prefix (default "tt-"), passed to topology.sh
#   TT_OUT_DIR  output directory (default: <repo>/samples)
#   TT_KEEP_TMP=1 keep the temporary directory (certs, dnsmasq log, raw pcap)
#
# Outputs:
#   phone-sample.pcapng            the capture on the box's lan0 (converted from
#                                  tcpdump's nanosecond pcap with editcap; if
#                                  editcap is missing: phone-sample.pcap)
#   phone-sample.server-log.jsonl  one JSON line per HTTP(S) request the servers saw
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT_DIR="${TT_OUT_DIR:-$REPO/samples}"
export TT_PREFIX="${TT_PREFIX:-tt-}"

log() { printf '[record-sample] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$HERE/common.sh"

# --- packages: install only what is missing ---------------------------------
install_network_packages
install_missing tcpdump tcpdump tshark tshark

# --- temp dir and teardown -----------------------------------------------------
TMP="$(mktemp -d /tmp/tt-record.XXXXXX)"
PIDS=()
TCPDUMP_PID=""
cleanup() {
    local rc=$?
    set +e
    if [ -n "$TCPDUMP_PID" ] && kill -0 "$TCPDUMP_PID" 2>/dev/null; then
        kill -INT "$TCPDUMP_PID"; wait "$TCPDUMP_PID" 2>/dev/null
    fi
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    "$HERE/topology.sh" down
    if [ "${TT_KEEP_TMP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_certs

# --- topology -------------------------------------------------------------------
log "building topology (prefix $TT_PREFIX)"
"$HERE/topology.sh" up

# --- router services ------------------------------------------------------------
start_router_services

# --- capture on the box's LAN port ----------------------------------------------
RAW="$TMP/phone-sample.pcap"
log "starting tcpdump on $NS_BOX:lan0"
ip netns exec "$NS_BOX" tcpdump -i lan0 -n -s 0 -U --time-stamp-precision=nano -Z root \
    -w "$RAW" 2>"$TMP/tcpdump.err" &
TCPDUMP_PID=$!
wait_for "$TMP/tcpdump.err" "listening on" 10
sleep 0.5

# --- the phone --------------------------------------------------------------------
phone_join
phone_browse
sleep 0.3
phone_upload

sleep 1
log "stopping capture"
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
TCPDUMP_PID=""
grep -E 'packets (captured|received|dropped)' "$TMP/tcpdump.err" | sed 's/^/  tcpdump: /' >&2

# --- outputs ------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
if command -v editcap >/dev/null 2>&1; then
    OUT="$OUT_DIR/phone-sample.pcapng"
    editcap -F pcapng "$RAW" "$OUT"
else
    OUT="$OUT_DIR/phone-sample.pcap"
    cp "$RAW" "$OUT"
fi
cp "$SERVER_LOG" "$OUT_DIR/phone-sample.server-log.jsonl"
chmod 644 "$OUT" "$OUT_DIR/phone-sample.server-log.jsonl"

# --- check the capture with tshark -----------------------------------------------
count() { tshark -r "$OUT" -Y "$1" 2>/dev/null | wc -l; }
fields() { tshark -r "$OUT" -Y "$1" -T fields -e "$2" 2>/dev/null | sort | uniq -c | sed 's/^/    /'; }
{
    echo "== $(basename "$OUT"): $(stat -c %s "$OUT") bytes, $(count frame) frames"
    echo "DHCP messages: $(count dhcp)"
    fields dhcp dhcp.option.dhcp | sed 's/\b1$/1 (Discover)/; s/\b2$/2 (Offer)/; s/\b3$/3 (Request)/; s/\b5$/5 (ACK)/'
    echo "DNS queries: $(count 'dns && !mdns && dns.flags.response==0')  responses: $(count 'dns && !mdns && dns.flags.response==1')"
    echo "DNS responses by name/type/rcode:"
    tshark -r "$OUT" -Y 'dns && !mdns && dns.flags.response==1' -T fields \
        -e dns.qry.name -e dns.qry.type -e dns.flags.rcode 2>/dev/null | sort | uniq -c | sed 's/^/    /'
    echo "mDNS packets: $(count mdns)"
    echo "TLS ClientHellos: $(count 'tls.handshake.type==1')  SNIs:"
    fields 'tls.handshake.type==1' tls.handshake.extensions_server_name
    echo "HTTP requests: $(count http.request)  Hosts:"
    fields http.request http.host
    echo "ICMPv6 router advertisements: $(count 'icmpv6.type==134')"
    echo "TCP frames with bad checksum: $(tshark -r "$OUT" -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status==0' 2>/dev/null | wc -l)"
    echo "Largest frame: $(tshark -r "$OUT" -T fields -e frame.len 2>/dev/null | sort -n | tail -1) bytes"
    echo "Server log: $(wc -l <"$OUT_DIR/phone-sample.server-log.jsonl") requests"
} | tee "$TMP/counts.txt"
