#!/usr/bin/env bash
# A Debian 12 root file system to install the packages into, for the package and install-doc
# checks (scripts/check-package.sh, scripts/check-install-doc.sh). Needs root.
#
#   scripts/debian-root.sh make ARCH DIR        a fresh root at DIR (arm64 runs through qemu-user)
#   scripts/debian-root.sh run [--no-net] DIR COMMAND...
#                                               COMMAND inside it, as root, in a mount namespace
#                                               of its own (/proc, /dev and a fresh /run are
#                                               mounted there and vanish with it); --no-net: in
#                                               a network namespace with only loopback
#
# The first `make` for an ARCH runs debootstrap (minbase with systemd and sudo, as on Raspberry
# Pi OS Lite; about 3 minutes for arm64) and keeps a tarball in target/debian/roots/; later ones
# unpack it in seconds. Nothing is mounted outside the namespace, so removing DIR is safe.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=bookworm
MIRROR=${TELLTALE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
INCLUDE=systemd,sudo

make_root() { # ARCH DIR
    local arch=$1 dir=$2 cache tmp
    cache=$(realpath -m "${CARGO_TARGET_DIR:-target}")/debian/roots/$SUITE-$arch-${INCLUDE//,/-}.tar
    if [ ! -f "$cache" ]; then
        command -v debootstrap >/dev/null 2>&1 || {
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
        }
        if [ "$arch" != "$(dpkg --print-architecture)" ]; then
            case "$arch" in
            arm64) scripts/cross-toolchain.sh --binfmt aarch64 ;;
            armhf) scripts/cross-toolchain.sh --binfmt armv7 ;;
            esac
        fi
        tmp=$(mktemp -d)
        echo "debootstrap $SUITE $arch (once; cached in $cache)" >&2
        if ! debootstrap --arch="$arch" --variant=minbase --include="$INCLUDE" "$SUITE" "$tmp" \
            "$MIRROR" >"$tmp.log" 2>&1; then
            tail -n 20 "$tmp.log" >&2
            rm -rf "$tmp" "$tmp.log"
            exit 1
        fi
        mkdir -p "$(dirname "$cache")"
        tar -C "$tmp" -cf "$cache.part" . && mv "$cache.part" "$cache"
        rm -rf "$tmp" "$tmp.log"
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    tar -C "$dir" -xf "$cache"
    chmod 755 "$dir" # its /: debootstrap ran in a mktemp folder (0700), closed to other users
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
}

run_in() { # [--no-net] DIR COMMAND...
    local net=() lo=no
    if [ "$1" = --no-net ]; then
        net=(--net)
        lo=yes
        shift
    fi
    # The mounts are made inside the new mount namespace (private propagation), so they are
    # gone when the command ends, however it ends. The inner script is expanded by the inner
    # bash, not here:
    # shellcheck disable=SC2016
    unshare --mount --propagation private "${net[@]}" --fork -- bash -euc '
        lo=$1 dir=$2
        shift 2
        if [ "$lo" = yes ]; then ip link set lo up; fi
        mount -t proc proc "$dir/proc"
        mount --bind /dev "$dir/dev"
        mount -t tmpfs tmpfs "$dir/run"
        exec chroot "$dir" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
    ' run-in "$lo" "$@"
}

case "${1:-}" in
make)
    [ $# -eq 3 ] || {
        echo "usage: scripts/debian-root.sh make ARCH DIR" >&2
        exit 2
    }
    make_root "$2" "$3"
    ;;
run)
    shift
    run_in "$@"
    ;;
*)
    echo "usage: scripts/debian-root.sh make ARCH DIR | run [--no-net] DIR COMMAND..." >&2
    exit 2
    ;;
esac
