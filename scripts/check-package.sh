#!/usr/bin/env bash
# Checks the box's package the way a Raspberry Pi would meet it, in a Debian 12 root of the
# package's architecture (arm64 through qemu-user; scripts/debian-root.sh):
#   scripts/check-package.sh [arm64|armhf|amd64]         (arm64 when none is named)
# builds the packages (scripts/package.sh), runs lintian on them, then in the root: installs the
# box's package with apt (dependencies from the Debian mirror), checks the user, groups, modes
# and units, verifies the units with systemd-analyze, runs the installed daemon as its user on
# the recorded phone session and has the installed CLI push rules to it over TCP (the daemon
# replaces /etc/telltale/rules.toml itself, which is what the folder's permissions are for),
# reinstalls it (the pushed rules stay), purges it, and installs the laptop's package.
# Needs root. docs/packaging.md says what this covers.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:-arm64}
scripts/package.sh "$arch"
version=$(cargo pkgid --locked -p telltale-firmware | sed 's/.*[@#]//')
target=${CARGO_TARGET_DIR:-target}
box_deb=$target/debian/telltale_${version}_$arch.deb
cli_deb=$target/debian/telltale-cli_${version}_$arch.deb

fail() {
    echo "check-package: FAILED: $*" >&2
    exit 1
}
step() { echo "check-package: $*" >&2; }

# lintian: no errors or warnings (the information tags left are explained in docs/packaging.md).
command -v lintian >/dev/null 2>&1 ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lintian >/dev/null
step "lintian"
lint=$(lintian --fail-on none "$box_deb" "$cli_deb" 2>/dev/null)
if grep -E '^[EW]: ' <<<"$lint"; then
    fail "lintian found errors or warnings"
fi

root=$(mktemp -d /tmp/telltale-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
scripts/debian-root.sh make "$arch" "$root"
inside() { scripts/debian-root.sh run "$root" "$@"; }
isolated() { scripts/debian-root.sh run --no-net "$root" "$@"; }
cp "$box_deb" "$cli_deb" "$root/root/"
cp samples/phone-sample.pcapng "$root/tmp/"

step "install $box_deb"
inside apt-get install -y -qq "/root/$(basename "$box_deb")" >/dev/null 2>&1 ||
    fail "apt-get install of the box's package"

step "user, groups, modes"
[ "$(inside id -nG telltale)" = "telltale dialout gpio" ] || fail "groups of telltale: $(inside id -nG telltale)"
want() { # PATH "OWNER:GROUP MODE"
    local got
    got=$(inside stat -c '%U:%G %a' "$1")
    [ "$got" = "$2" ] || fail "$1 is $got, expected $2"
}
want /etc/telltale "root:telltale 1775"
want /etc/telltale/rules.toml "telltale:telltale 664"
want /etc/telltale/telltale.toml "root:root 644"
want /var/lib/telltale "telltale:telltale 750"
want /usr/bin/telltaled "root:root 755"

step "nothing enabled, nothing on the network"
enabled=$(inside sh -c 'ls /etc/systemd/system/*.wants 2>/dev/null' | grep -c telltale || true)
[ "$enabled" -eq 0 ] || fail "the package enabled a unit"
if inside sh -c 'ls /etc/systemd/network/ /usr/lib/systemd/network/' | grep -q telltale; then
    fail "the bridge files are where networkd reads them"
fi

step "systemd-analyze verify"
units=(telltaled.service telltale-offloads@eth0.service)
[ ! -f "$root/usr/lib/systemd/system/telltale-usb-gadget.service" ] || units+=(telltale-usb-gadget.service)
verify=$(inside systemd-analyze verify "${units[@]}" 2>&1) || fail "systemd-analyze verify: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify has warnings: $verify"

step "the installed daemon, as telltale, takes rules pushed by the installed CLI"
cat >"$root/tmp/run.toml" <<'EOF'
[capture]
backend = "file"
file = "/tmp/phone-sample.pcapng"
at_end = "hold"
[rules]
path = "/etc/telltale/rules.toml"
[data]
dir = "/usr/share/telltale"
[leds]
backend = "sim"
[journal]
path = "/var/lib/telltale/journal"
[link]
device = "/dev/ttyGS0"
tcp = "127.0.0.1:7878"
[output]
events = "/var/lib/telltale/events.jsonl"
emit = ["alerts"]
EOF
{
    cat "$root/etc/telltale/rules.toml"
    echo "# pushed by check-package.sh"
} >"$root/tmp/pushed.toml"
# The script runs inside the root (its expansions are its own):
# shellcheck disable=SC2016
isolated bash -euc '
    umask 0027   # as the unit (UMask=0027)
    setpriv --reuid=telltale --regid=telltale --init-groups telltaled run --config /tmp/run.toml 2>/tmp/daemon.log &
    daemon=$!
    for _ in $(seq 60); do
        if telltale --tcp 127.0.0.1:7878 status >/tmp/status.txt 2>&1; then break; fi
        sleep 1
    done
    telltale --tcp 127.0.0.1:7878 rules push /tmp/pushed.toml
    telltale --tcp 127.0.0.1:7878 rules get -o /tmp/got.toml
    # The daemon may replace its rules, not its config: the folder is sticky.
    as_daemon() { setpriv --reuid=telltale --regid=telltale --init-groups "$@"; }
    as_daemon sh -c "echo x >/etc/telltale/.c"
    if as_daemon mv /etc/telltale/.c /etc/telltale/telltale.toml 2>/dev/null; then
        echo "the daemon user could replace telltale.toml" >&2
        exit 1
    fi
    as_daemon rm /etc/telltale/.c
    kill -TERM "$daemon"
    wait "$daemon"
' >"$root/tmp/push.log" 2>&1 || {
    cat "$root/tmp/push.log" "$root/tmp/daemon.log" >&2
    fail "the daemon and the CLI in the root"
}
grep -q '^LEDs' "$root/tmp/status.txt" || fail "telltale status: $(cat "$root/tmp/status.txt")"
cmp -s "$root/tmp/pushed.toml" "$root/etc/telltale/rules.toml" || fail "rules.toml is not the pushed file"
cmp -s "$root/tmp/pushed.toml" "$root/tmp/got.toml" || fail "rules get does not return the pushed file"
want /etc/telltale/rules.toml "telltale:telltale 640"
grep -q '"kind":"alert"' "$root/var/lib/telltale/events.jsonl" || fail "the daemon raised no alert on the sample"

step "reinstall: the pushed rules stay"
inside dpkg -i "/root/$(basename "$box_deb")" >/dev/null 2>&1 || fail "dpkg -i again"
cmp -s "$root/tmp/pushed.toml" "$root/etc/telltale/rules.toml" || fail "reinstalling replaced the pushed rules"
want /etc/telltale/rules.toml "telltale:telltale 640"

step "purge"
inside apt-get purge -y -qq telltale >/dev/null 2>&1 || fail "apt-get purge"
for gone in /etc/telltale /var/lib/telltale /usr/bin/telltaled; do
    [ ! -e "$root$gone" ] || fail "$gone is left after the purge"
done
[ -z "$(inside dpkg-statoverride --list)" ] || fail "stat overrides left after the purge"

step "install the laptop's $cli_deb"
inside apt-get install -y -qq "/root/$(basename "$cli_deb")" >/dev/null 2>&1 ||
    fail "apt-get install of the laptop's package"
[ "$(inside telltale --version)" = "telltale $version" ] || fail "telltale --version"
[ -f "$root/usr/lib/udev/rules.d/70-telltale.rules" ] || fail "the udev rule is missing"

step "ok ($arch)"
