#!/usr/bin/env bash
# Makes this Debian 12 machine able to build for the box and run what it built:
#   scripts/cross-toolchain.sh [aarch64|armv7]...      (both when none is named)
# For each target: Debian's cross C compiler and C library (linker, and rusqlite's bundled
# SQLite), qemu-user-static, and the Rust standard library (rustup). With --binfmt, also makes
# the kernel run the target's programs through qemu (binfmt_misc), which the tests need when a
# test program starts another one (the built telltaled, or itself). Installs only what is
# missing; needs root for apt and binfmt_misc. .cargo/config.toml names the same tools.
set -euo pipefail

binfmt=no
targets=()
for arg in "$@"; do
    case "$arg" in
    --binfmt) binfmt=yes ;;
    aarch64 | armv7) targets+=("$arg") ;;
    *)
        echo "usage: scripts/cross-toolchain.sh [--binfmt] [aarch64|armv7]..." >&2
        exit 2
        ;;
    esac
done
[ "${#targets[@]}" -gt 0 ] || targets=(aarch64 armv7)

# target: rust triple, gcc, Debian packages, qemu binary, binfmt name
describe() {
    case "$1" in
    aarch64)
        triple=aarch64-unknown-linux-gnu gcc=aarch64-linux-gnu-gcc
        packages=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) qemu=qemu-aarch64-static
        binfmt_name="qemu-aarch64"
        ;;
    armv7)
        triple=armv7-unknown-linux-gnueabihf gcc=arm-linux-gnueabihf-gcc
        packages=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross) qemu=qemu-arm-static
        binfmt_name="qemu-arm"
        ;;
    esac
}

missing=()
for t in "${targets[@]}"; do
    describe "$t"
    command -v "$gcc" >/dev/null 2>&1 || missing+=("${packages[@]}")
    command -v "$qemu" >/dev/null 2>&1 || missing+=(qemu-user-static)
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: cross builds need these Debian packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
    fi
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for t in "${targets[@]}"; do
    describe "$t"
    if ! rustup target list --installed | grep -qx "$triple"; then
        rustup target add "$triple" >&2
    fi
done

[ "$binfmt" = yes ] || exit 0

# qemu-user-static ships its binfmt_misc entries in /usr/lib/binfmt.d; systemd-binfmt loads them
# at boot, but a machine without systemd as init (a container, a CI VM) has none registered.
# Registering one is what systemd-binfmt would do: it affects only programs of that
# architecture. The interpreter finds the target's C library through QEMU_LD_PREFIX.
misc=/proc/sys/fs/binfmt_misc
if [ ! -e "$misc/register" ]; then
    mount -t binfmt_misc binfmt_misc "$misc" 2>/dev/null || {
        echo "error: binfmt_misc is not available (mount -t binfmt_misc failed): the tests that start" \
            "programs of the target architecture cannot run here" >&2
        exit 1
    }
fi
for t in "${targets[@]}"; do
    describe "$t"
    if [ ! -e "$misc/$binfmt_name" ]; then
        conf=/usr/lib/binfmt.d/$binfmt_name.conf
        [ -r "$conf" ] || {
            echo "error: $conf missing (qemu-user-static should ship it)" >&2
            exit 1
        }
        grep -v '^#' "$conf" >"$misc/register"
        echo "registered $binfmt_name with binfmt_misc" >&2
    fi
done
