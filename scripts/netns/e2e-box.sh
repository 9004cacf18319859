#!/usr/bin/env bash
# End to end on a real kernel bridge: `telltaled run` in the box namespace captures on the
# bridge ports (TPACKET_V3 rings) while the phone joins the network, browses and uploads 4 MiB
# to a watched name; then the daemon is killed with SIGKILL, the phone must still reach the
# router (fail-open), and a restarted daemon must carry on. Runs as root; nothing leaves the
# namespaces. firmware/tests/e2e_box.rs runs it and checks what it leaves in TT_E2E_OUT.
#
#   TELLTALED=target/debug/telltaled TT_E2E_OUT=/tmp/out scripts/netns/e2e-box.sh
#
# Leaves in TT_E2E_OUT: telltale-1.toml, telltale-2.toml (the configs), run1.jsonl, run2.jsonl
# (the daemon's JSON lines), daemon-1.log, daemon-2.log (its stderr), daemon-2.exit (its exit
# status after SIGTERM), killed.txt, failopen.txt (the HTTP status the phone got with no daemon),
# server-log.jsonl (every request the servers saw), dnsmasq.log, phone.txt (the phone's MAC and
# addresses).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
export TT_PREFIX="${TT_PREFIX:-tte-}"
: "${TELLTALED:?set TELLTALED to the telltaled binary}"
: "${TT_E2E_OUT:?set TT_E2E_OUT to an output directory}"
TELLTALED="$(realpath "$TELLTALED")"
OUT="$(realpath -m "$TT_E2E_OUT")"

log() { printf '[e2e-box] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$HERE/common.sh"
install_network_packages

mkdir -p "$OUT"
rm -f "$OUT"/*.jsonl "$OUT"/*.log "$OUT"/*.txt "$OUT"/*.exit "$OUT"/*.toml
TMP="$(mktemp -d /tmp/tt-e2e.XXXXXX)"
PIDS=()
DAEMON_PID=""
cleanup() {
    local rc=$?
    set +e
    [ -n "$DAEMON_PID" ] && kill -KILL "$DAEMON_PID" 2>/dev/null
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    cp "$TMP/dnsmasq.log" "$OUT/dnsmasq.log" 2>/dev/null
    cp "$TMP/server-log.jsonl" "$OUT/server-log.jsonl" 2>/dev/null
    "$HERE/topology.sh" down
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The daemon's config for run N: the bridge ports, the shipped rules and tables, simulated LEDs
# whose switches are written as JSON lines with everything else.
write_config() {
    local n="$1"
    cat >"$OUT/telltale-$n.toml" <<CONF
[capture]
lan = "lan0"
wan = "wan0"
backend = "tpacket"

[rules]
path = "$REPO/rules/default.toml"

[data]
dir = "$REPO/data"

[leds]
backend = "sim"

[button]
enabled = false

[journal]
path = "$TMP/journal"

[output]
events = "$OUT/run$n.jsonl"
emit = ["events", "flows", "alerts", "leds"]

[time]
utc_offset = "UTC"
CONF
}

# Starts run N of the daemon in the box namespace and waits until it captures.
start_daemon() {
    local n="$1"
    write_config "$n"
    log "starting telltaled run $n in $NS_BOX"
    # Not through a shell function: $! must be telltaled itself (ip netns exec execs it).
    ip netns exec "$NS_BOX" "$TELLTALED" run --config "$OUT/telltale-$n.toml" \
        2>"$OUT/daemon-$n.log" &
    DAEMON_PID=$!
    wait_for "$OUT/daemon-$n.log" "capturing from" 15
}

make_certs
log "building topology (prefix $TT_PREFIX)"
"$HERE/topology.sh" up
start_router_services

start_daemon 1
phone_join
printf 'mac %s\nipv4 %s\nipv6 %s\n' "$PHONE_MAC" "$PHONE_IP" "${PHONE_IP6:-}" >"$OUT/phone.txt"
phone_browse
sleep 0.3
phone_upload
# The upload is "in progress" until 10 s without its traffic; then the red LED latches.
wait_for "$OUT/run1.jsonl" '"state":"alert latched"' 30

log "kill -9 telltaled"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
echo "killed" >"$OUT/killed.txt"

log "phone: connectivity check with no daemon (fail-open)"
phone curl -sS -4 -m 5 -o /dev/null -w '%{http_code}\n' \
    http://connectivitycheck.gstatic.com/generate_204 >"$OUT/failopen.txt"

start_daemon 2
log "phone: HTTPS after the restart"
curl_tls -A "$UA_APP" https://tracking.miui.com/track/v4?event=after_restart
sleep 1
log "SIGTERM telltaled"
kill -TERM "$DAEMON_PID"
status=0
wait "$DAEMON_PID" || status=$?
DAEMON_PID=""
echo "$status" >"$OUT/daemon-2.exit"
log "done: $OUT"
