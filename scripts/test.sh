#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine: installs what the tests need, then runs
# formatting, lint and every test in the workspace. CI calls this through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh

if [ ! -d ../shared/corpus/pcaps ]; then
  echo "error: ../shared/corpus/pcaps not found beside the repository: the corpus tests need it" >&2
  exit 1
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
