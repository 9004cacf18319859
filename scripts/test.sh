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
# The box: the tests for aarch64 under qemu and both release targets (docs/cross.md), the arm64
# package installed in a Debian root, and the install guide's commands (docs/packaging.md).
scripts/cross-test.sh
scripts/check-package.sh arm64
scripts/check-install-doc.sh
