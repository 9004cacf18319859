#!/usr/bin/env bash
# The one benchmark command (issue 7): telltale's whole pipeline beside ndpiReader, tshark and
# tcpdump on the same input in the same run, and the tables written into docs/benchmarks.md.
#
#   sudo scripts/bench.sh            # everything (root: apt, network namespaces)
#   BENCH_N=10 BENCH_PASSES=100 BENCH_RUNS=3 BENCH_LIVE=1 BENCH_ARM=1 scripts/bench.sh
#
# Input: ../shared/bench/mixed-pass.pcap (10,407 frames). Figures:
#  1. instructions per frame in steady state (valgrind callgrind): the in-memory replay bench
#     (firmware/benches/replay.rs) and ndpiReader on the same file, the capture written N and
#     2N times by scripts/pcap-passes.py; (count(2N) - count(N)) / (N x frames) removes
#     start-up from both. Two inputs: new flows every pass (addresses renumbered, what a link
#     carries) and the capture repeated as is (the flows of the first pass met again);
#  2. single-core frames per second, median of BENCH_RUNS runs: the replay bench and
#     ndpiReader's own packet-processing time on the same BENCH_PASSES-pass files, tshark
#     extracting SNI, DNS and Host, and `telltaled replay` end to end;
#  3. resident memory at the limits (firmware/benches/memory.rs);
#  4. live capture under load beside tcpdump (firmware/benches/capture_load.rs, root);
#  5. the aarch64 build: cross-built, its replay bench run under qemu-user (emulated).
# Prints figures and asserts nothing about speed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PCAP=$ROOT/../shared/bench/mixed-pass.pcap
N=${BENCH_N:-10}
PASSES=${BENCH_PASSES:-100}
RUNS=${BENCH_RUNS:-3}
WORK=$(mktemp -d /tmp/telltale-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
OUT=$WORK/table.md
log() { printf '== %s\n' "$*" >&2; }

[ -r "$PCAP" ] || { echo "bench.sh: $PCAP not found" >&2; exit 1; }

# --- peers ------------------------------------------------------------------------------------
need=()
for pair in ndpiReader:libndpi-bin tshark:tshark tcpdump:tcpdump tcpreplay:tcpreplay \
    valgrind:valgrind qemu-aarch64-static:qemu-user-static aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu; do
    command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
[ -d /usr/aarch64-linux-gnu/lib ] || need+=(libc6-dev-arm64-cross)
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    if [ "$(id -u)" -ne 0 ]; then echo "bench.sh: run as root to install ${need[*]}" >&2; exit 1; fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --- builds -----------------------------------------------------------------------------------
log "building (release, bench profile)"
cargo build --release -p telltale-firmware --bin telltaled >&2
bench_exe() { # name [cargo args] -> path of the bench binary
    local name=$1
    shift
    cargo build "$@" --profile bench -p telltale-firmware --bench "$name" --message-format=json 2>/dev/null |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | grep "/$name-" | tail -1
}
REPLAY=$(bench_exe replay)
MEMORY=$(bench_exe memory)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
frames_in() { python3 -c 'import sys
d=open(sys.argv[1],"rb").read(); o=24; n=0
while o < len(d): n+=1; o+=16+int.from_bytes(d[o+8:o+12],"little")
print(n)' "$1"; }
passes() { "$ROOT/scripts/pcap-passes.py" "$PCAP" "$@"; } # passes out [--renumber]
FRAMES=$(frames_in "$PCAP")
callgrind() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
per_frame() { echo $(( ($2 - $1) / ($3 * FRAMES) )); }

# --- 1. instructions per frame ----------------------------------------------------------------
log "callgrind: replay bench and ndpiReader on the same files, $N and $((2 * N)) passes"
for n in 1 2 "$N" $((2 * N)); do
    passes "$n" "$WORK/same$n.pcap"
    passes "$n" "$WORK/new$n.pcap" --renumber
done
declare -A ir
steady() { # input a b -> instructions per frame of passes a+1..b, ours and ndpiReader's
    local input=$1 a=$2 b=$3
    ir[$input$a]=$(per_frame "$(callgrind "$REPLAY" 1 same "$WORK/$input$a.pcap")" \
        "$(callgrind "$REPLAY" 1 same "$WORK/$input$b.pcap")" $((b - a)))
    ir[ndpi-$input$a]=$(per_frame "$(callgrind ndpiReader -q -i "$WORK/$input$a.pcap")" \
        "$(callgrind ndpiReader -q -i "$WORK/$input$b.pcap")" $((b - a)))
}
steady new "$N" $((2 * N))
steady same "$N" $((2 * N))
steady new 1 2
ir[shifted]=$(per_frame "$(callgrind "$REPLAY" "$N" fresh)" "$(callgrind "$REPLAY" $((2 * N)) fresh)" "$N")
NDPI_FLOWS_SAME=$(ndpiReader -i "$WORK/same$((2 * N)).pcap" 2>/dev/null | sed -n 's/.*Unique flows: *\([0-9]*\).*/\1/p')
NDPI_FLOWS_NEW=$(ndpiReader -i "$WORK/new$((2 * N)).pcap" 2>/dev/null | sed -n 's/.*Unique flows: *\([0-9]*\).*/\1/p')

# --- 2. frames per second ---------------------------------------------------------------------
log "timing: $RUNS runs each"
rm -f "$WORK"/same*.pcap "$WORK"/new*.pcap
passes "$PASSES" "$WORK/big.pcap"
passes "$PASSES" "$WORK/bignew.pcap" --renumber
TOTAL=$((PASSES * FRAMES))
ns_ours() { for _ in $(seq "$RUNS"); do "$REPLAY" 1 same "$1" | sed -n 's/.*, \([0-9.]*\) ns\/frame/\1/p'; done | median; }
ns_ndpi() { for _ in $(seq "$RUNS"); do ndpiReader -i "$1" 2>/dev/null |
    sed -n 's/.*Packet Processing Time: *\([0-9.]*\) msec.*/\1/p' |
    awk -v t="$TOTAL" '{printf "%.1f\n", $1 * 1e6 / t}'; done | median; }
NS_NEW=$(ns_ours "$WORK/bignew.pcap")
NS_SAME=$(ns_ours "$WORK/big.pcap")
NS_NDPI_NEW=$(ns_ndpi "$WORK/bignew.pcap")
NS_NDPI=$(ns_ndpi "$WORK/big.pcap")
wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN {print e - s}'; }
TSHARK_FILTER='tls.handshake.extensions_server_name || dns || http.host'
NS_TSHARK=$(for _ in $(seq "$RUNS"); do wall tshark -n -r "$PCAP" -Y "$TSHARK_FILTER" -T fields \
    -e tls.handshake.extensions_server_name -e dns.qry.name -e http.host; done |
    median | awk -v f="$FRAMES" '{printf "%.1f\n", $1 * 1e9 / f}')
NS_TELLTALED=$(for _ in $(seq "$RUNS"); do TELLTALE_DATA=$ROOT/data wall "$ROOT/target/release/telltaled" \
    replay --emit none --rules "$ROOT/rules/default.toml" "$WORK/big.pcap"; done |
    median | awk -v t="$TOTAL" '{printf "%.1f\n", $1 * 1e9 / t}')
fps() { awk -v ns="$1" 'BEGIN {printf "%.2f M", 1e3 / ns}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }

# --- 3. memory --------------------------------------------------------------------------------
log "memory"
"$MEMORY" >"$WORK/memory.txt"

# --- 4. live capture --------------------------------------------------------------------------
if [ "${BENCH_LIVE:-1}" = 1 ] && [ "$(id -u)" -eq 0 ]; then
    log "live capture under load (capture_load)"
    cargo bench -p telltale-firmware --bench capture_load 2>/dev/null >"$WORK/live.txt" || true
else
    echo "(live capture skipped: needs root and BENCH_LIVE=1)" >"$WORK/live.txt"
fi

# --- 5. aarch64 -------------------------------------------------------------------------------
ARM="(aarch64 skipped: BENCH_ARM=0)"
if [ "${BENCH_ARM:-1}" = 1 ]; then
    log "aarch64 cross build and emulated run"
    rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1 || true
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:-aarch64-linux-gnu-gcc}
    ARM_EXE=$(bench_exe replay --target aarch64-unknown-linux-gnu || true)
    cargo build --target aarch64-unknown-linux-gnu --release -p telltale-firmware --bin telltaled >&2 || true
    if [ -n "$ARM_EXE" ]; then
        ARM_NS=$(for _ in $(seq "$RUNS"); do qemu-aarch64-static -L /usr/aarch64-linux-gnu "$ARM_EXE" 10 fresh |
            sed -n 's/.*, \([0-9.]*\) ns\/frame/\1/p'; done | median || true)
        ARM="aarch64 replay bench under qemu-aarch64-static (EMULATED on $(uname -m), not a Pi): \
$ARM_NS ns/frame, $(fps "$ARM_NS") frames/s, 10 passes fresh flows, median of $RUNS; \
instruction counts: not available (callgrind does not run under qemu-user)"
    else
        ARM="aarch64 cross build failed (see the build output)"
    fi
fi

# --- the table --------------------------------------------------------------------------------
ndpi_ver=$(ndpiReader -h 2>&1 | sed -n 's/.*nDPI \([0-9.]*\).*/\1/p' | head -1)
{
    echo "Generated by \`scripts/bench.sh\` on $(date -u +%Y-%m-%d) ($(uname -m), \
$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, \
$(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release), kernel $(uname -r)); $(rustc --version); \
nDPI $ndpi_ver; $(tshark --version | head -1 | cut -d' ' -f1-3); $(tcpdump --version 2>&1 | head -1); \
$(tcpreplay --version 2>&1 | head -1 | cut -d' ' -f1-3); $(valgrind --version). \
Input: mixed-pass.pcap, $FRAMES frames. Timings: median of $RUNS runs on a shared machine."
    echo
    echo "| figure | telltale | ndpiReader | ratio (target) |"
    echo "|---|---|---|---|"
    echo "| instructions/frame, steady state (passes $N -> $((2 * N))), new flows every pass (addresses renumbered; ndpiReader: $NDPI_FLOWS_NEW flows) | ${ir[new$N]} | ${ir[ndpi-new$N]} | $(ratio "${ir[ndpi-new$N]}" "${ir[new$N]}")x fewer (5x) |"
    echo "| instructions/frame, passes 1 -> 2, new flows | ${ir[new1]} | ${ir[ndpi-new1]} | $(ratio "${ir[ndpi-new1]}" "${ir[new1]}")x fewer (5x) |"
    echo "| instructions/frame, steady state (passes $N -> $((2 * N))), the capture repeated as is (ndpiReader: $NDPI_FLOWS_SAME flows, classified in pass 1) | ${ir[same$N]} | ${ir[ndpi-same$N]} | $(ratio "${ir[ndpi-same$N]}" "${ir[same$N]}")x fewer |"
    echo "| instructions/frame, passes $N -> $((2 * N)), timestamps shifted past the idle timeouts each pass (telltale only) | ${ir[shifted]} | | |"
    echo "| ns/frame, 1 core, in memory, new flows, $PASSES passes (ndpiReader: its packet-processing time) | $NS_NEW ($(fps "$NS_NEW") frames/s) | $NS_NDPI_NEW ($(fps "$NS_NDPI_NEW") frames/s) | $(ratio "$NS_NDPI_NEW" "$NS_NEW")x faster (3x) |"
    echo "| ns/frame, the capture repeated as is | $NS_SAME ($(fps "$NS_SAME") frames/s) | $NS_NDPI ($(fps "$NS_NDPI") frames/s) | $(ratio "$NS_NDPI" "$NS_SAME")x faster (3x) |"
    echo "| tshark -Y '$TSHARK_FILTER' -T fields (SNI, DNS, Host), ns/frame, 1 pass, wall | $NS_NEW | tshark: $NS_TSHARK ($(fps "$NS_TSHARK") frames/s) | $(ratio "$NS_TSHARK" "$NS_NEW")x faster (50x) |"
    echo "| \`telltaled replay --emit none\` end to end, $PASSES x file, ns/frame | $NS_TELLTALED | | |"
    echo
    echo "Memory (\`firmware/benches/memory.rs\`, the engine as the daemon builds it, filled to its limits):"
    echo
    echo '```'
    cat "$WORK/memory.txt"
    echo '```'
    echo
    echo "Live capture (\`firmware/benches/capture_load.rs\`, tcpreplay into the lan veth, tcpdump beside):"
    echo
    echo '```'
    cat "$WORK/live.txt"
    echo '```'
    echo
    echo "$ARM"
} >"$OUT"
cat "$OUT"

# Replace the generated section of docs/benchmarks.md.
DOC=$ROOT/docs/benchmarks.md
python3 - "$DOC" "$OUT" <<'EOF'
import sys
doc, table = sys.argv[1], open(sys.argv[2]).read()
begin, end = "<!-- bench.sh: begin -->", "<!-- bench.sh: end -->"
text = open(doc).read()
block = f"{begin}\n{table}\n{end}"
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text += "\n## Latest run of scripts/bench.sh\n\n" + block + "\n"
open(doc, "w").write(text)
EOF
log "table written to docs/benchmarks.md"
