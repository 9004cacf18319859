#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine: installs what the tests need, then runs
# formatting, lint and every test in the workspace. CI calls this through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup component add rustfmt clippy >/dev/null 2>&1 || true

# scripts/bridge.sh and its test (firmware/tests/bridge_script.rs) need ip, ethtool and unshare.
for tool in ip:iproute2 ethtool:ethtool unshare:util-linux; do
  if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y "${tool##*:}" >/dev/null
  fi
done

if [ ! -d ../shared/corpus/pcaps ]; then
  echo "error: ../shared/corpus/pcaps not found beside the repository: the corpus tests need it" >&2
  exit 1
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
