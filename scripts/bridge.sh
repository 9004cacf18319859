#!/usr/bin/env bash
# Build or remove the box's bridge on any Linux machine with two Ethernet ports: the same
# bridge board/files/networkd/ sets up on the Pi, made with ip(8) and ethtool(8) by hand.
#
#   scripts/bridge.sh up LAN WAN       br0 over LAN (towards the access point) and WAN (the router)
#   scripts/bridge.sh down LAN WAN     the ports leave the bridge, the bridge is deleted
#   scripts/bridge.sh status LAN WAN   what is set now
#
# `up`: STP off and no forwarding delay, multicast snooping off (a bridge that behaves like a
# cable), no address and IPv6 off on the bridge (the box stays invisible), GRO and LRO off on
# both ports (the capture sees real frames), everything up. Both commands are idempotent: run
# them twice and the second run changes nothing. `down` gives the ports their IPv6 back; the
# offloads stay off.
#
# Environment: TT_BRIDGE names the bridge (default br0). Needs CAP_NET_ADMIN: root, or inside a
# network namespace of your own (`unshare --user --map-root-user --net`).
set -euo pipefail

usage() {
  echo "usage: $0 up|down|status LAN WAN" >&2
  exit 2
}

[ $# -eq 3 ] || usage
ACTION="$1"
LAN="$2"
WAN="$3"
BR="${TT_BRIDGE:-br0}"

[ "$LAN" != "$WAN" ] || { echo "$0: LAN and WAN are the same port ($LAN)" >&2; exit 2; }

exists() { ip link show dev "$1" >/dev/null 2>&1; }

# The bridge a port is enslaved to, or nothing.
master_of() {
  ip -o link show dev "$1" | sed -n 's/.* master \([^ ]*\) .*/\1/p'
}

# Turns one offload off unless the driver has it fixed (then it cannot be on anyway).
offload_off() {
  local port="$1" feature="$2" short="$3"
  local state
  state="$(ethtool -k "$port" 2>/dev/null | sed -n "s/^$feature: //p")"
  case "$state" in
    "" | "off [fixed]" | "off") ;;
    *"[fixed]"*) echo "$0: warning: $port: $feature is $state and cannot be turned off" >&2 ;;
    *) ethtool -K "$port" "$short" off ;;
  esac
}

# disable_ipv6 of one link (1: off, 0: on), where IPv6 exists.
set_ipv6() {
  local conf="/proc/sys/net/ipv6/conf/$1/disable_ipv6"
  if [ -e "$conf" ]; then
    echo "$2" >"$conf"
  fi
}

up() {
  for port in "$LAN" "$WAN"; do
    exists "$port" || { echo "$0: $port: no such network interface" >&2; exit 1; }
  done
  if ! exists "$BR"; then
    ip link add name "$BR" type bridge
  fi
  ip link set dev "$BR" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  # Invisible: no address of any kind on the bridge or its ports, so no ARP answers, no
  # router solicitations, no duplicate address detection.
  for link in "$BR" "$LAN" "$WAN"; do
    set_ipv6 "$link" 1
  done
  ip address flush dev "$BR"
  for port in "$LAN" "$WAN"; do
    offload_off "$port" generic-receive-offload gro
    offload_off "$port" large-receive-offload lro
    ip address flush dev "$port"
    if [ "$(master_of "$port")" != "$BR" ]; then
      ip link set dev "$port" master "$BR"
    fi
    ip link set dev "$port" up
  done
  ip link set dev "$BR" up
}

down() {
  for port in "$LAN" "$WAN"; do
    if exists "$port" && [ "$(master_of "$port")" = "$BR" ]; then
      ip link set dev "$port" nomaster
      set_ipv6 "$port" 0
    fi
  done
  if exists "$BR"; then
    ip link delete dev "$BR" type bridge
  fi
}

status() {
  if exists "$BR"; then
    echo "$BR: $(ip -o link show dev "$BR" | sed -n 's/.*state \([A-Z]*\).*/\1/p')," \
      "stp_state $(ip -d link show dev "$BR" | sed -n 's/.* stp_state \([0-9]*\) .*/\1/p')," \
      "addresses: $(ip -o address show dev "$BR" | wc -l)"
  else
    echo "$BR: absent"
  fi
  for port in "$LAN" "$WAN"; do
    if exists "$port"; then
      echo "$port: master $(master_of "$port")," \
        "addresses: $(ip -o address show dev "$port" | wc -l)," \
        "gro $(ethtool -k "$port" 2>/dev/null | sed -n 's/^generic-receive-offload: //p')," \
        "lro $(ethtool -k "$port" 2>/dev/null | sed -n 's/^large-receive-offload: //p')"
    else
      echo "$port: absent"
    fi
  done
}

case "$ACTION" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) usage ;;
esac
