# shellcheck shell=bash
# Shared pieces of the namespace test network, sourced by record-sample.sh (records the sample
# capture) and e2e-box.sh (runs telltaled on the bridge): packages, the "internet" names, the
# test certificates, the router's services and the phone's traffic. The caller sets HERE, TMP,
# TT_PREFIX, PIDS (an array) and defines log/die.

NS_PHONE="${TT_PREFIX}phone"
NS_BOX="${TT_PREFIX}box"
NS_ROUTER="${TT_PREFIX}router"

# shellcheck disable=SC2034 # shared with the scripts that source this file
PHONE_MAC="64:09:80:4c:2e:71"
PHONE_HOSTNAME="Redmi-Note-12"
PHONE_VENDOR_CLASS="android-dhcp-13"
PHONE_CLIENT_ID="01:64:09:80:4c:2e:71" # type 1 (Ethernet) + the phone's MAC
UA_BROWSER="Mozilla/5.0 (Linux; Android 13; 23021RAAEG) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36"
UA_APP="okhttp/4.9.3"
UPLOAD_BYTES=$((4 * 1024 * 1024))

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

phone() { ip netns exec "$NS_PHONE" "$@"; }
router() { ip netns exec "$NS_ROUTER" "$@"; }
box() { ip netns exec "$NS_BOX" "$@"; }

# Installs the Debian packages whose commands are missing: pairs of "command package".
install_missing() {
    local need_pkgs=() cmd pkg
    while [ "$#" -ge 2 ]; do
        cmd="$1" pkg="$2"
        shift 2
        command -v "$cmd" >/dev/null 2>&1 || need_pkgs+=("$pkg")
    done
    if [ "${#need_pkgs[@]}" -gt 0 ]; then
        log "installing: ${need_pkgs[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
    fi
}

# The packages every use of the network needs.
install_network_packages() {
    install_missing dnsmasq dnsmasq curl curl dig dnsutils dhclient isc-dhcp-client \
        openssl openssl python3 python3 ip iproute2 ethtool ethtool sysctl procps
    # Debian's python3; a pyenv shim on PATH would also do, but be explicit.
    PYTHON="$(command -v /usr/bin/python3 || command -v python3)"
}

# Wait until a file contains a pattern (max $3 seconds).
wait_for() {
    local file="$1" pattern="$2" secs="${3:-10}" i
    for ((i = 0; i < secs * 10; i++)); do
        grep -q -- "$pattern" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    die "timed out waiting for '$pattern' in $file"
}

# A throw-away CA and one server certificate for all names, in $TMP; and the upload body.
make_certs() {
    log "making test CA and server certificate in $TMP"
    local san="DNS:www.wikipedia.org,DNS:static.example-news.test" h
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
}

# dnsmasq (DHCP, DNS with the names above, RA), the HTTPS and the plain HTTP server, in the
# router namespace. The servers log every request to $SERVER_LOG.
start_router_services() {
    local dns_args=() h c name a4 a6
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
}

# The phone joins: DHCP with its hostname and vendor class, SLAAC. Sets PHONE_IP, PHONE_IP6.
phone_join() {
    log "phone: DHCP as $PHONE_HOSTNAME ($PHONE_VENDOR_CLASS)"
    cat >"$TMP/dhclient.conf" <<CONF
send host-name "$PHONE_HOSTNAME";
send vendor-class-identifier "$PHONE_VENDOR_CLASS";
send dhcp-client-identifier $PHONE_CLIENT_ID;
request subnet-mask, broadcast-address, routers, domain-name-servers, domain-name,
        interface-mtu, dhcp-lease-time, dhcp-renewal-time, dhcp-rebinding-time;
timeout 20;
CONF
    phone dhclient -4 -1 -v -cf "$TMP/dhclient.conf" -sf "$HERE/phone-dhclient-script.sh" \
        -lf "$TMP/phone.leases" -pf "$TMP/dhclient.pid" wlan0 2>"$TMP/dhclient.err" \
        || { cat "$TMP/dhclient.err" >&2; die "DHCP failed"; }
    # dhclient writes its pid file from the daemonised child, a moment after the parent exits.
    local _i
    for _i in $(seq 1 30); do
        [ -s "$TMP/dhclient.pid" ] && break
        sleep 0.1
    done
    # Its pid lets the teardown stop it early; the namespace's deletion stops it anyway.
    if [ -s "$TMP/dhclient.pid" ]; then PIDS+=("$(cat "$TMP/dhclient.pid")"); fi
    PHONE_IP="$(phone ip -4 -o addr show dev wlan0 | awk '{split($4, a, "/"); print a[1]}')"
    [ -n "$PHONE_IP" ] || die "phone has no IPv4 address"
    log "phone got $PHONE_IP; resolv.conf: $(phone cat /etc/resolv.conf | tr '\n' ' ')"

    # SLAAC from dnsmasq's router advertisements (give DAD time to finish).
    local _
    for _ in $(seq 1 50); do
        phone ip -6 -o addr show dev wlan0 scope global | grep -qv tentative && break
        sleep 0.2
    done
    PHONE_IP6="$(phone ip -6 -o addr show dev wlan0 scope global | awk '{print $4}' | head -1)"
    log "phone IPv6: ${PHONE_IP6:-none}"

    log "phone: mDNS announcement"
    phone "$PYTHON" "$HERE/mdns_announce.py" --host "$PHONE_HOSTNAME" --ip "$PHONE_IP" \
        --txt "v=1" --count 2
}

curl_tls() {
    phone curl -sS --cacert "$TMP/ca.pem" -o /dev/null \
        -w '  %{http_code} %{remote_ip} %{url_effective} up=%{size_upload}\n' "$@"
}

# What a phone does in a minute: connectivity check, lookups, browsing, app traffic.
phone_browse() {
    log "phone: Android connectivity check (plain HTTP)"
    phone curl -sS -4 -o /dev/null -w '  %{http_code} %{url_effective}\n' -A "Dalvik/2.1.0 (Linux; U; Android 13; 23021RAAEG Build/TKQ1.221114.001)" \
        http://connectivitycheck.gstatic.com/generate_204

    log "phone: DNS lookups with dig"
    phone dig +short +tries=1 +time=2 tracking.miui.com A
    phone dig +short +tries=1 +time=2 www.wikipedia.org AAAA
    phone dig +short +tries=1 +time=2 api.ad.xiaomi.com A
    phone dig +tries=1 +time=2 +noall +comments ads.unknown-tracker.test A | grep -o 'status: [A-Z]*' || true

    log "phone: HTTPS browsing (SNI)"
    curl_tls -A "$UA_BROWSER" https://www.wikipedia.org/          # CNAME -> dyna.wikimedia.org, IPv6 if available
    curl_tls -A "$UA_BROWSER" -4 https://www.example-news.test/world/2026/11/24/story.html
    curl_tls -A "$UA_BROWSER" https://static.example-news.test/css/site.css   # CNAME -> cdn.example.net
    curl_tls -A "$UA_APP" https://tracking.miui.com/track/v4?event=app_open
    curl_tls -A "$UA_APP" https://api.ad.xiaomi.com/v2/ads/get?slot=splash
}

# The suspicious part: a 4 MiB POST to a watched telemetry name.
phone_upload() {
    log "phone: 4 MiB upload to data.mistat.xiaomi.com"
    curl_tls -A "$UA_APP" -X POST -H 'Content-Type: application/octet-stream' \
        --data-binary @"$TMP/upload.bin" https://data.mistat.xiaomi.com/upload
}
