#!/usr/bin/env bash
# Fuzzes the dissectors, the capture readers, the engine, the rules parser and the table readers
# (see docs/fuzzing.md): installs cargo-fuzz if missing, seeds the corpora from the real captures
# and the repository's rules and tables, then runs each target in turn (one libFuzzer process at
# a time) for SECONDS_PER_TARGET (default 90). Targets whose corpus was still growing in the last
# quarter of their run (by executions) get a second pass of SECOND_PASS seconds (default 300;
# 0 turns it off) on the corpus of the first. Prints a results table at the end.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   scripts/fuzz.sh --summary LOG_DIR...     # the results table of earlier runs
#
# Environment: FUZZ_SANITIZER (address | none, default address), FUZZ_CAPTURES (directory of
# .pcap/.pcapng seeds, default ../shared/corpus/pcaps beside the repository), SECOND_PASS
# (seconds, default 300), CARGO_BUILD_JOBS (default 1). Logs go to fuzz/logs/pass1/ and
# fuzz/logs/pass2/. cargo-fuzz needs nightly-only rustc flags: on a stable toolchain they are
# unlocked with RUSTC_BOOTSTRAP=1, which this script sets.
set -euo pipefail
cd "$(dirname "$0")/.."

# One results row per log: target, executions, exec/s, cov, ft, corpus, last NEW (execution
# number of the last input added, and its share of the run), growing (last NEW in the last 25%).
summary() {
  echo "| target | execs | exec/s | cov | ft | corpus | last NEW | growing |"
  echo "|---|---:|---:|---:|---:|---|---|---|"
  local log
  for log in "$@"; do
    awk -v target="$(basename "$log" .log)" '
      /^stat::number_of_executed_units:/ { execs = $2 }
      /^stat::average_exec_per_sec:/ { rate = $2 }
      /^#[0-9]+/ && / cov: / {
        for (i = 1; i <= NF; i++) {
          if ($i == "cov:") cov = $(i + 1)
          if ($i == "ft:") ft = $(i + 1)
          if ($i == "corp:") corp = $(i + 1)
        }
      }
      /^#[0-9]+[ \t]+NEW / { last_new = substr($1, 2) }
      END {
        if (execs == "") { printf "| %s | (no final stats: crash or error) | | | | | | |\n", target; exit }
        share = (execs > 0 && last_new != "") ? 100 * last_new / execs : 0
        growing = (share > 75) ? "yes" : "no"
        printf "| %s | %d | %d | %s | %s | %s | %s (%.0f%%) | %s |\n", target, execs, rate, cov, ft, corp,
          (last_new == "" ? "none" : last_new), share, growing
      }' "$log"
  done
}

if [ "${1:-}" = "--summary" ]; then
  shift
  for dir in "$@"; do
    echo "$dir:"
    summary "$dir"/*.log
  done
  exit 0
fi

seconds="${1:-90}"
shift || true
second_pass="${SECOND_PASS:-300}"
sanitizer="${FUZZ_SANITIZER:-address}"
captures="${FUZZ_CAPTURES:-../shared/corpus/pcaps}"
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
export PATH="$HOME/.cargo/bin:$PATH"

# Largest input per target: a frame for the packet targets, a reassembled message for the
# stream ones, several frames for the file and pipeline targets, a file for rules and tables.
declare -A max_len=(
  [link_decode]=2048 [ethernet]=2048 [ipv4]=2048 [ipv6]=2048 [tcp]=1600 [udp]=1600
  [dns]=4096 [dhcp]=1024 [http]=8192 [tls_client_hello]=4096 [tls_stream]=8192
  [quic_initial]=2048 [quic_protected]=2048 [quic_frames]=2048
  [capture_file]=32768 [defrag]=4096 [engine]=16384 [rules]=16384 [geo]=8192
  [link_frames]=65536
)
all_targets=(link_decode ethernet ipv4 ipv6 tcp udp dns dhcp http tls_client_hello tls_stream
  quic_initial quic_protected quic_frames capture_file defrag engine rules geo link_frames)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

# Seeds: cut from the captures with the firmware's own dissectors, and taken from the rules,
# packs and test fixtures (fuzz/seed); never committed.
(cd fuzz/seed && cargo build --release --locked --quiet --target-dir ../target/seed)
shopt -s nullglob
capture_files=()
if [ -d "$captures" ]; then
  capture_files=("$captures"/*.pcap "$captures"/*.pcapng)
else
  echo "warning: $captures not found: packet targets get no seeds" >&2
fi
fuzz/target/seed/release/telltale-fuzz-seed fuzz/corpus . "${capture_files[@]}"

(cd fuzz && cargo fuzz build -s "$sanitizer")

status=0
# run PASS SECONDS TARGET...: one libFuzzer process per target, one after the other.
run() {
  local pass="$1" secs="$2" target log
  shift 2
  mkdir -p "fuzz/logs/$pass"
  rm -f "fuzz/logs/$pass"/*.log "fuzz/logs/$pass/summary.md"
  for target in "$@"; do
    mkdir -p "fuzz/corpus/$target"
    log="fuzz/logs/$pass/$target.log"
    echo "== $pass $target: ${secs}s, -max_len=${max_len[$target]}"
    if ! (cd fuzz && cargo fuzz run -s "$sanitizer" "$target" -- \
        -max_total_time="$secs" -max_len="${max_len[$target]}" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1) >"$log" 2>&1; then
      echo "   CRASH or error: see $log and fuzz/artifacts/$target/"
      status=1
    fi
  done
}

run pass1 "$seconds" "${targets[@]}"
logs=()
for target in "${targets[@]}"; do logs+=("fuzz/logs/pass1/$target.log"); done
echo
echo "pass 1 (${seconds}s each):"
summary "${logs[@]}" | tee fuzz/logs/pass1/summary.md

if [ "$second_pass" -gt 0 ]; then
  growing=()
  for target in "${targets[@]}"; do
    if summary "fuzz/logs/pass1/$target.log" | tail -n 1 | grep -q '| yes |$'; then
      growing+=("$target")
    fi
  done
  if [ "${#growing[@]}" -gt 0 ]; then
    run pass2 "$second_pass" "${growing[@]}"
    logs=()
    for target in "${growing[@]}"; do logs+=("fuzz/logs/pass2/$target.log"); done
    echo
    echo "pass 2 (${second_pass}s each, targets still growing at the end of pass 1):"
    summary "${logs[@]}" | tee fuzz/logs/pass2/summary.md
  fi
fi
exit "$status"
