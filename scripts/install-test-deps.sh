#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian 12 machine (as root): the Debian packages
# whose commands are missing, and the Rust components. Idempotent: a second run installs nothing.
set -euo pipefail

# command:package pairs.
#   ip, sysctl, unshare, ethtool  namespaces, the bridge script and the live capture tests
#   dnsmasq, curl, dig, dhclient, openssl, python3   the end-to-end test's router and phone
#   the lint of the shell scripts: shellcheck
#   chromium                      the HTML report test (headless)
NEEDED=(
    ip:iproute2 sysctl:procps unshare:util-linux ethtool:ethtool
    dnsmasq:dnsmasq curl:curl dig:dnsutils dhclient:isc-dhcp-client openssl:openssl
    python3:python3 shellcheck:shellcheck chromium:chromium
)

missing=()
for pair in "${NEEDED[@]}"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: the tests need these Debian packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
    fi
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

rustup component add rustfmt clippy >/dev/null 2>&1 || true
