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
NS_PHONE="${TT_PREFIX}phone"
NS_BOX="${TT_PREFIX}box"
NS_ROUTER="${TT_PREFIX}router"

PHONE_HOSTNAME="Redmi-Note-12"
PHONE_VENDOR_CLASS="android-dhcp-13"
PHONE_CLIENT_ID="01:64:09:80:4c:2e:71" # type 1 (Ethernet) + the phone's MAC
UA_BROWSER="Mozilla/5.0 (Linux; Android 13; 23021RAAEG) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36"
UA_APP="okhttp/4.9.3"
UPLOAD_BYTES=$((4 * 1024 * 1024))

log() { printf '[record-sample] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"

# --- packages: install only what is missing ---------------------------------
need_pkgs=()
need() { command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2"); }
need dnsmasq dnsmasq
need tcpdump tcpdump
need curl curl
need dig dnsutils
need dhclient isc-dhcp-client
need openssl openssl
need python3 python3
need ip iproute2
need ethtool ethtool
need tshark tshark
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    log "installing: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
# Debian's python3; a pyenv shim on PATH would also do, but be explicit.
PYTHON="$(command -v /usr/bin/python3 || command -v python3)"

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

phone() { ip netns exec "$NS_PHONE" "$@"; }
router() { ip netns exec "$NS_ROUTER" "$@"; }

# Wait until a file contains a pattern (max $3 seconds).
wait_for() {
    local file="$1" pattern="$2" secs="${3:-10}" i
    for ((i = 0; i < secs * 10; i++)); do
        grep -q -- "$pattern" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    die "timed out waiting for '$pattern' in $file"
}

# --- names and addresses of the "internet" -----------------------------------
# name -> IPv4 [IPv6]. All addresses live on lo inside the router namespace.
HOSTS=(
    "connectivitycheck.gstatic.com 198.51.100.10"
    "dyna.wikimedia.org 198.51.100.20 2001:db8:100::20"
    "cdn.example.net 198.51.100.40 2001:db8:100::40"
    "www.example-news.test 198.51.100.50"
    "tracking.miui.com 203.0.113.30"
    "data.mistat.xiaomi.com 203.0.113.31"
    "api.ad.xiaomi.com 203.0.113.32"
)
CNAMES=(
    "www.wikipedia.org,dyna.wikimedia.org"
    "static.example-news.test,cdn.example.net"
)

# --- TLS: a throw-away CA and one server certificate for all names -------------
log "making test CA and server certificate in $TMP"
san="DNS:www.wikipedia.org,DNS:static.example-news.test"
for h in "${HOSTS[@]}"; do san+=",DNS:${h%% *}"; done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/O=telltale test/CN=telltale test CA" -keyout "$TMP/ca.key" -out "$TMP/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/O=telltale test/CN=www.wikipedia.org" -keyout "$TMP/server.key" \
    -out "$TMP/server.csr" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san" \
    >"$TMP/server.ext"
openssl x509 -req -in "$TMP/server.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" \
    -CAcreateserial -days 2 -extfile "$TMP/server.ext" -out "$TMP/server.pem" 2>/dev/null
cat "$TMP/server.pem" "$TMP/ca.pem" >"$TMP/chain.pem"
head -c "$UPLOAD_BYTES" /dev/urandom >"$TMP/upload.bin"

# --- topology -------------------------------------------------------------------
log "building topology (prefix $TT_PREFIX)"
"$HERE/topology.sh" up

# --- router services ------------------------------------------------------------
dns_args=()
for h in "${HOSTS[@]}"; do
    read -r name a4 a6 <<<"$h"
    dns_args+=("--host-record=$name,$a4${a6:+,$a6}")
done
for c in "${CNAMES[@]}"; do dns_args+=("--cname=$c"); done

log "starting dnsmasq (DHCP + DNS + RA) in $NS_ROUTER"
router dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --no-poll --user=root --pid-file="$TMP/dnsmasq.pid" \
    --interface=eth0 --bind-interfaces --except-interface=lo \
    --domain=lan --local=/#/ \
    --dhcp-authoritative --dhcp-range=192.168.50.100,192.168.50.150,255.255.255.0,12h \
    --dhcp-option=option:router,192.168.50.1 --dhcp-option=option:dns-server,192.168.50.1 \
    --dhcp-leasefile="$TMP/dnsmasq.leases" \
    --enable-ra --dhcp-range=2001:db8:50::,ra-only,64 \
    --log-queries --log-dhcp --log-facility="$TMP/dnsmasq.log" \
    "${dns_args[@]}" &
PIDS+=($!)
wait_for "$TMP/dnsmasq.log" "started, version" 10

log "starting HTTPS :443 and HTTP :80 servers in $NS_ROUTER"
SERVER_LOG="$TMP/server-log.jsonl"
: >"$SERVER_LOG"
router "$PYTHON" "$HERE/https_server.py" --cert "$TMP/chain.pem" --key "$TMP/server.key" \
    --log "$SERVER_LOG" 2>"$TMP/https.err" &
PIDS+=($!)
router "$PYTHON" "$HERE/https_server.py" --plain --log "$SERVER_LOG" 2>"$TMP/http.err" &
PIDS+=($!)
wait_for "$TMP/https.err" "listening" 10
wait_for "$TMP/http.err" "listening" 10

# --- capture on the box's LAN port ----------------------------------------------
RAW="$TMP/phone-sample.pcap"
log "starting tcpdump on $NS_BOX:lan0"
ip netns exec "$NS_BOX" tcpdump -i lan0 -n -s 0 -U --time-stamp-precision=nano -Z root \
    -w "$RAW" 2>"$TMP/tcpdump.err" &
TCPDUMP_PID=$!
wait_for "$TMP/tcpdump.err" "listening on" 10
sleep 0.5

# --- the phone --------------------------------------------------------------------
log "phone: DHCP as $PHONE_HOSTNAME ($PHONE_VENDOR_CLASS)"
cat >"$TMP/dhclient.conf" <<EOF
send host-name "$PHONE_HOSTNAME";
send vendor-class-identifier "$PHONE_VENDOR_CLASS";
send dhcp-client-identifier $PHONE_CLIENT_ID;
request subnet-mask, broadcast-address, routers, domain-name-servers, domain-name,
        interface-mtu, dhcp-lease-time, dhcp-renewal-time, dhcp-rebinding-time;
timeout 20;
EOF
phone dhclient -4 -1 -v -cf "$TMP/dhclient.conf" -sf "$HERE/phone-dhclient-script.sh" \
    -lf "$TMP/phone.leases" -pf "$TMP/dhclient.pid" wlan0 2>"$TMP/dhclient.err" \
    || { cat "$TMP/dhclient.err" >&2; die "DHCP failed"; }
PIDS+=("$(cat "$TMP/dhclient.pid")")
PHONE_IP="$(phone ip -4 -o addr show dev wlan0 | awk '{split($4, a, "/"); print a[1]}')"
[ -n "$PHONE_IP" ] || die "phone has no IPv4 address"
log "phone got $PHONE_IP; resolv.conf: $(phone cat /etc/resolv.conf | tr '\n' ' ')"

# SLAAC from dnsmasq's router advertisements (give DAD time to finish).
for _ in $(seq 1 50); do
    phone ip -6 -o addr show dev wlan0 scope global | grep -qv tentative && break
    sleep 0.2
done
PHONE_IP6="$(phone ip -6 -o addr show dev wlan0 scope global | awk '{print $4}' | head -1)"
log "phone IPv6: ${PHONE_IP6:-none}"

log "phone: mDNS announcement"
phone "$PYTHON" "$HERE/mdns_announce.py" --host "$PHONE_HOSTNAME" --ip "$PHONE_IP" \
    --txt "v=1" --count 2

log "phone: Android connectivity check (plain HTTP)"
phone curl -sS -4 -o /dev/null -w '  %{http_code} %{url_effective}\n' -A "Dalvik/2.1.0 (Linux; U; Android 13; 23021RAAEG Build/TKQ1.221114.001)" \
    http://connectivitycheck.gstatic.com/generate_204

log "phone: DNS lookups with dig"
phone dig +short +tries=1 +time=2 tracking.miui.com A
phone dig +short +tries=1 +time=2 www.wikipedia.org AAAA
phone dig +short +tries=1 +time=2 api.ad.xiaomi.com A
phone dig +tries=1 +time=2 +noall +comments ads.unknown-tracker.test A | grep -o 'status: [A-Z]*' || true

curl_tls() {
    phone curl -sS --cacert "$TMP/ca.pem" -o /dev/null \
        -w '  %{http_code} %{remote_ip} %{url_effective} up=%{size_upload}\n' "$@"
}
log "phone: HTTPS browsing (SNI)"
curl_tls -A "$UA_BROWSER" https://www.wikipedia.org/          # CNAME -> dyna.wikimedia.org, IPv6 if available
curl_tls -A "$UA_BROWSER" -4 https://www.example-news.test/world/2026/11/24/story.html
curl_tls -A "$UA_BROWSER" https://static.example-news.test/css/site.css   # CNAME -> cdn.example.net
curl_tls -A "$UA_APP" https://tracking.miui.com/track/v4?event=app_open
curl_tls -A "$UA_APP" https://api.ad.xiaomi.com/v2/ads/get?slot=splash
sleep 0.3
log "phone: 4 MiB upload to data.mistat.xiaomi.com"
curl_tls -A "$UA_APP" -X POST -H 'Content-Type: application/octet-stream' \
    --data-binary @"$TMP/upload.bin" https://data.mistat.xiaomi.com/upload

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
