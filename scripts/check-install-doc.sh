#!/usr/bin/env bash
# Runs the commands of docs/install.md, so that the guide cannot drift from the package:
#   scripts/check-install-doc.sh           run them (needs root; about 5 minutes the first time)
#   scripts/check-install-doc.sh --list    only read the guide: every fenced block must be tagged,
#                                          and every board step marked; print the blocks
#
# A block's tag is the word after `sh` on its opening fence:
#   source    run here, in the repository (builds the packages)
#   box       run in a Debian 12 arm64 root (scripts/debian-root.sh) as root, in /root, where
#             the packages were copied as `scp` would have put them in the user's home
#   laptop    run in the same root after all the box's blocks (the last of which purges the
#             box's package), with the laptop's package of the root's architecture
#   hardware  needs the Pi, its SD card or its cables: not run; the guide must say **(board)**
#             in the block's section heading or in the line that introduces it
# `text` blocks (output) are not run. After some box blocks, the state they should have made is
# checked too (expect_after below): a command that quietly did nothing fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."

DOC=docs/install.md
work=$(mktemp -d /tmp/telltale-install-doc.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Splits the guide into $work/blocks/NNN.TAG files; fails on an untagged block or an unmarked
# board step.
awk -v out="$work/blocks" '
    BEGIN { n = 0; bad = 0; system("mkdir -p " out) }
    /^## / && !inblock { heading = $0 }
    /^```/ {
        if (inblock) { inblock = 0; close(file); next }
        inblock = 1
        info = substr($0, 4)
        if (info == "text") { file = "/dev/null"; next }
        if (info !~ /^sh (source|box|laptop|hardware)$/) {
            printf "%s:%d: untagged or unknown block \"```%s\" (sh source|box|laptop|hardware, or text)\n", FILENAME, NR, info > "/dev/stderr"
            bad = 1
        }
        tag = substr(info, 4)
        if (tag == "hardware" && heading !~ /\*\*\(board\)\*\*/ && last !~ /\*\*\(board\)\*\*/) {
            printf "%s:%d: a board step not marked **(board)** in its heading or the line before\n", FILENAME, NR > "/dev/stderr"
            bad = 1
        }
        n++
        file = sprintf("%s/%03d.%s", out, n, tag)
        printf "" > file
        next
    }
    inblock { print > file; next }
    NF { last = $0 }
    END { if (inblock) { print "unclosed block at the end" > "/dev/stderr"; bad = 1 } exit bad }
' "$DOC"

blocks=("$work"/blocks/*)
if [ "${1:-}" = --list ]; then
    for b in "${blocks[@]}"; do
        printf '%s [%s]\n' "$(basename "$b" | cut -d. -f1)" "${b##*.}"
        sed 's/^/    /' "$b"
    done
    exit 0
fi

step() { echo "check-install-doc: $*" >&2; }
fail() {
    echo "check-install-doc: FAILED: $*" >&2
    exit 1
}

# 1. source blocks, here.
for b in "${blocks[@]}"; do
    [ "${b##*.}" = source ] || continue
    step "source $(basename "$b"): $(head -n 1 "$b")..."
    bash -euo pipefail "$b" || fail "source block $(basename "$b")"
done

# 2. box blocks, in an arm64 root. Raspberry Pi OS mounts its boot partition on /boot/firmware;
# debootstrap makes no such partition, so an empty config.txt stands in for the stock one.
root=$work/root
scripts/debian-root.sh make arm64 "$root"
mkdir -p "$root/boot/firmware"
: >"$root/boot/firmware/config.txt"
target=${CARGO_TARGET_DIR:-target}
cp "$target"/debian/telltale_*_arm64.deb "$target"/debian/telltale-cli_*_arm64.deb "$root/root/"
inside() { scripts/debian-root.sh run "$root" "$@"; }
enabled() { [ "$(inside systemctl is-enabled "$1" 2>/dev/null)" = enabled ]; }

expect_after() { # BLOCK-FILE
    local text
    text=$(cat "$1")
    case "$text" in
    *"apt-get purge -y telltale"*)
        inside dpkg -s telltale >/dev/null 2>&1 && fail "telltale still installed after the purge"
        [ ! -e "$root/etc/telltale" ] || fail "/etc/telltale left after the purge"
        [ ! -e "$root/var/lib/telltale" ] || fail "/var/lib/telltale left after the purge"
        if find "$root/etc/systemd" "$root/etc/modules-load.d" -name '*telltale*' | grep .; then
            fail "files or links left after removal"
        fi
        ! grep -qx 'dtoverlay=dwc2,dr_mode=peripheral' "$root/boot/firmware/config.txt" ||
            fail "the dwc2 overlay is still in config.txt"
        ;;
    *"apt-get install -y ./telltale_"*)
        inside dpkg -s telltale >/dev/null 2>&1 || fail "telltale is not installed"
        ;;
    *"systemctl enable telltale-usb-gadget"*)
        enabled telltale-usb-gadget.service || fail "telltale-usb-gadget.service is not enabled"
        [ "$(tail -n 1 "$root/boot/firmware/config.txt")" = "dtoverlay=dwc2,dr_mode=peripheral" ] ||
            fail "config.txt does not end with the dwc2 overlay"
        grep -qx dwc2 "$root/etc/modules-load.d/telltale-usb-gadget.conf" ||
            fail "dwc2 is not loaded at boot"
        ;;
    *"systemctl enable systemd-networkd"*)
        enabled systemd-networkd.service || fail "systemd-networkd is not enabled"
        enabled systemd-networkd-wait-online.service && fail "systemd-networkd-wait-online is still enabled"
        [ "$(find "$root/etc/systemd/network" -name '*telltale*' | wc -l)" -eq 3 ] ||
            fail "the three bridge files are not in /etc/systemd/network"
        grep -q 'interface-name:eth0' "$root/etc/NetworkManager/conf.d/telltale.conf" ||
            fail "NetworkManager is not told to leave eth0 alone"
        ;;
    *"systemctl enable telltale-offloads"*)
        for u in telltale-offloads@eth0.service telltale-offloads@eth1.service telltaled.service; do
            enabled "$u" || fail "$u is not enabled"
        done
        ;;
    esac
    return 0
}

for b in "${blocks[@]}"; do
    [ "${b##*.}" = box ] || continue
    step "box $(basename "$b"): $(head -n 1 "$b")..."
    inside bash -euo pipefail -c "cd /root; $(cat "$b")" >"$work/out" 2>&1 || {
        cat "$work/out" >&2
        fail "box block $(basename "$b")"
    }
    expect_after "$b"
done

# 3. laptop blocks, in the same root.
for b in "${blocks[@]}"; do
    [ "${b##*.}" = laptop ] || continue
    step "laptop $(basename "$b"): $(head -n 1 "$b")..."
    inside bash -euo pipefail -c "cd /root; $(cat "$b")" >"$work/out" 2>&1 || {
        cat "$work/out" >&2
        fail "laptop block $(basename "$b")"
    }
done
grep -q '^telltale ' "$work/out" || fail "the laptop's last block printed no telltale version"

hardware=$(printf '%s\n' "${blocks[@]}" | grep -c '\.hardware$' || true)
step "ok: every command but the $hardware board steps ran"
