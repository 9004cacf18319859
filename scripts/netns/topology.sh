#!/usr/bin/env bash
# Build or tear down the telltale test topology out of Linux network namespaces:
#
#   [${P}phone]  wlan0 ==veth== lan0 [${P}box: br0 = lan0 + wan0] wan0 ==veth== eth0 [${P}router]
#
# - ${P}phone: the "phone". Interface wlan0 with a fixed Xiaomi MAC, no address
#   (it gets one by DHCP). Its resolv.conf is /etc/netns/${P}phone/resolv.conf,
#   which `ip netns exec` bind-mounts over /etc/resolv.conf.
# - ${P}box: the telltale box. A plain kernel bridge br0 over lan0 and wan0, STP
#   off, no IP address and IPv6 disabled so the box itself never transmits.
# - ${P}router: the "home router". 192.168.50.1/24 and 2001:db8:50::1/64 on eth0,
#   forwarding on, and the "internet" servers as /32 and /128 addresses on lo
#   (documentation ranges 198.51.100.0/24, 203.0.113.0/24, 2001:db8:100::/64).
#   No route leaves the namespace: nothing here touches the host's namespace.
#
# Usage: topology.sh up|down|status
# Environment: TT_PREFIX (default "tt-") prefixes the namespace names so that
# parallel tests do not clash. Interface names live inside the namespaces and
# need no prefix. `down` is idempotent. TT_WIRE_OFFLOADS=keep leaves TSO/GSO and
# checksum offload on at the phone and router (default: off, see below).
set -euo pipefail

P="${TT_PREFIX:-tt-}"
NS_PHONE="${P}phone"
NS_BOX="${P}box"
NS_ROUTER="${P}router"

# Fixed MACs so that captures are reproducible.
PHONE_MAC="64:09:80:4c:2e:71"   # 64-09-80 Xiaomi Communications Co Ltd
ROUTER_MAC="d0:37:45:8a:10:01"  # D0-37-45 TP-LINK TECHNOLOGIES CO.,LTD.
BOX_LAN_MAC="02:74:74:00:00:01" # locally administered: the box's own ports
BOX_WAN_MAC="02:74:74:00:00:02"
BOX_BR_MAC="02:74:74:00:00:03"

ROUTER_LAN4="192.168.50.1/24"
ROUTER_LAN6="2001:db8:50::1/64"
# "Internet" server addresses, only present on lo inside the router namespace.
SERVER_ADDRS4=(198.51.100.10 198.51.100.20 198.51.100.40 198.51.100.50
               203.0.113.30 203.0.113.31 203.0.113.32)
SERVER_ADDRS6=(2001:db8:100::20 2001:db8:100::40)

in_ns() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

# Turn an offload feature off if ethtool and the feature exist; never fail.
offload_off() {
    local ns="$1" dev="$2"; shift 2
    command -v ethtool >/dev/null 2>&1 || return 0
    local feature
    for feature in "$@"; do
        in_ns "$ns" ethtool -K "$dev" "$feature" off >/dev/null 2>&1 || true
    done
}

up() {
    down_quiet
    ip netns add "$NS_PHONE"
    ip netns add "$NS_BOX"
    ip netns add "$NS_ROUTER"
    local ns
    for ns in "$NS_PHONE" "$NS_BOX" "$NS_ROUTER"; do
        in_ns "$ns" ip link set lo up
    done

    # The box must be silent: no IPv6 link-local, no router solicitations, no MLD.
    in_ns "$NS_BOX" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    in_ns "$NS_BOX" sysctl -qw net.ipv6.conf.default.disable_ipv6=1

    # veth pairs, created directly inside the namespaces.
    ip -n "$NS_PHONE" link add wlan0 address "$PHONE_MAC" type veth \
        peer name lan0 address "$BOX_LAN_MAC" netns "$NS_BOX"
    ip -n "$NS_ROUTER" link add eth0 address "$ROUTER_MAC" type veth \
        peer name wan0 address "$BOX_WAN_MAC" netns "$NS_BOX"

    # The bridge.
    ip -n "$NS_BOX" link add br0 address "$BOX_BR_MAC" type bridge stp_state 0 forward_delay 0
    ip -n "$NS_BOX" link set lan0 master br0
    ip -n "$NS_BOX" link set wan0 master br0
    local dev
    for dev in lan0 wan0 br0; do
        in_ns "$NS_BOX" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
    done
    offload_off "$NS_BOX" lan0 gro lro
    offload_off "$NS_BOX" wan0 gro lro
    # End hosts: make the wire look like a real wire. Without this veth carries
    # 64 KiB GSO super-frames with partial (unfinished) checksums.
    # TT_WIRE_OFFLOADS=keep leaves them on (to test that case on purpose).
    if [ "${TT_WIRE_OFFLOADS:-off}" != keep ]; then
        offload_off "$NS_PHONE" wlan0 tso gso gro tx-checksumming
        offload_off "$NS_ROUTER" eth0 tso gso gro tx-checksumming
    fi

    ip -n "$NS_BOX" link set lan0 up
    ip -n "$NS_BOX" link set wan0 up
    ip -n "$NS_BOX" link set br0 up

    # Router: LAN addresses, server addresses on lo, forwarding between them.
    in_ns "$NS_ROUTER" sysctl -qw net.ipv4.ip_forward=1
    in_ns "$NS_ROUTER" sysctl -qw net.ipv6.conf.all.forwarding=1
    ip -n "$NS_ROUTER" addr add "$ROUTER_LAN4" dev eth0
    ip -n "$NS_ROUTER" addr add "$ROUTER_LAN6" dev eth0 nodad
    local a
    for a in "${SERVER_ADDRS4[@]}"; do ip -n "$NS_ROUTER" addr add "$a/32" dev lo; done
    for a in "${SERVER_ADDRS6[@]}"; do ip -n "$NS_ROUTER" addr add "$a/128" dev lo; done
    ip -n "$NS_ROUTER" link set eth0 up

    # Phone: link up, no address yet. Accept router advertisements (SLAAC).
    in_ns "$NS_PHONE" sysctl -qw net.ipv6.conf.wlan0.accept_ra=2
    ip -n "$NS_PHONE" link set wlan0 up

    # The phone's resolv.conf (filled in by its DHCP client).
    mkdir -p "/etc/netns/$NS_PHONE"
    echo "# written by the DHCP client" >"/etc/netns/$NS_PHONE/resolv.conf"
}

# Kill every process still running inside one of our namespaces (only ours:
# `ip netns pids` lists the processes of that namespace), then delete it.
del_ns() {
    local ns="$1" pid
    ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" || return 0
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    sleep 0.2
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
}

down_quiet() {
    del_ns "$NS_PHONE"
    del_ns "$NS_BOX"
    del_ns "$NS_ROUTER"
    rm -rf "/etc/netns/$NS_PHONE"
}

status() {
    local ns
    for ns in "$NS_PHONE" "$NS_BOX" "$NS_ROUTER"; do
        echo "== $ns"
        in_ns "$ns" ip -br addr 2>/dev/null || echo "(absent)"
    done
}

case "${1:-}" in
    up) up ;;
    down) down_quiet ;;
    status) status ;;
    *) echo "usage: $0 up|down|status   (TT_PREFIX=${P})" >&2; exit 2 ;;
esac
